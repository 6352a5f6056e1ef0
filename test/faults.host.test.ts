/**
 * Faults, each run for real through the host harness on a tiny fixture backend whose lanes each hit
 * one: a failing test, a worker that kills itself, a lane that selects nothing, a service that never
 * becomes ready, a missing coverage file, mixed branch/statement data, and a flaky test. In every
 * case the other lanes' reports are still produced.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";

import { CombineRecord, LaneRecord } from "../src/core/artifacts/records.js";
import type { Config } from "../src/core/config/config.js";
import { failedNodeIds } from "../src/core/report/flaky.js";
import { parseJUnit } from "../src/core/report/junit.js";
import { type LanePlan, planCombine, planLanes, planRerun } from "../src/core/plan/plan.js";
import { assembleReports } from "../src/core/report/reports.js";
import { freePort } from "./harness/postgres.js";
import { useHost } from "./harness/vitest.js";
import { type HostLaneRun, REPO, artifactsOf, exampleConfig, hostLayout, runPlannedCombine, runPlannedLane } from "./harness/run.js";

const FAULTS = join(REPO, "test/fixtures/faults");

const host = useHost("faults");
let flakyState: string;
let config: Config;
let layout: ReturnType<typeof hostLayout>;
let lanes: LanePlan[];
const runs = new Map<string, HostLaneRun>();

const lane = (id: string) => lanes.find((l) => l.id === id)!;
/** The reasons about lanes: these reports are assembled without a combine step on purpose. */
const laneReasons = (r: { reasons: string[] }) => r.reasons.filter((x) => !x.startsWith("Coverage was not combined"));
const record = (id: string) => LaneRecord.parse(JSON.parse(runs.get(id)!.record!));

beforeAll(async () => {
  const { pg, root } = host();
  flakyState = join(root, "flaky-state");
  mkdirSync(flakyState);
  config = exampleConfig(FAULTS, (c) => {
    c.lanes.flaky.env = { FLAKY_STATE: flakyState };
    c.readiness_timeout = 2;
  });
  layout = hostLayout(join(root, "reports"), pg, FAULTS);
  // The needs-db lane waits for a port nothing listens on: a service that never becomes ready.
  layout.endpoints.postgres = { host: "127.0.0.1", port: await freePort() };
  lanes = planLanes({ config, layout });
  for (const r of await Promise.all(lanes.map((l) => runPlannedLane(l, layout)))) runs.set(r.plan.id, r);
}, 300_000);

describe("a lane with a failing test", () => {
  it("is failed, names the test, and still writes its JUnit and coverage", () => {
    expect(record("failing").status).toBe("failed");
    const failed = failedNodeIds(parseJUnit(runs.get("failing")!.junit, "failing").cases);
    expect(failed).toEqual(["tests/test_fail.py::test_classify_negative_is_wrong"]);
    expect(runs.get("failing")!.coverageWritten).toBe(true);
  });
});

describe("a lane whose worker crashes", () => {
  it("reports the crash, keeps the other tests' results, and writes its files", () => {
    const r = record("crash");
    expect(r.status).toBe("failed");
    expect(r.message).toMatch(/crash/i);
    const cases = parseJUnit(runs.get("crash")!.junit, "crash").cases;
    expect(cases.find((c) => c.nodeid.endsWith("test_kills_its_own_worker"))?.outcome).toMatch(/failed|error/);
    expect(cases.filter((c) => c.outcome === "passed").map((c) => c.name).sort()).toEqual(["test_after_crash", "test_before_crash"]);
  });
});

describe("a lane whose pytest itself is killed (no xdist)", () => {
  it("is crashed, names the signal, and exits below 128 so Dagger's expect: ANY keeps its files", () => {
    const r = record("crash-serial");
    expect(r.status).toBe("crashed");
    expect(r.message).toMatch(/SIGKILL/);
    expect(runs.get("crash-serial")!.exitCode).toBe(126);
  });
});

describe("a lane that selects no tests", () => {
  it('is reported as "selected no tests", not a crash, and does not turn the run red by default', () => {
    const r = record("empty");
    expect(r.status).toBe("no-tests");
    expect(r.exit_code).toBe(5);
    expect(r.message).toContain("selected no tests");
    expect(runs.get("empty")!.exitCode).toBe(0);
    const reports = assembleReports({ config, lanes: [artifactsOf(runs.get("empty")!)] });
    expect(laneReasons(reports)).toEqual([]);
  });

  it("turns the run red when the lane is configured with fail_on_empty", async () => {
    const strict = exampleConfig(FAULTS, (c) => (c.lanes.empty.fail_on_empty = true));
    const plan = planLanes({ config: strict, layout: hostLayout(join(host().root, "strict"), host().pg, FAULTS) }).find((l) => l.id === "empty")!;
    expect(plan.argv).toContain("--fail-on-empty");
    const run = await runPlannedLane(plan, layout);
    expect(run.exitCode).toBe(5);
    const reports = assembleReports({ config: strict, lanes: [artifactsOf(run)] });
    expect(laneReasons(reports).join("\n")).toMatch(/empty.*selected no tests/);
  });
});

