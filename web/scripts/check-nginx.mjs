// Checks ../k8s/console.yaml's nginx configuration for real: writes the
// ConfigMap's files to a temporary prefix, runs `nginx -t`, starts nginx on
// a free port over dist/ and asserts that every kind of response (the app's
// routes, hashed assets, config.json) carries the security headers and the
// Content-Security-Policy. (nginx drops server-level add_header directives in
// a location with its own add_header, which once stripped them all.) Also
// checks that the CSP's connect-src names config.json's API origin.
//
// With Chromium (/usr/bin/chromium or $CHROMIUM) it also opens the login page
// and the API reference (swagger-ui) through that nginx, with the API faked
// by request interception, and fails on any CSP violation: the policy must
// not break the console.
//
// Needs nginx on PATH (Debian: apt-get install nginx-light) and a build in
// dist/ (npm run build). Without nginx it says so and exits 0.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { chromium } from "@playwright/test";

const web = new URL("..", import.meta.url).pathname;
const manifest = join(web, "..", "k8s", "console.yaml");
const dist = join(web, "dist");

const nginx = ["/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx"].find((p) => existsSync(p));
if (!nginx) {
  console.log("check:nginx: SKIPPED (no nginx binary; apt-get install nginx-light)");
  process.exit(0);
}
if (!existsSync(join(dist, "index.html"))) {
  console.error("check:nginx: no dist/index.html (npm run build first)");
  process.exit(1);
}

let failures = 0;
function check(ok, what) {
  if (!ok) {
    failures++;
    console.error(`  FAIL ${what}`);
  }
}

const docs = parseAllDocuments(readFileSync(manifest, "utf8")).map((d) => d.toJS());
const cm = docs.find((d) => d?.kind === "ConfigMap" && d.metadata?.name === "qhub-console");
if (!cm) throw new Error("no ConfigMap qhub-console in k8s/console.yaml");
const deploy = docs.find((d) => d?.kind === "Deployment");
const mounts = deploy.spec.template.spec.containers[0].volumeMounts;

const apiOrigin = new URL(JSON.parse(cm.data["config.json"]).apiUrl).origin;

const free = () =>
  new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

const prefix = mkdtempSync(join(tmpdir(), "qhub-nginx-"));
let server = null;
try {
  const port = await free();
  // Every ConfigMap file goes where the Deployment mounts it, under the prefix.
  const html = join(prefix, "usr/share/nginx/html");
  mkdirSync(html, { recursive: true });
  for (const name of readdirSync(dist)) spawnSync("cp", ["-r", join(dist, name), html]);
  for (const m of mounts) {
    const target = join(prefix, m.mountPath);
    mkdirSync(join(target, ".."), { recursive: true });
    let text = cm.data[m.subPath];
    check(typeof text === "string", `ConfigMap has ${m.subPath} (mounted at ${m.mountPath})`);
    text = (text ?? "")
      .replaceAll("/etc/nginx/", `${prefix}/etc/nginx/`)
      .replaceAll("/usr/share/nginx/html", html)
      .replace(/listen 8080;/, `listen 127.0.0.1:${port};`);
    writeFileSync(target, text);
  }
  const mime = ["/etc/nginx/mime.types"].find((p) => existsSync(p));
  const tmp = join(prefix, "tmp");
  mkdirSync(tmp);
  const conf = join(prefix, "nginx.conf");
  writeFileSync(
    conf,
    `daemon off;
master_process off;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log;
events {}
http {
  ${mime ? `include ${mime};` : ""}
  access_log off;
  client_body_temp_path ${tmp}/body;
  proxy_temp_path ${tmp}/proxy;
  fastcgi_temp_path ${tmp}/fastcgi;
  uwsgi_temp_path ${tmp}/uwsgi;
  scgi_temp_path ${tmp}/scgi;
  include ${prefix}/etc/nginx/conf.d/*.conf;
}
`,
  );

  const t = spawnSync(nginx, ["-t", "-p", prefix, "-c", conf], { encoding: "utf8" });
  process.stdout.write(t.stderr);
  if (t.status !== 0) throw new Error("nginx -t failed");

  server = spawn(nginx, ["-p", prefix, "-c", conf], { stdio: "inherit" });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      await fetch(`${base}/config.json`);
      break;
    } catch (err) {
      if (i > 50) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  const asset = readdirSync(join(dist, "assets")).find((n) => n.endsWith(".js"));
  const cases = [
    { path: "/", cache: /no-cache/ },
    { path: "/users/0190c7a0-0000-7000-8000-000000000000", cache: /no-cache/ },
    { path: "/accept-invitation?token=abc", cache: /no-cache/ },
    { path: "/config.json", cache: /no-cache/ },
    { path: `/assets/${asset}`, cache: /immutable/ },
    { path: "/assets/missing.js", status: 404 },
  ];
  for (const c of cases) {
    const res = await fetch(`${base}${c.path}`);
    await res.arrayBuffer();
    console.log(`${res.status} ${c.path}`);
    check(res.status === (c.status ?? 200), `${c.path}: status ${res.status}`);
    if (c.cache) check(c.cache.test(res.headers.get("cache-control") ?? ""), `${c.path}: Cache-Control ${res.headers.get("cache-control")}`);
    const csp = res.headers.get("content-security-policy") ?? "";
    const directives = new Map(
      csp
        .split(";")
        .map((d) => d.trim().split(/\s+/))
        .filter((d) => d[0])
        .map(([name, ...values]) => [name, values]),
    );
    check(directives.get("frame-ancestors")?.join(" ") === "'none'", `${c.path}: CSP frame-ancestors 'none' (${csp || "no CSP"})`);
    check(directives.get("default-src")?.join(" ") === "'self'", `${c.path}: CSP default-src 'self'`);
    check(directives.get("connect-src")?.includes(apiOrigin) === true, `${c.path}: CSP connect-src allows ${apiOrigin} (config.json's API)`);
    check(directives.get("script-src")?.join(" ") === "'self'", `${c.path}: CSP script-src 'self' only`);
    check(res.headers.get("x-frame-options") === "DENY", `${c.path}: X-Frame-Options DENY`);
    check(res.headers.get("x-content-type-options") === "nosniff", `${c.path}: X-Content-Type-Options nosniff`);
    check(res.headers.get("referrer-policy") === "no-referrer", `${c.path}: Referrer-Policy no-referrer`);
  }

  await browserPass(base);
} finally {
  server?.kill("SIGTERM");
  await new Promise((r) => setTimeout(r, 200));
  rmSync(prefix, { recursive: true, force: true });
}

