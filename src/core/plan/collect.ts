/**
 * Collection before planning: a sharded lane's tests are listed (with their markers) by pytest in
 * the backend container, with the lane's own selection and environment, before they are split.
 */
import type { Config, LaneConfig } from "../config/config.js";
import type { Layout } from "./layout.js";
import { pythonPath } from "./lane-env.js";

/** Lanes whose tests must be collected before they can be planned (sharded ones). */
export function lanesNeedingCollection(config: Pick<Config, "lanes">): string[] {
  return Object.entries(config.lanes)
    .filter(([, l]) => l.shards > 1 || l.shard_by === "services")
    .map(([name]) => name);
}

export interface CollectPlan {
  lane: string;
  argv: string[];
  env: Record<string, string>;
  /** JSON file `[{nodeid, markers}]` the plugin writes; node ids relative to the backend root. */
  output: string;
}

export function mustLane(config: Pick<Config, "lanes">, lane: string): LaneConfig {
  const l = config.lanes[lane];
  if (!l) throw new Error(`unknown lane "${lane}"; lanes: ${Object.keys(config.lanes).join(", ")}`);
  return l;
}

/** `pytest --collect-only -q` over a lane's selection, writing node ids and markers as JSON. */
export function collectPlan(config: Pick<Config, "lanes">, lane: string, layout: Layout): CollectPlan {
  const l = mustLane(config, lane);
  const output = `${layout.reports}/collect/${lane}.json`;
  const own = { ...l.env };
  // The same PYTHONPATH as the lane itself: helpers first, the lane's own after them.
  own.PYTHONPATH = pythonPath(layout, own.PYTHONPATH);
  return {
    lane,
    output,
    argv: [
      layout.python,
      "-m",
      "pytest",
      ...l.paths,
      ...(l.markers ? ["-m", l.markers] : []),
      "--collect-only",
      "-q",
      "-p",
      "backend_ci_plugin",
      // Collection runs in one process whatever -n the backend's addopts ask for.
      "-n",
      "0",
      `--backend-ci-collect=${output}`,
      "-p",
      "no:cacheprovider",
    ],
    env: { BACKEND_CI_ISOLATION: "0", ...own },
  };
}
