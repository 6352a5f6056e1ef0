/**
 * The host lane harness: runs planned lanes and the combine step exactly as the Dagger layer hands
 * them to containers (same argv, env and output paths), as real processes on this machine, against
 * the example backend and a real PostgreSQL. Only the Layout differs: host paths and a host port.
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

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const EXAMPLE = join(REPO, "examples/backend");
export const PYTHON = join(REPO, ".venv/bin/python");

export function requireVenv(): void {
  if (!existsSync(PYTHON)) throw new Error(`${PYTHON} is missing: run \`bash scripts/setup.sh\` first`);
}

/** Host paths for a plan; search services point at a closed port (there is no Elasticsearch here). */
export function hostLayout(reports: string, pg: PgCluster, source = EXAMPLE): Layout {
  requireVenv();
  mkdirSync(reports, { recursive: true });
  return {
    source,
    helpers: join(REPO, "src/python"),
    reports,
    python: PYTHON,
    endpoints: {
      postgres: { host: "127.0.0.1", port: pg.port },
      elasticsearch: { host: "127.0.0.1", port: 9 },
      opensearch: { host: "127.0.0.1", port: 9 },
    },
  };
}

/**
 * The example backend's config as `pr-backend` would read it, with the search services dropped from
 * every lane: this machine has no Elasticsearch/OpenSearch, and the example's search tests skip
 * cleanly without their URL.
 */
export function exampleConfig(source = EXAMPLE, edit?: (c: Config) => void): Config {
  const text = readFileSync(join(source, "pyproject.toml"), "utf8");
  const tests = readdirSync(join(source, "tests"), { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name !== "__pycache__")
    .map((d) => `tests/${d.name}`);
  const config = withDefaultLanes(readConfig(text, join(source, "pyproject.toml")), tests);
  for (const lane of Object.values(config.lanes)) lane.services = lane.services.filter((s) => s === "postgres");
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
 * the baseline the lanes are compared with. Coverage data goes to `<dir>/.coverage`.
 */
export function runWholeSuite(pg: PgCluster, config: Config, dir: string, extraArgs: string[] = []): Promise<Exec> {
  return exec(
    [PYTHON, "-m", "pytest", "tests", "-p", "backend_ci_plugin", "--cov", "--cov-branch", "--cov-report=", ...extraArgs, "-q", "-p", "no:cacheprovider"],
    {
      PYTHONPATH: join(REPO, "src/python"),
      COVERAGE_FILE: `${dir}/.coverage`,
      DATABASE_URL: pg.url(config.services.postgres.database),
      BACKEND_CI_DATABASE_ENV: "DATABASE_URL",
      ...(config.isolation.migrate ? { BACKEND_CI_MIGRATE: config.isolation.migrate } : {}),
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
  const r = await exec(plan.argv, plan.env, layout.source);
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
