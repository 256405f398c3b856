// The marketplace, end to end against a real QHub server
// (docs/marketplace.md): organization A (the provider) has two circuit apps
// with a published version each (made through the API: the UI path is
// covered by apps.spec.ts); it sells the first on the marketplace through
// the app page's "Sell on marketplace" form (one plan, a 14-day trial) and
// the second through the API. Organization B finds both in the
// marketplace, starts a trial of the first and subscribes to the second
// (one live subscription per listing), creates a subscription key in the
// console and copies it, and runs the second app as a job with the key
// alone (X-API-Key). Once ClickHouse has the job's shots, the month is
// closed early (`qhub close-period <this month> --early`): B's bell shows
// the bill live, B reads it with its line items and downloads the invoice
// PDF; A's bell showed each new subscriber live, A sees B among the
// listing's subscribers and the listing in its statements.
import { expect, test, type Browser, type BrowserContext, type Page } from "@playwright/test";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import {
  API_URL,
  beginStep,
  checkPage,
  nav,
  PASSWORD,
  SCREENSHOT_DIR,
  shot,
  signUp,
  unexpectedConsoleErrors,
  watchConsole,
  WEB_URL,
  type Org,
} from "./helpers";

const run = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;
const orgA: Org = { name: `Superposition Inc ${run}`, slug: `superpos-${run}`, owner: "Ada Provider", email: `ada-${run}@superpos.test` };
const orgB: Org = { name: `Interference Ltd ${run}`, slug: `interfere-${run}`, owner: "Ben Consumer", email: `ben-${run}@interfere.test` };
const TRIAL_APP = `Bell Sampler ${run}`;
const PAID_APP = `GHZ Sampler ${run}`;
const SHOTS = 1024;
const JOB_TIMEOUT = 60_000;
/** A notification must arrive through the stream, well before the list's 60 s fallback poll. */
const LIVE = { timeout: 10_000 };
const QHUB_BIN = process.env.QHUB_BIN || `${process.env.CARGO_TARGET_DIR || "/var/tmp/qhub-target"}/debug/qhub`;

const BELL = `OPENQASM 2.0;
include "qelib1.inc";
qreg q[2];
creg c[2];
h q[0];
cx q[0],q[1];
measure q -> c;
`;
const GHZ = `OPENQASM 2.0;
include "qelib1.inc";
qreg q[3];
creg c[3];
h q[0];
cx q[0],q[1];
cx q[1],q[2];
measure q -> c;
`;

let ctxA: BrowserContext;
let ctxB: BrowserContext;
let pageA: Page;
let pageB: Page;
let tokenA = "";
let tokenB = "";
let trialApp = { id: "", versionId: "" };
let paidApp = { id: "", versionId: "" };
let trialListingId = "";
let paidListingId = "";
let paidSubscriptionId = "";
let subscriptionKey = "";
let jobId = "";

test.describe.configure({ mode: "serial" });

test.beforeEach(({}, testInfo) => {
  beginStep(testInfo.title);
});

test.afterEach(() => {
  expect(unexpectedConsoleErrors(), "unexpected browser-console errors").toEqual([]);
});

test.beforeAll(async ({ browser }: { browser: Browser }) => {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  ctxA = await browser.newContext({ baseURL: WEB_URL });
  ctxB = await browser.newContext({ baseURL: WEB_URL, acceptDownloads: true });
  await ctxB.grantPermissions(["clipboard-read", "clipboard-write"], { origin: WEB_URL });
  watchConsole(ctxA);
  watchConsole(ctxB);
  pageA = await ctxA.newPage();
  pageB = await ctxB.newPage();
});

test.afterAll(async () => {
  await ctxA?.close();
  await ctxB?.close();
});

// --- the API, as an integrator would call it ---------------------------------------

async function apiCall<T>(method: string, path: string, auth: { token?: string; key?: string }, body?: unknown, raw?: string): Promise<{ status: number; body: T }> {
  const headers: Record<string, string> = {};
  if (auth.token) headers.Authorization = `Bearer ${auth.token}`;
  if (auth.key) headers["X-API-Key"] = auth.key;
  let payload: string | undefined;
  if (raw !== undefined) {
    headers["Content-Type"] = "application/octet-stream";
    payload = raw;
  } else if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  const res = await fetch(`${API_URL}${path}`, { method, headers, body: payload });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON
  }
  return { status: res.status, body: parsed as T };
}

