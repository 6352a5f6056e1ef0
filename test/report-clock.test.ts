/**
 * One clock for a lane's figures: generated runs, scheduled the way pr-backend schedules lanes, with
 * lane.json stamps written where the work happened. Whatever the lanes, their reruns and their
 * services' waits, the critical path never exceeds the lanes' own span, nor the run; and a rerun of
 * the same call served from the cache keeps the figures of the run that produced them.
 */
import { describe, expect, it } from "vitest";

import { buildResult, type ResultLaneInput } from "../src/core/report/result.js";
import { CACHE_TOLERANCE_S, reusedFrom } from "../src/core/report/lane-reading.js";
import { LaneRecord } from "../src/core/artifacts/records.js";

/** A small deterministic PRNG (mulberry32), so a failing case can be replayed from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface GeneratedRun {
  lanes: ResultLaneInput[];
  startMs: number;
  endMs: number;
  setupS: number;
}

const T0 = Date.parse("2026-11-23T10:00:00.000Z");
const JUNIT_FAILED = '<testsuite><testcase classname="tests.t" name="test_a" file="tests/t.py" time="0.1"><failure message="x">x</failure></testcase></testsuite>';
const JUNIT_PASSED = '<testsuite><testcase classname="tests.t" name="test_a" file="tests/t.py" time="0.1"/></testsuite>';

/**
 * A call: setup, then parallel lanes together and the serial lanes one after another, each lane's
 * reruns after it. The caller asks for each run, the engine starts its services, the runner waits,
 * pytest runs; every lane.json stamp is taken on the one host clock.
 */
function generateRun(seed: number): GeneratedRun {
  const rand = prng(seed);
  const between = (lo: number, hi: number) => lo + (hi - lo) * rand();
  const setupS = between(0, 30);
  const startMs = T0;
  let endMs = startMs + setupS * 1000;
  const lanes: ResultLaneInput[] = [];
  /** One run from `askedMs`; returns its lane.json, request time and end. */
  const oneRun = (id: string, askedMs: number, failed: boolean) => {
    const hasServices = rand() < 0.6;
    const servicesStart = askedMs + between(0, 500);
    const wait = hasServices ? between(0, 20) : null;
    const runnerStart = servicesStart + (wait ?? between(0, 1)) * 1000;
    const readiness = between(0, 2);
    const tests = between(0, 120);
    const finished = runnerStart + (readiness + tests + between(0, 2)) * 1000;
    const record = LaneRecord.parse({
      lane: id,
      status: failed ? "failed" : "passed",
      exit_code: failed ? 1 : 0,
      message: "",
      readiness_s: readiness,
      tests_s: tests,
      started_at: new Date(runnerStart).toISOString(),
      finished_at: new Date(finished).toISOString(),
      argv: [],
      workers: rand() < 0.5 ? 0 : 2,
      service_wait_s: wait,
    });
    return { record, requested_at: new Date(askedMs).toISOString(), junitXml: failed ? JUNIT_FAILED : JUNIT_PASSED, end: finished };
  };
  /** A lane and its reruns, one after another, from `askedMs`; returns when the last ended. */
  const lane = (id: string, mode: "parallel" | "serial", askedMs: number): number => {
    const reruns = Math.floor(between(0, 3));
    const first = oneRun(id, askedMs, reruns > 0);
    let at = first.end;
    const rerunInputs = Array.from({ length: reruns }, (_, i) => {
      const r = oneRun(`${id}-rerun${i + 1}`, at + between(0, 300), i < reruns - 1);
      at = r.end;
      return { id: `${id}-rerun${i + 1}`, record: r.record, requested_at: r.requested_at, junitXml: r.junitXml };
    });
    lanes.push({ id, lane: id, mode, record: first.record, requested_at: first.requested_at, junitXml: first.junitXml, reruns: rerunInputs });
    return at;
  };
  const lanesStart = endMs;
  for (let i = 0, n = Math.floor(between(0, 5)); i < n; i++) endMs = Math.max(endMs, lane(`p${i}`, "parallel", lanesStart + between(0, 1000)));
  let chain = lanesStart;
  for (let i = 0, n = Math.floor(between(lanes.length === 0 ? 1 : 0, 5)); i < n; i++) chain = lane(`s${i}`, "serial", chain + between(0, 300));
  endMs = Math.max(endMs, chain) + between(0, 10) * 1000; // combine and reports
  return { lanes, startMs, endMs, setupS };
}

