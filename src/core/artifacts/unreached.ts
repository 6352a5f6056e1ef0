/**
 * The lane.json of a lane whose exec never gave an exit code, written by the caller so the lane is
 * still reported. Dagger v0.21.8 fails such an exec with an error of its own, not an exit code:
 *   start <random host> (aliased as postgres): exit code: 1 [traceparent:...]                 (exited at start)
 *   start <random host> (aliased as postgres): health check errored: exit code: 255 [traceparent:...] (never healthy)
 * This reads that error into a sentence naming the service, its image and the URL the lane would
 * have used (password hidden), without the engine's noise.
 */
import { LaneRecord } from "./records.js";
import { redact } from "./redact.js";

/** One service the lane binds, as the plan and config describe it. */
export interface BoundService {
  name: string; // the alias the lane reaches it by
  image: string;
  url?: string; // the URL the lane would have used; its password (or `{password}` placeholder) is hidden before it is written
}

export interface Unreached {
  lane: string;
  /** The pytest argv that would have run. */
  argv: string[];
  /** The plan's xdist workers: "auto", "2", "0". */
  workersPlanned: string;
  services: BoundService[];
  /** Seconds the config gives each service to become healthy (its health check's retries). */
  readinessTimeout: number;
  /** The engine's error message. */
  error: string;
  /** The service's own output, when the engine gives it (v0.21.8 does not). */
  output?: string;
  requestedAt: Date;
  failedAt: Date;
}

/** How many lines of a service's output the record keeps. */
const OUTPUT_LINES = 20;

const SERVICE_START = /start \S+ \(aliased as ([^)]+)\): (health check errored: )?exit code: (\d+)/;

/** The engine's trace parents and random service host names say nothing to a reader. */
export function withoutEngineNoise(error: string): string {
  return redact(error)
    .replace(/\s*\[traceparent:[^\]]*\]/g, "")
    .replace(/start \S+ \(aliased as ([^)]+)\)/g, "start of service `$1`")
    .trim();
}


/** How a reader sees the service's own output, which the engine does not pass on. */
function howToSee(s: BoundService): string {
  const known: [string, RegExp][] = [
    ["postgres", /^postgres:(.+)$/],
    ["elasticsearch", /^docker\.elastic\.co\/elasticsearch\/elasticsearch:(.+)$/],
    ["opensearch", /^opensearchproject\/opensearch:(.+)$/],
  ];
  for (const [fn, image] of known) {
    const tag = s.image.match(image)?.[1];
    if (s.name === fn && tag) return `run \`dagger call ${fn} --version=${tag} up\` to watch it start`;
  }
  return `start \`${s.image}\` on its own (e.g. \`docker run --rm ${s.image}\`) to watch it start`;
}

function tail(output: string): string {
  const lines = output.trimEnd().split("\n");
  return lines.slice(-OUTPUT_LINES).join("\n");
}

/** Status, message and cause of an unreached lane, from the engine's error. */
function describe(u: Unreached): Pick<LaneRecord, "status" | "message" | "cause" | "services"> {
  const m = u.error.match(SERVICE_START);
  const seconds = (u.failedAt.getTime() - u.requestedAt.getTime()) / 1000;
  if (m) {
    const [, alias, health, code] = m;
    const s = u.services.find((x) => x.name === alias) ?? { name: alias, image: "an unknown image" };
    const what = health
      ? `never became healthy: its health check failed after ${u.readinessTimeout}s (readiness_timeout; last check exit ${code})`
      : `crashed at start (exit ${code})`;
    const url = s.url ? `; the lane would have used ${redact(s.url)}` : "";
    const message = `service \`${s.name}\` (image ${s.image}) ${what}${url}`;
    const cause = u.output?.trim()
      ? `last lines of service \`${s.name}\`'s output:\n${tail(u.output)}`
      : `the engine (Dagger v0.21) does not pass on a service's output; ${howToSee(s)}`;
    return { status: "not-ready", message, cause, services: [{ name: s.name, ready: false, seconds, started_at: null, message }] };
  }
  const line = withoutEngineNoise(u.error.split("\n")[0]).slice(0, 500);
  if (/health|service/i.test(u.error)) {
    return { status: "not-ready", message: `a service of the lane never became ready: ${line}`, cause: null, services: [] };
  }
  return { status: "crashed", message: `the lane's container did not run to the end: ${line}`, cause: null, services: [] };
}

/** The lane.json of a lane that never ran: its span is the caller's wait, on the caller's clock. */
export function unreachedLaneRecord(u: Unreached): LaneRecord {
  return LaneRecord.parse({
    lane: u.lane,
    ...describe(u),
    exit_code: -1,
    readiness_s: 0,
    tests_s: 0,
    started_at: u.requestedAt.toISOString(),
    finished_at: u.failedAt.toISOString(),
    argv: u.argv,
    workers: 0,
    workers_planned: u.workersPlanned,
  });
}
