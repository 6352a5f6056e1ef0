/**
 * JUnit XML from pytest lanes: one lane's file read into test cases with pytest node ids (merging
 * lanes into one file is junit-merge.ts). Lanes run `-o junit_family=xunit1`, so each <testcase>
 * carries `file`; xunit2 files (no `file`) are tolerated and their node ids guessed from `classname`.
 */
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { z } from "zod";
import { wellFormedProblem } from "./xml.js";

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

/**
 * preserveOrder keeps the parser's own tree (children in document order, attributes under ":@")
 * instead of folding it into keyed objects: a fifth faster on 50 000 testcases, and no
 * one-or-many ambiguity to normalise.
 */
const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: "",
  parseAttributeValue: false,
  parseTagValue: false,
  trimValues: false,
  // Entities are decoded by `decode`, only in the values that hold one: three times faster on 50k cases.
  processEntities: false,
  jPath: false, // no path string built for every tag
});

const ENTITY = /&(#x[0-9a-fA-F]+|#[0-9]+|lt|gt|amp|quot|apos);/g;
const NAMED: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

/** XML's five entities and character references (pytest writes newlines in attributes as &#10;). */
function decode(s: string): string {
  if (!s.includes("&")) return s;
  return s.replace(ENTITY, (ref, e: string) => {
    if (e[0] !== "#") return NAMED[e];
    const code = e[1] === "x" ? Number.parseInt(e.slice(2), 16) : Number(e.slice(1));
    return code <= 0x10ffff ? String.fromCodePoint(code) : ref;
  });
}

/** A preserveOrder node: `{ <tag>: children, ":@": attributes }` or `{ "#text": text }`. */
type XmlNode = { [tag: string]: unknown; ":@"?: Record<string, string> };

function tagOf(node: XmlNode): string {
  for (const key in node) if (key !== ":@") return key;
  return "";
}

const childrenOf = (node: XmlNode): XmlNode[] => node[tagOf(node)] as XmlNode[];

function textIn(children: XmlNode[]): string {
  let text = "";
  for (const c of children) if (typeof c["#text"] === "string") text += c["#text"];
  return decode(text);
}

/** xdist's report for a test whose worker died: "worker 'gw0' crashed while running '<nodeid>'". */
const WORKER_CRASHED = /\bcrashed while running\b|\bworker '?\w+'? crashed\b/;

/**
 * Parses one lane's JUnit file. Never throws: an unusable file yields a `problem` for the summary.
 * fast-xml-parser's parser is lenient, so the file is first checked for what goes wrong in practice
 * (the wrong root, cut off while written, trailing garbage) and for well-formedness (xml.ts).
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
  const shape = wellFormedProblem(xml);
  if (shape) return fail(`malformed XML: ${shape}`);
  let parsed: XmlNode[];
  try {
    parsed = parser.parse(xml) as XmlNode[];
  } catch (e) {
    return fail(malformed(xml, (e as Error).message.split("\n")[0]));
  }
  const { cases, elements } = casesOf(rootSuites(parsed), notes);
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

function countTags(xml: string, open: string): number {
  let n = 0;
  for (let i = xml.indexOf(open); i >= 0; i = xml.indexOf(open, i + open.length)) {
    const next = xml.charCodeAt(i + open.length);
    if (next === 32 || next === 62 || next === 47 || next === 9 || next === 10 || next === 13) n++;
  }
  return n;
}

/** The root's suites: the children of <testsuites>, or the <testsuite> root itself. */
function rootSuites(document: XmlNode[]): XmlNode[] {
  const root = document.find((n) => tagOf(n) === "testsuites" || tagOf(n) === "testsuite");
  if (!root) return [];
  return tagOf(root) === "testsuite" ? [root] : childrenOf(root).filter((n) => tagOf(n) === "testsuite");
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
  if (wellFormedProblem(repaired) !== null) return [];
  const { cases } = casesOf(rootSuites(parser.parse(repaired) as XmlNode[]), notes);
  notes.push(`recovered ${cases.length} complete testcases before the cut`);
  return cases;
}

function casesOf(suites: XmlNode[], notes: string[]): { cases: TestCase[]; elements: number } {
  const guessed = { count: 0 };
  let elements = 0;
  const cases: TestCase[] = [];
  // Duplicates are folded within a suite (pytest's failure-then-teardown pair), never across suites.
  const visit = (suite: XmlNode): void => {
    const byId = new Map<string, TestCase>();
    const inner: XmlNode[] = [];
    for (const node of childrenOf(suite)) {
      const tag = tagOf(node);
      if (tag === "testsuite") inner.push(node);
      if (tag !== "testcase") continue;
      elements++;
      const c = toCase(node, guessed);
      const seen = byId.get(c.nodeid);
      byId.set(c.nodeid, seen ? combine(seen, c) : c);
    }
    cases.push(...byId.values());
    inner.forEach(visit);
  };
  suites.forEach(visit);
  if (guessed.count > 0) {
    notes.push(
      `${guessed.count} testcases have no file attribute (xunit2?): node ids guessed from classname; run pytest with -o junit_family=xunit1`,
    );
  }
  return { cases, elements };
}

interface Detail {
  message: string;
  text: string;
}

/** What a <testcase> holds: the first failure, error and skip (pytest writes at most one of each), and output. */
interface Content {
  failure?: Detail;
  error?: Detail;
  skipped?: Detail;
  out: string[];
  err: string[];
}

/** Most testcases are empty elements; they share one frozen result instead of allocating their own. */
const NO_CONTENT: Readonly<Content> = Object.freeze({ out: [], err: [] });

function contentOf(tc: XmlNode): Readonly<Content> {
  const children = childrenOf(tc);
  if (children.length === 0) return NO_CONTENT;
  const content: Content = { out: [], err: [] };
  for (const node of children) {
    const tag = tagOf(node);
    if (tag === "failure" || tag === "error" || tag === "skipped") {
      content[tag] ??= { message: decode(node[":@"]?.message ?? ""), text: textIn(childrenOf(node)) };
    } else if (tag === "system-out") content.out.push(textIn(childrenOf(node)));
    else if (tag === "system-err") content.err.push(textIn(childrenOf(node)));
  }
  return content;
}

function toCase(tc: XmlNode, guessed: { count: number }): TestCase {
  const attrs = tc[":@"] ?? {};
  const classname = decode(attrs.classname ?? "");
  const name = decode(attrs.name ?? "");
  let file = decode(attrs.file ?? "").replaceAll("\\", "/");
  if (file === "") {
    guessed.count++;
    file = guessFromClassname(classname || name).file;
  }
  const { failure, error, skipped, out, err } = contentOf(tc);
  const outcome: TestOutcome = failure ? "failed" : error ? "error" : skipped ? "skipped" : "passed";
  const detail = failure ?? error ?? skipped ?? { message: "", text: "" };
  const line = Number.parseInt(attrs.line ?? "", 10);
  const time = Number.parseFloat(attrs.time ?? "");
  // A collection error is reported against the module itself: empty classname, dotted module name.
  const nodeid = classname === "" ? file : `${prefixOf(file, classname)}${name}`;
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
    systemOut: out.join("\n"),
    systemErr: err.join("\n"),
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
