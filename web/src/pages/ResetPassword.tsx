import { useState } from "react";
import { Link, useSearchParams } from "react-router";
import { api, unwrap } from "../api/client";
import { ApiError } from "../api/problem";
import type { PasswordResetConfirm } from "../api/types";
import { useAuth } from "../auth/AuthContext";
import { TextField } from "../components/Field";
import { PublicShell } from "../components/PublicShell";
import { FormAlert } from "../components/States";
import { useForm } from "../lib/useForm";
import { PASSWORD_MIN, validateConfirmation, validatePasswordResetConfirm } from "../lib/validation";

type ResetForm = PasswordResetConfirm & { confirm: string };

export function ResetPasswordPage() {
  const [params] = useSearchParams();
  const token = params.get("token") ?? "";
  const { status, signOutLocally } = useAuth();
  const [done, setDone] = useState(false);

  const form = useForm<ResetForm>(
    { token, new_password: "", confirm: "" },
    (v) => {
      const confirm = validateConfirmation(v.new_password, v.confirm);
      return { ...validatePasswordResetConfirm(v), ...(confirm ? { confirm } : {}) };
    },
    async ({ token: t, new_password }) => {
      try {
        await unwrap(api().POST("/v1/auth/password-reset/confirm", { body: { token: t, new_password } }));
      } catch (err) {
        if (err instanceof ApiError && err.status === 404) {
          throw new Error("This reset link is invalid, expired or already used. Ask for a new one.");
        }
        throw err;
      }
      // The reset ended every session of the user, this tab's included.
      if (status === "authenticated") signOutLocally();
      setDone(true);
    },
  );
  const { values, errors, set } = form;

  if (!token) {
    return (
      <PublicShell title="Choose a new password">
        <p role="alert">This link has no reset token. Open the link from your email, or ask for a new one.</p>
        <Link to="/forgot-password">Ask for a reset link</Link>
      </PublicShell>
    );
  }
  if (done) {
    return (
      <PublicShell title="Password changed">
        <p role="status">Your password has been changed and every session has been logged out.</p>
        <Link to="/login">Log in with your new password</Link>
      </PublicShell>
    );
  }
  return (
    <PublicShell title="Choose a new password">
      <form onSubmit={form.onSubmit} noValidate>
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
        <button type="submit" className="primary" disabled={form.submitting}>
          {form.submitting ? "Saving…" : "Set new password"}
        </button>
      </form>
    </PublicShell>
  );
}
