/**
 * What host suites read off a lane that ran the example's search tests: the search testcases of its
 * JUnit, and the records of test/fixtures/search-recorder (the index each test wrote, and the indices
 * the node itself listed right then).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

import type { LaneConfig } from "../../src/core/config/config.js";
import type { TestCase } from "../../src/core/report/junit.js";
import { REPO } from "./run.js";
import { SEARCH_SERVICES, type SearchNodes, type SearchService } from "./search.js";

export const SEARCH_TESTS = "tests/integration/test_search.py";
/** The example parametrizes its five search tests over both services. */
export const SEARCH_TEST_COUNT = 10;

const RECORDER = join(REPO, "test/fixtures/search-recorder");

export interface SearchRecord {
  nodeid: string;
  worker: string;
  url: string;
  index: string;
  indices: string[];
}

/** The lane's config with the recorder loaded, writing into `dir`. */
export function withSearchRecorder(lane: LaneConfig, dir: string): LaneConfig {
  return {
    ...lane,
    pytest_args: [...lane.pytest_args, "-p", "search_indices_recorder"],
    env: { ...lane.env, PYTHONPATH: [RECORDER, lane.env.PYTHONPATH].filter(Boolean).join(":"), SEARCH_RECORD_DIR: dir },
  };
}

export function readSearchRecords(dir: string): SearchRecord[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(".jsonl"))
    .flatMap((f) =>
      readFileSync(join(dir, f), "utf8")
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as SearchRecord),
    );
}

export const isSearchCase = (c: TestCase) => c.nodeid.startsWith(`${SEARCH_TESTS}::`);

/** Outcome counts of the search testcases among `cases`. */
export function searchOutcomes(cases: readonly TestCase[]): Record<TestCase["outcome"], number> {
  const counts = { passed: 0, failed: 0, error: 0, skipped: 0 };
  for (const c of cases.filter(isSearchCase)) counts[c.outcome] += 1;
  return counts;
}

/** The indices each node lists (`_cat/indices`) whose names start with `prefix`, sorted. */
export async function nodeIndices(nodes: SearchNodes, prefix: string): Promise<Record<SearchService, string[]>> {
  const list = async (s: SearchService) => {
    const response = await fetch(`${nodes[s].url}/_cat/indices?h=index&format=json`, { signal: AbortSignal.timeout(10_000) });
    if (!response.ok) throw new Error(`${s}: _cat/indices answered ${response.status}: ${await response.text()}`);
    return ((await response.json()) as { index: string }[]).map((r) => r.index).filter((i) => i.startsWith(prefix)).sort();
  };
  const [elasticsearch, opensearch] = await Promise.all(SEARCH_SERVICES.map(list));
  return { elasticsearch, opensearch };
}
