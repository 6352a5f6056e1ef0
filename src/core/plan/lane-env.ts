/**
 * A lane's environment: the helpers on PYTHONPATH, its coverage file, its services (through
 * service-env.ts), the isolation plugin's switches, and the lane's own variables last.
 */
import type { Config, LaneConfig } from "../config/config.js";
import type { Layout } from "./layout.js";
import { type SecretRef, serviceEnv } from "./service-env.js";

export interface LaneEnv {
  env: Record<string, string>;
  secretEnv: Record<string, SecretRef>;
  secretFiles: Record<string, SecretRef>;
}

/** PYTHONPATH with the helpers first: the plugin must import, and a lane's own value is kept after them. */
export function pythonPath(layout: Pick<Layout, "helpers">, own?: string): string {
  return own ? `${layout.helpers}:${own}` : layout.helpers;
}

export interface LaneEnvInput {
  id: string;
  cfg: LaneConfig;
  services: readonly string[];
  coverageFile: string;
  shardKey?: string;
  databaseIsolation: "plugin" | "conftest";
}

export function laneEnv(u: LaneEnvInput, config: Config, layout: Layout): LaneEnv {
  const services = serviceEnv(u.services, config, layout, u.databaseIsolation);
  const env: Record<string, string> = {
    PYTHONPATH: pythonPath(layout),
    COVERAGE_FILE: u.coverageFile,
    BACKEND_CI_LANE: u.id,
    // Output that reaches a CI log as it happens, not at exit.
    PYTHONUNBUFFERED: "1",
    ...services.env,
  };
  if (!config.isolation.enabled) env.BACKEND_CI_ISOLATION = "0";
  if (u.services.length > 0) env.BACKEND_CI_SERVICES = JSON.stringify(services.spec);
  if (u.services.includes("postgres")) {
    if (config.isolation.migrate) env.BACKEND_CI_MIGRATE = config.isolation.migrate;
    if (config.isolation.keep_databases) env.BACKEND_CI_KEEP_DATABASES = "1";
  }
  const prefix = config.isolation.index_prefix_env;
  if (u.services.some((s) => services.spec[s]?.kind === "search")) {
    env.BACKEND_CI_INDEX_PREFIX_ENV = prefix;
    env[prefix] = `${u.id.replace(/[^a-z0-9_]/g, "_")}_`;
  } else if (prefix in u.cfg.env) {
    // No search service bound, but the lane gives its tests an index prefix (a cluster of their own):
    // each worker still gets its own.
    env.BACKEND_CI_INDEX_PREFIX_ENV = prefix;
  }
  if (u.shardKey) env.BACKEND_CI_SHARD = u.shardKey;
  // The lane's own variables win, over a service's secret too.
  const own = { ...u.cfg.env };
  if (own.PYTHONPATH) own.PYTHONPATH = pythonPath(layout, own.PYTHONPATH);
  const secretEnv = Object.fromEntries(Object.entries(services.secretEnv).filter(([k]) => !(k in own)));
  if (Object.keys(secretEnv).length > 0) env.BACKEND_CI_SECRET_ENV = Object.keys(secretEnv).sort().join(",");
  return { env: { ...env, ...own }, secretEnv, secretFiles: services.secretFiles };
}
