/**
 * The host lane harness: runs planned lanes and the combine step exactly as the Dagger layer hands
 * them to containers (same argv, env and output paths), as real processes on this machine, against
 * the example backend, a real PostgreSQL and real Elasticsearch/OpenSearch nodes (./search.ts). Only
 * the Layout differs (host paths and ports), and the search index prefix gains this process's tag
 * (`hostEnv`).
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import { type Config, readConfig } from "../../src/core/config/config.js";
import { type Discovery, discover } from "../../src/core/plan/discover/discover.js";
import { hostSource } from "../../scripts/fs-source-tree.js";
import type { Endpoint, Layout } from "../../src/core/plan/layout.js";
import { secretValue } from "../../src/core/plan/service-env.js";
import type { CombinePlan, LanePlan } from "../../src/core/plan/plan.js";
import type { LaneArtifacts } from "../../src/core/report/reports.js";
import { runScheduled } from "../../src/core/plan/schedule.js";
import type { PgCluster } from "./postgres.js";
import type { SearchNodes } from "./search.js";

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const EXAMPLE = join(REPO, "examples/backend");
export const PYTHON = join(REPO, ".venv/bin/python");

export function requireVenv(): void {
  if (!existsSync(PYTHON)) throw new Error(`${PYTHON} is missing: run \`bash scripts/setup.sh\` first`);
}

/** A port nothing listens on: where search services point when a suite has no search nodes. */
const CLOSED_PORT = 9;

export interface HostLayoutOptions {
  /** The whole source, when the backend is a folder of it (a monorepo). */
  repo?: string;
  /** Services besides the built-in ones, or other addresses for them (Redis, a service of the team's own). */
  endpoints?: Record<string, Endpoint>;
  /** The interpreter with the backend's dependencies (an example's own venv). */
  python?: string;
  /** The harness's search nodes; without them search services point at a closed port. */
  search?: SearchNodes;
}

/**
 * Host paths for a plan. Services are shared by every lane of the file, so their start time says
 * nothing about a lane's wait (`freshServices: false`).
 */
export function hostLayout(reports: string, pg: PgCluster, source = EXAMPLE, opts: HostLayoutOptions = {}): Layout {
  requireVenv();
  mkdirSync(reports, { recursive: true });
  return {
    repo: opts.repo ?? source,
    source,
    helpers: join(REPO, "src/python"),
    reports,
    secrets: `${reports}.secrets`,
    python: opts.python ?? PYTHON,
    endpoints: {
      postgres: { host: "127.0.0.1", port: pg.port },
      redis: { host: "127.0.0.1", port: CLOSED_PORT },
      elasticsearch: { host: "127.0.0.1", port: opts.search?.elasticsearch.port ?? CLOSED_PORT },
      opensearch: { host: "127.0.0.1", port: opts.search?.opensearch.port ?? CLOSED_PORT },
      ...opts.endpoints,
    },
    freshServices: false,
  };
}

/** The harness's Postgres trusts local connections; URLs carry the default test password. */
export const HOST_PASSWORD = "postgres";

/**
 * This process's tag in front of every search index prefix the harness hands a lane. One node serves
 * every suite that runs at the same time (in Dagger each lane binds its own), so suites must never
 * share an index; within a lane the plan's prefix and the plugin's per-worker suffix still decide.
 */
export const INDEX_NAMESPACE = `h${process.pid}_`;

/**
 * A plan's env as the harness runs it: its secrets as plain values and its secret files written (as
 * the Dagger layer mounts them), and a search lane's index prefix put in this process's namespace.
 */
export function hostEnv(plan: Pick<LanePlan, "env" | "services" | "secretEnv" | "secretFiles" | "selectFile" | "tests">): Record<string, string> {
  for (const [path, ref] of Object.entries(plan.secretFiles)) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, secretValue(ref, HOST_PASSWORD), { mode: 0o600 });
  }
  // A shard's test list, where the Dagger layer mounts it.
  if (plan.selectFile && plan.tests) {
    mkdirSync(dirname(plan.selectFile), { recursive: true });
    writeFileSync(plan.selectFile, `${plan.tests.join("\n")}\n`);
  }
  const env = { ...plan.env, ...Object.fromEntries(Object.entries(plan.secretEnv).map(([k, ref]) => [k, secretValue(ref, HOST_PASSWORD)])) };
  const name = env.BACKEND_CI_INDEX_PREFIX_ENV;
  const search = plan.services.includes("elasticsearch") || plan.services.includes("opensearch");
  if (!search || !name || env[name] === undefined) return env;
  return { ...env, [name]: `${INDEX_NAMESPACE}${env[name]}` };
}

/** The example backend's config as `pr-backend` would read it (the integration lane binds all three services). */
export function exampleConfig(source = EXAMPLE, edit?: (c: Config) => void): Config {
  const file = join(source, "pyproject.toml");
  const parsed = readConfig(readFileSync(file, "utf8"), file);
  if (!parsed.lanes) throw new Error(`${file} configures no lanes: plan it with discoveredConfig(), as pr-backend would`);
  const config: Config = { ...parsed, lanes: parsed.lanes };
  edit?.(config);
  return config;
}

