// Server state for the marketplace, subscriptions, subscription keys, bills
// and statements (docs/marketplace.md). Every request these pages make goes
// through the fetchers here. Query keys start with "marketplace",
// "subscriptions", "bills" or "statements", so one invalidation by prefix
// reaches every list and detail under it.
//
// The types are written by hand from docs/marketplace.md until the root
// openapi.yaml carries these routes (then they come from ./schema.ts).
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { apiBaseUrl, authFetch } from "./client";
import { apiErrorFrom } from "./problem";

export type Currency = "USD" | "EUR" | "GBP" | "CHF";
export type PlanPeriod = "month" | "year";
export type ListingStatus = "listed" | "unlisted";
export type MarketplaceSort = "newest" | "price" | "rating" | "subscribers";
export type SubscriptionState = "trialing" | "active" | "canceled" | "expired";
export type PaymentStatus = "unpaid" | "paid";
export type BillItemKind = "subscription" | "overage" | "compute";

export const currencyValues: readonly Currency[] = ["USD", "EUR", "GBP", "CHF"];
export const planPeriodValues: readonly PlanPeriod[] = ["month", "year"];
export const marketplaceSortValues: readonly MarketplaceSort[] = ["newest", "price", "rating", "subscribers"];
export const subscriptionStateValues: readonly SubscriptionState[] = ["trialing", "active", "canceled", "expired"];

export interface PlanInput {
  name: string;
  price: number;
  currency: Currency;
  period: PlanPeriod;
  included_shots: number;
  overage_price_per_1000_shots: number;
}

export interface PlanView extends PlanInput {
  id: string;
}

export interface PublishMarketplaceRequest {
  plans: PlanInput[];
  trial_days: number;
  support_email: string;
}

export interface UpdateListingRequest {
  plans?: PlanInput[];
  trial_days?: number;
  support_email?: string;
  status?: ListingStatus;
}

export interface ListingView {
  id: string;
  app_id: string;
  app_name: string;
  app_slug: string;
  description: string | null;
  tags: string[];
  publisher_name: string;
  status: ListingStatus;
  trial_days: number;
  support_email: string;
  plans: PlanView[];
  min_price: number;
  subscriber_count: number;
  rating: number | null;
  rating_count: number;
  own: boolean;
  subscription_id: string | null;
  created_at: string;
  updated_at: string;
}

export interface Page<T> {
  items: T[];
  next_cursor?: string | null;
}

export interface MarketplaceQuery {
  q?: string;
  tag?: string;
  currency?: Currency;
  max_price?: number;
  sort?: MarketplaceSort;
  own?: boolean;
  limit?: number;
  cursor?: string;
}

export interface SubscriberView {
  id: string;
  name: string;
  plan: { id: string; name: string };
  state: SubscriptionState;
  since: string;
}

export interface SubscriptionView {
  id: string;
  listing_id: string;
  app_id: string;
  app_name?: string;
  provider_name?: string;
  plan_id?: string;
  plan?: PlanView | { id: string; name: string } | null;
  state: SubscriptionState;
  trial_ends_at: string | null;
  current_period_start: string;
  current_period_end: string;
  cancel_at_period_end: boolean;
  created_at: string;
  updated_at?: string;
  ended_at?: string | null;
}

export interface SubscriptionsQuery {
  state?: SubscriptionState;
  limit?: number;
  cursor?: string;
}

export interface UpdateSubscriptionRequest {
  plan?: string;
  cancel_at_period_end?: boolean;
}

export interface SubscriptionKeyView {
  id: string;
  subscription_id?: string;
  name: string;
  prefix: string;
  remaining_usage_count: number;
  rate_limit_per_minute: number;
  expires_at: string | null;
  last_used_at?: string | null;
  created_at: string;
  revoked_at?: string | null;
}

export interface CreatedSubscriptionKey extends SubscriptionKeyView {
  key: string;
}

export interface CreateSubscriptionKeyRequest {
  name: string;
  remaining_usage_count: number;
  expires_at?: string;
  rate_limit_per_minute?: number;
}

