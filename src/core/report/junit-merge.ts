/**
 * One JUnit file for the whole run, from every lane's parsed cases: what CI test reporters read.
 * Written as a stream of chunks, so a million testcases never become one string.
 */
import { type Counts, countCases, type LaneJUnit, type TestCase } from "./junit.js";
import { collect, type Sink, SinkBuffer } from "./sink.js";
import { element, escapeAttr, escapeText } from "./xml.js";

/**
 * Writes the merged JUnit document to `sink`: one <testsuite name="<lane>"> per lane, names made
 * unique ("unit", "unit (2)") when two inputs share a lane name. A lane's problem is kept as a
 * property. Paths and classnames are the backend root's (a lane whose pytest ran from another
 * rootdir reads as if it had not), so the merged file reads back to the same node ids.
 * Written with xml.ts's escaping rather than XMLBuilder, which took a third of the report step on
 * 50 000 testcases; a test round-trips hostile names and messages through the parser and validator.
 */
export function writeMergedJUnit(lanes: readonly LaneJUnit[], sink: Sink): void {
  const used = new Set<string>();
  const total: Counts = { tests: 0, failures: 0, errors: 0, skipped: 0, time: 0 };
  const counts = lanes.map((l) => {
    const c = countCases(l.cases);
    for (const k of ["tests", "failures", "errors", "skipped", "time"] as const) total[k] += c[k];
    return c;
  });
  const out = new SinkBuffer(sink);
  out.write(`<?xml version="1.0" encoding="utf-8"?>\n${openTag("testsuites", [["name", "backend-ci"], ...countAttrs(total)])}`);
  lanes.forEach((lane, i) => writeSuite(uniqueName(lane.lane, used), counts[i], lane, out));
  out.write("</testsuites>\n");
  out.flush();
}

/** The merged document as one string, for callers that hand files over whole. */
export function mergeJUnit(lanes: readonly LaneJUnit[]): string {
  return collect((sink) => writeMergedJUnit(lanes, sink));
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

function openTag(name: string, attrs: readonly (readonly [string, string | number])[]): string {
  const empty = element(name, attrs);
  return `${empty.slice(0, -2)}>`;
}

function writeSuite(name: string, counts: Counts, lane: LaneJUnit, out: SinkBuffer): void {
  const attrs = [["name", name], ...countAttrs(counts)] as const;
  const problem = lane.problem
    ? element("properties", [], element("property", [["name", "backend-ci.problem"], ["value", lane.problem]]))
    : "";
  if (problem === "" && lane.cases.length === 0) {
    out.write(element("testsuite", attrs));
    return;
  }
  out.write(openTag("testsuite", attrs) + problem);
  for (const c of lane.cases) out.write(caseXml(c));
  out.write("</testsuite>");
}

const DETAIL_TAG = { failed: "failure", error: "error", skipped: "skipped" } as const;

/** `element("testcase", ...)` spelled out: the one element written a million times on a large run. */
function caseXml(c: TestCase): string {
  const line = c.line === null ? "" : ` line="${c.line}"`;
  const open = `<testcase classname="${escapeAttr(c.classname)}" name="${escapeAttr(c.name)}" file="${escapeAttr(c.file)}"${line} time="${c.time.toFixed(3)}"`;
  if (c.outcome === "passed" && c.systemOut === "" && c.systemErr === "") return `${open}/>`;
  let content = "";
  if (c.outcome !== "passed") content += element(DETAIL_TAG[c.outcome], [["message", c.message]], escapeText(c.text));
  if (c.systemOut) content += element("system-out", [], escapeText(c.systemOut));
  if (c.systemErr) content += element("system-err", [], escapeText(c.systemErr));
  return `${open}>${content}</testcase>`;
}