export interface Discovered {
  config: Config;
  discovery: Discovery;
  /** The backend root on disk. */
  source: string;
}

/** A source planned as pr-backend plans it: config located (a monorepo's root), lanes configured or discovered from the test tree. */
export async function discoveredConfig(repo: string, rootArg?: string): Promise<Discovered> {
  const src = hostSource(repo, rootArg);
  const discovery = await discover(src.tree, src.located.config);
  return { config: { ...src.located.config, lanes: discovery.lanes }, discovery, source: src.root === "." ? repo : join(repo, src.root) };
}

export interface Exec {
  exitCode: number;
  output: string;
  seconds: number;
}

/**
 * Runs argv with exactly the plan's env on top of a minimal base, in the source directory. The venv's
 * bin comes first on PATH, as in an activated venv (the image's python is on PATH in a container), so
 * a configured command such as `python -m app.migrate` finds the backend's dependencies.
 */
export function exec(argv: string[], env: Record<string, string>, cwd: string, python = PYTHON): Promise<Exec> {
  const started = Date.now();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(argv[0], argv.slice(1), {
      cwd,
      env: { PATH: `${dirname(python)}:${process.env.PATH ?? "/usr/bin:/bin"}`, HOME: process.env.HOME ?? "/root", LANG: "C.UTF-8", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    child.on("error", reject);
    child.on("close", (code, signal) => resolvePromise({ exitCode: code ?? (signal ? 128 : -1), output, seconds: (Date.now() - started) / 1000 }));
  });
}

/**
 * The example's whole suite in one serial pytest with coverage on, the way a team runs it today:
 * the baseline the lanes are compared with. Coverage data goes to `<dir>/.coverage`. With `search`,
 * the search tests run too (index prefix `<namespace>serial_`); without it they skip.
 */
export function runWholeSuite(pg: PgCluster, config: Config, dir: string, extraArgs: string[] = [], search?: SearchNodes): Promise<Exec> {
  const prefixEnv = config.isolation.index_prefix_env;
  return exec(
    [PYTHON, "-m", "pytest", "tests", "-p", "backend_ci_plugin", "--cov", "--cov-branch", "--cov-report=", ...extraArgs, "-q", "-p", "no:cacheprovider"],
    {
      PYTHONPATH: join(REPO, "src/python"),
      COVERAGE_FILE: `${dir}/.coverage`,
      DATABASE_URL: pg.url(config.services.postgres.database),
      BACKEND_CI_DATABASE_ENV: "DATABASE_URL",
      ...(config.isolation.migrate ? { BACKEND_CI_MIGRATE: config.isolation.migrate } : {}),
      ...(search
        ? {
            [config.services.elasticsearch.env[0]]: search.elasticsearch.url,
            [config.services.opensearch.env[0]]: search.opensearch.url,
            BACKEND_CI_INDEX_PREFIX_ENV: prefixEnv,
            [prefixEnv]: `${INDEX_NAMESPACE}serial_`,
          }
        : {}),
    },
    EXAMPLE,
  );
}

const readIf = (path: string) => (path && existsSync(path) ? readFileSync(path, "utf8") : undefined);

export interface HostLaneRun extends Exec {
  plan: LanePlan;
  /** When the harness started the lane's process: lane.json's own stamps come after it. */
  requestedAt: string;
  record?: string;
  junit?: string;
  coverageWritten: boolean;
}

export async function runPlannedLane(plan: LanePlan, layout: Layout): Promise<HostLaneRun> {
  const requestedAt = new Date().toISOString();
  const r = await exec(plan.argv, hostEnv(plan), layout.source, layout.python);
  return {
    ...r,
    plan,
    requestedAt,
    record: readIf(plan.outputs.record),
    junit: readIf(plan.outputs.junit),
    coverageWritten: Boolean(plan.outputs.coverage) && existsSync(plan.outputs.coverage),
  };
}

/** The lanes on the Dagger layer's own schedule (src/core/plan/schedule.ts). */
export function runPlannedLanes(lanes: LanePlan[], layout: Layout): Promise<HostLaneRun[]> {
  return runScheduled(lanes, (l) => runPlannedLane(l, layout));
}

export interface HostCombineRun extends Exec {
  record?: string;
  coverageJson?: string;
}

export async function runPlannedCombine(plan: CombinePlan, layout: Layout): Promise<HostCombineRun> {
  const r = await exec(plan.argv, plan.env, layout.source, layout.python);
  return { ...r, record: readIf(join(plan.outDir, "combine.json")), coverageJson: readIf(join(plan.outDir, "coverage.json")) };
}

/** A host run in the shape the report assembly takes. */
export function artifactsOf(run: HostLaneRun, reruns: HostLaneRun[] = []): LaneArtifacts {
  return {
    plan: run.plan,
    first: { record: run.record, junit: run.junit, requestedAt: run.requestedAt },
    reruns: reruns.map((r) => ({ id: r.plan.id, record: r.record, junit: r.junit, requestedAt: r.requestedAt })),
  };
}
