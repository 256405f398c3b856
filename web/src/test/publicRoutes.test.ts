// The routes the console calls without a bearer token are the spec's
// operations with `security: []`, generated into src/api/public-routes.ts
// (scripts/gen-public-routes.mjs, run by `npm run gen:api`), not a hand-kept list.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { isPublicRoute, sendsBearer, shouldRetryAfterRefresh } from "../api/client";
import { PUBLIC_ROUTES } from "../api/public-routes";
import { OUTPUT, publicRoutes, renderPublicRoutes } from "../../scripts/gen-public-routes.mjs";
import { SPEC_PATH } from "./spec";

const WEB = process.cwd();
const specText = readFileSync(SPEC_PATH, "utf8");
const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

type Op = { security?: unknown[] };
const spec = parse(specText) as { security?: unknown[]; paths: Record<string, Record<string, Op>> };

/** Every operation of the spec, with whether its security is empty (read here, independently of the generator). */
const operations = Object.entries(spec.paths).flatMap(([path, item]) =>
  METHODS.filter((m) => item[m]).map((m) => {
    const security = item[m]!.security ?? spec.security;
    return { method: m.toUpperCase(), path, public: Array.isArray(security) && security.length === 0 };
  }),
);
const key = (r: { method: string; path: string }) => `${r.method} ${r.path}`;
/** A URL for a path template (a UUID for each parameter). */
const urlOf = (path: string) => `http://api.test${path.replace(/\{[^}]+\}/g, "0190c7a0-0000-7000-8000-000000000000")}`;

describe("the public routes come from the spec", () => {
  it("PUBLIC_ROUTES is exactly the spec's operations with `security: []`", () => {
    const expected = operations.filter((o) => o.public).map(key).sort();
    expect(PUBLIC_ROUTES.map(key).sort()).toEqual(expected);
    // The token-issuing and mail-link routes are among them.
    expect(expected).toEqual(
      expect.arrayContaining([
        "POST /v1/auth/login",
        "POST /v1/auth/refresh",
        "POST /v1/tenants",
        "POST /v1/invitations/accept",
        "POST /v1/auth/password-reset",
        "POST /v1/auth/password-reset/confirm",
        "POST /v1/auth/verify-email",
      ]),
    );
    // Logout takes the bearer or the refresh cookie: not public.
    expect(expected).not.toContain("POST /v1/auth/logout");
  });

  it("every operation of the spec gets the bearer unless it is public", () => {
    expect(operations.length).toBeGreaterThan(20);
    for (const op of operations) {
      expect(isPublicRoute(op.method, urlOf(op.path)), key(op)).toBe(op.public);
      expect(sendsBearer(op.method, urlOf(op.path)), key(op)).toBe(!op.public);
      if (op.public) expect(shouldRetryAfterRefresh(op.method, urlOf(op.path), 401), key(op)).toBe(false);
    }
  });

  it("the committed src/api/public-routes.ts is what the generator makes from openapi.yaml", () => {
    expect(readFileSync(OUTPUT, "utf8")).toBe(renderPublicRoutes(specText));
  });

  it("the generator follows the spec: an operation made public (or private) changes the list", () => {
    const doc = parse(specText) as typeof spec;
    doc.paths["/v1/auth/me"]!.get!.security = [];
    delete doc.paths["/v1/tenants"]!.post!.security;
    doc.security = [{ bearerAuth: [] }]; // /v1/tenants now inherits it
    const routes = publicRoutes(JSON.stringify(doc)).map(key);
    expect(routes).toContain("GET /v1/auth/me");
    expect(routes).not.toContain("POST /v1/tenants");
    expect(routes).toContain("POST /v1/auth/login");
  });

  it("the generator refuses an operation that declares no security at all", () => {
    const doc = parse(specText) as typeof spec;
    delete doc.paths["/v1/auth/login"]!.post!.security;
    expect(() => publicRoutes(JSON.stringify(doc))).toThrow(/POST \/v1\/auth\/login/);
  });

  it("client.ts keeps no hand-written list of token-less paths", () => {
    const client = readFileSync(resolve(WEB, "src/api/client.ts"), "utf8");
    for (const path of ["/v1/auth/login", "/v1/auth/refresh", "/v1/tenants", "/v1/invitations/accept", "/v1/auth/password-reset"]) {
      expect(client).not.toContain(`"${path}"`);
    }
    expect(client).toMatch(/from "\.\/public-routes"/);
  });

  it("`npm run gen:api` writes the list and `npm run check:api` fails when it is stale", () => {
    const scripts = (JSON.parse(readFileSync(resolve(WEB, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
    expect(scripts["gen:api"]).toContain("node scripts/gen-public-routes.mjs");
    expect(scripts["check:api"]).toBe("node scripts/check-api.mjs");

    const dir = mkdtempSync(join(tmpdir(), "qhub-routes-"));
    try {
      const stale = join(dir, "public-routes.ts");
      writeFileSync(stale, renderPublicRoutes(specText).replace(/^ {2}\{ method: "POST", path: "\/v1\/auth\/verify-email" \},\n/m, ""));
      const run = (file: string) =>
        spawnSync(process.execPath, ["scripts/check-api.mjs", `--public-routes=${file}`], { cwd: WEB, encoding: "utf8" });
      const bad = run(stale);
      expect(bad.status).toBe(1);
      expect(bad.stderr).toMatch(/public-routes\.ts is stale/);
      const good = run(OUTPUT);
      expect(good.status, good.stderr).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
