/**
 * The reports pr-backend hands back, as a real engine sees them: what the engine's log receives as
 * arguments, lanes whose results come from the cache on an unchanged rerun, services that fail to
 * start, and one definition of a lane's timings in pr-backend and combine-parts alike.
 */
import { dag } from "@dagger.io/dagger";
import { afterEach, describe, expect, it, vi } from "vitest";

import { BackendCi } from "../src/index.js";
import type { Result } from "../src/core/report/result.js";
import { generateLanes } from "./fixtures/junit/generate.js";
import { type ExecRecord, useEngine } from "./engine/index.js";
import { backendSource, combineOutcome, isCombine, junitXml, laneOf } from "./graph-support.js";

const engine = useEngine();

const NO_OPTS = [undefined, undefined, undefined, undefined, undefined, undefined, undefined] as const;
const prBackend = (part?: number, parts?: number) => new BackendCi().prBackend(backendSource(), "3.12", ...NO_OPTS, part, parts);
const resultOf = async (r: { resultJson(): Promise<string> }) => JSON.parse(await r.resultJson()) as Result;

/**
 * What run_lane.py writes, stamped by the clock at the time the exec runs: the lane's services start
 * as the exec starts, the runner starts after their health checks (`wait` seconds) and runs `tests` seconds.
 */
function laneFiles(e: ExecRecord, opts: { wait?: number; tests?: number; failed?: boolean; rootdir?: string; junit?: string } = {}) {
  const id = laneOf(e)!;
  const dir = e.argv[e.argv.indexOf("--reports") + 1];
  const services = Date.now();
  const wait = opts.wait ?? 0;
  const started = services + wait * 1000;
  const tests = opts.tests ?? 2;
  const record = {
    lane: id,
    status: opts.failed ? "failed" : "passed",
    exit_code: opts.failed ? 1 : 0,
    message: opts.failed ? "1 failed, 1 passed" : "2 passed",
    readiness_s: 0.5,
    tests_s: tests,
    started_at: new Date(started).toISOString(),
    finished_at: new Date(started + (tests + 0.5) * 1000).toISOString(),
    argv: e.argv.slice(e.argv.indexOf("--") + 1),
    workers: 2,
    workers_planned: "auto",
    rootdir: opts.rootdir ?? ".",
    service_wait_s: wait > 0 ? wait : null,
  };
  return {
    exitCode: opts.failed ? 1 : 0,
    files: {
      [`${dir}/lane.json`]: JSON.stringify(record),
      [`${dir}/junit.xml`]: opts.junit ?? junitXml(id, [{ name: "test_a" }, { name: "test_b", failed: opts.failed }]),
      [`${dir}/.coverage.${id}`]: `coverage data of ${id}`,
    },
  };
}

/** Lanes that pass, integration after a 15.1 s health wait, each exec stamped when it runs. */
function scriptStampedRun(): void {
  engine().onExec((e) => laneOf(e) !== undefined, (e) => laneFiles(e, laneOf(e) === "integration" ? { wait: 15.1, tests: 40 } : { tests: 60 }));
  engine().onExec(isCombine, (e) => combineOutcome(e));
}

/** Every lane writes `tests` generated testcases (the 715-test example splits 644 / 71). */
function scriptSizedRun(tests: Record<string, number>): void {
  engine().onExec((e) => laneOf(e) !== undefined, (e) => {
    const xml = generateLanes(tests[laneOf(e)!] ?? 1, 1)[0].xml.replace(/<failure[\s\S]*?<\/failure>|<error[\s\S]*?<\/error>/g, "");
    return laneFiles(e, { junit: xml });
  });
  engine().onExec(isCombine, (e) => combineOutcome(e));
}

afterEach(() => {
  vi.useRealTimers();
});

describe("the engine's log", () => {
  it.each([
    ["the example backend's 715 tests", { fast: 644, integration: 71 }],
    ["50 000 testcases", { fast: 45_000, integration: 5_000 }],
  ])("receives under 100 KB of arguments for %s: the reports reach it as files, not as arguments", async (_what, tests) => {
    scriptSizedRun(tests);
    const result = await prBackend();
    // What `dagger call pr-backend reports export --path=reports` asks for.
    await result.reports.export("reports");
    expect(engine().argumentBytes()).toBeLessThan(100_000);
    const largest = Math.max(...[...engine().argumentLog.values()].map((a) => a.bytes));
    expect(largest).toBeLessThan(10_000);
    // The reports themselves are all there, loaded from the module's working directory.
    const junit = await result.reports.file("junit.xml").contents();
    expect(junit.match(/<testcase /g)).toHaveLength(tests.fast + tests.integration);
    expect(await result.reports.entries()).toEqual(expect.arrayContaining([".test_durations", "junit.xml", "plan.json", "result.json", "summary.md", "fast/", "integration/"]));
    expect((await resultOf(result)).totals.tests).toBe(tests.fast + tests.integration);
  });
});

