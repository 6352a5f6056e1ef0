/**
 * The lane runner's readiness wait (src/python/wait_ready.py, `_cluster/health?wait_for_status=yellow`)
 * against real search nodes of this file's own: one still starting when the wait begins, then the
 * same node with an index whose primary can never be allocated, so its cluster stays red.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

import { LaneRecord } from "../src/core/artifacts/records.js";
import { EXAMPLE, INDEX_NAMESPACE, PYTHON, REPO, exec } from "./harness/run.js";
import { SEARCH_TESTS } from "./harness/search-lane.js";
import { SEARCH_SERVICES, type SearchNode, searchLogTail, startSearchNode, waitForSearchNode } from "./harness/search.js";

const HELPERS = join(REPO, "src/python");

const root = mkdtempSync(join(tmpdir(), "backend-ci-readiness-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** run_lane.py as a planned lane calls it: wait for one service, then run `command`. */
function runLane(lane: string, service: string, url: string, waitTimeout: number, command: string[]) {
  const reports = join(root, lane);
  const argv = [PYTHON, join(HELPERS, "run_lane.py"), "--lane", lane, "--reports", reports, "--wait", `${service}=${url}`, "--wait-timeout", String(waitTimeout), "--", ...command];
  return exec(argv, { PYTHONPATH: HELPERS }, EXAMPLE).then((r) => ({ ...r, reports, record: LaneRecord.parse(JSON.parse(readFileSync(join(reports, "lane.json"), "utf8"))) }));
}

describe.each(SEARCH_SERVICES)("waiting for a %s node", (service) => {
  let node: SearchNode | undefined;
  afterAll(() => node?.stop());

  it("waits while the node starts, says how long it took, and hands over a node whose cluster is at least yellow", async () => {
    node = await startSearchNode(service);
    // Nothing answers yet, so the wait below has something to wait for.
    await expect(fetch(`${node.url}/`, { signal: AbortSignal.timeout(2_000) })).rejects.toThrow();
    // The lane's command reads the cluster's health the moment the wait lets it run.
    const health = `import json, sys, urllib.request; h = json.load(urllib.request.urlopen("${node.url}/_cluster/health")); print("health:", h["status"]); sys.exit(h["status"] == "red")`;
    // Generous: beside the other suites on two cores, a JVM's start has taken close to two minutes.
    const run = await runLane(`${service}-starting`, service, node.url, 240, [PYTHON, "-c", health]);
    expect(run.record.status, `${run.output.slice(-3000)}\n${searchLogTail(node)}`).toBe("passed");
    expect(run.output).toMatch(new RegExp(`run_lane: ${service}: ready after \\d+\\.\\ds`));
    expect(run.output).toMatch(/health: (yellow|green)/);
    expect(run.record.readiness_s).toBeGreaterThan(0);
  }, 300_000);

  it("reports a node whose cluster never turns yellow as not ready, naming the service and its URL, and runs no test", async () => {
    const started = node!;
    await waitForSearchNode(started);
    const create = await fetch(`${started.url}/${INDEX_NAMESPACE}unallocatable?wait_for_active_shards=0`, {
      method: "PUT",
      headers: { "Content-Type": "application/json" },
      // The only node it may live on does not exist: the primary stays unassigned, the cluster red.
      body: JSON.stringify({ settings: { number_of_shards: 1, number_of_replicas: 0, "index.routing.allocation.require._name": "no-such-node" } }),
    });
    expect(create.status, await create.text()).toBe(200);
    const health = await fetch(`${started.url}/_cluster/health?wait_for_status=yellow&timeout=1s`);
    expect(health.status).toBe(408);
    expect(((await health.json()) as { status: string }).status).toBe("red");

    const run = await runLane(`${service}-red`, service, started.url, 5, [PYTHON, "-m", "pytest", SEARCH_TESTS, "-p", "no:cacheprovider", "-q"]);
    expect(run.exitCode).toBe(125);
    expect(run.record.status).toBe("not-ready");
    expect(run.record.message).toMatch(new RegExp(`^service '${service}' at ${started.url} not ready after 5s: `));
    // The server's own answer, not a client timeout: every attempt waits out the health request.
    expect(run.record.message).toMatch(/HTTP 408/);
    // pytest never started: run_lane prints the lane's command only once its services are ready.
    expect(run.record.exit_code).toBe(-1);
    expect(run.output).not.toContain(`${PYTHON} -m pytest`);
  }, 300_000);
});
