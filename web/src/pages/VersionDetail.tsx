// One version of an app: its facts, the package upload (a draft's; with a
// progress bar), publish, yank, delete (a draft) and the release notes.
import { Anchor, Code, Group, Progress, Stack, Text, Title } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useId, useRef, useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import {
  appKeys,
  deleteVersion,
  publishVersion,
  updateVersion,
  useApp,
  useVersion,
  yankVersion,
  type AppView,
  type VersionView,
} from "../api/apps";
import { ApiError, describeError } from "../api/problem";
import { useSignedIn } from "../auth/useSignedIn";
import { ConfirmButton } from "../components/ConfirmButton";
import { Facts } from "../components/Facts";
import { SubmitButton, TextAreaField } from "../components/Field";
import { errorMessage, FormMessage, successMessage, type FormMessageValue } from "../components/FormMessage";
import { LazyMarkdown } from "../components/LazyMarkdown";
import { Panel } from "../components/Panel";
import { Notice, QueryView } from "../components/States";
import { formatBytes, RELEASE_NOTES_MAX, SDK_LABELS, validateMaxLength, VERSION_STATUS_LABELS } from "../lib/apps";
import { formatDateTime, formatNumber } from "../lib/format";
import { canWriteApps } from "../lib/permissions";
import { uploadPackage, type UploadProgress } from "../lib/upload";
import { useForm } from "../lib/useForm";
import { usePageTitle } from "../lib/usePageTitle";
import { StatusBadge } from "./Apps";

function useVersionRefresh(app: AppView, version: VersionView) {
  const queryClient = useQueryClient();
  return async (updated?: VersionView) => {
    if (updated) queryClient.setQueryData(appKeys.version(app.id, version.id), updated);
    await queryClient.invalidateQueries({ queryKey: appKeys.versions(app.id) });
    await queryClient.invalidateQueries({ queryKey: appKeys.app(app.id) });
  };
}

function PackageUpload({ app, version }: { app: AppView; version: VersionView }) {
  const refresh = useVersionRefresh(app, version);
  const inputId = useId();
  const input = useRef<HTMLInputElement>(null);
  const [file, setFile] = useState<File | null>(null);
  const [progress, setProgress] = useState<UploadProgress | null>(null);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<FormMessageValue>(null);
  const messageRef = useRef<HTMLDivElement>(null);

  const upload = async () => {
    if (busy) return;
    setMessage(null);
    if (!file) {
      setMessage(errorMessage("Choose a package file first."));
      input.current?.focus();
      return;
    }
    setBusy(true);
    setProgress({ loaded: 0, total: file.size, percent: 0 });
    try {
      const updated = await uploadPackage<VersionView>(app.id, version.id, file, setProgress);
      await refresh(updated);
      setMessage(successMessage(`Uploaded ${file.name} (${formatBytes(file.size)}).`));
      setFile(null);
      if (input.current) input.current.value = "";
    } catch (err) {
      setProgress(null);
      setMessage(errorMessage(describeError(err)));
    } finally {
      setBusy(false);
      requestAnimationFrame(() => messageRef.current?.focus());
    }
  };

  return (
    <Panel title={version.package ? "Replace the package" : "Upload the package"} testId="package-upload">
      <Stack gap={4}>
        <label htmlFor={inputId}>
          <Text size="sm" fw={500} span>
            Package file
          </Text>
        </label>
        <input
          ref={input}
          id={inputId}
          name="package"
          type="file"
          onChange={(e) => {
            setFile(e.currentTarget.files?.[0] ?? null);
            setProgress(null);
          }}
        />
        <Text size="xs" c="dimmed">
          Any file up to the server's limit (50 MiB by default); its SHA-256 is computed as it is stored.
        </Text>
      </Stack>
      {progress && (
        <Stack gap={4}>
          <Progress value={progress.percent} aria-label="Upload progress" size="lg" data-testid="upload-progress" />
          <Text size="sm" className="progress-label">
            {formatBytes(progress.loaded)} of {formatBytes(progress.total)} ({progress.percent}%)
          </Text>
        </Stack>
      )}
      <Group>
        <SubmitButton type="button" submitting={busy} busyLabel="Uploading…" onClick={() => void upload()}>
          Upload package
        </SubmitButton>
      </Group>
      <FormMessage ref={messageRef} message={message} testId="upload-message" />
    </Panel>
  );
}

