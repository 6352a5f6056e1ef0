/**
 * config + collected test ids + recorded durations -> the lanes and shards to run, each with the exact
 * argv, env, services and output paths. The Dagger layer and the host harness apply these plans as
 * they are; neither decides anything this file could decide.
 */
import { type Config, type DistMode, type LaneConfig, type ServiceName, type Workers, laneWorkers } from "../config/config.js";
import { COMBINED_DIR, type Layout } from "./layout.js";
import { laneOutputs } from "./outputs.js";
import { groupByServices } from "./service-groups.js";
import { fillUnknown, lpt } from "./shard.js";

/** One test as the collect step reports it. */
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
  services: ServiceName[];
  /** The lane's one exec: run_lane.py wrapping pytest. */
  argv: string[];
  /** The pytest part of argv (after `--`). */
  pytest: string[];
  /** The lane's own extra pytest arguments (`pytest_args`), kept for its reruns. */
  pytestArgs: string[];
  env: Record<string, string>;
  reportDir: string;
  outputs: { junit: string; coverage: string; record: string };
  failOnEmpty: boolean;
  /** Node ids this plan runs, when a shard or rerun selects them explicitly. */
  tests?: string[];
  /** Expected seconds from recorded durations, when known. */
  expectedSeconds?: number;
}

export interface PlanInputs {
  config: Config;
  layout: Layout;
  /** Overrides every parallel lane's workers (`0` runs them without xdist). */
  workers?: Workers;
  /** Collected tests of the lanes that need collection (see `lanesNeedingCollection`). */
  collected?: Record<string, CollectedTest[]>;
  /** Recorded durations, pytest-split's `.test_durations` format. */
  durations?: Record<string, number>;
}

/** The name of one of a lane's outputs inside its report directory (what a directory listing shows). */
export function outputName(lane: Pick<LanePlan, "reportDir">, path: string): string {
  return path.slice(lane.reportDir.length + 1);
}

/** Lanes whose tests must be collected before they can be planned (sharded ones). */
export function lanesNeedingCollection(config: Config): string[] {
  return Object.entries(config.lanes)
    .filter(([, l]) => l.shards > 1 || l.shard_by === "services")
    .map(([name]) => name);
}

export interface CollectPlan {
  lane: string;
  argv: string[];
  env: Record<string, string>;
  /** JSON file `[{nodeid, markers}]` the plugin writes. */
  output: string;
}

/** `pytest --collect-only -q` over a lane's selection, writing node ids and markers as JSON. */
export function collectPlan(config: Config, lane: string, layout: Layout): CollectPlan {
  const l = mustLane(config, lane);
  const output = `${layout.reports}/collect/${lane}.json`;
  return {
    lane,
    output,
    argv: [
      layout.python,
      "-m",
      "pytest",
      ...l.paths,
      ...(l.markers ? ["-m", l.markers] : []),
      "--collect-only",
      "-q",
      "-p",
      "backend_ci_plugin",
      `--backend-ci-collect=${output}`,
      "-p",
      "no:cacheprovider",
    ],
    env: { PYTHONPATH: layout.helpers, BACKEND_CI_ISOLATION: "0", ...l.env },
  };
}

function mustLane(config: Config, lane: string): LaneConfig {
  const l = config.lanes[lane];
  if (!l) throw new Error(`unknown lane "${lane}"; lanes: ${Object.keys(config.lanes).join(", ")}`);
  return l;
}

interface Unit {
  id: string;
  lane: string;
  cfg: LaneConfig;
  mode: "parallel" | "serial";
  workers: Workers;
  dist?: DistMode;
  services: ServiceName[];
  tests?: string[];
  shard?: LanePlan["shard"];
  expectedSeconds?: number;
}

