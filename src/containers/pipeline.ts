/**
 * The pr-backend run: read config, build the backend, plan, run lanes (parallel together, serial in
 * order), rerun failures to tell flaky from failing, combine coverage, and assemble the reports.
 * Every decision is the core's; this file only sequences Dagger calls.
 */
import { Container, dag, Directory, File, ReturnType, type Secret } from "@dagger.io/dagger";

import { backendContainer, installPlan } from "./backend.js";
import { PLAN_FILE } from "../core/artifacts/parts-artifacts.js";
import { CollectedTests } from "../core/artifacts/records.js";
import { redact } from "../core/artifacts/redact.js";
import type { BackendCiConfig, Config, DistMode } from "../core/config/config.js";
import { type Discovery, discover } from "../core/plan/discover/discover.js";
import { failedNodeIds } from "../core/report/flaky.js";
import type { LaneJUnit } from "../core/report/junit.js";
import { runJUnit } from "../core/report/lane-reading.js";
import { COMBINED_DIR, containerLayout, type Layout } from "../core/plan/layout.js";
import { selectPart } from "../core/plan/parts.js";
import { type CollectedTest, type LanePlan, collectPlan, lanesNeedingCollection, planCombine, planLanes, planRerun } from "../core/plan/plan.js";
import { type AssembledReports, assembleReports, REPORT_FILES } from "../core/report/reports.js";
import { runScheduled } from "../core/plan/schedule.js";
import { parseDurations } from "../core/plan/shard.js";
import { type CombineRun, type LaneRun, type RunContext, runCombine, runLane } from "./lanes.js";
import { scratchDirectory } from "./scratch.js";
import { secretResolver } from "./secrets.js";
import { type SourceSnapshot, readSource } from "./source.js";
import type { RunOptionsOut } from "../options.js";

export interface Prepared extends RunContext {
  snap: SourceSnapshot;
  discovery: Discovery;
  lanes: LanePlan[];
  setupSeconds: number;
  durations: Record<string, number>;
}

/** The in-container helpers, shipped from this module's own source. */
export function helpersDir(): Directory {
  return dag.currentModule().source().directory("src/python");
}

export interface LoadedConfig {
  snap: SourceSnapshot;
  config: Config;
  layout: Layout;
  discovery: Discovery;
}

/** Config, lanes and layout from the source and the arguments, read before any container exists. */
export async function loadConfig(source: Directory, opts: RunOptionsOut): Promise<LoadedConfig> {
  const snap = await readSource(source, opts.root);
  const parsed: BackendCiConfig = { ...snap.located.config };
  if (opts.failUnder !== undefined) parsed.coverage = { ...parsed.coverage, fail_under: opts.failUnder };
  if (opts.dist !== undefined) parsed.dist = opts.dist as DistMode;
  const discovery = await discover(snap.tree, parsed);
  const config: Config = { ...parsed, lanes: discovery.lanes };
  return { snap, config, layout: containerLayout(config), discovery };
}

/** pytest's exit code when it selected no tests. */
const NO_TESTS = 5;

async function collect(ctx: RunContext, lane: string): Promise<CollectedTest[]> {
  const plan = collectPlan(ctx.config, lane, ctx.layout);
  let c = ctx.base.withDirectory(ctx.layout.helpers, ctx.helpers);
  for (const [k, v] of Object.entries(plan.env)) c = c.withEnvVariable(k, v);
  c = c.withExec(plan.argv, { expect: ReturnType.Any });
  const code = await c.exitCode();
  // A lane that selects nothing is planned whole, and reported as "selected no tests".
  if (code === NO_TESTS) return [];
  if (code !== 0) {
    const output = `${(await c.stdout()).slice(-4000)}${(await c.stderr()).slice(-2000)}`;
    throw new Error(redact(`lane "${lane}": pytest could not collect its tests (exit ${code}), so it cannot be sharded:\n${output}`));
  }
  return CollectedTests.parse(JSON.parse(await c.file(plan.output).contents()));
}

/** The backend built, or an error that names the install step and what to do about it. */
async function built(base: Container, loaded: LoadedConfig, opts: RunOptionsOut): Promise<void> {
  try {
    await base.sync();
  } catch (e) {
    if (opts.dockerfile) throw e;
    const install = installPlan(loaded.snap, loaded.config);
    const hint = install.project.some((cmd) => cmd.includes("-e") || (cmd[0] === "uv" && !cmd.some((a) => a.startsWith("--no-install"))))
      ? " If the failing step installs the backend itself and its tests do not need it installed, set install_project = false in [tool.backend-ci]."
      : "";
    throw new Error(redact(`building the backend container failed (${install.note}): ${(e as Error).message}${hint}`));
  }
}

export async function prepare(source: Directory, opts: RunOptionsOut, durationsFile?: File, password?: Secret): Promise<Prepared> {
  const loaded = await loadConfig(source, opts);
  const { snap, config, layout, discovery } = loaded;
  const durationsPath = snap.root === "." ? ".test_durations" : `${snap.root}/.test_durations`;
  const durations = durationsFile
    ? parseDurations(await durationsFile.contents(), "--durations")
    : snap.rootEntries.includes(".test_durations")
      ? parseDurations(await source.file(durationsPath).contents(), durationsPath)
      : {};
  const base = backendFor(source, loaded, opts);
  const ctx: RunContext = { config, layout, base, helpers: helpersDir(), secrets: await secretResolver(config, password), cacheBuster: opts.cacheBuster };
  const started = Date.now();
  await built(base, loaded, opts);
  const setupSeconds = (Date.now() - started) / 1000;
  const collected: Record<string, CollectedTest[]> = {};
  await Promise.all(lanesNeedingCollection(config).map(async (l) => (collected[l] = await collect(ctx, l))));
  let lanes = planLanes({ config, layout, workers: opts.workers, collected, durations, databaseIsolation: discovery.databaseIsolation.mode });
  if (opts.parts !== undefined) lanes = selectPart(lanes, opts.part!, opts.parts, durations);
  return { ...ctx, snap, discovery, lanes, setupSeconds, durations };
}