export interface BillItemView {
  id?: string;
  position: number;
  kind: BillItemKind;
  description: string;
  quantity: number;
  unit: string;
  amount: number;
  subscription_id?: string | null;
  listing_id?: string | null;
  backend?: string | null;
}

export interface BillView {
  id: string;
  number: string;
  period_start: string;
  period_end: string;
  currency: Currency;
  total: number;
  payment_status: PaymentStatus;
  paid_at: string | null;
  issued_at: string;
  items?: BillItemView[];
}

export interface StatementRow {
  listing_id: string;
  app_name: string;
  period_start: string;
  currency: Currency;
  subscriptions: number;
  subscription_amount: number;
  overage_amount: number;
  total: number;
}

/** Months as `YYYY-MM` (from: default twelve months ago; to: inclusive, default this month). */
export interface StatementsQuery {
  from?: string;
  to?: string;
}

// --- the request helper ----------------------------------------------------------

type Query = Record<string, string | number | boolean | undefined>;

function url(path: string, query?: Query): string {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== "") qs.set(k, String(v));
  const s = qs.toString();
  return `${apiBaseUrl()}${path}${s ? `?${s}` : ""}`;
}

/** One API call with the session's token (authFetch: one retry after a refresh); problem+json → ApiError. */
export async function call<T>(method: string, path: string, opts: { query?: Query; body?: unknown } = {}): Promise<T> {
  const init: RequestInit = { method, headers: { Accept: "application/json" } };
  if (opts.body !== undefined) {
    init.body = JSON.stringify(opts.body);
    (init.headers as Record<string, string>)["Content-Type"] = "application/json";
  }
  const response = await authFetch(new Request(url(path, opts.query), init));
  const text = await response.text();
  let body: unknown = undefined;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  if (!response.ok) throw apiErrorFrom(response, body);
  return body as T;
}

const e = encodeURIComponent;

// --- listings ----------------------------------------------------------------------

export const searchMarketplace = (query: MarketplaceQuery) => call<Page<ListingView>>("GET", "/v1/marketplace", { query: { ...query } });
export const getListing = (id: string) => call<ListingView>("GET", `/v1/marketplace/${e(id)}`);
export const publishMarketplace = (appId: string, body: PublishMarketplaceRequest) =>
  call<ListingView>("POST", `/v1/apps/${e(appId)}/publish-marketplace`, { body });
export const updateListing = (id: string, body: UpdateListingRequest) => call<ListingView>("PATCH", `/v1/marketplace/${e(id)}`, { body });
export const unlistListing = (id: string) => call<ListingView>("POST", `/v1/marketplace/${e(id)}/unlist`);
export const listSubscribers = (appId: string, cursor?: string) =>
  call<Page<SubscriberView>>("GET", `/v1/apps/${e(appId)}/subscribers`, { query: { limit: 50, cursor } });
export const startTrial = (listingId: string, plan: string) => call<SubscriptionView>("POST", `/v1/marketplace/${e(listingId)}/trial`, { body: { plan } });
export const subscribe = (listingId: string, plan: string) => call<SubscriptionView>("POST", `/v1/marketplace/${e(listingId)}/subscribe`, { body: { plan } });

// --- subscriptions and keys --------------------------------------------------------

export const listSubscriptions = (query: SubscriptionsQuery) => call<Page<SubscriptionView>>("GET", "/v1/subscriptions", { query: { ...query } });
export const getSubscription = (id: string) => call<SubscriptionView>("GET", `/v1/subscriptions/${e(id)}`);
export const updateSubscription = (id: string, body: UpdateSubscriptionRequest) =>
  call<SubscriptionView>("PATCH", `/v1/subscriptions/${e(id)}`, { body });
export const cancelSubscription = (id: string) => call<SubscriptionView>("DELETE", `/v1/subscriptions/${e(id)}`);
export const listSubscriptionKeys = (id: string) => call<Page<SubscriptionKeyView>>("GET", `/v1/subscriptions/${e(id)}/keys`);
export const createSubscriptionKey = (id: string, body: CreateSubscriptionKeyRequest) =>
  call<CreatedSubscriptionKey>("POST", `/v1/subscriptions/${e(id)}/keys`, { body });
