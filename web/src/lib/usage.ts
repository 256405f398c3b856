// Shaping GET /v1/usage/timeseries into the bars the usage chart draws.
//
// Ranges: 24 hours → 24 hourly bars; 7 days → 28 bars of 6 hours, summed
// here from hourly buckets; 30 and 90 days → daily bars (the server's days
// are UTC days, so their labels are too). Every bar of the range is drawn,
// with or without data, so a quiet hour is a gap and not a missing x step.
import type { Interval, UsageBucket } from "../api/types";

export type RangePreset = "24h" | "7d" | "30d" | "90d";

export const RANGE_PRESETS: { value: RangePreset; label: string; phrase: string }[] = [
  { value: "24h", label: "Last 24 hours", phrase: "the last 24 hours" },
  { value: "7d", label: "Last 7 days", phrase: "the last 7 days" },
  { value: "30d", label: "Last 30 days", phrase: "the last 30 days" },
  { value: "90d", label: "Last 90 days", phrase: "the last 90 days" },
];

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** What to ask the server for and how to draw it. */
export interface RangePlan {
  preset: RangePreset;
  /** "the last 7 days", for sentences. */
  phrase: string;
  /** The server's bucket size. */
  interval: Interval;
  /** Hours per bar (1, 6 or 24). */
  barHours: number;
  bars: number;
  from: Date;
  to: Date;
}

function ceilHour(t: number): number {
  return Math.ceil(t / HOUR) * HOUR;
}

/**
 * The range for `preset` ending around `now`, aligned so that every bar
 * covers whole server buckets: hours end at the next full hour; 6-hour bars
 * end at the next full hour whose local time is 00, 06, 12 or 18 (when the
 * time zone has whole-hour offsets); days end at the next UTC midnight.
 */
export function planRange(preset: RangePreset, now: Date): RangePlan {
  const phrase = RANGE_PRESETS.find((p) => p.value === preset)?.phrase ?? "the selected range";
  const t = now.getTime();
  if (preset === "24h" || preset === "7d") {
    const barHours = preset === "24h" ? 1 : 6;
    const bars = preset === "24h" ? 24 : 28;
    let end = ceilHour(t + 1);
    if (barHours === 6) {
      for (let i = 0; i < 6; i++) {
        if (new Date(end + i * HOUR).getHours() % 6 === 0) {
          end += i * HOUR;
          break;
        }
      }
    }
    return { preset, phrase, interval: "hour", barHours, bars, from: new Date(end - bars * barHours * HOUR), to: new Date(end) };
  }
  const days = preset === "30d" ? 30 : 90;
  const end = Math.floor(t / DAY) * DAY + DAY;
  return { preset, phrase, interval: "day", barHours: 24, bars: days, from: new Date(end - days * DAY), to: new Date(end) };
}

export interface Bar {
  start: Date;
  requests: number;
  errors4xx: number;
  errors5xx: number;
}

export const barErrors = (b: Pick<Bar, "errors4xx" | "errors5xx">) => b.errors4xx + b.errors5xx;

/**
 * The plan's bars, each the sum of the buckets that start inside it
 * (buckets outside the range are ignored; missing ones count as zero).
 */
export function toBars(buckets: readonly UsageBucket[], plan: RangePlan): Bar[] {
  const size = plan.barHours * HOUR;
  const from = plan.from.getTime();
  const bars: Bar[] = Array.from({ length: plan.bars }, (_, i) => ({
    start: new Date(from + i * size),
    requests: 0,
    errors4xx: 0,
    errors5xx: 0,
  }));
  for (const b of buckets) {
    const t = Date.parse(b.start);
    if (Number.isNaN(t)) continue;
    const i = Math.floor((t - from) / size);
    const bar = bars[i];
    if (i < 0 || !bar) continue;
    bar.requests += b.requests;
    bar.errors4xx += b.errors_4xx;
    bar.errors5xx += b.errors_5xx;
  }
  return bars;
}

export interface Totals {
  requests: number;
  errors: number;
  errors4xx: number;
  errors5xx: number;
}

export function totalsOf(bars: readonly Bar[]): Totals {
  const t = { requests: 0, errors: 0, errors4xx: 0, errors5xx: 0 };
  for (const b of bars) {
    t.requests += b.requests;
    t.errors4xx += b.errors4xx;
    t.errors5xx += b.errors5xx;
  }
  t.errors = t.errors4xx + t.errors5xx;
  return t;
}

/** Nothing to draw: the honest answer is an empty state, not an empty axis. */
export function isEmptyUsage(bars: readonly Bar[]): boolean {
  return bars.every((b) => b.requests === 0);
}

/**
 * Y-axis ticks from 0 to a round maximum ≥ `max`: whole-number steps of
 * 1, 2, 2.5 (only from 10 up), 5 × 10^k, at most `maxTicks` intervals.
 * [] when there is nothing to show (max ≤ 0).
 */
