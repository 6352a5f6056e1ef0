/**
 * Shards of the example's integration lane, for real: test ids collected by pytest in the lane's
 * environment, split by recorded durations or by the services they need, each shard run on its own
 * against a real PostgreSQL and the run's Elasticsearch and OpenSearch nodes, and the shards adding
 * up to the unsharded lane (coverage, and every testcase with its outcome).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

import { CombineRecord, LaneRecord } from "../src/core/artifacts/records.js";
import type { Config, ServiceName } from "../src/core/config/config.js";
import { type TestCase, parseJUnit } from "../src/core/report/junit.js";
import { type CollectedTest, collectPlan, planCombine, planLanes } from "../src/core/plan/plan.js";
import { parseDurations } from "../src/core/plan/shard.js";
import { SEARCH_TEST_COUNT, searchOutcomes } from "./harness/search-lane.js";
import { useHost } from "./harness/vitest.js";
import { EXAMPLE, exampleConfig, exec, hostLayout, runPlannedCombine, runPlannedLane } from "./harness/run.js";

const host = useHost("shards", { search: true });
/** A layout under this file's directory, bound to its Postgres and the run's search nodes. */
const layoutAt = (dir: string) => hostLayout(join(host().root, dir), host().pg, EXAMPLE, { search: host().search });

async function collect(config: Config, lane: string, dir: string): Promise<CollectedTest[]> {
  const layout = hostLayout(dir, host().pg, EXAMPLE, { search: host().search });
  const plan = collectPlan(config, lane, layout);
  const r = await exec(plan.argv, plan.env, layout.source);
  expect(r.exitCode, r.output.slice(-2000)).toBe(0);
  return JSON.parse(readFileSync(plan.output, "utf8")) as CollectedTest[];
}

const durationsFile = join(EXAMPLE, ".test_durations");

describe("duration-balanced shards of the integration lane", () => {
  it("collects the lane's tests with pytest and gives the two shards every test exactly once", async () => {
    const config = exampleConfig(undefined, (c) => (c.lanes.integration.shards = 2));
    const tests = await collect(config, "integration", join(host().root, "collect"));
    expect(tests.length).toBeGreaterThan(50);
    expect(tests.every((t) => t.nodeid.startsWith("tests/integration/"))).toBe(true);
    const durations = existsSync(durationsFile) ? parseDurations(readFileSync(durationsFile, "utf8"), durationsFile) : {};
    const shards = planLanes({ config, layout: layoutAt("plan"), collected: { integration: tests }, durations }).filter((l) => l.lane === "integration");
    expect(shards.map((s) => s.id)).toEqual(["integration-1of2", "integration-2of2"]);
    expect(shards.flatMap((s) => s.tests!).sort()).toEqual(tests.map((t) => t.nodeid).sort());
    const [a, b] = shards.map((s) => s.expectedSeconds!);
    expect(Math.abs(a - b) / Math.max(a, b)).toBeLessThan(0.25);
  });

  it("runs the shards for real and their combined coverage equals the unsharded lane's", async () => {
    const sharded = exampleConfig(undefined, (c) => (c.lanes.integration.shards = 2));
    const whole = exampleConfig();
    const tests = await collect(sharded, "integration", join(host().root, "collect2"));

    const sLayout = layoutAt("sharded");
    const shards = planLanes({ config: sharded, layout: sLayout, collected: { integration: tests } }).filter((l) => l.lane === "integration");
    // One database server here, so the shards run one after another; in Dagger each has its own.
    for (const s of shards) {
      const r = await runPlannedLane(s, sLayout);
      expect(LaneRecord.parse(JSON.parse(r.record!)).status, r.output.slice(-2000)).toBe("passed");
    }
    const sCombine = await runPlannedCombine(planCombine(sharded, shards, sLayout), sLayout);

    const wLayout = layoutAt("unsharded");
    const lane = planLanes({ config: whole, layout: wLayout }).find((l) => l.id === "integration")!;
    const w = await runPlannedLane(lane, wLayout);
    expect(LaneRecord.parse(JSON.parse(w.record!)).status, w.output.slice(-2000)).toBe("passed");
    const wCombine = await runPlannedCombine(planCombine(whole, [lane], wLayout), wLayout);

    const s = CombineRecord.parse(JSON.parse(sCombine.record!));
    const u = CombineRecord.parse(JSON.parse(wCombine.record!));
    expect(s.inputs.map((i) => i.state)).toEqual(["combined", "combined"]);
    const pct = (j: string | undefined) => (JSON.parse(j!) as { totals: { percent_covered: number } }).totals.percent_covered;
    expect(pct(sCombine.coverageJson)).toBeCloseTo(pct(wCombine.coverageJson), 9);
    expect(s.total).toBe(u.total);
  }, 300_000);
});

