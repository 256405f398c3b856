import { Alert, Anchor, Stack, Text } from "@mantine/core";
import { useState } from "react";
import { Link } from "react-router";
import { api, unwrap } from "../api/client";
import type { PasswordResetRequest } from "../api/types";
import { SubmitButton, TextField } from "../components/Field";
import { FormMessage } from "../components/FormMessage";
import { PublicShell } from "../components/PublicShell";
import { useForm } from "../lib/useForm";
import { validatePasswordResetRequest } from "../lib/validation";

export function ForgotPasswordPage() {
  const [sentTo, setSentTo] = useState<string | null>(null);
  const form = useForm<PasswordResetRequest>({ tenant: "", email: "" }, validatePasswordResetRequest, async (v) => {
    await unwrap(api().POST("/v1/auth/password-reset", { body: { tenant: v.tenant.trim(), email: v.email.trim() } }));
    setSentTo(v.email.trim());
  });

  if (sentTo) {
    return (
      <PublicShell title="Check your email">
        <Alert color="green" variant="light" role="status" mb="md">
          If <strong>{sentTo}</strong> has an account in that organization, a password-reset link is on its way. The link works
          once.
        </Alert>
        <Anchor component={Link} to="/login">
          Back to log in
        </Anchor>
      </PublicShell>
    );
  }

  return (
    <PublicShell title="Reset your password">
      <Text mb="md">We will email you a link to choose a new password.</Text>
      <form ref={form.ref} onSubmit={form.onSubmit} noValidate aria-label="Reset your password">
        <Stack gap="sm">
          <TextField label="Organization" hint="Your organization's slug." {...form.field("tenant")} autoCapitalize="none" />
          <TextField label="Email" type="email" {...form.field("email")} autoComplete="email" />
          <FormMessage message={form.message} />
          <SubmitButton submitting={form.submitting} busyLabel="Sending…" fullWidth>
            Send reset link
          </SubmitButton>
        </Stack>
      </form>
      <Anchor component={Link} to="/login" size="sm" mt="md" display="inline-block">
        Back to log in
      </Anchor>
    </PublicShell>
  );
}
