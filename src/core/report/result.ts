/**
 * The whole run as one machine-readable object (`result.json`): every lane's status, tests and
 * problems, flaky and failing tests, coverage against its gate and floors, timings, and whether the
 * run is green with every reason it is not. Raw artifacts go in; nothing here throws on bad input.
 */
import { z } from "zod";
import { DatabaseIsolation, LaneStatus, RedisIsolation } from "../artifacts/records.js";
import { coverageOf, floorsOf, ResultCoverage } from "./coverage-verdict.js";
import { FailureClass, FlakyPolicy } from "./flaky.js";
import { FloorResult, Floors } from "./floors.js";
import type { TestCase } from "./junit.js";
import { type LaneReading, laneCounts, laneDuration, readLane, ResultLaneInput, Shard } from "./lane-reading.js";
import { laneReasons, laneWarnings } from "./lane-reasons.js";
import { timingsOf } from "./lane-timings.js";
import { RunTiming, Timings } from "./timings.js";

export { requestsAutoWorkers } from "./lane-timings.js";

export { type LaneReading, readLane, ResultLaneInput } from "./lane-reading.js";
export { ResultCoverage } from "./coverage-verdict.js";

export const ResultInput = z.object({
  lanes: z.array(ResultLaneInput),
  combine: z.unknown().optional(), // combine.json: raw text or parsed; absent when the step wrote none
  coverageJson: z.unknown().optional(), // coverage.json (`coverage json`), needed when floors are set
  floors: Floors.default({}),
  quarantine: z.array(z.string()).default([]),
  flakyPolicy: FlakyPolicy.default("warn"),
  /** Problems of the run as a whole that no lane or gate shows, e.g. a matrix part that left nothing. */
  problems: z.array(z.string()).default([]),
  /** Set on one part of a CI matrix run: coverage is combined by the final combine-parts job instead. */
  part: z.object({ index: z.number().int().min(1), count: z.number().int().min(1) }).optional(),
  /** This call as the caller measured it (its own clock): wall time and backend setup. */
  run: RunTiming.partial().optional(),
  /** Test files the plan left out on purpose (e.g. outside every lane's paths), listed so nothing is dropped silently. */
  unplanned: z.array(z.string()).default([]),
});
export type ResultInput = z.input<typeof ResultInput>;

export const ResultLane = z.object({
  id: z.string(),
  lane: z.string(),
  shard: Shard.nullable(),
  status: z.union([LaneStatus, z.literal("missing")]), // "missing": no usable lane.json
  exit_code: z.number().int().nullable(),
  message: z.string(),
  tests: z.number().int(),
  failures: z.number().int(),
  errors: z.number().int(),
  skipped: z.number().int(),
  /** Where the counts come from: the JUnit, or pytest's own session counts (lane.json) when the JUnit is missing or cut short. */
  counted_from: z.enum(["junit", "session", "none"]),
  /** The node id pytest was running when the lane was stopped (timeout, crash), from lane.json. */
  last_test: z.string().nullable(),
  /** xdist workers: as planned ("auto", "2", "0") and as pytest used them (0 without xdist or when it never ran). */
  workers: z.object({ planned: z.string(), used: z.number().int() }),
  duration_s: z.number().nullable(), // the lane's span by its own clock (services' wait, runner, reruns), when known
  /** When the caller asked the engine for this lane (ISO 8601, the caller's clock); null when unknown (artifacts read back). */
  requested_at: z.string().nullable(),
  /** Set when the engine served this lane from its cache: the start of the run that produced its results (ISO 8601). */
  reused_from: z.string().nullable(),
  reruns: z.number().int(),
  /** Each rerun of the failed tests: how it ended, and whether it came from the cache. */
  rerun_runs: z.array(
    z.object({
      id: z.string(),
      status: z.union([LaneStatus, z.literal("missing")]),
      exit_code: z.number().int().nullable(),
      message: z.string(),
      reused_from: z.string().nullable(),
    }),
  ),
  flaky: z.array(z.string()),
  failing: z.array(z.string()),
  quarantined: z.array(z.string()),
  problems: z.array(z.string()), // unusable artifacts: "junit.xml: truncated", "lane.json: missing"
  notes: z.array(z.string()), // assumptions made while reading them, and what the lane kept (coverage fragments)
  /** What the isolation plugin measured (lane.json), verdicts verbatim; null when it reported nothing. */
  isolation: z
    .object({
      database: DatabaseIsolation.pick({ mode: true, verdict: true, message: true }).nullable(),
      redis: RedisIsolation.pick({ verdict: true, message: true }).nullable(),
      index_prefixes: z.record(z.string(), z.string()),
    })
    .nullable(),
  warnings: z.array(z.string()), // sentences worth reading that do not turn the run red
  red: z.boolean(),
});
export type ResultLane = z.infer<typeof ResultLane>;

