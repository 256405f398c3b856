// Quantum apps and the registry, end to end against a real QHub server: one
// organization (A) creates a project, releases it as a public app, adds
// version 1.0.0 with an uploaded package (the progress bar moves), publishes
// it, writes a docs page and publishes the app to the registry; another
// organization (B) finds it with a misspelled search, downloads it (the
// saved file's SHA-256 is the uploaded bytes'), reviews it, and gets the
// not-found page for A's private app and for A's draft version.
import { expect, test, type Browser, type BrowserContext, type Page } from "@playwright/test";
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync } from "node:fs";
import {
  beginStep,
  checkPage,
  expectFailedRequest,
  nav,
  SCREENSHOT_DIR,
  signUp,
  unexpectedConsoleErrors,
  watchConsole,
  WEB_URL,
  type Org,
} from "./helpers";

const run = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;
const orgA: Org = { name: `Qubit Labs ${run}`, slug: `qubit-${run}`, owner: "Alice Quantum", email: `alice-${run}@qubit.test` };
const orgB: Org = { name: `Photon Works ${run}`, slug: `photon-${run}`, owner: "Bob Photon", email: `bob-${run}@photon.test` };
const APP_NAME = "Teleportation Benchmark Suite";
const APP_SLUG = `teleport-bench-${run}`;
const RUN_TAG = `e2e-${run}`;
const PRIVATE_NAME = `Private Grover Toolkit ${run}`;

/** A few hundred KB of deterministic bytes (an LCG), and their SHA-256. */
const PACKAGE = (() => {
  const buf = Buffer.alloc(300 * 1024);
  let x = 0x2545f491;
  for (let i = 0; i < buf.length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    buf[i] = x >>> 24;
  }
  return buf;
})();
const PACKAGE_SHA256 = createHash("sha256").update(PACKAGE).digest("hex");

let ctxA: BrowserContext;
let ctxB: BrowserContext;
let pageA: Page;
let pageB: Page;
let appId = "";
let privateAppId = "";
let draftVersionId = "";

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
  watchConsole(ctxA);
  watchConsole(ctxB);
  pageA = await ctxA.newPage();
  pageB = await ctxB.newPage();
});

test.afterAll(async () => {
  await ctxA?.close();
  await ctxB?.close();
});

const idFrom = (url: string, after: string) => new RegExp(`/${after}/([0-9a-f-]{36})`).exec(url)?.[1] ?? "";

async function tab(page: Page, name: string) {
  await page.getByRole("tablist", { name: "App sections" }).getByRole("tab", { name }).click();
}

async function chooseScheme(page: Page, label: "Light" | "Dark") {
  await page.getByTestId("color-scheme-switch").click();
  await page.getByRole("radiogroup", { name: "Colour scheme" }).getByRole("radio", { name: label }).check();
  await expect(page.getByRole("radiogroup", { name: "Colour scheme" })).toHaveCount(0);
}

test("two organizations sign up", async () => {
  await signUp(pageA, orgA);
  await signUp(pageB, orgB);
});

