import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { authFetch, configureApi, logoutFetch, mayRetryAs, setAuthHooks } from "../api/client";
import { ApiError } from "../api/problem";
import { retryDelayMs } from "../api/refresh";
import {
  currentIdentity,
  dropSession,
  endSession,
  initSession,
  MAX_RESTORE_WAIT_SECS,
  onIdentityChange,
  refreshSession,
  restorePatiently,
  restoreSession,
  restoreWaitSecs,
  startSession,
} from "../api/session";
import { getAccessToken, getToken, identityOf, sameIdentity, setAccessToken } from "../api/tokenStore";
import { fakeJwt, tokenFor, USER_A, USER_A_OTHER_TENANT, USER_B } from "./jwt";

function json(status: number, body: unknown, headers: Record<string, string> = {}) {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
}
const problem = (status: number, code: string) => ({ type: "t", title: code, status, detail: code, code });

describe("identityOf / sameIdentity", () => {
  it("reads sub and tid from the token's payload (base64url, no verification)", () => {
    expect(identityOf(tokenFor(USER_A))).toEqual({ userId: USER_A.sub, tenantId: USER_A.tid });
    // base64url characters (- and _) and missing padding
    const odd = fakeJwt({ sub: "ü?>>", tid: "t~~~" });
    expect(identityOf(odd)).toEqual({ userId: "ü?>>", tenantId: "t~~~" });
  });

  it("is null for anything that is not a JWT with both claims", () => {
    expect(identityOf(null)).toBeNull();
    expect(identityOf("opaque-token")).toBeNull();
    expect(identityOf("a.!!!.c")).toBeNull();
    expect(identityOf(fakeJwt({ sub: USER_A.sub }))).toBeNull();
    expect(identityOf(fakeJwt({ sub: 1, tid: 2 }))).toBeNull();
  });

  it("needs both user and tenant to match", () => {
    const a = identityOf(tokenFor(USER_A, 1));
    expect(sameIdentity(a, identityOf(tokenFor(USER_A, 2)))).toBe(true);
    expect(sameIdentity(a, identityOf(tokenFor(USER_B)))).toBe(false);
    expect(sameIdentity(a, identityOf(tokenFor(USER_A_OTHER_TENANT)))).toBe(false);
    expect(sameIdentity(a, null)).toBe(false);
    expect(sameIdentity(null, null)).toBe(true);
  });
});

