import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildResult, type Result, type ResultFailure, type ResultInput } from "../src/core/report/result.js";
import { renderSummary, SUMMARY_MAX_BYTES } from "../src/core/report/summary.js";

const fixture = (name: string) => readFileSync(join(import.meta.dirname, "fixtures/junit", name), "utf8");
const bytes = (s: string) => Buffer.byteLength(s, "utf8");

function record(lane: string, status: "passed" | "failed", seconds: number, workers = 2) {
  return {
    lane,
    status,
    exit_code: status === "passed" ? 0 : 1,
    message: status,
    readiness_s: 1,
    tests_s: seconds - 2,
    started_at: "2026-01-01T00:00:00.000Z",
    finished_at: new Date(Date.parse("2026-01-01T00:00:00.000Z") + seconds * 1000).toISOString(),
    argv: [],
    workers,
  };
}

const COMBINE = { total: 78.31, fail_under: 80, gate_passed: false, branch: true, inputs: [], message: "coverage 78.31% is below fail_under 80%", reports: [] };
const COVERAGE_JSON = {
  files: {
    "app/auth/tokens.py": { summary: { covered_lines: 96, num_statements: 100, percent_covered: 96 } },
    "app/generated/models.py": { summary: { covered_lines: 1, num_statements: 100, percent_covered: 1 } },
  },
};

const RED: ResultInput = {
  lanes: [
    {
      id: "unit-1of2",
      lane: "unit",
      mode: "parallel",
      record: record("unit-1of2", "failed", 95),
      junitXml: fixture("serial.xml"),
      reruns: [{ junitXml: '<testsuite><testcase classname="tests.unit.test_sample" name="test_fails_with_message" file="tests/unit/test_sample.py" time="0.1"/></testsuite>' }],
    },
    { id: "unit-2of2", lane: "unit", mode: "parallel", record: record("unit-2of2", "passed", 60), junitXml: fixture("xunit2.xml").replace(/<failure[\s\S]*?<\/failure>|<error[\s\S]*?<\/error>/g, "") },
    { id: "integration", lane: "integration", mode: "serial", record: record("integration", "passed", 70, 0), junitXml: "<testsuites><testsuite><testcase" },
  ],
  combine: COMBINE,
  coverageJson: COVERAGE_JSON,
  floors: { "app/auth/**": 95, "app/generated/**": "exempt" },
  quarantine: ["tests/unit/test_sample.py::test_setup_error"],
};

