/**
 * Where the wall clock went: per-lane phases, the critical path (the lane or serial chain that bounds
 * the lanes, and by how much), xdist efficiency, and warnings a team can act on.
 *
 * Two clocks, never mixed. A lane's figures come from its own lane.json: the container's and its
 * services' stamps, written where the work happened, so they stay true when the engine serves the
 * lane from its cache (they are then the figures of the run that produced it). The run's own wall
 * time and setup are the caller's measure of this call, reported apart.
 */
import { z } from "zod";
import { formatSeconds as s } from "./format.js";

export const LaneMode = z.enum(["parallel", "serial"]);

/** One lane's timings, in seconds, all from its lane.json (first run and reruns). */
export const LaneTimingInput = z.object({
  lane: z.string(),
  /** pytest-xdist workers actually used (`-n auto` resolved by the caller); 1 for a serial lane. */
  workers: z.number().int().min(1),
  /** The lane asked xdist for `-n auto` (the worker count followed the machine's CPUs). */
  auto: z.boolean().optional(),
  /** How pytest ran inside the lane: `parallel` is xdist (`-n`), `serial` is one process. */
  mode: LaneMode,
  /**
   * How the lane is scheduled among lanes: `parallel` lanes all start together; `serial` lanes run
   * one after another, alongside the parallel ones. Defaults to `mode`.
   */
  group: LaneMode.optional(),
  /** The serial chain a serial lane belongs to: one per run, so one per matrix part in combine-parts. */
  chain: z.string().optional(),
  /** From the first start of the lane's own services to the runner's start: the engine's health wait. Null when unknown. */
  service_wait_s: z.number().nonnegative().nullable().optional(),
  readiness_s: z.number().nonnegative(), // the runner's own wait for its services, after its container started
  tests_s: z.number().nonnegative(), // pytest's own run
  total_s: z.number().nonnegative(), // the lane's span by its own clock: service wait, runner, reruns
  /** The span's first and last instant (epoch ms, the lane's clock), when its stamps are readable. */
  start_ms: z.number().optional(),
  end_ms: z.number().optional(),
  /** Its results came from the engine's cache: its figures are those of the run that produced them. */
  reused: z.boolean().optional(),
  /** Per-test durations of this lane (node id -> seconds), for efficiency and the dominance warning. */
  durations: z.map(z.string(), z.number()).optional(),
});
export type LaneTimingInput = z.input<typeof LaneTimingInput>;

export const LaneTiming = z.object({
  lane: z.string(),
  mode: LaneMode,
  group: LaneMode,
  workers: z.number().int(),
  reused: z.boolean(),
  service_wait_s: z.number().nullable(), // the engine's hold until the services were healthy (in-container, services' own start times)
  runner_readiness_s: z.number(), // the runner's own wait, after its container started
  readiness_s: z.number(), // both: the real wait for services
  tests_s: z.number(),
  total_s: z.number(),
  test_sum_s: z.number(), // sum of per-test durations
  efficiency: z.number().nullable(), // test_sum_s / (workers * tests_s); null without durations or time
});
export type LaneTiming = z.infer<typeof LaneTiming>;

/** A contender for the critical path: one parallel lane, or one serial chain. */
export const PathSegment = z.object({ lanes: z.array(z.string()), total_s: z.number(), reused: z.boolean() });

/** This call as its caller measured it: what the run cost now, whatever the cache served. */
export const RunTiming = z.object({
  wall_s: z.number().nullable(), // the call, from its start to the reports
  setup_s: z.number().nullable(), // building the backend image (near zero when cached)
});
export type RunTiming = z.infer<typeof RunTiming>;

export const Timings = z.object({
  run: RunTiming,
  lanes: z.array(LaneTiming),
  /** First start to last end of the lanes that ran in this call (the lanes' clock); null when none did. */
  lanes_wall_s: z.number().nullable(),
  critical_path: z
    .object({
      bound: PathSegment, // what bounds the lanes
      next: PathSegment.nullable(), // the runner-up
      margin_s: z.number(), // how much longer the bound is than the runner-up
    })
    .nullable(),
  warnings: z.array(z.string()),
});
export type Timings = z.infer<typeof Timings>;

/** Below this many seconds of tests, xdist's worker start-up costs more than it saves on 2 cores. */
export const XDIST_MIN_TESTS_S = 30;
/** A test taking more than this share of a lane's test time dominates it... */
export const DOMINANT_SHARE = 0.5;
/** ...when the lane's tests add up to more than this. */
export const DOMINANT_MIN_LANE_S = 5;

