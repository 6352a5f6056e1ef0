/**
 * vitest globalSetup: starts one Elasticsearch and one OpenSearch node per vitest run, in the
 * background, and provides where they answer (`inject("searchNodes")`). The unit suites start at
 * once; a host suite that needs the nodes waits for them with `searchNodes()` (test/harness/vitest.ts).
 * The nodes are stopped, and their directories removed, when the run ends.
 */
import type { TestProject } from "vitest/node";

import { type SearchNode, type SearchNodes, startSearchNodes, stopSearchNodes } from "./search.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** The run's search nodes, or why they could not be started (only the suites that need them fail). */
    searchNodes: SearchNodes | { error: string };
  }
}

const info = ({ stop: _stop, ...rest }: SearchNode) => rest;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let nodes: Awaited<ReturnType<typeof startSearchNodes>> | undefined;
  try {
    nodes = await startSearchNodes();
    project.provide("searchNodes", { elasticsearch: info(nodes.elasticsearch), opensearch: info(nodes.opensearch) });
  } catch (error) {
    project.provide("searchNodes", { error: error instanceof Error ? error.message : String(error) });
  }
  return async () => {
    if (nodes) await stopSearchNodes(nodes);
  };
}
