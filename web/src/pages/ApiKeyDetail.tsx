import { Anchor, Code, Group, Stack, Text, Title } from "@mantine/core";
import { Link, useParams } from "react-router";
import { ApiError, describeError } from "../api/problem";
import { useApiKey } from "../api/queries";
import { useSignedIn } from "../auth/useSignedIn";
import { ConfirmButton } from "../components/ConfirmButton";
import { Facts } from "../components/Facts";
import { errorMessage, FormMessage } from "../components/FormMessage";
import { Notice, QueryView } from "../components/States";
import { UsagePanel } from "../components/UsagePanel";
import { formatDateTime } from "../lib/format";
import { canReadUsage, canRevokeKey } from "../lib/permissions";
import { usePageTitle } from "../lib/usePageTitle";
import { KeyStatusBadge, keyStatus, useRevokeKey } from "./ApiKeys";

export function ApiKeyDetailPage() {
  const { id = "" } = useParams();
  const me = useSignedIn();
  const key = useApiKey(id);
  const revoke = useRevokeKey();
  const notFound = key.error instanceof ApiError && key.error.isNotFound;
  usePageTitle(notFound ? "Page not found" : (key.data?.name ?? "API key"));
  return (
    <Stack gap="md">
      <Anchor component={Link} to="/api-keys">
        ← API keys
      </Anchor>
      <QueryView query={key} loadingLabel="Loading API key…">
        {(k) => {
          const status = keyStatus(k);
          return (
            <Stack gap="md" component="section" aria-labelledby="key-heading">
              <Title order={1} id="key-heading">
                {k.name}
              </Title>
              <Facts
                items={[
                  { label: "Prefix", value: <Code>{k.prefix}</Code> },
                  { label: "Status", value: <KeyStatusBadge status={status} /> },
                  { label: "Scopes", value: k.scopes.join(", ") },
                  { label: "Created", value: formatDateTime(k.created_at) },
                  { label: "Created by", value: <Code>{k.created_by}</Code> },
                  { label: "Last used", value: formatDateTime(k.last_used_at) },
                  { label: "Expires", value: k.expires_at ? formatDateTime(k.expires_at) : "Never" },
                  k.revoked_at ? { label: "Revoked", value: formatDateTime(k.revoked_at) } : null,
                ]}
              />
              <Text c="dimmed">The secret is never shown again after creation.</Text>
              {status === "active" && canRevokeKey(me, me.user.id, k.created_by) && (
                <Group>
                  <ConfirmButton
                    label="Revoke"
                    size="sm"
                    busy={revoke.isPending}
                    onConfirm={() => revoke.mutate(k.id, { onSuccess: () => void key.refetch() })}
                  />
                </Group>
              )}
              <FormMessage message={revoke.isError ? errorMessage(describeError(revoke.error)) : null} />
              <Stack gap="sm" component="section" aria-labelledby="key-usage-heading" mt="md" data-testid="key-usage">
                <Title order={2} size="h3" id="key-usage-heading">
                  Usage of this key
                </Title>
                {canReadUsage(me) ? (
                  <UsagePanel keyId={k.id} keyName={k.name} />
                ) : (
                  <Notice testId="key-usage-not-allowed">Your role cannot read usage analytics.</Notice>
                )}
              </Stack>
            </Stack>
          );
        }}
      </QueryView>
    </Stack>
  );
}
