/**
 * run_lane.py for real on a tiny fixture backend: the worker count pytest really used, the causes of
 * crashes before any test ran, a test that exits its own process, text a test prints that looks like
 * the runner's, a timeout that stops pytest gracefully and keeps its coverage, a SIGKILL with a
 * password in the output, the private runinfo directory, and node ids relative to the backend root
 * when pytest's inifile is under tests/.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { CollectedTests } from "../src/core/artifacts/records.js";
import { parseJUnit } from "../src/core/report/junit.js";
import { FIXTURES, HELPERS, type LaneSpec, runLane } from "./harness/lane.js";
import { PYTHON, REPO, exec } from "./harness/run.js";

const APP = join(FIXTURES, "runner");
let root: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "backend-ci-runner-"));
});
afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

const lane = (id: string, pytest: string[], more: Partial<LaneSpec> = {}) =>
  runLane({ id, source: APP, reports: join(root, "reports"), pytest, ...more });

/** Passed test cases in a JUnit file (an interrupted pytest also writes an empty `<testcase/>` for the test it stopped in). */
const passed = (junit: string | undefined, id: string) => parseJUnit(junit, id).cases.filter((c) => c.outcome === "passed" && c.name).length;

describe("the workers pytest really used", () => {
  it("records xdist's resolved -n (auto included) as workers and the plan's figure as workers_planned", async () => {
    const [two, auto, zero, off, none] = await Promise.all([
      lane("n2", ["tests/test_quick.py", "-n", "2"], { workersPlanned: "2" }),
      lane("nauto", ["tests/test_quick.py", "-n", "auto"], { workersPlanned: "auto", env: { PYTEST_XDIST_AUTO_NUM_WORKERS: "3" } }),
      lane("n0", ["tests/test_quick.py", "-n", "0"], { workersPlanned: "0" }),
      lane("noxdist", ["tests/test_quick.py", "-p", "no:xdist"]),
      lane("plain", ["tests/test_quick.py"]),
    ]);
    expect([two, auto, zero, off, none].map((r) => r.record.status)).toEqual(["passed", "passed", "passed", "passed", "passed"]);
    expect([two, auto, zero, off, none].map((r) => r.record.workers)).toEqual([2, 3, 0, 0, 0]);
    expect([two, auto, zero, off, none].map((r) => r.record.workers_planned)).toEqual(["2", "auto", "0", "", ""]);
    expect(two.record.message).toBe("4 passed");
    expect(two.record.session).toMatchObject({ started: true, finished: true, exitstatus: 0, counts: { passed: 4, failed: 0 } });
  });
});

describe("crashes before any test ran: the cause pytest printed", () => {
  it("names a conftest that cannot be imported and its error line", async () => {
    const { record, exitCode } = await lane("conftest", ["badconftest"]);
    expect(exitCode).toBe(4);
    expect(record).toMatchObject({ status: "crashed", exit_code: 4 });
    expect(record.message).toBe(
      `pytest exit 4 (usage error): ImportError while loading conftest '${APP}/badconftest/conftest.py': ModuleNotFoundError: No module named 'nope_not_installed'`,
    );
    expect(record.cause).toBe(`ImportError while loading conftest '${APP}/badconftest/conftest.py'.\nModuleNotFoundError: No module named 'nope_not_installed'`);
  });

  it("names a test module that cannot be collected", async () => {
    const { record } = await lane("collect-error", ["badcollect"]);
    expect(record).toMatchObject({ status: "crashed", exit_code: 2 });
    expect(record.message).toBe("pytest exit 2 (interrupted): ERROR collecting badcollect/test_bad.py: ModuleNotFoundError: No module named 'nope_not_installed'");
    expect(record.cause).toContain("ModuleNotFoundError: No module named 'nope_not_installed'");
  });

  it("names a usage error", async () => {
    const [bogus, missing] = await Promise.all([lane("usage", ["tests/test_quick.py", "--bogus-option"]), lane("missing", ["tests/nope.py"])]);
    expect(bogus.record.message).toBe("pytest exit 4 (usage error): unrecognized arguments: --bogus-option");
    expect(missing.record.message).toBe("pytest exit 4 (usage error): file or directory not found: tests/nope.py");
  });
});

