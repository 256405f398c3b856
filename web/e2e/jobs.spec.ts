// Quantum jobs, end to end against a real QHub server (its job workers run
// inside `qhub serve`): organization A looks at the backends, submits a
// program with a syntax error and sees the line and column on the editor,
// then submits the Bell sample and watches it reach `completed` with a
// histogram of exactly two outcomes, 00 and 11, each between 35% and 65%
// of the 1024 shots; reruns it (same seed, same counts) and deletes the
// rerun. Organization B opening A's job gets the not-found page (the API
// answers 404).
import { expect, test, type Browser, type BrowserContext, type Page } from "@playwright/test";
import { mkdirSync } from "node:fs";
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
const orgA: Org = { name: `Entangled Labs ${run}`, slug: `entangled-${run}`, owner: "Alice Qubit", email: `alice-${run}@entangled.test` };
const orgB: Org = { name: `Decoherent Co ${run}`, slug: `decoherent-${run}`, owner: "Bob Noise", email: `bob-${run}@decoherent.test` };
const SHOTS = 1024;
/** A worker may need a moment to pick the job up; the run itself takes milliseconds. */
const JOB_TIMEOUT = 60_000;

/** Line 6 lacks the comma between the two qubits. */
const BROKEN = `OPENQASM 2.0;
include "qelib1.inc";
qreg q[2];
creg c[2];
h q[0];
cx q[0] q[1];
measure q -> c;
`;

let ctxA: BrowserContext;
let ctxB: BrowserContext;
let pageA: Page;
let pageB: Page;
let jobId = "";
let counts: Record<string, number> = {};

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
  ctxB = await browser.newContext({ baseURL: WEB_URL });
  watchConsole(ctxA);
  watchConsole(ctxB);
  pageA = await ctxA.newPage();
  pageB = await ctxB.newPage();
});

test.afterAll(async () => {
  await ctxA?.close();
  await ctxB?.close();
});

const idFrom = (url: string) => /\/jobs\/([0-9a-f-]{36})/.exec(url)?.[1] ?? "";

async function chooseScheme(page: Page, label: "Light" | "Dark") {
  await page.getByTestId("color-scheme-switch").click();
  await page.getByRole("radiogroup", { name: "Colour scheme" }).getByRole("radio", { name: label }).check();
  await expect(page.getByRole("radiogroup", { name: "Colour scheme" })).toHaveCount(0);
}

/** The histogram's rows as outcome → count. */
async function histogram(page: Page): Promise<Record<string, number>> {
  const rows = page.getByTestId("histogram-bar");
  const out: Record<string, number> = {};
  for (const row of await rows.all()) {
    out[(await row.getAttribute("data-outcome")) ?? ""] = Number(await row.getAttribute("data-count"));
  }
  return out;
}

test("two organizations sign up", async () => {
  await signUp(pageA, orgA);
  await signUp(pageB, orgB);
});

test("A reads the backends: the simulator online with its queue, the devices offline or retired", async () => {
  await nav(pageA, "Backends");
  await expect(pageA).toHaveTitle("Backends · QHub console");
  const sim = pageA.getByTestId("backend-row-qhub-statevector");
  await expect(sim.getByTestId("backend-status")).toHaveText("Online");
  await expect(sim.getByTestId("backend-queue")).toContainText(/queued, \d+ running/);
  await expect(pageA.getByTestId("backend-row-ibm-eagle-127").getByTestId("backend-status")).toHaveText("Offline");
  await expect(pageA.getByTestId("backend-row-quera-aquila-256").getByTestId("backend-status")).toHaveText("Retired");
  await checkPage(pageA, "backends");
  await chooseScheme(pageA, "Dark");
  await checkPage(pageA, "backends-dark");
  await chooseScheme(pageA, "Light");
});

