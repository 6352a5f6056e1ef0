/**
 * Node ids from JUnit attributes. pytest writes `file` and `classname` relative to its rootdir; every
 * other part of backend-ci (reruns, shards, durations, quarantine) uses ids relative to the backend
 * root (docs/CONTRACTS.md, "Node ids: one notion everywhere"). lane.json's `rootdir` says where
 * pytest's rootdir is, relative to the backend root.
 */

/**
 * `a/./b//../c` -> `a/c`, backslashes as `/`. `..` that would climb above the start is kept: such a
 * path is data pytest wrote, not a place to go, and `../x.py` is still what pytest accepts from the
 * backend root. A leading `/` is kept. Iterative, whatever the depth.
 */
export function normalizePath(path: string): string {
  const slashed = path.includes("\\") ? path.replaceAll("\\", "/") : path;
  if (!/(^|\/)\.{1,2}(\/|$)|\/\//.test(slashed)) return slashed;
  const out: string[] = [];
  for (const segment of slashed.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === ".." && out.length > 0 && out[out.length - 1] !== "..") out.pop();
    else out.push(segment);
  }
  const joined = out.join("/");
  if (slashed.startsWith("/")) return `/${joined}`;
  return joined === "" ? "." : joined;
}

/**
 * A rootdir-relative path seen from the backend root. `rootdir` is pytest's rootdir relative to the
 * backend root; `invocation` the backend root relative to the rootdir, which is what says where a
 * path goes when the rootdir is above the backend (rootdir "..", invocation "backend": the rootdir's
 * `backend/tests/x.py` is the backend's `tests/x.py`, its `common/y.py` is `../common/y.py`).
 */
export function fromRootdir(rootdir: string, path: string, invocation = "."): string {
  if (rootdir === "." || rootdir === "") return normalizePath(path);
  const inv = normalizePath(invocation);
  if (rootdir.split("/").includes("..") && inv !== "." && !inv.split("/").includes("..")) {
    const p = normalizePath(path);
    if (p === inv) return ".";
    if (p.startsWith(`${inv}/`)) return p.slice(inv.length + 1);
    return normalizePath(`${"../".repeat(inv.split("/").length)}${p}`);
  }
  return normalizePath(`${rootdir}/${path}`);
}

/** The dotted module name pytest derives a classname from: `tests/unit/test_x.py` -> `tests.unit.test_x`. */
export function moduleOf(file: string): string {
  return (file.endsWith(".py") ? file.slice(0, -3) : file).replaceAll("/", ".");
}

/** Without `file`, pytest's default `python_classes = Test*` tells classes (capitalised) from modules. */
export function guessFromClassname(classname: string): { file: string; classes: string[] } {
  const parts = classname.split(".");
  let split = parts.length;
  while (split > 1 && /^[A-Z]/.test(parts[split - 1])) split--;
  return { file: `${parts.slice(0, split).join("/")}.py`, classes: parts.slice(split) };
}

/**
 * The module path and classes of a node id, both relative to pytest's rootdir. classname is
 * "<module dotted path>[.<Class>[.<Inner>]]"; the classes are what follows the module.
 */
function nodePath(classname: string, file: string): { path: string; classes: string[] } {
  const module = moduleOf(file);
  if (classname === module) return { path: file, classes: [] };
  if (classname.startsWith(`${module}.`)) return { path: file, classes: classname.slice(module.length + 1).split(".") };
  const guessed = guessFromClassname(classname);
  // The same module seen from another root (a src/ layout): `file` is right, the classes are classname's.
  if (file === guessed.file || file.endsWith(`/${guessed.file}`)) return { path: file, classes: guessed.classes };
  // `file` is where the test is defined, not the module that collected it (a test inherited from a
  // base class in another file): the node id, and so a rerun, names the collecting module, which
  // the classname carries.
  return { path: guessed.file, classes: guessed.classes };
}

/** Where a testcase's node id starts, and the classname pytest would write from the backend root. */
export interface NodePrefix {
  /** "<path>::<Class>::" to put before the test's name, or the whole node id of a collection error. */
  prefix: string;
  /** The module path of the node id, relative to the backend root. */
  path: string;
  /** `file`, relative to the backend root. */
  file: string;
  /** The dotted classname of `path` and its classes, as pytest would write it run from the backend root. */
  classname: string;
}

/**
 * Node id prefixes of one lane, for (file, classname) pairs: a lane has few pairs and many tests, so
 * each pair is worked out once. `file` is "" when the testcase had none (xunit2): it is then guessed
 * from the classname.
 */
export class NodeIds {
  private readonly byPair = new Map<string, Map<string, NodePrefix>>();
  /** The last pair asked for: a lane's testcases come file by file, class by class. */
  private last: { file: string; classname: string; prefix: NodePrefix } | null = null;

  constructor(
    private readonly rootdir: string,
    private readonly invocation = ".",
  ) {}

  of(file: string, classname: string): NodePrefix {
    const last = this.last;
    if (last !== null && last.file === file && last.classname === classname) return last.prefix;
    const prefix = this.lookUp(file, classname);
    this.last = { file, classname, prefix };
    return prefix;
  }

  private lookUp(file: string, classname: string): NodePrefix {
    let byClass = this.byPair.get(file);
    if (byClass === undefined) {
      byClass = new Map();
      this.byPair.set(file, byClass);
    }
    let known = byClass.get(classname);
    if (known === undefined) {
      known = this.work(file, classname);
      byClass.set(classname, known);
    }
    return known;
  }

  private work(rawFile: string, classname: string): NodePrefix {
    const relative = rawFile === "" ? guessFromClassname(classname).file : normalizePath(rawFile);
    const file = fromRootdir(this.rootdir, relative, this.invocation);
    // A collection error is reported against the module itself: empty classname, dotted module name.
    if (classname === "") return { prefix: file, path: file, file, classname: "" };
    const { path, classes } = nodePath(classname, relative);
    const rooted = fromRootdir(this.rootdir, path, this.invocation);
    return {
      prefix: [rooted, ...classes, ""].join("::"),
      path: rooted,
      file,
      classname: [moduleOf(rooted), ...classes].join("."),
    };
  }
}

/**
 * Why a node id cannot be handed to pytest, or null. An id starting with `-` would be read as an
 * option on a rerun's command line (`-p evil`), whatever its file attribute says.
 */
export function unsafeNodeId(nodeid: string): string | null {
  return nodeid.startsWith("-") ? `node id ${JSON.stringify(nodeid.slice(0, 200))} starts with "-", which pytest would read as an option` : null;
}
