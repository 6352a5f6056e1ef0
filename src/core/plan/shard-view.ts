/**
 * The planning view: how balanced a lane's shards will be, as a plain text table a team reads
 * before running them.
 */
import { lowerBound, makespan, type Shard } from "./shard.js";

/**
 * Renders one row per shard (tests, expected seconds, share of the total), a total row, and the
 * lower bound max(T/k, t_max) with the makespan's ratio to it (1.0000 is a perfect split).
 * `k` is the requested shard count, `source` names where the durations came from, `notes` are the
 * planner's (e.g. a clamped shard count).
 */
export function renderShardPlan(shards: readonly Shard[], { k, source, notes = [] }: { k: number; source: string; notes?: readonly string[] }): string {
  const tests = shards.flatMap((shard) => shard.tests);
  const total = tests.reduce((sum, test) => sum + test.seconds, 0);
  const unknown = tests.filter((test) => !test.known);
  const rows = shards.map((shard, index) => [
    `${index + 1}/${shards.length}`,
    String(shard.tests.length),
    shard.seconds.toFixed(1),
    percent(shard.seconds, total),
  ]);
  const table = alignColumns([["shard", "tests", "expected s", "share"], ...rows, ["total", String(tests.length), total.toFixed(1), percent(total, total)]]);
  const lines = [`shard plan: ${tests.length} tests, shards = ${k}, durations from ${source}`, ...table];
  if (shards.length > 0) {
    const bound = lowerBound(tests, shards.length);
    const ratio = bound > 0 ? (makespan(shards) / bound).toFixed(4) : "1.0000";
    lines.push(`bound max(T/k, t_max) = ${bound.toFixed(1)} s; makespan = ${makespan(shards).toFixed(1)} s; ratio = ${ratio}`);
  }
  if (unknown.length > 0) {
    const why = unknown.length === tests.length ? "none has a record, so all count the same" : "the mean of the recorded ones";
    lines.push(`${count(unknown.length, "test")} without a recorded duration; each counts ${unknown[0].seconds.toFixed(2)} s (${why})`);
  }
  lines.push(...notes);
  return lines.join("\n") + "\n";
}

/** "1 test", "2 tests". */
function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

function percent(part: number, whole: number): string {
  return whole > 0 ? `${((100 * part) / whole).toFixed(1)}%` : "-";
}

/** First column left-aligned, the numbers right-aligned. */
function alignColumns(rows: string[][]): string[] {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows.map((row) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join("  "));
}
