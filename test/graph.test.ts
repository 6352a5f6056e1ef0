/**
 * What pr-backend asks the engine to do, recorded by the schema-checking stand-in engine: every
 * query here is validated against the real v0.21 schema, and an invalid one fails its test.
 */
import { describe, expect, it } from "vitest";

import { BackendCi } from "../src/index.js";
import { bindingsOf, imageOf, secretValuesOf, useEngine } from "./engine/index.js";
import { backendSource, fileSummary, isCombine, laneOf, laneOutcome, scriptRun } from "./graph-support.js";

const engine = useEngine();

const TWO_PARALLEL_TWO_SERIAL = `
[tool.backend-ci.lanes.unit]
paths = ["tests/unit"]
[tool.backend-ci.lanes.contract]
paths = ["tests/contract"]
workers = 2
[tool.backend-ci.lanes.integration]
paths = ["tests/integration"]
mode = "serial"
services = ["postgres", "elasticsearch", "opensearch"]
[tool.backend-ci.lanes.migrations]
paths = ["tests/integration/test_migrations.py"]
mode = "serial"
services = ["postgres"]
`;

const laneContainers = () =>
  engine()
    .containers()
    .filter((c) => c.execs.some((a) => laneOf({ argv: a }) !== undefined));
const laneContainer = (id: string) => laneContainers().find((c) => c.execs.some((a) => laneOf({ argv: a }) === id))!;
const laneArgv = (id: string) => laneContainer(id).execs.find((a) => laneOf({ argv: a }) === id)!;

describe("pr-backend with no configuration", () => {
  it("runs the tests that need no service in one parallel xdist lane and the others in one serial lane", async () => {
    scriptRun(engine());
    const result = await new BackendCi().prBackend(backendSource());
    expect(result.ok).toBe(true);
    const fast = laneArgv("fast");
    const pytest = fast.slice(fast.indexOf("--") + 1);
    expect(pytest.slice(0, 5)).toEqual(["python", "-m", "pytest", "tests/contract", "tests/unit"]);
    expect(pytest).toEqual(expect.arrayContaining(["-n", "auto", "--dist", "load", "--cov-fail-under=0", "--junitxml=/reports/fast/junit.xml"]));
    const integration = laneArgv("integration");
    const serial = integration.slice(integration.indexOf("--") + 1);
    expect(serial.slice(3, 4)).toEqual(["tests/integration"]);
    // Serial means serial: -n 0 wins over any -n in the backend's addopts.
    expect(serial.join(" ")).toContain("-n 0");
    expect(integration).toEqual(expect.arrayContaining(["--wait", "postgres", "--wait", "elasticsearch", "--wait", "opensearch"]));
    // No URL, and so no password, on a command line.
    expect(integration.join(" ")).not.toContain("://");
  });

  it("binds only the services the tests show they need", async () => {
    scriptRun(engine());
    await new BackendCi().prBackend(
      backendSource(undefined, { "tests/integration/test_search.py": "def test_nothing_to_search():\n    assert True\n" }),
    );
    expect(Object.keys(bindingsOf(laneContainer("integration").chain))).toEqual(["postgres"]);
  });

  it("binds the three official service images under their aliases, and only to the integration lane", async () => {
    scriptRun(engine());
    await new BackendCi().prBackend(backendSource());
    const bindings = bindingsOf(laneContainer("integration").chain);
    expect(Object.keys(bindings).sort()).toEqual(["elasticsearch", "opensearch", "postgres"]);
    expect(imageOf(bindings.postgres.chain)).toBe("postgres:16-alpine");
    expect(imageOf(bindings.elasticsearch.chain)).toBe("docker.elastic.co/elasticsearch/elasticsearch:8.15.3");
    expect(imageOf(bindings.opensearch.chain)).toBe("opensearchproject/opensearch:2.17.1");
    expect(Object.keys(bindingsOf(laneContainer("fast").chain))).toEqual([]);
    const healthcheck = bindings.postgres.chain.find((c) => c.field === "withDockerHealthcheck");
    expect(healthcheck?.args.args).toEqual(expect.arrayContaining(["pg_isready"]));
    const esHealth = bindings.elasticsearch.chain.find((c) => c.field === "withDockerHealthcheck");
    expect(String((esHealth?.args.args as string[])[0])).toContain("wait_for_status=yellow");
    for (const b of Object.values(bindings)) {
      const i = b.chain.findIndex((c) => c.field === "withExposedPort");
      const j = b.chain.findIndex((c) => c.field === "asService");
      expect(i).toBeGreaterThanOrEqual(0);
      expect(i).toBeLessThan(j);
    }
  });

  it("gives each lane its connection URLs, coverage file and plugin in env, the database URL as a secret", async () => {
    scriptRun(engine());
    await new BackendCi().prBackend(backendSource());
    const { env, chain } = laneContainer("integration");
    expect(env).toMatchObject({
      ELASTICSEARCH_URL: "http://elasticsearch:9200",
      OPENSEARCH_URL: "http://opensearch:9200",
      COVERAGE_FILE: "/reports/integration/.coverage.integration",
      PYTHONPATH: "/backend-ci",
      SEARCH_INDEX_PREFIX: "integration_",
      BACKEND_CI_SECRET_ENV: "DATABASE_URL",
    });
    expect(env.DATABASE_URL).toBeUndefined();
    expect(secretValuesOf(chain)).toEqual({ DATABASE_URL: "postgresql://postgres:postgres@postgres:5432/app" });
    expect(JSON.parse(env.BACKEND_CI_SERVICES)).toMatchObject({
      postgres: { kind: "postgres", fresh: true, url_env: ["DATABASE_URL"], isolation: "plugin" },
      elasticsearch: { kind: "search", url_env: ["ELASTICSEARCH_URL"] },
    });
    // The service's password travels as a secret too.
    const postgres = bindingsOf(chain).postgres.chain;
    expect(postgres.some((c) => c.field === "withSecretVariable" && c.args.name === "POSTGRES_PASSWORD")).toBe(true);
    expect(postgres.some((c) => c.field === "withEnvVariable" && c.args.name === "POSTGRES_PASSWORD")).toBe(false);
    expect(laneContainer("fast").env.COVERAGE_FILE).toBe("/reports/fast/.coverage.fast");
    expect(secretValuesOf(laneContainer("fast").chain)).toEqual({});
  });
});

