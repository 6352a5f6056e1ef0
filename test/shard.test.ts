import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { generatedDurations } from "../bench/shards.js";
import {
  contiguousChunks,
  fillUnknown,
  lowerBound,
  lpt,
  makespan,
  parseCollectOutput,
  parseDurations,
  shardTests,
  type ShardSplit,
  type TestDuration,
} from "../src/core/plan/shard.js";

const fixture = (name: string) => `test/fixtures/durations/${name}`;
const read = (name: string) => readFileSync(fixture(name), "utf8");

/** Known tests in collection order from a { id: seconds } table. */
const items = (table: Record<string, number>): TestDuration[] => Object.entries(table).map(([id, seconds]) => ({ id, seconds, known: true }));
const ids = (split: ShardSplit) => split.shards.map((shard) => shard.tests.map((test) => test.id));
const loads = (split: ShardSplit) => split.shards.map((shard) => shard.seconds);

const graham = { a: 5, b: 5, c: 4, d: 4, e: 3, f: 3, g: 3 };
type Table = Record<string, number>;

describe("lpt", () => {
  it.each<{ name: string; table: Table; k: number; shards: string[][]; seconds: number[] }>([
    {
      name: "the classic 7 jobs on 3 machines end at 11 s where 9 s is optimal (LPT's 4/3 worst case)",
      table: graham,
      k: 3,
      shards: [["a", "e", "g"], ["b", "f"], ["c", "d"]],
      seconds: [11, 8, 8],
    },
    { name: "equal tests alternate between shards", table: { a: 1, b: 1, c: 1, d: 1 }, k: 2, shards: [["a", "c"], ["b", "d"]], seconds: [2, 2] },
    { name: "one long test gets a shard to itself", table: { a: 1, long: 10, b: 1, c: 1 }, k: 2, shards: [["long"], ["a", "b", "c"]], seconds: [10, 3] },
    { name: "ties between equal tests go by node id, not by collection order", table: { b: 1, a: 1 }, k: 2, shards: [["a"], ["b"]], seconds: [1, 1] },
    { name: "one shard runs every test in collection order", table: { c: 1, a: 3, b: 2 }, k: 1, shards: [["c", "a", "b"]], seconds: [6] },
    { name: "a shard's tests keep collection order, whatever order LPT placed them in", table: { x: 1, y: 4, z: 2, w: 3 }, k: 2, shards: [["x", "y"], ["z", "w"]], seconds: [5, 5] },
    { name: "zero-second tests still spread over every shard", table: { a: 0, b: 0, c: 0, d: 0 }, k: 3, shards: [["a", "d"], ["b"], ["c"]], seconds: [0, 0, 0] },
  ])("$name", ({ table, k, shards, seconds }) => {
    const split = lpt(items(table), k);
    expect(ids(split)).toEqual(shards);
    expect(loads(split)).toEqual(seconds);
    expect(split.notes).toEqual([]);
  });

  it("gives the same shards for the same tests, however often it runs", () => {
    const suite = items(generatedDurations());
    expect(lpt(suite, 5)).toEqual(lpt(suite, 5));
  });

  it("puts each test in the same shard when the collection order changes", () => {
    const suite = items(generatedDurations());
    const membership = (split: ShardSplit) => ids(split).map((shard) => [...shard].sort());
    expect(membership(lpt([...suite].reverse(), 4))).toEqual(membership(lpt(suite, 4)));
  });

  it("stays within 2% of the lower bound on a realistic suite for 2 to 8 shards", () => {
    const suite = items(generatedDurations());
    for (let k = 2; k <= 8; k += 1) expect(makespan(lpt(suite, k).shards) / lowerBound(suite, k)).toBeLessThanOrEqual(1.02);
  });
});

describe.each([
  { name: "lpt", split: lpt },
  { name: "contiguousChunks", split: contiguousChunks },
])("$name on a realistic suite", ({ split }) => {
  const suite = items(generatedDurations());
  const position = new Map(suite.map((test, index) => [test.id, index]));

  it.each([1, 2, 3, 5, 8, 13])("puts every test in exactly one of %i non-empty shards, in collection order", (k) => {
    const shards = ids(split(suite, k));
    expect(shards).toHaveLength(k);
    expect(shards.flat().sort()).toEqual(suite.map((test) => test.id).sort());
    for (const shard of shards) {
      expect(shard.length).toBeGreaterThan(0);
      const order = shard.map((id) => position.get(id)!);
      expect(order).toEqual([...order].sort((a, b) => a - b));
    }
  });
});

