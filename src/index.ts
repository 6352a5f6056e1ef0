/**
 * backend-ci: a Python backend's pull-request test job as typed pipeline code.
 *
 * `dagger call pr-backend --source=. reports export --path=reports` runs every lane against fresh
 * Postgres, Elasticsearch and OpenSearch services, combines and gates coverage, and exports the
 * reports whatever happened; result.json's `ok` (or `dagger call pr-backend ... check`) says red or green.
 */
import { argument, Container, Directory, File, func, object, type Secret, Service } from "@dagger.io/dagger";

import { backendContainer, installPlan } from "./containers/backend.js";
import { combineParts } from "./containers/parts.js";
import { finish, loadConfig, prepare, runLanes } from "./containers/pipeline.js";
import { readSource } from "./containers/source.js";
import { elasticsearchContainer, opensearchContainer, postgresContainer, postgresPassword, postgresService, redisContainer } from "./containers/services.js";
import { ranLane } from "./containers/lanes.js";
import { readConfig } from "./core/config/config.js";
import { SOURCE_IGNORE } from "./core/plan/discover/source-files.js";
import { planView, renderPlanView } from "./core/plan/plan-view.js";
import { fillUnknown, lpt, parseDurations } from "./core/plan/shard.js";
import { renderShardPlan } from "./core/plan/shard-view.js";
import { validateOptions } from "./options.js";
import { PrResult } from "./pr-result.js";

/**
 * The pr.yml steps: one Dagger step runs pr-backend and exports its reports, pass or fail; the
 * summary and the artifact upload run always; the gate fails the job from result.json.
 */
export const PR_STEP = `      - name: Backend tests
        uses: dagger/dagger-for-github@v8.2.0
        with:
          version: "v0.21.8"
          module: github.com/<org>/backend-ci@<tag>
          verb: call
          args: pr-backend --source=. reports export --path=reports
      - name: Summary
        if: always()
        run: cat reports/summary.md >> "$GITHUB_STEP_SUMMARY"
      - uses: actions/upload-artifact@v4
        if: always()
        with: { name: backend-reports, path: reports, include-hidden-files: true }
      - name: Gate
        run: jq -e .ok reports/result.json > /dev/null || { jq -r '.reasons[]' reports/result.json; exit 1; }
`;

/** Runs a Python backend's pytest suite as lanes against real services, and gates the combined coverage. */
@object()
export class BackendCi {
  /**
   * The backend container with its test dependencies installed (uv.lock, a uv workspace, requirements*.txt
   * or pyproject.toml extras/groups, detected in that order; then the backend itself when it is a package),
   * the whole source at /src and the working directory at the backend root.
   */
  @func()
  async backend(
    /** The source directory: the backend, or the repository holding it (default: the bundled example backend). */
    @argument({ defaultPath: "examples/backend", ignore: SOURCE_IGNORE }) source: Directory,
    /** Python version of the official python:<v>-slim image. */
    pythonVersion = "3.12",
    /** A Dockerfile in the source to build instead (its `target` stage must have the test dependencies). */
    dockerfile?: string,
    /** The Dockerfile stage to build, e.g. "test". */
    target?: string,
      /** The backend's folder inside the source, for a monorepo (default: [tool.backend-ci] root of the source's pyproject.toml, else "."). */
    root?: string,
): Promise<Container> {
    const opts = validateOptions({ pythonVersion, dockerfile, target, root });
    const snap = await readSource(source, opts.root);
    const config = snap.located.config;
    return backendContainer(source, { ...opts, pythonImage: config.python_image }, snap, config);
  }

