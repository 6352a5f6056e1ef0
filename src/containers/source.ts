/**
 * The source as the planner sees it, read through the Dagger API without starting a container:
 * the root entries, the pyproject.toml files that locate the backend and its config, every file
 * discovery looks at (one glob each), and a content search the engine runs (ripgrep).
 */
import type { Directory } from "@dagger.io/dagger";

import { type LocatedConfig, backendRoot, locateConfig } from "../core/config/locate.js";
import type { SourceTree } from "../core/plan/discover/discover.js";
import { DISCOVERY_GLOBS } from "../core/plan/discover/source-files.js";

export interface SourceSnapshot {
  /** The backend root relative to the source (".": the source itself). */
  root: string;
  repoEntries: string[];
  rootEntries: string[];
  repoPyproject?: string;
  rootPyproject?: string;
  located: LocatedConfig;
  tree: SourceTree;
}

const names = (entries: string[]) => entries.map((e) => e.replace(/\/$/, ""));

async function textIf(dir: Directory, entries: string[], name: string): Promise<string | undefined> {
  return entries.includes(name) ? dir.file(name).contents() : undefined;
}

/** A SourceTree over a Directory: contents read once each, searches run by the engine. */
export function directoryTree(source: Directory, files: string[]): SourceTree {
  const known = new Set(files);
  const cache = new Map<string, Promise<string>>();
  return {
    files,
    read: (path) => {
      if (!known.has(path)) return Promise.resolve(undefined);
      if (!cache.has(path)) cache.set(path, source.file(path).contents());
      return cache.get(path)!;
    },
    grep: async (pattern, dirs) => {
      const paths = dirs.includes(".") ? [] : [...dirs];
      const results = await source.search({ pattern, paths, globs: ["*.py"], filesOnly: true });
      // Paths as discovery names them: relative to the source, without "./" or a leading "/".
      return new Set((await Promise.all(results.map((r) => r.filePath()))).map((p) => p.replace(/^(?:\.\/|\/)+/, "")));
    },
  };
}

export async function readSource(source: Directory, rootArg?: string): Promise<SourceSnapshot> {
  const repoEntries = names(await source.entries());
  const repoPyproject = await textIf(source, repoEntries, "pyproject.toml");
  const root = backendRoot(rootArg, repoPyproject);
  let rootEntries = repoEntries;
  let rootPyproject = repoPyproject;
  if (root !== ".") {
    const dir = source.directory(root);
    if (!(await source.exists(root))) throw new Error(`--root = "${root}": the source has no such folder; give the backend's folder relative to --source`);
    rootEntries = names(await dir.entries());
    rootPyproject = await textIf(dir, rootEntries, "pyproject.toml");
  }
  const located = locateConfig({ root, repoPyproject, rootPyproject });
  const files = [...new Set((await Promise.all(DISCOVERY_GLOBS.map((g) => source.glob(g)))).flat())].sort();
  return { root, repoEntries, rootEntries, repoPyproject, rootPyproject, located, tree: directoryTree(source, files) };
}
