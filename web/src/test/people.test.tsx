// The people pages against a fake API: user and invitation filters become
// query parameters, invitations can be re-sent and their link copied (or
// shown when the clipboard refuses), a 409 naming a field lands on that
// field, the invitation page previews before it asks for anything, weak
// passwords are refused before any request, sessions and verification mail.
import { QueryClientProvider } from "@tanstack/react-query";
import { cleanup, fireEvent, screen, waitFor, within } from "@testing-library/react";
import type { ReactElement } from "react";
import { MemoryRouter, Route, Routes } from "react-router";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createQueryClient } from "../App";
import { configureApi } from "../api/client";
import { invitationsQuery, usersQuery } from "../api/people";
import { qk } from "../api/queries";
import type { MeResponse } from "../api/types";
import { AuthContext, type AuthContextValue, type AuthStatus } from "../auth/AuthContext";
import { PasswordStrength } from "../components/PasswordStrength";
import { loadEstimator, tooWeakMessage, weakPasswordError } from "../lib/passwordStrength";
import { AcceptInvitationPage } from "../pages/AcceptInvitation";
import { ProfilePage } from "../pages/Profile";
import { ResetPasswordPage } from "../pages/ResetPassword";
import { SessionsPage, sessionDevice } from "../pages/Sessions";
import { SignupPage } from "../pages/Signup";
import { UserDetailPage } from "../pages/UserDetail";
import { UsersPage } from "../pages/Users";
import { renderUi } from "./render";
import { meAs } from "./sessions";

const NOW = "2026-01-01T00:00:00Z";
const LATER = "2026-01-08T00:00:00Z";

type Handler = (req: Request, url: URL) => Response | Promise<Response>;
let handlers: Record<string, Handler> = {};
const requests: { method: string; path: string; query: URLSearchParams; body: string }[] = [];

function json(status: number, body: unknown, headers: Record<string, string> = {}) {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
}
function problem(status: number, code: string, detail: string, errors?: { field: string; message: string }[]) {
  return new Response(JSON.stringify({ type: "about:blank", title: code, status, code, detail, ...(errors ? { errors } : {}) }), {
    status,
    headers: { "content-type": "application/problem+json" },
  });
}

async function fakeApi(input: Request): Promise<Response> {
  const url = new URL(input.url);
  const body = input.method === "GET" ? "" : await input.clone().text();
  requests.push({ method: input.method, path: url.pathname, query: url.searchParams, body });
  const h = handlers[`${input.method} ${url.pathname}`];
  if (h) return h(input, url);
  if (input.method === "GET") return json(200, { items: [], next_cursor: null });
  return problem(404, "not_found", "Not found.");
}

const sent = (method: string, path: string) => requests.filter((r) => r.method === method && r.path === path);

function authAs(status: AuthStatus): AuthContextValue {
  return {
    status,
    notice: null,
    dismissNotice: () => undefined,
    retryingIn: null,
    signIn: vi.fn(),
    signOut: async () => undefined,
    signOutLocally: () => undefined,
  };
}

function renderPage(
  element: ReactElement,
  { me, path = "/", status, route = "*" }: { me?: MeResponse; path?: string; status?: AuthStatus; route?: string } = {},
) {
  const queryClient = createQueryClient();
  if (me) queryClient.setQueryData(qk.me, me);
  const auth = authAs(status ?? (me ? "authenticated" : "anonymous"));
  const utils = renderUi(
    <QueryClientProvider client={queryClient}>
      <AuthContext.Provider value={auth}>
        <MemoryRouter initialEntries={[path]}>
          <Routes>
            <Route path={route} element={element} />
          </Routes>
        </MemoryRouter>
      </AuthContext.Provider>
    </QueryClientProvider>,
  );
  return { ...utils, auth, queryClient };
}

const fill = (label: string | RegExp, value: string) => fireEvent.change(screen.getByLabelText(label), { target: { value } });