async function ok<T>(what: string, p: Promise<{ status: number; body: T }>, expected: number[] = [200, 201]): Promise<T> {
  const r = await p;
  expect(expected, `${what}: HTTP ${r.status} ${JSON.stringify(r.body)}`).toContain(r.status);
  return r.body;
}

async function login(org: Org): Promise<string> {
  const pair = await ok<{ access_token: string }>(
    `login ${org.slug}`,
    apiCall("POST", "/v1/auth/login", {}, { tenant: org.slug, email: org.email, password: PASSWORD }),
  );
  return pair.access_token;
}

/** A public circuit app with version 1.0.0 published, its package the program. */
async function circuitApp(token: string, name: string, slug: string, program: string, qubits: number) {
  const app = await ok<{ id: string }>(
    `create ${slug}`,
    apiCall("POST", "/v1/apps", { token }, {
      name,
      slug,
      type: "circuit",
      visibility: "public",
      license: "MIT",
      tags: ["sampler", `e2e-${run}`],
      description: `Samples an entangled state (${run}).`,
    }),
  );
  const version = await ok<{ id: string }>(
    `version of ${slug}`,
    apiCall("POST", `/v1/apps/${app.id}/versions`, { token }, { version: "1.0.0", sdk: "openqasm2", qubits }),
  );
  await ok(`package of ${slug}`, apiCall("PUT", `/v1/apps/${app.id}/versions/${version.id}/package`, { token }, undefined, program), [200, 201, 204]);
  await ok(`publish ${slug} 1.0.0`, apiCall("POST", `/v1/apps/${app.id}/versions/${version.id}/publish`, { token }));
  return { id: app.id, versionId: version.id };
}

async function chooseScheme(page: Page, label: "Light" | "Dark") {
  await page.getByTestId("color-scheme-switch").click();
  await page.getByRole("radiogroup", { name: "Colour scheme" }).getByRole("radio", { name: label }).check();
  await expect(page.getByRole("radiogroup", { name: "Colour scheme" })).toHaveCount(0);
}

/** checkPage in light, then dark, then back to light. */
async function bothSchemes(page: Page, name: string) {
  await checkPage(page, name);
  await chooseScheme(page, "Dark");
  await checkPage(page, `${name}-dark`);
  await chooseScheme(page, "Light");
}

const bell = (page: Page) => page.getByTestId("notification-bell");

async function openBell(page: Page) {
  await bell(page).click();
  await expect(page.getByTestId("notification-dropdown")).toBeVisible();
  await page.waitForTimeout(300); // the popover's transition, before a screenshot
}

async function closeBell(page: Page) {
  await page.keyboard.press("Escape");
  await expect(page.getByTestId("notification-dropdown")).toHaveCount(0);
}

const idFrom = (url: string, after: string) => new RegExp(`/${after}/([0-9a-f-]{36})`).exec(url)?.[1] ?? "";

// --- the story ---------------------------------------------------------------------

test("two organizations sign up; A has two circuit apps with a published version each", async () => {
  await signUp(pageA, orgA);
  await signUp(pageB, orgB);
  tokenA = await login(orgA);
  tokenB = await login(orgB);
  trialApp = await circuitApp(tokenA, TRIAL_APP, `bell-sampler-${run}`, BELL, 2);
  paidApp = await circuitApp(tokenA, PAID_APP, `ghz-sampler-${run}`, GHZ, 3);
  // Nothing unread yet, and the nav offers the new pages to an owner.
  await expect(bell(pageA)).toHaveAttribute("data-unread", "0");
  for (const link of ["Marketplace", "Subscriptions", "Bills", "Statements"]) {
    await expect(pageA.getByRole("navigation", { name: "Main" }).getByRole("link", { name: link, exact: true })).toBeVisible();
  }
});

