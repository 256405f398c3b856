import { Alert, Anchor, Badge, Button, Checkbox, Code, Group, Paper, SimpleGrid, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { Link, useLocation } from "react-router";
import { api, unwrap } from "../api/client";
import { insightKeys, useAnyKey, useKeyList, type KeyStatusFilter } from "../api/insights";
import { describeError } from "../api/problem";
import { qk } from "../api/queries";
import { scopeValues, type ApiKeyView, type CreateApiKeyRequest, type CreatedApiKey, type Scope } from "../api/types";
import { useSignedIn } from "../auth/useSignedIn";
import { ConfirmButton } from "../components/ConfirmButton";
import { CopyButton } from "../components/CopyButton";
import { DataTable } from "../components/DataTable";
import { SelectField, SubmitButton, TextField } from "../components/Field";
import { KeySnippets } from "../components/KeySnippets";
import { errorMessage, FormMessage } from "../components/FormMessage";
import { Pager } from "../components/Pager";
import { Panel } from "../components/Panel";
import { EmptyState, ErrorState, TableSkeleton } from "../components/States";
import { formatDateTime, localInputToIso } from "../lib/format";
import { KEY_STATUS_OPTIONS, keyListEmpty } from "../lib/keyList";
import { useCursorPager } from "../lib/paging";
import { canRevokeKey, canSeeAllKeys, keyScopesFor } from "../lib/permissions";
import { useForm } from "../lib/useForm";
import { usePageTitle } from "../lib/usePageTitle";
import { validateCreateApiKey } from "../lib/validation";

export type KeyStatus = "active" | "revoked" | "expired";

export function keyStatus(key: ApiKeyView, now: Date = new Date()): KeyStatus {
  if (key.revoked_at) return "revoked";
  if (key.expires_at && Date.parse(key.expires_at) <= now.getTime()) return "expired";
  return "active";
}

const KEY_STATUS_COLORS: Record<KeyStatus, string> = { active: "green", revoked: "gray", expired: "orange" };

/** A key's status as a badge (the text is the status, for tests and screen readers). */
export function KeyStatusBadge({ status }: { status: KeyStatus }) {
  return (
    <Badge variant="dot" tt="none" color={KEY_STATUS_COLORS[status]} data-testid="api-key-status">
      {status}
    </Badge>
  );
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
  const heading = useRef<HTMLHeadingElement>(null);
  // The panel appears above the form that made it: take focus there.
  useEffect(() => heading.current?.focus(), [created.id]);
  return (
    <Paper withBorder radius="md" p={{ base: "md", sm: "lg" }} mb="lg" className="secret" data-testid="new-key-secret">
      <Stack component="section" aria-labelledby="secret-heading" gap="sm">
        <Title order={2} size="h3" id="secret-heading" ref={heading} tabIndex={-1}>
          Your new API key “{created.name}”
        </Title>
        <Alert color="yellow" variant="light" role="alert">
          Copy this key now. It is shown only once: QHub stores only a hash of it and cannot show it again.
        </Alert>
        <code className="secret-value" data-testid="api-key-secret">
          {created.key}
        </code>
        <CopyButton text={created.key} label="Copy key" />
        <KeySnippets secret={created.key} scopes={created.scopes} />
        <Group>
          <Button variant="default" onClick={onDone}>
            I have stored the key
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}

const NEW_KEY_NAME_ID = "new-key-name";

/** Brings the create form's first field into view and focuses it. */
function focusCreateForm() {
  const input = document.getElementById(NEW_KEY_NAME_ID);
  input?.scrollIntoView?.({ block: "center" });
  input?.focus();
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
      await queryClient.invalidateQueries({ queryKey: insightKeys.onboarding });
    },
  );
  const { values, errors, set } = form;

  return (
    <Panel title="Create an API key" form={form}>
      <TextField label="Key name" id={NEW_KEY_NAME_ID} {...form.field("name")} placeholder="CI pipeline" />
      <Checkbox.Group
        label="Scopes"
        error={errors.scopes}
        value={values.scopes}
        // Keep the spec's order whatever order the boxes were ticked in.
        onChange={(picked) => set("scopes", scopeValues.filter((s) => picked.includes(s)) as Scope[])}
      >
        <SimpleGrid cols={{ base: 1, xs: 2, md: 3 }} spacing="xs" verticalSpacing="xs" mt="xs">
          {scopeValues.map((s) => {
            const allowed = granted.includes(s);
            return (
              <Checkbox
                key={s}
                name="scopes"
                value={s}
                disabled={!allowed}
                label={s}
                description={allowed ? undefined : "Not granted to your role"}
              />
            );
          })}
        </SimpleGrid>
      </Checkbox.Group>
      <TextField
        label="Expires (optional)"
        type="datetime-local"
        {...form.field("expires_local")}
        hint="Leave empty for a key that lives until revoked."
      />
      <FormMessage message={form.message} />
      <Group>
        <SubmitButton submitting={form.submitting} busyLabel="Creating…">
          Create key
        </SubmitButton>
      </Group>
    </Panel>
  );
}

