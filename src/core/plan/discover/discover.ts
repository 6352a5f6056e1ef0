/**
 * From a source to the lanes that run it: the configured lanes, or, with none configured, lanes
 * inferred from the real test tree so that every test file is in some lane. Configured lanes that
 * leave test files out get them listed (`unplanned`), so nothing is dropped silently.
 */
import { type BackendCiConfig, type LaneConfig, LaneConfig as LaneSchema } from "../../config/config.js";
import { type Needs, selfIsolatingConftests, serviceNeeds } from "./signals.js";
import { findTestFiles, isUnder, type SourceTree, type TestTree } from "./test-files.js";

export type { SourceTree, TestTree } from "./test-files.js";

export interface Discovery {
  tests: TestTree;
  needs: Needs;
  /** The lanes to run: the configured ones, or the inferred ones. */
  lanes: Record<string, LaneConfig>;
  /** True when the lanes were inferred (no `lanes` table). */
  inferred: boolean;
  /** Test files and folders no lane runs, relative to the backend root. */
  unplanned: string[];
  /** Who isolates Postgres per xdist worker, and why. */
  databaseIsolation: { mode: "plugin" | "conftest"; why: string };
}

/**
 * The fewest paths that name exactly the `selected` files among `all`: a folder when every test
 * file below it is selected, else its selected files and sub-folders.
 */
export function compressPaths(selected: ReadonlySet<string>, all: readonly string[]): string[] {
  const total = new Map<string, number>();
  const chosen = new Map<string, number>();
  const bump = (m: Map<string, number>, f: string) => {
    const parts = f.split("/");
    for (let i = 1; i < parts.length; i++) {
      const d = parts.slice(0, i).join("/");
      m.set(d, (m.get(d) ?? 0) + 1);
    }
  };
  for (const f of all) {
    bump(total, f);
    if (selected.has(f)) bump(chosen, f);
  }
  const out: string[] = [];
  const covered = (f: string) => out.some((d) => isUnder(f, d));
  for (const f of [...selected].sort()) {
    if (covered(f)) continue;
    const parts = f.split("/");
    let best = f;
    for (let i = 1; i < parts.length; i++) {
      const d = parts.slice(0, i).join("/");
      if (total.get(d) === chosen.get(d)) {
        best = d;
        break;
      }
    }
    out.push(best);
  }
  return out;
}

/** A lane path as a file or folder relative to the backend root: node ids name their file. */
const pathPart = (p: string) => p.split("::")[0].replace(/^\.\/+/, "").replace(/\/+$/, "") || ".";

/** Test files no configured lane selects by path (a lane without paths runs pytest's testpaths: everything). */
function unplannedFiles(lanes: Record<string, LaneConfig>, tests: TestTree): string[] {
  const paths = Object.values(lanes).map((l) => (l.paths.length === 0 ? tests.testRoots : l.paths.map(pathPart)));
  const left = tests.files.filter((f) => !paths.some((ps) => ps.some((p) => isUnder(f, p))));
  return compressPaths(new Set(left), tests.files);
}

/** Zero config: files that need no service run in parallel; the others run serially, bound only to what they need. */
function inferLanes(tests: TestTree, needs: Needs): Record<string, LaneConfig> {
  const base = LaneSchema.parse({});
  const fast = new Set(tests.files.filter((f) => needs.byFile.get(f)!.length === 0));
  const integration = new Set(tests.files.filter((f) => needs.byFile.get(f)!.length > 0));
  const lanes: Record<string, LaneConfig> = {};
  if (fast.size > 0) lanes.fast = { ...base, paths: compressPaths(fast, tests.files), mode: "parallel" };
  if (integration.size > 0) {
    const services = [...new Set([...integration].flatMap((f) => needs.byFile.get(f)!))].sort();
    lanes.integration = { ...base, paths: compressPaths(integration, tests.files), mode: "serial", services };
  }
  if (Object.keys(lanes).length === 0) lanes.tests = { ...base, mode: "parallel" };
  return lanes;
}

/** Finds the test tree, what it needs, and the lanes; `config.root` is the backend's folder in `tree`. */
export async function discover(tree: SourceTree, config: BackendCiConfig): Promise<Discovery> {
  const tests = await findTestFiles(tree, config.root);
  const needs = await serviceNeeds(tree, tests, config.services);
  const inferred = !config.lanes || Object.keys(config.lanes).length === 0;
  const lanes = inferred ? inferLanes(tests, needs) : config.lanes!;
  const unplanned = inferred ? [] : unplannedFiles(lanes, tests);
  let databaseIsolation: Discovery["databaseIsolation"] = { mode: "plugin", why: "backend-ci gives each xdist worker its own database" };
  if (config.isolation.database === "conftest") databaseIsolation = { mode: "conftest", why: "isolation.database = \"conftest\"" };
  else if (config.isolation.database === "auto") {
    const own = await selfIsolatingConftests(tree, tests, needs);
    if (own.length > 0)
      databaseIsolation = { mode: "conftest", why: `${own.join(", ")} reads the xdist worker id and connects to Postgres: it isolates per worker itself (isolation.database = "auto")` };
  }
  return { tests, needs, lanes, inferred, unplanned, databaseIsolation };
}
