// The console end to end, against a real QHub server: two organizations,
// an invitation accepted in a second browser, a role change seen by the
// invited user, an API key shown once and revoked, usage on the chart, the
// audit log, and tenant isolation by URL.
import { expect, test, type Browser, type BrowserContext, type Page } from "@playwright/test";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import {
  API_URL,
  axe,
  beginStep,
  callWithKey,
  checkPage,
  expectFailedRequest,
  nav,
  PASSWORD,
  PHONE,
  SCREENSHOT_DIR,
  signUp,
  titles,
  unexpectedConsoleErrors,
  waitForMail,
  waitForMails,
  watchConsole,
  WEB_URL,
} from "./helpers";

const run = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;
const orgA = { name: `Acme Quantum ${run}`, slug: `acme-${run}`, owner: "Ada Lovelace", email: `ada-${run}@acme.test` };
const orgB = { name: `Globex ${run}`, slug: `globex-${run}`, owner: "Hank Scorpio", email: `hank-${run}@globex.test` };
const orgC = { name: `Initech ${run}`, slug: `initech-${run}`, owner: "Peter Gibbons", email: `peter-${run}@initech.test` };
const invitee = { name: "Grace Hopper", email: `grace-${run}@acme.test` };
const keyName = `e2e key ${run}`;

// One browser context per person, shared by the steps below (serial).
let ctxA: BrowserContext;
let ctxB: BrowserContext;
let ctxInvitee: BrowserContext;
let pageA: Page;
let pageB: Page;
let pageInvitee: Page;
let inviteeId = "";
let keyId = "";
let keySecret = "";
/** Every request the pages made to anything but this machine (must stay empty: no CDN). */
const external: string[] = [];

/** Token-issuing API calls the pages made, and whether a refresh_token came back. */
const issued: { path: string; status: number; bodyHasRefreshToken: boolean }[] = [];
const pendingChecks: Promise<void>[] = [];
const ISSUING = ["/v1/auth/login", "/v1/auth/refresh", "/v1/tenants", "/v1/invitations/accept"];

function watchRequests(ctx: BrowserContext) {
  ctx.on("request", (r) => {
    const url = new URL(r.url());
    if (url.protocol.startsWith("http") && !["127.0.0.1", "localhost", "[::1]"].includes(url.hostname)) external.push(r.url());
  });
  // Every token-issuing response the console receives must lack refresh_token
  // (it asked for refresh_delivery "cookie"; refreshes present the cookie).
  ctx.on("response", (res) => {
    const req = res.request();
    const path = new URL(res.url()).pathname;
    if (req.method() !== "POST" || !res.url().startsWith(API_URL) || !ISSUING.includes(path)) return;
    pendingChecks.push(
      res
        .text()
        .then((text) => {
          let body: unknown = null;
          try {
            body = JSON.parse(text);
          } catch {
            // not JSON (e.g. an empty 204)
          }
          issued.push({
            path,
            status: res.status(),
            bodyHasRefreshToken: typeof body === "object" && body !== null && "refresh_token" in body,
          });
        })
        .catch(() => undefined), // the page went away before the body could be read
    );
  });
}

/** A fresh browser context ("another browser"), watched like the others. */
async function newContext(browser: Browser): Promise<BrowserContext> {
  const ctx = await browser.newContext({ baseURL: WEB_URL });
  watchRequests(ctx);
  watchConsole(ctx);
  return ctx;
}

test.describe.configure({ mode: "serial" });

test.beforeEach(({}, testInfo) => {
  beginStep(testInfo.title);
});

// No browser-console errors or uncaught exceptions except those the step expects.
test.afterEach(() => {
  expect(unexpectedConsoleErrors(), "unexpected browser-console errors").toEqual([]);
});

test.beforeAll(async ({ browser }: { browser: Browser }) => {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  ctxA = await newContext(browser);
  ctxB = await newContext(browser);
  ctxInvitee = await newContext(browser);
  pageA = await ctxA.newPage();
  pageB = await ctxB.newPage();
  pageInvitee = await ctxInvitee.newPage();
});

test.afterAll(async () => {
  await ctxA?.close();
  await ctxB?.close();
  await ctxInvitee?.close();
});

test("login and signup validate before submitting", async () => {
  await pageB.goto("/login");
  await pageB.getByRole("button", { name: "Log in" }).click();
  await expect(pageB.getByText("Organization is required.")).toBeVisible();
  await expect(pageB.getByText("Email is required.")).toBeVisible();
  await checkPage(pageB, "login");

  await pageB.goto("/signup");
  await pageB.getByLabel("Organization name").fill("X");
  await pageB.getByLabel("Organization slug").fill("-bad-");
  await pageB.getByLabel("Email").fill("not-an-email");
  await pageB.getByLabel("Password").fill("short");
  await pageB.getByRole("button", { name: "Create organization" }).click();
  await expect(pageB.getByText(/must start and end with a letter or digit/)).toBeVisible();
  await expect(pageB.getByText("Enter an email address like name@example.com.")).toBeVisible();
  await expect(pageB.getByText("Password must be at least 10 characters.")).toBeVisible();
  await expect(pageB).toHaveURL(/\/signup$/);
  await checkPage(pageB, "signup");
});

test("signs up two organizations", async () => {
  await signUp(pageA, orgA);
  await signUp(pageB, orgB);
  // A taken slug is refused by the server (409), in words, on the slug field,
  // which gets the focus.
  expectFailedRequest(409, "/v1/tenants");
  const other = await newContext(ctxB.browser()!);
  const p = await other.newPage();
  await p.goto("/signup");
  await p.getByLabel("Organization name").fill("Copycat");
  await p.getByLabel("Organization slug").fill(orgA.slug);
  await p.getByLabel("Your name").fill("Copy Cat");
  await p.getByLabel("Email").fill(`copy-${run}@cat.test`);
  await p.getByLabel("Password").fill(PASSWORD);
  await p.getByRole("button", { name: "Create organization" }).click();
  const slug = p.getByLabel("Organization slug");
  await expect(slug).toHaveAttribute("aria-invalid", "true");
  await expect(slug).toHaveAccessibleDescription(/taken|exists|already/i);
  await expect(slug).toBeFocused();
  await expect(p.getByLabel("Email")).not.toHaveAttribute("aria-invalid", "true");
  await other.close();
});

