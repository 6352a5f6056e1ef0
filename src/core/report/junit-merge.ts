/**
 * One JUnit file for the whole run, from every lane's parsed cases: what CI test reporters read.
 */
import { type Counts, countCases, type LaneJUnit, type TestCase } from "./junit.js";
import { element, escapeAttr, escapeText } from "./xml.js";

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

/** `element("testcase", ...)` spelled out: the one element written 50 000 times on a large run. */
function caseXml(c: TestCase): string {
  const line = c.line === null ? "" : ` line="${c.line}"`;
  const open = `<testcase classname="${escapeAttr(c.classname)}" name="${escapeAttr(c.name)}" file="${escapeAttr(c.file)}"${line} time="${c.time.toFixed(3)}"`;
  let content = "";
  if (c.outcome !== "passed") content += element(DETAIL_TAG[c.outcome], [["message", c.message]], escapeText(c.text));
  if (c.systemOut) content += element("system-out", [], escapeText(c.systemOut));
  if (c.systemErr) content += element("system-err", [], escapeText(c.systemErr));
  return content === "" ? `${open}/>` : `${open}>${content}</testcase>`;
}
