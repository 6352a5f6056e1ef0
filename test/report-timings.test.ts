import { requestsAutoWorkers } from "../src/core/report/result.js";
import { describe, expect, it } from "vitest";
import { computeTimings, type LaneTimingInput } from "../src/core/report/timings.js";

const lane = (over: Partial<LaneTimingInput> & { lane: string }): LaneTimingInput => ({
  workers: 1,
  mode: "serial",
  readiness_s: 2,
  tests_s: 60,
  total_s: 62,
  ...over,
});

describe("computeTimings: the critical path", () => {
  it.each([
    [
      "the slowest parallel lane bounds the lanes when the serial chain is shorter",
      [lane({ lane: "unit-1of2", mode: "parallel", total_s: 100 }), lane({ lane: "unit-2of2", mode: "parallel", total_s: 90 }), lane({ lane: "integration", total_s: 40 })],
      { bound: ["unit-1of2"], total: 100, next: ["unit-2of2"], margin: 10 },
    ],
    [
      "the serial chain bounds the lanes when its sum exceeds every parallel lane",
      [lane({ lane: "unit", mode: "parallel", total_s: 100 }), lane({ lane: "integration", total_s: 70 }), lane({ lane: "e2e", total_s: 50 })],
      { bound: ["integration", "e2e"], total: 120, next: ["unit"], margin: 20 },
    ],
    [
      "a lone lane bounds the lanes by its whole span",
      [lane({ lane: "unit", mode: "parallel", total_s: 30 })],
      { bound: ["unit"], total: 30, next: null, margin: 30 },
    ],
    [
      "group overrides mode: an xdist lane scheduled serially joins the chain",
      [lane({ lane: "unit", mode: "parallel", total_s: 45 }), lane({ lane: "db", mode: "parallel", group: "serial", total_s: 30 }), lane({ lane: "e2e", total_s: 30 })],
      { bound: ["db", "e2e"], total: 60, next: ["unit"], margin: 15 },
    ],
    [
      "each matrix part runs its own serial chain: the chains are contenders of their own, not one sum",
      [lane({ lane: "a", chain: "part 1", total_s: 40 }), lane({ lane: "b", chain: "part 1", total_s: 30 }), lane({ lane: "c", chain: "part 2", total_s: 50 })],
      { bound: ["a", "b"], total: 70, next: ["c"], margin: 20 },
    ],
  ])("%s", (_what, lanes, want) => {
    const t = computeTimings(lanes);
    expect(t.critical_path?.bound.lanes).toEqual(want.bound);
    expect(t.critical_path?.bound.total_s).toBe(want.total);
    expect(t.critical_path?.next?.lanes ?? null).toEqual(want.next);
    expect(t.critical_path?.margin_s).toBe(want.margin);
  });

  it("no lanes, no critical path", () => {
    expect(computeTimings([])).toMatchObject({ run: { wall_s: null, setup_s: null }, critical_path: null, lanes_wall_s: null, warnings: [] });
  });

  it("the lanes' wall spans the lanes that ran in this call, by their own clock, and leaves out lanes from the cache", () => {
    const t = computeTimings([
      lane({ lane: "a", start_ms: 0, end_ms: 50_000, total_s: 50 }),
      lane({ lane: "b", start_ms: 50_000, end_ms: 80_000, total_s: 30 }),
      lane({ lane: "old", start_ms: -3_600_000, end_ms: -3_500_000, total_s: 100, reused: true }),
    ]);
    expect(t.lanes_wall_s).toBe(80);
    expect(t.critical_path?.bound).toEqual({ lanes: ["a", "b", "old"], total_s: 180, reused: true });
    expect(computeTimings([lane({ lane: "old", start_ms: 0, end_ms: 1000, reused: true })]).lanes_wall_s).toBeNull();
  });

  it("readiness is the engine's hold for the services plus the runner's own wait, each kept apart", () => {
    const [l] = computeTimings([lane({ lane: "integration", service_wait_s: 15.1, readiness_s: 0.5 })]).lanes;
    expect(l).toMatchObject({ service_wait_s: 15.1, runner_readiness_s: 0.5 });
    expect(l.readiness_s).toBeCloseTo(15.6, 10);
    expect(computeTimings([lane({ lane: "unit", readiness_s: 0.5 })]).lanes[0]).toMatchObject({ service_wait_s: null, readiness_s: 0.5 });
  });

  it("reports the caller's own measure of the run apart from the lanes", () => {
    expect(computeTimings([lane({ lane: "a", reused: true })], { wall_s: 3.7, setup_s: 0.1 }).run).toEqual({ wall_s: 3.7, setup_s: 0.1 });
  });
});

