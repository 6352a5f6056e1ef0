/**
 * `summary.md` for `$GITHUB_STEP_SUMMARY`: what failed, what was flaky, what was skipped or served
 * from the cache, whether isolation took effect, how far coverage is from the gate and which lane
 * bounds the wall clock, readable in ten seconds. It never contradicts itself: a green title with a
 * lane red on its first attempt says so. GitHub rejects a step summary over 1 MiB, so failure
 * details are cut first, with a note saying how many were left out.
 */
import { formatSeconds as secs, formatTime } from "./format.js";
import { block, cell as tableCell, code, html, sentence, text } from "./markdown.js";
import type { Result, ResultFailure, ResultLane } from "./result.js";

/** GitHub's limit for one step summary, in UTF-8 bytes. */
export const SUMMARY_MAX_BYTES = 1_048_576;

const bytes = (s: string) => Buffer.byteLength(s, "utf8");

/** A table cell of untrusted plain text. */
const cell = (s: string) => tableCell(text(s));

const pct = (n: number) => `${n.toFixed(2)}%`;

const STATUS_ICON: Record<ResultLane["status"], string> = {
  passed: "✅",
  failed: "❌",
  "no-tests": "⚪",
  crashed: "💥",
  timeout: "⏱️",
  "not-ready": "🚫",
  missing: "❓",
};

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

function list(ids: readonly string[], max = 3): string {
  const shown = ids.slice(0, max).map(code).join(", ");
  return ids.length > max ? `${shown} and ${ids.length - max} more` : shown;
}

/** A lane that failed at first and is green after its reruns (flaky or quarantined tests only). */
const greenOnRerun = (l: ResultLane) => l.status === "failed" && !l.red && l.flaky.length > 0;

function title(r: Result): string {
  if (!r.ok) return "## ❌ Backend tests failed";
  const flaky = r.totals.flaky;
  return flaky > 0 ? `## ✅ Backend tests passed, with ${plural(flaky, "flaky test")}` : "## ✅ Backend tests passed";
}

/** Which lanes were red on their first attempt although the run is green: the table must not contradict the title. */
function firstAttempts(r: Result): string[] {
  return r.lanes.filter(greenOnRerun).map((l) => {
    const detail = r.failures.find((f) => f.lane === l.id && f.class === "flaky")?.detail;
    const what = l.flaky.length === 1 && detail ? `${code(l.flaky[0])} ${detail}` : `${list(l.flaky)} failed, then passed on a rerun`;
    return `Lane ${code(l.id)} was red on its first attempt: ${what} (flaky policy \`${r.flaky_policy}\`).`;
  });
}

function cacheNote(r: Result): string | null {
  const reused = r.lanes.filter((l) => l.reused_from !== null);
  if (reused.length === 0) return null;
  const times = [...new Set(reused.map((l) => formatTime(l.reused_from!)))].sort();
  const [when, whose] = times.length === 1 ? [`a run at ${times[0]}`, "that run's"] : [`runs from ${times[0]} to ${times.at(-1)}`, "those runs'"];
  const which = reused.length === r.lanes.length ? `All ${plural(reused.length, "lane")}` : `${reused.length} of ${plural(r.lanes.length, "lane")} (${list(reused.map((l) => l.id))})`;
  return `♻️ ${which} reused from ${when}: the engine served their unchanged results from its cache, so their figures are ${whose}. Pass \`--cache-buster\` to run them again.`;
}

function headline(r: Result): string {
  const t = r.totals;
  const facts = [
    r.part ? `part ${r.part.index} of ${r.part.count}` : null,
    `${t.tests} tests in ${t.lanes} lane${t.lanes === 1 ? "" : "s"}`,
    t.skipped > 0 ? `${t.skipped} skipped` : null,
    r.coverage && r.coverage.total !== null ? `coverage ${pct(r.coverage.total)} (gate ${r.coverage.fail_under}%)` : null,
    t.flaky > 0 ? `${t.flaky} flaky (policy \`${r.flaky_policy}\`)` : null,
    t.quarantined > 0 ? `${t.quarantined} quarantined` : null,
  ].filter(Boolean);
  const reasons = r.reasons.map((x) => `- ${sentence(x)}`).join("\n");
  const warnings = r.warnings.map((x) => `- ⚠️ ${sentence(x)}`).join("\n");
  return [title(r), facts.join(" · "), reasons, firstAttempts(r).join("\n"), cacheNote(r), warnings].filter(Boolean).join("\n\n");
}