/** Every lane and shard to run, in config order (serial lanes run in this order). */
export function planLanes(inputs: PlanInputs): LanePlan[] {
  const { config } = inputs;
  const units: Unit[] = [];
  for (const [name, cfg] of Object.entries(config.lanes)) {
    const base: Unit = {
      id: name,
      lane: name,
      cfg,
      mode: cfg.mode,
      workers: laneWorkers(cfg, inputs.workers),
      dist: cfg.dist,
      services: [...cfg.services],
    };
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
  return units.map((u) => toLanePlan(u, inputs));
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
  const declared = base.cfg.services.map((name) => ({
    name,
    marker: config.services[name].marker,
    paths: config.services[name].paths,
  }));
  const known = (Object.keys(config.services) as ServiceName[]).map((name) => ({
    name,
    marker: config.services[name].marker,
  }));
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
    const unit: Unit = {
      ...base,
      mode: "parallel",
      id: `${base.lane}-${g.key}`,
      services: g.services as ServiceName[],
      tests: g.tests.map((t) => t.nodeid),
      shard: { index: 0, count: 0, key: g.key },
    };
    units.push(...(base.cfg.shards > 1 ? durationUnits(unit, g.tests, inputs) : [unit]));
  }
  return units.map((u, i, all) => ({ ...u, shard: { ...u.shard!, index: i + 1, count: all.length } }));
}

function serviceUrl(config: Config, layout: Layout, name: ServiceName, database?: string): string {
  const { host, port } = layout.endpoints[name];
  if (name !== "postgres") return `http://${host}:${port}`;
  const pg = config.services.postgres;
  const cred = `${encodeURIComponent(pg.user)}:${encodeURIComponent(pg.password)}`;
  return `postgresql://${cred}@${host}:${port}/${database ?? pg.database}`;
}

function toLanePlan(u: Unit, inputs: PlanInputs): LanePlan {
  const { config, layout } = inputs;
  const { reportDir, outputs } = laneOutputs(layout, u.id);
  const pytest = pytestArgv({
    python: layout.python,
    selection: u.tests ?? u.cfg.paths,
    markers: u.tests ? undefined : u.cfg.markers,
    workers: u.workers,
    dist: u.dist ?? config.dist,
    junit: outputs.junit,
    coverage: config.coverage,
    extra: u.cfg.pytest_args,
  });
  const argv = [
    layout.python,
    `${layout.helpers}/run_lane.py`,
    "--lane",
    u.id,
    "--reports",
    reportDir,
    ...u.services.flatMap((s) => ["--wait", `${s}=${serviceUrl(config, layout, s, "postgres")}`]),
    "--wait-timeout",
    String(config.readiness_timeout),
    "--timeout",
    String(u.cfg.timeout),
    ...(u.cfg.fail_on_empty ? ["--fail-on-empty"] : []),
    "--",
    ...pytest,
  ];
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
    env: laneEnv(u, config, layout, outputs.coverage),
    reportDir,
    outputs,
    failOnEmpty: u.cfg.fail_on_empty,
    ...(u.tests ? { tests: u.tests } : {}),
    ...(u.expectedSeconds !== undefined ? { expectedSeconds: u.expectedSeconds } : {}),
  };
}

function laneEnv(u: Unit, config: Config, layout: Layout, coverageFile: string): Record<string, string> {
  const env: Record<string, string> = {
    PYTHONPATH: layout.helpers,
    COVERAGE_FILE: coverageFile,
    BACKEND_CI_LANE: u.id,
    // Output that reaches a CI log as it happens, not at exit.
    PYTHONUNBUFFERED: "1",
  };
  if (!config.isolation.enabled) env.BACKEND_CI_ISOLATION = "0";
  for (const s of u.services) for (const name of config.services[s].env) env[name] = serviceUrl(config, layout, s);
  if (u.services.includes("postgres")) {
    env.BACKEND_CI_DATABASE_ENV = config.services.postgres.env[0];
    if (config.isolation.migrate) env.BACKEND_CI_MIGRATE = config.isolation.migrate;
    if (config.isolation.keep_databases) env.BACKEND_CI_KEEP_DATABASES = "1";
  }
  if (u.services.includes("elasticsearch") || u.services.includes("opensearch")) {
    env.BACKEND_CI_INDEX_PREFIX_ENV = config.isolation.index_prefix_env;
    env[config.isolation.index_prefix_env] = `${u.id.replace(/[^a-z0-9_]/g, "_")}_`;
  }
  if (u.shard) env.BACKEND_CI_SHARD = u.shard.key;
  const own = { ...u.cfg.env };
  // A lane's own PYTHONPATH is added to the helpers', never in their place: the plugin must import.
  if (own.PYTHONPATH) own.PYTHONPATH = `${layout.helpers}:${own.PYTHONPATH}`;
  return { ...env, ...own };
}

