/**
 * The pr-backend run: read config, build the backend, plan, run lanes (parallel together, serial in
 * order), rerun failures to tell flaky from failing, combine coverage, and assemble the reports.
 * Every decision is the core's; this file only sequences Dagger calls.
 */
import { Container, dag, Directory, File, ReturnType } from "@dagger.io/dagger";

import { type SourceRoot, backendContainer, sourceRoot } from "./backend.js";
import { CollectedTests } from "../core/artifacts/records.js";
import { type Config, type DistMode, readConfig, withDefaultLanes } from "../core/config/config.js";
import { failedNodeIds } from "../core/report/flaky.js";
import { parseJUnit } from "../core/report/junit.js";
import { COMBINED_DIR, CONTAINER_LAYOUT } from "../core/plan/layout.js";
import { selectPart } from "../core/plan/parts.js";
import { type CollectedTest, type LanePlan, collectPlan, lanesNeedingCollection, planCombine, planLanes, planRerun } from "../core/plan/plan.js";
import { type AssembledReports, REPORT_FILES, assembleReports } from "../core/report/reports.js";
import { runScheduled } from "../core/plan/schedule.js";
import { parseDurations } from "../core/plan/shard.js";
import { type CombineRun, type LaneRun, runCombine, runLane } from "./lanes.js";
import type { RunOptionsOut } from "../options.js";

export interface Prepared {
  config: Config;
  base: Container;
  helpers: Directory;
  lanes: LanePlan[];
  setupSeconds: number;
  durations: Record<string, number>;
}

/** The in-container helpers, shipped from this module's own source. */
export function helpersDir(): Directory {
  return dag.currentModule().source().directory("src/python");
}

/** Config from the source's pyproject.toml with argument overrides, read before any container exists. */
export async function loadConfig(source: Directory, opts: RunOptionsOut): Promise<{ config: Config; root: SourceRoot }> {
  const root = await sourceRoot(source);
  const parsed = readConfig(root.pyproject);
  const tests = root.entries.includes("tests") ? (await source.directory("tests").entries()).map((e) => `tests/${e.replace(/\/$/, "")}`) : [];
  const config = withDefaultLanes(parsed, tests);
  if (opts.failUnder !== undefined) config.coverage = { ...config.coverage, fail_under: opts.failUnder };
  if (opts.dist !== undefined) config.dist = opts.dist as DistMode;
  return { config, root };
}

/** pytest's exit code when it selected no tests. */
const NO_TESTS = 5;

async function collect(base: Container, helpers: Directory, config: Config, lane: string): Promise<CollectedTest[]> {
  const plan = collectPlan(config, lane, CONTAINER_LAYOUT);
  let c = base.withDirectory(CONTAINER_LAYOUT.helpers, helpers);
  for (const [k, v] of Object.entries(plan.env)) c = c.withEnvVariable(k, v);
  c = c.withExec(plan.argv, { expect: ReturnType.Any });
  const code = await c.exitCode();
  // A lane that selects nothing is planned whole, and reported as "selected no tests".
  if (code === NO_TESTS) return [];
  if (code !== 0) {
    const output = `${(await c.stdout()).slice(-4000)}${(await c.stderr()).slice(-2000)}`;
    throw new Error(`lane "${lane}": pytest could not collect its tests (exit ${code}), so it cannot be sharded:\n${output}`);
  }
  return CollectedTests.parse(JSON.parse(await c.file(plan.output).contents()));
}

export async function prepare(source: Directory, opts: RunOptionsOut, durationsFile?: File): Promise<Prepared> {
  const { config, root } = await loadConfig(source, opts);
  const durations = durationsFile
    ? parseDurations(await durationsFile.contents(), "--durations")
    : root.entries.includes(".test_durations")
      ? parseDurations(await source.file(".test_durations").contents(), ".test_durations")
      : {};
  const base = await backendFor(source, config, opts, root);
  const helpers = helpersDir();
  const started = Date.now();
  await base.sync();
  const setupSeconds = (Date.now() - started) / 1000;
  const collected: Record<string, CollectedTest[]> = {};
  await Promise.all(lanesNeedingCollection(config).map(async (l) => (collected[l] = await collect(base, helpers, config, l))));
  let lanes = planLanes({ config, layout: CONTAINER_LAYOUT, workers: opts.workers, collected, durations });
  if (opts.parts !== undefined) lanes = selectPart(lanes, opts.part!, opts.parts, durations);
  return { config, base, helpers, lanes, setupSeconds, durations };
}

