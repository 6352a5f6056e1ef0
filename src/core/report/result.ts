/**
 * The whole run as one machine-readable object (`result.json`): every lane's status, tests and
 * problems, flaky and failing tests, coverage against its gate and floors, timings, and whether the
 * run is green with every reason it is not. Raw artifacts go in; nothing here throws on bad input.
 */
import { z } from "zod";
import { type LaneRecord, LaneStatus } from "../artifacts/records.js";
import { coverageOf, floorsOf, ResultCoverage } from "./coverage-verdict.js";
import { FailureClass, FlakyPolicy } from "./flaky.js";
import { FloorResult, Floors } from "./floors.js";
import { countCases, type TestCase } from "./junit.js";
import { type LaneReading, laneDuration, laneReasons, readLane, ResultLaneInput, Shard } from "./lane-reading.js";
import { computeTimings, Timings } from "./timings.js";

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
  duration_s: z.number().nullable(), // setup + first run + reruns, when known
  reruns: z.number().int(),
  flaky: z.array(z.string()),
  failing: z.array(z.string()),
  quarantined: z.array(z.string()),
  problems: z.array(z.string()), // unusable artifacts: "junit.xml: truncated", "lane.json: missing"
  notes: z.array(z.string()), // assumptions made while reading them
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
});
export type Result = z.infer<typeof ResultSchema>;

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
  const reasons = [...redLanes, ...combine.reasons, ...floors.reasons, ...input.problems];
  const failures = readings.flatMap(failuresOf);
  const order: Record<FailureClass, number> = { failing: 0, flaky: 1, quarantined: 2 };
  failures.sort((a, b) => order[a.class] - order[b.class]);
  const sum = (k: "tests" | "failures" | "errors" | "skipped") => lanes.reduce((a, l) => a + l[k], 0);
  return {
    ok: reasons.length === 0,
    reasons,
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
    timings: timingsOf(readings),
  };
}

function resultLane(r: LaneReading, policy: FlakyPolicy): ResultLane {
  const counts = countCases(r.junit.cases);
  const problems = [
    ...(r.recordProblem ? [r.recordProblem] : []),
    ...(r.junit.problem ? [`junit.xml: ${r.junit.problem}`] : []),
    ...r.reruns.flatMap((j, i) => (j.problem ? [`rerun ${i + 1} junit.xml: ${j.problem}`] : [])),
  ];
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
    duration_s: laneDuration(r),
    reruns: r.reruns.length,
    flaky: r.classification.flaky,
    failing: r.classification.failing,
    quarantined: r.classification.quarantined,
    problems,
    notes: [...r.junit.notes, ...r.reruns.flatMap((j) => j.notes.map((n) => `${j.lane}: ${n}`))],
    red: laneReasons(r, policy).length > 0,
  };
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
  const byId = new Map(r.junit.cases.map((c) => [c.nodeid, c]));
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

/** The pytest argv asked xdist for `-n auto` (or `logical`), in any of its spellings. */
export function requestsAutoWorkers(argv: readonly string[]): boolean {
  const auto = (v: string | undefined) => v === "auto" || v === "logical";
  return argv.some(
    (a, i) => ((a === "-n" || a === "--numprocesses") && auto(argv[i + 1])) || auto(a.match(/^(?:-n|--numprocesses=)(.+)$/)?.[1]),
  );
}

function timingsOf(readings: readonly LaneReading[]): Timings {
  const withRecord = readings.filter((r) => r.record !== null);
  const starts = withRecord.map((r) => Date.parse((r.record as LaneRecord).started_at)).filter(Number.isFinite);
  const origin = starts.length === withRecord.length && starts.length > 0 ? Math.min(...starts) : null;
  return computeTimings(
    withRecord.map((r) => {
      const rec = r.record as LaneRecord;
      return {
        lane: r.input.id,
        workers: Math.max(1, rec.workers),
        auto: requestsAutoWorkers(rec.argv),
        mode: rec.workers === 0 ? "serial" : "parallel",
        group: r.input.mode,
        setup_s: r.input.setup_s ?? 0,
        readiness_s: rec.readiness_s,
        tests_s: rec.tests_s,
        total_s: laneDuration(r) ?? 0,
        started_s: origin === null ? undefined : (Date.parse(rec.started_at) - origin) / 1000,
        durations: new Map(r.junit.cases.map((c) => [c.nodeid, c.time])),
      };
    }),
  );
}
