/**
 * What the reports say about each lane, and never claim: tests a stopped lane finished, reruns that
 * did not run, most tests skipped, isolation verdicts as measured, node ids through pytest's rootdir,
 * files left out on purpose, lanes served from the cache, and a green headline that agrees with the table.
 */
import { describe, expect, it } from "vitest";

import { buildResult, type ResultInput, type ResultLaneInput } from "../src/core/report/result.js";
import { buildReports } from "../src/core/report/reports.js";
import { renderSummary } from "../src/core/report/summary.js";

const STARTED = "2026-11-23T10:00:00.000Z";

/** lane.json v2 as run_lane.py writes it. */
function record(lane: string, status: string, over: Record<string, unknown> = {}) {
  return {
    lane,
    status,
    exit_code: { passed: 0, failed: 1, "no-tests": 5, crashed: 4, timeout: 124, "not-ready": 125 }[status],
    message: { passed: "3 passed", failed: "1 failed", "no-tests": "selected no tests", crashed: "file or directory not found: tests/t.py::test_gone", timeout: "stopped after 600s", "not-ready": "service 'postgres' not ready after 60s" }[status],
    readiness_s: 0.5,
    tests_s: 40,
    started_at: STARTED,
    finished_at: "2026-11-23T10:00:45.000Z",
    argv: ["python", "-m", "pytest", "-n", "auto"],
    workers: 2,
    workers_planned: "auto",
    ...over,
  };
}

type Case = [name: string, outcome?: "failed" | "skipped", message?: string];

function junit(cases: Case[], file = "tests/t.py"): string {
  const body = cases
    .map(([name, outcome, message = ""]) => {
      const inner = outcome === "failed" ? `<failure message="${message || "assert 1 == 2"}">E</failure>` : outcome === "skipped" ? `<skipped message="${message}"/>` : "";
      return `<testcase classname="${file.replace(/\.py$/, "").replaceAll("/", ".")}" name="${name}" file="${file}" line="1" time="0.2">${inner}</testcase>`;
    })
    .join("");
  return `<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest">${body}</testsuite></testsuites>`;
}

const lane = (over: Partial<ResultLaneInput> = {}): ResultLaneInput => ({
  id: "integration",
  lane: "integration",
  mode: "serial",
  record: record("integration", "passed"),
  junitXml: junit([["test_a"], ["test_b"], ["test_c"]]),
  ...over,
});
const input = (lanes: ResultLaneInput[], over: Partial<ResultInput> = {}): ResultInput => ({ lanes, part: { index: 1, count: 1 }, ...over });
const summaryOf = (i: ResultInput) => renderSummary(buildResult(i));

describe("a lane stopped at its timeout", () => {
  const session = (passed: number) => ({ started: true, finished: false, exitstatus: null, last_test: "tests/t.py::test_slow", counts: { passed, failed: 1, error: 0, skipped: 2, xfailed: 0, xpassed: 0 } });
  const timedOut = (junitXml: string | undefined) =>
    lane({ record: record("integration", "timeout", { session: session(409), coverage: { written: true, fragments_combined: 2 } }), junitXml });

  it("counts the tests it finished from its JUnit when pytest wrote one on the way out", () => {
    const r = buildResult(input([timedOut(junit([["test_a"], ["test_b", "failed"], ["test_c", "skipped"]]))]));
    expect(r.lanes[0]).toMatchObject({ tests: 3, failures: 1, skipped: 1, counted_from: "junit", last_test: "tests/t.py::test_slow" });
  });

  it("counts them from pytest's own session (lane.json) when the JUnit is missing, and never says 0 tests", () => {
    const r = buildResult(input([timedOut(undefined)]));
    expect(r.lanes[0]).toMatchObject({ tests: 412, failures: 1, errors: 0, skipped: 2, counted_from: "session" });
    expect(r.reasons[0]).toBe("Lane `integration` timed out after 412 finished tests (last running: `tests/t.py::test_slow`): stopped after 600s; raise its timeout or split it into shards.");
    expect(r.lanes[0].notes).toEqual([
      "counted from pytest's own session (lane.json): the JUnit is missing or cut short",
      "coverage of the finished tests kept: 2 parallel data files combined into the lane's own",
    ]);
    const md = renderSummary(r);
    expect(md).toContain("| integration | ⏱️ timeout after 412 tests ⚠️ junit.xml: no JUnit file | 412 | 0 | 2 | 0 | 45.0s |");
    expect(md).not.toMatch(/\| integration \|[^\n]*\| 0 \| 0 \| 0 \| 0 \|/);
  });

  it("counts from the session when a truncated JUnit recovered fewer tests", () => {
    const cut = junit([["test_a"], ["test_b"]]).slice(0, -40);
    expect(buildResult(input([timedOut(cut)])).lanes[0]).toMatchObject({ tests: 412, counted_from: "session" });
  });
});