if (failures) {
  console.error(`check:nginx: ${failures} failure(s)`);
  process.exit(1);
}
console.log("check:nginx: nginx -t ok; every location sends the security headers and the CSP");

/** Opens pages through nginx in Chromium (API faked) and fails on CSP violations. */
async function browserPass(base) {
  const exe = process.env.CHROMIUM || "/usr/bin/chromium";
  if (!existsSync(exe)) {
    console.log("check:nginx: browser pass SKIPPED (no Chromium)");
    return;
  }
  const browser = await chromium.launch({ executablePath: exe, args: ["--no-sandbox"], headless: true });
  try {
    const page = await browser.newPage();
    const violations = [];
    page.on("console", (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
    await page.addInitScript(() => {
      document.addEventListener("securitypolicyviolation", (e) => {
        console.error(`Content Security Policy violation: ${e.violatedDirective} ${e.blockedURI}`);
      });
    });
    const now = new Date().toISOString();
    const tenant = { id: "0190c7a0-0000-7000-8000-000000000001", name: "CSP Check", slug: "csp-check", settings: {}, created_at: now, updated_at: now };
    const user = { id: "0190c7a0-0000-7000-8000-000000000002", name: "Ada", email: "ada@csp.test", role: "owner", is_active: true, created_at: now, updated_at: now };
    let signedIn = false;
    await page.route(`${apiOrigin}/**`, async (route) => {
      const url = new URL(route.request().url());
      const headers = { "access-control-allow-origin": base, "access-control-allow-credentials": "true" };
      if (route.request().method() === "OPTIONS") {
        return route.fulfill({ status: 204, headers: { ...headers, "access-control-allow-headers": "authorization, content-type", "access-control-allow-methods": "GET, POST, PATCH, DELETE" } });
      }
      if (url.pathname === "/v1/auth/refresh") {
        if (!signedIn) return route.fulfill({ status: 401, headers, contentType: "application/problem+json", body: JSON.stringify({ type: "about:blank", title: "Unauthenticated", status: 401, detail: "No session.", code: "unauthenticated" }) });
        return route.fulfill({ status: 200, headers, json: { access_token: "e30.e30.sig", expires_in: 900, token_type: "Bearer" } });
      }
      if (url.pathname === "/v1/auth/me") return route.fulfill({ status: 200, headers, json: { role: "owner", scopes: ["users:read", "users:write", "apps:read", "apps:write", "jobs:write", "usage:read", "admin"], tenant, user } });
      return route.fulfill({ status: 404, headers, contentType: "application/problem+json", body: JSON.stringify({ type: "about:blank", title: "Not found", status: 404, detail: "Not found.", code: "not_found" }) });
    });

    await page.goto(`${base}/login`);
    await page.getByRole("button", { name: "Log in" }).waitFor();
    // Now the browser "has" a session: the refresh cookie (faked above) and
    // the hint the console leaves in localStorage when it gets a token
    // (src/api/session.ts, SESSION_HINT_KEY): without the hint it does not
    // even try to restore one.
    signedIn = true;
    await page.evaluate(() => localStorage.setItem("qhub-session-hint", "1"));
    await page.goto(`${base}/reference`);
    await page.getByTestId("api-reference").getByText("QHub API").first().waitFor({ timeout: 30_000 });
    await page.locator(".opblock").first().waitFor();
    console.log(`browser: /login and /reference rendered under the CSP (${violations.length} violation(s))`);
    for (const v of violations) check(false, v);
  } finally {
    await browser.close();
  }
}
