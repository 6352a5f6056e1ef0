/**
 * The plan view without Dagger: `npm run plan -- --source DIR [--json]` prints the lanes a run would
 * start and the test files no lane runs, from the same config and discovery as `dagger call plan`.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

import { REPO } from "./harness/run.js";

const plan = (...args: string[]) => execFileSync(process.execPath, ["--import", "tsx", join(REPO, "scripts/plan.ts"), ...args], { cwd: REPO, encoding: "utf8" });

describe("npm run plan", () => {
  it("prints one JSON object with exactly the lanes' id, mode, workers, paths and services, and the unplanned paths", () => {
    const view = JSON.parse(plan("--source", join(REPO, "examples/monorepo"), "--json"));
    expect(Object.keys(view)).toEqual(["lanes", "unplanned"]);
    for (const lane of view.lanes) expect(Object.keys(lane)).toEqual(["id", "mode", "workers", "paths", "services"]);
    expect(view).toEqual({
      lanes: [
        { id: "fast", mode: "parallel", workers: "auto", paths: ["tests/contract", "tests/smoke", "tests/unit"], services: [] },
        { id: "integration", mode: "serial", workers: 0, paths: ["tests/e2e", "tests/integration"], services: ["postgres"] },
      ],
      unplanned: [],
    });
  });

  it("lists the test files configured lanes leave out, and says how each decision was made", () => {
    const dir = mkdtempSync(join(tmpdir(), "backend-ci-plan-"));
    try {
      writeFileSync(join(dir, "pyproject.toml"), '[tool.pytest.ini_options]\ntestpaths = ["tests"]\n[tool.backend-ci.lanes.unit]\npaths = ["tests/unit"]\n');
      writeFileSync(join(dir, "requirements.txt"), "pytest\n");
      for (const f of ["tests/unit/test_a.py", "tests/e2e/test_b.py"]) {
        mkdirSync(join(dir, f, ".."), { recursive: true });
        writeFileSync(join(dir, f), "def test_x():\n    assert True\n");
      }
      expect(JSON.parse(plan("--source", dir, "--json")).unplanned).toEqual(["tests/e2e"]);
      const text = plan("--source", dir, "--workers", "0");
      expect(text).toMatch(/^unit\s+parallel\s+0 \(no xdist\)\s+-\s+1\s+tests\/unit$/m);
      expect(text).toContain("not planned (no lane runs them): tests/e2e");
      expect(text).toContain("testpaths from pyproject.toml: tests");
      expect(text).toContain("install: pip install -r requirements.txt");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("names the folder when --root points nowhere", () => {
    expect(() => plan("--source", join(REPO, "examples/monorepo"), "--root", "api")).toThrow(/--root = "api".*no such folder/s);
  });
});
