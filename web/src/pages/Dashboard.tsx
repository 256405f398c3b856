import { Anchor, Button, Code, Group, Paper, SimpleGrid, Skeleton, Text, Title } from "@mantine/core";
import { useMemo, useState } from "react";
import { Link } from "react-router";
import { useApiKeyCount, usePendingInvitationCount, useUsage, useUserCount } from "../api/queries";
import type { Interval } from "../api/types";
import { useSignedIn } from "../auth/useSignedIn";
import { SelectField } from "../components/Field";
import { GettingStarted } from "../components/GettingStarted";
import { EmptyState, ErrorState, Loading, Notice } from "../components/States";
import { UsageChart } from "../components/UsageChart";
import { canReadUsage, canReadUsers, canSeeAllKeys } from "../lib/permissions";
import { allowedIntervals, effectiveInterval, RANGE_PRESETS, rangeFor, shapeUsage, type RangePreset } from "../lib/usage";
import { usePageTitle } from "../lib/usePageTitle";

function Count({
  label,
  query,
  testId,
  to,
}: {
  label: string;
  query: { data?: { count: number; capped: boolean }; isPending: boolean; error: unknown } | null;
  testId: string;
  to?: string;
}) {
  let value: string;
  if (query === null) value = "—";
  else if (query.isPending) value = "…";
  else if (query.error || !query.data) value = "?";
  else value = `${query.data.count}${query.data.capped ? "+" : ""}`;
  return (
    <Paper withBorder radius="md" p="md">
      <Text fz={28} fw={700} lh={1.2} data-testid={testId} aria-busy={query?.isPending || undefined}>
        {query?.isPending ? (
          <>
            <Skeleton height={28} width={48} radius="sm" aria-hidden="true" component="span" display="inline-block" />
            <span className="visually-hidden">Loading</span>
          </>
        ) : (
          value
        )}
      </Text>
      <Text c="dimmed" size="sm">
        {to ? (
          <Anchor component={Link} to={to} inherit>
            {label}
          </Anchor>
        ) : (
          label
        )}
      </Text>
    </Paper>
  );
}

export function DashboardPage() {
  usePageTitle("Dashboard");
  const me = useSignedIn();
  const readsUsers = canReadUsers(me);
  const readsUsage = canReadUsage(me);
  const users = useUserCount(readsUsers);
  const keys = useApiKeyCount();
  const invitations = usePendingInvitationCount(readsUsers);

  const [preset, setPreset] = useState<RangePreset>("24h");
  const [chosenInterval, setChosenInterval] = useState<Interval>("hour");
  const [asOf, setAsOf] = useState(() => new Date());
  const interval = effectiveInterval(preset, chosenInterval);
  const range = useMemo(() => rangeFor(preset, asOf), [preset, asOf]);
  const usage = useUsage(range.from, range.to, interval, readsUsage);
  const chart = useMemo(() => (usage.data ? shapeUsage(usage.data.buckets) : null), [usage.data]);

  return (
    <>
      <Title order={1} data-testid="tenant-name">
        {me.tenant.name}
      </Title>
      <Text c="dimmed" mb="md">
        Organization <Code>{me.tenant.slug}</Code>
      </Text>
      <GettingStarted />
      <SimpleGrid component="section" aria-label="Counts" cols={{ base: 1, xs: 3 }} spacing="md" mb="lg">
        <Count label="Users" query={readsUsers ? users : null} testId="count-users" to={readsUsers ? "/users" : undefined} />
        <Count label={canSeeAllKeys(me) ? "API keys" : "Your API keys"} query={keys} testId="count-api-keys" to="/api-keys" />
        <Count
          label="Pending invitations"
          query={readsUsers ? invitations : null}
          testId="count-invitations"
          to={readsUsers ? "/users" : undefined}
        />
      </SimpleGrid>

      <section aria-labelledby="usage-heading">
        <Title order={2} id="usage-heading" mb="sm">
          API usage
        </Title>
        {!readsUsage ? (
          <Notice testId="usage-not-allowed">Your role cannot read usage analytics.</Notice>
        ) : (
          <>
            <Group align="flex-end" gap="md" mb="md">
              <SelectField<RangePreset>
                label="Range"
                value={preset}
                onValue={setPreset}
                options={RANGE_PRESETS.map((p) => ({ value: p.value, label: p.label }))}
              />
              <SelectField<Interval>
                label="Interval"
                value={interval}
                onValue={setChosenInterval}
                options={[
                  { value: "hour", label: "Hourly", disabled: !allowedIntervals(preset).includes("hour") },
                  { value: "day", label: "Daily" },
                ]}
                hint={allowedIntervals(preset).includes("hour") ? undefined : "Hourly buckets cover at most 31 days."}
              />
              <Button variant="default" onClick={() => setAsOf(new Date())}>
                Refresh
              </Button>
            </Group>
            {usage.isPending ? (
              <Paper withBorder radius="md" p="md">
                <Loading label="Loading usage…" lines={6} />
              </Paper>
            ) : usage.error ? (
              <ErrorState error={usage.error} onRetry={() => void usage.refetch()} />
            ) : chart && chart.totals.requests === 0 ? (
              <>
                <UsageChart data={chart} interval={interval} />
                <EmptyState>No API requests in this range yet.</EmptyState>
              </>
            ) : chart ? (
              <UsageChart data={chart} interval={interval} />
            ) : null}
          </>
        )}
      </section>
    </>
  );
}
