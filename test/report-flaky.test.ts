import { describe, expect, it } from "vitest";
import { classifyFailures, failedNodeIds, type FlakyPolicy, globMatch, quarantineMatcher } from "../src/core/report/flaky.js";
import type { TestCase } from "../src/core/report/junit.js";

function tc(nodeid: string, outcome: TestCase["outcome"]): TestCase {
  const [file] = nodeid.split("::");
  return { nodeid, file, classname: "", name: nodeid.split("::").pop()!, line: 1, time: 0.1, outcome, crashed: false, message: "", text: "", systemOut: "", systemErr: "" };
}

describe("failedNodeIds", () => {
  it("lists failed and errored tests once, in order, and leaves skipped and passed ones out", () => {
    const cases = [tc("t.py::a", "passed"), tc("t.py::b", "failed"), tc("t.py::c", "skipped"), tc("t.py::d", "error"), tc("t.py::b", "failed")];
    expect(failedNodeIds(cases)).toEqual(["t.py::b", "t.py::d"]);
  });
});

describe("quarantineMatcher", () => {
  it.each([
    ["an exact node id", ["t.py::test_a"], "t.py::test_a", true],
    ["an exact node id with parametrize brackets", ["t.py::test_a[1-x]"], "t.py::test_a[1-x]", true],
    ["brackets are literal, not a character class", ["t.py::test_a[1-x]"], "t.py::test_a1", false],
    ["a star crossing directories and classes", ["tests/integration/*"], "tests/integration/db/test_x.py::TestY::test_z", true],
    ["a star inside a test name", ["t.py::test_slow_*"], "t.py::test_slow_query[pg]", true],
    ["a question mark is one character", ["t.py::test_?"], "t.py::test_ab", false],
    ["dots are literal", ["t.py::test.a"], "t.py::testXa", false],
    ["no entries match nothing", [], "t.py::a", false],
  ])("%s", (_what, entries, nodeid, expected) => {
    expect(quarantineMatcher(entries)(nodeid)).toBe(expected);
  });
});

describe("quarantine globs on hostile input", () => {
  // Runs of stars once became nested `.*` in a regular expression: on these inputs it backtracked
  // for longer than any test timeout (56 s per id for the first glob on a 200-character id).
  const long = `tests/${"a/".repeat(5_000)}test_x.py::test_fast[${"b".repeat(5_000)}]`;

  it("a glob with a run of stars decides over long node ids", () => {
    const match = quarantineMatcher(["tests/********::slow", "*a*a*a*a*a*a*a*a*a*a*b*c", "tests/*?*?*?*?*?*?*?*?::*[*]"]);
    expect(match(long)).toBe(true);
    expect(match(`${long}x`)).toBe(false);
    expect(match(`tests/${"x".repeat(20_000)}::slow`)).toBe(true);
    expect(match(`${"a".repeat(20_000)}b`)).toBe(false);
    expect(match(`${"a".repeat(20_000)}bc`)).toBe(true);
  });

  it.each([
    ["***", "", true],
    ["a**b", "ab", true],
    ["a*b*c", "abxbc", true],
    ["a*b*c", "abxbcx", false],
    ["?", "", false],
    ["*?", "x", true],
    ["t.py::*[1-?]", "t.py::test[1-a]", true],
    ["t.py::*[1-?]", "t.py::test[1-ab]", false],
  ])("%j matches %j: %s", (glob, nodeid, expected) => {
    expect(globMatch(glob, nodeid)).toBe(expected);
  });
});

describe("classifyFailures", () => {
  const first = [tc("t.py::ok", "passed"), tc("t.py::flaky", "failed"), tc("t.py::broken", "failed"), tc("t.py::setup", "error"), tc("t.py::known", "failed")];
  const rerun = [tc("t.py::flaky", "passed"), tc("t.py::broken", "failed"), tc("t.py::setup", "error"), tc("t.py::known", "failed")];
  const classify = (policy: FlakyPolicy, reruns = [rerun], quarantine = ["t.py::kn*"]) => classifyFailures({ firstRun: first, reruns, quarantine, policy });

  it("failed then passed is flaky, failed again is failing, quarantined stays quarantined", () => {
    const c = classify("warn");
    expect(c.flaky).toEqual(["t.py::flaky"]);
    expect(c.failing).toEqual(["t.py::broken", "t.py::setup"]);
    expect(c.quarantined).toEqual(["t.py::known"]);
    expect(c.tests.find((t) => t.nodeid === "t.py::flaky")?.detail).toBe("failed, then passed on rerun 1");
    expect(c.tests.find((t) => t.nodeid === "t.py::broken")?.detail).toBe("failed again on 1 of 1 reruns");
  });

  it.each([
    ["a failing test turns the lane red under warn", "warn", [rerun], true],
    ["only flaky tests keep the lane green under warn", "warn", [[tc("t.py::flaky", "passed"), tc("t.py::broken", "passed"), tc("t.py::setup", "passed")]], false],
    ["only flaky tests turn the lane red under fail", "fail", [[tc("t.py::flaky", "passed"), tc("t.py::broken", "passed"), tc("t.py::setup", "passed")]], true],
  ] as const)("%s", (_what, policy, reruns, red) => {
    expect(classify(policy, reruns.map((r) => [...r])).red).toBe(red);
  });

  it("a quarantined test never turns the lane red, even when it fails every rerun", () => {
    const c = classifyFailures({ firstRun: [tc("t.py::known", "failed")], reruns: [[tc("t.py::known", "failed")]], quarantine: ["t.py::known"], policy: "fail" });
    expect(c).toMatchObject({ red: false, quarantined: ["t.py::known"], failing: [] });
  });

  it("a test missing from the rerun report, or not rerun at all, counts as failing", () => {
    expect(classifyFailures({ firstRun: [tc("t.py::a", "failed")], reruns: [[]], quarantine: [], policy: "warn" }).tests[0]).toMatchObject({
      class: "failing",
      detail: "failed; missing from 1 of 1 reruns",
    });
    expect(classifyFailures({ firstRun: [tc("t.py::a", "failed")], reruns: [], quarantine: [], policy: "warn" }).tests[0]).toMatchObject({
      class: "failing",
      detail: "failed; not rerun",
    });
  });

  it("a test that passes on the second of two reruns is flaky", () => {
    const c = classifyFailures({ firstRun: [tc("t.py::a", "failed")], reruns: [[tc("t.py::a", "failed")], [tc("t.py::a", "passed")]], quarantine: [], policy: "warn" });
    expect(c.tests[0]).toMatchObject({ class: "flaky", detail: "failed, then passed on rerun 2", red: false });
  });

  it("a test skipped on rerun is not evidence of flakiness", () => {
    const c = classifyFailures({ firstRun: [tc("t.py::a", "failed")], reruns: [[tc("t.py::a", "skipped")]], quarantine: [], policy: "warn" });
    expect(c.tests[0]).toMatchObject({ class: "failing", detail: "failed; skipped on 1 of 1 reruns" });
  });
});
