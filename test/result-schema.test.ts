/** The published JSON Schema of result.json is the one its zod schema generates. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";

import { resultJsonSchema } from "../src/core/report/result-schema.js";
import { REPO } from "./harness/run.js";

it("docs/result.schema.json is up to date (regenerate with npm run result-schema)", () => {
  expect(readFileSync(join(REPO, "docs/result.schema.json"), "utf8")).toBe(resultJsonSchema());
  expect(JSON.parse(resultJsonSchema()).required).toEqual(expect.arrayContaining(["ok", "reasons", "lanes", "coverage", "timings"]));
});
