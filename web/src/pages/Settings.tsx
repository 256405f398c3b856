import { Code, Group, Stack, Title } from "@mantine/core";
import { useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../api/client";
import { qk, useTenant } from "../api/queries";
import type { TenantView } from "../api/types";
import { useSignedIn } from "../auth/useSignedIn";
import { Facts } from "../components/Facts";
import { SubmitButton, TextField } from "../components/Field";
import { FormMessage } from "../components/FormMessage";
import { Panel } from "../components/Panel";
import { Notice, QueryView } from "../components/States";
import { formatDateTime } from "../lib/format";
import { canEditTenant } from "../lib/permissions";
import { useForm } from "../lib/useForm";
import { usePageTitle } from "../lib/usePageTitle";
import { validateName } from "../lib/validation";

function TenantForm({ tenant }: { tenant: TenantView }) {
  const queryClient = useQueryClient();
  const form = useForm<{ name: string }>(
    { name: tenant.name },
    (v) => {
      const name = validateName(v.name, "Organization name");
      return name ? { name } : {};
    },
    async (v) => {
      const updated = await unwrap(api().PATCH("/v1/tenant", { body: { name: v.name.trim() } }));
      queryClient.setQueryData(qk.tenant, updated);
      await queryClient.invalidateQueries({ queryKey: qk.me });
      form.succeed("Saved.");
    },
  );
  return (
    <Panel title="Rename the organization" form={form}>
      <TextField label="Organization name" {...form.field("name")} />
      <FormMessage message={form.message} />
      <Group>
        <SubmitButton submitting={form.submitting} busyLabel="Saving…">
          Save
        </SubmitButton>
      </Group>
    </Panel>
  );
}

export function SettingsPage() {
  usePageTitle("Organization settings");
  const me = useSignedIn();
  const tenant = useTenant();
  return (
    <Stack gap="md">
      <Title order={1}>Organization settings</Title>
      <QueryView query={tenant} loadingLabel="Loading settings…">
        {(t) => (
          <>
            <Facts
              items={[
                { label: "Name", value: t.name, testId: "settings-tenant-name" },
                {
                  label: "Slug",
                  value: (
                    <>
                      <Code>{t.slug}</Code> (used to log in; it cannot change)
                    </>
                  ),
                },
                { label: "Created", value: formatDateTime(t.created_at) },
                { label: "Id", value: <Code>{t.id}</Code> },
              ]}
            />
            {canEditTenant(me) ? (
              <TenantForm key={t.id} tenant={t} />
            ) : (
              <Notice>Only owners and admins can change the organization's settings.</Notice>
            )}
          </>
        )}
      </QueryView>
    </Stack>
  );
}
