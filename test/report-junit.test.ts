import { readFileSync } from "node:fs";
import { join } from "node:path";
import { XMLValidator } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import { countCases, type LaneJUnit, parseJUnit, type TestCase } from "../src/core/report/junit.js";
import { mergeJUnit } from "../src/core/report/junit-merge.js";
import { generateLanes } from "./fixtures/junit/generate.js";

const FIXTURES = join(import.meta.dirname, "fixtures/junit");
const fixture = (name: string) => readFileSync(join(FIXTURES, name), "utf8");
const byId = (j: LaneJUnit) => new Map(j.cases.map((c) => [c.nodeid, c]));

/** What every real fixture (serial, xdist, xunit2) agrees on: the tiny project's tests and outcomes. */
const EXPECTED: [string, TestCase["outcome"]][] = [
  ["tests/integration/test_db.py::TestRepository::test_slow_query", "passed"],
  ["tests/integration/test_db.py::TestRepository::test_fast_query", "passed"],
  ["tests/unit/test_sample.py::TestArithmetic::test_adds", "passed"],
  ["tests/unit/test_sample.py::TestArithmetic::TestNested::test_nested_class", "passed"],
  ["tests/unit/test_sample.py::test_parametrized[1-a]", "passed"],
  ["tests/unit/test_sample.py::test_parametrized[2-b & <c>]", "passed"],
  ["tests/unit/test_sample.py::test_fails_with_message", "failed"],
  ["tests/unit/test_sample.py::test_teardown_error", "error"],
  ["tests/unit/test_sample.py::test_setup_error", "error"],
  ["tests/unit/test_sample.py::test_skipped", "skipped"],
  ["tests/unit/test_sample.py::test_expected_failure", "skipped"],
  ["tests/unit/test_sample.py::test_fails_then_teardown_error", "failed"],
];