export const revokeSubscriptionKey = (id: string, keyId: string) => call<unknown>("DELETE", `/v1/subscriptions/${e(id)}/keys/${e(keyId)}`);

// --- bills and statements ------------------------------------------------------------

export const listBills = (cursor?: string) => call<Page<BillView>>("GET", "/v1/bills", { query: { limit: 25, cursor } });
export const getBill = (id: string) => call<BillView>("GET", `/v1/bills/${e(id)}`);
export const markBillPaid = (id: string) => call<BillView>("POST", `/v1/bills/${e(id)}/mark-paid`);
export const listStatements = (query: StatementsQuery) => call<Page<StatementRow> | StatementRow[]>("GET", "/v1/statements", { query: { ...query } });

/** GET /v1/bills/{id}/invoice.pdf with the bearer token: the PDF as a blob. */
export async function getInvoicePdf(id: string): Promise<Blob> {
  const response = await authFetch(new Request(url(`/v1/bills/${e(id)}/invoice.pdf`), { headers: { Accept: "application/pdf" } }));
  if (!response.ok) {
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      body = undefined;
    }
    throw apiErrorFrom(response, body);
  }
  return response.blob();
}

// --- query keys and hooks ------------------------------------------------------------

export const marketKeys = {
  marketplace: ["marketplace"] as const,
  search: (q: MarketplaceQuery) => ["marketplace", "search", q] as const,
  listing: (id: string) => ["marketplace", "one", id] as const,
  subscribers: (appId: string, cursor?: string) => ["marketplace", "subscribers", appId, cursor ?? null] as const,
  subscriptions: ["subscriptions"] as const,
  subscriptionList: (q: SubscriptionsQuery) => ["subscriptions", "list", q] as const,
  subscription: (id: string) => ["subscriptions", "one", id] as const,
  keys: (id: string) => ["subscriptions", "keys", id] as const,
  bills: ["bills"] as const,
  billList: (cursor?: string) => ["bills", "list", cursor ?? null] as const,
  bill: (id: string) => ["bills", "one", id] as const,
  statements: (q: StatementsQuery) => ["statements", q] as const,
};

export function useMarketplaceSearch(query: MarketplaceQuery, enabled = true) {
  return useQuery({ queryKey: marketKeys.search(query), queryFn: () => searchMarketplace(query), placeholderData: keepPreviousData, enabled });
}

export function useListing(id: string) {
  return useQuery({ queryKey: marketKeys.listing(id), queryFn: () => getListing(id) });
}

export function useSubscribers(appId: string, cursor: string | undefined, enabled = true) {
  return useQuery({ queryKey: marketKeys.subscribers(appId, cursor), queryFn: () => listSubscribers(appId, cursor), enabled });
}

export function useSubscriptionList(query: SubscriptionsQuery) {
  return useQuery({ queryKey: marketKeys.subscriptionList(query), queryFn: () => listSubscriptions(query), placeholderData: keepPreviousData });
}

export function useSubscription(id: string) {
  return useQuery({ queryKey: marketKeys.subscription(id), queryFn: () => getSubscription(id) });
}

export function useSubscriptionKeys(id: string) {
  return useQuery({ queryKey: marketKeys.keys(id), queryFn: () => listSubscriptionKeys(id) });
}

export function useBillList(cursor: string | undefined) {
  return useQuery({ queryKey: marketKeys.billList(cursor), queryFn: () => listBills(cursor), placeholderData: keepPreviousData });
}

export function useBill(id: string) {
  return useQuery({ queryKey: marketKeys.bill(id), queryFn: () => getBill(id) });
}

export function useStatements(query: StatementsQuery) {
  return useQuery({ queryKey: marketKeys.statements(query), queryFn: () => listStatements(query) });
}

/** The items of a list answer, whether the server wraps them (`{items}`) or not. */
export function itemsOf<T>(page: Page<T> | T[] | undefined): T[] {
  if (!page) return [];
  return Array.isArray(page) ? page : page.items;
}
