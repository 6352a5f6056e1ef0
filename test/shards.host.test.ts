/**
 * Shards of the example's integration lane, for real: test ids collected by pytest in the lane's
 * environment, split by recorded durations, each shard run on its own, and the shards' combined
 * coverage equal to the unsharded lane's.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

import { CombineRecord, LaneRecord } from "../src/core/artifacts/records.js";
import type { Config } from "../src/core/config/config.js";
import { type CollectedTest, collectPlan, planCombine, planLanes } from "../src/core/plan/plan.js";
import { parseDurations } from "../src/core/plan/shard.js";
import { useHost } from "./harness/vitest.js";
import { EXAMPLE, exampleConfig, exec, hostLayout, runPlannedCombine, runPlannedLane } from "./harness/run.js";

const host = useHost("shards");

async function collect(config: Config, lane: string, dir: string): Promise<CollectedTest[]> {
  const layout = hostLayout(dir, host().pg);
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
    const shards = planLanes({ config, layout: hostLayout(join(host().root, "plan"), host().pg), collected: { integration: tests }, durations }).filter((l) => l.lane === "integration");
    expect(shards.map((s) => s.id)).toEqual(["integration-1of2", "integration-2of2"]);
    expect(shards.flatMap((s) => s.tests!).sort()).toEqual(tests.map((t) => t.nodeid).sort());
    const [a, b] = shards.map((s) => s.expectedSeconds!);
    expect(Math.abs(a - b) / Math.max(a, b)).toBeLessThan(0.25);
  });

  it("runs the shards for real and their combined coverage equals the unsharded lane's", async () => {
    const sharded = exampleConfig(undefined, (c) => (c.lanes.integration.shards = 2));
    const whole = exampleConfig();
    const tests = await collect(sharded, "integration", join(host().root, "collect2"));

    const sLayout = hostLayout(join(host().root, "sharded"), host().pg);
    const shards = planLanes({ config: sharded, layout: sLayout, collected: { integration: tests } }).filter((l) => l.lane === "integration");
    // One database server here, so the shards run one after another; in Dagger each has its own.
    for (const s of shards) {
      const r = await runPlannedLane(s, sLayout);
      expect(LaneRecord.parse(JSON.parse(r.record!)).status, r.output.slice(-2000)).toBe("passed");
    }
    const sCombine = await runPlannedCombine(planCombine(sharded, shards, sLayout), sLayout);

    const wLayout = hostLayout(join(host().root, "unsharded"), host().pg);
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
    expect(() => planLanes({ config, layout: hostLayout(join(host().root, "plan3"), host().pg), collected: { integration: tests } })).toThrow(
      /tests\/integration\/.*requires_(elasticsearch|opensearch)/,
    );
  });

  it("groups the collected tests by the services they need, each shard binding only its own", async () => {
    const config = exampleConfig(undefined, (c) => (c.lanes.integration.shard_by = "services"));
    config.lanes.integration.services = ["postgres", "elasticsearch", "opensearch"];
    const tests = await collect(config, "integration", join(host().root, "collect4"));
    const plans = planLanes({ config, layout: hostLayout(join(host().root, "plan4"), host().pg), collected: { integration: tests } }).filter((l) => l.lane === "integration");
    const byId = Object.fromEntries(plans.map((p) => [p.id, p.services]));
    expect(byId["integration-postgres"]).toEqual(["postgres"]);
    expect(Object.values(byId).some((s) => s.includes("elasticsearch") && !s.includes("opensearch"))).toBe(true);
    expect(plans.flatMap((p) => p.tests!).sort()).toEqual(tests.map((t) => t.nodeid).sort());
    const pgOnly = plans.find((p) => p.id === "integration-postgres")!;
    expect(pgOnly.env.DATABASE_URL).toBeDefined();
    expect(pgOnly.env.ELASTICSEARCH_URL).toBeUndefined();
  });
});
