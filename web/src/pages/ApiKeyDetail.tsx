import { Link, useParams } from "react-router";
import { describeError } from "../api/problem";
import { useApiKey } from "../api/queries";
import { useSignedIn } from "../auth/useSignedIn";
import { ConfirmButton } from "../components/ConfirmButton";
import { FormAlert, QueryView } from "../components/States";
import { formatDateTime } from "../lib/format";
import { canRevokeKey } from "../lib/permissions";
import { keyStatus, useRevokeKey } from "./ApiKeys";

export function ApiKeyDetailPage() {
  const { id = "" } = useParams();
  const me = useSignedIn();
  const key = useApiKey(id);
  const revoke = useRevokeKey();
  return (
    <>
      <p>
        <Link to="/api-keys">← API keys</Link>
      </p>
      <QueryView query={key} loadingLabel="Loading API key…">
        {(k) => {
          const status = keyStatus(k);
          return (
            <>
              <h1>{k.name}</h1>
              <dl className="facts">
                <dt>Prefix</dt>
                <dd>
                  <code>{k.prefix}</code>
                </dd>
                <dt>Status</dt>
                <dd data-testid="api-key-status">{status}</dd>
                <dt>Scopes</dt>
                <dd>{k.scopes.join(", ")}</dd>
                <dt>Created</dt>
                <dd>{formatDateTime(k.created_at)}</dd>
                <dt>Created by</dt>
                <dd>
                  <code>{k.created_by}</code>
                </dd>
                <dt>Last used</dt>
                <dd>{formatDateTime(k.last_used_at)}</dd>
                <dt>Expires</dt>
                <dd>{k.expires_at ? formatDateTime(k.expires_at) : "Never"}</dd>
                {k.revoked_at && (
                  <>
                    <dt>Revoked</dt>
                    <dd>{formatDateTime(k.revoked_at)}</dd>
                  </>
                )}
              </dl>
              <p className="muted">The secret is never shown again after creation.</p>
              {status === "active" && canRevokeKey(me, me.user.id, k.created_by) && (
                <ConfirmButton label="Revoke" busy={revoke.isPending} onConfirm={() => revoke.mutate(k.id, { onSuccess: () => void key.refetch() })} />
              )}
              {revoke.isError && <FormAlert message={describeError(revoke.error)} />}
            </>
          );
        }}
      </QueryView>
    </>
  );
}
