/**
 * How a lane reaches its services: the variables an app reads (URLs, discrete variables, files
 * holding a URL or a password), and the `BACKEND_CI_SERVICES` description the helpers read. Values
 * that carry a password are secret references, never plain strings in a plan: the Dagger layer turns
 * them into Dagger secrets, the host harness into files and variables of its own.
 */
import { type Config, type PostgresConfig, serviceKind } from "../config/config.js";
import type { Layout } from "./layout.js";

/**
 * A secret a lane needs: a service's full URL (with its password) or the password alone. `url` is
 * the URL with a `{password}` placeholder, so a plan says everything but the secret itself.
 */
export interface SecretRef {
  service: string;
  value: "url" | "password";
  url?: string;
}

const PASSWORD = "{password}";

/** One entry of `BACKEND_CI_SERVICES` (docs/CONTRACTS.md). */
export interface ServiceSpec {
  kind: "postgres" | "redis" | "search" | "custom";
  fresh: boolean;
  url_env: string[];
  url_file_env: string | null;
  vars?: Record<string, string>;
  /** More variables naming the database (further sets of discrete variables). */
  database_env?: string[];
  password_file_env?: string | null;
  isolation?: "plugin" | "conftest";
}

export interface ServiceEnv {
  /** Plain variables (hosts, ports, URLs without credentials, file paths). */
  env: Record<string, string>;
  /** Variables whose value is a secret. */
  secretEnv: Record<string, SecretRef>;
  /** Absolute path -> the secret the file holds. */
  secretFiles: Record<string, SecretRef>;
  /** `BACKEND_CI_SERVICES`. */
  spec: Record<string, ServiceSpec>;
}

/** A service's URL as the lanes reach it; Postgres's with the `{password}` placeholder (see `secretValue`). */
export function serviceUrl(name: string, config: Pick<Config, "services">, layout: Pick<Layout, "endpoints">): string {
  const { host, port } = layout.endpoints[name];
  const kind = serviceKind(name);
  if (kind === "postgres") {
    const pg = config.services.postgres;
    return `${pg.scheme}://${encodeURIComponent(pg.user)}:${PASSWORD}@${host}:${port}/${pg.database}`;
  }
  if (kind === "redis") return `redis://${host}:${port}/0`;
  if (kind === "search") return `http://${host}:${port}`;
  const template = (config.services[name] as { url: string }).url;
  return template.replaceAll("{host}", host).replaceAll("{port}", String(port));
}

/** The plaintext behind a secret reference, given the service's password. */
export function secretValue(ref: SecretRef, password: string): string {
  if (ref.value === "password") return password;
  return (ref.url ?? "").replaceAll(PASSWORD, encodeURIComponent(password));
}

/** Postgres reaches the app in every form its config names. */
function postgresEnv(pg: PostgresConfig, layout: Layout, out: ServiceEnv, isolation: "plugin" | "conftest"): ServiceSpec {
  const url: SecretRef = { service: "postgres", value: "url", url: serviceUrl("postgres", { services: { postgres: pg } as Config["services"] }, layout) };
  for (const name of pg.env) out.secretEnv[name] = url;
  if (pg.url_file_env) {
    const path = `${layout.secrets}/postgres-url`;
    out.secretFiles[path] = url;
    out.env[pg.url_file_env] = path;
  }
  const sets = pg.vars ?? [];
  const { host, port } = layout.endpoints.postgres;
  for (const vars of sets) {
    if (vars.host) out.env[vars.host] = host;
    if (vars.port) out.env[vars.port] = String(port);
    if (vars.user) out.env[vars.user] = pg.user;
    if (vars.database) out.env[vars.database] = pg.database;
    if (vars.password) out.secretEnv[vars.password] = { service: "postgres", value: "password" };
  }
  const [vars = {}, ...more] = sets;
  if (pg.password_file_env) {
    const path = `${layout.secrets}/postgres-password`;
    out.secretFiles[path] = { service: "postgres", value: "password" };
    out.env[pg.password_file_env] = path;
  }
  return {
    kind: "postgres",
    fresh: layout.freshServices,
    url_env: pg.env,
    url_file_env: pg.url_file_env ?? null,
    vars,
    ...(more.length > 0 ? { database_env: more.flatMap((v) => (v.database ? [v.database] : [])) } : {}),
    password_file_env: pg.password_file_env ?? null,
    isolation,
  };
}

/** Every variable, secret and file that brings `services` to a lane, and their description for the helpers. */
export function serviceEnv(services: readonly string[], config: Pick<Config, "services">, layout: Layout, isolation: "plugin" | "conftest"): ServiceEnv {
  const out: ServiceEnv = { env: {}, secretEnv: {}, secretFiles: {}, spec: {} };
  for (const name of services) {
    const kind = serviceKind(name);
    if (kind === "postgres") {
      out.spec[name] = postgresEnv(config.services.postgres, layout, out, isolation);
      continue;
    }
    const s = config.services[name] as { env: string[]; url_file_env?: string };
    const url = serviceUrl(name, config, layout);
    for (const v of s.env) out.env[v] = url;
    if (s.url_file_env) {
      const path = `${layout.secrets}/${name}-url`;
      out.secretFiles[path] = { service: name, value: "url", url };
      out.env[s.url_file_env] = path;
    }
    out.spec[name] = { kind, fresh: layout.freshServices, url_env: s.env, url_file_env: s.url_file_env ?? null };
  }
  return out;
}
