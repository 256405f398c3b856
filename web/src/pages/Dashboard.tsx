import { Anchor, Code, Paper, SimpleGrid, Skeleton, Text, Title } from "@mantine/core";
import { Link } from "react-router";
import { useApiKeyCount, usePendingInvitationCount, useUserCount } from "../api/queries";
import { useSignedIn } from "../auth/useSignedIn";
import { GettingStarted } from "../components/GettingStarted";
import { Notice } from "../components/States";
import { UsagePanel } from "../components/UsagePanel";
import { canReadUsage, canReadUsers, canSeeAllKeys } from "../lib/permissions";
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
          <UsagePanel />
        )}
      </section>
    </>
  );
}
