/**
 * How lanes are scheduled, the same for the Dagger layer and the host harness: parallel lanes start
 * together; serial lanes run one after another, in plan order, alongside the parallel ones.
 */
import type { LanePlan } from "./plan.js";

/** Runs every lane with `run` on that schedule; results come back in plan order. */
export async function runScheduled<T>(lanes: readonly LanePlan[], run: (lane: LanePlan) => Promise<T>): Promise<T[]> {
  const parallel = Promise.all(lanes.filter((l) => l.mode === "parallel").map(async (l) => [l.id, await run(l)] as const));
  const serial = (async () => {
    const out: (readonly [string, T])[] = [];
    for (const l of lanes.filter((x) => x.mode === "serial")) out.push([l.id, await run(l)] as const);
    return out;
  })();
  const byId = new Map([...(await parallel), ...(await serial)]);
  return lanes.map((l) => byId.get(l.id) as T);
}
