/**
 * Shared pieces of the graph tests: a small backend source built in the stand-in engine, and scripted
 * lane / combine execs that write the files the real helpers write.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

import { dag, Directory } from "@dagger.io/dagger";

import { sourceFiles } from "../scripts/fs-source-tree.js";

import type { ExecOutcome, ExecRecord, RunningEngine } from "./engine/index.js";

export const REQUIREMENTS = "psycopg[binary]==3.3.9\n";
export const REQUIREMENTS_TEST = "-r requirements.txt\npytest==9.2.0\npytest-xdist==3.8.0\npytest-cov==7.1.0\ncoverage==7.17.3\n";

/** The integration tests' conftest: a database fixture, as real suites have. */
export const INTEGRATION_CONFTEST = `import os

import psycopg
import pytest


@pytest.fixture
def database_url():
    return os.environ["DATABASE_URL"]
`;

/** A search test parametrized over both engines, marked like the example's. */
export const SEARCH_TEST = `import os

import pytest


@pytest.mark.requires_elasticsearch
def test_es():
    assert os.environ["ELASTICSEARCH_URL"]


@pytest.mark.requires_opensearch
def test_os():
    assert os.environ["OPENSEARCH_URL"]
`;

/** A backend source with tests/unit, tests/contract, tests/integration and the given pyproject. */
export function backendSource(pyproject = '[project]\nname = "svc"\nversion = "0.1.0"\n', extra: Record<string, string> = {}): Directory {
  let d = dag
    .directory()
    .withNewFile("pyproject.toml", pyproject)
    .withNewFile("requirements.txt", REQUIREMENTS)
    .withNewFile("requirements-test.txt", REQUIREMENTS_TEST)
    .withNewFile("app/__init__.py", "")
    .withNewFile("tests/unit/test_pricing.py", "def test_ok():\n    assert True\n")
    .withNewFile("tests/contract/test_payloads.py", "def test_ok():\n    assert True\n")
    .withNewFile("tests/integration/conftest.py", INTEGRATION_CONFTEST)
    .withNewFile("tests/integration/test_orders.py", "def test_ok(database_url):\n    assert database_url\n")
    .withNewFile("tests/integration/test_search.py", SEARCH_TEST);
  for (const [path, text] of Object.entries(extra)) d = d.withNewFile(path, text);
  return d;
}

/** The lane id a run_lane.py exec runs, or undefined for any other exec. */
export function laneOf(e: { argv: string[] }): string | undefined {
  const i = e.argv.indexOf("--lane");
  return e.argv.some((a) => a.endsWith("run_lane.py")) && i >= 0 ? e.argv[i + 1] : undefined;
}

export const isCombine = (e: { argv: string[] }) => e.argv.some((a) => a.endsWith("combine.py"));

export function junitXml(lane: string, cases: { name: string; failed?: boolean }[]): string {
  const body = cases
    .map(
      (c) =>
        `<testcase classname="tests.unit.test_x" name="${c.name}" file="tests/unit/test_x.py" line="1" time="0.5">${
          c.failed ? `<failure message="assert 1 == 2">assert 1 == 2</failure>` : ""
        }</testcase>`,
    )
    .join("");
  const failures = cases.filter((c) => c.failed).length;
  return `<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" errors="0" failures="${failures}" skipped="0" tests="${cases.length}" time="1.0">${body}</testsuite></testsuites>`;
}

export function laneRecord(lane: string, status: "passed" | "failed", exitCode: number, argv: string[] = []): string {
  return JSON.stringify({
    lane,
    status,
    exit_code: exitCode,
    message: status === "passed" ? "2 passed" : "1 failed, 1 passed",
    readiness_s: 0.5,
    tests_s: 2,
    started_at: "2026-11-23T10:00:00Z",
    finished_at: "2026-11-23T10:00:03Z",
    argv,
    workers: 2,
  });
}