/** A lane run whose junit.xml was read once, for its reruns and for the report. */
export type ReadRun = LaneRun & { parsed: LaneJUnit };

async function runAndRead(p: Prepared, plan: LanePlan): Promise<ReadRun> {
  const run = await runLane(p, plan);
  // Node ids as pytest takes them from the backend root: JUnit's are relative to pytest's rootdir.
  // The text is dropped once read: a large lane's junit.xml is not held twice.
  return { ...run, junit: undefined, parsed: runJUnit(run.junit, run.record, run.plan.id) };
}

/** A lane, then fresh reruns of only its failed tests while some still fail. */
async function runWithReruns(p: Prepared, plan: LanePlan): Promise<ReadRun[]> {
  const runs = [await runAndRead(p, plan)];
  let failed = failedNodeIds(runs[0].parsed.cases);
  for (let attempt = 1; attempt <= p.config.flaky.reruns && failed.length > 0; attempt++) {
    const rerun = await runAndRead(p, planRerun(plan, failed, attempt, p.layout));
    runs.push(rerun);
    failed = failedNodeIds(rerun.parsed.cases);
  }
  return runs;
}

/** Every lane and its reruns, on the core's schedule. */
export function runLanes(p: Prepared): Promise<ReadRun[][]> {
  return runScheduled(p.lanes, (l) => runWithReruns(p, l));
}


export interface PipelineOutput {
  reports: Directory;
  ok: boolean;
  reasons: string[];
}

/** What the caller knows of this call: when it started (its own clock). */
export interface RunInfo {
  part?: number;
  parts?: number;
  startedAt: Date;
}

/** Everything a run hands back: each lane's directory, the combined coverage, and the assembled reports. */
export async function finish(p: Prepared, runs: ReadRun[][], run: RunInfo, gate: boolean): Promise<PipelineOutput> {
  let reports = dag.directory();
  for (const r of runs.flat()) reports = reports.withDirectory(r.plan.id, r.reports);
  let combine: CombineRun | undefined;
  if (gate) {
    const plan = planCombine(p.config, p.lanes, p.layout);
    const written = runs.map((r) => r[0]).filter((r) => r.coverageWritten);
    combine = await runCombine(p.base, p.helpers, p.layout, plan, written.map((r) => ({ path: r.plan.outputs.coverage, file: r.container.file(r.plan.outputs.coverage) })));
    reports = reports.withDirectory(COMBINED_DIR, combine.container.directory(plan.outDir));
  }
  const artifacts = (r: ReadRun) => ({ record: r.record, junit: r.junit, parsed: r.parsed, requestedAt: r.requestedAt });
  const assembled = assembleReports({
    part: run.part,
    parts: run.parts,
    config: p.config,
    run: { wallSeconds: (Date.now() - run.startedAt.getTime()) / 1000, setupSeconds: p.setupSeconds },
    lanes: runs.map((r) => ({ plan: r[0].plan, first: artifacts(r[0]), reruns: r.slice(1).map((x) => ({ id: x.plan.id, ...artifacts(x) })) })),
    combine: combine?.record,
    coverageJson: combine?.coverageJson,
    previousDurations: p.durations,
    unplanned: p.discovery.unplanned,
  });
  // When each lane run was asked for, so combine-parts can tell which ones the cache served.
  const requested = Object.fromEntries(runs.flat().map((r) => [r.plan.id, r.requestedAt]));
  const planFile = { part: run.part, parts: run.parts, lanes: p.lanes, requested };
  return handBack(reports, assembled, { [PLAN_FILE]: `${JSON.stringify(planFile, null, 2)}\n` });
}

const REDACTED = [REPORT_FILES.result, REPORT_FILES.summary, PLAN_FILE];

/**
 * The assembled reports added to `reports`, and the verdict beside them. The files are written to
 * the module's scratch directory and loaded from there: passed as API arguments (`withNewFile`),
 * their contents would be printed in full in every `--progress=plain` log (11 MB for 50 000 tests).
 */
export async function handBack(reports: Directory, assembled: AssembledReports, extra: Record<string, string> = {}): Promise<PipelineOutput> {
  // The files the module writes itself, through the one redaction rule: whatever text reached them
  // (an engine's error, a lane's message, a config value), no password leaves in them.
  const files = { ...assembled.files, ...extra };
  for (const name of REDACTED) if (files[name] !== undefined) files[name] = redact(files[name]);
  const written = await scratchDirectory(files);
  return { reports: reports.withDirectory(".", written), ok: assembled.ok, reasons: assembled.reasons.map((r) => redact(r)) };
}

/** The backend container for a run: the config's image, the arguments' Python and Dockerfile. */
export function backendFor(source: Directory, loaded: Pick<LoadedConfig, "snap" | "config">, opts: RunOptionsOut): Container {
  return backendContainer(source, { pythonVersion: opts.pythonVersion, pythonImage: loaded.config.python_image, dockerfile: opts.dockerfile, target: opts.target }, loaded.snap, loaded.config);
}
