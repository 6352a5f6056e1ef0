/**
 * One pull request over several CI jobs: the planned lanes dealt into parts, one part per matrix job,
 * and the check that every part reached combine-parts (a job that died before exporting leaves no
 * plan.json, so its lanes would be silently absent from the one gate).
 */
import type { LanePlan } from "./plan.js";

/** The paths and node ids a lane's pytest argv selects (what follows `python -m pytest`, options left out). */
const selectorsOf = (lane: LanePlan) => lane.pytest.slice(3).filter((a) => !a.startsWith("-"));

/** Seconds of the node ids that are a selector, that are under it as a directory (`p/...`), or as a module or class (`p::...`). */
interface Sums {
  exact: Map<string, number>;
  dir: Map<string, number>;
  inner: Map<string, number>;
}

/**
 * Recorded seconds under each selector of any lane, from one pass over the durations. Only prefixes
 * as long as some selector are looked up, so the pass is linear in the durations' total length.
 */
function secondsBySelector(lanes: readonly LanePlan[], durations: Record<string, number>): Sums {
  const selectors = new Set(lanes.flatMap(selectorsOf));
  const dirs = new Set([...selectors].map((p) => p.replace(/\/$/, "")));
  const sums: Sums = { exact: new Map(), dir: new Map(), inner: new Map() };
  const lengths = new Set([...selectors, ...dirs].map((p) => p.length));
  const add = (m: Map<string, number>, key: string, s: number) => m.set(key, (m.get(key) ?? 0) + s);
  for (const [id, s] of Object.entries(durations)) {
    if (selectors.has(id)) add(sums.exact, id, s);
    for (let k = id.indexOf("/"); k >= 0; k = id.indexOf("/", k + 1)) {
      if (lengths.has(k) && dirs.has(id.slice(0, k))) add(sums.dir, id.slice(0, k), s);
    }
    for (let k = id.indexOf("::"); k >= 0; k = id.indexOf("::", k + 1)) {
      if (lengths.has(k) && selectors.has(id.slice(0, k))) add(sums.inner, id.slice(0, k), s);
    }
  }
  return sums;
}

/** A selector `a` covers `b` when every node id under `b` is under `a` too. */
function covers(a: string, b: string): boolean {
  return b === a || b.startsWith(`${a.replace(/\/$/, "")}/`) || b.startsWith(`${a}::`);
}

/** A lane's expected seconds: its shard's, or the recorded durations under its paths, or 1 without any. */
function laneWeight(lane: LanePlan, sums: Sums): number {
  if (lane.expectedSeconds !== undefined) return lane.expectedSeconds;
  // Selectors inside another of the lane's own count once, under the outer one.
  const sel = [...new Set(selectorsOf(lane))];
  const outer = sel.filter((b) => !sel.some((a) => a !== b && covers(a, b)));
  let sum = 0;
  for (const p of outer) {
    const dir = sums.dir.get(p.replace(/\/$/, "")) ?? 0;
    // Under `tests/`, an id `tests/` or `tests/::x` is already counted as under the directory.
    sum += p.endsWith("/") ? dir : dir + (sums.exact.get(p) ?? 0) + (sums.inner.get(p) ?? 0);
  }
  return sum || 1;
}

/**
 * Each lane's expected seconds: its shard's, or the sum of the recorded durations its selectors
 * cover (each node id once per lane), or 1 when none are recorded. Linear in the durations.
 */
export function laneWeights(lanes: readonly LanePlan[], durations: Record<string, number>): number[] {
  const sums = secondsBySelector(lanes, durations);
  return lanes.map((l) => laneWeight(l, sums));
}

/**
 * Part `part` of `parts` (1-based) of the plan, for a CI matrix: lanes are dealt longest first onto
 * the least-loaded part, so parts take about the same time. Every lane lands in exactly one part.
 */
export function selectPart(lanes: LanePlan[], part: number, parts: number, durations: Record<string, number> = {}): LanePlan[] {
  if (!Number.isInteger(parts) || parts < 1) throw new Error(`parts = ${parts} is not allowed: a whole number >= 1`);
  if (!Number.isInteger(part) || part < 1 || part > parts)
    throw new Error(`part = ${part} is not allowed: a whole number from 1 to parts (${parts})`);
  const weights = laneWeights(lanes, durations);
  const weighted = lanes.map((l, i) => ({ l, i, w: weights[i] }));
  weighted.sort((a, b) => b.w - a.w || a.i - b.i);
  const load = new Array<number>(parts).fill(0);
  const owner = new Map<number, number>();
  for (const x of weighted) {
    const p = load.indexOf(Math.min(...load));
    load[p] += x.w;
    owner.set(x.i, p);
  }
  return lanes.filter((_, i) => owner.get(i) === part - 1);
}

export interface PartStamp {
  /** Where the plan.json was found, for messages. */
  path: string;
  part?: number;
  parts?: number;
}

/** One sentence per problem: a missing part, a part seen twice, or parts that disagree on the count. */
export function missingParts(stamps: readonly PartStamp[]): string[] {
  const whole = stamps.filter((s) => s.parts === undefined);
  if (whole.length > 0)
    return whole.map((s) => `${s.path} was written by a run without --part/--parts; combine-parts combines the parts of one matrix run`);
  const counts = [...new Set(stamps.map((s) => s.parts))];
  if (counts.length !== 1 || counts[0] === undefined)
    return [
      `the artifacts hold plan.json files of different runs (${stamps.map((s) => `${s.path}: part ${s.part ?? "-"} of ${s.parts ?? "-"}`).join(", ")}); download the reports of one matrix run only`,
    ];
  const n = counts[0];
  const problems: string[] = [];
  for (let i = 1; i <= n; i++) {
    const seen = stamps.filter((s) => s.part === i);
    if (seen.length === 0) problems.push(`part ${i} of ${n} left no reports in the artifacts: its job failed before exporting them, so its lanes are missing from this result`);
    if (seen.length > 1) problems.push(`part ${i} of ${n} appears ${seen.length} times (${seen.map((s) => s.path).join(", ")}); download each part's reports once`);
  }
  return problems;
}
