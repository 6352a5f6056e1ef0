/**
 * Files the module writes itself, handed to the engine without passing their contents as API
 * arguments: written to a folder of the module runtime's working directory (its scratch space) and
 * loaded with `currentModule().workdir`, as Dagger's own tests do. The folder is named by a hash of
 * the contents, so concurrent calls never write into each other's folder and equal reports share one.
 * Only a module has a current module: this runs under `dagger call`, not from a plain client.
 */
import { createHash } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { dag, Directory } from "@dagger.io/dagger";

/** The scratch folder's parent, relative to the module runtime's working directory. */
export const SCRATCH_DIR = ".backend-ci-scratch";

/** Writes `files` (relative path -> text) to a fresh scratch folder and returns it as a Directory. */
export async function scratchDirectory(files: Record<string, string>): Promise<Directory> {
  const names = Object.keys(files).sort();
  const hash = createHash("sha256");
  for (const name of names) hash.update(`${name}\0${Buffer.byteLength(files[name])}\0`).update(files[name]);
  const folder = join(SCRATCH_DIR, hash.digest("hex").slice(0, 32));
  await Promise.all(
    names.map(async (name) => {
      const path = join(folder, name);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, files[name]);
    }),
  );
  return dag.currentModule().workdir(folder);
}