interface PytestArgvInput {
  python: string;
  selection: string[];
  markers?: string;
  workers: Workers;
  dist: DistMode;
  junit: string;
  coverage: Config["coverage"];
  extra: string[];
}

/** The pytest command of a lane: its selection, xdist, coverage into its own file, JUnit with file attributes. */
export function pytestArgv(p: PytestArgvInput): string[] {
  return [
    p.python,
    "-m",
    "pytest",
    ...p.selection,
    ...(p.markers ? ["-m", p.markers] : []),
    "-p",
    "backend_ci_plugin",
    ...(p.workers === 0 ? [] : ["-n", String(p.workers), "--dist", p.dist]),
    ...(p.coverage.source.length ? p.coverage.source.map((s) => `--cov=${s}`) : ["--cov"]),
    ...(p.coverage.branch ? ["--cov-branch"] : []),
    "--cov-report=",
    // Only the combined figure is gated.
    "--cov-fail-under=0",
    `--junitxml=${p.junit}`,
    // xunit1 keeps the `file` attribute, which turns a testcase back into its node id.
    "-o",
    "junit_family=xunit1",
    "-p",
    "no:cacheprovider",
    "-rfE",
    ...p.extra,
  ];
}

/**
 * A fresh run of only the failed node ids of a lane: same services and env, no xdist, no coverage
 * (the first run's data is the lane's figure), its own report directory and an attempt number that
 * makes the container, and so its services, new.
 */
export function planRerun(lane: LanePlan, failed: string[], attempt: number, layout: Layout): LanePlan {
  if (failed.length === 0) throw new Error(`rerun of lane "${lane.id}" needs at least one failed node id`);
  const id = `${lane.id}-rerun${attempt}`;
  const { reportDir, outputs } = laneOutputs(layout, id, false);
  const sep = lane.argv.indexOf("--");
  const runner = lane.argv.slice(0, sep).map((a, i, all) => (all[i - 1] === "--lane" ? id : all[i - 1] === "--reports" ? reportDir : a));
  const pytest = [
    layout.python,
    "-m",
    "pytest",
    ...failed,
    "-p",
    "backend_ci_plugin",
    "--no-cov",
    `--junitxml=${outputs.junit}`,
    "-o",
    "junit_family=xunit1",
    "-p",
    "no:cacheprovider",
    "-rfE",
    ...lane.pytestArgs,
  ];
  return {
    ...lane,
    id,
    workers: 0,
    argv: [...runner, "--", ...pytest],
    pytest,
    env: { ...lane.env, BACKEND_CI_LANE: id, BACKEND_CI_ATTEMPT: String(attempt) },
    reportDir,
    outputs,
    tests: failed,
  };
}

export interface CombinePlan {
  argv: string[];
  env: Record<string, string>;
  outDir: string;
  /** Every lane's data file, by lane id: exactly the files the lanes write. */
  inputs: { lane: string; path: string }[];
}

/** One combine step over every lane's coverage file: combine, gate and write every report format. */
export function planCombine(config: Config, lanes: LanePlan[], layout: Layout): CombinePlan {
  const outDir = `${layout.reports}/${COMBINED_DIR}`;
  const inputs = lanes.filter((l) => l.outputs.coverage).map((l) => ({ lane: l.id, path: l.outputs.coverage }));
  return {
    outDir,
    inputs,
    argv: [
      layout.python,
      `${layout.helpers}/combine.py`,
      "--out",
      outDir,
      "--fail-under",
      String(config.coverage.fail_under),
      config.coverage.branch ? "--branch" : "--no-branch",
      ...inputs.flatMap((i) => ["--data", `${i.lane}=${i.path}`]),
      ...config.coverage.paths.flatMap((p) => ["--source-alias", p]),
    ],
    env: { PYTHONPATH: layout.helpers },
  };
}
