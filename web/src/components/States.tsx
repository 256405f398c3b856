// Loading, empty and error states. Loading shows skeletons shaped like what
// is coming (no text that shifts the layout when the data arrives), with a
// visually hidden label in a role="status" region for assistive tech.
import { Alert, Button, Paper, Skeleton, Stack, Table, Text, VisuallyHidden } from "@mantine/core";
import type { ReactNode } from "react";
import { ApiError, describeError } from "../api/problem";
import { NotFound } from "./NotFound";

/** Generic loading placeholder: a few skeleton lines. */
export function Loading({ label = "Loading…", lines = 3 }: { label?: string; lines?: number }) {
  return (
    <Stack gap="xs" py="xs" role="status" aria-busy="true" aria-live="polite" data-testid="loading">
      <VisuallyHidden>{label}</VisuallyHidden>
      {Array.from({ length: lines }, (_, i) => (
        <Skeleton key={i} height={14} width={i === lines - 1 ? "60%" : "100%"} radius="sm" aria-hidden="true" />
      ))}
    </Stack>
  );
}

/** Loading placeholder for a table: `columns` × `rows` skeleton cells in the same card as the real table. */
export function TableSkeleton({ label = "Loading…", columns = 4, rows = 3 }: { label?: string; columns?: number; rows?: number }) {
  return (
    <Paper withBorder radius="md" role="status" aria-busy="true" aria-live="polite" data-testid="loading" className="table-card">
      <VisuallyHidden>{label}</VisuallyHidden>
      <Table aria-hidden="true" verticalSpacing="sm">
        <Table.Tbody>
          {Array.from({ length: rows }, (_, r) => (
            <Table.Tr key={r}>
              {Array.from({ length: columns }, (_, c) => (
                <Table.Td key={c}>
                  <Skeleton height={12} radius="sm" width={c === 0 ? "80%" : "60%"} />
                </Table.Td>
              ))}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Paper>
  );
}

export function EmptyState({ children }: { children: ReactNode }) {
  return (
    <Text c="dimmed" py="sm" data-testid="empty-state">
      {children}
    </Text>
  );
}

export function ErrorState({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  return (
    <Alert color="red" variant="light" role="alert" my="sm">
      <Stack gap="xs" align="flex-start">
        <Text size="sm">{describeError(error)}</Text>
        {onRetry && (
          <Button variant="default" size="xs" onClick={onRetry}>
            Try again
          </Button>
        )}
      </Stack>
    </Alert>
  );
}

/** An informational note (e.g. "your role cannot …"); not an alert. */
export function Notice({ children, testId }: { children: ReactNode; testId?: string }) {
  return (
    <Alert color="blue" variant="light" my="sm" role="note" data-testid={testId}>
      {children}
    </Alert>
  );
}

interface QueryLike<T> {
  data: T | undefined;
  error: unknown;
  isPending: boolean;
  refetch: () => unknown;
}

/**
 * Renders a query's loading and error states, the not-found page when the
 * API answered 404 (another tenant's object looks exactly like a missing one),
 * and `children(data)` otherwise. `loading` replaces the default skeleton.
 */
export function QueryView<T>({
  query,
  children,
  loadingLabel,
  loading,
}: {
  query: QueryLike<T>;
  children: (data: T) => ReactNode;
  loadingLabel?: string;
  loading?: ReactNode;
}) {
  if (query.isPending || (query.data === undefined && !query.error)) return <>{loading ?? <Loading label={loadingLabel} />}</>;
  if (query.error) {
    if (query.error instanceof ApiError && query.error.isNotFound) return <NotFound />;
    return <ErrorState error={query.error} onRetry={() => void query.refetch()} />;
  }
  return <>{children(query.data as T)}</>;
}
