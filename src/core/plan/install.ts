/**
 * How to install a backend's test dependencies, decided from the files at its root:
 * `uv.lock` (uv sync), `requirements*.txt` (pip), or `pyproject.toml` extras / dependency groups.
 */
import { parse as parseToml } from "smol-toml";
import { z } from "zod";

export interface InstallPlan {
  kind: "uv" | "pip-requirements" | "pyproject";
  /** Commands run in order in the source directory. */
  commands: string[][];
  /** Files that decide the install, copied before the rest of the source so the layer caches. */
  inputs: string[];
  /** Environment the commands and later the lanes need (uv's environment on PATH). */
  env: Record<string, string>;
}

const TEST_NAMES = ["test", "tests", "testing", "dev"];

const Pyproject = z
  .object({
    project: z.object({ "optional-dependencies": z.record(z.string(), z.unknown()).optional() }).partial().optional(),
    "dependency-groups": z.record(z.string(), z.unknown()).optional(),
  })
  .passthrough();

/** The test extras and dependency groups a pyproject declares, by their conventional names. */
export function testSelectors(pyprojectText: string): { extras: string[]; groups: string[] } {
  const doc = Pyproject.parse(parseToml(pyprojectText));
  const extras = Object.keys(doc.project?.["optional-dependencies"] ?? {}).filter((k) => TEST_NAMES.includes(k));
  const groups = Object.keys(doc["dependency-groups"] ?? {}).filter((k) => TEST_NAMES.includes(k));
  return { extras, groups };
}

/** Requirements files in install order: the base file first, then test/dev ones. */
function requirementFiles(entries: string[]): string[] {
  const reqs = entries.filter((e) => /^requirements[\w.-]*\.txt$/.test(e));
  return reqs.sort((a, b) => (a === "requirements.txt" ? -1 : b === "requirements.txt" ? 1 : a.localeCompare(b)));
}

const TEST_STACK = "'pytest>=8' 'pytest-xdist>=3.6' 'pytest-cov>=5' 'coverage>=7.6'";

/**
 * The test stack the lanes rely on, added when the backend's own dependencies lack it, into the
 * environment the lanes' `python` is (uv's venv has no pip of its own).
 */
export function ensureTestStack(installer: "pip" | "uv"): string[] {
  const install = installer === "uv" ? `uv pip install --python /opt/venv/bin/python ${TEST_STACK}` : `pip install ${TEST_STACK}`;
  return ["sh", "-c", `python -c 'import pytest, xdist, pytest_cov, coverage' 2>/dev/null || ${install}`];
}

export function detectInstall(entries: string[], pyprojectText?: string): InstallPlan {
  if (entries.includes("uv.lock")) {
    const groups = pyprojectText ? testSelectors(pyprojectText) : { extras: [], groups: [] };
    return {
      kind: "uv",
      inputs: ["pyproject.toml", "uv.lock"],
      env: { UV_PROJECT_ENVIRONMENT: "/opt/venv", PATH: "/opt/venv/bin:$PATH", UV_LINK_MODE: "copy" },
      commands: [
        ["pip", "install", "uv"],
        [
          "uv",
          "sync",
          "--frozen",
          "--no-install-project",
          ...groups.extras.flatMap((e) => ["--extra", e]),
          ...groups.groups.flatMap((g) => ["--group", g]),
        ],
        ensureTestStack("uv"),
      ],
    };
  }
  const reqs = requirementFiles(entries);
  if (reqs.length)
    return {
      kind: "pip-requirements",
      inputs: reqs,
      env: {},
      commands: [["pip", "install", ...reqs.flatMap((r) => ["-r", r])], ensureTestStack("pip")],
    };
  if (entries.includes("pyproject.toml") && pyprojectText !== undefined) {
    const { extras, groups } = testSelectors(pyprojectText);
    const target = extras.length ? `.[${extras.join(",")}]` : ".";
    return {
      kind: "pyproject",
      inputs: [],
      env: {},
      commands: [["pip", "install", "-e", target, ...groups.flatMap((g) => ["--group", g])], ensureTestStack("pip")],
    };
  }
  throw new Error(
    "source: found no uv.lock, requirements*.txt or pyproject.toml at the source root; pass --source pointing at the backend, or --dockerfile with a test stage",
  );
}