function VersionActions({ app, version }: { app: AppView; version: VersionView }) {
  const refresh = useVersionRefresh(app, version);
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [message, setMessage] = useState<FormMessageValue>(null);
  const messageRef = useRef<HTMLDivElement>(null);
  const report = (m: FormMessageValue) => {
    setMessage(m);
    requestAnimationFrame(() => messageRef.current?.focus());
  };
  const fail = (err: unknown) => report(errorMessage(describeError(err)));
  const publish = useMutation({
    mutationFn: () => publishVersion(app.id, version.id),
    onMutate: () => setMessage(null),
    onSuccess: async (v) => {
      await refresh(v);
      report(successMessage(`Version ${v.version} is published.`));
    },
    onError: fail,
  });
  const yank = useMutation({
    mutationFn: () => yankVersion(app.id, version.id),
    onMutate: () => setMessage(null),
    onSuccess: async (v) => {
      await refresh(v);
      report(successMessage(`Version ${v.version} is yanked: no new downloads.`));
    },
    onError: fail,
  });
  const remove = useMutation({
    mutationFn: () => deleteVersion(app.id, version.id),
    onMutate: () => setMessage(null),
    onSuccess: async () => {
      queryClient.removeQueries({ queryKey: appKeys.version(app.id, version.id) });
      await refresh();
      navigate(`/apps/${app.id}?tab=versions`, { replace: true });
    },
    onError: fail,
  });
  return (
    <Panel title="Lifecycle" testId="version-actions">
      <Text size="sm">
        {version.status === "draft"
          ? "A draft can change and be deleted. Publishing needs a package and makes the version final."
          : version.status === "published"
            ? "Published versions never change or go away; yank one to stop new downloads."
            : "Yanked: kept for the record, not downloadable."}
      </Text>
      <Group gap="sm">
        {version.status === "draft" && (
          <SubmitButton
            type="button"
            submitting={publish.isPending}
            busyLabel="Publishing…"
            onClick={() => !publish.isPending && publish.mutate()}
          >
            Publish version
          </SubmitButton>
        )}
        {version.status === "published" && (
          <ConfirmButton label="Yank version" size="sm" confirmLabel={`Confirm yanking ${version.version}`} busy={yank.isPending} onConfirm={() => yank.mutate()} />
        )}
        {version.status === "draft" && (
          <ConfirmButton label="Delete draft" size="sm" confirmLabel={`Confirm deleting ${version.version}`} busy={remove.isPending} onConfirm={() => remove.mutate()} />
        )}
      </Group>
      <FormMessage ref={messageRef} message={message} testId="version-message" />
    </Panel>
  );
}

function ReleaseNotes({ app, version }: { app: AppView; version: VersionView }) {
  const refresh = useVersionRefresh(app, version);
  const form = useForm<{ release_notes: string }>(
    { release_notes: version.release_notes ?? "" },
    (v) => {
      const e = validateMaxLength(v.release_notes, RELEASE_NOTES_MAX, "Release notes");
      return e ? { release_notes: e } : {};
    },
    async (v) => {
      const updated = await updateVersion(app.id, version.id, { release_notes: v.release_notes });
      await refresh(updated);
      form.succeed("Release notes saved.");
    },
  );
  return (
    <Panel title="Release notes" form={form}>
      <TextAreaField label="Release notes (markdown)" {...form.field("release_notes")} autosize minRows={3} maxRows={14} />
      <FormMessage message={form.message} />
      <Group>
        <SubmitButton submitting={form.submitting} busyLabel="Saving…" variant="default">
          Save release notes
        </SubmitButton>
      </Group>
    </Panel>
  );
}

function SchemaBlock({ label, schema }: { label: string; schema: unknown }) {
  if (schema === null || schema === undefined) return null;
  return (
    <Panel title={label}>
      <Code block className="schema-block">
        {JSON.stringify(schema, null, 2)}
      </Code>
    </Panel>
  );
}

export function VersionDetailPage() {
  const { id = "", vid = "" } = useParams();
  const me = useSignedIn();
  const app = useApp(id);
  const version = useVersion(id, vid);
  const notFound =
    (app.error instanceof ApiError && app.error.isNotFound) || (version.error instanceof ApiError && version.error.isNotFound);
  usePageTitle(notFound ? "Page not found" : app.data && version.data ? `${app.data.name} ${version.data.version}` : "Version");
  const writer = canWriteApps(me);
  // Either 404 is the not-found page (another organization's draft looks missing).
  const both = {
    data: app.data && version.data ? { a: app.data, v: version.data } : undefined,
    error: app.error ?? version.error,
    isPending: app.isPending || version.isPending,
    refetch: () => {
      void app.refetch();
      void version.refetch();
    },
  };
  return (
    <Stack gap="md">
      <Anchor component={Link} to={`/apps/${id}?tab=versions`}>
        ← {app.data?.name ?? "App"}
      </Anchor>
      <QueryView query={both} loadingLabel="Loading version…">
        {({ a, v }) => (
          <>
            <Title order={1} data-testid="version-title">
              {a.name} {v.version}
            </Title>
            <Facts
              items={[
                { label: "Status", value: <StatusBadge status={v.status} label={VERSION_STATUS_LABELS[v.status]} />, testId: "version-status" },
                { label: "Latest", value: v.is_latest ? "Yes" : "No" },
                { label: "SDK", value: SDK_LABELS[v.sdk] },
                { label: "Qubits", value: formatNumber(v.qubits) },
                { label: "Package size", value: v.package ? `${formatBytes(v.package.size)} (${formatNumber(v.package.size)} bytes)` : "No package yet", testId: "package-size" },
                v.package && { label: "SHA-256", value: <Code data-testid="package-sha256">{v.package.sha256}</Code> },
                v.package && { label: "Uploaded", value: formatDateTime(v.package.uploaded_at) },
                { label: "Downloads", value: formatNumber(v.downloads) },
                { label: "Published", value: formatDateTime(v.published_at) },
                !!v.yanked_at && { label: "Yanked", value: formatDateTime(v.yanked_at) },
              ]}
            />
            {writer && v.status === "draft" && <PackageUpload app={a} version={v} />}
            {/* A new package starts the lifecycle messages afresh (an old "needs a package" goes). */}
            {writer ? <VersionActions key={v.package?.sha256 ?? "none"} app={a} version={v} /> : <Notice>Your role can read versions but not change them.</Notice>}
            {writer ? (
              <ReleaseNotes key={v.id} app={a} version={v} />
            ) : (
              v.release_notes && (
                <Panel title="Release notes">
                  <LazyMarkdown>{v.release_notes}</LazyMarkdown>
                </Panel>
              )
            )}
            <SchemaBlock label="Input schema" schema={v.input_schema} />
            <SchemaBlock label="Output schema" schema={v.output_schema} />
          </>
        )}
      </QueryView>
    </Stack>
  );
}

export default VersionDetailPage;
