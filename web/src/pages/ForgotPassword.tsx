import { useState } from "react";
import { Link } from "react-router";
import { api, unwrap } from "../api/client";
import type { PasswordResetRequest } from "../api/types";
import { TextField } from "../components/Field";
import { PublicShell } from "../components/PublicShell";
import { FormAlert } from "../components/States";
import { useForm } from "../lib/useForm";
import { validatePasswordResetRequest } from "../lib/validation";

export function ForgotPasswordPage() {
  const [sentTo, setSentTo] = useState<string | null>(null);
  const form = useForm<PasswordResetRequest>({ tenant: "", email: "" }, validatePasswordResetRequest, async (v) => {
    await unwrap(api().POST("/v1/auth/password-reset", { body: { tenant: v.tenant.trim(), email: v.email.trim() } }));
    setSentTo(v.email.trim());
  });
  const { values, errors, set } = form;

  if (sentTo) {
    return (
      <PublicShell title="Check your email">
        <p role="status">
          If <strong>{sentTo}</strong> has an account in that organization, a password-reset link is on its way. The link
          works once.
        </p>
        <Link to="/login">Back to log in</Link>
      </PublicShell>
    );
  }

  return (
    <PublicShell title="Reset your password">
      <p>We will email you a link to choose a new password.</p>
      <form onSubmit={form.onSubmit} noValidate>
        <TextField
          label="Organization"
          hint="Your organization's slug."
          value={values.tenant}
          onValue={(v) => set("tenant", v)}
          error={errors.tenant}
          autoCapitalize="none"
        />
        <TextField label="Email" type="email" value={values.email} onValue={(v) => set("email", v)} error={errors.email} autoComplete="email" />
        <FormAlert message={form.formError} />
        <button type="submit" className="primary" disabled={form.submitting}>
          {form.submitting ? "Sending…" : "Send reset link"}
        </button>
      </form>
      <p>
        <Link to="/login">Back to log in</Link>
      </p>
    </PublicShell>
  );
}
