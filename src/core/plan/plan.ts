/**
 * config + collected test ids + recorded durations -> the lanes and shards to run, each with the exact
 * argv, env, services and output paths. The Dagger layer and the host harness apply these plans as
 * they are; neither decides anything this file could decide.
 */
import { type Config, type DistMode, type LaneConfig, type Workers, laneWorkers } from "../config/config.js";
import { pytestArgv, runnerArgv } from "./argv.js";
import { laneEnv } from "./lane-env.js";
import type { Layout } from "./layout.js";
import { laneOutputs } from "./outputs.js";
import type { SecretRef } from "./service-env.js";
import { groupByServices } from "./service-groups.js";
import { fillUnknown, lpt } from "./shard.js";

export { type CollectPlan, collectPlan, lanesNeedingCollection } from "./collect.js";
export { type CombinePlan, planCombine } from "./combine.js";
export { planRerun } from "./rerun.js";

/** One test as the collect step reports it (node id relative to the backend root). */
export interface CollectedTest {
  nodeid: string;
  markers: string[];
}

export interface LanePlan {
  /** Unique id: the lane name, `<lane>-<i>of<n>` for a shard, `<lane>-<services>` for a service group. */
  id: string;
  /** The configured lane this plan comes from. */
  lane: string;
  shard?: { index: number; count: number; key: string };
  mode: "parallel" | "serial";
  workers: Workers;
  services: string[];
  /** The lane's one exec: run_lane.py wrapping pytest. */
  argv: string[];
  /** The pytest part of argv (after `--`). */
  pytest: string[];
  /** The lane's own extra pytest arguments (`pytest_args`), kept for its reruns. */
  pytestArgs: string[];
  /** Plain variables. */
  env: Record<string, string>;
  /** Variables whose values are secrets (a URL with its password, a password). */
  secretEnv: Record<string, SecretRef>;
  /** Files holding secrets (`*_FILE` variables point at them): absolute path -> secret. */
  secretFiles: Record<string, SecretRef>;
  reportDir: string;
  outputs: { junit: string; coverage: string; record: string };
  failOnEmpty: boolean;
  /** Seconds before pytest is stopped, and for the services to become ready. */
  timeout: number;
  readinessTimeout: number;
  /** Node ids this plan runs, when a shard or rerun selects them explicitly. */
  tests?: string[];
  /** Where a shard's node ids are written for the plugin (`--backend-ci-select`), one a line: the lane's paths are collected and the rest deselected. */
  selectFile?: string;
  /** Expected seconds from recorded durations, when known. */
  expectedSeconds?: number;
}

export interface PlanInputs {
  config: Config;
  layout: Layout;
  /** Overrides the lanes' workers (see `laneWorkers`; `0` runs every lane without xdist). */
  workers?: Workers;
  /** Collected tests of the lanes that need collection (see `lanesNeedingCollection`). */
  collected?: Record<string, CollectedTest[]>;
  /** Recorded durations, pytest-split's `.test_durations` format. */
  durations?: Record<string, number>;
  /** Who gives each xdist worker its own Postgres database (discovery resolves `auto`). */
  databaseIsolation?: "plugin" | "conftest";
}

/** The name of one of a lane's outputs inside its report directory (what a directory listing shows). */
export function outputName(lane: Pick<LanePlan, "reportDir">, path: string): string {
  return path.slice(lane.reportDir.length + 1);
}

interface Unit {
  id: string;
  lane: string;
  cfg: LaneConfig;
  mode: "parallel" | "serial";
  workers: Workers;
  dist?: DistMode;
  services: string[];
  tests?: string[];
  shard?: LanePlan["shard"];
  expectedSeconds?: number;
}

/** Every lane and shard to run, in config order (serial lanes run in this order). Ids are unique. */
export function planLanes(inputs: PlanInputs): LanePlan[] {
  const { config } = inputs;
  const units: Unit[] = [];
  for (const [name, cfg] of Object.entries(config.lanes)) {
    const base: Unit = { id: name, lane: name, cfg, mode: cfg.mode, workers: laneWorkers(cfg, inputs.workers), dist: cfg.dist, services: [...cfg.services] };
    if (cfg.shards === 1 && cfg.shard_by === "durations") {
      units.push(base);
      continue;
    }
    const tests = inputs.collected?.[name];
    if (!tests) throw new Error(`lane "${name}" is sharded: collect its tests first (collectPlan) and pass them in`);
    // Nothing to split: the lane runs whole, and pytest reports that it selected no tests.
    if (tests.length === 0) {
      units.push(base);
      continue;
    }
    units.push(...(cfg.shard_by === "services" ? serviceUnits(base, tests, config, inputs) : durationUnits(base, tests, inputs)));
  }
  assertUniqueIds(units);
  return units.map((u) => toLanePlan(u, inputs));
}