/** What a lane exec writes: lane.json, junit.xml and its coverage data file. */
export function laneOutcome(e: ExecRecord, failed = false): ExecOutcome {
  const id = laneOf(e)!;
  const dir = e.argv[e.argv.indexOf("--reports") + 1];
  return {
    exitCode: failed ? 1 : 0,
    files: {
      [`${dir}/lane.json`]: laneRecord(id, failed ? "failed" : "passed", failed ? 1 : 0, e.argv.slice(e.argv.indexOf("--") + 1)),
      [`${dir}/junit.xml`]: junitXml(id, [{ name: "test_a" }, { name: "test_b", failed }]),
      [`${dir}/.coverage.${id}`]: `coverage data of ${id}`,
    },
  };
}

/** coverage.py's `coverage json` summary of one file. */
export function fileSummary(covered: number, statements: number) {
  return { summary: { covered_lines: covered, num_statements: statements, covered_branches: 0, num_branches: 0, percent_covered: (100 * covered) / statements } };
}

export function combineOutcome(e: ExecRecord, total = 85, files: Record<string, unknown> = {}): ExecOutcome {
  const out = e.argv[e.argv.indexOf("--out") + 1];
  const failUnder = Number(e.argv[e.argv.indexOf("--fail-under") + 1]);
  const lanes = e.argv.flatMap((a, i) => (e.argv[i - 1] === "--data" ? [a.split("=")[0]] : []));
  const passed = total >= failUnder;
  return {
    exitCode: passed ? 0 : 2,
    files: {
      [`${out}/combine.json`]: JSON.stringify({
        total,
        fail_under: failUnder,
        gate_passed: passed,
        branch: true,
        inputs: lanes.map((lane) => ({ lane, path: `/reports/${lane}/.coverage.${lane}`, state: "combined", message: "" })),
        message: passed ? `coverage ${total.toFixed(2)}% meets fail_under ${failUnder}%` : `coverage ${total.toFixed(2)}% is below fail_under ${failUnder}%`,
        reports: ["coverage.xml", "coverage.json", "coverage.lcov", "html/"],
      }),
      [`${out}/coverage.json`]: JSON.stringify({ files, totals: { percent_covered: total } }),
    },
  };
}

/** Scripts every lane to pass (or the named ones to fail) and the combine step to report `total`. */
export function scriptRun(engine: RunningEngine, opts: { failing?: string[]; total?: number; files?: Record<string, unknown> } = {}): void {
  engine.onExec((e) => laneOf(e) !== undefined, (e) => laneOutcome(e, (opts.failing ?? []).includes(laneOf(e)!)));
  engine.onExec(isCombine, (e) => combineOutcome(e, opts.total ?? 85, opts.files));
}

/**
 * A real source on disk (an example backend) as a Directory built in the stand-in engine: every file
 * the module would receive (the source argument's ignore list applied), text files only.
 */
export function sourceFrom(dir: string): Directory {
  let d = dag.directory();
  for (const path of sourceFiles(dir)) if (!/\.(pyc|png|jpg|gz|whl)$/.test(path)) d = d.withNewFile(path, readFileSync(join(dir, path), "utf8"));
  return d;
}

/** A collect exec that lists `nodeids` (markers from `markers`), as the plugin's --backend-ci-collect writes them. */
export function scriptCollect(engine: RunningEngine, lane: string, nodeids: string[], markers: Record<string, string[]> = {}): void {
  engine.onExec(
    (e) => e.argv.includes("--collect-only") && e.argv.some((a) => a === `--backend-ci-collect=/reports/collect/${lane}.json`),
    () => ({ files: { [`/reports/collect/${lane}.json`]: JSON.stringify(nodeids.map((nodeid) => ({ nodeid, markers: markers[nodeid] ?? [] }))) } }),
  );
}

/** The node ids a lane exec runs: its argv's, or those of the file `--backend-ci-select` names in its container. */
export async function idsRun(engine: RunningEngine, e: ExecRecord): Promise<string[]> {
  const pytest = e.argv.slice(e.argv.indexOf("--") + 1);
  const select = pytest.find((a) => a.startsWith("--backend-ci-select="));
  if (!select) return pytest.filter((a) => a.includes("::"));
  const text = await engine.fileIn(e.id, select.slice("--backend-ci-select=".length));
  return (text ?? "").split("\n").filter(Boolean);
}