  /**
   * The lanes a pull-request run would start, before anything runs: each lane's mode, xdist workers,
   * paths and services, the test files no lane runs, and how each was decided (config, testpaths, what
   * the test files show). Static: no container starts; sharded lanes are split after collection.
   */
  @func()
  async plan(
    /** The source directory: the backend, or the repository holding it (default: the bundled example backend). */
    @argument({ defaultPath: "examples/backend", ignore: SOURCE_IGNORE }) source: Directory,
    /** The backend's folder inside the source, for a monorepo (default: [tool.backend-ci] root, else "."). */
    root?: string,
    /** The --workers override pr-backend would get: "auto", a number, or 0 for no xdist anywhere. */
    workers?: string,
    /** Print one JSON object {"lanes": [{"id", "mode", "workers", "paths", "services"}], "unplanned": [paths]} instead of text. */
    json = false,
  ): Promise<string> {
    const opts = validateOptions({ workers, root });
    const loaded = await loadConfig(source, opts);
    if (json) return `${JSON.stringify(planView(loaded.config, loaded.discovery, opts.workers))}\n`;
    const install = (() => {
      try {
        return installPlan(loaded.snap, loaded.config).note;
      } catch (e) {
        return (e as Error).message;
      }
    })();
    return renderPlanView(loaded.config, loaded.discovery, { workers: opts.workers, install });
  }

  /** A Postgres service: official image, test-tuned (no fsync), ready when pg_isready answers. */
  @func()
  postgres(
    /** Image tag of the official postgres image. */
    version = "16-alpine",
    /** The password of user postgres (default: the test password "postgres"). */
    password?: Secret,
  ): Service {
    const config = readConfig(undefined);
    return postgresService(postgresContainer(`postgres:${version}`, config.services.postgres, postgresPassword(config, password)));
  }

  /** A Redis service without persistence, 64 databases, ready when it answers PING. */
  @func()
  redis(
    /** Image tag of the official redis image. */
    version = "7-alpine",
  ): Service {
    return redisContainer(`redis:${version}`).asService({ args: ["redis-server", "--save", "", "--appendonly", "no", "--databases", "64"], useEntrypoint: true });
  }

  /** A single-node Elasticsearch service, security off, bounded heap, ready at cluster health yellow. */
  @func()
  elasticsearch(
    /** Image tag of docker.elastic.co/elasticsearch/elasticsearch. */
    version = "8.15.3",
    /** JVM heap, e.g. "512m" or "1g". */
    heap = "512m",
  ): Service {
    return elasticsearchContainer(`docker.elastic.co/elasticsearch/elasticsearch:${version}`, { heap, settings: {} }).asService({ useEntrypoint: true });
  }

  /** A single-node OpenSearch service, security plugin off, bounded heap, ready at cluster health yellow. */
  @func()
  opensearch(
    /** Image tag of opensearchproject/opensearch. */
    version = "2.17.1",
    /** JVM heap, e.g. "512m" or "1g". */
    heap = "512m",
  ): Service {
    return opensearchContainer(`opensearchproject/opensearch:${version}`, { heap, settings: {} }).asService({ useEntrypoint: true });
  }

  /**
   * The container after one lane (or shard) ran, pass or fail: chain `terminal` to debug it,
   * or `directory --path=/reports/<name>` to read its reports.
   */
  @func()
  async lane(
    /** The source directory: the backend, or the repository holding it (default: the bundled example backend). */
    @argument({ defaultPath: "examples/backend", ignore: SOURCE_IGNORE }) source: Directory,
    /** The lane id: a configured lane name, or a shard id such as "integration-1of2". */
    name: string,
    /** Python version of the official python:<v>-slim image. */
    pythonVersion = "3.12",
    /** xdist workers: 0 runs every lane without xdist; "auto" or a number applies to the lanes that use xdist. */
    workers?: string,
    /** A Dockerfile in the source to build instead of python:<v>-slim. */
    dockerfile?: string,
    /** The Dockerfile stage to build. */
    target?: string,
    /** Any new value makes the lane run again even when nothing changed. */
    cacheBuster?: string,
    /** The backend's folder inside the source, for a monorepo (default: [tool.backend-ci] root, else "."). */
    root?: string,
    /** The password of the lanes' Postgres (default: services.postgres.password, "postgres"), e.g. env:PGPASS. */
    postgresPassword?: Secret,
  ): Promise<Container> {
    const opts = validateOptions({ pythonVersion, workers, dockerfile, target, cacheBuster, root });
    const p = await prepare(source, opts, undefined, postgresPassword);
    const plan = p.lanes.find((l) => l.id === name);
    if (!plan) throw new Error(`lane: no lane "${name}"; lanes of this source: ${p.lanes.map((l) => l.id).join(", ")}`);
    return ranLane(p, plan);
  }

