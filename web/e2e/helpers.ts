import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "@playwright/test";

export const API_URL = (process.env.QHUB_API_URL ?? "http://127.0.0.1:18080").replace(/\/+$/, "");
export const WEB_URL = (process.env.QHUB_WEB_URL ?? "http://127.0.0.1:14173").replace(/\/+$/, "");
export const MAIL_DIR = process.env.QHUB_MAIL_DIR ?? "/tmp/qhub-e2e-mail";
export const SCREENSHOT_DIR = process.env.QHUB_SCREENSHOT_DIR ?? join(process.cwd(), "e2e", "screenshots");

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

export async function shot(page: Page, name: string, fullPage = true): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage });
}

/** Calls the API directly (as an integrator would) with an API key. */
export async function callWithKey(key: string, path: string): Promise<number> {
  const res = await fetch(`${API_URL}${path}`, { headers: { "X-API-Key": key } });
  await res.arrayBuffer();
  return res.status;
}