test("A creates a project and releases it as an app", async () => {
  await nav(pageA, "Projects");
  await expect(pageA).toHaveTitle("Projects · QHub console");
  await expect(pageA.getByTestId("projects-empty")).toContainText("No projects yet");
  await checkPage(pageA, "projects");
  await pageA.getByLabel("Project name").fill(APP_NAME);
  await pageA.getByLabel("Description (optional)").fill(`Measures quantum teleportation fidelity across simulators and devices (run ${run}).`);
  await pageA.getByLabel("Repository URL (optional)").fill("https://example.org/teleport-bench");
  await pageA.getByRole("button", { name: "Create project" }).click();
  await expect(pageA.getByTestId("project-name")).toHaveText(APP_NAME);
  await checkPage(pageA, "project");

  const release = pageA.getByRole("form", { name: "Release as app" });
  await release.getByLabel("App slug").fill(APP_SLUG);
  await release.getByLabel("Type").selectOption("algorithm");
  await release.getByLabel("Visibility").selectOption("public");
  await release.getByRole("button", { name: "Release as app" }).click();
  await expect(pageA).toHaveURL(/\/apps\/[0-9a-f-]{36}$/);
  appId = idFrom(pageA.url(), "apps");
  await expect(pageA.getByTestId("app-name")).toHaveText(APP_NAME);
  await expect(pageA.getByTestId("app-visibility")).toHaveText("Public");

  // License, tags and a readme (whose raw HTML must never run or render).
  const edit = pageA.getByRole("form", { name: "Edit app" });
  await edit.getByLabel("License").fill("MIT");
  await edit.getByLabel("Tags").fill(`teleportation, benchmark, fidelity, ${RUN_TAG}`);
  await edit
    .getByLabel("Readme (markdown)")
    .fill(
      `# ${APP_NAME}\n\nRuns **teleportation circuits** and reports fidelity.\n\n- Qiskit 1.x\n- 3 to 5 qubits\n\n<img src="x" onerror="window.__pwned = 1">\n<script>window.__pwned = 2</script>\n`,
    );
  await edit.getByRole("button", { name: "Save app" }).click();
  await expect(edit.getByTestId("form-message")).toHaveText("App saved.");
  const readme = pageA.getByTestId("app-readme");
  await expect(readme.getByRole("heading", { name: APP_NAME })).toBeVisible();
  await expect(readme.locator("strong")).toHaveText("teleportation circuits");
  await expect(readme.locator("img, script")).toHaveCount(0);
  expect(await pageA.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
  await checkPage(pageA, "app");
});

test("A adds version 1.0.0, uploads its package with a moving progress bar, and publishes it", async () => {
  await tab(pageA, "Versions");
  await expect(pageA).toHaveURL(/\?tab=versions$/);
  const form = pageA.getByRole("form", { name: "Create a version" });
  // Client-side semver check first.
  await form.getByLabel("Version").fill("v1.0");
  await form.getByRole("button", { name: "Create version" }).click();
  await expect(form.getByLabel("Version")).toHaveAttribute("aria-invalid", "true");
  await expect(form.getByLabel("Version")).toBeFocused();
  await form.getByLabel("Version").fill("1.0.0");
  await form.getByLabel("SDK").selectOption("qiskit");
  await form.getByLabel("Qubits").fill("5");
  await form.getByLabel("Input JSON Schema (optional)").fill('{"type": "object", "properties": {"shots": {"type": "integer", "minimum": 1}}}');
  await form.getByRole("button", { name: "Create version" }).click();
  await expect(pageA.getByTestId("version-title")).toHaveText(`${APP_NAME} 1.0.0`);
  await expect(pageA.getByTestId("version-status")).toHaveText("Draft");

  // Publishing without a package is refused by the server, in its words.
  expectFailedRequest(409, /\/v1\/apps\/[0-9a-f-]{36}\/versions\/[0-9a-f-]{36}\/publish$/);
  await pageA.getByRole("button", { name: "Publish version" }).click();
  await expect(pageA.getByTestId("version-message")).toHaveAttribute("data-kind", "error");
  await expect(pageA.getByTestId("version-message")).toContainText(/package/i);

  // Slow the upload down so the progress bar has something to show.
  const cdp = await ctxA.newCDPSession(pageA);
  await cdp.send("Network.enable");
  await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 20, downloadThroughput: -1, uploadThroughput: 120 * 1024 });
  await pageA.evaluate(() => {
    const seen: number[] = [];
    (window as unknown as { __progress: number[] }).__progress = seen;
    new MutationObserver(() => {
      const bar = document.querySelector('[role="progressbar"]');
      const v = bar ? Number(bar.getAttribute("aria-valuenow")) : NaN;
      if (!Number.isNaN(v) && seen[seen.length - 1] !== v) seen.push(v);
    }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ["aria-valuenow"] });
  });
  await pageA.getByLabel("Package file").setInputFiles({ name: "teleport-bench-1.0.0.zip", mimeType: "application/zip", buffer: PACKAGE });
  await pageA.getByRole("button", { name: "Upload package" }).click();
  await expect(pageA.getByRole("progressbar", { name: "Upload progress" })).toBeVisible();
  await expect(pageA.getByTestId("upload-message")).toContainText("Uploaded teleport-bench-1.0.0.zip", { timeout: 30_000 });
  await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  await cdp.detach();
  const progress = await pageA.evaluate(() => (window as unknown as { __progress: number[] }).__progress);
  expect(progress.at(-1), `progress seen: ${progress.join(", ")}`).toBe(100);
  expect(progress.some((p) => p > 0 && p < 100), `progress seen: ${progress.join(", ")}`).toBe(true);
  // What the server stored is exactly what was sent.
  await expect(pageA.getByTestId("package-sha256")).toHaveText(PACKAGE_SHA256);
  await expect(pageA.getByTestId("package-size")).toContainText(`${PACKAGE.length.toLocaleString("en-US")} bytes`);
  await checkPage(pageA, "version");

  await pageA.getByRole("button", { name: "Publish version" }).click();
  await expect(pageA.getByTestId("version-message")).toHaveText("Version 1.0.0 is published.");
  await expect(pageA.getByTestId("version-status")).toHaveText("Published");
  await expect(pageA.getByTestId("package-upload")).toHaveCount(0);

  // A second, unpublished version: a draft no other organization may see.
  await pageA.goto(`/apps/${appId}?tab=versions`);
  await expect(pageA.getByTestId("version-row-1.0.0")).toContainText("Published");
  const again = pageA.getByRole("form", { name: "Create a version" });
  await again.getByLabel("Version").fill("1.1.0-rc.1");
  await again.getByLabel("Qubits").fill("5");
  await again.getByRole("button", { name: "Create version" }).click();
  await expect(pageA.getByTestId("version-title")).toHaveText(`${APP_NAME} 1.1.0-rc.1`);
  draftVersionId = idFrom(pageA.url(), "versions");
  expect(draftVersionId).not.toBe("");
});

