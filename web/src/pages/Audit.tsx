import { Anchor, Button, Code, Group, Paper, SimpleGrid, Stack, Table, Title } from "@mantine/core";
import { useEffect, useMemo, useRef, useState, type FormEvent } from "react";
import { useSearchParams } from "react-router";
import { PAGE_SIZE, useAuditEvents, useDirectory } from "../api/queries";
import type { AuditQuery } from "../api/types";
import { useSignedIn } from "../auth/useSignedIn";
import { TextField } from "../components/Field";
import { Pager } from "../components/Pager";
import { DataTable } from "../components/DataTable";
import { errorMessage, FormMessage } from "../components/FormMessage";
import { EmptyState, ErrorState, Notice, TableSkeleton } from "../components/States";
import { AUDIT_ACTIONS, AUDIT_FAMILIES, asActionFilter, describeDiff, targetTypeLabel, validateActionFilter } from "../lib/audit";
import { formatDateTime, localInputToIso } from "../lib/format";
import { useCursorPager } from "../lib/paging";
import { canReadUsers, canViewAudit } from "../lib/permissions";
import { focusFirstInvalid } from "../lib/useForm";
import { usePageTitle } from "../lib/usePageTitle";
import { validateUuid } from "../lib/validation";

/** UUIDv7s share their leading (time) digits: show the random tail. */
export function shortId(id: string): string {
  return id.length > 12 ? `…${id.slice(-12)}` : id;
}

interface Filters {
  action: string;
  actor: string;
  from: string;
  to: string;
}

function filtersFrom(params: URLSearchParams): Filters {
  return {
    action: params.get("action") ?? "",
    actor: params.get("actor") ?? "",
    from: params.get("from") ?? "",
    to: params.get("to") ?? "",
  };
}

/** Filter form values → the spec's query (empty fields left out, local times → RFC 3339). */
export function auditQueryFrom(f: Filters, cursor: string | undefined): AuditQuery {
  const q: AuditQuery = { limit: PAGE_SIZE };
  if (cursor) q.cursor = cursor;
  const action = asActionFilter(f.action);
  if (action) q.action = action;
  if (f.actor.trim()) q.actor_id = f.actor.trim();
  const from = localInputToIso(f.from);
  const to = localInputToIso(f.to);
  if (from) q.from = from;
  if (to) q.to = to;
  return q;
}

function validateFilters(f: Filters): Partial<Record<keyof Filters, string>> {
  const errors: Partial<Record<keyof Filters, string>> = {};
  const action = validateActionFilter(f.action);
  if (action) errors.action = action;
  if (f.actor.trim()) {
    const actor = validateUuid(f.actor, "Actor id");
    if (actor) errors.actor = actor;
  }
  const from = localInputToIso(f.from);
  const to = localInputToIso(f.to);
  if (from && to && from >= to) errors.to = "“To” must be after “From”.";
  return errors;
}