test("the session survives a reload (refresh cookie, token only in memory)", async () => {
  await pageA.goto("/sessions");
  await expect(pageA.getByTestId("session-current")).toBeVisible();
  // Web storage holds no token: only the non-secret session hint ("1") and,
  // once chosen, the colour scheme.
  const stored = await pageA.evaluate(() => ({ local: { ...localStorage }, session: { ...sessionStorage } }));
  expect(stored.session).toEqual({});
  expect(stored.local).toEqual({ "qhub-session-hint": "1" });
  await pageA.reload();
  await expect(pageA).toHaveURL(/\/sessions$/);
  await expect(pageA.getByTestId("session-current")).toBeVisible();

  // Two tabs restoring the session at the same moment: refresh tokens rotate
  // and a reused one revokes the session, so the Web Lock must serialize them.
  const second = await ctxA.newPage();
  await second.goto("/profile");
  await expect(second.getByTestId("profile-role")).toHaveText("Owner");
  for (let i = 0; i < 3; i++) {
    await Promise.all([pageA.reload(), second.reload()]);
    await expect(pageA.getByTestId("session-current")).toBeVisible();
    await expect(second.getByTestId("profile-role")).toHaveText("Owner");
  }
  await second.close();
  await pageA.reload();
  await expect(pageA.getByTestId("session-current")).toHaveCount(1);
  await checkPage(pageA, "sessions");
});