function statusCell(l: ResultLane): string {
  const parts: string[] = [];
  if (greenOnRerun(l)) parts.push(`✅ passed on rerun (first attempt ${STATUS_ICON.failed} failed)`);
  else if (l.status === "timeout") parts.push(`${STATUS_ICON.timeout} timeout after ${plural(l.tests, "test")}`);
  else parts.push(`${STATUS_ICON[l.status]} ${l.status}${l.red && l.status === "passed" ? " (red)" : ""}`);
  // A rerun that did not run its tests to the end; one without lane.json is listed with the problems.
  for (const x of l.rerun_runs) if (!["passed", "failed", "missing"].includes(x.status)) parts.push(`${x.id} ${STATUS_ICON[x.status]} ${x.status}`);
  if (l.reused_from) parts.push(`♻️ reused from a run at ${formatTime(l.reused_from)}`);
  const problems = l.problems.length > 0 ? ` ⚠️ ${l.problems.join("; ")}` : "";
  return parts.join(" · ") + problems;
}

function lanesTable(r: Result): string {
  const rows = r.lanes.map((l) => {
    const failed = `${l.failing.length}${l.quarantined.length > 0 ? ` (+${l.quarantined.length} quarantined)` : ""}`;
    return `| ${cell(l.id)} | ${cell(statusCell(l))} | ${l.tests} | ${failed} | ${l.skipped} | ${l.flaky.length} | ${secs(l.duration_s)} |`;
  });
  return ["### Lanes", "", "| Lane | Status | Tests | Failing | Skipped | Flaky | Duration |", "|---|---|--:|--:|--:|--:|--:|", ...rows].join("\n");
}

const VERDICT_ICON: Record<string, string> = { effective: "✅", conftest: "ℹ️", off: "⚪", unknown: "❔", partial: "⚠️", "no-effect": "⚠️", unused: "⚠️", error: "⚠️" };

/** What the isolation plugin measured in each lane, verdicts verbatim: never a claim it did not make. */
function isolationSection(r: Result): string | null {
  const rows = r.lanes.flatMap((l) => {
    const i = l.isolation;
    if (!i) return [];
    const out: string[] = [];
    if (i.database) out.push(`- ${code(l.id)} database: ${VERDICT_ICON[i.database.verdict] ?? "❔"} ${i.database.verdict}: ${sentence(i.database.message)}`);
    if (i.redis) out.push(`- ${code(l.id)} Redis: ${VERDICT_ICON[i.redis.verdict] ?? "❔"} ${i.redis.verdict}: ${sentence(i.redis.message)}`);
    const prefixes = Object.entries(i.index_prefixes);
    if (prefixes.length > 0) out.push(`- ${code(l.id)} search index prefixes: ${prefixes.map(([w, p]) => `${w} ${code(p)}`).join(", ")}`);
    return out;
  });
  return rows.length > 0 ? ["### Isolation", "", ...rows].join("\n") : null;
}

/** Test files the plan left out on purpose, so a file in no lane is seen, not lost. */
function unplannedSection(r: Result, max = 50): string | null {
  if (r.unplanned.length === 0) return null;
  const rows = r.unplanned.slice(0, max).map((f) => `- ${code(f)}`);
  if (r.unplanned.length > max) rows.push(`- … and ${r.unplanned.length - max} more (result.json lists them all)`);
  return [`### Left out on purpose (${r.unplanned.length})`, "", "No lane runs these test files:", "", ...rows].join("\n");
}

