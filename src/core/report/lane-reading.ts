/**
 * One lane as the report sees it: its plan, lane.json, JUnit and reruns read once, its failures
 * classified, how long it took, and every reason it turns the run red.
 */
import { z } from "zod";
import { LaneRecord } from "../artifacts/records.js";
import { type Classification, classifyFailures, type FlakyPolicy } from "./flaky.js";
import { type LaneJUnit, parseJUnit } from "./junit.js";
import { readArtifact } from "../artifacts/read-artifact.js";
import { LaneMode } from "./timings.js";

export const Shard = z.object({ index: z.number().int().min(1), count: z.number().int().min(1) });

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

/** What one lane's artifacts say, parsed once and shared by the result and the merged JUnit. */
export interface LaneReading {
  input: z.infer<typeof ResultLaneInput>;
  record: LaneRecord | null;
  recordProblem: string | null;
  junit: LaneJUnit;
  reruns: LaneJUnit[];
  classification: Classification;
}

/** Reads one lane's artifacts and classifies its failures against its reruns. */
export function readLane(raw: ResultLaneInput, quarantine: readonly string[], policy: FlakyPolicy): LaneReading {
  const input = ResultLaneInput.parse(raw);
  const { value: record, problem: recordProblem } = readArtifact(LaneRecord, input.record, "lane.json");
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

function seconds(from: string, to: string): number | null {
  const ms = Date.parse(to) - Date.parse(from);
  return Number.isFinite(ms) && ms >= 0 ? ms / 1000 : null;
}

/** What the runner itself measured, when the caller did not time the container. */
function recordSeconds(raw: unknown): number {
  const { value } = readArtifact(LaneRecord, raw, "lane.json");
  if (!value) return 0;
  return seconds(value.started_at, value.finished_at) ?? value.readiness_s + value.tests_s;
}

/** Setup, the first run and every rerun: the reruns extend the lane's wall clock too. */
export function laneDuration(r: LaneReading): number | null {
  if (!r.record && r.input.wall_s === undefined) return null;
  const first = r.input.wall_s ?? recordSeconds(r.record);
  const reruns = r.input.reruns.reduce((a, x) => a + (x.wall_s ?? recordSeconds(x.record)), 0);
  return (r.input.setup_s ?? 0) + first + reruns;
}

function list(ids: readonly string[], max = 3): string {
  const shown = ids.slice(0, max).map((id) => `\`${id}\``).join(", ");
  return ids.length > max ? `${shown} and ${ids.length - max} more` : shown;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** lane.json's message inside a sentence that brings its own full stop. */
const said = (message: string) => message.replace(/[.\s]+$/, "");

/** Every reason this lane turns the run red, each a sentence naming the lane and the fix. */
export function laneReasons(r: LaneReading, policy: FlakyPolicy): string[] {
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
    out.push(`Lane ${id} crashed (exit ${r.record.exit_code}): ${said(r.record.message)}.`);
  } else if (status === "timeout") {
    out.push(`Lane ${id} timed out: ${said(r.record.message)}; raise its timeout or split it into shards.`);
  } else if (status === "not-ready") {
    out.push(`Lane ${id} never ran its tests: ${said(r.record.message)}.`);
  } else if (status === "no-tests" && r.input.failOnEmpty) {
    out.push(`Lane ${id} selected no tests and fail-on-empty is set: check its paths and markers.`);
  }
  const junitExpected = !r.record || status === "passed" || status === "failed" || status === "no-tests";
  if (r.junit.problem && junitExpected) out.push(junitReason(id, r.junit));
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

function junitReason(id: string, j: LaneJUnit): string {
  const p = j.problem ?? "";
  if (p === "no JUnit file") return `Lane ${id} wrote no junit.xml: its results are unknown; see the lane's log.`;
  if (p === "empty file") return `Lane ${id} wrote an empty junit.xml: its results are unknown; see the lane's log.`;
  if (p === "truncated") {
    return `Lane ${id}'s junit.xml is truncated (${plural(j.cases.length, "test")} recovered): pytest was killed or the disk filled while writing it.`;
  }
  return `Lane ${id}'s junit.xml is unusable (${p}): its results are unknown; see the lane's log.`;
}

