/**
 * One lane as the report sees it: its plan, lane.json, JUnit and reruns read once, its failures
 * classified, its timings from its own clock, whether its results came from the engine's cache, and
 * every reason it turns the run red or deserves a warning.
 */
import { z } from "zod";
import { LaneRecord } from "../artifacts/records.js";
import { type Classification, classifyFailures, type FlakyPolicy } from "./flaky.js";
import { type Counts, countCases, type LaneJUnit, parseJUnit, type TestCase } from "./junit.js";
import { readArtifact } from "../artifacts/read-artifact.js";
import { code } from "./markdown.js";
import { LaneMode } from "./timings.js";

export const Shard = z.object({ index: z.number().int().min(1), count: z.number().int().min(1) });

/** A lane's JUnit as parseJUnit returned it; taken as it is (a million testcases are not checked again). */
const ParsedJUnit = z.custom<LaneJUnit>((v) => typeof v === "object" && v !== null && Array.isArray((v as LaneJUnit).cases));

/** One run of a lane (its first, or a rerun of its failed tests): what it left and when it was asked for. */
const LaneRunInput = z.object({
  record: z.unknown().optional(), // lane.json: raw text or parsed JSON; absent when the file is missing
  junitXml: z.string().optional(), // junit.xml text; absent when the file is missing
  junit: ParsedJUnit.optional(), // junit.xml already read (runJUnit); junitXml is then not read
  /** When the caller asked the engine for this run (ISO 8601, the caller's clock): tells a fresh run from a cache hit. */
  requested_at: z.string().optional(),
});

/** One planned lane and what it left behind, as the Dagger layer or the host harness read it. */
export const ResultLaneInput = LaneRunInput.extend({
  id: z.string(), // the plan's lane id, unique in the run: "unit-2of4"
  lane: z.string(), // the configured lane it belongs to: "unit"
  shard: Shard.optional(),
  /**
   * The plan's mode: how the lane is scheduled. `parallel` lanes start together, `serial` lanes run
   * one after another beside them. Whether pytest used xdist, and how many workers, lane.json says.
   */
  mode: LaneMode,
  /** The matrix part that ran the lane (combine-parts): each part has its own serial chain. */
  part: z.number().int().min(1).optional(),
  failOnEmpty: z.boolean().default(false),
  /** Fresh runs of only the failed node ids, in order; each reruns what the previous one saw fail. */
  reruns: z.array(LaneRunInput.extend({ id: z.string().optional() })).default([]),
});
export type ResultLaneInput = z.input<typeof ResultLaneInput>;

/**
 * How far a lane.json's start may precede the caller's request before the run counts as served
 * from the cache. The engine runs the lane's container and the caller (the module runtime, itself a
 * container of the engine, or a local CLI) on one host and one kernel clock, so a fresh run always
 * starts after it was asked for; the margin covers clock skew to a remote engine
 * (`_EXPERIMENTAL_DAGGER_RUNNER_HOST`, where NTP keeps it well under a second) or a laptop's Docker VM
 * (seconds of drift after sleep), and stays far below the age of any real cache hit, which comes
 * from an earlier job. A hit younger than the margin is reported as fresh: the only cost is that its
 * figures are not labelled as another run's, and they are seconds old.
 */
export const CACHE_TOLERANCE_S = 10;

/** A run's own span on the clock of the lane's container and services: from the first service start to the runner's end. */
export interface RunSpan {
  start_ms: number;
  end_ms: number;
  seconds: number;
}

/** One rerun as read: its lane.json (or why there is none), its JUnit, and whether it came from the cache. */
export interface RerunReading {
  id: string;
  record: LaneRecord | null;
  recordProblem: string | null;
  junit: LaneJUnit;
  reusedFrom: string | null;
  span: RunSpan | null;
}

/** What one lane's artifacts say, parsed once and shared by the result and the merged JUnit. */
export interface LaneReading {
  input: z.infer<typeof ResultLaneInput>;
  record: LaneRecord | null;
  recordProblem: string | null;
  junit: LaneJUnit;
  reruns: RerunReading[];
  classification: Classification;
  /** The start of the run that produced this lane's results, when they came from the engine's cache. */
  reusedFrom: string | null;
  span: RunSpan | null;
}

/** The span a lane.json covers: its services' wait (measured in the container) and the runner's own run. */
export function runSpan(record: LaneRecord): RunSpan | null {
  const started = Date.parse(record.started_at);
  const finished = Date.parse(record.finished_at);
  if (!Number.isFinite(started) || !Number.isFinite(finished) || finished < started) return null;
  const start_ms = started - (record.service_wait_s ?? 0) * 1000;
  return { start_ms, end_ms: finished, seconds: (finished - start_ms) / 1000 };
}

