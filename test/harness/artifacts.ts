/**
 * combine-parts' artifact reading on the host: the core's discovery (src/core/artifacts/parts-artifacts.ts)
 * fed by node:fs instead of the engine. The listing takes each entry's type from readdir, which is
 * lstat's (a link is a link, never descended); the reader opens only what the listing called a
 * regular file, with O_NOFOLLOW, and checks it again on the open descriptor.
 */
import { closeSync, constants, fstatSync, openSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

import { type ArtifactEntry, type ArtifactReader, type EntryKind, type PartsDiscovery, discoverParts } from "../../src/core/artifacts/parts-artifacts.js";

/** Every path below `root`, relative and `/`-separated, with its type as lstat sees it. */
export function listHostArtifacts(root: string): ArtifactEntry[] {
  const out: ArtifactEntry[] = [];
  const walk = (rel: string) => {
    for (const d of readdirSync(join(root, rel), { withFileTypes: true })) {
      const path = rel === "" ? d.name : `${rel}/${d.name}`;
      const kind: EntryKind = d.isDirectory() ? "dir" : d.isFile() ? "file" : d.isSymbolicLink() ? "symlink" : "other";
      out.push({ path, kind });
      if (kind === "dir") walk(path);
    }
  };
  walk("");
  return out;
}

export interface HostReader extends ArtifactReader {
  /** Paths whose contents were read, in order. */
  readonly reads: string[];
}

/** Reads regular files of `entries` below `root`; anything else is an error, never a followed link. */
export function hostArtifactReader(root: string, entries: readonly ArtifactEntry[]): HostReader {
  const files = new Set(entries.filter((e) => e.kind === "file").map((e) => e.path));
  const reads: string[] = [];
  const withFile = <T>(path: string, use: (fd: number) => T): T => {
    if (!files.has(path)) throw new Error(`${path} is not a regular file of the artifacts' listing`);
    const fd = openSync(join(root, path), constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      if (!fstatSync(fd).isFile()) throw new Error(`${path} is no longer a regular file`);
      return use(fd);
    } finally {
      closeSync(fd);
    }
  };
  return {
    reads,
    size: async (path) => withFile(path, (fd) => fstatSync(fd).size),
    read: async (path) => {
      reads.push(path);
      return withFile(path, (fd) => readFileSync(fd, "utf8"));
    },
  };
}

/** The parts and lanes in a host directory of downloaded artifacts, and the reader that read them. */
export async function discoverHostParts(root: string): Promise<{ found: PartsDiscovery; reader: HostReader }> {
  const entries = listHostArtifacts(root);
  const reader = hostArtifactReader(root, entries);
  return { found: await discoverParts(entries, reader), reader };
}
