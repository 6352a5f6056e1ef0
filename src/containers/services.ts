/**
 * The service containers lanes bind: official images (or the team's own), single node, security off
 * for tests, bounded heap, ports exposed before `asService`, readiness by a Docker healthcheck rather
 * than a bare TCP probe (a listening port is not a ready database or cluster). Passwords reach the
 * containers as Dagger secrets.
 */
import { Container, dag, type Secret, Service } from "@dagger.io/dagger";

import { type Config, type CustomServiceConfig, type SearchServiceConfig, serviceKind } from "../core/config/config.js";
import { servicePort } from "../core/plan/layout.js";

/** Checked every second, given up after `retries` failures: the config's readiness_timeout. */
const health = (retries: number) => ({ interval: "1s", timeout: "5s", startPeriod: "0s", startInterval: "1s", retries });
const DEFAULT_RETRIES = 120;

/** The Postgres password as a secret: the `--postgres-password` argument, else the config's test password. */
export function postgresPassword(config: Pick<Config, "services">, password?: Secret): Secret {
  return password ?? dag.setSecret("backend-ci-postgres-password", config.services.postgres.password);
}

/** The Postgres container; `postgresService` starts it without fsync or durability. */
export function postgresContainer(image: string, pg: Config["services"]["postgres"], password: Secret, retries = DEFAULT_RETRIES): Container {
  return dag
    .container()
    .from(image)
    .withEnvVariable("POSTGRES_USER", pg.user)
    .withSecretVariable("POSTGRES_PASSWORD", password)
    .withEnvVariable("POSTGRES_DB", pg.database)
    .withExposedPort(5432)
    .withDockerHealthcheck(["pg_isready", "-h", "127.0.0.1", "-U", pg.user, "-d", pg.database], health(retries));
}

/** Redis without persistence, with room for a database per xdist worker, ready when it answers PONG. */
export function redisContainer(image: string, retries = DEFAULT_RETRIES): Container {
  return dag
    .container()
    .from(image)
    .withExposedPort(6379)
    .withDockerHealthcheck(["redis-cli -h 127.0.0.1 ping | grep -q PONG"], { ...health(retries), shell: true });
}

const REDIS_ARGS = (databases: number) => ["redis-server", "--save", "", "--appendonly", "no", "--databases", String(databases)];

const clusterHealth = "curl -fsS 'http://127.0.0.1:9200/_cluster/health?wait_for_status=yellow&timeout=1s'";

/** A single-node search cluster: the settings its image reads from env, the REST port, health at yellow. */
function searchCluster(image: string, settings: Record<string, string>, extra: SearchServiceConfig["settings"], retries: number): Container {
  let c = dag.container().from(image).withEnvVariable("discovery.type", "single-node");
  for (const [k, v] of Object.entries({ ...settings, ...extra })) c = c.withEnvVariable(k, String(v));
  return c.withExposedPort(9200).withDockerHealthcheck([clusterHealth], { ...health(retries), shell: true });
}

const heapOpts = (heap: string) => `-Xms${heap} -Xmx${heap}`;

export function elasticsearchContainer(image: string, es: Pick<SearchServiceConfig, "heap" | "settings"> = { heap: "512m", settings: {} }, retries = DEFAULT_RETRIES): Container {
  return searchCluster(
    image,
    { "xpack.security.enabled": "false", ES_JAVA_OPTS: heapOpts(es.heap), "action.destructive_requires_name": "false" },
    es.settings,
    retries,
  );
}

export function opensearchContainer(image: string, os: Pick<SearchServiceConfig, "heap" | "settings"> = { heap: "512m", settings: {} }, retries = DEFAULT_RETRIES): Container {
  return searchCluster(
    image,
    { DISABLE_SECURITY_PLUGIN: "true", DISABLE_INSTALL_DEMO_CONFIG: "true", OPENSEARCH_JAVA_OPTS: heapOpts(os.heap) },
    os.settings,
    retries,
  );
}

/** A service of the team's own: its image and environment, its port, its readiness command when given. */
export function customContainer(name: string, s: CustomServiceConfig, config: Pick<Config, "services">, retries = DEFAULT_RETRIES): Container {
  let c = dag.container().from(s.image);
  for (const [k, v] of Object.entries(s.container_env)) c = c.withEnvVariable(k, v);
  c = c.withExposedPort(servicePort(name, config));
  if (s.readiness !== undefined)
    c = typeof s.readiness === "string" ? c.withDockerHealthcheck([s.readiness], { ...health(retries), shell: true }) : c.withDockerHealthcheck(s.readiness, health(retries));
  return c;
}

const POSTGRES_ARGS = ["postgres", "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"];

/** The container of a service as the config describes it, and the arguments its entrypoint gets. */
export function serviceContainer(name: string, config: Config, password: Secret): { container: Container; args: string[] } {
  const s = config.services[name];
  const retries = config.readiness_timeout;
  switch (serviceKind(name)) {
    case "postgres":
      return { container: postgresContainer(s.image, config.services.postgres, password, retries), args: POSTGRES_ARGS };
    case "redis":
      return { container: redisContainer(s.image, retries), args: REDIS_ARGS(config.services.redis.databases) };
    case "search":
      return {
        container: name === "elasticsearch" ? elasticsearchContainer(s.image, s as SearchServiceConfig, retries) : opensearchContainer(s.image, s as SearchServiceConfig, retries),
        args: [],
      };
    default:
      return { container: customContainer(name, s as CustomServiceConfig, config, retries), args: (s as CustomServiceConfig).args };
  }
}

/**
 * A service instance owned by one lane, shard or rerun: binding the same Service value in several
 * containers shares one instance, so the owner's id is part of the container and makes it unique.
 */
export function serviceFor(name: string, config: Config, owner: string, password: Secret): Service {
  const { container, args } = serviceContainer(name, config, password);
  const c = container.withEnvVariable("BACKEND_CI_SERVICE_OWNER", owner);
  return args.length > 0 ? c.asService({ args, useEntrypoint: true }) : c.asService({ useEntrypoint: true });
}

/** Postgres started through the image's entrypoint, tuned for throwaway test data. */
export function postgresService(c: Container): Service {
  return c.asService({ args: POSTGRES_ARGS, useEntrypoint: true });
}
