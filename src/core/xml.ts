/**
 * Escaping for the XML this package writes. Values arrive already decoded (from the parser or from
 * our own data); characters XML 1.0 forbids even as references are dropped, as pytest drops them.
 */
const FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;
const TEXT_SPECIAL = /[&<>\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;
const ATTR_SPECIAL = /[&<>"\t\n\r\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

/** Element text: `&`, `<` and `>` (so `]]>` cannot appear). */
export function escapeText(s: string): string {
  if (!TEXT_SPECIAL.test(s)) return s;
  return s.replace(FORBIDDEN, "").replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

/** A double-quoted attribute value; tabs and newlines as references, or readers fold them into spaces. */
export function escapeAttr(s: string): string {
  if (!ATTR_SPECIAL.test(s)) return s;
  return escapeText(s)
    .replaceAll('"', "&quot;")
    .replaceAll("\n", "&#10;")
    .replaceAll("\r", "&#13;")
    .replaceAll("\t", "&#9;");
}

/** `<name a="1" b="2">` or `<name a="1"/>` when there is no content. */
export function element(name: string, attrs: readonly (readonly [string, string | number])[], content = ""): string {
  let open = `<${name}`;
  for (const [k, v] of attrs) open += ` ${k}="${typeof v === "number" ? v : escapeAttr(v)}"`;
  return content === "" ? `${open}/>` : `${open}>${content}</${name}>`;
}
