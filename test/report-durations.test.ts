import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { durations, formatDurations, mergeDurations, parseDurations } from "../src/core/artifacts/durations.js";
import { parseJUnit } from "../src/core/report/junit.js";

describe("durations", () => {
  it("maps every node id of a real run to its seconds, sorted by node id", () => {
    const j = parseJUnit(readFileSync(join(import.meta.dirname, "fixtures/junit/xdist.xml"), "utf8"), "unit");
    const d = durations(j.cases);
    expect(Object.keys(d)).toEqual([...Object.keys(d)].sort());
    expect(Object.keys(d)).toHaveLength(13);
    expect(d["tests/integration/test_db.py::TestRepository::test_slow_query"]).toBeGreaterThanOrEqual(0.2);
  });

  it("new values replace old ones and tests not rerun keep their old figure", () => {
    expect(mergeDurations({ "b.py::t": 2, "a.py::t": 1 }, { "b.py::t": 3, "c.py::t": 4 })).toEqual({ "a.py::t": 1, "b.py::t": 3, "c.py::t": 4 });
    expect(Object.keys(mergeDurations({ "z.py::t": 1 }, { "a.py::t": 1 }))).toEqual(["a.py::t", "z.py::t"]);
  });

  it("writes pytest-split's format and reads it back", () => {
    const text = formatDurations({ "a.py::t[1]": 0.5, "b.py::t": 1.25 });
    expect(JSON.parse(text)).toEqual({ "a.py::t[1]": 0.5, "b.py::t": 1.25 });
    expect(text.endsWith("}\n")).toBe(true);
    expect(parseDurations(text, ".test_durations")).toEqual({ "a.py::t[1]": 0.5, "b.py::t": 1.25 });
  });

  it.each([
    ["not JSON", "{", /\.test_durations: not valid JSON .*node id -> seconds/],
    ["a list", "[1, 2]", /\.test_durations: expected a JSON object of node id -> seconds.*old format/],
    ["a negative time", '{"a.py::t": -1}', /\.test_durations: duration of "a\.py::t" must be a non-negative finite number of seconds, got -1/],
  ])("a .test_durations that is %s is rejected with the file named", (_what, text, message) => {
    expect(() => parseDurations(text, ".test_durations")).toThrow(message);
  });
});
