/**
 * The `[tool.backend-ci]` table of the backend's pyproject.toml: its zod schema, the single source of
 * truth for every key and default. Reading and error wording are in read.ts; services in
 * services.ts; the names a config may use in names.ts. A bad value fails before any container runs.
 */
import { z } from "zod";

import { LaneEnvName, LaneName, Pattern } from "./names.js";
import { BUILTIN_SERVICES, ServicesConfig } from "./services.js";

export { ConfigError, readConfig, validateConfig } from "./read.js";
export * from "./services.js";

/** What to do with flaky tests: `warn` reports them, `fail` also turns the run red. */
export const FlakyPolicy = z.enum(["warn", "fail"]);
export type FlakyPolicy = z.infer<typeof FlakyPolicy>;

/** A coverage floor in percent, or `exempt`: the glob's files leave every other floor. */
export const Floor = z.union([z.number().min(0).max(100), z.literal("exempt")], {
  error: 'expected a percent from 0 to 100, or "exempt"',
});
export type Floor = z.infer<typeof Floor>;

/** Coverage floors: glob (relative to the backend root, like coverage.json's keys) -> floor. */
export const Floors = z.record(Pattern, Floor);
export type Floors = z.infer<typeof Floors>;

/** A service name: a built-in one or one declared under [tool.backend-ci.services]. Checked against the table in `BackendCiConfig`. */
export type ServiceName = string;

/** xdist's `--dist` modes (with `-n` above 0, xdist itself treats `no` as `load`). */
export const DistMode = z.enum(["load", "loadscope", "loadfile", "loadgroup", "worksteal", "no"]);
export type DistMode = z.infer<typeof DistMode>;

/** `"auto"` (one worker per CPU), or a count; 0 runs pytest without xdist (`-n 0`, whatever addopts say). */
export const Workers = z.union([z.literal("auto"), z.number().int().min(0).max(256)], {
  error: 'expected "auto" or a whole number from 0 to 256 (0 runs without xdist)',
});
export type Workers = z.infer<typeof Workers>;

export const LaneConfig = z
  .object({
    /** Test paths (files, directories or node ids) relative to the backend root. Empty: pytest's testpaths. */
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
    services: z.array(z.string().min(1)).default([]),
    /** Extra environment variables for the lane (`PYTHONPATH` is appended to the helpers'). */
    env: z.record(LaneEnvName, z.string()).default({}),
    /** Seconds before the lane's pytest is stopped. */
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

/** A folder inside the source, written relative and without `..` (the backend's root in a monorepo). */
export const RelativeDir = z
  .string()
  .min(1)
  .refine((p) => !p.startsWith("/") && !p.split("/").includes("..") && !p.includes("\\"), "must be a relative path inside the source, without ..")
  .transform((p) => p.replace(/^\.\/+/, "").replace(/\/+$/, "") || ".");

/** A `[paths]` entry coverage.py accepts: coverage refuses a pattern that ends with a wildcard. */
const CoveragePath = Pattern.refine((p) => !/[*?]$/.test(p.replace(/[/\\]+$/, "")), "coverage.py refuses [paths] entries that end with a wildcard; end it with the directory name");

export const BackendCiConfig = z
  .object({
    /** The backend's folder inside the source (a monorepo's `apps/backend`); pytest runs there. Read from the repository root's pyproject.toml. */
    root: RelativeDir.default("."),
    /** Install the backend itself (`pip install -e .` / `uv sync` with the project): `auto` when its pyproject declares a build system or a setup.py exists. */
    install_project: z.union([z.literal("auto"), z.boolean()]).default("auto"),
    /** Base image of the backend container when no Dockerfile is given; default `python:<python>-slim`. */
    python_image: z.string().min(1).optional(),
    /** Default xdist `--dist` for parallel lanes. */
    dist: DistMode.default("load"),
    lanes: z.record(LaneName, LaneConfig).optional(),
    coverage: z
      .object({
        /** The gate on the combined total, in percent. */
        fail_under: z.number().min(0).max(100).default(80),
        /** Branch coverage in every lane (must be the same everywhere to combine). */
        branch: z.boolean().default(true),
        /** Packages or directories to measure (`--cov=<each>`); empty: the project's [tool.coverage.run]. */
        source: z.array(z.string().min(1)).default([]),
        /** Extra source roots whose paths are remapped onto the backend root at combine time. */
        paths: z.array(CoveragePath).default([]),
        /** Floors per path glob, in percent, or "exempt". */
        floors: Floors.default({}),
      })
      .strict()
      .prefault({}),
    services: ServicesConfig.prefault({}),
    isolation: z
      .object({
        /** Per-worker databases, Redis databases and index prefixes. */
        enabled: z.boolean().default(true),
        /**
         * Who gives each xdist worker its own Postgres database: `plugin` (backend-ci creates `<db>_<worker>`),
         * `conftest` (the suite's conftest does it itself; backend-ci leaves the URL alone and checks), or
         * `auto`: `conftest` when a conftest.py reads `worker_id` or `PYTEST_XDIST_WORKER`, else `plugin`.
         */
        database: z.enum(["auto", "plugin", "conftest"]).default("auto"),
        /** Shell command that migrates the database the postgres variables name; run once on a template. */
        migrate: z.string().min(1).optional(),
        /** Keep the per-worker databases after the run. */
        keep_databases: z.boolean().default(false),
        /** Variable that carries the search index prefix. */
        index_prefix_env: LaneEnvName.default("SEARCH_INDEX_PREFIX"),
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
        quarantine: z.array(Pattern).default([]),
      })
      .strict()
      .prefault({}),
    /** Seconds to wait for each service to become ready inside a lane. */
    readiness_timeout: z.number().int().positive().default(120),
  })
  .strict()
  .superRefine((c, ctx) => {
    const defined = Object.keys(c.services);
    for (const [name, lane] of Object.entries(c.lanes ?? {}))
      lane.services.forEach((s, i) => {
        if (!defined.includes(s))
          ctx.addIssue({
            code: "custom",
            path: ["lanes", name, "services", i],
            message: `no service "${s}": use one of ${[...BUILTIN_SERVICES].join(", ")}, or declare it under [tool.backend-ci.services.${s}] (image, port, env)`,
          });
      });
  });
export type BackendCiConfig = z.infer<typeof BackendCiConfig>;

/** The config after defaults: lanes are always present. */
export type Config = Omit<BackendCiConfig, "lanes"> & { lanes: Record<string, LaneConfig> };

/**
 * A lane's effective worker count. `--workers=0` is the serial fallback: every lane without xdist.
 * Any other override applies to the lanes that use xdist (parallel lanes by default, and any lane
 * whose own `workers` is above 0); a lane configured with `workers = 0` stays serial.
 */
export function laneWorkers(lane: LaneConfig, override?: Workers): Workers {
  const own = lane.workers ?? (lane.mode === "parallel" ? "auto" : 0);
  if (override === undefined) return own;
  if (override === 0) return 0;
  return own === 0 ? 0 : override;
}
