/** The README is the front door: what it tells users to copy must be what the code does. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

import { BackendCiConfig, LaneConfig } from "../src/core/config/config.js";
import { PR_STEP } from "../src/index.js";
import { REPO } from "./harness/run.js";

const readme = readFileSync(join(REPO, "README.md"), "utf8");
const pkg = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { scripts: Record<string, string> };

describe("README", () => {
  it("shows exactly the pr.yml steps that pr-step prints", () => {
    expect(readme).toContain(PR_STEP);
  });

  it("gives a test command that exists and is what CI runs", () => {
    expect(readme).toContain("bash scripts/test.sh");
    expect(readFileSync(join(REPO, ".ci/run"), "utf8")).toContain("bash scripts/test.sh");
    expect(readFileSync(join(REPO, "scripts/test.sh"), "utf8")).toContain("npm test");
    for (const script of ["bench", "plan-shards", "schema", "test", "typecheck"]) expect(pkg.scripts[script]).toBeDefined();
  });

  it("documents every [tool.backend-ci] key", () => {
    const top = Object.keys(BackendCiConfig.shape).filter((k) => k !== "lanes" && k !== "coverage" && k !== "services" && k !== "isolation" && k !== "flaky");
    for (const key of top) expect(readme).toContain(`| \`${key}\``);
    for (const key of Object.keys(LaneConfig.shape)) expect(readme).toContain(`\`lanes.<name>.${key}\``);
    for (const section of ["coverage", "isolation", "flaky"] as const) {
      const shape = (BackendCiConfig.shape[section] as unknown as { _zod: { def: { innerType: { shape: Record<string, unknown> } } } })._zod.def.innerType.shape;
      for (const key of Object.keys(shape)) expect(readme).toContain(`\`${section}.${key}\``);
    }
  });

  it("states the defaults the schema applies", () => {
    const d = BackendCiConfig.parse({});
    expect(readme).toContain(`| \`coverage.fail_under\` | \`${d.coverage.fail_under}\``);
    expect(readme).toContain(`| \`flaky.reruns\` | \`${d.flaky.reruns}\``);
    expect(readme).toContain(`| \`readiness_timeout\` | \`${d.readiness_timeout}\``);
    expect(readme).toContain(`| \`services.postgres.image\` | \`${d.services.postgres.image}\``);
    expect(readme).toContain(`| \`services.elasticsearch.image\` | \`${d.services.elasticsearch.image}\``);
    expect(readme).toContain(`| \`services.opensearch.image\` | \`${d.services.opensearch.image}\``);
  });
});
