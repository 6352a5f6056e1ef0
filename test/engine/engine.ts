/**
 * A stand-in Dagger engine: the GraphQL endpoint that @dagger.io/dagger 0.21.9 talks to through
 * DAGGER_SESSION_PORT / DAGGER_SESSION_TOKEN. It validates every query against the engine schema,
 * gives each object a content address derived from its call chain, records the graph, and answers
 * leaves from scripts or from a small model (execs with scripted outcomes, files they wrote).
 */
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { basename, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { connection } from "@dagger.io/dagger";
import {
  buildSchema,
  execute,
  getNamedType,
  GraphQLError,
  isAbstractType,
  isCompositeType,
  isEnumType,
  isListType,
  isNonNullType,
  isScalarType,
  parse,
  validate,
  type DocumentNode,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLOutputType,
  type GraphQLResolveInfo,
  type GraphQLSchema,
} from "graphql";
import { ExecFailure, ProtocolError, ServiceFailure, type ServiceOutcome } from "./errors.js";
import { EMPTY_TREE, entries, exists, graft, subtree, withFile, without, type Tree } from "./fs.js";
import {
  bindingsOf,
  canonical,
  describeChain,
  envOf,
  execsOf,
  idOf,
  imageOf,
  ObjectRef,
  placementsOf,
  prefixOfType,
  resolvePath,
  workdirOf,
  type Args,
  type Call,
  type Chain,
} from "./graph.js";

const DEFAULT_SCHEMA = resolve(dirname(fileURLToPath(import.meta.url)), "../fixtures/schema.graphql");

/** An object the engine handed out: its content address, its type, the chain it stands for. */
export interface EngineObject {
  readonly id: string;
  readonly type: string;
  readonly chain: Chain;
  /** The object this one was selected on (absent for the root Query). */
  readonly parent?: string;
}

type Status = "pending" | "ok" | "error";

/** One leaf the SDK asked for (one POST, except when a query selects several leaves). */
export interface LeafRequest {
  readonly seq: number;
  /** The leaf field: stdout, exitCode, sync, contents, entries, export, id, ... */
  readonly field: string;
  readonly args: Args;
  /** Type and id of the object the leaf was asked on, and that object's chain. */
  readonly parentType: string;
  readonly parentId: string;
  readonly chain: Chain;
  /** argv of every withExec in `chain`, for matchers. */
  readonly execs: string[][];
  readonly query: string;
  readonly startedAt: number;
  endedAt?: number;
  status: Status;
  result?: unknown;
  error?: unknown;
}

export interface ExecOutcome {
  exitCode?: number;
  stdout?: string;
  stderr?: string;
  /** Files the exec writes: path (absolute, or relative to the workdir) -> contents. */
  files?: Record<string, string>;
}

export interface ExecResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** One withExec the model ran (once per content address, like the engine's cache). */
export interface ExecRecord {
  readonly seq: number;
  /** Id of the container the withExec yields. */
  readonly id: string;
  readonly argv: string[];
  /** All withExec arguments, coerced: expect, useEntrypoint, redirectStdout, ... */
  readonly args: Args;
  readonly chain: Chain;
  readonly image: string | undefined;
  readonly env: Record<string, string>;
  readonly workdir: string;
  readonly startedAt: number;
  endedAt?: number;
  status: Status;
  result?: ExecResult;
}

export type Matcher<R> = (request: R) => boolean;
export type Responder = (request: LeafRequest, next: () => Promise<unknown>) => unknown;
export type ExecScript = ExecOutcome | ((exec: ExecRecord) => ExecOutcome | Promise<ExecOutcome>);

export interface RequestRecord {
  readonly query: string;
  readonly at: number;
  status?: number;
  errors?: readonly string[];
}

export interface ValidationFailure {
  readonly query: string;
  readonly errors: readonly string[];
}

/** A container the graph used (ran a leaf on, bound as a service, or copied from). */
export interface ContainerUse {
  readonly id: string;
  readonly chain: Chain;
  readonly image: string | undefined;
  readonly execs: string[][];
  readonly env: Record<string, string>;
  readonly bindings: Record<string, ObjectRef>;
  readonly workdir: string;
}

/**
 * The arguments of one distinct call, as the engine's log shows them: `--progress=plain` prints each
 * call once (by its content address), with every argument in full.
 */
export interface ArgumentRecord {
  /** The object the call yields, or `<parent id>.<leaf>(<args>)` for a leaf. */
  readonly key: string;
  readonly field: string;
  readonly parentType: string;
  /** UTF-8 bytes of the arguments as sent (JSON of the literal values; ids as the strings sent). */
  readonly bytes: number;
  /** The largest single argument: its name and size. */
  readonly largest: { readonly name: string; readonly bytes: number } | null;
}

/** A service a container binds, when the container's exec starts it. */
export interface ServiceUse {
  readonly alias: string;
  /** The service's own chain (ends in `asService`). */
  readonly chain: Chain;
  readonly image: string | undefined;
  readonly env: Record<string, string>;
  /** The exec whose container binds it. */
  readonly exec: ExecRecord;
}

/** A path taken out of a container or directory: by a leaf (contents, entries) or as an argument. */
export interface PathRead {
  readonly kind: "directory" | "file";
  /** Absolute path inside `from`. */
  readonly path: string;
  readonly from: Chain;
  readonly fromType: string;
  readonly image: string | undefined;
  /** The leaf asked on it ("contents", "entries", ...) or the call it fed ("withDirectory"). */
  readonly usedBy: string;
}

/** Holds matching requests until released. */
export class Gate<R> {
  readonly waiting: R[] = [];
  private released = false;
  private open!: () => void;
  private readonly opened = new Promise<void>((r) => (this.open = r));

  constructor(
    readonly matcher: Matcher<R>,
    private readonly notify: () => void,
    private readonly waitFor: <T>(ready: () => T | undefined, what: string, timeoutMs?: number) => Promise<T>,
  ) {}

  get active(): boolean {
    return !this.released;
  }

  async block(request: R): Promise<void> {
    this.waiting.push(request);
    this.notify();
    await this.opened;
  }

  /** Resolves once `n` requests are held here. */
  reached(n = 1, timeoutMs?: number): Promise<R[]> {
    return this.waitFor(() => (this.waiting.length >= n ? [...this.waiting] : undefined), `${n} held request(s)`, timeoutMs);
  }

  release(): void {
    this.released = true;
    this.open();
  }
}

interface State {
  readonly tree: Tree;
  readonly workdir: string;
  readonly exec?: ExecResult;
  readonly file?: { readonly path: string; readonly contents: string | undefined };
  /** The fields of a plain result object (a SearchResult), answered as its leaves. */
  readonly value?: Readonly<Record<string, unknown>>;
}

const ROOT_STATE: State = { tree: EMPTY_TREE, workdir: "/" };

/** Leaves that read configuration only; everything else forces the chain's execs, like the engine. */
const LAZY_LEAVES = new Set([
  "id",
  "envVariable",
  "workdir",
  "user",
  "entrypoint",
  "defaultArgs",
  "label",
  "platform",
  "hostname",
  "endpoint",
  "mounts",
  "version",
  "defaultPlatform",
]);

export interface StartOptions {
  /** Schema file; defaults to test/fixtures/schema.graphql. */
  schemaPath?: string;
  /** Point the SDK's global `dag` at this engine until close() (default true). */
  connectDag?: boolean;
  /** Reading a file no call wrote fails like the engine ("no such file"), instead of reading "". */
  strictFiles?: boolean;
  /** Milliseconds the wait helpers wait before failing (default 5000). */
  waitTimeoutMs?: number;
  /**
   * The module's working directory, which `currentModule.workdir(path)` reads real files from
   * (default: the process's cwd at the time of the call, like the module runtime's own).
   */
  moduleWorkdir?: string;
}

const schemaCache = new Map<string, GraphQLSchema>();

function loadSchema(path: string): GraphQLSchema {
  let schema = schemaCache.get(path);
  if (!schema) {
    schema = buildSchema(readFileSync(path, "utf8"));
    schemaCache.set(path, schema);
  }
  return schema;
}

function isIdScalar(arg: GraphQLArgument): boolean {
  const named = getNamedType(arg.type);
  return isScalarType(named) && (named.name === "ID" || /^[A-Z]\w*ID$/.test(named.name));
}

/** The object type an id argument must name: @expectedType, or the legacy `<T>ID` scalar's T. */
function expectedTypeOf(node: { astNode?: { directives?: readonly any[] | undefined } | null | undefined }, scalar?: string): string | undefined {
  const directive = node.astNode?.directives?.find((d) => d.name.value === "expectedType");
  const name = directive?.arguments?.find((a: any) => a.name.value === "name")?.value;
  if (name?.kind === "StringValue") return name.value as string;
  if (scalar && scalar !== "ID") return scalar.slice(0, -2);
  return undefined;
}

export class Engine {
  readonly schema: GraphQLSchema;
  readonly token = randomBytes(16).toString("hex");
  readonly requests: RequestRecord[] = [];
  /** Every leaf asked for, in the order asked (including `id` leaves used to pass objects). */
  readonly calls: LeafRequest[] = [];
  readonly execs: ExecRecord[] = [];
  readonly validationErrors: ValidationFailure[] = [];
  readonly protocolErrors: string[] = [];
  /** Every distinct call's arguments, in the order first seen (see `argumentBytes`). */
  readonly argumentLog = new Map<string, ArgumentRecord>();
  private readonly registry = new Map<string, EngineObject>();
  private readonly states = new Map<string, Promise<State>>();
  private readonly responders: { matcher: Matcher<LeafRequest>; respond: Responder }[] = [];
  private readonly execScripts: { matcher: Matcher<ExecRecord>; script: ExecScript }[] = [];
  private readonly serviceScripts: { matcher: Matcher<ServiceUse>; outcome: ServiceOutcome }[] = [];
  /** `currentModule.workdir` snapshots, taken when the call is made (object id -> tree). */
  private readonly snapshots = new Map<string, Tree>();
  private readonly gates: Gate<LeafRequest>[] = [];
  private readonly execGates: Gate<ExecRecord>[] = [];
  private readonly watchers = new Set<() => void>();
  private readonly root: EngineObject;
  private server?: http.Server;
  private port = 0;

  constructor(private readonly options: StartOptions = {}) {
    this.schema = loadSchema(options.schemaPath ?? DEFAULT_SCHEMA);
    this.root = { id: idOf("Query", []), type: "Query", chain: [] };
    this.registry.set(this.root.id, this.root);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/query`;
  }

  get sessionPort(): number {
    return this.port;
  }

  get objects(): ReadonlyMap<string, EngineObject> {
    return this.registry;
  }

  // ---- scripting -------------------------------------------------------------------------------

  /** Answer matching leaves with `respond` (the latest registration wins). Returns an undo. */
  on(matcher: Matcher<LeafRequest>, respond: Responder): () => void {
    const entry = { matcher, respond };
    this.responders.push(entry);
    return () => void this.responders.splice(this.responders.indexOf(entry) >>> 0, 1);
  }

  /** Script the outcome of matching execs (the latest registration wins). Returns an undo. */
  onExec(matcher: Matcher<ExecRecord>, script: ExecScript): () => void {
    const entry = { matcher, script };
    this.execScripts.push(entry);
    return () => void this.execScripts.splice(this.execScripts.indexOf(entry) >>> 0, 1);
  }

  /**
   * Fail every exec whose container binds a matching service, the way the engine does when the
   * service exits at start or never passes its health check (latest registration wins). Returns an undo.
   */
  onService(matcher: Matcher<ServiceUse>, outcome: ServiceOutcome): () => void {
    const entry = { matcher, outcome };
    this.serviceScripts.push(entry);
    return () => void this.serviceScripts.splice(this.serviceScripts.indexOf(entry) >>> 0, 1);
  }

  /** Hold matching leaves until `release()`. */
  hold(matcher: Matcher<LeafRequest>): Gate<LeafRequest> {
    const gate = new Gate(matcher, () => this.notify(), (r, w, t) => this.waitFor(r, w, t));
    this.gates.push(gate);
    return gate;
  }

  /** Hold matching execs (before their outcome is decided) until `release()`. */
  holdExec(matcher: Matcher<ExecRecord>): Gate<ExecRecord> {
    const gate = new Gate(matcher, () => this.notify(), (r, w, t) => this.waitFor(r, w, t));
    this.execGates.push(gate);
    return gate;
  }

  /** Resolves once at least `n` leaves are in flight (asked, not yet answered). */
  waitForPending(n: number, timeoutMs?: number): Promise<LeafRequest[]> {
    return this.waitFor(() => {
      const pending = this.calls.filter((c) => c.status === "pending");
      return pending.length >= n ? pending : undefined;
    }, `${n} pending leaf request(s)`, timeoutMs);
  }

  /** Resolves once at least `n` execs are running at the same time. */
  waitForRunningExecs(n: number, timeoutMs?: number): Promise<ExecRecord[]> {
    return this.waitFor(() => {
      const running = this.execs.filter((e) => e.status === "pending");
      return running.length >= n ? running : undefined;
    }, `${n} running exec(s)`, timeoutMs);
  }

  // ---- inspection ------------------------------------------------------------------------------

  /** The contents of `path` in a container (an exec's `id`), as the model has it: files the graph put there. */
  async fileIn(containerId: string, path: string): Promise<string | undefined> {
    const state = await this.evaluate(this.object(containerId));
    return state.tree.files.get(path);
  }

  object(id: string): EngineObject {
    const object = this.registry.get(id);
    if (!object) throw new Error(`the engine never handed out id ${JSON.stringify(id)}`);
    return object;
  }

  chainOf(id: string): Chain {
    return this.object(id).chain;
  }

  /** Leaves asked for, optionally of one field; `id` leaves are left out unless asked for. */
  leaves(field?: string): LeafRequest[] {
    return this.calls.filter((c) => (field ? c.field === field : c.field !== "id"));
  }

  /** Chains the graph used: of every non-id leaf and, recursively, of every object argument. */
  usedChains(): Chain[] {
    const seen = new Map<string, Chain>();
    const visit = (type: string, chain: Chain) => {
      const key = idOf(type, chain);
      if (seen.has(key)) return;
      seen.set(key, chain);
      for (const call of chain) {
        for (const value of Object.values(call.args)) {
          for (const ref of [value].flat()) if (ref instanceof ObjectRef) visit(ref.type, ref.chain);
        }
      }
    };
    for (const leaf of this.leaves()) visit(leaf.parentType, leaf.chain);
    return [...seen.values()];
  }

  /** The containers the graph used, optionally only those from `image` (exact, or a RegExp). */
  containers(image?: string | RegExp): ContainerUse[] {
    const byId = new Map<string, ContainerUse>();
    for (const used of this.usedChains()) {
      const chain = prefixOfType(used, "Container");
      if (!chain) continue;
      const id = idOf("Container", chain);
      if (byId.has(id)) continue;
      byId.set(id, {
        id,
        chain,
        image: imageOf(chain),
        execs: execsOf(chain),
        env: envOf(chain),
        bindings: bindingsOf(chain),
        workdir: workdirOf(chain),
      });
    }
    // A container that another used container extends is an intermediate step, not a result.
    const all = [...byId.values()];
    const maximal = all.filter(
      (c) => !all.some((o) => o !== c && o.chain.length > c.chain.length && idOf("Container", o.chain.slice(0, c.chain.length)) === c.id),
    );
    return maximal.filter((c) =>
      image === undefined ? true : typeof image === "string" ? c.image === image : image.test(c.image ?? ""),
    );
  }

  /** Every `directory(path)` / `file(path)` taken from a container or directory by the graph. */
  reads(): PathRead[] {
    const out = new Map<string, PathRead>();
    const scan = (chain: Chain, usedBy: string) => {
      chain.forEach((call, i) => {
        for (const [name, value] of Object.entries(call.args)) {
          for (const ref of [value].flat()) if (ref instanceof ObjectRef) scan(ref.chain, `${call.field}(${name})`);
        }
        const from = chain.slice(0, i);
        const fromType = from.at(-1)?.type ?? "Query";
        if ((call.field !== "directory" && call.field !== "file") || fromType === "Query") return;
        const next = chain.slice(i + 1).find((c) => c.type !== "Directory" && c.type !== "File");
        const read: PathRead = {
          kind: call.field,
          path: resolvePath(fromType === "Container" ? workdirOf(from) : "/", call.args.path as string),
          from,
          fromType,
          image: imageOf(from),
          usedBy: i === chain.length - 1 ? usedBy : (next?.field ?? usedBy),
        };
        out.set(`${idOf(fromType, from)}|${read.kind}|${read.path}|${read.usedBy}`, read);
      });
    };
    for (const leaf of this.leaves()) scan(leaf.chain, leaf.field);
    return [...out.values()];
  }

  /** Total UTF-8 bytes of arguments the engine received, each distinct call counted once (its log line). */
  argumentBytes(filter: (a: ArgumentRecord) => boolean = () => true): number {
    let sum = 0;
    for (const a of this.argumentLog.values()) if (filter(a)) sum += a.bytes;
    return sum;
  }

  /** Fails when any query failed validation or misused an id. */
  assertClean(): void {
    const problems = [
      ...this.validationErrors.map((v) => `invalid query ${v.query.trim()}\n  ${v.errors.join("\n  ")}`),
      ...this.protocolErrors,
    ];
    if (problems.length) throw new Error(`the stand-in engine rejected queries:\n${problems.join("\n")}`);
  }

  /** Returns and forgets the recorded query errors (for tests that send bad queries on purpose). */
  takeErrors(): { validation: ValidationFailure[]; protocol: string[] } {
    const taken = { validation: [...this.validationErrors], protocol: [...this.protocolErrors] };
    this.validationErrors.length = 0;
    this.protocolErrors.length = 0;
    return taken;
  }

  /** POSTs a raw GraphQL document to the engine, authenticated like the SDK. */
  async query(query: string): Promise<{ status: number; body: any }> {
    const response = await fetch(this.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Basic ${Buffer.from(`${this.token}:`).toString("base64")}`,
      },
      body: JSON.stringify({ query }),
    });
    return { status: response.status, body: await response.json() };
  }

  // ---- serving ---------------------------------------------------------------------------------

  async listen(): Promise<void> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((ok) => this.server!.listen(0, "127.0.0.1", ok));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    for (const gate of [...this.gates, ...this.execGates]) gate.release();
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((ok) => server.close(() => ok()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (req.method !== "POST" || req.url !== "/query") return send(404, { errors: [{ message: "not found" }] });
    const expected = `Basic ${Buffer.from(`${this.token}:`).toString("base64")}`;
    if (req.headers.authorization !== expected) return send(401, { errors: [{ message: "unauthorized" }] });

    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let body: { query?: string; variables?: Record<string, unknown>; operationName?: string };
    try {
      body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    } catch {
      return send(400, { errors: [{ message: "request body is not JSON" }] });
    }
    const query = body.query ?? "";
    const record: RequestRecord = { query, at: Date.now() };
    this.requests.push(record);

    let document: DocumentNode;
    try {
      document = parse(query);
    } catch (e) {
      return this.reject(record, send, [e as GraphQLError]);
    }
    const invalid = validate(this.schema, document);
    if (invalid.length) return this.reject(record, send, invalid);

    const result = await execute({
      schema: this.schema,
      document,
      rootValue: this.root,
      contextValue: { query },
      variableValues: body.variables,
      operationName: body.operationName,
      fieldResolver: (source, args, context, info) => this.resolve(source as EngineObject, args, context as { query: string }, info),
      typeResolver: (value) => (value as EngineObject).type,
    });
    record.status = 200;
    record.errors = result.errors?.map((e) => e.message);
    send(200, result);
  }

  private reject(record: RequestRecord, send: (s: number, b: unknown) => void, errors: readonly GraphQLError[]): void {
    const messages = errors.map((e) => e.message);
    this.validationErrors.push({ query: record.query, errors: messages });
    record.status = 400;
    record.errors = messages;
    send(400, { errors: errors.map((e) => ({ message: e.message, locations: e.locations })) });
  }

  // ---- resolving -------------------------------------------------------------------------------

  private resolve(source: EngineObject, rawArgs: Record<string, unknown>, context: { query: string }, info: GraphQLResolveInfo): unknown {
    const field = info.parentType.getFields()[info.fieldName]!;
    const args = this.resolveIds(field, rawArgs, `${info.parentType.name}.${info.fieldName}`);
    const named = getNamedType(info.returnType);
    const loads = source === this.root && (info.fieldName === "node" || /^load\w+FromID$/.test(info.fieldName));
    // Loading an object by id is the SDK's plumbing, not a call of the pipeline: the log has no line for it.
    if (!loads) this.logArguments(source, info, rawArgs, args);
    if (loads) {
      const ref = args.id as ObjectRef;
      this.checkType(ref, named.name, `${info.parentType.name}.${info.fieldName}(id)`);
      return this.object(ref.id);
    }
    if (isCompositeType(named) && !isListType(unwrap(info.returnType))) {
      if (isAbstractType(named)) {
        throw this.protocol(`${info.parentType.name}.${info.fieldName} returns the abstract type ${named.name}; the stand-in cannot tell which object it is`);
      }
      return this.child(source, { field: info.fieldName, args, type: named.name });
    }
    return this.leaf(source, info.fieldName, args, context.query, info);
  }

  private child(parent: EngineObject, call: Call): EngineObject {
    const chain = [...parent.chain, call];
    const id = idOf(call.type, chain);
    let object = this.registry.get(id);
    if (!object) {
      object = { id, type: call.type, chain, parent: parent.id };
      this.registry.set(id, object);
      // The engine loads the module's working directory when the call is made, not when it is read.
      if (parent.type === "CurrentModule" && (call.field === "workdir" || call.field === "workdirFile")) {
        this.snapshots.set(id, this.readWorkdir(call));
      }
    }
    return object;
  }

  private logArguments(source: EngineObject, info: GraphQLResolveInfo, raw: Record<string, unknown>, args: Args): void {
    const sizes = Object.entries(raw).map(([name, value]) => ({ name, bytes: Buffer.byteLength(JSON.stringify(value) ?? "") }));
    if (sizes.length === 0) return;
    const named = getNamedType(info.returnType);
    const isObject = isCompositeType(named) && !isListType(unwrap(info.returnType));
    const key = isObject
      ? idOf(named.name, [...source.chain, { field: info.fieldName, args, type: named.name }])
      : `${source.id}.${info.fieldName}${canonical(args)}`;
    if (this.argumentLog.has(key)) return;
    const largest = sizes.reduce((a, b) => (b.bytes > a.bytes ? b : a));
    this.argumentLog.set(key, {
      key,
      field: info.fieldName,
      parentType: info.parentType.name,
      bytes: sizes.reduce((a, b) => a + b.bytes, 0),
      largest,
    });
  }

  /** The real files under the module's working directory, `include`/`exclude` honoured like the engine's globs. */
  private readWorkdir(call: Call): Tree {
    const root = resolve(this.options.moduleWorkdir ?? process.cwd());
    const target = resolve(root, String(call.args.path));
    if (relative(root, target).startsWith("..")) throw new Error(`workdir ${JSON.stringify(call.args.path)}: outside the module's working directory`);
    if (call.field === "workdirFile") {
      return withFile(EMPTY_TREE, "/" + basename(target), readFileSync(target, "utf8"));
    }
    const include = ((call.args.include as string[] | undefined) ?? []).map(globRegExp);
    const exclude = ((call.args.exclude as string[] | undefined) ?? []).map(globRegExp);
    const files = new Map<string, string>();
    const dirs = new Set<string>();
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        const rel = relative(target, path);
        if (exclude.some((r) => r.test(rel))) continue;
        if (entry.isDirectory()) {
          dirs.add(`/${rel}`);
          walk(path);
        } else if (include.length === 0 || include.some((r) => r.test(rel))) {
          files.set(`/${rel}`, readFileSync(path, "utf8"));
        }
      }
    };
    if (!statSync(target).isDirectory()) throw new Error(`workdir ${JSON.stringify(call.args.path)}: not a directory`);
    walk(target);
    return { files, dirs };
  }

  private resolveIds(field: GraphQLField<unknown, unknown>, args: Record<string, unknown>, where: string): Args {
    const out: Record<string, unknown> = { ...args };
    for (const arg of field.args) {
      const value = args[arg.name];
      if (value === undefined || value === null || !isIdScalar(arg)) continue;
      const expected = expectedTypeOf(arg, getNamedType(arg.type).name);
      const toRef = (id: unknown): ObjectRef => {
        const object = this.registry.get(String(id));
        if (!object) throw this.protocol(`${where}(${arg.name}): unknown id ${JSON.stringify(id)}`);
        const ref = new ObjectRef(object.id, object.type, object.chain);
        if (expected) this.checkType(ref, expected, `${where}(${arg.name})`);
        return ref;
      };
      out[arg.name] = Array.isArray(value) ? value.map(toRef) : toRef(value);
    }
    return out;
  }

  private checkType(ref: ObjectRef, expected: string, where: string): void {
    if (ref.type === expected) return;
    const abstract = this.schema.getType(expected);
    const concrete = this.schema.getType(ref.type);
    if (abstract && isAbstractType(abstract) && concrete && "getInterfaces" in concrete && this.schema.isSubType(abstract, concrete as never)) {
      return;
    }
    throw this.protocol(`${where}: expected an id of ${expected}, got an id of ${ref.type} (${describeChain(ref.chain)})`);
  }

  private protocol(message: string): ProtocolError {
    this.protocolErrors.push(message);
    return new ProtocolError(message);
  }

  private async leaf(source: EngineObject, field: string, args: Args, query: string, info: GraphQLResolveInfo): Promise<unknown> {
    const request: LeafRequest = {
      seq: this.calls.length,
      field,
      args,
      parentType: source.type,
      parentId: source.id,
      chain: source.chain,
      execs: execsOf(source.chain),
      query,
      startedAt: Date.now(),
      status: "pending",
    };
    this.calls.push(request);
    this.notify();
    try {
      for (const gate of this.gates) if (gate.active && gate.matcher(request)) await gate.block(request);
      const next = () => this.answer(source, request, info.returnType);
      const responder = [...this.responders].reverse().find((r) => r.matcher(request));
      let value = responder ? await responder.respond(request, next) : await next();
      if (isCompositeType(getNamedType(info.returnType)) && Array.isArray(value)) {
        const type = getNamedType(info.returnType).name;
        value = value.map((_, index) => this.child(source, { field, args: { ...args, $index: index }, type }));
      }
      request.result = value;
      request.status = "ok";
      return value;
    } catch (e) {
      request.error = e;
      request.status = "error";
      if (e instanceof ExecFailure) {
        const { message, extensions } = e.withCmd(request.execs.at(-1) ?? []);
        throw new GraphQLError(message, { extensions });
      }
      throw e;
    } finally {
      request.endedAt = Date.now();
      this.notify();
    }
  }

  /** The unscripted answer: run the model, then read the leaf from its state. */
  private async answer(source: EngineObject, request: LeafRequest, returnType: GraphQLOutputType): Promise<unknown> {
    const { field, args } = request;
    if (field === "id") return source.id;
    if (field === "envVariable") return envOf(source.chain)[args.name as string] ?? null;
    if (field === "workdir") return workdirOf(source.chain);
    // A secret made with setSecret reads back the plaintext it was made from.
    if (source.type === "Secret" && field === "plaintext") return source.chain.find((c) => c.field === "setSecret")?.args.plaintext ?? "";
    if (LAZY_LEAVES.has(field)) return this.defaultFor(returnType, source);
    const state = await this.evaluate(source);
    switch (`${source.type}.${field}`) {
      case "Container.exitCode":
        return state.exec?.exitCode ?? 0;
      case "Container.stdout":
        return state.exec?.stdout ?? "";
      case "Container.stderr":
        return state.exec?.stderr ?? "";
      case "Container.combinedOutput":
        return (state.exec?.stdout ?? "") + (state.exec?.stderr ?? "");
      case "File.contents":
        return this.contents(state, args);
      case "File.name":
        return basename(state.file?.path ?? "");
      case "File.size":
        return Buffer.byteLength(this.contents(state, {}));
      case "Directory.entries":
        return entries(state.tree, resolvePath("/", (args.path as string | undefined) ?? "/"));
      case "Directory.glob":
        return glob(state.tree, args.pattern as string);
      case "Directory.search":
        return search(state.tree, args);
      case "Directory.exists":
      case "Container.exists":
        return exists(state.tree, resolvePath(state.workdir, args.path as string));
    }
    if (state.value && field in state.value) return state.value[field];
    if (field === "export") return args.path;
    if (field === "sync" || field === "start" || field === "stop") return source.id;
    return this.defaultFor(returnType, source);
  }

  private contents(state: State, args: Args): string {
    const file = state.file;
    if (file?.contents === undefined) {
      if (this.options.strictFiles) throw new Error(`open ${file?.path ?? "?"}: no such file or directory`);
      return "";
    }
    const offset = (args.offsetLines as number | undefined) ?? 0;
    const limit = args.limitLines as number | undefined;
    if (!offset && limit === undefined) return file.contents;
    const lines = file.contents.split(/(?<=\n)/);
    return lines.slice(offset, limit === undefined ? undefined : offset + limit).join("");
  }

  private defaultFor(type: GraphQLOutputType, source: EngineObject): unknown {
    if (!isNonNullType(type)) return null;
    const inner = type.ofType;
    if (isListType(inner)) return [];
    if (isEnumType(inner)) return inner.getValues()[0]?.value ?? null;
    switch (inner.name) {
      case "Boolean":
        return false;
      case "Int":
      case "Float":
        return 0;
      case "ID":
        return source.id;
      case "Platform":
        return "linux/amd64";
      case "JSON":
        return "null";
      case "Void":
        return null;
      default:
        return "";
    }
  }

  // ---- the model -------------------------------------------------------------------------------

  private evaluate(object: EngineObject): Promise<State> {
    let state = this.states.get(object.id);
    if (!state) {
      state = object.parent === undefined
        ? Promise.resolve(ROOT_STATE)
        : this.evaluate(this.object(object.parent)).then((base) => this.apply(object, base));
      state.catch(() => undefined);
      this.states.set(object.id, state);
    }
    return state;
  }

  private evaluateRef(ref: unknown): Promise<State> {
    return ref instanceof ObjectRef ? this.evaluate(this.object(ref.id)) : Promise.resolve(ROOT_STATE);
  }

  private async apply(object: EngineObject, base: State): Promise<State> {
    const call = object.chain.at(-1)!;
    const from = object.chain.at(-2)?.type ?? "Query";
    const a = call.args;
    const at = (path: unknown) => resolvePath(base.workdir, String(path));
    switch (call.field) {
      case "container":
      case "from":
        return ROOT_STATE;
      case "workdir":
        if (from === "CurrentModule") return { tree: this.snapshots.get(object.id) ?? EMPTY_TREE, workdir: "/" };
        return base;
      case "workdirFile": {
        const tree = this.snapshots.get(object.id) ?? EMPTY_TREE;
        const [path, contents] = [...tree.files][0] ?? ["/", undefined];
        return { ...ROOT_STATE, file: { path, contents } };
      }
      case "directory":
        if (from === "Query") return ROOT_STATE;
        if (from === "Container" || from === "Directory") return { tree: subtree(base.tree, at(a.path)), workdir: "/" };
        return ROOT_STATE;
      case "file":
        if (from === "Query") return { ...ROOT_STATE, file: { path: `/${a.name}`, contents: a.contents as string } };
        if (from === "Container" || from === "Directory") return { ...ROOT_STATE, file: { path: at(a.path), contents: base.tree.files.get(at(a.path)) } };
        return ROOT_STATE;
      case "withWorkdir":
        return { ...base, workdir: at(a.path) };
      case "withoutWorkdir":
        return { ...base, workdir: "/" };
      case "withNewFile":
        return { ...base, tree: withFile(base.tree, at(a.path), a.contents as string) };
      case "withNewDirectory":
        return { ...base, tree: graft(base.tree, at(a.path), EMPTY_TREE) };
      case "withDirectory":
      case "withMountedDirectory":
        return { ...base, tree: graft(base.tree, at(a.path), (await this.evaluateRef(a.source)).tree) };
      case "withMountedCache":
        return a.source ? { ...base, tree: graft(base.tree, at(a.path), (await this.evaluateRef(a.source)).tree) } : base;
      case "withFile":
      case "withMountedFile": {
        const file = (await this.evaluateRef(a.source)).file;
        return file?.contents === undefined ? base : { ...base, tree: withFile(base.tree, at(a.path), file.contents) };
      }
      case "withFiles": {
        let tree = base.tree;
        for (const ref of a.sources as ObjectRef[]) {
          const file = (await this.evaluateRef(ref)).file;
          if (file?.contents !== undefined) tree = withFile(tree, resolvePath(at(a.path), basename(file.path)), file.contents);
        }
        return { ...base, tree };
      }
      case "withRootfs":
        return { ...base, tree: (await this.evaluateRef(a.directory)).tree };
      case "withoutFile":
      case "withoutDirectory":
      case "withoutMount":
        return { ...base, tree: without(base.tree, at(a.path)) };
      case "withoutFiles":
        return { ...base, tree: (a.paths as string[]).reduce((t, p) => without(t, at(p)), base.tree) };
      case "withName":
        return base.file ? { ...base, file: { ...base.file, path: resolvePath(dirname(base.file.path), a.name as string) } } : base;
      case "withExec":
        return this.runExec(object, base);
      case "search":
        return { ...ROOT_STATE, value: search(base.tree, a)[a.$index as number] };
      default:
        return base;
    }
  }

  private async runExec(object: EngineObject, base: State): Promise<State> {
    const record: ExecRecord = {
      seq: this.execs.length,
      id: object.id,
      argv: object.chain.at(-1)!.args.args as string[],
      args: object.chain.at(-1)!.args,
      chain: object.chain,
      image: imageOf(object.chain),
      env: envOf(object.chain),
      workdir: base.workdir,
      startedAt: Date.now(),
      status: "pending",
    };
    this.execs.push(record);
    this.notify();
    try {
      for (const gate of this.execGates) if (gate.active && gate.matcher(record)) await gate.block(record);
      this.startServices(record);
      const entry = [...this.execScripts].reverse().find((s) => s.matcher(record));
      const outcome = typeof entry?.script === "function" ? await entry.script(record) : (entry?.script ?? {});
      const result: ExecResult = { exitCode: outcome.exitCode ?? 0, stdout: outcome.stdout ?? "", stderr: outcome.stderr ?? "" };
      record.result = result;
      record.status = "ok";
      const expect = (record.args.expect as string | undefined) ?? "SUCCESS";
      // The schema: FAILURE is exit codes 1-127 and 192-255, ANY is 0-127 and 192-255; 128-191
      // (killed by a signal) fails the exec whatever was expected, as in the engine.
      const signalled = result.exitCode >= 128 && result.exitCode <= 191;
      if (signalled || (expect === "SUCCESS" && result.exitCode !== 0) || (expect === "FAILURE" && result.exitCode === 0)) {
        throw new ExecFailure({ cmd: record.argv, ...result });
      }
      let tree = base.tree;
      for (const [path, contents] of Object.entries(outcome.files ?? {})) tree = withFile(tree, resolvePath(base.workdir, path), contents);
      return { ...base, tree, exec: result };
    } catch (e) {
      if (record.status === "pending") record.status = "error";
      throw e;
    } finally {
      record.endedAt = Date.now();
      this.notify();
    }
  }

  /** The bound services start before the exec; one that fails fails the exec with the engine's words. */
  private startServices(exec: ExecRecord): void {
    for (const [alias, ref] of Object.entries(bindingsOf(exec.chain))) {
      const use: ServiceUse = { alias, chain: ref.chain, image: imageOf(ref.chain), env: envOf(ref.chain), exec };
      const script = [...this.serviceScripts].reverse().find((s) => s.matcher(use));
      if (script) throw new ServiceFailure(alias, script.outcome);
    }
  }

  // ---- waiting ---------------------------------------------------------------------------------

  private notify(): void {
    for (const watcher of [...this.watchers]) watcher();
  }

  private waitFor<T>(ready: () => T | undefined, what: string, timeoutMs = this.options.waitTimeoutMs ?? 5000): Promise<T> {
    return new Promise<T>((ok, fail) => {
      const check = () => {
        const value = ready();
        if (value === undefined) return;
        this.watchers.delete(check);
        clearTimeout(timer);
        ok(value);
      };
      const timer = setTimeout(() => {
        this.watchers.delete(check);
        const pending = this.calls.filter((c) => c.status === "pending").map((c) => `${c.field} on ${describeChain(c.chain)}`);
        fail(new Error(`timed out after ${timeoutMs}ms waiting for ${what}; pending leaves: ${pending.join("; ") || "none"}`));
      }, timeoutMs);
      this.watchers.add(check);
      check();
    });
  }
}

