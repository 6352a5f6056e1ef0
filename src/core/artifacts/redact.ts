/**
 * The one redaction rule of the TypeScript side, the same as the helpers' (src/python/backend_ci/redact.py):
 * a URL keeps its scheme, user and host but not its password; `password=...` in a libpq key=value
 * string is masked; and any value named a secret is masked wherever it appears. Used on everything
 * the module writes from text it did not make itself (engine errors, lane.json read back) and on
 * the reports and plan.json as a whole, so a password reaches no exported file.
 */

const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@'"`<>]*:)([^\s@'"`<>]+)@/gi;
const KEY_VALUE_PASSWORD = /\b(password\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s'"]+)/gi;

export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text.replace(URL_CREDENTIALS, "$1***@").replace(KEY_VALUE_PASSWORD, "$1***");
  // Longest first, so a secret that contains another is masked whole. Short values are left: a
  // one-letter "secret" would mask half the text and hide nothing.
  for (const s of [...secrets].filter((x) => x.length >= 4).sort((a, b) => b.length - a.length)) out = out.split(s).join("***");
  return out;
}
