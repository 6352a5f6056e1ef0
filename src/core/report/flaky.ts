/**
 * Flaky detection: a lane that failed reruns only its failed node ids in a fresh container. A test
 * that failed and then passed is flaky; one that failed again is failing. Quarantined tests run and
 * are reported but never turn the run red.
 */
import { z } from "zod";
import { FlakyPolicy } from "../config/config.js";
import type { TestCase } from "./junit.js";

export { FlakyPolicy };


export const FailureClass = z.enum(["flaky", "failing", "quarantined"]);
export type FailureClass = z.infer<typeof FailureClass>;

/** One test that failed in the first run, and what the reruns made of it. */
export const ClassifiedFailure = z.object({
  nodeid: z.string(),
  class: FailureClass,
  red: z.boolean(), // this test alone turns its lane red
  detail: z.string(), // "failed, then passed on rerun 1", "failed again on 1 of 1 reruns", ...
});
export type ClassifiedFailure = z.infer<typeof ClassifiedFailure>;

export interface Classification {
  tests: ClassifiedFailure[];
  red: boolean;
  flaky: string[];
  failing: string[];
  quarantined: string[];
}

const FAILED = new Set<TestCase["outcome"]>(["failed", "error"]);

/** The node ids to rerun: every test that failed or errored, once, in order. */
export function failedNodeIds(cases: Iterable<TestCase>): string[] {
  const ids = new Set<string>();
  for (const c of cases) if (FAILED.has(c.outcome)) ids.add(c.nodeid);
  return [...ids];
}

/**
 * Quarantine entries are node ids or globs where `*` matches any run of characters (across `/` and
 * `::`) and `?` one character. Brackets are literal: node ids carry parametrize ids in them.
 */
export function quarantineMatcher(entries: readonly string[]): (nodeid: string) => boolean {
  const exact = new Set(entries.filter((e) => !/[*?]/.test(e)));
  // A run of stars matches what one star does; collapsing them keeps the matcher's work small.
  const globs = entries.filter((e) => /[*?]/.test(e)).map((e) => e.replace(/\*+/g, "*"));
  return (nodeid) => exact.has(nodeid) || globs.some((g) => globMatch(g, nodeid));
}

/**
 * Whether `glob` matches all of `s`, by two pointers: on a mismatch, the last star takes one more
 * character and matching resumes after it. At most len(s) x len(glob) steps, whatever the input:
 * no backtracking into earlier stars, which a later star's match always makes unnecessary.
 */
export function globMatch(glob: string, s: string): boolean {
  let g = 0;
  let i = 0;
  let star = -1; // the glob position after the last star seen
  let resume = 0; // where in `s` that star's match ends
  while (i < s.length) {
    const c = glob.charCodeAt(g);
    if (g < glob.length && (c === QUESTION || (c !== STAR && c === s.charCodeAt(i)))) {
      g++;
      i++;
    } else if (c === STAR) {
      star = ++g;
      resume = i;
    } else if (star >= 0) {
      g = star;
      i = ++resume;
    } else return false;
  }
  while (glob.charCodeAt(g) === STAR) g++;
  return g === glob.length;
}

const STAR = 42; // *
const QUESTION = 63; // ?

export interface ClassifyInput {
  firstRun: readonly TestCase[];
  reruns: readonly (readonly TestCase[])[];
  quarantine: readonly string[];
  policy: FlakyPolicy;
}

/** Classifies every failed test of a lane's first run against its reruns. */
export function classifyFailures({ firstRun, reruns, quarantine, policy }: ClassifyInput): Classification {
  const quarantined = quarantineMatcher(quarantine);
  const outcomes = reruns.map((run) => new Map(run.map((c) => [c.nodeid, c.outcome])));
  const tests = failedNodeIds(firstRun).map((nodeid): ClassifiedFailure => {
    const seen = outcomes.map((o) => o.get(nodeid));
    const passedOn = seen.findIndex((o) => o === "passed");
    const detail = describe(seen, passedOn);
    if (quarantined(nodeid)) return { nodeid, class: "quarantined", red: false, detail };
    if (passedOn >= 0) return { nodeid, class: "flaky", red: policy === "fail", detail };
    return { nodeid, class: "failing", red: true, detail };
  });
  const of = (k: FailureClass) => tests.filter((t) => t.class === k).map((t) => t.nodeid);
  return { tests, red: tests.some((t) => t.red), flaky: of("flaky"), failing: of("failing"), quarantined: of("quarantined") };
}

function describe(seen: (TestCase["outcome"] | undefined)[], passedOn: number): string {
  if (seen.length === 0) return "failed; not rerun";
  if (passedOn >= 0) return `failed, then passed on rerun ${passedOn + 1}`;
  const of = (n: number, what: string) => (n > 0 ? [`${what} ${n} of ${seen.length}`] : []);
  const again = seen.filter((o) => o === "failed" || o === "error").length;
  const parts = [
    ...of(again, "failed again on"),
    ...of(seen.filter((o) => o === undefined).length, "missing from"),
    ...of(seen.filter((o) => o === "skipped").length, "skipped on"),
  ];
  return `${again === seen.length ? "" : "failed; "}${parts.join("; ")} reruns`;
}
