/**
 * Control characters in what a JUnit file says about a test, made visible once, when the file is
 * read: every report (result.json, summary.md, the merged junit.xml) then shows the same name.
 * The form is pytest's own (`bin_xml_escape`): U+0001 becomes `#x01`, so a name reads as pytest
 * would have written it into its JUnit file in the first place.
 */

/** C0 and C1 controls, DEL, the XML non-characters U+FFFE/U+FFFF, and any surrogate (checked below). */
const SUSPECT = /[\u0000-\u001F\u007F-\u009F\uD800-\uDFFF\uFFFE\uFFFF]/;
const CONTROL = /[\u0000-\u001F\u007F-\u009F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
/** The same, less tab, line feed and carriage return, which free text keeps. */
const CONTROL_IN_TEXT = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function visible(ch: string): string {
  const code = ch.charCodeAt(0);
  return `#x${code.toString(16).toUpperCase().padStart(code <= 0xff ? 2 : 4, "0")}`;
}

/** A name, classname or file: one line, no control character at all (a newline is one too). */
export function cleanIdentifier(s: string): string {
  return SUSPECT.test(s) ? s.replace(CONTROL, visible) : s;
}

/** A message, traceback or captured output: lines kept, every other control character made visible. */
export function cleanText(s: string): string {
  return SUSPECT.test(s) ? s.replace(CONTROL_IN_TEXT, visible) : s;
}
