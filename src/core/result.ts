/**
 * The whole run as one machine-readable object (`result.json`): every lane's status, tests and
 * problems, flaky and failing tests, coverage against its gate and floors, timings, and whether the
 * run is green with every reason it is not. Raw artifacts go in; nothing here throws on bad input.
 */
import { z } from "zod";
import { CombineRecord, LaneRecord, LaneStatus } from "./artifacts.js";
import { type Classification, classifyFailures, FailureClass, FlakyPolicy } from "./flaky.js";
import { checkFloors, FloorResult, Floors } from "./floors.js";
import { countCases, type LaneJUnit, parseJUnit, type TestCase } from "./junit.js";
import { computeTimings, LaneMode, Timings } from "./timings.js";

const Shard = z.object({ index: z.number().int().min(1), count: z.number().int().min(1) });

/** One planned lane and what it left behind, as the Dagger layer or the host harness read it. */
export const ResultLaneInput = z.object({
  id: z.string(), // the plan's lane id, unique in the run: "unit-2of4"
  lane: z.string(), // the configured lane it belongs to: "unit"
  shard: Shard.optional(),
  /**
   * The plan's mode: how the lane is scheduled. `parallel` lanes start together, `serial` lanes run
   * one after another beside them. Whether pytest used xdist, and how many workers, lane.json says.
   */
  mode: LaneMode,
  failOnEmpty: z.boolean().default(false),
  record: z.unknown().optional(), // lane.json: raw text or parsed JSON; absent when the file is missing
  junitXml: z.string().optional(), // junit.xml text; absent when the file is missing
  /** Fresh runs of only the failed node ids, in order; each reruns what the previous one saw fail. */
  reruns: z
    .array(z.object({ junitXml: z.string().optional(), record: z.unknown().optional(), wall_s: z.number().nonnegative().optional() }))
    .default([]),
  setup_s: z.number().nonnegative().optional(), // image and dependency setup, measured by the caller
  wall_s: z.number().nonnegative().optional(), // the lane's container, start to end, when measured by the caller
});
export type ResultLaneInput = z.input<typeof ResultLaneInput>;