/** A generated id equal to another lane's would merge their results: refuse it, naming both. */
function assertUniqueIds(units: readonly Unit[]): void {
  const seen = new Map<string, Unit>();
  for (const u of units) {
    const other = seen.get(u.id);
    if (other)
      throw new Error(
        `lane id "${u.id}" would be used twice (by lane "${other.lane}"${other.shard ? ` shard ${other.shard.key}` : ""} and lane "${u.lane}"${u.shard ? ` shard ${u.shard.key}` : ""}): rename one of the lanes in [tool.backend-ci.lanes]`,
      );
    seen.set(u.id, u);
  }
}

/** `base` split into duration-balanced shards; ids and keys extend base's (`integration-postgres-1of2`). */
function durationUnits(base: Unit, tests: CollectedTest[], inputs: PlanInputs): Unit[] {
  const items = fillUnknown(
    tests.map((t) => t.nodeid),
    inputs.durations ?? {},
  );
  const { shards } = lpt(items, base.cfg.shards);
  const prefix = base.shard ? `${base.shard.key}-` : "";
  return shards.map((s, i) => ({
    ...base,
    // Each shard has its own container and services: shards start together whatever the lane's mode.
    mode: "parallel" as const,
    id: `${base.id}-${i + 1}of${shards.length}`,
    // Balanced shards still have a tail: work stealing evens it inside each shard.
    dist: base.dist ?? "worksteal",
    tests: s.tests.map((t) => t.id),
    shard: { index: i + 1, count: shards.length, key: `${prefix}${i + 1}of${shards.length}` },
    expectedSeconds: s.seconds,
  }));
}

function serviceUnits(base: Unit, tests: CollectedTest[], config: Config, inputs: PlanInputs): Unit[] {
  const declared = base.cfg.services.map((name) => ({ name, marker: config.services[name].marker, paths: config.services[name].paths }));
  const known = Object.keys(config.services).map((name) => ({ name, marker: config.services[name].marker }));
  const { groups, noService } = groupByServices(tests, declared, known, base.lane);
  const units: Unit[] = [];
  if (noService.length)
    units.push({
      ...base,
      id: `${base.lane}-no-services`,
      mode: "parallel",
      workers: inputs.workers ?? "auto",
      services: [],
      tests: noService.map((t) => t.nodeid),
      shard: { index: 0, count: 0, key: "no-services" },
    });
  for (const g of groups) {
    const unit: Unit = { ...base, mode: "parallel", id: `${base.lane}-${g.key}`, services: g.services, tests: g.tests.map((t) => t.nodeid), shard: { index: 0, count: 0, key: g.key } };
    units.push(...(base.cfg.shards > 1 ? durationUnits(unit, g.tests, inputs) : [unit]));
  }
  return units.map((u, i, all) => ({ ...u, shard: { ...u.shard!, index: i + 1, count: all.length } }));
}

function toLanePlan(u: Unit, inputs: PlanInputs): LanePlan {
  const { config, layout } = inputs;
  const { reportDir, outputs } = laneOutputs(layout, u.id);
  const selectFile = u.tests ? `${layout.reports}/select/${u.id}.txt` : undefined;
  const pytest = pytestArgv({
    python: layout.python,
    selection: u.cfg.paths,
    markers: u.cfg.markers,
    select: selectFile,
    workers: u.workers,
    dist: u.dist ?? config.dist,
    junit: outputs.junit,
    coverage: config.coverage,
    extra: u.cfg.pytest_args,
  });
  const argv = runnerArgv({
    python: layout.python,
    helpers: layout.helpers,
    id: u.id,
    reportDir,
    workers: u.workers,
    services: u.services,
    readinessTimeout: config.readiness_timeout,
    timeout: u.cfg.timeout,
    failOnEmpty: u.cfg.fail_on_empty,
    pytest,
  });
  const env = laneEnv(
    { id: u.id, cfg: u.cfg, services: u.services, coverageFile: outputs.coverage, shardKey: u.shard?.key, databaseIsolation: inputs.databaseIsolation ?? "plugin" },
    config,
    layout,
  );
  return {
    id: u.id,
    lane: u.lane,
    ...(u.shard ? { shard: u.shard } : {}),
    mode: u.mode,
    workers: u.workers,
    services: u.services,
    argv,
    pytest,
    pytestArgs: u.cfg.pytest_args,
    ...env,
    reportDir,
    outputs,
    failOnEmpty: u.cfg.fail_on_empty,
    timeout: u.cfg.timeout,
    readinessTimeout: config.readiness_timeout,
    ...(u.tests ? { tests: u.tests, selectFile } : {}),
    ...(u.expectedSeconds !== undefined ? { expectedSeconds: u.expectedSeconds } : {}),
  };
}
