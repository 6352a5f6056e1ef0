/**
 * The timings report's input from the lanes as read: each lane's figures from its own lane.json
 * (one clock: the container's), its reruns, whether the engine's cache served it, its tests' durations.
 */
import type { LaneRecord } from "../artifacts/records.js";
import { type LaneReading, laneDuration } from "./lane-reading.js";
import { computeTimings, type Timings } from "./timings.js";

/** The pytest argv asked xdist for `-n auto` (or `logical`), in any of its spellings. */
export function requestsAutoWorkers(argv: readonly string[]): boolean {
  const auto = (v: string | undefined) => v === "auto" || v === "logical";
  return argv.some(
    (a, i) => ((a === "-n" || a === "--numprocesses") && auto(argv[i + 1])) || auto(a.match(/^(?:-n|--numprocesses=)(.+)$/)?.[1]),
  );
}

export function timingsOf(readings: readonly LaneReading[], run?: { wall_s?: number | null; setup_s?: number | null }): Timings {
  const withRecord = readings.filter((r) => r.record !== null);
  return computeTimings(
    withRecord.map((r) => {
      const rec = r.record as LaneRecord;
      const last = r.reruns.at(-1)?.span ?? null;
      return {
        lane: r.input.id,
        workers: Math.max(1, rec.workers),
        auto: requestsAutoWorkers(rec.argv),
        mode: rec.workers === 0 ? "serial" : "parallel",
        group: r.input.mode,
        chain: r.input.part === undefined ? undefined : `part ${r.input.part}`,
        service_wait_s: rec.service_wait_s,
        readiness_s: rec.readiness_s,
        tests_s: rec.tests_s,
        total_s: laneDuration(r) ?? rec.readiness_s + rec.tests_s,
        start_ms: r.span?.start_ms,
        end_ms: (last ?? r.span)?.end_ms,
        reused: r.reusedFrom !== null,
        durations: new Map(r.junit.cases.map((c) => [c.nodeid, c.time])),
      };
    }),
    { wall_s: run?.wall_s ?? null, setup_s: run?.setup_s ?? null },
  );
}
