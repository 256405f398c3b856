import { Badge } from "@mantine/core";
import type { BackendView, JobStatus } from "../api/jobs";
import { BACKEND_STATUS_COLORS, BACKEND_STATUS_LABELS, JOB_STATUS_COLORS, JOB_STATUS_LABELS } from "../lib/jobs";

/** A job's status as a dot badge ("Queued", "Running", "Completed", …). */
export function JobStatusBadge({ status, testId = "job-status-badge" }: { status: JobStatus; testId?: string }) {
  return (
    <Badge variant="dot" tt="none" miw="max-content" color={JOB_STATUS_COLORS[status]} data-testid={testId} data-status={status}>
      {JOB_STATUS_LABELS[status]}
    </Badge>
  );
}

/** A backend's status ("Online", "Offline", "Retired"). */
export function BackendStatusBadge({ status }: { status: BackendView["status"] }) {
  return (
    <Badge variant="dot" tt="none" miw="max-content" color={BACKEND_STATUS_COLORS[status]} data-testid="backend-status" data-status={status}>
      {BACKEND_STATUS_LABELS[status]}
    </Badge>
  );
}
