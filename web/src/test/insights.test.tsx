// The dashboard's checklist and usage panel, the new key's snippets and the
// keys list's empty states, rendered against a fake API.
import { QueryClientProvider } from "@tanstack/react-query";
import { cleanup, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { MemoryRouter, Route, Routes } from "react-router";
import { createQueryClient } from "../App";
import { configureApi } from "../api/client";
import { qk } from "../api/queries";
import type { MeResponse, UsageBucket } from "../api/types";
import { AuthContext, type AuthContextValue } from "../auth/AuthContext";
import { GettingStarted } from "../components/GettingStarted";
import { KeySnippets } from "../components/KeySnippets";
import { placeLabels, UsageChart } from "../components/UsageChart";
import { UsagePanel } from "../components/UsagePanel";
import { planRange, toBars } from "../lib/usage";
import { ApiKeysPage } from "../pages/ApiKeys";
import { renderUi } from "./render";
import { meAs } from "./sessions";

type Handler = (req: Request, url: URL) => Response | Promise<Response> | undefined;
let handler: Handler = () => undefined;
const requested: string[] = [];

function json(body: unknown, status = 200, headers: Record<string, string> = {}) {
  return new Response(body === null ? null : JSON.stringify(body), {
    status,
    headers: { "content-type": status >= 400 ? "application/problem+json" : "application/json", ...headers },
  });
}

const auth: AuthContextValue = {
  status: "authenticated",
  notice: null,
  dismissNotice: () => undefined,
  retryingIn: null,
  signIn: () => undefined,
  signOut: async () => undefined,
  signOutLocally: () => undefined,
};

function renderWith(ui: React.ReactNode, me: MeResponse = meAs("owner")) {
  const queryClient = createQueryClient();
  queryClient.setQueryData(qk.me, me);
  return renderUi(
    <QueryClientProvider client={queryClient}>
      <AuthContext.Provider value={auth}>
        <MemoryRouter>
          <Routes>
            <Route path="*" element={ui} />
          </Routes>
        </MemoryRouter>
      </AuthContext.Provider>
    </QueryClientProvider>,
  );
}

beforeEach(() => {
  requested.length = 0;
  handler = () => undefined;
  vi.stubGlobal(
    "fetch",
    vi.fn(async (req: Request) => {
      const url = new URL(req.url);
      requested.push(`${req.method} ${url.pathname}${url.search}`);
      return (await handler(req, url)) ?? json({ items: [], next_cursor: null });
    }),
  );
  configureApi("http://api.test");
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const onboarding = (o: Partial<Record<"email_verified" | "teammate_invited" | "api_key_created" | "first_call_made", boolean>>) => {
  const full = { email_verified: false, teammate_invited: false, api_key_created: false, first_call_made: false, ...o };
  return { ...full, complete: Object.values(full).every(Boolean) };
};

describe("GettingStarted", () => {
  it("shows each step's state in words and the progress", async () => {
    handler = (_r, url) => (url.pathname === "/v1/tenant/onboarding" ? json(onboarding({ email_verified: true, api_key_created: true })) : undefined);
    renderWith(<GettingStarted />);
    const card = await screen.findByTestId("getting-started");
    expect(within(card).getByText("2 of 4 done")).toBeTruthy();
    const email = screen.getByTestId("step-email");
    expect(email.dataset.done).toBe("true");
    expect(within(email).getByText("Done")).toBeTruthy();
    const invite = screen.getByTestId("step-invite");
    expect(invite.dataset.done).toBe("false");
    expect(within(invite).getByText("To do")).toBeTruthy();
    expect(within(invite).getByRole("link", { name: "Invite someone" }).getAttribute("href")).toBe("/users#invite");
    expect(within(screen.getByTestId("step-call")).getByRole("link", { name: "API keys page" }).getAttribute("href")).toBe("/api-keys#create");
    // A done step offers no action.
    expect(within(email).queryByRole("button")).toBeNull();
  });

  it("tells a member who cannot invite who can", async () => {
    handler = (_r, url) => (url.pathname === "/v1/tenant/onboarding" ? json(onboarding({})) : undefined);
    renderWith(<GettingStarted />, meAs("developer"));
    const invite = await screen.findByTestId("step-invite");
    expect(invite.textContent).toContain("An owner or admin of the organization can invite people.");
    expect(within(invite).queryByRole("link")).toBeNull();
  });

  it("resends the verification email; 409 looks again and ticks the step", async () => {
    let verified = false;
    handler = (req, url) => {
      if (url.pathname === "/v1/tenant/onboarding") return json(onboarding({ email_verified: verified }));
      if (url.pathname === "/v1/auth/verify-email/resend" && req.method === "POST") {
        verified = true;
        return json({ type: "about:blank", title: "Conflict", status: 409, code: "conflict", detail: "already verified" }, 409);
      }
      return undefined;
    };
    renderWith(<GettingStarted />);
    fireEvent.click(await screen.findByRole("button", { name: "Resend verification email" }));
    await waitFor(() => expect(screen.getByTestId("step-email").dataset.done).toBe("true"));
    expect(requested).toContain("POST /v1/auth/verify-email/resend");
  });

  it("explains the hourly limit on 429", async () => {
    handler = (_req, url) => {
      if (url.pathname === "/v1/tenant/onboarding") return json(onboarding({}));
      if (url.pathname === "/v1/auth/verify-email/resend")
        return json({ type: "about:blank", title: "Too many", status: 429, code: "rate_limited", detail: "slow down" }, 429, { "retry-after": "600" });
      return undefined;
    };
    renderWith(<GettingStarted />);
    fireEvent.click(await screen.findByRole("button", { name: "Resend verification email" }));
    const msg = await screen.findByTestId("resend-message");
    expect(msg.getAttribute("role")).toBe("alert");
    expect(msg.textContent).toContain("at most 3 an hour");
    expect(msg.textContent).toContain("10 minutes");
  });

  it("says 'all set' when the last step lands, and stays hidden for a set-up organization", async () => {
    let state = onboarding({ email_verified: true, teammate_invited: true, api_key_created: true });
    handler = (_r, url) => (url.pathname === "/v1/tenant/onboarding" ? json(state) : undefined);
    const { unmount } = renderWith(<GettingStarted pollMs={300} />);
    expect((await screen.findByTestId("getting-started")).dataset.complete).toBe("false");
    state = onboarding({ email_verified: true, teammate_invited: true, api_key_created: true, first_call_made: true });
    // It polls while incomplete.
    await waitFor(() => expect(screen.getByTestId("getting-started").dataset.complete).toBe("true"), { timeout: 3000 });
    expect(screen.getByTestId("getting-started").textContent).toContain("You’re all set");
    unmount();
    renderWith(<GettingStarted />);
    await waitFor(() => expect(requested.filter((r) => r.includes("onboarding")).length).toBeGreaterThan(2));
    await new Promise((r) => setTimeout(r, 30));
    expect(screen.queryByTestId("getting-started")).toBeNull();
  }, 10_000);
});

describe("KeySnippets", () => {
  it("shows curl, Python and TypeScript for the key, each with a copy button", () => {
    renderUi(<KeySnippets secret="qh_live_abc" scopes={["usage:read"]} baseUrl="http://api.test" />);
    expect(screen.getByTestId("snippet-curl").textContent).toBe("curl -sS -H 'X-API-Key: qh_live_abc' 'http://api.test/v1/usage/summary'");
    expect(screen.getByTestId("snippet-python").textContent).toContain('token="qh_live_abc"');
    expect(screen.getByTestId("snippet-typescript").textContent).toContain('"X-API-Key": "qh_live_abc"');
    for (const name of ["curl", "Python", "TypeScript"]) expect(screen.getByRole("tab", { name })).toBeTruthy();
    expect(screen.getByRole("button", { name: "Copy curl command" })).toBeTruthy();
  });
});

function hourly(plan: ReturnType<typeof planRange>, at: number, requests: number, e4 = 0): UsageBucket {
  return {
    start: new Date(plan.from.getTime() + at * 3_600_000).toISOString(),
    events: requests,
    quantities: {},
    requests,
    errors_4xx: e4,
    errors_5xx: 0,
    p50_us: 0,
    p95_us: 0,
    p99_us: 0,
    request_bytes: 0,
    response_bytes: 0,
  };
}

describe("UsageChart", () => {
  it("stacks errors inside the request bars, labels the axis and offers a table", () => {
    const plan = planRange("24h", new Date());
    const bars = toBars([hourly(plan, 3, 40, 10), hourly(plan, 5, 7)], plan);
    const { container } = renderUi(<UsageChart bars={bars} plan={plan} />);
    expect(screen.getAllByTestId("usage-bar")).toHaveLength(24);
    expect(container.querySelectorAll("rect.bar-error")).toHaveLength(1);
    expect(container.querySelectorAll("rect.bar-ok")).toHaveLength(2);
    expect(container.querySelector("path")).toBeNull();
    const img = screen.getByRole("img");
    expect(img.getAttribute("aria-label")).toContain("47 requests, 10 of them errors");
    const ticks = [...container.querySelectorAll("text.tick")].map((t) => t.textContent);
    expect(ticks).toContain("40");
    expect(ticks).not.toContain("0.5");
    fireEvent.click(screen.getByRole("button", { name: "Show as table" }));
    const table = screen.getByRole("table", { name: "API requests per bar" });
    expect(within(table).getAllByRole("row")).toHaveLength(1 + 24 + 1);
  });
});

describe("placeLabels", () => {
  it("keeps labels inside the plot and drops one that would touch the newest", () => {
    // 7 px per character: "Nov 23" is 42 px wide.
    const labels = [
      { i: 0, text: "Sep 7" },
      { i: 5, text: "Nov 23" },
      { i: 6, text: "Nov 30" },
    ];
    const placed = placeLabels(labels, (i) => 40 + i * 50, 40, 340);
    expect(placed.map((l) => l.text)).toEqual(["Sep 7", "Nov 30"]);
    const first = placed[0]!;
    expect(first.x - 17.5).toBeGreaterThanOrEqual(40);
    expect(placed[1]!.x + 21).toBeLessThanOrEqual(340);
    expect(placeLabels(labels, (i) => 40 + i * 200, 40, 2000)).toHaveLength(3);
  });
});

describe("UsagePanel", () => {
  it("says honestly that there were no requests instead of drawing an empty chart", async () => {
    handler = (_r, url) => {
      if (url.pathname === "/v1/usage/timeseries") return json({ from: "x", to: "y", interval: "hour", buckets: [] });
      if (url.pathname === "/v1/usage/summary") return json({ top_routes: [], top_keys: [], p95_us: 0 });
      return undefined;
    };
    renderWith(<UsagePanel />);
    const empty = await screen.findByTestId("usage-empty");
    expect(empty.textContent).toContain("No API requests in the last 24 hours.");
    expect(screen.queryByTestId("usage-chart")).toBeNull();
    expect(screen.getByTestId("usage-total-requests").dataset.value).toBe("0");
  });

  it("breaks down by route and by key (named from the keys list)", async () => {
    const keyId = "0190c7a0-0000-7000-8000-0000000000k1".replace("k1", "01");
    handler = (_r, url) => {
      if (url.pathname === "/v1/usage/timeseries") {
        const plan = planRange("24h", new Date());
        return json({ from: "x", to: "y", interval: "hour", buckets: [hourly(plan, 20, 9, 1)] });
      }
      if (url.pathname === "/v1/usage/summary")
        return json({ top_routes: [{ route: "/v1/users" }], top_keys: [{ api_key_id: keyId }], p95_us: 1500 });
      if (url.pathname === "/v1/api-keys") return json({ items: [{ id: keyId, name: "ci" }], next_cursor: null });
      return undefined;
    };
    renderWith(<UsagePanel />);
    await screen.findByTestId("usage-chart");
    const select = screen.getByLabelText("Breakdown") as HTMLSelectElement;
    await waitFor(() => expect([...select.options].map((o) => o.textContent)).toEqual(["All requests", "Route /v1/users", "Key “ci”"]));
    fireEvent.change(select, { target: { value: "route:/v1/users" } });
    await waitFor(() => expect(requested.some((r) => r.includes("route=%2Fv1%2Fusers"))).toBe(true));
    fireEvent.change(select, { target: { value: `key:${keyId}` } });
    await waitFor(() => expect(requested.some((r) => r.startsWith("GET /v1/usage/timeseries") && r.includes(`api_key_id=${keyId}`))).toBe(true));
    expect(screen.getByTestId("usage-total-requests").dataset.value).toBe("9");
  });
});

describe("ApiKeysPage list", () => {
  it("searches on the server, filters by status and says when the filter hides keys", async () => {
    handler = (_r, url) => {
      if (url.pathname !== "/v1/api-keys") return undefined;
      // The only key is revoked: only include_revoked/status=revoked lists it.
      const revoked = { id: "k", name: "old", prefix: "qh_live_ab", scopes: [], created_by: "u", created_at: "2026-01-01T00:00:00Z", revoked_at: "2026-01-02T00:00:00Z" };
      const shows = url.searchParams.get("include_revoked") === "true" || url.searchParams.get("status") === "revoked";
      return json({ items: shows ? [revoked] : [], next_cursor: null });
    };
    renderWith(<ApiKeysPage />);
    const empty = await screen.findByTestId("api-keys-empty");
    await waitFor(() => expect(empty.dataset.emptyKind).toBe("filtered"));
    expect(empty.textContent).toContain("No active keys.");
    expect(requested).toContain("GET /v1/api-keys?limit=25&status=active");
    fireEvent.click(within(empty).getByRole("button", { name: "Show revoked and expired keys" }));
    expect(await screen.findByTestId("api-key-row-old")).toBeTruthy();
    expect((screen.getByLabelText("Status") as HTMLSelectElement).value).toBe("all");

    fireEvent.change(screen.getByLabelText("Search keys"), { target: { value: "zzz" } });
    await waitFor(() => expect(requested.some((r) => r.includes("q=zzz"))).toBe(true), { timeout: 2000 });
  });

  it("says 'No API keys yet' when there are none at all", async () => {
    renderWith(<ApiKeysPage />);
    const empty = await screen.findByTestId("api-keys-empty");
    await waitFor(() => expect(empty.dataset.emptyKind).toBe("none"));
    expect(empty.textContent).toContain("No API keys yet.");
    expect(within(empty).getByRole("button", { name: "Create a key" })).toBeTruthy();
  });
});