function coverageSection(r: Result): string {
  const c = r.coverage;
  if (!c && r.part) return "### Coverage\n\nCombined and gated by the matrix's combine-parts job.";
  if (!c) return "### Coverage\n\nNo combined coverage (see the reasons above).";
  const lines = ["### Coverage", ""];
  if (c.total === null || c.distance === null) lines.push(`Not combined: ${sentence(c.message)}`);
  else {
    const where = c.distance >= 0 ? `${c.distance.toFixed(2)} points above` : `${(-c.distance).toFixed(2)} points below`;
    lines.push(`${c.distance >= 0 ? "✅" : "❌"} **${pct(c.total)}** against the gate of **${c.fail_under}%**: ${where}.`);
  }
  for (const p of c.problems) lines.push(`- ⚠️ ${sentence(p)}`);
  return lines.join("\n");
}

function floorsTable(r: Result): string | null {
  if (r.floors.length === 0) return null;
  const rows = r.floors.map((f) => {
    const figure = f.percent === null ? "no file" : pct(f.percent);
    const floor = f.floor === "exempt" ? "exempt" : `${f.floor}%`;
    return `| ${tableCell(code(f.glob))} | ${figure} | ${floor} | ${f.files} | ${f.passed ? "✅" : "❌"} |`;
  });
  return ["### Coverage floors", "", "| Path | Coverage | Floor | Files | |", "|---|--:|--:|--:|---|", ...rows].join("\n");
}

function failureEntry(f: ResultFailure): string {
  const tag = f.class === "failing" ? "" : ` (${f.class})`;
  const crashed = f.crashed ? " 💥 worker crashed" : "";
  const title = `<summary>${html(f.nodeid)}${tag} in ${html(f.lane)}${crashed}: ${html(f.message)}</summary>`;
  return `<details>${title}\n\n${block(f.excerpt)}\n\n</details>`;
}

function flakySection(r: Result): string | null {
  const flaky = r.failures.filter((f) => f.class !== "failing");
  if (flaky.length === 0) return null;
  const rows = flaky.map((f) => `- ${code(f.nodeid)} in ${code(f.lane)}: ${f.class}, ${text(f.detail)}`);
  return [`### Flaky and quarantined (policy \`${r.flaky_policy}\`)`, "", ...rows].join("\n");
}

function slowestTable(r: Result): string | null {
  if (r.slowest.length === 0) return null;
  const rows = r.slowest.map((s) => `| ${tableCell(code(s.nodeid))} | ${cell(s.lane)} | ${s.seconds.toFixed(2)}s |`);
  return ["### Ten slowest tests", "", "| Test | Lane | Time |", "|---|---|--:|", ...rows].join("\n");
}

function runLines(r: Result): string[] {
  const run = r.timings.run;
  const out: string[] = [];
  if (run.wall_s !== null) out.push(`This run took ${secs(run.wall_s)}${run.setup_s !== null ? `, backend setup ${secs(run.setup_s)} of it` : ""}.`);
  if (r.timings.lanes_wall_s !== null) {
    out.push(`The lanes that ran spanned ${secs(r.timings.lanes_wall_s)}, from the first service start to the last lane's end, by the lanes' own clock.`);
  }
  return out;
}

/** A lane whose pytest never started shows the workers it was planned with, not "serial". */
function pytestCell(l: Result["timings"]["lanes"][number], lane: ResultLane | undefined): string {
  const planned = lane?.workers.planned ?? "";
  const neverRan = lane !== undefined && lane.tests === 0 && (lane.status === "not-ready" || lane.status === "crashed");
  if (neverRan && lane.workers.used === 0 && planned !== "" && planned !== "0") return `planned \`-n ${planned}\`, never ran`;
  return l.mode === "parallel" ? `${l.workers} workers` : "serial";
}

function readinessCell(l: Result["timings"]["lanes"][number]): string {
  if (l.service_wait_s === null) return secs(l.readiness_s);
  return `${secs(l.readiness_s)} (engine ${secs(l.service_wait_s)} + runner ${secs(l.runner_readiness_s)})`;
}