export function niceTicks(max: number, maxTicks = 4): number[] {
  if (!(max > 0) || !Number.isFinite(max)) return [];
  const raw = max / maxTicks;
  const mag = 10 ** Math.floor(Math.log10(raw));
  let step = 10 * mag;
  for (const m of [1, 2, 2.5, 5, 10]) {
    const s = m * mag;
    if (s >= raw && Number.isInteger(s)) {
      step = s;
      break;
    }
  }
  step = Math.max(1, step);
  const top = Math.ceil(max / step) * step;
  const ticks: number[] = [];
  for (let v = 0; v <= top + step / 2; v += step) ticks.push(v);
  return ticks;
}

/**
 * Which bars get an x-axis label: at most `maxLabels`, every `stride` bars
 * for the smallest of `strides` that fits, starting at the first bar for
 * which `isAnchor(index, stride)` holds (a round hour, a local midnight).
 */
export function pickLabels(n: number, maxLabels: number, strides: readonly number[], isAnchor: (i: number, stride: number) => boolean): number[] {
  if (n <= 0 || maxLabels <= 0) return [];
  for (const stride of strides) {
    let phase = 0;
    for (let i = 0; i < Math.min(n, stride); i++) {
      if (isAnchor(i, stride)) {
        phase = i;
        break;
      }
    }
    const count = Math.ceil((n - phase) / stride);
    if (count <= maxLabels) return Array.from({ length: count }, (_, k) => phase + k * stride);
  }
  return [n - 1];
}

/** Label indices for the plan's bars, at most `maxLabels`. */
export function labelIndices(plan: RangePlan, bars: readonly Bar[], maxLabels: number): number[] {
  const n = bars.length;
  if (plan.barHours === 1) {
    return pickLabels(n, maxLabels, [1, 2, 3, 6, 12, 24], (i, s) => bars[i]!.start.getHours() % s === 0);
  }
  if (plan.barHours === 6) {
    // Day starts (the bar holding local midnight), every day or every other.
    return pickLabels(n, maxLabels, [4, 8, 12, 28], (i) => bars[i]!.start.getHours() < 6);
  }
  // Days: count back from today, so the newest day is labelled.
  return pickLabels(n, maxLabels, [1, 2, 5, 7, 14, 15, 30, 45, 90], (i, s) => (n - 1 - i) % s === 0);
}

/** The short x-axis label of a bar. */
export function axisLabel(start: Date, plan: Pick<RangePlan, "barHours">): string {
  if (plan.barHours === 1) return start.toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit" });
  if (plan.barHours === 6) return start.toLocaleDateString("en-US", { weekday: "short", day: "numeric" });
  return start.toLocaleDateString("en-US", { month: "short", day: "numeric", timeZone: "UTC" });
}

/** The full name of a bar's time span, for tooltips and the table. */
export function spanLabel(start: Date, plan: Pick<RangePlan, "barHours">): string {
  const time = (d: Date) => d.toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit" });
  const day = start.toLocaleDateString("en-US", { weekday: "short", month: "short", day: "numeric" });
  if (plan.barHours === 24) return `${start.toLocaleDateString("en-US", { weekday: "short", month: "short", day: "numeric", timeZone: "UTC" })} (UTC)`;
  const end = new Date(start.getTime() + plan.barHours * HOUR);
  return `${day}, ${time(start)}–${time(end)}`;
}

const fmt = (n: number) => n.toLocaleString("en-US");

/** One sentence for the chart's aria-label. */
export function chartSummary(bars: readonly Bar[], plan: RangePlan, subject = "API requests"): string {
  const t = totalsOf(bars);
  const per = plan.barHours === 1 ? "per hour" : plan.barHours === 6 ? "per 6 hours" : "per day";
  let busiest: Bar | null = null;
  for (const b of bars) if (b.requests > 0 && (!busiest || b.requests > busiest.requests)) busiest = b;
  const peak = busiest ? ` Busiest: ${spanLabel(busiest.start, plan)} with ${fmt(busiest.requests)}.` : "";
  return `${subject} ${per} over ${plan.phrase}: ${fmt(t.requests)} requests, ${fmt(t.errors)} of them errors (${fmt(t.errors4xx)} 4xx, ${fmt(
    t.errors5xx,
  )} 5xx), in ${bars.length} bars.${peak}`;
}

/** Latency from microseconds, for people. */
export function formatLatency(us: number): string {
  if (!(us > 0)) return "—";
  if (us < 1000) return `${Math.round(us)} µs`;
  if (us < 10_000) return `${(us / 1000).toFixed(1)} ms`;
  if (us < 1_000_000) return `${Math.round(us / 1000)} ms`;
  return `${(us / 1_000_000).toFixed(2)} s`;
}
