/**
 * Plans to containers: a lane plan becomes one container bound to its own services, one exec that
 * may fail without losing its files, and the files it wrote.
 */
import { Container, dag, Directory, ExecError, File, ReturnType } from "@dagger.io/dagger";

import { unreachedLaneRecord } from "../core/artifacts/unreached.js";
import type { Config } from "../core/config/config.js";
import type { Layout } from "../core/plan/layout.js";
import { type CombinePlan, type LanePlan, outputName } from "../core/plan/plan.js";
import { serviceUrl } from "../core/plan/service-env.js";
import type { SecretResolver } from "./secrets.js";
import { scratchDirectory } from "./scratch.js";
import { serviceFor } from "./services.js";

/** What every lane of a run shares: the backend container, the helpers, the config and layout, the secrets. */
export interface RunContext {
  config: Config;
  layout: Layout;
  base: Container;
  helpers: Directory;
  secrets: SecretResolver;
  /** Any new value makes the lanes run again even when nothing changed. */
  cacheBuster?: string;
}

/** What one lane run left behind. */
export interface LaneRun {
  plan: LanePlan;
  container: Container;
  exitCode: number;
  /** Names of the files in the lane's report directory. */
  files: string[];
  record?: string;
  junit?: string;
  /** The lane wrote its coverage data file. */
  coverageWritten: boolean;
  /** When this run was asked of the engine (ISO 8601): a lane.json that started earlier came from the cache. */
  requestedAt: string;
  /** The lane's report directory, as the reports hand it back. */
  reports: Directory;
}

/** The lane's container before its exec: helpers, services under their aliases, env, secrets, a shard's test list. */
export async function laneContainer(ctx: RunContext, plan: LanePlan): Promise<Container> {
  // The report directory exists even if the exec dies before writing to it, so reading it never fails.
  let c = ctx.base.withDirectory(ctx.layout.helpers, ctx.helpers).withDirectory(plan.reportDir, dag.directory());
  const password = ctx.secrets({ service: "postgres", value: "password" });
  for (const s of plan.services) c = c.withServiceBinding(s, serviceFor(s, ctx.config, plan.id, password));
  for (const [k, v] of Object.entries(plan.env)) c = c.withEnvVariable(k, v);
  for (const [k, ref] of Object.entries(plan.secretEnv)) c = c.withSecretVariable(k, ctx.secrets(ref));
  for (const [path, ref] of Object.entries(plan.secretFiles)) c = c.withMountedSecret(path, ctx.secrets(ref));
  // A shard's node ids reach it as a file from the module's scratch space, never as an API argument.
  if (plan.selectFile && plan.tests) c = c.withFile(plan.selectFile, (await scratchDirectory({ "select.txt": `${plan.tests.join("\n")}\n` })).file("select.txt"));
  // Test execs are cached by their inputs; a new value here makes the lane run again.
  if (ctx.cacheBuster) c = c.withEnvVariable("BACKEND_CI_CACHE_BUSTER", ctx.cacheBuster);
  return c;
}

/** The container after the lane ran; a failing exec keeps its files readable. */
export async function ranLane(ctx: RunContext, plan: LanePlan): Promise<Container> {
  return (await laneContainer(ctx, plan)).withExec(plan.argv, { expect: ReturnType.Any });
}

async function readIfPresent(c: Container, plan: LanePlan, files: string[], path: string): Promise<string | undefined> {
  return files.includes(outputName(plan, path)) ? c.file(path).contents() : undefined;
}

/** lane.json for a lane whose exec gave no exit code: the engine's error read into a sentence naming the service. */
function unreached(ctx: RunContext, plan: LanePlan, e: unknown, requestedAt: Date): string {
  const record = unreachedLaneRecord({
    lane: plan.id,
    argv: plan.pytest,
    workersPlanned: String(plan.workers),
    services: plan.services.map((name) => ({
      name,
      image: (ctx.config.services[name] as { image?: string } | undefined)?.image ?? "an unknown image",
      url: serviceUrl(name, ctx.config, ctx.layout),
    })),
    readinessTimeout: ctx.config.readiness_timeout,
    error: (e as Error).message,
    output: e instanceof ExecError ? `${e.stdout}${e.stderr}` : undefined,
    requestedAt,
    failedAt: new Date(),
  });
  return `${JSON.stringify(record)}\n`;
}

export async function runLane(ctx: RunContext, plan: LanePlan): Promise<LaneRun> {
  const requested = new Date();
  const requestedAt = requested.toISOString();
  const container = await ranLane(ctx, plan);
  let exitCode: number;
  try {
    exitCode = await container.exitCode();
  } catch (e) {
    // No exit code Dagger accepts: a service that exited or never became healthy, a container the
    // engine stopped. The lane is reported from what is known, and the other lanes go on.
    const record = unreached(ctx, plan, e, requested);
    const reports = dag.directory().withNewFile("lane.json", record);
    return { plan, container, exitCode: -1, files: ["lane.json"], record, coverageWritten: false, requestedAt, reports };
  }
  const files = await container.directory(plan.reportDir).entries();
  const [record, junit] = await Promise.all([
    readIfPresent(container, plan, files, plan.outputs.record),
    readIfPresent(container, plan, files, plan.outputs.junit),
  ]);
  const coverageWritten = plan.outputs.coverage !== "" && files.includes(outputName(plan, plan.outputs.coverage));
  return { plan, container, exitCode, files, record, junit, coverageWritten, requestedAt, reports: container.directory(plan.reportDir) };
}

export interface CombineRun {
  container: Container;
  exitCode: number;
  record?: string;
  coverageJson?: string;
}

/**
 * The combine step: every data file that exists copied in at the path its lane wrote it, then
 * combine.py, which names the lanes whose files are missing.
 */
export async function runCombine(base: Container, helpers: Directory, layout: Pick<Layout, "helpers">, plan: CombinePlan, inputs: { path: string; file: File }[]): Promise<CombineRun> {
  let c = base.withDirectory(layout.helpers, helpers).withDirectory(plan.outDir, dag.directory());
  for (const { path, file } of inputs) c = c.withFile(path, file);
  for (const [k, v] of Object.entries(plan.env)) c = c.withEnvVariable(k, v);
  c = c.withExec(plan.argv, { expect: ReturnType.Any });
  const exitCode = await c.exitCode();
  const files = await c.directory(plan.outDir).entries();
  const [record, coverageJson] = await Promise.all([
    files.includes("combine.json") ? c.file(`${plan.outDir}/combine.json`).contents() : undefined,
    files.includes("coverage.json") ? c.file(`${plan.outDir}/coverage.json`).contents() : undefined,
  ]);
  return { container: c, exitCode, record, coverageJson };
}