describe("computeTimings: efficiency and warnings", () => {
  it("efficiency is the summed test time over workers times the lane's test time", () => {
    const t = computeTimings([lane({ lane: "unit", mode: "parallel", workers: 4, tests_s: 50, durations: new Map(Object.entries({ a: 60, b: 60 })) })]);
    expect(t.lanes[0].test_sum_s).toBe(120);
    expect(t.lanes[0].efficiency).toBeCloseTo(0.6, 10);
    expect(t.warnings).toEqual([]);
  });

  it("a lane without per-test durations has no efficiency", () => {
    expect(computeTimings([lane({ lane: "unit" })]).lanes[0].efficiency).toBeNull();
  });

  it.each([
    ["an `-n auto` lane whose tests take under 30 s is told to run serially", lane({ lane: "unit", mode: "parallel", workers: 2, auto: true, tests_s: 12, durations: new Map(Object.entries({ a: 6, b: 6 })) }), /`unit` ran its tests in 12\.0s with `-n auto` \(2 xdist workers\): under 30s.*run it serially/],
    ["a lane just under 30 s is compared unrounded and printed below the threshold", lane({ lane: "unit", mode: "parallel", workers: 2, auto: true, tests_s: 29.987 }), /`unit` ran its tests in 29\.98s with `-n auto` \(2 xdist workers\): under 30s/],
    ["an efficiency above 1 says the baseline or worker count is wrong", lane({ lane: "unit", mode: "parallel", workers: 2, tests_s: 40, durations: new Map(Object.entries({ a: 50, b: 40 })) }), /`unit` reports efficiency 1\.13 \(> 1\).*worker count or the baseline durations are wrong/],
    ["one test over half a lane's test time is named", lane({ lane: "integration", tests_s: 20, durations: new Map(Object.entries({ "t.py::slow": 12, "t.py::fast": 4 })) }), /Test `t\.py::slow` takes 75% of lane `integration`'s test time \(12\.0s of 16\.0s\)/],
  ])("%s", (_what, l, warning) => {
    expect(computeTimings([l]).warnings.join("\n")).toMatch(warning);
  });

  it.each([
    ["a serial lane under 30 s", lane({ lane: "unit", tests_s: 12 })],
    ["a lane under 30 s with a fixed worker count the team chose", lane({ lane: "unit", mode: "parallel", workers: 2, tests_s: 12, durations: new Map(Object.entries({ a: 6, b: 6 })) })],
    ["a dominant test in a lane of 5 s or less", lane({ lane: "unit", tests_s: 5, durations: new Map(Object.entries({ a: 4, b: 0.5 })) })],
    ["an xdist lane of 30 s or more with efficiency at most 1", lane({ lane: "unit", mode: "parallel", workers: 2, tests_s: 30, durations: new Map(Object.entries({ a: 20, b: 20, c: 20 })) })],
  ])("no warning for %s", (_what, l) => {
    expect(computeTimings([l]).warnings).toEqual([]);
  });
});

describe("requestsAutoWorkers", () => {
  it.each([
    [["-n", "auto"], true],
    [["-n", "logical"], true],
    [["-nauto"], true],
    [["--numprocesses=auto"], true],
    [["--numprocesses", "auto"], true],
    [["-n", "2"], false],
    [["tests/auto"], false],
    [[], false],
  ])("%j -> %s", (argv, want) => {
    expect(requestsAutoWorkers(argv)).toBe(want);
  });
});
