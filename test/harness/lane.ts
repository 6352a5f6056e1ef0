/**
 * A lane's argv and environment written by hand, exactly as docs/CONTRACTS.md specifies them
 * (`run_lane.py` options, `BACKEND_CI_SERVICES`, `COVERAGE_FILE`, ...), for the tests of the Python
 * helpers: they must not depend on the planner, which produces the same contract.
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

import { LaneRecord } from "../../src/core/artifacts/records.js";
import { type Exec, PYTHON, REPO, exec, requireVenv } from "./run.js";

export const HELPERS = join(REPO, "src/python");
export const FIXTURES = join(REPO, "test/fixtures");

/** One entry of `BACKEND_CI_SERVICES`. */
export interface ServiceEntry {
  kind: "postgres" | "redis" | "search" | "custom";
  fresh?: boolean;
  url_env?: string[];
  url_file_env?: string | null;
  vars?: Partial<Record<"host" | "port" | "user" | "password" | "database", string>>;
  password_file_env?: string | null;
  isolation?: "plugin" | "conftest";
}

export interface LaneSpec {
  id: string;
  /** The backend root: the lane's working directory. */
  source: string;
  /** Reports root; the lane writes into `<reports>/<id>/`. */
  reports: string;
  /** pytest arguments after `python -m pytest` (the plugin, JUnit and coverage are added). */
  pytest: string[];
  services?: Record<string, ServiceEntry>;
  /** Service names to `--wait` for (default: every service). */
  wait?: string[];
  env?: Record<string, string>;
  workersPlanned?: string;
  timeout?: number;
  waitTimeout?: number;
  coverage?: boolean;
}

export interface LaneRun extends Exec {
  dir: string;
  /** lane.json as written (text), and parsed with the schema. */
  text: string;
  record: LaneRecord;
  junit?: string;
}

export function laneDir(spec: LaneSpec): string {
  return join(spec.reports, spec.id);
}

export function laneArgv(spec: LaneSpec): string[] {
  const dir = laneDir(spec);
  const services = spec.services ?? {};
  return [
    PYTHON,
    join(HELPERS, "run_lane.py"),
    "--lane",
    spec.id,
    "--reports",
    dir,
    ...(spec.workersPlanned !== undefined ? ["--workers-planned", spec.workersPlanned] : []),
    ...(spec.wait ?? Object.keys(services)).flatMap((s) => ["--wait", s]),
    "--wait-timeout",
    String(spec.waitTimeout ?? 20),
    ...(spec.timeout !== undefined ? ["--timeout", String(spec.timeout)] : []),
    "--",
    PYTHON,
    "-m",
    "pytest",
    ...spec.pytest,
    "-p",
    "backend_ci_plugin",
    `--junitxml=${join(dir, "junit.xml")}`,
    "-o",
    "junit_family=xunit1",
    "-p",
    "no:cacheprovider",
    ...(spec.coverage ? ["--cov", "--cov-branch", "--cov-report=", "--cov-fail-under=0"] : []),
  ];
}

export function laneEnv(spec: LaneSpec): Record<string, string> {
  const env: Record<string, string> = {
    PYTHONPATH: HELPERS,
    BACKEND_CI_LANE: spec.id,
    PYTHONUNBUFFERED: "1",
    COVERAGE_FILE: join(laneDir(spec), `.coverage.${spec.id}`),
  };
  if (spec.services && Object.keys(spec.services).length) {
    const entries = Object.fromEntries(
      Object.entries(spec.services).map(([name, s]) => [
        name,
        { fresh: false, url_env: [], url_file_env: null, ...(s.kind === "postgres" ? { isolation: "plugin", password_file_env: null } : {}), ...s },
      ]),
    );
    env.BACKEND_CI_SERVICES = JSON.stringify(entries);
  }
  return { ...env, ...spec.env };
}

export async function runLane(spec: LaneSpec): Promise<LaneRun> {
  requireVenv();
  const dir = laneDir(spec);
  mkdirSync(dir, { recursive: true });
  const r = await exec(laneArgv(spec), laneEnv(spec), spec.source);
  const path = join(dir, "lane.json");
  if (!existsSync(path)) throw new Error(`lane ${spec.id} wrote no lane.json (exit ${r.exitCode}):\n${r.output.slice(-3000)}`);
  const text = readFileSync(path, "utf8");
  const junit = join(dir, "junit.xml");
  return { ...r, dir, text, record: LaneRecord.parse(JSON.parse(text)), junit: existsSync(junit) ? readFileSync(junit, "utf8") : undefined };
}