describe("session", () => {
  const fetchMock = vi.fn<(req: Request) => Promise<Response>>();
  const urls = () => fetchMock.mock.calls.map(([r]) => `${r.method} ${new URL(r.url).pathname}`);

  beforeEach(() => {
    vi.stubGlobal("fetch", fetchMock);
    fetchMock.mockReset();
    configureApi("http://api.test");
    initSession();
  });
  afterEach(() => {
    dropSession();
    vi.unstubAllGlobals();
    setAuthHooks({ refresh: async () => false });
  });

  describe("endSession (logout)", () => {
    it("calls the server with the cookie and the valid token, then forgets the token", async () => {
      startSession({ access_token: tokenFor(USER_A), expires_in: 900 });
      fetchMock.mockResolvedValue(new Response(null, { status: 204 }));
      await endSession();
      expect(urls()).toEqual(["POST /v1/auth/logout"]);
      const sent = fetchMock.mock.calls[0]![0];
      expect(sent.credentials).toBe("include");
      expect(sent.headers.get("Authorization")).toBe(`Bearer ${tokenFor(USER_A)}`);
      expect(getAccessToken()).toBeNull();
      expect(currentIdentity()).toBeNull();
    });

    it("with an expired token still calls the server, with the cookie only (no refresh first)", async () => {
      setAccessToken(tokenFor(USER_A), 900, Date.now() - 3_600_000); // expired an hour ago
      fetchMock.mockResolvedValue(new Response(null, { status: 204 }));
      await endSession();
      expect(urls()).toEqual(["POST /v1/auth/logout"]);
      const sent = fetchMock.mock.calls[0]![0];
      expect(sent.credentials).toBe("include");
      expect(sent.headers.get("Authorization")).toBeNull();
      expect(getAccessToken()).toBeNull();
    });

    it("with no token at all still calls the server with the cookie", async () => {
      fetchMock.mockResolvedValue(new Response(null, { status: 204 }));
      await endSession();
      expect(urls()).toEqual(["POST /v1/auth/logout"]);
      expect(fetchMock.mock.calls[0]![0].credentials).toBe("include");
    });

    it("retries with the cookie alone when the server refuses the bearer token", async () => {
      startSession({ access_token: tokenFor(USER_A), expires_in: 900 });
      fetchMock
        .mockResolvedValueOnce(json(401, problem(401, "unauthenticated")))
        .mockResolvedValueOnce(new Response(null, { status: 204 }));
      await endSession();
      expect(urls()).toEqual(["POST /v1/auth/logout", "POST /v1/auth/logout"]);
      const [first, second] = fetchMock.mock.calls.map(([r]) => r);
      expect(first!.headers.get("Authorization")).not.toBeNull();
      expect(second!.headers.get("Authorization")).toBeNull();
      expect(second!.credentials).toBe("include");
    });

    it("forgets the token even when the server is unreachable, and never throws", async () => {
      startSession({ access_token: tokenFor(USER_A), expires_in: 900 });
      fetchMock.mockRejectedValue(new TypeError("Failed to fetch"));
      await expect(endSession()).resolves.toBeUndefined();
      expect(getToken()).toBeNull();
    });

    it("forgets the token before the server answers, and late 401s do not refresh it back", async () => {
      startSession({ access_token: tokenFor(USER_A), expires_in: 900 });
      let answer!: (r: Response) => void;
      fetchMock.mockImplementationOnce(() => new Promise((r) => (answer = r)));
      const done = endSession();
      expect(getAccessToken()).toBeNull();
      // A request that was under way comes back 401: no refresh may revive the session.
      fetchMock.mockResolvedValueOnce(json(401, problem(401, "unauthenticated")));
      const res = await authFetch(new Request("http://api.test/v1/users"));
      expect(res.status).toBe(401);
      expect(urls()).not.toContain("POST /v1/auth/refresh");
      answer(new Response(null, { status: 204 }));
      await done;
    });
  });

  describe("logout while a refresh is under way", () => {
    afterEach(() => vi.useRealTimers());

    /** Answers POST /v1/auth/refresh with a response the test releases; logout gets 204. */
    function heldRefreshes() {
      const held: ((r: Response) => void)[] = [];
      fetchMock.mockImplementation((req) =>
        new URL(req.url).pathname === "/v1/auth/refresh"
          ? new Promise<Response>((r) => held.push(r))
          : Promise.resolve(new Response(null, { status: 204 })),
      );
      return held;
    }
    const pair = (token: string) => json(200, { access_token: token, expires_in: 900, token_type: "Bearer" });

    it("ignores the scheduled refresh's answer: no token, no timer; a later login works normally", async () => {
      vi.useFakeTimers();
      const held = heldRefreshes();
      startSession({ access_token: tokenFor(USER_A), expires_in: 900 });
      await vi.advanceTimersByTimeAsync(840_000); // the timer's refresh goes out
      expect(urls()).toEqual(["POST /v1/auth/refresh"]);
      const refreshReq = fetchMock.mock.calls[0]![0];
      expect(refreshReq.headers.get("Authorization")).toBeNull(); // the cookie alone
      expect(refreshReq.credentials).toBe("include");

      await endSession();
      held[0]!(pair(tokenFor(USER_A, 1)));
      await vi.advanceTimersByTimeAsync(0);
      expect(getToken()).toBeNull();
      expect(currentIdentity()).toBeNull();
      expect(vi.getTimerCount()).toBe(0);
      await vi.advanceTimersByTimeAsync(3_600_000);
      expect(urls()).toEqual(["POST /v1/auth/refresh", "POST /v1/auth/logout"]);

      // Logging in again starts afresh: the token is kept and refreshed on time.
      startSession({ access_token: tokenFor(USER_B), expires_in: 900 });
      expect(getAccessToken()).toBe(tokenFor(USER_B));
      await vi.advanceTimersByTimeAsync(0); // jsdom fires the session hint's storage event from a 0 ms timer
      expect(vi.getTimerCount()).toBe(1);
      await vi.advanceTimersByTimeAsync(840_000);
      expect(urls()).toHaveLength(3);
      held[1]!(pair(tokenFor(USER_B, 1)));
      await vi.advanceTimersByTimeAsync(0);
      expect(getAccessToken()).toBe(tokenFor(USER_B, 1));
      expect(currentIdentity()).toEqual({ userId: USER_B.sub, tenantId: USER_B.tid });
      expect(vi.getTimerCount()).toBe(1);
    });

    it("a login also disowns a refresh started before it (a slow restore), without a logout", async () => {
      const held = heldRefreshes();
      const restoring = restoreSession();
      startSession({ access_token: tokenFor(USER_B), expires_in: 900 });
      held[0]!(pair(tokenFor(USER_A)));
      expect(await restoring).toBe(false);
      expect(getAccessToken()).toBe(tokenFor(USER_B));
      expect(currentIdentity()).toEqual({ userId: USER_B.sub, tenantId: USER_B.tid });
    });

    it("a late answer cannot replace or end the next login's session", async () => {
      const held = heldRefreshes();
      startSession({ access_token: tokenFor(USER_A), expires_in: 900 });
      const changes = vi.fn();
      const off = onIdentityChange(changes);
      const first = refreshSession();
      const second = refreshSession();
      await endSession();
      startSession({ access_token: tokenFor(USER_B), expires_in: 900 });
      // The old session's refresh comes back as A: not adopted over B.
      held[0]!(pair(tokenFor(USER_A, 1)));
      expect(await first).toBe(false);
      expect(await second).toBe(false);
      expect(getAccessToken()).toBe(tokenFor(USER_B));
      expect(changes).not.toHaveBeenCalled();
      // …or as a 401 (logout revoked it): B's token stays.
      const third = refreshSession();
      await endSession();
      startSession({ access_token: tokenFor(USER_B, 2), expires_in: 900 });
      held[1]!(json(401, problem(401, "unauthenticated")));
      expect(await third).toBe(false);
      expect(getAccessToken()).toBe(tokenFor(USER_B, 2));
      expect(currentIdentity()).toEqual({ userId: USER_B.sub, tenantId: USER_B.tid });
      off();
    });
  });

  describe("logoutFetch", () => {
    it("adds the bearer only while it is valid (5 s margin)", async () => {
      fetchMock.mockResolvedValue(new Response(null, { status: 204 }));
      const now = 1_000_000;
      await logoutFetch(new Request("http://api.test/v1/auth/logout", { method: "POST" }), { token: "t", expiresAt: now + 4_000 }, now);
      await logoutFetch(new Request("http://api.test/v1/auth/logout", { method: "POST" }), { token: "t", expiresAt: now + 60_000 }, now);
      expect(fetchMock.mock.calls[0]![0].headers.get("Authorization")).toBeNull();
      expect(fetchMock.mock.calls[1]![0].headers.get("Authorization")).toBe("Bearer t");
      expect(fetchMock.mock.calls.every(([r]) => r.credentials === "include")).toBe(true);
    });
  });

  describe("restorePatiently (429 on page load)", () => {
    it("waits Retry-After and tries again instead of giving up the session", async () => {
      fetchMock
        .mockResolvedValueOnce(json(429, problem(429, "rate_limited"), { "retry-after": "3" }))
        .mockResolvedValueOnce(json(429, problem(429, "rate_limited"), { "retry-after": "7200" }))
        .mockResolvedValueOnce(json(200, { access_token: tokenFor(USER_A), expires_in: 900, token_type: "Bearer" }));
      const waits: number[] = [];
      const slept: number[] = [];
      const ok = await restorePatiently(
        (s) => waits.push(s),
        restoreSession,
        async (ms) => {
          slept.push(ms);
        },
      );
      expect(ok).toBe(true);
      expect(waits).toEqual([3, MAX_RESTORE_WAIT_SECS]);
      expect(slept).toEqual([3_000, 60_000]);
      expect(urls()).toEqual(["POST /v1/auth/refresh", "POST /v1/auth/refresh", "POST /v1/auth/refresh"]);
      expect(currentIdentity()).toEqual({ userId: USER_A.sub, tenantId: USER_A.tid });
    });

    it("only a 401 means no session", async () => {
      fetchMock.mockResolvedValueOnce(json(401, problem(401, "unauthenticated")));
      const onRateLimited = vi.fn();
      expect(await restorePatiently(onRateLimited, restoreSession, async () => undefined)).toBe(false);
      expect(onRateLimited).not.toHaveBeenCalled();
    });

    it("other failures are errors, not 'logged out' and not retried forever", async () => {
      fetchMock.mockResolvedValueOnce(json(503, problem(503, "service_unavailable")));
      await expect(restorePatiently(vi.fn(), restoreSession, async () => undefined)).rejects.toBeInstanceOf(ApiError);
      expect(fetchMock).toHaveBeenCalledTimes(1);
    });

    it("bounds the wait", () => {
      expect(restoreWaitSecs(null)).toBe(5);
      expect(restoreWaitSecs(0)).toBe(1);
      expect(restoreWaitSecs(2.2)).toBe(3);
      expect(restoreWaitSecs(100_000)).toBe(60);
      expect(retryDelayMs(new ApiError({ status: 429, code: "rate_limited", detail: "", retryAfter: 45 }))).toBe(45_000);
      expect(retryDelayMs(new ApiError({ status: 429, code: "rate_limited", detail: "", retryAfter: 9999 }))).toBe(60_000);
      expect(retryDelayMs(new TypeError("Failed to fetch"))).toBe(15_000);
    });
  });

  describe("identity changes (the refresh cookie is shared by every tab)", () => {
    it("reports a refresh that returns another user or organization", async () => {
      startSession({ access_token: tokenFor(USER_A), expires_in: 900 });
      const changes = vi.fn();
      const off = onIdentityChange(changes);
      fetchMock.mockResolvedValueOnce(json(200, { access_token: tokenFor(USER_A, 1), expires_in: 900, token_type: "Bearer" }));
      await refreshSession();
      expect(changes).not.toHaveBeenCalled(); // same user, same tenant: a plain refresh
      fetchMock.mockResolvedValueOnce(json(200, { access_token: tokenFor(USER_A_OTHER_TENANT), expires_in: 900, token_type: "Bearer" }));
      await refreshSession();
      expect(changes).toHaveBeenCalledWith({ userId: USER_A.sub, tenantId: USER_B.tid });
      fetchMock.mockResolvedValueOnce(json(200, { access_token: tokenFor(USER_B), expires_in: 900, token_type: "Bearer" }));
      await refreshSession();
      expect(changes).toHaveBeenCalledTimes(2);
      expect(currentIdentity()).toEqual({ userId: USER_B.sub, tenantId: USER_B.tid });
      off();
    });

    it("restoring on page load is not a change (there was no identity yet)", async () => {
      const changes = vi.fn();
      const off = onIdentityChange(changes);
      fetchMock.mockResolvedValueOnce(json(200, { access_token: tokenFor(USER_B), expires_in: 900, token_type: "Bearer" }));
      expect(await restoreSession()).toBe(true);
      expect(changes).not.toHaveBeenCalled();
      off();
    });

    it("a request is not replayed as someone else after a 401 and refresh", async () => {
      startSession({ access_token: tokenFor(USER_A), expires_in: 900 });
      const changes = vi.fn();
      const off = onIdentityChange(changes);
      fetchMock
        .mockResolvedValueOnce(json(401, problem(401, "unauthenticated")))
        .mockResolvedValueOnce(json(200, { access_token: tokenFor(USER_B), expires_in: 900, token_type: "Bearer" }));
      const res = await authFetch(new Request("http://api.test/v1/users/x", { method: "DELETE" }));
      expect(res.status).toBe(401);
      expect(urls()).toEqual(["DELETE /v1/users/x", "POST /v1/auth/refresh"]); // no second DELETE as B
      expect(changes).toHaveBeenCalledTimes(1);
      off();
    });

    it("mayRetryAs keeps the identity", () => {
      expect(mayRetryAs(tokenFor(USER_A, 1), tokenFor(USER_A, 2))).toBe(true);
      expect(mayRetryAs(tokenFor(USER_A), tokenFor(USER_B))).toBe(false);
      expect(mayRetryAs(tokenFor(USER_A), tokenFor(USER_A_OTHER_TENANT))).toBe(false);
      expect(mayRetryAs(null, tokenFor(USER_A))).toBe(true);
      expect(mayRetryAs(tokenFor(USER_A), null)).toBe(false);
    });
  });
});
