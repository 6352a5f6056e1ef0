import { describe, expect, it } from "vitest";
import { checkFloors } from "../src/core/report/floors.js";

/** coverage.py 7's `coverage json` shape, trimmed to what matters. */
function coverageJson(files: Record<string, [lines: number, statements: number, branches?: number, numBranches?: number]>) {
  return {
    meta: { format: 3, version: "7.6.1", branch_coverage: true },
    files: Object.fromEntries(
      Object.entries(files).map(([path, [covered, statements, coveredBranches, numBranches]]) => {
        const summary: Record<string, number> = { covered_lines: covered, num_statements: statements, percent_covered: 0, missing_lines: statements - covered, excluded_lines: 0 };
        if (numBranches !== undefined) Object.assign(summary, { covered_branches: coveredBranches, num_branches: numBranches, missing_branches: numBranches - coveredBranches!, num_partial_branches: 0 });
        return [path, { executed_lines: [], summary, missing_lines: [], excluded_lines: [] }];
      }),
    ),
    totals: {},
  };
}

const DATA = coverageJson({
  "app/auth/tokens.py": [90, 100, 8, 10],
  "app/auth/permissions.py": [50, 50, 10, 10],
  "app/domain/money.py": [40, 80, 0, 20],
  "app/generated/models.py": [0, 300, 0, 40],
  "app/generated/client.py": [10, 100, 0, 0],
});

describe("checkFloors", () => {
  it("computes each glob's figure like coverage.py: covered lines and branches over statements and branches", () => {
    const [auth] = checkFloors(DATA, { "app/auth/**": 95 });
    // (90 + 8 + 50 + 10) / (100 + 10 + 50 + 10) = 158 / 170
    expect(auth.percent).toBeCloseTo((100 * 158) / 170, 10);
    expect(auth).toMatchObject({ glob: "app/auth/**", floor: 95, files: 2, passed: false });
    expect(auth.message).toBe("Coverage floor `app/auth/**` misses 95%: 92.94% over 2 files.");
  });

  it.each([
    ["a floor met", { "app/auth/permissions.py": 100 }, true],
    ["a floor missed", { "app/domain/**": 50 }, false],
    ["a floor met after rounding to two decimals", { "app/auth/**": 92.94 }, true],
    ["a 100% floor is not met by 99.995%", { "app/x.py": 100 }, false],
  ])("%s", (_what, floors, passed) => {
    const data = coverageJson({ "app/auth/tokens.py": [90, 100, 8, 10], "app/auth/permissions.py": [50, 50, 10, 10], "app/domain/money.py": [40, 80, 0, 20], "app/x.py": [19999, 20000, 0, 0] });
    expect(checkFloors(data, floors)[0].passed).toBe(passed);
  });

  it("an exempt glob removes its files from the other floors and is still reported with its figure", () => {
    const results = checkFloors(DATA, { "app/**": 60, "app/generated/**": "exempt" });
    const all = results.find((r) => r.glob === "app/**")!;
    const exempt = results.find((r) => r.glob === "app/generated/**")!;
    expect(all.files).toBe(3);
    expect(all.percent).toBeCloseTo((100 * (158 + 40)) / (170 + 100), 10);
    expect(all.passed).toBe(true);
    expect(exempt).toMatchObject({ floor: "exempt", files: 2, passed: true });
    expect(exempt.percent).toBeCloseTo((100 * 10) / 440, 10);
    expect(exempt.message).toMatch(/`app\/generated\/\*\*` is exempt \(2\.27% over 2 files\)/);
  });

  it("a glob that matches no file fails and names the glob and an example path", () => {
    const [r] = checkFloors(DATA, { "src/auth/**": 95 });
    expect(r).toMatchObject({ glob: "src/auth/**", percent: null, files: 0, passed: false });
    expect(r.message).toMatch(/`src\/auth\/\*\*` matches no file in coverage\.json: fix the glob .*app\/auth\/tokens\.py/);
  });

  it("statement-only data (no --branch) counts lines alone", () => {
    const [r] = checkFloors(coverageJson({ "app/a.py": [3, 4] }), { "app/*.py": 75 });
    expect(r).toMatchObject({ percent: 75, passed: true });
  });

  it("paths written with ./ or backslashes still match", () => {
    const [r] = checkFloors(coverageJson({ "./app/a.py": [1, 1], "app\\b.py": [1, 2] }), { "app/*.py": 50 });
    expect(r.files).toBe(2);
  });

  it.each([
    ["not coverage.py's JSON", { totals: {} }],
    ["a file without a summary", { files: { "a.py": {} } }],
    ["unparseable text", "{not json"],
  ])("coverage.json that is %s is rejected, naming the file and the fix", (_what, data) => {
    expect(() => checkFloors(data, { "**": 50 })).toThrow(/coverage\.json: not coverage\.py's `coverage json` output .*regenerate it/);
  });
});
