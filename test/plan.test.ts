/** config + collected tests + durations -> the lanes to run, each with its exact argv, env and outputs. */
import { describe, expect, it } from "vitest";

import { type Config, LaneConfig, readConfig } from "../src/core/config/config.js";
import { CONTAINER_LAYOUT, containerLayout } from "../src/core/plan/layout.js";
import { selectPart } from "../src/core/plan/parts.js";
import { collectPlan, lanesNeedingCollection, planCombine, planLanes, planRerun } from "../src/core/plan/plan.js";
import { secretValue } from "../src/core/plan/service-env.js";

/** The config's lanes, or a fast lane and a serial integration lane bound to Postgres and both search services. */
const defaults = (toml = ""): Config => {
  const c = readConfig(toml);
  const lane = (over: object) => LaneConfig.parse(over);
  return {
    ...c,
    lanes: c.lanes ?? {
      fast: lane({ paths: ["tests/unit", "tests/contract"] }),
      integration: lane({ paths: ["tests/integration"], mode: "serial", services: ["postgres", "elasticsearch", "opensearch"] }),
    },
  };
};
const after = (argv: string[]) => argv.slice(argv.indexOf("--") + 1);

describe("planLanes", () => {
  it("gives each lane its own report directory, coverage file and JUnit", () => {
    for (const l of planLanes({ config: defaults(), layout: CONTAINER_LAYOUT })) {
      expect(l.reportDir).toBe(`/reports/${l.id}`);
      expect(l.env.COVERAGE_FILE).toBe(l.outputs.coverage);
      expect(l.outputs.coverage).toBe(`/reports/${l.id}/.coverage.${l.id}`);
      expect(l.pytest).toContain(`--junitxml=/reports/${l.id}/junit.xml`);
      expect(l.argv.slice(0, 6)).toEqual(["python", "/backend-ci/run_lane.py", "--lane", l.id, "--reports", l.reportDir]);
      expect(after(l.argv)).toEqual(l.pytest);
    }
  });

  it("measures branches in every lane and gates none of them", () => {
    for (const l of planLanes({ config: defaults(), layout: CONTAINER_LAYOUT })) {
      expect(l.pytest).toEqual(expect.arrayContaining(["--cov", "--cov-branch", "--cov-fail-under=0", "--cov-report="]));
    }
  });

  it("uses --cov=<each> when coverage.source is set, and no --cov-branch when branch is off", () => {
    const [l] = planLanes({ config: defaults('[tool.backend-ci.coverage]\nsource = ["app", "lib"]\nbranch = false'), layout: CONTAINER_LAYOUT });
    expect(l.pytest.filter((a) => a.startsWith("--cov"))).toEqual(["--cov=app", "--cov=lib", "--cov-report=", "--cov-fail-under=0"]);
  });

  it("runs a serial lane with -n 0, so a -n in the backend's addopts cannot make it parallel", () => {
    const [, integration] = planLanes({ config: defaults(), layout: CONTAINER_LAYOUT });
    expect(integration.pytest.join(" ")).toContain(" -n 0 ");
    expect(integration.argv.slice(integration.argv.indexOf("--workers-planned"), integration.argv.indexOf("--workers-planned") + 2)).toEqual(["--workers-planned", "0"]);
  });

  it("applies --workers=0 to every lane and any other value to the lanes that use xdist", () => {
    const config = defaults('[tool.backend-ci.lanes.fast]\npaths = ["tests/unit"]\n[tool.backend-ci.lanes.db]\nmode = "serial"\nworkers = 2\n[tool.backend-ci.lanes.slow]\nmode = "serial"');
    const n = (workers?: 0 | 4) => planLanes({ config, layout: CONTAINER_LAYOUT, workers }).map((l) => [l.id, l.pytest[l.pytest.indexOf("-n") + 1]]);
    expect(n(0)).toEqual([["fast", "0"], ["db", "0"], ["slow", "0"]]);
    expect(n(4)).toEqual([["fast", "4"], ["db", "4"], ["slow", "0"]]);
    expect(n()).toEqual([["fast", "auto"], ["db", "2"], ["slow", "0"]]);
  });

  it("waits for each bound service by name (its address is in the environment) and passes timeouts to the runner", () => {
    const integration = planLanes({ config: defaults("[tool.backend-ci]\nreadiness_timeout = 30"), layout: CONTAINER_LAYOUT })[1];
    const runner = integration.argv.slice(0, integration.argv.indexOf("--"));
    expect(runner).toEqual(
      expect.arrayContaining(["--wait", "postgres", "--wait", "elasticsearch", "--wait", "opensearch", "--wait-timeout", "30", "--timeout", "1800"]),
    );
    expect(integration.argv.join(" ")).not.toContain("://");
  });

  it("sets the isolation plugin's variables for postgres and search lanes", () => {
    const config = defaults('[tool.backend-ci.isolation]\nmigrate = "alembic upgrade head"\nkeep_databases = true');
    const { env } = planLanes({ config, layout: CONTAINER_LAYOUT })[1];
    expect(JSON.parse(env.BACKEND_CI_SERVICES)).toEqual({
      postgres: { kind: "postgres", fresh: true, url_env: ["DATABASE_URL"], url_file_env: null, vars: {}, password_file_env: null, isolation: "plugin" },
      elasticsearch: { kind: "search", fresh: true, url_env: ["ELASTICSEARCH_URL"], url_file_env: null },
      opensearch: { kind: "search", fresh: true, url_env: ["OPENSEARCH_URL"], url_file_env: null },
    });
    expect(env).toMatchObject({
      BACKEND_CI_MIGRATE: "alembic upgrade head",
      BACKEND_CI_KEEP_DATABASES: "1",
      BACKEND_CI_INDEX_PREFIX_ENV: "SEARCH_INDEX_PREFIX",
      SEARCH_INDEX_PREFIX: "integration_",
    });
  });

  it("lets a lane's own env win over the planned one, a planned secret too", () => {
    const config = defaults('[tool.backend-ci.lanes.it]\nservices = ["postgres"]\nenv = { DATABASE_URL = "postgresql://x@db/y" }');
    const [lane] = planLanes({ config, layout: CONTAINER_LAYOUT });
    expect(lane.env.DATABASE_URL).toBe("postgresql://x@db/y");
    expect(lane.secretEnv).toEqual({});
  });

  it("keeps the helpers on PYTHONPATH when a lane sets its own", () => {
    const config = defaults('[tool.backend-ci.lanes.it]\nenv = { PYTHONPATH = "/src/lib" }');
    expect(planLanes({ config, layout: CONTAINER_LAYOUT })[0].env.PYTHONPATH).toBe("/backend-ci:/src/lib");
  });

  it("keeps the Postgres URL out of the plan, a secret reference whose value encodes the credentials", () => {
    const config = defaults('[tool.backend-ci.services.postgres]\npassword = "p@ss/w#rd"\n[tool.backend-ci.lanes.it]\nservices = ["postgres"]');
    const [lane] = planLanes({ config, layout: CONTAINER_LAYOUT });
    expect(lane.env.DATABASE_URL).toBeUndefined();
    expect(JSON.stringify(lane)).not.toContain("p@ss");
    const url = secretValue(lane.secretEnv.DATABASE_URL, "p@ss/w#rd");
    expect(url).toBe("postgresql://postgres:p%40ss%2Fw%23rd@postgres:5432/app");
    expect(new URL(url).password).toBe("p%40ss%2Fw%23rd");
    expect(lane.env.BACKEND_CI_SECRET_ENV).toBe("DATABASE_URL");
  });

  it("reaches the app in every form the config names: driver scheme, several variables, a URL file, discrete variables, a password file", () => {
    const config = defaults(`[tool.backend-ci.services.postgres]
env = ["DATABASE_URL", "SQLALCHEMY_URL"]
scheme = "postgresql+asyncpg"
url_file_env = "DATABASE_URL_FILE"
vars = { host = "DB_HOST", port = "DB_PORT", user = "DB_USER", database = "DB_NAME", password = "DB_PASSWORD" }
password_file_env = "DB_PASSWORD_FILE"
[tool.backend-ci.lanes.it]
services = ["postgres"]`);
    const [lane] = planLanes({ config, layout: CONTAINER_LAYOUT });
    expect(lane.env).toMatchObject({ DB_HOST: "postgres", DB_PORT: "5432", DB_USER: "postgres", DB_NAME: "app" });
    expect(lane.env.DATABASE_URL_FILE).toBe("/run/secrets/backend-ci/postgres-url");
    expect(lane.env.DB_PASSWORD_FILE).toBe("/run/secrets/backend-ci/postgres-password");
    const value = (ref: Parameters<typeof secretValue>[0]) => secretValue(ref, "pw");
    expect(value(lane.secretEnv.DATABASE_URL)).toBe("postgresql+asyncpg://postgres:pw@postgres:5432/app");
    expect(value(lane.secretEnv.SQLALCHEMY_URL)).toBe(value(lane.secretEnv.DATABASE_URL));
    expect(value(lane.secretEnv.DB_PASSWORD)).toBe("pw");
    expect(Object.fromEntries(Object.entries(lane.secretFiles).map(([k, v]) => [k, value(v)]))).toEqual({
      "/run/secrets/backend-ci/postgres-url": "postgresql+asyncpg://postgres:pw@postgres:5432/app",
      "/run/secrets/backend-ci/postgres-password": "pw",
    });
    expect(lane.env.BACKEND_CI_SECRET_ENV).toBe("DATABASE_URL,DB_PASSWORD,SQLALCHEMY_URL");
  });

  it("binds Redis and a service of the team's own with their URLs", () => {
    const config = defaults(`[tool.backend-ci.services.minio]
image = "minio/minio:latest"
port = 9000
env = "S3_ENDPOINT_URL"
url = "http://{host}:{port}"
[tool.backend-ci.lanes.it]
services = ["redis", "minio"]`);
    const [lane] = planLanes({ config, layout: containerLayout(config) });
    expect(lane.env).toMatchObject({ REDIS_URL: "redis://redis:6379/0", S3_ENDPOINT_URL: "http://minio:9000" });
    expect(JSON.parse(lane.env.BACKEND_CI_SERVICES)).toMatchObject({ redis: { kind: "redis" }, minio: { kind: "custom", url_env: ["S3_ENDPOINT_URL"] } });
    expect(lane.argv).toEqual(expect.arrayContaining(["--wait", "redis", "--wait", "minio"]));
  });

  it("plans a sharded lane that selected no tests whole, so pytest reports it", () => {
    const config = defaults('[tool.backend-ci.lanes.it]\npaths = ["tests/it"]\nshards = 3');
    const lanes = planLanes({ config, layout: CONTAINER_LAYOUT, collected: { it: [] } });
    expect(lanes.map((l) => [l.id, l.tests])).toEqual([["it", undefined]]);
    expect(lanes[0].pytest).toContain("tests/it");
  });

  it("refuses to plan a sharded lane whose tests were not collected", () => {
    const config = defaults("[tool.backend-ci.lanes.it]\nshards = 2");
    expect(lanesNeedingCollection(config)).toEqual(["it"]);
    expect(() => planLanes({ config, layout: CONTAINER_LAYOUT })).toThrow(/lane "it" is sharded: collect its tests first/);
  });

  it("splits a lane into duration-balanced shards with worksteal inside each", () => {
    const config = defaults('[tool.backend-ci.lanes.it]\npaths = ["tests/it"]\nshards = 2\nworkers = 2');
    const tests = ["a", "b", "c", "d"].map((n) => ({ nodeid: `tests/it/test_${n}.py::t`, markers: [] }));
    const durations = { "tests/it/test_a.py::t": 6, "tests/it/test_b.py::t": 3, "tests/it/test_c.py::t": 3 };
    const shards = planLanes({ config, layout: CONTAINER_LAYOUT, collected: { it: tests }, durations });
    // d has no record: it counts at the mean of the known (4). LPT: a, d, b, c onto the lighter shard.
    expect(shards.map((s) => [s.id, s.tests, s.expectedSeconds])).toEqual([
      ["it-1of2", ["tests/it/test_a.py::t", "tests/it/test_c.py::t"], 9],
      ["it-2of2", ["tests/it/test_b.py::t", "tests/it/test_d.py::t"], 7],
    ]);
    expect(shards[0].pytest.join(" ")).toContain("-n 2 --dist worksteal");
    // The shard collects the lane's paths and keeps its own tests, listed in a file: no id on the command line.
    expect(shards[0].pytest).toContain("tests/it");
    expect(shards[0].pytest).toContain("--backend-ci-select=/reports/select/it-1of2.txt");
    expect(shards[0].pytest.some((a) => a.includes("::"))).toBe(false);
    expect(shards[0].selectFile).toBe("/reports/select/it-1of2.txt");
    expect(shards.map((s) => s.env.BACKEND_CI_SHARD)).toEqual(["1of2", "2of2"]);
    expect(shards.map((s) => s.mode)).toEqual(["parallel", "parallel"]);
  });
});

