// One app of the registry, as any organization sees it: the readme, the
// published versions, the docs pages, a download (the bytes' SHA-256 shown
// and checked) and the reviews (write, edit or delete one's own).
import { Anchor, Badge, Button, Code, Group, NavLink, Paper, SimpleGrid, Stack, Table, Text, Title } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRef, useState } from "react";
import { Link, useParams } from "react-router";
import {
  appKeys,
  createReview,
  deleteReview,
  downloadPackage,
  updateReview,
  useRegistryApp,
  useReviews,
  type RegistryApp,
  type ReviewView,
} from "../api/apps";
import { ApiError, describeError } from "../api/problem";
import { useSignedIn } from "../auth/useSignedIn";
import { ConfirmButton } from "../components/ConfirmButton";
import { DataTable } from "../components/DataTable";
import { Facts } from "../components/Facts";
import { SelectField, SubmitButton, TextAreaField, TextField } from "../components/Field";
import { errorMessage, FormMessage, successMessage, type FormMessageValue } from "../components/FormMessage";
import { LazyMarkdown } from "../components/LazyMarkdown";
import { Panel } from "../components/Panel";
import { EmptyState, ErrorState, Notice, QueryView, TableSkeleton } from "../components/States";
import { APP_TYPE_LABELS, formatBytes, formatRating, SDK_LABELS, sdkLabel, validateReviewForm, type ReviewFormValues } from "../lib/apps";
import { savePackage, type DownloadResult } from "../lib/download";
import { formatDateTime, formatNumber } from "../lib/format";
import { canReadApps, canWriteApps } from "../lib/permissions";
import { useForm } from "../lib/useForm";
import { usePageTitle } from "../lib/usePageTitle";

function DownloadPanel({ app }: { app: RegistryApp }) {
  const queryClient = useQueryClient();
  const downloadable = app.versions.filter((v) => !v.yanked);
  const [version, setVersion] = useState<string>(app.latest_version ?? downloadable[0]?.version ?? "");
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<DownloadResult | null>(null);
  const [message, setMessage] = useState<FormMessageValue>(null);
  const messageRef = useRef<HTMLDivElement>(null);

  const download = async () => {
    if (busy) return;
    setBusy(true);
    setMessage(null);
    setResult(null);
    try {
      const { blob, headers } = await downloadPackage(app.id, version || undefined);
      const saved = await savePackage(blob, headers, `${app.slug}-${version || app.latest_version || "latest"}`);
      setResult(saved);
      setMessage(successMessage(`Downloaded ${saved.filename} (${formatBytes(saved.size)}).`));
      // The server counted exactly one download. (Not refetched: every read of
      // the app counts a view.)
      queryClient.setQueryData<RegistryApp>(appKeys.registryApp(app.id), (old) => old && { ...old, downloads: old.downloads + 1 });
      await queryClient.invalidateQueries({ queryKey: ["registry", "list"], refetchType: "none" });
    } catch (err) {
      setMessage(errorMessage(describeError(err)));
    } finally {
      setBusy(false);
      requestAnimationFrame(() => messageRef.current?.focus());
    }
  };

  if (downloadable.length === 0) return <Notice>No version can be downloaded right now.</Notice>;
  return (
    <Panel title="Download" testId="download-panel">
      <Group align="flex-end" gap="sm">
        <SelectField
          label="Version"
          name="version"
          value={version}
          onValue={setVersion}
          options={downloadable.map((v) => ({ value: v.version, label: v.version === app.latest_version ? `${v.version} (latest)` : v.version }))}
          style={{ flex: "0 1 14rem" }}
        />
        <SubmitButton type="button" submitting={busy} busyLabel="Downloading…" onClick={() => void download()}>
          Download
        </SubmitButton>
      </Group>
      <FormMessage ref={messageRef} message={message} testId="download-message" />
      {result && (
        <Facts
          items={[
            { label: "File", value: result.filename, testId: "download-filename" },
            { label: "Size", value: `${formatNumber(result.size)} bytes` },
            { label: "SHA-256", value: <Code data-testid="download-sha256">{result.sha256}</Code> },
            {
              label: "Checked",
              value: result.declared ? "Matches the digest the server sent." : "Computed from the bytes received.",
              testId: "download-checked",
            },
          ]}
        />
      )}
    </Panel>
  );
}

function Stars({ rating }: { rating: number }) {
  return (
    <Text span aria-label={`${rating} of 5 stars`} role="img" className="stars">
      {"★".repeat(rating)}
      {"☆".repeat(Math.max(0, 5 - rating))}
    </Text>
  );
}

const RATING_OPTIONS = [
  { value: "", label: "Choose…" },
  ...[5, 4, 3, 2, 1].map((n) => ({ value: String(n), label: `${n} star${n === 1 ? "" : "s"}` })),
];

