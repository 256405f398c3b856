// The generated API client (openapi-fetch over ./schema.ts) and the fetch
// it uses: every request carries the browser's cookies for the API origin
// (`credentials: "include"`, for the refresh cookie), the in-memory access
// token (except the public routes, PUBLIC_ROUTES, generated from the spec's
// `security: []` operations), and one retry after a refresh when the server
// answers 401.
import createClient, { type Client } from "openapi-fetch";
import type { paths } from "./schema";
import { PUBLIC_ROUTES } from "./public-routes";
import { apiErrorFrom } from "./problem";
import { getAccessToken, identityOf, sameIdentity, type AccessToken } from "./tokenStore";

let client: Client<paths> | null = null;
let baseUrl = "";
/** The path of `baseUrl` without a trailing slash ("" at the origin's root). */
let basePath = "";

/** Hooks the auth layer installs (kept here to avoid an import cycle). */
export interface AuthHooks {
  /** Refresh the access token; true when a new one is in the store. */
  refresh: () => Promise<boolean>;
}
let hooks: AuthHooks = { refresh: async () => false };

export function setAuthHooks(h: AuthHooks): void {
  hooks = h;
}

/** A path template of the spec as a whole-path pattern, each `{param}` one segment. */
function templatePattern(path: string): RegExp {
  const escaped = path.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{[^}/]+\}/g, "[^/]+");
  return new RegExp(`^${escaped}$`);
}

/** The path of `url` as the spec names it: without the API base URL's path (the API may sit under a prefix). */
function specPath(url: string): string {
  const path = new URL(url, "http://x").pathname;
  return basePath && path.startsWith(`${basePath}/`) ? path.slice(basePath.length) : path;
}

const PUBLIC = PUBLIC_ROUTES.map((r) => ({ method: r.method, pattern: templatePattern(r.path) }));

/**
 * True for the spec's public operations (`security: []`, listed in the
 * generated ./public-routes.ts): login, signup, refresh, invitation
 * acceptance, password reset, email verification, health and the spec.
 * They take no credentials, so they never get the bearer token. The refresh
 * in particular is about the session the `qhub_refresh` cookie names, not
 * the one a (possibly expired, possibly another tab's) access token names.
 */
export function isPublicRoute(method: string, url: string): boolean {
  const m = method.toUpperCase();
  const path = specPath(url);
  return PUBLIC.some((r) => r.method === m && r.pattern.test(path));
}

/** True when a request to `url` with `method` may carry the access token. */
export function sendsBearer(method: string, url: string): boolean {
  return !isPublicRoute(method, url);
}

/**
 * Logout is not public (it takes the bearer or the refresh cookie), but
 * `logoutFetch` handles its 401 (retrying with the cookie alone); it is never
 * answered with a refresh.
 */
const LOGOUT = templatePattern("/v1/auth/logout");

/**
 * May a request that got `status` be retried after a refresh? Only a 401 to
 * a request that carried the bearer (an expired token): a public route's 401
 * means "wrong credentials", and a refresh would not change it.
 */
export function shouldRetryAfterRefresh(method: string, url: string, status: number): boolean {
  if (status !== 401 || !sendsBearer(method, url)) return false;
  return !LOGOUT.test(specPath(url));
}

function withAuth(request: Request): Request {
  const req = new Request(request, { credentials: "include" });
  if (!sendsBearer(req.method, req.url)) {
    req.headers.delete("Authorization");
    return req;
  }
  const token = getAccessToken();
  if (token) req.headers.set("Authorization", `Bearer ${token}`);
  return req;
}

/**
 * True when a request sent with `sentWith` may be repeated with `now`: a
 * retry must act as the same user of the same organization. (The refresh
 * cookie is shared by the browser's tabs, so a refresh can come back as
 * someone who logged in elsewhere; their token must not replay this
 * request.) Without a token before, there was no identity to keep.
 */
export function mayRetryAs(sentWith: string | null, now: string | null): boolean {
  if (now === null) return false;
  if (sentWith === null) return true;
  return sameIdentity(identityOf(sentWith), identityOf(now));
}

export async function authFetch(request: Request): Promise<Response> {
  const spare = request.clone();
  const sentWith = getAccessToken();
  const response = await fetch(withAuth(request));
  if (!shouldRetryAfterRefresh(request.method, request.url, response.status)) return response;
  // Another caller may have refreshed while this request was under way.
  const now = getAccessToken();
  if (now !== null && now !== sentWith) return mayRetryAs(sentWith, now) ? fetch(withAuth(spare)) : response;
  const refreshed = await hooks.refresh().catch(() => false);
  if (!refreshed || !mayRetryAs(sentWith, getAccessToken())) return response;
  return fetch(withAuth(spare));
}

/** An access token this close to expiry is not sent with a logout. */
const LOGOUT_TOKEN_MARGIN_MS = 5_000;

/**
 * The fetch for POST /v1/auth/logout. The `qhub_refresh` cookie always goes
 * along (`credentials: "include"`): it names the session even when the
 * access token is missing or expired, and the server clears it in every
 * case. The bearer token `token` (the one the session had; the store is
 * already empty) is added only while it is still valid, and a 401 with it is
 * retried with the cookie alone. Never refreshes.
 */
export async function logoutFetch(request: Request, token: AccessToken | null, now: number = Date.now()): Promise<Response> {
  const spare = request.clone();
  const req = new Request(request, { credentials: "include" });
  if (!token || token.expiresAt - LOGOUT_TOKEN_MARGIN_MS <= now) return fetch(req);
  req.headers.set("Authorization", `Bearer ${token.token}`);
  const response = await fetch(req);
  if (response.status !== 401) return response;
  return fetch(new Request(spare, { credentials: "include" }));
}

export function configureApi(apiUrl: string): void {
  baseUrl = apiUrl.replace(/\/+$/, "");
  basePath = new URL(baseUrl || "/", "http://x").pathname.replace(/\/+$/, "");
  client = createClient<paths>({ baseUrl, fetch: authFetch, credentials: "include" });
}

export function apiBaseUrl(): string {
  return baseUrl;
}

/** The typed client; `configureApi` must have run (main.tsx does it first). */
export function api(): Client<paths> {
  if (!client) throw new Error("API client used before configureApi()");
  return client;
}

/**
 * Awaits an openapi-fetch call and returns its data, or throws an ApiError
 * built from the problem+json body. 204 responses yield undefined.
 */
export async function unwrap<T extends { data?: unknown; error?: unknown; response: Response }>(
  call: Promise<T>,
): Promise<Exclude<T["data"], undefined>> {
  const { data, error, response } = await call;
  if (!response.ok) throw apiErrorFrom(response, error);
  return data as Exclude<T["data"], undefined>;
}
