import { Anchor, Badge, Group, Paper, SimpleGrid, Stack, Table, TextInput, Title } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { Link, useLocation } from "react-router";
import { api, unwrap } from "../api/client";
import {
  invitationLink,
  resendInvitation,
  SEARCH_MAX,
  useInvitationList,
  useUserList,
  type InvitationFilters,
  type InvitationStatus,
  type UserFilters,
  type UserStatus,
} from "../api/people";
import { qk } from "../api/queries";
import { roleValues, type CreateInvitationRequest, type CreateUserRequest, type InvitationView, type Role } from "../api/types";
import { useSignedIn } from "../auth/useSignedIn";
import { ConfirmButton } from "../components/ConfirmButton";
import { DataTable } from "../components/DataTable";
import { SelectField, SubmitButton, TextField, type SelectOption } from "../components/Field";
import { errorMessage, FormMessage, successMessage, type FormMessageValue } from "../components/FormMessage";
import { Pager } from "../components/Pager";
import { Panel } from "../components/Panel";
import { EmptyState, ErrorState, Notice, TableSkeleton } from "../components/States";
import { NewPasswordField } from "../components/PasswordStrength";
import { strengthFloor } from "../lib/passwordStrength";
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

const ROLE_FILTERS: SelectOption<Role | "">[] = [
  { value: "", label: "All roles" },
  ...roleValues.map((r) => ({ value: r, label: ROLE_LABELS[r] })),
];
const USER_STATUS_FILTERS: SelectOption<UserStatus | "">[] = [
  { value: "", label: "Active and deactivated" },
  { value: "active", label: "Active" },
  { value: "inactive", label: "Deactivated" },
];
const INVITATION_STATUS_FILTERS: SelectOption<InvitationStatus | "">[] = [
  { value: "", label: "All" },
  { value: "pending", label: "Pending" },
  { value: "accepted", label: "Accepted" },
  { value: "expired", label: "Expired" },
];

/** Search text is sent after the person pauses typing for this long. */
export const SEARCH_DEBOUNCE_MS = 300;

/** A wrapping row of filters (one column on phones): no sideways scroll at 390 px. */
function FilterBar({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Group role="search" aria-label={label} gap="sm" align="flex-end" wrap="wrap">
      {children}
    </Group>
  );
}

const FILTER_STYLE = { flex: "1 1 12rem", minWidth: 0 } as const;
/** Short values (a role, a status badge) that must not break mid-word in a narrow column. */
const NOWRAP = { whiteSpace: "nowrap" } as const;

