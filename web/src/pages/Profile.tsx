import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";
import { api, unwrap } from "../api/client";
import { describeError } from "../api/problem";
import { qk } from "../api/queries";
import { useSignedIn } from "../auth/useSignedIn";
import { TextField } from "../components/Field";
import { FormAlert } from "../components/States";
import { formatDateTime } from "../lib/format";
import { canActOnUser, ROLE_LABELS } from "../lib/permissions";
import { validateName } from "../lib/validation";

/**
 * The API has no self-service profile endpoint: GET /v1/auth/me reads, and
 * only owners/admins may PATCH /v1/users/{id} (their own name included).
 * Anyone can change their password through the reset mail.
 */
export function ProfilePage() {
  const me = useSignedIn();
  const queryClient = useQueryClient();
  const [name, setName] = useState(me.user.name);
  const [nameError, setNameError] = useState<string | null>(null);
  const canRename = canActOnUser(me.role, me.role);

  const rename = useMutation({
    mutationFn: (n: string) => unwrap(api().PATCH("/v1/users/{id}", { params: { path: { id: me.user.id } }, body: { name: n } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: qk.me }),
  });
  const reset = useMutation({
    mutationFn: () =>
      unwrap(api().POST("/v1/auth/password-reset", { body: { tenant: me.tenant.slug, email: me.user.email } })),
  });

  return (
    <>
      <h1>Your profile</h1>
      <dl className="facts">
        <dt>Name</dt>
        <dd data-testid="profile-name">{me.user.name}</dd>
        <dt>Email</dt>
        <dd>{me.user.email}</dd>
        <dt>Email verified</dt>
        <dd>{me.user.email_verified_at ? formatDateTime(me.user.email_verified_at) : "Not yet: use the link in your signup email."}</dd>
        <dt>Role</dt>
        <dd data-testid="profile-role">{ROLE_LABELS[me.role]}</dd>
        <dt>Organization</dt>
        <dd>
          {me.tenant.name} (<code>{me.tenant.slug}</code>)
        </dd>
        <dt>Last login</dt>
        <dd>{formatDateTime(me.user.last_login_at)}</dd>
      </dl>

      {canRename ? (
        <form
          className="panel"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            const err = validateName(name);
            setNameError(err);
            if (!err) rename.mutate(name.trim());
          }}
        >
          <h2>Change your name</h2>
          <TextField label="Your name" value={name} onValue={setName} error={nameError ?? undefined} autoComplete="name" />
          {rename.isError && <FormAlert message={describeError(rename.error)} />}
          {rename.isSuccess && <p role="status">Name saved.</p>}
          <button type="submit" disabled={rename.isPending || name.trim() === me.user.name}>
            Save name
          </button>
        </form>
      ) : (
        <p className="notice">Ask an owner or admin to change your name.</p>
      )}

      <section className="panel">
        <h2>Password</h2>
        <p>We email you a link to choose a new password. Changing it logs out every session.</p>
        {reset.isError && <FormAlert message={describeError(reset.error)} />}
        {reset.isSuccess ? (
          <p role="status">A reset link is on its way to {me.user.email}.</p>
        ) : (
          <button type="button" onClick={() => reset.mutate()} disabled={reset.isPending}>
            Email me a password-reset link
          </button>
        )}
      </section>
      <p>
        <Link to="/sessions">See where you are signed in</Link>
      </p>
    </>
  );
}
