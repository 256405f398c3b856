import { Alert, Anchor, Stack, Text } from "@mantine/core";
import { Link, useSearchParams } from "react-router";
import { api, unwrap } from "../api/client";
import { REFRESH_DELIVERY } from "../api/session";
import type { LoginRequest } from "../api/types";
import { useAuth } from "../auth/AuthContext";
import { SubmitButton, TextField } from "../components/Field";
import { FormMessage } from "../components/FormMessage";
import { PublicShell } from "../components/PublicShell";
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

  return (
    <PublicShell title="Log in">
      {notice && (
        <Alert color="blue" variant="light" role="status" mb="md">
          {notice}
        </Alert>
      )}
      <form ref={form.ref} onSubmit={form.onSubmit} noValidate aria-label="Log in">
        <Stack gap="sm">
          <TextField
            label="Organization"
            hint="Your organization's slug, e.g. acme."
            {...form.field("tenant")}
            autoComplete="organization"
            autoCapitalize="none"
          />
          <TextField label="Email" type="email" {...form.field("email")} autoComplete="username" />
          <TextField label="Password" type="password" {...form.field("password")} autoComplete="current-password" />
          <FormMessage message={form.message} />
          <SubmitButton submitting={form.submitting} busyLabel="Logging in…" fullWidth>
            Log in
          </SubmitButton>
        </Stack>
      </form>
      <Stack gap={4} mt="md">
        <Anchor component={Link} to="/forgot-password" size="sm">
          Forgot your password?
        </Anchor>
        <Text size="sm">
          New to QHub?{" "}
          <Anchor component={Link} to="/signup">
            Sign up your organization
          </Anchor>
        </Text>
      </Stack>
    </PublicShell>
  );
}
