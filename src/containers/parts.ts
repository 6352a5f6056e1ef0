/**
 * The last job of a CI matrix: every part's exported reports in, one combined coverage gate, one
 * merged JUnit and one summary out. Which files count is the core's call (core/artifacts/parts-artifacts.ts);
 * this file lists the artifacts, reads what the core asks for, and places each lane's coverage file at
 * the path the module's own layout gives its id.
 */
import { dag, Directory, ExistsType } from "@dagger.io/dagger";

import { type ArtifactEntry, type ArtifactReader, type EntryKind, discoverParts } from "../core/artifacts/parts-artifacts.js";
import { COMBINED_DIR } from "../core/plan/layout.js";
import { laneOutputs } from "../core/plan/outputs.js";
import { planCombine } from "../core/plan/plan.js";
import { assembleReports } from "../core/report/reports.js";
import { runCombine } from "./lanes.js";
import type { RunOptionsOut } from "../options.js";
import { type PipelineOutput, backendFor, handBack, helpersDir, loadConfig } from "./pipeline.js";

/*
 * Links in the artifacts. The CLI uploads `--artifacts` with fsutil, which lstat()s every path and
 * sends a link as a link (its target text, not the file it names). Inside the engine, `glob` walks
 * the snapshot with filepath.WalkDir (a link is listed, without the `/` of a directory, and never
 * descended), while `file()`, `contents()` and `entries()` resolve paths with containerd's
 * fs.RootPath, which follows links but scoped to the snapshot: `/etc/passwd` or `../../x` resolve
 * inside the uploaded directory, never on the host (dagger/dagger core/directory.go). So a link
 * cannot leak a host file here, but it can make one part's lane.json read another file of the
 * artifacts. Hence every non-directory path is asked, without following links, whether it is a
 * regular file, and links are refused and left out of the reports' copy of the artifacts: exported
 * to the runner, a link would be followed there by whatever uploads the reports next.
 * The stand-in engine's filesystem has no links; tests script these `exists` answers to stand for one.
 */
async function kindOf(artifacts: Directory, path: string): Promise<EntryKind> {
  if (await artifacts.exists(path, { expectedType: ExistsType.RegularType, doNotFollowSymlinks: true })) return "file";
  return (await artifacts.exists(path, { expectedType: ExistsType.SymlinkType, doNotFollowSymlinks: true })) ? "symlink" : "other";
}

/** Every path below `artifacts` with its kind; directories end in `/` in the engine's glob. */
async function listArtifacts(artifacts: Directory): Promise<ArtifactEntry[]> {
  const listed = await artifacts.glob("**/*");
  return Promise.all(
    listed.map(async (p): Promise<ArtifactEntry> => (p.endsWith("/") ? { path: p.slice(0, -1), kind: "dir" } : { path: p, kind: await kindOf(artifacts, p) })),
  );
}

function artifactReader(artifacts: Directory): ArtifactReader {
  return { size: (path) => artifacts.file(path).size(), read: (path) => artifacts.file(path).contents() };
}

/** A path as a literal pattern for `exclude` (the engine's patterns take `\` escapes). */
const literalPattern = (path: string) => path.replace(/[\\*?[\]]/g, "\\$&").replace(/^!/, "\\!");

export async function combineParts(source: Directory, artifacts: Directory, opts: RunOptionsOut): Promise<PipelineOutput> {
  const loaded = await loadConfig(source, opts);
  const { config, layout } = loaded;
  const found = await discoverParts(await listArtifacts(artifacts), artifactReader(artifacts));
  // Where each lane's data file goes comes from the layout and the validated id, never from a plan.json.
  const placed = found.lanes.map((l) => ({ lane: l, at: laneOutputs(layout, l.plan.id) }));
  const combinePlan = planCombine(config, placed.map((p) => ({ id: p.lane.plan.id, outputs: p.at.outputs })), layout);
  const inputs = placed.flatMap((p) => (p.lane.coverage ? [{ path: p.at.outputs.coverage, file: artifacts.file(p.lane.coverage) }] : []));
  const base = backendFor(source, loaded, opts);
  const combine = await runCombine(base, helpersDir(), layout, combinePlan, inputs);
  const assembled = assembleReports({ config, lanes: found.lanes, combine: combine.record, coverageJson: combine.coverageJson, problems: found.problems });
  const copy = found.refused.length > 0 ? { exclude: found.refused.map(literalPattern) } : undefined;
  const reports = dag.directory().withDirectory("parts", artifacts, copy).withDirectory(COMBINED_DIR, combine.container.directory(combinePlan.outDir));
  return handBack(reports, assembled);
}
