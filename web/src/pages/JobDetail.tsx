// One job: its status (with the reason and message), times, queue position
// and estimates (approximate) while it waits, cancel / rerun / delete, the
// tags, what it used, the program, and once completed the histogram of its
// counts. The job is refetched every 1.5 s until it has finished.
import { Alert, Anchor, Code, Group, Stack, Text, Title } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { cancelJob, deleteJob, jobKeys, rerunJob, setJobTags, useJob, useJobResult, type JobView } from "../api/jobs";
import { ApiError, describeError } from "../api/problem";
import { useSignedIn } from "../auth/useSignedIn";
import { ConfirmButton } from "../components/ConfirmButton";
import { Facts } from "../components/Facts";
import { SubmitButton, TextField } from "../components/Field";
import { errorMessage, FormMessage, successMessage, type FormMessageValue } from "../components/FormMessage";
import { Histogram } from "../components/Histogram";
import { JobStatusBadge } from "../components/JobStatusBadge";
import { Panel } from "../components/Panel";
import { QasmView } from "../components/QasmEditor";
import { Loading, Notice, QueryView } from "../components/States";
import { parseTags } from "../lib/apps";
import { formatNumber } from "../lib/format";
import {
  canCancel,
  formatBytesShort,
  formatMs,
  formatSeconds,
  formatTime,
  fromNow,
  isActive,
  isFinished,
  JOB_REASON_LABELS,
  jobTitle,
  validateJobTags,
} from "../lib/jobs";
import { canReadJobs, canWriteJobs } from "../lib/permissions";
import { useForm } from "../lib/useForm";
import { usePageTitle } from "../lib/usePageTitle";

const STATUS_ALERT: Record<JobView["status"], string> = {
  queued: "gray",
  running: "blue",
  cancelling: "orange",
  completed: "green",
  failed: "red",
  cancelled: "orange",
};

function StatusLine({ job }: { job: JobView }) {
  const reason = job.reason ? (JOB_REASON_LABELS[job.reason] ?? job.reason) : null;
  let text: string;
  if (job.message) text = job.message;
  else if (job.status === "queued") text = "Waiting for a worker.";
  else if (job.status === "running") text = "Running on the backend.";
  else if (job.status === "completed") text = "Finished; the counts are below.";
  else text = "";
  if (!text && !reason) return null;
  return (
    <Alert color={STATUS_ALERT[job.status]} variant="light" role="status" data-testid="job-message" title={reason ?? undefined}>
      {text}
    </Alert>
  );
}

function Actions({ job }: { job: JobView }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [message, setMessage] = useState<FormMessageValue>(null);
  const fail = (err: unknown) => setMessage(errorMessage(describeError(err)));
  const cancel = useMutation({
    mutationFn: () => cancelJob(job.id),
    onMutate: () => setMessage(null),
    onSuccess: async (updated) => {
      queryClient.setQueryData(jobKeys.job(job.id), updated);
      setMessage(successMessage(updated.status === "cancelled" ? "Cancelled before it started." : "Cancelling: it stops at the next gate."));
      await queryClient.invalidateQueries({ queryKey: ["jobs", "list"] });
      void queryClient.invalidateQueries({ queryKey: jobKeys.quotas });
    },
    onError: fail,
  });
  const rerun = useMutation({
    mutationFn: () => rerunJob(job.id),
    onMutate: () => setMessage(null),
    onSuccess: async (created) => {
      queryClient.setQueryData(jobKeys.job(created.id), created);
      await queryClient.invalidateQueries({ queryKey: ["jobs", "list"] });
      void queryClient.invalidateQueries({ queryKey: jobKeys.quotas });
      navigate(`/jobs/${created.id}`);
    },
    onError: fail,
  });
  const remove = useMutation({
    mutationFn: () => deleteJob(job.id),
    onMutate: () => setMessage(null),
    onSuccess: async () => {
      queryClient.removeQueries({ queryKey: jobKeys.job(job.id) });
      await queryClient.invalidateQueries({ queryKey: ["jobs", "list"] });
      navigate("/jobs", { replace: true });
    },
    onError: fail,
  });
  return (
    <Panel title="Actions" testId="job-actions">
      <Group gap="sm">
        {canCancel(job) && (
          <ConfirmButton label="Cancel job" size="sm" confirmLabel="Confirm cancelling" busy={cancel.isPending} onConfirm={() => cancel.mutate()} />
        )}
        <SubmitButton type="button" variant="default" submitting={rerun.isPending} busyLabel="Submitting…" onClick={() => !rerun.isPending && rerun.mutate()}>
          Rerun
        </SubmitButton>
        {isFinished(job) && (
          <ConfirmButton label="Delete job" size="sm" confirmLabel="Confirm deleting" busy={remove.isPending} onConfirm={() => remove.mutate()} />
        )}
      </Group>
      <Text size="sm" c="dimmed">
        Rerun submits the same program with the same backend, shots and seed, so a completed job gives the same counts.
        {!isFinished(job) && " A job can be deleted once it has finished."}
      </Text>
      <FormMessage message={message} testId="job-actions-message" />
    </Panel>
  );
}

