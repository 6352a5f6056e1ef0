import { requestsAutoWorkers } from "../src/core/report/result.js";
import { describe, expect, it } from "vitest";
import { computeTimings, type LaneTimingInput } from "../src/core/report/timings.js";

const lane = (over: Partial<LaneTimingInput> & { lane: string }): LaneTimingInput => ({
  workers: 1,
  mode: "serial",
  setup_s: 10,
  readiness_s: 2,
  tests_s: 60,
  total_s: 72,
  ...over,
});

describe("computeTimings: the critical path", () => {
  it.each([
    [
      "the slowest parallel lane bounds the run when the serial chain is shorter",
      [lane({ lane: "unit-1of2", mode: "parallel", total_s: 100 }), lane({ lane: "unit-2of2", mode: "parallel", total_s: 90 }), lane({ lane: "integration", total_s: 40 })],
      { wall: 100, bound: ["unit-1of2"], next: ["unit-2of2"], margin: 10 },
    ],
    [
      "the serial chain bounds the run when its sum exceeds every parallel lane",
      [lane({ lane: "unit", mode: "parallel", total_s: 100 }), lane({ lane: "integration", total_s: 70 }), lane({ lane: "e2e", total_s: 50 })],
      // The chain pays the shared 10 s setup once: 10 + 60 + 40.
      { wall: 110, bound: ["integration", "e2e"], next: ["unit"], margin: 10 },
    ],
    [
      "a lone lane bounds the run by its whole duration",
      [lane({ lane: "unit", mode: "parallel", total_s: 30 })],
      { wall: 30, bound: ["unit"], next: null, margin: 30 },
    ],
    [
      "group overrides mode: an xdist lane scheduled serially joins the chain",
      [lane({ lane: "unit", mode: "parallel", total_s: 45 }), lane({ lane: "db", mode: "parallel", group: "serial", total_s: 30 }), lane({ lane: "e2e", total_s: 30 })],
      { wall: 50, bound: ["db", "e2e"], next: ["unit"], margin: 5 },
    ],
    [
      "the shared setup counts once in the chain: a long parallel lane bounds three short serial ones",
      [lane({ lane: "unit", mode: "parallel", setup_s: 60, total_s: 210 }), ...["a", "b", "c"].map((n) => lane({ lane: n, setup_s: 60, total_s: 80 }))],
      { wall: 210, bound: ["unit"], next: ["a", "b", "c"], margin: 90 },
    ],
  ])("%s", (_what, lanes, want) => {
    const t = computeTimings(lanes);
    expect(t.wall_s).toBe(want.wall);
    expect(t.critical_path?.bound.lanes).toEqual(want.bound);
    expect(t.critical_path?.next?.lanes ?? null).toEqual(want.next);
    expect(t.critical_path?.margin_s).toBe(want.margin);
  });

  it("no lanes, no critical path", () => {
    expect(computeTimings([])).toMatchObject({ wall_s: 0, critical_path: null, measured_wall_s: null, warnings: [] });
  });

  it("the measured wall comes from start offsets when every lane has one", () => {
    const t = computeTimings([lane({ lane: "a", started_s: 0, total_s: 50 }), lane({ lane: "b", started_s: 50, total_s: 30 })]);
    expect(t.measured_wall_s).toBe(80);
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
