import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useNavigate } from "react-router";
import { api, unwrap } from "../api/client";
import { describeError } from "../api/problem";
import { qk, useSessions } from "../api/queries";
import { useAuth } from "../auth/AuthContext";
import { ConfirmButton } from "../components/ConfirmButton";
import { EmptyState, ErrorState, FormAlert, Loading } from "../components/States";
import { formatDateTime } from "../lib/format";

export function SessionsPage() {
  const sessions = useSessions();
  const queryClient = useQueryClient();
  const { signOutLocally } = useAuth();
  const navigate = useNavigate();
  const revoke = useMutation({
    mutationFn: (v: { id: string; current: boolean }) =>
      unwrap(api().DELETE("/v1/auth/sessions/{id}", { params: { path: { id: v.id } } })),
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
  if (sessions.isPending) body = <Loading label="Loading sessions…" />;
  else if (sessions.error) body = <ErrorState error={sessions.error} onRetry={() => void sessions.refetch()} />;
  else if (sessions.data.items.length === 0) body = <EmptyState>No live sessions.</EmptyState>;
  else
    body = (
      <table>
        <thead>
          <tr>
            <th scope="col">Device</th>
            <th scope="col">IP address</th>
            <th scope="col">Signed in</th>
            <th scope="col">Last seen</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {sessions.data.items.map((s) => (
            <tr key={s.id} data-testid={s.current ? "session-current" : "session-row"}>
              <td>
                {s.user_agent ?? "Unknown device"}
                {s.current && <strong className="badge"> This session</strong>}
              </td>
              <td>{s.ip ?? "—"}</td>
              <td>{formatDateTime(s.created_at)}</td>
              <td>{formatDateTime(s.last_seen_at)}</td>
              <td>
                <ConfirmButton
                  label={s.current ? "Revoke (log out)" : "Revoke"}
                  confirmLabel="Confirm revoke"
                  busy={revoke.isPending && revoke.variables?.id === s.id}
                  onConfirm={() => revoke.mutate({ id: s.id, current: s.current })}
                />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    );

  return (
    <>
      <h1>Sessions</h1>
      <p className="muted">Where you are signed in. Revoking a session logs that device out at once.</p>
      {revoke.isError && <FormAlert message={describeError(revoke.error)} />}
      {body}
    </>
  );
}
