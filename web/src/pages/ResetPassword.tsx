import { Alert, Anchor, Stack } from "@mantine/core";
import { useState } from "react";
import { Link, useSearchParams } from "react-router";
import { api, unwrap } from "../api/client";
import { ApiError } from "../api/problem";
import type { PasswordResetConfirm } from "../api/types";
import { useAuth } from "../auth/AuthContext";
import { SubmitButton, TextField } from "../components/Field";
import { FormMessage } from "../components/FormMessage";
import { NewPasswordField } from "../components/PasswordStrength";
import { PublicShell } from "../components/PublicShell";
import { strengthFloor } from "../lib/passwordStrength";
import { useForm } from "../lib/useForm";
import { validateConfirmation, validatePasswordResetConfirm, type FormErrors } from "../lib/validation";

type ResetForm = PasswordResetConfirm & { confirm: string };

export function ResetPasswordPage() {
  const [params] = useSearchParams();
  const token = params.get("token") ?? "";
  const { status, signOutLocally } = useAuth();
  const [done, setDone] = useState(false);

  // A reset link does not say whose account it is: no words to add.
  const floor = strengthFloor<ResetForm>("new_password", () => []);
  const form = useForm<ResetForm>(
    { token, new_password: "", confirm: "" },
    (v) => {
      const confirm = validateConfirmation(v.new_password, v.confirm);
      const errors: FormErrors<ResetForm> = { ...validatePasswordResetConfirm(v), ...(confirm ? { confirm } : {}) };
      return floor.validate(v, errors);
    },
    async (v) => {
      await floor.beforeSubmit(v);
      const { token: t, new_password } = v;
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
          <NewPasswordField label="New password" field={form.field("new_password")} />
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