export function AuditPage() {
  usePageTitle("Audit log");
  const me = useSignedIn();
  const [params, setParams] = useSearchParams();
  const applied = filtersFrom(params);
  const [draft, setDraft] = useState<Filters>(applied);
  const [errors, setErrors] = useState<Partial<Record<keyof Filters, string>>>({});
  const pager = useCursorPager();
  const allowed = canViewAudit(me);
  const query = useMemo(() => auditQueryFrom(filtersFrom(params), pager.cursor), [params, pager.cursor]);
  const events = useAuditEvents(query, allowed);
  const formRef = useRef<HTMLFormElement>(null);
  // After a rejected "Apply", focus the first invalid filter.
  const [focusInvalid, setFocusInvalid] = useState<{ names: string[] } | null>(null);
  useEffect(() => {
    if (focusInvalid) focusFirstInvalid(formRef.current, focusInvalid.names);
  }, [focusInvalid]);
  const directory = useDirectory(allowed && canReadUsers(me));
  const nameOf = (id: string | null | undefined) => (id ? (directory.data?.[id] ?? shortId(id)) : "—");

  if (!allowed) {
    return (
      <>
        <Title order={1}>Audit log</Title>
        <Notice>Only owners and admins can read the audit log.</Notice>
      </>
    );
  }

  const apply = (e: FormEvent) => {
    e.preventDefault();
    const found = validateFilters(draft);
    setErrors(found);
    if (Object.keys(found).length > 0) {
      setFocusInvalid({ names: Object.keys(found) });
      return;
    }
    const next = new URLSearchParams();
    for (const [k, v] of Object.entries(draft)) if (v.trim()) next.set(k, v.trim());
    pager.reset();
    setParams(next);
  };
  const clear = () => {
    const empty = { action: "", actor: "", from: "", to: "" };
    setDraft(empty);
    setErrors({});
    pager.reset();
    setParams(new URLSearchParams());
  };
  const set = (k: keyof Filters) => (v: string) => setDraft((d) => ({ ...d, [k]: v }));

  let body;
  if (events.isPending) body = <TableSkeleton label="Loading audit events…" columns={6} rows={5} />;
  else if (events.error) body = <ErrorState error={events.error} onRetry={() => void events.refetch()} />;
  else if (events.data.items.length === 0) body = <EmptyState>No events match these filters.</EmptyState>;
  else
    body = (
      <>
        <DataTable label="Audit events" minWidth={900} data-testid="audit-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Time</Table.Th>
              <Table.Th scope="col">Action</Table.Th>
              <Table.Th scope="col">Actor</Table.Th>
              <Table.Th scope="col">Target</Table.Th>
              <Table.Th scope="col">Change</Table.Th>
              <Table.Th scope="col">IP</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {events.data.items.map((ev) => (
              <Table.Tr key={ev.id}>
                <Table.Td>{formatDateTime(ev.created_at)}</Table.Td>
                <Table.Td data-testid="audit-action">
                  <Code>{ev.action}</Code>
                </Table.Td>
                <Table.Td data-testid="audit-actor">
                  {ev.actor_id ? (
                    <Anchor
                      component="button"
                      type="button"
                      title={`Filter by this actor (${ev.actor_id})`}
                      onClick={() => setDraft((d) => ({ ...d, actor: ev.actor_id ?? "" }))}
                    >
                      {ev.actor_type === "api_key" && !directory.data?.[ev.actor_id] ? "API key " : ""}
                      {nameOf(ev.actor_id)}
                    </Anchor>
                  ) : (
                    "—"
                  )}
                </Table.Td>
                <Table.Td title={ev.target_id ?? undefined}>
                  {ev.target_type ? `${targetTypeLabel(ev.target_type)}: ${nameOf(ev.target_id)}` : "—"}
                </Table.Td>
                <Table.Td>{describeDiff(ev.diff)}</Table.Td>
                <Table.Td>{ev.ip ?? "—"}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </DataTable>
        <Pager pager={pager} nextCursor={events.data.next_cursor} label="Audit events" />
      </>
    );

  return (
    <Stack gap="md">
      <Title order={1}>Audit log</Title>
      <Paper withBorder radius="md" p="md">
        <form ref={formRef} onSubmit={apply} noValidate aria-label="Audit filters">
          <SimpleGrid cols={{ base: 1, sm: 2, lg: 4 }} spacing="sm">
            <TextField
              label="Action"
              name="action"
              value={draft.action}
              onValue={set("action")}
              error={errors.action}
              list="audit-actions"
              placeholder="e.g. user.* or api_key.created"
            />
            <TextField
              label="Actor id"
              name="actor"
              value={draft.actor}
              onValue={set("actor")}
              error={errors.actor}
              placeholder="user or API key id"
            />
            <TextField label="From" name="from" type="datetime-local" value={draft.from} onValue={set("from")} error={errors.from} />
            <TextField label="To" name="to" type="datetime-local" value={draft.to} onValue={set("to")} error={errors.to} />
          </SimpleGrid>
          <datalist id="audit-actions">
            {[...AUDIT_FAMILIES, ...AUDIT_ACTIONS].map((a) => (
              <option key={a} value={a} />
            ))}
          </datalist>
          <FormMessage message={Object.keys(errors).length > 0 ? errorMessage("Please correct the highlighted filters.") : null} />
          <Group gap="sm" mt="sm">
            <Button type="submit">Apply filters</Button>
            <Button variant="default" onClick={clear}>
              Clear
            </Button>
          </Group>
        </form>
      </Paper>
      {body}
    </Stack>
  );
}
