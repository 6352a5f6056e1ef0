/**
 * Where the wall clock went: per-lane phases, the critical path (the lane or serial chain that bounds
 * the run, and by how much), xdist efficiency, and warnings a team can act on.
 */
import { z } from "zod";

export const LaneMode = z.enum(["parallel", "serial"]);

/** One lane's timings, in seconds. */
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
  setup_s: z.number().nonnegative(), // image and dependency setup
  readiness_s: z.number().nonnegative(), // waiting for services
  tests_s: z.number().nonnegative(), // pytest's own run
  total_s: z.number().nonnegative(), // the whole lane, setup to last report
  started_s: z.number().optional(), // offset from the run's start, when measured
  /** Per-test durations of this lane (node id -> seconds), for efficiency and the dominance warning. */
  durations: z.map(z.string(), z.number()).optional(),
});
export type LaneTimingInput = z.input<typeof LaneTimingInput>;

export const LaneTiming = z.object({
  lane: z.string(),
  mode: LaneMode,
  group: LaneMode,
  workers: z.number().int(),
  setup_s: z.number(),
  readiness_s: z.number(),
  tests_s: z.number(),
  total_s: z.number(),
  test_sum_s: z.number(), // sum of per-test durations
  efficiency: z.number().nullable(), // test_sum_s / (workers * tests_s); null without durations or time
});
export type LaneTiming = z.infer<typeof LaneTiming>;

/** A contender for the critical path: one parallel lane, or the whole serial chain. */
export const PathSegment = z.object({ lanes: z.array(z.string()), total_s: z.number() });

export const Timings = z.object({
  lanes: z.array(LaneTiming),
  wall_s: z.number(), // max(max(parallel totals), sum(serial totals))
  measured_wall_s: z.number().nullable(), // from start offsets, when every lane has one
  critical_path: z
    .object({
      bound: PathSegment, // what bounds the run
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

const s = (n: number) => `${n.toFixed(1)}s`;

type LaneIn = z.infer<typeof LaneTimingInput>;

/**
 * Computes the timings report from every lane that ran. The input is typed, not parsed: it comes from
 * this package's own readers, and validating 50 000 durations again would cost more than the report.
 */
export function computeTimings(input: readonly LaneTimingInput[]): Timings {
  const parsed: LaneIn[] = [...input];
  const lanes = parsed.map(laneTiming);
  return {
    lanes,
    wall_s: wallOf(lanes),
    measured_wall_s: measuredWall(parsed),
    critical_path: criticalPath(lanes),
    warnings: parsed.flatMap((l, i) => warnings(l, lanes[i])),
  };
}

function laneTiming(l: LaneIn): LaneTiming {
  let sum = 0;
  for (const s of l.durations?.values() ?? []) sum += s;
  const efficiency = l.durations && l.durations.size > 0 && l.tests_s > 0 ? sum / (l.workers * l.tests_s) : null;
  return {
    lane: l.lane,
    mode: l.mode,
    group: l.group ?? l.mode,
    workers: l.workers,
    setup_s: l.setup_s,
    readiness_s: l.readiness_s,
    tests_s: l.tests_s,
    total_s: l.total_s,
    test_sum_s: sum,
    efficiency,
  };
}

/**
 * The serial chain's wall clock. Every lane's total includes the shared image setup, which happens
 * once before any lane starts: the chain pays it once, not once per lane.
 */
function chainTotal(serial: readonly LaneTiming[]): number {
  if (serial.length === 0) return 0;
  return Math.max(...serial.map((l) => l.setup_s)) + serial.reduce((a, l) => a + l.total_s - l.setup_s, 0);
}

function wallOf(lanes: readonly LaneTiming[]): number {
  const parallel = lanes.filter((l) => l.group === "parallel").map((l) => l.total_s);
  return Math.max(0, ...parallel, chainTotal(lanes.filter((l) => l.group === "serial")));
}

function measuredWall(lanes: readonly LaneIn[]): number | null {
  if (lanes.length === 0 || lanes.some((l) => l.started_s === undefined)) return null;
  const start = Math.min(...lanes.map((l) => l.started_s as number));
  const end = Math.max(...lanes.map((l) => (l.started_s as number) + l.total_s));
  return end - start;
}

function criticalPath(lanes: readonly LaneTiming[]): Timings["critical_path"] {
  const serial = lanes.filter((l) => l.group === "serial");
  const contenders = lanes
    .filter((l) => l.group === "parallel")
    .map((l) => ({ lanes: [l.lane], total_s: l.total_s }));
  if (serial.length > 0) {
    contenders.push({ lanes: serial.map((l) => l.lane), total_s: chainTotal(serial) });
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
    const [nodeid, secs] = [...(input.durations ?? [])].reduce((a, b) => (b[1] > a[1] ? b : a));
    if (secs > DOMINANT_SHARE * l.test_sum_s) {
      out.push(
        `Test \`${nodeid}\` takes ${Math.round((100 * secs) / l.test_sum_s)}% of lane \`${l.lane}\`'s test time (${s(secs)} of ${s(l.test_sum_s)}): the lane cannot finish before it; split the test or give it its own lane.`,
      );
    }
  }
  return out;
}
