/**
 * The recorded graph: calls, chains and object references, and pure readers over a chain.
 * A chain is the list of calls from the root query to an object, exactly as the SDK sent it,
 * with every id argument replaced by a reference to the chain it stands for.
 */
import { createHash } from "node:crypto";

export type Args = Readonly<Record<string, unknown>>;

/** One field selected on the way from the root to an object. */
export interface Call {
  readonly field: string;
  /** Arguments after coercion (schema defaults filled in); id arguments are `ObjectRef`s. */
  readonly args: Args;
  /** The named type this call yields (e.g. "Container"). */
  readonly type: string;
}

export type Chain = readonly Call[];

/** An object passed by id as an argument: its id, its type and the chain it stands for. */
export class ObjectRef {
  constructor(
    readonly id: string,
    readonly type: string,
    readonly chain: Chain,
  ) {}
  toString(): string {
    return describeChain(this.chain);
  }
}

/** Stable JSON: sorted keys, references by id. Identical chains give identical text. */
export function canonical(value: unknown): string {
  if (value instanceof ObjectRef) return JSON.stringify({ $id: value.id });
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value ?? null);
}

/** Content address of a chain: `<Type>:<digest>`, opaque to the SDK, readable in failures. */
export function idOf(type: string, chain: Chain): string {
  const digest = createHash("sha256")
    .update(chain.map((c) => `${c.field}${canonical(c.args)}`).join("."))
    .digest("hex");
  return `${type}:${digest.slice(0, 32)}`;
}

/** `container.from("python:3.12").withExec(["pytest"])`, for messages. */
export function describeChain(chain: Chain): string {
  const parts = chain.map((c) => {
    const shown = Object.entries(c.args)
      .filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0) && v !== false && v !== "")
      .map(([k, v]) => `${k}: ${v instanceof ObjectRef ? `<${v.type}>` : JSON.stringify(v)}`);
    return shown.length ? `${c.field}(${shown.join(", ")})` : c.field;
  });
  return parts.join(".");
}

export function callsOf(chain: Chain, field: string): Call[] {
  return chain.filter((c) => c.field === field);
}

/** The image of the last `from` in the chain. */
export function imageOf(chain: Chain): string | undefined {
  return callsOf(chain, "from").at(-1)?.args.address as string | undefined;
}

/** The argv of every `withExec`, in order. */
export function execsOf(chain: Chain): string[][] {
  return callsOf(chain, "withExec").map((c) => c.args.args as string[]);
}

/** Environment after applying withEnvVariable / withoutEnvVariable in order (values unexpanded). */
export function envOf(chain: Chain): Record<string, string> {
  const env: Record<string, string> = {};
  for (const c of chain) {
    if (c.field === "withEnvVariable") env[c.args.name as string] = c.args.value as string;
    if (c.field === "withoutEnvVariable") delete env[c.args.name as string];
  }
  return env;
}

/** Secret variables: name -> the secret's reference. */
export function secretsOf(chain: Chain): Record<string, ObjectRef> {
  const secrets: Record<string, ObjectRef> = {};
  for (const c of chain) {
    if (c.field === "withSecretVariable") secrets[c.args.name as string] = c.args.secret as ObjectRef;
    if (c.field === "withoutSecretVariable") delete secrets[c.args.name as string];
  }
  return secrets;
}

/** The plaintext a secret was made from (`setSecret`), or undefined for a secret made otherwise. */
export function plaintextOf(secret: ObjectRef): string | undefined {
  const made = secret.chain.find((c) => c.field === "setSecret");
  return made?.args.plaintext as string | undefined;
}

/** Secret variables with the plaintext each was made from: name -> plaintext. */
export function secretValuesOf(chain: Chain): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(secretsOf(chain)).map(([k, ref]) => [k, plaintextOf(ref)]));
}

/** Service bindings: alias -> the bound service's reference (its chain ends in `asService`). */
export function bindingsOf(chain: Chain): Record<string, ObjectRef> {
  const bindings: Record<string, ObjectRef> = {};
  for (const c of callsOf(chain, "withServiceBinding")) bindings[c.args.alias as string] = c.args.service as ObjectRef;
  return bindings;
}

/** Working directory after every withWorkdir / withoutWorkdir. */
export function workdirOf(chain: Chain): string {
  let workdir = "/";
  for (const c of chain) {
    if (c.field === "withWorkdir") workdir = resolvePath(workdir, c.args.path as string);
    if (c.field === "withoutWorkdir") workdir = "/";
  }
  return workdir;
}

export interface Placement {
  /** The call that put something at `path` (withDirectory, withMountedCache, withNewFile, ...). */
  readonly field: string;
  readonly path: string;
  /** What was placed, when it is an object (Directory, File, CacheVolume, Secret). */
  readonly source?: ObjectRef;
  readonly args: Args;
}

const PLACING = new Set([
  "withDirectory",
  "withFile",
  "withFiles",
  "withNewFile",
  "withMountedDirectory",
  "withMountedFile",
  "withMountedCache",
  "withMountedSecret",
  "withMountedTemp",
  "withMountedVolume",
]);

/** Everything copied or mounted into the chain's filesystem, in order, with absolute paths. */
export function placementsOf(chain: Chain): Placement[] {
  const out: Placement[] = [];
  let workdir = "/";
  for (const c of chain) {
    if (c.field === "withWorkdir") workdir = resolvePath(workdir, c.args.path as string);
    if (!PLACING.has(c.field)) continue;
    const source = [c.args.source, c.args.cache, c.args.volume].find((v) => v instanceof ObjectRef) as
      | ObjectRef
      | undefined;
    out.push({ field: c.field, path: resolvePath(workdir, c.args.path as string), source, args: c.args });
  }
  return out;
}

/** Mounts only (withMounted*): path -> placement. */
export function mountsOf(chain: Chain): Record<string, Placement> {
  const mounts: Record<string, Placement> = {};
  for (const p of placementsOf(chain)) if (p.field.startsWith("withMounted")) mounts[p.path] = p;
  for (const c of callsOf(chain, "withoutMount")) delete mounts[c.args.path as string];
  return mounts;
}

/** The longest prefix of the chain that yields `type` (e.g. the container a directory was taken from). */
export function prefixOfType(chain: Chain, type: string): Chain | undefined {
  for (let i = chain.length - 1; i >= 0; i--) if (chain[i]!.type === type) return chain.slice(0, i + 1);
  return undefined;
}

export function resolvePath(base: string, path: string): string {
  const joined = path.startsWith("/") ? path : `${base}/${path}`;
  const parts: string[] = [];
  for (const part of joined.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  return `/${parts.join("/")}`;
}