test("A sells the first app on the marketplace from its app page: one plan, a 14-day trial", async () => {
  await pageA.goto(`/apps/${trialApp.id}`);
  const form = pageA.getByRole("form", { name: "Sell on marketplace" });
  await expect(form).toBeVisible();
  const plan = form.getByTestId("plan-editor").first();
  await plan.getByLabel("Plan name").fill("Starter");
  await plan.getByLabel("Price", { exact: true }).fill("49");
  await plan.getByLabel("Currency").selectOption("USD");
  await plan.getByLabel("Billing period").selectOption("month");
  await plan.getByLabel("Included shots").fill("100000");
  await plan.getByLabel("Overage price per 1,000 shots").fill("0.25");
  await form.getByLabel("Trial days").fill("14");
  await form.getByLabel("Support email").fill(`support-${run}@superpos.test`);
  await checkPage(pageA, "marketplace-sell");
  await form.getByRole("button", { name: "Publish to marketplace" }).click();
  const listed = pageA.getByTestId("marketplace-listed");
  await expect(listed).toContainText("Sold on the marketplace with 1 plan");
  await listed.getByRole("link", { name: "Open the listing" }).click();
  await expect(pageA).toHaveURL(/\/marketplace\/[0-9a-f-]{36}$/);
  trialListingId = idFrom(pageA.url(), "marketplace");
  await expect(pageA.getByTestId("listing-name")).toHaveText(TRIAL_APP);
  const row = pageA.locator('[data-testid="plan-row"][data-plan="Starter"]');
  await expect(row.getByTestId("plan-price")).toHaveText("USD 49.00 / month");
  await expect(row.getByTestId("plan-overage")).toHaveText("USD 0.25 per 1,000 shots");
  // The provider gets no buy buttons on its own listing.
  await expect(pageA.getByRole("button", { name: /Subscribe to|Start trial of/ })).toHaveCount(0);

  // The second app: through the API, a plan with few included shots (the job runs into overage).
  const listing = await ok<{ id: string; plans: { id: string; name: string }[] }>(
    "publish the second app",
    apiCall("POST", `/v1/apps/${paidApp.id}/publish-marketplace`, { token: tokenA }, {
      plans: [{ name: "Pro", price: 9900, currency: "USD", period: "month", included_shots: 100, overage_price_per_1000_shots: 25 }],
      trial_days: 0,
      support_email: `support-${run}@superpos.test`,
    }),
    [201],
  );
  paidListingId = listing.id;
  // Listing an app twice is a conflict.
  const again = await apiCall("POST", `/v1/apps/${paidApp.id}/publish-marketplace`, { token: tokenA }, {
    plans: [{ name: "Pro", price: 9900, currency: "USD", period: "month", included_shots: 100, overage_price_per_1000_shots: 25 }],
    trial_days: 0,
    support_email: `support-${run}@superpos.test`,
  });
  expect(again.status).toBe(409);
});

test("B browses the marketplace: cards with the lowest price and the plans", async () => {
  await nav(pageB, "Marketplace");
  await expect(pageB).toHaveTitle("Marketplace · QHub console");
  await pageB.getByRole("search", { name: "Marketplace search" }).getByLabel("Search listings").fill(`Sampler ${run}`);
  await expect(pageB).toHaveURL(/[?&]q=/);
  const trialCard = pageB.getByTestId(`listing-card-bell-sampler-${run}`);
  const paidCard = pageB.getByTestId(`listing-card-ghz-sampler-${run}`);
  await expect(trialCard).toBeVisible();
  await expect(paidCard).toBeVisible();
  await expect(trialCard.getByTestId("listing-min-price")).toHaveText("From USD 49.00");
  await expect(trialCard).toContainText("Starter: USD 49.00 / month");
  await expect(trialCard).toContainText("14-day trial");
  await expect(trialCard).toContainText(`by ${orgA.name}`);
  await expect(paidCard.getByTestId("listing-min-price")).toHaveText("From USD 99.00");
  await pageB.getByRole("search", { name: "Marketplace search" }).getByLabel("Sort by").selectOption("price");
  await expect(pageB).toHaveURL(/sort=price/);
  await expect(pageB.getByTestId("marketplace-results").locator("li.registry-card").first()).toHaveAttribute("data-testid", `listing-card-bell-sampler-${run}`);
  await bothSchemes(pageB, "marketplace");
});

