/**
 * The host lane harness: runs planned lanes and the combine step exactly as the Dagger layer hands
 * them to containers (same argv, env and output paths), as real processes on this machine, against
 * the example backend, a real PostgreSQL and real Elasticsearch/OpenSearch nodes (./search.ts). Only
 * the Layout differs (host paths and ports), and the search index prefix gains this process's tag
 * (`hostEnv`).
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import { type Config, readConfig, withDefaultLanes } from "../../src/core/config/config.js";
import type { Layout } from "../../src/core/plan/layout.js";
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

/** Host paths for a plan; the search services point at `search`'s nodes, or at a closed port without them. */
export function hostLayout(reports: string, pg: PgCluster, source = EXAMPLE, search?: SearchNodes): Layout {
  requireVenv();
  mkdirSync(reports, { recursive: true });
  return {
    source,
    helpers: join(REPO, "src/python"),
    reports,
    python: PYTHON,
    endpoints: {
      postgres: { host: "127.0.0.1", port: pg.port },
      elasticsearch: { host: "127.0.0.1", port: search?.elasticsearch.port ?? CLOSED_PORT },
      opensearch: { host: "127.0.0.1", port: search?.opensearch.port ?? CLOSED_PORT },
    },
  };
}

/**
 * This process's tag in front of every search index prefix the harness hands a lane. One node serves
 * every suite that runs at the same time (in Dagger each lane binds its own), so suites must never
 * share an index; within a lane the plan's prefix and the plugin's per-worker suffix still decide.
 */
export const INDEX_NAMESPACE = `h${process.pid}_`;

/** A plan's env as the harness runs it: the same, with a search lane's index prefix put in this process's namespace. */
export function hostEnv(plan: Pick<LanePlan, "env" | "services">): Record<string, string> {
  const { env } = plan;
  const name = env.BACKEND_CI_INDEX_PREFIX_ENV;
  const search = plan.services.includes("elasticsearch") || plan.services.includes("opensearch");
  if (!search || !name || env[name] === undefined) return env;
  return { ...env, [name]: `${INDEX_NAMESPACE}${env[name]}` };
}

/** The example backend's config as `pr-backend` would read it (the integration lane binds all three services). */
export function exampleConfig(source = EXAMPLE, edit?: (c: Config) => void): Config {
  const text = readFileSync(join(source, "pyproject.toml"), "utf8");
  const tests = readdirSync(join(source, "tests"), { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name !== "__pycache__")
    .map((d) => `tests/${d.name}`);
  const config = withDefaultLanes(readConfig(text, join(source, "pyproject.toml")), tests);
  edit?.(config);
  return config;
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
export function exec(argv: string[], env: Record<string, string>, cwd: string): Promise<Exec> {
  const started = Date.now();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(argv[0], argv.slice(1), {
      cwd,
      env: { PATH: `${dirname(PYTHON)}:${process.env.PATH ?? "/usr/bin:/bin"}`, HOME: process.env.HOME ?? "/root", LANG: "C.UTF-8", ...env },
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
            [config.services.elasticsearch.env]: search.elasticsearch.url,
            [config.services.opensearch.env]: search.opensearch.url,
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
  record?: string;
  junit?: string;
  coverageWritten: boolean;
}

export async function runPlannedLane(plan: LanePlan, layout: Layout): Promise<HostLaneRun> {
  const r = await exec(plan.argv, hostEnv(plan), layout.source);
  return {
    ...r,
    plan,
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
  const r = await exec(plan.argv, plan.env, layout.source);
  return { ...r, record: readIf(join(plan.outDir, "combine.json")), coverageJson: readIf(join(plan.outDir, "coverage.json")) };
}

/** A host run in the shape the report assembly takes. */
export function artifactsOf(run: HostLaneRun, reruns: HostLaneRun[] = []): LaneArtifacts {
  return {
    plan: run.plan,
    first: { record: run.record, junit: run.junit, wallSeconds: run.seconds },
    reruns: reruns.map((r) => ({ id: r.plan.id, record: r.record, junit: r.junit })),
  };
}
