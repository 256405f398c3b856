// The marketplace pages against a fake API: a listing's plans with the
// buy buttons (and none on one's own), a trial that lands on the
// subscription, a subscription key shown once, a bill with its items, the
// nav by scope, and the bell's unread count.
import { QueryClientProvider } from "@tanstack/react-query";
import { cleanup, configure, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { MemoryRouter, Route, Routes } from "react-router";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createQueryClient } from "../App";
import { configureApi } from "../api/client";
import type { BillView, ListingView, SubscriptionView } from "../api/marketplace";
import { qk } from "../api/queries";
import type { MeResponse, Scope } from "../api/types";
import { AuthContext, type AuthContextValue } from "../auth/AuthContext";
import { Layout } from "../components/Layout";
import { BillDetailPage } from "../pages/BillDetail";
import { ListingPage } from "../pages/Listing";
import { SubscriptionDetailPage } from "../pages/SubscriptionDetail";
import { renderUi } from "./render";
import { meAs } from "./sessions";

configure({ asyncUtilTimeout: 5000 });

const NOW = "2026-12-01T12:00:00Z";
const LISTING_ID = "019ad5a0-0000-7000-8000-0000000000l1";
const PLAN_ID = "019ad5a0-0000-7000-8000-0000000000p1";
const SUB_ID = "019ad5a0-0000-7000-8000-0000000000s1";
const BILL_ID = "019ad5a0-0000-7000-8000-0000000000b1";
const MARKET_SCOPES = ["subscriptions:read", "subscriptions:write", "billing:read"] as unknown as Scope[];

type Handler = (req: Request, url: URL) => Response | Promise<Response>;
let handlers: Record<string, Handler> = {};
const requests: { method: string; path: string; body: string }[] = [];
const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

async function fakeApi(input: Request): Promise<Response> {
  const url = new URL(input.url);
  const body = input.method === "GET" ? "" : await input.clone().text();
  requests.push({ method: input.method, path: url.pathname, body });
  const h = handlers[`${input.method} ${url.pathname}`];
  if (h) return h(input, url);
  if (url.pathname === "/v1/notifications/stream") return new Response(": nothing\n\n", { status: 200, headers: { "content-type": "text/event-stream" } });
  if (input.method === "GET") return json(200, { items: [], next_cursor: null });
  return json(404, { type: "about:blank", title: "not_found", status: 404, code: "not_found", detail: "Not found." });
}

const listing = (over: Partial<ListingView> = {}): ListingView => ({
  id: LISTING_ID,
  app_id: "019ad5a0-0000-7000-8000-0000000000a1",
  app_name: "Bell Sampler",
  app_slug: "bell-sampler",
  description: "Samples a Bell pair.",
  tags: ["sampler"],
  publisher_name: "Superposition Inc",
  status: "listed",
  trial_days: 14,
  support_email: "support@superpos.test",
  plans: [{ id: PLAN_ID, name: "Starter", active: true, price: 4900, currency: "USD", period: "month", included_shots: 100000, overage_price_per_1000_shots: 25 }],
  min_price: 4900,
  subscriber_count: 0,
  rating: null,
  rating_count: 0,
  own: false,
  subscription_id: null,
  created_at: NOW,
  updated_at: NOW,
  ...over,
});

const subscription = (over: Partial<SubscriptionView> = {}): SubscriptionView => ({
  id: SUB_ID,
  listing_id: LISTING_ID,
  app_id: "019ad5a0-0000-7000-8000-0000000000a1",
  app_name: "Bell Sampler",
  provider_name: "Superposition Inc",
  plan: listing().plans[0]!,
  state: "trialing",
  trial_ends_at: "2026-12-15T12:00:00Z",
  current_period_start: NOW,
  current_period_end: "2026-12-15T12:00:00Z",
  cancel_at_period_end: false,
  created_at: NOW,
  ended_at: null,
  ...over,
});

