/**
 * A host-harness suite's fixtures: one real PostgreSQL cluster and one temporary directory for the
 * whole file, both removed after it, also when a test fails.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";

import { type PgCluster, startPostgres } from "./postgres.js";

export interface HostFixtures {
  pg: PgCluster;
  /** A fresh temporary directory for this file's reports. */
  root: string;
}

/** Starts the cluster before the file's tests; call the returned function inside tests and hooks. */
export function useHost(name: string): () => HostFixtures {
  let fixtures: HostFixtures | undefined;
  beforeAll(async () => {
    fixtures = { pg: await startPostgres(), root: mkdtempSync(join(tmpdir(), `backend-ci-${name}-`)) };
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
