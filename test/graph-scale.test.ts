/**
 * Scale-out on the stand-in engine: shard containers and their own service bindings, one part of a
 * CI matrix, and combine-parts over the parts' exported reports.
 */
import { dag } from "@dagger.io/dagger";
import { describe, expect, it } from "vitest";

import { BackendCi } from "../src/index.js";
import { bindingsOf, useEngine } from "./engine/index.js";
import { backendSource, idsRun, isCombine, laneOf, scriptRun } from "./graph-support.js";

const engine = useEngine();

const isCollect = (e: { argv: string[] }) => e.argv.includes("--collect-only");

const COLLECTED = [
  { nodeid: "tests/integration/test_orders.py::test_create", markers: ["requires_postgres"] },
  { nodeid: "tests/integration/test_orders.py::test_cancel", markers: ["requires_postgres"] },
  { nodeid: "tests/integration/test_search.py::test_query", markers: ["requires_elasticsearch"] },
  { nodeid: "tests/integration/test_search.py::test_index", markers: ["requires_elasticsearch", "requires_postgres"] },
  { nodeid: "tests/integration/test_pure.py::test_format", markers: [] },
];

function scriptCollect(): void {
  engine().onExec(isCollect, (e) => {
    const out = e.argv.find((a) => a.startsWith("--backend-ci-collect="))!.split("=")[1];
    return { exitCode: 0, files: { [out]: JSON.stringify(COLLECTED) } };
  });
}

const SHARDED = (by: string) => `
[tool.backend-ci.lanes.integration]
paths = ["tests/integration"]
mode = "serial"
services = ["postgres", "elasticsearch"]
shard_by = "${by}"
shards = ${by === "durations" ? 2 : 1}
`;

const laneExecs = () => engine().execs.filter((e) => laneOf(e) !== undefined);
const containerOf = (id: string) => engine().containers().find((c) => c.execs.some((a) => laneOf({ argv: a }) === id))!;

describe("shards", () => {
  it("collects the lane's tests in its container and runs each duration shard in its own container with its own services", async () => {
    scriptRun(engine());
    scriptCollect();
    const recorded = Object.fromEntries(COLLECTED.map((t) => [t.nodeid, t.nodeid.endsWith("test_query") ? 30 : 2]));
    const durations = dag.file(".test_durations", JSON.stringify(recorded));
    await new BackendCi().prBackend(backendSource(SHARDED("durations")), "3.12", undefined, undefined, undefined, durations);
    const collect = engine().execs.find(isCollect)!;
    expect(collect.argv.slice(0, 4)).toEqual(["python", "-m", "pytest", "tests/integration"]);
    const ids = laneExecs().map(laneOf).sort();
    expect(ids).toEqual(["integration-1of2", "integration-2of2"]);
    const [a, b] = ids.map((id) => containerOf(id!));
    expect(bindingsOf(a.chain).postgres.id).not.toBe(bindingsOf(b.chain).postgres.id);
    expect(bindingsOf(a.chain).elasticsearch.id).not.toBe(bindingsOf(b.chain).elasticsearch.id);
    const byShard = await Promise.all(laneExecs().map((e) => idsRun(engine(), e)));
    expect(byShard.flat().sort()).toEqual(COLLECTED.map((t) => t.nodeid).sort());
    // The 30 s test alone balances the rest: LPT puts it in a shard of its own.
    expect(byShard.some((ids) => ids.join() === "tests/integration/test_search.py::test_query")).toBe(true);
    // No node id on a command line: a shard's list is a file the plugin reads.
    for (const e of laneExecs()) expect(e.argv.some((a) => a.includes("::")), laneOf(e)).toBe(false);
  });

  it("binds each service shard only to the services its tests need, and moves service-free tests to a parallel lane", async () => {
    scriptRun(engine());
    scriptCollect();
    await new BackendCi().prBackend(backendSource(SHARDED("services")));
    const bound = Object.fromEntries(laneExecs().map((e) => [laneOf(e)!, Object.keys(bindingsOf(containerOf(laneOf(e)!).chain)).sort()]));
    expect(bound).toEqual({
      "integration-no-services": [],
      "integration-elasticsearch": ["elasticsearch"],
      "integration-elasticsearch+postgres": ["elasticsearch", "postgres"],
      "integration-postgres": ["postgres"],
    });
    const noServices = laneExecs().find((e) => laneOf(e) === "integration-no-services")!;
    expect(noServices.argv).toEqual(expect.arrayContaining(["-n", "auto"]));
  });

  it("names the lane and shows pytest's output when collection fails", async () => {
    scriptRun(engine());
    engine().onExec(isCollect, { exitCode: 2, stdout: "ERROR collecting tests/integration/test_orders.py\nImportError: No module named 'app'" });
    await expect(new BackendCi().prBackend(backendSource(SHARDED("durations")))).rejects.toThrow(
      /lane "integration": pytest could not collect its tests \(exit 2\)[\s\S]*ImportError: No module named 'app'/,
    );
  });

  it("runs a sharded lane that selects no tests whole, so it is reported as selecting none", async () => {
    scriptRun(engine());
    engine().onExec(isCollect, { exitCode: 5, stdout: "no tests ran in 0.01s" });
    await new BackendCi().prBackend(backendSource(SHARDED("durations")));
    expect(laneExecs().map(laneOf)).toEqual(["integration"]);
    expect(laneExecs()[0].argv).toContain("tests/integration");
  });

  it("starts the shards of a serial lane together: each has its own services", async () => {
    scriptRun(engine());
    scriptCollect();
    const gate = engine().holdExec((e) => laneOf(e)?.startsWith("integration-") ?? false);
    const run = new BackendCi().prBackend(backendSource(SHARDED("durations")));
    expect((await gate.reached(2)).map(laneOf).sort()).toEqual(["integration-1of2", "integration-2of2"]);
    gate.release();
    await run;
  });
});

