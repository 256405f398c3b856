import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import AxeBuilder from "@axe-core/playwright";
import { expect, type BrowserContext, type Page } from "@playwright/test";

export const API_URL = (process.env.QHUB_API_URL ?? "http://127.0.0.1:18080").replace(/\/+$/, "");
export const WEB_URL = (process.env.QHUB_WEB_URL ?? "http://127.0.0.1:14173").replace(/\/+$/, "");
export const MAIL_DIR = process.env.QHUB_MAIL_DIR ?? "/tmp/qhub-e2e-mail";
/** Committed screenshots: web/e2e/screenshots (scripts/e2e.sh passes the same path). */
export const SCREENSHOT_DIR = process.env.QHUB_SCREENSHOT_DIR || join(import.meta.dirname, "screenshots");

export const PASSWORD = "correct horse battery staple";

export interface Org {
  name: string;
  slug: string;
  owner: string;
  email: string;
}

/** Signs an organization up through the console's form; the owner lands on the dashboard. */
export async function signUp(page: Page, org: Org): Promise<void> {
  await page.goto("/signup");
  await page.getByLabel("Organization name").fill(org.name);
  await page.getByLabel("Organization slug").fill(org.slug);
  await page.getByLabel("Your name").fill(org.owner);
  await page.getByLabel("Email").fill(org.email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create organization" }).click();
  await expect(page.getByTestId("tenant-name")).toHaveText(org.name);
  await expect(page.getByTestId("my-role")).toHaveText("Owner");
}

/** Follows a link of the main navigation. */
export async function nav(page: Page, link: string): Promise<void> {
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: link, exact: true }).click();
}

export interface Mail {
  from: string;
  to: string[];
  subject: string;
  body: string;
}

function readMails(): Mail[] {
  let names: string[];
  try {
    names = readdirSync(MAIL_DIR);
  } catch {
    return [];
  }
  const out: Mail[] = [];
  for (const name of names) {
    if (!name.endsWith(".json")) continue;
    try {
      out.push(JSON.parse(readFileSync(join(MAIL_DIR, name), "utf8")) as Mail);
    } catch {
      // A file still being written: the next poll reads it.
    }
  }
  return out;
}

/** Polls the SMTP sink's directory for a mail to `to` whose body matches. */
export async function waitForMail(to: string, bodyPattern: RegExp, timeoutMs = 15_000): Promise<Mail> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = readMails().find((m) => m.to.some((t) => t.toLowerCase() === to.toLowerCase()) && bodyPattern.test(m.body));
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no mail to ${to} matching ${bodyPattern} in ${MAIL_DIR} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Waits until at least `count` mails to `to` match; returns them, oldest first. */
export async function waitForMails(to: string, bodyPattern: RegExp, count: number, timeoutMs = 15_000): Promise<Mail[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = readMails().filter((m) => m.to.some((t) => t.toLowerCase() === to.toLowerCase()) && bodyPattern.test(m.body));
    if (found.length >= count) return found;
    if (Date.now() > deadline) throw new Error(`${found.length} of ${count} mails to ${to} matching ${bodyPattern} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export async function shot(page: Page, name: string, fullPage = true): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage });
}

/** Calls the API directly (as an integrator would) with an API key. */
export async function callWithKey(key: string, path: string): Promise<number> {
  const res = await fetch(`${API_URL}${path}`, { headers: { "X-API-Key": key } });
  await res.arrayBuffer();
  return res.status;
}

// ---------------------------------------------------------------------------
// Accessibility, screenshots at two sizes, no sideways scrolling on a phone.

export const PHONE = { width: 390, height: 844 } as const;
const AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"];

/** The title seen per checked route (`/users/:id`); each route should have its own. */
export const titles = new Map<string, string>();

/** Runs axe-core; fails listing every serious or critical violation. */
export async function axe(page: Page, where: string): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(AXE_TAGS).analyze();
  const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  if (bad.length === 0) return;
  const lines = bad.map(
    (v) =>
      `  [${v.impact}] ${v.id}: ${v.help}\n` +
      v.nodes.map((n) => `      ${n.target.join(" ")}${n.failureSummary ? ` — ${n.failureSummary.replace(/\s+/g, " ")}` : ""}`).join("\n"),
  );
  const msg = `axe-core: ${bad.length} serious/critical violation(s) on ${where} (${page.url()}):\n${lines.join("\n")}`;
  throw new Error(msg);
}

/** The elements sticking out past the viewport's right edge, widest first. */
async function overflowing(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const describe = (el: Element): string => {
      const parts: string[] = [];
      for (let e: Element | null = el; e && e !== document.body && parts.length < 5; e = e.parentElement) {
        let s = e.tagName.toLowerCase();
        if (e.id) s += `#${e.id}`;
        const cls = [...e.classList].slice(0, 2).join(".");
        if (cls) s += `.${cls}`;
        const testid = e.getAttribute("data-testid");
        if (testid) s += `[data-testid="${testid}"]`;
        parts.unshift(s);
      }
      return parts.join(" > ");
    };
    const out: { right: number; what: string }[] = [];
    for (const el of document.querySelectorAll("body *")) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) continue;
      if (r.right > width + 0.5) out.push({ right: r.right, what: `${describe(el)} (right edge ${Math.round(r.right)} px)` });
    }
    out.sort((a, b) => b.right - a.right);
    return out.slice(0, 8).map((o) => o.what);
  });
}