describe("lane scheduling", () => {
  it("starts both parallel lanes before either is answered", async () => {
    scriptRun(engine());
    const gate = engine().holdExec((e) => laneOf(e) === "unit" || laneOf(e) === "contract");
    const run = new BackendCi().prBackend(backendSource(TWO_PARALLEL_TWO_SERIAL));
    const held = await gate.reached(2);
    expect(held.map(laneOf).sort()).toEqual(["contract", "unit"]);
    gate.release();
    expect((await run).ok).toBe(true);
  });

  it("runs serial lanes strictly one after another, in config order", async () => {
    scriptRun(engine());
    const gate = engine().holdExec((e) => laneOf(e) === "integration");
    const run = new BackendCi().prBackend(backendSource(TWO_PARALLEL_TWO_SERIAL));
    await gate.reached(1);
    // Give the pipeline every chance to start the next serial lane early.
    await new Promise((r) => setTimeout(r, 200));
    expect(engine().execs.filter((e) => laneOf(e) === "migrations")).toHaveLength(0);
    gate.release();
    await run;
    const integration = engine().execs.find((e) => laneOf(e) === "integration")!;
    const migrations = engine().execs.find((e) => laneOf(e) === "migrations")!;
    expect(migrations.startedAt).toBeGreaterThanOrEqual(integration.endedAt!);
  });

  it("gives every lane its own service instance", async () => {
    scriptRun(engine());
    await new BackendCi().prBackend(backendSource(TWO_PARALLEL_TWO_SERIAL));
    const a = bindingsOf(laneContainer("integration").chain).postgres.id;
    const b = bindingsOf(laneContainer("migrations").chain).postgres.id;
    expect(a).not.toBe(b);
  });
});