describe("a lane that dies before writing anything", () => {
  it("still yields an (empty) report directory and a red result naming the lane", async () => {
    scriptRun(engine());
    engine().onExec((e) => laneOf(e) === "fast", { exitCode: 127, stderr: "python: not found" });
    const result = await new BackendCi().prBackend(backendSource());
    expect(result.ok).toBe(false);
    expect(result.reasons.join("\n")).toMatch(/fast/);
    expect(await result.reports.directory("fast").entries()).toEqual([]);
    expect(await result.reports.directory("integration").entries()).toEqual(expect.arrayContaining(["junit.xml", "lane.json"]));
  });
});

describe("one pull request over several CI jobs", () => {
  it("runs only part 1 of 2 of the lanes and leaves the gate to combine-parts", async () => {
    scriptRun(engine());
    const result = await new BackendCi().prBackend(backendSource(), "3.12", undefined, undefined, undefined, undefined, undefined, undefined, undefined, 1, 2);
    expect(laneExecs()).toHaveLength(1);
    expect(engine().execs.filter(isCombine)).toHaveLength(0);
    expect(result.ok).toBe(true);
    const plan = JSON.parse(await result.reports.file("plan.json").contents()) as { part: number; parts: number; lanes: { id: string }[] };
    expect(plan).toMatchObject({ part: 1, parts: 2 });
    expect(plan.lanes).toHaveLength(1);
  });

  it("combines every part's exported reports into one gate, naming a lane whose part produced nothing", async () => {
    scriptRun(engine(), { total: 84 });
    const p1 = await new BackendCi().prBackend(backendSource(), "3.12", undefined, undefined, undefined, undefined, undefined, undefined, undefined, 1, 2);
    const p2 = await new BackendCi().prBackend(backendSource(), "3.12", undefined, undefined, undefined, undefined, undefined, undefined, undefined, 2, 2);
    const lost = JSON.parse(await p2.reports.file("plan.json").contents()) as { lanes: { id: string }[] };
    // Part 2's job uploaded only its plan: its lane's files were lost.
    const artifacts = dag.directory().withDirectory("reports-part-1", p1.reports).withNewFile("reports-part-2/plan.json", JSON.stringify(lost));
    const combined = await new BackendCi().combineParts(backendSource(), artifacts);
    const combine = engine().execs.find(isCombine)!;
    const data = combine.argv.flatMap((a, i) => (combine.argv[i - 1] === "--data" ? [a] : []));
    expect(data.map((d) => d.split("=")[0]).sort()).toEqual(["fast", "integration"]);
    expect(combined.ok).toBe(false);
    expect(combined.reasons.join("\n")).toContain(lost.lanes[0].id);
    expect(await combined.reports.file("junit.xml").contents()).toContain("testsuite");
  });

  it("names a part whose job died before exporting anything", async () => {
    scriptRun(engine(), { total: 84 });
    const p1 = await new BackendCi().prBackend(backendSource(), "3.12", undefined, undefined, undefined, undefined, undefined, undefined, undefined, 1, 2);
    const combined = await new BackendCi().combineParts(backendSource(), dag.directory().withDirectory("reports-part-1", p1.reports));
    expect(combined.ok).toBe(false);
    expect(combined.reasons.join("\n")).toMatch(/part 2 of 2 left no reports/);
  });

  it("leaves coverage floors to combine-parts: a green part is green even with floors configured", async () => {
    scriptRun(engine());
    const floors = '[tool.backend-ci.coverage]\nfloors = { "app/**" = 90 }\n';
    const p1 = await new BackendCi().prBackend(backendSource(floors), "3.12", undefined, undefined, undefined, undefined, undefined, undefined, undefined, 1, 2);
    expect(p1.reasons).toEqual([]);
  });
});

