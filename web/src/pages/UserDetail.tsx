import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { api, unwrap } from "../api/client";
import { describeError } from "../api/problem";
import { qk, useUser } from "../api/queries";
import type { Role, UpdateUserRequest, UserView } from "../api/types";
import { useSignedIn } from "../auth/useSignedIn";
import { ConfirmButton } from "../components/ConfirmButton";
import { SelectField, TextField } from "../components/Field";
import { FormAlert, QueryView } from "../components/States";
import { formatDateTime } from "../lib/format";
import { assignableRoles, canActOnUser, ROLE_LABELS } from "../lib/permissions";
import { validateName } from "../lib/validation";

function UserActions({ user }: { user: UserView }) {
  const me = useSignedIn();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [role, setRole] = useState<Role>(user.role);
  const [name, setName] = useState(user.name);
  const [nameError, setNameError] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const isSelf = user.id === me.user.id;
  const allowed = canActOnUser(me, user.role);

  const refresh = async () => {
    await queryClient.invalidateQueries({ queryKey: qk.users });
    if (isSelf) await queryClient.invalidateQueries({ queryKey: qk.me });
  };
  const update = useMutation({
    mutationFn: (body: UpdateUserRequest) =>
      unwrap(api().PATCH("/v1/users/{id}", { params: { path: { id: user.id } }, body })),
    onSuccess: (updated) => {
      queryClient.setQueryData(qk.user(user.id), updated);
      setRole(updated.role);
      setName(updated.name);
    },
    onSettled: refresh,
  });
  const remove = useMutation({
    mutationFn: () => unwrap(api().DELETE("/v1/users/{id}", { params: { path: { id: user.id } } })),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: qk.counts("users") });
      await refresh();
      navigate("/users", { replace: true });
    },
  });

  if (!allowed) {
    return (
      <p className="notice">
        {user.role === "owner" ? "Only owners can change or remove an owner." : "Your role cannot change users."}
      </p>
    );
  }
  const error = update.error ?? remove.error;

  return (
    <section className="panel" aria-labelledby="manage-heading">
      <h2 id="manage-heading">Manage</h2>
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          const err = validateName(name);
          setNameError(err);
          if (!err) update.mutate({ name: name.trim() }, { onSuccess: () => setMessage("Name saved.") });
        }}
        noValidate
      >
        <TextField label="Name" value={name} onValue={setName} error={nameError ?? undefined} />
        <button type="submit" disabled={update.isPending || name.trim() === user.name}>
          Save name
        </button>
      </form>
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          update.mutate({ role }, { onSuccess: (u) => setMessage(`Role changed to ${ROLE_LABELS[u.role]}.`) });
        }}
      >
        <SelectField<Role>
          label="Role"
          value={role}
          onValue={setRole}
          options={assignableRoles(me).map((r) => ({ value: r, label: ROLE_LABELS[r] }))}
        />
        <button type="submit" disabled={update.isPending || role === user.role}>
          Change role
        </button>
      </form>
      <div className="actions">
        {isSelf ? (
          <p className="hint">You cannot deactivate or remove yourself here.</p>
        ) : (
          <>
            {user.is_active ? (
              <ConfirmButton
                label="Deactivate"
                busy={update.isPending}
                onConfirm={() =>
                  update.mutate({ is_active: false }, { onSuccess: () => setMessage("User deactivated; their sessions ended.") })
                }
              />
            ) : (
              <button
                type="button"
                disabled={update.isPending}
                onClick={() => update.mutate({ is_active: true }, { onSuccess: () => setMessage("User reactivated.") })}
              >
                Reactivate
              </button>
            )}
            <ConfirmButton label="Remove" confirmLabel="Confirm removal" busy={remove.isPending} onConfirm={() => remove.mutate()} />
          </>
        )}
      </div>
      {message && !error && <p role="status">{message}</p>}
      {error && <FormAlert message={describeError(error)} />}
    </section>
  );
}

export function UserDetailPage() {
  const { id = "" } = useParams();
  const user = useUser(id);
  return (
    <>
      <p>
        <Link to="/users">← Users</Link>
      </p>
      <QueryView query={user} loadingLabel="Loading user…">
        {(u) => (
          <>
            <h1>{u.name}</h1>
            <dl className="facts">
              <dt>Email</dt>
              <dd>{u.email}</dd>
              <dt>Role</dt>
              <dd data-testid="user-role">{ROLE_LABELS[u.role]}</dd>
              <dt>Status</dt>
              <dd data-testid="user-status">{u.is_active ? "Active" : "Deactivated"}</dd>
              <dt>Email verified</dt>
              <dd>{u.email_verified_at ? formatDateTime(u.email_verified_at) : "Not yet"}</dd>
              <dt>Last login</dt>
              <dd>{formatDateTime(u.last_login_at)}</dd>
              <dt>Created</dt>
              <dd>{formatDateTime(u.created_at)}</dd>
              <dt>Id</dt>
              <dd>
                <code>{u.id}</code>
              </dd>
            </dl>
            <UserActions key={u.id} user={u} />
          </>
        )}
      </QueryView>
    </>
  );
}