export function ApiKeysPage() {
  usePageTitle("API keys");
  const me = useSignedIn();
  const [status, setStatus] = useState<KeyStatusFilter>("active");
  const [search, setSearch] = useState("");
  const [q] = useDebouncedValue(search.trim(), 300);
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const pager = useCursorPager();
  const { reset } = pager;
  useEffect(() => reset(), [q, status, reset]);
  const keys = useKeyList(status, q, pager.cursor);
  const empty = keys.data !== undefined && keys.data.items.length === 0;
  const anyKey = useAnyKey(empty);
  const revoke = useRevokeKey();
  const { hash } = useLocation();
  // /api-keys#create (the dashboard's checklist links there): straight to the form.
  useEffect(() => {
    if (hash === "#create") focusCreateForm();
  }, [hash]);

  let list;
  if (keys.isPending) list = <TableSkeleton label="Loading API keys…" columns={6} />;
  else if (keys.error) list = <ErrorState error={keys.error} onRetry={() => void keys.refetch()} />;
  else if (keys.data.items.length === 0) {
    const e = keyListEmpty(status, q, anyKey.data ?? null);
    list = (
      <Paper withBorder radius="md" p="md" data-testid="api-keys-empty" data-empty-kind={e.kind}>
        <Stack gap="xs" align="flex-start">
          <EmptyState>{e.text}</EmptyState>
          {e.kind === "none" && (
            <Button variant="default" size="sm" onClick={focusCreateForm}>
              Create a key
            </Button>
          )}
          {e.kind === "no-match" && (
            <Button variant="default" size="sm" onClick={() => setSearch("")}>
              Clear search
            </Button>
          )}
          {e.kind === "filtered" && (
            <Button variant="default" size="sm" onClick={() => setStatus("all")}>
              {status === "active" ? "Show revoked and expired keys" : "Show all keys"}
            </Button>
          )}
        </Stack>
      </Paper>
    );
  } else
    list = (
      <>
        <DataTable label="API keys" minWidth={860} aria-busy={keys.isPlaceholderData || undefined}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Name</Table.Th>
              <Table.Th scope="col">Prefix</Table.Th>
              <Table.Th scope="col">Scopes</Table.Th>
              <Table.Th scope="col">Created</Table.Th>
              <Table.Th scope="col">Last used</Table.Th>
              <Table.Th scope="col">Status</Table.Th>
              <Table.Th scope="col">
                <span className="visually-hidden">Actions</span>
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {keys.data.items.map((k) => {
              const st = keyStatus(k);
              return (
                <Table.Tr key={k.id} data-testid={`api-key-row-${k.name}`}>
                  <Table.Td>
                    <Anchor component={Link} to={`/api-keys/${k.id}`}>
                      {k.name}
                    </Anchor>
                  </Table.Td>
                  <Table.Td>
                    <Code>{k.prefix}</Code>
                  </Table.Td>
                  <Table.Td>{k.scopes.join(", ")}</Table.Td>
                  <Table.Td>{formatDateTime(k.created_at)}</Table.Td>
                  <Table.Td>{formatDateTime(k.last_used_at)}</Table.Td>
                  <Table.Td>
                    <KeyStatusBadge status={st} />
                  </Table.Td>
                  <Table.Td>
                    {st === "active" && canRevokeKey(me, me.user.id, k.created_by) && (
                      <ConfirmButton
                        label="Revoke"
                        confirmLabel={`Confirm revoking ${k.name}`}
                        busy={revoke.isPending && revoke.variables === k.id}
                        onConfirm={() => revoke.mutate(k.id)}
                      />
                    )}
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </DataTable>
        <Pager pager={pager} nextCursor={keys.data.next_cursor} label="API keys" />
      </>
    );

  return (
    <>
      <Title order={1}>API keys</Title>
      <Text c="dimmed" mb="md">
        {canSeeAllKeys(me) ? "Every key of the organization, newest first." : "Your own keys, newest first."} A key acts with its
        scopes, never beyond its creator's current role.
      </Text>
      {created && <NewKeySecret created={created} onDone={() => setCreated(null)} />}
      <Stack component="section" aria-label="Keys" gap="sm" mb="xl">
        <Group align="flex-end" gap="md" role="search" aria-label="Filter API keys">
          <TextInput
            type="search"
            label="Search keys"
            placeholder="Name or prefix"
            value={search}
            onChange={(e) => setSearch(e.currentTarget.value)}
            maxLength={100}
            style={{ flex: "1 1 14rem" }}
          />
          <SelectField<KeyStatusFilter> label="Status" value={status} onValue={setStatus} options={KEY_STATUS_OPTIONS} />
        </Group>
        <FormMessage message={revoke.isError ? errorMessage(describeError(revoke.error)) : null} />
        {list}
      </Stack>
      <div id="create">
        <CreateKeyForm onCreated={setCreated} />
      </div>
    </>
  );
}