describe("contiguousChunks", () => {
  it.each<{ name: string; table: Table; k: number; shards: string[][] }>([
    { name: "equal tests split into halves", table: { a: 1, b: 1, c: 1, d: 1 }, k: 2, shards: [["a", "b"], ["c", "d"]] },
    { name: "a run closes once the next test's midpoint passes the run's share", table: { a: 3, b: 1, c: 1, d: 1 }, k: 2, shards: [["a"], ["b", "c", "d"]] },
    { name: "the classic 7 jobs cut into three runs end at 10 s", table: graham, k: 3, shards: [["a", "b"], ["c", "d"], ["e", "f", "g"]] },
    { name: "a slow last test still leaves a test for every run", table: { a: 1, b: 1, c: 10 }, k: 3, shards: [["a"], ["b"], ["c"]] },
    { name: "zero-second tests fill the first run and leave one test for each other run", table: { a: 0, b: 0, c: 0, d: 0 }, k: 3, shards: [["a", "b"], ["c"], ["d"]] },
  ])("$name", ({ table, k, shards }) => {
    expect(ids(contiguousChunks(items(table), k))).toEqual(shards);
  });
});

describe("shard count", () => {
  it.each([
    { name: "more shards than tests runs one shard per test and says so", tests: 3, k: 5, shards: 3, note: "shards = 5 but only 3 tests collected; running 3 shards so none is empty" },
    { name: "no tests means no shards, and says so", tests: 0, k: 2, shards: 0, note: "shards = 2 but no tests were collected; no shards to run" },
  ])("$name", ({ tests, k, shards, note }) => {
    const suite = items(Object.fromEntries(Array.from({ length: tests }, (_, index) => [`t${index}`, 1])));
    for (const split of [lpt(suite, k), contiguousChunks(suite, k)]) {
      expect(split.shards).toHaveLength(shards);
      expect(split.notes).toEqual([note]);
    }
  });

  it.each([0, -1, 1.5, Number.NaN])("rejects shards = %s, naming the setting", (k) => {
    const error = `shards must be an integer >= 1, got ${k}; set \`shards = N\` on the lane in [tool.backend-ci]`;
    expect(() => lpt(items({ a: 1 }), k)).toThrow(error);
    expect(() => contiguousChunks(items({ a: 1 }), k)).toThrow(error);
    expect(() => lowerBound(items({ a: 1 }), k)).toThrow(error);
  });
});

describe("fillUnknown", () => {
  it.each<{ name: string; ids: string[]; durations: Table; expected: TestDuration[] }>([
    {
      name: "a test without a record counts at the mean of the recorded ones",
      ids: ["a", "b", "c"],
      durations: { a: 1, b: 3 },
      expected: [{ id: "a", seconds: 1, known: true }, { id: "b", seconds: 3, known: true }, { id: "c", seconds: 2, known: false }],
    },
    {
      name: "records of tests no longer collected do not move the mean",
      ids: ["a", "b"],
      durations: { a: 1, gone: 100 },
      expected: [{ id: "a", seconds: 1, known: true }, { id: "b", seconds: 1, known: false }],
    },
    {
      name: "with no record at all every test counts one second",
      ids: ["a", "b"],
      durations: {},
      expected: [{ id: "a", seconds: 1, known: false }, { id: "b", seconds: 1, known: false }],
    },
    {
      name: "a recorded zero is a known duration",
      ids: ["a", "b"],
      durations: { a: 0, b: 0.5 },
      expected: [{ id: "a", seconds: 0, known: true }, { id: "b", seconds: 0.5, known: true }],
    },
  ])("$name", ({ ids, durations, expected }) => {
    expect(fillUnknown(ids, durations)).toEqual(expected);
  });

  it("shards unknown tests at the mean, in collection order inside each shard", () => {
    const split = shardTests(["a", "b", "c"], { a: 4, b: 2 }, 2);
    expect(ids(split)).toEqual([["a"], ["b", "c"]]);
    expect(loads(split)).toEqual([4, 5]);
  });
});

