import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseJUnit } from "../src/core/report/junit.js";
import { assembleReports, buildReports } from "../src/core/report/reports.js";
import { buildResult, type ResultInput, type ResultLaneInput, ResultSchema } from "../src/core/report/result.js";

const fixture = (name: string) => readFileSync(join(import.meta.dirname, "fixtures/junit", name), "utf8");

/** lane.json as run_lane.py writes it. */
function record(lane: string, status: string, over: Record<string, unknown> = {}) {
  return JSON.stringify({
    lane,
    status,
    exit_code: { passed: 0, failed: 1, "no-tests": 5, crashed: 3, timeout: -1, "not-ready": -1 }[status],
    message: { passed: "12 passed", failed: "2 failed, 2 errors", "no-tests": "selected no tests", crashed: "internal error", timeout: "killed after 600s", "not-ready": "service 'postgres' at db:5432 not ready after 60s: connection refused" }[status],
    readiness_s: 1.5,
    tests_s: 40,
    started_at: "2026-01-01T00:00:00.000Z",
    finished_at: "2026-01-01T00:00:45.000Z",
    argv: ["python", "-m", "pytest"],
    workers: 2,
    ...over,
  });
}

/** A JUnit file of xunit1 testcases: [nodeid-ish name in t.py, outcome, seconds]. */
function junit(cases: [string, "passed" | "failed" | "error", number?][]): string {
  const body = cases
    .map(([name, outcome, time = 0.1]) => {
      const inner = outcome === "failed" ? '<failure message="assert 1 == 2">E assert 1 == 2</failure>' : outcome === "error" ? '<error message="boom">E boom</error>' : "";
      return `<testcase classname="tests.t" name="${name}" file="tests/t.py" line="1" time="${time}">${inner}</testcase>`;
    })
    .join("");
  return `<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest">${body}</testsuite></testsuites>`;
}

const COMBINE_OK = JSON.stringify({ total: 84.5, fail_under: 80, gate_passed: true, branch: true, inputs: [{ lane: "unit", path: ".coverage.unit", state: "combined", message: "" }], message: "coverage 84.50% meets fail_under 80%", reports: ["coverage.xml"] });

const base = (lanes: ResultLaneInput[], over: Partial<ResultInput> = {}): ResultInput => ({ lanes, combine: COMBINE_OK, ...over });
const unit = (over: Partial<ResultLaneInput> = {}): ResultLaneInput => ({
  id: "unit",
  lane: "unit",
  mode: "parallel",
  record: record("unit", "passed"),
  junitXml: junit([["test_a", "passed"], ["test_b", "passed", 2.5]]),
  ...over,
});

describe("buildResult: a green run", () => {
  it("is ok with no reasons, counts every test and validates against the exported schema", () => {
    const r = buildResult(base([unit()]));
    expect(r.ok).toBe(true);
    expect(r.reasons).toEqual([]);
    expect(r.totals).toMatchObject({ lanes: 1, tests: 2, failures: 0 });
    expect(r.coverage).toMatchObject({ total: 84.5, fail_under: 80, gate_passed: true, distance: 4.5 });
    expect(r.slowest[0]).toEqual({ lane: "unit", nodeid: "tests/t.py::test_b", seconds: 2.5 });
    expect(ResultSchema.parse(JSON.parse(JSON.stringify(r)))).toEqual(r);
  });

  it("accepts lane.json and combine.json already parsed", () => {
    const r = buildResult(base([unit({ record: JSON.parse(record("unit", "passed")) })], { combine: JSON.parse(COMBINE_OK) }));
    expect(r.ok).toBe(true);
  });

  it("a lane's duration is its own span by its own clock: the services' wait, the runner's run and every rerun's", () => {
    const rerun = record("unit-rerun1", "passed", { started_at: "2026-01-01T00:01:00.000Z", finished_at: "2026-01-01T00:01:07.000Z" });
    const r = buildResult(base([unit({ record: record("unit", "failed", { service_wait_s: 5 }), junitXml: junit([["test_a", "failed"]]), reruns: [{ record: rerun, junitXml: junit([["test_a", "passed"]]) }] })]));
    expect(r.lanes[0].duration_s).toBe(5 + 45 + 7);
    expect(buildResult(base([unit()])).lanes[0].duration_s).toBe(45);
  });
});