test("A submits a program with a syntax error and sees its line and column on the editor", async () => {
  await nav(pageA, "Jobs");
  await expect(pageA).toHaveTitle("Jobs · QHub console");
  await expect(pageA.getByTestId("jobs-empty")).toContainText("No jobs yet");
  await expect(pageA.getByTestId("quota-queued")).toContainText("0 of");
  const form = pageA.getByRole("form", { name: "Submit a job" });
  // Offline and retired backends cannot be chosen.
  const backend = form.getByLabel("Backend");
  await expect(backend.locator("option", { hasText: "ibm-eagle-127" })).toBeDisabled();
  await expect(backend.locator("option", { hasText: "quera-aquila-256" })).toBeDisabled();
  await expect(backend).toHaveValue("qhub-statevector");
  await expect(form.getByTestId("backend-queue")).toContainText(/Queue: \d+ queued · \d+ running · wait /);
  await checkPage(pageA, "jobs-empty");

  await form.getByLabel("Program (OpenQASM 2.0)").fill(BROKEN);
  expectFailedRequest(422, "/v1/jobs");
  await form.getByRole("button", { name: "Submit job" }).click();
  const error = form.getByTestId("program-error");
  await expect(error).toContainText(/line 6, column \d+/);
  await expect(form.getByTestId("qasm-error-line")).toContainText("cx q[0] q[1];");
  await expect(form.locator(".qasm-gutter-error")).toHaveText("6");
  await expect(form.getByLabel("Program (OpenQASM 2.0)")).toHaveAttribute("aria-invalid", "true");
  await expect(form.getByLabel("Program (OpenQASM 2.0)")).toBeFocused();
  await expect(form.getByRole("button", { name: "Go to line 6" })).toBeVisible();
  await checkPage(pageA, "jobs-program-error");
  await chooseScheme(pageA, "Dark");
  await checkPage(pageA, "jobs-program-error-dark");
  await chooseScheme(pageA, "Light");
  // Nothing was queued.
  await expect(pageA).toHaveURL(/\/jobs$/);
  await expect(pageA.getByTestId("jobs-empty")).toBeVisible();
});

test("A submits the Bell sample and watches it complete: two outcomes, 00 and 11, about half each", async () => {
  const form = pageA.getByRole("form", { name: "Submit a job" });
  await form.getByLabel("Sample circuit").selectOption("bell");
  await expect(form.getByTestId("program-error")).toHaveCount(0);
  await expect(form.getByLabel("Program (OpenQASM 2.0)")).toHaveValue(/cx q\[0\],q\[1\];/);
  await form.getByLabel("Shots").fill(String(SHOTS));
  await form.getByLabel("Name (optional)").fill("Bell pair");
  await form.getByLabel("Tags (optional)").fill(`bell, e2e-${run}`);
  await form.getByRole("button", { name: "Submit job" }).click();
  await expect(pageA).toHaveURL(/\/jobs\/[0-9a-f-]{36}$/);
  jobId = idFrom(pageA.url());
  await expect(pageA.getByTestId("job-name")).toHaveText("Bell pair");
  await expect(pageA).toHaveTitle("Bell pair · QHub console");
  // The page follows the job by itself until it has finished.
  await expect(pageA.getByTestId("job-status")).toHaveAttribute("data-status", "completed", { timeout: JOB_TIMEOUT });
  await expect(pageA.getByTestId("job-finished")).not.toHaveText("—");
  await expect(pageA.getByTestId("job-started")).not.toHaveText("—");
  await expect(pageA.getByTestId("usage-run")).not.toHaveText("—");
  await expect(pageA.getByTestId("histogram-bar")).toHaveCount(2);
  counts = await histogram(pageA);
  expect(Object.keys(counts).sort()).toEqual(["00", "11"]);
  expect((counts["00"] ?? 0) + (counts["11"] ?? 0)).toBe(SHOTS);
  for (const outcome of ["00", "11"]) {
    const share = (counts[outcome] ?? 0) / SHOTS;
    expect(share, `${outcome}: ${counts[outcome]} of ${SHOTS}`).toBeGreaterThanOrEqual(0.35);
    expect(share, `${outcome}: ${counts[outcome]} of ${SHOTS}`).toBeLessThanOrEqual(0.65);
  }
  await expect(pageA.getByTestId("job-program")).toContainText("cx q[0],q[1];");
  await expect(pageA.getByRole("button", { name: "Cancel job" })).toHaveCount(0);
  await checkPage(pageA, "job");
  await chooseScheme(pageA, "Dark");
  await checkPage(pageA, "job-dark");
  await chooseScheme(pageA, "Light");
});

