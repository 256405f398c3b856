import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";
import { api, unwrap } from "../api/client";
import { describeError } from "../api/problem";
import { qk, useApiKeysPage } from "../api/queries";
import { scopeValues, type ApiKeyView, type CreateApiKeyRequest, type CreatedApiKey, type Scope } from "../api/types";
import { useSignedIn } from "../auth/useSignedIn";
import { ConfirmButton } from "../components/ConfirmButton";
import { CopyButton } from "../components/CopyButton";
import { TextField } from "../components/Field";
import { Pager } from "../components/Pager";
import { EmptyState, ErrorState, FormAlert, Loading } from "../components/States";
import { formatDateTime, localInputToIso } from "../lib/format";
import { useCursorPager } from "../lib/paging";
import { canRevokeKey, canSeeAllKeys, keyScopesFor } from "../lib/permissions";
import { useForm } from "../lib/useForm";
import { validateCreateApiKey } from "../lib/validation";

export function keyStatus(key: ApiKeyView, now: Date = new Date()): "active" | "revoked" | "expired" {
  if (key.revoked_at) return "revoked";
  if (key.expires_at && Date.parse(key.expires_at) <= now.getTime()) return "expired";
  return "active";
}

export function useRevokeKey() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => unwrap(api().DELETE("/v1/api-keys/{id}", { params: { path: { id } } })),
    onSettled: async () => {
      await queryClient.invalidateQueries({ queryKey: qk.apiKeys });
      await queryClient.invalidateQueries({ queryKey: qk.counts("api-keys") });
    },
  });
}

/** The secret, shown once. It lives only in this component's state. */
function NewKeySecret({ created, onDone }: { created: CreatedApiKey; onDone: () => void }) {
  return (
    <section className="panel secret" aria-labelledby="secret-heading" data-testid="new-key-secret">
      <h2 id="secret-heading">Your new API key “{created.name}”</h2>
      <p className="warning" role="alert">
        Copy this key now. It is shown only once: QHub stores only a hash of it and cannot show it again.
      </p>
      <p>
        <code className="secret-value" data-testid="api-key-secret">
          {created.key}
        </code>
      </p>
      <CopyButton text={created.key} label="Copy key" />
      <p>
        <button type="button" onClick={onDone}>
          I have stored the key
        </button>
      </p>
    </section>
  );
}

type KeyForm = Omit<CreateApiKeyRequest, "expires_at"> & { expires_local: string };

function CreateKeyForm({ onCreated }: { onCreated: (k: CreatedApiKey) => void }) {
  const me = useSignedIn();
  const queryClient = useQueryClient();
  const granted = keyScopesFor(me);
  const form = useForm<KeyForm>(
    { name: "", scopes: [], expires_local: "" },
    (v) => {
      const errs = validateCreateApiKey({ name: v.name, scopes: v.scopes, expires_at: localInputToIso(v.expires_local) ?? null });
      const { expires_at, ...rest } = errs;
      return { ...rest, ...(expires_at ? { expires_local: expires_at } : {}) };
    },
    async (v) => {
      const created = await unwrap(
        api().POST("/v1/api-keys", {
          body: { name: v.name.trim(), scopes: v.scopes, expires_at: localInputToIso(v.expires_local) ?? null },
        }),
      );
      form.setValues({ name: "", scopes: [], expires_local: "" });
      onCreated(created);
      await queryClient.invalidateQueries({ queryKey: qk.apiKeys });
      await queryClient.invalidateQueries({ queryKey: qk.counts("api-keys") });
    },
  );
  const { values, errors, set } = form;
  const toggle = (s: Scope, on: boolean) =>
    set("scopes", on ? scopeValues.filter((x) => x === s || values.scopes.includes(x)) : values.scopes.filter((x) => x !== s));

  return (
    <form onSubmit={form.onSubmit} noValidate className="panel" aria-labelledby="create-key-heading">
      <h2 id="create-key-heading">Create an API key</h2>
      <TextField label="Key name" value={values.name} onValue={(v) => set("name", v)} error={errors.name} placeholder="CI pipeline" />
      <fieldset aria-describedby={errors.scopes ? "scopes-error" : undefined}>
        <legend>Scopes</legend>
        {scopeValues.map((s) => {
          const allowed = granted.includes(s);
          return (
            <label key={s} className={`check-row${allowed ? "" : " disabled"}`}>
              <input
                type="checkbox"
                checked={values.scopes.includes(s)}
                disabled={!allowed}
                onChange={(e) => toggle(s, e.target.checked)}
              />
              {s}
              {!allowed && <span className="hint"> (not granted to your role)</span>}
            </label>
          );
        })}
        {errors.scopes && (
          <p className="field-error" id="scopes-error">
            {errors.scopes}
          </p>
        )}
      </fieldset>
      <TextField
        label="Expires (optional)"
        type="datetime-local"
        value={values.expires_local}
        onValue={(v) => set("expires_local", v)}
        error={errors.expires_local}
        hint="Leave empty for a key that lives until revoked."
      />
      <FormAlert message={form.formError} />
      <button type="submit" className="primary" disabled={form.submitting}>
        {form.submitting ? "Creating…" : "Create key"}
      </button>
    </form>
  );
}

