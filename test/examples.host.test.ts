/**
 * The example backends of real shapes, run for real: each planned as pr-backend plans it (config
 * located, lanes configured or discovered), each with the venv its own install plan built
 * (scripts/example-venvs.ts), its lanes run as the containers run them against a real PostgreSQL
 * and a real Redis, and what the plugin says about isolation checked against the server itself.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { CollectedTests, CombineRecord, LaneRecord } from "../src/core/artifacts/records.js";
import type { Config } from "../src/core/config/config.js";
import type { Layout } from "../src/core/plan/layout.js";
import { collectPlan, type CollectedTest, type LanePlan, lanesNeedingCollection, planCombine, planLanes, planRerun } from "../src/core/plan/plan.js";
import { failedNodeIds } from "../src/core/report/flaky.js";
import { parseJUnit } from "../src/core/report/junit.js";
import { assembleReports } from "../src/core/report/reports.js";
import { exampleVenv } from "../scripts/example-venvs.js";
import { freePort } from "./harness/postgres.js";
import { type RedisServer, startRedis } from "./harness/redis.js";
import {
  type Discovered,
  discoveredConfig,
  exec,
  type HostCombineRun,
  type HostLaneRun,
  hostEnv,
  hostLayout,
  REPO,
  runPlannedCombine,
  runPlannedLane,
  runPlannedLanes,
} from "./harness/run.js";
import { useHost } from "./harness/vitest.js";

const host = useHost("examples");
let redis: RedisServer;
let smtp: { port: number; stop(): void };

/** A mail catcher for the redis-cache example's custom service: Python's own smtpd (3.11), one port. */
async function startSmtp(): Promise<{ port: number; stop(): void }> {
  const port = await freePort();
  const child = spawn("python3", ["-W", "ignore", "-m", "smtpd", "-n", "-c", "DebuggingServer", `127.0.0.1:${port}`], { stdio: "ignore" });
  await new Promise((r) => setTimeout(r, 700));
  return { port, stop: () => child.kill("SIGKILL") };
}

beforeAll(async () => {
  redis = await startRedis();
  smtp = await startSmtp();
});
afterAll(() => {
  redis?.stop();
  smtp?.stop();
});

const example = (name: string) => join(REPO, "examples", name);
const recordOf = (r: HostLaneRun) => LaneRecord.parse(JSON.parse(r.record!));

interface ExampleRun {
  planned: Discovered;
  layout: Layout;
  lanes: LanePlan[];
  runs: Map<string, HostLaneRun>;
  reruns: Map<string, HostLaneRun[]>;
  combine: HostCombineRun;
}

/** Collects a sharded lane for real, as the Dagger layer's collect step does. */
async function collect(config: Config, lane: string, layout: Layout): Promise<CollectedTest[]> {
  const plan = collectPlan(config, lane, layout);
  const r = await exec(plan.argv, hostEnv({ env: plan.env, services: [], secretEnv: {}, secretFiles: {} }), layout.source, layout.python);
  if (r.exitCode !== 0) throw new Error(`collect of ${lane} failed (exit ${r.exitCode}):\n${r.output.slice(-3000)}`);
  return CollectedTests.parse(JSON.parse(readFileSync(plan.output, "utf8")));
}

async function runExample(name: string, edit?: (config: Config) => void): Promise<ExampleRun> {
  const { pg, root } = host();
  const planned = await discoveredConfig(example(name));
  edit?.(planned.config);
  const layout = hostLayout(join(root, name, "reports"), pg, planned.source, {
    repo: example(name),
    python: join(exampleVenv(name), "bin/python"),
    endpoints: { redis: { host: "127.0.0.1", port: redis.port }, mailpit: { host: "127.0.0.1", port: smtp.port } },
  });
  const collected: Record<string, CollectedTest[]> = {};
  for (const lane of lanesNeedingCollection(planned.config)) collected[lane] = await collect(planned.config, lane, layout);
  const lanes = planLanes({ config: planned.config, layout, collected, databaseIsolation: planned.discovery.databaseIsolation.mode });
  const runs = new Map((await runPlannedLanes(lanes, layout)).map((r) => [r.plan.id, r]));
  const reruns = new Map<string, HostLaneRun[]>();
  for (const plan of lanes) {
    const first = runs.get(plan.id)!;
    const failed = failedNodeIds(parseJUnit(first.junit, plan.id, { rootdir: recordOf(first).rootdir }).cases);
    if (failed.length > 0) reruns.set(plan.id, [await runPlannedLane(planRerun(plan, failed, 1, layout), layout)]);
  }
  const combine = await runPlannedCombine(planCombine(planned.config, lanes, layout), layout);
  return { planned, layout, lanes, runs, reruns, combine };
}

function report(run: ExampleRun) {
  return assembleReports({
    config: run.planned.config,
    lanes: run.lanes.map((plan) => {
      const first = run.runs.get(plan.id)!;
      return {
        plan,
        first: { record: first.record, junit: first.junit },
        reruns: (run.reruns.get(plan.id) ?? []).map((r) => ({ id: r.plan.id, record: r.record, junit: r.junit })),
      };
    }),
    combine: run.combine.record,
    coverageJson: run.combine.coverageJson,
  });
}

/**
 * Every lane passed and ran tests, none skipped (a lane missing its service would skip, not pass), and
 * every lane's coverage combined: the lanes measured the source at paths that agree.
 */
