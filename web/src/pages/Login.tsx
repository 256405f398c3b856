import { Link, useSearchParams } from "react-router";
import { api, unwrap } from "../api/client";
import { REFRESH_DELIVERY } from "../api/session";
import type { LoginRequest } from "../api/types";
import { useAuth } from "../auth/AuthContext";
import { TextField } from "../components/Field";
import { PublicShell } from "../components/PublicShell";
import { FormAlert } from "../components/States";
import { useForm } from "../lib/useForm";
import { validateLogin } from "../lib/validation";

export function LoginPage() {
  const { signIn, notice } = useAuth();
  const [params] = useSearchParams();

  const form = useForm<LoginRequest>(
    { tenant: params.get("tenant") ?? "", email: "", password: "" },
    validateLogin,
    async (v) => {
      const pair = await unwrap(
        api().POST("/v1/auth/login", {
          body: { tenant: v.tenant.trim(), email: v.email.trim(), password: v.password, refresh_delivery: REFRESH_DELIVERY },
        }),
      );
      // <AnonymousOnly> then moves on to `?next=` (or the dashboard).
      signIn(pair);
    },
  );
  const { values, errors, set } = form;

  return (
    <PublicShell title="Log in">
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      <form onSubmit={form.onSubmit} noValidate>
        <TextField
          label="Organization"
          hint="Your organization's slug, e.g. acme."
          value={values.tenant}
          onValue={(v) => set("tenant", v)}
          error={errors.tenant}
          autoComplete="organization"
          autoCapitalize="none"
        />
        <TextField
          label="Email"
          type="email"
          value={values.email}
          onValue={(v) => set("email", v)}
          error={errors.email}
          autoComplete="username"
        />
        <TextField
          label="Password"
          type="password"
          value={values.password}
          onValue={(v) => set("password", v)}
          error={errors.password}
          autoComplete="current-password"
        />
        <FormAlert message={form.formError} />
        <button type="submit" className="primary" disabled={form.submitting}>
          {form.submitting ? "Logging in…" : "Log in"}
        </button>
      </form>
      <p>
        <Link to="/forgot-password">Forgot your password?</Link>
      </p>
      <p>
        New to QHub? <Link to="/signup">Sign up your organization</Link>
      </p>
    </PublicShell>
  );
}