const SEEDS = Array.from({ length: 300 }, (_, i) => i + 1);

describe("a run's timings, from one clock", () => {
  it.each(SEEDS)("never put the critical path beyond the lanes' own span, nor the lanes beyond the run (seed %i)", (seed) => {
    const run = generateRun(seed);
    const wall = (run.endMs - run.startMs) / 1000;
    const r = buildResult({ lanes: run.lanes, combine: undefined, run: { wall_s: wall, setup_s: run.setupS } });
    const t = r.timings;
    const epsilon = 1e-6;
    expect(t.lanes.every((l) => !l.reused)).toBe(true);
    expect(t.critical_path).not.toBeNull();
    expect(t.lanes_wall_s).not.toBeNull();
    expect(t.critical_path!.bound.total_s).toBeLessThanOrEqual(t.lanes_wall_s! + epsilon);
    expect(t.lanes_wall_s!).toBeLessThanOrEqual(wall - run.setupS + epsilon);
    expect(t.run.wall_s).toBe(wall);
    for (const l of r.lanes) expect(l.duration_s!).toBeLessThanOrEqual(t.critical_path!.bound.total_s + epsilon);
  });

  it.each(SEEDS.slice(0, 50))("keep the figures of the run that produced them when the same call is served from the cache an hour later (seed %i)", (seed) => {
    const run = generateRun(seed);
    const fresh = buildResult({ lanes: run.lanes, combine: undefined });
    const later = (iso?: string) => (iso ? new Date(Date.parse(iso) + 3_600_000).toISOString() : iso);
    const cached = run.lanes.map((l) => ({ ...l, requested_at: later(l.requested_at), reruns: l.reruns?.map((x) => ({ ...x, requested_at: later(x.requested_at) })) }));
    const r = buildResult({ lanes: cached, combine: undefined, run: { wall_s: 3.7, setup_s: 0.1 } });
    expect(r.lanes.every((l) => l.reused_from !== null && l.rerun_runs.every((x) => x.reused_from !== null))).toBe(true);
    expect(r.timings.lanes_wall_s).toBeNull();
    expect(r.timings.critical_path).toEqual({ ...fresh.timings.critical_path, bound: { ...fresh.timings.critical_path!.bound, reused: true }, next: fresh.timings.critical_path!.next && { ...fresh.timings.critical_path!.next, reused: true } });
    expect(r.lanes.map((l) => l.duration_s)).toEqual(fresh.lanes.map((l) => l.duration_s));
    expect(r.timings.run).toEqual({ wall_s: 3.7, setup_s: 0.1 });
  });
});

describe("reusedFrom: a lane.json that started before it was asked for came from the cache", () => {
  const rec = (started: string, wait: number | null = null) =>
    LaneRecord.parse({ lane: "a", status: "passed", exit_code: 0, message: "", readiness_s: 0, tests_s: 1, started_at: started, finished_at: started, argv: [], workers: 0, service_wait_s: wait });
  it.each([
    ["a run that started after the request is fresh", rec("2026-11-23T10:00:05.000Z"), "2026-11-23T10:00:00.000Z", null],
    [`a start up to ${CACHE_TOLERANCE_S} s before the request is clock skew, not the cache`, rec("2026-11-23T09:59:51.000Z"), "2026-11-23T10:00:00.000Z", null],
    ["a start more than the tolerance before the request is a cache hit, dated from its first service start", rec("2026-11-23T09:00:15.000Z", 15), "2026-11-23T10:00:00.000Z", "2026-11-23T09:00:00.000Z"],
    ["without a request time nothing is claimed", rec("2026-11-23T09:00:00.000Z"), undefined, null],
    ["an unreadable stamp claims nothing", rec("yesterday"), "2026-11-23T10:00:00.000Z", null],
  ])("%s", (_what, record, requested, want) => {
    expect(reusedFrom(record, requested)).toBe(want);
  });
});
