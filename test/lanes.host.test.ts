/**
 * The lanes pr-backend plans, run for real: the example backend, pytest + xdist + pytest-cov from the
 * pinned .venv, the isolation plugin, a PostgreSQL cluster this file starts and stops, and the run's
 * Elasticsearch and OpenSearch nodes.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

import { CombineRecord, LaneRecord } from "../src/core/artifacts/records.js";
import { LaneConfig } from "../src/core/config/config.js";
import { parseJUnit } from "../src/core/report/junit.js";
import { planCombine, planLanes } from "../src/core/plan/plan.js";
import { assembleReports } from "../src/core/report/reports.js";
import { SEARCH_TESTS, SEARCH_TEST_COUNT, nodeIndices, readSearchRecords, searchOutcomes, withSearchRecorder } from "./harness/search-lane.js";
import { useHost } from "./harness/vitest.js";
import {
  EXAMPLE,
  INDEX_NAMESPACE,
  PYTHON,
  REPO,
  runWholeSuite,
  artifactsOf,
  exampleConfig,
  exec,
  hostLayout,
  runPlannedCombine,
  runPlannedLane,
  runPlannedLanes,
} from "./harness/run.js";

const FAULTS = join(REPO, "test/fixtures/faults");

const host = useHost("lanes", { search: true });
/** A layout under this file's directory, bound to its Postgres and the run's search nodes. */
const layoutAt = (dir: string, source = EXAMPLE) => hostLayout(join(host().root, dir), host().pg, source, { search: host().search });

const databases = () => host().pg.sql("SELECT datname FROM pg_database ORDER BY 1").trim().split("\n");

