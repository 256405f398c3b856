// The provider's statements: per listing and month, the subscriptions
// billed, subscription revenue, overage revenue and total (numbers only,
// nothing of the consumers).
import { Anchor, Group, Table, Text, Title } from "@mantine/core";
import { useState } from "react";
import { Link } from "react-router";
import { TextField } from "../components/Field";
import { useStatements } from "../api/marketplace";
import { DataTable } from "../components/DataTable";
import { EmptyState, ErrorState, TableSkeleton } from "../components/States";
import { formatNumber } from "../lib/format";
import { monthLabel } from "../lib/marketplace";
import { formatMoney } from "../lib/money";
import { usePageTitle } from "../lib/usePageTitle";

export function StatementsPage() {
  usePageTitle("Statements");
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const month = (v: string) => (/^\d{4}-(0[1-9]|1[0-2])$/.test(v) ? v : undefined);
  const rows = useStatements({ from: month(from), to: month(to) });
  let body;
  if (rows.isPending) body = <TableSkeleton label="Loading statements…" columns={6} />;
  else if (rows.error) body = <ErrorState error={rows.error} onRetry={() => void rows.refetch()} />;
  else if (rows.data.items.length === 0)
    body = (
      <div data-testid="statements-empty">
        <EmptyState>No statements yet: they appear once your subscribers' bills for a month are issued.</EmptyState>
      </div>
    );
  else
    body = (
      <DataTable label="Statements" minWidth={760}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">Month</Table.Th>
            <Table.Th scope="col">Listing</Table.Th>
            <Table.Th scope="col" style={{ textAlign: "right", whiteSpace: "nowrap" }}>
              Subscriptions
            </Table.Th>
            <Table.Th scope="col" style={{ textAlign: "right", whiteSpace: "nowrap" }}>
              Subscription revenue
            </Table.Th>
            <Table.Th scope="col" style={{ textAlign: "right", whiteSpace: "nowrap" }}>
              Overage
            </Table.Th>
            <Table.Th scope="col" style={{ textAlign: "right", whiteSpace: "nowrap" }}>
              Total
            </Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.data.items.map((r) => (
            <Table.Tr key={`${r.listing_id}-${r.period_start}-${r.currency}`} data-testid="statement-row" data-listing-id={r.listing_id}>
              <Table.Td>{monthLabel(r.period_start)}</Table.Td>
              <Table.Td>
                <Anchor component={Link} to={`/marketplace/${r.listing_id}`}>
                  {r.app_name}
                </Anchor>
              </Table.Td>
              <Table.Td style={{ textAlign: "right", whiteSpace: "nowrap" }} data-testid="statement-subscriptions">
                {formatNumber(r.subscriptions)}
              </Table.Td>
              <Table.Td style={{ textAlign: "right", whiteSpace: "nowrap" }}>{formatMoney(r.subscription_amount, r.currency)}</Table.Td>
              <Table.Td style={{ textAlign: "right", whiteSpace: "nowrap" }}>{formatMoney(r.overage_amount, r.currency)}</Table.Td>
              <Table.Td style={{ textAlign: "right", whiteSpace: "nowrap" }} fw={700} data-testid="statement-total">
                {formatMoney(r.total, r.currency)}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </DataTable>
    );
  return (
    <>
      <Title order={1}>Statements</Title>
      <Text c="dimmed" mb="md">
        What your marketplace listings earned, per listing and month, from the bills issued to subscribers.
      </Text>
      <Group role="search" aria-label="Statement months" gap="sm" mb="sm" align="flex-end">
        <TextField label="From month" type="month" value={from} onValue={setFrom} hint="Default: twelve months ago" />
        <TextField label="To month" type="month" value={to} onValue={setTo} hint="Default: this month" />
      </Group>
      {body}
    </>
  );
}

export default StatementsPage;
