/**
 * The `[tool.backend-ci]` table of the backend's pyproject.toml: its zod schema (the single source of
 * truth for every key and default), the TOML reading, and the defaults inferred from the test tree.
 * A bad value fails here, before any container runs, naming the key, the value and what is allowed.
 */
import { parse as parseToml } from "smol-toml";
import { z } from "zod";


/** What to do with flaky tests: `warn` reports them, `fail` also turns the run red. */
export const FlakyPolicy = z.enum(["warn", "fail"]);
export type FlakyPolicy = z.infer<typeof FlakyPolicy>;

/** A coverage floor in percent, or `exempt`: the glob's files leave every other floor. */
export const Floor = z.union([z.number().min(0).max(100), z.literal("exempt")], {
  error: 'expected a percent from 0 to 100, or "exempt"',
});
export type Floor = z.infer<typeof Floor>;

/** Coverage floors: glob (relative to the source root, like coverage.json's keys) -> floor. */
export const Floors = z.record(z.string(), Floor);
export type Floors = z.infer<typeof Floors>;

export const SERVICE_NAMES = ["postgres", "elasticsearch", "opensearch"] as const;
export const ServiceName = z.enum(SERVICE_NAMES);
export type ServiceName = z.infer<typeof ServiceName>;

/** xdist's `--dist` modes (with `-n` above 0, xdist itself treats `no` as `load`). */
export const DistMode = z.enum(["load", "loadscope", "loadfile", "loadgroup", "worksteal", "no"]);
export type DistMode = z.infer<typeof DistMode>;

/** `"auto"` (one worker per CPU), or a count; 0 runs pytest without xdist. */
export const Workers = z.union([z.literal("auto"), z.number().int().min(0).max(256)], {
  error: 'expected "auto" or a whole number from 0 to 256 (0 runs without xdist)',
});
export type Workers = z.infer<typeof Workers>;

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name");

export const LaneConfig = z
  .object({
    /** Test paths (files, directories or node ids) relative to the source root. Empty: pytest's testpaths. */
    paths: z.array(z.string().min(1)).default([]),
    /** A pytest `-m` marker expression selecting this lane's tests. */
    markers: z.string().min(1).optional(),
    /** `parallel` lanes start together; `serial` lanes run one after another. */
    mode: z.enum(["parallel", "serial"]).default("parallel"),
    /** xdist workers; default `auto` for parallel lanes, 0 for serial ones. */
    workers: Workers.optional(),
    /** xdist `--dist`; default: the top-level `dist`, or `worksteal` inside shards. */
    dist: DistMode.optional(),
    /** Services this lane binds (fresh instances per lane and per shard). */
    services: z.array(ServiceName).default([]),
    /** Extra environment variables for the lane. */
    env: z.record(envName, z.string()).default({}),
    /** Seconds before the lane's pytest is killed. */
    timeout: z.number().int().positive().default(1800),
    /** Split this lane into N containers. */
    shards: z.number().int().min(1).max(64).default(1),
    /** `durations`: balance by recorded durations (LPT); `services`: one shard per set of needed services. */
    shard_by: z.enum(["durations", "services"]).default("durations"),
    /** Turn the run red when the lane selects no tests (pytest exit 5). */
    fail_on_empty: z.boolean().default(false),
    /** Extra pytest arguments, appended last. */
    pytest_args: z.array(z.string()).default([]),
  })
  .strict();
export type LaneConfig = z.infer<typeof LaneConfig>;

const ServiceConfig = (image: string, env: string, marker: string) =>
  z
    .object({
      /** Image of the service container. */
      image: z.string().min(1).default(image),
      /** Environment variable that carries the service's URL into lanes. */
      env: envName.default(env),
      /** pytest marker of tests that need this service (used by `shard_by = "services"`). */
      marker: z.string().min(1).default(marker),
      /** Globs of test files that need this service even without the marker. */
      paths: z.array(z.string().min(1)).default([]),
    })
    .strict();

export const DEFAULT_IMAGES = {
  postgres: "postgres:16-alpine",
  elasticsearch: "docker.elastic.co/elasticsearch/elasticsearch:8.15.3",
  opensearch: "opensearchproject/opensearch:2.17.1",
} as const;

export const ServicesConfig = z
  .object({
    postgres: ServiceConfig(DEFAULT_IMAGES.postgres, "DATABASE_URL", "requires_postgres")
      .extend({
        /** Database name; each xdist worker gets `<database>_<worker>`. */
        database: z.string().regex(/^[a-z_][a-z0-9_]*$/, "must be a lower-case SQL identifier").default("app"),
        user: z.string().min(1).default("postgres"),
        password: z.string().min(1).default("postgres"),
      })
      .strict()
      .prefault({}),
    elasticsearch: ServiceConfig(DEFAULT_IMAGES.elasticsearch, "ELASTICSEARCH_URL", "requires_elasticsearch").prefault({}),
    opensearch: ServiceConfig(DEFAULT_IMAGES.opensearch, "OPENSEARCH_URL", "requires_opensearch").prefault({}),
  })
  .strict();
export type ServicesConfig = z.infer<typeof ServicesConfig>;

