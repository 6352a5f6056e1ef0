/** The GitHub workflows do what the README says: one Dagger step, reports always uploaded, red on red. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

import { PR_STEP } from "../src/index.js";
import { REPO } from "./harness/run.js";

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, string | boolean>;
}
interface Workflow {
  jobs: Record<string, { steps: Step[]; strategy?: { matrix: Record<string, unknown> }; needs?: string }>;
}

const workflow = (name: string) => parse(readFileSync(join(REPO, ".github/workflows", name), "utf8")) as Workflow;
const dagger = (s: Step) => s.uses?.startsWith("dagger/dagger-for-github@") ?? false;

describe("pr.yml", () => {
  const steps = workflow("pr.yml").jobs.backend.steps;

  it("runs pr-backend on the example in one Dagger step on a pinned action and engine v0.21.8", () => {
    const d = steps.filter(dagger);
    expect(d).toHaveLength(1);
    expect(d[0].uses).toMatch(/@v\d+\.\d+\.\d+$/);
    expect(d[0].with).toMatchObject({ version: "v0.21.8", verb: "call" });
    expect(String(d[0].with!.args)).toMatch(/^pr-backend --source=examples\/backend reports export --path=reports$/);
  });

  it("writes the summary and uploads the reports even when the tests failed, then fails the job on red", () => {
    const summary = steps.find((s) => s.run?.includes("GITHUB_STEP_SUMMARY"));
    const upload = steps.find((s) => s.uses?.startsWith("actions/upload-artifact@"));
    const gate = steps.at(-1)!;
    expect(summary?.if).toBe("always()");
    expect(upload?.if).toBe("always()");
    expect(upload?.with).toMatchObject({ path: "reports", "include-hidden-files": true });
    expect(gate.run).toContain("jq -e .ok reports/result.json");
    expect(gate.if).toBeUndefined();
  });

  it("is the snippet pr-step prints, but for the module and the source", () => {
    const snippet = parse(PR_STEP) as Step[];
    expect(snippet.map((s) => s.name ?? s.uses)).toEqual(["Backend tests", "Summary", "actions/upload-artifact@v4", "Gate"]);
    expect(snippet[3].run).toBe(steps.at(-1)!.run);
  });
});

describe("pr-matrix.yml", () => {
  const { part, combine } = workflow("pr-matrix.yml").jobs;

  it("runs part i of n in each matrix job and combines every part in one job", () => {
    const parts = (part.strategy!.matrix.part as number[]).length;
    const args = String(part.steps.find(dagger)!.with!.args);
    expect(args).toContain(`--part=\${{ matrix.part }} --parts=${parts}`);
    expect(combine.needs).toBe("part");
    expect(String(combine.steps.find(dagger)!.with!.args)).toMatch(/^combine-parts .*--artifacts=parts reports export --path=reports$/);
    expect(combine.steps.find((s) => s.uses?.startsWith("actions/download-artifact@"))!.with).toMatchObject({ path: "parts" });
    expect(combine.steps.at(-1)!.run).toContain("jq -e .ok reports/result.json");
  });
});