describe("what the plugin saw, not what the output says", () => {
  it("reports a test that exits its own process as that, naming the test, not as a pytest internal error", async () => {
    const { record, exitCode } = await lane("exit3", ["tests/test_exit.py"]);
    expect(exitCode).toBe(3);
    expect(record).toMatchObject({ status: "crashed", exit_code: 3 });
    expect(record.message).toBe("the test process exited 3 while running `tests/test_exit.py::test_exits_the_process` (1 passed before)");
    expect(record.session).toMatchObject({ started: true, finished: false, last_test: "tests/test_exit.py::test_exits_the_process" });
  });

  it("does not let a test's prints pose as the summary, the plugin or the runner", async () => {
    const { record, output } = await lane("prints", ["tests/test_prints.py", "-s"]);
    expect(output).toContain("99 passed");
    expect(output).toContain("backend-ci: could not prepare");
    expect(record.status).toBe("failed");
    expect(record.message).toBe("1 failed, 1 passed");
    expect(record.cause).toBeNull();
  });

  it("keeps a password and a secret out of lane.json when pytest is killed with them in its output", async () => {
    const password = "pw-6f3a91-never-in-reports";
    const token = "tok-2b8e77-never-in-reports";
    const { record, text, exitCode, output } = await lane("sigkill", ["tests/test_secret.py", "-s"], {
      env: { LEAKY_URL: `postgresql://app:${password}@db:5432/app`, API_TOKEN: token, BACKEND_CI_SECRET_ENV: "API_TOKEN" },
    });
    expect(output).toContain(password);
    expect(exitCode).toBe(126);
    expect(record.status).toBe("crashed");
    expect(record.message).toBe("pytest was killed by SIGKILL while running `tests/test_secret.py::test_leaks_then_dies`");
    expect(record.cause).toBe("could not connect to postgresql://app:***@db:5432/app\ntoken *** refused");
    expect(text).not.toContain(password);
    expect(text).not.toContain(token);
  });
});

describe("a lane that times out", () => {
  const measured = async (dataFile: string) =>
    (await exec([PYTHON, "-c", `from coverage import CoverageData as D; d = D(basename=${JSON.stringify(dataFile)}); d.read(); print(len(d.measured_files()))`], {}, APP)).output.trim();

  it("stops pytest with SIGINT so JUnit and coverage are written, combines the fragments, and says how many tests finished", async () => {
    const tmp = join(root, "tmp");
    mkdirSync(tmp);
    const [serial, xdist] = await Promise.all([
      lane("timeout", ["tests/test_slow.py"], { timeout: 12, coverage: true, env: { TMPDIR: tmp } }),
      lane("timeout-xdist", ["tests/test_slow.py", "-n", "2"], { timeout: 15, coverage: true }),
    ]);
    expect(serial.exitCode).toBe(124);
    expect(serial.record.status).toBe("timeout");
    expect(serial.record.message).toBe(
      "timed out after 12s: 3 tests finished before the timeout (3 passed); pytest was stopped with SIGINT while running `tests/test_slow.py::test_blocks_until_stopped`",
    );
    expect(passed(serial.junit, "timeout")).toBe(3);
    expect(serial.record.coverage).toEqual({ written: true, fragments_combined: 1 });
    expect(await measured(join(serial.dir, ".coverage.timeout"))).toBe("1");

    expect(xdist.exitCode).toBe(124);
    expect(xdist.record.status, xdist.output.slice(-3000)).toBe("timeout");
    expect(xdist.record.message, xdist.output.slice(-3000)).toContain("pytest was stopped with SIGINT");
    const finished = Number(/(\d+) tests? finished before the timeout/.exec(xdist.record.message)?.[1]);
    expect(finished).toBe(passed(xdist.junit, "timeout-xdist"));
    expect(finished).toBeGreaterThanOrEqual(3);
    expect(xdist.record.message).toContain("pytest was stopped with SIGINT");
    expect(xdist.record.coverage!.written).toBe(true);
    expect(xdist.record.coverage!.fragments_combined).toBeGreaterThanOrEqual(1);
    expect(await measured(join(xdist.dir, ".coverage.timeout-xdist"))).toBe("1");
    expect(readdirSync(xdist.dir).filter((f) => f.startsWith(".coverage.timeout-xdist."))).toEqual([]);

    // The runinfo directory was private to the run and is gone.
    expect(readdirSync(tmp).filter((f) => f.startsWith("backend-ci-runinfo-"))).toEqual([]);
  }, 60_000);
});

describe("a lane that ignores SIGINT and SIGTERM", () => {
  it("is stopped by SIGKILL in the end, still reported as a timeout with the test it was running", async () => {
    const { record, exitCode } = await lane("stubborn", ["tests/test_stubborn.py"], { timeout: 5, coverage: true, env: { BACKEND_CI_STOP_GRACE: "1" } });
    expect(exitCode).toBe(124);
    expect(record.status).toBe("timeout");
    expect(record.exit_code).toBe(-1);
    expect(record.message).toBe(
      "timed out after 5s: 1 test finished before the timeout (1 passed); pytest was stopped with SIGKILL while running `tests/test_stubborn.py::test_ignores_interrupts_and_terminate`",
    );
    expect(record.session).toMatchObject({ started: true, finished: false });
    expect(record.coverage).toEqual({ written: false, fragments_combined: 0 });
  });
});

