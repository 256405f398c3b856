import { describe, expect, it } from "vitest";
import type { UsageBucket } from "../api/types";
import {
  axisLabel,
  chartSummary,
  formatLatency,
  isEmptyUsage,
  labelIndices,
  niceTicks,
  pickLabels,
  planRange,
  toBars,
  totalsOf,
  type RangePlan,
} from "../lib/usage";

const HOUR = 3_600_000;

function bucket(start: string | Date, requests: number, e4 = 0, e5 = 0): UsageBucket {
  return {
    start: typeof start === "string" ? start : start.toISOString(),
    events: requests,
    quantities: {},
    requests,
    errors_4xx: e4,
    errors_5xx: e5,
    p50_us: 0,
    p95_us: 0,
    p99_us: 0,
    request_bytes: 0,
    response_bytes: 0,
  };
}

const NOW = new Date("2026-03-08T12:34:56Z");

describe("planRange", () => {
  it("24 hours: 24 hourly bars ending at the next full hour", () => {
    const p = planRange("24h", NOW);
    expect(p).toMatchObject({ interval: "hour", barHours: 1, bars: 24 });
    expect(p.to.toISOString()).toBe("2026-03-08T13:00:00.000Z");
    expect(p.from.toISOString()).toBe("2026-03-07T13:00:00.000Z");
  });

  it("7 days: 28 six-hour bars from hourly data, ending on a local 6-hour boundary", () => {
    const p = planRange("7d", NOW);
    expect(p).toMatchObject({ interval: "hour", barHours: 6, bars: 28 });
    expect(p.to.getTime() - p.from.getTime()).toBe(7 * 24 * HOUR);
    expect(p.to.getTime()).toBeGreaterThan(NOW.getTime());
    expect(p.to.getTime() - NOW.getTime()).toBeLessThanOrEqual(6 * HOUR);
    expect(p.to.getTime() % HOUR).toBe(0);
    // Local 00/06/12/18 (every zone with whole-hour offsets).
    if (new Date(p.to).getMinutes() === 0) expect(p.to.getHours() % 6).toBe(0);
    // Within the server's hourly limit (31 days).
    expect(p.to.getTime() - p.from.getTime()).toBeLessThanOrEqual(31 * 24 * HOUR);
  });

  it("30 and 90 days: daily bars of whole UTC days, today included, within the server's 92 days", () => {
    const p30 = planRange("30d", NOW);
    expect(p30).toMatchObject({ interval: "day", barHours: 24, bars: 30 });
    expect(p30.to.toISOString()).toBe("2026-03-09T00:00:00.000Z");
    expect(p30.from.toISOString()).toBe("2026-02-07T00:00:00.000Z");
    const p90 = planRange("90d", NOW);
    expect(p90.bars).toBe(90);
    expect((p90.to.getTime() - p90.from.getTime()) / (24 * HOUR)).toBe(90);
  });

  it("an exact hour still includes the hour that starts now", () => {
    const p = planRange("24h", new Date("2026-03-08T12:00:00Z"));
    expect(p.to.toISOString()).toBe("2026-03-08T13:00:00.000Z");
  });
});

describe("toBars", () => {
  it("fills every bar of the range, missing buckets as zero", () => {
    const plan = planRange("24h", NOW);
    const bars = toBars([bucket("2026-03-08T12:00:00Z", 5, 1, 1)], plan);
    expect(bars).toHaveLength(24);
    expect(bars[23]).toMatchObject({ requests: 5, errors4xx: 1, errors5xx: 1 });
    expect(bars.slice(0, 23).every((b) => b.requests === 0)).toBe(true);
    expect(bars[0]!.start.toISOString()).toBe("2026-03-07T13:00:00.000Z");
  });

  it("sums six hourly buckets into each 7-day bar, and ignores buckets outside the range", () => {
    const plan = planRange("7d", NOW);
    const from = plan.from.getTime();
    const hourly = Array.from({ length: 168 }, (_, h) => bucket(new Date(from + h * HOUR), 1, h % 6 === 0 ? 1 : 0));
    hourly.push(bucket(new Date(from - HOUR), 1000), bucket(new Date(plan.to.getTime()), 1000), bucket("garbage", 1000));
    const bars = toBars(hourly, plan);
    expect(bars).toHaveLength(28);
    expect(bars.every((b) => b.requests === 6 && b.errors4xx === 1)).toBe(true);
    expect(bars[1]!.start.getTime() - bars[0]!.start.getTime()).toBe(6 * HOUR);
    expect(totalsOf(bars)).toEqual({ requests: 168, errors: 28, errors4xx: 28, errors5xx: 0 });
  });

  it("places daily buckets on their day", () => {
    const plan = planRange("30d", NOW);
    const bars = toBars([bucket("2026-03-08T00:00:00Z", 7, 0, 2), bucket("2026-02-07T00:00:00Z", 3)], plan);
    expect(bars[29]!.requests).toBe(7);
    expect(bars[29]!.errors5xx).toBe(2);
    expect(bars[0]!.requests).toBe(3);
  });
});

