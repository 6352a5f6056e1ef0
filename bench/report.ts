/**
 * `npm run bench -- report [--testcases N]`: the whole report step on N generated testcases (default
 * 50 000) across 8 lanes: read and parse every lane's lane.json and junit.xml, classify, and write
 * result.json, summary.md, the merged junit.xml and .test_durations to files. The lanes' files are
 * generated first, by this process; the report step runs in a child process (bench/report-step.ts),
 * so its time and peak memory are the report's own. Prints one line:
 * `report testcases=<N> ms=<wall time of the step> peak_mb=<the child's max RSS>`.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";

import { generateLanes } from "../test/fixtures/junit/generate.js";

const DEFAULT_TESTCASES = 50_000;
const LANES = 8;

/** lane.json of a lane whose tests failed (every generated lane has failures). */
function laneRecord(lane: string): string {
  return JSON.stringify({
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
}

/** The step's own figures, as the child prints them on its last line of stdout. */
interface StepFigures {
  testcases: number;
  ms: number;
  peak_mb: number;
  cpu_ms: number;
}

/** Writes the lanes' files under a fresh directory, runs the step on them in a child, and returns its figures. */
export function benchReport(testcases = DEFAULT_TESTCASES): StepFigures {
  const root = mkdtempSync(join(tmpdir(), "backend-ci-bench-report-"));
  try {
    for (const l of generateLanes(testcases, LANES)) {
      mkdirSync(join(root, "lanes", l.lane), { recursive: true });
      writeFileSync(join(root, "lanes", l.lane, "lane.json"), laneRecord(l.lane));
      writeFileSync(join(root, "lanes", l.lane, "junit.xml"), l.xml);
    }
    const step = join(import.meta.dirname, "report-step.ts");
    // The child runs under the same loader (tsx) as this process.
    const child = spawnSync(process.execPath, [...process.execArgv, step, join(root, "lanes"), join(root, "out")], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
      maxBuffer: 1 << 20,
    });
    if (child.status !== 0) throw new Error(`bench report: the report step exited ${child.status ?? child.signal}`);
    const figures = JSON.parse(child.stdout.trim().split("\n").pop() ?? "") as StepFigures;
    if (figures.testcases !== testcases) throw new Error(`bench report: expected ${testcases} testcases, the step read ${figures.testcases}`);
    return figures;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

export default async function main(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { testcases: { type: "string" } } });
  const testcases = values.testcases === undefined ? DEFAULT_TESTCASES : Number(values.testcases);
  if (!Number.isInteger(testcases) || testcases < LANES) {
    throw new Error(`--testcases ${values.testcases} is not allowed: a whole number of at least ${LANES} (one per lane)`);
  }
  const f = benchReport(testcases);
  console.error(`report step: ${f.cpu_ms} ms of CPU time (user + system) in ${f.ms} ms of wall time`);
  console.log(`report testcases=${f.testcases} ms=${f.ms} peak_mb=${f.peak_mb}`);
}
