/**
 * How to install a backend's test dependencies, decided from its files: `uv.lock` (uv sync; a uv
 * workspace at the repository root too), `requirements*.txt` (pip), or `pyproject.toml` extras and
 * dependency groups; then the backend itself (`install_project`), which code packaged under `src/`
 * needs before its tests can import it.
 */
import { parse as parseToml } from "smol-toml";
import { z } from "zod";

export interface InstallPlan {
  kind: "uv" | "uv-workspace" | "pip-requirements" | "pyproject";
  /** Where the install runs, relative to the repository root: the backend root, or the repository root for a workspace. */
  dir: string;
  /** Files (relative to the repository root) copied before `deps`, so a source change that leaves them alone reuses the install layer. */
  inputs: string[];
  /** Commands that install the dependencies; they see only `inputs`. */
  deps: string[][];
  /** Commands run once the whole source is in place: the backend itself, the test stack. */
  project: string[][];
  /** Environment the commands and later the lanes need (uv's environment on PATH). */
  env: Record<string, string>;
  /** One line for the plan view, e.g. "uv workspace at the repository root: uv sync --package backend". */
  note: string;
}

export interface InstallSource {
  /** The backend root relative to the repository root ("." for the repository itself). */
  root: string;
  /** Every file of the repository that discovery lists (pyproject.toml files among them), relative to its root. */
  files: readonly string[];
  /** Names at the backend root and at the repository root. */
  rootEntries: readonly string[];
  repoEntries: readonly string[];
  /** pyproject.toml text at the backend root and at the repository root, when present. */
  rootPyproject?: string;
  repoPyproject?: string;
  installProject: "auto" | boolean;
}

const TEST_NAMES = ["test", "tests", "testing", "dev"];

const Pyproject = z
  .object({
    project: z.object({ name: z.string().optional(), "optional-dependencies": z.record(z.string(), z.unknown()).optional() }).partial().optional(),
    "dependency-groups": z.record(z.string(), z.unknown()).optional(),
    "build-system": z.unknown().optional(),
  })
  .passthrough();

function readPyproject(text: string | undefined): z.infer<typeof Pyproject> {
  return text === undefined ? {} : Pyproject.parse(parseToml(text));
}

/** The test extras and dependency groups a pyproject declares, by their conventional names. */
export function testSelectors(pyprojectText: string | undefined): { extras: string[]; groups: string[] } {
  const doc = readPyproject(pyprojectText);
  const extras = Object.keys(doc.project?.["optional-dependencies"] ?? {}).filter((k) => TEST_NAMES.includes(k));
  const groups = Object.keys(doc["dependency-groups"] ?? {}).filter((k) => TEST_NAMES.includes(k));
  return { extras, groups };
}

/** Requirements files in install order: the base file first, then test/dev ones. */
function requirementFiles(entries: readonly string[]): string[] {
  const reqs = entries.filter((e) => /^requirements[\w.-]*\.txt$/.test(e));
  return reqs.sort((a, b) => (a === "requirements.txt" ? -1 : b === "requirements.txt" ? 1 : a.localeCompare(b)));
}

const TEST_STACK = "'pytest>=8' 'pytest-xdist>=3.6' 'pytest-cov>=5' 'coverage>=7.6'";

/**
 * The test stack the lanes rely on, added when the backend's own dependencies lack it, into the
 * environment the lanes' `python` is (uv's venv has no pip of its own).
 */
export function ensureTestStack(installer: "pip" | "uv", venv = UV_VENV): string[] {
  const install = installer === "uv" ? `uv pip install --python ${venv}/bin/python ${TEST_STACK}` : `pip install ${TEST_STACK}`;
  return ["sh", "-c", `python -c 'import pytest, xdist, pytest_cov, coverage' 2>/dev/null || ${install}`];
}

/** `auto`: the backend is a package to install when its pyproject declares a build system or it has a setup.py. */
function installsProject(s: InstallSource): boolean {
  if (s.installProject !== "auto") return s.installProject;
  return readPyproject(s.rootPyproject)["build-system"] !== undefined || s.rootEntries.includes("setup.py");
}

const rel = (dir: string, path: string) => (dir === "." ? path : `${dir}/${path}`);
/** Where uv puts the backend's environment in the container; the host harness passes its own. */
export const UV_VENV = "/opt/venv";
const uvEnv = (venv: string) => ({ UV_PROJECT_ENVIRONMENT: venv, PATH: `${venv}/bin:$PATH`, UV_LINK_MODE: "copy" });

