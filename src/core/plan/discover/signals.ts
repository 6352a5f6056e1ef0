/**
 * Which services a test file needs, from what its text shows. The rule, as the README states it:
 * a test file needs a service when the service's marker (`requires_postgres`), one of the variables
 * its connection reaches the app through (`DATABASE_URL`, `PGHOST`, ...), its URL scheme
 * (`postgresql://`) or an import of its client library (`psycopg`, `asyncpg`, `sqlalchemy`, `redis`,
 * `elasticsearch`, `opensearchpy`) appears in the file itself; or when it requests a fixture of a
 * conftest.py above it that reaches the service (the fixture's body shows it, or a fixture it
 * requests does); or when such a conftest reaches the service for every test (module-level code, a
 * hook, an autouse fixture); or when the file matches the service's `paths` globs.
 * Files under a folder named `unit` (or `units`, `unittests`, `unit_tests`) count only the marker
 * and the `paths` globs: a unit test that patches `DATABASE_URL`, or a shared conftest that builds a
 * database fixture, does not make unit tests integration tests; a unit test that really needs a
 * service says so with the marker.
 *
 * Patterns are written in the subset of regular-expression syntax that JavaScript and the engine's
 * `Directory.search` (ripgrep, line by line) read alike: alternation, `\b`, `\s`, `^`.
 */
import picomatch from "picomatch";

import { type ServicesTable, serviceEnvNames, serviceKind } from "../../config/services.js";
import { type ConftestFacts, readConftest, type ServiceReach, serviceReach } from "./conftest-fixtures.js";
import { fromRoot, inRoot, type SourceTree, type TestTree } from "./test-files.js";

const LIBRARIES: Record<string, string[]> = {
  postgres: ["psycopg", "psycopg2", "psycopg_pool", "asyncpg", "sqlalchemy", "pg8000", "sqlmodel", "alembic"],
  redis: ["redis", "aioredis"],
  elasticsearch: ["elasticsearch", "elasticsearch_dsl", "elasticsearch8"],
  opensearch: ["opensearchpy", "opensearch_dsl"],
};

const SCHEMES: Record<string, string[]> = {
  postgres: ["postgres", "postgresql", "postgresql\\+\\w+"],
  redis: ["redis", "rediss"],
};

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The one pattern whose match in a file means "this file needs `name`". */
export function signalPattern(name: string, services: ServicesTable): string {
  const s = services[name];
  const words = [...serviceEnvNames(name, services), s.marker].map(escape);
  const libs = LIBRARIES[name] ?? [];
  const schemes = SCHEMES[serviceKind(name)] ?? [];
  const parts = [`\\b(?:${words.join("|")})\\b`];
  if (libs.length) parts.push(`^\\s*(?:import|from)\\s+(?:${libs.join("|")})\\b`);
  if (schemes.length) parts.push(`\\b(?:${schemes.join("|")})://`);
  return parts.join("|");
}

/** The marker alone. */
export const markerPattern = (name: string, services: ServicesTable) => `\\b${escape(services[name].marker)}\\b`;

/** The same test in JavaScript, for a source read from disk (the engine runs it as ripgrep). */
export const signalRegExp = (pattern: string) => new RegExp(pattern, "m");

/** A conftest.py that gives each xdist worker its own resources itself. */
export const WORKER_AWARE = "\\bworker_id\\b|PYTEST_XDIST_WORKER";

const UNIT_FOLDERS = new Set(["unit", "units", "unittests", "unit_tests"]);

function underUnitFolder(file: string): boolean {
  return file.split("/").slice(0, -1).some((segment) => UNIT_FOLDERS.has(segment));
}

/** The conftest.py files whose fixtures a test file sees: its folder's and every folder's above it, up to the backend root. */
export function conftestChain(file: string, conftests: ReadonlySet<string>): string[] {
  const chain: string[] = [];
  const parts = file.split("/").slice(0, -1);
  for (let i = parts.length; i >= 0; i--) {
    const c = [...parts.slice(0, i), "conftest.py"].join("/");
    if (conftests.has(c)) chain.push(c);
  }
  return chain;
}