test("B starts a trial of the first app; A's bell shows the new subscriber live", async () => {
  // A waits on its listing page: the bell must change without a reload.
  await pageA.goto(`/marketplace/${trialListingId}`);
  await expect(bell(pageA)).toHaveAttribute("data-unread", "0");

  await pageB.getByTestId(`listing-card-bell-sampler-${run}`).getByRole("link", { name: TRIAL_APP }).click();
  await expect(pageB).toHaveTitle(`${TRIAL_APP} · Marketplace · QHub console`);
  await expect(pageB.getByTestId("listing-trial")).toHaveText("14 days");
  const row = pageB.locator('[data-testid="plan-row"][data-plan="Starter"]');
  await expect(row.getByTestId("plan-price")).toHaveText("USD 49.00 / month");
  await expect(row.getByTestId("plan-included")).toHaveText("100,000 per month");
  await expect(row.getByTestId("plan-overage")).toHaveText("USD 0.25 per 1,000 shots");
  await bothSchemes(pageB, "listing");
  await row.getByRole("button", { name: "Start trial of Starter" }).click();
  await expect(pageB).toHaveURL(/\/subscriptions\/[0-9a-f-]{36}$/);
  await expect(pageB.getByTestId("subscription-state")).toHaveAttribute("data-state", "trialing");
  await expect(pageB.getByTestId("subscription-plan")).toHaveText("Starter");
  await expect(pageB.getByTestId("subscription-trial-ends")).not.toHaveText("—");
  await expect(pageB.getByTestId("subscription-renewal")).toHaveText("Becomes a paid subscription");

  await expect(bell(pageA)).toHaveAttribute("data-unread", "1", LIVE);
  await expect(bell(pageA)).toHaveAccessibleName("Notifications: 1 unread");
  await openBell(pageA);
  const notice = pageA.locator('[data-testid="notification"][data-type="subscription.new_subscriber"]');
  await expect(notice).toHaveCount(1);
  await expect(notice.getByTestId("notification-title")).toHaveText(`New subscriber to ${TRIAL_APP}`);
  await expect(notice).toContainText(orgB.name);
  await shot(pageA, "notifications-desktop", false);
  await closeBell(pageA);
  await chooseScheme(pageA, "Dark");
  await openBell(pageA);
  await shot(pageA, "notifications-dark-desktop", false);
  await pageA.getByRole("button", { name: "Mark all read" }).click();
  await expect(bell(pageA)).toHaveAttribute("data-unread", "0");
  await closeBell(pageA);
  await chooseScheme(pageA, "Light");
});

test("B subscribes to the second app and creates a subscription key, shown once and copied", async () => {
  await pageB.goto(`/marketplace/${paidListingId}`);
  await expect(pageB.getByTestId("listing-name")).toHaveText(PAID_APP);
  // No trial offered: only Subscribe.
  await expect(pageB.getByRole("button", { name: /Start trial of/ })).toHaveCount(0);
  await pageB.getByRole("button", { name: "Subscribe to Pro" }).click();
  await expect(pageB).toHaveURL(/\/subscriptions\/[0-9a-f-]{36}$/);
  paidSubscriptionId = idFrom(pageB.url(), "subscriptions");
  await expect(pageB.getByTestId("subscription-state")).toHaveAttribute("data-state", "active");
  await expect(pageB.getByTestId("subscription-plan")).toHaveText("Pro");
  await expect(pageB.getByTestId("subscription-renewal")).toHaveText("Renews");

  // A second live subscription to the same listing is a conflict (the API says so too).
  const twice = await apiCall("POST", `/v1/marketplace/${paidListingId}/subscribe`, { token: tokenB }, {
    plan: (await ok<{ plans: { id: string }[] }>("listing", apiCall("GET", `/v1/marketplace/${paidListingId}`, { token: tokenB }))).plans[0]!.id,
  });
  expect(twice.status).toBe(409);

  const form = pageB.getByRole("form", { name: "Create a subscription key" });
  await form.getByLabel("Key name").fill("ci");
  await form.getByLabel("Uses").fill("100");
  await form.getByLabel("Rate limit per minute").fill("600");
  await form.getByRole("button", { name: "Create key" }).click();
  const created = pageB.getByTestId("created-key");
  await expect(created).toContainText("This is the only time the key is shown");
  subscriptionKey = (await created.getByTestId("created-key-value").innerText()).trim();
  expect(subscriptionKey).toMatch(/^qh_sub_/);
  await created.getByRole("button", { name: "Copy key" }).click();
  await expect(created).toContainText("Copied to the clipboard.");
  expect(await pageB.evaluate(() => navigator.clipboard.readText())).toBe(subscriptionKey);
  await created.getByRole("button", { name: "I have stored it" }).click();
  await expect(created).toHaveCount(0);
  const keyRow = pageB.locator('[data-testid="subscription-key-row"][data-key-name="ci"]');
  await expect(keyRow.getByTestId("key-remaining")).toHaveText("100");
  await expect(keyRow).toContainText(subscriptionKey.slice(0, 10));
  await bothSchemes(pageB, "subscription");

  // B's subscriptions: both, one trialing and one active.
  await nav(pageB, "Subscriptions");
  await expect(pageB.locator(`[data-testid="subscription-row"][data-subscription-id="${paidSubscriptionId}"]`)).toContainText("Active");
  await expect(pageB.getByTestId("subscription-row").filter({ hasText: TRIAL_APP })).toContainText("Trialing");
  await checkPage(pageB, "subscriptions");
});

