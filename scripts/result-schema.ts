/**
 * Writes docs/result.schema.json: result.json's JSON Schema, generated from its zod schema
 * (ResultSchema in src/core/report/result.ts), for tools that read result.json outside TypeScript.
 * `npm run result-schema`; test/result-schema.test.ts fails when the committed file is stale.
 */
import { writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import { resultJsonSchema } from "../src/core/report/result-schema.js";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "..");
writeFileSync(join(repo, "docs/result.schema.json"), resultJsonSchema());
