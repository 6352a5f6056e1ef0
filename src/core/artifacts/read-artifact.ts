/**
 * The JSON files the helpers write (lane.json, combine.json) arrive as text or already parsed, and
 * may be missing or broken: read them into their schema or into one line saying what is wrong.
 */
import type { z } from "zod";

export type ArtifactRead<T> = { value: T; problem: null } | { value: null; problem: string };

/** `file` names the artifact in the problem: "lane.json: missing", "combine.json: total: ...". */
export function readArtifact<T>(schema: z.ZodType<T>, raw: unknown, file: string): ArtifactRead<T> {
  if (raw === undefined || raw === null) return { value: null, problem: `${file}: missing` };
  let data = raw;
  if (typeof raw === "string") {
    try {
      data = JSON.parse(raw);
    } catch (e) {
      return { value: null, problem: `${file}: not JSON (${(e as Error).message})` };
    }
  }
  const parsed = schema.safeParse(data);
  if (parsed.success) return { value: parsed.data, problem: null };
  const issue = parsed.error.issues[0];
  return { value: null, problem: `${file}: ${issue.path.join(".") || "root"}: ${issue.message}` };
}
