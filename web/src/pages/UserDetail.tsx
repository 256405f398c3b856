import { Anchor, Code, Group, Stack, Title } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { api, unwrap } from "../api/client";
import { ApiError, describeError } from "../api/problem";
import { qk, useUser } from "../api/queries";
import type { Role, UpdateUserRequest, UserView } from "../api/types";
import { useSignedIn } from "../auth/useSignedIn";
import { ConfirmButton } from "../components/ConfirmButton";
import { Facts } from "../components/Facts";
import { SelectField, SubmitButton, TextField } from "../components/Field";
import { FormMessage, type FormMessageValue } from "../components/FormMessage";
import { Panel } from "../components/Panel";
import { Notice, QueryView } from "../components/States";
import { formatDateTime } from "../lib/format";
import { assignableRoles, canActOnUser, ROLE_LABELS } from "../lib/permissions";
import { usePageTitle } from "../lib/usePageTitle";
import { validateName } from "../lib/validation";

function UserActions({ user }: { user: UserView }) {
  const me = useSignedIn();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [role, setRole] = useState<Role>(user.role);
  const [name, setName] = useState(user.name);
  const [nameError, setNameError] = useState<string | null>(null);
  // One message area for every action of this panel: the latest outcome.
  const [message, setMessage] = useState<FormMessageValue>(null);
  const messageRef = useRef<HTMLDivElement>(null);
  const [focusMessage, setFocusMessage] = useState(0);
  const isSelf = user.id === me.user.id;
  const allowed = canActOnUser(me, user.role);

  // The dropdown shows the user's actual role: after a change, a failed
  // change, or a refetch that brought news.
  useEffect(() => setRole(user.role), [user.role]);
  // After an action whose button went away (Deactivate ↔ Reactivate) or that
  // failed, focus the message that says what happened.
  useEffect(() => {
    if (focusMessage > 0) messageRef.current?.focus();
  }, [focusMessage]);

  const report = (m: FormMessageValue, focus = true) => {
    setMessage(m);
    if (focus) setFocusMessage((n) => n + 1);
  };

  const refresh = async () => {
    await queryClient.invalidateQueries({ queryKey: qk.users });
    if (isSelf) await queryClient.invalidateQueries({ queryKey: qk.me });
  };
  const update = useMutation({
    mutationFn: (body: UpdateUserRequest) => unwrap(api().PATCH("/v1/users/{id}", { params: { path: { id: user.id } }, body })),
    onMutate: () => setMessage(null),
    onSuccess: (updated) => {
      queryClient.setQueryData(qk.user(user.id), updated);
      setRole(updated.role);
      setName(updated.name);
    },
    onError: (err) => {
      // Whatever was rejected, show what is true again.
      setRole(user.role);
      if (err instanceof ApiError && err.fieldErrors.name) setNameError(err.fieldErrors.name);
      report({ kind: "error", text: describeError(err) });
    },
    onSettled: refresh,
  });
  const remove = useMutation({
    mutationFn: () => unwrap(api().DELETE("/v1/users/{id}", { params: { path: { id: user.id } } })),
    onMutate: () => setMessage(null),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: qk.counts("users") });
      await refresh();
      navigate("/users", { replace: true });
    },
    onError: (err) => report({ kind: "error", text: describeError(err) }),
  });

  if (!allowed) {
    return <Notice>{user.role === "owner" ? "Only owners can change or remove an owner." : "Your role cannot change users."}</Notice>;
  }

  return (
    <Panel title="Manage">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          const err = validateName(name);
          setNameError(err);
          if (err) {
            (e.currentTarget.elements.namedItem("name") as HTMLElement | null)?.focus();
            return;
          }
          update.mutate({ name: name.trim() }, { onSuccess: () => report({ kind: "success", text: "Name saved." }, false) });
        }}
        noValidate
      >
        <Group align="flex-start" gap="sm">
          <TextField label="Name" name="name" value={name} onValue={setName} error={nameError} style={{ flex: "1 1 16rem" }} />
          <SubmitButton submitting={update.isPending} disabled={name.trim() === user.name} variant="default" mt={25}>
            Save name
          </SubmitButton>
        </Group>
      </form>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          update.mutate({ role }, { onSuccess: (u) => report({ kind: "success", text: `Role changed to ${ROLE_LABELS[u.role]}.` }, false) });
        }}
      >
        <Group align="flex-end" gap="sm">
          <SelectField<Role>
            label="Role"
            name="role"
            value={role}
            onValue={setRole}
            options={assignableRoles(me).map((r) => ({ value: r, label: ROLE_LABELS[r] }))}
            style={{ flex: "1 1 16rem" }}
          />
          <SubmitButton submitting={update.isPending} disabled={role === user.role} variant="default">
            Change role
          </SubmitButton>
        </Group>
      </form>
      {isSelf ? (
        <Notice>You cannot deactivate or remove yourself here.</Notice>
      ) : (
        <Group gap="sm">
          {user.is_active ? (
            <ConfirmButton
              label="Deactivate"
              size="sm"
              busy={update.isPending}
              onConfirm={() =>
                update.mutate({ is_active: false }, { onSuccess: () => report({ kind: "success", text: "User deactivated; their sessions ended." }) })
              }
            />
          ) : (
            <SubmitButton
              type="button"
              variant="default"
              size="sm"
              submitting={update.isPending}
              onClick={() => {
                if (!update.isPending) update.mutate({ is_active: true }, { onSuccess: () => report({ kind: "success", text: "User reactivated." }) });
              }}
            >
              Reactivate
            </SubmitButton>
          )}
          <ConfirmButton label="Remove" size="sm" confirmLabel="Confirm removal" busy={remove.isPending} onConfirm={() => remove.mutate()} />
        </Group>
      )}
      <FormMessage ref={messageRef} message={message} />
    </Panel>
  );
}

export function UserDetailPage() {
  const { id = "" } = useParams();
  const user = useUser(id);
  const notFound = user.error instanceof ApiError && user.error.isNotFound;
  usePageTitle(notFound ? "Page not found" : (user.data?.name ?? "User"));
  return (
    <Stack gap="md">
      <Anchor component={Link} to="/users">
        ← Users
      </Anchor>
      <QueryView query={user} loadingLabel="Loading user…">
        {(u) => (
          <>
            <Title order={1}>{u.name}</Title>
            <Facts
              items={[
                { label: "Email", value: u.email },
                { label: "Role", value: ROLE_LABELS[u.role], testId: "user-role" },
                { label: "Status", value: u.is_active ? "Active" : "Deactivated", testId: "user-status" },
                { label: "Email verified", value: u.email_verified_at ? formatDateTime(u.email_verified_at) : "Not yet" },
                { label: "Last login", value: formatDateTime(u.last_login_at) },
                { label: "Created", value: formatDateTime(u.created_at) },
                { label: "Id", value: <Code>{u.id}</Code> },
              ]}
            />
            <UserActions key={u.id} user={u} />
          </>
        )}
      </QueryView>
    </Stack>
  );
}
