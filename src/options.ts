/**
 * The arguments of the Dagger functions, validated before any engine query: a bad value names the
 * CLI flag, the value and what is allowed.
 */
import { z } from "zod";

import { ConfigError, DistMode, Workers } from "./core/config/config.js";

/** Arguments of pr-backend and lane, validated before any engine query. */
export const RunOptions = z.object({
  pythonVersion: z.string().regex(/^\d+\.\d+$/, 'expected a Python version such as "3.12"').default("3.12"),
  dockerfile: z.string().min(1).optional(),
  root: z.string().min(1).optional(),
  target: z.string().min(1).optional(),
  workers: z
    .string()
    .transform((s, ctx) => {
      const v = s === "auto" ? s : /^\d+$/.test(s) ? Number(s) : undefined;
      const ok = Workers.safeParse(v);
      if (!ok.success) {
        ctx.addIssue({ code: "custom", message: 'expected "auto" or a whole number from 0 to 256 (0 runs without xdist)' });
        return z.NEVER;
      }
      return ok.data;
    })
    .optional(),
  dist: z.string().pipe(DistMode).optional(),
  failUnder: z.number().min(0).max(100).optional(),
  cacheBuster: z.string().optional(),
  part: z.number().int().min(1).optional(),
  parts: z.number().int().min(1).optional(),
});
export type RunOptionsIn = z.input<typeof RunOptions>;
export type RunOptionsOut = z.output<typeof RunOptions>;

/** Validates function arguments; the error names the argument (as the CLI flag) and what is allowed. */
export function validateOptions(raw: RunOptionsIn): RunOptionsOut {
  const r = RunOptions.safeParse(raw);
  if (!r.success) {
    const flag = (k: PropertyKey) => "--" + String(k).replace(/[A-Z]/g, (m) => `-${m.toLowerCase()}`);
    const lines = r.error.issues.map((i) => `  - ${flag(i.path[0] ?? "?")} = ${JSON.stringify((raw as Record<string, unknown>)[String(i.path[0])])}: ${i.message}`);
    throw new ConfigError(`invalid arguments:\n${lines.join("\n")}`);
  }
  if ((r.data.part === undefined) !== (r.data.parts === undefined))
    throw new ConfigError("invalid arguments: --part and --parts go together (e.g. --part=1 --parts=3)");
  if (r.data.part !== undefined && r.data.part > r.data.parts!)
    throw new ConfigError(`invalid arguments: --part = ${r.data.part} is larger than --parts = ${r.data.parts}`);
  return r.data;
}