function TagsEditor({ job }: { job: JobView }) {
  const queryClient = useQueryClient();
  const form = useForm<{ tags: string }>(
    { tags: job.tags.join(", ") },
    (v) => {
      const e = validateJobTags(v.tags);
      return e ? { tags: e } : {};
    },
    async (v) => {
      const updated = await setJobTags(job.id, parseTags(v.tags));
      queryClient.setQueryData(jobKeys.job(job.id), updated);
      form.setValues({ tags: updated.tags.join(", ") });
      await queryClient.invalidateQueries({ queryKey: ["jobs", "list"] });
      form.succeed(updated.tags.length ? "Tags saved." : "Tags removed.");
    },
  );
  return (
    <Panel title="Tags" form={form} testId="job-tags">
      <TextField label="Tags" {...form.field("tags")} hint="Comma-separated; at most 20 of a-z, 0-9 and '-'." />
      <FormMessage message={form.message} />
      <Group>
        <SubmitButton submitting={form.submitting} busyLabel="Saving…">
          Save tags
        </SubmitButton>
      </Group>
    </Panel>
  );
}

function Result({ job }: { job: JobView }) {
  const completed = job.status === "completed";
  const result = useJobResult(job.id, completed);
  let body;
  if (!completed) {
    body = (
      <Text c="dimmed" data-testid="result-pending">
        {isActive(job) ? "The counts appear here when the job completes." : `No result: the job ${job.status === "failed" ? "failed" : "was cancelled"}.`}
      </Text>
    );
  } else if (result.isPending) body = <Loading label="Loading the counts…" />;
  else if (result.error) body = <Text c="red">{describeError(result.error)}</Text>;
  else body = <Histogram counts={result.data.counts} shots={result.data.shots} />;
  return (
    <Panel title="Result" testId="job-result">
      {body}
    </Panel>
  );
}

