/**
 * Where things live when a plan runs: inside the Dagger containers, or on a host (the test harness).
 * A plan is built against a Layout so both run the very same argv/env contract.
 */
import { type Config, ServicesConfig, serviceKind } from "../config/config.js";

export interface Endpoint {
  host: string;
  port: number;
}

export interface Layout {
  /** The whole source (a monorepo's root). */
  repo: string;
  /** The backend root (`repo` + config `root`): the working directory of every lane, collect and combine step. */
  source: string;
  /** The in-container helpers (src/python), put on PYTHONPATH. */
  helpers: string;
  /** Root of every lane's report directory and of the combined reports. */
  reports: string;
  /** Where secret files (`*_FILE` variables) are mounted. */
  secrets: string;
  /** The Python interpreter that has the backend's test dependencies. */
  python: string;
  /** Where each service answers. */
  endpoints: Record<string, Endpoint>;
  /** Services are started for each lane alone (Dagger), so their start time measures the lane's wait; false when shared (host). */
  freshServices: boolean;
}

/** The port each kind of service listens on inside its container. */
export function servicePort(name: string, config: Pick<Config, "services">): number {
  const kind = serviceKind(name);
  if (kind === "postgres") return 5432;
  if (kind === "redis") return 6379;
  if (kind === "search") return 9200;
  return (config.services[name] as { port: number }).port;
}

/** Inside the containers: the source at /src, the backend at /src/<root>, each service under its own name as alias. */
export function containerLayout(config: Pick<Config, "services" | "root">): Layout {
  const endpoints: Record<string, Endpoint> = {};
  for (const name of Object.keys(config.services)) endpoints[name] = { host: name, port: servicePort(name, config) };
  return {
    repo: "/src",
    source: config.root === "." ? "/src" : `/src/${config.root}`,
    helpers: "/backend-ci",
    reports: "/reports",
    secrets: "/run/secrets/backend-ci",
    python: "python",
    endpoints,
    freshServices: true,
  };
}

/** The container layout of a source with the default config (root ".", the built-in services). */
export const CONTAINER_LAYOUT: Layout = containerLayout({ root: ".", services: ServicesConfig.parse({}) });

/** The directory under `reports` that the combine step writes. */
export const COMBINED_DIR = "combined";