describe("per-worker isolation", () => {
  it("passes the integration lane under -n 2, one migrated database and one search index per worker, and drops the databases after", async () => {
    const recorded = join(host().root, "isolated-search");
    const config = exampleConfig(undefined, (c) => {
      c.lanes.integration.workers = 2;
      c.lanes.integration = withSearchRecorder(c.lanes.integration, recorded);
    });
    const layout = layoutAt("isolated");
    const lane = planLanes({ config, layout }).find((l) => l.id === "integration")!;
    expect(lane.env.ELASTICSEARCH_URL).toBe(host().search!.elasticsearch.url);
    expect(lane.env.OPENSEARCH_URL).toBe(host().search!.opensearch.url);
    const run = await runPlannedLane(lane, layout);
    const record = LaneRecord.parse(JSON.parse(run.record!));
    expect(record.status, run.output.slice(-3000)).toBe("passed");
    expect(record.workers).toBe(2);
    const junit = parseJUnit(run.junit, lane.id);
    expect(junit.cases.filter((c) => c.outcome === "passed").length).toBeGreaterThan(50);
    expect(junit.cases.filter((c) => c.outcome === "failed" || c.outcome === "error")).toEqual([]);
    expect(searchOutcomes(junit.cases)).toEqual({ passed: SEARCH_TEST_COUNT, failed: 0, error: 0, skipped: 0 });
    // Seen from the node while each search test ran: the worker's own index exists there.
    const records = readSearchRecords(recorded);
    expect(records).toHaveLength(SEARCH_TEST_COUNT);
    for (const r of records) {
      expect(r.index).toBe(`${INDEX_NAMESPACE}integration_${r.worker}_products`);
      expect(r.indices).toContain(r.index);
    }
    expect(databases().filter((d) => d.startsWith("app"))).toEqual([]);
  }, 300_000);

  it("gives each of two workers its own index on the node when they run the search tests side by side", async () => {
    const recorded = join(host().root, "search-isolated");
    const config = exampleConfig(undefined, (c) => {
      c.lanes = { search: withSearchRecorder(LaneConfig.parse({ paths: [SEARCH_TESTS], workers: 2, services: ["elasticsearch", "opensearch"] }), recorded) };
    });
    const layout = layoutAt("search-isolated-reports");
    const [lane] = planLanes({ config, layout });
    const run = await runPlannedLane(lane, layout);
    expect(LaneRecord.parse(JSON.parse(run.record!)).status, run.output.slice(-3000)).toBe("passed");
    expect(searchOutcomes(parseJUnit(run.junit, lane.id).cases)).toEqual({ passed: SEARCH_TEST_COUNT, failed: 0, error: 0, skipped: 0 });
    const records = readSearchRecords(recorded);
    // xdist's load scheduling hands each of the two workers tests from its first batch on.
    expect([...new Set(records.map((r) => r.worker))].sort()).toEqual(["gw0", "gw1"]);
    for (const r of records) {
      expect(r.index).toBe(`${INDEX_NAMESPACE}search_${r.worker}_products`);
      expect(r.indices).toContain(r.index);
    }
    // The fixture deletes each index after its test: nothing of this lane is left on either node.
    expect(await nodeIndices(host().search!, `${INDEX_NAMESPACE}search_`)).toEqual({ elasticsearch: [], opensearch: [] });
  });

  it("makes two workers on one shared index prefix write the same index, and the search tests collide", async () => {
    const recorded = join(host().root, "search-shared");
    const config = exampleConfig(undefined, (c) => {
      c.isolation = { ...c.isolation, enabled: false };
      c.lanes = { shared: withSearchRecorder(LaneConfig.parse({ paths: [SEARCH_TESTS], workers: 2, services: ["elasticsearch", "opensearch"] }), recorded) };
    });
    const layout = layoutAt("search-shared-reports");
    const [lane] = planLanes({ config, layout });
    expect(lane.env.BACKEND_CI_ISOLATION).toBe("0");
    const run = await runPlannedLane(lane, layout);
    const records = readSearchRecords(recorded);
    expect(new Set(records.map((r) => r.worker))).toEqual(new Set(["gw0", "gw1"]));
    expect(new Set(records.map((r) => r.index))).toEqual(new Set([`${INDEX_NAMESPACE}shared_products`]));
    expect(LaneRecord.parse(JSON.parse(run.record!)).status).toBe("failed");
    const outcomes = searchOutcomes(parseJUnit(run.junit, lane.id).cases);
    expect(outcomes.skipped).toBe(0);
    expect(outcomes.failed + outcomes.error).toBeGreaterThan(0);
  });

  it("fails the same lane on one shared database with integrity errors", async () => {
    const config = exampleConfig(undefined, (c) => {
      c.lanes.integration.workers = 2;
      c.isolation = { ...c.isolation, enabled: false };
    });
    host().pg.sql("CREATE DATABASE app");
    try {
      const layout = layoutAt("shared");
      const lane = planLanes({ config, layout }).find((l) => l.id === "integration")!;
      expect(lane.env.BACKEND_CI_ISOLATION).toBe("0");
      const migrate = await exec([PYTHON, "-m", "app.migrate"], { DATABASE_URL: host().pg.url("app") }, EXAMPLE);
      expect(migrate.exitCode, migrate.output).toBe(0);
      const run = await runPlannedLane(lane, layout);
      expect(LaneRecord.parse(JSON.parse(run.record!)).status).toBe("failed");
      const failures = parseJUnit(run.junit, lane.id).cases.filter((c) => c.outcome === "failed" || c.outcome === "error");
      expect(failures.length).toBeGreaterThan(0);
      expect(failures.map((f) => `${f.message}\n${f.text}`).join("\n")).toMatch(/ForeignKeyViolation|UniqueViolation|IntegrityError/);
    } finally {
      host().pg.sql("DROP DATABASE IF EXISTS app WITH (FORCE)");
    }
  }, 300_000);
});

