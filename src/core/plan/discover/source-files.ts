/**
 * Which files of a source discovery looks at, and which folders never reach the containers: one
 * list for the Dagger layer (the source argument's `ignore`) and for a tree read from disk.
 */

/**
 * Left out of the source: local environments, caches and earlier results. Narrow on purpose: a
 * `.coveragerc` or a package named `reports` is the team's source and must reach the lanes.
 */
export const SOURCE_IGNORE = [".venv", "venv", "**/__pycache__", "**/.pytest_cache", "**/node_modules", ".git", "**/.coverage", "**/.coverage.*", "reports"];

/** Globs (from the repository root) of the files discovery reads: Python files, pytest config candidates, virtualenv markers. */
export const DISCOVERY_GLOBS = ["**/*.py", "**/pytest.ini", "**/.pytest.ini", "**/pyproject.toml", "**/tox.ini", "**/setup.cfg", "**/pyvenv.cfg"];

const NAMES = new Set(["pytest.ini", ".pytest.ini", "pyproject.toml", "tox.ini", "setup.cfg", "pyvenv.cfg"]);

/** Whether discovery reads this file (by name). */
export function isDiscoveryFile(path: string): boolean {
  const name = path.slice(path.lastIndexOf("/") + 1);
  return name.endsWith(".py") || NAMES.has(name);
}
