import { useState } from "react";
import { Link } from "react-router";
import { api, unwrap } from "../api/client";
import { REFRESH_DELIVERY } from "../api/session";
import type { SignupRequest } from "../api/types";
import { useAuth } from "../auth/AuthContext";
import { TextField } from "../components/Field";
import { PublicShell } from "../components/PublicShell";
import { FormAlert } from "../components/States";
import { useForm } from "../lib/useForm";
import { PASSWORD_MIN, slugify, validateSignup } from "../lib/validation";

export function SignupPage() {
  const { signIn } = useAuth();
  const [slugTouched, setSlugTouched] = useState(false);

  const form = useForm<SignupRequest>(
    { name: "", slug: "", owner_name: "", owner_email: "", owner_password: "" },
    validateSignup,
    async (v) => {
      const res = await unwrap(
        api().POST("/v1/tenants", {
          body: {
            name: v.name.trim(),
            slug: v.slug.trim(),
            owner_name: v.owner_name.trim(),
            owner_email: v.owner_email.trim(),
            owner_password: v.owner_password,
            refresh_delivery: REFRESH_DELIVERY,
          },
        }),
      );
      signIn(res); // <AnonymousOnly> moves on to the dashboard
    },
  );
  const { values, errors, set } = form;

  return (
    <PublicShell title="Sign up your organization">
      <form onSubmit={form.onSubmit} noValidate>
        <TextField
          label="Organization name"
          value={values.name}
          onValue={(v) => {
            set("name", v);
            if (!slugTouched) set("slug", slugify(v));
          }}
          error={errors.name}
          autoComplete="organization"
        />
        <TextField
          label="Organization slug"
          hint="3–40 lowercase letters, digits or hyphens. You log in with it; it cannot change."
          value={values.slug}
          onValue={(v) => {
            setSlugTouched(true);
            set("slug", v);
          }}
          error={errors.slug}
          autoCapitalize="none"
        />
        <TextField
          label="Your name"
          value={values.owner_name}
          onValue={(v) => set("owner_name", v)}
          error={errors.owner_name}
          autoComplete="name"
        />
        <TextField
          label="Email"
          type="email"
          value={values.owner_email}
          onValue={(v) => set("owner_email", v)}
          error={errors.owner_email}
          autoComplete="email"
        />
        <TextField
          label="Password"
          type="password"
          hint={`At least ${PASSWORD_MIN} characters.`}
          value={values.owner_password}
          onValue={(v) => set("owner_password", v)}
          error={errors.owner_password}
          autoComplete="new-password"
        />
        <FormAlert message={form.formError} />
        <button type="submit" className="primary" disabled={form.submitting}>
          {form.submitting ? "Creating…" : "Create organization"}
        </button>
      </form>
      <p>
        Already have an account? <Link to="/login">Log in</Link>
      </p>
    </PublicShell>
  );
}
