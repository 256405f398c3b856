// One app of the organization: overview (facts, edit, registry actions),
// versions (list and create), documentation pages (editor with a live
// preview) and metrics, as tabs whose choice is kept in ?tab=.
import { Anchor, Button, Code, Grid, Group, NavLink, Paper, SimpleGrid, Stack, Table, Tabs, Text, Title } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useNavigate, useParams, useSearchParams } from "react-router";
import {
  appKeys,
  createDoc,
  createVersion,
  deleteApp,
  deleteDoc,
  deprecateApp,
  publishToRegistry,
  sdkValues,
  updateApp,
  updateDoc,
  useApp,
  useDocs,
  useMetrics,
  useVersions,
  type AppView,
  type DocView,
  type Sdk,
} from "../api/apps";
import { ApiError, describeError } from "../api/problem";
import { useSignedIn } from "../auth/useSignedIn";
import { AppFields, appFormFrom } from "../components/AppFields";
import { ConfirmButton } from "../components/ConfirmButton";
import { DataTable } from "../components/DataTable";
import { Facts } from "../components/Facts";
import { SelectField, SubmitButton, TextAreaField, TextField } from "../components/Field";
import { errorMessage, FormMessage, successMessage, type FormMessageValue } from "../components/FormMessage";
import { LazyMarkdown } from "../components/LazyMarkdown";
import { Panel } from "../components/Panel";
import { EmptyState, ErrorState, Notice, QueryView, TableSkeleton } from "../components/States";
import {
  APP_STATUS_LABELS,
  APP_TYPE_LABELS,
  formatBytes,
  formatRating,
  parseJsonSchema,
  parseTags,
  SDK_LABELS,
  validateAppForm,
  validateDocForm,
  validateVersionForm,
  VERSION_STATUS_LABELS,
  VISIBILITY_LABELS,
  type AppFormValues,
  type DocFormValues,
  type VersionFormValues,
} from "../lib/apps";
import { formatDateTime, formatNumber } from "../lib/format";
import { canPublishRegistry, canWriteApps } from "../lib/permissions";
import { useForm } from "../lib/useForm";
import { usePageTitle } from "../lib/usePageTitle";
import { StatusBadge } from "./Apps";
import { marketKeys, publishMarketplace, useMarketplaceSearch } from "../api/marketplace";
import { ListingForm } from "../components/ListingForm";
import { canSell } from "../lib/marketplace";

/** Monospace input text (the label stays in the normal font). */
const MONO = { input: { fontFamily: "var(--mantine-font-family-monospace)" } };

export const APP_TABS = ["overview", "versions", "docs", "metrics"] as const;
export type AppTab = (typeof APP_TABS)[number];
const TAB_LABELS: Record<AppTab, string> = { overview: "Overview", versions: "Versions", docs: "Docs", metrics: "Metrics" };

// --- overview -----------------------------------------------------------------

function EditApp({ app }: { app: AppView }) {
  const queryClient = useQueryClient();
  const form = useForm<AppFormValues>(appFormFrom(app), validateAppForm, async (v) => {
    const updated = await updateApp(app.id, {
      name: v.name.trim(),
      slug: v.slug.trim(),
      type: v.type,
      visibility: v.visibility,
      license: v.license.trim(),
      documentation_url: v.documentation_url.trim(),
      repository_url: v.repository_url.trim(),
      tags: parseTags(v.tags),
      description: v.description.trim(),
      readme: v.readme,
    });
    queryClient.setQueryData(appKeys.app(app.id), updated);
    form.setValues(appFormFrom(updated));
    await queryClient.invalidateQueries({ queryKey: ["apps", "list"] });
    form.succeed("App saved.");
  });
  return (
    <Panel title="Edit app" form={form}>
      <AppFields form={form} />
      <FormMessage message={form.message} />
      <Group>
        <SubmitButton submitting={form.submitting} busyLabel="Saving…">
          Save app
        </SubmitButton>
      </Group>
    </Panel>
  );
}