describe("lane ids", () => {
  it("refuses a plan where a generated id would equal another lane's, naming both", () => {
    const config = defaults('[tool.backend-ci.lanes.it]\nshard_by = "services"\nservices = ["postgres"]\n[tool.backend-ci.lanes.it-postgres]\npaths = ["t"]');
    const collected = { it: [{ nodeid: "tests/a.py::t", markers: ["requires_postgres"] }] };
    expect(() => planLanes({ config, layout: CONTAINER_LAYOUT, collected })).toThrow(/lane id "it-postgres" would be used twice \(by lane "it-postgres" and lane "it" shard postgres\)|lane id "it-postgres" would be used twice \(by lane "it" shard postgres and lane "it-postgres"\)/);
  });

  it("refuses to rerun an id that pytest would read as an option", () => {
    const [lane] = planLanes({ config: defaults(), layout: CONTAINER_LAYOUT });
    expect(() => planRerun(lane, ["--co"], 1, CONTAINER_LAYOUT)).toThrow(/"--co" is not a node id/);
  });
});

describe("collectPlan", () => {
  it("collects with pytest --collect-only -q through the plugin, isolation off", () => {
    const config = defaults('[tool.backend-ci.lanes.it]\npaths = ["tests/it"]\nmarkers = "not slow"\nshards = 2');
    const p = collectPlan(config, "it", CONTAINER_LAYOUT);
    expect(p.argv).toEqual([
      "python",
      "-m",
      "pytest",
      "tests/it",
      "-m",
      "not slow",
      "--collect-only",
      "-q",
      "-p",
      "backend_ci_plugin",
      "-n",
      "0",
      "--backend-ci-collect=/reports/collect/it.json",
      "-p",
      "no:cacheprovider",
    ]);
    expect(p.env.BACKEND_CI_ISOLATION).toBe("0");
  });

  it("collects with the lane's own PYTHONPATH after the helpers, as the lane itself runs", () => {
    const config = defaults('[tool.backend-ci.lanes.it]\nshards = 2\nenv = { PYTHONPATH = "/src/lib", FOO = "1" }');
    expect(collectPlan(config, "it", CONTAINER_LAYOUT).env).toMatchObject({ PYTHONPATH: "/backend-ci:/src/lib", FOO: "1" });
  });
});