export interface Needs {
  /** Test file (relative to the backend root) -> the services it needs, sorted. */
  byFile: Map<string, string[]>;
  /** Service -> the files (tests or conftests) whose text showed it, for the plan view. */
  evidence: Map<string, string[]>;
  /** Service -> every file (relative to the backend root) whose text matches its signal: searched once. */
  matched: Map<string, Set<string>>;
}

const depth = (p: string) => p.split("/").length;
const folderOf = (p: string) => (p.includes("/") ? p.slice(0, p.lastIndexOf("/")) : ".");

/** The services each test file needs, by the rule above. */
export async function serviceNeeds(tree: SourceTree, tests: TestTree, services: ServicesTable): Promise<Needs> {
  // The whole backend root: conftests above the test roots count too; other matches are ignored.
  const root = inRoot(tests.root, ".");
  const rel = (found: Set<string>) => new Set([...found].map((p) => fromRoot(tests.root, p)).filter((p): p is string => p !== undefined));
  const conftests = new Set(tests.conftests);
  const facts = new Map<string, ConftestFacts>();
  for (const c of tests.conftests) facts.set(c, readConftest((await tree.read(inRoot(tests.root, c))) ?? ""));
  const byFile = new Map<string, string[]>(tests.files.map((f) => [f, []]));
  const evidence = new Map<string, string[]>();
  const matchedBy = new Map<string, Set<string>>();
  for (const name of Object.keys(services)) {
    const pattern = signalPattern(name, services);
    const signal = signalRegExp(pattern);
    const matched = rel(await tree.grep(pattern, [root]));
    matchedBy.set(name, matched);
    const marked = rel(await tree.grep(markerPattern(name, services), [root]));
    // Each conftest's fixtures that reach the service, top-down so requests of fixtures above count.
    const reach = new Map<string, ServiceReach>();
    for (const c of [...tests.conftests].sort((a, b) => depth(a) - depth(b))) {
      const inherited = new Set(conftestChain(c, conftests).filter((a) => a !== c).flatMap((a) => reach.get(a)?.fixtures ?? []));
      if (matched.has(c) || inherited.size > 0) reach.set(c, serviceReach(facts.get(c)!, signal, inherited));
    }
    const requesting = new Map<string, Set<string>>();
    for (const [c, r] of reach)
      if (r.fixtures.length > 0) requesting.set(c, rel(await tree.grep(`\\b(?:${r.fixtures.join("|")})\\b`, [inRoot(tests.root, folderOf(c))])));
    const inPaths = picomatch(services[name].paths, { dot: true });
    const hits = new Set<string>();
    const cited = new Set<string>();
    for (const file of tests.files) {
      const declared = marked.has(file) || (services[name].paths.length > 0 && inPaths(file));
      const via = underUnitFolder(file) ? [] : conftestChain(file, conftests).filter((c) => reach.get(c)?.everyTest || requesting.get(c)?.has(file));
      if (declared || (!underUnitFolder(file) && matched.has(file)) || via.length > 0) {
        byFile.get(file)!.push(name);
        hits.add(file);
        if (declared || matched.has(file)) cited.add(file);
        for (const c of via) cited.add(c);
      }
    }
    if (hits.size > 0) evidence.set(name, [...cited].sort());
  }
  for (const list of byFile.values()) list.sort();
  return { byFile, evidence, matched: matchedBy };
}

/**
 * Conftests that isolate per worker themselves and touch Postgres: `isolation.database = "auto"` then
 * means `conftest`. `needs` carries the Postgres matches serviceNeeds already searched for.
 */
export async function selfIsolatingConftests(tree: SourceTree, tests: TestTree, needs: Needs): Promise<string[]> {
  const postgres = needs.matched.get("postgres");
  if (tests.conftests.length === 0 || !postgres) return [];
  const aware = await tree.grep(WORKER_AWARE, [inRoot(tests.root, ".")]);
  return tests.conftests.filter((c) => aware.has(inRoot(tests.root, c)) && postgres.has(c));
}
