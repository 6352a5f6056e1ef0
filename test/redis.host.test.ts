/**
 * Redis in a lane, against real `redis-server`s: readiness by PING with AUTH and the server's own
 * start time, one database per xdist worker (gw0 -> /1), the verdict from INFO keyspace in both
 * directions, a clear refusal when the server has too few databases, and no password in lane.json.
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

import { FIXTURES, type LaneSpec, runLane } from "./harness/lane.js";
import { freePort } from "./harness/postgres.js";
import { type RedisServer, startRedis } from "./harness/redis.js";

const APP = join(FIXTURES, "redis");
const PASSWORD = "s3cret-redis-pw";
let redis: RedisServer;
let small: RedisServer;
let root: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "backend-ci-redis-test-"));
  redis = await startRedis({ password: PASSWORD });
  small = await startRedis({ databases: 2 });
});
afterAll(() => {
  redis?.stop();
  small?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
});
afterEach(() => {
  redis.cli("FLUSHALL");
});

/** Keys per database, as the server reports them. */
function keyspace(server: RedisServer): Record<number, number> {
  const out: Record<number, number> = {};
  for (const m of server.cli("INFO", "keyspace").matchAll(/^db(\d+):keys=(\d+)/gm)) out[Number(m[1])] = Number(m[2]);
  return out;
}

async function lane(id: string, opts: { url: string; workers?: number; env?: Record<string, string>; fresh?: boolean; waitTimeout?: number }) {
  const out = join(root, `${id}-seen`);
  mkdirSync(out, { recursive: true });
  const spec: LaneSpec = {
    id,
    source: APP,
    reports: join(root, "reports"),
    pytest: ["tests", ...(opts.workers ? ["-n", String(opts.workers)] : [])],
    services: { redis: { kind: "redis", fresh: opts.fresh ?? false, url_env: ["REDIS_URL"] } },
    waitTimeout: opts.waitTimeout,
    env: { REDIS_URL: opts.url, REDISAPP_OUT: out, BACKEND_CI_SECRET_ENV: "REDIS_URL", ...opts.env },
  };
  const run = await runLane(spec);
  const seen = Object.fromEntries(readdirSync(out).map((f) => [f.replace(".json", ""), JSON.parse(readFileSync(join(out, f), "utf8")) as { db: number; url: string }]));
  expect(run.text).not.toContain(PASSWORD);
  return { run, record: run.record, seen, iso: run.record.isolation?.redis };
}

describe("per-worker Redis databases", () => {
  it("waits by PING with AUTH, reads the server's start, gives gw0 database 1 and gw1 database 2, and says `effective`", async () => {
    const { run, record, seen, iso } = await lane("effective", { url: redis.url(0), workers: 2, fresh: true });
    expect(record.status, run.output.slice(-3000)).toBe("passed");
    expect(record.services).toHaveLength(1);
    expect(record.services[0]).toMatchObject({ name: "redis", ready: true, message: "" });
    expect(Date.parse(record.services[0].started_at!)).toBeLessThanOrEqual(Date.parse(record.started_at));
    expect(record.service_wait_s).toBeGreaterThanOrEqual(0);
    expect(record.argv.join(" ")).not.toContain("redis://");
    for (const [worker, s] of Object.entries(seen)) {
      const db = Number(worker.slice(2)) + 1;
      expect(s.db).toBe(db);
      expect(s.url).toBe(redis.url(db));
    }
    const keys = keyspace(redis);
    expect(keys[0]).toBeUndefined();
    expect((keys[1] ?? 0) + (keys[2] ?? 0)).toBe(4);
    expect(iso).toMatchObject({ verdict: "effective", base_keys: 0 });
    expect(iso!.processes.map((p) => [p.worker, p.db, p.keys])).toEqual([
      ["gw0", 1, keys[1] ?? 0],
      ["gw1", 2, keys[2] ?? 0],
    ]);
  });

  it("says `no-effect` when the app reads Redis from variables the config does not map", async () => {
    const { record, seen, iso } = await lane("no-effect", {
      url: redis.url(0),
      workers: 2,
      env: { REDISAPP_SOURCE: "own", REDIS_HOST: "127.0.0.1", REDIS_PORT: String(redis.port), REDIS_PASSWORD: PASSWORD },
    });
    expect(record.status).toBe("passed");
    expect(Object.values(seen).map((s) => s.db)).toEqual([0, 0]);
    expect(keyspace(redis)).toEqual({ 0: 4 });
    expect(iso!.verdict).toBe("no-effect");
    expect(iso!.message).toBe(
      "the tests wrote to Redis database 0, not the workers' own (1, 2): the app builds its own URL? map its variable under services.redis",
    );
  });

  it("says `unknown` when the tests leave no key behind", async () => {
    const { record, iso } = await lane("unknown", { url: redis.url(0), workers: 2, env: { REDISAPP_CLEANUP: "1" } });
    expect(record.status).toBe("passed");
    expect(iso!.verdict).toBe("unknown");
    expect(iso!.message).toContain("no keys left");
  });

  it("keeps the URL's own database for a single test process", async () => {
    const { record, seen, iso } = await lane("single", { url: redis.url(5) });
    expect(record.status).toBe("passed");
    expect(seen.master.db).toBe(5);
    expect(keyspace(redis)[5]).toBe(4);
    expect(iso).toMatchObject({ verdict: "off", processes: [{ worker: "master", db: 5, keys: 4 }] });
  });
});

describe("Redis refusals", () => {
  it("refuses clearly when the server has fewer databases than the workers need", async () => {
    const { run, record } = await lane("too-few", { url: small.url(0), workers: 2 });
    expect(record.status).toBe("crashed");
    expect(record.exit_code).toBe(4);
    expect(run.exitCode).toBe(4);
    expect(record.message).toBe(
      `pytest exit 4 (usage error): backend-ci: could not prepare the lane's services: Redis at ${small.url(0)} has 2 databases (0-1), but 2 xdist workers need databases 1-2: start it with at least 3 databases (services.redis.databases) or use fewer workers`,
    );
    expect(record.session?.started).toBe(false);
  });

  it("is not-ready on a closed port, naming the service and its URL without the password", async () => {
    const port = await freePort();
    const { run, record } = await lane("closed", { url: `redis://:${PASSWORD}@127.0.0.1:${port}/0`, waitTimeout: 1 });
    expect(run.exitCode).toBe(125);
    expect(record.status).toBe("not-ready");
    expect(record.message).toMatch(new RegExp(`^service 'redis' at redis://:\\*\\*\\*@127\\.0\\.0\\.1:${port}/0 not ready after 1s: `));
    expect(record.services[0]).toMatchObject({ name: "redis", ready: false, started_at: null });
  });
});
