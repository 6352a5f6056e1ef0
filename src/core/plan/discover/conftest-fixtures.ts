/**
 * What a conftest.py offers, read from its text: its fixtures (name, the fixtures they request,
 * their body, autouse), its hooks, its imports and its other module-level code. Enough to tell
 * which fixtures reach a service, so that only the tests that request them need it. A reading of
 * top-level blocks, not a Python parser: it errs towards "needs the service" (module-level code
 * that mentions a service makes every test below the conftest need it).
 */

export interface Fixture {
  name: string;
  params: string[];
  body: string;
  autouse: boolean;
}

export interface ConftestFacts {
  fixtures: Fixture[];
  /** `pytest_*` hook functions: they run for every test below the conftest. */
  hooks: string[];
  /** Top-level import statements. */
  imports: string[];
  /** Top-level code that is neither an import, a function nor a class. */
  statements: string[];
}

const isTopLevel = (line: string) => line.length > 0 && !/^\s/.test(line) && !line.startsWith("#");

/** The conftest's top-level blocks: each starts at an unindented line (decorators stay with their function). */
function blocks(text: string): string[] {
  const out: string[] = [];
  let current: string[] = [];
  let decorating = false;
  for (const line of text.replace(/\r\n/g, "\n").split("\n")) {
    // A decorator keeps the lines up to its function in its block; a closing bracket ends a statement.
    if (isTopLevel(line) && !decorating && !/^[)\]}]/.test(line)) {
      if (current.length) out.push(current.join("\n"));
      current = [];
    }
    if (isTopLevel(line)) decorating = line.startsWith("@");
    current.push(line);
  }
  if (current.length) out.push(current.join("\n"));
  return out;
}

/** Parameter names of `def f(a, b: int = 1, *args, **kw)`. */
function paramsOf(list: string): string[] {
  return list
    .split(",")
    .map((p) => /^\s*\*{0,2}([A-Za-z_]\w*)/.exec(p)?.[1])
    .filter((p): p is string => p !== undefined && p !== "self");
}

export function readConftest(text: string): ConftestFacts {
  const facts: ConftestFacts = { fixtures: [], hooks: [], imports: [], statements: [] };
  for (const block of blocks(text)) {
    const def = /^(?:async\s+)?def\s+([A-Za-z_]\w*)\s*\(([\s\S]*?)\)\s*(?:->[^:\n]*)?:/m.exec(block);
    const decorators = block.slice(0, def?.index ?? 0);
    if (def && (def.index === 0 || block.startsWith("@"))) {
      const body = block.slice(def.index + def[0].length);
      if (/\bfixture\b/.test(decorators)) {
        const named = /\bname\s*=\s*["']([A-Za-z_]\w*)["']/.exec(decorators)?.[1];
        facts.fixtures.push({ name: named ?? def[1], params: paramsOf(def[2]), body, autouse: /\bautouse\s*=\s*True\b/.test(decorators) });
      } else if (def[1].startsWith("pytest_")) facts.hooks.push(block);
      continue;
    }
    if (/^(?:import|from)\s/.test(block)) facts.imports.push(block);
    else if (!/^class\s/.test(block)) facts.statements.push(block);
  }
  return facts;
}

/** Names an import block binds: `import a.b as c` -> c, `import a.b` -> a, `from x import (y as z, w)` -> z, w. */
export function importedNames(block: string): string[] {
  const text = block.replace(/[()\\\n]/g, " ");
  const from = /^from\s+\S+\s+import\s+(.*)$/.exec(text.trim());
  const parts = (from ? from[1] : text.trim().replace(/^import\s+/, "")).split(",").map((p) => p.trim()).filter(Boolean);
  return parts.map((p) => {
    const as = /\sas\s+([A-Za-z_]\w*)$/.exec(p);
    if (as) return as[1];
    return from ? p : p.split(".")[0];
  });
}

const word = (name: string) => new RegExp(`\\b${name}\\b`);

export interface ServiceReach {
  /** Fixtures of this conftest that reach the service (their body, a name imported for it, or a fixture they request does). */
  fixtures: string[];
  /** Every test below the conftest needs the service (module-level code, a hook, or an autouse fixture reaches it). */
  everyTest: boolean;
}

/**
 * Which fixtures of a conftest reach a service whose text `signal` matches; `inherited` are fixtures
 * of conftests above that reach it (a fixture requesting one reaches it too).
 */
export function serviceReach(facts: ConftestFacts, signal: RegExp, inherited: ReadonlySet<string>): ServiceReach {
  const importedForIt = facts.imports.filter((b) => signal.test(b)).flatMap(importedNames);
  const direct = (body: string) => signal.test(body) || importedForIt.some((n) => word(n).test(body));
  const reach = new Set(facts.fixtures.filter((f) => direct(f.body)).map((f) => f.name));
  const reaches = (f: Fixture) => reach.has(f.name) || f.params.some((p) => reach.has(p) || (inherited.has(p) && !facts.fixtures.some((g) => g.name === p)));
  for (let changed = true; changed; ) {
    changed = false;
    for (const f of facts.fixtures)
      if (!reach.has(f.name) && reaches(f)) {
        reach.add(f.name);
        changed = true;
      }
  }
  const everyTest =
    facts.statements.some((s) => signal.test(s)) || facts.hooks.some((h) => direct(h)) || facts.fixtures.some((f) => f.autouse && reach.has(f.name));
  return { fixtures: [...reach].sort(), everyTest };
}
