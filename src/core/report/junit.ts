/**
 * JUnit XML from pytest lanes: one lane's file read into test cases with pytest node ids (merging
 * lanes into one file is junit-merge.ts). Lanes run `-o junit_family=xunit1`, so each <testcase>
 * carries `file`; xunit2 files (no `file`) are tolerated and their node ids guessed from `classname`.
 */
import { XMLValidator } from "fast-xml-parser";
import { SaxesParser } from "saxes";
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

/** xdist's report for a test whose worker died: "worker 'gw0' crashed while running '<nodeid>'". */
const WORKER_CRASHED = /\bcrashed while running\b|\bworker '?\w+'? crashed\b/;

/**
 * Parses one lane's JUnit file. Never throws: an unusable file yields a `problem` for the summary.
 * The file is first checked for what goes wrong in practice (the wrong root, cut off while written,
 * trailing garbage), then read in one streaming pass of saxes, a conforming XML parser, straight
 * into test cases. Only when saxes reports an error does xml.ts's check run, to name the problem
 * (or to let through what saxes is stricter about than the rules this reader has always applied).
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
  const read = readCases(xml);
  const problem = read.parserErrors ? unusable(xml) : null;
  if (problem) return fail(problem);
  noteGuessed(read, notes);
  const tags = countTags(xml, "<testcase");
  if (read.elements !== tags) return fail(malformed(xml, `${tags} <testcase> tags but ${read.elements} well-formed testcases`));
  return { lane, cases: read.cases, problem: null, notes };
}

/**
 * Why a file saxes found errors in is unusable, in the words this reader has always used: xml.ts's
 * check, then fast-xml-parser's validator. null when both accept it: saxes is stricter about single
 * characters and references (a control character, `&#x110000;`), which are then read as written.
 */
function unusable(xml: string): string | null {
  const shape = wellFormedProblem(xml);
  if (shape) return `malformed XML: ${shape}`;
  const v = XMLValidator.validate(xml);
  return v === true ? null : `malformed XML: ${v.err.msg} (line ${v.err.line})`;
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
  const read = readCases(repaired);
  if (read.parserErrors && unusable(repaired) !== null) return [];
  noteGuessed(read, notes);
  notes.push(`recovered ${read.cases.length} complete testcases before the cut`);
  return read.cases;
}

/** What one pass over a file found. */
interface Read {
  /** The testcases of the root's suites, duplicates folded within each suite. */
  cases: TestCase[];
  /** <testcase> elements read, duplicates included, to compare with the tags in the text. */
  elements: number;
  /** Testcases without a `file` attribute, whose node ids were guessed. */
  guessed: number;
  /** saxes reported at least one well-formedness error (it reads on past each). */
  parserErrors: boolean;
}

function noteGuessed(read: Read, notes: string[]): void {
  if (read.guessed > 0) {
    notes.push(
      `${read.guessed} testcases have no file attribute (xunit2?): node ids guessed from classname; run pytest with -o junit_family=xunit1`,
    );
  }
}