describe("a rerun that did not run its tests is a red, named problem", () => {
  const firstRun = { record: record("integration", "failed"), junitXml: junit([["test_a", "failed"], ["test_b"]]) };
  it.each([
    ["crashed", "Rerun `integration-rerun1` of lane `integration` crashed (exit 4): file or directory not found: tests/t.py::test_gone, so the tests it retried could not be told flaky or failing."],
    ["timeout", "Rerun `integration-rerun1` of lane `integration` timed out: stopped after 600s, so the tests it retried could not be told flaky or failing."],
    ["not-ready", "Rerun `integration-rerun1` of lane `integration` never ran its tests: service 'postgres' not ready after 60s, so the tests it retried could not be told flaky or failing."],
    ["no-tests", "Rerun `integration-rerun1` of lane `integration` selected none of the tests it was given (selected no tests), so the tests it retried could not be told flaky or failing; their node ids may not match the backend root."],
  ])("a rerun that %s", (status, reason) => {
    const r = buildResult(input([lane({ ...firstRun, reruns: [{ id: "integration-rerun1", record: record("integration-rerun1", status), junitXml: undefined }] })]));
    expect(r.ok).toBe(false);
    expect(r.reasons).toContain(reason);
    expect(r.lanes[0].rerun_runs).toEqual([{ id: "integration-rerun1", status, exit_code: expect.any(Number), message: expect.any(String), reused_from: null }]);
    expect(r.lanes[0].problems).toEqual([]);
    expect(renderSummary(r)).toContain(`integration-rerun1 ${{ crashed: "💥", timeout: "⏱️", "not-ready": "🚫", "no-tests": "⚪" }[status]} ${status}`);
  });

  it("a rerun that left neither lane.json nor JUnit is named; one whose JUnit says what happened is not red for its missing lane.json", () => {
    const none = buildResult(input([lane({ ...firstRun, reruns: [{}] })]));
    expect(none.reasons).toContain("Rerun `integration-rerun1` of lane `integration` left no lane.json and no usable junit.xml (no JUnit file), so the tests it retried could not be told flaky or failing; see its log.");
    const passed = buildResult(input([lane({ ...firstRun, reruns: [{ junitXml: junit([["test_a"]]) }] })]));
    expect(passed.ok).toBe(true);
    expect(passed.lanes[0].problems).toEqual(["integration-rerun1 lane.json: missing"]);
  });
});

describe("skipped tests", () => {
  it("are counted per lane and a lane where most tests skipped is called out with its most common reason", () => {
    const cases: Case[] = [
      ...Array.from({ length: 45 }, (_, i): Case => [`test_db_${i}`, "skipped", "DATABASE_URL is not set"]),
      ...Array.from({ length: 5 }, (_, i): Case => [`test_es_${i}`, "skipped", "no Elasticsearch"]),
      ...Array.from({ length: 21 }, (_, i): Case => [`test_pure_${i}`]),
    ];
    const r = buildResult(input([lane({ junitXml: junit(cases) })]));
    expect(r.ok).toBe(true);
    expect(r.lanes[0].skipped).toBe(50);
    expect(r.warnings).toEqual(['Lane `integration`: 50 of 71 tests skipped (most often "DATABASE_URL is not set", 45 times): is a service or a variable missing?']);
    const md = renderSummary(r);
    expect(md).toContain("- ⚠️ Lane `integration`: 50 of 71 tests skipped");
    expect(md).toContain("| integration | ✅ passed | 71 | 0 | 50 | 0 | 45.0s |");
  });

  it("half of the tests skipped or fewer is no warning", () => {
    const r = buildResult(input([lane({ junitXml: junit([["a", "skipped"], ["b"]]) })]));
    expect(r.warnings).toEqual([]);
  });
});

const VERDICT: Record<string, string> = { effective: "✅", conftest: "ℹ️", off: "⚪", unknown: "❔", partial: "⚠️", "no-effect": "⚠️", unused: "⚠️", error: "⚠️" };

