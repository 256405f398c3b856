import { Anchor, Badge, SimpleGrid, Stack, Table, Title } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Link } from "react-router";
import { api, unwrap } from "../api/client";
import { qk, useInvitationsPage, useUsersPage } from "../api/queries";
import type { CreateInvitationRequest, CreateUserRequest, Role } from "../api/types";
import { useSignedIn } from "../auth/useSignedIn";
import { ConfirmButton } from "../components/ConfirmButton";
import { DataTable } from "../components/DataTable";
import { SelectField, SubmitButton, TextField } from "../components/Field";
import { errorMessage, FormMessage } from "../components/FormMessage";
import { Pager } from "../components/Pager";
import { Panel } from "../components/Panel";
import { EmptyState, ErrorState, Notice, TableSkeleton } from "../components/States";
import { describeError } from "../api/problem";
import { formatDateTime } from "../lib/format";
import { useCursorPager } from "../lib/paging";
import { assignableRoles, canActOnUser, canInvite, canManageUsers, canReadUsers, ROLE_LABELS, type Caller } from "../lib/permissions";
import { useForm } from "../lib/useForm";
import { usePageTitle } from "../lib/usePageTitle";
import { PASSWORD_MIN, validateCreateUser, validateInvitation } from "../lib/validation";

function roleOptions(actor: Caller) {
  return assignableRoles(actor).map((r) => ({ value: r, label: ROLE_LABELS[r] }));
}