/** Waits for fonts, layout and any CSS transition (e.g. the navbar) to settle. */
async function settle(page: Page): Promise<void> {
  await page.evaluate(async () => {
    await document.fonts.ready;
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  });
  await page.waitForTimeout(250);
}

/**
 * The per-page check every visited page gets: axe-core clean (no serious or
 * critical violations) at desktop and phone size, one <main>, a per-route
 * title, screenshots `<name>-desktop.png` and `<name>-phone.png`, and no
 * sideways scrolling at 390 px. Leaves the viewport as it found it.
 */
export async function checkPage(page: Page, name: string, opts: { fullPage?: boolean } = {}): Promise<void> {
  const fullPage = opts.fullPage ?? true;
  const original = page.viewportSize();
  await expect(page.locator("main")).toHaveCount(1);
  await expect(page.getByTestId("loading")).toHaveCount(0);
  await expect(page).toHaveTitle(/ · QHub console$/);
  titles.set(new URL(page.url()).pathname.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, ":id"), await page.title());
  await settle(page);
  await axe(page, `${name} (desktop)`);
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}-desktop.png`), fullPage });

  await page.setViewportSize(PHONE);
  try {
    await settle(page);
    const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
    if (scrollWidth > PHONE.width) {
      throw new Error(
        `${name} scrolls sideways at ${PHONE.width} px (scrollWidth ${scrollWidth}); sticking out:\n  ${(await overflowing(page)).join("\n  ")}`,
      );
    }
    await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}-phone.png`), fullPage });
    await axe(page, `${name} (phone)`);
  } finally {
    if (original) await page.setViewportSize(original);
  }
  await settle(page);
}

// ---------------------------------------------------------------------------
// Browser-console errors: none, except those a step expects.

export interface ConsoleError {
  test: string;
  kind: "console" | "pageerror";
  text: string;
  url: string;
}

const consoleErrors: ConsoleError[] = [];
let currentTest = "(setup)";
type Expectation = (e: ConsoleError) => boolean;
let expected: Expectation[] = [];

/** Every page of this context reports console errors and uncaught exceptions. */
export function watchConsole(ctx: BrowserContext): void {
  ctx.on("console", (msg) => {
    if (msg.type() !== "error") return;
    consoleErrors.push({ test: currentTest, kind: "console", text: msg.text(), url: msg.location().url || msg.page()?.url() || "" });
  });
  ctx.on("weberror", (err) => {
    consoleErrors.push({ test: currentTest, kind: "pageerror", text: String(err.error()), url: err.page()?.url() ?? "" });
  });
}

/** Starts a step: console errors from here on belong to it; nothing expected yet. */
export function beginStep(title: string): void {
  currentTest = title;
  expected = [];
}

/**
 * This step deliberately makes the API answer `status` to a request whose
 * path matches `path`: Chromium logs that as a console error ("Failed to
 * load resource: the server responded with a status of 409 (Conflict)"),
 * which is then expected, and only that one.
 */
export function expectFailedRequest(status: number, path: string | RegExp): void {
  const text = new RegExp(`^Failed to load resource: the server responded with a status of ${status}\\b`);
  expected.push((e) => {
    if (e.kind !== "console" || !text.test(e.text) || !e.url.startsWith(API_URL)) return false;
    const p = new URL(e.url).pathname;
    return typeof path === "string" ? p === path : path.test(p);
  });
}

/** The step's console errors that no expectation covers. */
export function unexpectedConsoleErrors(): ConsoleError[] {
  return consoleErrors.filter((e) => e.test === currentTest && !expected.some((x) => x(e)));
}
