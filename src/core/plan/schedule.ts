/**
 * How lanes are scheduled, the same for the Dagger layer and the host harness: parallel lanes start
 * together; serial lanes run one after another, in plan order, alongside the parallel ones.
 */
import type { LanePlan } from "./plan.js";

/**
 * Runs every lane with `run` on that schedule; results come back in plan order, by position (never
 * by id, so two plans can never be read as one).
 */
export async function runScheduled<T>(lanes: readonly LanePlan[], run: (lane: LanePlan) => Promise<T>): Promise<T[]> {
  const results = new Array<T>(lanes.length);
  const indexed = lanes.map((lane, i) => ({ lane, i }));
  const parallel = Promise.all(indexed.filter((x) => x.lane.mode === "parallel").map(async (x) => (results[x.i] = await run(x.lane))));
  const serial = (async () => {
    for (const x of indexed.filter((y) => y.lane.mode === "serial")) results[x.i] = await run(x.lane);
  })();
  await Promise.all([parallel, serial]);
  return results;
}
