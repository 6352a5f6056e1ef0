/**
 * The real test tree of a backend, found the way pytest collects it when run from the backend root:
 * its testpaths (or the backend root), every file matching python_files, no directory matching
 * norecursedirs, no virtualenv. Static: config files and file names only, no Python.
 */
import picomatch from "picomatch";

import { type PytestConfig, DEFAULT_NORECURSEDIRS, DEFAULT_PYTHON_FILES, parentOf, pytestConfigFor } from "./pytest-config.js";

/** What discovery reads of a source: its file list and file contents, and a content search. */
export interface SourceTree {
  /** Files relative to the repository root (posix, no "./"): at least every `*.py` file and every pytest config candidate. */
  readonly files: readonly string[];
  read(path: string): Promise<string | undefined>;
  /** The `.py` files below `dirs` (relative to the repository root) whose text matches `pattern` (see signals.ts). */
  grep(pattern: string, dirs: readonly string[]): Promise<Set<string>>;
}

export interface TestTree {
  /** The backend root, relative to the repository root ("." for the repository itself). */
  root: string;
  /** The pytest config a run from the backend root reads, if any. */
  config?: PytestConfig;
  /** Where collection starts, relative to the backend root: testpaths when pytest would use them, else ".". */
  testRoots: string[];
  /** Every test file, relative to the backend root, sorted. */
  files: string[];
  /** Every conftest.py below the backend root, relative to it. */
  conftests: string[];
  /** How the tree was found, one line each (for the plan view). */
  notes: string[];
}

/** Repository-relative `path` as seen from the backend root, or undefined when outside it. */
export function fromRoot(root: string, path: string): string | undefined {
  if (root === ".") return path;
  if (path === root) return ".";
  return path.startsWith(`${root}/`) ? path.slice(root.length + 1) : undefined;
}

export const inRoot = (root: string, path: string) => (root === "." ? path : path === "." ? root : `${root}/${path}`);

/** `path` is `dir` or below it (both relative, "." is everything). */
export const isUnder = (path: string, dir: string) => dir === "." || path === dir || path.startsWith(`${dir}/`);

const basename = (p: string) => p.slice(p.lastIndexOf("/") + 1);

/**
 * testpaths entries relative to the backend root: globs expanded against the directories that hold
 * files (pytest 7+ allows globs), plain entries kept when something lives below them.
 */
function expandTestpaths(entries: readonly string[], dirs: ReadonlySet<string>, files: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (const raw of entries) {
    const entry = raw.replace(/^\.\/+/, "").replace(/\/+$/, "") || ".";
    if (/[*?[]/.test(entry)) {
      const isMatch = picomatch(entry, { dot: false });
      out.push(...[...dirs, ...files].filter((p) => isMatch(p)).sort());
    } else if (dirs.has(entry) || files.has(entry)) out.push(entry);
  }
  return [...new Set(out)];
}

/** Directories holding files, and every ancestor of them ("." excluded). */
function dirsOf(files: Iterable<string>): Set<string> {
  const dirs = new Set<string>();
  for (const f of files) for (let d = parentOf(f); d !== undefined && d !== "."; d = parentOf(d)) dirs.add(d);
  return dirs;
}

/** The backend's test files as pytest would collect them from the backend root. */
export async function findTestFiles(tree: SourceTree, root: string): Promise<TestTree> {
  const all = new Set(tree.files);
  const config = await pytestConfigFor(root, all, (p) => tree.read(p));
  const inBackend = tree.files.map((f) => fromRoot(root, f)).filter((f): f is string => f !== undefined);
  const files = new Set(inBackend);
  const dirs = dirsOf(inBackend);
  const notes: string[] = [];
  let testRoots = ["."];
  if (config && config.dir === root && config.testpaths.length > 0) {
    testRoots = expandTestpaths(config.testpaths, dirs, files);
    notes.push(`testpaths from ${config.file}: ${config.testpaths.join(" ")}`);
    if (testRoots.length === 0) {
      notes.push(`none of the testpaths exists; pytest would collect from the backend root`);
      testRoots = ["."];
    }
  } else if (config) notes.push(`pytest config: ${config.file}${config.dir === root ? "" : ` (rootdir ${config.dir}, above the backend root: its testpaths do not apply)`}`);
  else notes.push("no pytest config: collection starts at the backend root");

  // python_files and norecursedirs of the config nearest to each directory (tests/pytest.ini counts below tests/).
  const configs = new Map<string, PytestConfig | undefined>();
  const configIn = async (dir: string) => {
    if (!configs.has(dir)) configs.set(dir, await pytestConfigFor(inRoot(root, dir), all, (p) => tree.read(p)));
    return configs.get(dir);
  };
  const venvs = new Set([...files].filter((f) => basename(f) === "pyvenv.cfg").map((f) => parentOf(f) ?? "."));
  const pruned = async (file: string, testRoot: string) => {
    for (let d = parentOf(file); d !== undefined && d !== testRoot && d !== "."; d = parentOf(d)) {
      if (venvs.has(d)) return true;
      const patterns = (await configIn(parentOf(d) ?? "."))?.norecursedirs ?? DEFAULT_NORECURSEDIRS;
      if (picomatch.isMatch(basename(d), patterns, { dot: true })) return true;
    }
    return false;
  };
  const found = new Set<string>();
  for (const file of files) {
    if (!file.endsWith(".py") || basename(file) === "conftest.py") continue;
    const testRoot = testRoots.find((r) => isUnder(file, r));
    if (testRoot === undefined) continue;
    const patterns = (await configIn(parentOf(file) ?? "."))?.pythonFiles ?? DEFAULT_PYTHON_FILES;
    const named = file === testRoot || picomatch.isMatch(basename(file), patterns.filter((p) => !p.includes("/")), { dot: true }) || picomatch.isMatch(file, patterns.filter((p) => p.includes("/")), { dot: true });
    if (named && !(await pruned(file, testRoot))) found.add(file);
  }
  const conftests = [...files].filter((f) => basename(f) === "conftest.py").sort();
  return { root, config, testRoots, files: [...found].sort(), conftests, notes };
}