function criticalPathSection(r: Result): string | null {
  const t = r.timings;
  const cp = t.critical_path;
  const run = runLines(r);
  if (!cp && t.warnings.length === 0 && run.length === 0) return null;
  const lines = ["### Critical path", ""];
  if (run.length > 0) lines.push(run.join(" "), "");
  if (cp) {
    const name = (lanes: string[]) =>
      lanes.length === 1 ? `lane ${code(lanes[0])}` : `the serial chain ${lanes.map(code).join(" → ")}`;
    const next = cp.next ? `, ${secs(cp.margin_s)} longer than ${name(cp.next.lanes)} (${secs(cp.next.total_s)})` : "";
    const sentence = cp.bound.reused
      ? `In the run that produced its results, ${name(cp.bound.lanes)} bounded the lanes at ${secs(cp.bound.total_s)}${next}.`
      : `${name(cp.bound.lanes)} bounds the lanes at ${secs(cp.bound.total_s)}${next}.`;
    lines.push(sentence[0].toUpperCase() + sentence.slice(1));
  }
  if (t.lanes.length > 0) {
    const byId = new Map(r.lanes.map((l) => [l.id, l]));
    const rows = t.lanes.map((l) => {
      const eff = l.efficiency === null ? "–" : l.efficiency.toFixed(2);
      const lane = byId.get(l.lane);
      const ran = lane?.reused_from ? `reused (${formatTime(lane.reused_from)})` : lane?.requested_at ? "this run" : "–";
      return `| ${cell(l.lane)} | ${pytestCell(l, lane)} | ${readinessCell(l)} | ${secs(l.tests_s)} | ${secs(l.total_s)} | ${eff} | ${ran} |`;
    });
    lines.push("", "| Lane | pytest | Readiness | Tests | Total | Efficiency | Ran |", "|---|---|--:|--:|--:|--:|---|", ...rows);
    if (t.lanes.some((l) => l.service_wait_s !== null)) {
      lines.push(
        "",
        "Readiness is the engine holding the lane until its services' health checks passed (measured in the container from the services' own start times) plus the runner's own wait; Total is each lane's span by its own clock, reruns included.",
      );
    }
  }
  if (t.warnings.length > 0) lines.push("", ...t.warnings.map((w) => `- ⚠️ ${sentence(w)}`));
  return lines.join("\n");
}

/**
 * Renders the run as markdown, at most `maxBytes` UTF-8 bytes (GitHub's 1 MiB by default). Failure
 * details go first when space runs out, replaced by a note counting what was left out.
 */
export function renderSummary(result: Result, maxBytes: number = SUMMARY_MAX_BYTES): string {
  const before = [headline(result), lanesTable(result), isolationSection(result), coverageSection(result), floorsTable(result), unplannedSection(result)];
  const after = [flakySection(result), slowestTable(result), criticalPathSection(result)];
  const join = (parts: (string | null)[]) => `${parts.filter((p) => p !== null).join("\n\n")}\n`;
  const fixed = join([...before, ...after]);
  const shown = result.failures.filter((f) => f.class !== "quarantined");
  if (shown.length === 0) return fitted(fixed, maxBytes);
  const heading = `### Failures (${shown.length})`;
  const note = (n: number) => `… truncated: ${n} more failures, see junit.xml`;
  let budget = maxBytes - bytes(fixed) - bytes(`${heading}\n\n\n\n${note(shown.length)}\n\n`);
  const entries: string[] = [];
  for (const f of shown) {
    const entry = failureEntry(f);
    const size = bytes(entry) + 2;
    if (size > budget) break;
    budget -= size;
    entries.push(entry);
  }
  const left = shown.length - entries.length;
  const failures = [heading, ...entries, ...(left > 0 ? [note(left)] : [])].join("\n\n");
  return fitted(join([...before, failures, ...after]), maxBytes);
}

/** Last resort when even the tables are too long: cut at a line and say so. */
function fitted(md: string, maxBytes: number): string {
  if (bytes(md) <= maxBytes) return md;
  const note = "\n\n… truncated: the summary exceeded GitHub's limit, see result.json\n";
  const buf = Buffer.from(md, "utf8").subarray(0, maxBytes - bytes(note));
  const text = buf.toString("utf8").replace(/\uFFFD$/, "");
  return text.slice(0, text.lastIndexOf("\n")) + note;
}
