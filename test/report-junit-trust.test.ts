import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import MarkdownIt from "markdown-it";
import { describe, expect, it } from "vitest";
import { parseJUnit } from "../src/core/report/junit.js";
import { mergeJUnit } from "../src/core/report/junit-merge.js";
import { runJUnit } from "../src/core/report/lane-reading.js";
import { normalizePath } from "../src/core/report/node-id.js";
import { assembleReports } from "../src/core/report/reports.js";
import { PYTHON } from "./harness/run.js";

const FIXTURES = join(import.meta.dirname, "fixtures/junit");
const fixture = (name: string) => readFileSync(join(FIXTURES, name), "utf8");
const ids = (xml: string, rootdir?: string) => parseJUnit(xml, "lane", { rootdir }).cases.map((c) => c.nodeid);
const testcase = (attrs: string) => `<testsuite><testcase ${attrs} time="0.1"/></testsuite>`;
const RECORD = { lane: "unit", status: "failed", exit_code: 1, message: "1 failed", readiness_s: 0, tests_s: 4, started_at: "2026-01-01T00:00:00Z", finished_at: "2026-01-01T00:00:04Z", argv: [], workers: 0 };

describe("parseJUnit reads any depth of nesting", () => {
  const tc = '<testcase classname="t" name="test_deep" file="t.py"/>';
  const deep = (n: number) => `<testsuites>${"<testsuite>".repeat(n)}${tc}${"</testsuite>".repeat(n)}</testsuites>`;

  it("reads a testcase 10 000 suites deep without running out of stack", () => {
    const j = parseJUnit(deep(10_000), "lane");
    expect(j.problem).toBeNull();
    expect(j.cases.map((c) => c.nodeid)).toEqual(["t.py::test_deep"]);
  });

  it("recovers the testcase of a 10 000-deep file cut off after it", () => {
    const xml = deep(10_000);
    const j = parseJUnit(xml.slice(0, xml.indexOf(tc) + tc.length + 5_000), "lane");
    expect(j.problem).toBe("truncated");
    expect(j.cases.map((c) => c.nodeid)).toEqual(["t.py::test_deep"]);
  });

  it("keeps document order across nesting: a suite's own testcases, then its inner suites, then its next sibling", () => {
    const c = (n: string) => `<testcase classname="t" name="${n}" file="t.py"/>`;
    const xml = `<testsuites><testsuite>${c("a")}<testsuite>${c("b")}<testsuite>${c("c")}</testsuite></testsuite>${c("d")}</testsuite><testsuite>${c("e")}</testsuite></testsuites>`;
    expect(ids(xml)).toEqual(["t.py::a", "t.py::d", "t.py::b", "t.py::c", "t.py::e"]);
  });
});