function UserList() {
  const pager = useCursorPager();
  const users = useUsersPage(pager.cursor);
  if (users.isPending) return <TableSkeleton label="Loading users…" columns={5} />;
  if (users.error) return <ErrorState error={users.error} onRetry={() => void users.refetch()} />;
  const page = users.data;
  if (page.items.length === 0) return <EmptyState>No users yet.</EmptyState>;
  return (
    <>
      <DataTable label="Users" minWidth={720}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">Name</Table.Th>
            <Table.Th scope="col">Email</Table.Th>
            <Table.Th scope="col">Role</Table.Th>
            <Table.Th scope="col">Status</Table.Th>
            <Table.Th scope="col">Last login</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {page.items.map((u) => (
            <Table.Tr key={u.id} data-testid={`user-row-${u.email}`}>
              <Table.Td>
                <Anchor component={Link} to={`/users/${u.id}`}>
                  {u.name}
                </Anchor>
              </Table.Td>
              <Table.Td>{u.email}</Table.Td>
              <Table.Td data-testid="user-role">{ROLE_LABELS[u.role]}</Table.Td>
              <Table.Td>
                {u.is_active ? "Active" : "Deactivated"}
                {u.email_verified_at ? "" : " · unverified"}
              </Table.Td>
              <Table.Td>{formatDateTime(u.last_login_at)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </DataTable>
      <Pager pager={pager} nextCursor={page.next_cursor} label="Users" />
    </>
  );
}

function CreateUserForm({ actor }: { actor: Caller }) {
  const queryClient = useQueryClient();
  const form = useForm<CreateUserRequest>(
    { name: "", email: "", password: "", role: "viewer" },
    validateCreateUser,
    async (v) => {
      const user = await unwrap(api().POST("/v1/users", { body: { ...v, name: v.name.trim(), email: v.email.trim() } }));
      form.setValues({ name: "", email: "", password: "", role: v.role });
      form.succeed(`Created ${user.name} (${user.email}).`);
      await queryClient.invalidateQueries({ queryKey: qk.users });
      await queryClient.invalidateQueries({ queryKey: qk.counts("users") });
    },
  );
  return (
    <Panel title="Create a user" form={form}>
      <TextField label="Name" {...form.field("name")} />
      <TextField label="Email" type="email" {...form.field("email")} />
      <TextField
        label="Initial password"
        type="password"
        hint={`At least ${PASSWORD_MIN} characters. Share it securely; they can reset it.`}
        {...form.field("password")}
        autoComplete="new-password"
      />
      <SelectField<Role> label="Role" {...form.field("role")} options={roleOptions(actor)} />
      <FormMessage message={form.message} />
      <SubmitButton submitting={form.submitting} busyLabel="Creating…">
        Create user
      </SubmitButton>
    </Panel>
  );
}

function InviteForm({ actor }: { actor: Caller }) {
  const queryClient = useQueryClient();
  const form = useForm<CreateInvitationRequest>({ email: "", role: "viewer" }, validateInvitation, async (v) => {
    const inv = await unwrap(api().POST("/v1/invitations", { body: { email: v.email.trim(), role: v.role } }));
    form.setValues({ email: "", role: v.role });
    form.succeed(`Invitation sent to ${inv.email}.`);
    await queryClient.invalidateQueries({ queryKey: qk.invitations });
    await queryClient.invalidateQueries({ queryKey: qk.counts("invitations") });
  });
  return (
    <Panel title="Invite by email" form={form}>
      <TextField label="Invitee email" type="email" {...form.field("email")} />
      <SelectField<Role> label="Invitee role" {...form.field("role")} options={roleOptions(actor)} />
      <FormMessage message={form.message} />
      <SubmitButton submitting={form.submitting} busyLabel="Sending…">
        Send invitation
      </SubmitButton>
    </Panel>
  );
}

const STATUS_COLORS: Record<string, string> = { pending: "blue", accepted: "green", revoked: "gray", expired: "gray" };

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
  if (invitations.isPending) body = <TableSkeleton label="Loading invitations…" columns={6} />;
  else if (invitations.error) body = <ErrorState error={invitations.error} onRetry={() => void invitations.refetch()} />;
  else if (invitations.data.items.length === 0) body = <EmptyState>No invitations.</EmptyState>;
  else
    body = (
      <>
        <DataTable label="Invitations" minWidth={760}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Email</Table.Th>
              <Table.Th scope="col">Role</Table.Th>
              <Table.Th scope="col">Status</Table.Th>
              <Table.Th scope="col">Sent</Table.Th>
              <Table.Th scope="col">Expires</Table.Th>
              <Table.Th scope="col">
                <span className="visually-hidden">Actions</span>
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {invitations.data.items.map((inv) => (
              <Table.Tr key={inv.id} data-testid={`invitation-row-${inv.email}`}>
                <Table.Td>{inv.email}</Table.Td>
                <Table.Td>{ROLE_LABELS[inv.role]}</Table.Td>
                <Table.Td>
                  <Badge variant="dot" tt="none" color={STATUS_COLORS[inv.status] ?? "gray"} data-testid="invitation-status">
                    {inv.status}
                  </Badge>
                </Table.Td>
                <Table.Td>{formatDateTime(inv.created_at)}</Table.Td>
                <Table.Td>{formatDateTime(inv.expires_at)}</Table.Td>
                <Table.Td>
                  {inv.status === "pending" && canActOnUser(actor, inv.role) && (
                    <ConfirmButton
                      label="Revoke"
                      confirmLabel={`Confirm revoking ${inv.email}`}
                      busy={revoke.isPending && revoke.variables === inv.id}
                      onConfirm={() => revoke.mutate(inv.id)}
                    />
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </DataTable>
        <Pager pager={pager} nextCursor={invitations.data.next_cursor} label="Invitations" />
      </>
    );

  return (
    <Stack component="section" aria-labelledby="invitations-heading" gap="sm" mt="xl">
      <Title order={2} id="invitations-heading">
        Invitations
      </Title>
      <FormMessage message={revoke.isError ? errorMessage(describeError(revoke.error)) : null} />
      {body}
    </Stack>
  );
}

export function UsersPage() {
  usePageTitle("Users");
  const me = useSignedIn();
  if (!canReadUsers(me)) {
    return (
      <>
        <Title order={1}>Users</Title>
        <Notice>Only owners and admins can see and manage the organization's users.</Notice>
      </>
    );
  }
  return (
    <>
      <Title order={1} mb="md">
        Users
      </Title>
      <UserList />
      {canManageUsers(me) && (
        <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md" mt="xl" data-testid="user-management">
          <CreateUserForm actor={me} />
          {canInvite(me) && <InviteForm actor={me} />}
        </SimpleGrid>
      )}
      <Invitations actor={me} />
    </>
  );
}