describe("parseJUnit on real pytest 9.2 output", () => {
  it.each([
    ["serial.xml", "a serial xunit1 run with captured output"],
    ["xdist.xml", "an xdist run with -n 2"],
    ["xunit2.xml", "an xunit2 run without file attributes"],
  ])("%s (%s) yields pytest's own node ids and outcomes", (file) => {
    const j = parseJUnit(fixture(file), "unit");
    expect(j.problem).toBeNull();
    const cases = byId(j);
    for (const [nodeid, outcome] of EXPECTED) expect(cases.get(nodeid)?.outcome, nodeid).toBe(outcome);
    expect(cases.get("tests/integration/test_crash.py::test_worker_crashes")?.outcome).toBe("skipped");
    expect(j.cases).toHaveLength(EXPECTED.length + 1);
  });

  it("a test that failed and then errored in teardown counts once, as failed, with both tracebacks", () => {
    const c = byId(parseJUnit(fixture("serial.xml"), "unit")).get("tests/unit/test_sample.py::test_fails_then_teardown_error")!;
    expect(c.outcome).toBe("failed");
    expect(c.message).toBe("assert 42 == 0");
    expect(c.text).toContain("teardown exploded");
    expect(countCases([c])).toMatchObject({ tests: 1, failures: 1, errors: 0 });
  });

  it("counts match pytest's own testsuite attributes once the duplicate testcase is folded", () => {
    const counts = countCases(parseJUnit(fixture("serial.xml"), "unit").cases);
    // pytest says tests=14 failures=2 errors=3: it writes the failing-then-teardown test twice.
    expect(counts).toMatchObject({ tests: 13, failures: 2, errors: 2, skipped: 3 });
  });

  it("decodes multi-line messages, keeps the traceback text and the captured output", () => {
    const c = byId(parseJUnit(fixture("serial.xml"), "unit")).get("tests/unit/test_sample.py::test_fails_with_message")!;
    expect(c.message.split("\n")[0]).toMatch(/^AssertionError: assert \{'status'/);
    expect(c.message.split("\n").length).toBeGreaterThan(3);
    expect(c.text).toContain('>       assert expected == {"status": "error", "items": [1, 2]}');
    expect(c.systemOut).toContain("stdout before failing");
    expect(c.systemErr).toContain("to stderr");
    expect(c.line).toBe(20);
    expect(c.file).toBe("tests/unit/test_sample.py");
  });

  it("a worker that crashed under xdist is a failed test marked crashed", () => {
    const j = parseJUnit(fixture("xdist-crash.xml"), "unit");
    const c = byId(j).get("tests/integration/test_crash.py::test_worker_crashes")!;
    expect(c.outcome).toBe("error");
    expect(c.crashed).toBe(true);
    expect(c.line).toBeNull();
    expect(j.cases.filter((x) => x.crashed)).toHaveLength(1);
  });

  it("a module that fails to import is one errored test whose node id is the module's path", () => {
    const j = parseJUnit(fixture("collect-error.xml"), "unit");
    expect(j.problem).toBeNull();
    expect(j.cases).toHaveLength(1);
    expect(j.cases[0]).toMatchObject({ nodeid: "broken/test_broken.py", outcome: "error", message: "collection failure" });
    expect(j.cases[0].text).toContain("ModuleNotFoundError: No module named 'module_that_does_not_exist'");
  });

  it("a test inherited from a base class in another file gets the node id of the module that collected it", () => {
    const xml = `<testsuites><testsuite name="pytest" tests="2"><testcase classname="tests.unit.test_orders.TestOrders" name="test_total" file="tests/base.py" line="3" time="0.1"/><testcase classname="tests.base.TestBase" name="test_total" file="tests/base.py" line="3" time="0.1"/></testsuite></testsuites>`;
    expect(parseJUnit(xml, "unit").cases.map((c) => c.nodeid)).toEqual(["tests/unit/test_orders.py::TestOrders::test_total", "tests/base.py::TestBase::test_total"]);
  });

  it("times are pytest's setup+call+teardown totals, in seconds", () => {
    const c = byId(parseJUnit(fixture("xdist.xml"), "unit")).get("tests/integration/test_db.py::TestRepository::test_slow_query")!;
    expect(c.time).toBeGreaterThanOrEqual(0.2);
    expect(c.time).toBeLessThan(1);
  });

  it("an xunit2 file says its node ids are guessed and how to stop guessing", () => {
    const j = parseJUnit(fixture("xunit2.xml"), "unit");
    expect(j.notes.join()).toMatch(/no file attribute.*junit_family=xunit1/);
    expect(parseJUnit(fixture("serial.xml"), "unit").notes).toEqual([]);
  });
});

describe("parseJUnit on hand-written shapes", () => {
  const tc = (attrs: string, body = "") => `<testcase ${attrs} time="0.5"${body ? `>${body}</testcase>` : "/>"}`;
  it.each([
    ["a testsuite root", `<testsuite name="pytest">${tc('classname="tests.test_a" name="test_x" file="tests/test_a.py"')}</testsuite>`, "tests/test_a.py::test_x"],
    ["a self-closing empty testsuites root", `<testsuites/>`, null],
    ["a class whose classname does not start with the file's module", `<testsuites><testsuite>${tc('classname="pkg.test_a.TestB" name="test_x" file="src/pkg/test_a.py"')}</testsuite></testsuites>`, "src/pkg/test_a.py::TestB::test_x"],
    ["a failure with only a message", `<testsuite>${tc('classname="t" name="test_x" file="t.py"', '<failure message="boom"/>')}</testsuite>`, "t.py::test_x"],
  ])("reads %s", (_what, xml, nodeid) => {
    const j = parseJUnit(xml, "lane");
    expect(j.problem).toBeNull();
    expect(j.cases.map((c) => c.nodeid)).toEqual(nodeid ? [nodeid] : []);
  });

  it("a character reference beyond Unicode is kept as written rather than thrown on", () => {
    const j = parseJUnit('<testsuite><testcase classname="t" name="test_x[&#x110000;]" file="t.py"/></testsuite>', "lane");
    expect(j.cases[0].name).toBe("test_x[&#x110000;]");
  });

  it("reads what saxes alone objects to: a control character, shown as pytest shows it, and a reference to no character, as written", () => {
    const j = parseJUnit('<testsuite><testcase classname="t" name="test_x[\u0001]" file="t.py"><failure message="m">&#0;</failure></testcase></testsuite>', "lane");
    expect(j.problem).toBeNull();
    expect(j.cases[0]).toMatchObject({ name: "test_x[#x01]", nodeid: "t.py::test_x[#x01]", outcome: "failed", text: "&#0;" });
  });

  it("reports a repeated attribute, which XML forbids, instead of picking one", () => {
    const j = parseJUnit('<testsuite><testcase classname="t" name="a" name="b" file="t.py"/></testsuite>', "lane");
    expect(j.problem).toBe("malformed XML: Attribute 'name' is repeated. (line 1)");
  });

  it("a detail's text is its own character data, CDATA as written, not the text of elements inside it", () => {
    const j = parseJUnit('<testsuite><testcase classname="t" name="test_x" file="t.py"><failure message="m">a<b>skip</b>&lt;<![CDATA[&amp;]]></failure><system-out>1</system-out><system-out>2</system-out></testcase></testsuite>', "lane");
    expect(j.cases[0]).toMatchObject({ text: "a<&amp;", systemOut: "1\n2" });
  });

  it("reads nested suites after their parent's own testcases, and no testcase outside a suite", () => {
    const tcx = (name: string) => `<testcase classname="t" name="${name}" file="t.py"/>`;
    const j = parseJUnit(`<testsuites><testsuite><testsuite>${tcx("inner")}</testsuite>${tcx("outer")}</testsuite></testsuites>`, "lane");
    expect(j.cases.map((c) => c.name)).toEqual(["outer", "inner"]);
    const stray = parseJUnit(`<testsuites>${tcx("stray")}<testsuite>${tcx("x")}</testsuite></testsuites>`, "lane");
    expect(stray.problem).toBe("malformed XML: 2 <testcase> tags but 1 well-formed testcases");
  });

  it("a failure's message attribute stands in when it has no body", () => {
    const j = parseJUnit(`<testsuite>${tc('classname="t" name="test_x" file="t.py"', '<failure message="boom"/>')}</testsuite>`, "lane");
    expect(j.cases[0]).toMatchObject({ outcome: "failed", message: "boom", text: "" });
  });
});

describe("parseJUnit on bad input never throws and names the problem", () => {
  const good = fixture("serial.xml");
  it.each([
    ["a missing file", undefined, "no JUnit file"],
    ["an empty file", "", "empty file"],
    ["a whitespace-only file", "  \n", "empty file"],
    ["a file cut off mid-tag", good.slice(0, Math.floor(good.length / 2)), "truncated"],
    ["a file cut off after a testcase", good.slice(0, good.indexOf("</testcase>") + "</testcase>".length), "truncated"],
    ["garbage", "this is not xml", /^malformed XML: /],
    ["JSON", '{"tests": 3}', /^malformed XML: /],
    ["the wrong root element", "<html><body/></html>", /^malformed XML: .*root element is <html>/],
    ["content after the root", `${good}<testsuite/>`, /^malformed XML: /],
    ["a testcase left open", '<testsuites><testsuite><testcase name="a" classname="t" file="t.py"></testsuite></testsuites>', /^malformed XML: /],
    ["a bare ampersand", '<testsuite><testcase name="a & b" classname="t" file="t.py"/></testsuite>', "malformed XML: a tag that is not well-formed (line 1)"],
    ["a corrupted tag name", good.replace("<testcase classname", "<testcase;classname"), /^malformed XML: a tag that is not well-formed \(line 1\)$/],
    ["two root elements", '<testsuite></testsuite><testsuite></testsuite>', /^malformed XML: /],
    ["tags closed in the wrong order", '<testsuites><testsuite><testcase name="a" classname="t" file="t.py"><failure></testcase></failure></testsuite></testsuites>', /^malformed XML: /],
  ])("%s", (_what, xml, problem) => {
    const j = parseJUnit(xml, "unit-1of2");
    if (typeof problem === "string") expect(j.problem).toBe(problem);
    else expect(j.problem).toMatch(problem);
    expect(j.lane).toBe("unit-1of2");
  });

  it("every prefix of a real file is read without throwing, as truncated or (first bytes) malformed", () => {
    for (let i = 1; i < good.length; i += 11) {
      expect(parseJUnit(good.slice(0, i), "unit").problem, `prefix of ${i} chars`).toMatch(/^(truncated|malformed XML: .+|empty file)$/);
    }
  });

  it("a file with one character changed is either still well-formed or reported, never silently half-read", () => {
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const chars = `<>/&"'=;# \nx`;
    for (let i = 0; i < 400; i++) {
      const at = Math.floor(next() * good.length);
      const xml = good.slice(0, at) + chars[Math.floor(next() * chars.length)] + good.slice(at + 1);
      if (parseJUnit(xml, "unit").problem === null) expect(XMLValidator.validate(xml), `change at ${at}`).toBe(true);
    }
  });

  it("a truncated file still reports the complete testcases before the cut", () => {
    const cut = good.slice(0, good.indexOf("test_fails_with_message"));
    const j = parseJUnit(cut, "unit");
    expect(j.problem).toBe("truncated");
    expect(j.cases.map((c) => c.nodeid)).toContain("tests/unit/test_sample.py::test_parametrized[2-b & <c>]");
    expect(j.cases.map((c) => c.nodeid)).not.toContain("tests/unit/test_sample.py::test_fails_with_message");
    expect(j.notes.join()).toMatch(/recovered 7 complete testcases/);
  });
});

describe("mergeJUnit", () => {
  it("writes one testsuite per lane with correct counts, and reads back to the same cases", () => {
    const a = parseJUnit(fixture("serial.xml"), "unit");
    const b = parseJUnit(fixture("xdist-crash.xml"), "integration");
    const xml = mergeJUnit([a, b]);
    expect(XMLValidator.validate(xml)).toBe(true);
    expect(xml).toMatch(/<testsuites name="backend-ci" tests="26" failures="4" errors="5" skipped="5"/);
    expect(xml).toMatch(/<testsuite name="unit" tests="13" failures="2" errors="2" skipped="3"/);
    expect(xml).toMatch(/<testsuite name="integration" tests="13" failures="2" errors="3" skipped="2"/);
    const back = parseJUnit(xml, "merged");
    expect(back.problem).toBeNull();
    const original = [...a.cases, ...b.cases];
    const strip = (c: TestCase) => ({ ...c, time: Number(c.time.toFixed(3)) });
    expect(new Map(back.cases.map((c) => [c.nodeid, c.outcome]))).toEqual(new Map(original.map((c) => [c.nodeid, c.outcome])));
    expect(back.cases.find((c) => c.crashed)?.nodeid).toBe("tests/integration/test_crash.py::test_worker_crashes");
    const failing = (j: LaneJUnit) => j.cases.find((c) => c.name === "test_fails_with_message")!;
    expect(strip(failing(back))).toEqual(strip(failing(a)));
  });

  it("makes suite names unique when two inputs share a lane name", () => {
    const j = parseJUnit(fixture("xdist.xml"), "unit");
    const xml = mergeJUnit([j, j, { ...j, lane: "unit (2)" }]);
    const names = [...xml.matchAll(/<testsuite name="([^"]*)"/g)].map((m) => m[1]);
    expect(names).toEqual(["unit", "unit (2)", "unit (2) (2)"]);
  });

  it("escapes hostile names, messages and output so the file stays valid and reads back unchanged", () => {
    const hostile = 'a&b <c> "d" \'e\' ]]> \t tab\nnewline \u0001bell';
    const c: TestCase = {
      nodeid: `t.py::test_x[${hostile}]`,
      file: "t.py",
      classname: "t",
      name: `test_x[${hostile}]`,
      line: 3,
      time: 1.25,
      outcome: "failed",
      crashed: false,
      message: hostile,
      text: `${hostile}\n]]>`,
      systemOut: hostile,
      systemErr: "",
    };
    const xml = mergeJUnit([{ lane: `lane ${hostile}`, cases: [c], problem: null, notes: [] }]);
    expect(XMLValidator.validate(xml)).toBe(true);
    const back = parseJUnit(xml, "merged").cases[0];
    // A name is one line: its tab, newline and bell read back visible; a message keeps its lines.
    expect(back.name).toBe(`test_x[a&b <c> "d" 'e' ]]> #x09 tab#x0Anewline #x01bell]`);
    const text = hostile.replace("\u0001", "#x01");
    expect(back.message).toBe(text);
    expect(back.text).toBe(`${text}\n]]>`);
    expect(back.systemOut).toBe(text);
  });

  it("keeps a lane's problem as a property and still writes the lanes that are fine", () => {
    const bad = parseJUnit("<testsuites><testsuite>", "broken");
    const xml = mergeJUnit([bad, parseJUnit(fixture("xdist.xml"), "unit")]);
    expect(xml).toContain('<testsuite name="broken" tests="0" failures="0" errors="0" skipped="0" time="0.000"><properties><property name="backend-ci.problem" value="truncated"/></properties></testsuite>');
    expect(parseJUnit(xml, "merged").cases).toHaveLength(13);
  });

  it("merges a large generated set of 8 lanes without losing or miscounting a testcase", () => {
    const lanes = generateLanes(20_000, 8);
    const parsed = lanes.map((l) => parseJUnit(l.xml, l.lane));
    parsed.forEach((p, i) => {
      expect(p.problem).toBeNull();
      expect(countCases(p.cases)).toMatchObject({ tests: lanes[i].tests, failures: lanes[i].failures, errors: lanes[i].errors, skipped: lanes[i].skipped });
    });
    const xml = mergeJUnit(parsed);
    expect(XMLValidator.validate(xml)).toBe(true);
    const back = parseJUnit(xml, "merged");
    expect(back.cases).toHaveLength(20_000);
    const sum = (k: "failures" | "errors" | "skipped") => lanes.reduce((a, l) => a + l[k], 0);
    expect(countCases(back.cases)).toMatchObject({ tests: 20_000, failures: sum("failures"), errors: sum("errors"), skipped: sum("skipped") });
    expect(new Set(back.cases.map((c) => c.nodeid)).size).toBe(20_000);
  });
});
