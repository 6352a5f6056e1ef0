/**
 * JUnit XML from pytest lanes: parse one lane's file into test cases with pytest node ids, and merge
 * every lane into one file. Lanes run `-o junit_family=xunit1`, so each <testcase> carries `file`;
 * xunit2 files (no `file`) are tolerated and their node ids guessed from `classname`.
 */
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { z } from "zod";
import { element, escapeText } from "./xml.js";

/** How one test ended. A test with both a failure and a teardown error counts once, as failed. */
export const TestOutcome = z.enum(["passed", "failed", "error", "skipped"]);
export type TestOutcome = z.infer<typeof TestOutcome>;

/** One test of one lane, as read from its JUnit file. */
export const TestCase = z.object({
  nodeid: z.string(), // pytest's node id: tests/unit/test_x.py::TestY::test_z[1-a]
  file: z.string(),
  classname: z.string(),
  name: z.string(),
  line: z.number().int().nullable(),
  time: z.number().nonnegative(), // seconds, setup+call+teardown (pytest's junit_duration_report=total)
  outcome: TestOutcome,
  crashed: z.boolean(), // an xdist worker died while running this test
  message: z.string(), // the failure/error/skip message attribute, "" when none
  text: z.string(), // the failure/error body (traceback), "" when none
  systemOut: z.string(),
  systemErr: z.string(),
});
export type TestCase = z.infer<typeof TestCase>;

/** One lane's parsed JUnit file. `problem` is set when the file is missing or unusable. */
export interface LaneJUnit {
  lane: string;
  cases: TestCase[];
  /** "no JUnit file", "empty file", "malformed XML: <parser message>", "truncated", or null. */
  problem: string | null;
  /** Assumptions made while reading the file (xunit2 node ids, recovered testcases). */
  notes: string[];
}

/** Counts as the JUnit format reports them on a <testsuite>. */
export interface Counts {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
  time: number;
}

const ARRAYS = new Set(["testsuite", "testcase", "failure", "error", "skipped", "system-out", "system-err"]);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "",
  parseAttributeValue: false,
  parseTagValue: false,
  trimValues: false,
  // Entities are decoded by `decode`, only in the values that hold one: three times faster on 50k cases.
  processEntities: false,
  jPath: false, // callbacks get a matcher, not a path string built for every tag
  isArray: (name, _path, _leaf, isAttribute) => !isAttribute && ARRAYS.has(name),
});

