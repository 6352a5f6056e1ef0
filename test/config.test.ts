/** [tool.backend-ci]: defaults, overrides, and errors that name the key, the value and what is allowed. */
import { describe, expect, it } from "vitest";

import { ConfigError, LaneConfig, laneWorkers, readConfig } from "../src/core/config/config.js";

const toml = (body: string) => `[project]\nname = "svc"\n\n${body}`;

describe("defaults with no configuration", () => {
  it("gates at 80 with branch coverage and reruns failed tests once, warning on flaky ones", () => {
    const c = readConfig(toml(""));
    expect([c.coverage.fail_under, c.coverage.branch, c.flaky.reruns, c.flaky.policy]).toEqual([80, true, 1, "warn"]);
  });
});

describe("overrides", () => {
  it("takes lanes, the gate and images from [tool.backend-ci]", () => {
    const c = readConfig(
      toml(`[tool.backend-ci]
python_image = "ghcr.io/acme/py:3.12"
[tool.backend-ci.coverage]
fail_under = 91.5
floors = { "app/auth/**" = 95, "app/generated/**" = "exempt" }
[tool.backend-ci.services.postgres]
image = "postgres:17"
env = "PG_DSN"
[tool.backend-ci.lanes.api]
paths = ["tests/api"]
markers = "not slow"
workers = 4
dist = "loadfile"
env = { FEATURE_X = "1" }
timeout = 600
`),
    );
    const lanes = c.lanes!;
    expect(Object.keys(lanes)).toEqual(["api"]);
    expect(lanes.api).toMatchObject({ paths: ["tests/api"], markers: "not slow", workers: 4, dist: "loadfile", env: { FEATURE_X: "1" }, timeout: 600 });
    expect(c.coverage.floors).toEqual({ "app/auth/**": 95, "app/generated/**": "exempt" });
    expect(c.services.postgres).toMatchObject({ image: "postgres:17", env: ["PG_DSN"], database: "app" });
    expect(c.python_image).toBe("ghcr.io/acme/py:3.12");
  });

  it("lets --workers=0 turn xdist off everywhere, and other values apply to the lanes that use xdist", () => {
    const fast = LaneConfig.parse({});
    const integration = LaneConfig.parse({ mode: "serial" });
    const own = LaneConfig.parse({ mode: "serial", workers: 2 });
    expect([laneWorkers(fast), laneWorkers(integration), laneWorkers(own)]).toEqual(["auto", 0, 2]);
    expect([laneWorkers(fast, 0), laneWorkers(integration, 0), laneWorkers(own, 0)]).toEqual([0, 0, 0]);
    expect([laneWorkers(fast, 4), laneWorkers(integration, 4), laneWorkers(own, 4)]).toEqual([4, 0, 4]);
  });
});

