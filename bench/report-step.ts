/**
 * The report step as `npm run bench -- report` measures it, in a process of its own:
 * `report-step.ts <lanes dir> <out dir>`, where each lane is a directory holding lane.json and
 * junit.xml. Reads each lane once (its text dropped once parsed, as the Dagger layer does), builds
 * every report and writes each to a file in chunks. Prints `{"testcases", "ms", "peak_mb", "cpu_ms"}`.
 */
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, writeSync } from "node:fs";
import { join } from "node:path";

import { runJUnit } from "../src/core/report/lane-reading.js";
import { type LaneArtifacts, prepareReports, REPORT_FILES } from "../src/core/report/reports.js";

const COMBINE = JSON.stringify({ total: 84.2, fail_under: 80, gate_passed: true, branch: true, inputs: [], message: "ok", reports: [] });
const CONFIG = { coverage: { fail_under: 80, floors: {}, paths: [] }, flaky: { reruns: 1, policy: "warn", quarantine: [] } } as const;

function step(lanesDir: string, outDir: string): number {
  const lanes: LaneArtifacts[] = readdirSync(lanesDir)
    .sort()
    .map((id) => {
      const record = readFileSync(join(lanesDir, id, "lane.json"), "utf8");
      const parsed = runJUnit(readFileSync(join(lanesDir, id, "junit.xml"), "utf8"), record, id);
      return { plan: { id, lane: "unit", mode: "parallel", failOnEmpty: false }, first: { record, parsed }, reruns: [] };
    });
  const reports = prepareReports({ config: CONFIG as never, lanes, combine: COMBINE });
  mkdirSync(outDir, { recursive: true });
  for (const file of Object.values(REPORT_FILES)) {
    const fd = openSync(join(outDir, file), "w");
    try {
      reports.write(file, (chunk) => writeSync(fd, chunk));
    } finally {
      closeSync(fd);
    }
  }
  return reports.result.totals.tests;
}

const [lanesDir, outDir] = process.argv.slice(2);
const started = performance.now();
const cpu = process.cpuUsage();
const testcases = step(lanesDir, outDir);
const ms = Math.round(performance.now() - started);
const { user, system } = process.cpuUsage(cpu);
// maxRSS is in kilobytes: the most this process ever held, the report step's peak. CPU time says
// how much of the wall time was the step's own on a machine busy with other work.
console.log(JSON.stringify({ testcases, ms, peak_mb: Math.round(process.resourceUsage().maxRSS / 1024), cpu_ms: Math.round((user + system) / 1000) }));
