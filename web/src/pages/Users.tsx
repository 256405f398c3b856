import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";
import { api, unwrap } from "../api/client";
import { describeError } from "../api/problem";
import { qk, useInvitationsPage, useUsersPage } from "../api/queries";
import type { CreateInvitationRequest, CreateUserRequest, Role } from "../api/types";
import { useSignedIn } from "../auth/useSignedIn";
import { ConfirmButton } from "../components/ConfirmButton";
import { SelectField, TextField } from "../components/Field";
import { Pager } from "../components/Pager";
import { EmptyState, ErrorState, FormAlert, Loading } from "../components/States";
import { formatDateTime } from "../lib/format";
import { useCursorPager } from "../lib/paging";
import { assignableRoles, canActOnUser, canInvite, canManageUsers, canReadUsers, ROLE_LABELS, type Caller } from "../lib/permissions";
import { useForm } from "../lib/useForm";
import { PASSWORD_MIN, validateCreateUser, validateInvitation } from "../lib/validation";

function roleOptions(actor: Caller) {
  return assignableRoles(actor).map((r) => ({ value: r, label: ROLE_LABELS[r] }));
}

function UserList() {
  const pager = useCursorPager();
  const users = useUsersPage(pager.cursor);
  if (users.isPending) return <Loading label="Loading users…" />;
  if (users.error) return <ErrorState error={users.error} onRetry={() => void users.refetch()} />;
  const page = users.data;
  if (page.items.length === 0) return <EmptyState>No users yet.</EmptyState>;
  return (
    <>
      <table>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Email</th>
            <th scope="col">Role</th>
            <th scope="col">Status</th>
            <th scope="col">Last login</th>
          </tr>
        </thead>
        <tbody>
          {page.items.map((u) => (
            <tr key={u.id} data-testid={`user-row-${u.email}`}>
              <td>
                <Link to={`/users/${u.id}`}>{u.name}</Link>
              </td>
              <td>{u.email}</td>
              <td data-testid="user-role">{ROLE_LABELS[u.role]}</td>
              <td>{u.is_active ? "Active" : "Deactivated"}{u.email_verified_at ? "" : " · unverified"}</td>
              <td>{formatDateTime(u.last_login_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pager pager={pager} nextCursor={page.next_cursor} label="Users" />
    </>
  );
}

function CreateUserForm({ actor }: { actor: Caller }) {
  const queryClient = useQueryClient();
  const [created, setCreated] = useState<string | null>(null);
  const form = useForm<CreateUserRequest>(
    { name: "", email: "", password: "", role: "viewer" },
    validateCreateUser,
    async (v) => {
      const user = await unwrap(
        api().POST("/v1/users", { body: { ...v, name: v.name.trim(), email: v.email.trim() } }),
      );
      setCreated(`Created ${user.name} (${user.email}).`);
      form.setValues({ name: "", email: "", password: "", role: v.role });
      await queryClient.invalidateQueries({ queryKey: qk.users });
      await queryClient.invalidateQueries({ queryKey: qk.counts("users") });
    },
  );
  const { values, errors, set } = form;
  return (
    <form onSubmit={form.onSubmit} noValidate aria-labelledby="create-user-heading" className="panel">
      <h2 id="create-user-heading">Create a user</h2>
      <TextField label="Name" value={values.name} onValue={(v) => set("name", v)} error={errors.name} />
      <TextField label="Email" type="email" value={values.email} onValue={(v) => set("email", v)} error={errors.email} />
      <TextField
        label="Initial password"
        type="password"
        hint={`At least ${PASSWORD_MIN} characters. Share it securely; they can reset it.`}
        value={values.password}
        onValue={(v) => set("password", v)}
        error={errors.password}
        autoComplete="new-password"
      />
      <SelectField<Role> label="Role" value={values.role} onValue={(v) => set("role", v)} options={roleOptions(actor)} error={errors.role} />
      <FormAlert message={form.formError} />
      {created && <p role="status">{created}</p>}
      <button type="submit" disabled={form.submitting}>
        {form.submitting ? "Creating…" : "Create user"}
      </button>
    </form>
  );
}

function InviteForm({ actor }: { actor: Caller }) {
  const queryClient = useQueryClient();
  const [sent, setSent] = useState<string | null>(null);
  const form = useForm<CreateInvitationRequest>({ email: "", role: "viewer" }, validateInvitation, async (v) => {
    const inv = await unwrap(api().POST("/v1/invitations", { body: { email: v.email.trim(), role: v.role } }));
    setSent(`Invitation sent to ${inv.email}.`);
    form.setValues({ email: "", role: v.role });
    await queryClient.invalidateQueries({ queryKey: qk.invitations });
    await queryClient.invalidateQueries({ queryKey: qk.counts("invitations") });
  });
  const { values, errors, set } = form;
  return (
    <form onSubmit={form.onSubmit} noValidate aria-labelledby="invite-heading" className="panel">
      <h2 id="invite-heading">Invite by email</h2>
      <TextField label="Invitee email" type="email" value={values.email} onValue={(v) => set("email", v)} error={errors.email} />
      <SelectField<Role> label="Invitee role" value={values.role} onValue={(v) => set("role", v)} options={roleOptions(actor)} error={errors.role} />
      <FormAlert message={form.formError} />
      {sent && <p role="status">{sent}</p>}
      <button type="submit" disabled={form.submitting}>
        {form.submitting ? "Sending…" : "Send invitation"}
      </button>
    </form>
  );
}

function Invitations({ actor }: { actor: Caller }) {
  const pager = useCursorPager();
  const invitations = useInvitationsPage(pager.cursor);
  const queryClient = useQueryClient();
  const revoke = useMutation({
    mutationFn: (id: string) => unwrap(api().DELETE("/v1/invitations/{id}", { params: { path: { id } } })),
    onSettled: async () => {
      await queryClient.invalidateQueries({ queryKey: qk.invitations });
      await queryClient.invalidateQueries({ queryKey: qk.counts("invitations") });
    },
  });

  let body;
  if (invitations.isPending) body = <Loading label="Loading invitations…" />;
  else if (invitations.error) body = <ErrorState error={invitations.error} onRetry={() => void invitations.refetch()} />;
  else if (invitations.data.items.length === 0) body = <EmptyState>No invitations.</EmptyState>;
  else
    body = (
      <>
        <table>
          <thead>
            <tr>
              <th scope="col">Email</th>
              <th scope="col">Role</th>
              <th scope="col">Status</th>
              <th scope="col">Sent</th>
              <th scope="col">Expires</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {invitations.data.items.map((inv) => (
              <tr key={inv.id} data-testid={`invitation-row-${inv.email}`}>
                <td>{inv.email}</td>
                <td>{ROLE_LABELS[inv.role]}</td>
                <td data-testid="invitation-status">{inv.status}</td>
                <td>{formatDateTime(inv.created_at)}</td>
                <td>{formatDateTime(inv.expires_at)}</td>
                <td>
                  {inv.status === "pending" && canActOnUser(actor, inv.role) && (
                    <ConfirmButton
                      label="Revoke"
                      confirmLabel={`Confirm revoking ${inv.email}`}
                      busy={revoke.isPending && revoke.variables === inv.id}
                      onConfirm={() => revoke.mutate(inv.id)}
                    />
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <Pager pager={pager} nextCursor={invitations.data.next_cursor} label="Invitations" />
      </>
    );

  return (
    <section aria-labelledby="invitations-heading">
      <h2 id="invitations-heading">Invitations</h2>
      {revoke.isError && <FormAlert message={describeError(revoke.error)} />}
      {body}
    </section>
  );
}

export function UsersPage() {
  const me = useSignedIn();
  if (!canReadUsers(me)) {
    return (
      <>
        <h1>Users</h1>
        <p className="notice">Only owners and admins can see and manage the organization's users.</p>
      </>
    );
  }
  return (
    <>
      <h1>Users</h1>
      <UserList />
      {canManageUsers(me) && (
        <div className="columns" data-testid="user-management">
          <CreateUserForm actor={me} />
          {canInvite(me) && <InviteForm actor={me} />}
        </div>
      )}
      <Invitations actor={me} />
    </>
  );
}
