/**
 * Which `[tool.backend-ci]` table applies, and where the backend lives in the source. In a monorepo
 * the backend is a folder of the repository (`root`): its own pyproject.toml may hold the table, or
 * the repository root's may (a uv workspace keeps its config there), naming the folder with `root`.
 */
import { type BackendCiConfig, RelativeDir } from "./config.js";
import { backendCiTable, ConfigError, validateConfig } from "./read.js";

export interface LocatedConfig {
  config: BackendCiConfig;
  /** The file the table came from, relative to the repository root (or "defaults"). */
  file: string;
}

/** The backend's folder: the `--root` argument, else the repository root's table's `root`, else ".". */
export function backendRoot(rootArg: string | undefined, repoPyproject: string | undefined): string {
  if (rootArg !== undefined) {
    const parsed = RelativeDir.safeParse(rootArg);
    if (!parsed.success) throw new ConfigError(`--root = ${JSON.stringify(rootArg)} is not allowed: ${parsed.error.issues[0].message}`);
    return parsed.data;
  }
  const repoTable = backendCiTable(repoPyproject, "pyproject.toml");
  return repoTable?.root === undefined ? "." : validateConfig({ root: repoTable.root }, "pyproject.toml").root;
}

/**
 * The table that applies to the backend at `root`: the backend root's pyproject.toml when it has one,
 * else the repository root's. A backend's own table must not name another root (roots are relative
 * to the repository).
 */
export function locateConfig(input: { root: string; repoPyproject?: string; rootPyproject?: string }): LocatedConfig {
  const { root } = input;
  const repoTable = backendCiTable(input.repoPyproject, "pyproject.toml");
  const fromRepo = (): LocatedConfig => ({ config: { ...validateConfig(repoTable, "pyproject.toml"), root }, file: repoTable ? "pyproject.toml" : "defaults" });
  if (root === ".") return fromRepo();
  const file = `${root}/pyproject.toml`;
  const own = backendCiTable(input.rootPyproject, file);
  if (!own) return fromRepo();
  if (own.root !== undefined && own.root !== ".")
    throw new ConfigError(`${file}: tool.backend-ci.root = ${JSON.stringify(own.root)} is not allowed here: root is read from the repository root's pyproject.toml (or --root), relative to the repository`);
  return { config: { ...validateConfig(own, file), root }, file };
}