function RegistryActions({ app }: { app: AppView }) {
  const me = useSignedIn();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [message, setMessage] = useState<FormMessageValue>(null);
  const done = (text: string) => async (updated: AppView) => {
    queryClient.setQueryData(appKeys.app(app.id), updated);
    await queryClient.invalidateQueries({ queryKey: ["apps", "list"] });
    await queryClient.invalidateQueries({ queryKey: appKeys.registry });
    setMessage(successMessage(text));
  };
  const fail = (err: unknown) => setMessage(errorMessage(describeError(err)));
  const publish = useMutation({
    mutationFn: () => publishToRegistry(app.id),
    onMutate: () => setMessage(null),
    onSuccess: done("Published to the registry: every organization can find it now."),
    onError: fail,
  });
  const deprecate = useMutation({
    mutationFn: () => deprecateApp(app.id),
    onMutate: () => setMessage(null),
    onSuccess: done("Deprecated: it takes no new versions and the registry marks it."),
    onError: fail,
  });
  const remove = useMutation({
    mutationFn: () => deleteApp(app.id),
    onMutate: () => setMessage(null),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: appKeys.apps });
      navigate("/apps", { replace: true });
    },
    onError: fail,
  });
  const publisher = canPublishRegistry(me);
  const writer = canWriteApps(me);
  if (!publisher && !writer) return null;
  return (
    <Panel title="Registry and lifecycle" testId="registry-actions">
      <Text size="sm">
        {app.in_registry
          ? `In the registry since ${formatDateTime(app.registry_published_at)}.`
          : "The registry needs a public app with a license and at least one published version."}
      </Text>
      <Group gap="sm">
        {publisher && !app.in_registry && (
          <SubmitButton type="button" submitting={publish.isPending} busyLabel="Publishing…" onClick={() => !publish.isPending && publish.mutate()}>
            Publish to registry
          </SubmitButton>
        )}
        {publisher && app.status !== "deprecated" && (
          <ConfirmButton label="Deprecate" size="sm" confirmLabel="Confirm deprecating" busy={deprecate.isPending} onConfirm={() => deprecate.mutate()} />
        )}
        {writer && (
          <ConfirmButton label="Delete app" size="sm" confirmLabel={`Confirm deleting ${app.name}`} busy={remove.isPending} onConfirm={() => remove.mutate()} />
        )}
      </Group>
      {!publisher && <Text size="sm" c="dimmed">Publishing to the registry and deprecating need an owner or admin.</Text>}
      <FormMessage message={message} testId="registry-message" />
    </Panel>
  );
}

/** The app's marketplace listing, or the form that creates one (`registry:publish`). */
function SellOnMarketplace({ app }: { app: AppView }) {
  const queryClient = useQueryClient();
  const own = useMarketplaceSearch({ own: true, limit: 100 });
  const listing = own.data?.items.find((l) => l.app_id === app.id);
  if (own.isPending) return null;
  if (own.error) return <ErrorState error={own.error} onRetry={() => void own.refetch()} />;
  if (listing) {
    return (
      <Panel title="Marketplace" testId="marketplace-listed">
        <Text size="sm">
          {listing.status === "listed" ? "Sold on the marketplace" : "Unlisted from the marketplace"} with {listing.plans.length} plan
          {listing.plans.length === 1 ? "" : "s"}.{" "}
          <Anchor component={Link} to={`/marketplace/${listing.id}`}>
            Open the listing
          </Anchor>
        </Text>
      </Panel>
    );
  }
  return (
    <ListingForm
      title="Sell on marketplace"
      testId="sell-on-marketplace"
      submitLabel="Publish to marketplace"
      busyLabel="Publishing…"
      onSubmit={async (terms) => {
        const created = await publishMarketplace(app.id, terms);
        queryClient.setQueryData(marketKeys.listing(created.id), created);
        await queryClient.invalidateQueries({ queryKey: marketKeys.marketplace });
        return "Listed on the marketplace.";
      }}
    />
  );
}

function Overview({ app }: { app: AppView }) {
  const me = useSignedIn();
  return (
    <Stack gap="md">
      <Facts
        items={[
          { label: "Slug", value: <Code>{app.slug}</Code> },
          { label: "Type", value: APP_TYPE_LABELS[app.type] },
          { label: "Visibility", value: VISIBILITY_LABELS[app.visibility], testId: "app-visibility" },
          { label: "Status", value: <StatusBadge status={app.status} label={APP_STATUS_LABELS[app.status]} /> },
          { label: "In registry", value: app.in_registry ? "Yes" : "No", testId: "app-in-registry" },
          { label: "License", value: app.license ?? "—" },
          { label: "Tags", value: app.tags.length ? app.tags.join(", ") : "—" },
          { label: "Latest version", value: app.latest_version ?? "—" },
          { label: "Downloads", value: formatNumber(app.downloads) },
          { label: "Rating", value: formatRating(app.rating_average, app.rating_count) },
          !!app.project_id && { label: "Project", value: <Anchor component={Link} to={`/projects/${app.project_id}`}>Open the project</Anchor> },
          !!app.documentation_url && { label: "Documentation", value: <Anchor href={app.documentation_url} rel="noopener noreferrer">{app.documentation_url}</Anchor> },
          !!app.repository_url && { label: "Repository", value: <Anchor href={app.repository_url} rel="noopener noreferrer">{app.repository_url}</Anchor> },
          { label: "Updated", value: formatDateTime(app.updated_at) },
        ]}
      />
      <RegistryActions app={app} />
      {canSell(me) && <SellOnMarketplace app={app} />}
      {app.readme.trim() !== "" && (
        <Panel title="Readme">
          <LazyMarkdown testId="app-readme">{app.readme}</LazyMarkdown>
        </Panel>
      )}
      {canWriteApps(me) && <EditApp key={app.id} app={app} />}
    </Stack>
  );
}

