/**
 * A source read from disk, for discovery without Dagger (`npm run plan`, the host harness): the same
 * files the Dagger layer lists, the same content search (JavaScript regexes on the patterns that the
 * engine runs through ripgrep).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

import picomatch from "picomatch";

import { backendRoot, type LocatedConfig, locateConfig } from "../src/core/config/locate.js";
import type { SourceTree } from "../src/core/plan/discover/discover.js";
import { signalRegExp } from "../src/core/plan/discover/signals.js";
import { isDiscoveryFile, SOURCE_IGNORE } from "../src/core/plan/discover/source-files.js";

/** Every regular file of a source on disk that the module would receive (the source argument's ignore list applied), relative to it. */
export function sourceFiles(repo: string): string[] {
  const ignored = picomatch(SOURCE_IGNORE, { dot: true });
  const files: string[] = [];
  const walk = (rel: string) => {
    for (const e of readdirSync(join(repo, rel), { withFileTypes: true })) {
      const path = rel === "" ? e.name : `${rel}/${e.name}`;
      if (ignored(path)) continue;
      if (e.isDirectory()) walk(path);
      else if (e.isFile()) files.push(path);
    }
  };
  walk("");
  return files.sort();
}

export function fsSourceTree(repo: string): SourceTree {
  const files = sourceFiles(repo).filter(isDiscoveryFile);
  const text = new Map<string, string>();
  const read = (path: string) => {
    if (!text.has(path)) text.set(path, readFileSync(join(repo, path), "utf8"));
    return text.get(path)!;
  };
  return {
    files,
    read: async (path) => (files.includes(path) ? read(path) : undefined),
    grep: async (pattern, dirs) => {
      const re = signalRegExp(pattern);
      const under = (f: string) => dirs.some((d) => d === "." || f === d || f.startsWith(`${d}/`));
      return new Set(files.filter((f) => f.endsWith(".py") && under(f) && re.test(read(f))));
    },
  };
}

export interface HostSource {
  root: string;
  tree: SourceTree;
  rootEntries: string[];
  repoEntries: string[];
  repoPyproject?: string;
  rootPyproject?: string;
  located: LocatedConfig;
}

/** A source on disk read as the Dagger layer reads one (src/containers/source.ts). */
export function hostSource(repo: string, rootArg?: string): HostSource {
  const text = (p: string) => (existsSync(join(repo, p)) ? readFileSync(join(repo, p), "utf8") : undefined);
  const repoPyproject = text("pyproject.toml");
  const root = backendRoot(rootArg, repoPyproject);
  if (!existsSync(join(repo, root))) throw new Error(`--root = "${root}": ${repo} has no such folder; give the backend's folder relative to --source`);
  const rootPyproject = root === "." ? repoPyproject : text(`${root}/pyproject.toml`);
  return {
    root,
    tree: fsSourceTree(repo),
    rootEntries: readdirSync(join(repo, root)),
    repoEntries: readdirSync(repo),
    repoPyproject,
    rootPyproject,
    located: locateConfig({ root, repoPyproject, rootPyproject }),
  };
}