describe("isolation verdicts, as the plugin measured them", () => {
  const database = (verdict: string, message: string) => ({
    database: { mode: "plugin", base: "app", base_activity: null, processes: [], verdict, message },
    redis: null,
    index_prefixes: { gw0: "test_gw0_", gw1: "test_gw1_" },
  });
  it.each([
    ["effective", "each of 2 workers used its own database (app_gw0, app_gw1)", null],
    ["conftest", "the suite's conftest isolates each worker; backend-ci left DATABASE_URL alone", null],
    ["off", "isolation is switched off", null],
    ["partial", "the workers used app_gw0, app_gw1, but app saw 12 transactions too", "Lane `integration`: database isolation was partial: the workers used app_gw0, app_gw1, but app saw 12 transactions too."],
    ["no-effect", "app_gw0 and app_gw1 saw no traffic while app saw 40 transactions: the app builds its own URL", "Lane `integration`: database isolation had no effect: app_gw0 and app_gw1 saw no traffic while app saw 40 transactions: the app builds its own URL."],
    ["unused", "no traffic on any database backend-ci knows of", "Lane `integration`: database isolation was not used: no traffic on any database backend-ci knows of."],
    ["error", "could not create app_gw0: permission denied", "Lane `integration`: database isolation could not be checked: could not create app_gw0: permission denied."],
  ])("%s: the message is shown verbatim, with a warning unless isolation took effect or was left to the suite", (verdict, message, warning) => {
    const r = buildResult(input([lane({ record: record("integration", "passed", { isolation: database(verdict, message) }) })]));
    expect(r.lanes[0].isolation).toEqual({ database: { mode: "plugin", verdict, message }, redis: null, index_prefixes: { gw0: "test_gw0_", gw1: "test_gw1_" } });
    expect(r.warnings).toEqual(warning ? [warning] : []);
    const md = renderSummary(r);
    expect(md).toContain(`- \`integration\` database: ${VERDICT[verdict]} ${verdict}: ${message}`);
    expect(md).toContain("- `integration` search index prefixes: gw0 `test_gw0_`, gw1 `test_gw1_`");
  });

  it.each([
    ["effective", "each of 2 workers used its own Redis database (1, 2)", null],
    ["unknown", "no keys to judge by", null],
    ["partial", "database 0 got keys too", "Lane `integration`: Redis isolation was partial: database 0 got keys too."],
    ["no-effect", "all keys landed in database 0", "Lane `integration`: Redis isolation had no effect: all keys landed in database 0."],
    ["error", "INFO failed", "Lane `integration`: Redis isolation could not be checked: INFO failed."],
  ])("Redis %s: a warning unless isolation took effect or there was nothing to judge", (verdict, message, warning) => {
    const redis = { database: null, redis: { processes: [], base_keys: 12, verdict, message }, index_prefixes: {} };
    const r = buildResult(input([lane({ record: record("integration", "passed", { isolation: redis }) })]));
    expect(r.warnings).toEqual(warning ? [warning] : []);
    expect(renderSummary(r)).toContain(`- \`integration\` Redis: ${VERDICT[verdict]} ${verdict}: ${message}`);
  });

  it("claims nothing for a lane whose plugin reported nothing", () => {
    const r = buildResult(input([lane({ id: "unit", lane: "unit" })]));
    expect(r.lanes[0].isolation).toBeNull();
    expect(renderSummary(r)).not.toContain("### Isolation");
  });
});

describe("node ids through pytest's rootdir", () => {
  it("maps JUnit files relative to the rootdir lane.json names onto the backend root, for failures, reruns and durations", () => {
    const first = lane({
      record: record("integration", "failed", { rootdir: "tests" }),
      junitXml: junit([["test_a", "failed"], ["test_b"]], "integration/test_orders.py"),
      reruns: [{ record: record("integration-rerun1", "passed", { rootdir: "tests" }), junitXml: junit([["test_a"]], "integration/test_orders.py") }],
    });
    const out = buildReports(input([first]));
    expect(out.result.lanes[0].flaky).toEqual(["tests/integration/test_orders.py::test_a"]);
    expect(Object.keys(JSON.parse(out.files[".test_durations"]))).toEqual(["tests/integration/test_orders.py::test_a", "tests/integration/test_orders.py::test_b"]);
  });

  it.each([
    [".", "tests/t.py", "tests/t.py::test_a"],
    ["./", "tests/t.py", "tests/t.py::test_a"],
    ["tests/unit", "test_x.py", "tests/unit/test_x.py::test_a"],
  ])("rootdir %j and file %j give %j", (rootdir, file, nodeid) => {
    const r = buildResult(input([lane({ record: record("integration", "passed", { rootdir }), junitXml: junit([["test_a"]], file) })]));
    expect(r.slowest[0].nodeid).toBe(nodeid);
  });
});

