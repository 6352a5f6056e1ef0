/**
 * The service containers lanes bind: official images, single node, security off for tests, bounded
 * heap, ports exposed before `asService`, readiness by a Docker healthcheck rather than a bare TCP
 * probe (a listening port is not a ready database or cluster).
 */
import { Container, dag, Service } from "@dagger.io/dagger";

import type { Config, ServiceName } from "../core/config/config.js";

/** Checked every second, given up after `retries` failures: the config's readiness_timeout. */
const health = (retries: number) => ({ interval: "1s", timeout: "5s", startPeriod: "0s", startInterval: "1s", retries });
const DEFAULT_RETRIES = 120;

/** The Postgres container; `postgresService` starts it without fsync or durability. */
export function postgresContainer(image: string, pg: Config["services"]["postgres"], retries = DEFAULT_RETRIES): Container {
  return dag
    .container()
    .from(image)
    .withEnvVariable("POSTGRES_USER", pg.user)
    .withEnvVariable("POSTGRES_PASSWORD", pg.password)
    .withEnvVariable("POSTGRES_DB", pg.database)
    .withExposedPort(5432)
    .withDockerHealthcheck(["pg_isready", "-h", "127.0.0.1", "-U", pg.user, "-d", pg.database], health(retries));
}

const clusterHealth = "curl -fsS 'http://127.0.0.1:9200/_cluster/health?wait_for_status=yellow&timeout=1s'";

/** A single-node search cluster: the settings its image reads from env, the REST port, health at yellow. */
function searchCluster(image: string, settings: Record<string, string>, retries: number): Container {
  let c = dag.container().from(image).withEnvVariable("discovery.type", "single-node");
  for (const [k, v] of Object.entries(settings)) c = c.withEnvVariable(k, v);
  return c.withExposedPort(9200).withDockerHealthcheck([clusterHealth], { ...health(retries), shell: true });
}

export function elasticsearchContainer(image: string, retries = DEFAULT_RETRIES): Container {
  return searchCluster(
    image,
    { "xpack.security.enabled": "false", ES_JAVA_OPTS: "-Xms512m -Xmx512m", "action.destructive_requires_name": "false" },
    retries,
  );
}

export function opensearchContainer(image: string, retries = DEFAULT_RETRIES): Container {
  return searchCluster(
    image,
    { DISABLE_SECURITY_PLUGIN: "true", DISABLE_INSTALL_DEMO_CONFIG: "true", OPENSEARCH_JAVA_OPTS: "-Xms512m -Xmx512m" },
    retries,
  );
}

const POSTGRES_ARGS = ["postgres", "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"];

/** The container of a service as the config describes it. */
export function serviceContainer(name: ServiceName, config: Config): Container {
  const image = config.services[name].image;
  const retries = config.readiness_timeout;
  if (name === "postgres") return postgresContainer(image, config.services.postgres, retries);
  if (name === "elasticsearch") return elasticsearchContainer(image, retries);
  return opensearchContainer(image, retries);
}

/**
 * A service instance owned by one lane, shard or rerun: binding the same Service value in several
 * containers shares one instance, so the owner's id is part of the container and makes it unique.
 */
export function serviceFor(name: ServiceName, config: Config, owner: string): Service {
  const c = serviceContainer(name, config).withEnvVariable("BACKEND_CI_SERVICE_OWNER", owner);
  return name === "postgres" ? postgresService(c) : c.asService({ useEntrypoint: true });
}

/** Postgres started through the image's entrypoint, tuned for throwaway test data. */
export function postgresService(c: Container): Service {
  return c.asService({ args: POSTGRES_ARGS, useEntrypoint: true });
}
