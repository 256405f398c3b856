// Shaping GET /v1/usage/timeseries buckets into what the chart draws.
import type { Interval, UsageBucket } from "../api/types";

export type RangePreset = "24h" | "7d" | "30d" | "90d";

export const RANGE_PRESETS: { value: RangePreset; label: string; hours: number }[] = [
  { value: "24h", label: "Last 24 hours", hours: 24 },
  { value: "7d", label: "Last 7 days", hours: 24 * 7 },
  { value: "30d", label: "Last 30 days", hours: 24 * 30 },
  { value: "90d", label: "Last 90 days", hours: 24 * 90 },
];

/** The server allows hourly buckets for at most 31 days. */
export const MAX_HOURLY_RANGE_HOURS = 31 * 24;

export function presetHours(preset: RangePreset): number {
  return RANGE_PRESETS.find((p) => p.value === preset)?.hours ?? 24;
}

export function allowedIntervals(preset: RangePreset): Interval[] {
  return presetHours(preset) <= MAX_HOURLY_RANGE_HOURS ? ["hour", "day"] : ["day"];
}

/** The interval to use: the chosen one if the range allows it, else the coarsest allowed. */
export function effectiveInterval(preset: RangePreset, chosen: Interval): Interval {
  const allowed = allowedIntervals(preset);
  return allowed.includes(chosen) ? chosen : (allowed[allowed.length - 1] ?? "day");
}

export function rangeFor(preset: RangePreset, now: Date): { from: string; to: string } {
  const to = new Date(now.getTime());
  const from = new Date(now.getTime() - presetHours(preset) * 3600_000);
  return { from: from.toISOString(), to: to.toISOString() };
}

export interface ChartPoint {
  start: Date;
  requests: number;
  errors: number;
}

export interface ChartData {
  points: ChartPoint[];
  totals: { requests: number; errors: number; errors4xx: number; errors5xx: number };
  /** A round upper bound for the y axis, ≥ every value. */
  yMax: number;
}

/** Buckets → points (errors = 4xx + 5xx), totals, and a round y-axis maximum. */
export function shapeUsage(buckets: readonly UsageBucket[]): ChartData {
  const points: ChartPoint[] = [];
  const totals = { requests: 0, errors: 0, errors4xx: 0, errors5xx: 0 };
  let peak = 0;
  for (const b of buckets) {
    const start = new Date(b.start);
    if (Number.isNaN(start.getTime())) continue;
    const errors = b.errors_4xx + b.errors_5xx;
    points.push({ start, requests: b.requests, errors });
    totals.requests += b.requests;
    totals.errors += errors;
    totals.errors4xx += b.errors_4xx;
    totals.errors5xx += b.errors_5xx;
    peak = Math.max(peak, b.requests, errors);
  }
  points.sort((a, b) => a.start.getTime() - b.start.getTime());
  return { points, totals, yMax: niceCeil(peak) };
}

/** The smallest of 1, 2, 5 × 10^k that is ≥ n (and ≥ 1). */
export function niceCeil(n: number): number {
  if (!(n > 1)) return 1;
  const mag = 10 ** Math.floor(Math.log10(n));
  for (const step of [1, 2, 5, 10]) {
    if (step * mag >= n) return step * mag;
  }
  return 10 * mag;
}

/** `count + 1` evenly spaced ticks from 0 to max, whole numbers only. */
export function yTicks(max: number, count = 4): number[] {
  const ticks = new Set<number>();
  for (let i = 0; i <= count; i++) ticks.add(Math.round((max * i) / count));
  return [...ticks].sort((a, b) => a - b);
}

/** Indices of at most `maxLabels` evenly spread points to label on the x axis (first and last included). */
export function xLabelIndices(n: number, maxLabels = 6): number[] {
  if (n <= 0) return [];
  if (n <= maxLabels) return Array.from({ length: n }, (_, i) => i);
  const out = new Set<number>();
  for (let i = 0; i < maxLabels; i++) out.add(Math.round((i * (n - 1)) / (maxLabels - 1)));
  return [...out].sort((a, b) => a - b);
}

export function bucketLabel(start: Date, interval: Interval): string {
  if (interval === "day") {
    return start.toLocaleDateString(undefined, { month: "short", day: "numeric" });
  }
  return start.toLocaleString(undefined, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
}
