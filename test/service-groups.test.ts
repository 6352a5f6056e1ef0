import { describe, expect, it } from "vitest";
import { fileOf, groupByServices, type CollectedTest, type LaneService } from "../src/core/plan/service-groups.js";

const known = [
  { name: "postgres", marker: "requires_postgres" },
  { name: "elasticsearch", marker: "requires_elasticsearch" },
  { name: "opensearch", marker: "requires_opensearch" },
];
const postgres: LaneService = { name: "postgres", marker: "requires_postgres" };
const elasticsearch: LaneService = { name: "elasticsearch", marker: "requires_elasticsearch" };
const test = (nodeid: string, ...markers: string[]): CollectedTest => ({ nodeid, markers });
/** The grouping as { key: node ids }, plus "-" for the tests that need no service. */
const summary = (tests: CollectedTest[], services: LaneService[]) => {
  const { groups, noService } = groupByServices(tests, services, known);
  return { ...Object.fromEntries(groups.map((group) => [group.key, group.tests.map((t) => t.nodeid)])), "-": noService.map((t) => t.nodeid) };
};

describe("groupByServices", () => {
  it.each([
    {
      name: "tests are grouped by the set of service markers they carry, and unmarked tests need no service",
      tests: [test("t/a.py::pg", "requires_postgres"), test("t/a.py::plain"), test("t/b.py::both", "requires_elasticsearch", "requires_postgres"), test("t/b.py::es", "requires_elasticsearch")],
      services: [postgres, elasticsearch],
      expected: { elasticsearch: ["t/b.py::es"], "elasticsearch+postgres": ["t/b.py::both"], postgres: ["t/a.py::pg"], "-": ["t/a.py::plain"] },
    },
    {
      name: "a path glob on the test's file adds the service without a marker",
      tests: [test("tests/integration/db/test_orders.py::test_create"), test("tests/unit/test_money.py::test_round")],
      services: [{ ...postgres, paths: ["tests/integration/db/**"] }],
      expected: { postgres: ["tests/integration/db/test_orders.py::test_create"], "-": ["tests/unit/test_money.py::test_round"] },
    },
    {
      name: "a glob only sees the file part of the node id, not a parameter that looks like a path",
      tests: [test("tests/unit/test_paths.py::test_load[tests/integration/db/x.py::y]")],
      services: [{ ...postgres, paths: ["tests/integration/db/**"] }],
      expected: { "-": ["tests/unit/test_paths.py::test_load[tests/integration/db/x.py::y]"] },
    },
    {
      name: "a test matched by both marker and glob needs its service once",
      tests: [test("tests/integration/db/test_a.py::t", "requires_postgres")],
      services: [{ ...postgres, paths: ["tests/integration/db/*.py"] }],
      expected: { postgres: ["tests/integration/db/test_a.py::t"], "-": [] },
    },
    {
      name: "a service the lane declares but the tool does not know groups like any other",
      tests: [test("t/a.py::cache", "requires_redis")],
      services: [{ name: "redis", marker: "requires_redis" }],
      expected: { redis: ["t/a.py::cache"], "-": [] },
    },
    {
      name: "a marker for a service the tool does not know is not a service marker",
      tests: [test("t/a.py::t", "requires_kafka", "slow")],
      services: [postgres],
      expected: { "-": ["t/a.py::t"] },
    },
    {
      name: "each group keeps collection order",
      tests: [test("t/c.py::z", "requires_postgres"), test("t/a.py::a", "requires_postgres"), test("t/b.py::m", "requires_postgres")],
      services: [postgres],
      expected: { postgres: ["t/c.py::z", "t/a.py::a", "t/b.py::m"], "-": [] },
    },
    { name: "no tests make no groups", tests: [], services: [postgres], expected: { "-": [] } },
  ])("$name", ({ tests, services, expected }) => {
    expect(summary(tests, services)).toEqual(expected);
  });

  it("lists groups sorted by key with their sorted services", () => {
    const { groups } = groupByServices([test("t::b", "requires_postgres", "requires_elasticsearch"), test("t::a", "requires_postgres")], [postgres, elasticsearch], known);
    expect(groups.map(({ key, services }) => ({ key, services }))).toEqual([
      { key: "elasticsearch+postgres", services: ["elasticsearch", "postgres"] },
      { key: "postgres", services: ["postgres"] },
    ]);
  });

  it.each([
    {
      name: "a test marked for a known service the lane does not declare is an error naming the test, the marker and the fix",
      tests: [test("tests/integration/test_search.py::test_query[red shoes]", "requires_elasticsearch")],
      lane: "integration",
      error:
        'test tests/integration/test_search.py::test_query[red shoes] is marked requires_elasticsearch, but lane "integration" does not declare service "elasticsearch"; ' +
        'add "elasticsearch" to the services of lane "integration" in [tool.backend-ci] (pyproject.toml), or remove the marker',
    },
    {
      name: "the error counts the other tests with the same marker",
      tests: [test("t/a.py::one", "requires_opensearch"), test("t/a.py::two", "requires_opensearch"), test("t/a.py::three", "requires_opensearch")],
      lane: undefined,
      error: 'test t/a.py::one is marked requires_opensearch, but the lane does not declare service "opensearch" (and 2 more tests with that marker); add "opensearch" to the services of the lane in [tool.backend-ci]',
    },
  ])("$name", ({ tests, lane, error }) => {
    expect(() => groupByServices(tests, [postgres], known, lane)).toThrow(error);
  });
});

describe("fileOf", () => {
  it.each([
    { nodeid: "tests/a/test_b.py::TestC::test_d[x::y]", file: "tests/a/test_b.py" },
    { nodeid: "tests/a/test_b.py", file: "tests/a/test_b.py" },
    { nodeid: "tests/a b/test c.py::t", file: "tests/a b/test c.py" },
  ])("the file of $nodeid is $file", ({ nodeid, file }) => {
    expect(fileOf(nodeid)).toBe(file);
  });
});
