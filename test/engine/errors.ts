/**
 * Errors the stand-in engine answers with. `ExecFailure` carries the real engine's EXEC_ERROR
 * extensions, which the SDK turns into its `ExecError` (common/graphql/compute_query.js).
 */

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