describe("node ids relative to the backend root", () => {
  const SRC = join(FIXTURES, "rootdir");

  it("collects ids from the invocation directory when the inifile is under tests/, and a lane runs exactly those", async () => {
    const out = join(root, "collected.json");
    const own = await exec([PYTHON, "-m", "pytest", "tests", "--collect-only", "-q", "-p", "no:cacheprovider"], {}, SRC);
    expect(own.output).toContain("unit/test_x.py::test_a");
    expect(own.output).not.toContain("tests/unit/test_x.py::test_a");
    const r = await exec([PYTHON, "-m", "pytest", "tests", "--collect-only", "-q", "-p", "backend_ci_plugin", `--backend-ci-collect=${out}`, "-p", "no:cacheprovider"], { PYTHONPATH: HELPERS }, SRC);
    expect(r.exitCode, r.output).toBe(0);
    const collected = CollectedTests.parse(JSON.parse(readFileSync(out, "utf8")));
    expect(collected).toEqual([
      { nodeid: "tests/unit/test_x.py::test_a", markers: [] },
      { nodeid: "tests/unit/test_x.py::test_b", markers: ["slow"] },
      { nodeid: "tests/unit/test_x.py::TestC::test_c[1]", markers: ["parametrize"] },
      { nodeid: "tests/unit/test_x.py::TestC::test_c[2]", markers: ["parametrize"] },
    ]);

    const picked = [collected[1].nodeid, collected[3].nodeid];
    const run = await runLane({ id: "picked", source: SRC, reports: join(root, "reports"), pytest: picked });
    expect(run.record.status).toBe("passed");
    expect(run.record.rootdir).toBe("tests");
    expect(run.record.message).toBe("2 passed");
    const cases = parseJUnit(run.junit, "picked").cases.map((c) => c.name).sort();
    expect(cases).toEqual(["test_b", "test_c[2]"]);
    expect(existsSync(join(root, "reports", "picked", "lane.json"))).toBe(true);
  });

  it("runs only the ids a shard's file lists, and names an id the file lists that pytest did not collect", async () => {
    const select = join(root, "select.txt");
    writeFileSync(select, "tests/unit/test_x.py::test_b\ntests/unit/test_x.py::TestC::test_c[1]\n");
    const run = await runLane({ id: "selected", source: SRC, reports: join(root, "reports-select"), pytest: ["tests", `--backend-ci-select=${select}`] });
    expect(run.record.status, run.output.slice(-2000)).toBe("passed");
    expect(parseJUnit(run.junit, "selected", { rootdir: run.record.rootdir }).cases.map((c) => c.nodeid)).toEqual([
      "tests/unit/test_x.py::test_b",
      "tests/unit/test_x.py::TestC::test_c[1]",
    ]);
    writeFileSync(select, "tests/unit/test_x.py::test_b\ntests/unit/test_x.py::test_renamed\n");
    const bad = await runLane({ id: "stale", source: SRC, reports: join(root, "reports-stale"), pytest: ["tests", `--backend-ci-select=${select}`] });
    expect(bad.record.status).toBe("crashed");
    expect(bad.record.message).toContain("tests/unit/test_x.py::test_renamed");
  });

  it("collects ids from the backend folder when the inifile is in the folder above, and lane.json says where the backend sits", async () => {
    const backend = join(REPO, "test/fixtures/junit/src-monorepo/backend");
    const out = join(root, "collected-above.json");
    const r = await exec([PYTHON, "-m", "pytest", "tests", "--collect-only", "-q", "-p", "backend_ci_plugin", `--backend-ci-collect=${out}`, "-p", "no:cacheprovider"], { PYTHONPATH: HELPERS }, backend);
    expect(r.exitCode, r.output).toBe(0);
    const collected = CollectedTests.parse(JSON.parse(readFileSync(out, "utf8"))).map((t) => t.nodeid);
    expect(collected).toEqual(["tests/test_api.py::test_health", "tests/test_api.py::test_fails"]);
    const run = await runLane({ id: "above", source: backend, reports: join(root, "reports-above"), pytest: collected });
    expect([run.record.rootdir, run.record.invocation]).toEqual(["..", "backend"]);
    // The report reads pytest's rootdir-relative JUnit back to the ids it collected.
    expect(parseJUnit(run.junit, "above", { rootdir: run.record.rootdir, invocation: run.record.invocation }).cases.map((c) => c.nodeid)).toEqual(collected);
  });
});