export const ResultFailure = z.object({
  lane: z.string(), // lane id
  nodeid: z.string(),
  outcome: z.enum(["failed", "error"]),
  crashed: z.boolean(),
  class: FailureClass,
  detail: z.string(), // what the reruns said
  message: z.string(), // first line of the failure message
  excerpt: z.string(), // the first lines of the traceback
});
export type ResultFailure = z.infer<typeof ResultFailure>;

export const SlowTest = z.object({ lane: z.string(), nodeid: z.string(), seconds: z.number() });

/** `result.json`. */
export const ResultSchema = z.object({
  ok: z.boolean(),
  reasons: z.array(z.string()), // every reason the run is red, each a sentence naming lane/glob/figure
  warnings: z.array(z.string()), // what a reader should know although it is not red: skipped lanes, isolation without effect
  flaky_policy: FlakyPolicy,
  part: z.object({ index: z.number().int(), count: z.number().int() }).nullable(),
  totals: z.object({
    lanes: z.number().int(),
    tests: z.number().int(),
    failures: z.number().int(),
    errors: z.number().int(),
    skipped: z.number().int(),
    flaky: z.number().int(),
    quarantined: z.number().int(),
  }),
  lanes: z.array(ResultLane),
  failures: z.array(ResultFailure), // failing first, then flaky, then quarantined
  coverage: ResultCoverage.nullable(), // null when combine.json is missing or unreadable, or on a part run
  floors: z.array(FloorResult),
  slowest: z.array(SlowTest), // the ten slowest tests of the run
  timings: Timings,
  unplanned: z.array(z.string()), // test files the plan left out on purpose
});
export type Result = z.infer<typeof ResultSchema>;

const STOPPED = new Set(["crashed", "timeout", "not-ready", "no-tests"]);
const EXCERPT_LINES = 10;
const EXCERPT_LINE_CHARS = 300;

/** Reads every lane of the run. */
export function readLanes(raw: ResultInput): LaneReading[] {
  const input = ResultInput.parse(raw);
  return input.lanes.map((l) => readLane(l, input.quarantine, input.flakyPolicy));
}

/** Assembles `result.json`. Pass `readings` when the caller already read the lanes (see reports.ts). */
export function buildResult(raw: ResultInput, readings: LaneReading[] = readLanes(raw)): Result {
  const input = ResultInput.parse(raw);
  const lanes = readings.map((r) => resultLane(r, input.flakyPolicy));
  const redLanes = readings.flatMap((r) => laneReasons(r, input.flakyPolicy));
  // A part of a CI matrix leaves coverage, and so its floors, to the combine-parts job.
  const partRun = input.part !== undefined && input.combine === undefined;
  const combine = partRun ? { coverage: null, reasons: [] } : coverageOf(input.combine);
  const floors = partRun ? { results: [], reasons: [] } : floorsOf(input.coverageJson, input.floors);
  // A run-level problem (a matrix part that left nothing) comes first: it causes the coverage reasons after it.
  const reasons = [...input.problems, ...redLanes, ...combine.reasons, ...floors.reasons];
  const failures = readings.flatMap(failuresOf);
  const order: Record<FailureClass, number> = { failing: 0, flaky: 1, quarantined: 2 };
  failures.sort((a, b) => order[a.class] - order[b.class]);
  const sum = (k: "tests" | "failures" | "errors" | "skipped") => lanes.reduce((a, l) => a + l[k], 0);
  return {
    ok: reasons.length === 0,
    reasons,
    warnings: lanes.flatMap((l) => l.warnings),
    flaky_policy: input.flakyPolicy,
    part: input.part ?? null,
    totals: {
      lanes: lanes.length,
      tests: sum("tests"),
      failures: sum("failures"),
      errors: sum("errors"),
      skipped: sum("skipped"),
      flaky: lanes.reduce((a, l) => a + l.flaky.length, 0),
      quarantined: lanes.reduce((a, l) => a + l.quarantined.length, 0),
    },
    lanes,
    failures,
    coverage: combine.coverage,
    floors: floors.results,
    slowest: slowest(readings, 10),
    timings: timingsOf(readings, input.run),
    unplanned: input.unplanned,
  };
}

