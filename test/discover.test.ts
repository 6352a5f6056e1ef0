/**
 * Zero configuration runs the whole suite: pytest's own config and the real test tree decide the
 * lanes, what each test file shows decides the services, and files no lane runs are listed.
 */
import { describe, expect, it } from "vitest";

import { readConfig } from "../src/core/config/config.js";
import { backendRoot, locateConfig } from "../src/core/config/locate.js";
import { readConftest, serviceReach } from "../src/core/plan/discover/conftest-fixtures.js";
import { compressPaths, discover, type SourceTree } from "../src/core/plan/discover/discover.js";
import { parseIni, pytestConfigFor } from "../src/core/plan/discover/pytest-config.js";
import { signalPattern, signalRegExp } from "../src/core/plan/discover/signals.js";
import { findTestFiles } from "../src/core/plan/discover/test-files.js";

/** A source held in memory, searched the way the host tree searches one on disk. */
function memoryTree(files: Record<string, string>): SourceTree {
  const paths = Object.keys(files).sort();
  return {
    files: paths,
    read: async (p) => files[p],
    grep: async (pattern, dirs) => {
      const re = signalRegExp(pattern);
      const under = (f: string) => dirs.some((d) => d === "." || f.startsWith(`${d}/`));
      return new Set(paths.filter((f) => f.endsWith(".py") && under(f) && re.test(files[f])));
    },
  };
}

const UNIT = "def test_adds():\n    assert 1 + 1 == 2\n";
const DB = "import psycopg\n\ndef test_db():\n    psycopg.connect('')\n";

describe("pytest's own configuration", () => {
  it("reads iniconfig files the way pytest does: continuation lines, ':' or '=', comment lines", () => {
    const ini = parseIni("[pytest]\naddopts = -n 4\n  --strict-markers\n# a comment\ntestpaths: unit\n    integration\n", "tests/pytest.ini");
    expect(Object.fromEntries(ini.get("pytest")!)).toEqual({ addopts: "-n 4\n--strict-markers", testpaths: "unit\nintegration" });
  });

  it("finds the nearest config above a folder, in pytest's order, and splits args options with shlex", async () => {
    const files = {
      "pyproject.toml": '[project]\nname = "x"\n',
      "setup.cfg": "[tool:pytest]\ntestpaths = tests\npython_files = check_*.py 'with space_*.py'\n",
      "tests/pytest.ini": "[pytest]\naddopts = -n 4\n",
    };
    const read = async (p: string) => files[p as keyof typeof files];
    const set = new Set(Object.keys(files));
    // pyproject.toml without a pytest table is skipped; setup.cfg's [tool:pytest] is the config.
    expect(await pytestConfigFor(".", set, read)).toMatchObject({ file: "setup.cfg", testpaths: ["tests"], pythonFiles: ["check_*.py", "with space_*.py"] });
    expect(await pytestConfigFor("tests/unit", set, read)).toMatchObject({ file: "tests/pytest.ini", dir: "tests", addopts: ["-n", "4"] });
  });

  it("reads pyproject's [tool.pytest.ini_options] and pytest 9's native [tool.pytest]", async () => {
    for (const text of ['[tool.pytest.ini_options]\ntestpaths = ["t"]\n', '[tool.pytest]\ntestpaths = ["t"]\n']) {
      const config = await pytestConfigFor(".", new Set(["pyproject.toml"]), async () => text);
      expect(config?.testpaths).toEqual(["t"]);
    }
  });
});

describe("the test tree", () => {
  it("uses testpaths (globs too) when pytest runs from the config's folder, python_files, and skips norecursedirs and virtualenvs", async () => {
    const tree = memoryTree({
      "pyproject.toml": '[tool.pytest.ini_options]\ntestpaths = ["tests", "svc_*/tests"]\n',
      "tests/test_a.py": UNIT,
      "tests/helpers.py": "",
      "tests/build/test_generated.py": UNIT,
      "tests/.hidden/test_h.py": UNIT,
      "tests/env/pyvenv.cfg": "",
      "tests/env/lib/test_x.py": UNIT,
      "svc_orders/tests/test_orders.py": UNIT,
      "scripts/test_tool.py": UNIT,
      "tests/b_test.py": UNIT,
    });
    const t = await findTestFiles(tree, ".");
    expect(t.testRoots).toEqual(["tests", "svc_orders/tests"]);
    expect(t.files).toEqual(["svc_orders/tests/test_orders.py", "tests/b_test.py", "tests/test_a.py"]);
  });

  it("collects from the backend root when no config names testpaths, and applies a sub-folder's own python_files", async () => {
    const tree = memoryTree({
      "tests/pytest.ini": "[pytest]\npython_files = check_*.py\n",
      "tests/unit/check_money.py": UNIT,
      "tests/unit/test_ignored.py": UNIT,
      "app/test_smoke.py": UNIT,
    });
    const t = await findTestFiles(tree, ".");
    expect(t.testRoots).toEqual(["."]);
    expect(t.files).toEqual(["app/test_smoke.py", "tests/unit/check_money.py"]);
  });
});