export const ResultInput = z.object({
  lanes: z.array(ResultLaneInput),
  combine: z.unknown().optional(), // combine.json: raw text or parsed; absent when the step wrote none
  coverageJson: z.unknown().optional(), // coverage.json (`coverage json`), needed when floors are set
  floors: Floors.default({}),
  quarantine: z.array(z.string()).default([]),
  flakyPolicy: FlakyPolicy.default("warn"),
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
  duration_s: z.number().nullable(), // setup + the runner's own wall time, when known
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

export const ResultCoverage = z.object({
  total: z.number().nullable(),
  fail_under: z.number(),
  gate_passed: z.boolean(),
  distance: z.number().nullable(), // total - fail_under, in points
  message: z.string(),
  problems: z.array(z.string()), // one per lane whose data could not be combined
});

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

/** What one lane's artifacts say, parsed once and shared by the result and the merged JUnit. */
export interface LaneReading {
  input: z.infer<typeof ResultLaneInput>;
  record: LaneRecord | null;
  recordProblem: string | null;
  junit: LaneJUnit;
  reruns: LaneJUnit[];
  classification: Classification;
}

const EXCERPT_LINES = 10;
const EXCERPT_LINE_CHARS = 300;

/** Parses a JSON artifact given as text or as parsed JSON. */
function parseArtifact<T>(schema: z.ZodType<T>, raw: unknown, file: string): { value: T | null; problem: string | null } {
  if (raw === undefined || raw === null) return { value: null, problem: `${file}: missing` };
  let data = raw;
  if (typeof raw === "string") {
    try {
      data = JSON.parse(raw);
    } catch (e) {
      return { value: null, problem: `${file}: not JSON (${(e as Error).message})` };
    }
  }
  const parsed = schema.safeParse(data);
  if (parsed.success) return { value: parsed.data, problem: null };
  const issue = parsed.error.issues[0];
  return { value: null, problem: `${file}: ${issue.path.join(".") || "root"}: ${issue.message}` };
}

/** Reads one lane's artifacts and classifies its failures against its reruns. */
export function readLane(raw: ResultLaneInput, quarantine: readonly string[], policy: FlakyPolicy): LaneReading {
  const input = ResultLaneInput.parse(raw);
  const { value: record, problem: recordProblem } = parseArtifact(LaneRecord, input.record, "lane.json");
  const junit = parseJUnit(input.junitXml, input.id);
  const reruns = input.reruns.map((r, i) => parseJUnit(r.junitXml, `${input.id} rerun ${i + 1}`));
  const classification = classifyFailures({
    firstRun: junit.cases,
    reruns: reruns.map((r) => r.cases),
    quarantine,
    policy,
  });
  return { input, record, recordProblem, junit, reruns, classification };
}

/** Reads every lane of the run. */
export function readLanes(raw: ResultInput): LaneReading[] {
  const input = ResultInput.parse(raw);
  return input.lanes.map((l) => readLane(l, input.quarantine, input.flakyPolicy));
}

/** Assembles `result.json`. Pass `readings` when the caller already read the lanes (see reports.ts). */
export function buildResult(raw: ResultInput, readings: LaneReading[] = readLanes(raw)): Result {
  const input = ResultInput.parse(raw);
  const lanes = readings.map((r) => resultLane(r, input.flakyPolicy));
  const laneReasons = readings.flatMap((r) => reasonsForLane(r, input.flakyPolicy));
  const combine = input.part && input.combine === undefined ? { coverage: null, reasons: [] } : coverageOf(input.combine);
  const floors = floorsOf(input.coverageJson, input.floors);
  const reasons = [...laneReasons, ...combine.reasons, ...floors.reasons];
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

function seconds(from: string, to: string): number | null {
  const ms = Date.parse(to) - Date.parse(from);
  return Number.isFinite(ms) && ms >= 0 ? ms / 1000 : null;
}

/** What the runner itself measured, when the caller did not time the container. */
function recordSeconds(raw: unknown): number {
  const { value } = parseArtifact(LaneRecord, raw, "lane.json");
  if (!value) return 0;
  return seconds(value.started_at, value.finished_at) ?? value.readiness_s + value.tests_s;
}

/** Setup, the first run and every rerun: the reruns extend the lane's wall clock too. */
function laneDuration(r: LaneReading): number | null {
  if (!r.record && r.input.wall_s === undefined) return null;
  const first = r.input.wall_s ?? recordSeconds(r.record);
  const reruns = r.input.reruns.reduce((a, x) => a + (x.wall_s ?? recordSeconds(x.record)), 0);
  return (r.input.setup_s ?? 0) + first + reruns;
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
    red: reasonsForLane(r, policy).length > 0,
  };
}

function list(ids: readonly string[], max = 3): string {
  const shown = ids.slice(0, max).map((id) => `\`${id}\``).join(", ");
  return ids.length > max ? `${shown} and ${ids.length - max} more` : shown;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** Every reason this lane turns the run red, each a sentence naming the lane and the fix. */
function reasonsForLane(r: LaneReading, policy: FlakyPolicy): string[] {
  const id = `\`${r.input.id}\``;
  const out: string[] = [];
  const status = r.record?.status;
  if (!r.record) {
    out.push(
      r.recordProblem === "lane.json: missing"
        ? `Lane ${id} left no lane.json: its container stopped before the runner finished; see the lane's log.`
        : `Lane ${id} wrote an unreadable lane.json (${r.recordProblem}); see the lane's log.`,
    );
  } else if (status === "crashed") {
    out.push(`Lane ${id} crashed (exit ${r.record.exit_code}): ${r.record.message}.`);
  } else if (status === "timeout") {
    out.push(`Lane ${id} timed out: ${r.record.message}; raise its timeout or split it into shards.`);
  } else if (status === "not-ready") {
    out.push(`Lane ${id} never ran its tests: ${r.record.message}.`);
  } else if (status === "no-tests" && r.input.failOnEmpty) {
    out.push(`Lane ${id} selected no tests and fail-on-empty is set: check its paths and markers.`);
  }
  const junitExpected = !r.record || status === "passed" || status === "failed" || status === "no-tests";
  if (r.junit.problem && junitExpected) out.push(junitReason(id, r.junit));
  const c = r.classification;
  if (c.failing.length > 0) {
    const crashed = r.junit.cases.filter((t) => t.crashed && c.failing.includes(t.nodeid)).length;
    const note = crashed > 0 ? ` (${crashed} crashed an xdist worker)` : "";
    out.push(`Lane ${id} has ${plural(c.failing.length, "failing test")}${note}: ${list(c.failing)}.`);
  }
  if (policy === "fail" && c.flaky.length > 0) {
    out.push(`Lane ${id} has ${plural(c.flaky.length, "flaky test")} and the flaky policy is \`fail\`: ${list(c.flaky)}.`);
  }
  if (status === "failed" && c.tests.length === 0 && !r.junit.problem) {
    out.push(`Lane ${id} failed (exit ${r.record?.exit_code}: ${r.record?.message}) but its JUnit lists no failed test; see the lane's log.`);
  }
  return out;
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

function coverageOf(raw: unknown): { coverage: Result["coverage"]; reasons: string[] } {
  if (raw === undefined) {
    return { coverage: null, reasons: ["Coverage was not combined: there is no combine.json; see the combine step's log."] };
  }
  const { value, problem } = parseArtifact(CombineRecord, raw, "combine.json");
  if (!value) return { coverage: null, reasons: [`Coverage is unknown: ${problem}; see the combine step's log.`] };
  const problems = value.inputs
    .filter((i) => i.state !== "combined")
    .map((i) => `Coverage from lane \`${i.lane}\` was not combined (${i.state}${i.message ? `: ${i.message}` : ""}).`);
  const distance = value.total === null ? null : value.total - value.fail_under;
  const reasons = [...problems];
  if (value.total === null) reasons.push(`Coverage could not be combined: ${value.message}.`);
  else if (distance !== null && distance < 0) {
    reasons.push(`Coverage ${value.total.toFixed(2)}% is below the gate ${value.fail_under}% by ${(-distance).toFixed(2)} points.`);
  } else if (!value.gate_passed && problems.length === 0) reasons.push(`Coverage gate failed: ${value.message}.`);
  return {
    coverage: {
      total: value.total,
      fail_under: value.fail_under,
      gate_passed: value.gate_passed,
      distance,
      message: value.message,
      problems,
    },
    reasons,
  };
}

function floorsOf(coverageJson: unknown, floors: Floors): { results: FloorResult[]; reasons: string[] } {
  if (Object.keys(floors).length === 0) return { results: [], reasons: [] };
  if (coverageJson === undefined) {
    return { results: [], reasons: ["Coverage floors are configured but there is no coverage.json; see the combine step's log."] };
  }
  try {
    const results = checkFloors(coverageJson, floors);
    return { results, reasons: results.filter((f) => !f.passed).map((f) => f.message) };
  } catch (e) {
    return { results: [], reasons: [`Coverage floors could not be checked: ${(e as Error).message}.`] };
  }
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