// --- versions -----------------------------------------------------------------

function CreateVersionForm({ app }: { app: AppView }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const form = useForm<VersionFormValues>(
    { version: "", sdk: "qiskit", qubits: "", input_schema: "", output_schema: "", release_notes: "" },
    validateVersionForm,
    async (v) => {
      const created = await createVersion(app.id, {
        version: v.version.trim(),
        sdk: v.sdk,
        qubits: Number(v.qubits.trim()),
        input_schema: parseJsonSchema(v.input_schema),
        output_schema: parseJsonSchema(v.output_schema),
        release_notes: v.release_notes.trim() === "" ? undefined : v.release_notes,
      });
      await queryClient.invalidateQueries({ queryKey: appKeys.versions(app.id) });
      navigate(`/apps/${app.id}/versions/${created.id}`);
    },
  );
  return (
    <Panel title="Create a version" form={form}>
      <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="sm">
        <TextField label="Version" {...form.field("version")} placeholder="1.0.0" hint="Semantic version, e.g. 1.2.0 or 2.0.0-rc.1." />
        <SelectField<Sdk> label="SDK" {...form.field("sdk")} options={sdkValues.map((s) => ({ value: s, label: SDK_LABELS[s] }))} />
        <TextField label="Qubits" inputMode="numeric" {...form.field("qubits")} placeholder="5" hint="1 to 10,000." />
      </SimpleGrid>
      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
        <TextAreaField
          label="Input JSON Schema (optional)"
          {...form.field("input_schema")}
          autosize
          minRows={3}
          maxRows={12}
          styles={MONO}
          placeholder='{"type": "object"}'
        />
        <TextAreaField
          label="Output JSON Schema (optional)"
          {...form.field("output_schema")}
          autosize
          minRows={3}
          maxRows={12}
          styles={MONO}
          placeholder='{"type": "object"}'
        />
      </SimpleGrid>
      <TextAreaField label="Release notes (optional, markdown)" {...form.field("release_notes")} autosize minRows={2} maxRows={8} />
      <FormMessage message={form.message} />
      <Group>
        <SubmitButton submitting={form.submitting} busyLabel="Creating…">
          Create version
        </SubmitButton>
      </Group>
    </Panel>
  );
}