describe("renderSummary of a red run", () => {
  const md = renderSummary(buildResult(RED));

  it("opens with the verdict and every reason", () => {
    const head = md.split("\n### ")[0];
    expect(head).toMatch(/^## ❌ Backend tests failed\n\n/);
    expect(head).toContain("- Coverage 78.31% is below the gate 80% by 1.69 points.");
    expect(head).toContain("- Lane `unit-1of2` has 2 failing tests:");
    expect(head).toContain("- Lane `integration`'s junit.xml is truncated");
  });

  it("keeps the sections in the order a developer reads them", () => {
    const order = ["## ❌", "### Lanes", "### Coverage", "### Coverage floors", "### Failures", "### Flaky and quarantined", "### Ten slowest tests", "### Critical path"].map((h) => md.indexOf(h));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });

  it("has a lanes table with status, tests, failing, skipped, flaky and duration", () => {
    expect(md).toContain("| Lane | Status | Tests | Failing | Skipped | Flaky | Duration |");
    expect(md).toContain("| unit-1of2 | ❌ failed ⚠️ unit-1of2-rerun1 lane.json: missing | 13 | 2 (+1 quarantined) | 3 | 1 | 95.0s |");
    expect(md).toContain("| unit-2of2 | ✅ passed | 13 | 0 | 3 | 0 | 60.0s |");
    expect(md).toMatch(/\| integration \| ✅ passed \(red\) ⚠️ junit\.xml: truncated \| 0 \| 0 \| 0 \| 0 \| 70\.0s \|/);
  });

  it("says how far coverage is from the gate and lists each floor with its figure", () => {
    expect(md).toContain("❌ **78.31%** against the gate of **80%**: 1.69 points below.");
    expect(md).toContain("| `app/auth/**` | 96.00% | 95% | 1 | ✅ |");
    expect(md).toContain("| `app/generated/**` | 1.00% | exempt | 1 | ✅ |");
  });

  it("shows the first lines of each failure, failing before flaky, and leaves quarantined ones to their list", () => {
    const failures = md.slice(md.indexOf("### Failures"), md.indexOf("### Flaky"));
    expect(failures).toMatch(/^### Failures \(3\)/);
    expect(failures.indexOf("test_teardown_error in unit-1of2")).toBeLessThan(failures.indexOf("test_fails_with_message (flaky)"));
    expect(failures).not.toContain("test_setup_error");
    expect(failures).toContain("RuntimeError: teardown exploded");
    expect(failures).not.toContain("test_parametrized");
    const block = failures.slice(failures.indexOf("test_fails_with_message (flaky)"));
    expect(/```text\n([\s\S]*?)\n```/.exec(block)?.[1].split("\n")).toHaveLength(10);
  });

  it("lists flaky and quarantined tests with what the reruns said", () => {
    expect(md).toContain("- `tests/unit/test_sample.py::test_fails_with_message` in `unit-1of2`: flaky, failed, then passed on rerun 1");
    expect(md).toContain("- `tests/unit/test_sample.py::test_setup_error` in `unit-1of2`: quarantined, failed; missing from 1 of 1 reruns");
  });

  it("lists the ten slowest tests and names the critical path", () => {
    const slow = md.slice(md.indexOf("### Ten slowest tests"), md.indexOf("### Critical path"));
    expect(slow.split("\n").filter((l) => l.startsWith("| `"))).toHaveLength(10);
    expect(slow).toContain("| `tests/integration/test_db.py::TestRepository::test_slow_query` | unit-1of2 | 0.20s |");
    expect(md).toContain("Lane `unit-1of2` bounds the lanes at 95.0s, 25.0s longer than lane `integration` (70.0s).");
    expect(md).toContain("| Lane | pytest | Readiness | Tests | Total | Efficiency | Ran |");
    // Nobody said when these lanes were asked for: the summary claims neither "this run" nor the cache.
    expect(md).toContain("| integration | serial | 1.0s | 68.0s | 70.0s | – | – |");
    expect(md).toContain("| unit-1of2 | 2 workers | 1.0s | 93.0s | 95.0s | 0.00 | – |");
  });
});

describe("renderSummary of a green run", () => {
  it("says so in the headline with the figures, and has no failures section", () => {
    const md = renderSummary(
      buildResult({
        lanes: [{ id: "unit", lane: "unit", mode: "parallel", record: record("unit", "passed", 50), junitXml: fixture("xunit2.xml").replace(/<failure[\s\S]*?<\/failure>|<error[\s\S]*?<\/error>/g, "") }],
        combine: { ...COMBINE, total: 91.5, gate_passed: true, message: "ok" },
      }),
    );
    expect(md).toMatch(/^## ✅ Backend tests passed\n\n13 tests in 1 lane · 3 skipped · coverage 91\.50% \(gate 80%\)\n/);
    expect(md).toContain("✅ **91.50%** against the gate of **80%**: 11.50 points above.");
    expect(md).not.toContain("### Failures");
  });
});

describe("renderSummary stays under GitHub's limit", () => {
  const failure = (i: number): ResultFailure => ({
    lane: "unit",
    nodeid: `tests/test_big.py::test_${i}`,
    outcome: "failed",
    crashed: false,
    class: "failing",
    detail: "failed again on 1 of 1 reruns",
    message: `AssertionError ${i}`,
    excerpt: Array.from({ length: 10 }, (_, l) => `line ${l} ${"é".repeat(140)}`).join("\n"),
  });
  const huge: Result = { ...buildResult(RED), failures: Array.from({ length: 5000 }, (_, i) => failure(i)) };

  it("cuts failure details first and says how many were left out", () => {
    const md = renderSummary(huge);
    expect(bytes(md)).toBeLessThanOrEqual(SUMMARY_MAX_BYTES);
    const shown = (md.match(/<details>/g) ?? []).length;
    expect(shown).toBeGreaterThan(100);
    expect(shown).toBeLessThan(5000);
    expect(md).toContain(`… truncated: ${5000 - shown} more failures, see junit.xml`);
    expect(md).toContain("### Critical path");
    expect(md).toContain("### Ten slowest tests");
  });

  it.each([20_000, 50_000, 200_000])("honours a smaller limit of %i bytes", (limit) => {
    const md = renderSummary(huge, limit);
    expect(bytes(md)).toBeLessThanOrEqual(limit);
    expect(md).toMatch(/… truncated: \d+ more failures, see junit\.xml/);
  });

  it("cuts at a line with a note when even the tables do not fit", () => {
    const md = renderSummary(huge, 600);
    expect(bytes(md)).toBeLessThanOrEqual(600);
    expect(md).toMatch(/… truncated: the summary exceeded GitHub's limit, see result\.json\n$/);
  });
});

describe("renderSummary keeps markdown intact around odd names", () => {
  it("escapes pipes in table cells and backticks in code spans, and fences tracebacks that hold backticks", () => {
    const r = buildResult(RED);
    const odd: Result = {
      ...r,
      slowest: [{ lane: "a|b", nodeid: "t.py::test_x[a|b`c]", seconds: 1 }],
      failures: [{ ...r.failures[0], nodeid: "t.py::test_<b>", excerpt: "```\ncode\n```" }],
    };
    const md = renderSummary(odd);
    expect(md).toContain("| `` t.py::test_x[a\\|b`c] `` | a\\|b | 1.00s |");
    expect(md).toContain("<summary>t.py::test_&lt;b&gt;");
    expect(md).toContain("````text\n```\ncode\n```\n````");
  });
});
