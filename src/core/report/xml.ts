/**
 * XML text rules: escaping for the XML this package writes, and the well-formedness check that names
 * what is wrong with XML it cannot read. Values to escape arrive decoded; control characters, which
 * XML 1.0 forbids even as references, are written in pytest's visible form (clean-text.ts), the form
 * the reader gives them, so what is written reads back the same.
 */
import { cleanText } from "./clean-text.js";

const TEXT_SPECIAL = /[&<>\r\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uD800-\uDFFF\uFFFE\uFFFF]/;
const ATTR_SPECIAL = /[&<>"\t\n\r\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uD800-\uDFFF\uFFFE\uFFFF]/;

/** Element text: `&`, `<` and `>` (so `]]>` cannot appear), and `\r`, which readers turn into `\n`. */
export function escapeText(s: string): string {
  if (!TEXT_SPECIAL.test(s)) return s;
  return cleanText(s).replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll("\r", "&#13;");
}

/** A double-quoted attribute value; tabs and newlines as references, or readers fold them into spaces. */
export function escapeAttr(s: string): string {
  if (!ATTR_SPECIAL.test(s)) return s;
  return escapeText(s).replaceAll('"', "&quot;").replaceAll("\n", "&#10;").replaceAll("\t", "&#9;");
}

/** `<name a="1" b="2">` or `<name a="1"/>` when there is no content. */
export function element(name: string, attrs: readonly (readonly [string, string | number])[], content = ""): string {
  let open = `<${name}`;
  for (const [k, v] of attrs) open += ` ${k}="${typeof v === "number" ? v : escapeAttr(v)}"`;
  return content === "" ? `${open}/>` : `${open}>${content}</${name}>`;
}

const REF = "&(?:#x[0-9a-fA-F]+|#[0-9]+|lt|gt|amp|quot|apos);";
const NAME = "[A-Za-z_:][\\w.:-]*";
const VALUE = `"(?:[^"<&]|${REF})*"|'(?:[^'<&]|${REF})*'`;
/** A whole tag, a declaration/comment/CDATA/doctype to skip, or a `<` or `&` that starts neither. */
const TOKEN = new RegExp(
  `<(/?)(${NAME})((?:\\s+${NAME}\\s*=\\s*(?:${VALUE}))*)\\s*(/?)>|<\\?[\\s\\S]*?\\?>|<!--[\\s\\S]*?-->|<!\\[CDATA\\[[\\s\\S]*?\\]\\]>|<!DOCTYPE[^>]*>|${REF}|[<&]`,
  "g",
);

const lineAt = (xml: string, index: number) => xml.slice(0, index).split("\n").length;

/**
 * Why `xml` is not well-formed, or null: every tag and attribute list well-formed, every `&` a
 * reference, elements closed in order under one root. junit.ts reads with saxes, which finds such
 * errors itself; this pass runs only once saxes has reported one, to name it in these words.
 */
export function wellFormedProblem(xml: string): string | null {
  const stack: string[] = [];
  let roots = 0;
  TOKEN.lastIndex = 0;
  for (let m = TOKEN.exec(xml); m !== null; m = TOKEN.exec(xml)) {
    const [token, closing, name, attrs, selfClosing] = m;
    if (token === "<") return `a tag that is not well-formed (line ${lineAt(xml, m.index)})`;
    if (token === "&") return `a bare & (line ${lineAt(xml, m.index)})`;
    if (name === undefined) continue;
    if (closing === "/") {
      const open = stack.pop();
      if (attrs || selfClosing || open !== name) {
        return `</${name}> closes ${open ? `<${open}>` : "nothing"} (line ${lineAt(xml, m.index)})`;
      }
    } else {
      if (stack.length === 0 && roots++ > 0) return `a second root element <${name}> (line ${lineAt(xml, m.index)})`;
      if (selfClosing !== "/") stack.push(name);
    }
  }
  return stack.length > 0 ? `<${stack[stack.length - 1]}> is never closed` : null;
}
