/**
 * Vitest wiring: a fresh engine per test, `dag` connected to it, and a test that sent a query the
 * engine schema rejects (or misused an id) fails after it ran.
 */
import { afterEach, beforeEach } from "vitest";
import { startEngine, type RunningEngine, type StartOptions } from "./engine.js";

export function useEngine(options: StartOptions = {}): () => RunningEngine {
  let current: RunningEngine | undefined;
  beforeEach(async () => {
    current = await startEngine(options);
  });
  afterEach(async () => {
    const engine = current;
    current = undefined;
    if (!engine) return;
    await engine.close();
    engine.assertClean();
  });
  return () => {
    if (!current) throw new Error("useEngine(): the engine only runs inside a test");
    return current;
  };
}
