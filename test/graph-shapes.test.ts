/**
 * Real backends of other shapes, through pr-backend on the stand-in engine: each example backend
 * under examples/ (read from disk, as the CLI would upload it) and the graph the module builds for
 * it: where it installs, where pytest runs, which services, variables, secrets and files each lane gets.
 */
import { join } from "node:path";

import { dag } from "@dagger.io/dagger";
import { describe, expect, it } from "vitest";

import { discover } from "../src/core/plan/discover/discover.js";
import { planView } from "../src/core/plan/plan-view.js";
import { BackendCi } from "../src/index.js";
import { hostSource } from "../scripts/fs-source-tree.js";
import { canonical } from "./engine/graph.js";
import { bindingsOf, callsOf, type Chain, imageOf, type ObjectRef, plaintextOf, secretValuesOf, useEngine, workdirOf } from "./engine/index.js";
import { backendSource, idsRun, laneOf, scriptCollect, scriptRun, sourceFrom } from "./graph-support.js";
import { REPO } from "./harness/run.js";

const engine = useEngine();
const example = (name: string) => join(REPO, "examples", name);

const lanes = () =>
  engine()
    .containers()
    .filter((c) => c.execs.some((a) => laneOf({ argv: a }) !== undefined));
const lane = (id: string) => lanes().find((c) => c.execs.some((a) => laneOf({ argv: a }) === id))!;
const pytestOf = (id: string) => {
  const argv = lane(id).execs.find((a) => laneOf({ argv: a }) === id)!;
  return argv.slice(argv.indexOf("--") + 1);
};
const backendExecs = () => engine().containers(/^python:/).flatMap((c) => c.execs).filter((a) => laneOf({ argv: a }) === undefined);
const mountedSecrets = (chain: Chain) =>
  Object.fromEntries(callsOf(chain, "withMountedSecret").map((c) => [c.args.path as string, plaintextOf(c.args.source as ObjectRef)]));

describe("a monorepo: the backend in a folder, a uv workspace at the repository root", () => {
  it("installs from the root's lock, the workspace packages after the source, and runs pytest in the backend folder", async () => {
    scriptRun(engine());
    const result = await new BackendCi().prBackend(sourceFrom(example("monorepo")));
    expect(result.ok).toBe(true);
    const execs = backendExecs();
    const deps = execs.findIndex((a) => a.join(" ") === "uv sync --frozen --package billing --group test --no-install-workspace");
    const project = execs.findIndex((a) => a.join(" ") === "uv sync --frozen --package billing --group test");
    expect(deps).toBeGreaterThanOrEqual(0);
    expect(project).toBeGreaterThan(deps);
    const [backend] = engine().containers(/^python:/);
    // The lock and every member's pyproject.toml come first, at the repository root, for the install layer's cache.
    const early = callsOf(backend.chain, "withFile").map((c) => c.args.path);
    expect(early).toEqual(expect.arrayContaining(["/src/uv.lock", "/src/pyproject.toml", "/src/backend/pyproject.toml", "/src/common/pyproject.toml"]));
    for (const id of ["fast", "integration"]) expect(workdirOf(lane(id).chain)).toBe("/src/backend");
    // The whole repository reaches the lanes: the sibling package the conftest imports is there.
    expect(callsOf(lane("fast").chain, "withDirectory").some((c) => c.args.path === "/src")).toBe(true);
    expect(pytestOf("fast").slice(3, 6)).toEqual(["tests/contract", "tests/smoke", "tests/unit"]);
    expect(pytestOf("integration").slice(3, 5)).toEqual(["tests/e2e", "tests/integration"]);
    expect(Object.keys(bindingsOf(lane("integration").chain))).toEqual(["postgres"]);
  });

  it("plans the same lanes through the engine as from the disk (npm run plan)", async () => {
    const fromEngine = JSON.parse(await new BackendCi().plan(sourceFrom(example("monorepo")), undefined, undefined, true));
    const src = hostSource(example("monorepo"));
    const d = await discover(src.tree, src.located.config);
    expect(fromEngine).toEqual(planView({ ...src.located.config, lanes: d.lanes }, d));
    expect(fromEngine.unplanned).toEqual([]);
  });
});

describe("a src/ layout that only `pip install -e .` makes importable", () => {
  it("installs the backend itself, without its dependencies again, once the source is in place", async () => {
    scriptRun(engine());
    await new BackendCi().prBackend(sourceFrom(example("src-layout")));
    const [backend] = engine().containers(/^python:/);
    const copied = backend.chain.findIndex((c) => c.field === "withDirectory" && c.args.path === "/src");
    const editable = backend.chain.findIndex((c) => c.field === "withExec" && (c.args.args as string[]).join(" ") === "pip install --no-deps -e .");
    expect(copied).toBeGreaterThan(0);
    expect(editable).toBeGreaterThan(copied);
  });
});

