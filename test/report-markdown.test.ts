import MarkdownIt from "markdown-it";
import { describe, expect, it } from "vitest";
import { code, sentence, text } from "../src/core/report/markdown.js";
import { buildResult } from "../src/core/report/result.js";
import { renderSummary } from "../src/core/report/summary.js";

const md = new MarkdownIt({ html: true });

/** The document's shape as GitHub would build it: every block, and every inline element but plain text. */
function shape(markdown: string): string[] {
  return md.parse(markdown, {}).flatMap((t) => [t.type, ...(t.children ?? []).filter((c) => c.type !== "text").map((c) => `  ${c.type}`)]);
}

const inline = (markdown: string) => md.parseInline(markdown, {})[0].children ?? [];

/**
 * A red run whose untrusted fields (a node id, a failure message, lane.json's message, combine.json's
 * message) hold `value(i)`: the same run with plain values gives the shape the summary must keep.
 */
function summaryWith(value: (i: number) => string): string {
  const esc = (s: string) => s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll('"', "&quot;").replaceAll("\n", "&#10;").replaceAll("\r", "&#13;");
  const junit = `<testsuite><testcase classname="tests.test_a" name="${esc(`test_x[${value(1)}]`)}" file="tests/test_a.py" time="1"><failure message="${esc(value(2))}">${esc(value(3))}</failure></testcase></testsuite>`;
  const record = (status: string, message: string) => ({
    lane: "unit",
    status,
    exit_code: status === "crashed" ? 3 : 1,
    message,
    readiness_s: 0,
    tests_s: 1,
    started_at: "2026-01-01T00:00:00Z",
    finished_at: "2026-01-01T00:00:02Z",
    argv: [],
    workers: 0,
  });
  const result = buildResult({
    lanes: [
      { id: "unit", lane: "unit", mode: "parallel", record: record("failed", "1 failed"), junitXml: junit },
      { id: "api", lane: "api", mode: "parallel", record: record("crashed", value(4)), junitXml: junit },
    ],
    combine: { total: null, fail_under: 80, gate_passed: false, branch: true, inputs: [], message: value(5), reports: [] },
  });
  return renderSummary(result);
}

const HOSTILE = [
  "",
  "``a` `` <img src=x onerror=alert(1)> ``", // backticks that would end a code span, then HTML
  "boom\n\n# Injected heading\n\n- injected item\n\n<script>alert(1)</script>",
  "Traceback\n```\n</details>\n# not a heading inside the block\n```",
  "killed\r\r## Heading after carriage returns\n> quote\n1. ordered\n| a | b |\n|---|---|",
  "- starts a list `x` <b>bold</b> [link](http://example.com) ![img](x.png) *em* _em_ ~~del~~ &amp;",
];

describe("summary.md cannot be restructured by what the tests and artifacts say", () => {
  const hostile = summaryWith((i) => HOSTILE[i]);
  // combine.json's message is a sentence: a code span in it stays one, as inert as any other.
  const plain = summaryWith((i) => (i === 5 ? "plain `x` 5" : `plain ${i}`));

  it("keeps exactly the headings, lists, tables, code and HTML of a run with plain values", () => {
    expect(shape(hostile)).toEqual(shape(plain));
  });

  it("names the hostile node id in code spans that show it whole", () => {
    const spans = md.parse(hostile, {}).flatMap((t) => t.children ?? []).filter((t) => t.type === "code_inline").map((t) => t.content);
    expect(spans).toContain(`tests/test_a.py::test_x[${HOSTILE[1]}]`);
  });

  it("shows a lane.json message with markup as its text, on one line", () => {
    const reason = md.parse(hostile, {}).find((t) => t.type === "inline" && t.content.startsWith("Lane `api` crashed"))!;
    const shown = (reason.children ?? []).map((c) => c.content).join("");
    expect(shown).toContain("killed  ## Heading after carriage returns > quote 1. ordered | a | b | |---|---|");
  });
});

describe("markdown helpers", () => {
  it.each(["plain", "a`b", "``x``", "` lead", "trail `", " both ", "  ", "x\ny", "a|b"])("code(%j) is one code span showing the text", (s) => {
    const children = inline(code(s));
    expect(children.map((c) => c.type)).toEqual(["code_inline"]);
    expect(children[0].content).toBe(s.replace(/\n/g, " "));
  });

  it.each(["# h", "- item", "+ item", "1. item", "2) item", "> quote", "<b>x</b>", "[l](u)", "*e* _e_", "a\\b", "&amp;", "x\n\ny", "==="])("text(%j) renders as the very same plain text", (s) => {
    const tokens = md.parse(text(s), {});
    expect(tokens.map((t) => t.type)).toEqual(["paragraph_open", "inline", "paragraph_close"]);
    expect(tokens[1].children!.map((c) => c.content).join("")).toBe(s.replace(/\n/g, " "));
  });

  it("a sentence keeps its own code spans and escapes the text between them", () => {
    const s = sentence("Lane `unit` has <1> failing test: `t.py::x`.");
    expect(inline(s).map((c) => [c.type, c.content])).toEqual([
      ["text", "Lane "],
      ["code_inline", "unit"],
      ["text", " has <1> failing test: "],
      ["code_inline", "t.py::x"],
      ["text", "."],
    ]);
  });
});