  /**
   * Every lane of the pull-request job: parallel lanes together, serial lanes in order, each bound
   * to its own services; failed tests rerun to tell flaky from failing; coverage combined and gated.
   * With --part/--parts, only that part of the lanes runs and the gate is left to combine-parts.
   */
  @func()
  async prBackend(
    /** The source directory: the backend, or the repository holding it (default: the bundled example backend). */
    @argument({ defaultPath: "examples/backend", ignore: SOURCE_IGNORE }) source: Directory,
    /** Python version of the official python:<v>-slim image. */
    pythonVersion = "3.12",
    /**
     * xdist workers. 0 is the serial fallback: every lane runs without xdist (`-n 0`), whatever its config
     * or the backend's addopts say. "auto" or a number applies to every lane that uses xdist (parallel lanes
     * and any lane configured with workers above 0); lanes configured with workers = 0 stay serial.
     * Default: each lane's config.
     */
    workers?: string,
    /** xdist --dist mode for lanes that do not set one: load, loadscope, loadfile, loadgroup, worksteal, no. */
    dist?: string,
    /** Coverage gate in percent (default: [tool.backend-ci.coverage] fail_under, 80). */
    failUnder?: number,
    /** A .test_durations file ({nodeid: seconds}) to balance shards (default: the backend root's own .test_durations). */
    durations?: File,
    /** A Dockerfile in the source to build instead of python:<v>-slim. */
    dockerfile?: string,
    /** The Dockerfile stage to build. */
    target?: string,
    /** Any new value makes every lane run again even when nothing changed. */
    cacheBuster?: string,
    /** Run only this part (1-based) of the lanes, for a CI matrix; requires --parts. */
    part?: number,
    /** How many parts the lanes are dealt into. */
    parts?: number,
    /** The backend's folder inside the source, for a monorepo (default: [tool.backend-ci] root, else "."). */
    root?: string,
    /** The password of the lanes' Postgres (default: services.postgres.password, "postgres"), e.g. env:PGPASS. */
    postgresPassword?: Secret,
  ): Promise<PrResult> {
    const startedAt = new Date();
    const opts = validateOptions({ pythonVersion, workers, dist, failUnder, dockerfile, target, cacheBuster, part, parts, root });
    const p = await prepare(source, opts, durations, postgresPassword);
    const runs = await runLanes(p);
    const out = await finish(p, runs, { part: opts.part, parts: opts.parts, startedAt }, opts.parts === undefined);
    return new PrResult(out.reports, out.ok, out.reasons);
  }

  /**
   * Combines the reports of every part of a matrix run (a directory of downloaded artifacts):
   * combined coverage and its gate, merged JUnit, timings and one summary.
   */
  @func()
  async combineParts(
    /** The source directory (coverage is reported against it). */
    @argument({ defaultPath: "examples/backend", ignore: SOURCE_IGNORE }) source: Directory,
    /** A directory holding every part's exported reports, in any sub-directories. */
    artifacts: Directory,
    /** Coverage gate in percent (default: the config's fail_under). */
    failUnder?: number,
    /** Python version of the official python:<v>-slim image. */
    pythonVersion = "3.12",
    /** A Dockerfile in the source to build instead of python:<v>-slim. */
    dockerfile?: string,
    /** The Dockerfile stage to build. */
    target?: string,
      /** The backend's folder inside the source, for a monorepo (default: [tool.backend-ci] root, else "."). */
    root?: string,
): Promise<PrResult> {
    const opts = validateOptions({ pythonVersion, failUnder, dockerfile, target, root });
    const out = await combineParts(source, artifacts, opts);
    return new PrResult(out.reports, out.ok, out.reasons);
  }

  /** Prints each shard's test count and expected seconds for a durations file, before running anything. */
  @func()
  async planShards(
    /** A .test_durations file ({nodeid: seconds}). */
    durations: File,
    /** How many shards. */
    shards: number,
  ): Promise<string> {
    const d = parseDurations(await durations.contents(), "--durations");
    const split = lpt(fillUnknown(Object.keys(d), d), shards);
    return renderShardPlan(split.shards, { k: shards, source: "--durations", notes: split.notes });
  }

  /** The exact GitHub Actions steps to paste into .github/workflows/pr.yml. */
  @func()
  prStep(): string {
    return PR_STEP;
  }
}

export { PrResult };
