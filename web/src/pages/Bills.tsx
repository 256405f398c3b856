// The organization's monthly bills, newest month first: number, period,
// currency, total and payment status.
import { Anchor, Badge, Table, Text, Title } from "@mantine/core";
import { Link } from "react-router";
import { useBillList } from "../api/marketplace";
import { DataTable } from "../components/DataTable";
import { Pager } from "../components/Pager";
import { EmptyState, ErrorState, TableSkeleton } from "../components/States";
import { monthLabel, PAYMENT_LABELS } from "../lib/marketplace";
import { formatMoney } from "../lib/money";
import { useCursorPager } from "../lib/paging";
import { usePageTitle } from "../lib/usePageTitle";

export function BillsPage() {
  usePageTitle("Bills");
  const pager = useCursorPager();
  const bills = useBillList(pager.cursor);
  let body;
  if (bills.isPending) body = <TableSkeleton label="Loading bills…" columns={5} />;
  else if (bills.error) body = <ErrorState error={bills.error} onRetry={() => void bills.refetch()} />;
  else if (bills.data.items.length === 0)
    body = (
      <div data-testid="bills-empty">
        <EmptyState>No bills yet. A bill is issued for each month once it has ended.</EmptyState>
      </div>
    );
  else
    body = (
      <>
        <DataTable label="Bills">
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Number</Table.Th>
              <Table.Th scope="col">Period</Table.Th>
              <Table.Th scope="col">Currency</Table.Th>
              <Table.Th scope="col" style={{ textAlign: "right", whiteSpace: "nowrap" }}>
                Total
              </Table.Th>
              <Table.Th scope="col">Payment</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {bills.data.items.map((b) => (
              <Table.Tr key={b.id} data-testid="bill-row" data-bill-id={b.id}>
                <Table.Td>
                  <Anchor component={Link} to={`/bills/${b.id}`}>
                    {b.number}
                  </Anchor>
                </Table.Td>
                <Table.Td>{monthLabel(b.period_start)}</Table.Td>
                <Table.Td>{b.currency}</Table.Td>
                <Table.Td style={{ textAlign: "right", whiteSpace: "nowrap" }} data-testid="bill-total">
                  {formatMoney(b.total, b.currency)}
                </Table.Td>
                <Table.Td>
                  <Badge variant="dot" color={b.payment_status === "paid" ? "green" : "orange"} tt="none" data-testid="bill-payment">
                    {PAYMENT_LABELS[b.payment_status]}
                  </Badge>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </DataTable>
        <Pager pager={pager} nextCursor={bills.data.next_cursor} label="Bills" />
      </>
    );
  return (
    <>
      <Title order={1}>Bills</Title>
      <Text c="dimmed" mb="md">
        One bill per month and currency: marketplace subscriptions, their overage, and compute on QHub's backends.
      </Text>
      {body}
    </>
  );
}

export default BillsPage;