describe("the run as a whole", () => {
  it("lists the test files the plan left out on purpose, in result.json and summary.md", () => {
    const r = buildResult(input([lane()], { unplanned: ["tests/e2e/test_browser.py", "tests/load/test_soak.py"] }));
    expect(r.unplanned).toEqual(["tests/e2e/test_browser.py", "tests/load/test_soak.py"]);
    expect(renderSummary(r)).toContain("### Left out on purpose (2)\n\nNo lane runs these test files:\n\n- `tests/e2e/test_browser.py`\n- `tests/load/test_soak.py`");
  });

  it("names a missing matrix part before the coverage reasons it causes", () => {
    const combine = { total: 60, fail_under: 80, gate_passed: false, branch: true, inputs: [], message: "coverage 60.00% is below fail_under 80%", reports: [] };
    const r = buildResult({ lanes: [lane()], combine, problems: ["part 2 of 2 left no reports in the artifacts"] });
    expect(r.reasons[0]).toBe("part 2 of 2 left no reports in the artifacts");
    expect(r.reasons[1]).toMatch(/^Coverage 60\.00% is below the gate/);
  });

  it("under the flaky policy warn, says it passed with a flaky test and which lane was red on its first attempt, and the table agrees", () => {
    const flaky = lane({
      record: record("integration", "failed"),
      junitXml: junit([["test_a", "failed"], ["test_b"]]),
      reruns: [{ record: record("integration-rerun1", "passed"), junitXml: junit([["test_a"]]) }],
    });
    const md = summaryOf(input([flaky, lane({ id: "fast", lane: "fast", mode: "parallel" })]));
    expect(md).toMatch(/^## ✅ Backend tests passed, with 1 flaky test\n/);
    expect(md).toContain("Lane `integration` was red on its first attempt: `tests/t.py::test_a` failed, then passed on rerun 1 (flaky policy `warn`).");
    expect(md).toContain("| integration | ✅ passed on rerun (first attempt ❌ failed) | 2 | 0 | 0 | 1 | 90.0s |");
    expect(md).not.toContain("❌ Backend tests failed");
  });

  it("shows a lane that never ran with the workers it was planned with, not as serial", () => {
    const r = buildResult(input([lane({ record: record("integration", "not-ready", { workers: 0, workers_planned: "auto", exit_code: -1 }), junitXml: undefined })]));
    expect(r.lanes[0].workers).toEqual({ planned: "auto", used: 0 });
    expect(renderSummary(r)).toMatch(/\| integration \| planned `-n auto`, never ran \|/);
  });
});

describe("lanes served from the engine's cache", () => {
  const an_hour_later = "2026-11-23T11:00:00.000Z";
  const reused = (id: string, wait: number | null) => lane({ id, lane: id, record: record(id, "passed", { service_wait_s: wait }), requested_at: an_hour_later });

  it("are named as reused, with the time of the run that produced them, and this run's own wall time apart", () => {
    const r = buildResult(input([reused("integration", 15.1), lane({ id: "fast", lane: "fast", mode: "parallel", requested_at: "2026-11-23T09:59:59.000Z" })], { run: { wall_s: 3.7, setup_s: 0.1 } }));
    expect(r.lanes[0].reused_from).toBe("2026-11-23T09:59:44.900Z");
    expect(r.lanes[1].reused_from).toBeNull();
    expect(r.timings.run).toEqual({ wall_s: 3.7, setup_s: 0.1 });
    const md = renderSummary(r);
    expect(md).toContain("♻️ 1 of 2 lanes (`integration`) reused from a run at 2026-11-23 09:59:44 UTC: the engine served their unchanged results from its cache, so their figures are that run's.");
    expect(md).toContain("| integration | ✅ passed · ♻️ reused from a run at 2026-11-23 09:59:44 UTC | 3 |");
    expect(md).toContain("This run took 3.7s, backend setup 0.1s of it. The lanes that ran spanned 45.0s");
    expect(md).toContain("In the run that produced its results, lane `integration` bounded the lanes at 60.1s, 15.1s longer than lane `fast` (45.0s).");
  });

  it("shows readiness as the engine's hold plus the runner's own wait, and says which is which", () => {
    const md = summaryOf(input([reused("integration", 15.1)]));
    expect(md).toContain("| integration | 2 workers | 15.6s (engine 15.1s + runner 0.5s) | 40.0s | 60.1s | 0.01 | reused (2026-11-23 09:59:44 UTC) |");
    expect(md).toContain("Readiness is the engine holding the lane until its services' health checks passed");
  });
});
