/**
 * Everything the report step writes, from one read of the lanes' artifacts: `result.json`,
 * `summary.md`, the merged `junit.xml` and `.test_durations` for the next run's shards.
 */
import type { Config } from "../config/config.js";
import { type Durations, durations, formatDurations, mergeDurations } from "../artifacts/durations.js";
import { mergeJUnit } from "./junit-merge.js";
import type { LanePlan } from "../plan/plan.js";
import { buildResult, readLanes, type Result, type ResultInput } from "./result.js";
import { renderSummary } from "./summary.js";

/** The file names `files` uses, relative to the reports directory. */
export const REPORT_FILES = {
  result: "result.json",
  summary: "summary.md",
  junit: "junit.xml",
  durations: ".test_durations",
} as const;

export interface Reports {
  result: Result;
  summary: string;
  /** File name -> text: result.json, summary.md, junit.xml (one <testsuite> per lane id), .test_durations. */
  files: Record<string, string>;
}

/**
 * Builds every report from the generic input. `previous` is the committed `.test_durations`, already
 * parsed; this run's first-run durations replace its entries.
 */
export function buildReports(input: ResultInput, previous: Durations = {}): Reports {
  const readings = readLanes(input);
  const result = buildResult(input, readings);
  const summary = renderSummary(result);
  const measured = durations(readings.flatMap((r) => r.junit.cases));
  return {
    result,
    summary,
    files: {
      [REPORT_FILES.result]: `${JSON.stringify(result, null, 2)}\n`,
      [REPORT_FILES.summary]: summary,
      [REPORT_FILES.junit]: mergeJUnit(readings.map((r) => r.junit)),
      [REPORT_FILES.durations]: formatDurations(Object.keys(previous).length > 0 ? mergeDurations(previous, measured) : measured),
    },
  };
}

/** One run of a lane as the Dagger layer or the host harness read it back. */
export interface LaneRunArtifacts {
  /** lane.json text; undefined when the file is missing. */
  record?: string;
  /** junit.xml text; undefined when the file is missing. */
  junit?: string;
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

/** The report step of pr-backend and combine-parts: plans and raw artifacts in, every report out. */
export function assembleReports(inputs: ReportInputs): AssembledReports {
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
      requested_at: first.requestedAt,
      reruns: reruns.map((r) => ({ id: r.id, record: r.record, junitXml: r.junit, requested_at: r.requestedAt })),
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
  const reports = buildReports(input, inputs.previousDurations);
  return { ...reports, ok: reports.result.ok, reasons: reports.result.reasons };
}