test("the key runs the second app as a job, and nothing else", async () => {
  const submitted = await ok<{ id: string; status: string }>(
    "submit with the key",
    apiCall("POST", "/v1/jobs", { key: subscriptionKey }, { backend: "qhub-statevector", app_version_id: paidApp.versionId, shots: SHOTS, name: "GHZ via key" }),
    [201],
  );
  jobId = submitted.id;
  const deadline = Date.now() + JOB_TIMEOUT;
  let status = submitted.status;
  while (status !== "completed") {
    expect(["queued", "running", "completed"], `job ${jobId} is ${status}`).toContain(status);
    expect(Date.now(), `job ${jobId} still ${status}`).toBeLessThan(deadline);
    await new Promise((r) => setTimeout(r, 1000));
    status = (await ok<{ status: string }>("poll the job", apiCall("GET", `/v1/jobs/${jobId}`, { key: subscriptionKey }))).status;
  }
  // A program, or the trial app's version, is not the key's to run; nor is any other route.
  const program = await apiCall("POST", "/v1/jobs", { key: subscriptionKey }, { backend: "qhub-statevector", program: BELL });
  expect(program.status).toBe(403);
  expect((await apiCall("GET", "/v1/apps", { key: subscriptionKey })).status).toBe(403);

  // The key's remaining count went down with every request it made.
  await pageB.goto(`/subscriptions/${paidSubscriptionId}`);
  const remaining = Number((await pageB.locator('[data-testid="subscription-key-row"][data-key-name="ci"]').getByTestId("key-remaining").innerText()).replace(/,/g, ""));
  expect(remaining).toBeLessThan(100);
  expect(remaining).toBeGreaterThan(0);
});