function expectGreen(run: ExampleRun): void {
  const result = report(run).result;
  const combine = CombineRecord.parse(JSON.parse(run.combine.record!));
  expect(combine.inputs.map((i) => [i.lane, i.state]), run.combine.output.slice(-2000)).toEqual(run.lanes.map((l) => [l.id, "combined"]));
  expect(combine.total, run.combine.output.slice(-2000)).toBeGreaterThan(50);
  for (const lane of result.lanes) {
    const r = run.runs.get(lane.id)!;
    expect(lane.status, `${lane.id}: ${lane.message}\n${r.output.slice(-3000)}`).toBe("passed");
    expect(lane.tests, lane.id).toBeGreaterThan(0);
    expect(lane.skipped, lane.id).toBe(0);
  }
}

const databases = () => host().pg.sql("SELECT datname FROM pg_database ORDER BY 1").trim().split("\n");

describe("zero configuration on backends of other shapes", () => {
  it.each(["monorepo", "src-layout", "async-secrets", "env-vars"])("plans every test file of %s into a lane and runs them green", async (name) => {
    const run = await runExample(name);
    expect(run.planned.discovery.inferred).toBe(true);
    expect(run.planned.discovery.unplanned).toEqual([]);
    expectGreen(run);
    // Every test file the tree holds ran.
    const ran = new Set([...run.runs.values()].flatMap((r) => parseJUnit(r.junit, r.plan.id, { rootdir: recordOf(r).rootdir }).cases.map((c) => c.file)));
    expect([...ran].sort()).toEqual(run.planned.discovery.tests.files);
    // Nothing left on the server.
    expect(databases().filter((d) => d.startsWith("app"))).toEqual([]);
  });
});

describe("per-worker isolation, whichever form the app reads its database in", () => {
  it.each([
    ["async-secrets", "a URL file with a driver scheme"],
    ["env-vars", "discrete DB_* variables and a password file"],
  ])("gives each worker of %s (%s) its own database, the one the app used", async (name) => {
    const run = await runExample(name, (c) => {
      c.lanes.integration.workers = 2;
      c.isolation.keep_databases = true;
    });
    expectGreen(run);
    const isolation = recordOf(run.runs.get("integration")!).isolation!.database!;
    expect(isolation.verdict).toBe("effective");
    expect(isolation.processes.map((p) => p.database).sort()).toEqual(["app_gw0", "app_gw1"]);
    // From the server itself: both worker databases saw the tests' transactions.
    for (const db of ["app_gw0", "app_gw1"]) expect(Number(host().pg.sql(`SELECT xact_commit FROM pg_stat_database WHERE datname = '${db}'`))).toBeGreaterThan(0);
    for (const db of ["app_gw0", "app_gw1", "app_template"]) host().pg.sql(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
  });

  it("says isolation had no effect when the app builds its URL from variables the config does not map", async () => {
    const { pg } = host();
    pg.sql("CREATE DATABASE app");
    try {
      const run = await runExample("env-vars", (c) => {
        c.lanes.integration.workers = 2;
        // The plugin rewrites DATABASE_URL; the app still reads DB_NAME=app, the shared database.
        c.services.postgres.env = ["DATABASE_URL"];
        c.services.postgres.vars = undefined;
        c.lanes.integration.env = { DB_HOST: "127.0.0.1", DB_PORT: String(pg.port), DB_USER: "postgres", DB_NAME: "app" };
      });
      const record = recordOf(run.runs.get("integration")!);
      expect(record.isolation!.database!.verdict).toBe("no-effect");
      expect(record.isolation!.database!.message).toMatch(/app/);
      expect(report(run).summary).toMatch(/isolation had no effect|no effect/i);
    } finally {
      pg.sql("DROP DATABASE IF EXISTS app WITH (FORCE)");
    }
  });

  it("leaves the database to a conftest that isolates per worker itself, checks it, and leaves nothing behind", async () => {
    const run = await runExample("self-isolating");
    expectGreen(run);
    const isolation = recordOf(run.runs.get("integration")!).isolation!.database!;
    expect(isolation.mode).toBe("conftest");
    expect(isolation.verdict).toBe("conftest");
    expect(databases().filter((d) => d.includes("_gw0_gw0"))).toEqual([]);
    expect(databases().filter((d) => d.startsWith("app"))).toEqual([]);
  });

  it("gives each worker of the Redis example its own Redis database, and reaches the custom service", async () => {
    const run = await runExample("redis-cache");
    expectGreen(run);
    const redisIsolation = recordOf(run.runs.get("integration")!).isolation!.redis!;
    expect(redisIsolation.processes.map((p) => p.db).sort()).toEqual([1, 2]);
    expect(redisIsolation.verdict).not.toBe("no-effect");
  });
});

describe("an inifile under tests/, -n 4 in its addopts", () => {
  it("keeps a workers = 0 lane serial, shards by node ids relative to the backend root, and reruns a flaky test that then passes", async () => {
    const state = join(host().root, "flaky-state");
    const run = await runExample("tests-inifile", (c) => {
      c.lanes.unit.env = { FLAKY_STATE_FILE: state };
    });
    const integration = recordOf(run.runs.get("integration")!);
    expect(integration.status).toBe("passed");
    expect(integration.workers).toBe(0);
    const shards = run.lanes.filter((l) => l.lane === "unit");
    expect(shards.map((s) => s.id)).toEqual(["unit-1of2", "unit-2of2"]);
    for (const s of shards) for (const id of s.tests!) expect(id.startsWith("tests/unit/"), id).toBe(true);
    const reports = report(run);
    expect(reports.result.totals.flaky).toBe(1);
    const rerun = [...run.reruns.values()].flat();
    expect(rerun).toHaveLength(1);
    expect(recordOf(rerun[0]).status).toBe("passed");
    expect(reports.result.reasons).toEqual([]);
    expect(reports.result.ok).toBe(true);
  });
});
