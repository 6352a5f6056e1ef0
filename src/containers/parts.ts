/**
 * The last job of a CI matrix: every part's exported reports in, one combined coverage gate, one
 * merged JUnit and one summary out. Lanes come from each part's plan.json, so a lane whose part
 * produced nothing is still named.
 */
import { dag, Directory } from "@dagger.io/dagger";
import { z } from "zod";

import { Workers } from "../core/config/config.js";
import { COMBINED_DIR, CONTAINER_LAYOUT } from "../core/plan/layout.js";
import { missingParts } from "../core/plan/parts.js";
import { type LanePlan, outputName, planCombine } from "../core/plan/plan.js";
import { type LaneArtifacts, assembleReports } from "../core/report/reports.js";
import { runCombine } from "./lanes.js";
import type { RunOptionsOut } from "../options.js";
import { PLAN_FILE, type PipelineOutput, backendFor, handBack, helpersDir, loadConfig } from "./pipeline.js";

/** The fields of a planned lane that combine-parts reads back. */
const PlannedLane = z
  .object({
    id: z.string(),
    lane: z.string(),
    mode: z.enum(["parallel", "serial"]),
    workers: Workers,
    failOnEmpty: z.boolean(),
    reportDir: z.string(),
    outputs: z.object({ junit: z.string(), coverage: z.string(), record: z.string() }),
  })
  .passthrough();
const PlanFile = z.object({ part: z.number().optional(), parts: z.number().optional(), lanes: z.array(PlannedLane) });

/** Directory of every file named `name` under `root`, keyed by that directory's last segment. */
async function dirsHolding(root: Directory, name: string): Promise<Map<string, string>> {
  const found = await root.glob(`**/${name}`);
  return new Map(found.map((p) => p.slice(0, -name.length - 1)).map((d) => [d.split("/").pop()!, d]));
}

export async function combineParts(source: Directory, artifacts: Directory, opts: RunOptionsOut): Promise<PipelineOutput> {
  const loaded = await loadConfig(source, opts);
  const { config, layout } = loaded;
  const planPaths = await artifacts.glob(`**/${PLAN_FILE}`);
  if (planPaths.length === 0)
    throw new Error("artifacts: no plan.json found; pass the directory holding every part's exported reports (each part's reports directory has a plan.json)");
  const readPlan = async (path: string) => {
    const parsed = PlanFile.safeParse(JSON.parse(await artifacts.file(path).contents()));
    if (!parsed.success) throw new Error(`artifacts: ${path} is not a plan.json pr-backend wrote: ${parsed.error.issues[0].message}`);
    return { path, part: parsed.data.part, parts: parsed.data.parts, lanes: parsed.data.lanes as unknown as LanePlan[] };
  };
  const planFiles = await Promise.all(planPaths.map(readPlan));
  const plans = planFiles.flatMap((f) => f.lanes);
  const laneDirs = await dirsHolding(artifacts, "lane.json");
  // Each lane directory is listed once; files are read only where the listing has them.
  const listing = new Map(await Promise.all([...laneDirs.values()].map(async (d) => [d, await artifacts.directory(d).entries()] as const)));
  const has = (dir: string | undefined, file: string) => dir !== undefined && (listing.get(dir) ?? []).includes(file);
  const read = async (dir: string | undefined, file: string) => (has(dir, file) ? artifacts.file(`${dir}/${file}`).contents() : undefined);
  const lanes: LaneArtifacts[] = await Promise.all(
    plans.map(async (plan) => {
      const reruns = [...laneDirs.keys()].filter((id) => id.startsWith(`${plan.id}-rerun`)).sort();
      const dir = laneDirs.get(plan.id);
      return {
        plan,
        first: { record: await read(dir, "lane.json"), junit: await read(dir, "junit.xml") },
        reruns: await Promise.all(reruns.map(async (id) => ({ id, record: await read(laneDirs.get(id), "lane.json"), junit: await read(laneDirs.get(id), "junit.xml") }))),
      };
    }),
  );
  const base = backendFor(source, loaded, opts);
  const combinePlan = planCombine(config, plans, layout);
  const inputs = plans
    .filter((plan) => has(laneDirs.get(plan.id), outputName(plan, plan.outputs.coverage)))
    .map((plan) => ({ path: plan.outputs.coverage, file: artifacts.file(`${laneDirs.get(plan.id)}/${outputName(plan, plan.outputs.coverage)}`) }));
  const combine = await runCombine(base, helpersDir(), layout, combinePlan, inputs);
  const assembled = assembleReports({ config, lanes, combine: combine.record, coverageJson: combine.coverageJson, problems: missingParts(planFiles) });
  const reports = dag.directory().withDirectory("parts", artifacts).withDirectory(COMBINED_DIR, combine.container.directory(combinePlan.outDir));
  return handBack(reports, assembled);
}
