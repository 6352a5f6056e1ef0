/**
 * The plan view (`dagger call plan`, `npm run plan`): which lanes would run, with which workers,
 * paths and services, and which test files no lane runs, before anything runs. Static: config,
 * testpaths, the test tree and what its files show; sharded lanes are split only after collection.
 */
import { type Config, type Workers, laneWorkers } from "../config/config.js";
import type { Discovery } from "./discover/discover.js";

export interface PlanViewLane {
  id: string;
  mode: "parallel" | "serial";
  workers: Workers;
  paths: string[];
  services: string[];
}

/** `--json`: exactly `{ lanes: [{ id, mode, workers, paths, services }], unplanned: [paths] }`. */
export interface PlanView {
  lanes: PlanViewLane[];
  unplanned: string[];
}

export function planView(config: Config, discovery: Discovery, workers?: Workers): PlanView {
  return {
    lanes: Object.entries(config.lanes).map(([id, l]) => ({
      id,
      mode: l.mode,
      workers: laneWorkers(l, workers),
      paths: l.paths.length > 0 ? l.paths : discovery.tests.testRoots,
      services: l.services,
    })),
    unplanned: discovery.unplanned,
  };
}

const pad = (rows: string[][]) => {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd());
};

/** The plan view as text: a table of lanes, the files left out, and how each decision was made. */
export function renderPlanView(config: Config, discovery: Discovery, opts: { workers?: Workers; install?: string } = {}): string {
  const view = planView(config, discovery, opts.workers);
  const t = discovery.tests;
  const lines = [
    `backend root: ${t.root}   test files: ${t.files.length}   lanes: ${discovery.inferred ? "inferred (no [tool.backend-ci.lanes])" : "configured"}`,
    "",
    ...pad([
      ["lane", "mode", "workers", "services", "shards", "paths"],
      ...view.lanes.map((l) => {
        const cfg = config.lanes[l.id];
        const shards = cfg.shard_by === "services" ? `by services${cfg.shards > 1 ? ` x${cfg.shards}` : ""}` : String(cfg.shards);
        return [l.id, l.mode, l.workers === 0 ? "0 (no xdist)" : String(l.workers), l.services.join(",") || "-", shards, l.paths.join(" ")];
      }),
    ]),
    "",
    view.unplanned.length > 0 ? `not planned (no lane runs them): ${view.unplanned.join(" ")}` : "not planned: nothing; every test file is in a lane",
    ...(Object.values(config.lanes).some((l) => l.shards > 1 || l.shard_by === "services")
      ? ["sharded lanes are split once pytest has collected their tests in the backend container (a run does it; this view does not)"]
      : []),
    ...t.notes,
    ...[...discovery.needs.evidence].map(([service, files]) => `${service}: needed by what ${files.slice(0, 4).join(", ")}${files.length > 4 ? ` and ${files.length - 4} more` : ""} show`),
    `database isolation: ${discovery.databaseIsolation.mode} (${discovery.databaseIsolation.why})`,
    ...(opts.install ? [`install: ${opts.install}`] : []),
  ];
  return `${lines.join("\n")}\n`;
}
