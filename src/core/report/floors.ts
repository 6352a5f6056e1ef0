/**
 * Coverage floors by path: besides the total gate, a floor per glob (auth code at 95, generated code
 * exempt), each checked on the combined data (coverage.py's `coverage json` output).
 */
import picomatch from "picomatch";
import { z } from "zod";

import { Floor, Floors } from "../config/config.js";

export { Floor, Floors };


/** The part of `coverage json` the floors read; branch fields are absent without `--branch`. */
export const CoverageJson = z.object({
  files: z.record(
    z.string(),
    z.object({
      summary: z.object({
        covered_lines: z.number(),
        num_statements: z.number(),
        covered_branches: z.number().default(0),
        num_branches: z.number().default(0),
        percent_covered: z.number(),
      }),
    }),
  ),
});
export type CoverageJson = z.infer<typeof CoverageJson>;

export const FloorResult = z.object({
  glob: z.string(),
  floor: Floor,
  percent: z.number().nullable(), // null when the glob matches no file
  files: z.number().int(),
  passed: z.boolean(),
  message: z.string(), // a sentence naming the glob and its figure
});
export type FloorResult = z.infer<typeof FloorResult>;

/** Parses coverage.json; `source` names it in the error. */
export function parseCoverageJson(raw: unknown, source: string): CoverageJson {
  const parsed = CoverageJson.safeParse(typeof raw === "string" ? safeJson(raw) : raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new Error(
    `${source}: not coverage.py's \`coverage json\` output (${issue.path.join(".") || "root"}: ${issue.message}); regenerate it with \`coverage json\``,
  );
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** coverage.py's figure: (covered lines + covered branches) / (statements + branches); empty is 100%. */
function percentOf(files: CoverageJson["files"][string][]): number {
  let covered = 0;
  let total = 0;
  for (const { summary: s } of files) {
    covered += s.covered_lines + s.covered_branches;
    total += s.num_statements + s.num_branches;
  }
  return total === 0 ? 100 : (100 * covered) / total;
}

/** Shown and compared at two decimals, as the summary prints it; 100 means every line. */
function meets(percent: number, floor: number): boolean {
  return floor === 100 ? percent === 100 : Math.round(percent * 100) / 100 >= floor;
}

const pct = (n: number) => `${n.toFixed(2)}%`;
const files = (n: number) => `${n} file${n === 1 ? "" : "s"}`;

/**
 * Checks every floor on the combined coverage. Exempt globs remove their files from the numeric
 * floors and are reported with their own figure. A glob that matches no file fails, naming the glob.
 * Throws only when `coverageJson` is not coverage.py's JSON.
 */
export function checkFloors(coverageJson: unknown, floors: Floors): FloorResult[] {
  const data = parseCoverageJson(coverageJson, "coverage.json").files;
  const paths = Object.keys(data).map((p) => [p, p.replaceAll("\\", "/").replace(/^\.\//, "")] as const);
  const matching = (glob: string) => {
    const isMatch = picomatch(glob, { dot: true });
    return paths.filter(([, norm]) => isMatch(norm)).map(([p]) => p);
  };
  const exempt = new Set(
    Object.entries(floors)
      .filter(([, f]) => f === "exempt")
      .flatMap(([glob]) => matching(glob)),
  );
  return Object.entries(floors).map(([glob, floor]): FloorResult => {
    const all = matching(glob);
    if (all.length === 0) {
      return {
        glob,
        floor,
        percent: null,
        files: 0,
        passed: false,
        message: `Coverage floor \`${glob}\` matches no file in coverage.json: fix the glob (paths are relative to the source root, e.g. \`${paths[0]?.[1] ?? "app/module.py"}\`).`,
      };
    }
    const counted = floor === "exempt" ? all : all.filter((p) => !exempt.has(p));
    const percent = percentOf(counted.map((p) => data[p]));
    if (floor === "exempt") {
      return { glob, floor, percent, files: counted.length, passed: true, message: `\`${glob}\` is exempt (${pct(percent)} over ${files(counted.length)}).` };
    }
    const passed = meets(percent, floor);
    const verb = passed ? "meets" : "misses";
    return {
      glob,
      floor,
      percent,
      files: counted.length,
      passed,
      message: `Coverage floor \`${glob}\` ${verb} ${floor}%: ${pct(percent)} over ${files(counted.length)}.`,
    };
  });
}
