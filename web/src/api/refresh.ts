// Refreshing the access token.
//
// The refresh token is an HttpOnly cookie (`qhub_refresh`, Path=/v1/auth)
// that the browser sends itself; this module never sees it. Refresh tokens
// rotate and presenting a rotated one revokes the whole session, so two
// refreshes must never race with the same cookie: within a tab, concurrent
// callers share one request (single flight), and across tabs a Web Lock
// ("qhub-refresh") serializes them, so each refresh sends the cookie the
// previous one set.

/** What a refresh yields: a new access token and its lifetime. */
export interface RefreshResult {
  accessToken: string;
  expiresIn: number;
}

/** The part of `navigator.locks` this module uses. */
export interface LockManagerLike {
  request<T>(name: string, callback: () => Promise<T>): Promise<T>;
}

export const REFRESH_LOCK = "qhub-refresh";
/** Refresh this long before the access token runs out. */
export const REFRESH_LEAD_SECS = 60;
/** Never schedule sooner than this, so a tiny `expires_in` cannot spin. */
export const MIN_REFRESH_DELAY_SECS = 5;
/** After a refresh fails on the network, try again this much later. */
export const RETRY_AFTER_FAILURE_SECS = 15;

/** A rate-limited refresh waits its Retry-After, but at most this long. */
export const MAX_RETRY_AFTER_SECS = 60;

/**
 * Milliseconds until a failed scheduled refresh is tried again: the error's
 * `retryAfter` (an ApiError from a 429) within [15 s, 60 s], else 15 s.
 */
export function retryDelayMs(err: unknown): number {
  const ra = typeof err === "object" && err !== null ? (err as { retryAfter?: unknown }).retryAfter : undefined;
  const secs =
    typeof ra === "number" && Number.isFinite(ra)
      ? Math.min(MAX_RETRY_AFTER_SECS, Math.max(RETRY_AFTER_FAILURE_SECS, ra))
      : RETRY_AFTER_FAILURE_SECS;
  return secs * 1000;
}

/**
 * Milliseconds to wait before refreshing a token that expires in
 * `expiresInSecs`: 60 s before expiry, or half its life for tokens shorter
 * than two minutes, but never less than 5 s.
 */
export function refreshDelayMs(expiresInSecs: number): number {
  const lead = Math.min(REFRESH_LEAD_SECS, expiresInSecs / 2);
  return Math.max(MIN_REFRESH_DELAY_SECS, expiresInSecs - lead) * 1000;
}

/** `navigator.locks` where the browser has it (secure contexts), else null. */
export function browserLocks(): LockManagerLike | null {
  if (typeof navigator === "undefined") return null;
  const locks = (navigator as Navigator & { locks?: LockManager }).locks;
  if (!locks || typeof locks.request !== "function") return null;
  return {
    request: <T>(name: string, cb: () => Promise<T>) =>
      locks.request(name, { mode: "exclusive" }, cb) as Promise<T>,
  };
}

export interface RefresherDeps {
  /** Performs POST /v1/auth/refresh; resolves null when the session is gone (401). */
  refresh: () => Promise<RefreshResult | null>;
  /** Stores a new token (called inside the lock, before it is released). */
  onRefreshed: (result: RefreshResult) => void;
  /** Called when a refresh finds no session any more. */
  onSessionLost: () => void;
  locks: LockManagerLike | null;
  setTimer?: (cb: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
}

export interface Refresher {
  /** Refreshes now (joining a refresh already under way); true on success. */
  refreshNow(): Promise<boolean>;
  /** Schedules the next refresh for a token that lives `expiresInSecs`. */
  schedule(expiresInSecs: number): void;
  /**
   * Cancels the scheduled refresh and disowns any refresh under way (logout,
   * or a new login): a refresh started before `cancel` stores nothing,
   * schedules nothing and reports no lost session when it returns (its
   * `refreshNow` resolves false), and one still waiting for the lock does
   * not send its request at all.
   */
  cancel(): void;
}

export function createRefresher(deps: RefresherDeps): Refresher {
  const setTimer = deps.setTimer ?? ((cb, ms) => setTimeout(cb, ms));
  const clearTimer = deps.clearTimer ?? ((h) => clearTimeout(h as ReturnType<typeof setTimeout>));
  let inFlight: { generation: number; promise: Promise<boolean> } | null = null;
  let timer: unknown = null;
  // Bumped by cancel(): a refresh belongs to the generation it started in,
  // and its outcome counts only while that generation is still current. (A
  // logged-out tab must not store a token, re-arm the timer — which would
  // keep rotating the shared cookie — or adopt another tab's later login.)
  let generation = 0;

  const clearScheduled = () => {
    if (timer !== null) clearTimer(timer);
    timer = null;
  };

  const cancel = () => {
    generation++;
    clearScheduled();
  };

  const scheduleIn = (ms: number) => {
    clearScheduled();
    const gen = generation;
    timer = setTimer(() => {
      timer = null;
      // A network failure or a 429 leaves the session as it was: try again
      // shortly, or when Retry-After says (the 401 path also refreshes if
      // the token expires meanwhile).
      refreshNow().catch((err: unknown) => {
        if (gen === generation) scheduleIn(retryDelayMs(err));
      });
    }, ms);
  };

  const schedule = (expiresInSecs: number) => scheduleIn(refreshDelayMs(expiresInSecs));

  const attempt = async (gen: number): Promise<boolean> => {
    // Cancelled while waiting for the lock: do not rotate the cookie.
    if (gen !== generation) return false;
    let result: RefreshResult | null;
    try {
      result = await deps.refresh();
    } catch (err) {
      if (gen !== generation) return false;
      throw err;
    }
    // Cancelled while the request was out: its answer is no longer ours.
    if (gen !== generation) return false;
    if (result === null) {
      clearScheduled();
      deps.onSessionLost();
      return false;
    }
    deps.onRefreshed(result);
    schedule(result.expiresIn);
    return true;
  };

  const refreshNow = (): Promise<boolean> => {
    // Join a refresh of this generation; one started before a cancel is
    // disowned, so a new one starts (behind it, when there is a lock).
    if (inFlight && inFlight.generation === generation) return inFlight.promise;
    const gen = generation;
    const run = deps.locks ? deps.locks.request(REFRESH_LOCK, () => attempt(gen)) : attempt(gen);
    const entry = {
      generation: gen,
      promise: run.finally(() => {
        if (inFlight === entry) inFlight = null;
      }),
    };
    inFlight = entry;
    return entry.promise;
  };

  return { refreshNow, schedule, cancel };
}
