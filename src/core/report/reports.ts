/**
 * Everything the report step writes, from one read of the lanes' artifacts: `result.json`,
 * `summary.md`, the merged `junit.xml` and `.test_durations` for the next run's shards. The two
 * large files are written as streams of chunks (`write`), or joined into strings (`files`).
 */
import type { Config } from "../config/config.js";
import { type Durations, writeDurations } from "../artifacts/durations.js";
import type { LaneJUnit } from "./junit.js";
import { writeMergedJUnit } from "./junit-merge.js";
import type { LanePlan } from "../plan/plan.js";
import { buildResult, readLanes, type Result, type ResultInput } from "./result.js";
import { collect, type Sink } from "./sink.js";
import { renderSummary } from "./summary.js";

/** The file names `files` uses, relative to the reports directory. */
export const REPORT_FILES = {
  result: "result.json",
  summary: "summary.md",
  junit: "junit.xml",
  durations: ".test_durations",
} as const;
export type ReportFile = (typeof REPORT_FILES)[keyof typeof REPORT_FILES];

export interface Reports {
  result: Result;
  summary: string;
  /** File name -> text: result.json, summary.md, junit.xml (one <testsuite> per lane id), .test_durations. */
  files: Record<string, string>;
}

/** The reports of one run, each file written on demand. */
export interface ReportSet {
  result: Result;
  summary: string;
  /** Writes one of REPORT_FILES to `sink`, chunk by chunk; a large junit.xml is never one string. */
  write(file: ReportFile, sink: Sink): void;
}

/**
 * Every report from the generic input, ready to write. `previous` is the committed
 * `.test_durations`, already parsed; this run's first-run durations replace its entries.
 */
export function reportSet(input: ResultInput, previous: Durations = {}): ReportSet {
  const readings = readLanes(input);
  const result = buildResult(input, readings);
  const summary = renderSummary(result);
  const write = (file: ReportFile, sink: Sink): void => {
    if (file === REPORT_FILES.result) sink(`${JSON.stringify(result, null, 2)}\n`);
    else if (file === REPORT_FILES.summary) sink(summary);
    else if (file === REPORT_FILES.junit) writeMergedJUnit(readings.map((r) => r.junit), sink);
    else writeDurations(previous, firstRunCases(readings), sink);
  };
  return { result, summary, write };
}

/** Every lane's first-run cases, one after another, without copying them into one array. */
function* firstRunCases(readings: readonly { junit: LaneJUnit }[]): Generator<LaneJUnit["cases"][number]> {
  for (const r of readings) yield* r.junit.cases;
}

/** Every file of a report set as a string. */
function filesOf(set: ReportSet): Record<string, string> {
  return Object.fromEntries(Object.values(REPORT_FILES).map((file) => [file, collect((sink) => set.write(file, sink))]));
}

/** Builds every report from the generic input, each file as one string (see `reportSet`). */
export function buildReports(input: ResultInput, previous: Durations = {}): Reports {
  const set = reportSet(input, previous);
  return { result: set.result, summary: set.summary, files: filesOf(set) };
}

/** One run of a lane as the Dagger layer or the host harness read it back. */
export interface LaneRunArtifacts {
  /** lane.json text; undefined when the file is missing. */
  record?: string;
  /** junit.xml text; undefined when the file is missing. */
  junit?: string;
  /** junit.xml already read (lane-reading.ts's `runJUnit`): the report reads it from here, not again. */
  parsed?: LaneJUnit;
  /**
   * When the caller asked for this run (ISO 8601, its own clock), so a lane.json that started earlier
   * is known to come from the engine's cache. Unknown for artifacts read back from elsewhere.
   */
  requestedAt?: string;
}

/** A planned lane, its first run and its reruns of only the failed tests, in order. */
export interface LaneArtifacts {
  plan: Pick<LanePlan, "id" | "lane" | "shard" | "mode" | "failOnEmpty">;
  first: LaneRunArtifacts;
  reruns: (LaneRunArtifacts & { id?: string })[];
  /** The matrix part that ran the lane (combine-parts): each part ran its own serial chain. */
  part?: number;
}

export interface ReportInputs {
  config: Pick<Config, "coverage" | "flaky">;
  lanes: LaneArtifacts[];
  /** combine.json text; undefined when the combine step did not run or wrote nothing. */
  combine?: string;
  /** coverage.json text (`coverage json`), for the floors. */
  coverageJson?: string;
  /** This call by its caller's clock: its wall time and the backend image's setup (both near zero when cached). */
  run?: { wallSeconds?: number; setupSeconds?: number };
  /** Test files the plan left out on purpose: listed in summary.md and result.json. */
  unplanned?: string[];
  /** Problems of the run as a whole, each a sentence that turns it red. */
  problems?: string[];
  /** This run is part `part` of `parts` of a CI matrix: coverage is gated by combine-parts. */
  part?: number;
  parts?: number;
  /** The `.test_durations` the plan used; this run's figures replace its entries. */
  previousDurations?: Durations;
}

export interface AssembledReports extends Reports {
  ok: boolean;
  reasons: string[];
}

export interface PreparedReports extends ReportSet {
  ok: boolean;
  reasons: string[];
}

/**
 * The report step of pr-backend and combine-parts: plans and raw artifacts in, every report ready
 * to write out. Hand lanes over `parsed` and drop their text to keep a large run's memory small.
 */
export function prepareReports(inputs: ReportInputs): PreparedReports {
  const input: ResultInput = {
    lanes: inputs.lanes.map(({ plan, first, reruns, part }) => ({
      id: plan.id,
      lane: plan.lane,
      shard: plan.shard ? { index: plan.shard.index, count: plan.shard.count } : undefined,
      mode: plan.mode,
      part,
      failOnEmpty: plan.failOnEmpty,
      record: first.record,
      junitXml: first.junit,
      junit: first.parsed,
      requested_at: first.requestedAt,
      reruns: reruns.map((r) => ({ id: r.id, record: r.record, junitXml: r.junit, junit: r.parsed, requested_at: r.requestedAt })),
    })),
    combine: inputs.combine,
    coverageJson: inputs.coverageJson,
    floors: inputs.config.coverage.floors,
    quarantine: inputs.config.flaky.quarantine,
    flakyPolicy: inputs.config.flaky.policy,
    part: inputs.part !== undefined && inputs.parts !== undefined ? { index: inputs.part, count: inputs.parts } : undefined,
    problems: inputs.problems ?? [],
    run: { wall_s: inputs.run?.wallSeconds, setup_s: inputs.run?.setupSeconds },
    unplanned: inputs.unplanned ?? [],
  };
  const set = reportSet(input, inputs.previousDurations);
  return { ...set, ok: set.result.ok, reasons: set.result.reasons };
}

/** The report step with every file as a string, for callers that hand files over whole. */
export function assembleReports(inputs: ReportInputs): AssembledReports {
  const set = prepareReports(inputs);
  return { result: set.result, summary: set.summary, files: filesOf(set), ok: set.ok, reasons: set.reasons };
}