describe("combine and gate", () => {
  it("reads exactly the coverage files the lanes wrote, at the paths they wrote them", async () => {
    scriptRun(engine());
    await new BackendCi().prBackend(backendSource());
    const combine = engine().containers().find((c) => c.execs.some((a) => isCombine({ argv: a })))!;
    const copied = combine.chain.filter((c) => c.field === "withFile" && String(c.args.path).startsWith("/reports/")).map((c) => c.args.path);
    expect(copied.sort()).toEqual(["/reports/fast/.coverage.fast", "/reports/integration/.coverage.integration"]);
    const argv = combine.execs.find((a) => isCombine({ argv: a }))!;
    expect(argv).toEqual(expect.arrayContaining(["--data", "fast=/reports/fast/.coverage.fast", "--data", "integration=/reports/integration/.coverage.integration"]));
    const sources = engine()
      .reads()
      .filter((r) => r.kind === "file" && r.path.includes(".coverage.") && r.usedBy === "withFile(source)");
    expect(sources.map((r) => r.path).sort()).toEqual(copied.sort());
    // Each file is taken from the container of the lane that wrote it, after its exec.
    for (const r of sources) {
      const lane = r.path.split("/")[2];
      const exec = r.from.filter((c) => c.field === "withExec").at(-1);
      expect(laneOf({ argv: exec!.args.args as string[] })).toBe(lane);
    }
  });

  it("passes the gate threshold into the combine argv", async () => {
    scriptRun(engine(), { total: 85 });
    const result = await new BackendCi().prBackend(backendSource(), "3.12", undefined, undefined, 91);
    const argv = engine().execs.find(isCombine)!.argv;
    expect(argv[argv.indexOf("--fail-under") + 1]).toBe("91");
    expect(result.ok).toBe(false);
    expect(result.reasons.join("\n")).toContain("91");
  });

  it("checks coverage floors on the combined coverage.json and names the glob that missed", async () => {
    scriptRun(engine(), { files: { "app/auth/tokens.py": fileSummary(80, 100), "app/api.py": fileSummary(90, 100), "app/generated/pb.py": fileSummary(0, 50) } });
    const floors = '[tool.backend-ci.coverage]\nfloors = { "app/auth/**" = 95, "app/generated/**" = "exempt" }\n';
    const result = await new BackendCi().prBackend(backendSource(floors));
    expect(result.ok).toBe(false);
    expect(result.reasons.join("\n")).toMatch(/app\/auth\/\*\*.*80/);
    expect(result.reasons.join("\n")).not.toMatch(/generated/);
    expect(await result.summary()).toContain("app/auth/**");
  });

  it("still reads a failing lane's files, runs the others, and turns the result red", async () => {
    scriptRun(engine(), { failing: ["fast", "fast-rerun1"] });
    const result = await new BackendCi().prBackend(backendSource());
    const reads = engine()
      .reads()
      .filter((r) => r.path.startsWith("/reports/fast/") && r.usedBy === "contents")
      .map((r) => r.path);
    expect(reads).toEqual(expect.arrayContaining(["/reports/fast/junit.xml", "/reports/fast/lane.json"]));
    expect(engine().execs.find((e) => laneOf(e) === "integration")).toBeDefined();
    expect(result.ok).toBe(false);
    expect(() => result.check()).toThrow(/fast/);
    expect(engine().execs.find(isCombine)!.argv).toContain("fast=/reports/fast/.coverage.fast");
  });

  it("reruns only the failed node ids in a fresh container and reports a pass on rerun as flaky", async () => {
    scriptRun(engine(), { failing: ["fast"] });
    const result = await new BackendCi().prBackend(backendSource());
    const rerun = engine().execs.find((e) => laneOf(e) === "fast-rerun1")!;
    const pytest = rerun.argv.slice(rerun.argv.indexOf("--") + 1);
    expect(pytest.filter((a) => a.includes("::"))).toEqual(["tests/unit/test_x.py::test_b"]);
    expect(rerun.env.BACKEND_CI_ATTEMPT).toBe("1");
    expect(result.ok).toBe(true);
    expect(await result.summary()).toMatch(/flaky/i);
  });
});

describe("a lane that never runs to the end", () => {
  it("reports a service that never became healthy as not-ready, and still runs, combines and reports the other lanes", async () => {
    scriptRun(engine());
    engine().onService((s) => s.alias === "postgres", { unhealthy: 255 });
    const result = await new BackendCi().prBackend(backendSource());
    expect(result.ok).toBe(false);
    expect(result.reasons.join("\n")).toMatch(/integration/);
    const record = JSON.parse(await result.reports.file("integration/lane.json").contents()) as { status: string; message: string };
    expect(record.status).toBe("not-ready");
    expect(record.message).toContain("health check failed");
    expect(await result.reports.directory("fast").entries()).toEqual(expect.arrayContaining(["junit.xml", "lane.json"]));
    expect(engine().execs.find(isCombine)!.argv).toContain("fast=/reports/fast/.coverage.fast");
  });

  it("sizes each service's health check from readiness_timeout", async () => {
    scriptRun(engine());
    await new BackendCi().prBackend(backendSource("[tool.backend-ci]\nreadiness_timeout = 45\n"));
    const pg = bindingsOf(laneContainer("integration").chain).postgres;
    expect(pg.chain.find((c) => c.field === "withDockerHealthcheck")?.args.retries).toBe(45);
  });
});

