/**
 * JUnit XML from pytest lanes: one lane's file read into test cases with node ids relative to the
 * backend root (the saxes pass is junit-read.ts, node ids node-id.ts, merging lanes junit-merge.ts).
 * Lanes run `-o junit_family=xunit1`, so each <testcase> carries `file`; xunit2 files (no `file`)
 * are tolerated and their node ids guessed from `classname`.
 */
import { XMLValidator } from "fast-xml-parser";
import { z } from "zod";
import { type Read, readCases } from "./junit-read.js";
import { wellFormedProblem } from "./xml.js";

/** How one test ended. A test with both a failure and a teardown error counts once, as failed. */
export const TestOutcome = z.enum(["passed", "failed", "error", "skipped"]);
export type TestOutcome = z.infer<typeof TestOutcome>;

/**
 * One test of one lane, as read from its JUnit file. Names and text have their control characters
 * made visible (clean-text.ts); paths and classname are seen from the backend root.
 */
export const TestCase = z.object({
  nodeid: z.string(), // relative to the backend root: tests/unit/test_x.py::TestY::test_z[1-a]
  file: z.string(), // where the test is defined, relative to the backend root
  classname: z.string(), // dotted, as pytest would write it run from the backend root
  name: z.string(),
  line: z.number().int().nullable(),
  time: z.number().nonnegative(), // seconds, setup+call+teardown (pytest's junit_duration_report=total)
  outcome: TestOutcome,
  crashed: z.boolean(), // an xdist worker died while running this test
  message: z.string(), // the failure/error/skip message attribute, "" when none
  text: z.string(), // the failure/error/skip body (traceback), "" when none
  systemOut: z.string(), // captured output of a test that did not pass; "" for a passed test
  systemErr: z.string(),
});
export type TestCase = z.infer<typeof TestCase>;

/** One lane's parsed JUnit file. `problem` is set when the file is missing or unusable. */
export interface LaneJUnit {
  lane: string;
  cases: TestCase[];
  /**
   * "no JUnit file", "empty file", "malformed XML: <parser message>", "truncated", "unsafe node
   * id: ...", or null.
   */
  problem: string | null;
  /** Assumptions made while reading the file (xunit2 node ids, recovered testcases). */
  notes: string[];
}

export interface ParseOptions {
  /**
   * pytest's rootdir relative to the backend root, as lane.json's `rootdir` says ("." when the
   * same, "tests" for an inifile in tests/): JUnit `file` attributes are relative to it.
   */
  rootdir?: string;
  /** The backend root relative to pytest's rootdir (lane.json's `invocation`), needed when the rootdir is above it. */
  invocation?: string;
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
 * Parses one lane's JUnit file. Never throws: an unusable file yields a `problem` for the summary.
 * The file is first checked for what goes wrong in practice (the wrong root, cut off while written,
 * trailing garbage), then read in one streaming pass of saxes, a conforming XML parser, straight
 * into test cases. Only when saxes reports an error does xml.ts's check run, to name the problem
 * (or to let through what saxes is stricter about than the rules this reader has always applied).
 */
export function parseJUnit(xml: string | undefined, lane: string, options: ParseOptions = {}): LaneJUnit {
  if (xml === undefined) return { lane, cases: [], problem: "no JUnit file", notes: [] };
  if (xml.trim() === "") return { lane, cases: [], problem: "empty file", notes: [] };
  const rootdir = options.rootdir ?? ".";
  const invocation = options.invocation ?? ".";
  const notes: string[] = [];
  const fail = (problem: string, cases: TestCase[] = []): LaneJUnit => ({ lane, cases, problem, notes });
  const root = rootName(xml);
  if (root !== "testsuites" && root !== "testsuite") {
    return fail(malformed(xml, root ? `root element is <${root}>, expected <testsuites> or <testsuite>` : "no root element"));
  }
  const end = xml.trimEnd();
  const closed = end.endsWith(`</${root}>`) || new RegExp(`^<${root}\\b[^<]*/>$`).test(end.slice(end.lastIndexOf("<")));
  if (!closed) {
    if (!xml.includes(`</${root}>`)) return fail("truncated", recoverTruncated(xml, rootdir, invocation, notes));
    return fail(malformed(xml, `content after </${root}>`));
  }
  const read = readCases(xml, rootdir, invocation);
  const problem = read.parserErrors ? unusable(xml) : null;
  if (problem) return fail(problem);
  noteGuessed(read, notes);
  const tags = countTags(xml, "<testcase");
  if (read.elements !== tags) return fail(malformed(xml, `${tags} <testcase> tags but ${read.elements} well-formed testcases`));
  if (read.refused.length > 0) return fail(refusal(read.refused), read.cases);
  return { lane, cases: read.cases, problem: null, notes };
}

/** A lane whose JUnit names tests pytest cannot be given back: read, but never rerun under those ids. */
function refusal(refused: readonly string[]): string {
  const more = refused.length > 1 ? ` (and ${refused.length - 1} more testcase${refused.length > 2 ? "s" : ""})` : "";
  return `unsafe node id: ${refused[0]}${more}; those testcases were left out: fix their file attribute or the lane's rootdir`;
}

function noteGuessed(read: Read, notes: string[]): void {
  if (read.guessed > 0) {
    notes.push(
      `${read.guessed} testcases have no file attribute (xunit2?): node ids guessed from classname; run pytest with -o junit_family=xunit1`,
    );
  }
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
function recoverTruncated(xml: string, rootdir: string, invocation: string, notes: string[]): TestCase[] {
  const closed = xml.lastIndexOf("</testcase>");
  let cut = closed < 0 ? -1 : closed + "</testcase>".length;
  const open = xml.lastIndexOf("<testcase");
  if (open > cut) {
    const end = xml.indexOf(">", open);
    if (end > 0 && xml[end - 1] === "/") cut = end + 1;
  }
  if (cut < 0) return [];
  const head = xml.slice(0, cut);
  const read = readCases(head, rootdir, invocation);
  // saxes objects to the elements the cut left open; what was before the cut must be sound.
  const closing = read.open.map((name) => `</${name}>`).reverse().join("");
  if (read.parserErrors && unusable(head + closing) !== null) return [];
  noteGuessed(read, notes);
  notes.push(`recovered ${read.cases.length} complete testcases before the cut`);
  if (read.refused.length > 0) notes.push(refusal(read.refused));
  return read.cases;
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
