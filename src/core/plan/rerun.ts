/**
 * A fresh run of only the failed node ids of a lane: same services and env, no xdist, no coverage
 * (the first run's data is the lane's figure), its own report directory and an attempt number that
 * makes the container, and so its services, new.
 */
import { pytestArgv, runnerArgv } from "./argv.js";
import type { Layout } from "./layout.js";
import { laneOutputs } from "./outputs.js";
import type { LanePlan } from "./plan.js";

export function planRerun(lane: LanePlan, failed: string[], attempt: number, layout: Layout): LanePlan {
  if (failed.length === 0) throw new Error(`rerun of lane "${lane.id}" needs at least one failed node id`);
  const bad = failed.find((id) => id.startsWith("-"));
  if (bad !== undefined) throw new Error(`rerun of lane "${lane.id}": ${JSON.stringify(bad)} is not a node id (it would be read as a pytest option)`);
  const id = `${lane.id}-rerun${attempt}`;
  const { reportDir, outputs } = laneOutputs(layout, id, false);
  const pytest = pytestArgv({ python: layout.python, selection: failed, workers: 0, dist: "no", junit: outputs.junit, extra: lane.pytestArgs });
  const argv = runnerArgv({
    python: layout.python,
    helpers: layout.helpers,
    id,
    reportDir,
    workers: 0,
    services: lane.services,
    readinessTimeout: lane.readinessTimeout,
    timeout: lane.timeout,
    failOnEmpty: false,
    pytest,
  });
  return {
    ...lane,
    id,
    workers: 0,
    argv,
    pytest,
    env: { ...lane.env, BACKEND_CI_LANE: id, BACKEND_CI_ATTEMPT: String(attempt) },
    reportDir,
    outputs,
    tests: failed,
    selectFile: undefined,
  };
}
