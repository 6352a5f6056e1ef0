/**
 * Every reason one lane turns the run red, and every warning it deserves (most tests skipped,
 * isolation that did not take effect), each a sentence naming the lane and what to do.
 */
import type { FlakyPolicy } from "./flaky.js";
import type { LaneJUnit, TestCase } from "./junit.js";
import { type LaneReading, laneCounts, type RerunReading } from "./lane-reading.js";
import { code } from "./markdown.js";

function list(ids: readonly string[], max = 3): string {
  const shown = ids.slice(0, max).map(code).join(", ");
  return ids.length > max ? `${shown} and ${ids.length - max} more` : shown;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** lane.json's message inside a sentence that brings its own full stop. */
const said = (message: string) => message.replace(/[.\s]+$/, "");

/** A message that ends a sentence: its own "?" or "!" is the full stop. */
const ended = (message: string) => (/[?!]$/.test(said(message)) ? said(message) : `${said(message)}.`);

/** " after 412 finished tests (last running: `t.py::slow`)" for a lane stopped mid-run; "" when unknown. */
function progress(r: LaneReading): string {
  const { counts, source } = laneCounts(r);
  const last = r.record?.session?.last_test;
  const done = source !== "none" ? ` after ${plural(counts.tests, "finished test")}` : r.record?.session?.started ? " before finishing any test" : "";
  return last ? `${done} (last running: \`${last}\`)` : done;
}

/** Every reason this lane turns the run red, each a sentence naming the lane and the fix. */
export function laneReasons(r: LaneReading, policy: FlakyPolicy): string[] {
  const id = code(r.input.id);
  const out: string[] = [];
  const status = r.record?.status;
  if (!r.record) {
    out.push(
      r.recordProblem === "lane.json: missing"
        ? `Lane ${id} left no lane.json: its container stopped before the runner finished; see the lane's log.`
        : `Lane ${id} wrote an unreadable lane.json (${r.recordProblem}); see the lane's log.`,
    );
  } else if (status === "crashed") {
    out.push(`Lane ${id} crashed (exit ${r.record.exit_code}): ${ended(r.record.message)}`);
  } else if (status === "timeout") {
    out.push(`Lane ${id} timed out${progress(r)}: ${said(r.record.message)}; raise its timeout or split it into shards.`);
  } else if (status === "not-ready") {
    out.push(`Lane ${id} never ran its tests: ${ended(r.record.message)}`);
  } else if (status === "no-tests" && r.input.failOnEmpty) {
    out.push(`Lane ${id} selected no tests and fail-on-empty is set: check its paths and markers.`);
  }
  const junitExpected = !r.record || status === "passed" || status === "failed" || status === "no-tests";
  if (r.junit.problem && junitExpected) out.push(junitReason(id, r.junit));
  out.push(...r.reruns.flatMap((x) => rerunReason(r, x)));
  const c = r.classification;
  if (c.failing.length > 0) {
    const failing = new Set(c.failing);
    const crashed = r.junit.cases.filter((t) => t.crashed && failing.has(t.nodeid)).length;
    const note = crashed > 0 ? ` (${crashed} crashed an xdist worker)` : "";
    out.push(`Lane ${id} has ${plural(c.failing.length, "failing test")}${note}: ${list(c.failing)}.`);
  }
  if (policy === "fail" && c.flaky.length > 0) {
    out.push(`Lane ${id} has ${plural(c.flaky.length, "flaky test")} and the flaky policy is \`fail\`: ${list(c.flaky)}.`);
  }
  if (status === "failed" && c.tests.length === 0 && !r.junit.problem) {
    out.push(`Lane ${id} failed (exit ${r.record?.exit_code}: ${said(r.record?.message ?? "")}) but its JUnit lists no failed test; see the lane's log.`);
  }
  return out;
}

/**
 * A rerun that did not run the tests it was given leaves them unclassified: a red, named problem
 * (a crash, a timeout, services that never came up, node ids pytest did not find, no lane.json).
 */
function rerunReason(r: LaneReading, x: RerunReading): string[] {
  const what = `Rerun \`${x.id}\` of lane \`${r.input.id}\``;
  const after = "so the tests it retried could not be told flaky or failing";
  if (!x.record) {
    // Its JUnit alone still says what happened to each test; without it nothing does.
    if (!x.junit.problem) return [];
    const record = x.recordProblem === "lane.json: missing" ? "left no lane.json" : `wrote an unreadable lane.json (${x.recordProblem})`;
    return [`${what} ${record} and no usable junit.xml (${x.junit.problem}), ${after}; see its log.`];
  }
  const m = said(x.record.message);
  switch (x.record.status) {
    case "crashed":
      return [`${what} crashed (exit ${x.record.exit_code}): ${m}, ${after}.`];
    case "timeout":
      return [`${what} timed out: ${m}, ${after}.`];
    case "not-ready":
      return [`${what} never ran its tests: ${m}, ${after}.`];
    case "no-tests":
      return [`${what} selected none of the tests it was given (${m}), ${after}; their node ids may not match the backend root.`];
    default:
      return [];
  }
}

function junitReason(id: string, j: LaneJUnit): string {
  const p = j.problem ?? "";
  if (p === "no JUnit file") return `Lane ${id} wrote no junit.xml: its results are unknown; see the lane's log.`;
  if (p === "empty file") return `Lane ${id} wrote an empty junit.xml: its results are unknown; see the lane's log.`;
  if (p === "truncated") {
    return `Lane ${id}'s junit.xml is truncated (${plural(j.cases.length, "test")} recovered): pytest was killed or the disk filled while writing it.`;
  }
  return `Lane ${id}'s junit.xml is unusable (${p}): its results are unknown; see the lane's log.`;
}

/** A lane where more than this share of the tests skipped may be missing a service or a variable. */
export const SKIPPED_SHARE = 0.5;

/** The most common skip message of a lane and how often it occurs. */
function commonSkip(cases: readonly TestCase[]): { message: string; count: number } | null {
  const seen = new Map<string, number>();
  for (const c of cases) if (c.outcome === "skipped" && c.message) seen.set(c.message, (seen.get(c.message) ?? 0) + 1);
  let best: { message: string; count: number } | null = null;
  for (const [message, count] of seen) if (!best || count > best.count) best = { message, count };
  return best;
}

const ISOLATION_WARNING: Partial<Record<string, string>> = {
  partial: "was partial",
  "no-effect": "had no effect",
  unused: "was not used",
  error: "could not be checked",
};

/**
 * What a reader should know although the run may be green: most tests skipped (a service or variable
 * may be missing), and isolation that did not take effect. Never red; never silent.
 */
export function laneWarnings(r: LaneReading): string[] {
  const id = `\`${r.input.id}\``;
  const out: string[] = [];
  const { counts } = laneCounts(r);
  if (counts.tests > 0 && counts.skipped > SKIPPED_SHARE * counts.tests) {
    const common = commonSkip(r.junit.cases);
    const why = common ? ` (most often "${said(common.message).slice(0, 200)}", ${plural(common.count, "time")})` : "";
    out.push(`Lane ${id}: ${counts.skipped} of ${counts.tests} tests skipped${why}: is a service or a variable missing?`);
  }
  const db = r.record?.isolation?.database;
  const dbWarning = db ? ISOLATION_WARNING[db.verdict] : undefined;
  if (db && dbWarning) out.push(`Lane ${id}: database isolation ${dbWarning}: ${ended(db.message)}`);
  const redis = r.record?.isolation?.redis;
  const redisWarning = redis ? ISOLATION_WARNING[redis.verdict] : undefined;
  if (redis && redisWarning) out.push(`Lane ${id}: Redis isolation ${redisWarning}: ${ended(redis.message)}`);
  return out;
}