describe("node ids are relative to the backend root, wherever pytest's rootdir was", () => {
  it("reads real pytest JUnit whose inifile is in tests/ (rootdir tests) as ids from the backend root", () => {
    const j = parseJUnit(fixture("inifile-tests.xml"), "unit", { rootdir: "tests" });
    expect(j.problem).toBeNull();
    expect(j.cases.map((c) => [c.nodeid, c.outcome])).toEqual([
      ["tests/unit/test_orders.py::TestOrders::test_total", "passed"],
      ["tests/unit/test_orders.py::TestOrders::test_rounding_fails", "failed"],
      ["tests/unit/test_orders.py::test_currency[EUR]", "passed"],
      // A parametrize id is not a path: its `/../` stays as pytest wrote it.
      ["tests/unit/test_orders.py::test_currency[a/../b]", "passed"],
    ]);
    expect(j.cases[0]).toMatchObject({ file: "tests/unit/test_orders.py", classname: "tests.unit.test_orders.TestOrders" });
  });

  it("without the rootdir, the same file gives ids pytest would not find from the backend root", () => {
    expect(ids(fixture("inifile-tests.xml"))[0]).toBe("unit/test_orders.py::TestOrders::test_total");
  });

  it("takes the rootdir from the lane's lane.json", () => {
    const record = JSON.stringify({ ...RECORD, rootdir: "tests" });
    expect(runJUnit(fixture("inifile-tests.xml"), record, "unit").cases[0].nodeid).toBe("tests/unit/test_orders.py::TestOrders::test_total");
    expect(runJUnit(fixture("inifile-tests.xml"), undefined, "unit").cases[0].nodeid).toBe("unit/test_orders.py::TestOrders::test_total");
  });

  it("a merged junit.xml reads back to the same ids, files and classnames without any rootdir", () => {
    const lane = parseJUnit(fixture("inifile-tests.xml"), "unit", { rootdir: "tests" });
    const back = parseJUnit(mergeJUnit([lane]), "merged");
    expect(back.cases.map((c) => [c.nodeid, c.file, c.classname, c.name])).toEqual(lane.cases.map((c) => [c.nodeid, c.file, c.classname, c.name]));
  });

  it("an inifile above the backend (rootdir ..) gives the ids the backend root sees, once lane.json says where the backend is", () => {
    const j = parseJUnit(fixture("inifile-parent.xml"), "api", { rootdir: "..", invocation: "backend" });
    expect(j.problem).toBeNull();
    expect(j.cases.map((c) => c.nodeid)).toEqual(["tests/test_api.py::test_health", "tests/test_api.py::test_fails"]);
    // Without it (a lane.json of an older runner) the ids climb out and back in, which pytest accepts too.
    const older = parseJUnit(fixture("inifile-parent.xml"), "api", { rootdir: ".." });
    expect(older.cases.map((c) => c.nodeid)).toEqual(["../backend/tests/test_api.py::test_health", "../backend/tests/test_api.py::test_fails"]);
    const collected = execFileSync(PYTHON, ["-m", "pytest", "-p", "no:cacheprovider", "--collect-only", "-q", j.cases[1].nodeid], {
      cwd: join(FIXTURES, "src-monorepo/backend"),
      encoding: "utf8",
    });
    expect(collected).toMatch(/^(backend\/)?tests\/test_api\.py::test_fails$/m);
    expect(collected).toMatch(/^1 test collected/m);
  });

  // Each file as a module that failed to import, whose node id is its path, and as a test in it.
  it.each([
    ["a/../b/t.py", ".", "b/t.py"],
    ["unit/../unit/./t.py", "tests", "tests/unit/t.py"],
    ["../other/t.py", "tests", "other/t.py"],
    ["a/b/t.py", "../..", "../../a/b/t.py"],
    ["../../../../etc/t.py", ".", "../../../../etc/t.py"],
    ["tests\\unit\\t.py", ".", "tests/unit/t.py"],
  ])("file %s under rootdir %s is %s (a path above the repository stays data)", (file, rootdir, path) => {
    expect(ids(testcase(`classname="" name="t" file="${file}"`), rootdir)).toEqual([path]);
    const classname = normalizePath(file).replace(/\.py$/, "").replaceAll("/", ".");
    expect(ids(testcase(`classname="${classname}.TestX" name="t" file="${file}"`), rootdir)).toEqual([`${path}::TestX::t`]);
  });

  it.each([
    ["backend/tests/t.py", "..", "backend", "tests/t.py"],
    ["common/t.py", "..", "backend", "../common/t.py"],
    ["apps/api/tests/t.py", "../..", "apps/api", "tests/t.py"],
    ["x/t.py", "../x", "../b", "../x/x/t.py"],
  ])("file %s under rootdir %s with the backend at %s is %s", (file, rootdir, invocation, path) => {
    expect(parseJUnit(`<testsuite><testcase classname="" name="t" file="${file}"/></testsuite>`, "l", { rootdir, invocation }).cases.map((c) => c.nodeid)).toEqual([path]);
  });

  it("normalizes a path of 100 000 segments without recursion", () => {
    expect(normalizePath(`${"a/../".repeat(100_000)}t.py`)).toBe("t.py");
  });
});

