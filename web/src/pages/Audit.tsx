import { useMemo, useState, type FormEvent } from "react";
import { useSearchParams } from "react-router";
import { PAGE_SIZE, useAuditEvents, useDirectory } from "../api/queries";
import type { AuditQuery } from "../api/types";
import { useSignedIn } from "../auth/useSignedIn";
import { TextField } from "../components/Field";
import { Pager } from "../components/Pager";
import { EmptyState, ErrorState, FormAlert, Loading } from "../components/States";
import { AUDIT_ACTIONS, AUDIT_FAMILIES, asActionFilter, describeDiff, validateActionFilter } from "../lib/audit";
import { formatDateTime, localInputToIso } from "../lib/format";
import { useCursorPager } from "../lib/paging";
import { canReadUsers, canViewAudit } from "../lib/permissions";
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
  const me = useSignedIn();
  const [params, setParams] = useSearchParams();
  const applied = filtersFrom(params);
  const [draft, setDraft] = useState<Filters>(applied);
  const [errors, setErrors] = useState<Partial<Record<keyof Filters, string>>>({});
  const pager = useCursorPager();
  const allowed = canViewAudit(me);
  const query = useMemo(() => auditQueryFrom(filtersFrom(params), pager.cursor), [params, pager.cursor]);
  const events = useAuditEvents(query, allowed);
  const directory = useDirectory(allowed && canReadUsers(me));
  const nameOf = (id: string | null | undefined) => (id ? (directory.data?.[id] ?? shortId(id)) : "—");

  if (!allowed) {
    return (
      <>
        <h1>Audit log</h1>
        <p className="notice">Only owners and admins can read the audit log.</p>
      </>
    );
  }

  const apply = (e: FormEvent) => {
    e.preventDefault();
    const found = validateFilters(draft);
    setErrors(found);
    if (Object.keys(found).length > 0) return;
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
  if (events.isPending) body = <Loading label="Loading audit events…" />;
  else if (events.error) body = <ErrorState error={events.error} onRetry={() => void events.refetch()} />;
  else if (events.data.items.length === 0) body = <EmptyState>No events match these filters.</EmptyState>;
  else
    body = (
      <>
        <table data-testid="audit-table">
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Action</th>
              <th scope="col">Actor</th>
              <th scope="col">Target</th>
              <th scope="col">Change</th>
              <th scope="col">IP</th>
            </tr>
          </thead>
          <tbody>
            {events.data.items.map((ev) => (
              <tr key={ev.id}>
                <td>{formatDateTime(ev.created_at)}</td>
                <td data-testid="audit-action">
                  <code>{ev.action}</code>
                </td>
                <td data-testid="audit-actor">
                  {ev.actor_id ? (
                    <button
                      type="button"
                      className="link"
                      title={`Filter by this actor (${ev.actor_id})`}
                      onClick={() => setDraft((d) => ({ ...d, actor: ev.actor_id ?? "" }))}
                    >
                      {ev.actor_type === "api_key" && !directory.data?.[ev.actor_id] ? "API key " : ""}
                      {nameOf(ev.actor_id)}
                    </button>
                  ) : (
                    "—"
                  )}
                </td>
                <td title={ev.target_id ?? undefined}>
                  {ev.target_type ? `${ev.target_type.replace("_", " ")}: ${nameOf(ev.target_id)}` : "—"}
                </td>
                <td>{describeDiff(ev.diff)}</td>
                <td>{ev.ip ?? "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <Pager pager={pager} nextCursor={events.data.next_cursor} label="Audit events" />
      </>
    );

  return (
    <>
      <h1>Audit log</h1>
      <form className="toolbar filters" onSubmit={apply} noValidate aria-label="Audit filters">
        <TextField
          label="Action"
          value={draft.action}
          onValue={set("action")}
          error={errors.action}
          list="audit-actions"
          placeholder="e.g. user.* or api_key.created"
        />
        <datalist id="audit-actions">
          {[...AUDIT_FAMILIES, ...AUDIT_ACTIONS].map((a) => (
            <option key={a} value={a} />
          ))}
        </datalist>
        <TextField label="Actor id" value={draft.actor} onValue={set("actor")} error={errors.actor} placeholder="user or API key id" />
        <TextField label="From" type="datetime-local" value={draft.from} onValue={set("from")} error={errors.from} />
        <TextField label="To" type="datetime-local" value={draft.to} onValue={set("to")} error={errors.to} />
        <div className="toolbar-buttons">
          <button type="submit" className="primary">
            Apply filters
          </button>
          <button type="button" onClick={clear}>
            Clear
          </button>
        </div>
      </form>
      {Object.keys(errors).length > 0 && <FormAlert message="Please correct the highlighted filters." />}
      {body}
    </>
  );
}