test("A's job list shows it completed, and filters by status", async () => {
  await nav(pageA, "Jobs");
  const row = pageA.locator(`[data-testid="job-row"][data-job-id="${jobId}"]`);
  await expect(row.getByTestId("job-status-badge")).toHaveText("Completed");
  await expect(row).toContainText("qhub-statevector");
  await pageA.getByRole("search", { name: "Filter jobs" }).getByLabel("Status").selectOption("failed");
  await expect(pageA.getByTestId("jobs-empty")).toContainText("No job matches these filters.");
  await pageA.getByRole("search", { name: "Filter jobs" }).getByLabel("Status").selectOption("completed");
  await expect(row).toBeVisible();
  await checkPage(pageA, "jobs");
  await chooseScheme(pageA, "Dark");
  await checkPage(pageA, "jobs-dark");
  await chooseScheme(pageA, "Light");
});

test("A reruns the job (same seed, same counts), tags it, and deletes the rerun", async () => {
  await pageA.goto(`/jobs/${jobId}`);
  await expect(pageA.getByTestId("job-status")).toHaveAttribute("data-status", "completed");
  await pageA.getByRole("button", { name: "Rerun" }).click();
  await expect(pageA).not.toHaveURL(new RegExp(jobId));
  await expect(pageA).toHaveURL(/\/jobs\/[0-9a-f-]{36}$/);
  const rerunId = idFrom(pageA.url());
  await expect(pageA.getByTestId("job-status")).toHaveAttribute("data-status", "completed", { timeout: JOB_TIMEOUT });
  await expect(pageA.getByTestId("histogram-bar")).toHaveCount(2);
  // Polled: the bars can re-render (a refetch) between the count and the read.
  await expect.poll(() => histogram(pageA)).toEqual(counts);

  const tags = pageA.getByRole("form", { name: "Tags" });
  await tags.getByLabel("Tags", { exact: true }).fill("bell, rerun");
  await tags.getByRole("button", { name: "Save tags" }).click();
  await expect(pageA.getByTestId("job-tags").getByTestId("form-message")).toHaveText("Tags saved.");

  await pageA.getByRole("button", { name: "Delete job" }).click();
  await pageA.getByRole("button", { name: "Confirm deleting" }).click();
  await expect(pageA).toHaveURL(/\/jobs$/);
  await expect(pageA.locator(`[data-testid="job-row"][data-job-id="${jobId}"]`)).toBeVisible();
  await expect(pageA.locator(`[data-testid="job-row"][data-job-id="${rerunId}"]`)).toHaveCount(0);
});

test("B opening A's job gets the not-found page, and the API answers 404", async () => {
  expectFailedRequest(404, `/v1/jobs/${jobId}`);
  const [response] = await Promise.all([
    pageB.waitForResponse((r) => new URL(r.url()).pathname === `/v1/jobs/${jobId}` && r.request().method() === "GET"),
    pageB.goto(`/jobs/${jobId}`),
  ]);
  expect(response.status()).toBe(404);
  await expect(pageB.getByTestId("not-found")).toBeVisible();
  await expect(pageB).toHaveTitle("Page not found · QHub console");
  await expect(pageB.getByText("Bell pair")).toHaveCount(0);
  // B's own list does not have it either.
  await nav(pageB, "Jobs");
  await expect(pageB.getByTestId("jobs-empty")).toContainText("No jobs yet");
});