const user = (email: string, name: string, role = "viewer") => ({
  id: `0190c7a0-0000-7000-8000-${email.length.toString().padStart(12, "0")}`,
  name,
  email,
  role,
  is_active: true,
  created_at: NOW,
  updated_at: NOW,
  email_verified_at: NOW,
});
const invitation = (id: string, email: string, status: "pending" | "accepted" | "expired") => ({
  id,
  email,
  role: "viewer",
  status,
  created_at: NOW,
  expires_at: LATER,
});

beforeAll(async () => {
  await loadEstimator(); // the lazy zxcvbn chunk, once for the whole file
}, 30_000);

beforeEach(() => {
  handlers = {};
  requests.length = 0;
  vi.stubGlobal("fetch", vi.fn(fakeApi));
  configureApi("http://api.test");
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe("user and invitation filters → query parameters", () => {
  it("builds the spec's queries, leaving empty filters out", () => {
    expect(usersQuery({ q: "  ada ", role: "admin", status: "inactive" }, "c1")).toEqual({
      limit: 25,
      cursor: "c1",
      q: "ada",
      role: "admin",
      status: "inactive",
    });
    expect(usersQuery({ q: " ", role: "", status: "" }, undefined)).toEqual({ limit: 25 });
    expect(usersQuery({ q: "x".repeat(150), role: "", status: "" }, undefined).q).toHaveLength(100);
    expect(invitationsQuery({ q: "bob@", status: "expired" }, undefined)).toEqual({ limit: 25, q: "bob@", status: "expired" });
    expect(invitationsQuery({ q: "", status: "" }, undefined)).toEqual({ limit: 25 });
  });

  it("the users page sends the search (debounced), role and status to the server", async () => {
    handlers["GET /v1/users"] = (_r, url) =>
      json(200, {
        items:
          url.searchParams.get("q") === "ada" && !url.searchParams.has("role") ? [user("ada@a.test", "Ada Lovelace", "owner")] : [],
        next_cursor: null,
      });
    renderPage(<UsersPage />, { me: meAs("owner") });
    await waitFor(() => expect(sent("GET", "/v1/users").length).toBeGreaterThan(0));
    fill("Search users", "ada");
    expect(await screen.findByTestId("user-row-ada@a.test", {}, { timeout: 2000 })).toBeTruthy();
    const last = () => sent("GET", "/v1/users").at(-1)!.query;
    expect(last().get("q")).toBe("ada");
    // Typing is debounced: one request for "ada", not one per letter.
    expect(sent("GET", "/v1/users").filter((r) => r.query.get("q") === "a")).toHaveLength(0);

    fireEvent.change(screen.getByLabelText("Filter by role"), { target: { value: "admin" } });
    await waitFor(() => expect(last().get("role")).toBe("admin"));
    fireEvent.change(screen.getByLabelText("Filter by status"), { target: { value: "inactive" } });
    await waitFor(() => expect(last().get("status")).toBe("inactive"));
    expect(last().get("q")).toBe("ada");
    expect(await screen.findByText("No users match these filters.")).toBeTruthy();
  });

  it("the invitations section filters by text and status", async () => {
    renderPage(<UsersPage />, { me: meAs("owner") });
    await waitFor(() => expect(sent("GET", "/v1/invitations").length).toBeGreaterThan(0));
    fireEvent.change(screen.getByLabelText("Filter by invitation status"), { target: { value: "pending" } });
    await waitFor(() => expect(sent("GET", "/v1/invitations").at(-1)!.query.get("status")).toBe("pending"));
    fill("Search invitations", "bob");
    await waitFor(() => expect(sent("GET", "/v1/invitations").at(-1)!.query.get("q")).toBe("bob"), { timeout: 2000 });
  });
});

describe("invitation actions", () => {
  const ID = "0190c7a0-0000-7000-8000-0000000000b1";
  const EXPIRED = "0190c7a0-0000-7000-8000-0000000000b2";
  beforeEach(() => {
    handlers["GET /v1/invitations"] = () =>
      json(200, {
        items: [
          invitation(ID, "bob@a.test", "pending"),
          invitation(EXPIRED, "old@a.test", "expired"),
          invitation("0190c7a0-0000-7000-8000-0000000000b3", "done@a.test", "accepted"),
        ],
        next_cursor: null,
      });
    handlers[`POST /v1/invitations/${ID}/resend`] = () => json(200, invitation(ID, "bob@a.test", "pending"));
    handlers[`POST /v1/invitations/${ID}/link`] = () =>
      json(200, { url: "http://console.test/accept-invitation?token=abc", expires_at: LATER });
  });

  it("offers Resend for pending and expired invitations, Copy link only for pending, nothing for accepted", async () => {
    renderPage(<UsersPage />, { me: meAs("owner") });
    const pending = within(await screen.findByTestId("invitation-row-bob@a.test"));
    expect(pending.getByRole("button", { name: "Resend to bob@a.test" })).toBeTruthy();
    expect(pending.getByRole("button", { name: "Copy link for bob@a.test" })).toBeTruthy();
    const expired = within(screen.getByTestId("invitation-row-old@a.test"));
    expect(expired.getByRole("button", { name: /Resend/ })).toBeTruthy();
    expect(expired.queryByRole("button", { name: /Copy/ })).toBeNull();
    expect(within(screen.getByTestId("invitation-row-done@a.test")).queryAllByRole("button")).toHaveLength(0);
  });

  it("Resend says so in the section's message area", async () => {
    renderPage(<UsersPage />, { me: meAs("owner") });
    fireEvent.click(await screen.findByRole("button", { name: "Resend to bob@a.test" }));
    const message = await screen.findByTestId("invitations-message");
    expect(message.textContent).toBe("Invitation re-sent to bob@a.test.");
    expect(message.getAttribute("role")).toBe("status");
    expect(sent("POST", `/v1/invitations/${ID}/resend`)).toHaveLength(1);
  });

  it("a refused resend (already accepted) is an error in the same area, replacing an earlier success", async () => {
    handlers[`POST /v1/invitations/${EXPIRED}/resend`] = () => problem(409, "conflict", "The invitation was already accepted.");
    renderPage(<UsersPage />, { me: meAs("owner") });
    fireEvent.click(await screen.findByRole("button", { name: "Resend to bob@a.test" }));
    await screen.findByText("Invitation re-sent to bob@a.test.");
    fireEvent.click(screen.getByRole("button", { name: "Resend to old@a.test" }));
    await waitFor(() => expect(screen.getByTestId("invitations-message").textContent).toBe("The invitation was already accepted."));
    expect(screen.getAllByTestId("invitations-message")).toHaveLength(1);
    expect(screen.getByTestId("invitations-message").getAttribute("role")).toBe("alert");
  });

  it("Copy link puts the accept link on the clipboard", async () => {
    const writeText = vi.fn(async () => undefined);
    vi.stubGlobal("navigator", { ...navigator, clipboard: { writeText } });
    renderPage(<UsersPage />, { me: meAs("owner") });
    fireEvent.click(await screen.findByRole("button", { name: "Copy link for bob@a.test" }));
    await waitFor(() => expect(screen.getByTestId("invitations-message").textContent).toMatch(/^Invitation link for bob@a.test copied/));
    expect(writeText).toHaveBeenCalledWith("http://console.test/accept-invitation?token=abc");
    expect(screen.queryByTestId("invitation-link")).toBeNull();
  });

  it("without a clipboard, Copy link shows the URL in a read-only field to copy by hand", async () => {
    vi.stubGlobal("navigator", { ...navigator, clipboard: undefined });
    renderPage(<UsersPage />, { me: meAs("owner") });
    fireEvent.click(await screen.findByRole("button", { name: "Copy link for bob@a.test" }));
    const input = (await screen.findByLabelText("Invitation link for bob@a.test")) as HTMLInputElement;
    expect(input.value).toBe("http://console.test/accept-invitation?token=abc");
    expect(input.readOnly).toBe(true);
  });
});

describe("server field errors on the invite and signup forms", () => {
  it("a 409 naming the email goes next to the invitee email, focused; no stale success stays", async () => {
    let calls = 0;
    handlers["POST /v1/invitations"] = () =>
      ++calls === 1
        ? json(201, invitation("0190c7a0-0000-7000-8000-0000000000c1", "new@a.test", "pending"))
        : problem(409, "conflict", "email: an open invitation exists", [{ field: "email", message: "an open invitation exists for this address" }]);
    renderPage(<UsersPage />, { me: meAs("owner") });
    const form = within(screen.getByRole("form", { name: "Invite by email" }));
    fireEvent.change(form.getByLabelText("Invitee email"), { target: { value: "new@a.test" } });
    fireEvent.click(form.getByRole("button", { name: "Send invitation" }));
    expect((await form.findByRole("status")).textContent).toBe("Invitation sent to new@a.test.");

    fireEvent.change(form.getByLabelText("Invitee email"), { target: { value: "new@a.test" } });
    fireEvent.click(form.getByRole("button", { name: "Send invitation" }));
    const email = form.getByLabelText("Invitee email");
    await waitFor(() => expect(document.activeElement).toBe(email));
    expect(email.getAttribute("aria-invalid")).toBe("true");
    expect(form.getByText("an open invitation exists for this address")).toBeTruthy();
    expect(form.queryByRole("status")).toBeNull(); // the old green message is gone
    expect(form.getAllByTestId("form-message")).toHaveLength(1);
  });

  it("a taken slug is shown on the slug field, with focus there", async () => {
    handlers["POST /v1/tenants"] = () =>
      problem(409, "conflict", 'slug: "acme" is already taken by another organization', [
        { field: "slug", message: '"acme" is already taken by another organization' },
      ]);
    renderPage(<SignupPage />);
    fill("Organization name", "Acme");
    fill("Your name", "Ada Lovelace");
    fill("Email", "ada@acme.test");
    fill("Password", "velvet-otter-42-quiz");
    fireEvent.click(screen.getByRole("button", { name: "Create organization" }));
    const slug = screen.getByLabelText("Organization slug");
    await waitFor(() => expect(document.activeElement).toBe(slug));
    expect(slug.getAttribute("aria-invalid")).toBe("true");
    expect(screen.getByText('"acme" is already taken by another organization')).toBeTruthy();
    expect(sent("POST", "/v1/tenants")).toHaveLength(1);
  });
});

describe("password strength", () => {
  it("labels the score and refuses under 2 with the server's wording", async () => {
    const estimator = await loadEstimator();
    expect(estimator("password123", []).score).toBe(0);
    expect(estimator("velvet-otter-42-quiz", []).score).toBeGreaterThanOrEqual(2);
    // The person's own words count as guessed, as on the server.
    expect(estimator("zqxjvbwkptr", []).score).toBeGreaterThanOrEqual(2);
    expect(estimator("zqxjvbwkptr", ["z@example.com", "Zqxjvbwkptr"]).score).toBeLessThan(2);
    expect(weakPasswordError(estimator, "password123", [])).toBe(
      "Password is too easy to guess (this is a commonly used password); use a few uncommon words or a longer passphrase.",
    );
    expect(weakPasswordError(estimator, "correct horse battery", [])).toBeNull();
    expect(weakPasswordError(null, "password123", [])).toBeNull(); // not loaded: the server decides
    expect(tooWeakMessage("")).toBe("is too easy to guess; use a few uncommon words or a longer passphrase");
  });

  it("the meter shows a label, a bar and the warning, in a polite live region", async () => {
    const { rerender } = renderUi(<PasswordStrength password="" />);
    const meter = screen.getByTestId("password-strength");
    expect(meter.getAttribute("aria-live")).toBe("polite");
    expect(meter.textContent).toBe("");
    rerender(<PasswordStrength password="password123" />);
    await waitFor(() => expect(screen.getByTestId("password-strength-label").textContent).toBe("Too weak"));
    expect(screen.getByTestId("password-strength-warning").textContent).toBe("This is a commonly used password.");
    expect(screen.getByRole("progressbar", { name: "Password strength" }).getAttribute("aria-valuetext")).toBe("Too weak");
    rerender(<PasswordStrength password="velvet-otter-42-quiz" />);
    await waitFor(() => expect(screen.getByTestId("password-strength-label").textContent).toBe("Very strong"));
  });

  it("signup refuses a weak password before sending anything, on the password field", async () => {
    renderPage(<SignupPage />);
    fill("Organization name", "Acme");
    fill("Your name", "Ada Lovelace");
    fill("Email", "ada@acme.test");
    fill("Password", "qwertyuiop1");
    fireEvent.click(screen.getByRole("button", { name: "Create organization" }));
    const password = screen.getByLabelText("Password");
    await waitFor(() => expect(document.activeElement).toBe(password));
    expect(password.getAttribute("aria-invalid")).toBe("true");
    expect(screen.getByText(/^Password is too easy to guess.*use a few uncommon words or a longer passphrase\.$/)).toBeTruthy();
    expect(sent("POST", "/v1/tenants")).toHaveLength(0);
  });

  it("the reset page refuses a weak password before sending it", async () => {
    renderPage(<ResetPasswordPage />, { path: "/reset-password?token=t0k" });
    fill("New password", "qwertyuiop1");
    fill("Confirm new password", "qwertyuiop1");
    fireEvent.click(screen.getByRole("button", { name: "Set new password" }));
    await waitFor(() => expect(screen.getByText(/^Password is too easy to guess/)).toBeTruthy());
    expect(sent("POST", "/v1/auth/password-reset/confirm")).toHaveLength(0);
  });
});

describe("accepting an invitation", () => {
  const preview = {
    organization: { name: "Acme Quantum", slug: "acme" },
    email: "bob@acme.test",
    role: "developer",
    invited_by: "Ada Lovelace",
    expires_at: LATER,
  };

  it("previews the invitation before asking for a name and password", async () => {
    handlers["POST /v1/invitations/preview"] = () => json(200, preview);
    renderPage(<AcceptInvitationPage />, { path: "/accept-invitation?token=tok-1" });
    const box = await screen.findByTestId("invitation-preview");
    expect(box.textContent).toContain("Join Acme Quantum as Developer");
    expect(box.textContent).toContain("Invited by Ada Lovelace");
    expect(screen.getByTestId("invitation-slug").textContent).toBe("acme");
    expect(screen.getByTestId("invitation-email").textContent).toBe("bob@acme.test");
    expect(JSON.parse(sent("POST", "/v1/invitations/preview")[0]!.body)).toEqual({ token: "tok-1" });
    expect(screen.getByLabelText("Your name")).toBeTruthy();
    expect(document.title).toBe("Accept invitation · QHub console");
  });

  it("an invalid or used link says so, with no form", async () => {
    handlers["POST /v1/invitations/preview"] = () => problem(404, "not_found", "the invitation is invalid, expired or already used");
    renderPage(<AcceptInvitationPage />, { path: "/accept-invitation?token=dead" });
    expect((await screen.findByTestId("invitation-invalid")).textContent).toMatch(/invalid, expired, revoked or already used/);
    expect(screen.queryByLabelText("Your name")).toBeNull();
    expect(screen.queryByRole("button", { name: "Accept invitation" })).toBeNull();
  });

  it("counts the invitation's email and organization as guessed words", async () => {
    handlers["POST /v1/invitations/preview"] = () => json(200, { ...preview, organization: { name: "Zqxjvbwkptr", slug: "zqx" } });
    renderPage(<AcceptInvitationPage />, { path: "/accept-invitation?token=tok-1" });
    await screen.findByTestId("invitation-preview");
    fill("Your name", "Bob");
    fill("Password", "zqxjvbwkptr");
    fill("Confirm password", "zqxjvbwkptr");
    fireEvent.click(screen.getByRole("button", { name: "Accept invitation" }));
    await waitFor(() => expect(screen.getByText(/^Password is too easy to guess/)).toBeTruthy());
    expect(sent("POST", "/v1/invitations/accept")).toHaveLength(0);
  });
});

describe("sessions", () => {
  it("shows the readable device, falling back to the raw user agent", () => {
    expect(sessionDevice({ device: "Chrome 131.0.0.0 on Linux", user_agent: "Mozilla/5.0 …" })).toBe("Chrome 131.0.0.0 on Linux");
    expect(sessionDevice({ device: null, user_agent: "curl/8.5.0" })).toBe("curl/8.5.0");
    expect(sessionDevice({ device: null, user_agent: null })).toBe("Unknown device");
  });

  it("logs out all other sessions after a confirmation, says how many and reloads the list", async () => {
    let others = 2;
    const session = (id: string, current: boolean) => ({
      id,
      current,
      created_at: NOW,
      last_seen_at: NOW,
      ip: "10.0.0.1",
      device: current ? "Firefox 133.0 on Linux" : null,
      user_agent: "curl/8.5.0",
    });
    handlers["GET /v1/auth/sessions"] = () =>
      json(200, { items: [session("s0", true), ...Array.from({ length: others }, (_, i) => session(`s${i + 1}`, false))] });
    handlers["POST /v1/auth/sessions/revoke-others"] = () => {
      const revoked = others;
      others = 0;
      return json(200, { revoked });
    };
    renderPage(<SessionsPage />, { me: meAs("viewer") });
    expect((await screen.findByTestId("session-current")).textContent).toContain("Firefox 133.0 on Linux");
    expect(screen.getAllByTestId("session-row")).toHaveLength(2);
    fireEvent.click(screen.getByRole("button", { name: "Log out all other sessions" }));
    fireEvent.click(screen.getByRole("button", { name: "Confirm: log out 2 other sessions" }));
    expect((await screen.findByTestId("sessions-message")).textContent).toBe("Logged out 2 other sessions.");
    await waitFor(() => expect(screen.queryAllByTestId("session-row")).toHaveLength(0));
    expect(sent("POST", "/v1/auth/sessions/revoke-others")).toHaveLength(1);
  });
});

describe("profile", () => {
  it("offers to resend the verification email while the address is unverified", async () => {
    handlers["POST /v1/auth/verify-email/resend"] = () => new Response(null, { status: 202 });
    const me = meAs("viewer");
    renderPage(<ProfilePage />, { me });
    fireEvent.click(screen.getByRole("button", { name: "Resend verification email" }));
    expect((await screen.findByTestId("verify-email-message")).textContent).toMatch(/^Verification email sent to ada@a.test/);
    cleanup();
    renderPage(<ProfilePage />, { me: { ...me, user: { ...me.user, email_verified_at: NOW } } });
    expect(screen.queryByRole("button", { name: "Resend verification email" })).toBeNull();
  });

  it("a fourth resend within the hour is rate limited, said plainly", async () => {
    handlers["POST /v1/auth/verify-email/resend"] = () =>
      new Response(JSON.stringify({ type: "about:blank", title: "x", status: 429, code: "rate_limited", detail: "x" }), {
        status: 429,
        headers: { "content-type": "application/problem+json", "retry-after": "1800" },
      });
    renderPage(<ProfilePage />, { me: meAs("viewer") });
    fireEvent.click(screen.getByRole("button", { name: "Resend verification email" }));
    expect((await screen.findByRole("alert")).textContent).toBe("Too many requests. Try again in 1800 seconds.");
  });
});




describe("user detail", () => {
  it("after a refused role change the dropdown shows the user's actual role again", async () => {
    const target = { ...user("dev@a.test", "Dev Person", "developer"), id: "0190c7a0-0000-7000-8000-0000000000d1" };
    handlers[`GET /v1/users/${target.id}`] = () => json(200, target);
    handlers[`PATCH /v1/users/${target.id}`] = () => problem(403, "forbidden", "Only owners can grant the owner role.");
    renderPage(<UserDetailPage />, { me: meAs("owner"), path: `/users/${target.id}`, route: "/users/:id" });
    const role = (await screen.findByLabelText("Role")) as HTMLSelectElement;
    expect(role.value).toBe("developer");
    fireEvent.change(role, { target: { value: "owner" } });
    fireEvent.click(screen.getByRole("button", { name: "Change role" }));
    expect((await screen.findByRole("alert")).textContent).toBe("Only owners can grant the owner role.");
    await waitFor(() => expect((screen.getByLabelText("Role") as HTMLSelectElement).value).toBe("developer"));
  });
});
