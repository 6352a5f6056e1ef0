/** The combine step: every lane's coverage data file in, one combined figure gated, every report format out. */
import type { Config } from "../config/config.js";
import { COMBINED_DIR, type Layout } from "./layout.js";
import { pythonPath } from "./lane-env.js";
import type { LanePlan } from "./plan.js";

export interface CombinePlan {
  argv: string[];
  env: Record<string, string>;
  outDir: string;
  /** Every lane's data file, by lane id: exactly the files the lanes write. */
  inputs: { lane: string; path: string }[];
}

export function planCombine(config: Pick<Config, "coverage">, lanes: readonly Pick<LanePlan, "id" | "outputs">[], layout: Layout): CombinePlan {
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
    env: { PYTHONPATH: pythonPath(layout) },
  };
}
