import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, unwrap } from "../api/client";
import { qk, useTenant } from "../api/queries";
import type { TenantView } from "../api/types";
import { useSignedIn } from "../auth/useSignedIn";
import { TextField } from "../components/Field";
import { FormAlert, QueryView } from "../components/States";
import { formatDateTime } from "../lib/format";
import { canEditTenant } from "../lib/permissions";
import { useForm } from "../lib/useForm";
import { validateName } from "../lib/validation";

function TenantForm({ tenant }: { tenant: TenantView }) {
  const queryClient = useQueryClient();
  const [saved, setSaved] = useState(false);
  const form = useForm<{ name: string }>(
    { name: tenant.name },
    (v) => {
      const name = validateName(v.name, "Organization name");
      return name ? { name } : {};
    },
    async (v) => {
      setSaved(false);
      const updated = await unwrap(api().PATCH("/v1/tenant", { body: { name: v.name.trim() } }));
      queryClient.setQueryData(qk.tenant, updated);
      await queryClient.invalidateQueries({ queryKey: qk.me });
      setSaved(true);
    },
  );
  return (
    <form onSubmit={form.onSubmit} noValidate className="panel">
      <TextField
        label="Organization name"
        value={form.values.name}
        onValue={(v) => {
          setSaved(false);
          form.set("name", v);
        }}
        error={form.errors.name}
      />
      <FormAlert message={form.formError} />
      {saved && <p role="status">Saved.</p>}
      <button type="submit" className="primary" disabled={form.submitting}>
        {form.submitting ? "Saving…" : "Save"}
      </button>
    </form>
  );
}

export function SettingsPage() {
  const me = useSignedIn();
  const tenant = useTenant();
  return (
    <>
      <h1>Organization settings</h1>
      <QueryView query={tenant} loadingLabel="Loading settings…">
        {(t) => (
          <>
            <dl className="facts">
              <dt>Name</dt>
              <dd data-testid="settings-tenant-name">{t.name}</dd>
              <dt>Slug</dt>
              <dd>
                <code>{t.slug}</code> (used to log in; it cannot change)
              </dd>
              <dt>Created</dt>
              <dd>{formatDateTime(t.created_at)}</dd>
              <dt>Id</dt>
              <dd>
                <code>{t.id}</code>
              </dd>
            </dl>
            {canEditTenant(me) ? (
              <TenantForm key={t.id} tenant={t} />
            ) : (
              <p className="notice">Only owners and admins can change the organization's settings.</p>
            )}
          </>
        )}
      </QueryView>
    </>
  );
}
