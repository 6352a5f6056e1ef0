/**
 * `npm run bench -- shards [--durations FILE]`: how close LPT and contiguous chunks come to the lower
 * bound max(T/k, t_max) for k = 2..8. Prints one line per k:
 * `shards K=<k> lpt_ratio=<makespan / bound> chunks_ratio=<same for contiguous chunks>`.
 * Default durations: `generatedDurations()`, a seeded, realistic suite of 2 400 tests.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { contiguousChunks, fillUnknown, lowerBound, lpt, makespan, parseDurations, type Durations, type ShardSplit } from "../src/core/plan/shard.js";

export default async function shardsBench(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { durations: { type: "string" } } });
  const durations = values.durations === undefined ? generatedDurations() : parseDurations(readFileSync(values.durations, "utf8"), values.durations);
  const items = fillUnknown(Object.keys(durations), durations);
  const total = items.reduce((sum, item) => sum + item.seconds, 0);
  console.error(`durations: ${values.durations ?? "generated"}, ${items.length} tests, ${total.toFixed(1)} s in total`);
  for (let k = 2; k <= 8; k += 1) {
    const bound = lowerBound(items, k);
    const ratio = ({ shards }: ShardSplit) => (bound > 0 ? makespan(shards) / bound : 1).toFixed(4);
    console.log(`shards K=${k} lpt_ratio=${ratio(lpt(items, k))} chunks_ratio=${ratio(contiguousChunks(items, k))}`);
  }
}

/**
 * A suite shaped like a real backend's, in pytest's collection order (directories sort by name:
 * contract, integration, unit): 2 400 tests in 120 files of 20. Unit and contract tests are a
 * lognormal bulk (median 0.05 s, a few seconds at the far end); the 400 integration tests are slower
 * (median 0.3 s), with 150 at 1-5 s and a long tail of 6 at 20-60 s. Seeded, so every run
 * benchmarks the same suite.
 */
export function generatedDurations(seed = 20240611): Durations {
  const random = mulberry32(seed);
  const lognormal = (median: number, sigma: number) => median * Math.exp(sigma * gaussian(random));
  const integrationSeconds = (index: number) =>
    index % 67 === 5 ? 20 + 40 * random() : index % 8 < 3 ? 1 + 4 * random() : lognormal(0.3, 1);
  const durations: Durations = {};
  for (let file = 0; file < 120; file += 1) {
    const layer = file < 20 ? "contract" : file < 40 ? "integration" : "unit";
    for (let test = 0; test < 20; test += 1) {
      const id = `tests/${layer}/test_module_${String(file).padStart(3, "0")}.py::test_case_${test}[variant ${test % 3}]`;
      const seconds = layer === "integration" ? integrationSeconds((file - 20) * 20 + test) : lognormal(0.05, 1.2);
      durations[id] = Math.round(seconds * 1000) / 1000;
    }
  }
  return durations;
}

function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal by Box-Muller. */
function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}
