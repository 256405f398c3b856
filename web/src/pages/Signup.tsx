import { Anchor, Stack, Text } from "@mantine/core";
import { useState } from "react";
import { Link } from "react-router";
import { api, unwrap } from "../api/client";
import { REFRESH_DELIVERY } from "../api/session";
import type { SignupRequest } from "../api/types";
import { useAuth } from "../auth/AuthContext";
import { SubmitButton, TextField } from "../components/Field";
import { FormMessage } from "../components/FormMessage";
import { NewPasswordField } from "../components/PasswordStrength";
import { PublicShell } from "../components/PublicShell";
import { strengthFloor } from "../lib/passwordStrength";
import { useForm } from "../lib/useForm";
import { slugify, validateSignup } from "../lib/validation";

/** The words the server counts as guessed for the owner's password. */
function signupWords(v: SignupRequest): string[] {
  return [v.owner_email.trim(), v.owner_name.trim(), v.slug.trim(), v.name.trim()];
}

export function SignupPage() {
  const { signIn } = useAuth();
  const [slugTouched, setSlugTouched] = useState(false);

  const floor = strengthFloor<SignupRequest>("owner_password", signupWords);
  const form = useForm<SignupRequest>(
    { name: "", slug: "", owner_name: "", owner_email: "", owner_password: "" },
    (v) => {
      return floor.validate(v, validateSignup(v));
    },
    async (v) => {
      // The same floor as the server, also when the estimator was still loading.
      await floor.beforeSubmit(v);
      // A taken slug is a 409 naming "slug": useForm shows it there and focuses it.
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
  const { set } = form;

  return (
    <PublicShell title="Sign up your organization">
      <form ref={form.ref} onSubmit={form.onSubmit} noValidate aria-label="Sign up">
        <Stack gap="sm">
          <TextField
            label="Organization name"
            {...form.field("name")}
            onValue={(v) => {
              set("name", v);
              if (!slugTouched) set("slug", slugify(v));
            }}
            autoComplete="organization"
          />
          <TextField
            label="Organization slug"
            hint="3–40 lowercase letters, digits or hyphens. You log in with it; it cannot change."
            {...form.field("slug")}
            onValue={(v) => {
              setSlugTouched(true);
              set("slug", v);
            }}
            autoCapitalize="none"
          />
          <TextField label="Your name" {...form.field("owner_name")} autoComplete="name" />
          <TextField label="Email" type="email" {...form.field("owner_email")} autoComplete="email" />
          <NewPasswordField label="Password" field={form.field("owner_password")} userInputs={signupWords(form.values)} />
          <FormMessage message={form.message} />
          <SubmitButton submitting={form.submitting} busyLabel="Creating…" fullWidth>
            Create organization
          </SubmitButton>
        </Stack>
      </form>
      <Text size="sm" mt="md">
        Already have an account?{" "}
        <Anchor component={Link} to="/login">
          Log in
        </Anchor>
      </Text>
    </PublicShell>
  );
}