function unwrap(type: GraphQLOutputType): GraphQLOutputType {
  return isNonNullType(type) ? type.ofType : type;
}

function globRegExp(pattern: string): RegExp {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*\*\/?/g, "\u0000")
    .replace(/\*/g, "[^/]*")
    .replace(/\?/g, "[^/]")
    .replace(/\u0000/g, "(?:.*/)?");
  return new RegExp(`^${source}$`);
}

function glob(tree: Tree, pattern: string): string[] {
  const regex = globRegExp(pattern);
  return [...tree.files.keys()].map((p) => p.slice(1)).filter((p) => regex.test(p)).sort();
}

/**
 * `Directory.search` as the engine runs it (ripgrep, line by line): files below `paths` (all when
 * empty) whose name matches one of `globs`, with a line matching `pattern`. The pattern is read as a
 * JavaScript regular expression, which agrees with ripgrep on the syntax the module uses.
 */
function search(tree: Tree, args: Args): { filePath: string; lineNumber: number; matchedLines: string; absoluteOffset: number }[] {
  const re = new RegExp(args.pattern as string, args.insensitive ? "i" : "");
  const paths = ((args.paths as string[] | undefined) ?? []).map((p) => p.replace(/^\.?\/?/, "").replace(/\/$/, "")).filter((p) => p !== "" && p !== ".");
  const globs = ((args.globs as string[] | undefined) ?? []).map((g) => new RegExp(`^${g.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`));
  const out: { filePath: string; lineNumber: number; matchedLines: string; absoluteOffset: number }[] = [];
  for (const [abs, contents] of [...tree.files].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const rel = abs.slice(1);
    if (paths.length > 0 && !paths.some((p) => rel === p || rel.startsWith(`${p}/`))) continue;
    if (globs.length > 0 && !globs.some((g) => g.test(basename(rel)))) continue;
    const lines = contents.split("\n");
    const i = lines.findIndex((l) => re.test(l));
    if (i >= 0) out.push({ filePath: rel, lineNumber: i + 1, matchedLines: lines[i], absoluteOffset: 0 });
  }
  return out;
}

