/**
 * A matrix part's plan.json as combine-parts reads it back: lane ids and report metadata only, each
 * validated (a forged id, a reserved directory, a rerun's id are named by field), never a path.
 */
import { z } from "zod";

import { LaneName, RESERVED_LANE_NAMES } from "../config/names.js";
import { laneOutputs } from "../plan/outputs.js";

/** The file pr-backend writes beside a part's lane directories; its directory is the part's. */
export const PLAN_FILE = "plan.json";

/** A lane id as the planner makes it: what `laneOutputs` accepts, no reserved directory, no rerun suffix. */
export const LaneId = z.string().superRefine((id, ctx) => {
  const shown = JSON.stringify(id.length > 60 ? `${id.slice(0, 60)}…` : id);
  try {
    laneOutputs({ reports: "" }, id);
  } catch {
    ctx.addIssue({
      code: "custom",
      message: `${shown}${id.length > 60 ? ` (${id.length} characters)` : ""} is not a lane id: ids are lower-case letters, digits, _, + and -, start with a letter or digit, and are at most 200 characters`,
    });
    return;
  }
  if ((RESERVED_LANE_NAMES as readonly string[]).includes(id))
    ctx.addIssue({ code: "custom", message: `${shown} is a directory of the reports, never a lane id` });
  if (/-rerun[0-9]+$/.test(id)) ctx.addIssue({ code: "custom", message: `${shown} is the id of a rerun, never of a planned lane` });
});

/** The fields of a planned lane that combine-parts reads back: what the report needs, nothing else. */
export const PlannedLane = z.object({
  id: LaneId,
  lane: LaneName,
  shard: z
    .object({ index: z.number().int().min(1), count: z.number().int().min(1), key: z.string().max(300) })
    .refine((s) => s.index <= s.count, "a shard's index is at most its count")
    .optional(),
  mode: z.enum(["parallel", "serial"]),
  failOnEmpty: z.boolean(),
});
export type PlannedLane = z.infer<typeof PlannedLane>;

export const PartNumbers = z.object({ part: z.number().int().min(1).optional(), parts: z.number().int().min(1).optional() });

/** When the part asked the engine for each lane run (run id -> ISO 8601): tells the runs its cache served. */
const Requested = z.record(z.string().max(300), z.iso.datetime()).default({});

export const PlanFile = PartNumbers.extend({ lanes: z.array(PlannedLane), requested: Requested }).superRefine((plan, ctx) => {
  if ((plan.part === undefined) !== (plan.parts === undefined))
    ctx.addIssue({ code: "custom", path: ["parts"], message: "part and parts come together or not at all" });
  if (plan.part !== undefined && plan.parts !== undefined && plan.part > plan.parts)
    ctx.addIssue({ code: "custom", path: ["part"], message: `part ${plan.part} is more than parts (${plan.parts})` });
  const seen = new Set<string>();
  plan.lanes.forEach((l, i) => {
    if (seen.has(l.id)) ctx.addIssue({ code: "custom", path: ["lanes", i, "id"], message: `"${l.id}" is planned twice in this file` });
    seen.add(l.id);
  });
});

