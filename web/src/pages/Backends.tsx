// The backends jobs run on: QHub's simulator and the hardware catalog, with
// kind, status, qubits, basis gates, limits, prices and each one's live
// queue (refreshed every few seconds).
import { Anchor, Code, Stack, Table, Text, Title } from "@mantine/core";
import { Link } from "react-router";
import { useBackends, type BackendView } from "../api/jobs";
import { useSignedIn } from "../auth/useSignedIn";
import { DataTable } from "../components/DataTable";
import { BackendStatusBadge } from "../components/JobStatusBadge";
import { EmptyState, ErrorState, Notice, TableSkeleton } from "../components/States";
import { formatNumber } from "../lib/format";
import { BACKEND_KIND_LABELS, formatMicros, formatSeconds, formatWait } from "../lib/jobs";
import { canReadJobs } from "../lib/permissions";
import { usePageTitle } from "../lib/usePageTitle";

/** Gates shown before "and N more". */
const GATES_SHOWN = 12;

function Gates({ gates }: { gates: readonly string[] }) {
  const shown = gates.slice(0, GATES_SHOWN);
  return (
    <Text size="sm" className="gate-list">
      {shown.map((g, i) => (
        <span key={g}>
          <Code>{g}</Code>
          {i < shown.length - 1 ? " " : ""}
        </span>
      ))}
      {gates.length > GATES_SHOWN && (
        <Text span size="sm" c="dimmed">
          {" "}
          and {gates.length - GATES_SHOWN} more
        </Text>
      )}
    </Text>
  );
}

function Prices({ b }: { b: BackendView }) {
  if (b.price_per_shot_micros === 0 && b.price_per_second_micros === 0) return <>Free</>;
  return (
    <Stack gap={0}>
      {b.price_per_shot_micros > 0 && <span>{formatMicros(b.price_per_shot_micros)} per shot</span>}
      {b.price_per_second_micros > 0 && (
        <span>
          {formatMicros(b.price_per_second_micros)} per second ({formatMicros(b.cost_per_hour_micros)} per hour)
        </span>
      )}
    </Stack>
  );
}

function Queue({ b }: { b: BackendView }) {
  if (b.status !== "online") {
    return (
      <Stack gap={0}>
        <span>Takes no jobs</span>
        {b.average_queue_seconds > 0 && (
          <Text span size="sm" c="dimmed">
            Typical queue {formatSeconds(b.average_queue_seconds)}
          </Text>
        )}
      </Stack>
    );
  }
  return (
    <Stack gap={0} data-testid="backend-queue">
      <span>
        {formatNumber(b.queue.queued)} queued, {formatNumber(b.queue.running)} running
      </span>
      <Text span size="sm" c="dimmed">
        Wait {formatWait(b.queue.estimated_wait_seconds)}
      </Text>
    </Stack>
  );
}

function BackendTable() {
  const backends = useBackends(true);
  if (backends.isPending) return <TableSkeleton label="Loading backends…" columns={8} />;
  if (backends.error) return <ErrorState error={backends.error} onRetry={() => void backends.refetch()} />;
  if (backends.data.items.length === 0) return <EmptyState>No backends are configured.</EmptyState>;
  return (
    <DataTable label="Backends" minWidth={1100}>
      <Table.Thead>
        <Table.Tr>
          <Table.Th scope="col">Backend</Table.Th>
          <Table.Th scope="col">Kind</Table.Th>
          <Table.Th scope="col">Status</Table.Th>
          <Table.Th scope="col">Queue</Table.Th>
          <Table.Th scope="col">Qubits</Table.Th>
          <Table.Th scope="col" className="nowrap">
            Max shots
          </Table.Th>
          <Table.Th scope="col">Price</Table.Th>
          <Table.Th scope="col">Basis gates</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {backends.data.items.map((b) => (
          <Table.Tr key={b.id} data-testid={`backend-row-${b.name}`} data-status={b.status}>
            <Table.Td miw={200} maw={260}>
              <Text fw={600}>{b.name}</Text>
              <Text size="sm" c="dimmed">
                {b.provider} · {b.platform} · {b.technology}
              </Text>
              <Text size="sm">{b.description}</Text>
            </Table.Td>
            <Table.Td className="nowrap">{BACKEND_KIND_LABELS[b.kind]}</Table.Td>
            <Table.Td className="nowrap" miw={100}>
              <BackendStatusBadge status={b.status} />
            </Table.Td>
            <Table.Td miw={150}>
              <Queue b={b} />
            </Table.Td>
            <Table.Td className="tabular nowrap">
              {formatNumber(b.qubits)}
              <Text size="xs" c="dimmed">
                {b.connectivity.topology}
              </Text>
            </Table.Td>
            <Table.Td className="tabular nowrap">{formatNumber(b.max_shots)}</Table.Td>
            <Table.Td miw={150}>
              <Prices b={b} />
            </Table.Td>
            <Table.Td miw={150} maw={220}>
              <Gates gates={b.basis_gates} />
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </DataTable>
  );
}

export function BackendsPage() {
  usePageTitle("Backends");
  const me = useSignedIn();
  return (
    <Stack gap="md">
      <div>
        <Title order={1}>Backends</Title>
        <Text c="dimmed">
          Where jobs run: QHub's statevector simulator and the hardware catalog. Only online backends take jobs; queues
          count every organization's jobs and refresh every few seconds. Submit on the{" "}
          <Anchor component={Link} to="/jobs">
            jobs page
          </Anchor>
          .
        </Text>
      </div>
      {canReadJobs(me) ? <BackendTable /> : <Notice>Your role cannot see the backends.</Notice>}
    </Stack>
  );
}

export default BackendsPage;
