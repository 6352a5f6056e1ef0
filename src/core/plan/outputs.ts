/**
 * Where a lane's files live: built from the layout and the lane id alone, never read back from an
 * artifact, so a forged plan.json cannot point the combine step at a file of its choosing.
 */
import type { Layout } from "./layout.js";

/** Lane ids as the planner makes them: a configured lane name plus generated suffixes. */
export const LANE_ID = /^[a-z0-9][a-z0-9_+-]*$/;

export interface LaneOutputs {
  /** The lane's report directory. */
  reportDir: string;
  outputs: { junit: string; coverage: string; record: string };
}

/** A lane's report directory and files; `coverage: false` for reruns, which measure none. */
export function laneOutputs(layout: Pick<Layout, "reports">, id: string, coverage = true): LaneOutputs {
  if (!LANE_ID.test(id) || id.length > 200) throw new Error(`not a lane id: ${JSON.stringify(id.slice(0, 80))}`);
  const reportDir = `${layout.reports}/${id}`;
  return {
    reportDir,
    outputs: { junit: `${reportDir}/junit.xml`, coverage: coverage ? `${reportDir}/.coverage.${id}` : "", record: `${reportDir}/lane.json` },
  };
}
