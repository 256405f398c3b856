import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";
import { api, unwrap } from "../api/client";
import { qk } from "../api/queries";
import type { ChangePasswordRequest, UpdateMeRequest } from "../api/types";
import { useSignedIn } from "../auth/useSignedIn";
import { TextField } from "../components/Field";
import { FormAlert } from "../components/States";
import { formatDateTime } from "../lib/format";
import { ROLE_LABELS } from "../lib/permissions";
import { useForm } from "../lib/useForm";
import { PASSWORD_MIN, validateChangePassword, validateConfirmation, validateName } from "../lib/validation";

function NameForm({ current }: { current: string }) {
  const queryClient = useQueryClient();
  const [saved, setSaved] = useState(false);
  const form = useForm<UpdateMeRequest>(
    { name: current },
    (v) => {
      const name = validateName(v.name);
      return name ? { name } : {};
    },
    async (v) => {
      setSaved(false);
      const me = await unwrap(api().PATCH("/v1/auth/me", { body: { name: v.name.trim() } }));
      queryClient.setQueryData(qk.me, me);
      setSaved(true);
    },
  );
  return (
    <form className="panel" noValidate onSubmit={form.onSubmit} aria-labelledby="name-heading">
      <h2 id="name-heading">Display name</h2>
      <TextField
        label="Your name"
        value={form.values.name}
        onValue={(v) => {
          setSaved(false);
          form.set("name", v);
        }}
        error={form.errors.name}
        autoComplete="name"
      />
      <FormAlert message={form.formError} />
      {saved && <p role="status">Name saved.</p>}
      <button type="submit" disabled={form.submitting || form.values.name.trim() === current}>
        Save name
      </button>
    </form>
  );
}

type PasswordForm = ChangePasswordRequest & { confirm: string };

function PasswordChangeForm() {
  const [done, setDone] = useState(false);
  const queryClient = useQueryClient();
  const form = useForm<PasswordForm>(
    { current_password: "", new_password: "", confirm: "" },
    (v) => {
      const confirm = validateConfirmation(v.new_password, v.confirm);
      return { ...validateChangePassword(v), ...(confirm ? { confirm } : {}) };
    },
    async ({ current_password, new_password }) => {
      setDone(false);
      // A wrong current password is a 422 naming `current_password`,
      // which useForm shows next to that field.
      await unwrap(api().POST("/v1/auth/password", { body: { current_password, new_password } }));
      form.setValues({ current_password: "", new_password: "", confirm: "" });
      await queryClient.invalidateQueries({ queryKey: qk.sessions });
      setDone(true);
    },
  );
  const { values, errors, set } = form;
  return (
    <form className="panel" noValidate onSubmit={form.onSubmit} aria-labelledby="password-heading">
      <h2 id="password-heading">Change password</h2>
      <p className="muted">Your other sessions are logged out; this one stays.</p>
      <TextField
        label="Current password"
        type="password"
        value={values.current_password}
        onValue={(v) => set("current_password", v)}
        error={errors.current_password}
        autoComplete="current-password"
      />
      <TextField
        label="New password"
        type="password"
        hint={`At least ${PASSWORD_MIN} characters.`}
        value={values.new_password}
        onValue={(v) => set("new_password", v)}
        error={errors.new_password}
        autoComplete="new-password"
      />
      <TextField
        label="Confirm new password"
        type="password"
        value={values.confirm}
        onValue={(v) => set("confirm", v)}
        error={errors.confirm}
        autoComplete="new-password"
      />
      <FormAlert message={form.formError} />
      {done && <p role="status">Password changed. Your other sessions have been logged out.</p>}
      <button type="submit" disabled={form.submitting}>
        {form.submitting ? "Changing…" : "Change password"}
      </button>
    </form>
  );
}

export function ProfilePage() {
  const me = useSignedIn();
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
      <div className="columns">
        <NameForm key={me.user.id} current={me.user.name} />
        <PasswordChangeForm />
      </div>
      <p>
        Forgot your current password? <Link to="/forgot-password">Get a reset link by email</Link>. ·{" "}
        <Link to="/sessions">See where you are signed in</Link>
      </p>
    </>
  );
}