describe("bad values fail before anything runs", () => {
  it.each([
    ['[tool.backend-ci.lanes.unit]\nworkers = "many"', /tool\.backend-ci\.lanes\.unit\.workers = "many" is not allowed: expected "auto" or a whole number/],
    ['[tool.backend-ci.lanes.unit]\nmode = "fast"', /lanes\.unit\.mode = "fast" is not allowed: .*"parallel"\|"serial"/],
    ["[tool.backend-ci.coverage]\nfail_under = 120", /coverage\.fail_under = 120 is not allowed/],
    ['[tool.backend-ci.lanes.unit]\nservices = ["kafka"]', /lanes\.unit\.services\.0 = "kafka" is not allowed: no service "kafka".*\[tool\.backend-ci\.services\.kafka\]/],
    ["[tool.backend-ci]\nfail_under = 80", /tool\.backend-ci: unknown key "fail_under"/],
    ['[tool.backend-ci.lanes.Unit]\npaths = ["x"]', /lanes\.Unit.*lower-case/],
    ['[tool.backend-ci.lanes.unit]\nenv = { "1BAD" = "x" }', /lanes\.unit\.env\.1BAD.*environment variable name/],
    ['[tool.backend-ci.flaky]\npolicy = "retry"', /flaky\.policy = "retry" is not allowed/],
    ['[tool.backend-ci.coverage]\nfloors = { "app/auth/**" = 120 }', /coverage\.floors\."app\/auth\/\*\*" = 120 is not allowed/],
  ])("%s", (body, message) => {
    expect(() => readConfig(toml(body))).toThrow(ConfigError);
    expect(() => readConfig(toml(body))).toThrow(message);
  });

  it.each([
    // Generated ids can never collide with configured names: shards, reruns, service shards, report folders.
    ['[tool.backend-ci.lanes.x-1of2]\npaths = ["t"]', /lanes\."?x-1of2"?: the name "x-1of2" is not allowed: ends like an id backend-ci generates, `-<k>of<n>`/],
    ['[tool.backend-ci.lanes.fast-rerun1]\npaths = ["t"]', /the name "fast-rerun1" is not allowed: .*`-rerun<N>`/],
    ['[tool.backend-ci.lanes.it-no-services]\npaths = ["t"]', /the name "it-no-services" is not allowed/],
    ['[tool.backend-ci.lanes.combined]\npaths = ["t"]', /"combined" is a directory of the reports, not a lane/],
    [`[tool.backend-ci.lanes.${"a".repeat(65)}]\npaths = ["t"]`, /at most 64 characters/],
    ['[tool.backend-ci.services.rerun1]\nimage = "x"\nport = 1\nenv = "X_URL"', /services\.rerun1.*looks like a part of an id backend-ci generates/],
    // Reserved variable names.
    ['[tool.backend-ci.lanes.unit]\nenv = { PATH = "/bin" }', /lanes\.unit\.env\.PATH.*reserved: PATH is set by backend-ci itself/],
    ['[tool.backend-ci.lanes.unit]\nenv = { COVERAGE_FILE = "x" }', /env\.COVERAGE_FILE.*names starting with COVERAGE_ are reserved/],
    ['[tool.backend-ci.lanes.unit]\nenv = { PYTEST_ADDOPTS = "-x" }', /names starting with PYTEST_ are reserved/],
    ['[tool.backend-ci.services.postgres]\nenv = "BACKEND_CI_LANE"', /services\.postgres\.env.*names starting with BACKEND_CI_ are reserved/],
    ['[tool.backend-ci.isolation]\nindex_prefix_env = "HOME"', /isolation\.index_prefix_env = "HOME" is not allowed: is reserved/],
    // Patterns that match nothing, or that coverage.py refuses.
    ['[tool.backend-ci.flaky]\nquarantine = [""]', /flaky\.quarantine\.0 = "" is not allowed: must not be empty/],
    ['[tool.backend-ci.flaky]\nquarantine = ["  "]', /flaky\.quarantine\.0 = "  " is not allowed: must not be blank/],
    ['[tool.backend-ci.coverage]\nfloors = { "" = 90 }', /coverage\.floors.*must not be empty/],
    ['[tool.backend-ci.coverage]\npaths = ["/builds/*/src/*"]', /coverage\.paths\.0 = "\/builds\/\*\/src\/\*" is not allowed: coverage\.py refuses \[paths\] entries that end with a wildcard/],
    // Services a lane names must exist.
    ['[tool.backend-ci.lanes.unit]\nservices = ["minio"]', /no service "minio".*\[tool\.backend-ci\.services\.minio\] \(image, port, env\)/],
  ])("refuses %s, naming the key", (body, message) => {
    expect(() => readConfig(toml(body))).toThrow(message);
  });

  it("accepts a service of the team's own and Redis, and the search services' heap and settings", () => {
    const c = readConfig(
      toml(`[tool.backend-ci.services.minio]
image = "minio/minio:latest"
port = 9000
env = ["S3_URL", "AWS_ENDPOINT_URL"]
url = "http://{host}:{port}"
args = ["server", "/data"]
container_env = { MINIO_ROOT_USER = "minio" }
readiness = ["curl", "-f", "http://127.0.0.1:9000/minio/health/ready"]
[tool.backend-ci.services.opensearch]
heap = "1g"
settings = { "indices.query.bool.max_clause_count" = 4096 }
[tool.backend-ci.lanes.it]
services = ["redis", "minio", "opensearch"]`),
    );
    expect(c.services.minio).toMatchObject({ port: 9000, env: ["S3_URL", "AWS_ENDPOINT_URL"], marker: "requires_minio" });
    expect(c.services.redis).toMatchObject({ image: "redis:7-alpine", env: ["REDIS_URL"], databases: 64 });
    expect(c.services.opensearch).toMatchObject({ heap: "1g", settings: { "indices.query.bool.max_clause_count": 4096 } });
    expect(() => readConfig(toml('[tool.backend-ci.services.opensearch]\nheap = "lots"'))).toThrow(/services\.opensearch\.heap = "lots" is not allowed: expected a heap size/);
    expect(() => readConfig(toml('[tool.backend-ci.services.minio]\nport = 9000\nenv = "S3_URL"'))).toThrow(/services\.minio\.image/);
  });

  it("names the file when the TOML itself is broken", () => {
    expect(() => readConfig("[tool.backend-ci\nx=1", "svc/pyproject.toml")).toThrow(/svc\/pyproject\.toml: not valid TOML/);
  });

  it("lists every bad key at once", () => {
    const err = (() => {
      try {
        readConfig(toml('[tool.backend-ci.lanes.a]\nworkers = -1\ntimeout = 0\n'));
      } catch (e) {
        return (e as Error).message;
      }
    })();
    expect(err).toMatch(/workers = -1/);
    expect(err).toMatch(/timeout = 0/);
  });
});
