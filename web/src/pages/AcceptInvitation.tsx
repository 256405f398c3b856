import { Alert, Anchor, Button, Code, Group, Stack, Text, Title } from "@mantine/core";
import { Link, useNavigate, useSearchParams } from "react-router";
import { api, unwrap } from "../api/client";
import { useInvitationPreview, type InvitationPreview } from "../api/people";
import { ApiError, describeError } from "../api/problem";
import { useMe } from "../api/queries";
import { REFRESH_DELIVERY } from "../api/session";
import type { AcceptInvitationRequest } from "../api/types";
import { useAuth } from "../auth/AuthContext";
import { SubmitButton, TextField } from "../components/Field";
import { Facts } from "../components/Facts";
import { FormMessage } from "../components/FormMessage";
import { NewPasswordField } from "../components/PasswordStrength";
import { PublicShell } from "../components/PublicShell";
import { RestoringSession } from "../components/RequireAuth";
import { Loading } from "../components/States";
import { formatDateTime } from "../lib/format";
import { strengthFloor } from "../lib/passwordStrength";
import { ROLE_LABELS } from "../lib/permissions";
import { useForm } from "../lib/useForm";
import { validateAcceptInvitation, validateConfirmation, type FormErrors } from "../lib/validation";

/** The request plus the UI-only "confirm password" field. */
type AcceptForm = AcceptInvitationRequest & { confirm: string };

/** Shown instead of the form when the preview says the link is dead. */
export const DEAD_INVITATION =
  "This invitation link is invalid, expired, revoked or already used. Ask whoever invited you for a new invitation.";

/** Who invited whom to what, before the person chooses a name and password. */
export function InvitationPreviewFacts({ preview }: { preview: InvitationPreview }) {
  return (
    <Stack gap="xs" data-testid="invitation-preview">
      <Title order={2} size="h3">
        Join {preview.organization.name} as {ROLE_LABELS[preview.role]}
      </Title>
      {preview.invited_by && <Text>Invited by {preview.invited_by}.</Text>}
      <Text size="sm">Your login:</Text>
      <Facts
        items={[
          { label: "Organization slug", value: <Code>{preview.organization.slug}</Code>, testId: "invitation-slug" },
          { label: "Email", value: preview.email, testId: "invitation-email" },
          { label: "Invitation expires", value: formatDateTime(preview.expires_at) },
        ]}
      />
    </Stack>
  );
}

function AcceptForm({ token, preview }: { token: string; preview: InvitationPreview }) {
  const { signIn } = useAuth();
  const navigate = useNavigate();
  const words = (name: string) => [preview.email, name, preview.organization.slug, preview.organization.name];
  const floor = strengthFloor<AcceptForm>("password", (v) => words(v.name));
  const form = useForm<AcceptForm>(
    { token, name: "", password: "", confirm: "" },
    (v) => {
      const confirm = validateConfirmation(v.password, v.confirm);
      const errors: FormErrors<AcceptForm> = { ...validateAcceptInvitation(v), ...(confirm ? { confirm } : {}) };
      return floor.validate(v, errors);
    },
    async (all) => {
      await floor.beforeSubmit(all);
      const { confirm: _confirm, ...v } = all;
      try {
        const res = await unwrap(api().POST("/v1/invitations/accept", { body: { ...v, name: v.name.trim(), refresh_delivery: REFRESH_DELIVERY } }));
        signIn(res);
        navigate("/", { replace: true });
      } catch (err) {
        if (err instanceof ApiError && err.status === 404) throw new Error(DEAD_INVITATION);
        throw err;
      }
    },
  );
  return (
    <form ref={form.ref} onSubmit={form.onSubmit} noValidate aria-label="Accept invitation">
      <Stack gap="sm">
        <Text>Choose your name and a password to join.</Text>
        <TextField label="Your name" {...form.field("name")} autoComplete="name" />
        <NewPasswordField label="Password" field={form.field("password")} userInputs={words(form.values.name)} />
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
  );
}

export function AcceptInvitationPage() {
  const [params] = useSearchParams();
  const token = params.get("token") ?? "";
  const { status, signOut } = useAuth();
  const me = useMe(status === "authenticated");
  const preview = useInvitationPreview(token, status === "anonymous");

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

  if (preview.isPending) {
    return (
      <PublicShell title="Accept invitation">
        <Loading label="Checking the invitation…" lines={4} />
      </PublicShell>
    );
  }
  if (preview.error) {
    const dead = preview.error instanceof ApiError && (preview.error.status === 404 || preview.error.status === 422);
    return (
      <PublicShell title="Accept invitation">
        <Alert color="red" variant="light" role="alert" mb="md" data-testid="invitation-invalid">
          {dead ? DEAD_INVITATION : describeError(preview.error)}
        </Alert>
        <Group gap="md">
          {!dead && (
            <Button variant="default" onClick={() => void preview.refetch()}>
              Try again
            </Button>
          )}
          <Anchor component={Link} to="/login">
            Go to log in
          </Anchor>
        </Group>
      </PublicShell>
    );
  }

  return (
    <PublicShell title="Accept invitation">
      <Stack gap="lg">
        <InvitationPreviewFacts preview={preview.data} />
        <AcceptForm token={token} preview={preview.data} />
      </Stack>
    </PublicShell>
  );
}