export const BackendCiConfig = z
  .object({
    /** Base image of the backend container when no Dockerfile is given; default `python:<python>-slim`. */
    python_image: z.string().min(1).optional(),
    /** Default xdist `--dist` for parallel lanes. */
    dist: DistMode.default("load"),
    lanes: z.record(z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, "lane names are lower-case letters, digits, - and _"), LaneConfig).optional(),
    coverage: z
      .object({
        /** The gate on the combined total, in percent. */
        fail_under: z.number().min(0).max(100).default(80),
        /** Branch coverage in every lane (must be the same everywhere to combine). */
        branch: z.boolean().default(true),
        /** Packages or directories to measure (`--cov=<each>`); empty: the project's [tool.coverage.run]. */
        source: z.array(z.string().min(1)).default([]),
        /** Extra source roots whose paths are remapped onto the source at combine time. */
        paths: z.array(z.string().min(1)).default([]),
        /** Floors per path glob, in percent, or "exempt". */
        floors: Floors.default({}),
      })
      .strict()
      .prefault({}),
    services: ServicesConfig.prefault({}),
    isolation: z
      .object({
        /** Per-worker databases and index prefixes. */
        enabled: z.boolean().default(true),
        /** Shell command that migrates the database in the postgres URL variable; run once on a template. */
        migrate: z.string().min(1).optional(),
        /** Keep the per-worker databases after the run. */
        keep_databases: z.boolean().default(false),
        /** Variable that carries the search index prefix. */
        index_prefix_env: envName.default("SEARCH_INDEX_PREFIX"),
      })
      .strict()
      .prefault({}),
    flaky: z
      .object({
        /** Reruns of a failed lane's failed tests (0 disables flaky detection). */
        reruns: z.number().int().min(0).max(5).default(1),
        /** `warn`: flaky tests are reported; `fail`: they also turn the run red. */
        policy: FlakyPolicy.default("warn"),
        /** Node ids or globs that run and are reported but never turn the run red. */
        quarantine: z.array(z.string().min(1)).default([]),
      })
      .strict()
      .prefault({}),
    /** Seconds to wait for each service to become ready inside a lane. */
    readiness_timeout: z.number().int().positive().default(120),
  })
  .strict();
export type BackendCiConfig = z.infer<typeof BackendCiConfig>;

/** The config after defaults: lanes are always present. */
export type Config = Omit<BackendCiConfig, "lanes"> & { lanes: Record<string, LaneConfig> };

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Where a value sits, as a user writes it in pyproject.toml. */
function keyPath(path: PropertyKey[]): string {
  // TOML quotes keys that are not bare: a glob such as "app/*.py" stays one readable key.
  return ["tool.backend-ci", ...path.map((k) => (/^[A-Za-z0-9_-]+$/.test(String(k)) ? String(k) : JSON.stringify(String(k))))].join(".");
}

function valueAt(root: unknown, path: PropertyKey[]): unknown {
  let v: unknown = root;
  for (const k of path) v = v && typeof v === "object" ? (v as Record<PropertyKey, unknown>)[k] : undefined;
  return v;
}

function describeIssue(issue: z.core.$ZodIssue, raw: unknown): string {
  if (issue.code === "unrecognized_keys") {
    const where = issue.path.length ? keyPath(issue.path) : "tool.backend-ci";
    return `${where}: unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")}; see the README's configuration table for the allowed keys`;
  }
  if (issue.code === "invalid_key") {
    const why = issue.issues.map((i) => i.message).join("; ");
    return `${keyPath(issue.path)}: the name "${String(issue.path.at(-1))}" is not allowed: ${why}`;
  }
  const value = valueAt(raw, issue.path);
  const shown = value === undefined ? "nothing" : JSON.stringify(value);
  return `${keyPath(issue.path)} = ${shown} is not allowed: ${issue.message}`;
}

/** Validates a parsed `[tool.backend-ci]` table; throws ConfigError listing every bad key. */
export function validateConfig(raw: unknown, file = "pyproject.toml"): BackendCiConfig {
  const parsed = BackendCiConfig.safeParse(raw ?? {});
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((i) => `  - ${describeIssue(i, raw)}`);
  throw new ConfigError(`${file}: invalid [tool.backend-ci] configuration:\n${lines.join("\n")}`);
}

/** Reads `[tool.backend-ci]` from pyproject.toml text (absent file or table: all defaults). */
export function readConfig(pyprojectText: string | undefined, file = "pyproject.toml"): BackendCiConfig {
  if (pyprojectText === undefined) return validateConfig({}, file);
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(pyprojectText) as Record<string, unknown>;
  } catch (e) {
    throw new ConfigError(`${file}: not valid TOML: ${(e as Error).message}`);
  }
  const tool = doc.tool as Record<string, unknown> | undefined;
  return validateConfig(tool?.["backend-ci"], file);
}

export const DEFAULT_UNIT_DIRS = ["tests/unit", "tests/contract"];
export const DEFAULT_INTEGRATION_DIR = "tests/integration";

/**
 * The lanes to run: the configured ones, or, with none configured, inferred from the test tree:
 * `tests/unit` + `tests/contract` in one parallel lane, `tests/integration` in one serial lane bound
 * to every service. `existing` lists which of those directories the source has.
 */
export function withDefaultLanes(config: BackendCiConfig, existing: readonly string[]): Config {
  if (config.lanes && Object.keys(config.lanes).length > 0) return { ...config, lanes: config.lanes };
  const lanes: Record<string, LaneConfig> = {};
  const fast = DEFAULT_UNIT_DIRS.filter((d) => existing.includes(d));
  const base = LaneConfig.parse({});
  if (fast.length) lanes.fast = { ...base, paths: fast, mode: "parallel" };
  if (existing.includes(DEFAULT_INTEGRATION_DIR))
    lanes.integration = { ...base, paths: [DEFAULT_INTEGRATION_DIR], mode: "serial", services: [...SERVICE_NAMES] };
  if (Object.keys(lanes).length === 0) lanes.tests = { ...base, mode: "parallel" };
  return { ...config, lanes };
}

/** A lane's effective worker count: the override for parallel lanes, else the lane's own, else its mode's default. */
export function laneWorkers(lane: LaneConfig, override?: Workers): Workers {
  if (override !== undefined && lane.mode === "parallel") return override;
  return lane.workers ?? (lane.mode === "parallel" ? "auto" : 0);
}
