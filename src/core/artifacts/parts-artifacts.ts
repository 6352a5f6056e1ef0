/**
 * combine-parts' reading of a CI matrix's downloaded artifacts: which parts are there and, for every
 * lane a part planned, the files that part exported for it. Artifacts are data, never code or paths:
 * - a lane's files are taken only from `<directory holding its part's plan.json>/<lane id>/`, and a
 *   lane two parts claim is read from neither;
 * - a plan.json gives lane ids and report metadata only; where a file goes in the combine container is
 *   rebuilt from the module's layout and the validated id (`laneOutputs`), never read from it;
 * - links and special files are never followed or read, and files are size-checked before reading;
 * - anything unexpected is one sentence naming the file, the field and the fix, and turns the run red.
 * The Dagger layer and the host harness feed the same function: a listing and a reader.
 */
import { laneOutputs } from "../plan/outputs.js";
import { type PartStamp, missingParts } from "../plan/parts.js";
import { PartNumbers, PLAN_FILE, PlanFile, type PlannedLane } from "./plan-file.js";

export { PLAN_FILE, type PlannedLane } from "./plan-file.js";

/** What a listed path is, read without following links. */
export type EntryKind = "file" | "dir" | "symlink" | "other";

export interface ArtifactEntry {
  /** Relative to the artifacts directory, `/`-separated, no leading or trailing `/`. */
  path: string;
  kind: EntryKind;
}

/** Reads regular files the listing named; never asked about anything else. */
export interface ArtifactReader {
  size(path: string): Promise<number>;
  read(path: string): Promise<string>;
}

const MiB = 1024 * 1024;

/** The most combine-parts reads of each file; the engine refuses contents above 128 MiB anyway. */
export const READ_LIMITS = { [PLAN_FILE]: 64 * MiB, "lane.json": 8 * MiB, "junit.xml": 100 * MiB } as const;
type Readable = keyof typeof READ_LIMITS;

/** A rerun directory's suffix: `-rerun<N>`, N a whole number without leading zeros. */
const RERUN = /^-rerun([1-9][0-9]{0,2})$/;

/** One run of a lane as read from the artifacts; a missing or refused file is undefined. */
export interface RunFiles {
  record?: string;
  junit?: string;
  /** When the part asked for this run (its plan.json's `requested`). */
  requestedAt?: string;
}

/** A planned lane and what its part exported for it; shaped like the report's `LaneArtifacts`. */
export interface DiscoveredLane {
  plan: PlannedLane;
  /** The lane's directory in the artifacts, when exactly one part claims the lane. */
  dir?: string;
  first: RunFiles;
  reruns: (RunFiles & { id: string })[];
  /** Artifact path of the lane's coverage data file, when it exported one as a regular file. */
  coverage?: string;
  /** The matrix part that ran the lane: each part ran its own serial chain. */
  part?: number;
}

export interface PartsDiscovery {
  /** Every plan.json that was read and valid. */
  plans: { path: string; part?: number; parts?: number }[];
  /** Every lane a valid plan.json planned, once, in the order the parts planned them. */
  lanes: DiscoveredLane[];
  /** Every problem, one sentence each; any problem turns the run red. */
  problems: string[];
  /** Links and special files: never read, and left out of any copy of the artifacts. */
  refused: string[];
}

const code = (s: string) => `\`${s}\``;
const list = (items: readonly string[]) => items.map(code).join(", ");
const join = (dir: string, name: string) => (dir === "" ? name : `${dir}/${name}`);
const dirOf = (path: string) => (path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : "");
const baseOf = (path: string) => path.slice(path.lastIndexOf("/") + 1);
/** `reports-part-1/` for messages; the artifacts root itself reads as `./`. */
const shownDir = (dir: string) => (dir === "" ? "./" : `${dir}/`);

/** `lanes[2].shard.index` from a zod issue path. */
function fieldOf(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : `${i === 0 ? "" : "."}${String(p)}`)).join("") || "(the whole file)";
}

