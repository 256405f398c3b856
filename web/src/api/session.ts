// Session lifecycle outside React: restoring a session from the refresh
// cookie, keeping the access token fresh, noticing when the cookie now
// belongs to someone else, and ending the session.
import { api, logoutFetch, setAuthHooks, unwrap } from "./client";
import { ApiError } from "./problem";
import { browserLocks, createRefresher, type Refresher, type RefreshResult } from "./refresh";
import { clearAccessToken, getToken, identityOf, sameIdentity, setAccessToken, type Identity } from "./tokenStore";
import type { RefreshDelivery, TokenPair } from "./types";

/**
 * What login, signup and invitation acceptance send as `refresh_delivery`:
 * the server puts the refresh token only in the HttpOnly `qhub_refresh`
 * cookie and leaves it out of the response body, so no script in the page
 * ever sees it.
 */
export const REFRESH_DELIVERY: RefreshDelivery = "cookie";

let refresher: Refresher | null = null;
/** Who this tab is signed in as (from the access token's claims). */
let identity: Identity | null = null;
/** Set while/after logging out: a late 401 must not refresh the session back. */
let ended = false;

/**
 * A non-secret hint in localStorage that this browser may hold a session:
 * "1", set whenever this tab gets an access token (login, signup, invitation,
 * refresh) and removed when the session ends here (logout, a refresh the
 * server refused). The refresh cookie is HttpOnly, so the page cannot see
 * whether it exists; without the hint, a page load asks the server
 * (`POST /v1/auth/refresh`) and a logged-out visitor's console shows a 401.
 * With it, a page load without the hint skips the request. It holds no
 * token and names no user; a missing hint only costs one login.
 */
export const SESSION_HINT_KEY = "qhub-session-hint";

function setHint(on: boolean): void {
  try {
    if (on) {
      if (localStorage.getItem(SESSION_HINT_KEY) !== "1") localStorage.setItem(SESSION_HINT_KEY, "1");
    }
    else localStorage.removeItem(SESSION_HINT_KEY);
  } catch {
    // Storage disabled: the restore just always asks the server.
  }
}

/** True when this browser may hold a session (or storage is unavailable, so we cannot tell). */
export function hasSessionHint(): boolean {
  try {
    return localStorage.getItem(SESSION_HINT_KEY) === "1";
  } catch {
    return true;
  }
}

type IdentityListener = (now: Identity | null) => void;
const identityListeners = new Set<IdentityListener>();

/**
 * Called when a refresh returned a token for another user or organization
 * than this tab's (someone logged in as someone else in another tab: the
 * refresh cookie is shared). The tab must drop everything it shows.
 */
export function onIdentityChange(listener: IdentityListener): () => void {
  identityListeners.add(listener);
  return () => identityListeners.delete(listener);
}

/** This tab's identity, or null when signed out (or the token has no claims). */
export function currentIdentity(): Identity | null {
  return identity;
}

/**
 * POST /v1/auth/refresh with an empty body: the browser sends the
 * `qhub_refresh` cookie, and the response carries only the access token.
 * 401 → no session; anything else (429, network) is thrown.
 */
async function refreshFromCookie(): Promise<RefreshResult | null> {
  try {
    const pair = await unwrap(api().POST("/v1/auth/refresh", { body: {} }));
    return { accessToken: pair.access_token, expiresIn: pair.expires_in };
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return null;
    throw err;
  }
}

/** Stores a refreshed token and reports an identity change (after storing it). */
function adopt(result: RefreshResult): void {
  const before = identity;
  const hadToken = getToken() !== null;
  setAccessToken(result.accessToken, result.expiresIn);
  identity = identityOf(result.accessToken);
  setHint(true);
  if (hadToken && !sameIdentity(before, identity)) {
    for (const l of identityListeners) l(identity);
  }
}