describe("a node id that would become a pytest option is refused", () => {
  it.each([
    ["a file attribute starting with -", '<testcase classname="-p evil" name="t" file="-p evil.py"/>', "."],
    ["a file that climbs back to a - segment", '<testcase classname="-k" name="t" file="a/../-k.py"/>', "."],
    ["a rootdir starting with -", '<testcase classname="t" name="t" file="t.py"/>', "-x"],
    ["a collection error of such a module", '<testcase classname="" name="x" file="--help"/>', "."],
  ])("%s: the testcase is left out and the problem named", (_what, bad, rootdir) => {
    const j = parseJUnit(`<testsuite><testcase classname="ok" name="ok" file="ok.py"/>${bad}</testsuite>`, "unit", { rootdir });
    expect(j.problem).toMatch(/^unsafe node id: node id "-.*" starts with "-", which pytest would read as an option( \(and 1 more testcase\))?; those testcases were left out: fix their file attribute or the lane's rootdir$/);
    expect(j.cases.map((c) => c.nodeid)).toEqual(rootdir === "." ? ["ok.py::ok"] : []);
    expect(j.cases.every((c) => !c.nodeid.startsWith("-"))).toBe(true);
  });

  it("turns its lane red, naming the id", () => {
    const xml = '<testsuite><testcase classname="-p evil" name="t" file="-p evil.py"><failure message="m"/></testcase></testsuite>';
    const record = JSON.stringify(RECORD);
    const out = assembleReports({
      config: { coverage: { floors: {} }, flaky: { policy: "warn", quarantine: [] } } as never,
      lanes: [{ plan: { id: "unit", lane: "unit", mode: "parallel", failOnEmpty: false }, first: { record, junit: xml }, reruns: [] }],
      part: 1,
      parts: 2,
    });
    expect(out.ok).toBe(false);
    expect(out.reasons.join("\n")).toContain('unsafe node id: node id "-p evil.py::t" starts with "-"');
    expect(out.result.failures).toEqual([]);
  });
});

describe("one hostile test name reads the same in result.json, summary.md and the merged junit.xml", () => {
  // A bell, an escape sequence, a tab, a line break, backticks, markup and HTML, in a parametrize id.
  const hostile = "test_x[\u0007\u001b[31m\tA`B``C\n# h <b>b</b> | *e* [l](x)]";
  const expected = "test_x[#x07#x1B[31m#x09A`B``C#x0A# h <b>b</b> | *e* [l](x)]";
  const esc = (s: string) => s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll('"', "&quot;").replaceAll("\t", "&#9;").replaceAll("\n", "&#10;");
  const xml = `<testsuite><testcase classname="tests.test_a" name="${esc(hostile)}" file="tests/test_a.py" time="3"><failure message="boom">tb</failure></testcase></testsuite>`;
  const record = JSON.stringify(RECORD);
  const out = assembleReports({
    config: { coverage: { floors: {} }, flaky: { policy: "warn", quarantine: [] } } as never,
    lanes: [{ plan: { id: "unit", lane: "unit", mode: "parallel", failOnEmpty: false }, first: { record, junit: xml }, reruns: [] }],
    part: 1,
    parts: 2,
  });
  const nodeid = `tests/test_a.py::${expected}`;

  it("result.json holds the name with its control characters made visible as pytest writes them", () => {
    const result = JSON.parse(out.files["result.json"]);
    expect(result.failures[0].nodeid).toBe(nodeid);
    expect(result.slowest[0].nodeid).toBe(nodeid);
  });

  it("the merged junit.xml reads back to the same name", () => {
    expect(parseJUnit(out.files["junit.xml"], "merged").cases[0]).toMatchObject({ nodeid, name: expected });
  });

  it("summary.md shows the same name in every place it names the test, as rendered markdown", () => {
    const md = new MarkdownIt({ html: true });
    const tokens = md.parse(out.files["summary.md"], {});
    const spans = tokens.flatMap((t) => t.children ?? []).filter((t) => t.type === "code_inline").map((t) => t.content);
    // The reason and the slowest-tests table quote it in code spans; the failure's <summary> as escaped HTML.
    expect(spans.filter((s) => s === nodeid)).toHaveLength(2);
    const details = tokens.find((t) => t.type === "html_block" && t.content.startsWith("<details><summary>"))!;
    const shown = details.content.slice("<details><summary>".length, details.content.indexOf(" in unit"));
    expect(shown.replaceAll("&lt;", "<").replaceAll("&gt;", ">").replaceAll("&amp;", "&")).toBe(nodeid);
  });
});