function UserList() {
  const pager = useCursorPager();
  const [filters, setFilters] = useState<UserFilters>({ q: "", role: "", status: "" });
  const [debouncedQ] = useDebouncedValue(filters.q, SEARCH_DEBOUNCE_MS);
  const applied = useMemo(() => ({ ...filters, q: debouncedQ }), [filters, debouncedQ]);
  const users = useUserList(applied, pager.cursor);
  // Another filter: back to the first page.
  const { reset } = pager;
  useEffect(() => reset(), [applied.q, applied.role, applied.status, reset]);
  const filtered = Boolean(applied.q.trim() || applied.role || applied.status);

  let body;
  if (users.isPending) body = <TableSkeleton label="Loading users…" columns={5} />;
  else if (users.error) body = <ErrorState error={users.error} onRetry={() => void users.refetch()} />;
  else if (users.data.items.length === 0)
    body = <EmptyState>{filtered ? "No users match these filters." : "No users yet."}</EmptyState>;
  else
    body = (
      <>
        <DataTable label="Users" minWidth={720} aria-busy={users.isPlaceholderData || undefined}>
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
            {users.data.items.map((u) => (
              <Table.Tr key={u.id} data-testid={`user-row-${u.email}`}>
                <Table.Td>
                  <Anchor component={Link} to={`/users/${u.id}`}>
                    {u.name}
                  </Anchor>
                </Table.Td>
                <Table.Td>{u.email}</Table.Td>
                <Table.Td data-testid="user-role" style={NOWRAP}>
                  {ROLE_LABELS[u.role]}
                </Table.Td>
                <Table.Td>
                  {u.is_active ? "Active" : "Deactivated"}
                  {u.email_verified_at ? "" : " · unverified"}
                </Table.Td>
                <Table.Td>{formatDateTime(u.last_login_at)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </DataTable>
        <Pager pager={pager} nextCursor={users.data.next_cursor} label="Users" />
      </>
    );

  return (
    <Stack gap="sm">
      <FilterBar label="Filter users">
        <TextField
          label="Search users"
          type="search"
          name="q"
          placeholder="Name or email"
          value={filters.q}
          onValue={(q) => setFilters((f) => ({ ...f, q }))}
          maxLength={SEARCH_MAX}
          style={FILTER_STYLE}
        />
        <SelectField<Role | "">
          label="Filter by role"
          name="role"
          value={filters.role}
          onValue={(role) => setFilters((f) => ({ ...f, role }))}
          options={ROLE_FILTERS}
          style={FILTER_STYLE}
        />
        <SelectField<UserStatus | "">
          label="Filter by status"
          name="status"
          value={filters.status}
          onValue={(status) => setFilters((f) => ({ ...f, status }))}
          options={USER_STATUS_FILTERS}
          style={FILTER_STYLE}
        />
      </FilterBar>
      {body}
    </Stack>
  );
}

function CreateUserForm({ actor }: { actor: Caller }) {
  const queryClient = useQueryClient();
  const me = useSignedIn();
  // The words the server counts as guessed for a new user (email, name),
  // plus the organization's, as on the other new-password forms.
  const words = (v: CreateUserRequest) => [v.email, v.name, me.tenant.slug, me.tenant.name];
  const floor = strengthFloor<CreateUserRequest>("password", words);
  const form = useForm<CreateUserRequest>(
    { name: "", email: "", password: "", role: "viewer" },
    (v) => {
      return floor.validate(v, validateCreateUser(v));
    },
    async (v) => {
      // The server's floor, also when the estimator was still loading.
      await floor.beforeSubmit(v);
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
      <NewPasswordField label="Initial password" field={form.field("password")} userInputs={words(form.values)} hint={`At least ${PASSWORD_MIN} characters. Share it securely; they can reset it.`} />
      <SelectField<Role> label="Role" {...form.field("role")} options={roleOptions(actor)} />
      <FormMessage message={form.message} />
      <SubmitButton submitting={form.submitting} busyLabel="Creating…">
        Create user
      </SubmitButton>
    </Panel>
  );
}

const INVITE_EMAIL_ID = "invite-email";

function InviteForm({ actor }: { actor: Caller }) {
  const queryClient = useQueryClient();
  const { hash } = useLocation();
  // /users#invite (the dashboard's checklist links there): straight to the form.
  useEffect(() => {
    if (hash !== "#invite") return;
    const input = document.getElementById(INVITE_EMAIL_ID);
    input?.scrollIntoView?.({ block: "center" });
    input?.focus();
  }, [hash]);
  const form = useForm<CreateInvitationRequest>({ email: "", role: "viewer" }, validateInvitation, async (v) => {
    const inv = await unwrap(api().POST("/v1/invitations", { body: { email: v.email.trim(), role: v.role } }));
    form.setValues({ email: "", role: v.role });
    form.succeed(`Invitation sent to ${inv.email}.`);
    await queryClient.invalidateQueries({ queryKey: qk.invitations });
    await queryClient.invalidateQueries({ queryKey: qk.counts("invitations") });
  });
  return (
    <Panel title="Invite by email" form={form}>
      <TextField id={INVITE_EMAIL_ID} label="Invitee email" type="email" {...form.field("email")} />
      <SelectField<Role> label="Invitee role" {...form.field("role")} options={roleOptions(actor)} />
      <FormMessage message={form.message} />
      <SubmitButton submitting={form.submitting} busyLabel="Sending…">
        Send invitation
      </SubmitButton>
    </Panel>
  );
}

const STATUS_COLORS: Record<string, string> = { pending: "blue", accepted: "green", revoked: "gray", expired: "gray" };

/** Puts `text` on the clipboard; false when the browser has no clipboard or refuses. */
export async function copyToClipboard(text: string): Promise<boolean> {
  try {
    if (!navigator.clipboard?.writeText) return false;
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

/** A link the clipboard would not take: shown for copying by hand. */
interface ShownLink {
  email: string;
  url: string;
  expiresAt: string;
}

function Invitations({ actor }: { actor: Caller }) {
  const pager = useCursorPager();
  const [filters, setFilters] = useState<InvitationFilters>({ q: "", status: "" });
  const [debouncedQ] = useDebouncedValue(filters.q, SEARCH_DEBOUNCE_MS);
  const applied = useMemo(() => ({ ...filters, q: debouncedQ }), [filters, debouncedQ]);
  const invitations = useInvitationList(applied, pager.cursor);
  const { reset } = pager;
  useEffect(() => reset(), [applied.q, applied.status, reset]);
  const filtered = Boolean(applied.q.trim() || applied.status);
  const queryClient = useQueryClient();
  // The section's one message area: the latest action's outcome.
  const [message, setMessage] = useState<FormMessageValue>(null);
  const [shownLink, setShownLink] = useState<ShownLink | null>(null);
  const linkRef = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (shownLink) linkRef.current?.select();
  }, [shownLink]);

  const refresh = async () => {
    await queryClient.invalidateQueries({ queryKey: qk.invitations });
    await queryClient.invalidateQueries({ queryKey: qk.counts("invitations") });
  };
  const starting = () => {
    setMessage(null);
    setShownLink(null);
  };
  const revoke = useMutation({
    mutationFn: (inv: InvitationView) => unwrap(api().DELETE("/v1/invitations/{id}", { params: { path: { id: inv.id } } })),
    onMutate: starting,
    onSuccess: (_d, inv) => setMessage(successMessage(`Invitation to ${inv.email} revoked.`)),
    onError: (err) => setMessage(errorMessage(describeError(err))),
    onSettled: refresh,
  });
  const resend = useMutation({
    mutationFn: (inv: InvitationView) => resendInvitation(inv.id),
    onMutate: starting,
    onSuccess: (inv) => setMessage(successMessage(`Invitation re-sent to ${inv.email}.`)),
    onError: (err) => setMessage(errorMessage(describeError(err))),
    onSettled: refresh,
  });
  const link = useMutation({
    mutationFn: async (inv: InvitationView) => {
      const l = await invitationLink(inv.id);
      return { ...l, copied: await copyToClipboard(l.url) };
    },
    onMutate: starting,
    onSuccess: (l, inv) => {
      if (l.copied) {
        setMessage(successMessage(`Invitation link for ${inv.email} copied. Whoever has it can join as ${inv.email}: share it privately.`));
      } else {
        setShownLink({ email: inv.email, url: l.url, expiresAt: l.expires_at });
      }
    },
    onError: (err) => {
      setMessage(errorMessage(describeError(err)));
      void refresh(); // it may have been accepted or expired meanwhile
    },
  });
  const busyWith = (m: { isPending: boolean; variables?: InvitationView }, inv: InvitationView) =>
    m.isPending && m.variables?.id === inv.id;

  let body;
  if (invitations.isPending) body = <TableSkeleton label="Loading invitations…" columns={6} />;
  else if (invitations.error) body = <ErrorState error={invitations.error} onRetry={() => void invitations.refetch()} />;
  else if (invitations.data.items.length === 0)
    body = <EmptyState>{filtered ? "No invitations match these filters." : "No invitations."}</EmptyState>;
  else
    body = (
      <>
        <DataTable label="Invitations" minWidth={900} aria-busy={invitations.isPlaceholderData || undefined}>
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
            {invitations.data.items.map((inv) => {
              const mayAct = canActOnUser(actor, inv.role);
              return (
                <Table.Tr key={inv.id} data-testid={`invitation-row-${inv.email}`}>
                  <Table.Td>{inv.email}</Table.Td>
                  <Table.Td style={NOWRAP}>{ROLE_LABELS[inv.role]}</Table.Td>
                  <Table.Td style={NOWRAP}>
                    <Badge
                      variant="dot"
                      tt="none"
                      color={STATUS_COLORS[inv.status] ?? "gray"}
                      data-testid="invitation-status"
                      // Its label may shrink to "pendi…" otherwise (an overflow-hidden flex item).
                      style={{ minWidth: "max-content" }}
                    >
                      {inv.status}
                    </Badge>
                  </Table.Td>
                  <Table.Td>{formatDateTime(inv.created_at)}</Table.Td>
                  <Table.Td>{formatDateTime(inv.expires_at)}</Table.Td>
                  <Table.Td>
                    {mayAct && inv.status !== "accepted" && (
                      <Group gap="xs" wrap="wrap">
                        <SubmitButton
                          type="button"
                          variant="default"
                          size="xs"
                          submitting={busyWith(resend, inv)}
                          busyLabel="Sending…"
                          aria-label={`Resend to ${inv.email}`}
                          onClick={() => {
                            if (!resend.isPending) resend.mutate(inv);
                          }}
                        >
                          Resend
                        </SubmitButton>
                        {inv.status === "pending" && (
                          <SubmitButton
                            type="button"
                            variant="default"
                            size="xs"
                            submitting={busyWith(link, inv)}
                            busyLabel="Copying…"
                            aria-label={`Copy link for ${inv.email}`}
                            onClick={() => {
                              if (!link.isPending) link.mutate(inv);
                            }}
                          >
                            Copy link
                          </SubmitButton>
                        )}
                        {inv.status === "pending" && (
                          <ConfirmButton
                            label="Revoke"
                            confirmLabel={`Confirm revoking ${inv.email}`}
                            busy={busyWith(revoke, inv)}
                            onConfirm={() => revoke.mutate(inv)}
                          />
                        )}
                      </Group>
                    )}
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </DataTable>
        <Pager pager={pager} nextCursor={invitations.data.next_cursor} label="Invitations" />
      </>
    );

  return (
    <Stack component="section" aria-labelledby="invitations-heading" gap="sm" mt="xl" data-testid="invitations">
      <Title order={2} id="invitations-heading">
        Invitations
      </Title>
      <FilterBar label="Filter invitations">
        <TextField
          label="Search invitations"
          type="search"
          name="invitation-q"
          placeholder="Email"
          value={filters.q}
          onValue={(q) => setFilters((f) => ({ ...f, q }))}
          maxLength={SEARCH_MAX}
          style={FILTER_STYLE}
        />
        <SelectField<InvitationStatus | "">
          label="Filter by invitation status"
          name="invitation-status"
          value={filters.status}
          onValue={(status) => setFilters((f) => ({ ...f, status }))}
          options={INVITATION_STATUS_FILTERS}
          style={FILTER_STYLE}
        />
      </FilterBar>
      <FormMessage message={message} testId="invitations-message" />
      {shownLink && (
        <Paper withBorder radius="md" p="sm" data-testid="invitation-link">
          <TextInput
            ref={linkRef}
            readOnly
            label={`Invitation link for ${shownLink.email}`}
            description={`Copying did not work here: select the link and copy it. It works until ${formatDateTime(shownLink.expiresAt)}; whoever has it can join as ${shownLink.email}, so share it privately.`}
            value={shownLink.url}
            onFocus={(e) => e.currentTarget.select()}
          />
        </Paper>
      )}
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
