// Quantum jobs: the organization's quotas, the live job list (refetched
// every 1.5 s while a job on it is queued or running; filters by status,
// backend and tag) and the submit form (an OpenQASM editor with samples, a
// backend picker showing each backend's queue, shots, seed, name, tags).
import { Anchor, Group, Paper, Progress, SimpleGrid, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { Link, useNavigate } from "react-router";
import {
  jobKeys,
  jobStatusValues,
  PAGE_SIZE,
  submitJob,
  useBackends,
  useJobList,
  useJobStats,
  useQuotas,
  type BackendView,
  type JobStatus,
  type JobsQuery,
  type QuotaItem,
  type SubmitJobRequest,
} from "../api/jobs";
import { ApiError } from "../api/problem";
import { useSignedIn } from "../auth/useSignedIn";
import { DataTable } from "../components/DataTable";
import { SelectField, SubmitButton, TextField } from "../components/Field";
import { FormMessage } from "../components/FormMessage";
import { JobStatusBadge } from "../components/JobStatusBadge";
import { Pager } from "../components/Pager";
import { Panel } from "../components/Panel";
import { QasmEditor } from "../components/QasmEditor";
import { EmptyState, ErrorState, Notice, TableSkeleton } from "../components/States";
import { parseTags, TAG_PATTERN } from "../lib/apps";
import { formatNumber } from "../lib/format";
import {
  BACKEND_KIND_LABELS,
  BACKEND_STATUS_LABELS,
  DEFAULT_BACKEND,
  formatMs,
  formatQueue,
  formatTime,
  fromNow,
  isActive,
  JOB_STATUS_LABELS,
  jobTitle,
  SAMPLES,
  validateJobForm,
  type JobFormValues,
} from "../lib/jobs";
import { useCursorPager } from "../lib/paging";
import { canReadJobs, canWriteJobs } from "../lib/permissions";
import { useForm } from "../lib/useForm";
import { usePageTitle } from "../lib/usePageTitle";

// --- quotas ---------------------------------------------------------------------

function QuotaMeter({ label, item, unit = "", testId }: { label: string; item: QuotaItem; unit?: string; testId: string }) {
  const percent = item.limit > 0 ? Math.min(100, (item.used / item.limit) * 100) : 100;
  return (
    <Stack gap={4} data-testid={testId}>
      <Text size="sm" fw={500}>
        {label}
      </Text>
      <Progress value={percent} aria-label={`${label}: ${formatNumber(item.used)} of ${formatNumber(item.limit)}`} size="sm" color={percent >= 90 ? "red" : undefined} />
      <Text size="sm" c="dimmed" className="tabular">
        {formatNumber(item.used)} of {formatNumber(item.limit)}
        {unit}
      </Text>
    </Stack>
  );
}

/** The last 30 days in one line: jobs by status, mean wait and run time, shots. */
function Activity() {
  const stats = useJobStats();
  if (!stats.data) return null;
  const s = stats.data;
  const by = jobStatusValues
    .filter((k) => (s.counts[k] ?? 0) > 0)
    .map((k) => `${formatNumber(s.counts[k] ?? 0)} ${JOB_STATUS_LABELS[k].toLowerCase()}`);
  return (
    <Text size="sm" c="dimmed" data-testid="job-stats">
      Last 30 days: {formatNumber(s.total)} job{s.total === 1 ? "" : "s"}
      {by.length > 0 && ` (${by.join(", ")})`}
      {s.mean_queue_ms !== null && s.mean_queue_ms !== undefined && `; mean wait ${formatMs(s.mean_queue_ms)}`}
      {s.mean_run_ms !== null && s.mean_run_ms !== undefined && `, mean run ${formatMs(s.mean_run_ms)}`}
      {`; ${formatNumber(s.shots)} shots completed.`}
    </Text>
  );
}

function Quotas() {
  const quotas = useQuotas(true);
  let body;
  if (quotas.isPending) body = <Text c="dimmed" size="sm">Loading the quotas…</Text>;
  else if (quotas.error) body = <ErrorState error={quotas.error} onRetry={() => void quotas.refetch()} />;
  else {
    const q = quotas.data;
    body = (
      <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }} spacing="md">
        <QuotaMeter label="Queued jobs" item={q.queued_jobs} testId="quota-queued" />
        <QuotaMeter label="Running jobs" item={q.running_jobs} testId="quota-running" />
        <QuotaMeter label="Simulator time this month" item={q.simulator_seconds_per_month} unit=" s" testId="quota-seconds" />
        <Stack gap={4} data-testid="quota-per-job">
          <Text size="sm" fw={500}>
            Per job
          </Text>
          <Text size="sm">Up to {formatNumber(q.qubits.limit)} qubits</Text>
          <Text size="sm">Up to {formatNumber(q.shots_per_job.limit)} shots</Text>
        </Stack>
      </SimpleGrid>
    );
  }
  return (
    <Panel title="Quotas" testId="quotas">
      {body}
      <Activity />
    </Panel>
  );
}

// --- the list -------------------------------------------------------------------

