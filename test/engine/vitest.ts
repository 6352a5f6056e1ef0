/**
 * Vitest wiring: a fresh engine per test, `dag` connected to it, and a test that sent a query the
 * engine schema rejects (or misused an id) fails after it ran. Each test runs in a fresh temporary
 * working directory, as module code runs in the module runtime's scratch directory: files the
 * module writes there (and loads with `currentModule().workdir`) never land in the repository.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach } from "vitest";
import { startEngine, type RunningEngine, type StartOptions } from "./engine.js";

export function useEngine(options: StartOptions = {}): () => RunningEngine {
  let current: RunningEngine | undefined;
  let cwd: string | undefined;
  let scratch: string | undefined;
  beforeEach(async () => {
    cwd = process.cwd();
    scratch = mkdtempSync(join(tmpdir(), "module-workdir-"));
    process.chdir(scratch);
    current = await startEngine(options);
  });
  afterEach(async () => {
    const engine = current;
    current = undefined;
    if (cwd) process.chdir(cwd);
    if (scratch) rmSync(scratch, { recursive: true, force: true });
    if (!engine) return;
    await engine.close();
    engine.assertClean();
  });
  return () => {
    if (!current) throw new Error("useEngine(): the engine only runs inside a test");
    return current;
  };
}
