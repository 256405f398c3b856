// One bill: its line items and total, the invoice PDF (fetched with the
// session's token, then opened from a blob URL), and "Mark paid" for an
// owner.
import { Anchor, Badge, Button, Group, Stack, Table, Text, Title } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { Link, useParams } from "react-router";
import { getInvoicePdf, markBillPaid, marketKeys, useBill, type BillView } from "../api/marketplace";
import { ApiError, describeError } from "../api/problem";
import { useSignedIn } from "../auth/useSignedIn";
import { ConfirmButton } from "../components/ConfirmButton";
import { DataTable } from "../components/DataTable";
import { Facts } from "../components/Facts";
import { errorMessage, FormMessage, successMessage, type FormMessageValue } from "../components/FormMessage";
import { EmptyState, QueryView } from "../components/States";
import { formatDateTime, formatNumber } from "../lib/format";
import { canMarkPaid, ITEM_KIND_LABELS, monthLabel, PAYMENT_LABELS } from "../lib/marketplace";
import { formatMoney } from "../lib/money";
import { usePageTitle } from "../lib/usePageTitle";

function Invoice({ bill }: { bill: BillView }) {
  const me = useSignedIn();
  const queryClient = useQueryClient();
  const [message, setMessage] = useState<FormMessageValue>(null);
  const [pdfUrl, setPdfUrl] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const urlRef = useRef<string | null>(null);
  useEffect(
    () => () => {
      if (urlRef.current) URL.revokeObjectURL(urlRef.current);
    },
    [],
  );
  const download = async () => {
    if (loading) return;
    setLoading(true);
    setMessage(null);
    try {
      const blob = await getInvoicePdf(bill.id);
      if (urlRef.current) URL.revokeObjectURL(urlRef.current);
      const url = URL.createObjectURL(blob.type === "application/pdf" ? blob : new Blob([blob], { type: "application/pdf" }));
      urlRef.current = url;
      setPdfUrl(url);
      window.open(url, "_blank", "noopener");
    } catch (err) {
      setMessage(errorMessage(describeError(err)));
    } finally {
      setLoading(false);
    }
  };
  const paid = useMutation({
    mutationFn: () => markBillPaid(bill.id),
    onMutate: () => setMessage(null),
    onSuccess: async (updated) => {
      queryClient.setQueryData(marketKeys.bill(bill.id), { ...bill, ...updated, items: updated.items ?? bill.items });
      await queryClient.invalidateQueries({ queryKey: ["bills", "list"] });
      setMessage(successMessage("Marked paid."));
    },
    onError: (err) => setMessage(errorMessage(describeError(err))),
  });
  return (
    <Stack gap="xs">
      <Group gap="sm">
        <Button variant="default" onClick={() => void download()} aria-disabled={loading || undefined} data-testid="download-pdf">
          {loading ? "Preparing the PDF…" : "Download PDF"}
        </Button>
        {pdfUrl && (
          <Anchor href={pdfUrl} download={`${bill.number}.pdf`} data-testid="pdf-link">
            Save {bill.number}.pdf
          </Anchor>
        )}
        {canMarkPaid(me) && bill.payment_status === "unpaid" && (
          <ConfirmButton label="Mark paid" size="sm" color="indigo" confirmLabel="Confirm marking paid" busy={paid.isPending} onConfirm={() => paid.mutate()} />
        )}
      </Group>
      <FormMessage message={message} testId="bill-message" />
    </Stack>
  );
}

export function BillDetailPage() {
  const { id = "" } = useParams();
  const bill = useBill(id);
  const notFound = bill.error instanceof ApiError && bill.error.isNotFound;
  usePageTitle(notFound ? "Page not found" : bill.data ? `Bill ${bill.data.number}` : "Bill");
  return (
    <Stack gap="md">
      <Anchor component={Link} to="/bills">
        ← Bills
      </Anchor>
      <QueryView query={bill} loadingLabel="Loading the bill…">
        {(b) => {
          const items = [...(b.items ?? [])].sort((x, y) => x.position - y.position);
          return (
            <>
              <Group gap="sm" align="center">
                <Title order={1} data-testid="bill-number">
                  Bill {b.number}
                </Title>
                <Badge variant="dot" color={b.payment_status === "paid" ? "green" : "orange"} tt="none" size="lg" data-testid="bill-payment-status">
                  {PAYMENT_LABELS[b.payment_status]}
                </Badge>
              </Group>
              <Facts
                items={[
                  { label: "Period", value: monthLabel(b.period_start), testId: "bill-period" },
                  { label: "Issued", value: formatDateTime(b.issued_at) },
                  { label: "Currency", value: b.currency },
                  { label: "Total", value: <Text fw={700}>{formatMoney(b.total, b.currency)}</Text>, testId: "bill-total" },
                  !!b.paid_at && { label: "Paid", value: formatDateTime(b.paid_at) },
                ]}
              />
              <Invoice bill={b} />
              {items.length === 0 ? (
                <EmptyState>This bill has no line items.</EmptyState>
              ) : (
                <DataTable label="Line items" minWidth={760}>
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th scope="col">Kind</Table.Th>
                      <Table.Th scope="col">Description</Table.Th>
                      <Table.Th scope="col" style={{ textAlign: "right" }}>
                        Quantity
                      </Table.Th>
                      <Table.Th scope="col" style={{ textAlign: "right" }}>
                        Amount
                      </Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {items.map((it) => (
                      <Table.Tr key={it.position} data-testid="bill-item" data-kind={it.kind}>
                        <Table.Td style={{ whiteSpace: "nowrap" }}>{ITEM_KIND_LABELS[it.kind] ?? it.kind}</Table.Td>
                        <Table.Td>{it.description}</Table.Td>
                        <Table.Td style={{ textAlign: "right", whiteSpace: "nowrap" }}>
                          {formatNumber(it.quantity)} {it.unit}
                        </Table.Td>
                        <Table.Td style={{ textAlign: "right", whiteSpace: "nowrap" }} data-testid="bill-item-amount">
                          {formatMoney(it.amount, b.currency)}
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                  <Table.Tfoot>
                    <Table.Tr>
                      <Table.Th scope="row" colSpan={3} style={{ textAlign: "right" }}>
                        Total
                      </Table.Th>
                      <Table.Td style={{ textAlign: "right", whiteSpace: "nowrap" }} fw={700} data-testid="bill-items-total">
                        {formatMoney(b.total, b.currency)}
                      </Table.Td>
                    </Table.Tr>
                  </Table.Tfoot>
                </DataTable>
              )}
            </>
          );
        }}
      </QueryView>
    </Stack>
  );
}

export default BillDetailPage;
