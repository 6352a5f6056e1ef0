/**
 * A source read from disk, for discovery without Dagger (`npm run plan`, the host harness): the same
 * files the Dagger layer lists, the same content search (JavaScript regexes on the patterns that the
 * engine runs through ripgrep).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

import picomatch from "picomatch";

import type { SourceTree } from "../src/core/plan/discover/discover.js";
import { signalRegExp } from "../src/core/plan/discover/signals.js";
import { isDiscoveryFile, SOURCE_IGNORE } from "../src/core/plan/discover/source-files.js";

export function fsSourceTree(repo: string): SourceTree {
  const ignored = picomatch(SOURCE_IGNORE, { dot: true });
  const files: string[] = [];
  const walk = (rel: string) => {
    for (const e of readdirSync(join(repo, rel), { withFileTypes: true })) {
      const path = rel === "" ? e.name : `${rel}/${e.name}`;
      if (ignored(path)) continue;
      if (e.isDirectory()) walk(path);
      else if (e.isFile() && isDiscoveryFile(path)) files.push(path);
    }
  };
  walk("");
  files.sort();
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
