/**
 * `npm run bench -- lanes`: the example suite run once serially (one pytest, coverage on), then as
 * the planned lanes (parallel lanes with xdist beside the serial integration lane), on this machine
 * with a real PostgreSQL and real Elasticsearch/OpenSearch nodes (both runs have their URLs), side by
 * side in one run. Ends with one line:
 * `lanes serial_s=<a> lanes_s=<b> speedup=<a/b> bound=<Amdahl bound for this machine> skipped=<n>`,
 * where n counts the tests the lanes' JUnit files report skipped (0 when every service was there).
 *
 * The bound: the serial run's test time (from its JUnit) is the part that can spread over the
 * cores; the rest (interpreter start, collection, coverage start-up and save) cannot. With p that
 * share and N cores, Amdahl's law caps the speedup at 1 / ((1 - p) + p / N).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";

import { parseJUnit } from "../src/core/report/junit.js";
import { planCombine, planLanes } from "../src/core/plan/plan.js";
import { startPostgres } from "../test/harness/postgres.js";
import { exampleConfig, hostLayout, runPlannedCombine, runPlannedLanes, runWholeSuite } from "../test/harness/run.js";
import { SEARCH_SERVICES, startSearchNodes, stopSearchNodes, waitForSearchNode } from "../test/harness/search.js";

export default async function lanesBench(): Promise<void> {
  const nodes = await startSearchNodes();
  const pg = await startPostgres();
  const root = mkdtempSync(join(tmpdir(), "backend-ci-bench-lanes-"));
  try {
    await Promise.all(SEARCH_SERVICES.map((s) => waitForSearchNode(nodes[s])));
    const config = exampleConfig();
    const layout = hostLayout(join(root, "lanes"), pg, undefined, { search: nodes });
    const serialDir = join(root, "serial");
    const serial = await runWholeSuite(pg, config, serialDir, [`--junitxml=${serialDir}/junit.xml`, "-o", "junit_family=xunit1"], nodes);
    if (serial.exitCode !== 0) throw new Error(`serial run failed:\n${serial.output.slice(-3000)}`);
    const serialCases = parseJUnit(readFileSync(`${serialDir}/junit.xml`, "utf8"), "serial").cases;
    const testSeconds = serialCases.reduce((s, c) => s + c.time, 0);

    const started = Date.now();
    const lanes = planLanes({ config, layout });
    const runs = await runPlannedLanes(lanes, layout);
    await runPlannedCombine(planCombine(config, lanes, layout), layout);
    const lanesSeconds = (Date.now() - started) / 1000;
    for (const r of runs) console.error(`lane ${r.plan.id}: ${r.seconds.toFixed(2)} s, exit ${r.exitCode}`);
    const skipped = runs.flatMap((r) => parseJUnit(r.junit, r.plan.id).cases).filter((c) => c.outcome === "skipped").length;

    const cores = cpus().length;
    const p = Math.min(1, testSeconds / serial.seconds);
    const bound = 1 / (1 - p + p / cores);
    const serialSkipped = serialCases.filter((c) => c.outcome === "skipped").length;
    console.error(`serial: ${serial.seconds.toFixed(2)} s wall, ${testSeconds.toFixed(2)} s in tests (p=${p.toFixed(3)}), ${cores} cores, ${serialSkipped} skipped`);
    console.log(
      `lanes serial_s=${serial.seconds.toFixed(2)} lanes_s=${lanesSeconds.toFixed(2)} speedup=${(serial.seconds / lanesSeconds).toFixed(3)} bound=${bound.toFixed(3)} skipped=${skipped}`,
    );
  } finally {
    pg.stop();
    await stopSearchNodes(nodes);
    rmSync(root, { recursive: true, force: true });
  }
}
