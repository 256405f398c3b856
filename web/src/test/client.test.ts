import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { api, authFetch, configureApi, sendsBearer, setAuthHooks, shouldRetryAfterRefresh, unwrap } from "../api/client";
import { ApiError } from "../api/problem";
import { clearAccessToken, setAccessToken } from "../api/tokenStore";

const problem401 = { type: "t", title: "Unauthenticated", status: 401, detail: "Token expired.", code: "unauthenticated" };

function json(status: number, body: unknown, type = "application/json") {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": type } });
}

describe("authFetch", () => {
  const fetchMock = vi.fn<(req: Request) => Promise<Response>>();
  beforeEach(() => {
    vi.stubGlobal("fetch", fetchMock);
    fetchMock.mockReset();
    clearAccessToken();
    configureApi("http://api.test/");
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    setAuthHooks({ refresh: async () => false });
  });

  it("sends the in-memory token and cookies", async () => {
    setAccessToken("tok-1", 900);
    fetchMock.mockResolvedValue(json(200, { ok: true }));
    await authFetch(new Request("http://api.test/v1/tenant"));
    const sent = fetchMock.mock.calls[0]![0];
    expect(sent.headers.get("Authorization")).toBe("Bearer tok-1");
    expect(sent.credentials).toBe("include");
  });

  it("on 401 refreshes once and retries with the new token", async () => {
    setAccessToken("old", 900);
    const refresh = vi.fn(async () => {
      setAccessToken("new", 900);
      return true;
    });
    setAuthHooks({ refresh });
    fetchMock.mockResolvedValueOnce(json(401, problem401, "application/problem+json")).mockResolvedValueOnce(json(200, { id: 1 }));
    const res = await authFetch(new Request("http://api.test/v1/users", { method: "POST", body: JSON.stringify({ a: 1 }) }));
    expect(res.status).toBe(200);
    expect(refresh).toHaveBeenCalledTimes(1);
    const retried = fetchMock.mock.calls[1]![0];
    expect(retried.headers.get("Authorization")).toBe("Bearer new");
    expect(await retried.text()).toBe('{"a":1}');
  });

  it("gives the 401 back when the refresh fails (no loop)", async () => {
    setAccessToken("old", 900);
    const refresh = vi.fn(async () => false);
    setAuthHooks({ refresh });
    fetchMock.mockResolvedValue(json(401, problem401));
    const res = await authFetch(new Request("http://api.test/v1/users"));
    expect(res.status).toBe(401);
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(fetchMock).toHaveBeenCalledTimes(1);
  });

  it("retries without refreshing when another caller already refreshed", async () => {
    setAccessToken("old", 900);
    const refresh = vi.fn(async () => true);
    setAuthHooks({ refresh });
    fetchMock.mockImplementationOnce(async () => {
      setAccessToken("fresh", 900); // a refresh finished while this request was out
      return json(401, problem401);
    });
    fetchMock.mockResolvedValueOnce(json(200, {}));
    const res = await authFetch(new Request("http://api.test/v1/users"));
    expect(res.status).toBe(200);
    expect(refresh).not.toHaveBeenCalled();
    expect(fetchMock.mock.calls[1]![0].headers.get("Authorization")).toBe("Bearer fresh");
  });

  it("does not refresh on a failed login or refresh", async () => {
    const refresh = vi.fn(async () => true);
    setAuthHooks({ refresh });
    fetchMock.mockResolvedValue(json(401, problem401));
    await authFetch(new Request("http://api.test/v1/auth/login", { method: "POST" }));
    await authFetch(new Request("http://api.test/v1/auth/refresh", { method: "POST" }));
    expect(refresh).not.toHaveBeenCalled();
    expect(shouldRetryAfterRefresh("GET", "http://api.test/v1/auth/me", 401)).toBe(true);
    expect(shouldRetryAfterRefresh("GET", "http://api.test/v1/auth/me", 403)).toBe(false);
    // Public routes carry no token, so their 401 is not an expired one.
    expect(shouldRetryAfterRefresh("POST", "http://api.test/v1/auth/password-reset/confirm", 401)).toBe(false);
    expect(shouldRetryAfterRefresh("POST", "http://api.test/v1/auth/verify-email", 401)).toBe(false);
    // Logout handles its own 401 (logoutFetch retries with the cookie alone).
    expect(shouldRetryAfterRefresh("POST", "http://api.test/v1/auth/logout", 401)).toBe(false);
  });

  it("sends no bearer to the public routes (cookie only), even with a token in memory", async () => {
    setAccessToken("tok-1", 900);
    fetchMock.mockImplementation(async () => json(401, problem401));
    await api().POST("/v1/auth/refresh", { body: {} });
    await api().POST("/v1/auth/login", { body: { tenant: "t", email: "e@x.test", password: "p" } as never });
    await api().POST("/v1/tenants", { body: {} as never });
    await api().POST("/v1/invitations/accept", { body: {} as never });
    await api().POST("/v1/auth/password-reset", { body: {} as never });
    await api().POST("/v1/auth/password-reset/confirm", { body: {} as never });
    await api().POST("/v1/auth/verify-email", { body: {} as never });
    // A caller-set header does not slip through either.
    await authFetch(new Request("http://api.test/v1/auth/refresh", { method: "POST", headers: { Authorization: "Bearer stale" } }));
    const sent = fetchMock.mock.calls.map(([r]) => r);
    expect(sent.map((r) => `${r.method} ${new URL(r.url).pathname}`)).toEqual([
      "POST /v1/auth/refresh",
      "POST /v1/auth/login",
      "POST /v1/tenants",
      "POST /v1/invitations/accept",
      "POST /v1/auth/password-reset",
      "POST /v1/auth/password-reset/confirm",
      "POST /v1/auth/verify-email",
      "POST /v1/auth/refresh",
    ]);
    for (const r of sent) {
      expect(r.headers.get("Authorization")).toBeNull();
      expect(r.credentials).toBe("include");
    }
  });

  it("still sends the bearer everywhere else", async () => {
    setAccessToken("tok-1", 900);
    fetchMock.mockImplementation(async () => json(200, {}));
    await api().GET("/v1/tenant");
    await api().GET("/v1/auth/me");
    await api().POST("/v1/invitations", { body: {} as never });
    await api().POST("/v1/auth/password", { body: {} as never });
    for (const [r] of fetchMock.mock.calls) expect(r.headers.get("Authorization")).toBe("Bearer tok-1");
    expect(sendsBearer("POST", "http://api.test/v1/auth/refresh")).toBe(false);
    expect(sendsBearer("post", "http://api.test/v1/tenants?x=1")).toBe(false);
    expect(sendsBearer("GET", "http://api.test/v1/tenants")).toBe(true);
    expect(sendsBearer("PATCH", "http://api.test/v1/tenant")).toBe(true);
    expect(sendsBearer("POST", "http://api.test/v1/auth/logout")).toBe(true); // logoutFetch decides
    // Whole paths, not suffixes: a user whose id happens to be "metrics" is no GET /metrics.
    expect(sendsBearer("GET", "http://api.test/metrics")).toBe(false);
    expect(sendsBearer("GET", "http://api.test/v1/users/metrics")).toBe(true);
  });

  it("matches the spec's paths below the API base URL's path", async () => {
    configureApi("http://api.test/base/");
    setAccessToken("tok-1", 900);
    fetchMock.mockImplementation(async () => json(200, {}));
    await api().POST("/v1/auth/login", { body: {} as never });
    await api().GET("/v1/auth/me");
    const [login, me] = fetchMock.mock.calls.map(([r]) => r);
    expect(new URL(login!.url).pathname).toBe("/base/v1/auth/login");
    expect(login!.headers.get("Authorization")).toBeNull();
    expect(me!.headers.get("Authorization")).toBe("Bearer tok-1");
    expect(sendsBearer("POST", "http://api.test/base/v1/tenants?x=1")).toBe(false);
    expect(sendsBearer("POST", "http://api.test/other/v1/tenants")).toBe(true);
  });

  it("unwrap throws an ApiError carrying the problem", async () => {
    setAccessToken("t", 900);
    fetchMock.mockResolvedValue(
      json(404, { type: "t", title: "Not found", status: 404, detail: "No such user.", code: "not_found" }, "application/problem+json"),
    );
    const call = unwrap(api().GET("/v1/users/{id}", { params: { path: { id: "0190c7a0-0000-7000-8000-000000000000" } } }));
    await expect(call).rejects.toBeInstanceOf(ApiError);
    await expect(call).rejects.toMatchObject({ status: 404, code: "not_found", detail: "No such user." });
    expect(fetchMock.mock.calls[0]![0].url).toBe("http://api.test/v1/users/0190c7a0-0000-7000-8000-000000000000");
  });
});
