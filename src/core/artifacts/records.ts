/**
 * The files the in-container helpers (src/python) write, as zod schemas: the one contract between
 * the Python that runs in a lane and the TypeScript that reads its results. Both the Dagger layer and
 * the host harness read these files; nothing else may guess their shape.
 */
import { z } from "zod";

/** How a lane ended, as `run_lane.py` classifies it. */
export const LaneStatus = z.enum([
  "passed", // pytest exit 0
  "failed", // pytest exit 1: tests failed (includes an xdist worker that crashed mid-test)
  "no-tests", // pytest exit 5: the lane selected no tests
  "crashed", // pytest exit 2/3/4, killed by a signal, or the runner could not start pytest
  "timeout", // the lane's timeout elapsed; pytest was killed
  "not-ready", // a service never became ready; pytest did not run
]);
export type LaneStatus = z.infer<typeof LaneStatus>;

/** Activity seen on one Postgres database during the session (pg_stat_database / pg_stat_activity). */
export const DbActivity = z.object({
  xacts: z.number().int().min(0), // transactions committed or rolled back while the session ran
  connections: z.number().int().min(0), // sessions connected at the end of the session
});
export type DbActivity = z.infer<typeof DbActivity>;

/**
 * Whether per-worker isolation did what it claims, as the plugin measured it from the server:
 * - `effective`: every test process used its own database, and the shared one saw no test traffic;
 * - `partial`: the processes used their own databases, but the shared one saw traffic too;
 * - `no-effect`: the processes' own databases saw no traffic while the shared one did (the app built its own URL);
 * - `unused`: no traffic on any database backend-ci knows of (the tests made their own, or used none);
 * - `conftest`: the suite's conftest isolates per worker itself; backend-ci left the URL alone;
 * - `off`: isolation is switched off; `error`: the plugin could not prepare or check.
 */
export const IsolationVerdict = z.enum(["effective", "partial", "no-effect", "unused", "conftest", "off", "error"]);
export type IsolationVerdict = z.infer<typeof IsolationVerdict>;

/** One test process (`gw0`, ..., or `master` without xdist) and the database it was given. */
export const IsolatedProcess = z.object({
  worker: z.string(),
  database: z.string().nullable(), // null in `conftest` mode
  activity: DbActivity.nullable(), // null when it could not be measured
  error: z.string().nullable().default(null),
});

export const DatabaseIsolation = z.object({
  mode: z.enum(["plugin", "conftest", "off"]),
  base: z.string(), // the database the lane's variables name before isolation: "app"
  base_activity: DbActivity.nullable(), // test traffic on the shared database while the session ran
  processes: z.array(IsolatedProcess),
  dropped: z.array(z.string()).default([]), // databases dropped at the end (worker databases, the template, leftovers)
  left_behind: z.array(z.string()).default([]), // databases of this lane still on the server after the session (kept on request, or undroppable)
  verdict: IsolationVerdict,
  message: z.string(), // one sentence naming the databases, e.g. "each of 2 workers used its own database (app_gw0, app_gw1)"
});
export type DatabaseIsolation = z.infer<typeof DatabaseIsolation>;

export const RedisIsolation = z.object({
  processes: z.array(z.object({ worker: z.string(), db: z.number().int(), keys: z.number().int().nullable() })),
  base_keys: z.number().int().nullable(), // keys in the URL's own database at the end of the session
  /**
   * `effective`: workers' databases have keys, the URL's own got none; `partial`: both; `no-effect`: only the URL's own got keys;
   * `unknown`: no keys left anywhere; `off`: isolation off, or one test process (it keeps the URL's database); `error`: not checked.
   */
  verdict: z.enum(["effective", "partial", "no-effect", "unknown", "off", "error"]),
  message: z.string(),
});

/** What the isolation plugin did in one lane; null when pytest never started or the plugin did not load. */
export const LaneIsolation = z.object({
  database: DatabaseIsolation.nullable(),
  redis: RedisIsolation.nullable(),
  index_prefixes: z.record(z.string(), z.string()), // worker -> the $SEARCH_INDEX_PREFIX it got
});
export type LaneIsolation = z.infer<typeof LaneIsolation>;

/** One service the lane waited for. */
export const ServiceReadiness = z.object({
  name: z.string(),
  ready: z.boolean(),
  seconds: z.number(), // the runner's own wait for it
  started_at: z.string().nullable(), // when the service process started, by its own clock (pg_postmaster_start_time, JVM start, Redis uptime); null when unknown
  message: z.string(), // "" when ready; redacted
});

