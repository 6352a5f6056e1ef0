/**
 * Secrets of a run: the Postgres password (the `--postgres-password` argument, else the config's test
 * password) and the URLs built with it, each a Dagger secret so no exported file, argument or log
 * line carries it.
 */
import { createHash } from "node:crypto";

import { dag, type Secret } from "@dagger.io/dagger";

import type { Config } from "../core/config/config.js";
import { type SecretRef, secretValue } from "../core/plan/service-env.js";

export type SecretResolver = (ref: SecretRef) => Secret;

/** Resolves every secret reference of a plan to one Dagger secret per value. */
export async function secretResolver(config: Pick<Config, "services">, password?: Secret): Promise<SecretResolver> {
  const plain = password ? await password.plaintext() : config.services.postgres.password;
  const made = new Map<string, Secret>();
  return (ref) => {
    const key = `${ref.service}-${ref.value}`;
    let secret = made.get(key);
    if (!secret) {
      if (ref.value === "password" && password) secret = password;
      else {
        const plaintext = secretValue(ref, plain);
        // The name carries a digest of the value: one name, one value, in the engine's session.
        const digest = createHash("sha256").update(plaintext).digest("hex").slice(0, 12);
        secret = dag.setSecret(`backend-ci-${key}-${digest}`, plaintext);
      }
      made.set(key, secret);
    }
    return secret;
  };
}
