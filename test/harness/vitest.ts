/**
 * A host-harness suite's fixtures: one real PostgreSQL cluster and one temporary directory for the
 * whole file, both removed after it, also when a test fails; and, when asked for, the run's search
 * nodes (started once per vitest run by search-global-setup.ts), ready.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, inject } from "vitest";

import { type PgCluster, startPostgres } from "./postgres.js";
import { SEARCH_SERVICES, type SearchNodes, waitForSearchNode } from "./search.js";

export interface HostFixtures {
  pg: PgCluster;
  /** A fresh temporary directory for this file's reports. */
  root: string;
  /** The run's Elasticsearch and OpenSearch nodes, when the suite asked for them. */
  search?: SearchNodes;
}

/**
 * The run's search nodes once both answer and are at least yellow. Throws with a node's log tail
 * when it died or never became ready, and with the reason when they could not be started.
 */
export async function searchNodes(): Promise<SearchNodes> {
  const provided = inject("searchNodes");
  if ("error" in provided) throw new Error(`the search nodes were not started: ${provided.error}`);
  await Promise.all(SEARCH_SERVICES.map((s) => waitForSearchNode(provided[s])));
  return provided;
}

/** Starts the cluster before the file's tests; call the returned function inside tests and hooks. */
export function useHost(name: string, options: { search?: boolean } = {}): () => HostFixtures {
  let fixtures: HostFixtures | undefined;
  beforeAll(async () => {
    const search = options.search ? searchNodes() : undefined;
    // Awaited below, after the cluster exists, so a failed wait still lets afterAll stop the cluster.
    search?.catch(() => undefined);
    fixtures = { pg: await startPostgres(), root: mkdtempSync(join(tmpdir(), `backend-ci-${name}-`)) };
    if (search) fixtures.search = await search;
  });
  afterAll(() => {
    fixtures?.pg.stop();
    if (fixtures) rmSync(fixtures.root, { recursive: true, force: true });
  });
  return () => {
    if (!fixtures) throw new Error("useHost: the fixtures exist only inside tests and hooks");
    return fixtures;
  };
}
