import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { durations, formatDurations, MAX_TEST_SECONDS, mergeDurations, parseDurations, writeDurations } from "../src/core/artifacts/durations.js";
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
    ["a list", "[1, 2]", /^\.test_durations: the file holds a list, not a JSON object of node id -> seconds.*old format/],
    ["a number", "3", /^\.test_durations: the file holds a number \(3\), not a JSON object of node id -> seconds.*re-record it or delete it$/],
    ["null", "null", /^\.test_durations: the file holds null, not a JSON object of node id -> seconds/],
    ["a string", '"tests/a.py::t"', /^\.test_durations: the file holds a string, not a JSON object/],
    ["a negative time", '{"a.py::t": -1}', /\.test_durations: duration of "a\.py::t" must be a non-negative finite number of seconds, got -1/],
  ])("a .test_durations that is %s is rejected with the file named", (_what, text, message) => {
    expect(() => parseDurations(text, ".test_durations")).toThrow(message);
  });

  it("a file saved with a UTF-8 byte order mark is read like any other", () => {
    expect(parseDurations('\uFEFF{"tests/a.py::t": 1.5}', ".test_durations")).toEqual({ "tests/a.py::t": 1.5 });
  });

  it("a finite but huge duration, which would overflow the sums shards are made of, is refused with the limit named", () => {
    const text = JSON.stringify({ "tests/a.py::t": 1, "tests/b.py::t": 1e308 });
    expect(() => parseDurations(text, ".test_durations")).toThrow(
      '.test_durations: duration of "tests/b.py::t" is 1e+308 s, more than the limit of 86400 s (a day) per test; fix or delete the entry (or re-record the file)',
    );
    expect(parseDurations(JSON.stringify({ "tests/a.py::t": MAX_TEST_SECONDS }), ".test_durations")).toEqual({ "tests/a.py::t": MAX_TEST_SECONDS });
  });

  it("a node id that is also the name of an object's prototype stays an ordinary entry", () => {
    const d = parseDurations('{"__proto__": 2, "tests/a.py::t": 1}', ".test_durations");
    expect(Object.keys(d)).toEqual(["__proto__", "tests/a.py::t"]);
    expect(() => parseDurations('{"__proto__": -1}', ".test_durations")).toThrow('duration of "__proto__" must be a non-negative finite number of seconds, got -1');
    expect(JSON.parse(formatDurations(mergeDurations(d, { "tests/b.py::t": 3 })))).toEqual(JSON.parse('{"__proto__": 2, "tests/a.py::t": 1, "tests/b.py::t": 3}'));
  });

  it("the streamed file is the same text as the whole one, previous entries merged and sorted", () => {
    const previous = { "tests/z.py::t": 9, "tests/b.py::t": 2 };
    const measured = [
      { nodeid: "tests/b.py::t", time: 1 },
      { nodeid: "tests/a.py::t[é]", time: 0.25 },
      { nodeid: "tests/b.py::t", time: 3 }, // the same test in a later lane: its figure wins
    ];
    const chunks: string[] = [];
    writeDurations(previous, measured, (c) => chunks.push(c));
    expect(chunks.join("")).toBe(formatDurations(mergeDurations(previous, durations(measured))));
    expect(chunks.join("")).toBe('{\n    "tests/a.py::t[é]": 0.25,\n    "tests/b.py::t": 3,\n    "tests/z.py::t": 9\n}\n');
    const empty: string[] = [];
    writeDurations({}, [], (c) => empty.push(c));
    expect(empty.join("")).toBe(formatDurations({}));
    const nul: string[] = [];
    writeDurations({ "b\u0000": 1, b: 2 }, [{ nodeid: "a", time: 3 }, { nodeid: "b", time: 4 }], (c) => nul.push(c));
    expect(nul.join("")).toBe('{\n    "a": 3,\n    "b": 4,\n    "b\\u0000": 1\n}\n');
  });
});
