/**
 * The names a config may use: environment variables a lane or service sets, lane names, service
 * names. Each rule exists because something downstream would break silently without it.
 */
import { z } from "zod";

/**
 * Variables the lanes' own machinery owns: a config that sets them would break the runner, the
 * plugin or coverage (`PYTHONPATH` is extended, never replaced: see a lane's `env`).
 */
const RESERVED_EXACT = new Set(["PATH", "HOME", "PYTHONPATH"]);
const RESERVED_PREFIXES = ["COVERAGE_", "BACKEND_CI_", "PYTEST_"];

export function reservedEnvName(name: string): string | null {
  if (RESERVED_EXACT.has(name)) return `${name} is set by backend-ci itself`;
  const prefix = RESERVED_PREFIXES.find((p) => name.startsWith(p));
  return prefix ? `names starting with ${prefix} are reserved for backend-ci, coverage and pytest` : null;
}

/** An environment variable name a service or the isolation plugin sets. */
export const EnvName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name")
  .superRefine((name, ctx) => {
    const why = reservedEnvName(name);
    if (why) ctx.addIssue({ code: "custom", message: `is reserved: ${why}; pick another name` });
  });

/** A lane's own `env` key: any variable name except the reserved ones; PYTHONPATH is allowed (appended to the helpers'). */
export const LaneEnvName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name")
  .superRefine((name, ctx) => {
    if (name === "PYTHONPATH") return;
    const why = reservedEnvName(name);
    if (why) ctx.addIssue({ code: "custom", message: `is reserved: ${why}; pick another name` });
  });

/**
 * The longest lane name. Ids grow from it (`<lane>-<service set>-<k>of<n>-rerun<N>`) and become file
 * names (`.coverage.<id>`, at most 255 bytes), so the name leaves room for the generated parts.
 */
export const MAX_LANE_NAME = 64;

/** Directory names under the reports directory that are not lanes. */
export const RESERVED_LANE_NAMES = ["combined", "collect", "parts"] as const;

/**
 * Suffixes the planner appends to make ids: a name ending in one would collide with a generated id
 * (`x-1of2` beside lane `x` with `shards = 2`) and its results would be read as the other's.
 */
const GENERATED = [
  { re: /-\d+of\d+$/, what: "`-<k>of<n>` (the shards of a lane)" },
  { re: /-rerun\d+$/, what: "`-rerun<N>` (the flaky reruns of a lane)" },
  { re: /-no-services$/, what: "`-no-services` (a lane's tests that need no service, under shard_by = \"services\")" },
];

export const LaneName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]*$/, "lane names are lower-case letters, digits, - and _")
  .max(MAX_LANE_NAME, `lane names are at most ${MAX_LANE_NAME} characters`)
  .superRefine((name, ctx) => {
    if ((RESERVED_LANE_NAMES as readonly string[]).includes(name))
      ctx.addIssue({ code: "custom", message: `"${name}" is a directory of the reports, not a lane; rename the lane` });
    for (const g of GENERATED)
      if (g.re.test(name)) ctx.addIssue({ code: "custom", message: `ends like an id backend-ci generates, ${g.what}; rename the lane` });
  });

/** A user-defined service: its name is its alias inside lanes (a hostname) and part of shard ids (`<lane>-<services>`). */
export const CustomServiceName = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,30}$/, "service names are lower-case letters, digits and -, starting with a letter, at most 31 characters")
  .refine((name) => !/^(?:rerun\d+|\d+of\d+|no-services)$|-rerun\d+$|-\d+of\d+$/.test(name), "looks like a part of an id backend-ci generates (-rerunN, -KofN, -no-services); rename the service");

/** A glob or node id that must select something: empty or blank patterns are refused. */
export const Pattern = z
  .string()
  .min(1, "must not be empty")
  .refine((s) => s.trim() !== "", "must not be blank");
