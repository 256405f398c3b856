import { Anchor, Button, Code, Group, NativeSelect, Paper, SimpleGrid, Stack, Table, Text, Title } from "@mantine/core";
import { useMutation } from "@tanstack/react-query";
import { useEffect, useMemo, useRef, useState, type FormEvent } from "react";
import { useSearchParams } from "react-router";
import { SEARCH_MAX } from "../api/people";
import { describeError } from "../api/problem";
import { PAGE_SIZE, useAuditEvents, useDirectory } from "../api/queries";
import type { AuditEventView, AuditQuery } from "../api/types";
import { useSignedIn } from "../auth/useSignedIn";
import { TextField } from "../components/Field";
import { Pager } from "../components/Pager";
import { DataTable } from "../components/DataTable";
import { errorMessage, FormMessage, successMessage, type FormMessageValue } from "../components/FormMessage";
import { EmptyState, ErrorState, Notice, TableSkeleton } from "../components/States";
import { actionFilterGroups, asActionFilter, describeDiff, targetTypeLabel, validateActionFilter } from "../lib/audit";
import { downloadAuditCsv, EXPORT_MAX_ROWS, type AuditExportQuery } from "../lib/csv-download";
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

export interface Filters {
  action: string;
  /** Text in the actor's name or email (the server's `actor`). */
  actor: string;
  from: string;
  to: string;
  /** One actor by id (`actor_id`), when a link asked for it. */
  actorId?: string;
}

const EMPTY: Filters = { action: "", actor: "", from: "", to: "" };

export function filtersFrom(params: URLSearchParams): Filters {
  const f: Filters = {
    action: params.get("action") ?? "",
    actor: params.get("actor") ?? "",
    from: params.get("from") ?? "",
    to: params.get("to") ?? "",
  };
  const actorId = params.get("actor_id");
  if (actorId) f.actorId = actorId;
  return f;
}

/** The filters as the page's URL parameters (empty ones left out). */
export function paramsFrom(f: Filters): URLSearchParams {
  const p = new URLSearchParams();
  for (const k of ["action", "actor", "from", "to"] as const) if (f[k].trim()) p.set(k, f[k].trim());
  if (f.actorId?.trim()) p.set("actor_id", f.actorId.trim());
  return p;
}

/** Filter values → the export's query (empty fields left out, local times → RFC 3339). */
export function auditExportQueryFrom(f: Filters): AuditExportQuery {
  const q: AuditExportQuery = {};
  const action = asActionFilter(f.action);
  if (action) q.action = action;
  const actor = f.actor.trim().slice(0, SEARCH_MAX);
  if (actor) q.actor = actor;
  if (f.actorId && !validateUuid(f.actorId)) q.actor_id = f.actorId.trim();
  const from = localInputToIso(f.from);
  const to = localInputToIso(f.to);
  if (from) q.from = from;
  if (to) q.to = to;
  return q;
}

/** Filter values → the spec's list query (the export's, plus page size and cursor). */
export function auditQueryFrom(f: Filters, cursor: string | undefined): AuditQuery {
  const q: AuditQuery = { limit: PAGE_SIZE, ...auditExportQueryFrom(f) };
  if (cursor) q.cursor = cursor;
  return q;
}

export function validateFilters(f: Filters): Partial<Record<keyof Filters, string>> {
  const errors: Partial<Record<keyof Filters, string>> = {};
  const action = validateActionFilter(f.action);
  if (action) errors.action = action;
  if (f.actor.trim().length > SEARCH_MAX) errors.actor = `Use at most ${SEARCH_MAX} characters.`;
  const from = localInputToIso(f.from);
  const to = localInputToIso(f.to);
  if (from && to && from >= to) errors.to = "“To” must be after “From”.";
  return errors;
}

const ACTION_GROUPS = actionFilterGroups();

/** Who did it: the actor's name and email (a user) or key name, as the server reports them now. */
function ActorCell({ ev, onFilter }: { ev: AuditEventView; onFilter: (text: string) => void }) {
  if (!ev.actor_id) return <>—</>;
  const isKey = ev.actor_type === "api_key";
  if (!ev.actor_name) {
    return (
      <Text size="sm" c="dimmed" title={ev.actor_id}>
        {isKey ? "Deleted API key" : "Removed user"} ({shortId(ev.actor_id)})
      </Text>
    );
  }
  const name = isKey ? `API key “${ev.actor_name}”` : ev.actor_name;
  return (
    <Stack gap={0}>
      <Anchor
        component="button"
        type="button"
        size="sm"
        ta="left"
        title="Show only this actor's events"
        onClick={() => onFilter(ev.actor_email ?? ev.actor_name ?? "")}
        data-testid="audit-actor-name"
      >
        {name}
      </Anchor>
      {ev.actor_email && (
        <Text size="xs" c="dimmed" data-testid="audit-actor-email">
          {ev.actor_email}
        </Text>
      )}
    </Stack>
  );
}

