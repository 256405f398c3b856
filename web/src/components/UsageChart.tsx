// A hand-drawn SVG bar chart of API requests: one bar per time span, its
// errors (4xx + 5xx) a red segment at the bottom of the same bar. It is
// drawn at the width it gets (measured), so labels keep a readable size on
// phones, with as many x labels as fit. For assistive tech the SVG is one
// image with a one-sentence summary, and "Show as table" lists every bar.
// The shaping (bars, ticks, labels) lives in lib/usage.ts, with tests.
import { Button, Group, Paper, Table } from "@mantine/core";
import { useElementSize } from "@mantine/hooks";
import { useId, useState } from "react";
import { formatNumber } from "../lib/format";
import { axisLabel, barErrors, chartSummary, labelIndices, niceTicks, spanLabel, totalsOf, type Bar, type RangePlan } from "../lib/usage";
import { DataTable } from "./DataTable";
import "./insights.css";

const H = 220;
const CHAR_W = 7;
const FALLBACK_W = 640;

/**
 * x positions for axis labels: centred under their bar but never past either
 * end of the plot; a label that would then touch its right-hand neighbour is
 * dropped (the newest, rightmost one stays).
 */
export function placeLabels(
  labels: readonly { i: number; text: string }[],
  center: (i: number) => number,
  left: number,
  right: number,
): { i: number; text: string; x: number }[] {
  const out: { i: number; text: string; x: number }[] = [];
  let limit = Infinity;
  for (let k = labels.length - 1; k >= 0; k--) {
    const l = labels[k]!;
    const half = (l.text.length * CHAR_W) / 2;
    const x = Math.min(Math.max(center(l.i), left + half), right - half);
    if (x + half + 8 > limit) continue;
    out.unshift({ ...l, x });
    limit = x - half;
  }
  return out;
}

export function UsageChart({ bars, plan, subject = "API requests" }: { bars: readonly Bar[]; plan: RangePlan; subject?: string }) {
  const { ref, width: measured } = useElementSize();
  const [table, setTable] = useState(false);
  const tableId = useId();
  const W = Math.max(280, Math.round(measured) || FALLBACK_W);
  const peak = Math.max(0, ...bars.map((b) => b.requests));
  const ticks = niceTicks(peak, W < 480 ? 3 : 4);
  const yMax = ticks[ticks.length - 1] ?? 1;
  const tickChars = Math.max(...ticks.map((t) => formatNumber(t).length), 1);
  const M = { top: 10, right: 6, bottom: 26, left: tickChars * CHAR_W + 14 };
  const PW = W - M.left - M.right;
  const PH = H - M.top - M.bottom;
  const n = bars.length;
  const step = n > 0 ? PW / n : PW;
  const gap = Math.min(step * 0.25, 4);
  const y = (v: number) => M.top + PH - (v / yMax) * PH;
  const labelChars = Math.max(...bars.map((b) => axisLabel(b.start, plan).length), 1);
  const maxLabels = Math.max(2, Math.floor(PW / (labelChars * CHAR_W + 36)));
  const labels = placeLabels(
    labelIndices(plan, bars, maxLabels).map((i) => ({ i, text: axisLabel(bars[i]!.start, plan) })),
    (i) => M.left + i * step + step / 2,
    M.left,
    W - M.right,
  );
  const summary = chartSummary(bars, plan, subject);
  const totals = totalsOf(bars);

  return (
    <Paper withBorder radius="md" p="sm" component="figure" className="usage-chart">
      <div ref={ref} style={{ width: "100%" }}>
        <svg width={W} height={H} viewBox={`0 0 ${W} ${H}`} role="img" aria-label={summary} data-testid="usage-chart">
          {ticks.map((t) => (
            <g key={t}>
              <line x1={M.left} x2={W - M.right} y1={y(t)} y2={y(t)} className="grid" />
              <text x={M.left - 6} y={y(t)} dy="0.32em" textAnchor="end" className="tick">
                {formatNumber(t)}
              </text>
            </g>
          ))}
          {bars.map((b, i) => {
            const x = M.left + i * step + gap / 2;
            const w = Math.max(1, step - gap);
            const errors = Math.min(barErrors(b), b.requests);
            const ok = b.requests - errors;
            return (
              <g key={b.start.toISOString()} data-testid="usage-bar" data-requests={b.requests} data-errors={errors}>
                <title>{`${spanLabel(b.start, plan)}: ${formatNumber(b.requests)} requests, ${formatNumber(errors)} errors`}</title>
                <rect x={M.left + i * step} y={M.top} width={step} height={PH} className="bar-hit" />
                {ok > 0 && <rect x={x} y={y(b.requests)} width={w} height={y(errors) - y(b.requests)} className="bar-ok" />}
                {errors > 0 && <rect x={x} y={y(errors)} width={w} height={M.top + PH - y(errors)} className="bar-error" />}
              </g>
            );
          })}
          <line x1={M.left} x2={W - M.right} y1={M.top + PH} y2={M.top + PH} className="axis" />
          {labels.map((l) => (
            <text key={l.i} x={l.x} y={H - 8} textAnchor="middle" className="tick">
              {l.text}
            </text>
          ))}
        </svg>
      </div>
      <figcaption>
        <Group justify="space-between" gap="xs" wrap="wrap" mt="xs">
          <div className="usage-legend">
            <span className="item">
              <span className="usage-swatch ok" aria-hidden="true" /> Successful requests
            </span>
            <span className="item">
              <span className="usage-swatch error" aria-hidden="true" /> Errors (4xx and 5xx)
            </span>
          </div>
          <Button variant="subtle" size="xs" aria-expanded={table} aria-controls={tableId} onClick={() => setTable((t) => !t)}>
            {table ? "Hide table" : "Show as table"}
          </Button>
        </Group>
      </figcaption>
      <div id={tableId} hidden={!table}>
        {table && (
          <DataTable label={`${subject} per bar`} minWidth={360} mt="xs">
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">Time</Table.Th>
                <Table.Th scope="col" ta="right">
                  Requests
                </Table.Th>
                <Table.Th scope="col" ta="right">
                  4xx
                </Table.Th>
                <Table.Th scope="col" ta="right">
                  5xx
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {bars.map((b) => (
                <Table.Tr key={b.start.toISOString()}>
                  <Table.Th scope="row" fw="normal">
                    {spanLabel(b.start, plan)}
                  </Table.Th>
                  <Table.Td ta="right">{formatNumber(b.requests)}</Table.Td>
                  <Table.Td ta="right">{formatNumber(b.errors4xx)}</Table.Td>
                  <Table.Td ta="right">{formatNumber(b.errors5xx)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
            <Table.Tfoot>
              <Table.Tr>
                <Table.Th scope="row">Total</Table.Th>
                <Table.Td ta="right">{formatNumber(totals.requests)}</Table.Td>
                <Table.Td ta="right">{formatNumber(totals.errors4xx)}</Table.Td>
                <Table.Td ta="right">{formatNumber(totals.errors5xx)}</Table.Td>
              </Table.Tr>
            </Table.Tfoot>
          </DataTable>
        )}
      </div>
    </Paper>
  );
}
