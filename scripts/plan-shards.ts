/**
 * `npm run plan-shards -- --durations FILE --shards K [--tests FILE]`: prints how a lane's tests
 * would split into K duration-balanced shards, before anyone runs them.
 *   --durations FILE  pytest-split `.test_durations` (node id -> seconds). Required.
 *   --shards K        shard count, an integer >= 1. Required.
 *   --tests FILE      saved output of `pytest --collect-only -q`; default: the durations' node ids.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { renderShardPlan } from "../src/core/plan/shard-view.js";
import { parseCollectOutput, parseDurations, shardTests } from "../src/core/plan/shard.js";

const usage = "usage: npm run plan-shards -- --durations FILE --shards K [--tests FILE]";

function main(args: string[]): void {
  const { values } = parseArgs({ args, options: { durations: { type: "string" }, shards: { type: "string" }, tests: { type: "string" } } });
  if (values.durations === undefined || values.shards === undefined) throw new Error(`--durations and --shards are required; ${usage}`);
  const durations = parseDurations(readFileSync(values.durations, "utf8"), values.durations);
  const ids = values.tests === undefined ? Object.keys(durations) : parseCollectOutput(readFileSync(values.tests, "utf8"));
  if (!/^\d+$/.test(values.shards)) throw new Error(`--shards must be an integer >= 1, got "${values.shards}"; ${usage}`);
  const k = Number(values.shards);
  const { shards, notes } = shardTests(ids, durations, k);
  process.stdout.write(renderShardPlan(shards, { k, source: values.durations, notes }));
}

try {
  main(process.argv.slice(2));
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(2);
}
