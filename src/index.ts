/**
 * backend-ci: a Python backend's pull-request test job as typed pipeline code.
 *
 * `dagger call pr-backend --source=. reports export --path=reports` runs every lane against fresh
 * Postgres, Elasticsearch and OpenSearch services, combines and gates coverage, and exports the
 * reports whatever happened; result.json's `ok` (or `dagger call pr-backend ... check`) says red or green.
 */
import { argument, Container, Directory, File, func, object, Service } from "@dagger.io/dagger";

import { backendContainer, sourceRoot } from "./containers/backend.js";
import { readConfig } from "./core/config/config.js";
import { fillUnknown, lpt, parseDurations } from "./core/plan/shard.js";
import { renderShardPlan } from "./core/plan/shard-view.js";
import { combineParts } from "./containers/parts.js";
import { validateOptions } from "./options.js";
import { finish, prepare, runLanes } from "./containers/pipeline.js";
import { PrResult } from "./pr-result.js";
import { elasticsearchContainer, opensearchContainer, postgresContainer, postgresService } from "./containers/services.js";
import { ranLane } from "./containers/lanes.js";

/**
 * Left out of the source: local environments, caches and earlier results. Narrow on purpose: a
 * `.coveragerc` or a package named `reports` is the team's source and must reach the lanes.
 */
const SOURCE_IGNORE = [".venv", "venv", "**/__pycache__", "**/.pytest_cache", "**/node_modules", ".git", "**/.coverage", "**/.coverage.*", "reports"];

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
   * The backend container with its test dependencies installed (uv.lock, requirements*.txt or
   * pyproject.toml extras/groups, detected in that order) and the source at /src.
   */
  @func()
  async backend(
    /** The backend's source directory (default: the bundled example backend). */
    @argument({ defaultPath: "examples/backend", ignore: SOURCE_IGNORE }) source: Directory,
    /** Python version of the official python:<v>-slim image. */
    pythonVersion = "3.12",
    /** A Dockerfile in the source to build instead (its `target` stage must have the test dependencies). */
    dockerfile?: string,
    /** The Dockerfile stage to build, e.g. "test". */
    target?: string,
  ): Promise<Container> {
    const opts = validateOptions({ pythonVersion, dockerfile, target });
    return backendContainer(source, { ...opts, pythonImage: readConfig((await sourceRoot(source)).pyproject).python_image });
  }

  /** A Postgres service: official image, test-tuned (no fsync), ready when pg_isready answers. */
  @func()
  postgres(
    /** Image tag of the official postgres image. */
    version = "16-alpine",
  ): Service {
    return postgresService(postgresContainer(`postgres:${version}`, readConfig(undefined).services.postgres));
  }

  /** A single-node Elasticsearch service, security off, 512 MiB heap, ready at cluster health yellow. */
  @func()
  elasticsearch(
    /** Image tag of docker.elastic.co/elasticsearch/elasticsearch. */
    version = "8.15.3",
  ): Service {
    return elasticsearchContainer(`docker.elastic.co/elasticsearch/elasticsearch:${version}`).asService({ useEntrypoint: true });
  }

  /** A single-node OpenSearch service, security plugin off, 512 MiB heap, ready at cluster health yellow. */
  @func()
  opensearch(
    /** Image tag of opensearchproject/opensearch. */
    version = "2.17.1",
  ): Service {
    return opensearchContainer(`opensearchproject/opensearch:${version}`).asService({ useEntrypoint: true });
  }

  /**
   * The container after one lane (or shard) ran, pass or fail: chain `terminal` to debug it,
   * or `directory --path=/reports/<name>` to read its reports.
   */
  @func()
  async lane(
    /** The backend's source directory (default: the bundled example backend). */
    @argument({ defaultPath: "examples/backend", ignore: SOURCE_IGNORE }) source: Directory,
    /** The lane id: a configured lane name, or a shard id such as "integration-1of2". */
    name: string,
    /** Python version of the official python:<v>-slim image. */
    pythonVersion = "3.12",
    /** xdist workers for parallel lanes: "auto" or a number; 0 runs without xdist. */
    workers?: string,
    /** A Dockerfile in the source to build instead of python:<v>-slim. */
    dockerfile?: string,
    /** The Dockerfile stage to build. */
    target?: string,
    /** Any new value makes the lane run again even when nothing changed. */
    cacheBuster?: string,
  ): Promise<Container> {
    const opts = validateOptions({ pythonVersion, workers, dockerfile, target, cacheBuster });
    const p = await prepare(source, opts);
    const plan = p.lanes.find((l) => l.id === name);
    if (!plan) throw new Error(`lane: no lane "${name}"; lanes of this source: ${p.lanes.map((l) => l.id).join(", ")}`);
    return ranLane(p.base, p.helpers, plan, p.config, cacheBuster);
  }

  /**
   * Every lane of the pull-request job: parallel lanes together, serial lanes in order, each bound
   * to its own services; failed tests rerun to tell flaky from failing; coverage combined and gated.
   * With --part/--parts, only that part of the lanes runs and the gate is left to combine-parts.
   */
  @func()
  async prBackend(
    /** The backend's source directory (default: the bundled example backend). */
    @argument({ defaultPath: "examples/backend", ignore: SOURCE_IGNORE }) source: Directory,
    /** Python version of the official python:<v>-slim image. */
    pythonVersion = "3.12",
    /** xdist workers for every parallel lane: "auto" or a number; 0 is the serial fallback. Default: each lane's config. */
    workers?: string,
    /** xdist --dist mode for lanes that do not set one: load, loadscope, loadfile, loadgroup, worksteal, no. */
    dist?: string,
    /** Coverage gate in percent (default: [tool.backend-ci.coverage] fail_under, 80). */
    failUnder?: number,
    /** A .test_durations file ({nodeid: seconds}) to balance shards (default: the source's own .test_durations). */
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
  ): Promise<PrResult> {
    const opts = validateOptions({ pythonVersion, workers, dist, failUnder, dockerfile, target, cacheBuster, part, parts });
    const p = await prepare(source, opts, durations);
    const runs = await runLanes(p, opts.cacheBuster);
    const out = await finish(p, runs, { part: opts.part, parts: opts.parts }, opts.parts === undefined);
    return new PrResult(out.reports, out.summary, out.ok, out.reasons, out.resultJson);
  }

  /**
   * Combines the reports of every part of a matrix run (a directory of downloaded artifacts):
   * combined coverage and its gate, merged JUnit, timings and one summary.
   */
  @func()
  async combineParts(
    /** The backend's source directory (coverage is reported against it). */
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
  ): Promise<PrResult> {
    const opts = validateOptions({ pythonVersion, failUnder, dockerfile, target });
    const out = await combineParts(source, artifacts, opts);
    return new PrResult(out.reports, out.summary, out.ok, out.reasons, out.resultJson);
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
