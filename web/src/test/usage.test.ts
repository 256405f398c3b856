import { describe, expect, it } from "vitest";
import type { UsageBucket } from "../api/types";
import { allowedIntervals, effectiveInterval, niceCeil, rangeFor, shapeUsage, xLabelIndices, yTicks } from "../lib/usage";

function bucket(start: string, requests: number, e4 = 0, e5 = 0): UsageBucket {
  return {
    start,
    events: requests,
    quantities: { request_bytes: 0, response_bytes: 0 },
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

describe("shapeUsage", () => {
  it("sums requests and errors (4xx + 5xx) and orders points by time", () => {
    const data = shapeUsage([
      bucket("2026-01-01T02:00:00Z", 5, 1, 0),
      bucket("2026-01-01T00:00:00Z", 40, 2, 1),
      bucket("2026-01-01T01:00:00Z", 0),
    ]);
    expect(data.totals).toEqual({ requests: 45, errors: 4, errors4xx: 3, errors5xx: 1 });
    expect(data.points.map((p) => p.requests)).toEqual([40, 0, 5]);
    expect(data.points[0]!.errors).toBe(3);
    expect(data.yMax).toBe(50);
  });

  it("handles no buckets and skips unparseable times", () => {
    expect(shapeUsage([])).toEqual({ points: [], totals: { requests: 0, errors: 0, errors4xx: 0, errors5xx: 0 }, yMax: 1 });
    expect(shapeUsage([bucket("not a date", 9)]).points).toHaveLength(0);
  });
});

describe("axis helpers", () => {
  it("rounds the y maximum to 1, 2 or 5 × 10^k", () => {
    expect(niceCeil(0)).toBe(1);
    expect(niceCeil(1)).toBe(1);
    expect(niceCeil(3)).toBe(5);
    expect(niceCeil(10)).toBe(10);
    expect(niceCeil(11)).toBe(20);
    expect(niceCeil(420)).toBe(500);
    expect(niceCeil(501)).toBe(1000);
  });

  it("makes whole, distinct ticks", () => {
    expect(yTicks(100)).toEqual([0, 25, 50, 75, 100]);
    expect(yTicks(1)).toEqual([0, 1]);
  });

  it("labels at most N points, first and last included", () => {
    expect(xLabelIndices(0)).toEqual([]);
    expect(xLabelIndices(3)).toEqual([0, 1, 2]);
    const idx = xLabelIndices(24, 6);
    expect(idx).toHaveLength(6);
    expect(idx[0]).toBe(0);
    expect(idx[idx.length - 1]).toBe(23);
  });
});

describe("range and interval", () => {
  it("allows hourly buckets only up to 31 days", () => {
    expect(allowedIntervals("30d")).toEqual(["hour", "day"]);
    expect(allowedIntervals("90d")).toEqual(["day"]);
    expect(effectiveInterval("90d", "hour")).toBe("day");
    expect(effectiveInterval("7d", "hour")).toBe("hour");
  });

  it("computes the range back from now", () => {
    const r = rangeFor("7d", new Date("2026-03-08T12:00:00Z"));
    expect(r).toEqual({ from: "2026-03-01T12:00:00.000Z", to: "2026-03-08T12:00:00.000Z" });
  });
});