/** A lane, then fresh reruns of only its failed tests while some still fail. */
async function runWithReruns(p: Prepared, plan: LanePlan, cacheBuster?: string): Promise<LaneRun[]> {
  const first = await runLane(p.base, p.helpers, plan, p.config, cacheBuster);
  const runs = [first];
  let failed = failedNodeIds(parseJUnit(first.junit, plan.id).cases);
  for (let attempt = 1; attempt <= p.config.flaky.reruns && failed.length > 0; attempt++) {
    const rerun = await runLane(p.base, p.helpers, planRerun(plan, failed, attempt, CONTAINER_LAYOUT), p.config, cacheBuster);
    runs.push(rerun);
    failed = failedNodeIds(parseJUnit(rerun.junit, rerun.plan.id).cases);
  }
  return runs;
}

/** Every lane and its reruns, on the core's schedule. */
export function runLanes(p: Prepared, cacheBuster?: string): Promise<LaneRun[][]> {
  return runScheduled(p.lanes, (l) => runWithReruns(p, l, cacheBuster));
}

/** The lanes a run planned, so combine-parts can name a lane whose part produced nothing. */
export const PLAN_FILE = "plan.json";

export interface PipelineOutput {
  reports: Directory;
  summary: string;
  ok: boolean;
  reasons: string[];
  resultJson: string;
}

/** Everything a run hands back: each lane's directory, the combined coverage, and the assembled reports. */
export async function finish(p: Prepared, runs: LaneRun[][], inputs: { part?: number; parts?: number }, gate: boolean): Promise<PipelineOutput> {
  let reports = dag.directory();
  for (const run of runs.flat()) reports = reports.withDirectory(run.plan.id, run.reports);
  let combine: CombineRun | undefined;
  if (gate) {
    const plan = planCombine(p.config, p.lanes, CONTAINER_LAYOUT);
    const written = runs.map((r) => r[0]).filter((r) => r.coverageWritten);
    combine = await runCombine(p.base, p.helpers, plan, written.map((r) => ({ path: r.plan.outputs.coverage, file: r.container.file(r.plan.outputs.coverage) })));
    reports = reports.withDirectory(COMBINED_DIR, combine.container.directory(plan.outDir));
  }
  const assembled = assembleReports({
    ...inputs,
    config: p.config,
    setupSeconds: p.setupSeconds,
    lanes: runs.map((r) => ({ plan: r[0].plan, first: r[0], reruns: r.slice(1) })),
    combine: combine?.record,
    coverageJson: combine?.coverageJson,
    previousDurations: p.durations,
  });
  const planFile = { part: inputs.part, parts: inputs.parts, lanes: p.lanes };
  return handBack(reports, assembled, { [PLAN_FILE]: `${JSON.stringify(planFile, null, 2)}\n` });
}

/** The assembled reports written into `reports`, and the verdict beside them. */
export function handBack(reports: Directory, assembled: AssembledReports, extra: Record<string, string> = {}): PipelineOutput {
  let dir = reports;
  for (const [name, text] of Object.entries({ ...assembled.files, ...extra })) dir = dir.withNewFile(name, text);
  return { reports: dir, summary: assembled.summary, ok: assembled.ok, reasons: assembled.reasons, resultJson: assembled.files[REPORT_FILES.result] };
}

/** The backend container for a run: the config's image, the arguments' Python and Dockerfile. */
export function backendFor(source: Directory, config: Config, opts: RunOptionsOut, root: SourceRoot): Promise<Container> {
  return backendContainer(source, { pythonVersion: opts.pythonVersion, pythonImage: config.python_image, dockerfile: opts.dockerfile, target: opts.target }, root);
}