export function AuditPage() {
  usePageTitle("Audit log");
  const me = useSignedIn();
  const [params, setParams] = useSearchParams();
  const applied = useMemo(() => filtersFrom(params), [params]);
  const [draft, setDraft] = useState<Filters>(applied);
  // Back/forward (or a link) changes the applied filters: show them.
  useEffect(() => setDraft(applied), [applied]);
  const [errors, setErrors] = useState<Partial<Record<keyof Filters, string>>>({});
  const pager = useCursorPager();
  const allowed = canViewAudit(me);
  const query = useMemo(() => auditQueryFrom(applied, pager.cursor), [applied, pager.cursor]);
  const events = useAuditEvents(query, allowed);
  const formRef = useRef<HTMLFormElement>(null);
  // After a rejected "Apply", focus the first invalid filter.
  const [focusInvalid, setFocusInvalid] = useState<{ names: string[] } | null>(null);
  useEffect(() => {
    if (focusInvalid) focusFirstInvalid(formRef.current, focusInvalid.names);
  }, [focusInvalid]);
  // Target names (users, API keys) for the target column.
  const directory = useDirectory(allowed && canReadUsers(me));
  const nameOf = (id: string | null | undefined) => (id ? (directory.data?.[id] ?? shortId(id)) : "—");
  const [exportMessage, setExportMessage] = useState<FormMessageValue>(null);
  const exporting = useMutation({
    mutationFn: () => downloadAuditCsv(auditExportQueryFrom(applied)),
    onMutate: () => setExportMessage(null),
    onSuccess: (r) =>
      setExportMessage(
        successMessage(
          r.truncated
            ? `Downloaded ${r.filename} with the newest ${r.rows.toLocaleString("en")} events only: an export holds at most ${EXPORT_MAX_ROWS.toLocaleString("en")}. Narrow the date range to export the rest.`
            : `Downloaded ${r.filename} (${r.rows.toLocaleString("en")} ${r.rows === 1 ? "event" : "events"}).`,
        ),
      ),
    onError: (err) => setExportMessage(errorMessage(describeError(err))),
  });

  if (!allowed) {
    return (
      <>
        <Title order={1}>Audit log</Title>
        <Notice>Only owners and admins can read the audit log.</Notice>
      </>
    );
  }

  const applyFilters = (f: Filters) => {
    setExportMessage(null);
    pager.reset();
    setParams(paramsFrom(f));
  };
  const apply = (e: FormEvent) => {
    e.preventDefault();
    const found = validateFilters(draft);
    setErrors(found);
    if (Object.keys(found).length > 0) {
      setFocusInvalid({ names: Object.keys(found) });
      return;
    }
    applyFilters(draft);
  };
  const clear = () => {
    setDraft(EMPTY);
    setErrors({});
    applyFilters(EMPTY);
  };
  const set = (k: "action" | "actor" | "from" | "to") => (v: string) => setDraft((d) => ({ ...d, [k]: v }));
  const filterByActor = (text: string) => {
    const next = { ...draft, actor: text, actorId: undefined };
    setDraft(next);
    setErrors({});
    applyFilters(next);
  };

  let body;
  if (events.isPending) body = <TableSkeleton label="Loading audit events…" columns={6} rows={5} />;
  else if (events.error) body = <ErrorState error={events.error} onRetry={() => void events.refetch()} />;
  else if (events.data.items.length === 0) body = <EmptyState>No events match these filters.</EmptyState>;
  else
    body = (
      <>
        <DataTable label="Audit events" minWidth={1040} data-testid="audit-table">
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
                <Table.Td data-testid="audit-action" style={{ whiteSpace: "nowrap" }}>
                  <Code>{ev.action}</Code>
                </Table.Td>
                <Table.Td data-testid="audit-actor">
                  <ActorCell ev={ev} onFilter={filterByActor} />
                </Table.Td>
                <Table.Td title={ev.target_id ?? undefined}>
                  {ev.target_type ? `${targetTypeLabel(ev.target_type)}: ${nameOf(ev.target_id)}` : "—"}
                </Table.Td>
                <Table.Td>{describeDiff(ev.diff)}</Table.Td>
                <Table.Td style={{ whiteSpace: "nowrap" }}>{ev.ip ?? "—"}</Table.Td>
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
      <Text c="dimmed">Who did what in the organization, newest first.</Text>
      <Paper withBorder radius="md" p="md">
        <form ref={formRef} onSubmit={apply} noValidate aria-label="Audit filters">
          <SimpleGrid cols={{ base: 1, sm: 2, lg: 4 }} spacing="sm">
            <NativeSelect
              label="Action"
              name="action"
              value={draft.action}
              onChange={(e) => set("action")(e.currentTarget.value)}
              error={errors.action}
              data={[{ value: "", label: "All actions" }, ...ACTION_GROUPS]}
            />
            <TextField
              label="Actor name or email"
              name="actor"
              type="search"
              value={draft.actor}
              onValue={set("actor")}
              error={errors.actor}
              maxLength={SEARCH_MAX}
              placeholder="e.g. ada or ada@example.com"
            />
            <TextField label="From" name="from" type="datetime-local" value={draft.from} onValue={set("from")} error={errors.from} />
            <TextField label="To" name="to" type="datetime-local" value={draft.to} onValue={set("to")} error={errors.to} />
          </SimpleGrid>
          {applied.actorId && (
            <Text size="sm" mt="xs">
              Showing one actor's events ({shortId(applied.actorId)}).{" "}
              <Anchor component="button" type="button" size="sm" onClick={() => applyFilters({ ...applied, actorId: undefined })}>
                Show everyone's
              </Anchor>
            </Text>
          )}
          <FormMessage message={Object.keys(errors).length > 0 ? errorMessage("Please correct the highlighted filters.") : null} />
          <Group gap="sm" mt="sm" wrap="wrap">
            <Button type="submit">Apply filters</Button>
            <Button variant="default" onClick={clear}>
              Clear
            </Button>
            <Button
              variant="default"
              ml={{ sm: "auto" }}
              aria-disabled={exporting.isPending || undefined}
              onClick={() => {
                if (!exporting.isPending) exporting.mutate();
              }}
              title="Download the events matching the applied filters as CSV (at most 10,000)"
            >
              {exporting.isPending ? "Exporting…" : "Export CSV"}
            </Button>
          </Group>
        </form>
      </Paper>
      <FormMessage message={exportMessage} testId="audit-export-message" />
      {body}
    </Stack>
  );
}
