/**
 * Reading `[tool.backend-ci]`: TOML parsing and validation, with errors that name the key as a user
 * writes it in pyproject.toml, the value and what is allowed.
 */
import { parse as parseToml } from "smol-toml";
import type { z } from "zod";

import { type BackendCiConfig as Schema, BackendCiConfig } from "./config.js";

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Where a value sits, as a user writes it in pyproject.toml. */
function keyPath(path: PropertyKey[]): string {
  // TOML quotes keys that are not bare: a glob such as "app/*.py" stays one readable key.
  return ["tool.backend-ci", ...path.map((k) => (/^[A-Za-z0-9_-]+$/.test(String(k)) ? String(k) : JSON.stringify(String(k))))].join(".");
}

function valueAt(root: unknown, path: PropertyKey[]): unknown {
  let v: unknown = root;
  for (const k of path) v = v && typeof v === "object" ? (v as Record<PropertyKey, unknown>)[k] : undefined;
  return v;
}

function describeIssue(issue: z.core.$ZodIssue, raw: unknown): string {
  if (issue.code === "unrecognized_keys") {
    const where = issue.path.length ? keyPath(issue.path) : "tool.backend-ci";
    return `${where}: unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")}; see the README's configuration table for the allowed keys`;
  }
  if (issue.code === "invalid_key") {
    const why = issue.issues.map((i) => i.message).join("; ");
    return `${keyPath(issue.path)}: the name "${String(issue.path.at(-1))}" is not allowed: ${why}`;
  }
  const value = valueAt(raw, issue.path);
  const shown = value === undefined ? "nothing" : JSON.stringify(value);
  return `${keyPath(issue.path)} = ${shown} is not allowed: ${issue.message}`;
}

/** Validates a parsed `[tool.backend-ci]` table; throws ConfigError listing every bad key. */
export function validateConfig(raw: unknown, file = "pyproject.toml"): Schema {
  const parsed = BackendCiConfig.safeParse(raw ?? {});
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((i) => `  - ${describeIssue(i, raw)}`);
  throw new ConfigError(`${file}: invalid [tool.backend-ci] configuration:\n${lines.join("\n")}`);
}

/** The `[tool.backend-ci]` table of pyproject.toml text, unvalidated; undefined when absent. */
export function backendCiTable(pyprojectText: string | undefined, file = "pyproject.toml"): Record<string, unknown> | undefined {
  if (pyprojectText === undefined) return undefined;
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(pyprojectText) as Record<string, unknown>;
  } catch (e) {
    throw new ConfigError(`${file}: not valid TOML: ${(e as Error).message}`);
  }
  const tool = doc.tool as Record<string, unknown> | undefined;
  return tool?.["backend-ci"] as Record<string, unknown> | undefined;
}

/** Reads `[tool.backend-ci]` from pyproject.toml text (absent file or table: all defaults). */
export function readConfig(pyprojectText: string | undefined, file = "pyproject.toml"): Schema {
  return validateConfig(backendCiTable(pyprojectText, file), file);
}
