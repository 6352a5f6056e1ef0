/**
 * Errors the stand-in engine answers with. `ExecFailure` carries the real engine's EXEC_ERROR
 * extensions, which the SDK turns into its `ExecError` (common/graphql/compute_query.js);
 * `ServiceFailure` is the plain error v0.21.8 gives for a bound service that did not start.
 */
import { randomBytes } from "node:crypto";

export interface ExecFailureFields {
  /** argv of the failed exec; defaults to the last withExec of the chain the leaf was asked on. */
  cmd?: string[];
  exitCode?: number;
  stdout?: string;
  stderr?: string;
}

export class ExecFailure extends Error {
  readonly cmd: string[] | undefined;
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;

  constructor(fields: ExecFailureFields = {}) {
    super("exec failed");
    this.cmd = fields.cmd;
    this.exitCode = fields.exitCode ?? 1;
    this.stdout = fields.stdout ?? "";
    this.stderr = fields.stderr ?? "";
  }

  /** The engine's wording: process "<argv joined>" did not complete successfully: exit code: N */
  withCmd(fallback: string[]): { message: string; extensions: Record<string, unknown> } {
    const cmd = this.cmd ?? fallback;
    return {
      message: `process ${JSON.stringify(cmd.join(" "))} did not complete successfully: exit code: ${this.exitCode}`,
      extensions: { _type: "EXEC_ERROR", cmd, exitCode: this.exitCode, stdout: this.stdout, stderr: this.stderr },
    };
  }
}

/** Throw this from a responder to fail a leaf the way a failed exec does. */
export function execError(fields: ExecFailureFields = {}): ExecFailure {
  return new ExecFailure(fields);
}

/** A query the real engine would reject at run time (unknown id, id of the wrong type). */
export class ProtocolError extends Error {}

/**
 * How a bound service fails to start, as Dagger v0.21.8 reports it on the exec of the container that
 * binds it: the process exited (`exited`, with its exit code) or its Docker health check never passed
 * (`unhealthy`, with the last check's exit code). Neither error carries the service's output.
 */
export type ServiceOutcome = { exited: number } | { unhealthy: number };

const BASE32 = "abcdefghijklmnopqrstuv0123456789";
const random = (n: number, alphabet: string) => Array.from(randomBytes(n), (b) => alphabet[b % alphabet.length]).join("");

/**
 * The engine's error for a service that did not start, worded like v0.21.8's: a random host name,
 * the alias, the cause and a trace parent, e.g.
 * `start k3f0q1v9o2m7e (aliased as postgres): exit code: 1 [traceparent:00-<32 hex>-<16 hex>-01]`.
 */
export class ServiceFailure extends Error {
  constructor(
    readonly alias: string,
    readonly outcome: ServiceOutcome,
    readonly host = random(13, BASE32),
  ) {
    const trace = `[traceparent:00-${randomBytes(16).toString("hex")}-${randomBytes(8).toString("hex")}-01]`;
    const cause = "exited" in outcome ? `exit code: ${outcome.exited}` : `health check errored: exit code: ${outcome.unhealthy}`;
    super(`start ${host} (aliased as ${alias}): ${cause} ${trace}`);
  }
}