describe("zero configuration", () => {
  const config = readConfig(undefined);

  it("puts every test file in a lane: thirty folders, e2e and smoke too, files at the test root too", async () => {
    const files: Record<string, string> = { "tests/test_root.py": UNIT };
    for (let i = 0; i < 30; i++) files[`tests/area${i}/test_area.py`] = UNIT;
    files["tests/e2e/test_flow.py"] = UNIT;
    files["tests/smoke/test_up.py"] = UNIT;
    const d = await discover(memoryTree(files), config);
    expect(d.inferred).toBe(true);
    expect(Object.keys(d.lanes)).toEqual(["fast"]);
    expect(d.lanes.fast.paths).toEqual(["tests"]);
    expect(d.unplanned).toEqual([]);
    expect(d.tests.files).toHaveLength(33);
  });

  it("binds services only where the tests show they need them: their own text, or a conftest fixture they request", async () => {
    const d = await discover(
      memoryTree({
        "backend/tests/unit/test_money.py": UNIT,
        "backend/tests/contract/test_payload.py": UNIT,
        "backend/tests/integration/conftest.py": "import os\nimport pytest\n\n@pytest.fixture\ndef db():\n    return os.environ['DATABASE_URL']\n",
        "backend/tests/integration/test_orders.py": "def test_order(db):\n    assert db\n",
        "backend/tests/integration/test_cache.py": "import redis\n\ndef test_cache():\n    redis.Redis()\n",
        "backend/tests/smoke/test_health.py": UNIT,
        "backend/pyproject.toml": "[project]\nname = 'b'\n",
      }),
      { ...config, root: "backend" },
    );
    expect(d.lanes.fast.paths).toEqual(["tests/contract", "tests/smoke", "tests/unit"]);
    expect(d.lanes.integration).toMatchObject({ paths: ["tests/integration"], mode: "serial", services: ["postgres", "redis"] });
    expect(d.needs.byFile.get("tests/integration/test_orders.py")).toEqual(["postgres"]);
    // test_cache requests no fixture of the conftest that reaches Postgres.
    expect(d.needs.byFile.get("tests/integration/test_cache.py")).toEqual(["redis"]);
  });

  it("does not make a unit test an integration test because it patches a service's variable, unless it carries the marker", async () => {
    const d = await discover(
      memoryTree({
        "tests/unit/test_settings.py": 'def test_url(monkeypatch):\n    monkeypatch.setenv("DATABASE_URL", "")\n',
        "tests/unit/test_marked.py": "import pytest\n\n@pytest.mark.requires_redis\ndef test_r():\n    pass\n",
        "tests/conftest.py": "import psycopg\n",
      }),
      config,
    );
    expect(d.needs.byFile.get("tests/unit/test_settings.py")).toEqual([]);
    expect(d.needs.byFile.get("tests/unit/test_marked.py")).toEqual(["redis"]);
  });

  it("knows a service by its marker, its URL variables, its scheme, its client library, or the config's path globs", () => {
    const services = readConfig('[tool.backend-ci.services.postgres]\nenv = "PG_DSN"\nvars = "libpq"\n').services;
    const re = signalRegExp(signalPattern("postgres", services));
    for (const text of ["@pytest.mark.requires_postgres", "os.environ['PG_DSN']", "os.getenv('PGHOST')", "'postgresql+asyncpg://u@h/db'", "from sqlalchemy import text", "    import asyncpg"])
      expect(re.test(text), text).toBe(true);
    for (const text of ["DATABASE_URL_X = 1", "# we do not use psycopg here", "fakepsycopg"]) expect(re.test(text), text).toBe(false);
  });

  it("lists the test files configured lanes leave out, as folders where it can", async () => {
    const d = await discover(
      memoryTree({
        "tests/unit/test_a.py": UNIT,
        "tests/integration/test_b.py": DB,
        "tests/e2e/test_c.py": UNIT,
        "tests/e2e/test_d.py": UNIT,
        "tests/test_top.py": UNIT,
      }),
      readConfig('[tool.backend-ci.lanes.unit]\npaths = ["tests/unit"]\n[tool.backend-ci.lanes.db]\npaths = ["tests/integration/test_b.py::test_db"]\n'),
    );
    expect(d.inferred).toBe(false);
    expect(d.unplanned).toEqual(["tests/e2e", "tests/test_top.py"]);
  });

  it("leaves per-worker databases to a conftest that already makes them, and says why", async () => {
    const d = await discover(
      memoryTree({
        "tests/conftest.py": "import psycopg\nimport pytest\n\n@pytest.fixture(scope='session')\ndef db(worker_id):\n    return f'app_{worker_id}'\n",
        "tests/test_a.py": "def test_a(db):\n    assert db\n",
      }),
      config,
    );
    expect(d.databaseIsolation.mode).toBe("conftest");
    expect(d.databaseIsolation.why).toContain("tests/conftest.py");
    const forced = await discover(memoryTree({ "tests/conftest.py": "import psycopg\nworker_id = 1\n", "tests/test_a.py": UNIT }), readConfig('[tool.backend-ci.isolation]\ndatabase = "plugin"\n'));
    expect(forced.databaseIsolation.mode).toBe("plugin");
  });
});

