import { Alert, Anchor, Button, Group, Stack, Text } from "@mantine/core";
import { Link, useNavigate, useSearchParams } from "react-router";
import { api, unwrap } from "../api/client";
import { ApiError } from "../api/problem";
import { useMe } from "../api/queries";
import { REFRESH_DELIVERY } from "../api/session";
import type { AcceptInvitationRequest } from "../api/types";
import { useAuth } from "../auth/AuthContext";
import { SubmitButton, TextField } from "../components/Field";
import { FormMessage } from "../components/FormMessage";
import { PublicShell } from "../components/PublicShell";
import { RestoringSession } from "../components/RequireAuth";
import { useForm } from "../lib/useForm";
import { PASSWORD_MIN, validateAcceptInvitation, validateConfirmation } from "../lib/validation";

/** The request plus the UI-only "confirm password" field. */
type AcceptForm = AcceptInvitationRequest & { confirm: string };

export function AcceptInvitationPage() {
  const [params] = useSearchParams();
  const token = params.get("token") ?? "";
  const { status, signIn, signOut } = useAuth();
  const navigate = useNavigate();
  const me = useMe(status === "authenticated");
  const form = useForm<AcceptForm>(
    { token, name: "", password: "", confirm: "" },
    (v) => {
      const confirm = validateConfirmation(v.password, v.confirm);
      return { ...validateAcceptInvitation(v), ...(confirm ? { confirm } : {}) };
    },
    async ({ confirm: _confirm, ...v }) => {
      try {
        const res = await unwrap(api().POST("/v1/invitations/accept", { body: { ...v, name: v.name.trim(), refresh_delivery: REFRESH_DELIVERY } }));
        signIn(res);
        navigate("/", { replace: true });
      } catch (err) {
        if (err instanceof ApiError && err.status === 404) {
          throw new Error("This invitation link is invalid, expired, revoked or already used. Ask for a new invitation.");
        }
        throw err;
      }
    },
  );

  if (!token) {
    return (
      <PublicShell title="Accept invitation">
        <Alert color="red" variant="light" role="alert" mb="md">
          This link has no invitation token. Open the link from your invitation email.
        </Alert>
        <Anchor component={Link} to="/login">
          Go to log in
        </Anchor>
      </PublicShell>
    );
  }

  if (status === "starting") {
    return (
      <PublicShell title="Accept invitation">
        <RestoringSession />
      </PublicShell>
    );
  }

  // Accepting would replace the session this browser holds, in every tab:
  // the user logs out first, knowingly.
  if (status === "authenticated") {
    return (
      <PublicShell title="Accept invitation">
        <Alert color="yellow" variant="light" role="alert" data-testid="accept-signed-in" mb="md">
          You are logged in{me.data ? ` as ${me.data.user.email} (${me.data.tenant.name})` : ""}. Log out first to accept this
          invitation as its new user; this browser keeps one session for all its tabs.
        </Alert>
        <Group gap="md">
          <Button onClick={() => void signOut()}>Log out</Button>
          <Anchor component={Link} to="/">
            Back to the console
          </Anchor>
        </Group>
      </PublicShell>
    );
  }

  return (
    <PublicShell title="Accept invitation">
      <Text mb="md">Choose your name and a password to join the organization.</Text>
      <form ref={form.ref} onSubmit={form.onSubmit} noValidate aria-label="Accept invitation">
        <Stack gap="sm">
          <TextField label="Your name" {...form.field("name")} autoComplete="name" />
          <TextField
            label="Password"
            type="password"
            hint={`At least ${PASSWORD_MIN} characters.`}
            {...form.field("password")}
            autoComplete="new-password"
          />
          <TextField label="Confirm password" type="password" {...form.field("confirm")} autoComplete="new-password" />
          {form.errors.token && (
            <Text c="red" size="sm" role="alert">
              {form.errors.token}
            </Text>
          )}
          <FormMessage message={form.message} />
          <SubmitButton submitting={form.submitting} busyLabel="Joining…" fullWidth>
            Accept invitation
          </SubmitButton>
        </Stack>
      </form>
    </PublicShell>
  );
}