function uvSync(extra: string[], selectors: { extras: string[]; groups: string[] }, installProject: boolean, workspace: boolean): string[][] {
  const picks = [...selectors.extras.flatMap((e) => ["--extra", e]), ...selectors.groups.flatMap((g) => ["--group", g])];
  const sync = ["uv", "sync", "--frozen", ...extra, ...picks];
  return [sync.concat(workspace ? ["--no-install-workspace"] : ["--no-install-project"]), ...(installProject ? [sync] : [])];
}

/** `venv`: where uv installs (the container's /opt/venv; a host venv in the harness). */
export function detectInstall(s: InstallSource, venv = UV_VENV): InstallPlan {
  const project = installsProject(s);
  const atRoot = s.root === ".";
  if (s.rootEntries.includes("uv.lock")) {
    const selectors = testSelectors(s.rootPyproject);
    const [deps, own] = uvSync([], selectors, project, false);
    return {
      kind: "uv",
      dir: s.root,
      inputs: [rel(s.root, "pyproject.toml"), rel(s.root, "uv.lock")],
      deps: [["pip", "install", "uv"], deps],
      project: [...(own ? [own] : []), ensureTestStack("uv", venv)],
      env: uvEnv(venv),
      note: `uv project${atRoot ? "" : ` in ${s.root}`}: uv sync --frozen${project ? "" : " (without the project itself)"}`,
    };
  }
  if (!atRoot && s.repoEntries.includes("uv.lock")) {
    // A uv workspace: the lock and the workspace root are at the repository root, the backend is a member.
    const member = readPyproject(s.rootPyproject).project?.name;
    const selectors = testSelectors(s.rootPyproject);
    const target = member ? ["--package", member] : ["--all-packages"];
    const [deps, own] = uvSync(target, selectors, project || member !== undefined, true);
    const pyprojects = s.files.filter((f) => f === "pyproject.toml" || f.endsWith("/pyproject.toml"));
    return {
      kind: "uv-workspace",
      dir: ".",
      inputs: ["uv.lock", ...pyprojects],
      deps: [["pip", "install", "uv"], deps],
      project: [...(own ? [own] : []), ensureTestStack("uv", venv)],
      env: uvEnv(venv),
      note: `uv workspace at the repository root: uv sync --frozen ${target.join(" ")}`,
    };
  }
  for (const [dir, entries] of [[s.root, s.rootEntries], ...(atRoot ? [] : [[".", s.repoEntries]])] as [string, readonly string[]][]) {
    const reqs = requirementFiles(entries);
    if (reqs.length === 0) continue;
    const target = dir === s.root ? "." : s.root;
    return {
      kind: "pip-requirements",
      dir,
      inputs: reqs.map((r) => rel(dir, r)),
      deps: [["pip", "install", ...reqs.flatMap((r) => ["-r", r])]],
      project: [...(project ? [["pip", "install", "--no-deps", "-e", target]] : []), ensureTestStack("pip")],
      env: {},
      note: `pip install -r ${reqs.join(" -r ")}${dir === "." && !atRoot ? " (at the repository root)" : ""}${project ? `, then pip install --no-deps -e ${target}` : ""}`,
    };
  }
  for (const [dir, text] of [[s.root, s.rootPyproject], ...(atRoot ? [] : [[".", s.repoPyproject]])] as [string, string | undefined][]) {
    if (text === undefined) continue;
    const { extras, groups } = testSelectors(text);
    const target = extras.length ? `.[${extras.join(",")}]` : ".";
    return {
      kind: "pyproject",
      dir,
      inputs: [],
      deps: [],
      // With only a pyproject.toml, pip installs the dependencies by installing the project.
      project: [["pip", "install", "-e", target, ...groups.flatMap((g) => ["--group", g])], ensureTestStack("pip")],
      env: {},
      note: `pip install -e ${target}${dir === "." && !atRoot ? " (at the repository root)" : ""}`,
    };
  }
  throw new Error(
    `source: found no uv.lock, requirements*.txt or pyproject.toml in the backend root${atRoot ? "" : ` (${s.root}) or the repository root`}; pass --source (and --root in a monorepo) pointing at the backend, or --dockerfile with a test stage`,
  );
}
