import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { laneWeights, selectPart } from "../src/core/plan/parts.js";
import type { LanePlan } from "../src/core/plan/plan.js";

const lane = (id: string, selectors: string[], expectedSeconds?: number) =>
  ({ id, pytest: ["python", "-m", "pytest", "-q", ...selectors], expectedSeconds }) as unknown as LanePlan;

/** The weight as first written: every lane against every duration. Quadratic, but plainly right. */
function referenceWeight(l: LanePlan, durations: Record<string, number>): number {
  {
    if (l.expectedSeconds !== undefined) return l.expectedSeconds;
    const sel = l.pytest.slice(3).filter((a) => !a.startsWith("-"));
    let sum = 0;
    for (const [id, s] of Object.entries(durations)) if (sel.some((p) => id === p || id.startsWith(`${p.replace(/\/$/, "")}/`) || id.startsWith(`${p}::`))) sum += s;
    return sum || 1;
  }
}

function reference(lanes: LanePlan[], part: number, parts: number, durations: Record<string, number>): string[] {
  const weighted = lanes.map((l, i) => ({ i, w: referenceWeight(l, durations) })).sort((a, b) => b.w - a.w || a.i - b.i);
  const load = new Array<number>(parts).fill(0);
  const owner = new Map<number, number>();
  for (const x of weighted) {
    const p = load.indexOf(Math.min(...load));
    load[p] += x.w;
    owner.set(x.i, p);
  }
  return lanes.filter((_, i) => owner.get(i) === part - 1).map((l) => l.id);
}

const ids = (lanes: LanePlan[]) => lanes.map((l) => l.id);

describe("selectPart weighs lanes by their recorded durations in one pass", () => {
  // Paths from a small alphabet, so selectors and node ids overlap in every way they can.
  const segment = fc.constantFrom("tests", "unit", "a", "a.py", "t.py", "T", "", ":", "x::y");
  const path = fc.array(segment, { minLength: 1, maxLength: 4 }).map((s) => s.join("/"));
  const nodeid = fc.tuple(path, fc.array(fc.constantFrom("T", "test_a", "test_b[1]", ""), { maxLength: 3 })).map(([p, inner]) => [p, ...inner].join("::"));
  const selector = fc.oneof(path, nodeid, path.map((p) => `${p}/`), fc.constant("-m"));

  it("weighs and deals every lane exactly as the every-lane-against-every-duration rule does", () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(selector, { maxLength: 4 }), { minLength: 1, maxLength: 6 }),
        fc.dictionary(nodeid, fc.integer({ min: 0, max: 50 }), { maxKeys: 30 }),
        fc.integer({ min: 1, max: 4 }),
        (selectors, durations, parts) => {
          const lanes = selectors.map((s, i) => lane(`l${i}`, s));
          expect(laneWeights(lanes, durations)).toEqual(lanes.map((l) => referenceWeight(l, durations)));
          for (let part = 1; part <= parts; part++) expect(ids(selectPart(lanes, part, parts, durations))).toEqual(reference(lanes, part, parts, durations));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("deals 20 lanes over 100 000 durations as the quadratic rule does", () => {
    const durations: Record<string, number> = {};
    for (let i = 0; i < 100_000; i++) durations[`tests/l${i % 20}/test_${i % 300}.py::test_${i}`] = (i % 7) + 0.5;
    const lanes = Array.from({ length: 20 }, (_, i) => lane(`l${i}`, i % 5 === 0 ? [`tests/l${i}`, `tests/l${i}/test_1.py`] : [`tests/l${i}/`]));
    expect(laneWeights(lanes, durations)).toEqual(lanes.map((l) => referenceWeight(l, durations)));
    for (const part of [1, 2, 3]) expect(ids(selectPart(lanes, part, 3, durations))).toEqual(reference(lanes, part, 3, durations));
  });
});
