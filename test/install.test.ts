/** How the backend container installs test dependencies, decided from the files at the source root. */
import { describe, expect, it } from "vitest";

import { detectInstall, ensureTestStack, testSelectors } from "../src/core/plan/install.js";

const PYPROJECT = `[project]
name = "svc"
[project.optional-dependencies]
test = ["pytest"]
docs = ["mkdocs"]
[dependency-groups]
dev = ["ruff"]
lint = ["mypy"]
`;

describe("detectInstall", () => {
  it("prefers uv.lock: uv sync of the test extras and groups into /opt/venv", () => {
    const p = detectInstall(["pyproject.toml", "uv.lock", "requirements.txt"], PYPROJECT);
    expect(p.kind).toBe("uv");
    expect(p.commands[1]).toEqual(["uv", "sync", "--frozen", "--no-install-project", "--extra", "test", "--group", "dev"]);
    expect(p.env.PATH).toBe("/opt/venv/bin:$PATH");
    expect(p.inputs).toEqual(["pyproject.toml", "uv.lock"]);
    // uv's venv has no pip: a missing test stack goes into it through uv.
    expect(p.commands[2][2]).toMatch(/\|\| uv pip install --python \/opt\/venv\/bin\/python 'pytest>=8'/);
  });

  it("installs every requirements*.txt with pip, the base file first", () => {
    const p = detectInstall(["requirements-test.txt", "requirements.txt", "requirements-dev.txt", "app"]);
    expect(p.kind).toBe("pip-requirements");
    expect(p.commands[0]).toEqual(["pip", "install", "-r", "requirements.txt", "-r", "requirements-dev.txt", "-r", "requirements-test.txt"]);
    expect(p.commands.at(-1)).toEqual(ensureTestStack("pip"));
  });

  it("falls back to pyproject.toml extras and dependency groups", () => {
    const p = detectInstall(["pyproject.toml"], PYPROJECT);
    expect(p.commands[0]).toEqual(["pip", "install", "-e", ".[test]", "--group", "dev"]);
  });

  it("says what it looked for when the source has none of them", () => {
    expect(() => detectInstall(["README.md"])).toThrow(/found no uv\.lock, requirements\*\.txt or pyproject\.toml.*--source/);
  });
});

describe("testSelectors", () => {
  it("keeps only the conventional test names", () => {
    expect(testSelectors(PYPROJECT)).toEqual({ extras: ["test"], groups: ["dev"] });
  });
});
