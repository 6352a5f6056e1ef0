/**
 * Coverage as the result reports it: the combined total against its gate (from combine.json) and the
 * floors per path (from coverage.json), each with the sentences that turn the run red.
 */
import { z } from "zod";
import { CombineRecord } from "../artifacts/records.js";
import { checkFloors, type FloorResult, type Floors } from "./floors.js";
import { readArtifact } from "../artifacts/read-artifact.js";

export const ResultCoverage = z.object({
  total: z.number().nullable(),
  fail_under: z.number(),
  gate_passed: z.boolean(),
  distance: z.number().nullable(), // total - fail_under, in points
  message: z.string(),
  problems: z.array(z.string()), // one per lane whose data could not be combined
});

export type ResultCoverage = z.infer<typeof ResultCoverage>;

/** The gate's figure and reasons; `raw` is combine.json as text or parsed, undefined when missing. */
export function coverageOf(raw: unknown): { coverage: ResultCoverage | null; reasons: string[] } {
  if (raw === undefined) {
    return { coverage: null, reasons: ["Coverage was not combined: there is no combine.json; see the combine step's log."] };
  }
  const { value, problem } = readArtifact(CombineRecord, raw, "combine.json");
  if (!value) return { coverage: null, reasons: [`Coverage is unknown: ${problem}; see the combine step's log.`] };
  const problems = value.inputs
    .filter((i) => i.state !== "combined")
    .map((i) => `Coverage from lane \`${i.lane}\` was not combined (${i.state}${i.message ? `: ${i.message}` : ""}).`);
  const distance = value.total === null ? null : value.total - value.fail_under;
  const reasons = [...problems];
  if (value.total === null) reasons.push(`Coverage could not be combined: ${value.message}.`);
  else if (distance !== null && distance < 0) {
    reasons.push(`Coverage ${value.total.toFixed(2)}% is below the gate ${value.fail_under}% by ${(-distance).toFixed(2)} points.`);
  } else if (!value.gate_passed && problems.length === 0) reasons.push(`Coverage gate failed: ${value.message}.`);
  return {
    coverage: {
      total: value.total,
      fail_under: value.fail_under,
      gate_passed: value.gate_passed,
      distance,
      message: value.message,
      problems,
    },
    reasons,
  };
}

/** Every floor's figure and the reasons for those missed; never throws. */
export function floorsOf(coverageJson: unknown, floors: Floors): { results: FloorResult[]; reasons: string[] } {
  if (Object.keys(floors).length === 0) return { results: [], reasons: [] };
  if (coverageJson === undefined) {
    return { results: [], reasons: ["Coverage floors are configured but there is no coverage.json; see the combine step's log."] };
  }
  try {
    const results = checkFloors(coverageJson, floors);
    return { results, reasons: results.filter((f) => !f.passed).map((f) => f.message) };
  } catch (e) {
    return { results: [], reasons: [`Coverage floors could not be checked: ${(e as Error).message}.`] };
  }
}
