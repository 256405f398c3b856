import { Alert, Anchor, Stack } from "@mantine/core";
import { useState } from "react";
import { Link, useSearchParams } from "react-router";
import { api, unwrap } from "../api/client";
import { ApiError } from "../api/problem";
import type { PasswordResetConfirm } from "../api/types";
import { useAuth } from "../auth/AuthContext";
import { SubmitButton, TextField } from "../components/Field";
import { FormMessage } from "../components/FormMessage";
import { PasswordStrength } from "../components/PasswordStrength";
import { PublicShell } from "../components/PublicShell";
import { checkPasswordStrength, clientFieldError, loadedEstimator, weakPasswordError } from "../lib/passwordStrength";
import { useForm } from "../lib/useForm";
import { PASSWORD_MIN, validateConfirmation, validatePasswordResetConfirm, type FormErrors } from "../lib/validation";

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
      const errors: FormErrors<ResetForm> = { ...validatePasswordResetConfirm(v), ...(confirm ? { confirm } : {}) };
      const weak = errors.new_password ? null : weakPasswordError(loadedEstimator(), v.new_password, []);
      return weak ? { ...errors, new_password: weak } : errors;
    },
    async ({ token: t, new_password }) => {
      const weak = await checkPasswordStrength(new_password, []);
      if (weak) throw clientFieldError("new_password", weak);
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

  if (!token) {
    return (
      <PublicShell title="Choose a new password">
        <Alert color="red" variant="light" role="alert" mb="md">
          This link has no reset token. Open the link from your email, or ask for a new one.
        </Alert>
        <Anchor component={Link} to="/forgot-password">
          Ask for a reset link
        </Anchor>
      </PublicShell>
    );
  }
  if (done) {
    return (
      <PublicShell title="Password changed">
        <Alert color="green" variant="light" role="status" mb="md">
          Your password has been changed and every session has been logged out.
        </Alert>
        <Anchor component={Link} to="/login">
          Log in with your new password
        </Anchor>
      </PublicShell>
    );
  }
  return (
    <PublicShell title="Choose a new password">
      <form ref={form.ref} onSubmit={form.onSubmit} noValidate aria-label="Choose a new password">
        <Stack gap="sm">
          <TextField
            label="New password"
            type="password"
            hint={`At least ${PASSWORD_MIN} characters; a few uncommon words make a good one.`}
            {...form.field("new_password")}
            autoComplete="new-password"
          />
          <PasswordStrength password={form.values.new_password} />
          <TextField label="Confirm new password" type="password" {...form.field("confirm")} autoComplete="new-password" />
          <FormMessage message={form.message} />
          <SubmitButton submitting={form.submitting} busyLabel="Saving…" fullWidth>
            Set new password
          </SubmitButton>
        </Stack>
      </form>
    </PublicShell>
  );
}
