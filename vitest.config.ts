import { defineConfig } from "vitest/config";

// Two cores: host-harness suites start PostgreSQL and pytest workers, so at most two files run at once.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    pool: "forks",
    maxWorkers: 2,
    minWorkers: 1,
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // One Elasticsearch and one OpenSearch node per run, started in the background (test/harness/search.ts).
    globalSetup: ["test/harness/search-global-setup.ts"],
  },
});