describe("makespan and lowerBound", () => {
  it.each<{ name: string; table: Table; k: number; bound: number }>([
    { name: "the bound is the even share when no test is longer", table: { a: 1, b: 1, c: 1, d: 1 }, k: 2, bound: 2 },
    { name: "the bound is the slowest test when it is longer than the even share", table: { a: 10, b: 1, c: 1 }, k: 2, bound: 10 },
    { name: "no tests have a bound of zero", table: {}, k: 3, bound: 0 },
  ])("$name", ({ table, k, bound }) => {
    expect(lowerBound(items(table), k)).toBe(bound);
  });

  it.each([
    { name: "the makespan is the slowest shard", seconds: [3, 7, 5], makespan: 7 },
    { name: "no shards have a makespan of zero", seconds: [], makespan: 0 },
  ])("$name", ({ seconds, makespan: expected }) => {
    expect(makespan(seconds.map((total) => ({ tests: [], seconds: total })))).toBe(expected);
  });
});

describe("parseCollectOutput", () => {
  it("reads the node ids of real -q output, params with spaces and '::' included, and skips the warnings summary", () => {
    expect(parseCollectOutput(read("collect-only.txt"))).toEqual([
      "tests/contract/test_api.py::test_health",
      "tests/contract/test_api.py::TestOrders::test_create[json body]",
      "tests/contract/test_api.py::TestOrders::test_create[form body]",
      "tests/integration/test_search.py::test_query[q=red shoes::size 42]",
      "tests/integration/test_search.py::test_query[q=]",
      "tests/unit/test_money.py::test_round[1.005-1.01]",
    ]);
  });

  it("reads what pytest 9 printed for parametrized tests and a collection-time warning", () => {
    expect(parseCollectOutput(read("collect-only-pytest-9.txt"))).toEqual([
      "tests/unit/test_x.py::test_query[red shoes::size 42]",
      "tests/unit/test_x.py::test_query[a b]",
      "tests/unit/test_x.py::test_query[]",
      "tests/unit/test_x.py::TestOrders::test_create[json body]",
    ]);
  });

  it.each([
    { name: "Windows line endings and trailing spaces are dropped", stdout: "tests/a.py::t1  \r\ntests/a.py::t2\r\n\r\n2 tests collected in 0.01s\r\n", expected: ["tests/a.py::t1", "tests/a.py::t2"] },
    { name: "an empty collection has no ids", stdout: "\nno tests collected in 0.01s\n", expected: [] },
    { name: "a test collected twice is listed once", stdout: "tests/a.py::t1\ntests/a.py::t1\ntests/a.py::t2\n", expected: ["tests/a.py::t1", "tests/a.py::t2"] },
    {
      name: "node ids named in the errors and short summary sections are not collected tests",
      stdout: [
        "tests/a.py::t1",
        "",
        "==================================== ERRORS ====================================",
        "_____________________ ERROR collecting tests/b.py::TestB ______________________",
        "tests/b.py:3: in <module>",
        "=========================== short test summary info ============================",
        "ERROR tests/b.py::TestB",
        "!!!!!!!!!!!!!!!!!!!! Interrupted: 1 error during collection !!!!!!!!!!!!!!!!!!!!",
        "1 test collected, 1 error in 0.05s",
      ].join("\n"),
      expected: ["tests/a.py::t1"],
    },
  ])("$name", ({ stdout, expected }) => {
    expect(parseCollectOutput(stdout)).toEqual(expected);
  });
});

describe("parseDurations", () => {
  it("reads pytest-split's .test_durations", () => {
    expect(parseDurations(read("graham-7-jobs.json"), "graham-7-jobs.json")).toMatchObject({ "tests/test_jobs.py::test_a": 5, "tests/test_jobs.py::test_g": 3 });
  });

  it.each([
    {
      name: "a negative duration is rejected, naming the file and the test",
      text: read("negative.json"),
      error: 'negative.json: duration of "tests/unit/test_clock.py::test_skew[offset -1]" must be a non-negative finite number of seconds, got -0.5; fix or delete the entry (or re-record the file)',
    },
    { name: "a duration that is not a number is rejected", text: '{"tests/a.py::t": "1.5"}', error: 'negative.json: duration of "tests/a.py::t" must be a non-negative finite number of seconds, got "1.5"' },
    { name: "an infinite duration is rejected", text: '{"tests/a.py::t": 1e999}', error: 'duration of "tests/a.py::t" must be a non-negative finite number of seconds, got Infinity' },
    { name: "a truncated file is not valid JSON", text: read("truncated.json"), error: "negative.json: not valid JSON" },
    { name: "pytest-split's old list of pairs asks for a re-record", text: read("legacy-pairs.json"), error: "re-record with `pytest --store-durations`" },
  ])("$name", ({ text, error }) => {
    expect(() => parseDurations(text, "negative.json")).toThrow(error);
  });
});
