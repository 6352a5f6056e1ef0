/**
 * A real, throwaway Redis server for the host harness: `redis-server` on a free port, no persistence,
 * stopped by `stop()` (call it in afterAll). Debian's `redis-server` package provides the binary.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { freePort } from "./postgres.js";

export interface RedisServer {
  port: number;
  /** `redis://[:password@]127.0.0.1:<port>/<db>` */
  url(db?: number): string;
  /** Runs one command through redis-cli and returns its raw output. */
  cli(...args: string[]): string;
  stop(): void;
}

const BIN = "/usr/bin/redis-server";

async function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port }, () => {
      socket.end();
      resolve(true);
    });
    socket.on("error", () => resolve(false));
  });
}

export async function startRedis(options: { databases?: number; password?: string } = {}): Promise<RedisServer> {
  if (!existsSync(BIN)) throw new Error(`${BIN} not found: install Debian's redis-server package`);
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "backend-ci-redis-"));
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--databases", String(options.databases ?? 64), "--dir", dir];
  if (options.password) args.push("--requirepass", options.password);
  const child = spawn(BIN, args, { stdio: "ignore" });
  for (let i = 0; i < 200 && !(await answers(port)); i++) await new Promise((r) => setTimeout(r, 50));
  if (!(await answers(port))) {
    child.kill("SIGKILL");
    throw new Error(`redis-server did not start on port ${port}`);
  }
  const auth = options.password ? `:${encodeURIComponent(options.password)}@` : "";
  let stopped = false;
  return {
    port,
    url: (db = 0) => `redis://${auth}127.0.0.1:${port}/${db}`,
    cli: (...cmd) => {
      const r = spawnSync("redis-cli", ["-p", String(port), ...(options.password ? ["-a", options.password, "--no-auth-warning"] : []), ...cmd], { encoding: "utf8" });
      return r.stdout;
    },
    stop: () => {
      if (stopped) return;
      stopped = true;
      child.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
