/**
 * The isolation plugin against a real PostgreSQL: every way an app finds its database
 * (BACKEND_CI_SERVICES' url_env with driver schemes, url_file_env, libpq's PG* variables, an app's
 * own DB_* variables), the verdict in both directions (an app that reads the URL gets `effective`,
 * one that builds its own URL from variables the config does not map gets `no-effect`), conftests
 * that isolate per worker themselves, and no database left behind. Lanes are built by hand from
 * docs/CONTRACTS.md (test/harness/lane.ts); what the tests assert comes from the server itself and
 * from lane.json parsed with its schema.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

import { FIXTURES, type LaneSpec, type ServiceEntry, runLane } from "./harness/lane.js";
import { useHost } from "./harness/vitest.js";

const host = useHost("plugin-isolation");
const APP = join(FIXTURES, "isolation");

const databases = (prefix: string) =>
  host()
    .pg.sql(`SELECT datname FROM pg_database WHERE datname LIKE '${prefix}%' ORDER BY 1`)
    .trim()
    .split("\n")
    .filter(Boolean);

/** The base database a fresh service container has (POSTGRES_DB), on the shared test server. */
function baseDatabase(name: string): void {
  host().pg.sql(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  host().pg.sql(`CREATE DATABASE "${name}"`);
}

/** What each test process recorded (fixture tests/test_visits.py). */
function seen(out: string): Record<string, { database: string; env: Record<string, string | null>; url_file_text?: string }> {
  return Object.fromEntries(readdirSync(out).map((f) => [f.replace(".json", ""), JSON.parse(readFileSync(join(out, f), "utf8"))]));
}

interface Case {
  id: string;
  base: string;
  workers?: number;
  postgres: ServiceEntry;
  env?: Record<string, string>;
  pytest?: string[];
  /** Other services in BACKEND_CI_SERVICES (not waited for). */
  others?: Record<string, ServiceEntry>;
}

async function lane(c: Case) {
  baseDatabase(c.base);
  const out = join(host().root, `${c.id}-seen`);
  mkdirSync(out, { recursive: true });
  const spec: LaneSpec = {
    id: c.id,
    source: APP,
    reports: join(host().root, "reports"),
    pytest: ["tests", ...(c.workers ? ["-n", String(c.workers)] : []), ...(c.pytest ?? [])],
    workersPlanned: String(c.workers ?? 0),
    services: { postgres: c.postgres, ...c.others },
    wait: ["postgres"],
    env: { ISOAPP_OUT: out, ...c.env },
  };
  const run = await runLane(spec);
  return { run, record: run.record, seen: seen(out), db: run.record.isolation?.database };
}

const pg = () => host().pg;
const url = (db: string, scheme = "postgresql") => `${scheme}://postgres:postgres@127.0.0.1:${pg().port}/${db}`;

describe("an app that reads the configured URL", () => {
  it("gives each worker a clone of the migrated template through a driver-scheme URL, keeps the scheme, says `effective`, and drops every database", async () => {
    const { run, record, seen, db } = await lane({
      id: "url",
      base: "shop",
      workers: 2,
      postgres: { kind: "postgres", url_env: ["DATABASE_URL", "ASYNC_DATABASE_URL"] },
      env: {
        DATABASE_URL: url("shop", "postgresql+psycopg"),
        ASYNC_DATABASE_URL: url("shop", "postgresql+asyncpg"),
        BACKEND_CI_MIGRATE: "python -m isoapp.migrate",
      },
    });
    expect(record.status, run.output.slice(-3000)).toBe("passed");
    expect(Object.keys(seen).sort()).toEqual(["gw0", "gw1"]);
    for (const [worker, s] of Object.entries(seen)) {
      expect(s.database).toBe(`shop_${worker}`);
      expect(s.env.DATABASE_URL).toBe(url(`shop_${worker}`, "postgresql+psycopg"));
      expect(s.env.ASYNC_DATABASE_URL).toBe(url(`shop_${worker}`, "postgresql+asyncpg"));
    }
    expect(db).toMatchObject({ mode: "plugin", base: "shop", verdict: "effective" });
    expect(db!.message).toBe("each of 2 workers used its own database (shop_gw0, shop_gw1), not shop");
    expect(db!.base_activity).toEqual({ xacts: 0, connections: 0 });
    for (const p of db!.processes) expect(p.activity!.xacts).toBeGreaterThan(0);
    expect(db!.dropped).toEqual(["shop_gw0", "shop_gw1", "shop_template"]);
    expect(db!.left_behind).toEqual([]);
    expect(databases("shop_")).toEqual([]);
    // No search service in the lane: no index prefix.
    expect(record.isolation!.index_prefixes).toEqual({});
  });

  it("isolates a single test process too (master), from libpq's PG* variables, and gives it an index prefix when a search service is bound", async () => {
    const { run, record, seen, db } = await lane({
      id: "libpq",
      base: "solo",
      postgres: { kind: "postgres", vars: { host: "PGHOST", port: "PGPORT", user: "PGUSER", database: "PGDATABASE" } },
      others: { opensearch: { kind: "search", url_env: ["OPENSEARCH_URL"] } },
      env: { ISOAPP_SOURCE: "libpq", PGHOST: "127.0.0.1", PGPORT: String(pg().port), PGUSER: "postgres", PGDATABASE: "solo", SEARCH_INDEX_PREFIX: "orders_" },
    });
    expect(record.isolation!.index_prefixes).toEqual({ master: "orders_master_" });
    expect(record.status, run.output.slice(-3000)).toBe("passed");
    expect(record.workers).toBe(0);
    expect(seen.master.database).toBe("solo_master");
    expect(seen.master.env.PGDATABASE).toBe("solo_master");
    expect(db).toMatchObject({ verdict: "effective", message: "the test process used its own database solo_master, not solo" });
    expect(databases("solo_")).toEqual([]);
  });

  it("writes each worker a private URL file for url_file_env, leaves the original alone and removes the copies", async () => {
    const original = join(host().root, "database-url");
    writeFileSync(original, `${url("filed")}\n`);
    const { run, record, seen, db } = await lane({
      id: "file",
      base: "filed",
      workers: 2,
      postgres: { kind: "postgres", url_file_env: "DATABASE_URL_FILE" },
      env: { ISOAPP_SOURCE: "file", DATABASE_URL_FILE: original },
    });
    expect(record.status, run.output.slice(-3000)).toBe("passed");
    for (const [worker, s] of Object.entries(seen)) {
      expect(s.database).toBe(`filed_${worker}`);
      expect(s.env.DATABASE_URL_FILE).not.toBe(original);
      expect(s.url_file_text).toBe(url(`filed_${worker}`));
      expect(existsSync(s.env.DATABASE_URL_FILE!)).toBe(false);
    }
    expect(readFileSync(original, "utf8")).toBe(`${url("filed")}\n`);
    expect(db!.verdict).toBe("effective");
  });
});

describe("an app that builds its own URL", () => {
  const own = (base: string) => ({ ISOAPP_SOURCE: "own", APP_DB_HOST: "127.0.0.1", APP_DB_PORT: String(pg().port), APP_DB_USER: "postgres", APP_DB_NAME: base });

  it("is `no-effect` when the config does not map its variables: the tests used the base database, named in the message", async () => {
    const { run, record, seen, db } = await lane({
      id: "own",
      base: "app",
      workers: 2,
      postgres: { kind: "postgres", url_env: ["DATABASE_URL"] },
      env: { DATABASE_URL: url("app"), ...own("app") },
    });
    expect(record.status, run.output.slice(-3000)).toBe("passed");
    expect(Object.values(seen).map((s) => s.database)).toEqual(["app", "app"]);
    expect(db!.verdict).toBe("no-effect");
    expect(db!.message).toBe(
      "the tests used database app, not the workers' own (app_gw0, app_gw1): the app builds its own URL? map its variables under services.postgres",
    );
    expect(db!.base_activity!.xacts).toBeGreaterThan(0);
    for (const p of db!.processes) expect(p.activity).toEqual({ xacts: 0, connections: 0 });
    expect(Number(pg().sql("SELECT count(*) FROM visits", "app").trim())).toBe(6);
    expect(databases("app_")).toEqual([]);
  });

  it("is `partial` when one code path builds its own URL and the others read the configured one", async () => {
    const { record, db } = await lane({
      id: "mixed",
      base: "mix",
      postgres: { kind: "postgres", url_env: ["DATABASE_URL"] },
      env: { DATABASE_URL: url("mix"), ...own("mix"), ISOAPP_SOURCE: "url", ISOAPP_MIXED: "1" },
    });
    expect(record.status).toBe("passed");
    expect(db!.verdict).toBe("partial");
    expect(db!.message).toMatch(
      /^the tests used their own databases \(mix_master\), but the shared database mix saw test traffic too \(\d+ transactions?(, \d+ open connections?)?\): part of the app builds its own URL\? map its variables under services\.postgres$/,
    );
    expect(Number(pg().sql("SELECT count(*) FROM visits", "mix").trim())).toBe(1);
  });

  it("is `effective` once those variables are mapped under vars: the database one is rewritten", async () => {
    const { run, record, seen, db } = await lane({
      id: "own-mapped",
      base: "mapped",
      workers: 2,
      postgres: { kind: "postgres", vars: { host: "DB_HOST", port: "DB_PORT", user: "DB_USER", database: "DB_NAME" } },
      env: { ISOAPP_SOURCE: "vars", DB_HOST: "127.0.0.1", DB_PORT: String(pg().port), DB_USER: "postgres", DB_NAME: "mapped" },
    });
    expect(record.status, run.output.slice(-3000)).toBe("passed");
    expect(Object.entries(seen).map(([w, s]) => [w, s.database, s.env.DB_NAME])).toEqual([
      ["gw0", "mapped_gw0", "mapped_gw0"],
      ["gw1", "mapped_gw1", "mapped_gw1"],
    ]);
    expect(db!.verdict).toBe("effective");
  });
});

describe("conftests that isolate per worker themselves", () => {
  it("in conftest mode: the variables are left alone and the verdict is `conftest`", async () => {
    const { run, record, seen, db } = await lane({
      id: "conftest",
      base: "cf",
      workers: 2,
      postgres: { kind: "postgres", url_env: ["DATABASE_URL"], isolation: "conftest" },
      env: { DATABASE_URL: url("cf"), ISOAPP_CONFTEST: "isolate" },
    });
    expect(record.status, run.output.slice(-3000)).toBe("passed");
    expect(Object.values(seen).map((s) => s.database).sort()).toEqual(["cf_gw0", "cf_gw1"]);
    expect(db).toMatchObject({ mode: "conftest", verdict: "conftest" });
    expect(db!.processes.map((p) => p.database)).toEqual([null, null]);
    expect(db!.message).toContain("the shared database cf saw no test traffic");
    expect(databases("cf_")).toEqual([]);
  });

  it("in conftest mode with a conftest that does not isolate: `no-effect`", async () => {
    const { record, db } = await lane({
      id: "conftest-shared",
      base: "cfs",
      postgres: { kind: "postgres", url_env: ["DATABASE_URL"], isolation: "conftest" },
      env: { DATABASE_URL: url("cfs") },
    });
    expect(record.status).toBe("passed");
    expect(db!.verdict).toBe("no-effect");
    expect(db!.message).toContain("the tests used the shared database cfs");
  });

  it("in plugin mode, names the <db>_gw0_gw0 databases the conftest made, with the hint, and drops those it left", async () => {
    const { run, record, seen, db } = await lane({
      id: "double",
      base: "dbl",
      workers: 2,
      postgres: { kind: "postgres", url_env: ["DATABASE_URL"] },
      env: { DATABASE_URL: url("dbl"), ISOAPP_CONFTEST: "isolate", ISOAPP_CONFTEST_KEEP: "1" },
    });
    expect(record.status, run.output.slice(-3000)).toBe("passed");
    expect(Object.values(seen).map((s) => s.database).sort()).toEqual(["dbl_gw0_gw0", "dbl_gw1_gw1"]);
    expect(db!.verdict).toBe("unused");
    expect(db!.message).toBe(
      'the tests used databases created during the session (dbl_gw0_gw0, dbl_gw1_gw1), not the workers\' own (dbl_gw0, dbl_gw1): does the conftest isolate per worker itself? set isolation.database = "conftest"',
    );
    expect(db!.dropped).toEqual(["dbl_gw0", "dbl_gw0_gw0", "dbl_gw1", "dbl_gw1_gw1"]);
    expect(db!.left_behind).toEqual([]);
    expect(databases("dbl_")).toEqual([]);
  });

  it("with BACKEND_CI_KEEP_DATABASES=1, lists every database of the lane as left behind", async () => {
    const { record, db } = await lane({
      id: "double-kept",
      base: "kep",
      postgres: { kind: "postgres", url_env: ["DATABASE_URL"] },
      env: { DATABASE_URL: url("kep"), ISOAPP_CONFTEST: "isolate", BACKEND_CI_KEEP_DATABASES: "1" },
    });
    expect(record.status).toBe("passed");
    // The conftest dropped its own (it was not told to keep them); backend-ci kept its own.
    expect(db!.left_behind).toEqual(["kep_master"]);
    expect(db!.dropped).toEqual([]);
    expect(databases("kep_")).toEqual(["kep_master"]);
    for (const d of databases("kep_")) pg().sql(`DROP DATABASE "${d}" WITH (FORCE)`);
  });
});

describe("isolation switched off", () => {
  it("says `off` and leaves the URL alone", async () => {
    const { record, seen, db } = await lane({
      id: "off",
      base: "shared",
      postgres: { kind: "postgres", url_env: ["DATABASE_URL"] },
      env: { DATABASE_URL: url("shared"), BACKEND_CI_ISOLATION: "0" },
    });
    expect(record.status).toBe("passed");
    expect(seen.master.database).toBe("shared");
    expect(db).toMatchObject({ mode: "off", verdict: "off", processes: [] });
  });
});

describe("test processes that die", () => {
  it("a single process that exits mid-test: run_lane drops its database and the template", async () => {
    const { run, record, db } = await lane({
      id: "dies",
      base: "dies",
      postgres: { kind: "postgres", url_env: ["DATABASE_URL"] },
      env: { DATABASE_URL: url("dies"), ISOAPP_DIE: "exit", BACKEND_CI_MIGRATE: "python -m isoapp.migrate" },
    });
    expect(run.exitCode).toBe(3);
    expect(record.status).toBe("crashed");
    expect(record.message).toBe("the test process exited 3 while running `tests/test_visits.py::test_visit[3]` (3 passed before)");
    expect(db).toMatchObject({ verdict: "error", dropped: ["dies_master", "dies_template"], left_behind: [] });
    expect(databases("dies_")).toEqual([]);
  });

  it("an xdist worker killed mid-test: the controller drops its database", async () => {
    const { record, db } = await lane({
      id: "killed",
      base: "kil",
      workers: 2,
      postgres: { kind: "postgres", url_env: ["DATABASE_URL"] },
      env: { DATABASE_URL: url("kil"), ISOAPP_DIE: "kill" },
    });
    expect(record.status).toBe("failed");
    expect(record.message).toMatch(/^worker 'gw\d' crashed while running 'tests\/test_visits.py::test_visit\[3\]'; 1 failed, 5 passed$/);
    expect(db!.dropped.filter((d) => /^kil_gw[01]$/.test(d)).sort()).toEqual(["kil_gw0", "kil_gw1"]);
    expect(databases("kil_")).toEqual([]);
  });
});
