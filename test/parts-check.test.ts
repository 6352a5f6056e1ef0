/** combine-parts refuses to gate on fewer parts than the matrix ran. */
import { describe, expect, it } from "vitest";

import { missingParts } from "../src/core/plan/parts.js";

const stamp = (part: number, parts = 3, path = `reports-part-${part}/plan.json`) => ({ path, part, parts });

describe("missingParts", () => {
  it("is silent when every part of the matrix is there once", () => {
    expect(missingParts([stamp(2), stamp(1), stamp(3)])).toEqual([]);
  });

  it("names each part that left no reports", () => {
    expect(missingParts([stamp(1), stamp(3)])).toEqual([
      "part 2 of 3 left no reports in the artifacts: its job failed before exporting them, so its lanes are missing from this result",
    ]);
  });

  it("names a part downloaded twice", () => {
    expect(missingParts([stamp(1, 2), stamp(2, 2), stamp(2, 2, "old/plan.json")])[0]).toMatch(/part 2 of 2 appears 2 times .*old\/plan\.json/);
  });

  it("refuses plan files of different runs, or of a run without parts", () => {
    expect(missingParts([stamp(1, 2), stamp(2, 3)])[0]).toMatch(/different runs/);
    expect(missingParts([{ path: "full/plan.json" }])).toEqual([
      "full/plan.json was written by a run without --part/--parts; combine-parts combines the parts of one matrix run",
    ]);
  });
});