const auth: AuthContextValue = {
  status: "authenticated",
  notice: null,
  dismissNotice: () => undefined,
  retryingIn: null,
  signIn: () => undefined,
  signOut: async () => undefined,
  signOutLocally: () => undefined,
};

function renderAt(me: MeResponse, path: string) {
  const queryClient = createQueryClient();
  queryClient.setQueryData(qk.me, me);
  return renderUi(
    <QueryClientProvider client={queryClient}>
      <AuthContext.Provider value={auth}>
        <MemoryRouter initialEntries={[path]}>
          <Routes>
            <Route element={<Layout />}>
              <Route index element={<p>home</p>} />
              <Route path="marketplace/:id" element={<ListingPage />} />
              <Route path="subscriptions/:id" element={<SubscriptionDetailPage />} />
              <Route path="bills/:id" element={<BillDetailPage />} />
            </Route>
          </Routes>
        </MemoryRouter>
      </AuthContext.Provider>
    </QueryClientProvider>,
  );
}

const owner = () => meAs("owner", [...meAs("owner").scopes, ...MARKET_SCOPES]);

beforeEach(() => {
  handlers = {
    "GET /v1/marketplace/019ad5a0-0000-7000-8000-0000000000l1": () => json(200, listing()),
  };
  requests.length = 0;
  vi.stubGlobal("fetch", vi.fn(fakeApi));
  configureApi("http://api.test");
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const navLinks = () => within(screen.getByRole("navigation", { name: "Main" })).getAllByRole("link").map((a) => a.textContent);

describe("the marketplace pages", () => {
  it("a listing's plans with prices from minor units; a trial lands on the subscription", async () => {
    handlers[`POST /v1/marketplace/${LISTING_ID}/trial`] = () => json(201, subscription());
    handlers[`GET /v1/subscriptions/${SUB_ID}`] = () => json(200, subscription());
    renderAt(owner(), `/marketplace/${LISTING_ID}`);
    const row = await screen.findByTestId("plan-row");
    expect(within(row).getByTestId("plan-price").textContent).toBe("USD 49.00 / month");
    expect(within(row).getByTestId("plan-overage").textContent).toBe("USD 0.25 per 1,000 shots");
    expect(within(row).getByTestId("plan-included").textContent).toBe("100,000 per month");
    fireEvent.click(within(row).getByRole("button", { name: "Start trial of Starter" }));
    await waitFor(() => expect(screen.getByTestId("subscription-state").getAttribute("data-state")).toBe("trialing"));
    const post = requests.find((r) => r.method === "POST" && r.path.endsWith("/trial"));
    expect(JSON.parse(post!.body)).toEqual({ plan: PLAN_ID });
    expect(screen.getByTestId("subscription-plan").textContent).toBe("Starter");
  });

  it("no buy buttons on one's own listing; the provider gets the subscribers tab", async () => {
    handlers[`GET /v1/marketplace/${LISTING_ID}`] = () => json(200, listing({ own: true }));
    handlers["GET /v1/apps/019ad5a0-0000-7000-8000-0000000000a1/subscribers"] = () =>
      json(200, { items: [{ id: SUB_ID, name: "Interference Ltd", plan: { id: PLAN_ID, name: "Starter" }, state: "active", since: NOW }], next_cursor: null });
    renderAt(owner(), `/marketplace/${LISTING_ID}?tab=subscribers`);
    const sub = await screen.findByTestId("subscriber-row");
    expect(sub.textContent).toContain("Interference Ltd");
    expect(sub.textContent).toContain("Starter");
    expect(within(sub).getByTestId("subscriber-state").textContent).toBe("Active");
    fireEvent.click(screen.getByRole("tab", { name: "Plans" }));
    await screen.findByTestId("plan-row");
    expect(screen.queryByRole("button", { name: /Subscribe to|Start trial of/ })).toBeNull();
  });

  it("a new subscription key is shown once, with a warning", async () => {
    handlers[`GET /v1/subscriptions/${SUB_ID}`] = () => json(200, subscription({ state: "active", trial_ends_at: null }));
    handlers[`POST /v1/subscriptions/${SUB_ID}/keys`] = () =>
      json(201, {
        id: "k1",
        subscription_id: SUB_ID,
        key: "qh_sub_SECRET123",
        prefix: "qh_sub_SECR",
        name: "ci",
        remaining_usage_count: 1000,
        rate_limit_per_minute: 600,
        expires_at: null,
        last_used_at: null,
        created_at: NOW,
        revoked_at: null,
      });
    renderAt(owner(), `/subscriptions/${SUB_ID}`);
    const form = await screen.findByRole("form", { name: "Create a subscription key" });
    fireEvent.change(within(form).getByLabelText("Key name"), { target: { value: "ci" } });
    fireEvent.click(within(form).getByRole("button", { name: "Create key" }));
    const created = await screen.findByTestId("created-key");
    expect(within(created).getByTestId("created-key-value").textContent).toBe("qh_sub_SECRET123");
    expect(created.textContent).toContain("only time the key is shown");
    const post = requests.find((r) => r.method === "POST" && r.path.endsWith("/keys"));
    expect(JSON.parse(post!.body)).toEqual({ name: "ci", remaining_usage_count: 1000, rate_limit_per_minute: 600 });
  });

  it("a bill's line items and total; Mark paid only for an owner", async () => {
    const bill: BillView = {
      id: BILL_ID,
      number: "QH-2026-12-0001",
      period_start: "2026-12-01T00:00:00Z",
      period_end: "2027-01-01T00:00:00Z",
      currency: "USD",
      total: 9923,
      payment_status: "unpaid",
      paid_at: null,
      issued_at: NOW,
      items: [
        { position: 1, kind: "subscription", description: "GHZ Sampler — Pro", quantity: 1, unit: "month", amount: 9900 },
        { position: 2, kind: "overage", description: "GHZ Sampler — overage", quantity: 924, unit: "shots", amount: 23 },
      ],
    };
    handlers[`GET /v1/bills/${BILL_ID}`] = () => json(200, bill);
    renderAt(owner(), `/bills/${BILL_ID}`);
    await screen.findByTestId("bill-number");
    expect(screen.getAllByTestId("bill-item-amount").map((e) => e.textContent)).toEqual(["USD 99.00", "USD 0.23"]);
    expect(screen.getByTestId("bill-items-total").textContent).toBe("USD 99.23");
    expect(screen.getByTestId("bill-period").textContent).toBe("December 2026");
    expect(screen.getByRole("button", { name: "Mark paid" })).toBeTruthy();
    cleanup();
    renderAt(meAs("admin", [...meAs("admin").scopes, ...MARKET_SCOPES]), `/bills/${BILL_ID}`);
    await screen.findByTestId("bill-number");
    expect(screen.queryByRole("button", { name: "Mark paid" })).toBeNull();
  });

  it("the nav offers the pages by scope, and the bell counts the unread", async () => {
    handlers["GET /v1/notifications"] = () =>
      json(200, {
        items: [{ id: "n1", type: "bill.issued", title: "Bill QH-1 issued", body: "", data: {}, read_at: null, created_at: NOW }],
        next_cursor: null,
        unread_count: 1,
      });
    renderAt(owner(), "/");
    await waitFor(() => expect(screen.getByTestId("notification-bell").getAttribute("data-unread")).toBe("1"));
    expect(screen.getByRole("button", { name: "Notifications: 1 unread" })).toBeTruthy();
    expect(navLinks()).toEqual(expect.arrayContaining(["Marketplace", "Subscriptions", "Bills", "Statements"]));
    cleanup();
    renderAt(meAs("viewer"), "/");
    await screen.findByText("home");
    const links = navLinks();
    expect(links).toContain("Marketplace");
    for (const hidden of ["Subscriptions", "Bills", "Statements"]) expect(links).not.toContain(hidden);
  });
});
