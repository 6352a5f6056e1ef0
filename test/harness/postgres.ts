/**
 * A real, throwaway PostgreSQL cluster for the host harness: initdb + pg_ctl in a temp directory on
 * a free port, stopped and removed by `stop()` (call it in afterAll, so a failing test still tears
 * it down). As root, the server runs as the `postgres` user, which Debian's package creates.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface PgCluster {
  port: number;
  /** `postgresql://postgres:postgres@127.0.0.1:<port>/<db>` */
  url(db?: string): string;
  /** Runs SQL in `db` through psql and returns its unaligned output. */
  sql(query: string, db?: string): string;
  stop(): void;
}

function pgBin(): string {
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) if (existsSync(join(root, v, "bin", "initdb"))) return join(root, v, "bin");
  throw new Error("PostgreSQL server binaries not found under /usr/lib/postgresql: run `bash scripts/setup.sh`");
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const addr = s.address();
      s.close(() => resolve(typeof addr === "object" && addr ? addr.port : 0));
    });
  });
}

export async function startPostgres(): Promise<PgCluster> {
  const bin = pgBin();
  const dir = mkdtempSync(join(tmpdir(), "backend-ci-pg-"));
  const data = join(dir, "data");
  const asRoot = process.getuid?.() === 0;
  const pgUser = asRoot ? Number(execFileSync("id", ["-u", "postgres"]).toString().trim()) : undefined;
  if (asRoot) {
    chownSync(dir, pgUser!, Number(execFileSync("id", ["-g", "postgres"]).toString().trim()));
    chmodSync(dir, 0o700);
  }
  const run = (cmd: string, args: string[]) => {
    const [file, argv] = asRoot ? ["runuser", ["-u", "postgres", "--", join(bin, cmd), ...args]] : [join(bin, cmd), args];
    const r = spawnSync(file, argv, { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`${cmd} failed (${r.status}): ${r.stderr || r.stdout}`);
    return r.stdout;
  };
  const port = await freePort();
  run("initdb", ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"]);
  run("pg_ctl", [
    "-D",
    data,
    "-l",
    join(dir, "log"),
    "-w",
    "-o",
    `-p ${port} -k ${dir} -h 127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`,
    "start",
  ]);
  let stopped = false;
  const cluster: PgCluster = {
    port,
    url: (db = "postgres") => `postgresql://postgres:postgres@127.0.0.1:${port}/${db}`,
    sql: (query, db = "postgres") =>
      execFileSync(join(bin, "psql"), ["-h", "127.0.0.1", "-p", String(port), "-U", "postgres", "-d", db, "-At", "-c", query], {
        encoding: "utf8",
      }),
    stop: () => {
      if (stopped) return;
      stopped = true;
      try {
        run("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
  return cluster;
}