function ReviewForm({ app, review, onDone }: { app: RegistryApp; review: ReviewView | null; onDone: () => void }) {
  const queryClient = useQueryClient();
  const form = useForm<ReviewFormValues>(
    { rating: review ? String(review.rating) : "", title: review?.title ?? "", content: review?.content ?? "" },
    validateReviewForm,
    async (v) => {
      const body = { rating: Number(v.rating), title: v.title.trim(), content: v.content.trim() };
      if (review) await updateReview(app.id, review.id, body);
      else await createReview(app.id, body);
      await queryClient.invalidateQueries({ queryKey: appKeys.reviews(app.id) });
      await queryClient.invalidateQueries({ queryKey: appKeys.registryApp(app.id) });
      onDone();
    },
  );
  return (
    <Panel title={review ? "Edit your review" : "Write a review"} form={form} testId="review-form">
      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
        <SelectField label="Rating" {...form.field("rating")} options={RATING_OPTIONS} />
        <TextField label="Title" {...form.field("title")} />
      </SimpleGrid>
      <TextAreaField label="Review" {...form.field("content")} autosize minRows={3} maxRows={10} />
      <FormMessage message={form.message} testId="review-message" />
      <Group gap="sm">
        <SubmitButton submitting={form.submitting} busyLabel="Saving…">
          {review ? "Save review" : "Post review"}
        </SubmitButton>
        {review && (
          <Button variant="default" onClick={onDone}>
            Cancel
          </Button>
        )}
      </Group>
    </Panel>
  );
}

function Reviews({ app }: { app: RegistryApp }) {
  const me = useSignedIn();
  const queryClient = useQueryClient();
  const reviews = useReviews(app.id);
  const [editing, setEditing] = useState(false);
  const [message, setMessage] = useState<FormMessageValue>(null);
  const remove = useMutation({
    mutationFn: (id: string) => deleteReview(app.id, id),
    onMutate: () => setMessage(null),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: appKeys.reviews(app.id) });
      await queryClient.invalidateQueries({ queryKey: appKeys.registryApp(app.id) });
      setMessage(successMessage("Your review was deleted."));
    },
    onError: (err) => setMessage(errorMessage(describeError(err))),
  });
  const items = reviews.data?.items ?? [];
  const mine = items.find((r) => r.mine) ?? null;
  return (
    <Stack component="section" aria-labelledby="reviews-heading" gap="sm" data-testid="reviews">
      <Title order={2} id="reviews-heading" size="h3">
        Reviews
      </Title>
      <Text size="sm">{formatRating(app.rating_average, app.rating_count)}</Text>
      <FormMessage message={message} testId="reviews-message" />
      {reviews.isPending ? (
        <TableSkeleton label="Loading reviews…" columns={2} rows={2} />
      ) : reviews.error ? (
        <ErrorState error={reviews.error} onRetry={() => void reviews.refetch()} />
      ) : items.length === 0 ? (
        <EmptyState>No reviews yet.</EmptyState>
      ) : (
        <Stack component="ul" gap="sm" className="plain-list" aria-label="Reviews">
          {items.map((r) => (
            <Paper component="li" key={r.id} withBorder radius="md" p="md" data-testid="review">
              <Stack gap={4}>
                <Group gap="xs" wrap="wrap">
                  <Stars rating={r.rating} />
                  <Text fw={600}>{r.title}</Text>
                </Group>
                <Text size="sm" c="dimmed">
                  {r.author_name} · {formatDateTime(r.created_at)}
                  {r.updated_at !== r.created_at ? " (edited)" : ""}
                </Text>
                <Text style={{ whiteSpace: "pre-wrap" }}>{r.content}</Text>
                {r.id === mine?.id && canWriteApps(me) && (
                  <Group gap="xs" mt={4}>
                    <Button variant="default" size="xs" onClick={() => setEditing(true)}>
                      Edit review
                    </Button>
                    <ConfirmButton label="Delete review" confirmLabel="Confirm deleting your review" busy={remove.isPending} onConfirm={() => remove.mutate(r.id)} />
                  </Group>
                )}
              </Stack>
            </Paper>
          ))}
        </Stack>
      )}
      {canWriteApps(me) && reviews.data && (!mine || editing) && (
        <ReviewForm
          key={mine?.id ?? "new"}
          app={app}
          review={editing ? mine : null}
          onDone={() => {
            setEditing(false);
            setMessage(successMessage(editing ? "Review saved." : "Thanks: your review is posted."));
          }}
        />
      )}
    </Stack>
  );
}

