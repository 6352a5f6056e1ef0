/**
 * The files the in-container helpers (src/python) write, as zod schemas: the one contract between
 * the Python that runs in a lane and the TypeScript that reads its results. Both the Dagger layer and
 * the host harness read these files; nothing else may guess their shape.
 */
import { z } from "zod";

/** How a lane ended, as `run_lane.py` classifies it. */
export const LaneStatus = z.enum([
  "passed", // pytest exit 0
  "failed", // pytest exit 1: tests failed (includes an xdist worker that crashed mid-test)
  "no-tests", // pytest exit 5: the lane selected no tests
  "crashed", // pytest exit 2/3/4, killed by a signal, or the runner could not start pytest
  "timeout", // the lane's timeout elapsed; pytest was killed
  "not-ready", // a service never became ready; pytest did not run
]);
export type LaneStatus = z.infer<typeof LaneStatus>;

/** `<reports>/<lane>/lane.json`, written by `run_lane.py` whatever happened. */
export const LaneRecord = z.object({
  lane: z.string(),
  status: LaneStatus,
  exit_code: z.number().int(), // pytest's exit code, or -1 when pytest never ran/was killed
  message: z.string(), // one human line: "3 failed", "selected no tests", "service 'postgres' at ... not ready after 60s: ..."
  readiness_s: z.number(), // seconds spent waiting for services
  tests_s: z.number(), // seconds pytest ran
  started_at: z.string(), // ISO 8601
  finished_at: z.string(),
  argv: z.array(z.string()), // the pytest argv that ran
  workers: z.number().int().min(0), // xdist workers actually used: 0 without xdist, `-n auto` resolved to the CPU count
});
export type LaneRecord = z.infer<typeof LaneRecord>;

/** What happened to one lane's coverage data file at combine time. */
export const CombinedInput = z.object({
  lane: z.string(),
  path: z.string(),
  state: z.enum(["combined", "missing", "empty", "mixed", "unreadable"]),
  message: z.string(), // "" when combined
});

/** `<out>/combine.json`, written by `combine.py` whatever happened. */
export const CombineRecord = z.object({
  total: z.number().nullable(), // percent covered (coverage.py's own figure), null if nothing could be combined
  fail_under: z.number(),
  gate_passed: z.boolean(), // total >= fail_under and no input problems
  branch: z.boolean().nullable(), // measurement mode of the combined data
  inputs: z.array(CombinedInput),
  message: z.string(), // "coverage 83.12% meets fail_under 80%" / "coverage 78.31% is below fail_under 80%" / problems
  reports: z.array(z.string()), // files written under <out>: coverage.xml, coverage.json, coverage.lcov, html/
});
export type CombineRecord = z.infer<typeof CombineRecord>;

/** `--backend-ci-collect=FILE`, written by the pytest plugin: every collected test and its markers. */
export const CollectedTests = z.array(z.object({ nodeid: z.string(), markers: z.array(z.string()) }));

/**
 * The lane.json of a lane whose exec never gave an exit code (a service that never became healthy,
 * the engine stopping the container): written by the caller, so the lane is still reported.
 */
export function unreachedLaneRecord(lane: string, argv: string[], error: string, seconds: number, now = new Date()): LaneRecord {
  const service = /health|service|start/i.test(error);
  return {
    lane,
    status: service ? "not-ready" : "crashed",
    exit_code: -1,
    message: `${service ? "a service of the lane never became ready" : "the lane's container did not run to the end"}: ${error.split("\n")[0].slice(0, 500)}`,
    readiness_s: 0,
    tests_s: 0,
    started_at: new Date(now.getTime() - seconds * 1000).toISOString(),
    finished_at: now.toISOString(),
    argv,
    workers: 0,
  };
}
