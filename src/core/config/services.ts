/**
 * `[tool.backend-ci.services.<name>]`: the built-in services (Postgres, Redis, Elasticsearch,
 * OpenSearch) and services of the team's own (any image: MinIO, a mail catcher, Kafka), with every
 * way an app reads its connection: URL variables, a driver scheme, a file holding the URL
 * (`*_FILE` secrets), discrete variables (`PGHOST`, `DB_NAME`, ...) and a password file.
 */
import { z } from "zod";

import { CustomServiceName, EnvName, Pattern } from "./names.js";

export const BUILTIN_SERVICES = ["postgres", "redis", "elasticsearch", "opensearch"] as const;
export type BuiltinService = (typeof BUILTIN_SERVICES)[number];

/** How backend-ci starts, checks and isolates a service. */
export type ServiceKind = "postgres" | "redis" | "search" | "custom";

export const DEFAULT_IMAGES: Record<BuiltinService, string> = {
  postgres: "postgres:16-alpine",
  redis: "redis:7-alpine",
  elasticsearch: "docker.elastic.co/elasticsearch/elasticsearch:8.15.3",
  opensearch: "opensearchproject/opensearch:2.17.1",
};

/** One variable name, or several that all carry the same URL. Normalised to a list. */
const UrlEnv = z.union([EnvName, z.array(EnvName).min(1)]).transform((v) => (Array.isArray(v) ? v : [v]));
/** The same, where `[]` is allowed: an app may read only discrete variables or a URL file. */
const UrlEnvOrNone = z.union([EnvName, z.array(EnvName)]).transform((v) => (Array.isArray(v) ? v : [v]));

const common = (marker: string) => ({
  /** pytest marker of tests that need this service (zero-config discovery and `shard_by = "services"`). */
  marker: z.string().min(1).default(marker),
  /** Globs of test files that need this service even without the marker. */
  paths: z.array(Pattern).default([]),
  /** A variable whose value is the path of a file holding the URL (`*_FILE` secrets), mounted as a secret. */
  url_file_env: EnvName.optional(),
});

/** The libpq variables, for `vars = "libpq"`. */
export const LIBPQ_VARS = { host: "PGHOST", port: "PGPORT", user: "PGUSER", password: "PGPASSWORD", database: "PGDATABASE" } as const;

const PgVars = z
  .object({ host: EnvName, port: EnvName, user: EnvName, password: EnvName, database: EnvName })
  .partial()
  .strict()
  .refine((v) => Object.keys(v).length > 0, "name at least one of host, port, user, password, database");

/** One set of discrete variables. */
const VarsSet = z.union([z.literal("libpq").transform((): Record<string, string> => ({ ...LIBPQ_VARS })), PgVars]);

export const PostgresConfig = z
  .object({
    image: z.string().min(1).default(DEFAULT_IMAGES.postgres),
    /** Variable(s) carrying the URL; `[]` when the app reads only `vars` or `url_file_env`. */
    env: UrlEnvOrNone.default(["DATABASE_URL"]),
    /** The URL's scheme: a driver scheme such as `postgresql+asyncpg` or `postgresql+psycopg` for SQLAlchemy. */
    scheme: z
      .string()
      .regex(/^postgres(?:ql)?(?:\+[a-z0-9_]+)?$/, 'expected "postgresql", "postgres" or a driver scheme such as "postgresql+asyncpg"')
      .default("postgresql"),
    /**
     * Discrete variables: `"libpq"` (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE), a table such as
     * `{ host = "DB_HOST", database = "DB_NAME" }`, or a list of them (an app's own names beside libpq's).
     */
    vars: z
      .union([VarsSet, z.array(VarsSet).min(1)])
      .transform((v) => (Array.isArray(v) ? v : [v]))
      .optional(),
    /** A variable whose value is the path of a file holding the password (mounted as a secret). */
    password_file_env: EnvName.optional(),
    /** Database name; each xdist worker gets `<database>_<worker>`. */
    database: z.string().regex(/^[a-z_][a-z0-9_]*$/, "must be a lower-case SQL identifier").max(40, "at most 40 characters, so worker databases fit in 63").default("app"),
    user: z.string().min(1).default("postgres"),
    /** Test-only password of the throwaway server; `--postgres-password` (a Dagger secret) replaces it. */
    password: z.string().min(1).default("postgres"),
    ...common("requires_postgres"),
  })
  .strict()
  .superRefine((pg, ctx) => {
    if (pg.env.length === 0 && !pg.vars && !pg.url_file_env)
      ctx.addIssue({ code: "custom", path: ["env"], message: "the app must get the database somehow: set env, vars or url_file_env" });
  });

