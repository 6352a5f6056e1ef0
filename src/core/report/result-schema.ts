/** result.json's JSON Schema, derived from its zod schema: the one definition of its shape. */
import { z } from "zod";

import { ResultSchema } from "./result.js";

export function resultJsonSchema(): string {
  return `${JSON.stringify(z.toJSONSchema(ResultSchema, { target: "draft-2020-12" }), null, 2)}\n`;
}
