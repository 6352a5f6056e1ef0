/**
 * pytest's own configuration, read the way pytest finds it: the first of pytest.ini, .pytest.ini,
 * pyproject.toml ([tool.pytest.ini_options] or pytest 9's [tool.pytest]), tox.ini ([pytest]) and
 * setup.cfg ([tool:pytest]) in a directory or the nearest one above it. Only what planning needs:
 * testpaths, python_files, norecursedirs and addopts.
 *
 * The INI files are read with pytest's own grammar (iniconfig: `name = value` or `name: value`,
 * indented continuation lines, `#`/`;` comment lines, no inline comments). Generic INI packages fold
 * continuation lines differently, so this small reader is written out here; values of pytest's
 * "args" options are split with shlex, as pytest does.
 */
import { split as shlexSplit } from "shlex";
import { parse as parseToml } from "smol-toml";

export interface PytestConfig {
  /** The config file, relative to the repository root. */
  file: string;
  /** Its directory: pytest's rootdir when this file is the inifile. */
  dir: string;
  testpaths: string[];
  pythonFiles: string[];
  norecursedirs: string[];
  addopts: string[];
}

export const DEFAULT_PYTHON_FILES = ["test_*.py", "*_test.py"];
export const DEFAULT_NORECURSEDIRS = ["*.egg", ".*", "_darcs", "build", "CVS", "dist", "node_modules", "venv", "{arch}"];

/** The candidates in the order pytest tries them in each directory. */
const CANDIDATES = ["pytest.ini", ".pytest.ini", "pyproject.toml", "tox.ini", "setup.cfg"] as const;

/** Sections of an iniconfig file: section -> name -> value (continuation lines joined with "\n"). */
export function parseIni(text: string, file: string): Map<string, Map<string, string>> {
  const sections = new Map<string, Map<string, string>>();
  let section: Map<string, string> | undefined;
  let last: { map: Map<string, string>; name: string } | undefined;
  text
    .replace(/^\uFEFF/, "")
    .split(/\r?\n/)
    .forEach((raw, i) => {
      const trimmed = raw.trim();
      if (trimmed === "" || "#;".includes(trimmed[0])) return;
      const line = raw.trimEnd();
      if (line[0] === "[") {
        const header = line.split("#")[0].split(";")[0].trimEnd();
        if (!header.endsWith("]")) throw new Error(`${file}:${i + 1}: unexpected line: ${JSON.stringify(line)}`);
        section = new Map();
        sections.set(header.slice(1, -1), section);
        last = undefined;
        return;
      }
      if (/^\s/.test(line)) {
        if (!last) throw new Error(`${file}:${i + 1}: unexpected value continuation`);
        const prev = last.map.get(last.name) ?? "";
        last.map.set(last.name, prev === "" ? trimmed : `${prev}\n${trimmed}`);
        return;
      }
      if (!section) throw new Error(`${file}:${i + 1}: no section header defined`);
      const eq = line.indexOf("=");
      const colon = line.indexOf(":");
      const at = eq >= 0 && (colon < 0 || colon > eq) ? eq : colon;
      if (at < 0) throw new Error(`${file}:${i + 1}: unexpected line: ${JSON.stringify(line)}`);
      const name = line.slice(0, at).trim();
      section.set(name, line.slice(at + 1).trim());
      last = { map: section, name };
    });
  return sections;
}

/** An "args" option's words: a TOML list as is, a string split with shlex (as pytest does). */
function args(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) return value.map(String);
  return shlexSplit(String(value));
}

type Options = Record<string, unknown>;

/** The pytest options a candidate file holds, or undefined when it is not a pytest config. */
function optionsOf(name: (typeof CANDIDATES)[number], text: string, file: string): Options | undefined {
  if (name === "pyproject.toml") {
    const tool = (parseToml(text) as { tool?: { pytest?: Record<string, unknown> } }).tool;
    const pytest = tool?.pytest;
    if (!pytest) return undefined;
    // pytest 9 reads native TOML options in [tool.pytest]; ini_options is the older table.
    const iniOptions = pytest.ini_options as Options | undefined;
    const native = Object.fromEntries(Object.entries(pytest).filter(([k]) => k !== "ini_options"));
    return iniOptions ?? (Object.keys(native).length > 0 ? native : undefined);
  }
  const sections = parseIni(text, file);
  if (name === "pytest.ini" || name === ".pytest.ini") return Object.fromEntries(sections.get("pytest") ?? []);
  const section = sections.get(name === "tox.ini" ? "pytest" : "tool:pytest");
  return section ? Object.fromEntries(section) : undefined;
}

const join = (dir: string, name: string) => (dir === "." ? name : `${dir}/${name}`);
export const parentOf = (dir: string) => (dir === "." ? undefined : dir.includes("/") ? dir.slice(0, dir.lastIndexOf("/")) : ".");

/**
 * The pytest config that applies in `dir` (relative to the repository root): the first candidate in
 * `dir` or the nearest directory above it that is a pytest config. `files` lists every file of the
 * repository; `read` returns a file's text.
 */
export async function pytestConfigFor(dir: string, files: ReadonlySet<string>, read: (path: string) => Promise<string | undefined>): Promise<PytestConfig | undefined> {
  for (let d: string | undefined = dir; d !== undefined; d = parentOf(d)) {
    for (const name of CANDIDATES) {
      const file = join(d, name);
      if (!files.has(file)) continue;
      const text = await read(file);
      if (text === undefined) continue;
      let options: Options | undefined;
      try {
        options = optionsOf(name, text, file);
      } catch (e) {
        throw new Error(`${file}: pytest could not read it either: ${(e as Error).message}`);
      }
      // pytest.ini is the inifile even when empty; the others only with a pytest section.
      if (options === undefined && name !== "pytest.ini") continue;
      const o = options ?? {};
      return {
        file,
        dir: d,
        testpaths: args(o.testpaths) ?? [],
        pythonFiles: args(o.python_files) ?? DEFAULT_PYTHON_FILES,
        norecursedirs: args(o.norecursedirs) ?? DEFAULT_NORECURSEDIRS,
        addopts: args(o.addopts) ?? [],
      };
    }
  }
  return undefined;
}