function Overview({ job }: { job: JobView }) {
  const me = useSignedIn();
  const q = job.queue;
  return (
    <Stack gap="md">
      <StatusLine job={job} />
      <Facts
        items={[
          { label: "Status", value: <JobStatusBadge status={job.status} testId="job-status" /> },
          { label: "Backend", value: <Anchor component={Link} to="/backends">{job.backend}</Anchor>, testId: "job-backend" },
          !!q?.position && { label: "Queue position", value: `#${formatNumber(q.position)}`, testId: "job-queue-position" },
          !!q?.estimated_start_at && {
            label: "Estimated start",
            value: `≈ ${formatTime(q.estimated_start_at)} (${fromNow(q.estimated_start_at)}, approximate)`,
            testId: "job-estimated-start",
          },
          !!q?.estimated_completion_at && {
            label: "Estimated completion",
            value: `≈ ${formatTime(q.estimated_completion_at)} (${fromNow(q.estimated_completion_at)}, approximate)`,
            testId: "job-estimated-completion",
          },
          { label: "Created", value: formatTime(job.created_at), testId: "job-created" },
          { label: "Started", value: formatTime(job.started_at), testId: "job-started" },
          { label: "Finished", value: formatTime(job.finished_at), testId: "job-finished" },
          !!job.cancelled_at && { label: "Cancelled", value: formatTime(job.cancelled_at) },
          { label: "Shots", value: formatNumber(job.shots), testId: "job-shots" },
          { label: "Seed", value: <Code>{String(job.seed)}</Code> },
          { label: "Qubits / classical bits", value: `${formatNumber(job.qubits)} / ${formatNumber(job.clbits)}` },
          { label: "Depth / operations", value: `${formatNumber(job.depth)} / ${formatNumber(job.gate_count)}` },
          { label: "Time limit", value: formatSeconds(job.max_execution_seconds) },
          job.attempts > 1 && { label: "Attempts", value: formatNumber(job.attempts) },
          job.statevector && { label: "Statevector", value: "Kept with the result" },
          { label: "Job id", value: <Code>{job.id}</Code> },
        ]}
      />
      <Result job={job} />
      <Panel title="Usage" testId="job-usage">
        <Facts
          items={[
            { label: "Shots", value: formatNumber(job.usage.shots) },
            { label: "Qubits", value: formatNumber(job.usage.qubits) },
            { label: "Time in queue", value: formatMs(job.usage.queued_ms), testId: "usage-queued" },
            { label: "Run time", value: formatMs(job.usage.run_ms), testId: "usage-run" },
            { label: "CPU time", value: formatMs(job.usage.cpu_ms) },
            { label: "Peak memory", value: formatBytesShort(job.usage.peak_memory_bytes) },
          ]}
        />
      </Panel>
      {canWriteJobs(me) ? (
        <>
          <Actions job={job} />
          <TagsEditor key={job.id} job={job} />
        </>
      ) : (
        <Panel title="Tags">
          <Text>{job.tags.length ? job.tags.join(", ") : "No tags."}</Text>
        </Panel>
      )}
      <Panel title="Program" testId="job-program-panel">
        {job.app_version_id && (
          <Text size="sm">
            From an app version (<Code>{job.app_version_id}</Code>)
            {job.parameters && Object.keys(job.parameters).length > 0 && (
              <>
                {" "}
                with{" "}
                {Object.entries(job.parameters)
                  .map(([k, v]) => `${k} = ${v}`)
                  .join(", ")}
              </>
            )}
            .
          </Text>
        )}
        {job.program ? <QasmView source={job.program} /> : <Text c="dimmed">The program is not available.</Text>}
      </Panel>
    </Stack>
  );
}

function JobContent({ id }: { id: string }) {
  const job = useJob(id);
  const notFound = job.error instanceof ApiError && job.error.isNotFound;
  usePageTitle(notFound ? "Page not found" : job.data ? jobTitle(job.data) : "Job");
  return (
    <QueryView query={job} loadingLabel="Loading the job…">
      {(j) => (
        <>
          <Group gap="sm" align="center">
            <Title order={1} data-testid="job-name">
              {jobTitle(j)}
            </Title>
            <JobStatusBadge status={j.status} testId="job-status-title" />
          </Group>
          <Overview job={j} />
        </>
      )}
    </QueryView>
  );
}

export function JobDetailPage() {
  const { id = "" } = useParams();
  const me = useSignedIn();
  const allowed = canReadJobs(me);
  return (
    <Stack gap="md">
      <Anchor component={Link} to="/jobs">
        ← Jobs
      </Anchor>
      {allowed ? <JobContent id={id} /> : <NotAllowed />}
    </Stack>
  );
}

function NotAllowed() {
  usePageTitle("Job");
  return <Notice>Your role cannot see quantum jobs.</Notice>;
}

export default JobDetailPage;
