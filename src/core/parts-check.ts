/**
 * Whether every part of a CI matrix reached combine-parts: a job that died before exporting leaves
 * no plan.json, so its lanes would be silently absent from the one gate.
 */
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