function DocsPages({ app }: { app: RegistryApp }) {
  const pages = [...app.docs].sort((a, b) => a.order - b.order || a.title.localeCompare(b.title));
  const [selected, setSelected] = useState(pages[0]?.id ?? "");
  if (pages.length === 0) return null;
  const doc = pages.find((p) => p.id === selected) ?? pages[0]!;
  return (
    <Panel title="Documentation" testId="registry-docs">
      <Group gap="xs" component="nav" aria-label="Documentation pages" wrap="wrap">
        {pages.map((p) => (
          <NavLink
            key={p.id}
            component="button"
            type="button"
            label={p.title}
            active={p.id === doc.id}
            aria-current={p.id === doc.id ? "page" : undefined}
            onClick={() => setSelected(p.id)}
            w="auto"
          />
        ))}
      </Group>
      <Title order={3} size="h4">
        {doc.title}
      </Title>
      <LazyMarkdown headingOffset={3}>{doc.markdown}</LazyMarkdown>
    </Panel>
  );
}

function Versions({ app }: { app: RegistryApp }) {
  if (app.versions.length === 0) return null;
  return (
    <Stack component="section" aria-labelledby="versions-heading" gap="sm">
      <Title order={2} id="versions-heading" size="h3">
        Versions
      </Title>
      <DataTable label="Published versions" minWidth={600}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">Version</Table.Th>
            <Table.Th scope="col">SDK</Table.Th>
            <Table.Th scope="col">Qubits</Table.Th>
            <Table.Th scope="col">Size</Table.Th>
            <Table.Th scope="col">Published</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {app.versions.map((v) => (
            <Table.Tr key={v.id}>
              <Table.Td>
                {v.version}{" "}
                {v.yanked && (
                  <Badge variant="dot" color="orange" tt="none">
                    Yanked
                  </Badge>
                )}
                {v.is_latest && (
                  <Text span size="xs" c="dimmed">
                    (latest)
                  </Text>
                )}
              </Table.Td>
              <Table.Td>{SDK_LABELS[v.sdk]}</Table.Td>
              <Table.Td>{formatNumber(v.qubits)}</Table.Td>
              <Table.Td>{v.package_size != null ? formatBytes(v.package_size) : "—"}</Table.Td>
              <Table.Td>{formatDateTime(v.published_at)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </DataTable>
    </Stack>
  );
}

export function RegistryAppPage() {
  const { id = "" } = useParams();
  const me = useSignedIn();
  const app = useRegistryApp(id);
  const notFound = app.error instanceof ApiError && app.error.isNotFound;
  usePageTitle(notFound ? "Page not found" : app.data ? `${app.data.name} · Registry` : "Registry app");
  if (!canReadApps(me)) return <Notice>Your role cannot use the registry.</Notice>;
  return (
    <Stack gap="md">
      <Anchor component={Link} to="/registry">
        ← Registry
      </Anchor>
      <QueryView query={app} loadingLabel="Loading app…">
        {(a) => (
          <>
            <div>
              <Group gap="sm" align="center" wrap="wrap">
                <Title order={1} data-testid="registry-app-name">
                  {a.name}
                </Title>
                {a.deprecated && (
                  <Badge variant="dot" color="orange" tt="none">
                    Deprecated
                  </Badge>
                )}
              </Group>
              <Text c="dimmed">by {a.publisher}</Text>
              {a.description && <Text mt="xs">{a.description}</Text>}
            </div>
            <Facts
              items={[
                { label: "Type", value: APP_TYPE_LABELS[a.type] },
                { label: "Latest version", value: a.latest_version ?? "—" },
                { label: "License", value: a.license ?? "—" },
                { label: "SDKs", value: a.sdks.length ? a.sdks.map(sdkLabel).join(", ") : "—" },
                { label: "Tags", value: a.tags.length ? a.tags.join(", ") : "—" },
                { label: "Downloads", value: formatNumber(a.downloads), testId: "registry-downloads" },
                { label: "Rating", value: formatRating(a.rating_average, a.rating_count) },
                !!a.documentation_url && {
                  label: "Documentation",
                  value: (
                    <Anchor href={a.documentation_url} rel="noopener noreferrer nofollow">
                      {a.documentation_url}
                    </Anchor>
                  ),
                },
                !!a.repository_url && {
                  label: "Repository",
                  value: (
                    <Anchor href={a.repository_url} rel="noopener noreferrer nofollow">
                      {a.repository_url}
                    </Anchor>
                  ),
                },
                { label: "Published", value: formatDateTime(a.published_at) },
              ]}
            />
            <DownloadPanel app={a} />
            {a.readme.trim() !== "" && (
              <Panel title="Readme" testId="registry-readme">
                <LazyMarkdown>{a.readme}</LazyMarkdown>
              </Panel>
            )}
            <DocsPages app={a} />
            <Versions app={a} />
            <Reviews app={a} />
          </>
        )}
      </QueryView>
    </Stack>
  );
}

export default RegistryAppPage;
