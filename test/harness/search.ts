/**
 * Real search nodes for the host harness: one Elasticsearch 8.15.3 and one OpenSearch 2.19.1 JVM,
 * built from Maven Central by test/search-nodes (scripts/setup.sh builds them), each on a free
 * loopback port with a bounded heap and a throwaway home directory.
 *
 * A node is started in the background (`startSearchNode`) and waited for separately
 * (`waitForSearchNode`), so the process that starts it (vitest's globalSetup, the lanes benchmark)
 * never blocks on it; `SearchNodeInfo` is plain data, handed to test workers through vitest's
 * provide/inject. Teardown: `stop()` kills the JVM and removes its directory. Should the harness die
 * without stopping it, the JVM reads EOF on the stdin the harness held, stops and deletes its home
 * (test/search-nodes/common), and the next start removes the directory left behind.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chownSync, closeSync, cpSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

import { freePort } from "./postgres.js";
import { REPO } from "./run.js";

export const SEARCH_SERVICES = ["elasticsearch", "opensearch"] as const;
export type SearchService = (typeof SEARCH_SERVICES)[number];

/** Heap of each node: both fit beside Postgres and two pytest workers on a 2-core, 24 GiB machine. */
export const SEARCH_HEAP = "512m";
/** How long a node may take to answer and turn yellow (under vitest's hook timeout, so this message wins). */
export const SEARCH_READY_TIMEOUT_MS = 150_000;

const PROJECT = join(REPO, "test/search-nodes");
const MAIN_CLASS: Record<SearchService, string> = {
  elasticsearch: "backendci.searchnodes.ElasticsearchNode",
  opensearch: "backendci.searchnodes.OpenSearchNode",
};
const DIR_PREFIX = "backend-ci-search-";

/** Everything a test needs to reach a node and diagnose it: plain data, safe to hand across processes. */
export interface SearchNodeInfo {
  service: SearchService;
  host: string;
  port: number;
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** The JVM's pid. */
  pid: number;
  /** The node's directory: `home/` (data, owned by the node's user), `log`, and `exit` once it has exited. */
  dir: string;
  log: string;
  exitFile: string;
  /** Written by the node once it has served a first index (its warm-up). */
  readyFile: string;
}

export interface SearchNode extends SearchNodeInfo {
  /** Kills the JVM and removes its directory; safe to call twice. */
  stop(): Promise<void>;
}

export type SearchNodes = Record<SearchService, SearchNodeInfo>;

/** The jar and dependency directory of a node, or an error that says how to build them. */
function classpathOf(service: SearchService): string {
  const target = join(PROJECT, service, "target");
  const jar = join(target, `${service}-node.jar`);
  if (!existsSync(jar) || !existsSync(join(target, "lib"))) {
    throw new Error(`${jar} is missing: run \`bash scripts/setup.sh\` (it builds test/search-nodes with Maven)`);
  }
  return target;
}

/** The unprivileged user a node runs as when the harness is root, as the Postgres server does. */
function nodeUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  return { uid: Number(execFileSync("id", ["-u", "nobody"]).toString().trim()), gid: Number(execFileSync("id", ["-g", "nobody"]).toString().trim()) };
}

/** True when every directory above `path` lets others through and `path` lets them read. */
function othersCanRead(path: string): boolean {
  for (let p = path; ; p = dirname(p)) {
    if ((statSync(p).mode & 0o005) !== 0o005) return false;
    if (p === dirname(p)) return true;
  }
}

/**
 * The node's jars where its user can read them: in place, or (a checkout under a private home such
 * as /root) copied once into the temp directory, keyed by the jar's build time.
 */
function readableTarget(service: SearchService, user: { uid: number } | undefined): string {
  const target = classpathOf(service);
  if (!user || othersCanRead(target)) return target;
  const copy = join(tmpdir(), `backend-ci-jars-search-${service}-${Math.floor(statSync(join(target, `${service}-node.jar`)).mtimeMs)}`);
  if (!existsSync(join(copy, "done"))) {
    rmSync(copy, { recursive: true, force: true });
    cpSync(target, copy, { recursive: true, filter: (p) => !p.includes("/classes") });
    writeFileSync(join(copy, "done"), "");
  }
  return copy;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Removes node directories whose harness process is gone (an interrupted run that could not clean up). */
function removeOrphans(): void {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith(DIR_PREFIX)) continue;
    const dir = join(tmpdir(), name);
    const ownerFile = join(dir, "owner");
    try {
      // A directory without its owner yet may be another harness's, a moment after mkdtemp.
      const gone = existsSync(ownerFile) ? !alive(Number(readFileSync(ownerFile, "utf8"))) : Date.now() - statSync(dir).mtimeMs > 60_000;
      if (gone) rmSync(dir, { recursive: true, force: true });
    } catch {
      // Removed meanwhile by another harness: nothing left to do.
    }
  }
}

