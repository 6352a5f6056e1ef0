/**
 * Duration-balanced shards: which collected tests run in which shard of a lane.
 *
 * Inputs are plain data: the node ids `pytest --collect-only -q` printed in the lane's container and
 * a pytest-split style `.test_durations` file (node id -> seconds). Outputs are shards, each a list
 * of tests in collection order, so a shard's pytest runs them in the order the suite expects.
 */
import { z } from "zod";

import type { Durations } from "../artifacts/durations.js";

// The format's one definition and reader live in durations.ts; shard users import them from here too.
export { Durations, parseDurations } from "../artifacts/durations.js";

/** `shards = N` on a lane. */
export const ShardCount = z.number().int().min(1);

/** One collected test and the seconds the planner counts for it. */
export type TestDuration = {
  id: string;
  seconds: number;
  known: boolean; // false: no recorded duration, `seconds` is the mean of the known ones
};

/** One shard: its tests in collection order and their expected total seconds. */
export type Shard = { tests: TestDuration[]; seconds: number };

/** Shards plus what the planner changed and why (one human line each). */
export type ShardSplit = { shards: Shard[]; notes: string[] };

/**
 * The node ids in the output of `pytest --collect-only -q`, for the local planning view
 * (`npm run plan-shards -- --tests FILE`); the Dagger layer reads the plugin's JSON instead, which
 * also carries markers. In collection order, without duplicates.
 * Node ids are the unindented lines containing "::" before the first `===` section: the sections
 * (warnings summary, errors, short test summary) name node ids for other reasons. A node id keeps
 * everything inside its [params], spaces and "::" included. `-qq` output (`file: count`) has no ids.
 */
export function parseCollectOutput(stdout: string): string[] {
  const ids: string[] = [];
  for (const line of stdout.split(/\r?\n/)) {
    if (/^={3,}/.test(line)) break;
    if (/^\s/.test(line) || !line.includes("::")) continue;
    ids.push(line.trimEnd());
  }
  return [...new Set(ids)];
}

/**
 * Pairs each collected id with its recorded seconds; ids without a record count at the mean of the
 * recorded ones among `ids` (records of tests no longer collected are ignored, as pytest-split does).
 * With no record at all every test counts 1 s: any equal positive weight balances shards by test
 * count, whereas 0 would leave every shard's load at 0 and put all tests on the first shard.
 */
export function fillUnknown(ids: readonly string[], durations: Durations): TestDuration[] {
  const known = ids.filter((id) => Object.hasOwn(durations, id)).map((id) => durations[id]);
  const mean = known.length > 0 ? sum(known) / known.length : 1;
  return ids.map((id) =>
    Object.hasOwn(durations, id) ? { id, seconds: durations[id], known: true } : { id, seconds: mean, known: false },
  );
}

/**
 * Longest processing time first: tests sorted by seconds (descending, ties by id), each onto the
 * least-loaded shard (ties to the shard with fewer tests, then the lowest). The same input always
 * gives the same shards, and each shard's tests come back in collection order.
 */
export function lpt(items: readonly TestDuration[], k: number): ShardSplit {
  const { shardCount, notes } = clampShards(items.length, k);
  const loads = new Array<number>(shardCount).fill(0);
  const sizes = new Array<number>(shardCount).fill(0);
  const shardOf = new Map<TestDuration, number>();
  for (const item of [...items].sort(longestFirst)) {
    const shard = leastLoaded(loads, sizes);
    loads[shard] += item.seconds;
    sizes[shard] += 1;
    shardOf.set(item, shard);
  }
  return { shards: collect(items, shardCount, (item) => shardOf.get(item)!), notes };
}

/**
 * The naive baseline: the collection-ordered list cut into k contiguous runs of roughly T/k seconds.
 * A test opens the next run when its midpoint passes the current run's cumulative target, or when
 * every remaining run needs one of the remaining tests.
 */
export function contiguousChunks(items: readonly TestDuration[], k: number): ShardSplit {
  const { shardCount, notes } = clampShards(items.length, k);
  const target = sum(items.map((item) => item.seconds)) / shardCount;
  const chunkOf = new Map<TestDuration, number>();
  let chunk = 0;
  let before = 0;
  let size = 0;
  items.forEach((item, index) => {
    const pastTarget = before + item.seconds / 2 > target * (chunk + 1);
    const mustOpen = items.length - index === shardCount - chunk - 1;
    if (size > 0 && chunk < shardCount - 1 && (pastTarget || mustOpen)) {
      chunk += 1;
      size = 0;
    }
    chunkOf.set(item, chunk);
    before += item.seconds;
    size += 1;
  });
  return { shards: collect(items, shardCount, (item) => chunkOf.get(item)!), notes };
}

/** The expected wall time of a split: its slowest shard's seconds (0 without shards). */
export function makespan(shards: readonly Shard[]): number {
  return shards.reduce((slowest, shard) => Math.max(slowest, shard.seconds), 0);
}

/** No split of `items` into k shards beats max(T/k, t_max): the even share, or the slowest test. */
export function lowerBound(items: readonly TestDuration[], k: number): number {
  const shards = validShards(k);
  const longest = items.reduce((max, item) => Math.max(max, item.seconds), 0);
  return Math.max(sum(items.map((item) => item.seconds)) / shards, longest);
}

/** Collected ids and recorded durations -> the lane's `shards = N` LPT shards. */
export function shardTests(ids: readonly string[], durations: Durations, k: number): ShardSplit {
  return lpt(fillUnknown(ids, durations), k);
}

function validShards(k: number): number {
  if (!ShardCount.safeParse(k).success) {
    throw new Error(`shards must be an integer >= 1, got ${k}; set \`shards = N\` on the lane in [tool.backend-ci]`);
  }
  return k;
}

function clampShards(tests: number, k: number): { shardCount: number; notes: string[] } {
  validShards(k);
  if (k <= tests) return { shardCount: k, notes: [] };
  const note = tests === 0 ? `shards = ${k} but no tests were collected; no shards to run` : `shards = ${k} but only ${count(tests, "test")} collected; running ${count(tests, "shard")} so none is empty`;
  return { shardCount: tests, notes: [note] };
}

function collect(items: readonly TestDuration[], shardCount: number, shardOf: (item: TestDuration) => number): Shard[] {
  const shards: Shard[] = Array.from({ length: shardCount }, () => ({ tests: [], seconds: 0 }));
  for (const item of items) {
    const shard = shards[shardOf(item)];
    shard.tests.push(item);
    shard.seconds += item.seconds;
  }
  return shards;
}

/** Lowest load, then fewest tests (so zero-second tests still spread and no shard stays empty), then lowest index. */
function leastLoaded(loads: readonly number[], sizes: readonly number[]): number {
  let best = 0;
  for (let shard = 1; shard < loads.length; shard += 1) {
    if (loads[shard] < loads[best] || (loads[shard] === loads[best] && sizes[shard] < sizes[best])) best = shard;
  }
  return best;
}

function longestFirst(a: TestDuration, b: TestDuration): number {
  return b.seconds - a.seconds || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** "1 test", "2 tests". */
function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
