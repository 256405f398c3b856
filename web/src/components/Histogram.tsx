// A job's counts as a histogram: one row per outcome (a bit string, in
// bit order), a bar as long as its count relative to the largest, the count
// and its share of the shots. It is a real table (outcome, count, share),
// so screen readers and tests read the numbers; the bars are decoration.
import { Table, Text } from "@mantine/core";
import { formatNumber } from "../lib/format";
import { formatPercent, histogramBars, HISTOGRAM_MAX_BARS } from "../lib/jobs";
import { DataTable } from "./DataTable";

export function Histogram({
  counts,
  shots,
  label = "Measurement counts",
  max = HISTOGRAM_MAX_BARS,
}: {
  counts: Readonly<Record<string, number>>;
  shots?: number;
  label?: string;
  max?: number;
}) {
  const { bars, hidden, hiddenCount, total } = histogramBars(counts, shots, max);
  if (bars.length === 0) {
    return (
      <Text c="dimmed" data-testid="histogram-empty">
        No outcomes were recorded.
      </Text>
    );
  }
  return (
    <figure className="histogram" data-testid="histogram">
      <DataTable label={label} minWidth={320}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">Outcome</Table.Th>
            <Table.Th scope="col" className="histogram-bar-col">
              <span className="visually-hidden">Bar</span>
            </Table.Th>
            <Table.Th scope="col" ta="right">
              Count
            </Table.Th>
            <Table.Th scope="col" ta="right">
              Share
            </Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {bars.map((b) => (
            <Table.Tr key={b.outcome} data-testid="histogram-bar" data-outcome={b.outcome} data-count={b.count}>
              <Table.Td>
                <code className="histogram-outcome">{b.outcome}</code>
              </Table.Td>
              <Table.Td className="histogram-bar-col">
                <div className="histogram-track" aria-hidden="true">
                  <div className="histogram-fill" style={{ width: `${(b.scale * 100).toFixed(2)}%` }} />
                </div>
              </Table.Td>
              <Table.Td ta="right" className="tabular">
                {formatNumber(b.count)}
              </Table.Td>
              <Table.Td ta="right" className="tabular" data-testid="histogram-share">
                {formatPercent(b.share)}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </DataTable>
      <figcaption>
        <Text size="sm" c="dimmed" mt="xs">
          {formatNumber(bars.length + hidden)} outcome{bars.length + hidden === 1 ? "" : "s"} over {formatNumber(total)} shots
          {hidden > 0 &&
            `; the ${formatNumber(hidden)} least frequent (${formatNumber(hiddenCount)} shots) are not shown`}
          . Bit strings read with the highest classical bit first.
        </Text>
      </figcaption>
    </figure>
  );
}