export function initSession(): void {
  refresher = createRefresher({
    refresh: refreshFromCookie,
    onRefreshed: adopt,
    onSessionLost: forget,
    locks: browserLocks(),
  });
  const r = refresher;
  setAuthHooks({ refresh: () => (ended ? Promise.resolve(false) : r.refreshNow()) });
}

function requireRefresher(): Refresher {
  if (!refresher) throw new Error("initSession() has not run");
  return refresher;
}

/** On app start: true when the refresh cookie still holds a session. */
export function restoreSession(): Promise<boolean> {
  ended = false;
  return requireRefresher().refreshNow();
}

/**
 * On app start: like restoreSession, but without a request when there is no
 * sign of a session (no hint): a logged-out visitor's pages make no call
 * that can only answer 401.
 */
export function restoreSessionIfHinted(): Promise<boolean> {
  if (!hasSessionHint()) return Promise.resolve(false);
  return restoreSession();
}

/** Refresh now (e.g. another tab logged in): resolves false when the session is gone. */
export function refreshSession(): Promise<boolean> {
  return requireRefresher().refreshNow();
}

/** Wait this long at most between attempts when the server rate-limits the restore. */
export const MAX_RESTORE_WAIT_SECS = 60;
/** …and this long when it gave no usable Retry-After. */
export const DEFAULT_RESTORE_WAIT_SECS = 5;

/** Seconds to wait after a 429, from its Retry-After, within [1, 60]. */
export function restoreWaitSecs(retryAfter: number | null): number {
  if (retryAfter === null || !Number.isFinite(retryAfter)) return DEFAULT_RESTORE_WAIT_SECS;
  return Math.min(MAX_RESTORE_WAIT_SECS, Math.max(1, Math.ceil(retryAfter)));
}

/**
 * Restores the session, waiting out rate limits: a 429 is not "no session"
 * (only a 401 is), so it waits Retry-After seconds (bounded) and tries
 * again, telling `onRateLimited` how long it waits. Other errors are thrown.
 */
export async function restorePatiently(
  onRateLimited: (waitSecs: number) => void,
  restore: () => Promise<boolean> = restoreSession,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
): Promise<boolean> {
  for (;;) {
    try {
      return await restore();
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 429)) throw err;
      const secs = restoreWaitSecs(err.retryAfter);
      onRateLimited(secs);
      await sleep(secs * 1000);
    }
  }
}

/**
 * After login, signup or accepting an invitation: keep only the access
 * token. A new generation for the refresher: whatever a refresh started
 * before this login brings back is ignored.
 */
export function startSession(pair: Pick<TokenPair, "access_token" | "expires_in">): void {
  ended = false;
  requireRefresher().cancel();
  setAccessToken(pair.access_token, pair.expires_in);
  identity = identityOf(pair.access_token);
  setHint(true);
  requireRefresher().schedule(pair.expires_in);
}

/**
 * Log out: forget the session locally at once (token, schedule, identity —
 * and a refresh under way, whose answer is then ignored),
 * then POST /v1/auth/logout with the refresh cookie — and the access token
 * while it is still valid — so the server ends the session and clears the
 * cookie even when the token has expired. Local state is gone whatever the
 * server answers; this never throws.
 */
export async function endSession(): Promise<void> {
  const token = getToken();
  ended = true;
  requireRefresher().cancel();
  forget();
  try {
    await api().POST("/v1/auth/logout", {
      fetch: (req) => logoutFetch(req, token),
      signal: typeof AbortSignal.timeout === "function" ? AbortSignal.timeout(10_000) : null,
    });
  } catch {
    // Unreachable: the local session is gone regardless; the cookie dies
    // with the session's expiry, or at the next logout.
  }
}

/** Forget the session locally (e.g. after revoking the current session). */
export function dropSession(): void {
  requireRefresher().cancel();
  forget();
}

/** This tab holds no token and no identity. */
function forget(): void {
  identity = null;
  clearAccessToken();
  setHint(false);
}