describe("bad input", () => {
  it("issues no engine query at all for a bad argument", async () => {
    await expect(new BackendCi().prBackend(backendSource(), "3.12", "many")).rejects.toThrow(/--workers = "many"/);
    expect(engine().calls.filter((c) => c.field !== "id")).toHaveLength(0);
  });

  it("reads only the source for a bad [tool.backend-ci] value and starts no container", async () => {
    const bad = '[tool.backend-ci.lanes.unit]\nworkers = "many"\n';
    await expect(new BackendCi().prBackend(backendSource(bad))).rejects.toThrow(/tool\.backend-ci\.lanes\.unit\.workers = "many"/);
    expect(engine().containers()).toHaveLength(0);
    expect(engine().execs).toHaveLength(0);
  });
});

describe("lane", () => {
  it("returns the container after the lane ran, for terminal debugging", async () => {
    engine().onExec((e) => laneOf(e) !== undefined, (e) => laneOutcome(e, true));
    const c = await new BackendCi().lane(backendSource(), "integration");
    expect(await c.exitCode()).toBe(1);
    expect(laneOf({ argv: engine().execs.at(-1)!.argv })).toBe("integration");
  });

  it("names the lanes there are when asked for one that is not", async () => {
    await expect(new BackendCi().lane(backendSource(), "nope")).rejects.toThrow(/no lane "nope".*fast, integration/);
  });
});

describe("arguments that change the graph", () => {
  it("applies --workers=0 to every lane, serial ones with their own workers too: the serial fallback", async () => {
    scriptRun(engine());
    const config = '[tool.backend-ci.lanes.fast]\npaths = ["tests/unit"]\n[tool.backend-ci.lanes.integration]\npaths = ["tests/integration"]\nmode = "serial"\nworkers = 2\n';
    await new BackendCi().prBackend(backendSource(config), "3.12", "0");
    for (const id of ["fast", "integration"]) {
      const argv = laneArgv(id);
      expect(argv.slice(argv.indexOf("--") + 1).join(" ")).toMatch(/ -n 0 /);
      expect(argv.slice(argv.indexOf("--workers-planned"), argv.indexOf("--workers-planned") + 2)).toEqual(["--workers-planned", "0"]);
    }
  });

  it("makes every lane container new with --cache-buster, so the lanes really run again", async () => {
    scriptRun(engine());
    await new BackendCi().prBackend(backendSource(), "3.12", undefined, undefined, undefined, undefined, undefined, undefined, "run-42");
    for (const c of laneContainers()) expect(c.env.BACKEND_CI_CACHE_BUSTER).toBe("run-42");
  });
});

describe("backend", () => {
  it("installs requirements files on python:<v>-slim with a pip cache, before copying the source", async () => {
    const c = await new BackendCi().backend(backendSource(), "3.11");
    await c.sync();
    const [used] = engine().containers(/^python:/);
    expect(used.image).toBe("python:3.11-slim");
    const calls = used.chain.map((x) => x.field);
    expect(calls.filter((f) => f === "withMountedCache")).toHaveLength(2);
    const install = used.execs.findIndex((a) => a[0] === "pip" && a.includes("-r"));
    expect(used.execs[install]).toEqual(["pip", "install", "-r", "requirements.txt", "-r", "requirements-test.txt"]);
    const lastDir = used.chain.map((x) => x.field).lastIndexOf("withDirectory");
    const firstExec = used.chain.findIndex((x) => x.field === "withExec");
    expect(lastDir).toBeGreaterThan(firstExec);
    expect(used.workdir).toBe("/src");
  });

  it("uses uv sync when the source has uv.lock", async () => {
    const src = backendSource('[project]\nname = "svc"\n[dependency-groups]\ndev = ["pytest"]\n', { "uv.lock": "version = 1\n" }).withoutFile("requirements.txt").withoutFile("requirements-test.txt");
    await (await new BackendCi().backend(src)).sync();
    const [used] = engine().containers(/^python:/);
    expect(used.execs).toContainEqual(["uv", "sync", "--frozen", "--group", "dev", "--no-install-project"]);
  });

  it("builds the team's own Dockerfile stage when given one", async () => {
    await (await new BackendCi().backend(backendSource(), "3.12", "docker/Dockerfile", "test")).sync();
    const build = engine()
      .usedChains()
      .flatMap((chain) => chain)
      .find((c) => c.field === "dockerBuild");
    expect(build?.args).toMatchObject({ dockerfile: "docker/Dockerfile", target: "test" });
  });
});