describe("an unchanged rerun served from the engine's cache", () => {
  it("names every lane as reused from the first run, keeps that run's figures, and reports its own wall time apart", async () => {
    vi.useFakeTimers({ toFake: ["Date"], shouldAdvanceTime: true });
    vi.setSystemTime(new Date("2026-11-23T10:00:00.000Z"));
    scriptStampedRun();
    const first = await resultOf(await prBackend());
    vi.setSystemTime(new Date("2026-11-23T11:00:00.000Z"));
    const again = await prBackend();
    const second = await resultOf(again);

    // Each lane's exec ran once: the second call got the first call's lane.json back.
    expect(engine().execs.filter((e) => laneOf(e) !== undefined)).toHaveLength(2);
    expect(first.lanes.map((l) => l.reused_from)).toEqual([null, null]);
    for (const l of second.lanes) expect(l.reused_from).toMatch(/^2026-11-23T10:00:0\d\.\d{3}Z$/);
    expect(second.lanes.map((l) => l.duration_s)).toEqual(first.lanes.map((l) => l.duration_s));
    expect(second.timings.critical_path).toEqual({ ...first.timings.critical_path, bound: { ...first.timings.critical_path!.bound, reused: true }, next: { ...first.timings.critical_path!.next!, reused: true } });
    expect(second.timings.lanes_wall_s).toBeNull();
    expect(second.timings.run.wall_s).toBeLessThan(60);
    expect(second.timings.lanes.find((l) => l.lane === "integration")).toMatchObject({ service_wait_s: 15.1, runner_readiness_s: 0.5 });

    const md = await again.summary();
    expect(md).toMatch(/♻️ All 2 lanes reused from a run at 2026-11-23 10:00:0\d UTC: the engine served their unchanged results from its cache/);
    expect(md).toMatch(/In the run that produced its results, lane `fast` bounded the lanes at 60\.5s/);
    expect(md).toMatch(/\| integration \| 2 workers \| 15\.6s \(engine 15\.1s \+ runner 0\.5s\) \| 40\.0s \| 55\.6s \|/);
    expect(await (await prBackend()).summary()).toContain("reused");
  });

  it("reports a fresh run as fresh", async () => {
    scriptStampedRun();
    const md = await (await prBackend()).summary();
    expect(md).not.toContain("reused");
    expect(md).toMatch(/Lane `fast` bounds the lanes at 60\.5s/);
  });
});

describe("one definition of a lane's timings", () => {
  it("gives pr-backend's parts and combine-parts the same durations, from each lane's own lane.json, and carries reuse over", async () => {
    vi.useFakeTimers({ toFake: ["Date"], shouldAdvanceTime: true });
    vi.setSystemTime(new Date("2026-11-23T10:00:00.000Z"));
    scriptStampedRun();
    const p1 = await prBackend(1, 2);
    const p2 = await prBackend(2, 2);
    const parts = [...(await resultOf(p1)).lanes, ...(await resultOf(p2)).lanes];
    const artifacts = dag.directory().withDirectory("reports-part-1", p1.reports).withDirectory("reports-part-2", p2.reports);
    const combined = await resultOf(await new BackendCi().combineParts(backendSource(), artifacts));
    expect(Object.fromEntries(combined.lanes.map((l) => [l.id, l.duration_s]))).toEqual(Object.fromEntries(parts.map((l) => [l.id, l.duration_s])));
    expect(combined.lanes.every((l) => l.reused_from === null)).toBe(true);

    // Part 1's job is rerun an hour later and served from the cache: combine-parts says so.
    vi.setSystemTime(new Date("2026-11-23T11:00:00.000Z"));
    const again = await prBackend(1, 2);
    const artifacts2 = dag.directory().withDirectory("reports-part-1", again.reports).withDirectory("reports-part-2", p2.reports);
    const combined2 = await resultOf(await new BackendCi().combineParts(backendSource(), artifacts2));
    const reused = combined2.lanes.filter((l) => l.reused_from !== null).map((l) => l.id);
    expect(reused).toEqual((await resultOf(again)).lanes.map((l) => l.id));
  });
});

