/**
 * `summary.md` for `$GITHUB_STEP_SUMMARY`: what failed, what was flaky, how far coverage is from the
 * gate and which lane bounds the wall clock, readable in ten seconds. GitHub rejects a step summary
 * over 1 MiB, so failure details are cut first, with a note saying how many were left out.
 */
import type { Result, ResultFailure, ResultLane } from "./result.js";

/** GitHub's limit for one step summary, in UTF-8 bytes. */
export const SUMMARY_MAX_BYTES = 1_048_576;

const bytes = (s: string) => Buffer.byteLength(s, "utf8");

/** Table cells: pipes split columns and newlines end rows. */
const cell = (s: string) => s.replaceAll("|", "\\|").replace(/\r?\n/g, " ");

/** An inline code span that survives backticks inside the text. */
function code(s: string): string {
  const runs = s.match(/`+/g) ?? [];
  const fence = "`".repeat(Math.max(0, ...runs.map((r) => r.length)) + 1);
  return fence.length > 1 ? `${fence} ${s} ${fence}` : `\`${s}\``;
}

/** A fenced block whose fence is longer than any backtick run in the text. */
function block(text: string): string {
  const runs = text.match(/`{3,}/g) ?? [];
  const fence = "`".repeat(Math.max(3, ...runs.map((r) => r.length + 1)));
  return `${fence}text\n${text}\n${fence}`;
}

const secs = (n: number | null) => (n === null ? "–" : n >= 100 ? `${Math.round(n)}s` : `${n.toFixed(1)}s`);
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

function headline(r: Result): string {
  const t = r.totals;
  const facts = [
    r.part ? `part ${r.part.index} of ${r.part.count}` : null,
    `${t.tests} tests in ${t.lanes} lane${t.lanes === 1 ? "" : "s"}`,
    r.coverage && r.coverage.total !== null ? `coverage ${pct(r.coverage.total)} (gate ${r.coverage.fail_under}%)` : null,
    t.flaky > 0 ? `${t.flaky} flaky (policy \`${r.flaky_policy}\`)` : null,
    t.quarantined > 0 ? `${t.quarantined} quarantined` : null,
  ].filter(Boolean);
  const title = r.ok ? "## ✅ Backend tests passed" : "## ❌ Backend tests failed";
  const reasons = r.reasons.map((x) => `- ${x}`).join("\n");
  return [title, facts.join(" · "), reasons].filter(Boolean).join("\n\n");
}

function lanesTable(r: Result): string {
  const rows = r.lanes.map((l) => {
    const status = `${STATUS_ICON[l.status]} ${l.status}${l.red && l.status === "passed" ? " (red)" : ""}`;
    const problems = l.problems.length > 0 ? ` ⚠️ ${l.problems.join("; ")}` : "";
    return `| ${cell(l.id)} | ${cell(status + problems)} | ${l.tests} | ${l.failures + l.errors} | ${l.flaky.length} | ${secs(l.duration_s)} |`;
  });
  return ["### Lanes", "", "| Lane | Status | Tests | Failures | Flaky | Duration |", "|---|---|--:|--:|--:|--:|", ...rows].join("\n");
}

function coverageSection(r: Result): string {
  const c = r.coverage;
  if (!c && r.part) return "### Coverage\n\nCombined and gated by the matrix's combine-parts job.";
  if (!c) return "### Coverage\n\nNo combined coverage (see the reasons above).";
  const lines = ["### Coverage", ""];
  if (c.total === null || c.distance === null) lines.push(`Not combined: ${c.message}`);
  else {
    const where = c.distance >= 0 ? `${c.distance.toFixed(2)} points above` : `${(-c.distance).toFixed(2)} points below`;
    lines.push(`${c.distance >= 0 ? "✅" : "❌"} **${pct(c.total)}** against the gate of **${c.fail_under}%**: ${where}.`);
  }
  for (const p of c.problems) lines.push(`- ⚠️ ${p}`);
  return lines.join("\n");
}

function floorsTable(r: Result): string | null {
  if (r.floors.length === 0) return null;
  const rows = r.floors.map((f) => {
    const figure = f.percent === null ? "no file" : pct(f.percent);
    const floor = f.floor === "exempt" ? "exempt" : `${f.floor}%`;
    return `| ${cell(code(f.glob))} | ${figure} | ${floor} | ${f.files} | ${f.passed ? "✅" : "❌"} |`;
  });
  return ["### Coverage floors", "", "| Path | Coverage | Floor | Files | |", "|---|--:|--:|--:|---|", ...rows].join("\n");
}

function failureEntry(f: ResultFailure): string {
  const tag = f.class === "failing" ? "" : ` (${f.class})`;
  const crashed = f.crashed ? " 💥 worker crashed" : "";
  const title = `<summary>${escapeHtml(f.nodeid)}${tag} in ${escapeHtml(f.lane)}${crashed}: ${escapeHtml(f.message)}</summary>`;
  return `<details>${title}\n\n${block(f.excerpt)}\n\n</details>`;
}

function escapeHtml(s: string): string {
  return s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

function flakySection(r: Result): string | null {
  const flaky = r.failures.filter((f) => f.class !== "failing");
  if (flaky.length === 0) return null;
  const rows = flaky.map((f) => `- ${code(f.nodeid)} in ${code(f.lane)}: ${f.class}, ${f.detail}`);
  return [`### Flaky and quarantined (policy \`${r.flaky_policy}\`)`, "", ...rows].join("\n");
}

function slowestTable(r: Result): string | null {
  if (r.slowest.length === 0) return null;
  const rows = r.slowest.map((s) => `| ${cell(code(s.nodeid))} | ${cell(s.lane)} | ${s.seconds.toFixed(2)}s |`);
  return ["### Ten slowest tests", "", "| Test | Lane | Time |", "|---|---|--:|", ...rows].join("\n");
}

function criticalPathSection(r: Result): string | null {
  const t = r.timings;
  const cp = t.critical_path;
  if (!cp && t.warnings.length === 0) return null;
  const lines = ["### Critical path", ""];
  if (cp) {
    const name = (lanes: string[]) =>
      lanes.length === 1 ? `lane ${code(lanes[0])}` : `the serial chain ${lanes.map(code).join(" → ")}`;
    const next = cp.next ? `, ${secs(cp.margin_s)} longer than ${name(cp.next.lanes)} (${secs(cp.next.total_s)})` : "";
    const sentence = `${name(cp.bound.lanes)} bounds the run at ${secs(cp.bound.total_s)}${next}.`;
    lines.push(sentence[0].toUpperCase() + sentence.slice(1));
  }
  if (t.lanes.length > 0) {
    const rows = t.lanes.map((l) => {
      const eff = l.efficiency === null ? "–" : l.efficiency.toFixed(2);
      const workers = l.mode === "parallel" ? `${l.workers} workers` : "serial";
      return `| ${cell(l.lane)} | ${workers} | ${secs(l.setup_s)} | ${secs(l.readiness_s)} | ${secs(l.tests_s)} | ${secs(l.total_s)} | ${eff} |`;
    });
    lines.push("", "| Lane | pytest | Setup | Readiness | Tests | Total | Efficiency |", "|---|---|--:|--:|--:|--:|--:|", ...rows);
  }
  if (t.warnings.length > 0) lines.push("", ...t.warnings.map((w) => `- ⚠️ ${w}`));
  return lines.join("\n");
}

/**
 * Renders the run as markdown, at most `maxBytes` UTF-8 bytes (GitHub's 1 MiB by default). Failure
 * details go first when space runs out, replaced by a note counting what was left out.
 */
export function renderSummary(result: Result, maxBytes: number = SUMMARY_MAX_BYTES): string {
  const before = [headline(result), lanesTable(result), coverageSection(result), floorsTable(result)];
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
