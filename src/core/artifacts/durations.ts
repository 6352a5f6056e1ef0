/**
 * Per-test durations in pytest-split's `.test_durations` format (`{nodeid: seconds}`), so the next
 * run can balance its shards on what this run measured.
 */
import { z } from "zod";

/** `.test_durations`: node id -> seconds (setup+call+teardown). */
export const Durations = z.record(z.string(), z.number().finite().nonnegative());
export type Durations = z.infer<typeof Durations>;

function sorted(byId: ReadonlyMap<string, number>): Durations {
  const out: Durations = {};
  // The default order, by UTF-16 code units: on strings, twice as fast as any comparator function.
  for (const id of [...byId.keys()].sort()) out[id] = byId.get(id) as number;
  return out;
}

/** Durations of every test that ran, sorted by node id. Skipped tests keep their (tiny) time too. */
export function durations(cases: Iterable<{ nodeid: string; time: number }>): Durations {
  const byId = new Map<string, number>();
  for (const c of cases) byId.set(c.nodeid, Math.round(c.time * 1e6) / 1e6);
  return sorted(byId);
}

/** A previous `.test_durations` merged with this run's: new values replace old, others are kept. */
export function mergeDurations(previous: Durations, next: Durations): Durations {
  return sorted(new Map(Object.entries({ ...previous, ...next })));
}

/**
 * Parses a durations file's text. `source` names the file in every error.
 * Throws when the text is not a JSON object of non-negative finite seconds, naming the offending key.
 */
export function parseDurations(text: string, source: string): Durations {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new Error(`${source}: not valid JSON (${(error as Error).message}); expected an object of node id -> seconds, as pytest-split's --store-durations writes it`);
  }
  const parsed = Durations.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  if (issue.path.length === 0) {
    const legacy = Array.isArray(raw) ? " (a list of [id, seconds] pairs is pytest-split's old format: re-record with `pytest --store-durations`)" : "";
    throw new Error(`${source}: expected a JSON object of node id -> seconds, as pytest-split's --store-durations writes it${legacy}`);
  }
  const key = String(issue.path[0]);
  const value = (raw as Record<string, unknown>)[key];
  throw new Error(`${source}: duration of "${key}" must be a non-negative finite number of seconds, got ${typeof value === "number" ? String(value) : JSON.stringify(value)}; fix or delete the entry (or re-record the file)`);
}

/** The file's text, in the order given (`durations` and `mergeDurations` sort), with a final newline. */
export function formatDurations(d: Durations): string {
  return `${JSON.stringify(d, null, 4)}\n`;
}
