import { Badge, Group, Stack, Table, Text, Title } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useNavigate } from "react-router";
import { api, unwrap } from "../api/client";
import { revokeOtherSessions } from "../api/people";
import { describeError } from "../api/problem";
import { qk, useSessions } from "../api/queries";
import type { SessionView } from "../api/types";
import { useAuth } from "../auth/AuthContext";
import { ConfirmButton } from "../components/ConfirmButton";
import { DataTable } from "../components/DataTable";
import { errorMessage, FormMessage, successMessage, type FormMessageValue } from "../components/FormMessage";
import { EmptyState, ErrorState, TableSkeleton } from "../components/States";
import { formatDateTime } from "../lib/format";
import { usePageTitle } from "../lib/usePageTitle";

/** "Chrome 131.0.0.0 on Linux" (the server's reading of the user agent); else the raw user agent. */
export function sessionDevice(s: Pick<SessionView, "device" | "user_agent">): string {
  return s.device?.trim() || s.user_agent?.trim() || "Unknown device";
}

export function SessionsPage() {
  usePageTitle("Sessions");
  const sessions = useSessions();
  const queryClient = useQueryClient();
  const { signOutLocally } = useAuth();
  const navigate = useNavigate();
  // The page's one message area: the latest action's outcome.
  const [message, setMessage] = useState<FormMessageValue>(null);
  const revokeOthers = useMutation({
    mutationFn: revokeOtherSessions,
    onMutate: () => setMessage(null),
    onSuccess: (r) =>
      setMessage(
        successMessage(
          r.revoked === 0 ? "There were no other sessions to log out." : `Logged out ${r.revoked} other ${r.revoked === 1 ? "session" : "sessions"}.`,
        ),
      ),
    onError: (err) => setMessage(errorMessage(describeError(err))),
    onSettled: () => queryClient.invalidateQueries({ queryKey: qk.sessions }),
  });
  const revoke = useMutation({
    mutationFn: (v: { id: string; current: boolean }) => unwrap(api().DELETE("/v1/auth/sessions/{id}", { params: { path: { id: v.id } } })),
    onMutate: () => setMessage(null),
    onError: (err) => setMessage(errorMessage(describeError(err))),
    onSuccess: async (_data, v) => {
      if (v.current) {
        navigate("/login", { replace: true });
        signOutLocally("You revoked this session and have been logged out.");
        return;
      }
      setMessage(successMessage("Session revoked; that device is logged out."));
      await queryClient.invalidateQueries({ queryKey: qk.sessions });
    },
  });

  const others = sessions.data?.items.filter((x) => !x.current).length ?? 0;
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
                <Text size="sm" span title={s.user_agent ?? undefined} data-testid="session-device">
                  {sessionDevice(s)}
                </Text>
                {s.current && (
                  <Badge variant="dot" tt="none" color="green" ml="xs" data-testid="session-current-badge">
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
                  confirmLabel={`Confirm revoking ${s.current ? "this session" : `the session on ${s.device ?? s.user_agent ?? "an unknown device"}, last seen ${formatDateTime(s.last_seen_at)}`}`}
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
      {others > 0 && (
        <Group>
          <ConfirmButton
            label="Log out all other sessions"
            confirmLabel={`Confirm: log out ${others} other ${others === 1 ? "session" : "sessions"}`}
            size="sm"
            busy={revokeOthers.isPending}
            onConfirm={() => revokeOthers.mutate()}
          />
        </Group>
      )}
      <FormMessage message={message} testId="sessions-message" />
      {body}
    </Stack>
  );
}