describe("empty state decision", () => {
  it("is empty only when no bar has a request", () => {
    const plan = planRange("24h", NOW);
    expect(isEmptyUsage(toBars([], plan))).toBe(true);
    expect(isEmptyUsage(toBars([bucket("2026-03-08T10:00:00Z", 0)], plan))).toBe(true);
    expect(isEmptyUsage(toBars([bucket("2026-03-08T10:00:00Z", 1)], plan))).toBe(false);
  });
});

describe("niceTicks", () => {
  it("never makes an axis for nothing", () => {
    expect(niceTicks(0)).toEqual([]);
    expect(niceTicks(-1)).toEqual([]);
    expect(niceTicks(Number.NaN)).toEqual([]);
  });

  it("uses whole, round steps from 0 to at least the maximum", () => {
    expect(niceTicks(1)).toEqual([0, 1]);
    expect(niceTicks(3)).toEqual([0, 1, 2, 3]);
    expect(niceTicks(7)).toEqual([0, 2, 4, 6, 8]);
    expect(niceTicks(45)).toEqual([0, 20, 40, 60]);
    expect(niceTicks(100)).toEqual([0, 25, 50, 75, 100]);
    expect(niceTicks(101)).toEqual([0, 50, 100, 150]);
    expect(niceTicks(12_345)).toEqual([0, 5000, 10000, 15000]);
  });

  it("keeps within the tick budget and covers the data for many maxima", () => {
    for (let max = 1; max < 5000; max += 7) {
      const t = niceTicks(max);
      expect(t[0]).toBe(0);
      expect(t[t.length - 1]!).toBeGreaterThanOrEqual(max);
      expect(t.length - 1).toBeLessThanOrEqual(4);
      expect(t.length).toBeGreaterThanOrEqual(2);
      expect(t.every((v) => Number.isInteger(v))).toBe(true);
    }
  });
});

describe("x labels", () => {
  it("picks the smallest stride that fits, from the first anchor", () => {
    // 24 bars, anchors where i % stride === 2 (say the hours), at most 6 labels.
    expect(pickLabels(24, 6, [1, 2, 3, 6], (i, s) => (i + 4) % s === 0)).toEqual([2, 8, 14, 20]);
    expect(pickLabels(24, 24, [1, 2], () => true)).toHaveLength(24);
    expect(pickLabels(0, 5, [1], () => true)).toEqual([]);
    // Nothing fits: just the newest.
    expect(pickLabels(100, 1, [2], () => true)).toEqual([99]);
  });

  it("labels daily ranges counting back from today, and never more than asked", () => {
    const plan = planRange("90d", NOW);
    const bars = toBars([], plan);
    for (const max of [3, 5, 8, 12]) {
      const idx = labelIndices(plan, bars, max);
      expect(idx.length).toBeLessThanOrEqual(max);
      expect(idx[idx.length - 1]).toBe(89);
    }
  });

  it("labels 7-day ranges at day starts", () => {
    const plan = planRange("7d", NOW);
    const bars = toBars([], plan);
    const idx = labelIndices(plan, bars, 7);
    expect(idx.length).toBe(7);
    for (const i of idx) expect(bars[i]!.start.getHours()).toBeLessThan(6);
  });

  it("writes short labels", () => {
    expect(axisLabel(new Date("2026-03-08T00:00:00Z"), { barHours: 24 })).toBe("Mar 8");
    expect(axisLabel(new Date(2026, 2, 8, 14), { barHours: 1 })).toBe("14:00");
  });
});

describe("summary and latency", () => {
  it("summarizes the chart in one sentence", () => {
    const plan: RangePlan = planRange("24h", NOW);
    const bars = toBars([bucket("2026-03-08T11:00:00Z", 1200, 3, 1), bucket("2026-03-08T12:00:00Z", 5)], plan);
    const s = chartSummary(bars, plan);
    expect(s).toContain("API requests per hour over the last 24 hours: 1,205 requests, 4 of them errors (3 4xx, 1 5xx), in 24 bars.");
    expect(s).toContain("with 1,200.");
  });

  it("formats latency", () => {
    expect(formatLatency(0)).toBe("—");
    expect(formatLatency(850)).toBe("850 µs");
    expect(formatLatency(2_345)).toBe("2.3 ms");
    expect(formatLatency(123_456)).toBe("123 ms");
    expect(formatLatency(2_500_000)).toBe("2.50 s");
  });
});