describe("planRerun", () => {
  it("reruns only the failed node ids without xdist or coverage, in a new report directory", () => {
    const lane = planLanes({ config: defaults(), layout: CONTAINER_LAYOUT })[0];
    const r = planRerun(lane, ["tests/unit/test_x.py::test_b"], 1, CONTAINER_LAYOUT);
    expect(r.id).toBe("fast-rerun1");
    expect(r.argv.slice(0, 6)).toEqual(["python", "/backend-ci/run_lane.py", "--lane", "fast-rerun1", "--reports", "/reports/fast-rerun1"]);
    expect(after(r.argv)).toEqual(expect.arrayContaining(["tests/unit/test_x.py::test_b", "--no-cov", "--junitxml=/reports/fast-rerun1/junit.xml"]));
    expect(after(r.argv).join(" ")).toContain(" -n 0 ");
    expect(after(r.argv)).not.toContain("tests/unit");
    expect(r.env.BACKEND_CI_ATTEMPT).toBe("1");
    expect(r.outputs.coverage).toBe("");
  });

  it("keeps the lane's own pytest arguments in its reruns", () => {
    const [lane] = planLanes({ config: defaults('[tool.backend-ci.lanes.it]\npytest_args = ["-p", "myplugin", "--ds=settings.test"]'), layout: CONTAINER_LAYOUT });
    const r = planRerun(lane, ["tests/test_x.py::t"], 1, CONTAINER_LAYOUT);
    expect(r.pytest.slice(-3)).toEqual(["-p", "myplugin", "--ds=settings.test"]);
  });
});

