/**
 * The stand-in's filesystem model: only what the graph itself wrote (withNewFile, files produced by
 * scripted execs, directories copied between objects). Image contents are unknown and read as absent.
 */
import { resolvePath } from "./graph.js";

/** absolute path -> contents; directories are implied by their files, plus `dirs` for empty ones. */
export interface Tree {
  readonly files: ReadonlyMap<string, string>;
  readonly dirs: ReadonlySet<string>;
}

export const EMPTY_TREE: Tree = { files: new Map(), dirs: new Set() };

function under(path: string, root: string): string | undefined {
  if (root === "/") return path;
  if (path === root) return "/";
  return path.startsWith(`${root}/`) ? path.slice(root.length) : undefined;
}

/** The part of `tree` below `root`, re-rooted at "/". */
export function subtree(tree: Tree, root: string): Tree {
  const files = new Map<string, string>();
  for (const [p, c] of tree.files) {
    const rel = under(p, root);
    if (rel !== undefined && rel !== "/") files.set(rel, c);
  }
  const dirs = new Set<string>();
  for (const d of tree.dirs) {
    const rel = under(d, root);
    if (rel !== undefined && rel !== "/") dirs.add(rel);
  }
  return { files, dirs };
}

/** `tree` with `sub` copied in at `at` (files of `sub` win). */
export function graft(tree: Tree, at: string, sub: Tree): Tree {
  const files = new Map(tree.files);
  const dirs = new Set(tree.dirs);
  dirs.add(at);
  for (const [p, c] of sub.files) files.set(resolvePath(at, `.${p}`), c);
  for (const d of sub.dirs) dirs.add(resolvePath(at, `.${d}`));
  return { files, dirs };
}

export function withFile(tree: Tree, path: string, contents: string): Tree {
  const files = new Map(tree.files);
  files.set(path, contents);
  return { files, dirs: tree.dirs };
}

export function without(tree: Tree, path: string): Tree {
  const files = new Map([...tree.files].filter(([p]) => under(p, path) === undefined));
  const dirs = new Set([...tree.dirs].filter((d) => under(d, path) === undefined));
  return { files, dirs };
}

export function exists(tree: Tree, path: string): boolean {
  if (path === "/" || tree.files.has(path) || tree.dirs.has(path)) return true;
  return [...tree.files.keys(), ...tree.dirs].some((p) => under(p, path) !== undefined);
}

/** Immediate children of `path`; directories end in "/" (the engine does so since v0.17). */
export function entries(tree: Tree, path: string): string[] {
  const names = new Set<string>();
  const add = (p: string, isFile: boolean) => {
    const rel = under(p, path);
    if (rel === undefined || rel === "/") return;
    const [first, ...rest] = rel.slice(1).split("/");
    names.add(rest.length > 0 || !isFile ? `${first}/` : first!);
  };
  for (const p of tree.files.keys()) add(p, true);
  for (const d of tree.dirs) add(d, false);
  return [...names].sort();
}
