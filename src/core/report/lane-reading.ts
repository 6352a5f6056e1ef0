/**
 * One lane as the report sees it: its plan, lane.json, JUnit and reruns read once, its failures
 * classified, its timings from its own clock, and whether its results came from the engine's cache.
 * The reasons and warnings it gives are in lane-reasons.ts.
 */
import { z } from "zod";
import { LaneRecord } from "../artifacts/records.js";
import { type Classification, classifyFailures, type FlakyPolicy } from "./flaky.js";
import { type Counts, countCases, type LaneJUnit, parseJUnit } from "./junit.js";
import { readArtifact } from "../artifacts/read-artifact.js";
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