describe("planCombine", () => {
  it("hands combine.py every lane's data file by lane id, the gate and the branch mode", () => {
    const config = defaults('[tool.backend-ci.coverage]\nfail_under = 87\npaths = ["/builds/app"]');
    const p = planCombine(config, planLanes({ config, layout: CONTAINER_LAYOUT }), CONTAINER_LAYOUT);
    expect(p.argv).toEqual([
      "python",
      "/backend-ci/combine.py",
      "--out",
      "/reports/combined",
      "--fail-under",
      "87",
      "--branch",
      "--data",
      "fast=/reports/fast/.coverage.fast",
      "--data",
      "integration=/reports/integration/.coverage.integration",
      "--source-alias",
      "/builds/app",
    ]);
  });
});

describe("selectPart", () => {
  const config = defaults('[tool.backend-ci.lanes.a]\npaths=["tests/a"]\n[tool.backend-ci.lanes.b]\npaths=["tests/b"]\n[tool.backend-ci.lanes.c]\npaths=["tests/c"]');
  const lanes = planLanes({ config, layout: CONTAINER_LAYOUT });
  const durations = { "tests/a/test_x.py::t": 10, "tests/b/test_x.py::t": 6, "tests/c/test_x.py::t": 5 };

  it("deals lanes longest first onto the least-loaded part, each lane in exactly one part", () => {
    const parts = [1, 2].map((i) => selectPart(lanes, i, 2, durations).map((l) => l.id));
    expect(parts).toEqual([["a"], ["b", "c"]]);
  });

  it.each([
    [0, 2, /part = 0 is not allowed/],
    [3, 2, /part = 3 is not allowed/],
    [1, 0, /parts = 0 is not allowed/],
  ])("rejects part %i of %i", (part, parts, message) => {
    expect(() => selectPart(lanes, part, parts)).toThrow(message);
  });
});
