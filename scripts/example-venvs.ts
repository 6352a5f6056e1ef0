/**
 * `npx tsx scripts/example-venvs.ts [NAME ...]`: builds one virtualenv per example backend under
 * `.venv-examples/<name>` by running, on this machine, the very install plan the backend container
 * runs (src/core/plan/install.ts): pip -r, `pip install -e .` of a packaged backend, a uv workspace
 * synced from its lock. The host harness then runs each example's lanes with its own venv, so an
 * install plan that would not work in a container does not work here either. Idempotent: a venv is
 * rebuilt only when its install plan or install files changed.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import { detectInstall } from "../src/core/plan/install.js";
import { hostSource } from "./fs-source-tree.js";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** The examples the harness runs with a venv of their own (examples/backend uses the shared .venv). */
export const EXAMPLE_VENVS = ["monorepo", "tests-inifile", "src-layout", "async-secrets", "env-vars", "redis-cache", "self-isolating"];

export const exampleVenv = (name: string) => join(REPO, ".venv-examples", name);

function run(argv: string[], cwd: string, env: Record<string, string>): void {
  const r = spawnSync(argv[0], argv.slice(1), { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "inherit", "inherit"] });
  if (r.status !== 0) throw new Error(`${argv.join(" ")} failed in ${cwd} (exit ${r.status})`);
}

function build(name: string): void {
  const repo = join(REPO, "examples", name);
  const venv = exampleVenv(name);
  const src = hostSource(repo);
  const plan = detectInstall({ ...src, files: src.tree.files, installProject: src.located.config.install_project }, venv);
  const stamp = createHash("sha256")
    .update(JSON.stringify(plan))
    .update(plan.inputs.map((f) => readFileSync(join(repo, f), "utf8")).join("\0"))
    .digest("hex");
  const stampFile = join(venv, ".backend-ci-install");
  if (existsSync(stampFile) && readFileSync(stampFile, "utf8") === stamp) return;
  console.error(`example-venvs: ${name}: ${plan.note}`);
  rmSync(venv, { recursive: true, force: true });
  run(["python3", "-m", "venv", venv], REPO, {});
  const env: Record<string, string> = { PIP_DISABLE_PIP_VERSION_CHECK: "1", VIRTUAL_ENV: venv };
  for (const [k, v] of Object.entries(plan.env)) env[k] = v.replace("$PATH", process.env.PATH ?? "");
  env.PATH = `${venv}/bin:${env.PATH ?? process.env.PATH}`;
  const cwd = plan.dir === "." ? repo : join(repo, plan.dir);
  for (const cmd of [...plan.deps, ...plan.project]) run(cmd, cwd, env);
  writeFileSync(stampFile, stamp);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const names = process.argv.length > 2 ? process.argv.slice(2) : EXAMPLE_VENVS;
  for (const name of names) build(name);
}