export const RedisConfig = z
  .object({
    image: z.string().min(1).default(DEFAULT_IMAGES.redis),
    env: UrlEnv.default(["REDIS_URL"]),
    /** Logical databases the server offers; each xdist worker uses database `<worker index + 1>`. */
    databases: z.number().int().min(2).max(4096).default(64),
    ...common("requires_redis"),
  })
  .strict();

/** A JVM heap size as the images read it: `512m`, `1g`. */
const Heap = z.string().regex(/^[1-9]\d*[mg]$/, 'expected a heap size such as "512m" or "1g"');

/** Extra node settings (`indices.query.bool.max_clause_count = 4096`), passed as the images read them: environment variables. */
const SearchSettings = z.record(
  z.string().regex(/^[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+$/, "expected a dotted setting name such as indices.query.bool.max_clause_count"),
  z.union([z.string(), z.number(), z.boolean()]),
);

const SearchConfig = (image: string, env: string, marker: string) =>
  z
    .object({
      image: z.string().min(1).default(image),
      env: UrlEnv.default([env]),
      /** JVM heap of the node (`-Xms` = `-Xmx`). */
      heap: Heap.default("512m"),
      settings: SearchSettings.default({}),
      ...common(marker),
    })
    .strict();

export const ElasticsearchConfig = SearchConfig(DEFAULT_IMAGES.elasticsearch, "ELASTICSEARCH_URL", "requires_elasticsearch");
export const OpensearchConfig = SearchConfig(DEFAULT_IMAGES.opensearch, "OPENSEARCH_URL", "requires_opensearch");

/** A service of the team's own: any image, one port, a URL template, an optional readiness command. */
export const CustomServiceConfig = z
  .object({
    image: z.string().min(1, "a custom service needs its image"),
    port: z.number().int().min(1).max(65535),
    /** Variable(s) carrying the URL into lanes. */
    env: UrlEnv,
    /** The URL lanes get; `{host}` and `{port}` are filled in. */
    url: z
      .string()
      .regex(/^[a-z][a-z0-9+.-]*:\/\/\{host\}(?::\{port\})?[^\s]*$/, 'expected a URL template such as "http://{host}:{port}"')
      .default("tcp://{host}:{port}"),
    /** Arguments of the image's entrypoint. */
    args: z.array(z.string()).default([]),
    /** Environment of the service container itself (e.g. MINIO_ROOT_USER). */
    container_env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_.]*$/, "must be an environment variable name"), z.string()).default({}),
    /** A command run inside the service container until it exits 0 (a Docker healthcheck); default: its port accepts connections. */
    readiness: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
    ...common(""),
  })
  .strict();

export type PostgresConfig = z.infer<typeof PostgresConfig>;
export type RedisConfig = z.infer<typeof RedisConfig>;
export type SearchServiceConfig = z.infer<typeof ElasticsearchConfig>;
export type CustomServiceConfig = z.infer<typeof CustomServiceConfig>;

export const ServicesConfig = z
  .object({
    postgres: PostgresConfig.prefault({}),
    redis: RedisConfig.prefault({}),
    elasticsearch: ElasticsearchConfig.prefault({}),
    opensearch: OpensearchConfig.prefault({}),
  })
  .catchall(CustomServiceConfig)
  .superRefine((services, ctx) => {
    for (const name of Object.keys(services)) {
      if ((BUILTIN_SERVICES as readonly string[]).includes(name)) continue;
      const ok = CustomServiceName.safeParse(name);
      if (!ok.success) ctx.addIssue({ code: "custom", path: [name], message: ok.error.issues[0].message });
    }
  })
  .transform((services) => {
    // A custom service's marker defaults to requires_<name>, like the built-in ones.
    for (const [name, s] of Object.entries(services))
      if (!(BUILTIN_SERVICES as readonly string[]).includes(name) && (s as CustomServiceConfig).marker === "")
        (s as CustomServiceConfig).marker = `requires_${name.replaceAll("-", "_")}`;
    return services as ServicesTable;
  });

export interface ServicesTable {
  postgres: PostgresConfig;
  redis: RedisConfig;
  elasticsearch: SearchServiceConfig;
  opensearch: SearchServiceConfig;
  [custom: string]: PostgresConfig | RedisConfig | SearchServiceConfig | CustomServiceConfig;
}

export function serviceKind(name: string): ServiceKind {
  if (name === "postgres") return "postgres";
  if (name === "redis") return "redis";
  if (name === "elasticsearch" || name === "opensearch") return "search";
  return "custom";
}

/** The variables a service's URL reaches the lanes through (for discovery signals and the plugin). */
export function serviceEnvNames(name: string, services: ServicesTable): string[] {
  const s = services[name] as { env: string[]; url_file_env?: string; vars?: Record<string, string>[]; password_file_env?: string };
  return [...s.env, ...(s.url_file_env ? [s.url_file_env] : []), ...(s.vars ?? []).flatMap((v) => Object.values(v)), ...(s.password_file_env ? [s.password_file_env] : [])];
}
