/** config + collected tests + durations -> the lanes to run, each with its exact argv, env and outputs. */
import { describe, expect, it } from "vitest";

import { type Config, readConfig, withDefaultLanes } from "../src/core/config/config.js";
import { CONTAINER_LAYOUT } from "../src/core/plan/layout.js";
import { selectPart } from "../src/core/plan/parts.js";
import { collectPlan, lanesNeedingCollection, planCombine, planLanes, planRerun } from "../src/core/plan/plan.js";

const defaults = (toml = "", dirs = ["tests/unit", "tests/contract", "tests/integration"]): Config => withDefaultLanes(readConfig(toml), dirs);
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

  it("applies the workers argument to parallel lanes only, 0 dropping xdist", () => {
    const lanes = planLanes({ config: defaults(), layout: CONTAINER_LAYOUT, workers: 0 });
    expect(lanes.map((l) => [l.id, l.pytest.includes("-n")])).toEqual([
      ["fast", false],
      ["integration", false],
    ]);
    const four = planLanes({ config: defaults(), layout: CONTAINER_LAYOUT, workers: 4 });
    expect(four[0].pytest.join(" ")).toContain("-n 4 --dist load");
  });

  it("waits for each bound service on its maintenance URL and passes timeouts to the runner", () => {
    const integration = planLanes({ config: defaults("[tool.backend-ci]\nreadiness_timeout = 30"), layout: CONTAINER_LAYOUT })[1];
    const runner = integration.argv.slice(0, integration.argv.indexOf("--"));
    expect(runner).toEqual(
      expect.arrayContaining([
        "--wait",
        "postgres=postgresql://postgres:postgres@postgres:5432/postgres",
        "--wait",
        "elasticsearch=http://elasticsearch:9200",
        "--wait-timeout",
        "30",
        "--timeout",
        "1800",
      ]),
    );
  });

  it("sets the isolation plugin's variables for postgres and search lanes", () => {
    const config = defaults('[tool.backend-ci.isolation]\nmigrate = "alembic upgrade head"\nkeep_databases = true');
    const { env } = planLanes({ config, layout: CONTAINER_LAYOUT })[1];
    expect(env).toMatchObject({
      BACKEND_CI_DATABASE_ENV: "DATABASE_URL",
      BACKEND_CI_MIGRATE: "alembic upgrade head",
      BACKEND_CI_KEEP_DATABASES: "1",
      BACKEND_CI_INDEX_PREFIX_ENV: "SEARCH_INDEX_PREFIX",
      SEARCH_INDEX_PREFIX: "integration_",
    });
  });

  it("lets a lane's own env win over the planned one", () => {
    const config = defaults('[tool.backend-ci.lanes.it]\nservices = ["postgres"]\nenv = { DATABASE_URL = "postgresql://x@db/y" }');
    expect(planLanes({ config, layout: CONTAINER_LAYOUT })[0].env.DATABASE_URL).toBe("postgresql://x@db/y");
  });

  it("keeps the helpers on PYTHONPATH when a lane sets its own", () => {
    const config = defaults('[tool.backend-ci.lanes.it]\nenv = { PYTHONPATH = "/src/lib" }');
    expect(planLanes({ config, layout: CONTAINER_LAYOUT })[0].env.PYTHONPATH).toBe("/backend-ci:/src/lib");
  });

  it("encodes Postgres credentials in the URLs", () => {
    const config = defaults('[tool.backend-ci.services.postgres]\npassword = "p@ss/w#rd"\n[tool.backend-ci.lanes.it]\nservices = ["postgres"]');
    const [lane] = planLanes({ config, layout: CONTAINER_LAYOUT });
    expect(lane.env.DATABASE_URL).toBe("postgresql://postgres:p%40ss%2Fw%23rd@postgres:5432/app");
    expect(new URL(lane.env.DATABASE_URL).password).toBe("p%40ss%2Fw%23rd");
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
    expect(shards[0].pytest).not.toContain("tests/it");
    expect(shards.map((s) => s.env.BACKEND_CI_SHARD)).toEqual(["1of2", "2of2"]);
    expect(shards.map((s) => s.mode)).toEqual(["parallel", "parallel"]);
  });
});

describe("collectPlan", () => {
  it("collects with pytest --collect-only -q through the plugin, isolation off", () => {
    const config = defaults('[tool.backend-ci.lanes.it]\npaths = ["tests/it"]\nmarkers = "not slow"\nshards = 2');
    const p = collectPlan(config, "it", CONTAINER_LAYOUT);
    expect(p.argv).toEqual(["python", "-m", "pytest", "tests/it", "-m", "not slow", "--collect-only", "-q", "-p", "backend_ci_plugin", "--backend-ci-collect=/reports/collect/it.json", "-p", "no:cacheprovider"]);
    expect(p.env.BACKEND_CI_ISOLATION).toBe("0");
  });
});

describe("planRerun", () => {
  it("reruns only the failed node ids without xdist or coverage, in a new report directory", () => {
    const lane = planLanes({ config: defaults(), layout: CONTAINER_LAYOUT })[0];
    const r = planRerun(lane, ["tests/unit/test_x.py::test_b"], 1, CONTAINER_LAYOUT);
    expect(r.id).toBe("fast-rerun1");
    expect(r.argv.slice(0, 6)).toEqual(["python", "/backend-ci/run_lane.py", "--lane", "fast-rerun1", "--reports", "/reports/fast-rerun1"]);
    expect(after(r.argv)).toEqual(expect.arrayContaining(["tests/unit/test_x.py::test_b", "--no-cov", "--junitxml=/reports/fast-rerun1/junit.xml"]));
    expect(after(r.argv)).not.toContain("-n");
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
