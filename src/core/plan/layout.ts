/**
 * Where things live when a plan runs: inside the Dagger containers, or on a host (the test harness).
 * A plan is built against a Layout so both run the very same argv/env contract.
 */
import type { ServiceName } from "../config/config.js";

export interface Endpoint {
  host: string;
  port: number;
}

export interface Layout {
  /** The backend's source root; the working directory of every lane and of the combine step. */
  source: string;
  /** The in-container helpers (src/python), put on PYTHONPATH. */
  helpers: string;
  /** Root of every lane's report directory and of the combined reports. */
  reports: string;
  /** The Python interpreter that has the backend's test dependencies. */
  python: string;
  /** Where each service answers. */
  endpoints: Record<ServiceName, Endpoint>;
}

/** Service containers are bound under their own names as aliases. */
export const CONTAINER_LAYOUT: Layout = {
  source: "/src",
  helpers: "/backend-ci",
  reports: "/reports",
  python: "python",
  endpoints: {
    postgres: { host: "postgres", port: 5432 },
    elasticsearch: { host: "elasticsearch", port: 9200 },
    opensearch: { host: "opensearch", port: 9200 },
  },
};

/** The directory under `reports` that the combine step writes. */
export const COMBINED_DIR = "combined";
