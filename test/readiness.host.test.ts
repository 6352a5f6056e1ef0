/**
 * Readiness by kind, from `--wait NAME` alone (the address comes from the environment as
 * BACKEND_CI_SERVICES says, so no URL or password is on a command line): a real PostgreSQL and its
 * own start time, the wait a fresh service's health check hid, a custom service by TCP, a search
 * service that never answers, discrete variables with a password file, and wait_ready.py as a command.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

import { FIXTURES, HELPERS, runLane } from "./harness/lane.js";
import { freePort } from "./harness/postgres.js";
import { PYTHON, exec } from "./harness/run.js";
import { useHost } from "./harness/vitest.js";

const host = useHost("readiness");
const APP = join(FIXTURES, "isolation");
const reports = () => join(host().root, "reports");

describe("readiness from BACKEND_CI_SERVICES", () => {
  it("waits for postgres by SELECT 1, reads its start, and for a fresh service reports the wait before the lane started", async () => {
    const pg = host().pg;
    pg.sql("CREATE DATABASE ready");
    const password = "pg-secret-41c7";
    const run = await runLane({
      id: "fresh",
      source: APP,
      reports: reports(),
      pytest: ["tests"],
      services: {
        postgres: { kind: "postgres", fresh: true, url_env: ["DATABASE_URL"] },
        // A service shared with other lanes: its start says nothing about this lane.
        "mail-catcher": { kind: "custom", fresh: false, url_env: ["SMTP_URL"] },
      },
      env: { DATABASE_URL: `postgresql://postgres:${password}@127.0.0.1:${pg.port}/ready`, SMTP_URL: `tcp://127.0.0.1:${pg.port}` },
    });
    const r = run.record;
    expect(r.status, run.output.slice(-2000)).toBe("passed");
    expect(run.text).not.toContain(password);
    expect(r.argv.join(" ")).not.toContain("postgresql://");
    expect(r.services.map((s) => [s.name, s.ready, s.message])).toEqual([
      ["postgres", true, ""],
      ["mail-catcher", true, ""],
    ]);
    const serverStart = Date.parse(pg.sql("SELECT to_char(pg_postmaster_start_time() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')").trim());
    expect(Math.abs(Date.parse(r.services[0].started_at!) - serverStart)).toBeLessThanOrEqual(1);
    expect(r.services[1].started_at).toBeNull();
    expect(r.service_wait_s).toBeCloseTo((Date.parse(r.started_at) - serverStart) / 1000, 2);
    expect(r.service_wait_s!).toBeGreaterThan(0);
    pg.sql("DROP DATABASE ready WITH (FORCE)");
  });

  it("has no service wait when no service is the lane's own", async () => {
    const pg = host().pg;
    const run = await runLane({
      id: "shared",
      source: APP,
      reports: reports(),
      pytest: ["--co", "-q", "tests"],
      services: { "mail-catcher": { kind: "custom", url_env: ["SMTP_URL"] } },
      env: { SMTP_URL: `tcp://127.0.0.1:${pg.port}` },
    });
    expect(run.record.services[0].ready).toBe(true);
    expect(run.record.service_wait_s).toBeNull();
  });

  it("is not-ready for a search service that never answers, naming its URL without the password", async () => {
    const port = await freePort();
    const run = await runLane({
      id: "search-down",
      source: APP,
      reports: reports(),
      pytest: ["tests"],
      waitTimeout: 1,
      services: { elasticsearch: { kind: "search", fresh: true, url_env: ["ELASTICSEARCH_URL"] } },
      env: { ELASTICSEARCH_URL: `http://elastic:es-secret-88@127.0.0.1:${port}` },
    });
    expect(run.exitCode).toBe(125);
    expect(run.record.status).toBe("not-ready");
    expect(run.record.message).toMatch(new RegExp(`^service 'elasticsearch' at http://elastic:\\*\\*\\*@127\\.0\\.0\\.1:${port} not ready after 1s: `));
    expect(run.text).not.toContain("es-secret-88");
    expect(run.record.session).toBeNull();
  });

  it("names a service the lane waits for that BACKEND_CI_SERVICES does not describe", async () => {
    const run = await runLane({ id: "unknown", source: APP, reports: reports(), pytest: ["tests"], wait: ["redis"], services: {} });
    expect(run.record.status).toBe("not-ready");
    expect(run.record.message).toBe("service 'redis': not in BACKEND_CI_SERVICES (empty)");
  });

  it("reads postgres from discrete variables and a password file, and isolates through them", async () => {
    const pg = host().pg;
    pg.sql("CREATE DATABASE discrete");
    const file = join(host().root, "pg-password");
    writeFileSync(file, "file-secret-5d2e\n");
    const run = await runLane({
      id: "discrete",
      source: APP,
      reports: reports(),
      pytest: ["tests"],
      services: {
        postgres: { kind: "postgres", fresh: true, vars: { host: "DB_HOST", port: "DB_PORT", user: "DB_USER", database: "DB_NAME" }, password_file_env: "DB_PASSWORD_FILE" },
      },
      env: { ISOAPP_SOURCE: "vars", DB_HOST: "127.0.0.1", DB_PORT: String(pg.port), DB_USER: "postgres", DB_NAME: "discrete", DB_PASSWORD_FILE: file },
    });
    expect(run.record.status, run.output.slice(-2000)).toBe("passed");
    expect(run.record.services[0]).toMatchObject({ name: "postgres", ready: true });
    expect(run.record.isolation!.database).toMatchObject({ verdict: "effective", base: "discrete" });
    expect(run.text).not.toContain("file-secret-5d2e");
    pg.sql("DROP DATABASE discrete WITH (FORCE)");
  });
});

describe("wait_ready.py as a command", () => {
  it("waits for the services it names and exits 125 naming one that is not ready", async () => {
    const pg = host().pg;
    const services = JSON.stringify({
      postgres: { kind: "postgres", url_env: ["DATABASE_URL"] },
      broker: { kind: "custom", url_env: ["BROKER_URL"] },
    });
    const closed = await freePort();
    const env = { PYTHONPATH: HELPERS, BACKEND_CI_SERVICES: services, DATABASE_URL: pg.url(), BROKER_URL: `amqp://guest:guest-pw@127.0.0.1:${closed}/` };
    const ok = await exec([PYTHON, join(HELPERS, "wait_ready.py"), "--timeout", "10", "postgres"], env, APP);
    expect(ok.exitCode, ok.output).toBe(0);
    expect(ok.output).toMatch(/^postgres: ready after \d+\.\ds$/m);
    const down = await exec([PYTHON, join(HELPERS, "wait_ready.py"), "--timeout", "1", "postgres", "broker"], env, APP);
    expect(down.exitCode).toBe(125);
    expect(down.output).toContain(`service 'broker' at amqp://guest:***@127.0.0.1:${closed}/ not ready after 1s:`);
    expect(down.output).not.toContain("guest-pw");
  });
});
