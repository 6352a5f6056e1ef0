/**
 * Untrusted text in summary.md: node ids, lane.json and combine.json messages, tracebacks. Each
 * helper renders it so that it shows as written and can start nothing: no heading, list, quote,
 * table row, link or HTML, whatever backticks, newlines or markup it holds. Every helper's output
 * is one line, except `block`'s.
 */

/** Line endings in CommonMark: a `\r` alone ends a line too, and two of them end a block. */
const oneLine = (s: string) => s.replace(/\r\n?|\n/g, " ");

/** Characters that start markup anywhere in a line, escaped with a backslash (CommonMark allows it on any ASCII punctuation). */
const INLINE = /[\\`*[\]<>|~]/g;
/** An underscore that could open or close emphasis: one inside a word (`test_x`) cannot, and stays as it is. */
const EMPHASIS_UNDERSCORE = /(?<![\p{L}\p{N}])_|_(?![\p{L}\p{N}])/gu;
/** What starts a block at the start of a line: a list, quote, heading, thematic break or setext underline. */
const LINE_START = /^(\s*)(?:([-+=>#])|(\d+)([.)]))/;

/** `text` for a piece that does not start a line. */
const textMid = (s: string) => oneLine(s).replaceAll("&", "&amp;").replace(INLINE, "\\$&").replace(EMPHASIS_UNDERSCORE, "\\_");

/** Plain text, shown as written: markup escaped, `&` as an entity, one line. */
export function text(s: string): string {
  return textMid(s).replace(LINE_START, (_m, space: string, mark?: string, digits?: string, dot?: string) => `${space}${mark ? `\\${mark}` : `${digits}\\${dot}`}`);
}

/**
 * An inline code span that shows `s` exactly (less its line breaks, which a span cannot hold): its
 * fence is one backtick longer than any run inside, and padded when `s` starts or ends with one.
 */
export function code(s: string): string {
  const line = oneLine(s);
  const runs = line.match(/`+/g) ?? [];
  const fence = "`".repeat(Math.max(0, ...runs.map((r) => r.length)) + 1);
  // A fence of two or more always takes a space inside; so does text with a space at both ends,
  // which CommonMark would otherwise strip. One space each side is stripped again when shown.
  const pad = fence.length > 1 || (line.startsWith(" ") && line.endsWith(" ") && line.trim() !== "") ? " " : "";
  return `${fence}${pad}${line}${pad}${fence}`;
}

/**
 * A sentence of this package's own that quotes untrusted values in code spans (a reason, a warning,
 * a coverage message): its spans are read as CommonMark reads them and written again with `code`,
 * the text between them with `text`, so a value cannot end its span and bring markup along.
 */
export function sentence(s: string): string {
  const line = oneLine(s);
  let out = "";
  let at = 0;
  let from = 0;
  while (at < line.length) {
    const open = line.indexOf("`", at);
    if (open < 0) break;
    let end = open;
    while (line[end] === "`") end++;
    const fence = line.slice(open, end);
    // The span closes at the next run of exactly as many backticks; without one, the run is text.
    let close = line.indexOf(fence, end);
    while (close >= 0 && (line[close + fence.length] === "`" || line[close - 1] === "`")) {
      let skip = close;
      while (line[skip] === "`") skip++;
      close = line.indexOf(fence, skip);
    }
    if (close < 0) {
      at = end;
      continue;
    }
    const inner = line.slice(end, close);
    const content = inner.startsWith(" ") && inner.endsWith(" ") && inner.trim() !== "" ? inner.slice(1, -1) : inner;
    out += (from === 0 ? text(line.slice(from, open)) : textMid(line.slice(from, open))) + code(content);
    at = from = close + fence.length;
  }
  return out + (from === 0 ? text(line.slice(from)) : textMid(line.slice(from)));
}


/** A table cell: `text` or `code` output with its pipes escaped, which GitHub honours even inside code spans. */
export function cell(rendered: string): string {
  return rendered.replace(/(?<!\\)\|/g, "\\|");
}

/** A fenced block whose fence is longer than any backtick run in the text. */
export function block(body: string): string {
  const runs = body.match(/`{3,}/g) ?? [];
  const fence = "`".repeat(Math.max(3, ...runs.map((r) => r.length + 1)));
  return `${fence}text\n${body}\n${fence}`;
}

/** Text inside an HTML element (a <summary>): `&`, `<` and `>` as entities, one line. */
export function html(s: string): string {
  return oneLine(s).replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}