test("verifies the owner's email from the signup mail", async () => {
  const mail = await waitForMail(orgA.email, /\/verify-email\?token=/);
  const link = /(https?:\/\/[^\s"'<>]+\/verify-email\?token=[^\s"'<>]+)/.exec(mail.body)![1]!;
  expect(link.startsWith(`${WEB_URL}/verify-email?token=`)).toBe(true);
  await pageA.goto(link);
  await expect(pageA.getByText("Your email address is verified. Thank you!")).toBeVisible();
  await checkPage(pageA, "verify-email");
  // Single use.
  expectFailedRequest(404, "/v1/auth/verify-email");
  await pageA.goto(link);
  await expect(pageA.getByRole("alert")).toHaveText("This verification link is invalid, expired or already used.");
  await pageA.goto("/users");
  await expect(pageA.getByTestId(`user-row-${orgA.email}`)).not.toContainText("unverified");
});

test("invites a user, who accepts in a second browser", async () => {
  await pageA.goto("/users");
  await pageA.getByLabel("Invitee email").fill(invitee.email);
  await pageA.getByLabel("Invitee role").selectOption("viewer");
  await pageA.getByRole("button", { name: "Send invitation", exact: true }).click();
  await expect(pageA.getByText(`Invitation sent to ${invitee.email}.`)).toBeVisible();
  await expect(pageA.getByTestId(`invitation-row-${invitee.email}`).getByTestId("invitation-status")).toHaveText("pending");

  const mail = await waitForMail(invitee.email, /\/accept-invitation\?token=/);
  const link = /(https?:\/\/[^\s"'<>]+\/accept-invitation\?token=[^\s"'<>]+)/.exec(mail.body)?.[1];
  expect(link, "invitation link in the mail").toBeTruthy();
  expect(link!.startsWith(`${WEB_URL}/accept-invitation?token=`)).toBe(true);

  await pageInvitee.goto(link!);
  // Before choosing a name and password: who invites whom to what.
  const preview = pageInvitee.getByTestId("invitation-preview");
  await expect(preview).toContainText(`Join ${orgA.name} as Viewer`);
  await expect(preview).toContainText(`Invited by ${orgA.owner}`);
  await expect(preview.getByTestId("invitation-slug")).toHaveText(orgA.slug);
  await expect(preview.getByTestId("invitation-email")).toHaveText(invitee.email);
  await pageInvitee.getByLabel("Your name").fill(invitee.name);
  await pageInvitee.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await pageInvitee.getByLabel("Confirm password").fill("something else entirely");
  await pageInvitee.getByRole("button", { name: "Accept invitation" }).click();
  await expect(pageInvitee.getByText("The passwords do not match.")).toBeVisible();
  await checkPage(pageInvitee, "accept-invitation");
  await pageInvitee.getByLabel("Confirm password").fill(PASSWORD);
  await pageInvitee.getByRole("button", { name: "Accept invitation" }).click();
  await expect(pageInvitee.getByTestId("tenant-name")).toHaveText(orgA.name);
  await expect(pageInvitee.getByTestId("my-role")).toHaveText("Viewer");
  // A viewer gets no user management.
  await expect(pageInvitee.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Users" })).toHaveCount(0);
  await pageInvitee.goto("/users");
  await expect(pageInvitee.getByText("Only owners and admins can see and manage the organization's users.")).toBeVisible();
  // The used link is dead: the preview says so, and there is no form.
  expectFailedRequest(404, "/v1/invitations/preview");
  const again = await newContext(ctxInvitee.browser()!);
  const p = await again.newPage();
  await p.goto(link!);
  await expect(p.getByTestId("invitation-invalid")).toContainText("invalid, expired, revoked or already used");
  await expect(p.getByLabel("Your name")).toHaveCount(0);
  await again.close();
});

test("revokes a pending invitation; its link stops working", async () => {
  const email = `later-${run}@acme.test`;
  await pageA.goto("/users");
  await pageA.getByLabel("Invitee email").fill(email);
  await pageA.getByLabel("Invitee role").selectOption("developer");
  await pageA.getByRole("button", { name: "Send invitation", exact: true }).click();
  const row = pageA.getByTestId(`invitation-row-${email}`);
  await expect(row.getByTestId("invitation-status")).toHaveText("pending");
  // Inviting the same address again while it is open is refused, in words.
  expectFailedRequest(409, "/v1/invitations");
  expectFailedRequest(404, "/v1/invitations/preview");
  // The error sits on the email field (which gets the focus); the previous
  // "Invitation sent" message is gone.
  await expect(pageA.getByText(`Invitation sent to ${email}.`)).toBeVisible();
  const inviteEmail = pageA.getByLabel("Invitee email");
  await inviteEmail.fill(email);
  await pageA.getByRole("button", { name: "Send invitation", exact: true }).click();
  await expect(inviteEmail).toHaveAttribute("aria-invalid", "true");
  await expect(inviteEmail).toHaveAccessibleDescription(/already|pending|open|exists/i);
  await expect(inviteEmail).toBeFocused();
  await expect(pageA.getByText(`Invitation sent to ${email}.`)).toHaveCount(0);

  const mail = await waitForMail(email, /\/accept-invitation\?token=/);
  const link = /(https?:\/\/[^\s"'<>]+\/accept-invitation\?token=[^\s"'<>]+)/.exec(mail.body)![1]!;
  // Signed in, the link does not silently replace the session: log out first.
  await pageA.goto(link);
  await expect(pageA.getByTestId("accept-signed-in")).toContainText(orgA.email);
  await expect(pageA.getByLabel("Your name")).toHaveCount(0);
  await expect(pageA.getByRole("button", { name: "Log out" })).toBeVisible();
  await pageA.goto("/users");
  await expect(row.getByTestId("invitation-status")).toHaveText("pending");
  await row.getByRole("button", { name: "Revoke" }).click();
  await row.getByRole("button", { name: `Confirm revoking ${email}` }).click();
  await expect(pageA.getByTestId(`invitation-row-${email}`)).toHaveCount(0);

  const ctx = await newContext(ctxA.browser()!);
  const p = await ctx.newPage();
  await p.goto(link);
  await expect(p.getByTestId("invitation-invalid")).toContainText("invalid, expired, revoked or already used");
  await expect(p.getByLabel("Your name")).toHaveCount(0);
  await ctx.close();
});

test("the owner changes the invited user's role; the user sees it after reload", async () => {
  await pageA.goto("/users");
  await expect(pageA.getByTestId(`invitation-row-${invitee.email}`).getByTestId("invitation-status")).toHaveText("accepted");
  const row = pageA.getByTestId(`user-row-${invitee.email}`);
  await expect(row.getByTestId("user-role")).toHaveText("Viewer");
  await checkPage(pageA, "users");
  await row.getByRole("link", { name: invitee.name }).click();
  await expect(pageA).toHaveURL(/\/users\/[0-9a-f-]{36}$/);
  inviteeId = pageA.url().split("/").pop()!;

  // Exact: while the route changes, the list's "Filter by role" and "Invitee role" may still be on the page.
  await pageA.getByLabel("Role", { exact: true }).selectOption("developer");
  await pageA.getByRole("button", { name: "Change role" }).click();
  await expect(pageA.getByText("Role changed to Developer.")).toBeVisible();
  await expect(pageA.getByTestId("user-role")).toHaveText("Developer");
  await pageA.reload();
  await expect(pageA.getByTestId("user-role")).toHaveText("Developer");
  await checkPage(pageA, "user-detail");

  await pageInvitee.reload();
  await expect(pageInvitee.getByTestId("my-role")).toHaveText("Developer");
  await pageInvitee.goto("/profile");
  await expect(pageInvitee.getByTestId("profile-role")).toHaveText("Developer");
});

async function logIn(page: Page, slug: string, email: string, password: string) {
  await page.getByLabel("Organization").fill(slug);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
}

test("any user edits their own profile", async () => {
  // The same user, signed in in another browser: changing the password ends that session.
  const elsewhere = await newContext(ctxInvitee.browser()!);
  const otherPage = await elsewhere.newPage();
  await otherPage.goto("/login");
  await logIn(otherPage, orgA.slug, invitee.email, PASSWORD);
  await expect(otherPage.getByTestId("whoami")).toContainText(invitee.name);
  // Off the dashboard, whose checklist polls: that poll would find the
  // ended session on its own, before the step below asks.
  await nav(otherPage, "Settings");
  await expect(otherPage).toHaveURL(/\/settings$/);

  await pageInvitee.goto("/profile");
  await pageInvitee.getByLabel("Your name").fill("Grace B. Hopper");
  await pageInvitee.getByRole("button", { name: "Save name" }).click();
  await expect(pageInvitee.getByText("Name saved.")).toBeVisible();
  await expect(pageInvitee.getByTestId("profile-name")).toHaveText("Grace B. Hopper");
  await expect(pageInvitee.getByTestId("whoami")).toContainText("Grace B. Hopper");
  await checkPage(pageInvitee, "profile");

  expectFailedRequest(422, "/v1/auth/password");
  // The other browser's next request: 401, and so is its refresh.
  expectFailedRequest(401, "/v1/auth/sessions");
  expectFailedRequest(401, "/v1/auth/refresh");
  await pageInvitee.getByLabel("Current password").fill("not my password");
  await pageInvitee.getByLabel("New password", { exact: true }).fill(`${PASSWORD} 2`);
  await pageInvitee.getByLabel("Confirm new password").fill(`${PASSWORD} 2`);
  await pageInvitee.getByRole("button", { name: "Change password" }).click();
  await expect(pageInvitee.getByText("is not your current password")).toBeVisible();
  await pageInvitee.getByLabel("Current password").fill(PASSWORD);
  await pageInvitee.getByRole("button", { name: "Change password" }).click();
  await expect(pageInvitee.getByText("Password changed. Your other sessions have been logged out.")).toBeVisible();
  // This session stays.
  await pageInvitee.reload();
  await expect(pageInvitee.getByTestId("profile-name")).toHaveText("Grace B. Hopper");
  // The other browser's session is over: its next request sends it to log in.
  await nav(otherPage, "Sessions");
  await expect(otherPage).toHaveURL(/\/login\?next=%2Fsessions$/);
  await expect(otherPage.getByText("Your session has ended. Please log in again.")).toBeVisible();
  await otherPage.reload();
  await expect(otherPage.getByRole("button", { name: "Log in" })).toBeVisible();
  await elsewhere.close();
});

test("an admin manages users but cannot touch owners", async () => {
  // Promote the invited user to admin.
  await pageA.goto(`/users/${inviteeId}`);
  await pageA.getByLabel("Role", { exact: true }).selectOption("admin");
  await pageA.getByRole("button", { name: "Change role" }).click();
  await expect(pageA.getByTestId("user-role")).toHaveText("Admin");

  await pageInvitee.reload();
  await expect(pageInvitee.getByTestId("my-role")).toHaveText("Admin");
  await nav(pageInvitee, "Users");
  const ownerRow = pageInvitee.getByTestId(`user-row-${orgA.email}`);
  await expect(ownerRow.getByTestId("user-role")).toHaveText("Owner");
  // Admins cannot hand out the owner role …
  await expect(pageInvitee.getByLabel("Invitee role").locator("option")).toHaveText(["Viewer", "Developer", "Admin"]);
  // … nor change an owner.
  await ownerRow.getByRole("link").click();
  await expect(pageInvitee.getByText("Only owners can change or remove an owner.")).toBeVisible();
  await expect(pageInvitee.getByRole("button", { name: "Change role" })).toHaveCount(0);
  await expect(pageInvitee.getByRole("button", { name: "Remove" })).toHaveCount(0);
});

test("creates, deactivates, reactivates and removes a user", async () => {
  const temp = { name: "Temp Worker", email: `temp-${run}@acme.test` };
  await pageA.goto("/users");
  const form = pageA.getByRole("form", { name: "Create a user" });
  await form.getByLabel("Name").fill(temp.name);
  await form.getByLabel("Email").fill(temp.email);
  await form.getByLabel("Initial password").fill("short");
  await form.getByRole("button", { name: "Create user" }).click();
  await expect(form.getByText("Password must be at least 10 characters.")).toBeVisible();
  await form.getByLabel("Initial password").fill(PASSWORD);
  await form.getByLabel("Role").selectOption("developer");
  await form.getByRole("button", { name: "Create user" }).click();
  await expect(form.getByText(`Created ${temp.name} (${temp.email}).`)).toBeVisible();
  // The same email again is refused by the server, in words.
  expectFailedRequest(409, "/v1/users");
  // After the removal, the detail page's query is refetched once: 404.
  expectFailedRequest(404, /^\/v1\/users\/[0-9a-f-]{36}$/);
  await form.getByLabel("Name").fill(temp.name);
  await form.getByLabel("Email").fill(temp.email);
  await form.getByLabel("Initial password").fill(PASSWORD);
  await form.getByRole("button", { name: "Create user" }).click();
  await expect(form.getByRole("alert")).toBeVisible();

  const row = pageA.getByTestId(`user-row-${temp.email}`);
  await expect(row.getByTestId("user-role")).toHaveText("Developer");
  await row.getByRole("link", { name: temp.name }).click();
  await pageA.getByRole("button", { name: "Deactivate" }).click();
  await pageA.getByRole("button", { name: "Confirm deactivate" }).click();
  await expect(pageA.getByTestId("user-status")).toHaveText("Deactivated");
  await pageA.getByRole("button", { name: "Reactivate" }).click();
  await expect(pageA.getByTestId("user-status")).toHaveText("Active");
  await pageA.getByRole("button", { name: "Remove" }).click();
  await pageA.getByRole("button", { name: "Confirm removal" }).click();
  await expect(pageA).toHaveURL(/\/users$/);
  await expect(pageA.getByTestId(`user-row-${orgA.email}`)).toBeVisible(); // the list has loaded
  await expect(pageA.getByTestId(`user-row-${temp.email}`)).toHaveCount(0);
});

test("a deactivated user is sent to the login page", async () => {
  await pageA.goto(`/users/${inviteeId}`);
  await pageA.getByRole("button", { name: "Deactivate" }).click();
  await pageA.getByRole("button", { name: "Confirm deactivate" }).click();
  await expect(pageA.getByTestId("user-status")).toHaveText("Deactivated");

  expectFailedRequest(401, "/v1/auth/sessions");
  expectFailedRequest(401, "/v1/auth/refresh");
  // Mid-session (no reload): the next API call is 401, the refresh fails too,
  // and the console sends the user to log in, remembering the page.
  await nav(pageInvitee, "Sessions");
  await expect(pageInvitee).toHaveURL(/\/login\?next=%2Fsessions$/);
  await expect(pageInvitee.getByText("Your session has ended. Please log in again.")).toBeVisible();
  // After a reload too.
  await pageInvitee.goto("/profile");
  await expect(pageInvitee).toHaveURL(/\/login\?next=%2Fprofile$/);

  await pageA.getByRole("button", { name: "Reactivate" }).click();
  await expect(pageA.getByTestId("user-status")).toHaveText("Active");
});

test("creates an API key whose secret is shown once", async () => {
  await nav(pageA, "API keys");
  await expect(pageA.getByRole("heading", { name: "API keys", level: 1 })).toBeVisible();
  await pageA.getByRole("button", { name: "Create key" }).click();
  await expect(pageA.getByText("Choose at least one scope.")).toBeVisible();
  await pageA.getByLabel("Key name").fill(keyName);
  await pageA.getByLabel("users:read", { exact: true }).check();
  await pageA.getByLabel("usage:read", { exact: true }).check();
  await pageA.getByRole("button", { name: "Create key" }).click();

  const secret = pageA.getByTestId("api-key-secret");
  await expect(secret).toHaveText(/^qh_live_\S+$/);
  keySecret = (await secret.textContent())!.trim();
  await expect(pageA.getByText(/It is shown only once/)).toBeVisible();
  await expect(pageA.getByRole("button", { name: "Copy key" })).toBeVisible();
  const row = pageA.getByTestId(`api-key-row-${keyName}`);
  await expect(row.getByTestId("api-key-status")).toHaveText("active");
  const prefix = (await row.locator("code").textContent())!.trim();
  expect(prefix.length).toBeGreaterThan(8);
  expect(keySecret.startsWith(prefix)).toBe(true);
  await checkPage(pageA, "api-keys");
  const href = await row.getByRole("link", { name: keyName }).getAttribute("href");
  keyId = href!.split("/").pop()!;
  expect(keyId).toMatch(/^[0-9a-f-]{36}$/);

  // Leave and come back: the secret is gone for good.
  await nav(pageA, "Dashboard");
  await nav(pageA, "API keys");
  await expect(pageA.getByTestId(`api-key-row-${keyName}`)).toBeVisible();
  await expect(pageA.getByTestId("api-key-secret")).toHaveCount(0);
  expect(await pageA.content()).not.toContain(keySecret);
  await pageA.goto(`/api-keys/${keyId}`);
  await expect(pageA.getByRole("heading", { name: keyName })).toBeVisible();
  await checkPage(pageA, "api-key-detail");
  expect(await pageA.content()).not.toContain(keySecret);
});

test("API requests show up on the usage chart", async () => {
  await pageA.goto("/");
  const total = pageA.getByTestId("usage-total-requests");
  await expect(total).toHaveAttribute("data-value", /^\d+$/);
  const before = Number(await total.getAttribute("data-value"));

  for (let i = 0; i < 5; i++) expect(await callWithKey(keySecret, "/v1/users")).toBe(200);
  expect(await callWithKey(keySecret, `/v1/users/${crypto.randomUUID()}`)).toBe(404);

  await expect(async () => {
    await pageA.reload();
    await expect(total).toHaveAttribute("data-value", /^\d+$/);
    expect(Number(await total.getAttribute("data-value"))).toBeGreaterThanOrEqual(before + 6);
  }).toPass({ timeout: 30_000, intervals: [1_000] });
  await expect(pageA.getByTestId("usage-chart")).toBeVisible();
  await expect(pageA.getByTestId("usage-total-errors")).not.toHaveAttribute("data-value", "0");

  // Another range re-queries; a breakdown by key shows that key's requests.
  await pageA.getByLabel("Range").selectOption("7d");
  await expect(pageA.getByTestId("usage-chart")).toBeVisible();
  await expect(async () => expect(Number(await total.getAttribute("data-value"))).toBeGreaterThanOrEqual(before + 6)).toPass();
  await pageA.getByLabel("Breakdown").selectOption({ label: `Key “${keyName}”` });
  await expect(async () => expect(Number(await total.getAttribute("data-value"))).toBe(6)).toPass();
  await pageA.getByLabel("Breakdown").selectOption("all");
  await pageA.getByLabel("Range").selectOption("24h");
  // The key's own page shows its usage: exactly its six requests, one a 4xx.
  await pageA.goto(`/api-keys/${keyId}`);
  const keyRequests = pageA.getByTestId("key-usage-requests");
  await expect(async () => expect(Number(await keyRequests.getAttribute("data-value"))).toBe(6)).toPass({ timeout: 15_000 });
  await expect(pageA.getByTestId("key-usage-4xx-5xx")).toContainText("1 / 0");
  await pageA.goto("/");
  await expect(pageA.getByTestId("count-api-keys")).toHaveText("1");
  await expect(pageA.getByTestId("count-users")).toHaveText("2");
  await checkPage(pageA, "dashboard");
});

test("revokes the API key", async () => {
  await pageA.goto("/api-keys");
  const row = pageA.getByTestId(`api-key-row-${keyName}`);
  await row.getByRole("button", { name: "Revoke" }).click();
  await row.getByRole("button", { name: `Confirm revoking ${keyName}` }).click();
  await expect(pageA.getByTestId(`api-key-row-${keyName}`)).toHaveCount(0);
  // The only key is revoked: the active list says so, not "No API keys yet".
  const empty = pageA.getByTestId("api-keys-empty");
  await expect(empty).toHaveAttribute("data-empty-kind", "filtered");
  await expect(empty).toContainText("No active keys.");
  await expect(empty).not.toContainText("No API keys yet");
  await pageA.getByLabel("Status").selectOption("revoked");
  await expect(pageA.getByTestId(`api-key-row-${keyName}`).getByTestId("api-key-status")).toHaveText("revoked");
  await pageA.getByLabel("Search keys").fill("no such key");
  await expect(empty).toHaveAttribute("data-empty-kind", "no-match");
  await pageA.getByLabel("Search keys").fill(run);
  await expect(pageA.getByTestId(`api-key-row-${keyName}`)).toBeVisible();
  await pageA.goto(`/api-keys/${keyId}`);
  await expect(pageA.getByTestId("api-key-status")).toHaveText("revoked");
  expect(await callWithKey(keySecret, "/v1/users")).toBe(401);
});

test("the audit log: named actors, action and actor filters, CSV export", async () => {
  await nav(pageA, "Audit log");
  const actions = pageA.getByTestId("audit-action");
  for (const action of ["invitation.sent", "invitation.accepted", "user.role_changed", "api_key.created", "api_key.revoked"]) {
    await expect(actions.filter({ hasText: new RegExp(`^${action.replace(".", "\\.")}$`) }).first()).toBeVisible();
  }
  await expect(pageA.getByText("role: viewer → developer")).toBeVisible();
  // Actors and targets are named, not shown as raw ids.
  const roleRow = pageA.getByRole("row").filter({ hasText: "role: viewer → developer" });
  await expect(roleRow.getByTestId("audit-actor-name")).toHaveText(orgA.owner);
  await expect(roleRow.getByTestId("audit-actor-email")).toHaveText(orgA.email);
  await expect(roleRow).toContainText("user: Grace B. Hopper");
  await checkPage(pageA, "audit");

  // The action filter is a choice list (families first).
  await pageA.getByLabel("Action").selectOption("api_key.*");
  await pageA.getByRole("button", { name: "Apply filters" }).click();
  await expect(pageA).toHaveURL(/action=api_key/);
  await expect(actions).toHaveCount(2);
  for (const text of await actions.allTextContents()) expect(text).toMatch(/^api_key\./);

  // Actor by name or email: only Grace's own events.
  await pageA.getByLabel("Action").selectOption("");
  await pageA.getByLabel("Actor name or email").fill(invitee.email);
  await pageA.getByRole("button", { name: "Apply filters" }).click();
  await expect(actions.filter({ hasText: /^invitation\.accepted$/ })).toHaveCount(1);
  await expect(actions.filter({ hasText: /^api_key\./ })).toHaveCount(0);
  for (const email of await pageA.getByTestId("audit-actor-email").allTextContents()) expect(email).toBe(invitee.email);

  // CSV export of what is filtered: a real download with a header row.
  const download = pageA.waitForEvent("download");
  await pageA.getByRole("button", { name: "Export CSV" }).click();
  const file = await download;
  expect(file.suggestedFilename()).toMatch(/^audit-.*\.csv$/);
  const csv = readFileSync(await file.path(), "utf8");
  const [header, ...rows] = csv.trim().split(/\r?\n/);
  expect(header).toBe("id,created_at,action,actor_type,actor_id,actor_name,actor_email,target_type,target_id,ip,user_agent,request_id,diff");
  expect(rows.some((r) => r.includes(",invitation.accepted,"))).toBe(true);
  expect(rows.every((r) => r.includes(invitee.email))).toBe(true);
  await expect(pageA.getByTestId("audit-export-message")).toContainText(/Downloaded audit-.*\.csv/);
});

test("settings, reference and not-found pages", async () => {
  await pageA.goto("/settings");
  const renamed = `${orgA.name} Labs`;
  await pageA.getByLabel("Organization name").fill(renamed);
  await pageA.getByRole("button", { name: "Save" }).click();
  await expect(pageA.getByText("Saved.")).toBeVisible();
  await expect(pageA.getByTestId("settings-tenant-name")).toHaveText(renamed);
  await expect(pageA.getByTestId("whoami")).toContainText(renamed);
  await checkPage(pageA, "settings");

  await pageA.goto("/reference");
  await expect(pageA.getByTestId("api-reference")).toContainText("QHub API", { timeout: 30_000 });
  await expect(pageA.getByTestId("api-reference")).toContainText("/v1/users/{id}");
  // The first operation shows without scrolling: no console style leaks
  // into swagger-ui's layout (a shared `.main` class once pushed it 800px down).
  const top = (await pageA.getByTestId("api-reference").boundingBox())!.y;
  const first = (await pageA.locator(".opblock").first().boundingBox())!.y;
  expect(first - top).toBeLessThan(800);
  await checkPage(pageA, "reference", { fullPage: false });

  await pageA.goto("/definitely/not/a/page");
  await expect(pageA.getByTestId("not-found")).toBeVisible();
  await checkPage(pageA, "not-found");
});

const SCHEME = "data-mantine-color-scheme";

async function chooseScheme(page: Page, label: "Light" | "Dark" | "Auto (system)") {
  await page.getByTestId("color-scheme-switch").click();
  await page.getByRole("radiogroup", { name: "Colour scheme" }).getByRole("radio", { name: label }).check();
  await expect(page.getByRole("radiogroup", { name: "Colour scheme" })).toHaveCount(0);
}

test("dark mode: chosen in the header, kept after a reload, and auto follows the system", async () => {
  await pageA.goto("/");
  const html = pageA.locator("html");
  await expect(html).toHaveAttribute(SCHEME, "light");
  // The open switch is axe-clean too, and Escape closes it.
  await pageA.getByTestId("color-scheme-switch").click();
  await expect(pageA.getByRole("radio", { name: "Auto (system)" })).toBeChecked();
  await axe(pageA, "colour scheme switch");
  await pageA.keyboard.press("Escape");
  await expect(pageA.getByRole("radiogroup", { name: "Colour scheme" })).toHaveCount(0);
  await chooseScheme(pageA, "Dark");
  await expect(html).toHaveAttribute(SCHEME, "dark");
  await expect(pageA.getByTestId("color-scheme-switch")).toHaveAccessibleName("Colour scheme: Dark");
  await pageA.reload();
  await expect(html).toHaveAttribute(SCHEME, "dark");
  expect(await pageA.evaluate(() => localStorage.getItem("qhub-color-scheme"))).toBe("dark");

  // The main pages, axe-clean and screenshotted in dark too.
  await expect(pageA.getByTestId("usage-total-requests")).toBeVisible();
  await checkPage(pageA, "dashboard-dark");
  await nav(pageA, "Users");
  await expect(pageA.getByTestId(`user-row-${orgA.email}`)).toBeVisible();
  await checkPage(pageA, "users-dark");
  await nav(pageA, "API keys");
  await expect(pageA.getByRole("heading", { level: 1, name: "API keys" })).toBeVisible();
  await checkPage(pageA, "api-keys-dark");
  await nav(pageA, "Audit log");
  await expect(pageA.getByTestId("audit-action").first()).toBeVisible();
  await checkPage(pageA, "audit-dark");

  // "Auto" follows prefers-color-scheme, live.
  await chooseScheme(pageA, "Auto (system)");
  await pageA.emulateMedia({ colorScheme: "dark" });
  await expect(html).toHaveAttribute(SCHEME, "dark");
  await pageA.reload();
  await expect(html).toHaveAttribute(SCHEME, "dark");
  await pageA.emulateMedia({ colorScheme: "light" });
  await expect(html).toHaveAttribute(SCHEME, "light");
  await pageA.emulateMedia({ colorScheme: null });
  expect(await pageA.evaluate(() => localStorage.getItem("qhub-color-scheme"))).toBe("auto");
});

test("phone layout: the burger menu, the skip link, one main and a title per page", async () => {
  await pageA.setViewportSize(PHONE);
  try {
    await pageA.goto("/");
    await expect(pageA.getByTestId("tenant-name")).toBeVisible();
    // The skip link is the first Tab stop and moves focus to <main>.
    await pageA.keyboard.press("Tab");
    const skip = pageA.getByRole("link", { name: "Skip to content" });
    await expect(skip).toBeFocused();
    await expect(skip).toBeInViewport();
    await pageA.keyboard.press("Enter");
    await expect(pageA.locator("main")).toBeFocused();
    await expect(pageA).toHaveURL(/\/$/);

    const menu = pageA.getByRole("navigation", { name: "Main" });
    const pages: [string, string, string][] = [
      ["Users", "/users", "Users"],
      ["API keys", "/api-keys", "API keys"],
      ["Sessions", "/sessions", "Sessions"],
      ["Settings", "/settings", "Organization settings"],
      ["Profile", "/profile", "Your profile"],
      ["Audit log", "/audit", "Audit log"],
      ["API reference", "/reference", "API reference"],
      ["Dashboard", "/", "Dashboard"],
    ];
    for (const [link, path, title] of pages) {
      // The navbar is off screen behind the burger until opened.
      await expect(menu).not.toBeInViewport();
      const burger = pageA.getByRole("button", { name: "Open navigation" });
      await expect(burger).toHaveAttribute("aria-expanded", "false");
      await burger.click();
      await expect(pageA.getByRole("button", { name: "Close navigation" })).toHaveAttribute("aria-expanded", "true");
      await expect(menu).toBeInViewport();
      await menu.getByRole("link", { name: link, exact: true }).click();
      await expect(pageA).toHaveURL(new RegExp(`${path.replace("/", "\\/")}$`));
      // It closes after navigating.
      await expect(pageA.getByRole("button", { name: "Open navigation" })).toHaveAttribute("aria-expanded", "false");
      await expect(menu).not.toBeInViewport();
      await expect(pageA).toHaveTitle(`${title} · QHub console`);
      await expect(pageA.locator("main")).toHaveCount(1);
      expect(await pageA.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    }
  } finally {
    await pageA.setViewportSize({ width: 1280, height: 900 });
  }
});

test("the second organization cannot reach the first one's users or keys", async () => {
  // Log out (another tab of the same browser follows) and back in through the form.
  const otherTab = await ctxB.newPage();
  await otherTab.goto("/sessions");
  await expect(otherTab.getByTestId("session-current")).toBeVisible();
  await pageB.getByRole("button", { name: "Log out" }).click();
  await expect(pageB).toHaveURL(/\/login/);
  await expect(pageB.getByText("You have logged out.")).toBeVisible();
  await expect(otherTab).toHaveURL(/\/login/);
  await expect(otherTab.getByText("You logged out in another tab.")).toBeVisible();
  await otherTab.close();
  await pageB.getByLabel("Organization").fill(orgB.slug);
  await pageB.getByLabel("Email").fill(orgB.email);
  expectFailedRequest(401, "/v1/auth/login");
  await pageB.getByLabel("Password").fill("wrong password here");
  await pageB.getByRole("button", { name: "Log in" }).click();
  await expect(pageB.getByRole("alert")).toBeVisible();
  await pageB.getByLabel("Password").fill(PASSWORD);
  await ctxB.clearCookies();
  const loginResponse = pageB.waitForResponse((r) => r.url() === `${API_URL}/v1/auth/login` && r.status() === 200);
  await pageB.getByRole("button", { name: "Log in" }).click();
  await expect(pageB.getByTestId("tenant-name")).toHaveText(orgB.name);
  // The login asked for refresh_delivery "cookie": the server set the HttpOnly
  // cookie and left refresh_token out of the body. (The default, "body", does
  // the opposite. Chromium does not report this fetch's request body to
  // Playwright; the App unit tests assert the body itself.)
  expect(await (await loginResponse).json()).not.toHaveProperty("refresh_token");
  const refreshCookie = (await ctxB.cookies(`${API_URL}/v1/auth/refresh`)).find((c) => c.name === "qhub_refresh");
  expect(refreshCookie, "qhub_refresh cookie").toBeTruthy();
  expect(refreshCookie!.httpOnly).toBe(true);
  expect(refreshCookie!.sameSite).toBe("Strict");
  expect(await pageB.evaluate(() => document.cookie)).not.toContain("qhub_refresh");

  expectFailedRequest(404, `/v1/users/${inviteeId}`);
  expectFailedRequest(404, `/v1/api-keys/${keyId}`);
  await pageB.goto(`/users/${inviteeId}`);
  await expect(pageB.getByTestId("not-found")).toBeVisible();
  await pageB.goto(`/api-keys/${keyId}`);
  await expect(pageB.getByTestId("not-found")).toBeVisible();
  await pageB.goto("/users");
  // Only once the list has loaded does "no row for the other org's user" mean anything.
  await expect(pageB.getByTestId(`user-row-${orgB.email}`)).toBeVisible();
  await expect(pageB.getByTestId(`user-row-${invitee.email}`)).toHaveCount(0);
  await expect(pageB.getByTestId(`user-row-${orgA.email}`)).toHaveCount(0);

  // Logged out, a protected page sends you to log in and back.
  await pageB.getByRole("button", { name: "Log out" }).click();
  await pageB.goto("/audit");
  await expect(pageB).toHaveURL(/\/login\?next=%2Faudit/);
  await pageB.getByLabel("Organization").fill(orgB.slug);
  await pageB.getByLabel("Email").fill(orgB.email);
  await pageB.getByLabel("Password").fill(PASSWORD);
  await pageB.getByRole("button", { name: "Log in" }).click();
  await expect(pageB).toHaveURL(/\/audit$/);
  expect(API_URL).toMatch(/^http/);
});

test("logging in as someone else in another tab switches this tab over", async ({ browser }) => {
  const ctx = await newContext(browser);
  const tab1 = await ctx.newPage();
  const tab2 = await ctx.newPage();
  await tab1.goto("/login");
  await tab2.goto("/login");
  await logIn(tab1, orgA.slug, orgA.email, PASSWORD);
  await expect(tab1.getByTestId("whoami")).toContainText(orgA.owner);
  await tab1.goto("/users");
  await expect(tab1.getByTestId(`user-row-${invitee.email}`)).toBeVisible();

  // tab2 still shows its login form; logging in there replaces the browser's
  // (shared) refresh cookie with another organization's session.
  await logIn(tab2, orgB.slug, orgB.email, PASSWORD);
  await expect(tab2.getByTestId("tenant-name")).toHaveText(orgB.name);

  // tab1 follows: dashboard, a notice, the new identity, none of the old data.
  await expect(tab1.getByTestId("auth-notice")).toContainText("another tab");
  await expect(tab1).toHaveURL(/\/$/);
  await expect(tab1.getByTestId("whoami")).toContainText(orgB.owner);
  await expect(tab1.getByTestId("tenant-name")).toHaveText(orgB.name);
  await nav(tab1, "Users");
  await expect(tab1.getByTestId(`user-row-${orgB.email}`)).toBeVisible();
  await expect(tab1.getByTestId(`user-row-${invitee.email}`)).toHaveCount(0);
  await ctx.close();
});

test("password reset by email, then log in with the new password", async () => {
  const newPassword = `${PASSWORD} reset`;
  await pageB.getByRole("button", { name: "Log out" }).click();
  await pageB.getByRole("link", { name: "Forgot your password?" }).click();
  await pageB.getByLabel("Organization").fill(orgB.slug);
  await pageB.getByLabel("Email").fill(orgB.email);
  await pageB.getByRole("button", { name: "Send reset link" }).click();
  await expect(pageB.getByText(/a password-reset link is on its way/)).toBeVisible();
  await checkPage(pageB, "forgot-password");

  const mail = await waitForMail(orgB.email, /\/reset-password\?token=/);
  const link = /(https?:\/\/[^\s"'<>]+\/reset-password\?token=[^\s"'<>]+)/.exec(mail.body)![1]!;
  expect(link.startsWith(`${WEB_URL}/reset-password?token=`)).toBe(true);
  await pageB.goto(link);
  await pageB.getByLabel("New password", { exact: true }).fill("too short");
  await pageB.getByRole("button", { name: "Set new password" }).click();
  await expect(pageB.getByText("Password must be at least 10 characters.")).toBeVisible();
  await checkPage(pageB, "reset-password");
  await pageB.getByLabel("New password", { exact: true }).fill(newPassword);
  await pageB.getByLabel("Confirm new password").fill(newPassword);
  await pageB.getByRole("button", { name: "Set new password" }).click();
  await expect(pageB.getByText("Your password has been changed and every session has been logged out.")).toBeVisible();

  await pageB.getByRole("link", { name: "Log in with your new password" }).click();
  await pageB.getByLabel("Organization").fill(orgB.slug);
  await pageB.getByLabel("Email").fill(orgB.email);
  await pageB.getByLabel("Password").fill(newPassword);
  await pageB.getByRole("button", { name: "Log in" }).click();
  await expect(pageB.getByTestId("tenant-name")).toHaveText(orgB.name);
});

const linkIn = (body: string, path: string) => new RegExp(`(https?://[^\\s"'<>]+/${path}\\?token=[^\\s"'<>]+)`).exec(body)![1]!;

test("a new organization's getting-started checklist, to the end", async ({ browser }) => {
  const ctx = await newContext(browser);
  await ctx.grantPermissions(["clipboard-read", "clipboard-write"], { origin: WEB_URL });
  const page = await ctx.newPage();
  await signUp(page, orgC);
  const card = page.getByTestId("getting-started");
  await expect(card).toHaveAttribute("data-complete", "false");
  for (const id of ["email", "invite", "key", "call"]) await expect(page.getByTestId(`step-${id}`)).toHaveAttribute("data-done", "false");
  await checkPage(page, "getting-started");

  // 1. Email: "Resend verification email" sends a second mail; its link verifies.
  const first = await waitForMail(orgC.email, /\/verify-email\?token=/);
  await page.getByRole("button", { name: "Resend verification email" }).click();
  await expect(page.getByTestId("resend-message")).toContainText("Verification email sent.");
  const mails = await waitForMails(orgC.email, /\/verify-email\?token=/, 2);
  const resent = mails.find((m) => linkIn(m.body, "verify-email") !== linkIn(first.body, "verify-email"))!;
  await page.goto(linkIn(resent.body, "verify-email"));
  await expect(page.getByText("Your email address is verified. Thank you!")).toBeVisible();
  await page.goto("/");
  await expect(page.getByTestId("step-email")).toHaveAttribute("data-done", "true");

  // 2. Invite a teammate; resend the invitation and copy its link.
  const mate = `mate-${run}@initech.test`;
  await nav(page, "Users");
  await page.getByLabel("Invitee email").fill(mate);
  await page.getByRole("button", { name: "Send invitation", exact: true }).click();
  await expect(page.getByText(`Invitation sent to ${mate}.`)).toBeVisible();
  const row = page.getByTestId(`invitation-row-${mate}`);
  await row.getByRole("button", { name: /^Resend/ }).click();
  await expect(page.getByTestId("invitations-message")).toContainText(`Invitation re-sent to ${mate}.`);
  await waitForMails(mate, /\/accept-invitation\?token=/, 2);
  await row.getByRole("button", { name: /^Copy .*link/ }).click();
  await expect(page.getByTestId("invitations-message")).toContainText(`Invitation link for ${mate} copied.`);
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  expect(copied.startsWith(`${WEB_URL}/accept-invitation?token=`)).toBe(true);
  // The copied link works: another browser sees the invitation's preview.
  const other = await newContext(browser);
  const otherPage = await other.newPage();
  await otherPage.goto(copied);
  await expect(otherPage.getByTestId("invitation-preview")).toContainText(`Join ${orgC.name} as Viewer`);
  await expect(otherPage.getByTestId("invitation-preview")).toContainText(`Invited by ${orgC.owner}`);
  await other.close();

  // Filters: invitations by status, users by search and role.
  await page.getByLabel("Filter by invitation status").selectOption("accepted");
  await expect(page.getByText("No invitations match these filters.")).toBeVisible();
  await page.getByLabel("Filter by invitation status").selectOption("pending");
  await expect(row).toBeVisible();
  const owner = page.getByTestId(`user-row-${orgC.email}`);
  await page.getByLabel("Search users").fill("nobody-like-this");
  await expect(page.getByText("No users match these filters.")).toBeVisible();
  await page.getByLabel("Search users").fill("Gibbons");
  await expect(owner).toBeVisible();
  await page.getByLabel("Filter by role").selectOption("viewer");
  await expect(owner).toHaveCount(0);
  await page.getByLabel("Filter by role").selectOption("owner");
  await expect(owner).toBeVisible();

  // 3. Create a key; its curl snippet, run in a shell, answers 200 with JSON.
  // (Every request the page sends to the API from here on, for the Try it out check below.)
  const sent: { url: string; auth?: string; key?: string }[] = [];
  page.on("request", (r) => {
    if (!r.url().startsWith(API_URL)) return;
    const h = r.headers();
    sent.push({ url: r.url(), auth: h.authorization, key: h["x-api-key"] });
  });
  await nav(page, "API keys");
  const name = `first key ${run}`;
  await page.getByLabel("Key name").fill(name);
  await page.getByLabel("users:read", { exact: true }).check();
  await page.getByRole("button", { name: "Create key" }).click();
  const curl = (await page.getByTestId("snippet-curl").textContent())!.trim();
  expect(curl).toMatch(/^curl /);
  const secret = (await page.getByTestId("api-key-secret").textContent())!.trim();
  expect(curl).toContain(secret);

  // 4. Back on the dashboard (the checklist open), run it: the last step ticks by itself.
  await nav(page, "Dashboard");
  await expect(page.getByTestId("step-key")).toHaveAttribute("data-done", "true");
  await expect(page.getByTestId("step-invite")).toHaveAttribute("data-done", "true");
  await expect(page.getByTestId("step-call")).toHaveAttribute("data-done", "false");
  const out = execFileSync("bash", ["-c", `${curl} -w '\\n%{http_code}'`], { encoding: "utf8", timeout: 15_000 });
  const status = out.slice(out.lastIndexOf("\n") + 1);
  expect(status).toBe("200");
  const body = JSON.parse(out.slice(0, out.lastIndexOf("\n"))) as { items: { email: string }[] };
  expect(body.items.map((u) => u.email)).toContain(orgC.email);
  await expect(card).toHaveAttribute("data-complete", "true", { timeout: 60_000 });
  await expect(card).toContainText("You’re all set.");
  await checkPage(page, "getting-started-done");

  // The API reference's Try it out: the pasted key (X-API-Key), never the session's token.
  await nav(page, "API reference");
  await expect(page.getByTestId("api-reference")).toContainText("/v1/users/{id}", { timeout: 30_000 });
  await page.getByLabel("API key for Try it out").fill(secret);
  const op = page.locator("#operations-users-listUsers");
  await op.locator(".opblock-summary-control").click();
  await op.getByRole("button", { name: "Try it out" }).click();
  const tried = page.waitForResponse((r) => r.url().startsWith(`${API_URL}/v1/users`) && r.request().headers()["x-api-key"] === secret);
  await op.getByRole("button", { name: "Execute" }).click();
  expect((await tried).status()).toBe(200);
  await expect(op.locator(".live-responses-table tr.response .response-col_status").first()).toContainText("200");
  await checkPage(page, "reference-try-it-out", { fullPage: false });
  const fromTryItOut = sent.filter((r) => r.key === secret);
  expect(fromTryItOut.length).toBeGreaterThan(0);
  for (const r of fromTryItOut) expect(r.auth, `Try it out sent Authorization to ${r.url}`).toBeUndefined();
  // The console's own calls carry the session's bearer token, and never the key.
  expect(sent.some((r) => r.auth?.startsWith("Bearer "))).toBe(true);
  for (const r of sent.filter((x) => x.auth)) expect(r.key).toBeUndefined();

  // Sessions: "Log out all other sessions" ends the other browser's session.
  const second = await newContext(browser);
  const secondPage = await second.newPage();
  await secondPage.goto("/login");
  await logIn(secondPage, orgC.slug, orgC.email, PASSWORD);
  await expect(secondPage.getByTestId("tenant-name")).toHaveText(orgC.name);
  await nav(page, "Sessions");
  await expect(page.getByTestId("session-row")).toHaveCount(1);
  await expect(page.getByTestId("session-device").first()).not.toBeEmpty();
  await page.getByRole("button", { name: "Log out all other sessions" }).click();
  await page.getByRole("button", { name: "Confirm: log out 1 other session" }).click();
  await expect(page.getByTestId("session-row")).toHaveCount(0);
  await expect(page.getByTestId("session-current")).toHaveCount(1);
  expectFailedRequest(401, "/v1/auth/sessions");
  expectFailedRequest(401, "/v1/auth/refresh");
  await nav(secondPage, "Sessions");
  await expect(secondPage).toHaveURL(/\/login\?next=%2Fsessions$/);
  await second.close();
  await ctx.close();
});

test("no page loaded anything from outside this machine", () => {
  expect(external).toEqual([]);
});

test("every checked page has a title of its own", () => {
  const seen = new Map<string, string>();
  for (const [route, title] of titles) {
    expect(seen.get(title), `${route} and ${seen.get(title)} share the title "${title}"`).toBeUndefined();
    seen.set(title, route);
  }
  expect(titles.size).toBeGreaterThanOrEqual(17);
});

test("no token-issuing response gave the page a refresh token", async () => {
  await Promise.all(pendingChecks);
  const ok = issued.filter((i) => i.status >= 200 && i.status < 300);
  // Signups, logins, invitation acceptances and refreshes all happened above.
  for (const path of ISSUING) expect(ok.some((i) => i.path === path), `a successful ${path}`).toBe(true);
  // Had the console not asked for refresh_delivery "cookie", the server would
  // have put refresh_token in these bodies (and set no cookie).
  expect(ok.filter((i) => i.bodyHasRefreshToken)).toEqual([]);
});
