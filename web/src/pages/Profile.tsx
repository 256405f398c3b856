import { Anchor, Code, Group, Paper, SimpleGrid, Stack, Text, Title } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";
import { api, unwrap } from "../api/client";
import { resendVerification } from "../api/people";
import { ApiError, describeError } from "../api/problem";
import { qk } from "../api/queries";
import type { ChangePasswordRequest, UpdateMeRequest } from "../api/types";
import { useSignedIn } from "../auth/useSignedIn";
import { Facts } from "../components/Facts";
import { NotificationPreferencesPanel } from "../components/NotificationPreferences";
import { SubmitButton, TextField } from "../components/Field";
import { errorMessage, FormMessage, successMessage, type FormMessageValue } from "../components/FormMessage";
import { Panel } from "../components/Panel";
import { NewPasswordField } from "../components/PasswordStrength";
import { formatDateTime } from "../lib/format";
import { strengthFloor } from "../lib/passwordStrength";
import { ROLE_LABELS } from "../lib/permissions";
import { useForm } from "../lib/useForm";
import { usePageTitle } from "../lib/usePageTitle";
import { validateChangePassword, validateConfirmation, validateName, type FormErrors } from "../lib/validation";

function NameForm({ current }: { current: string }) {
  const queryClient = useQueryClient();
  const form = useForm<UpdateMeRequest>(
    { name: current },
    (v) => {
      const name = validateName(v.name);
      return name ? { name } : {};
    },
    async (v) => {
      const me = await unwrap(api().PATCH("/v1/auth/me", { body: { name: v.name.trim() } }));
      queryClient.setQueryData(qk.me, me);
      form.succeed("Name saved.");
    },
  );
  return (
    <Panel title="Display name" form={form}>
      <TextField label="Your name" {...form.field("name")} autoComplete="name" />
      <FormMessage message={form.message} />
      <Group>
        <SubmitButton variant="default" submitting={form.submitting} disabled={form.values.name.trim() === current}>
          Save name
        </SubmitButton>
      </Group>
    </Panel>
  );
}

type PasswordForm = ChangePasswordRequest & { confirm: string };

function PasswordChangeForm({ words }: { words: readonly string[] }) {
  const queryClient = useQueryClient();
  const floor = strengthFloor<PasswordForm>("new_password", () => words);
  const form = useForm<PasswordForm>(
    { current_password: "", new_password: "", confirm: "" },
    (v) => {
      const confirm = validateConfirmation(v.new_password, v.confirm);
      const errors: FormErrors<PasswordForm> = { ...validateChangePassword(v), ...(confirm ? { confirm } : {}) };
      return floor.validate(v, errors);
    },
    async (v) => {
      await floor.beforeSubmit(v);
      const { current_password, new_password } = v;
      // A wrong current password is a 422 naming `current_password`,
      // which useForm shows next to that field (and focuses).
      await unwrap(api().POST("/v1/auth/password", { body: { current_password, new_password } }));
      form.setValues({ current_password: "", new_password: "", confirm: "" });
      await queryClient.invalidateQueries({ queryKey: qk.sessions });
      form.succeed("Password changed. Your other sessions have been logged out.");
    },
  );
  return (
    <Panel title="Change password" form={form}>
      <Text c="dimmed" size="sm">
        Your other sessions are logged out; this one stays.
      </Text>
      <TextField label="Current password" type="password" {...form.field("current_password")} autoComplete="current-password" />
      <NewPasswordField label="New password" field={form.field("new_password")} userInputs={words} />
      <TextField label="Confirm new password" type="password" {...form.field("confirm")} autoComplete="new-password" />
      <FormMessage message={form.message} />
      <Group>
        <SubmitButton variant="default" submitting={form.submitting} busyLabel="Changing…">
          Change password
        </SubmitButton>
      </Group>
    </Panel>
  );
}

/** For an unverified address: send the verification mail again (at most 3 an hour). */
function ResendVerification({ email }: { email: string }) {
  const queryClient = useQueryClient();
  const [message, setMessage] = useState<FormMessageValue>(null);
  const resend = useMutation({
    mutationFn: resendVerification,
    onMutate: () => setMessage(null),
    onSuccess: () => setMessage(successMessage(`Verification email sent to ${email}. Open the link in it to verify your address.`)),
    onError: (err) => {
      if (err instanceof ApiError && err.status === 409) {
        setMessage(successMessage("Your email address is already verified."));
        void queryClient.invalidateQueries({ queryKey: qk.me });
        return;
      }
      setMessage(errorMessage(describeError(err)));
    },
  });
  return (
    <Paper withBorder radius="md" p="md" data-testid="verify-email">
      <Stack gap="xs" align="flex-start">
        <Text>Your email address is not verified yet. Lost the email?</Text>
        <SubmitButton
          type="button"
          variant="default"
          size="sm"
          submitting={resend.isPending}
          busyLabel="Sending…"
          onClick={() => {
            if (!resend.isPending) resend.mutate();
          }}
        >
          Resend verification email
        </SubmitButton>
        <FormMessage message={message} testId="verify-email-message" />
      </Stack>
    </Paper>
  );
}

export function ProfilePage() {
  usePageTitle("Your profile");
  const me = useSignedIn();
  return (
    <Stack gap="md">
      <Title order={1}>Your profile</Title>
      <Facts
        items={[
          { label: "Name", value: me.user.name, testId: "profile-name" },
          { label: "Email", value: me.user.email },
          {
            label: "Email verified",
            value: me.user.email_verified_at ? formatDateTime(me.user.email_verified_at) : "Not yet: use the link in your email.",
            testId: "profile-email-verified",
          },
          { label: "Role", value: ROLE_LABELS[me.role], testId: "profile-role" },
          {
            label: "Organization",
            value: (
              <>
                {me.tenant.name} (<Code>{me.tenant.slug}</Code>)
              </>
            ),
          },
          { label: "Last login", value: formatDateTime(me.user.last_login_at) },
        ]}
      />
      {!me.user.email_verified_at && <ResendVerification email={me.user.email} />}
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md">
        <NameForm key={me.user.id} current={me.user.name} />
        <PasswordChangeForm words={[me.user.email, me.user.name, me.tenant.slug, me.tenant.name]} />
      </SimpleGrid>
      <NotificationPreferencesPanel />
      <Text>
        Forgot your current password?{" "}
        <Anchor component={Link} to="/forgot-password">
          Get a reset link by email
        </Anchor>
        . ·{" "}
        <Anchor component={Link} to="/sessions">
          See where you are signed in
        </Anchor>
      </Text>
    </Stack>
  );
}
