/** Lanes are scheduled the same way by the Dagger layer and the host harness. */
import { describe, expect, it } from "vitest";

import type { LanePlan } from "../src/core/plan/plan.js";
import { runScheduled } from "../src/core/plan/schedule.js";

const lane = (id: string, mode: "parallel" | "serial") => ({ id, mode }) as LanePlan;

describe("runScheduled", () => {
  it("starts every parallel lane and the first serial lane at once, then each serial lane after the one before", async () => {
    const events: string[] = [];
    const gates = new Map<string, () => void>();
    const run = (l: LanePlan) =>
      new Promise<string>((resolve) => {
        events.push(`start ${l.id}`);
        gates.set(l.id, () => {
          events.push(`end ${l.id}`);
          resolve(l.id.toUpperCase());
        });
      });
    const lanes = [lane("s1", "serial"), lane("p1", "parallel"), lane("s2", "serial"), lane("p2", "parallel")];
    const done = runScheduled(lanes, run);
    await new Promise((r) => setTimeout(r, 10));
    expect(events.sort()).toEqual(["start p1", "start p2", "start s1"]);
    gates.get("p1")!();
    gates.get("s1")!();
    await new Promise((r) => setTimeout(r, 10));
    expect(events).toContain("start s2");
    gates.get("s2")!();
    gates.get("p2")!();
    expect(await done).toEqual(["S1", "P1", "S2", "P2"]);
  });

  it("does not start a serial lane before the previous one ended", async () => {
    const order: string[] = [];
    await runScheduled([lane("a", "serial"), lane("b", "serial"), lane("c", "serial")], async (l) => {
      order.push(`+${l.id}`);
      await new Promise((r) => setTimeout(r, 5));
      order.push(`-${l.id}`);
    });
    expect(order).toEqual(["+a", "-a", "+b", "-b", "+c", "-c"]);
  });
});