describe("the isolation plugin, seen from inside the tests", () => {
  it("gives each xdist worker its own database, cut to 63 characters, and its own index prefix", async () => {
    const out = join(host().root, "worker-env");
    mkdirSync(out);
    const base = "a_database_name_long_enough_to_need_cutting_when_suffixed_xx";
    const config = exampleConfig(FAULTS, (c) => {
      c.services.postgres = { ...c.services.postgres, database: base };
      c.lanes = {
        "worker-env": LaneConfig.parse({
          paths: ["tests/test_worker_env.py"],
          workers: 2,
          services: ["postgres"],
          // BACKEND_CI_INDEX_PREFIX_ENV is reserved for the plan now; its default is SEARCH_INDEX_PREFIX.
          env: { WORKER_ENV_OUT: out, SEARCH_INDEX_PREFIX: "orders_" },
        }),
      };
    });
    const layout = hostLayout(join(host().root, "worker-env-reports"), host().pg, FAULTS);
    const [lane] = planLanes({ config, layout });
    const run = await runPlannedLane(lane, layout);
    expect(LaneRecord.parse(JSON.parse(run.record!)).status, run.output.slice(-2000)).toBe("passed");
    const seen = Object.fromEntries(
      readdirSync(out).map((f) => [f.replace(".json", ""), JSON.parse(readFileSync(join(out, f), "utf8")) as { database: string; prefix: string }]),
    );
    expect(Object.keys(seen).sort()).toEqual(["gw0", "gw1"]);
    for (const [worker, s] of Object.entries(seen)) {
      expect(s.prefix).toBe(`orders_${worker}_`);
      expect(s.database.length).toBeLessThanOrEqual(63);
      expect(s.database.endsWith(`_${worker}`)).toBe(true);
    }
    expect(seen.gw0.database).not.toBe(seen.gw1.database);
    expect(databases().filter((d) => d.startsWith("a_database"))).toEqual([]);
  });

  it("keeps the per-worker databases when asked to, for a post-mortem", async () => {
    const out = join(host().root, "worker-env-kept");
    mkdirSync(out);
    const config = exampleConfig(FAULTS, (c) => {
      c.isolation = { ...c.isolation, keep_databases: true };
      c.services.postgres = { ...c.services.postgres, database: "kept" };
      c.lanes = { kept: LaneConfig.parse({ paths: ["tests/test_worker_env.py"], workers: 2, services: ["postgres"], env: { WORKER_ENV_OUT: out } }) };
    });
    const layout = hostLayout(join(host().root, "kept-reports"), host().pg, FAULTS);
    const [lane] = planLanes({ config, layout });
    expect(lane.env.BACKEND_CI_KEEP_DATABASES).toBe("1");
    const run = await runPlannedLane(lane, layout);
    expect(LaneRecord.parse(JSON.parse(run.record!)).status, run.output.slice(-2000)).toBe("passed");
    const kept = databases().filter((d) => d.startsWith("kept_"));
    try {
      expect(kept).toEqual(expect.arrayContaining(["kept_gw0", "kept_gw1"]));
    } finally {
      for (const d of kept) host().pg.sql(`DROP DATABASE IF EXISTS "${d}" WITH (FORCE)`);
    }
  });
});

