/**
 * Figures as the reports print them. Thresholds in warnings are whole seconds, so a figure is never
 * rounded up to a whole second it has not reached: 29.987 s prints as 29.98s, not 30.0s.
 */

/** Seconds: one decimal under 100 s, whole seconds above, "–" when unknown. */
export function formatSeconds(n: number | null): string {
  if (n === null) return "–";
  if (n >= 100) return `${Math.floor(n)}s`;
  const one = n.toFixed(1);
  if (Math.floor(Number(one)) > Math.floor(n)) return `${(Math.floor(n * 100) / 100).toFixed(2)}s`;
  return `${one}s`;
}

/** An ISO 8601 time as a reader scans it: "2026-11-23 10:00:03 UTC". */
export function formatTime(iso: string): string {
  const t = Date.parse(iso);
  return Number.isFinite(t) ? `${new Date(t).toISOString().slice(0, 19).replace("T", " ")} UTC` : iso;
}