/** What the plugin saw of pytest's own session: authoritative where output could be forged by a test's prints. */
export const SessionRecord = z.object({
  started: z.boolean(), // pytest_sessionstart ran
  finished: z.boolean(), // pytest_sessionfinish ran (false: the process exited or was killed mid-run)
  exitstatus: z.number().int().nullable(),
  last_test: z.string().nullable(), // the node id running when the process stopped, when it did not finish
  counts: z.object({
    passed: z.number().int(),
    failed: z.number().int(),
    error: z.number().int(),
    skipped: z.number().int(),
    xfailed: z.number().int(),
    xpassed: z.number().int(),
  }),
});

/** `<reports>/<lane>/lane.json`, written by `run_lane.py` whatever happened. Fields after `workers` were added later and default when absent. */
export const LaneRecord = z.object({
  lane: z.string(),
  status: LaneStatus,
  exit_code: z.number().int(), // pytest's exit code, or -1 when pytest never ran/was killed
  message: z.string(), // one human line, redacted: "3 failed", "selected no tests", "service 'postgres' at ... not ready after 60s: ..."
  readiness_s: z.number(), // the runner's own wait for its services, after its container started
  tests_s: z.number(), // seconds pytest ran
  started_at: z.string(), // ISO 8601, the container's clock: when the runner started
  finished_at: z.string(),
  argv: z.array(z.string()), // the pytest argv that ran (no secrets: service URLs reach pytest through the environment)
  workers: z.number().int().min(0), // xdist workers pytest really used (the plugin's count): 0 without xdist
  /** What the plan asked for: "auto", "0", "2". */
  workers_planned: z.string().default(""),
  /** The first error lines pytest printed (`E   ...`, `ERROR ...`) when the lane crashed or timed out; redacted. */
  cause: z.string().nullable().default(null),
  /** pytest's rootdir relative to the lane's working directory ("." when the same): JUnit `file` attributes are relative to it. */
  rootdir: z.string().default("."),
  /** The backend root relative to pytest's rootdir ("." when the same; "backend" when the inifile is in the folder above). */
  invocation: z.string().default("."),
  /** Seconds between the earliest start of this lane's own services and the start of its container: the engine's health wait, which the runner cannot see. Null when unknown or when services are shared (host harness). */
  service_wait_s: z.number().nullable().default(null),
  services: z.array(ServiceReadiness).default([]),
  session: SessionRecord.nullable().default(null),
  isolation: LaneIsolation.nullable().default(null),
  /** Coverage: whether the lane's data file exists, and how many parallel fragments the runner combined into it (a stopped pytest leaves them). */
  coverage: z.object({ written: z.boolean(), fragments_combined: z.number().int().min(0) }).nullable().default(null),
});
export type LaneRecord = z.infer<typeof LaneRecord>;

/** What happened to one lane's coverage data file at combine time. */
export const CombinedInput = z.object({
  lane: z.string(),
  path: z.string(),
  state: z.enum(["combined", "missing", "empty", "mixed", "unreadable"]),
  message: z.string(), // "" when combined
});

/** `<out>/combine.json`, written by `combine.py` whatever happened. */
export const CombineRecord = z.object({
  total: z.number().nullable(), // percent covered (coverage.py's own figure), null if nothing could be combined
  fail_under: z.number(),
  gate_passed: z.boolean(), // total >= fail_under and no input problems
  branch: z.boolean().nullable(), // measurement mode of the combined data
  inputs: z.array(CombinedInput),
  message: z.string(), // "coverage 83.12% meets fail_under 80%" / "coverage 78.31% is below fail_under 80%" / problems
  reports: z.array(z.string()), // files written under <out>: coverage.xml, coverage.json, coverage.lcov, html/
});
export type CombineRecord = z.infer<typeof CombineRecord>;

/**
 * `--backend-ci-collect=FILE`, written by the pytest plugin: every collected test and its markers.
 * Node ids are relative to the directory pytest runs in (the backend root), whatever pytest's
 * rootdir: the one notion of node id that reruns, shards, durations and quarantine share.
 */
export const CollectedTests = z.array(z.object({ nodeid: z.string(), markers: z.array(z.string()) }));
