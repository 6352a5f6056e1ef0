/**
 * The command lines a plan runs: pytest's own (selection, xdist, coverage, JUnit) and the runner's
 * around it (run_lane.py: services to wait for, timeouts, report directory).
 */
import type { Config, DistMode, Workers } from "../config/config.js";

export interface PytestArgvInput {
  python: string;
  selection: string[];
  markers?: string;
  workers: Workers;
  dist: DistMode;
  junit: string;
  /** A file listing the node ids to run (a shard's), read by the plugin: ids never go on the command line in bulk. */
  select?: string;
  /** Coverage into the lane's own data file; undefined for reruns, which measure none. */
  coverage?: Config["coverage"];
  extra: string[];
}

/**
 * xdist's part: `-n 0` when the lane is serial, so a `-n 4` in the backend's addopts cannot turn it
 * parallel (command-line options come after addopts and win).
 */
export function xdistArgs(workers: Workers, dist: DistMode): string[] {
  return workers === 0 ? ["-n", "0"] : ["-n", String(workers), "--dist", dist];
}

/** The pytest command of a lane: its selection, xdist, coverage into its own file, JUnit with file attributes. */
export function pytestArgv(p: PytestArgvInput): string[] {
  const coverage = p.coverage
    ? [
        ...(p.coverage.source.length ? p.coverage.source.map((s) => `--cov=${s}`) : ["--cov"]),
        ...(p.coverage.branch ? ["--cov-branch"] : []),
        "--cov-report=",
        // Only the combined figure is gated.
        "--cov-fail-under=0",
      ]
    : ["--no-cov"];
  return [
    p.python,
    "-m",
    "pytest",
    ...p.selection,
    ...(p.markers ? ["-m", p.markers] : []),
    "-p",
    "backend_ci_plugin",
    ...(p.select ? [`--backend-ci-select=${p.select}`] : []),
    ...xdistArgs(p.workers, p.dist),
    ...coverage,
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

export interface RunnerArgvInput {
  python: string;
  helpers: string;
  id: string;
  reportDir: string;
  workers: Workers;
  /** Services to wait for, by name: their addresses come from the environment, never argv. */
  services: readonly string[];
  readinessTimeout: number;
  timeout: number;
  failOnEmpty: boolean;
  pytest: string[];
}

/** run_lane.py wrapping pytest (docs/CONTRACTS.md). */
export function runnerArgv(r: RunnerArgvInput): string[] {
  return [
    r.python,
    `${r.helpers}/run_lane.py`,
    "--lane",
    r.id,
    "--reports",
    r.reportDir,
    "--workers-planned",
    String(r.workers),
    ...r.services.flatMap((s) => ["--wait", s]),
    "--wait-timeout",
    String(r.readinessTimeout),
    "--timeout",
    String(r.timeout),
    ...(r.failOnEmpty ? ["--fail-on-empty"] : []),
    "--",
    ...r.pytest,
  ];
}