describe("conftest fixtures", () => {
  const CONFTEST = `import os

import psycopg
import pytest
from app import settings


@pytest.fixture
def money():
    return 1


@pytest.fixture(scope="session")
def database_url():
    return settings.DATABASE_URL


@pytest.fixture
def conn(database_url):
    c = psycopg.connect(database_url)
    yield c


@pytest.fixture(name="repo")
def _repo(conn):
    return conn


@pytest.mark.usefixtures("x")
@pytest.fixture
def db_session(
    conn,
    money,
):
    return conn
`;

  it("finds the fixtures that reach a service: by their body, a name imported for it, or a fixture they request", () => {
    const facts = readConftest(CONFTEST);
    expect(facts.fixtures.map((f) => [f.name, f.params])).toEqual([
      ["money", []],
      ["database_url", []],
      ["conn", ["database_url"]],
      ["repo", ["conn"]],
      ["db_session", ["conn", "money"]],
    ]);
    const re = signalRegExp(signalPattern("postgres", readConfig(undefined).services));
    expect(serviceReach(facts, re, new Set())).toEqual({ fixtures: ["conn", "database_url", "db_session", "repo"], everyTest: false });
    expect(serviceReach(readConftest("import pytest\n\n@pytest.fixture\ndef client(conn):\n    return 1\n"), re, new Set(["conn"])).fixtures).toEqual(["client"]);
  });

  it("makes every test below need the service when module-level code, a hook or an autouse fixture reaches it", () => {
    const re = signalRegExp(signalPattern("postgres", readConfig(undefined).services));
    for (const text of [
      "import os\nURL = os.environ['DATABASE_URL']\n",
      "import psycopg\n\ndef pytest_configure(config):\n    psycopg.connect('')\n",
      "import pytest\n\n@pytest.fixture(autouse=True)\ndef clean():\n    wipe(os.environ['DATABASE_URL'])\n",
    ])
      expect(serviceReach(readConftest(text), re, new Set()).everyTest, text).toBe(true);
  });

  it("lets a test that requests such a fixture from a conftest above need the service, and its neighbours not", async () => {
    const d = await discover(
      memoryTree({
        "tests/conftest.py": CONFTEST,
        "tests/contract/test_payload.py": "def test_p(money):\n    assert money\n",
        "tests/api/test_orders.py": "def test_o(repo):\n    assert repo\n",
        "tests/api/conftest.py": "import pytest\n\n@pytest.fixture\ndef client(db_session):\n    return db_session\n",
        "tests/api/test_client.py": "def test_c(client):\n    assert client\n",
      }),
      readConfig(undefined),
    );
    expect(Object.fromEntries(d.needs.byFile)).toEqual({
      "tests/api/test_client.py": ["postgres"],
      "tests/api/test_orders.py": ["postgres"],
      "tests/contract/test_payload.py": [],
    });
  });
});

describe("compressPaths", () => {
  it("names a folder when every test file below it is selected", () => {
    const all = ["a/x/test_1.py", "a/x/test_2.py", "a/y/test_3.py", "b/test_4.py"];
    expect(compressPaths(new Set(["a/x/test_1.py", "a/x/test_2.py", "b/test_4.py"]), all)).toEqual(["a/x", "b"]);
    expect(compressPaths(new Set(all), all)).toEqual(["a", "b"]);
    expect(compressPaths(new Set(["a/x/test_1.py"]), all)).toEqual(["a/x/test_1.py"]);
  });
});

describe("where the backend lives", () => {
  it("reads root from the repository root's table, or --root, and the backend's own table when it has one", () => {
    const repo = '[tool.backend-ci]\nroot = "apps/api"\n';
    expect(backendRoot(undefined, repo)).toBe("apps/api");
    expect(backendRoot("svc/", repo)).toBe("svc");
    expect(() => backendRoot("../x", repo)).toThrow(/--root = "\.\.\/x" is not allowed/);
    const own = locateConfig({ root: "apps/api", repoPyproject: repo, rootPyproject: "[tool.backend-ci.coverage]\nfail_under = 90\n" });
    expect([own.file, own.config.root, own.config.coverage.fail_under]).toEqual(["apps/api/pyproject.toml", "apps/api", 90]);
    const fromRepo = locateConfig({ root: "apps/api", repoPyproject: repo, rootPyproject: '[project]\nname = "api"\n' });
    expect([fromRepo.file, fromRepo.config.root]).toEqual(["pyproject.toml", "apps/api"]);
    expect(() => locateConfig({ root: "a", repoPyproject: undefined, rootPyproject: '[tool.backend-ci]\nroot = "b"\n' })).toThrow(/root is read from the repository root/);
  });
});
