/**
 * `npm run bench -- report`: the whole report step (parse every lane's JUnit, classify, merge,
 * durations, result.json, summary.md) on 50 000 generated testcases across 8 lanes.
 */
import { buildReports } from "../src/core/report/reports.js";
import { generateLanes } from "../test/fixtures/junit/generate.js";

const TESTCASES = 50_000;
const LANES = 8;

/** Runs the benchmark once and returns its one-line verdict. */
export async function benchReport(): Promise<string> {
  const lanes = generateLanes(TESTCASES, LANES);
  const record = (lane: string) =>
    JSON.stringify({
      lane,
      status: "failed",
      exit_code: 1,
      message: "some tests failed",
      readiness_s: 1.5,
      tests_s: 120,
      started_at: "2026-01-01T00:00:00Z",
      finished_at: "2026-01-01T00:02:02Z",
      argv: ["python", "-m", "pytest", "-n", "4"],
      workers: 4,
    });
  const started = performance.now();
  const reports = buildReports({
    lanes: lanes.map((l) => ({ id: l.lane, lane: "unit", mode: "parallel", record: record(l.lane), junitXml: l.xml })),
    combine: JSON.stringify({ total: 84.2, fail_under: 80, gate_passed: true, branch: true, inputs: [], message: "ok", reports: [] }),
  });
  const ms = Math.round(performance.now() - started);
  if (reports.result.totals.tests !== TESTCASES) {
    throw new Error(`bench report: expected ${TESTCASES} testcases, read ${reports.result.totals.tests}`);
  }
  return `report testcases=${reports.result.totals.tests} ms=${ms}`;
}

export default async function main(): Promise<void> {
  console.log(await benchReport());
}
