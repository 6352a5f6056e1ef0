/**
 * Per-test durations in pytest-split's `.test_durations` format (`{nodeid: seconds}`), so the next
 * run can balance its shards on what this run measured.
 */
import { z } from "zod";

/** Where a large file goes, chunk by chunk, in order (report/sink.ts's Sink). */
type Sink = (chunk: string) => void;

/**
 * No test is believed to take longer than a day: a larger figure is a corrupt or forged file, and
 * a few of them would overflow the sums that shards and reports are made of.
 */
export const MAX_TEST_SECONDS = 86_400;

/** One test's seconds (setup+call+teardown). */
export const Seconds = z.number().finite().nonnegative().max(MAX_TEST_SECONDS);

/** `.test_durations`: node id -> seconds. */
export const Durations = z.record(z.string(), Seconds);
export type Durations = z.infer<typeof Durations>;

/** Map -> object, own properties only (a node id "__proto__" stays an entry). */
function record(byId: ReadonlyMap<string, number>, ids: readonly string[]): Durations {
  return Object.fromEntries(ids.map((id) => [id, byId.get(id) as number]));
}

/** Node ids in the file's order: by UTF-16 code units, the default sort, twice as fast as any comparator. */
const sortedIds = (byId: ReadonlyMap<string, number>) => [...byId.keys()].sort();

/** This run's figure for every test that ran, unsorted. Skipped tests keep their (tiny) time too. */
function measuredDurations(cases: Iterable<{ nodeid: string; time: number }>): Map<string, number> {
  const byId = new Map<string, number>();
  for (const c of cases) byId.set(c.nodeid, Math.round(c.time * 1e6) / 1e6);
  return byId;
}

/** Durations of every test that ran, sorted by node id. */
export function durations(cases: Iterable<{ nodeid: string; time: number }>): Durations {
  const byId = measuredDurations(cases);
  return record(byId, sortedIds(byId));
}

function merged(previous: Durations, next: Map<string, number>): Map<string, number> {
  if (Object.keys(previous).length === 0) return next;
  const byId = new Map(Object.entries(previous));
  for (const [id, s] of next) byId.set(id, s);
  return byId;
}

/** A previous `.test_durations` merged with this run's: new values replace old, others are kept. */
export function mergeDurations(previous: Durations, next: Durations): Durations {
  const byId = merged(previous, new Map(Object.entries(next)));
  return record(byId, sortedIds(byId));
}

/** What a JSON value is, in an error message. */
function kindOf(raw: unknown): string {
  if (raw === null) return "null";
  if (Array.isArray(raw)) return "a list";
  if (typeof raw === "string") return "a string";
  return typeof raw === "number" || typeof raw === "boolean" ? `${typeof raw === "number" ? "a number" : "a boolean"} (${String(raw)})` : typeof raw;
}

/**
 * Parses a durations file's text. `source` names the file in every error. A UTF-8 byte order mark
 * is allowed. Throws when the text is not a JSON object of seconds from 0 to MAX_TEST_SECONDS,
 * naming the offending key.
 */
export function parseDurations(text: string, source: string): Durations {
  let raw: unknown;
  try {
    raw = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (error) {
    throw new Error(`${source}: not valid JSON (${(error as Error).message}); expected an object of node id -> seconds, as pytest-split's --store-durations writes it`);
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    const legacy = Array.isArray(raw) ? " (a list of [id, seconds] pairs is pytest-split's old format: re-record with `pytest --store-durations`)" : "";
    throw new Error(`${source}: the file holds ${kindOf(raw)}, not a JSON object of node id -> seconds as pytest-split's --store-durations writes it${legacy}; re-record it or delete it`);
  }
  // Entry by entry over the parsed JSON itself: zod's record skips and drops a node id "__proto__".
  const entries = raw as Record<string, unknown>;
  for (const key of Object.keys(entries)) {
    const value = entries[key];
    if (Seconds.safeParse(value).success) continue;
    if (typeof value === "number" && value > MAX_TEST_SECONDS && Number.isFinite(value)) {
      throw new Error(`${source}: duration of "${key}" is ${value} s, more than the limit of ${MAX_TEST_SECONDS} s (a day) per test; fix or delete the entry (or re-record the file)`);
    }
    throw new Error(`${source}: duration of "${key}" must be a non-negative finite number of seconds, got ${typeof value === "number" ? String(value) : JSON.stringify(value)}; fix or delete the entry (or re-record the file)`);
  }
  return entries as Durations;
}

/** Characters JSON.stringify escapes in a string: a node id without them is quoted as it is. */
const JSON_ESCAPED = /["\\\u0000-\u001F\uD800-\uDFFF]/;

/** Writes `ids` with their seconds in pytest-split's layout (JSON, four-space indent), in the order given. */
function writeEntries(ids: readonly string[], byId: ReadonlyMap<string, number>, sink: Sink): void {
  let lines: string[] = [];
  let size = 0;
  let separator = "{\n";
  for (const id of ids) {
    const key = JSON_ESCAPED.test(id) ? JSON.stringify(id) : `"${id}"`;
    // A finite number reads the same from String() as from JSON.stringify, at a fraction of the cost.
    lines.push(`    ${key}: ${String(byId.get(id) as number)}`);
    size += key.length;
    if (size >= 1 << 16) {
      sink(separator + lines.join(",\n"));
      separator = ",\n";
      lines = [];
      size = 0;
    }
  }
  if (separator === "{\n" && lines.length === 0) sink("{}\n");
  else sink(`${lines.length > 0 ? separator + lines.join(",\n") : ""}\n}\n`);
}

/**
 * The next `.test_durations`, written to `sink`: the previous file's entries with this run's
 * figures (every test that ran, skipped ones too) in their place, sorted by node id.
 */
export function writeDurations(previous: Durations, measured: Iterable<{ nodeid: string; time: number }>, sink: Sink): void {
  const byId = merged(previous, measuredDurations(measured));
  writeEntries(sortedIds(byId), byId, sink);
}

/** The file's text, in the order given (`durations` and `mergeDurations` sort), with a final newline. */
export function formatDurations(d: Durations): string {
  return `${JSON.stringify(d, null, 4)}\n`;
}