describe("shards by service container", () => {
  it("rejects a test marked for a service the lane does not declare, naming the test", async () => {
    const config = exampleConfig(undefined, (c) => {
      c.lanes.integration.shard_by = "services";
      c.lanes.integration.services = ["postgres"];
    });
    const tests = await collect(config, "integration", join(host().root, "collect3"));
    expect(() => planLanes({ config, layout: layoutAt("plan3"), collected: { integration: tests } })).toThrow(
      /tests\/integration\/.*requires_(elasticsearch|opensearch)/,
    );
  });

  it("groups the collected tests by the services they need, each shard binding only its own", async () => {
    const config = exampleConfig(undefined, (c) => (c.lanes.integration.shard_by = "services"));
    config.lanes.integration.services = ["postgres", "elasticsearch", "opensearch"];
    const tests = await collect(config, "integration", join(host().root, "collect4"));
    const plans = planLanes({ config, layout: layoutAt("plan4"), collected: { integration: tests } }).filter((l) => l.lane === "integration");
    const byId = Object.fromEntries(plans.map((p) => [p.id, p.services]));
    expect(byId["integration-postgres"]).toEqual(["postgres"]);
    expect(Object.values(byId).some((s) => s.includes("elasticsearch") && !s.includes("opensearch"))).toBe(true);
    expect(plans.flatMap((p) => p.tests!).sort()).toEqual(tests.map((t) => t.nodeid).sort());
    const pgOnly = plans.find((p) => p.id === "integration-postgres")!;
    expect(pgOnly.secretEnv.DATABASE_URL).toBeDefined();
    expect(pgOnly.env.ELASTICSEARCH_URL).toBeUndefined();
    expect(Object.keys(JSON.parse(pgOnly.env.BACKEND_CI_SERVICES))).toEqual(["postgres"]);
  });

  it("runs every service shard for real, each binding only its own services, and together they run the unsharded lane's tests with the same outcomes", async () => {
    const config = exampleConfig(undefined, (c) => (c.lanes.integration.shard_by = "services"));
    const tests = await collect(config, "integration", join(host().root, "collect5"));
    const layout = layoutAt("by-services");
    const shards = planLanes({ config, layout, collected: { integration: tests } }).filter((l) => l.lane === "integration");
    expect(shards.map((s) => s.services)).toEqual(expect.arrayContaining([["elasticsearch"], ["opensearch"], ["postgres"]]));
    const urlEnv = Object.fromEntries((["postgres", "elasticsearch", "opensearch"] as ServiceName[]).map((s) => [config.services[s].env[0], s]));
    const shardedCases: TestCase[] = [];
    // One server of each kind here, so the shards run one after another; in Dagger each has its own.
    for (const shard of shards) {
      const bound = Object.keys({ ...shard.env, ...shard.secretEnv }).filter((k) => k in urlEnv).map((k) => urlEnv[k]);
      expect(bound.sort(), shard.id).toEqual([...shard.services].sort());
      expect(Object.keys(JSON.parse(shard.env.BACKEND_CI_SERVICES)).sort(), shard.id).toEqual([...shard.services].sort());
      const waits = shard.argv.filter((_, i) => shard.argv[i - 1] === "--wait");
      expect(waits.sort(), shard.id).toEqual([...shard.services].sort());
      const run = await runPlannedLane(shard, layout);
      expect(LaneRecord.parse(JSON.parse(run.record!)).status, `${shard.id}: ${run.output.slice(-2000)}`).toBe("passed");
      shardedCases.push(...parseJUnit(run.junit, shard.id).cases);
    }

    const whole = exampleConfig();
    const wLayout = layoutAt("by-services-unsharded");
    const lane = planLanes({ config: whole, layout: wLayout }).find((l) => l.id === "integration")!;
    const w = await runPlannedLane(lane, wLayout);
    expect(LaneRecord.parse(JSON.parse(w.record!)).status, w.output.slice(-2000)).toBe("passed");
    const outcomes = (cases: TestCase[]) => cases.map((c) => `${c.nodeid} ${c.outcome}`).sort();
    // Every collected test ran in exactly one shard, with the outcome it has in the unsharded lane.
    expect(outcomes(shardedCases)).toEqual(outcomes(parseJUnit(w.junit, lane.id).cases));
    expect(shardedCases.map((c) => c.nodeid).sort()).toEqual(tests.map((t) => t.nodeid).sort());
    expect(searchOutcomes(shardedCases)).toEqual({ passed: SEARCH_TEST_COUNT, failed: 0, error: 0, skipped: 0 });
  }, 300_000);
});
