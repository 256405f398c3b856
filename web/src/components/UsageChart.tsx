// A hand-drawn SVG chart: requests as bars, errors as a line, one bucket
// per x step. No chart library: the shaping lives in lib/usage.ts (tested).
import { Paper } from "@mantine/core";
import type { Interval } from "../api/types";
import { formatNumber } from "../lib/format";
import { bucketLabel, xLabelIndices, yTicks, type ChartData } from "../lib/usage";

const W = 760;
const H = 260;
const M = { top: 12, right: 16, bottom: 40, left: 56 };
const PW = W - M.left - M.right;
const PH = H - M.top - M.bottom;

export function UsageChart({ data, interval }: { data: ChartData; interval: Interval }) {
  const n = data.points.length;
  const step = n > 0 ? PW / n : PW;
  const barW = Math.max(1, step * 0.7);
  const y = (v: number) => M.top + PH - (v / data.yMax) * PH;
  const xCenter = (i: number) => M.left + step * i + step / 2;
  const errorPath = data.points
    .map((p, i) => `${i === 0 ? "M" : "L"}${xCenter(i).toFixed(1)},${y(p.errors).toFixed(1)}`)
    .join(" ");
  const summary = `Requests and errors per ${interval}: ${formatNumber(data.totals.requests)} requests and ${formatNumber(
    data.totals.errors,
  )} errors in ${n} buckets.`;

  return (
    <Paper withBorder radius="md" p="sm" component="figure" className="usage-chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={summary} data-testid="usage-chart">
        {yTicks(data.yMax).map((t) => (
          <g key={t}>
            <line x1={M.left} x2={W - M.right} y1={y(t)} y2={y(t)} className="grid" />
            <text x={M.left - 8} y={y(t)} dy="0.32em" textAnchor="end" className="tick">
              {formatNumber(t)}
            </text>
          </g>
        ))}
        {data.points.map((p, i) => (
          <rect
            key={p.start.toISOString()}
            x={xCenter(i) - barW / 2}
            y={y(p.requests)}
            width={barW}
            height={Math.max(0, M.top + PH - y(p.requests))}
            className="bar-requests"
          >
            <title>{`${bucketLabel(p.start, interval)}: ${formatNumber(p.requests)} requests, ${formatNumber(p.errors)} errors`}</title>
          </rect>
        ))}
        {n > 0 && <path d={errorPath} className="line-errors" fill="none" />}
        {xLabelIndices(n).map((i) => {
          const p = data.points[i];
          if (!p) return null;
          return (
            <text key={i} x={xCenter(i)} y={H - M.bottom + 18} textAnchor="middle" className="tick">
              {bucketLabel(p.start, interval)}
            </text>
          );
        })}
        <line x1={M.left} x2={W - M.right} y1={M.top + PH} y2={M.top + PH} className="axis" />
      </svg>
      <figcaption className="legend">
        <span className="swatch swatch-requests" aria-hidden="true" /> Requests{" "}
        <strong data-testid="usage-total-requests">{data.totals.requests}</strong>
        <span className="swatch swatch-errors" aria-hidden="true" /> Errors (4xx + 5xx){" "}
        <strong data-testid="usage-total-errors">{data.totals.errors}</strong>
      </figcaption>
    </Paper>
  );
}
