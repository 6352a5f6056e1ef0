/**
 * One streaming pass of saxes, a conforming XML parser, from a JUnit file's text straight to test
 * cases, with no document tree and no recursion: a file nested 10 000 suites deep reads like any other.
 */
import { SaxesParser } from "saxes";
import { cleanIdentifier, cleanText } from "./clean-text.js";
import type { TestCase, TestOutcome } from "./junit.js";
import { guessFromClassname, NodeIds, unsafeNodeId } from "./node-id.js";

/** What one pass over a file found. */
export interface Read {
  /** The testcases of the root's suites, duplicates folded within each suite. */
  cases: TestCase[];
  /** <testcase> elements read, duplicates included, to compare with the tags in the text. */
  elements: number;
  /** Testcases without a `file` attribute, whose node ids were guessed. */
  guessed: number;
  /** Why testcases were left out: node ids pytest could not be given back (see node-id.ts). */
  refused: string[];
  /** saxes reported at least one well-formedness error (it reads on past each). */
  parserErrors: boolean;
  /** Elements still open where the text ended, outermost first: what a cut-off file left open. */
  open: string[];
}

/** xdist's report for a test whose worker died: "worker 'gw0' crashed while running '<nodeid>'". */
const WORKER_CRASHED = /\bcrashed while running\b|\bworker '?\w+'? crashed\b/;

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
const NO_DETAIL: Readonly<Detail> = Object.freeze({ message: "", text: "" });

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

/** saxes is fed in slices: one call on a whole 20 MB file is slower than many on 1 MB. */
const SLICE = 1 << 20;

/**
 * The testcases of the root's suites (<testsuite> under <testsuites>, nested suites after their
 * parent's own testcases); the text of a detail or output element is its own character data, not
 * that of elements inside it. `rootdir` is pytest's rootdir relative to the backend root.
 */
export function readCases(xml: string, rootdir: string, invocation = "."): Read {
  const top: Suite[] = [];
  const kinds: Kind[] = [];
  const names: string[] = [];
  const suites: Suite[] = [];
  const ids = new NodeIds(rootdir, invocation);
  const read: Read = { cases: [], elements: 0, guessed: 0, refused: [], parserErrors: false, open: names };
  let attrs: Record<string, string> = {};
  let content: Content | null = null;
  let text = "";

  const parser = new SaxesParser({ position: false });
  parser.on("error", () => {
    read.parserErrors = true; // saxes goes on reading; parseJUnit decides whether the file is usable
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
        read.elements++;
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
    names.push(name);
  });
  const onText = (t: string) => {
    if (kinds[kinds.length - 1] >= Kind.FAILURE) text += t;
  };
  parser.on("text", onText);
  parser.on("cdata", onText);
  parser.on("closetag", () => {
    const kind = kinds.pop();
    names.pop();
    if (kind === Kind.CASE) {
      const c = toCase(attrs, content ?? NO_CONTENT, ids, read);
      if (c === null) return;
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
    for (let at = 0; at < xml.length; at += SLICE) parser.write(xml.slice(at, at + SLICE));
    parser.close();
  } catch {
    read.parserErrors = true;
  }
  // Duplicates are folded within a suite (pytest's failure-then-teardown pair), never across suites.
  // Suites in document order, each before its inner ones, with a stack rather than recursion.
  const stack = [...top].reverse();
  for (let suite = stack.pop(); suite !== undefined; suite = stack.pop()) {
    for (const c of suite.byId.values()) read.cases.push(c);
    for (let i = suite.inner.length - 1; i >= 0; i--) stack.push(suite.inner[i]);
  }
  return read;
}

function toCase(attrs: Record<string, string>, content: Readonly<Content>, ids: NodeIds, read: Read): TestCase | null {
  const classname = cleanIdentifier(attrs.classname ?? "");
  const name = cleanIdentifier(attrs.name ?? "");
  const file = cleanIdentifier(attrs.file ?? "");
  if (file === "") read.guessed++;
  // A collection error without `file` (xunit2) names its module in `name`.
  const where = file === "" && classname === "" ? ids.of(guessFromClassname(name).file, "") : ids.of(file, classname);
  const nodeid = classname === "" ? where.prefix : `${where.prefix}${name}`;
  const unsafe = unsafeNodeId(nodeid);
  if (unsafe !== null) {
    read.refused.push(unsafe);
    return null;
  }
  const { failure, error, skipped, out, err } = content;
  const outcome: TestOutcome = failure ? "failed" : error ? "error" : skipped ? "skipped" : "passed";
  const detail = failure ?? error ?? skipped ?? NO_DETAIL;
  const line = Number.parseInt(attrs.line ?? "", 10);
  const time = Number.parseFloat(attrs.time ?? "");
  const message = cleanText(detail.message);
  const text = cleanText(failure && error ? `${failure.text}\n\n${error.message}\n${error.text}` : detail.text);
  // Captured output is kept for the tests a reader looks into; a passed test's stays in its lane's own file.
  const kept = outcome !== "passed";
  return {
    nodeid,
    file: where.file,
    classname: where.classname,
    name,
    line: Number.isFinite(line) ? line : null,
    time: Number.isFinite(time) && time > 0 ? time : 0,
    outcome,
    crashed: kept && outcome !== "skipped" && WORKER_CRASHED.test(`${message}\n${text.slice(0, 500)}`),
    message,
    text,
    systemOut: kept && out.length > 0 ? cleanText(out.join("\n")) : "",
    systemErr: kept && err.length > 0 ? cleanText(err.join("\n")) : "",
  };
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
