/**
 * One pull request over several CI jobs: the planned lanes dealt into parts, one part per matrix job,
 * and the check that every part reached combine-parts (a job that died before exporting leaves no
 * plan.json, so its lanes would be silently absent from the one gate).
 */
import type { LanePlan } from "./plan.js";

/** A lane's expected seconds: its shard's, or the recorded durations under its paths, or its test count. */
function laneWeight(lane: LanePlan, durations: Record<string, number>): number {
  if (lane.expectedSeconds !== undefined) return lane.expectedSeconds;
  const sel = lane.pytest.slice(3).filter((a) => !a.startsWith("-"));
  let sum = 0;
  for (const [id, s] of Object.entries(durations)) if (sel.some((p) => id === p || id.startsWith(`${p.replace(/\/$/, "")}/`) || id.startsWith(`${p}::`))) sum += s;
  return sum || 1;
}

/**
 * Part `part` of `parts` (1-based) of the plan, for a CI matrix: lanes are dealt longest first onto
 * the least-loaded part, so parts take about the same time. Every lane lands in exactly one part.
 */
export function selectPart(lanes: LanePlan[], part: number, parts: number, durations: Record<string, number> = {}): LanePlan[] {
  if (!Number.isInteger(parts) || parts < 1) throw new Error(`parts = ${parts} is not allowed: a whole number >= 1`);
  if (!Number.isInteger(part) || part < 1 || part > parts)
    throw new Error(`part = ${part} is not allowed: a whole number from 1 to parts (${parts})`);
  const weighted = lanes.map((l, i) => ({ l, i, w: laneWeight(l, durations) }));
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
