import { defineConfig } from "@playwright/test";

// Runs against a real server and the built SPA (scripts/e2e.sh starts both).
// Debian's Chromium is used as is: never `playwright install`.
export default defineConfig({
  testDir: ".",
  testMatch: /.*\.spec\.ts/,
  timeout: 120_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [["list"]],
  outputDir: "../test-results",
  use: {
    baseURL: process.env.QHUB_WEB_URL ?? "http://127.0.0.1:14173",
    headless: true,
    launchOptions: {
      executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
      args: ["--no-sandbox"],
    },
    viewport: { width: 1280, height: 900 },
    screenshot: "only-on-failure",
    actionTimeout: 15_000,
    navigationTimeout: 30_000,
  },
});
