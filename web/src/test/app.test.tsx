// The whole console (router, AuthProvider, pages) against a fake API that
// answers like the server: the refresh cookie is simulated by `cookieHolder`
// (who the browser's shared qhub_refresh cookie belongs to) and /v1/auth/me
// answers for whoever the bearer token names.
import { act, cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { App, createQueryClient } from "../App";
import { configureApi, setAuthHooks } from "../api/client";
import { dropSession, initSession, refreshSession, SESSION_HINT_KEY } from "../api/session";
import { identityOf } from "../api/tokenStore";
import { AUTH_CHANNEL, SWITCHED_NOTICE } from "../auth/AuthProvider";
import { tokenFor, USER_A, USER_B } from "./jwt";
import { SCOPES_OF } from "./sessions";
import { loadEstimator } from "../lib/passwordStrength";

type Who = { sub: string; tid: string };
const NOW = "2026-01-01T00:00:00Z";
const people = new Map<string, { name: string; email: string; org: string; slug: string }>([
  [USER_A.sub, { name: "Ada Lovelace", email: "ada@a.test", org: "Org A", slug: "org-a" }],
  [USER_B.sub, { name: "Bob Builder", email: "bob@b.test", org: "Org B", slug: "org-b" }],
]);

function meFor(who: Who) {
  const p = people.get(who.sub)!;
  return {
    role: "owner",
    scopes: SCOPES_OF.owner,
    tenant: { id: who.tid, name: p.org, slug: p.slug, settings: {}, created_at: NOW, updated_at: NOW },
    user: { id: who.sub, name: p.name, email: p.email, role: "owner", is_active: true, created_at: NOW, updated_at: NOW },
  };
}

function json(status: number, body: unknown, headers: Record<string, string> = {}) {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
}
const problem = (status: number, code: string, headers: Record<string, string> = {}) =>
  json(status, { type: "about:blank", title: code, status, detail: `${code}.`, code }, headers);

/** The fake server's state. */
let cookieHolder: Who | null = null;
let issued = 0;
/** Responses to hand out for the next refreshes before the normal answer. */
let refreshQueue: Response[] = [];
const requests: { method: string; path: string; body: string; credentials: RequestCredentials; auth: string | null }[] = [];

/** Like the server: refresh_delivery "cookie" → the cookie only; otherwise ("body", the default) → the body only. */
function issue(who: Who, delivery: unknown) {
  const pair = { access_token: tokenFor(who, ++issued), expires_in: 900, token_type: "Bearer" };
  if (delivery === "cookie") {
    cookieHolder = who;
    return pair;
  }
  return { ...pair, refresh_token: `rt-${issued}` };
}

/**
 * The browser holds USER's refresh cookie from an earlier visit: the cookie,
 * and the session hint the console left in localStorage when it got a token.
 */
function browserHasSession(who: Who) {
  cookieHolder = who;
  localStorage.setItem(SESSION_HINT_KEY, "1");
}

/** Bumped per test: a request a previous test left under way gets no answer meant for this one. */
let generation = 0;

async function fakeApi(req: Request): Promise<Response> {
  const gen = generation;
  const url = new URL(req.url);
  const body = req.method === "GET" ? "" : await req.clone().text();
  if (gen !== generation) return problem(503, "service_unavailable");
  requests.push({ method: req.method, path: url.pathname, body, credentials: req.credentials, auth: req.headers.get("Authorization") });
  const bearer = identityOf(req.headers.get("Authorization")?.replace(/^Bearer /, ""));
  switch (`${req.method} ${url.pathname}`) {
    case "POST /v1/auth/refresh": {
      const queued = refreshQueue.shift();
      if (queued) return queued;
      // A refresh from the cookie answers with the cookie: no refresh_token in the body.
      return cookieHolder ? json(200, issue(cookieHolder, "cookie")) : problem(401, "unauthenticated");
    }
    case "POST /v1/auth/login": {
      const { email, password, refresh_delivery } = JSON.parse(body) as Record<string, unknown>;
      const who = [USER_A, USER_B].find((u) => people.get(u.sub)!.email === email);
      if (!who || password !== "correct horse battery") return problem(401, "invalid_credentials");
      return json(200, issue(who, refresh_delivery));
    }
    case "POST /v1/tenants": {
      const { owner_email, refresh_delivery } = JSON.parse(body) as Record<string, unknown>;
      const who = [USER_A, USER_B].find((u) => people.get(u.sub)!.email === owner_email)!;
      return json(201, issue(who, refresh_delivery));
    }
    case "POST /v1/invitations/preview":
      return json(200, { organization: { name: "Org B", slug: "org-b" }, email: "bob@b.test", role: "viewer", invited_by: "Bea", expires_at: NOW });
    case "POST /v1/invitations/accept": {
      const { refresh_delivery } = JSON.parse(body) as Record<string, unknown>;
      return json(200, issue(USER_B, refresh_delivery));
    }
    case "POST /v1/auth/logout":
      cookieHolder = null;
      return new Response(null, { status: 204 });
    case "GET /v1/auth/me":
      return bearer ? json(200, meFor({ sub: bearer.userId, tid: bearer.tenantId })) : problem(401, "unauthenticated");
    default:
      return problem(404, "not_found");
  }
}

function renderAt(path: string) {
  window.history.pushState({}, "", path);
  const queryClient = createQueryClient();
  const utils = render(<App queryClient={queryClient} />);
  return { ...utils, queryClient };
}

const fill = (label: string | RegExp, value: string) => fireEvent.change(screen.getByLabelText(label), { target: { value } });
const whoami = () => screen.findByTestId("whoami");

/** Opens the login page and submits it for `org` / `email`. */
async function logIn(org: string, email: string) {
  renderAt("/login");
  await screen.findByLabelText("Organization");
  fill("Organization", org);
  fill("Email", email);
  fill("Password", "correct horse battery");
  fireEvent.click(screen.getByRole("button", { name: "Log in" }));
}

// The password pages check strength with zxcvbn (a lazily loaded chunk): load it once up front.
beforeAll(async () => {
  await loadEstimator();
}, 30_000);

beforeEach(() => {
  generation++;
  cookieHolder = null;
  issued = 0;
  refreshQueue = [];
  requests.length = 0;
  vi.stubGlobal("fetch", vi.fn(fakeApi));
  configureApi("http://api.test");
  initSession();
});

afterEach(() => {
  cleanup();
  dropSession();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
  setAuthHooks({ refresh: async () => false });
});

describe("tokens stay out of storage", () => {
  it("a login and a refresh write no token to localStorage, sessionStorage or document.cookie", async () => {
    const setItem = vi.spyOn(Storage.prototype, "setItem");
    const cookieDesc = Object.getOwnPropertyDescriptor(Document.prototype, "cookie")!;
    const cookieWrites: string[] = [];
    vi.spyOn(document, "cookie", "set").mockImplementation((v: string) => {
      cookieWrites.push(v);
      cookieDesc.set!.call(document, v);
    });

    await logIn("org-a", "ada@a.test");
    expect(await whoami()).toHaveProperty("textContent", expect.stringContaining("Ada Lovelace"));
    await act(async () => {
      expect(await refreshSession()).toBe(true);
    });

    const tokens = requests.filter((r) => r.auth).map((r) => r.auth!.replace(/^Bearer /, ""));
    expect(tokens.length).toBeGreaterThan(0);
    expect(issued).toBe(2); // the login's token and the refresh's
    const written = [...setItem.mock.calls.map((c) => c.join("=")), ...cookieWrites].join("\n");
    for (let n = 1; n <= issued; n++) expect(written).not.toContain(tokenFor(USER_A, n));
    for (const t of tokens) expect(written).not.toContain(t);
    // Only the session hint: "1", no token, no user.
    expect({ ...localStorage }).toEqual({ [SESSION_HINT_KEY]: "1" });
    expect(sessionStorage.length).toBe(0);
    expect(document.cookie).toBe("");
    // Every API call carried the browser's cookies (the refresh cookie flow).
    expect(requests.every((r) => r.credentials === "include")).toBe(true);
  });
});

describe("the refresh token never reaches JavaScript", () => {
  const sent = (path: string) => JSON.parse(requests.find((r) => r.path === path)!.body) as Record<string, unknown>;

  it("login asks for refresh_delivery 'cookie', and the session then lives on the cookie", async () => {
    await logIn("org-a", "ada@a.test");
    expect((await whoami()).textContent).toContain("Ada Lovelace");
    expect(sent("/v1/auth/login")).toEqual({
      tenant: "org-a",
      email: "ada@a.test",
      password: "correct horse battery",
      refresh_delivery: "cookie",
    });
    expect(cookieHolder).toEqual(USER_A);
    // A later refresh sends an empty body: the cookie carries the token.
    await act(async () => {
      expect(await refreshSession()).toBe(true);
    });
    expect(sent("/v1/auth/refresh")).toEqual({});
  });

  it("signup asks for refresh_delivery 'cookie'", async () => {
    renderAt("/signup");
    await screen.findByLabelText("Organization name");
    fill("Organization name", "Org B");
    fill("Organization slug", "org-b");
    fill("Your name", "Bob Builder");
    fill("Email", "bob@b.test");
    fill("Password", "correct horse battery");
    fireEvent.click(screen.getByRole("button", { name: "Create organization" }));
    expect((await whoami()).textContent).toContain("Bob Builder");
    expect(sent("/v1/tenants")).toMatchObject({ slug: "org-b", refresh_delivery: "cookie" });
    expect(cookieHolder).toEqual(USER_B);
  });

  it("accepting an invitation asks for refresh_delivery 'cookie'", async () => {
    renderAt("/accept-invitation?token=inv-123");
    await screen.findByLabelText("Your name");
    fill("Your name", "Bob Builder");
    fill("Password", "correct horse battery");
    fill("Confirm password", "correct horse battery");
    fireEvent.click(screen.getByRole("button", { name: "Accept invitation" }));
    expect((await whoami()).textContent).toContain("Bob Builder");
    expect(sent("/v1/invitations/accept")).toEqual({
      token: "inv-123",
      name: "Bob Builder",
      password: "correct horse battery",
      refresh_delivery: "cookie",
    });
    expect(cookieHolder).toEqual(USER_B);
  });
});

describe("one browser, several tabs, one shared refresh cookie", () => {
  it("another tab logging in as someone else switches this tab: cache dropped, back to the dashboard", async () => {
    browserHasSession(USER_A);
    const { queryClient } = renderAt("/profile");
    expect((await whoami()).textContent).toContain("Ada Lovelace");
    expect(JSON.stringify(queryClient.getQueryCache().getAll().map((q) => q.state.data))).toContain("Org A");

    // Tab 2 logs in as B: the cookie is B's now, and tab 2 says so.
    cookieHolder = USER_B;
    const otherTab = new BroadcastChannel(AUTH_CHANNEL);
    otherTab.postMessage({ type: "signed-in", userId: USER_B.sub, tenantId: USER_B.tid });
    otherTab.close();

    await waitFor(() => expect(screen.getByTestId("whoami").textContent).toContain("Bob Builder"));
    expect(window.location.pathname).toBe("/");
    expect(screen.getByTestId("auth-notice").textContent).toContain(SWITCHED_NOTICE);
    expect(screen.queryByText(/Ada Lovelace|Org A/)).toBeNull();
    expect(JSON.stringify(queryClient.getQueryCache().getAll().map((q) => q.state.data))).not.toContain("Org A");
  });

  it("the same user logging in elsewhere changes nothing here (no refresh)", async () => {
    browserHasSession(USER_A);
    renderAt("/profile");
    expect((await whoami()).textContent).toContain("Ada Lovelace");
    const before = requests.length;
    const otherTab = new BroadcastChannel(AUTH_CHANNEL);
    otherTab.postMessage({ type: "signed-in", userId: USER_A.sub, tenantId: USER_A.tid });
    otherTab.close();
    await new Promise((r) => setTimeout(r, 50));
    expect(requests.slice(before).map((r) => r.path)).not.toContain("/v1/auth/refresh");
    expect(window.location.pathname).toBe("/profile");
    expect(screen.queryByTestId("auth-notice")).toBeNull();
  });

  it("a scheduled refresh that comes back as someone else switches too", async () => {
    browserHasSession(USER_A);
    renderAt("/profile");
    expect((await whoami()).textContent).toContain("Ada Lovelace");
    cookieHolder = USER_B; // e.g. the other tab's BroadcastChannel message was missed
    await act(async () => {
      await refreshSession();
    });
    await waitFor(() => expect(screen.getByTestId("whoami").textContent).toContain("Bob Builder"));
    expect(window.location.pathname).toBe("/");
    expect(screen.getByTestId("auth-notice")).toBeTruthy();
  });

  it("logging in here tells the other tabs who is signed in (ids only, no token)", async () => {
    const otherTab = new BroadcastChannel(AUTH_CHANNEL);
    const heard = new Promise<unknown>((r) => (otherTab.onmessage = (e: MessageEvent) => r(e.data)));
    await logIn("org-b", "bob@b.test");
    expect(await heard).toEqual({ type: "signed-in", userId: USER_B.sub, tenantId: USER_B.tid });
    otherTab.close();
  });
});

describe("restoring the session on page load", () => {
  it("a 429 waits Retry-After and retries, showing that it does; it does not log the user out", async () => {
    browserHasSession(USER_A);
    refreshQueue = [problem(429, "rate_limited", { "retry-after": "1" })];
    renderAt("/profile");
    expect((await screen.findByTestId("session-rate-limited")).textContent).toMatch(/Retrying .* in 1 second/);
    expect(window.location.pathname).toBe("/profile");
    expect((await screen.findByTestId("whoami", {}, { timeout: 3_000 })).textContent).toContain("Ada Lovelace");
    expect(window.location.pathname).toBe("/profile");
    expect(requests.filter((r) => r.path === "/v1/auth/refresh")).toHaveLength(2);
  });

  it("without the session hint a logged-out visitor's page asks nothing that can only be a 401", async () => {
    cookieHolder = null;
    renderAt("/login");
    expect(await screen.findByRole("button", { name: "Log in" })).toBeTruthy();
    await new Promise((r) => setTimeout(r, 30));
    expect(requests).toEqual([]);
    // A protected page goes straight to the login page too.
    cleanup();
    renderAt("/profile");
    expect(await screen.findByRole("button", { name: "Log in" })).toBeTruthy();
    expect(window.location.search).toBe("?next=%2Fprofile");
    expect(requests).toEqual([]);
  });

  it("a stale hint costs one 401, then the hint is gone", async () => {
    localStorage.setItem(SESSION_HINT_KEY, "1"); // the cookie expired meanwhile
    renderAt("/profile");
    expect(await screen.findByRole("button", { name: "Log in" })).toBeTruthy();
    expect(requests.map((r) => r.path)).toEqual(["/v1/auth/refresh"]);
    expect(localStorage.getItem(SESSION_HINT_KEY)).toBeNull();
  });

  it("logging in sets the hint and logging out clears it", async () => {
    await logIn("org-a", "ada@a.test");
    await whoami();
    expect(localStorage.getItem(SESSION_HINT_KEY)).toBe("1");
    fireEvent.click(screen.getByRole("button", { name: "Log out" }));
    expect(await screen.findByText("You have logged out.")).toBeTruthy();
    expect(localStorage.getItem(SESSION_HINT_KEY)).toBeNull();
  });

  it("a 401 means no session: the login page", async () => {
    localStorage.setItem(SESSION_HINT_KEY, "1");
    renderAt("/profile");
    expect(await screen.findByRole("button", { name: "Log in" })).toBeTruthy();
    expect(window.location.search).toBe("?next=%2Fprofile");
  });
});

describe("accepting an invitation", () => {
  it("asks a signed-in user to log out first instead of replacing the session", async () => {
    browserHasSession(USER_A);
    renderAt("/accept-invitation?token=inv-123");
    const alert = await screen.findByTestId("accept-signed-in");
    await waitFor(() => expect(alert.textContent).toContain("ada@a.test"));
    expect(screen.queryByLabelText("Your name")).toBeNull();
    expect(requests.map((r) => r.path)).not.toContain("/v1/invitations/accept");

    fireEvent.click(screen.getByRole("button", { name: "Log out" }));
    expect(await screen.findByLabelText("Your name")).toBeTruthy();
    const logout = requests.find((r) => r.path === "/v1/auth/logout");
    expect(logout?.credentials).toBe("include");
    expect(cookieHolder).toBeNull();
    expect(window.location.pathname).toBe("/accept-invitation");
  });

  it("shows the form to an anonymous visitor", async () => {
    renderAt("/accept-invitation?token=inv-123");
    expect(await screen.findByLabelText("Your name")).toBeTruthy();
    expect(screen.queryByTestId("accept-signed-in")).toBeNull();
  });
});

describe("logging out", () => {
  it("clears the session here and on the server, even when the server call fails", async () => {
    browserHasSession(USER_A);
    const { queryClient } = renderAt("/profile");
    expect((await whoami()).textContent).toContain("Ada Lovelace");
    const fetchMock = vi.mocked(fetch);
    fetchMock.mockImplementation(async (input) => {
      const req = input as Request;
      if (new URL(req.url).pathname === "/v1/auth/logout") {
        requests.push({ method: req.method, path: "/v1/auth/logout", body: "", credentials: req.credentials, auth: null });
        throw new TypeError("Failed to fetch");
      }
      return fakeApi(req);
    });
    fireEvent.click(screen.getByRole("button", { name: "Log out" }));
    expect(await screen.findByText("You have logged out.")).toBeTruthy();
    expect(requests.find((r) => r.path === "/v1/auth/logout")?.credentials).toBe("include");
    expect(queryClient.getQueryCache().getAll()).toHaveLength(0);
  });
});