export interface RunningEngine extends Engine {
  /** Stops the server, disconnects `dag`, restores DAGGER_SESSION_PORT / DAGGER_SESSION_TOKEN. */
  close(): Promise<void>;
}

/**
 * Starts an engine on 127.0.0.1 (free port), sets DAGGER_SESSION_PORT / DAGGER_SESSION_TOKEN and,
 * unless `connectDag: false`, connects the SDK's global `dag` to it until `close()`.
 * One engine at a time per process: `dag` is a process-wide singleton.
 */
export async function startEngine(options: StartOptions = {}): Promise<RunningEngine> {
  const engine = new Engine(options) as RunningEngine;
  await engine.listen();
  const saved = { port: process.env.DAGGER_SESSION_PORT, token: process.env.DAGGER_SESSION_TOKEN };
  process.env.DAGGER_SESSION_PORT = String(engine.sessionPort);
  process.env.DAGGER_SESSION_TOKEN = engine.token;

  let disconnect = () => {};
  let session: Promise<void> = Promise.resolve();
  if (options.connectDag ?? true) {
    // connection() sets the global client, runs the callback, then unsets it: keep the callback open.
    let connected!: () => void;
    const ready = new Promise<void>((ok) => (connected = ok));
    session = connection(
      () =>
        new Promise<void>((ok) => {
          disconnect = ok;
          connected();
        }),
    );
    await Promise.race([ready, session]);
  }

  engine.close = async () => {
    disconnect();
    await session;
    await engine.stop();
    restore("DAGGER_SESSION_PORT", saved.port);
    restore("DAGGER_SESSION_TOKEN", saved.token);
  };
  return engine;
}

function restore(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}
