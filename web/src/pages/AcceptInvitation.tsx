import { Link, useNavigate, useSearchParams } from "react-router";
import { api, unwrap } from "../api/client";
import { ApiError } from "../api/problem";
import { useMe } from "../api/queries";
import { REFRESH_DELIVERY } from "../api/session";
import type { AcceptInvitationRequest } from "../api/types";
import { useAuth } from "../auth/AuthContext";
import { TextField } from "../components/Field";
import { PublicShell } from "../components/PublicShell";
import { RestoringSession } from "../components/RequireAuth";
import { FormAlert } from "../components/States";
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
  const { values, errors, set } = form;

  if (!token) {
    return (
      <PublicShell title="Accept invitation">
        <p role="alert">This link has no invitation token. Open the link from your invitation email.</p>
        <Link to="/login">Go to log in</Link>
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
        <p role="alert" data-testid="accept-signed-in">
          You are logged in{me.data ? ` as ${me.data.user.email} (${me.data.tenant.name})` : ""}. Log out first to accept this
          invitation as its new user; this browser keeps one session for all its tabs.
        </p>
        <button type="button" className="primary" onClick={() => void signOut()}>
          Log out
        </button>{" "}
        <Link to="/">Back to the console</Link>
      </PublicShell>
    );
  }

  return (
    <PublicShell title="Accept invitation">
      <p>Choose your name and a password to join the organization.</p>
      <form onSubmit={form.onSubmit} noValidate>
        <TextField label="Your name" value={values.name} onValue={(v) => set("name", v)} error={errors.name} autoComplete="name" />
        <TextField
          label="Password"
          type="password"
          hint={`At least ${PASSWORD_MIN} characters.`}
          value={values.password}
          onValue={(v) => set("password", v)}
          error={errors.password}
          autoComplete="new-password"
        />
        <TextField
          label="Confirm password"
          type="password"
          value={values.confirm}
          onValue={(v) => set("confirm", v)}
          error={errors.confirm}
          autoComplete="new-password"
        />
        {errors.token && <p className="field-error">{errors.token}</p>}
        <FormAlert message={form.formError} />
        <button type="submit" className="primary" disabled={form.submitting}>
          {form.submitting ? "Joining…" : "Accept invitation"}
        </button>
      </form>
    </PublicShell>
  );
}