/**
 * The start of the run that produced `record`, when it was served from the cache: its container
 * started more than `CACHE_TOLERANCE_S` before the caller asked for it. Null for a fresh run, or when
 * the request time is unknown.
 */
export function reusedFrom(record: LaneRecord | null, requestedAt: string | undefined): string | null {
  if (!record || requestedAt === undefined) return null;
  const started = Date.parse(record.started_at);
  const requested = Date.parse(requestedAt);
  if (!Number.isFinite(started) || !Number.isFinite(requested)) return null;
  if (started >= requested - CACHE_TOLERANCE_S * 1000) return null;
  return new Date(started - (record.service_wait_s ?? 0) * 1000).toISOString();
}

/**
 * Node ids relative to the backend root. pytest writes JUnit `file` attributes relative to its rootdir,
 * which lane.json names (`tests` when the inifile is tests/pytest.ini); the parser maps them.
 */
export function parseLaneJUnit(xml: string | undefined, lane: string, record?: Pick<LaneRecord, "rootdir" | "invocation"> | null): LaneJUnit {
  return parseJUnit(xml, lane, { rootdir: record?.rootdir ?? ".", invocation: record?.invocation ?? "." });
}

/**
 * One run's JUnit with its node ids mapped through the rootdir its lane.json names. The Dagger layer
 * reads each run once, decides its reruns from it, and hands it to the report (`parsed`).
 */
export function runJUnit(junitXml: string | undefined, record: unknown, lane: string): LaneJUnit {
  return parseLaneJUnit(junitXml, lane, readArtifact(LaneRecord, record, "lane.json").value);
}

/** Reads one lane's artifacts and classifies its failures against its reruns. */
export function readLane(raw: ResultLaneInput, quarantine: readonly string[], policy: FlakyPolicy): LaneReading {
  const input = ResultLaneInput.parse(raw);
  const { value: record, problem: recordProblem } = readArtifact(LaneRecord, input.record, "lane.json");
  const junit = input.junit ?? parseLaneJUnit(input.junitXml, input.id, record);
  const reruns = input.reruns.map((r, i): RerunReading => {
    const id = r.id ?? `${input.id}-rerun${i + 1}`;
    const read = readArtifact(LaneRecord, r.record, "lane.json");
    return {
      id,
      record: read.value,
      recordProblem: read.problem,
      junit: r.junit ?? parseLaneJUnit(r.junitXml, id, read.value ?? record),
      reusedFrom: reusedFrom(read.value, r.requested_at),
      span: read.value ? runSpan(read.value) : null,
    };
  });
  const classification = classifyFailures({
    firstRun: junit.cases,
    reruns: reruns.map((r) => r.junit.cases),
    quarantine,
    policy,
  });
  return {
    input,
    record,
    recordProblem,
    junit,
    reruns,
    classification,
    reusedFrom: reusedFrom(record, input.requested_at),
    span: record ? runSpan(record) : null,
  };
}

/** The lane's duration by its own clock: the first run's span and every rerun's. */
export function laneDuration(r: LaneReading): number | null {
  if (!r.span) return null;
  return r.reruns.reduce((a, x) => a + (x.span?.seconds ?? 0), r.span.seconds);
}

/** Where a lane's test counts come from: its JUnit, or pytest's own session counts when the JUnit is missing or cut short. */
export type CountSource = "junit" | "session" | "none";

/**
 * The lane's test counts: its JUnit's, unless the JUnit is missing or cut short and pytest's own
 * session (lane.json) counted more, as for a lane stopped at its timeout. A lane that ran tests is
 * never reported as having none.
 */
export function laneCounts(r: LaneReading): { counts: Omit<Counts, "time">; source: CountSource } {
  const fromJUnit = countCases(r.junit.cases);
  const junit = { counts: fromJUnit, source: (r.junit.problem === null || fromJUnit.tests > 0 ? "junit" : "none") as CountSource };
  const session = r.record?.session;
  if (r.junit.problem === null || !session?.started) return junit;
  const c = session.counts;
  const tests = c.passed + c.failed + c.error + c.skipped + c.xfailed + c.xpassed;
  if (tests <= fromJUnit.tests) return junit;
  return { counts: { tests, failures: c.failed, errors: c.error, skipped: c.skipped + c.xfailed }, source: "session" };
}

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
