import { Badge, Stack, Table, Text, Title } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useNavigate } from "react-router";
import { api, unwrap } from "../api/client";
import { describeError } from "../api/problem";
import { qk, useSessions } from "../api/queries";
import { useAuth } from "../auth/AuthContext";
import { ConfirmButton } from "../components/ConfirmButton";
import { DataTable } from "../components/DataTable";
import { errorMessage, FormMessage } from "../components/FormMessage";
import { EmptyState, ErrorState, TableSkeleton } from "../components/States";
import { formatDateTime } from "../lib/format";
import { usePageTitle } from "../lib/usePageTitle";

export function SessionsPage() {
  usePageTitle("Sessions");
  const sessions = useSessions();
  const queryClient = useQueryClient();
  const { signOutLocally } = useAuth();
  const navigate = useNavigate();
  const revoke = useMutation({
    mutationFn: (v: { id: string; current: boolean }) => unwrap(api().DELETE("/v1/auth/sessions/{id}", { params: { path: { id: v.id } } })),
    onSuccess: async (_data, v) => {
      if (v.current) {
        navigate("/login", { replace: true });
        signOutLocally("You revoked this session and have been logged out.");
        return;
      }
      await queryClient.invalidateQueries({ queryKey: qk.sessions });
    },
  });

  let body;
  if (sessions.isPending) body = <TableSkeleton label="Loading sessions…" columns={5} />;
  else if (sessions.error) body = <ErrorState error={sessions.error} onRetry={() => void sessions.refetch()} />;
  else if (sessions.data.items.length === 0) body = <EmptyState>No live sessions.</EmptyState>;
  else
    body = (
      <DataTable label="Sessions" minWidth={720}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">Device</Table.Th>
            <Table.Th scope="col">IP address</Table.Th>
            <Table.Th scope="col">Signed in</Table.Th>
            <Table.Th scope="col">Last seen</Table.Th>
            <Table.Th scope="col">
              <span className="visually-hidden">Actions</span>
            </Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {sessions.data.items.map((s) => (
            <Table.Tr key={s.id} data-testid={s.current ? "session-current" : "session-row"}>
              <Table.Td>
                {s.user_agent ?? "Unknown device"}
                {s.current && (
                  <Badge variant="dot" tt="none" color="green" ml="xs">
                    This session
                  </Badge>
                )}
              </Table.Td>
              <Table.Td>{s.ip ?? "—"}</Table.Td>
              <Table.Td>{formatDateTime(s.created_at)}</Table.Td>
              <Table.Td>{formatDateTime(s.last_seen_at)}</Table.Td>
              <Table.Td>
                <ConfirmButton
                  label={s.current ? "Revoke (log out)" : "Revoke"}
                  confirmLabel="Confirm revoke"
                  busy={revoke.isPending && revoke.variables?.id === s.id}
                  onConfirm={() => revoke.mutate({ id: s.id, current: s.current })}
                />
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </DataTable>
    );

  return (
    <Stack component="section" aria-labelledby="sessions-heading" gap="sm">
      <Title order={1} id="sessions-heading">
        Sessions
      </Title>
      <Text c="dimmed">Where you are signed in. Revoking a session logs that device out at once.</Text>
      <FormMessage message={revoke.isError ? errorMessage(describeError(revoke.error)) : null} />
      {body}
    </Stack>
  );
}