function JobList() {
  const [status, setStatus] = useState<JobStatus | "">("");
  const [backend, setBackend] = useState("");
  const [tagText, setTagText] = useState("");
  const [tag] = useDebouncedValue(tagText.trim().toLowerCase(), 300);
  const pager = useCursorPager();
  const { reset } = pager;
  useEffect(() => reset(), [status, backend, tag, reset]);
  const backends = useBackends();
  const query: JobsQuery = {
    limit: PAGE_SIZE,
    ...(pager.cursor ? { cursor: pager.cursor } : {}),
    ...(status ? { status } : {}),
    ...(backend ? { backend } : {}),
    ...(tag && TAG_PATTERN.test(tag) ? { tag } : {}),
  };
  const jobs = useJobList(query);
  const filtered = Boolean(status || backend || tag);
  const live = jobs.data?.items.some(isActive) ?? false;

  let list;
  if (jobs.isPending) list = <TableSkeleton label="Loading jobs…" columns={6} />;
  else if (jobs.error) list = <ErrorState error={jobs.error} onRetry={() => void jobs.refetch()} />;
  else if (jobs.data.items.length === 0)
    list = (
      <Paper withBorder radius="md" p="md" data-testid="jobs-empty">
        <EmptyState>{filtered ? "No job matches these filters." : "No jobs yet. Submit one below."}</EmptyState>
      </Paper>
    );
  else
    list = (
      <>
        <DataTable label="Jobs" minWidth={820} aria-busy={jobs.isPlaceholderData || undefined}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Job</Table.Th>
              <Table.Th scope="col">Status</Table.Th>
              <Table.Th scope="col">Backend</Table.Th>
              <Table.Th scope="col">Shots</Table.Th>
              <Table.Th scope="col">Qubits</Table.Th>
              <Table.Th scope="col">Created</Table.Th>
              <Table.Th scope="col">Queue / run time</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {jobs.data.items.map((j) => (
              <Table.Tr key={j.id} data-testid="job-row" data-job-id={j.id}>
                <Table.Td>
                  <Anchor component={Link} to={`/jobs/${j.id}`}>
                    {jobTitle(j)}
                  </Anchor>
                  {j.tags.length > 0 && (
                    <Text size="xs" c="dimmed">
                      {j.tags.join(", ")}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  <JobStatusBadge status={j.status} />
                </Table.Td>
                <Table.Td>{j.backend}</Table.Td>
                <Table.Td className="tabular">{formatNumber(j.shots)}</Table.Td>
                <Table.Td className="tabular">{formatNumber(j.qubits)}</Table.Td>
                <Table.Td>{formatTime(j.created_at)}</Table.Td>
                <Table.Td>
                  {j.queue?.position
                    ? `#${j.queue.position} in queue${j.queue.estimated_start_at ? `, starts ${fromNow(j.queue.estimated_start_at)}` : ""}`
                    : j.usage.run_ms !== null && j.usage.run_ms !== undefined
                      ? `ran ${formatMs(j.usage.run_ms)}`
                      : j.status === "running"
                        ? "running"
                        : "—"}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </DataTable>
        <Pager pager={pager} nextCursor={jobs.data.next_cursor} label="Jobs" />
      </>
    );

  return (
    <Stack component="section" aria-label="Job list" gap="sm">
      <Group align="flex-end" gap="md" role="search" aria-label="Filter jobs">
        <SelectField<JobStatus | "">
          label="Status"
          value={status}
          onValue={setStatus}
          options={[{ value: "", label: "Any" }, ...jobStatusValues.map((s) => ({ value: s, label: JOB_STATUS_LABELS[s] }))]}
        />
        <SelectField
          label="Backend"
          value={backend}
          onValue={setBackend}
          options={[{ value: "", label: "Any" }, ...(backends.data?.items ?? []).map((b) => ({ value: b.id, label: b.name }))]}
        />
        <TextInput label="Tag" value={tagText} onChange={(e) => setTagText(e.currentTarget.value)} maxLength={32} w={160} />
        <Text size="sm" c="dimmed" role="status" data-testid="jobs-live" pb={6}>
          {live ? "Updating live while jobs run…" : ""}
        </Text>
      </Group>
      {list}
    </Stack>
  );
}

// --- the submit form --------------------------------------------------------------

/** A backend in the picker: its name and queue, or why it takes no jobs (kind and size are on the Backends page). */
function backendLabel(b: BackendView): string {
  if (b.status !== "online") return `${b.name} — ${BACKEND_STATUS_LABELS[b.status].toLowerCase()}, takes no jobs`;
  return `${b.name} — ${formatQueue(b.queue)}`;
}

export function submitBody(v: JobFormValues): SubmitJobRequest {
  const body: SubmitJobRequest = { backend: v.backend, program: v.program };
  if (v.shots.trim()) body.shots = Number(v.shots.trim());
  if (v.seed.trim()) body.seed = Number(v.seed.trim());
  if (v.name.trim()) body.name = v.name.trim();
  const tags = parseTags(v.tags);
  if (tags.length) body.tags = tags;
  return body;
}

const EMPTY_FORM: JobFormValues = { backend: DEFAULT_BACKEND, program: "", shots: "1024", seed: "", name: "", tags: "" };

function SubmitJobForm() {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const backends = useBackends(true);
  const [sample, setSample] = useState<string>("");
  const [programAt, setProgramAt] = useState<{ line: number; column: number | null } | null>(null);
  const list = backends.data?.items ?? [];
  const chosen = (name: string) => list.find((b) => b.name === name || b.id === name);

  const form = useForm<JobFormValues>(
    EMPTY_FORM,
    (v) => validateJobForm(v, chosen(v.backend)),
    async (v) => {
      setProgramAt(null);
      try {
        // No Idempotency-Key: the API's CORS policy does not let a browser
        // send it (and useForm never sends a second submit while one runs).
        const job = await submitJob(submitBody(v));
        await queryClient.invalidateQueries({ queryKey: jobKeys.jobs });
        void queryClient.invalidateQueries({ queryKey: jobKeys.quotas });
        navigate(`/jobs/${job.id}`);
      } catch (err) {
        if (err instanceof ApiError && err.line !== null) setProgramAt({ line: err.line, column: err.column });
        throw err;
      }
    },
  );

  const pickSample = (id: string) => {
    setSample(id);
    const s = SAMPLES.find((x) => x.id === id);
    if (s) {
      form.set("program", s.program);
      setProgramAt(null);
    }
  };
  const editProgram = (text: string) => {
    form.set("program", text);
    setProgramAt(null);
    setSample("");
  };

  const selected = chosen(form.values.backend);
  const options = list.length
    ? list.map((b) => ({ value: b.name, label: backendLabel(b), disabled: b.status !== "online" }))
    : [{ value: form.values.backend, label: backends.isPending ? `${form.values.backend} (loading the backends…)` : form.values.backend }];

  return (
    <Panel title="Submit a job" form={form} testId="submit-job">
      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
        <SelectField
          label="Sample circuit"
          value={sample}
          onValue={pickSample}
          options={[{ value: "", label: "None (write your own)" }, ...SAMPLES.map((s) => ({ value: s.id, label: s.label }))]}
          hint="Puts a ready-made circuit in the editor."
        />
        <Stack gap={4}>
          <SelectField label="Backend" {...form.field("backend")} options={options} hint="Offline and retired backends take no jobs." />
          {selected && (
            <Text size="sm" c="dimmed" data-testid="backend-queue">
              {selected.status === "online"
                ? `${BACKEND_KIND_LABELS[selected.kind]}, ${formatNumber(selected.qubits)} qubits. Queue: ${formatQueue(selected.queue)}`
                : `${selected.name} is ${selected.status}.`}
            </Text>
          )}
        </Stack>
      </SimpleGrid>
      <QasmEditor
        label="Program (OpenQASM 2.0)"
        name="program"
        value={form.values.program}
        onValue={editProgram}
        error={form.errors.program}
        errorLine={programAt?.line}
        errorColumn={programAt?.column}
        hint="Up to 256 KiB. Gates the backend does not support are refused, naming the line."
        placeholder={'OPENQASM 2.0;\ninclude "qelib1.inc";\n…or choose a sample circuit above.'}
      />
      <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }} spacing="sm">
        <TextField
          label="Shots"
          inputMode="numeric"
          {...form.field("shots")}
          hint={selected ? `1 to ${formatNumber(selected.max_shots)}.` : "Default 1,024."}
        />
        <TextField label="Seed (optional)" inputMode="numeric" {...form.field("seed")} hint="Same seed, same counts." />
        <TextField label="Name (optional)" {...form.field("name")} maxLength={200} />
        <TextField label="Tags (optional)" {...form.field("tags")} hint="Comma-separated, e.g. bell, demo." />
      </SimpleGrid>
      <FormMessage message={form.message} />
      <Group>
        <SubmitButton submitting={form.submitting} busyLabel="Submitting…">
          Submit job
        </SubmitButton>
      </Group>
    </Panel>
  );
}

// --- the page ----------------------------------------------------------------------

export function JobsPage() {
  usePageTitle("Jobs");
  const me = useSignedIn();
  if (!canReadJobs(me)) {
    return (
      <>
        <Title order={1}>Jobs</Title>
        <Notice testId="jobs-not-allowed">Your role cannot see quantum jobs.</Notice>
      </>
    );
  }
  return (
    <Stack gap="lg">
      <div>
        <Title order={1}>Jobs</Title>
        <Text c="dimmed">
          Quantum circuits your organization ran or queued, newest first. See the{" "}
          <Anchor component={Link} to="/backends">
            backends
          </Anchor>{" "}
          for what each one offers.
        </Text>
      </div>
      <Quotas />
      <JobList />
      {canWriteJobs(me) ? <SubmitJobForm /> : <Notice testId="jobs-read-only">Your role can read jobs but not submit them.</Notice>}
    </Stack>
  );
}

export default JobsPage;