interface RunFileNames {
  record: string;
  junit: string;
  coverage?: string;
}

/** The names of a planned lane's files inside its directory, from the one definition of where lanes write. */
function laneFileNames(id: string): Required<RunFileNames> {
  const { reportDir, outputs } = laneOutputs({ reports: "" }, id);
  const name = (p: string) => p.slice(reportDir.length + 1);
  return { record: name(outputs.record), junit: name(outputs.junit), coverage: name(outputs.coverage) };
}

type PlanRead =
  | { ok: true; path: string; dir: string; part?: number; parts?: number; lanes: PlannedLane[]; requested: Record<string, string> }
  | { ok: false; path: string; dir: string; part?: number; parts?: number; problem: string };

/** Reads the listing, the plan files and each planned lane's files; see the file's comment for the rules. */
export async function discoverParts(entries: readonly ArtifactEntry[], reader: ArtifactReader): Promise<PartsDiscovery> {
  const kinds = new Map(entries.map((e) => [e.path.replace(/^\/+|\/+$/g, ""), e.kind] as const));
  const paths = [...kinds.keys()].sort();
  const planPaths = paths.filter((p) => baseOf(p) === PLAN_FILE);
  if (planPaths.length === 0)
    throw new Error("artifacts: no plan.json found; pass the directory holding every part's exported reports (each part's reports directory has a plan.json)");

  const problems: string[] = [];
  const refused = paths.filter((p) => kinds.get(p) === "symlink" || kinds.get(p) === "other");
  for (const p of refused)
    problems.push(
      kinds.get(p) === "symlink"
        ? `${code(p)} is a symbolic link: combine-parts reads artifacts as regular files and never follows a link, which could point at another part's files or outside the artifacts; upload the file itself.`
        : `${code(p)} is not a regular file (a device, socket or pipe): combine-parts reads regular files only; remove it from the artifacts.`,
    );
  /** Paths that were read or deliberately left alone, so they are not named as stray. */
  const accounted = new Set<string>();

  /** Reads a regular file within its size limit; a problem goes to `sink`, so concurrent reads keep their order. */
  async function readText(path: string, as: Readable, sink: string[]): Promise<string | undefined> {
    if (kinds.get(path) !== "file") return undefined;
    accounted.add(path);
    try {
      const size = await reader.size(path);
      if (size > READ_LIMITS[as]) {
        sink.push(
          `${code(path)} is ${(size / MiB).toFixed(1)} MiB, more than the ${READ_LIMITS[as] / MiB} MiB combine-parts reads of a ${as}, so it was not read; no part writes one this large: check what produced it.`,
        );
        return undefined;
      }
      return await reader.read(path);
    } catch (e) {
      sink.push(`${code(path)} could not be read (${(e as Error).message}); download that part's reports again.`);
      return undefined;
    }
  }

  /** Names of the sub-directories of `dir` that hold anything, from the listing alone. */
  const childDirs = (dir: string): string[] => {
    const prefix = dir === "" ? "" : `${dir}/`;
    const names = new Set<string>();
    for (const p of paths) if (p.startsWith(prefix) && p.slice(prefix.length).includes("/")) names.add(p.slice(prefix.length).split("/")[0]);
    return [...names].sort();
  };
  const under = (dir: string) => paths.filter((p) => p.startsWith(`${dir}/`));

  async function readPlan(path: string): Promise<PlanRead> {
    const dir = dirOf(path);
    const bad = (problem: string, stamp: { part?: number; parts?: number } = {}): PlanRead => ({ ok: false, path, dir, problem, ...stamp });
    if (kinds.get(path) !== "file") return bad(`${code(path)} is not a regular file, so its part is unknown.`);
    const unread: string[] = [];
    const text = await readText(path, PLAN_FILE, unread);
    if (text === undefined) return bad(`${unread.join(" ")} Its part is unknown.`);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      return bad(`${code(path)} is not valid JSON (${(e as Error).message}): it is truncated or not a plan.json pr-backend wrote; download that part's reports again or re-run its job.`);
    }
    const parsed = PlanFile.safeParse(json);
    if (parsed.success) return { ok: true, path, dir, part: parsed.data.part, parts: parsed.data.parts, lanes: parsed.data.lanes, requested: parsed.data.requested };
    const issue = parsed.error.issues[0];
    const others = parsed.error.issues.length - 1;
    const more = others > 0 ? ` (and ${others} more problem${others === 1 ? "" : "s"})` : "";
    // The part number still counts when it is readable, so the part is not also named as absent.
    const stamp = PartNumbers.safeParse(json);
    return bad(
      `${code(path)}, field ${code(fieldOf(issue.path))}: ${issue.message}${more}; this is not a plan.json pr-backend wrote: download that part's reports again or re-run its job.`,
      stamp.success ? stamp.data : {},
    );
  }

  const plans = await Promise.all(planPaths.map(readPlan));
  const planDirs = new Set(plans.map((p) => p.dir));
  for (const plan of plans.filter((p): p is Extract<PlanRead, { ok: false }> => !p.ok)) {
    // A part whose plan cannot be trusted contributes nothing; its lane directories are named.
    const laneDirs = childDirs(plan.dir).filter((d) => kinds.get(join(join(plan.dir, d), "lane.json")) !== undefined);
    for (const d of laneDirs) for (const p of under(join(plan.dir, d))) accounted.add(p);
    const lost = laneDirs.length > 0 ? ` Its lanes are missing from this result (directories beside it: ${list(laneDirs)}).` : " Its lanes are missing from this result.";
    problems.push(`${plan.problem}${lost}`);
  }
  const good = plans.filter((p): p is Extract<PlanRead, { ok: true }> => p.ok).sort((a, b) => (a.part ?? 0) - (b.part ?? 0) || a.path.localeCompare(b.path));

  const claims = new Map<string, { plan: typeof good[number]; lane: PlannedLane }[]>();
  for (const plan of good) for (const lane of plan.lanes) claims.set(lane.id, [...(claims.get(lane.id) ?? []), { plan, lane }]);

  /** A run's files; anything else in its directory (coverage fragments, logs) is left alone. */
  async function readRun(dir: string, names: RunFileNames, sink: string[]): Promise<RunFiles & { coverage?: string }> {
    for (const p of under(dir)) accounted.add(p);
    const [record, junit] = await Promise.all([readText(join(dir, names.record), "lane.json", sink), readText(join(dir, names.junit), "junit.xml", sink)]);
    const covPath = names.coverage === undefined ? undefined : join(dir, names.coverage);
    return { record, junit, coverage: covPath !== undefined && kinds.get(covPath) === "file" ? covPath : undefined };
  }

  /** A lane's reruns, beside it in its part's directory; they measure no coverage, and name their files like the lane. */
  async function reruns(partDir: string, id: string, names: RunFileNames, sink: string[]): Promise<(RunFiles & { id: string })[]> {
    const found = childDirs(partDir)
      .filter((d) => d.startsWith(id) && RERUN.test(d.slice(id.length)))
      .map((d) => ({ id: d, n: Number(RERUN.exec(d.slice(id.length))![1]) }))
      .sort((a, b) => a.n - b.n);
    const contiguous = found.filter((r, i) => r.n === i + 1);
    if (contiguous.length < found.length) {
      const first = found.find((r, i) => r.n !== i + 1)!;
      sink.push(
        `Lane ${code(id)} has rerun directories ${list(found.map((r) => join(partDir, r.id)))} but no ${code(`${id}-rerun${contiguous.length + 1}`)}: a rerun's reports are missing, so reruns from ${code(first.id)} on were not read; download that part's reports again.`,
      );
      for (const r of found.slice(contiguous.length)) for (const p of under(join(partDir, r.id))) accounted.add(p);
    }
    const sinks = contiguous.map((): string[] => []);
    const runs = await Promise.all(
      contiguous.map(async (r, i) => {
        const { record, junit } = await readRun(join(partDir, r.id), { record: names.record, junit: names.junit }, sinks[i]);
        return { id: r.id, record, junit };
      }),
    );
    sink.push(...sinks.flat());
    return runs;
  }

  const laneSinks = [...claims.keys()].map((): string[] => []);
  const lanes = await Promise.all(
    [...claims.entries()].map(async ([id, by], i): Promise<DiscoveredLane> => {
      const plan = by[0].lane;
      const sink = laneSinks[i];
      if (by.length > 1) {
        const dirs = by.map((c) => join(c.plan.dir, id));
        for (const c of by) for (const p of paths.filter((p) => childOf(p, c.plan.dir, id))) accounted.add(p);
        sink.push(
          `Lane ${code(id)} is planned by ${by.length} plan files (${list(by.map((c) => c.plan.path))}), so neither copy of its files (${list(dirs.map((d) => `${d}/`))}) was read: either could be the real one; download each part's reports once.`,
        );
        return { plan, first: {}, reruns: [] };
      }
      const partDir = by[0].plan.dir;
      const dir = join(partDir, id);
      const [own, again] = [[], []] as string[][];
      const names = laneFileNames(id);
      const [first, rerunFiles] = await Promise.all([readRun(dir, names, own), reruns(partDir, id, names, again)]);
      sink.push(...own, ...again);
      // When the part asked for each run, where its plan.json says (older parts' plans do not).
      const asked = (runId: string) => (by[0].plan.requested[runId] ? { requestedAt: by[0].plan.requested[runId] } : {});
      return {
        plan,
        dir,
        ...(by[0].plan.part !== undefined ? { part: by[0].plan.part } : {}),
        first: { record: first.record, junit: first.junit, ...asked(id) },
        reruns: rerunFiles.map((r) => ({ ...r, ...asked(r.id) })),
        ...(first.coverage ? { coverage: first.coverage } : {}),
      };
    }),
  );
  problems.push(...laneSinks.flat());

  const goodDirs = new Set(good.map((p) => p.dir));
  // Lane-like files nobody accounted for: read from nowhere, and named so a wrong download is seen.
  for (const p of paths) {
    if (accounted.has(p) || kinds.get(p) !== "file") continue;
    const name = baseOf(p);
    const laneLike = name === "lane.json" || name.startsWith(".coverage.") || (name === "junit.xml" && !planDirs.has(dirOf(p)));
    if (!laneLike) continue;
    const parent = dirOf(p);
    const inPart = parent !== "" && goodDirs.has(dirOf(parent)) ? ` ${code(shownDir(dirOf(parent)))} holds a part, but its plan.json plans no lane ${code(baseOf(parent))}.` : "";
    problems.push(
      `${code(p)} is not where a part exports a lane's files (\`<directory of the part's plan.json>/<planned lane id>/\`), so it was not read.${inPart} Download only the parts' reports into the artifacts directory.`,
    );
  }

  const stamps: PartStamp[] = plans.filter((p) => p.ok || (p.part !== undefined && p.parts !== undefined)).map((p) => ({ path: p.path, part: p.part, parts: p.parts }));
  if (stamps.length > 0) problems.push(...missingParts(stamps));
  return { plans: good.map((p) => ({ path: p.path, part: p.part, parts: p.parts })), lanes, problems, refused };
}

/** `path` is inside the lane directory `<dir>/<id>` or one of its rerun directories. */
function childOf(path: string, dir: string, id: string): boolean {
  const rel = dir === "" ? path : path.startsWith(`${dir}/`) ? path.slice(dir.length + 1) : undefined;
  if (rel === undefined) return false;
  const first = rel.split("/")[0];
  return rel.includes("/") && (first === id || (first.startsWith(id) && RERUN.test(first.slice(id.length))));
}