/** Starts one node in the background and returns at once; see `waitForSearchNode`. */
export async function startSearchNode(service: SearchService): Promise<SearchNode> {
  const user = nodeUser();
  const target = readableTarget(service, user);
  removeOrphans();
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), `${DIR_PREFIX}${service}-`));
  writeFileSync(join(dir, "owner"), String(process.pid));
  if (user) chownSync(dir, user.uid, user.gid);
  const log = join(dir, "log");
  const exitFile = join(dir, "exit");
  const readyFile = join(dir, "ready");
  const logFd = openSync(log, "a");
  const child: ChildProcess = spawn(
    "java",
    [
      `-Xms${SEARCH_HEAP}`,
      `-Xmx${SEARCH_HEAP}`,
      "-XX:+UseSerialGC",
      "-cp",
      `${target}/${service}-node.jar:${target}/lib/*`,
      MAIN_CLASS[service],
      "--port",
      String(port),
      "--home",
      join(dir, "home"),
      "--name",
      `backend-ci-${service}`,
      "--ready-file",
      readyFile,
    ],
    {
      cwd: dir,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, LANG: "C.UTF-8", ...(process.env.JAVA_HOME ? { JAVA_HOME: process.env.JAVA_HOME } : {}) },
      // stdin stays open and unused: its EOF tells the node that the harness is gone.
      stdio: ["pipe", logFd, logFd],
      ...(user ?? {}),
    },
  );
  closeSync(logFd);
  const exited: Promise<void> = new Promise((resolve) => {
    child.once("exit", (code, signal) => {
      if (existsSync(dir)) writeFileSync(exitFile, signal ? `killed by ${signal}` : `exit code ${code}`);
      resolve();
    });
    child.once("error", (error) => {
      if (existsSync(dir)) writeFileSync(exitFile, `could not start java: ${error.message}`);
      resolve();
    });
  });
  // A harness that exits without calling stop() still takes its nodes with it.
  const onExit = () => {
    child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  };
  process.once("exit", onExit);
  const host = "127.0.0.1";
  return {
    service,
    host,
    port,
    url: `http://${host}:${port}`,
    pid: child.pid ?? -1,
    dir,
    log,
    exitFile,
    readyFile,
    stop: async () => {
      process.removeListener("exit", onExit);
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const killer = setTimeout(() => child.kill("SIGKILL"), 15_000);
        await exited;
        clearTimeout(killer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The last `lines` lines of a node's log. */
export function searchLogTail(node: SearchNodeInfo, lines = 40): string {
  if (!existsSync(node.log)) return `(no log at ${node.log})`;
  return readFileSync(node.log, "utf8").split("\n").slice(-lines).join("\n");
}

async function getJson(url: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: kept as text for the message.
  }
  return { status: response.status, body };
}

/**
 * Resolves once the node has finished its warm-up (its ready file), answers `GET /` with a version,
 * and its cluster health is at least yellow (what src/python/wait_ready.py asks of an http://
 * service). Throws with the node's log tail when it has exited or `timeoutMs` passed.
 */
export async function waitForSearchNode(node: SearchNodeInfo, timeoutMs = SEARCH_READY_TIMEOUT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "not asked yet";
  for (;;) {
    if (existsSync(node.exitFile)) {
      throw new Error(`${node.service} node on port ${node.port} died (${readFileSync(node.exitFile, "utf8")}); log tail:\n${searchLogTail(node)}`);
    }
    try {
      if (!existsSync(node.readyFile)) throw new Error("warm-up not finished");
      const root = await getJson(`${node.url}/`);
      const health = await getJson(`${node.url}/_cluster/health?wait_for_status=yellow&timeout=1s`);
      if (root.status === 200 && typeof root.body === "object" && root.body !== null && "version" in root.body && health.status === 200) return;
      last = `GET / -> ${root.status}, _cluster/health -> ${health.status} ${JSON.stringify(health.body)}`;
    } catch (error) {
      last = error instanceof Error ? `${error.message}${error.cause instanceof Error ? `: ${error.cause.message}` : ""}` : String(error);
    }
    if (Date.now() > deadline) {
      throw new Error(`${node.service} node at ${node.url} not ready after ${timeoutMs / 1000} s (${last}); log tail:\n${searchLogTail(node)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Starts both nodes at once (for scripts that run outside vitest, such as the lanes benchmark). */
export async function startSearchNodes(): Promise<Record<SearchService, SearchNode>> {
  const [elasticsearch, opensearch] = await Promise.all(SEARCH_SERVICES.map((s) => startSearchNode(s)));
  return { elasticsearch, opensearch };
}

/** Stops every node given, also when one of them fails to stop. */
export async function stopSearchNodes(nodes: Partial<Record<SearchService, SearchNode>>): Promise<void> {
  await Promise.allSettled(Object.values(nodes).map((n) => n.stop()));
}
