// Session lifecycle outside React: restoring a session from the refresh
// cookie, keeping the access token fresh, and ending the session.
import { api, setAuthHooks, unwrap } from "./client";
import { ApiError } from "./problem";
import { browserLocks, createRefresher, type Refresher, type RefreshResult } from "./refresh";
import { clearAccessToken, setAccessToken } from "./tokenStore";
import type { TokenPair } from "./types";

let refresher: Refresher | null = null;

/**
 * POST /v1/auth/refresh with an empty body: the browser sends the
 * `qhub_refresh` cookie. The `refresh_token` in the response body is
 * ignored on purpose (the cookie carries it). 401 → no session.
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

export function initSession(): void {
  refresher = createRefresher({
    refresh: refreshFromCookie,
    onRefreshed: (r) => setAccessToken(r.accessToken, r.expiresIn),
    onSessionLost: () => clearAccessToken(),
    locks: browserLocks(),
  });
  const r = refresher;
  setAuthHooks({ refresh: () => r.refreshNow() });
}

function requireRefresher(): Refresher {
  if (!refresher) throw new Error("initSession() has not run");
  return refresher;
}

/** On app start: true when the refresh cookie still holds a session. */
export function restoreSession(): Promise<boolean> {
  return requireRefresher().refreshNow();
}

/** After login, signup or accepting an invitation: keep only the access token. */
export function startSession(pair: Pick<TokenPair, "access_token" | "expires_in">): void {
  setAccessToken(pair.access_token, pair.expires_in);
  requireRefresher().schedule(pair.expires_in);
}

/** POST /v1/auth/logout (clears the cookie server-side), then forget the token. */
export async function endSession(): Promise<void> {
  requireRefresher().cancel();
  try {
    await unwrap(api().POST("/v1/auth/logout"));
  } catch {
    // Already logged out or unreachable: forgetting the token locally is
    // what matters to this tab either way.
  } finally {
    clearAccessToken();
  }
}

/** Forget the session locally (e.g. after revoking the current session). */
export function dropSession(): void {
  requireRefresher().cancel();
  clearAccessToken();
}