test("A writes a docs page with a live preview", async () => {
  await pageA.goto(`/apps/${appId}?tab=docs`);
  const editor = pageA.getByTestId("doc-editor");
  await editor.getByLabel("Title").fill("Getting started");
  await editor.getByLabel("Order").fill("0");
  await editor.getByLabel("Page (markdown)").fill("## Install\n\nDownload the package, then run `python -m teleport_bench --shots 1000`.\n");
  // The preview follows the text as it is typed.
  await expect(pageA.getByTestId("doc-preview").getByRole("heading", { name: "Install" })).toBeVisible();
  await expect(pageA.getByTestId("doc-preview").locator("code")).toHaveText("python -m teleport_bench --shots 1000");
  await editor.getByRole("button", { name: "Create page" }).click();
  await expect(pageA.getByTestId("doc-editor").getByTestId("form-message")).toHaveText("Page created.");
  await expect(pageA.getByRole("navigation", { name: "Docs pages" }).getByRole("button", { name: /Getting started/ })).toBeVisible();
  await checkPage(pageA, "app-docs");
});

test("A publishes to the registry; a private app without a license is refused with the server's reason", async () => {
  // The second app: private, no license, no version.
  await nav(pageA, "Apps");
  await expect(pageA.getByTestId(`app-row-${APP_SLUG}`)).toBeVisible();
  await checkPage(pageA, "apps");
  const create = pageA.getByRole("form", { name: "Create an app" });
  await create.getByLabel("App name").fill(PRIVATE_NAME);
  await expect(create.getByLabel("Slug")).toHaveValue(`private-grover-toolkit-${run}`);
  await create.getByRole("button", { name: "Create app" }).click();
  await expect(pageA.getByTestId("app-name")).toHaveText(PRIVATE_NAME);
  privateAppId = idFrom(pageA.url(), "apps");
  expectFailedRequest(409, `/v1/apps/${privateAppId}/publish-registry`);
  await pageA.getByRole("button", { name: "Publish to registry" }).click();
  const refused = pageA.getByTestId("registry-message");
  await expect(refused).toHaveAttribute("data-kind", "error");
  await expect(refused).toContainText(/public|license|version/i);
  await expect(pageA.getByTestId("app-in-registry")).toHaveText("No");

  await pageA.goto(`/apps/${appId}`);
  await pageA.getByRole("button", { name: "Publish to registry" }).click();
  await expect(pageA.getByTestId("registry-message")).toContainText("Published to the registry");
  await expect(pageA.getByTestId("app-in-registry")).toHaveText("Yes");
  await expect(pageA.getByRole("button", { name: "Publish to registry" })).toHaveCount(0);
});