describe("a service that fails to start", () => {
  it.each([
    [{ exited: 1 }, "service `postgres` (image postgres:16-alpine) crashed at start (exit 1); the lane would have used postgresql://postgres:***@postgres:5432/app"],
    [{ unhealthy: 255 }, "service `postgres` (image postgres:16-alpine) never became healthy: its health check failed after 45s (readiness_timeout; last check exit 255); the lane would have used postgresql://postgres:***@postgres:5432/app"],
  ])("%j: the lane is not-ready, naming the service, image and URL, without the engine's noise, keeping its planned workers", async (outcome, message) => {
    scriptStampedRun();
    engine().onService((s) => s.alias === "postgres", outcome);
    const config = `[tool.backend-ci]
readiness_timeout = 45
[tool.backend-ci.lanes.fast]
paths = ["tests/unit"]
[tool.backend-ci.lanes.integration]
paths = ["tests/integration"]
mode = "serial"
workers = 2
services = ["postgres"]
`;
    const result = await new BackendCi().prBackend(backendSource(config));
    const record = JSON.parse(await result.reports.file("integration/lane.json").contents()) as Record<string, unknown>;
    expect(record).toMatchObject({ status: "not-ready", message, workers: 0, workers_planned: "2" });
    expect(record.cause).toBe("the engine (Dagger v0.21) does not pass on a service's output; run `dagger call postgres --version=16-alpine up` to watch it start");
    expect(JSON.stringify(record)).not.toMatch(/traceparent|aliased as/);
    expect(result.reasons).toContain(`Lane \`integration\` never ran its tests: ${message}.`);
    const md = await result.summary();
    expect(md).toContain("| integration | planned `-n 2`, never ran |");
    expect(md).toContain("| fast | ✅ passed |");
  });
});

describe("node ids through pytest's rootdir", () => {
  it("reruns the failed tests by their ids from the backend root, when pytest's rootdir is tests/", async () => {
    const rooted = `<testsuites><testsuite><testcase classname="unit.test_x" name="test_a" file="unit/test_x.py" time="0.1"/><testcase classname="unit.test_x" name="test_b" file="unit/test_x.py" time="0.1"><failure message="x">x</failure></testcase></testsuite></testsuites>`;
    engine().onExec((e) => laneOf(e) !== undefined, (e) => laneFiles(e, { rootdir: "tests", failed: laneOf(e) === "fast", junit: laneOf(e) === "fast" ? rooted : undefined }));
    engine().onExec(isCombine, (e) => combineOutcome(e));
    const result = await prBackend();
    const rerun = engine().execs.find((e) => laneOf(e) === "fast-rerun1")!;
    expect(rerun.argv.filter((a) => a.includes("::"))).toEqual(["tests/unit/test_x.py::test_b"]);
    expect((await resultOf(result)).lanes[0].failing).toEqual(["tests/unit/test_x.py::test_b"]);
  });
});

describe("test files the plan leaves out", () => {
  it("are listed in result.json and summary.md", async () => {
    scriptStampedRun();
    const result = await new BackendCi().prBackend(backendSource('[tool.backend-ci.lanes.unit]\npaths = ["tests/unit"]\n'));
    const unplanned = (await resultOf(result)).unplanned;
    expect(unplanned.length).toBeGreaterThan(0);
    expect(unplanned.join(" ")).toMatch(/tests\/integration/);
    expect(await result.summary()).toContain("### Left out on purpose");
  });
});

describe("secrets in what the module writes", () => {
  it("leaves no password in result.json, summary.md, plan.json or the reasons, whatever text carried it", async () => {
    const config = `[project]\nname = "svc"\n[tool.backend-ci.lanes.it]\npaths = ["tests/integration"]\nservices = ["postgres"]\nenv = { LEGACY_DSN = "postgresql://svc:hunter2-own@db/legacy" }\n`;
    engine().onExec(
      (e) => laneOf(e) !== undefined,
      (e) => {
        const dir = e.argv[e.argv.indexOf("--reports") + 1];
        const record = {
          lane: laneOf(e),
          status: "crashed",
          exit_code: 3,
          message: "could not connect to postgresql://postgres:hunter2-leak@postgres:5432/app",
          readiness_s: 0,
          tests_s: 1,
          started_at: new Date().toISOString(),
          finished_at: new Date().toISOString(),
          argv: ["python", "-m", "pytest", "--dsn=postgresql://x:hunter2-argv@db/y"],
          workers: 0,
        };
        return { exitCode: 3, files: { [`${dir}/lane.json`]: JSON.stringify(record) } };
      },
    );
    engine().onExec(isCombine, (e) => combineOutcome(e));
    const result = await new BackendCi().prBackend(backendSource(config));
    const files = await Promise.all(["result.json", "summary.md", "plan.json"].map((f) => result.reports.file(f).contents()));
    for (const text of [...files, ...result.reasons]) expect(text).not.toMatch(/hunter2/);
    expect(files[0]).toContain("postgresql://postgres:***@postgres:5432/app");
    expect(files[2]).toContain("postgresql://svc:***@db/legacy");
  });
});