export function ApiKeysPage() {
  const me = useSignedIn();
  const [includeRevoked, setIncludeRevoked] = useState(false);
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const pager = useCursorPager();
  const keys = useApiKeysPage(includeRevoked, pager.cursor);
  const revoke = useRevokeKey();

  let list;
  if (keys.isPending) list = <Loading label="Loading API keys…" />;
  else if (keys.error) list = <ErrorState error={keys.error} onRetry={() => void keys.refetch()} />;
  else if (keys.data.items.length === 0) list = <EmptyState>No API keys yet. Create one below.</EmptyState>;
  else
    list = (
      <>
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Prefix</th>
              <th scope="col">Scopes</th>
              <th scope="col">Created</th>
              <th scope="col">Last used</th>
              <th scope="col">Status</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {keys.data.items.map((k) => {
              const status = keyStatus(k);
              return (
                <tr key={k.id} data-testid={`api-key-row-${k.name}`}>
                  <td>
                    <Link to={`/api-keys/${k.id}`}>{k.name}</Link>
                  </td>
                  <td>
                    <code>{k.prefix}</code>
                  </td>
                  <td>{k.scopes.join(", ")}</td>
                  <td>{formatDateTime(k.created_at)}</td>
                  <td>{formatDateTime(k.last_used_at)}</td>
                  <td data-testid="api-key-status">{status}</td>
                  <td>
                    {status === "active" && canRevokeKey(me, me.user.id, k.created_by) && (
                      <ConfirmButton
                        label="Revoke"
                        confirmLabel={`Confirm revoking ${k.name}`}
                        busy={revoke.isPending && revoke.variables === k.id}
                        onConfirm={() => revoke.mutate(k.id)}
                      />
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
        <Pager pager={pager} nextCursor={keys.data.next_cursor} label="API keys" />
      </>
    );

  return (
    <>
      <h1>API keys</h1>
      <p className="muted">
        {canSeeAllKeys(me) ? "Every key of the organization." : "Your own keys."} A key acts with its scopes, never beyond its creator's
        current role.
      </p>
      {created && <NewKeySecret created={created} onDone={() => setCreated(null)} />}
      <label className="check-row">
        <input
          type="checkbox"
          checked={includeRevoked}
          onChange={(e) => {
            setIncludeRevoked(e.target.checked);
            pager.reset();
          }}
        />
        Show revoked keys
      </label>
      {revoke.isError && <FormAlert message={describeError(revoke.error)} />}
      {list}
      <CreateKeyForm onCreated={setCreated} />
    </>
  );
}
