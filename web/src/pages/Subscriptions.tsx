// The organization's subscriptions to other organizations' apps: app, plan,
// state and current period, filtered by state.
import { Anchor, Badge, Table, Text, Title } from "@mantine/core";
import { useEffect, useState } from "react";
import { Link } from "react-router";
import { subscriptionStateValues, useSubscriptionList, type SubscriptionState } from "../api/marketplace";
import { DataTable } from "../components/DataTable";
import { SelectField } from "../components/Field";
import { Pager } from "../components/Pager";
import { EmptyState, ErrorState, TableSkeleton } from "../components/States";
import { formatDateTime } from "../lib/format";
import { STATE_COLORS, STATE_LABELS, subscriptionPlanName } from "../lib/marketplace";
import { useCursorPager } from "../lib/paging";
import { usePageTitle } from "../lib/usePageTitle";

export function SubscriptionsPage() {
  usePageTitle("Subscriptions");
  const [state, setState] = useState<SubscriptionState | "">("");
  const pager = useCursorPager();
  const { reset } = pager;
  useEffect(() => reset(), [state, reset]);
  const subs = useSubscriptionList({ state: state || undefined, limit: 25, cursor: pager.cursor });

  let body;
  if (subs.isPending) body = <TableSkeleton label="Loading subscriptions…" columns={5} />;
  else if (subs.error) body = <ErrorState error={subs.error} onRetry={() => void subs.refetch()} />;
  else if (subs.data.items.length === 0)
    body = (
      <div data-testid="subscriptions-empty">
        <EmptyState>
          {state ? "No subscription in this state." : "No subscriptions yet. "}
          {!state && (
            <Anchor component={Link} to="/marketplace">
              Browse the marketplace
            </Anchor>
          )}
        </EmptyState>
      </div>
    );
  else
    body = (
      <>
        <DataTable label="Subscriptions">
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">App</Table.Th>
              <Table.Th scope="col">Plan</Table.Th>
              <Table.Th scope="col">State</Table.Th>
              <Table.Th scope="col">Current period ends</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {subs.data.items.map((s) => (
              <Table.Tr key={s.id} data-testid="subscription-row" data-subscription-id={s.id}>
                <Table.Td>
                  <Anchor component={Link} to={`/subscriptions/${s.id}`}>
                    {s.app_name ?? "Subscription"}
                  </Anchor>
                </Table.Td>
                <Table.Td>{subscriptionPlanName(s)}</Table.Td>
                <Table.Td>
                  <Badge variant="dot" color={STATE_COLORS[s.state]} tt="none" data-testid="subscription-state-badge">
                    {STATE_LABELS[s.state]}
                  </Badge>
                  {s.cancel_at_period_end && (s.state === "active" || s.state === "trialing") && (
                    <Text span size="xs" c="dimmed" ml={6}>
                      ends at period end
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>{formatDateTime(s.state === "trialing" ? (s.trial_ends_at ?? s.current_period_end) : s.current_period_end)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </DataTable>
        <Pager pager={pager} nextCursor={subs.data.next_cursor} label="Subscriptions" />
      </>
    );

  return (
    <>
      <Title order={1}>Subscriptions</Title>
      <Text c="dimmed" mb="md">
        The apps your organization subscribes to on the marketplace, and the keys that run them.
      </Text>
      <div role="search" aria-label="Filter subscriptions" style={{ maxWidth: 260, marginBottom: "var(--mantine-spacing-sm)" }}>
        <SelectField<SubscriptionState | "">
          label="State"
          value={state}
          onValue={setState}
          options={[{ value: "", label: "Any state" }, ...subscriptionStateValues.map((s) => ({ value: s, label: STATE_LABELS[s] }))]}
        />
      </div>
      {body}
    </>
  );
}

export default SubscriptionsPage;