test("B finds the app with a misspelled search, reads it, and downloads the package", async () => {
  await nav(pageB, "Registry");
  await expect(pageB).toHaveTitle("Registry · QHub console");
  const search = pageB.getByLabel("Search apps");
  await search.fill("teleportaton");
  // The search goes to the URL (and the server) once typing pauses.
  await expect(pageB).toHaveURL(/[?&]q=teleportaton\b/);
  // Earlier runs left apps of the same name: narrow to this run's tag.
  await pageB.getByLabel("Tag", { exact: true }).fill(RUN_TAG);
  await expect(pageB).toHaveURL(new RegExp(`[?&]tag=${RUN_TAG}\\b`));
  const card = pageB.getByTestId(`registry-card-${APP_SLUG}`);
  await expect(card).toBeVisible();
  await expect(card).toContainText(orgA.name);
  await expect(card).toContainText("MIT");
  await expect(pageB.getByTestId("registry-results").getByRole("listitem")).toHaveCount(1);
  await checkPage(pageB, "registry");
  await chooseScheme(pageB, "Dark");
  await checkPage(pageB, "registry-dark");

  await card.getByRole("link", { name: APP_NAME }).click();
  await expect(pageB.getByTestId("registry-app-name")).toHaveText(APP_NAME);
  await expect(pageB).toHaveTitle(`${APP_NAME} · Registry · QHub console`);
  const readme = pageB.getByTestId("registry-readme");
  await expect(readme.getByRole("heading", { name: APP_NAME })).toBeVisible();
  await expect(readme.locator("img, script")).toHaveCount(0);
  expect(await pageB.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
  await expect(pageB.getByTestId("registry-docs").getByRole("heading", { name: "Install" })).toBeVisible();
  // The draft 1.1.0-rc.1 is not offered.
  await expect(pageB.getByLabel("Version", { exact: true }).locator("option")).toHaveText(["1.0.0 (latest)"]);
  await checkPage(pageB, "registry-app-dark");
  await chooseScheme(pageB, "Light");

  const [download] = await Promise.all([pageB.waitForEvent("download"), pageB.getByRole("button", { name: "Download" }).click()]);
  expect(download.suggestedFilename()).toMatch(new RegExp(`${APP_SLUG}.*1\\.0\\.0|teleport-bench-1\\.0\\.0`));
  const saved = readFileSync((await download.path())!);
  expect(saved.length).toBe(PACKAGE.length);
  expect(createHash("sha256").update(saved).digest("hex")).toBe(PACKAGE_SHA256);
  // The page shows the same digest it computed (and checked against the server's, when readable).
  await expect(pageB.getByTestId("download-sha256")).toHaveText(PACKAGE_SHA256);
  await expect(pageB.getByTestId("download-message")).toContainText("Downloaded");
  await expect(pageB.getByTestId("registry-downloads")).toHaveText("1");
  await checkPage(pageB, "registry-app");
});

test("B reviews the app and edits the review; the publisher may not review its own app", async () => {
  const form = pageB.getByTestId("review-form");
  await form.getByRole("button", { name: "Post review" }).click();
  await expect(form.getByLabel("Rating")).toBeFocused();
  await form.getByLabel("Rating").selectOption("5");
  await form.getByLabel("Title").fill("Solid teleportation benchmark");
  await form.getByLabel("Review", { exact: true }).fill("Ran it on three simulators; the fidelity numbers match ours.");
  await form.getByRole("button", { name: "Post review" }).click();
  const review = pageB.getByTestId("review");
  await expect(review).toHaveCount(1);
  await expect(review).toContainText("Solid teleportation benchmark");
  await expect(review).toContainText(orgB.owner);
  await expect(pageB.getByTestId("review-form")).toHaveCount(0);
  await review.getByRole("button", { name: "Edit review" }).click();
  await pageB.getByTestId("review-form").getByLabel("Title").fill("Solid teleportation benchmark, well documented");
  await pageB.getByRole("button", { name: "Save review" }).click();
  await expect(review).toContainText("well documented");
  await expect(review).toContainText("(edited)");

  // A, the publisher, opens its own app in the registry: its review is refused, in the server's words.
  await pageA.goto(`/registry/${appId}`);
  await expect(pageA.getByTestId("registry-app-name")).toHaveText(APP_NAME);
  const own = pageA.getByTestId("review-form");
  await own.getByLabel("Rating").selectOption("5");
  await own.getByLabel("Title").fill("Our own app is great");
  await own.getByLabel("Review", { exact: true }).fill("Obviously.");
  expectFailedRequest(403, `/v1/registry/${appId}/reviews`);
  await own.getByRole("button", { name: "Post review" }).click();
  await expect(own.getByTestId("review-message")).toHaveAttribute("data-kind", "error");
  await expect(own.getByTestId("review-message")).not.toBeEmpty();
  await expect(pageA.getByTestId("review")).toHaveCount(1);
});

test("B gets the not-found page for A's private app and A's draft version", async () => {
  expectFailedRequest(404, `/v1/apps/${privateAppId}`);
  await pageB.goto(`/apps/${privateAppId}`);
  await expect(pageB.getByTestId("not-found")).toBeVisible();
  await expect(pageB).toHaveTitle("Page not found · QHub console");
  await expect(pageB.getByText(PRIVATE_NAME)).toHaveCount(0);

  expectFailedRequest(404, new RegExp(`^/v1/apps/${appId}(/versions/${draftVersionId})?$`));
  await pageB.goto(`/apps/${appId}/versions/${draftVersionId}`);
  await expect(pageB.getByTestId("not-found")).toBeVisible();
  await expect(pageB.getByText("1.1.0-rc.1")).toHaveCount(0);

  // And the registry does not know the private app either.
  expectFailedRequest(404, `/v1/registry/${privateAppId}`);
  await pageB.goto(`/registry/${privateAppId}`);
  await expect(pageB.getByTestId("not-found")).toBeVisible();
});

test("A's metrics count B's view and download", async () => {
  await pageA.goto(`/apps/${appId}?tab=metrics`);
  await expect(pageA.getByTestId("metrics-downloads")).toHaveText("1");
  await expect(pageA.getByRole("table", { name: "Views and downloads per day" })).toBeVisible();
  await checkPage(pageA, "app-metrics");
});
