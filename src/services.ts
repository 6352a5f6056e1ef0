/**
 * The service containers lanes bind: official images, single node, security off for tests, bounded
 * heap, ports exposed before `asService`, readiness by a Docker healthcheck rather than a bare TCP
 * probe (a listening port is not a ready database or cluster).
 */
import { Container, dag, Service } from "@dagger.io/dagger";

import type { Config, ServiceName } from "./core/config.js";

const HEALTH = { interval: "1s", timeout: "5s", startPeriod: "0s", startInterval: "1s", retries: 120 };

/** Postgres tuned for throwaway test data: no fsync, no durability. */
export function postgresContainer(image: string, pg: Config["services"]["postgres"]): Container {
  return dag
    .container()
    .from(image)
    .withEnvVariable("POSTGRES_USER", pg.user)
    .withEnvVariable("POSTGRES_PASSWORD", pg.password)
    .withEnvVariable("POSTGRES_DB", pg.database)
    .withExposedPort(5432)
    .withDockerHealthcheck(["pg_isready", "-h", "127.0.0.1", "-U", pg.user, "-d", pg.database], HEALTH);
}

const clusterHealth = "curl -fsS 'http://127.0.0.1:9200/_cluster/health?wait_for_status=yellow&timeout=1s'";

export function elasticsearchContainer(image: string): Container {
  return dag
    .container()
    .from(image)
    .withEnvVariable("discovery.type", "single-node")
    .withEnvVariable("xpack.security.enabled", "false")
    .withEnvVariable("ES_JAVA_OPTS", "-Xms512m -Xmx512m")
    .withEnvVariable("action.destructive_requires_name", "false")
    .withExposedPort(9200)
    .withDockerHealthcheck([clusterHealth], { ...HEALTH, shell: true });
}

export function opensearchContainer(image: string): Container {
  return dag
    .container()
    .from(image)
    .withEnvVariable("discovery.type", "single-node")
    .withEnvVariable("DISABLE_SECURITY_PLUGIN", "true")
    .withEnvVariable("DISABLE_INSTALL_DEMO_CONFIG", "true")
    .withEnvVariable("OPENSEARCH_JAVA_OPTS", "-Xms512m -Xmx512m")
    .withExposedPort(9200)
    .withDockerHealthcheck([clusterHealth], { ...HEALTH, shell: true });
}

const POSTGRES_ARGS = ["postgres", "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"];

/** The container of a service as the config describes it. */
export function serviceContainer(name: ServiceName, config: Config): Container {
  const image = config.services[name].image;
  if (name === "postgres") return postgresContainer(image, config.services.postgres);
  if (name === "elasticsearch") return elasticsearchContainer(image);
  return opensearchContainer(image);
}

/**
 * A service instance owned by one lane, shard or rerun: binding the same Service value in several
 * containers shares one instance, so the owner's id is part of the container and makes it unique.
 */
export function serviceFor(name: ServiceName, config: Config, owner: string): Service {
  const c = serviceContainer(name, config).withEnvVariable("BACKEND_CI_SERVICE_OWNER", owner);
  return name === "postgres" ? c.asService({ args: POSTGRES_ARGS, useEntrypoint: true }) : c.asService({ useEntrypoint: true });
}