describe("coverage combine and gate", () => {
  let combinedTotal: number;
  let layout: ReturnType<typeof layoutAt>;
  const config = exampleConfig(undefined, (c) => (c.lanes.integration.workers = 2));

  it("keeps every lane's data file and combines them to the figure of one whole-suite run", async () => {
    layout = layoutAt("combine");
    const lanes = planLanes({ config, layout });
    const runs = await runPlannedLanes(lanes, layout);
    for (const r of runs) expect(r.coverageWritten, `${r.plan.id}: ${r.output.slice(-2000)}`).toBe(true);
    const plan = planCombine(config, lanes, layout);
    const combine = await runPlannedCombine(plan, layout);
    const record = CombineRecord.parse(JSON.parse(combine.record!));
    expect(combine.exitCode, combine.output).toBe(0);
    expect(record.inputs.map((i) => i.state)).toEqual(["combined", "combined"]);
    expect(existsSync(join(plan.outDir, "html", "index.html"))).toBe(true);
    expect(readFileSync(join(plan.outDir, "coverage.xml"), "utf8")).toContain("<coverage");
    expect(readFileSync(join(plan.outDir, "coverage.lcov"), "utf8")).toContain("end_of_record");
    // --keep: the lanes' own files survive the combine.
    for (const r of runs) expect(readFileSync(r.plan.outputs.coverage).length).toBeGreaterThan(0);
    combinedTotal = record.total!;

    const whole = join(host().root, "whole");
    const single = await runWholeSuite(host().pg, config, whole, [`--cov-report=json:${whole}/coverage.json`], host().search);
    expect(single.exitCode, single.output.slice(-3000)).toBe(0);
    const wholeJson = JSON.parse(readFileSync(`${whole}/coverage.json`, "utf8")) as { totals: { percent_covered: number } };
    const lanesJson = JSON.parse(combine.coverageJson!) as { totals: { percent_covered: number } };
    expect(lanesJson.totals.percent_covered).toBeCloseTo(wholeJson.totals.percent_covered, 9);
    expect(combinedTotal).toBeGreaterThanOrEqual(80);

    const reports = assembleReports({ config, lanes: runs.map((r) => artifactsOf(r)), combine: combine.record, coverageJson: combine.coverageJson });
    expect(reports.ok, reports.reasons.join("\n")).toBe(true);
    expect(reports.summary).toContain(combinedTotal.toFixed(2));
  }, 300_000);

  it("remaps a lane that saw the source at another path onto the source, to the same figure", async () => {
    const elsewhere = join(host().root, "checkout-elsewhere");
    cpSync(EXAMPLE, elsewhere, { recursive: true, filter: (p) => !/(__pycache__|\.pytest_cache|\.coverage)/.test(p) });
    const remapped = { ...config, coverage: { ...config.coverage, paths: [elsewhere] } };
    const here = layoutAt("remap");
    const there = { ...layoutAt("remap"), source: elsewhere };
    const [fastThere] = planLanes({ config: remapped, layout: there });
    const [, integrationHere] = planLanes({ config: remapped, layout: here });
    const runs = [await runPlannedLane(fastThere, there), await runPlannedLane(integrationHere, here)];
    for (const r of runs) expect(r.coverageWritten, r.output.slice(-2000)).toBe(true);
    const plan = planCombine(remapped, [fastThere, integrationHere], here);
    expect(plan.argv).toEqual(expect.arrayContaining(["--source-alias", elsewhere]));
    const combine = await runPlannedCombine(plan, here);
    const record = CombineRecord.parse(JSON.parse(combine.record!));
    expect(record.total).toBeCloseTo(combinedTotal, 9);
    const files = Object.keys((JSON.parse(combine.coverageJson!) as { files: Record<string, unknown> }).files);
    expect(files.some((f) => f.includes("checkout-elsewhere"))).toBe(false);
  }, 300_000);

  it("passes the gate at the real figure and fails above it, naming the figure and the threshold", async () => {
    const at = planCombine({ ...config, coverage: { ...config.coverage, fail_under: Math.floor(combinedTotal) } }, planLanes({ config, layout }), layout);
    expect((await runPlannedCombine(at, layout)).exitCode).toBe(0);
    const above = Math.ceil(combinedTotal) + 1;
    const plan = planCombine({ ...config, coverage: { ...config.coverage, fail_under: above } }, planLanes({ config, layout }), layout);
    const run = await runPlannedCombine(plan, layout);
    expect(run.exitCode).not.toBe(0);
    const record = CombineRecord.parse(JSON.parse(run.record!));
    expect(record.gate_passed).toBe(false);
    expect(record.message).toContain(`${combinedTotal.toFixed(2)}%`);
    expect(record.message).toContain(String(above));
    expect(run.output).toContain(String(above));
  }, 120_000);
});