type LaneIn = z.infer<typeof LaneTimingInput>;

/**
 * Computes the timings report from every lane that reported. The input is typed, not parsed: it comes
 * from this package's own readers, and validating 50 000 durations again would cost more than the report.
 */
export function computeTimings(input: readonly LaneTimingInput[], run: RunTiming = { wall_s: null, setup_s: null }): Timings {
  const parsed: LaneIn[] = [...input];
  const lanes = parsed.map(laneTiming);
  return {
    run,
    lanes,
    lanes_wall_s: lanesWall(parsed.filter((l) => !l.reused)),
    critical_path: criticalPath(parsed, lanes),
    warnings: parsed.flatMap((l, i) => warnings(l, lanes[i])),
  };
}

function laneTiming(l: LaneIn): LaneTiming {
  let sum = 0;
  for (const x of l.durations?.values() ?? []) sum += x;
  const efficiency = l.durations && l.durations.size > 0 && l.tests_s > 0 ? sum / (l.workers * l.tests_s) : null;
  const wait = l.service_wait_s ?? null;
  return {
    lane: l.lane,
    mode: l.mode,
    group: l.group ?? l.mode,
    workers: l.workers,
    reused: l.reused ?? false,
    service_wait_s: wait,
    runner_readiness_s: l.readiness_s,
    readiness_s: (wait ?? 0) + l.readiness_s,
    tests_s: l.tests_s,
    total_s: l.total_s,
    test_sum_s: sum,
    efficiency,
  };
}

function lanesWall(lanes: readonly LaneIn[]): number | null {
  const spans = lanes.filter((l) => l.start_ms !== undefined && l.end_ms !== undefined);
  if (spans.length === 0) return null;
  return (Math.max(...spans.map((l) => l.end_ms!)) - Math.min(...spans.map((l) => l.start_ms!))) / 1000;
}

/** Each parallel lane, and each serial chain as the sum of its lanes (they ran one after another). */
function criticalPath(input: readonly LaneIn[], lanes: readonly LaneTiming[]): Timings["critical_path"] {
  const contenders: z.infer<typeof PathSegment>[] = lanes
    .filter((l) => l.group === "parallel")
    .map((l) => ({ lanes: [l.lane], total_s: l.total_s, reused: l.reused }));
  const chains = new Map<string, LaneTiming[]>();
  lanes.forEach((l, i) => {
    if (l.group !== "serial") return;
    const key = input[i].chain ?? "";
    chains.set(key, [...(chains.get(key) ?? []), l]);
  });
  for (const chain of chains.values()) {
    contenders.push({ lanes: chain.map((l) => l.lane), total_s: chain.reduce((a, l) => a + l.total_s, 0), reused: chain.some((l) => l.reused) });
  }
  if (contenders.length === 0) return null;
  contenders.sort((a, b) => b.total_s - a.total_s);
  const [bound, next] = contenders;
  return { bound, next: next ?? null, margin_s: next ? bound.total_s - next.total_s : bound.total_s };
}

function warnings(input: LaneIn, l: LaneTiming): string[] {
  const out: string[] = [];
  if (l.mode === "parallel" && input.auto && l.tests_s < XDIST_MIN_TESTS_S) {
    out.push(
      `Lane \`${l.lane}\` ran its tests in ${s(l.tests_s)} with \`-n auto\` (${l.workers} xdist workers): under ${XDIST_MIN_TESTS_S}s, worker start-up costs more than it saves on 2 cores; run it serially (\`workers = 0\`).`,
    );
  }
  if (l.efficiency !== null && l.efficiency > 1) {
    out.push(
      `Lane \`${l.lane}\` reports efficiency ${l.efficiency.toFixed(2)} (> 1): its tests add up to ${s(l.test_sum_s)} but ${l.workers} workers × ${s(l.tests_s)} cannot hold that; the worker count or the baseline durations are wrong.`,
    );
  }
  if (l.test_sum_s > DOMINANT_MIN_LANE_S) {
    let [nodeid, secs] = ["", -1];
    for (const [id, t] of input.durations ?? []) if (t > secs) [nodeid, secs] = [id, t];
    if (secs > DOMINANT_SHARE * l.test_sum_s) {
      out.push(
        `Test \`${nodeid}\` takes ${Math.round((100 * secs) / l.test_sum_s)}% of lane \`${l.lane}\`'s test time (${s(secs)} of ${s(l.test_sum_s)}): the lane cannot finish before it; split the test or give it its own lane.`,
      );
    }
  }
  return out;
}