test("the month is closed early: B's bell shows the bill live; B reads it and downloads the PDF", async () => {
  // Billing reads ClickHouse: wait until the job's shots are there.
  const deadline = Date.now() + 60_000;
  for (;;) {
    const usage = await ok<{ events: number; quantities: Record<string, number> }>(
      "usage summary",
      apiCall("GET", "/v1/usage/summary?kind=job.run", { token: tokenB }),
    );
    if ((usage.quantities.shots ?? 0) >= SHOTS) break;
    expect(Date.now(), `job.run usage still ${JSON.stringify(usage)}`).toBeLessThan(deadline);
    await new Promise((r) => setTimeout(r, 1000));
  }
  // B waits on its dashboard, the bell read.
  await nav(pageB, "Dashboard");
  // (The job's own "finished" notice may be there: read it first.)
  await openBell(pageB);
  await expect(pageB.getByTestId("notification-dropdown")).not.toContainText("Loading…");
  if ((await bell(pageB).getAttribute("data-unread")) !== "0") await pageB.getByRole("button", { name: "Mark all read" }).click();
  await expect(bell(pageB)).toHaveAttribute("data-unread", "0");
  await closeBell(pageB);

  const now = new Date();
  const month = `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, "0")}`;
  const out = execFileSync(QHUB_BIN, ["close-period", month, "--early"], { env: process.env, encoding: "utf8", timeout: 120_000 });
  test.info().annotations.push({ type: "close-period", description: out.trim().slice(0, 500) });

  await expect(bell(pageB)).not.toHaveAttribute("data-unread", "0", LIVE);
  await openBell(pageB);
  const notice = pageB.locator('[data-testid="notification"][data-type="bill.issued"]');
  await expect(notice).toHaveCount(1);
  await shot(pageB, "notifications-bill-desktop", false);
  await closeBell(pageB);

  await nav(pageB, "Bills");
  await expect(pageB).toHaveTitle("Bills · QHub console");
  const row = pageB.getByTestId("bill-row").first();
  await expect(row).toContainText("USD");
  await expect(row.getByTestId("bill-payment")).toHaveText("Unpaid");
  await checkPage(pageB, "bills");
  await row.getByRole("link").click();
  await expect(pageB).toHaveURL(/\/bills\/[0-9a-f-]{36}$/);
  const items = pageB.getByTestId("bill-item");
  await expect(items.first()).toBeVisible();
  // A subscription line per plan segment: the paid plan's share of the month; the trial's (free)
  // until it ends, then its plan from the trial's end (the month is closed early, so the open
  // trial is billed as the scheduler will move it).
  const subscriptionLines = pageB.locator('[data-testid="bill-item"][data-kind="subscription"]');
  const paidLine = subscriptionLines.filter({ hasText: PAID_APP });
  await expect(paidLine).toHaveCount(1);
  await expect(paidLine).toContainText("Pro");
  await expect(paidLine.getByTestId("bill-item-amount")).toHaveText(/^USD [\d,]+\.\d\d$/);
  await expect(paidLine.getByTestId("bill-item-amount")).not.toHaveText("USD 0.00");
  const trialLines = subscriptionLines.filter({ hasText: TRIAL_APP });
  await expect(trialLines).toHaveCount(2);
  const trialLine = trialLines.filter({ hasText: "free trial" });
  await expect(trialLine.getByTestId("bill-item-amount")).toHaveText("USD 0.00");
  const afterTrial = trialLines.filter({ hasNotText: "free trial" });
  await expect(afterTrial.getByTestId("bill-item-amount")).not.toHaveText("USD 0.00");
  // The plan includes 100 shots a month: the job's 1,024 go over (priced per 1,000).
  const overage = pageB.locator('[data-testid="bill-item"][data-kind="overage"]').filter({ hasText: PAID_APP });
  await expect(overage).toHaveCount(1);
  await expect(overage.getByTestId("bill-item-amount")).toHaveText(/^USD 0\.\d\d$/);
  await expect(overage.getByTestId("bill-item-amount")).not.toHaveText("USD 0.00");
  // Compute on the simulator, in USD.
  await expect(pageB.locator('[data-testid="bill-item"][data-kind="compute"]')).toContainText("qhub-statevector");
  // The total is the sum of the rounded items.
  const cents = async (t: string) => Number(t.replace(/[^0-9]/g, ""));
  let sum = 0;
  for (const amount of await pageB.getByTestId("bill-item-amount").allInnerTexts()) sum += await cents(amount);
  expect(await cents(await pageB.getByTestId("bill-items-total").innerText())).toBe(sum);

  const [pdf] = await Promise.all([
    pageB.waitForResponse((r) => /\/v1\/bills\/[0-9a-f-]{36}\/invoice\.pdf$/.test(new URL(r.url()).pathname) && r.request().method() === "GET"),
    pageB.getByRole("button", { name: "Download PDF" }).click(),
  ]);
  expect(pdf.status()).toBe(200);
  expect(pdf.headers()["content-type"]).toContain("application/pdf");
  for (const p of ctxB.pages()) if (p !== pageB) await p.close();
  // The bytes the console holds (its blob URL), saved through the page's link: a PDF.
  const [download] = await Promise.all([pageB.waitForEvent("download"), pageB.getByTestId("pdf-link").click()]);
  expect(download.suggestedFilename()).toMatch(/\.pdf$/);
  expect(readFileSync(await download.path()).subarray(0, 5).toString("latin1")).toBe("%PDF-");
  await bothSchemes(pageB, "bill");
});

test("A sees B among the subscribers of both listings, and the paid one in its statements", async () => {
  await pageA.goto(`/marketplace/${paidListingId}?tab=subscribers`);
  const sub = pageA.getByTestId("subscriber-row").filter({ hasText: orgB.name });
  await expect(sub).toContainText("Pro");
  await expect(sub.getByTestId("subscriber-state")).toHaveText("Active");
  await checkPage(pageA, "listing-subscribers");
  await pageA.goto(`/marketplace/${trialListingId}?tab=subscribers`);
  await expect(pageA.getByTestId("subscriber-row").filter({ hasText: orgB.name }).getByTestId("subscriber-state")).toHaveText("Trialing");

  await nav(pageA, "Statements");
  await expect(pageA).toHaveTitle("Statements · QHub console");
  const statement = pageA.locator(`[data-testid="statement-row"][data-listing-id="${paidListingId}"]`);
  await expect(statement.getByTestId("statement-subscriptions")).toHaveText("1");
  await expect(statement.getByTestId("statement-total")).toHaveText(/^USD \d+\.\d\d$/);
  await bothSchemes(pageA, "statements");
});