function Versions({ app }: { app: AppView }) {
  const me = useSignedIn();
  const versions = useVersions(app.id);
  let list;
  if (versions.isPending) list = <TableSkeleton label="Loading versions…" columns={6} />;
  else if (versions.error) list = <ErrorState error={versions.error} onRetry={() => void versions.refetch()} />;
  else if (versions.data.items.length === 0)
    list = (
      <Paper withBorder radius="md" p="md">
        <EmptyState>No versions yet.</EmptyState>
      </Paper>
    );
  else
    list = (
      <DataTable label="Versions" minWidth={720}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">Version</Table.Th>
            <Table.Th scope="col">SDK</Table.Th>
            <Table.Th scope="col">Qubits</Table.Th>
            <Table.Th scope="col">Status</Table.Th>
            <Table.Th scope="col">Package</Table.Th>
            <Table.Th scope="col">Downloads</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {versions.data.items.map((v) => (
            <Table.Tr key={v.id} data-testid={`version-row-${v.version}`}>
              <Table.Td>
                <Anchor component={Link} to={`/apps/${app.id}/versions/${v.id}`}>
                  {v.version}
                </Anchor>
                {v.is_latest && (
                  <Text span size="xs" c="dimmed">
                    {" "}
                    (latest)
                  </Text>
                )}
              </Table.Td>
              <Table.Td>{SDK_LABELS[v.sdk]}</Table.Td>
              <Table.Td>{formatNumber(v.qubits)}</Table.Td>
              <Table.Td>
                <StatusBadge status={v.status} label={VERSION_STATUS_LABELS[v.status]} />
              </Table.Td>
              <Table.Td>{v.package ? formatBytes(v.package.size) : "None yet"}</Table.Td>
              <Table.Td>{formatNumber(v.downloads)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </DataTable>
    );
  return (
    <Stack gap="md">
      {list}
      {canWriteApps(me) && app.status !== "deprecated" && <CreateVersionForm app={app} />}
      {app.status === "deprecated" && <Notice>A deprecated app takes no new versions.</Notice>}
    </Stack>
  );
}

// --- docs -----------------------------------------------------------------------

function DocEditor({ app, doc, nextOrder, onSaved, onDeleted }: { app: AppView; doc: DocView | null; nextOrder: number; onSaved: (d: DocView) => void; onDeleted: () => void }) {
  const me = useSignedIn();
  const writer = canWriteApps(me);
  const queryClient = useQueryClient();
  const form = useForm<DocFormValues>(
    { title: doc?.title ?? "", order: String(doc?.order ?? nextOrder), markdown: doc?.markdown ?? "" },
    validateDocForm,
    async (v) => {
      const body = { title: v.title.trim(), order: Number(v.order.trim()), markdown: v.markdown };
      const saved = doc ? await updateDoc(app.id, doc.id, body) : await createDoc(app.id, body);
      await queryClient.invalidateQueries({ queryKey: appKeys.docs(app.id) });
      form.succeed(doc ? "Page saved." : "Page created.");
      onSaved(saved);
    },
  );
  const [preview] = useDebouncedValue(form.values.markdown, 200);
  const [deleteMessage, setDeleteMessage] = useState<FormMessageValue>(null);
  const remove = useMutation({
    mutationFn: () => deleteDoc(app.id, doc!.id),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: appKeys.docs(app.id) });
      onDeleted();
    },
    onError: (err) => setDeleteMessage(errorMessage(describeError(err))),
  });
  return (
    <Panel title={doc ? `Edit “${doc.title}”` : "New page"} form={form} testId="doc-editor">
      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
        <TextField label="Title" {...form.field("title")} readOnly={!writer} />
        <TextField label="Order" inputMode="numeric" {...form.field("order")} hint="Pages are listed by this number (0–10,000)." readOnly={!writer} />
      </SimpleGrid>
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md">
        <TextAreaField label="Page (markdown)" {...form.field("markdown")} autosize minRows={10} maxRows={30} styles={MONO} readOnly={!writer} />
        <Stack gap={4} component="section" aria-label="Preview">
          <Text size="sm" fw={500} aria-hidden="true">
            Preview
          </Text>
          <Paper withBorder radius="sm" p="sm" mih={120} data-testid="doc-preview">
            {preview.trim() === "" ? <Text c="dimmed" size="sm">Nothing to preview yet.</Text> : <LazyMarkdown>{preview}</LazyMarkdown>}
          </Paper>
        </Stack>
      </SimpleGrid>
      <FormMessage message={form.message} />
      {writer && (
        <Group gap="sm">
          <SubmitButton submitting={form.submitting} busyLabel="Saving…">
            {doc ? "Save page" : "Create page"}
          </SubmitButton>
          {doc && <ConfirmButton label="Delete page" size="sm" confirmLabel={`Confirm deleting ${doc.title}`} busy={remove.isPending} onConfirm={() => remove.mutate()} />}
        </Group>
      )}
      <FormMessage message={deleteMessage} />
    </Panel>
  );
}

function Docs({ app }: { app: AppView }) {
  const me = useSignedIn();
  const docs = useDocs(app.id);
  // null: a new page; a string: that page.
  const [selected, setSelected] = useState<string | null | undefined>(undefined);
  // The editor is remounted when another page (or "New page") is chosen, not
  // when a new page was just saved: its "Page created." message stays.
  const [editorKey, setEditorKey] = useState(0);
  const choose = (id: string | null | undefined) => {
    setSelected(id);
    setEditorKey((k) => k + 1);
  };
  if (docs.isPending) return <TableSkeleton label="Loading docs pages…" columns={2} />;
  if (docs.error) return <ErrorState error={docs.error} onRetry={() => void docs.refetch()} />;
  const pages = [...docs.data.items].sort((a, b) => a.order - b.order || a.title.localeCompare(b.title));
  const current = selected === undefined ? (pages[0]?.id ?? null) : selected;
  const doc = pages.find((p) => p.id === current) ?? null;
  const nextOrder = pages.length ? Math.min(10_000, Math.max(...pages.map((p) => p.order)) + 10) : 0;
  return (
    <Grid gutter="md">
      <Grid.Col span={{ base: 12, md: 3 }}>
      <Stack gap="xs" component="nav" aria-label="Docs pages">
        {pages.length === 0 && <EmptyState>No pages yet.</EmptyState>}
        {pages.map((p) => (
          <NavLink
            key={p.id}
            component="button"
            type="button"
            label={p.title}
            active={p.id === doc?.id}
            aria-current={p.id === doc?.id ? "page" : undefined}
            onClick={() => choose(p.id)}
          />
        ))}
        {canWriteApps(me) && (
          <Button variant="default" size="sm" onClick={() => choose(null)}>
            New page
          </Button>
        )}
      </Stack>
      </Grid.Col>
      <Grid.Col span={{ base: 12, md: 9 }} miw={0}>
        {doc || canWriteApps(me) ? (
          <DocEditor
            key={editorKey}
            app={app}
            doc={doc}
            nextOrder={nextOrder}
            onSaved={(d) => setSelected(d.id)}
            onDeleted={() => choose(undefined)}
          />
        ) : (
          <EmptyState>No documentation yet.</EmptyState>
        )}
      </Grid.Col>
    </Grid>
  );
}

// --- metrics ------------------------------------------------------------------

function Metrics({ app }: { app: AppView }) {
  const metrics = useMetrics(app.id);
  return (
    <QueryView query={metrics} loadingLabel="Loading metrics…">
      {(m) => {
        const days = m.days.filter((d) => d.views > 0 || d.downloads > 0);
        return (
          <Stack gap="md">
            <Facts
              items={[
                { label: "Views", value: formatNumber(m.views), testId: "metrics-views" },
                { label: "Downloads", value: formatNumber(m.downloads), testId: "metrics-downloads" },
                { label: "Rating", value: formatRating(m.rating_average, m.rating_count) },
              ]}
            />
            {days.length === 0 ? (
              <EmptyState>No views or downloads in the last 30 days.</EmptyState>
            ) : (
              <DataTable label="Views and downloads per day" minWidth={360}>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th scope="col">Day (UTC)</Table.Th>
                    <Table.Th scope="col">Views</Table.Th>
                    <Table.Th scope="col">Downloads</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {days.map((d) => (
                    <Table.Tr key={d.day}>
                      <Table.Td>{d.day.slice(0, 10)}</Table.Td>
                      <Table.Td>{formatNumber(d.views)}</Table.Td>
                      <Table.Td>{formatNumber(d.downloads)}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </DataTable>
            )}
            <Text size="sm" c="dimmed">
              The last 30 days; days without views or downloads are left out.
            </Text>
          </Stack>
        );
      }}
    </QueryView>
  );
}

// --- the page -----------------------------------------------------------------

export function AppDetailPage() {
  const { id = "" } = useParams();
  const app = useApp(id);
  const [params, setParams] = useSearchParams();
  const tab = (APP_TABS as readonly string[]).includes(params.get("tab") ?? "") ? (params.get("tab") as AppTab) : "overview";
  const notFound = app.error instanceof ApiError && app.error.isNotFound;
  usePageTitle(notFound ? "Page not found" : app.data ? `${app.data.name}${tab === "overview" ? "" : ` · ${TAB_LABELS[tab]}`}` : "App");
  return (
    <Stack gap="md">
      <Anchor component={Link} to="/apps">
        ← Apps
      </Anchor>
      <QueryView query={app} loadingLabel="Loading app…">
        {(a) => (
          <>
            <div>
              <Title order={1} data-testid="app-name">
                {a.name}
              </Title>
              {a.description && <Text c="dimmed">{a.description}</Text>}
            </div>
            <Tabs
              value={tab}
              onChange={(t) => setParams(t && t !== "overview" ? { tab: t } : {}, { replace: true })}
              keepMounted={false}
            >
              <Tabs.List aria-label="App sections" mb="md">
                {APP_TABS.map((t) => (
                  <Tabs.Tab key={t} value={t}>
                    {TAB_LABELS[t]}
                  </Tabs.Tab>
                ))}
              </Tabs.List>
              <Tabs.Panel value="overview">
                <Overview app={a} />
              </Tabs.Panel>
              <Tabs.Panel value="versions">
                <Versions app={a} />
              </Tabs.Panel>
              <Tabs.Panel value="docs">
                <Docs app={a} />
              </Tabs.Panel>
              <Tabs.Panel value="metrics">
                <Metrics app={a} />
              </Tabs.Panel>
            </Tabs>
          </>
        )}
      </QueryView>
    </Stack>
  );
}

export default AppDetailPage;
