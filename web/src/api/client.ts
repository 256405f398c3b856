// The generated API client (openapi-fetch over ./schema.ts) and the fetch
// it uses: every request carries the browser's cookies for the API origin
// (`credentials: "include"`, for the refresh cookie), the in-memory access
// token, and one retry after a refresh when the server answers 401.
import createClient, { type Client } from "openapi-fetch";
import type { paths } from "./schema";
import { apiErrorFrom } from "./problem";
import { getAccessToken } from "./tokenStore";

let client: Client<paths> | null = null;
let baseUrl = "";

/** Hooks the auth layer installs (kept here to avoid an import cycle). */
export interface AuthHooks {
  /** Refresh the access token; true when a new one is in the store. */
  refresh: () => Promise<boolean>;
}
let hooks: AuthHooks = { refresh: async () => false };

export function setAuthHooks(h: AuthHooks): void {
  hooks = h;
}

/** Endpoints whose 401 means "wrong credentials", not "token expired". */
const NO_RETRY = ["/v1/auth/login", "/v1/auth/refresh", "/v1/auth/logout", "/v1/tenants", "/v1/invitations/accept"];

export function shouldRetryAfterRefresh(url: string, status: number): boolean {
  if (status !== 401) return false;
  const path = new URL(url, "http://x").pathname;
  return !NO_RETRY.some((p) => path.endsWith(p));
}

function withAuth(request: Request): Request {
  const req = new Request(request, { credentials: "include" });
  const token = getAccessToken();
  if (token) req.headers.set("Authorization", `Bearer ${token}`);
  return req;
}

export async function authFetch(request: Request): Promise<Response> {
  const spare = request.clone();
  const sentWith = getAccessToken();
  const response = await fetch(withAuth(request));
  if (!shouldRetryAfterRefresh(request.url, response.status)) return response;
  // Another caller may have refreshed while this request was under way.
  const now = getAccessToken();
  if (now !== null && now !== sentWith) return fetch(withAuth(spare));
  const refreshed = await hooks.refresh().catch(() => false);
  if (!refreshed) return response;
  return fetch(withAuth(spare));
}

export function configureApi(apiUrl: string): void {
  baseUrl = apiUrl.replace(/\/+$/, "");
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