/** A suite being read: its own testcases by node id, then its inner suites. */
interface Suite {
  byId: Map<string, TestCase>;
  inner: Suite[];
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

/** What an open element is to the reader; everything else is OTHER and its content is skipped. */
const enum Kind {
  OTHER,
  ROOTS, // the <testsuites> root
  SUITE, // a <testsuite> that is the root, a child of the root, or a child of such a suite
  CASE, // a <testcase> child of a SUITE
  FAILURE, // the first <failure>, <error> or <skipped> child of a CASE
  ERROR,
  SKIPPED,
  OUT, // a <system-out> or <system-err> child of a CASE
  ERR,
}

const DETAIL_KIND = { failure: Kind.FAILURE, error: Kind.ERROR, skipped: Kind.SKIPPED } as const;

/**
 * One saxes pass from text to test cases, with no document tree: the testcases of the root's suites
 * (<testsuite> under <testsuites>, nested suites after their parent's own testcases); the text of a
 * detail or output element is its own character data, not that of elements inside it.
 */
function readCases(xml: string): Read {
  const top: Suite[] = [];
  const kinds: Kind[] = [];
  const suites: Suite[] = [];
  const guessed = { count: 0 };
  let elements = 0;
  let parserErrors = false;
  let attrs: Record<string, string> = {};
  let content: Content | null = null;
  let text = "";

  const parser = new SaxesParser({ position: false });
  parser.on("error", () => {
    parserErrors = true; // saxes goes on reading; parseJUnit decides whether the file is usable
  });
  parser.on("opentag", (tag) => {
    const name = tag.name;
    const parent = kinds.length === 0 ? null : kinds[kinds.length - 1];
    let kind = Kind.OTHER;
    if (parent === null || parent === Kind.ROOTS || parent === Kind.SUITE) {
      if (name === "testsuite") {
        const suite: Suite = { byId: new Map(), inner: [] };
        (parent === Kind.SUITE ? suites[suites.length - 1].inner : top).push(suite);
        suites.push(suite);
        kind = Kind.SUITE;
      } else if (parent === null && name === "testsuites") kind = Kind.ROOTS;
      else if (parent === Kind.SUITE && name === "testcase") {
        elements++;
        attrs = tag.attributes as Record<string, string>;
        content = null;
        kind = Kind.CASE;
      }
    } else if (parent === Kind.CASE) {
      content ??= { out: [], err: [] };
      if (name === "failure" || name === "error" || name === "skipped") {
        if (content[name] === undefined) {
          content[name] = { message: (tag.attributes.message as string | undefined) ?? "", text: "" };
          kind = DETAIL_KIND[name];
        }
      } else if (name === "system-out") kind = Kind.OUT;
      else if (name === "system-err") kind = Kind.ERR;
      text = "";
    }
    kinds.push(kind);
  });
  const onText = (t: string) => {
    if (kinds[kinds.length - 1] >= Kind.FAILURE) text += t;
  };
  parser.on("text", onText);
  parser.on("cdata", onText);
  parser.on("closetag", () => {
    const kind = kinds.pop();
    if (kind === Kind.CASE) {
      const c = toCase(attrs, content ?? NO_CONTENT, guessed);
      const byId = suites[suites.length - 1].byId;
      const seen = byId.get(c.nodeid);
      byId.set(c.nodeid, seen ? combine(seen, c) : c);
    } else if (kind === Kind.SUITE) suites.pop();
    else if (kind === Kind.FAILURE) (content as Content).failure!.text = text;
    else if (kind === Kind.ERROR) (content as Content).error!.text = text;
    else if (kind === Kind.SKIPPED) (content as Content).skipped!.text = text;
    else if (kind === Kind.OUT) (content as Content).out.push(text);
    else if (kind === Kind.ERR) (content as Content).err.push(text);
  });
  try {
    parser.write(xml).close();
  } catch {
    parserErrors = true;
  }
  const cases: TestCase[] = [];
  // Duplicates are folded within a suite (pytest's failure-then-teardown pair), never across suites.
  const flatten = (suite: Suite): void => {
    for (const c of suite.byId.values()) cases.push(c);
    suite.inner.forEach(flatten);
  };
  top.forEach(flatten);
  return { cases, elements, guessed: guessed.count, parserErrors };
}

function toCase(attrs: Record<string, string>, content: Readonly<Content>, guessed: { count: number }): TestCase {
  const classname = attrs.classname ?? "";
  const name = attrs.name ?? "";
  let file = attrs.file ?? "";
  if (file.includes("\\")) file = file.replaceAll("\\", "/");
  if (file === "") {
    guessed.count++;
    file = guessFromClassname(classname || name).file;
  }
  const { failure, error, skipped, out, err } = content;
  const outcome: TestOutcome = failure ? "failed" : error ? "error" : skipped ? "skipped" : "passed";
  const detail = failure ?? error ?? skipped ?? NO_DETAIL;
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
    crashed:
      outcome !== "skipped" && outcome !== "passed" && WORKER_CRASHED.test(`${detail.message}\n${detail.text.slice(0, 500)}`),
    message: detail.message,
    text: failure && error ? `${failure.text}\n\n${error.message}\n${error.text}` : detail.text,
    systemOut: out.join("\n"),
    systemErr: err.join("\n"),
  };
}

const NO_DETAIL: Readonly<Detail> = Object.freeze({ message: "", text: "" });

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
    prefix = [...nodePath(classname, file), ""].join("::");
    byClass.set(classname, prefix);
  }
  return prefix;
}

/** classname is "<module dotted path>[.<Class>[.<Inner>]]"; the classes are what follows the module. */
/** The module file and classes of a node id. */
function nodePath(classname: string, file: string): string[] {
  const module = file.replace(/\.py$/, "").replaceAll("/", ".");
  if (classname === module) return [file];
  if (classname.startsWith(`${module}.`)) return [file, ...classname.slice(module.length + 1).split(".")];
  const guessed = guessFromClassname(classname);
  // The same module seen from another root (a src/ layout): `file` is right, the classes are classname's.
  if (file === guessed.file || file.endsWith(`/${guessed.file}`)) return [file, ...guessed.classes];
  // `file` is where the test is defined, not the module that collected it (a test inherited from a
  // base class in another file): the node id, and so a rerun, names the collecting module, which
  // the classname carries.
  return [guessed.file, ...guessed.classes];
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
