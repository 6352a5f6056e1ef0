/**
 * Integration tests grouped by the service containers they need, so each group's shards bind only
 * their own services (fresh instances per shard) and tests that need none move to a parallel lane.
 */
import picomatch from "picomatch";

/** A collected test, as `--backend-ci-collect=FILE` writes it. */
export type CollectedTest = { nodeid: string; markers: string[] };

/** A service the tool knows how to start, and the pytest marker that asks for it. */
export type KnownService = { name: string; marker: string };

/** A service a lane declares; `paths` are globs on the file part of a node id (before the first "::"). */
export type LaneService = KnownService & { paths?: string[] };

/** Tests that need exactly `services` (sorted); `key` joins them with "+", e.g. "elasticsearch+postgres". */
export type ServiceGroup = { key: string; services: string[]; tests: CollectedTest[] };

/** Groups sorted by key, each group's tests in collection order; `noService` needs no container. */
export type ServiceGrouping = { groups: ServiceGroup[]; noService: CollectedTest[] };

/**
 * Groups `tests` by the set of the lane's `services` each one needs: by marker, or by a path glob.
 * Throws when a test carries the marker of a `known` service the lane does not declare, naming the
 * test, the marker and the fix, since running it without its service would fail or skip it silently.
 */
export function groupByServices(
  tests: readonly CollectedTest[],
  services: readonly LaneService[],
  known: readonly KnownService[],
  lane?: string,
): ServiceGrouping {
  rejectUndeclared(tests, services, known, lane);
  const matchers = services.map((service) => ({ name: service.name, marker: service.marker, inPaths: picomatch(service.paths ?? [], { dot: true }) }));
  const byKey = new Map<string, ServiceGroup>();
  const noService: CollectedTest[] = [];
  for (const test of tests) {
    const file = fileOf(test.nodeid);
    const needed = matchers.filter((m) => test.markers.includes(m.marker) || m.inPaths(file)).map((m) => m.name);
    if (needed.length === 0) {
      noService.push(test);
      continue;
    }
    const names = [...new Set(needed)].sort();
    const key = names.join("+");
    const group = byKey.get(key) ?? { key, services: names, tests: [] };
    group.tests.push(test);
    byKey.set(key, group);
  }
  const groups = [...byKey.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { groups, noService };
}

/** The file part of a pytest node id: "tests/a/test_b.py::TestC::test_d[x]" -> "tests/a/test_b.py". */
export function fileOf(nodeid: string): string {
  const end = nodeid.indexOf("::");
  return end === -1 ? nodeid : nodeid.slice(0, end);
}

function rejectUndeclared(tests: readonly CollectedTest[], services: readonly LaneService[], known: readonly KnownService[], lane?: string): void {
  const where = lane === undefined ? "the lane" : `lane "${lane}"`;
  const declared = new Set(services.map((service) => service.marker));
  const undeclared = known.filter((service) => !declared.has(service.marker));
  for (const service of undeclared) {
    const marked = tests.filter((test) => test.markers.includes(service.marker));
    if (marked.length === 0) continue;
    const others = marked.length > 1 ? ` (and ${marked.length - 1} more test${marked.length > 2 ? "s" : ""} with that marker)` : "";
    throw new Error(
      `test ${marked[0].nodeid} is marked ${service.marker}, but ${where} does not declare service "${service.name}"${others}; ` +
        `add "${service.name}" to the services of ${where} in [tool.backend-ci] (pyproject.toml), or remove the marker`,
    );
  }
}
