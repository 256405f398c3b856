import { Anchor, Badge, Group, Paper, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { Link, useNavigate } from "react-router";
import {
  appKeys,
  appStatusValues,
  appVisibilityValues,
  createApp,
  PAGE_SIZE,
  useAppList,
  type AppStatus,
  type AppsQuery,
  type AppVisibility,
} from "../api/apps";
import { useSignedIn } from "../auth/useSignedIn";
import { AppFields, createAppBody, EMPTY_APP_FORM } from "../components/AppFields";
import { DataTable } from "../components/DataTable";
import { SelectField, SubmitButton } from "../components/Field";
import { FormMessage } from "../components/FormMessage";
import { Pager } from "../components/Pager";
import { Panel } from "../components/Panel";
import { EmptyState, ErrorState, Notice, TableSkeleton } from "../components/States";
import {
  APP_STATUS_LABELS,
  APP_TYPE_LABELS,
  appSlugFrom,
  STATUS_COLORS,
  TAG_PATTERN,
  validateAppForm,
  VISIBILITY_LABELS,
  type AppFormValues,
} from "../lib/apps";
import { formatDateTime } from "../lib/format";
import { useCursorPager } from "../lib/paging";
import { canReadApps, canWriteApps } from "../lib/permissions";
import { useForm } from "../lib/useForm";
import { usePageTitle } from "../lib/usePageTitle";

export function StatusBadge({ status, label }: { status: keyof typeof STATUS_COLORS; label: string }) {
  return (
    <Badge variant="dot" tt="none" color={STATUS_COLORS[status]} data-testid="status-badge">
      {label}
    </Badge>
  );
}

function CreateAppForm() {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const form = useForm<AppFormValues>(EMPTY_APP_FORM, validateAppForm, async (v) => {
    const app = await createApp(createAppBody(v));
    await queryClient.invalidateQueries({ queryKey: appKeys.apps });
    navigate(`/apps/${app.id}`);
  });
  // The slug follows the name while it is still the one made from the name.
  const followName = (name: string) => {
    if (form.values.slug === appSlugFrom(form.values.name)) form.set("slug", appSlugFrom(name));
  };
  return (
    <Panel title="Create an app" form={form}>
      <AppFields form={form} onName={followName} />
      <FormMessage message={form.message} />
      <Group>
        <SubmitButton submitting={form.submitting} busyLabel="Creating…">
          Create app
        </SubmitButton>
      </Group>
    </Panel>
  );
}

export function AppsPage() {
  usePageTitle("Apps");
  const me = useSignedIn();
  const [search, setSearch] = useState("");
  const [q] = useDebouncedValue(search.trim(), 300);
  const [status, setStatus] = useState<AppStatus | "">("");
  const [visibility, setVisibility] = useState<AppVisibility | "">("");
  const [tagText, setTagText] = useState("");
  const [tag] = useDebouncedValue(tagText.trim().toLowerCase(), 300);
  const pager = useCursorPager();
  const { reset } = pager;
  useEffect(() => reset(), [q, status, visibility, tag, reset]);
  const query: AppsQuery = {
    limit: PAGE_SIZE,
    ...(pager.cursor ? { cursor: pager.cursor } : {}),
    ...(q ? { q } : {}),
    ...(status ? { status } : {}),
    ...(visibility ? { visibility } : {}),
    ...(tag && TAG_PATTERN.test(tag) ? { tag } : {}),
  };
  const apps = useAppList(query);
  const filtered = Boolean(q || status || visibility || tag);

  if (!canReadApps(me)) {
    return (
      <>
        <Title order={1}>Apps</Title>
        <Notice>Your role cannot see apps.</Notice>
      </>
    );
  }

  let list;
  if (apps.isPending) list = <TableSkeleton label="Loading apps…" columns={5} />;
  else if (apps.error) list = <ErrorState error={apps.error} onRetry={() => void apps.refetch()} />;
  else if (apps.data.items.length === 0)
    list = (
      <Paper withBorder radius="md" p="md" data-testid="apps-empty">
        <EmptyState>{filtered ? "No app matches these filters." : "No apps yet. Create one below, or release a project."}</EmptyState>
      </Paper>
    );
  else
    list = (
      <>
        <DataTable label="Apps" minWidth={760} aria-busy={apps.isPlaceholderData || undefined}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Name</Table.Th>
              <Table.Th scope="col">Type</Table.Th>
              <Table.Th scope="col">Visibility</Table.Th>
              <Table.Th scope="col">Status</Table.Th>
              <Table.Th scope="col">Latest</Table.Th>
              <Table.Th scope="col">Updated</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {apps.data.items.map((a) => (
              <Table.Tr key={a.id} data-testid={`app-row-${a.slug}`}>
                <Table.Td>
                  <Anchor component={Link} to={`/apps/${a.id}`}>
                    {a.name}
                  </Anchor>
                  {a.tags.length > 0 && (
                    <Text size="xs" c="dimmed">
                      {a.tags.join(", ")}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>{APP_TYPE_LABELS[a.type]}</Table.Td>
                <Table.Td>
                  {VISIBILITY_LABELS[a.visibility]}
                  {a.in_registry ? " · in registry" : ""}
                </Table.Td>
                <Table.Td>
                  <StatusBadge status={a.status} label={APP_STATUS_LABELS[a.status]} />
                </Table.Td>
                <Table.Td>{a.latest_version ?? "—"}</Table.Td>
                <Table.Td>{formatDateTime(a.updated_at)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </DataTable>
        <Pager pager={pager} nextCursor={apps.data.next_cursor} label="Apps" />
      </>
    );

  return (
    <>
      <Title order={1}>Apps</Title>
      <Text c="dimmed" mb="md">
        Your organization's quantum apps, newest first: private ones only you see, public ones you can put in the registry.
      </Text>
      <Stack component="section" aria-label="App list" gap="sm" mb="xl">
        <Group align="flex-end" gap="md" role="search" aria-label="Filter apps">
          <TextInput
            type="search"
            label="Search apps"
            placeholder="Name, slug or description"
            value={search}
            onChange={(e) => setSearch(e.currentTarget.value)}
            maxLength={100}
            style={{ flex: "1 1 14rem" }}
          />
          <SelectField<AppStatus | "">
            label="Status"
            value={status}
            onValue={setStatus}
            options={[{ value: "", label: "Any" }, ...appStatusValues.map((s) => ({ value: s, label: APP_STATUS_LABELS[s] }))]}
          />
          <SelectField<AppVisibility | "">
            label="Visibility"
            value={visibility}
            onValue={setVisibility}
            options={[{ value: "", label: "Any" }, ...appVisibilityValues.map((s) => ({ value: s, label: VISIBILITY_LABELS[s] }))]}
          />
          <TextInput label="Tag" value={tagText} onChange={(e) => setTagText(e.currentTarget.value)} maxLength={32} w={140} />
        </Group>
        {list}
      </Stack>
      {canWriteApps(me) ? <CreateAppForm /> : <Notice>Your role can read apps but not create them.</Notice>}
    </>
  );
}

export default AppsPage;