describe("a service that never becomes ready", () => {
  it("times out the readiness wait naming the service and its URL, and runs no test", () => {
    const r = record("needs-db");
    expect(r.status).toBe("not-ready");
    expect(r.message).toContain("postgres");
    expect(r.message).toContain(`127.0.0.1:${layout.endpoints.postgres.port}`);
    expect(runs.get("needs-db")!.junit).toBeUndefined();
  });
});

describe("combine with faults", () => {
  it("names the lane whose coverage file is missing and still combines and reports the others", async () => {
    const plan = planCombine(config, lanes, layout);
    const run = await runPlannedCombine(plan, layout);
    const combined = CombineRecord.parse(JSON.parse(run.record!));
    const missing = combined.inputs.filter((i) => i.state === "missing").map((i) => i.lane);
    expect(missing).toContain("needs-db");
    expect(combined.message).toContain("needs-db");
    expect(combined.inputs.find((i) => i.lane === "ok")?.state).toBe("combined");
    expect(combined.total).not.toBeNull();
    expect(combined.reports).toEqual(expect.arrayContaining(["coverage.xml", "coverage.json", "coverage.lcov"]));
    expect(run.exitCode).not.toBe(0);

    const reports = assembleReports({ config, lanes: lanes.map((l) => artifactsOf(runs.get(l.id)!)), combine: run.record, coverageJson: run.coverageJson });
    expect(reports.ok).toBe(false);
    for (const id of ["ok", "failing", "crash", "crash-serial", "empty", "flaky", "needs-db"]) expect(reports.summary).toContain(id);
    expect(reports.reasons.join("\n")).toMatch(/needs-db/);
  });

  it("refuses to mix branch and statement data, naming the lanes of each kind", async () => {
    const statement = { ...config, coverage: { ...config.coverage, branch: false } };
    const stLayout = hostLayout(join(host().root, "statement"), host().pg, FAULTS);
    const stLane = planLanes({ config: statement, layout: stLayout }).find((l) => l.id === "ok")!;
    const st = await runPlannedLane(stLane, stLayout);
    expect(st.coverageWritten).toBe(true);
    const plan = planCombine(config, [lane("ok"), { ...stLane, id: "ok-statement" }], layout);
    const run = await runPlannedCombine(plan, layout);
    const combined = CombineRecord.parse(JSON.parse(run.record!));
    expect(combined.inputs.find((i) => i.lane === "ok-statement")?.state).toBe("mixed");
    expect(combined.inputs.find((i) => i.lane === "ok")?.state).toBe("combined");
    expect(combined.message).toContain("ok-statement");
    expect(combined.total).not.toBeNull();
  });
});

describe("flaky detection", () => {
  it("reruns only the failed node ids and classifies failed-then-passed as flaky", async () => {
    expect(record("flaky").status).toBe("failed");
    const failed = failedNodeIds(parseJUnit(runs.get("flaky")!.junit, "flaky").cases);
    expect(failed).toEqual(["tests/test_flaky.py::test_fails_first_time_only"]);
    const rerun = await runPlannedLane(planRerun(lane("flaky"), failed, 1, layout), layout);
    expect(LaneRecord.parse(JSON.parse(rerun.record!)).status).toBe("passed");
    const warn = assembleReports({ config, lanes: [artifactsOf(runs.get("flaky")!, [rerun])] });
    expect(warn.result.lanes[0].flaky).toEqual(["tests/test_flaky.py::test_fails_first_time_only"]);
    expect(laneReasons(warn)).toEqual([]);
    expect(warn.summary).toContain("test_fails_first_time_only");

    const strict = { ...config, flaky: { ...config.flaky, policy: "fail" as const } };
    const fail = assembleReports({ config: strict, lanes: [artifactsOf(runs.get("flaky")!, [rerun])] });
    expect(laneReasons(fail).join("\n")).toMatch(/flaky/i);

    const quarantined = { ...config, flaky: { ...config.flaky, quarantine: ["tests/test_fail.py::*"] } };
    const q = assembleReports({ config: quarantined, lanes: [artifactsOf(runs.get("failing")!)] });
    expect(laneReasons(q)).toEqual([]);
    expect(q.summary).toContain("test_classify_negative_is_wrong");
  });

  it("classifies failed-and-failed-again as failing", async () => {
    const failed = failedNodeIds(parseJUnit(runs.get("failing")!.junit, "failing").cases);
    const rerun = await runPlannedLane(planRerun(lane("failing"), failed, 1, layout), layout);
    const reports = assembleReports({ config, lanes: [artifactsOf(runs.get("failing")!, [rerun])] });
    expect(reports.result.lanes[0].failing).toEqual(["tests/test_fail.py::test_classify_negative_is_wrong"]);
    expect(laneReasons(reports).join("\n")).toMatch(/failing/);
  });
});
