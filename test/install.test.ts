/** How the backend container installs test dependencies and the backend itself, decided from its files. */
import { describe, expect, it } from "vitest";

import { type InstallSource, detectInstall, ensureTestStack, testSelectors } from "../src/core/plan/install.js";

const PYPROJECT = `[project]
name = "svc"
[project.optional-dependencies]
test = ["pytest"]
docs = ["mkdocs"]
[dependency-groups]
dev = ["ruff"]
lint = ["mypy"]
`;

const PACKAGED = `[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"
[project]
name = "ledger"
version = "1.0.0"
`;

const source = (over: Partial<InstallSource>): InstallSource => ({
  root: ".",
  files: [],
  rootEntries: [],
  repoEntries: [],
  installProject: "auto",
  ...over,
});
const at = (entries: string[], pyproject?: string) => source({ rootEntries: entries, repoEntries: entries, rootPyproject: pyproject, repoPyproject: pyproject });

describe("detectInstall", () => {
  it("prefers uv.lock: uv sync of the test extras and groups into /opt/venv, the project after the source", () => {
    const p = detectInstall(at(["pyproject.toml", "uv.lock", "requirements.txt"], PYPROJECT));
    expect(p.kind).toBe("uv");
    expect(p.deps[1]).toEqual(["uv", "sync", "--frozen", "--extra", "test", "--group", "dev", "--no-install-project"]);
    expect(p.env.PATH).toBe("/opt/venv/bin:$PATH");
    expect(p.inputs).toEqual(["pyproject.toml", "uv.lock"]);
    // No build system: the project is not a package to install; uv's venv has no pip, the test stack goes in through uv.
    expect(p.project).toEqual([ensureTestStack("uv")]);
    expect(p.project[0][2]).toMatch(/\|\| uv pip install --python \/opt\/venv\/bin\/python 'pytest>=8'/);
  });

  it("installs every requirements*.txt with pip, the base file first", () => {
    const p = detectInstall(at(["requirements-test.txt", "requirements.txt", "requirements-dev.txt", "app"]));
    expect(p.kind).toBe("pip-requirements");
    expect(p.deps[0]).toEqual(["pip", "install", "-r", "requirements.txt", "-r", "requirements-dev.txt", "-r", "requirements-test.txt"]);
    expect(p.project).toEqual([ensureTestStack("pip")]);
  });

  it("installs a packaged backend itself (a src/ layout), without its dependencies again, once the source is in place", () => {
    const p = detectInstall(at(["pyproject.toml", "requirements.txt", "src"], PACKAGED));
    expect(p.project).toEqual([["pip", "install", "--no-deps", "-e", "."], ensureTestStack("pip")]);
    expect(p.note).toContain("pip install --no-deps -e .");
  });

  it("installs the project when install_project = true and never when false", () => {
    expect(detectInstall({ ...at(["requirements.txt"]), installProject: true }).project[0]).toEqual(["pip", "install", "--no-deps", "-e", "."]);
    expect(detectInstall({ ...at(["requirements.txt", "setup.py"], PACKAGED), installProject: false }).project).toEqual([ensureTestStack("pip")]);
  });

  it("falls back to pyproject.toml extras and dependency groups", () => {
    const p = detectInstall(at(["pyproject.toml"], PYPROJECT));
    expect(p.project[0]).toEqual(["pip", "install", "-e", ".[test]", "--group", "dev"]);
  });

  it("installs a uv workspace member from the repository root's lock, the workspace packages editable", () => {
    const member = '[project]\nname = "shop-backend"\n[dependency-groups]\ntest = ["pytest"]\n';
    const p = detectInstall(
      source({
        root: "backend",
        files: ["pyproject.toml", "backend/pyproject.toml", "common/pyproject.toml", "backend/app/x.py"],
        rootEntries: ["pyproject.toml", "app", "tests"],
        repoEntries: ["pyproject.toml", "uv.lock", "backend", "common"],
        rootPyproject: member,
        repoPyproject: '[tool.uv.workspace]\nmembers = ["backend", "common"]\n',
      }),
    );
    expect(p.kind).toBe("uv-workspace");
    expect(p.dir).toBe(".");
    expect(p.inputs).toEqual(["uv.lock", "pyproject.toml", "backend/pyproject.toml", "common/pyproject.toml"]);
    expect(p.deps[1]).toEqual(["uv", "sync", "--frozen", "--package", "shop-backend", "--group", "test", "--no-install-workspace"]);
    expect(p.project[0]).toEqual(["uv", "sync", "--frozen", "--package", "shop-backend", "--group", "test"]);
  });

  it("finds requirements at the repository root when the backend folder has none, and installs the backend folder", () => {
    const p = detectInstall(
      source({ root: "apps/api", rootEntries: ["pyproject.toml", "tests"], repoEntries: ["requirements.txt", "apps"], rootPyproject: PACKAGED }),
    );
    expect([p.kind, p.dir, p.inputs]).toEqual(["pip-requirements", ".", ["requirements.txt"]]);
    expect(p.project[0]).toEqual(["pip", "install", "--no-deps", "-e", "apps/api"]);
  });

  it("says what it looked for, and where, when the source has none of them", () => {
    expect(() => detectInstall(at(["README.md"]))).toThrow(/found no uv\.lock, requirements\*\.txt or pyproject\.toml.*--source/);
    expect(() => detectInstall(source({ root: "svc", rootEntries: ["x"], repoEntries: ["svc"] }))).toThrow(/backend root \(svc\) or the repository root.*--root/);
  });
});

describe("testSelectors", () => {
  it("keeps only the conventional test names", () => {
    expect(testSelectors(PYPROJECT)).toEqual({ extras: ["test"], groups: ["dev"] });
  });
});