const ENTITY = /&(#x[0-9a-fA-F]+|#[0-9]+|lt|gt|amp|quot|apos);/g;
const NAMED: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

/** XML's five entities and character references (pytest writes newlines in attributes as &#10;). */
function decode(s: string): string {
  if (!s.includes("&")) return s;
  return s.replace(ENTITY, (_, e: string) =>
    e[0] === "#" ? String.fromCodePoint(e[1] === "x" ? Number.parseInt(e.slice(2), 16) : Number(e.slice(1))) : NAMED[e],
  );
}

type Element = Record<string, unknown>;

/** xdist's report for a test whose worker died: "worker 'gw0' crashed while running '<nodeid>'". */
const WORKER_CRASHED = /\bcrashed while running\b|\bworker '?\w+'? crashed\b/;

/**
 * Parses one lane's JUnit file. Never throws: an unusable file yields a `problem` for the summary.
 *
 * fast-xml-parser's parser is lenient and its validator costs as much as the parse itself, so a file
 * is checked by what goes wrong in practice (cut off while written, trailing garbage, the wrong root,
 * JUnit elements left open or closed out of order), 30 times faster than validating; the validator
 * runs only to explain a file that failed a check, or on files with comments or CDATA.
 */
export function parseJUnit(xml: string | undefined, lane: string): LaneJUnit {
  if (xml === undefined) return { lane, cases: [], problem: "no JUnit file", notes: [] };
  if (xml.trim() === "") return { lane, cases: [], problem: "empty file", notes: [] };
  const notes: string[] = [];
  const fail = (problem: string, cases: TestCase[] = []): LaneJUnit => ({ lane, cases, problem, notes });
  const root = rootName(xml);
  if (root !== "testsuites" && root !== "testsuite") {
    return fail(malformed(xml, root ? `root element is <${root}>, expected <testsuites> or <testsuite>` : "no root element"));
  }
  const end = xml.trimEnd();
  const closed = end.endsWith(`</${root}>`) || new RegExp(`^<${root}\\b[^<]*/>$`).test(end.slice(end.lastIndexOf("<")));
  if (!closed) {
    if (!xml.includes(`</${root}>`)) return fail("truncated", recoverTruncated(xml, root, notes));
    return fail(malformed(xml, `content after </${root}>`));
  }
  const nesting = nestingProblem(xml);
  if (nesting) return fail(malformed(xml, nesting));
  let parsed: Element;
  try {
    parsed = parser.parse(xml) as Element;
  } catch (e) {
    return fail(malformed(xml, (e as Error).message.split("\n")[0]));
  }
  const { cases, elements } = casesOf(rootSuites(parsed) ?? [], notes);
  const tags = countTags(xml, "<testcase");
  if (elements !== tags) return fail(malformed(xml, `${tags} <testcase> tags but ${elements} well-formed testcases`));
  return { lane, cases, problem: null, notes };
}

/** The validator's account of what is wrong, or `fallback` when it finds the file well-formed. */
function malformed(xml: string, fallback: string): string {
  const v = XMLValidator.validate(xml);
  return `malformed XML: ${v === true ? fallback : `${v.err.msg} (line ${v.err.line})`}`;
}

/** The first element's name, after the XML declaration, comments and a doctype. */
function rootName(xml: string): string | null {
  const m = /^\s*(?:(?:<\?[\s\S]*?\?>|<!--[\s\S]*?-->|<!DOCTYPE[^>]*>)\s*)*<([A-Za-z_][\w.:-]*)/.exec(xml.slice(0, 65536));
  return m ? m[1] : null;
}

const JUNIT_TAG =
  /<(\/?)(testsuites|testsuite|testcase|failure|error|skipped|system-out|system-err|properties|property)(?=[\s/>])(?:[^>"']|"[^"]*"|'[^']*')*?(\/?)>/g;

/** Whether the JUnit elements open and close in order: the one well-formedness rule a lenient parser skips. */
function nestingProblem(xml: string): string | null {
  if (xml.includes("<![CDATA[") || xml.includes("<!--")) {
    const v = XMLValidator.validate(xml);
    return v === true ? null : `${v.err.msg} (line ${v.err.line})`;
  }
  const stack: string[] = [];
  JUNIT_TAG.lastIndex = 0;
  for (let m = JUNIT_TAG.exec(xml); m !== null; m = JUNIT_TAG.exec(xml)) {
    if (m[3] === "/") continue;
    if (m[1] === "") stack.push(m[2]);
    else {
      const open = stack.pop();
      if (open !== m[2]) return open ? `</${m[2]}> closes <${open}>` : `</${m[2]}> closes nothing`;
    }
  }
  return stack.length > 0 ? `<${stack[stack.length - 1]}> is never closed` : null;
}

function countTags(xml: string, open: string): number {
  let n = 0;
  for (let i = xml.indexOf(open); i >= 0; i = xml.indexOf(open, i + open.length)) {
    const next = xml.charCodeAt(i + open.length);
    if (next === 32 || next === 62 || next === 47 || next === 9 || next === 10 || next === 13) n++;
  }
  return n;
}

function rootSuites(root: Element): Element[] | null {
  const all = root.testsuites as Element | "" | undefined;
  if (all !== undefined) return all === "" ? [] : ((all.testsuite as Element[] | undefined) ?? []);
  const one = root.testsuite as Element[] | undefined;
  return one ?? null;
}

/** Keeps the complete testcases before the cut, so a truncated lane still reports what it ran. */
function recoverTruncated(xml: string, root: string, notes: string[]): TestCase[] {
  const closed = xml.lastIndexOf("</testcase>");
  let cut = closed < 0 ? -1 : closed + "</testcase>".length;
  const open = xml.lastIndexOf("<testcase");
  if (open > cut) {
    const end = xml.indexOf(">", open);
    if (end > 0 && xml[end - 1] === "/") cut = end + 1;
  }
  if (cut < 0) return [];
  const head = xml.slice(0, cut);
  const closing = root === "testsuites" ? "</testsuite></testsuites>" : "</testsuite>";
  const repaired = head + closing;
  if (XMLValidator.validate(repaired) !== true) return [];
  const { cases } = casesOf(rootSuites(parser.parse(repaired) as Element) ?? [], notes);
  notes.push(`recovered ${cases.length} complete testcases before the cut`);
  return cases;
}

function casesOf(suites: Element[], notes: string[]): { cases: TestCase[]; elements: number } {
  const guessed = { count: 0 };
  let elements = 0;
  const cases: TestCase[] = [];
  // Duplicates are folded within a suite (pytest's failure-then-teardown pair), never across suites.
  const visit = (suite: Element): void => {
    const byId = new Map<string, TestCase>();
    for (const tc of (suite.testcase as Element[] | undefined) ?? []) {
      elements++;
      const c = toCase(tc, guessed);
      const seen = byId.get(c.nodeid);
      byId.set(c.nodeid, seen ? combine(seen, c) : c);
    }
    cases.push(...byId.values());
    for (const inner of (suite.testsuite as Element[] | undefined) ?? []) visit(inner);
  };
  suites.forEach(visit);
  if (guessed.count > 0) {
    notes.push(
      `${guessed.count} testcases have no file attribute (xunit2?): node ids guessed from classname; run pytest with -o junit_family=xunit1`,
    );
  }
  return { cases, elements };
}

function attr(el: Element, name: string): string {
  const v = el[name];
  return typeof v === "string" ? decode(v) : "";
}

/** First child element of a kind, as {message, text}; pytest writes at most one of each. */
function child(el: Element, name: string): { message: string; text: string } | null {
  const list = el[name] as unknown[] | undefined;
  if (!list || list.length === 0) return null;
  const first = list[0];
  if (typeof first === "string") return { message: "", text: decode(first) };
  const c = first as Element;
  return { message: attr(c, "message"), text: attr(c, "#text") };
}

function textOf(el: Element, name: string): string {
  const list = el[name] as unknown[] | undefined;
  if (!list) return "";
  return list.map((x) => (typeof x === "string" ? decode(x) : attr(x as Element, "#text"))).join("\n");
}

function toCase(tc: Element, guessed: { count: number }): TestCase {
  const classname = attr(tc, "classname");
  const name = attr(tc, "name");
  let file = attr(tc, "file").replaceAll("\\", "/");
  if (file === "") {
    guessed.count++;
    file = guessFromClassname(classname).file;
  }
  const nodeid = `${prefixOf(file, classname)}${name}`;
  const failure = child(tc, "failure");
  const error = child(tc, "error");
  const skipped = child(tc, "skipped");
  const outcome: TestOutcome = failure ? "failed" : error ? "error" : skipped ? "skipped" : "passed";
  const detail = failure ?? error ?? skipped ?? { message: "", text: "" };
  const line = Number.parseInt(attr(tc, "line"), 10);
  const time = Number.parseFloat(attr(tc, "time"));
  return {
    nodeid,
    file,
    classname,
    name,
    line: Number.isFinite(line) ? line : null,
    time: Number.isFinite(time) && time > 0 ? time : 0,
    outcome,
    crashed: outcome !== "skipped" && WORKER_CRASHED.test(`${detail.message}\n${detail.text.slice(0, 500)}`),
    message: detail.message,
    text: failure && error ? `${failure.text}\n\n${error.message}\n${error.text}` : detail.text,
    systemOut: textOf(tc, "system-out"),
    systemErr: textOf(tc, "system-err"),
  };
}

const PREFIXES = new Map<string, Map<string, string>>();

/** "<file>::<Class>::" for a (file, classname) pair; a lane has few pairs and many tests. */
function prefixOf(file: string, classname: string): string {
  let byClass = PREFIXES.get(file);
  if (byClass === undefined) {
    if (PREFIXES.size > 10_000) PREFIXES.clear();
    byClass = new Map();
    PREFIXES.set(file, byClass);
  }
  let prefix = byClass.get(classname);
  if (prefix === undefined) {
    prefix = [file, ...classesAfterModule(classname, file), ""].join("::");
    byClass.set(classname, prefix);
  }
  return prefix;
}

/** classname is "<module dotted path>[.<Class>[.<Inner>]]"; the classes are what follows the module. */
function classesAfterModule(classname: string, file: string): string[] {
  const module = file.replace(/\.py$/, "").replaceAll("/", ".");
  if (classname === module) return [];
  if (classname.startsWith(`${module}.`)) return classname.slice(module.length + 1).split(".");
  return guessFromClassname(classname).classes;
}

/** Without `file`, pytest's default `python_classes = Test*` tells classes (capitalised) from modules. */
function guessFromClassname(classname: string): { file: string; classes: string[] } {
  const parts = classname.split(".");
  let split = parts.length;
  while (split > 1 && /^[A-Z]/.test(parts[split - 1])) split--;
  return { file: `${parts.slice(0, split).join("/")}.py`, classes: parts.slice(split) };
}

/** pytest writes a test that failed and then errored in teardown twice; it counts once, as failed. */
function combine(a: TestCase, b: TestCase): TestCase {
  const rank: Record<TestOutcome, number> = { failed: 3, error: 2, skipped: 1, passed: 0 };
  const [worst, other] = rank[b.outcome] > rank[a.outcome] ? [b, a] : [a, b];
  const extra = other.outcome === "passed" ? "" : `\n\n${other.message}\n${other.text}`;
  return {
    ...worst,
    time: a.time + b.time,
    crashed: a.crashed || b.crashed,
    text: worst.text + extra,
    systemOut: [a.systemOut, b.systemOut].filter(Boolean).join("\n"),
    systemErr: [a.systemErr, b.systemErr].filter(Boolean).join("\n"),
  };
}

/** Counts one lane's cases the way a <testsuite> element reports them. */
export function countCases(cases: readonly TestCase[]): Counts {
  const counts: Counts = { tests: cases.length, failures: 0, errors: 0, skipped: 0, time: 0 };
  for (const c of cases) {
    if (c.outcome === "failed") counts.failures++;
    else if (c.outcome === "error") counts.errors++;
    else if (c.outcome === "skipped") counts.skipped++;
    counts.time += c.time;
  }
  return counts;
}

/**
 * Merges lanes into one JUnit document: one <testsuite name="<lane>"> per lane, names made unique
 * ("unit", "unit (2)") when two inputs share a lane name. A lane's problem is kept as a property.
 * Written with xml.ts's escaping rather than XMLBuilder, which took a third of the report step on
 * 50 000 testcases; a test round-trips hostile names and messages through the parser and validator.
 */
export function mergeJUnit(lanes: readonly LaneJUnit[]): string {
  const used = new Set<string>();
  const total: Counts = { tests: 0, failures: 0, errors: 0, skipped: 0, time: 0 };
  const suites = lanes.map((l) => {
    const counts = countCases(l.cases);
    for (const k of ["tests", "failures", "errors", "skipped", "time"] as const) total[k] += counts[k];
    return suiteXml(uniqueName(l.lane, used), counts, l);
  });
  const root = element("testsuites", [["name", "backend-ci"], ...countAttrs(total)], suites.join(""));
  return `<?xml version="1.0" encoding="utf-8"?>\n${root}\n`;
}

function uniqueName(lane: string, used: Set<string>): string {
  let name = lane;
  for (let n = 2; used.has(name); n++) name = `${lane} (${n})`;
  used.add(name);
  return name;
}

function countAttrs(c: Counts): [string, string | number][] {
  return [
    ["tests", c.tests],
    ["failures", c.failures],
    ["errors", c.errors],
    ["skipped", c.skipped],
    ["time", c.time.toFixed(3)],
  ];
}

function suiteXml(name: string, counts: Counts, lane: LaneJUnit): string {
  const problem = lane.problem
    ? element("properties", [], element("property", [["name", "backend-ci.problem"], ["value", lane.problem]]))
    : "";
  let cases = "";
  for (const c of lane.cases) cases += caseXml(c);
  return element("testsuite", [["name", name], ...countAttrs(counts)], problem + cases);
}

const DETAIL_TAG = { failed: "failure", error: "error", skipped: "skipped" } as const;

function caseXml(c: TestCase): string {
  const attrs: [string, string | number][] = [["classname", c.classname], ["name", c.name], ["file", c.file]];
  if (c.line !== null) attrs.push(["line", c.line]);
  attrs.push(["time", c.time.toFixed(3)]);
  let content = "";
  if (c.outcome !== "passed") content += element(DETAIL_TAG[c.outcome], [["message", c.message]], escapeText(c.text));
  if (c.systemOut) content += element("system-out", [], escapeText(c.systemOut));
  if (c.systemErr) content += element("system-err", [], escapeText(c.systemErr));
  return element("testcase", attrs, content);
}