describe("buildResult: every reason a run is red names the lane, glob or figure", () => {
  it.each<[string, ResultInput, RegExp]>([
    ["a failing test", base([unit({ record: record("unit", "failed"), junitXml: junit([["test_a", "failed"]]), reruns: [{ junitXml: junit([["test_a", "failed"]]) }] })]), /^Lane `unit` has 1 failing test: `tests\/t\.py::test_a`\.$/],
    ["a crashed lane", base([unit({ record: record("unit", "crashed"), junitXml: undefined })]), /^Lane `unit` crashed \(exit 3\): internal error\.$/],
    ["a timed-out lane", base([unit({ record: record("unit", "timeout"), junitXml: undefined })]), /^Lane `unit` timed out: killed after 600s; raise its timeout or split it into shards\.$/],
    ["a lane whose services never became ready", base([unit({ record: record("unit", "not-ready"), junitXml: undefined })]), /^Lane `unit` never ran its tests: service 'postgres' at db:5432 not ready/],
    ["an empty lane with fail-on-empty", base([unit({ record: record("unit", "no-tests"), failOnEmpty: true, junitXml: junit([]) })]), /^Lane `unit` selected no tests and fail-on-empty is set/],
    ["a lane without lane.json", base([unit({ record: undefined })]), /^Lane `unit` left no lane\.json: its container stopped before the runner finished/],
    ["a lane with a malformed lane.json", base([unit({ record: '{"lane": "unit"' })]), /^Lane `unit` wrote an unreadable lane\.json \(lane\.json: not JSON/],
    ["a lane.json of the wrong shape", base([unit({ record: { lane: "unit", status: "exploded" } })]), /^Lane `unit` wrote an unreadable lane\.json \(lane\.json: status: /],
    ["a passed lane without junit.xml", base([unit({ junitXml: undefined })]), /^Lane `unit` wrote no junit\.xml: its results are unknown/],
    ["a passed lane with an empty junit.xml", base([unit({ junitXml: "" })]), /^Lane `unit` wrote an empty junit\.xml/],
    ["a passed lane with a truncated junit.xml", base([unit({ junitXml: junit([["test_a", "passed"], ["test_b", "passed"]]).slice(0, -30) })]), /^Lane `unit`'s junit\.xml is truncated \(1 test recovered\)/],
    ["a passed lane with malformed junit.xml", base([unit({ junitXml: "<oops>" })]), /^Lane `unit`'s junit\.xml is unusable \(malformed XML: /],
    ["a failed lane whose JUnit lists no failure", base([unit({ record: record("unit", "failed") })]), /^Lane `unit` failed \(exit 1: 2 failed, 2 errors\) but its JUnit lists no failed test/],
    ["a flaky test under policy fail", base([unit({ record: record("unit", "failed"), junitXml: junit([["test_a", "failed"]]), reruns: [{ junitXml: junit([["test_a", "passed"]]) }] })], { flakyPolicy: "fail" }), /^Lane `unit` has 1 flaky test and the flaky policy is `fail`: `tests\/t\.py::test_a`\.$/],
    ["coverage below the gate", base([unit()], { combine: JSON.stringify({ ...JSON.parse(COMBINE_OK), total: 78.31, gate_passed: false }) }), /^Coverage 78\.31% is below the gate 80% by 1\.69 points\.$/],
    ["a lane's coverage data missing", base([unit()], { combine: JSON.stringify({ ...JSON.parse(COMBINE_OK), gate_passed: false, inputs: [{ lane: "integration", path: ".coverage.integration", state: "missing", message: "no such file" }] }) }), /^Coverage from lane `integration` was not combined \(missing: no such file\)\.$/],
    ["no combine.json", base([unit()], { combine: undefined }), /^Coverage was not combined: there is no combine\.json/],
    ["an unreadable combine.json", base([unit()], { combine: "{" }), /^Coverage is unknown: combine\.json: not JSON/],
    ["a floor missed", base([unit()], { floors: { "app/auth/**": 95 }, coverageJson: { files: { "app/auth/a.py": { summary: { covered_lines: 9, num_statements: 10, percent_covered: 90 } } } } }), /^Coverage floor `app\/auth\/\*\*` misses 95%: 90\.00% over 1 file\.$/],
    ["a floor glob matching nothing", base([unit()], { floors: { "src/**": 95 }, coverageJson: { files: { "app/a.py": { summary: { covered_lines: 9, num_statements: 10, percent_covered: 90 } } } } }), /^Coverage floor `src\/\*\*` matches no file/],
    ["floors without coverage.json", base([unit()], { floors: { "app/**": 95 } }), /^Coverage floors are configured but there is no coverage\.json/],
    ["floors on a malformed coverage.json", base([unit()], { floors: { "app/**": 95 }, coverageJson: { nope: 1 } }), /^Coverage floors could not be checked: coverage\.json: not coverage\.py's/],
  ])("%s", (_what, input, reason) => {
    const r = buildResult(input);
    expect(r.ok).toBe(false);
    expect(r.reasons.some((x) => reason.test(x)), r.reasons.join("\n")).toBe(true);
  });

  it("a message that ends in its own question mark is not given a second full stop", () => {
    const r = buildResult(base([unit({ record: record("unit", "not-ready", { message: "connection refused. Is the server running?" }), junitXml: undefined })]));
    expect(r.reasons).toEqual(["Lane `unit` never ran its tests: connection refused. Is the server running?"]);
  });

  it("a crashed lane without JUnit gets one reason, not a second one for the missing file", () => {
    const r = buildResult(base([unit({ record: record("unit", "crashed"), junitXml: undefined })]));
    expect(r.reasons).toHaveLength(1);
    expect(r.lanes[0].problems).toEqual(["junit.xml: no JUnit file"]);
  });
});

describe("buildResult: what stays green", () => {
  it.each<[string, ResultInput]>([
    ["a flaky test under policy warn", base([unit({ record: record("unit", "failed"), junitXml: junit([["test_a", "failed"]]), reruns: [{ junitXml: junit([["test_a", "passed"]]) }] })])],
    ["a quarantined test failing every rerun", base([unit({ record: record("unit", "failed"), junitXml: junit([["test_a", "failed"]]), reruns: [{ junitXml: junit([["test_a", "failed"]]) }] })], { quarantine: ["tests/t.py::test_*"], flakyPolicy: "fail" })],
    ["an empty lane without fail-on-empty", base([unit({ record: record("unit", "no-tests"), junitXml: junit([]) })])],
    ["a part of a matrix run without combine.json", base([unit()], { combine: undefined, part: { index: 1, count: 3 } })],
  ])("%s", (_what, input) => {
    const r = buildResult(input);
    expect(r.reasons).toEqual([]);
    expect(r.ok).toBe(true);
  });
});

describe("buildResult on a messy run: everything else is still reported", () => {
  const input = base(
    [
      unit({ id: "unit-1of2", shard: { index: 1, count: 2 }, record: record("unit-1of2", "failed"), junitXml: fixture("serial.xml"), reruns: [{ junitXml: junit([]).replace("</testsuite>", '<testcase classname="tests.unit.test_sample" name="test_fails_with_message" file="tests/unit/test_sample.py" time="0.1"/></testsuite>') }] }),
      unit({ id: "unit-2of2", shard: { index: 2, count: 2 }, junitXml: "<testsuites><testsuite><testcase" }),
      unit({ id: "integration", lane: "integration", mode: "serial", record: record("integration", "failed", { workers: 0 }), junitXml: fixture("xdist-crash.xml") }),
      unit({ id: "contract", lane: "contract", record: undefined, junitXml: undefined }),
    ],
    { quarantine: ["tests/unit/test_sample.py::test_setup_error"] },
  );
  const r = buildResult(input);

  it("lists each lane with its status, counts and problems", () => {
    expect(r.lanes.map((l) => [l.id, l.status, l.tests, l.failures, l.errors, l.red])).toEqual([
      ["unit-1of2", "failed", 13, 2, 2, true],
      ["unit-2of2", "passed", 0, 0, 0, true],
      ["integration", "failed", 13, 2, 3, true],
      ["contract", "missing", 0, 0, 0, true],
    ]);
    expect(r.lanes[1].problems).toEqual(["junit.xml: truncated"]);
    expect(r.lanes[3].problems).toEqual(["lane.json: missing", "junit.xml: no JUnit file"]);
    expect(r.lanes[0].shard).toEqual({ index: 1, count: 2 });
  });

  it("classifies the failures: flaky, failing and quarantined, failing first", () => {
    const u = r.lanes[0];
    expect(u.flaky).toEqual(["tests/unit/test_sample.py::test_fails_with_message"]);
    expect(u.quarantined).toEqual(["tests/unit/test_sample.py::test_setup_error"]);
    expect(u.failing).toEqual(["tests/unit/test_sample.py::test_teardown_error", "tests/unit/test_sample.py::test_fails_then_teardown_error"]);
    expect(r.failures.map((f) => f.class)).toEqual([...r.failures.map((f) => f.class)].sort((a, b) => ["failing", "flaky", "quarantined"].indexOf(a) - ["failing", "flaky", "quarantined"].indexOf(b)));
    const crash = r.failures.find((f) => f.crashed)!;
    expect(crash).toMatchObject({ lane: "integration", nodeid: "tests/integration/test_crash.py::test_worker_crashes", class: "failing", outcome: "error" });
    expect(crash.message).toMatch(/worker 'gw0' crashed/);
  });

  it("keeps the first lines of each failure", () => {
    const f = r.failures.find((x) => x.nodeid.endsWith("test_fails_with_message"))!;
    expect(f.excerpt.split("\n")).toHaveLength(10);
    expect(f.excerpt).toMatch(/^def test_fails_with_message\(\):/);
    expect(f.message).toMatch(/^AssertionError: assert/);
  });

  it("gives one reason per problem and counts totals over the lanes that reported", () => {
    expect(r.ok).toBe(false);
    expect(r.reasons).toEqual([
      "Lane `unit-1of2` has 2 failing tests: `tests/unit/test_sample.py::test_teardown_error`, `tests/unit/test_sample.py::test_fails_then_teardown_error`.",
      "Lane `unit-2of2`'s junit.xml is truncated (0 tests recovered): pytest was killed or the disk filled while writing it.",
      "Lane `integration` has 4 failing tests (1 crashed an xdist worker): `tests/integration/test_crash.py::test_worker_crashes`, `tests/unit/test_sample.py::test_fails_with_message`, `tests/unit/test_sample.py::test_teardown_error` and 1 more.",
      "Lane `contract` left no lane.json: its container stopped before the runner finished; see the lane's log.",
      "Lane `contract` wrote no junit.xml: its results are unknown; see the lane's log.",
    ]);
    expect(r.totals).toMatchObject({ lanes: 4, tests: 26, flaky: 1, quarantined: 2 });
  });

  it("times the lanes that reported and names the critical path", () => {
    expect(r.timings.lanes.map((l) => l.lane)).toEqual(["unit-1of2", "unit-2of2", "integration"]);
    expect(r.timings.critical_path?.bound.lanes).toEqual(["unit-1of2"]);
  });
});

describe("buildReports and assembleReports", () => {
  it("write result.json, summary.md, the merged junit.xml and .test_durations from one read", () => {
    const out = buildReports(base([unit(), unit({ id: "integration", lane: "integration", mode: "serial", junitXml: fixture("xdist.xml") })]), { "tests/t.py::test_a": 9, "tests/old.py::test_gone": 1 });
    expect(Object.keys(out.files).sort()).toEqual([".test_durations", "junit.xml", "result.json", "summary.md"]);
    expect(ResultSchema.parse(JSON.parse(out.files["result.json"]))).toEqual(out.result);
    expect(out.files["summary.md"]).toBe(out.summary);
    const d = JSON.parse(out.files[".test_durations"]);
    expect(d["tests/t.py::test_a"]).toBe(0.1);
    expect(d["tests/old.py::test_gone"]).toBe(1);
    expect(Object.keys(d)).toEqual([...Object.keys(d)].sort());
    expect(parseJUnit(out.files["junit.xml"], "merged").cases).toHaveLength(15);
  });

  it("assembleReports maps plans and config onto the result: schedule, workers from lane.json, policy", () => {
    const plan = (id: string, mode: "parallel" | "serial") => ({ id, lane: id, mode, failOnEmpty: false });
    const out = assembleReports({
      config: { coverage: { fail_under: 80, branch: true, source: [], paths: [], floors: {} }, flaky: { reruns: 1, policy: "fail", quarantine: [] } },
      lanes: [
        { plan: plan("unit", "parallel"), first: { record: record("unit", "failed", { workers: 4 }), junit: junit([["test_a", "failed"]]) }, reruns: [{ id: "unit-rerun1", record: record("unit-rerun1", "passed"), junit: junit([["test_a", "passed"]]) }] },
        { plan: { ...plan("integration", "serial"), shard: { index: 1, count: 1, key: "k" } }, first: { record: record("integration", "passed", { workers: 0 }), junit: junit([["test_b", "passed"]]) }, reruns: [] },
      ],
      combine: COMBINE_OK,
      run: { wallSeconds: 100, setupSeconds: 5 },
    });
    expect(out.ok).toBe(false);
    expect(out.reasons).toEqual(["Lane `unit` has 1 flaky test and the flaky policy is `fail`: `tests/t.py::test_a`."]);
    expect(out.result.timings.lanes.map((l) => [l.lane, l.mode, l.group, l.workers])).toEqual([
      ["unit", "parallel", "parallel", 4],
      ["integration", "serial", "serial", 1],
    ]);
    // Each run's own span (45 s each); the setup is the run's, reported apart.
    expect(out.result.lanes[0].duration_s).toBe(45 + 45);
    expect(out.result.timings.run).toEqual({ wall_s: 100, setup_s: 5 });
    expect(out.result.lanes[1].shard).toEqual({ index: 1, count: 1 });
    expect(Object.keys(out.files)).toContain("summary.md");
  });
});