function resultLane(r: LaneReading, policy: FlakyPolicy): ResultLane {
  const { counts, source } = laneCounts(r);
  const problems = [
    ...(r.recordProblem ? [r.recordProblem] : []),
    ...(r.junit.problem ? [`junit.xml: ${r.junit.problem}`] : []),
    ...r.reruns.flatMap((x) => (x.recordProblem ? [`${x.id} ${x.recordProblem}`] : [])),
    // A rerun that crashed, timed out, never started or selected nothing has its own reason; its missing JUnit is not news.
    ...r.reruns.flatMap((x) => (x.junit.problem && !STOPPED.has(x.record?.status ?? "") ? [`${x.id} junit.xml: ${x.junit.problem}`] : [])),
  ];
  const rec = r.record;
  const db = rec?.isolation?.database;
  const redis = rec?.isolation?.redis;
  const isolation = rec?.isolation
    ? {
        database: db ? { mode: db.mode, verdict: db.verdict, message: db.message } : null,
        redis: redis ? { verdict: redis.verdict, message: redis.message } : null,
        index_prefixes: rec.isolation.index_prefixes,
      }
    : null;
  return {
    id: r.input.id,
    lane: r.input.lane,
    shard: r.input.shard ?? null,
    status: r.record?.status ?? "missing",
    exit_code: r.record?.exit_code ?? null,
    message: r.record?.message ?? "",
    tests: counts.tests,
    failures: counts.failures,
    errors: counts.errors,
    skipped: counts.skipped,
    counted_from: source,
    last_test: rec?.session?.last_test ?? null,
    workers: { planned: rec?.workers_planned ?? "", used: rec?.workers ?? 0 },
    duration_s: laneDuration(r),
    requested_at: r.input.requested_at ?? null,
    reused_from: r.reusedFrom,
    reruns: r.reruns.length,
    rerun_runs: r.reruns.map((x) => ({
      id: x.id,
      status: x.record?.status ?? "missing",
      exit_code: x.record?.exit_code ?? null,
      message: x.record?.message ?? x.recordProblem ?? "",
      reused_from: x.reusedFrom,
    })),
    flaky: r.classification.flaky,
    failing: r.classification.failing,
    quarantined: r.classification.quarantined,
    problems,
    notes: [...r.junit.notes, ...r.reruns.flatMap((x) => x.junit.notes.map((n) => `${x.id}: ${n}`)), ...keptNotes(r, source)],
    isolation,
    warnings: laneWarnings(r),
    red: laneReasons(r, policy).length > 0,
  };
}

/** What a lane stopped mid-run still kept: its finished tests' counts and their coverage. */
function keptNotes(r: LaneReading, source: string): string[] {
  const out: string[] = [];
  if (source === "session") out.push("counted from pytest's own session (lane.json): the JUnit is missing or cut short");
  const fragments = r.record?.coverage?.fragments_combined ?? 0;
  if (fragments > 0) out.push(`coverage of the finished tests kept: ${fragments} parallel data file${fragments === 1 ? "" : "s"} combined into the lane's own`);
  return out;
}

function excerpt(c: TestCase): string {
  const body = c.text.trim() !== "" ? c.text : c.message;
  return body
    .split("\n")
    .slice(0, EXCERPT_LINES)
    .map((l) => (l.length > EXCERPT_LINE_CHARS ? `${l.slice(0, EXCERPT_LINE_CHARS)}…` : l))
    .join("\n");
}

function failuresOf(r: LaneReading): ResultFailure[] {
  // Only the failed cases: a lane of a million tests has a few hundred of them.
  const byId = new Map(r.junit.cases.filter((c) => c.outcome === "failed" || c.outcome === "error").map((c) => [c.nodeid, c]));
  return r.classification.tests.map((t) => {
    const c = byId.get(t.nodeid) as TestCase;
    return {
      lane: r.input.id,
      nodeid: t.nodeid,
      outcome: c.outcome === "error" ? "error" : "failed",
      crashed: c.crashed,
      class: t.class,
      detail: t.detail,
      message: (c.message || c.text.trim()).split("\n")[0].slice(0, EXCERPT_LINE_CHARS),
      excerpt: excerpt(c),
    };
  });
}

function slowest(readings: readonly LaneReading[], n: number): Result["slowest"] {
  const top: Result["slowest"] = [];
  for (const r of readings) {
    for (const c of r.junit.cases) {
      if (top.length === n && c.time <= top[n - 1].seconds) continue;
      top.push({ lane: r.input.id, nodeid: c.nodeid, seconds: c.time });
      top.sort((a, b) => b.seconds - a.seconds);
      if (top.length > n) top.pop();
    }
  }
  return top;
}