describe("the database URL as apps read it", () => {
  it("mounts the asyncpg URL as a secret file and points DATABASE_URL_FILE at it", async () => {
    scriptRun(engine());
    await new BackendCi().prBackend(sourceFrom(example("async-secrets")));
    const { chain, env } = lane("integration");
    expect(env.DATABASE_URL_FILE).toBe("/run/secrets/backend-ci/postgres-url");
    expect(mountedSecrets(chain)).toEqual({ "/run/secrets/backend-ci/postgres-url": "postgresql+asyncpg://postgres:postgres@postgres:5432/app" });
    expect(env.DATABASE_URL).toBeUndefined();
    expect(secretValuesOf(chain)).toEqual({});
  });

  it("sets discrete DB_* variables and mounts the password file", async () => {
    scriptRun(engine());
    await new BackendCi().prBackend(sourceFrom(example("env-vars")));
    const { chain, env } = lane("integration");
    expect(env).toMatchObject({ DB_HOST: "postgres", DB_PORT: "5432", DB_USER: "postgres", DB_NAME: "app", DB_PASSWORD_FILE: "/run/secrets/backend-ci/postgres-password" });
    expect(mountedSecrets(chain)).toEqual({ "/run/secrets/backend-ci/postgres-password": "postgres" });
    expect(JSON.parse(env.BACKEND_CI_SERVICES).postgres.vars).toEqual({ host: "DB_HOST", port: "DB_PORT", user: "DB_USER", database: "DB_NAME" });
  });

  it("takes the password from --postgres-password, a secret, and never writes it in plain", async () => {
    scriptRun(engine());
    const u = undefined;
    await new BackendCi().prBackend(sourceFrom(example("backend")), u, u, u, u, u, u, u, u, u, u, u, dag.setSecret("pgpass", "t0p-s3cret"));
    const { chain } = lane("integration");
    expect(secretValuesOf(chain).DATABASE_URL).toBe("postgresql://postgres:t0p-s3cret@postgres:5432/app");
    const postgres = bindingsOf(chain).postgres.chain;
    const password = callsOf(postgres, "withSecretVariable").find((c) => c.args.name === "POSTGRES_PASSWORD")!;
    expect(plaintextOf(password.args.secret as ObjectRef)).toBe("t0p-s3cret");
    // No call but setSecret carries it: not an env variable, an argv, a file, a service's args.
    const calls = engine()
      .usedChains()
      .flatMap((c) => c)
      .filter((c) => c.field !== "setSecret");
    expect(calls.map((c) => canonical(c.args)).join("\n")).not.toContain("t0p-s3cret");
  });
});

describe("Redis and a service of the team's own", () => {
  it("binds Redis and the custom image under their names, with their URLs", async () => {
    scriptRun(engine());
    await new BackendCi().prBackend(sourceFrom(example("redis-cache")));
    const { chain, env } = lane("integration");
    const b = bindingsOf(chain);
    expect(Object.keys(b).sort()).toEqual(["mailpit", "redis"]);
    expect(imageOf(b.redis.chain)).toBe("redis:7-alpine");
    expect(imageOf(b.mailpit.chain)).toBe("axllent/mailpit:v1.21");
    expect(callsOf(b.mailpit.chain, "withExposedPort").map((c) => c.args.port)).toEqual([1025]);
    expect(String((callsOf(b.redis.chain, "withDockerHealthcheck")[0].args.args as string[])[0])).toContain("ping");
    expect(callsOf(b.redis.chain, "asService")[0].args.args).toEqual(["redis-server", "--save", "", "--appendonly", "no", "--databases", "64"]);
    expect(env).toMatchObject({ REDIS_URL: "redis://redis:6379/0", SMTP_URL: "smtp://mailpit:1025" });
  });
});

describe("search services", () => {
  it("give their nodes the configured heap and settings", async () => {
    scriptRun(engine());
    const config = `[tool.backend-ci.services.elasticsearch]
heap = "1g"
settings = { "indices.query.bool.max_clause_count" = 4096 }
[tool.backend-ci.lanes.search]
paths = ["tests/integration"]
services = ["elasticsearch", "opensearch"]
`;
    await new BackendCi().prBackend(backendSource(`[project]\nname = "svc"\n${config}`));
    const b = bindingsOf(lane("search").chain);
    const env = (chain: Chain) => Object.fromEntries(callsOf(chain, "withEnvVariable").map((c) => [c.args.name, c.args.value]));
    expect(env(b.elasticsearch.chain)).toMatchObject({ ES_JAVA_OPTS: "-Xms1g -Xmx1g", "indices.query.bool.max_clause_count": "4096", "discovery.type": "single-node" });
    expect(env(b.opensearch.chain)).toMatchObject({ OPENSEARCH_JAVA_OPTS: "-Xms512m -Xmx512m", DISABLE_SECURITY_PLUGIN: "true" });
  });
});

describe("a conftest that already isolates per worker", () => {
  it("tells the plugin to leave the database to the conftest", async () => {
    scriptRun(engine());
    await new BackendCi().prBackend(sourceFrom(example("self-isolating")));
    expect(JSON.parse(lane("integration").env.BACKEND_CI_SERVICES).postgres.isolation).toBe("conftest");
  });
});

describe("an inifile under tests/ with -n 4 in its addopts", () => {
  it("collects and shards the unit lane in one process, and keeps the serial lane serial", async () => {
    scriptRun(engine());
    const ids = ["tests/unit/test_locations.py::test_a", "tests/unit/test_locations.py::test_b", "tests/unit/test_stock_rules.py::test_c"];
    scriptCollect(engine(), "unit", ids);
    await new BackendCi().prBackend(sourceFrom(example("tests-inifile")));
    const collect = engine().execs.find((e) => e.argv.includes("--collect-only"))!;
    expect(collect.argv.join(" ")).toContain(" -n 0 ");
    expect(lanes().map((c) => laneOf({ argv: c.execs.find((a) => laneOf({ argv: a }))! })).sort()).toEqual(["integration", "unit-1of2", "unit-2of2"]);
    const shardExecs = engine().execs.filter((e) => laneOf(e)?.startsWith("unit-"));
    expect((await Promise.all(shardExecs.map((e) => idsRun(engine(), e)))).flat().sort()).toEqual(ids);
    expect(pytestOf("integration").join(" ")).toContain(" -n 0 ");
  });
});
