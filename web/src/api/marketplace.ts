// Server state for the marketplace, subscriptions, subscription keys, bills
// and statements (docs/marketplace.md). Every request these pages make goes
// through the fetchers here; the types are the spec's (./schema.ts, which
// `npm run gen:api` generates from ../openapi.yaml). Query keys start with
// "marketplace", "subscriptions", "bills" or "statements", so one
// invalidation by prefix reaches every list and detail under it.
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api, apiBaseUrl, authFetch, unwrap } from "./client";
import { apiErrorFrom } from "./problem";
import type { Paths, Schemas } from "./types";

export type Currency = Schemas["Currency"];
export type PlanPeriod = Schemas["PlanPeriod"];
export type ListingStatus = Schemas["ListingStatus"];
export type MarketplaceSort = Schemas["MarketplaceSort"];
export type SubscriptionState = Schemas["SubscriptionState"];
export type PaymentStatus = Schemas["PaymentStatus"];
export type BillItemKind = Schemas["ItemKind"];

export type PlanInput = Schemas["PlanInput"];
export type PlanView = Schemas["PlanView"];
export type PlanRef = Schemas["PlanRef"];
export type ListingView = Schemas["ListingView"];
export type ListingPage = Schemas["ListingPage"];
export type PublishListingRequest = Schemas["PublishListingRequest"];
export type UpdateListingRequest = Schemas["UpdateListingRequest"];
export type SubscribeRequest = Schemas["SubscribeRequest"];
export type SubscriberView = Schemas["SubscriberView"];
export type SubscriptionView = Schemas["SubscriptionView"];
export type UpdateSubscriptionRequest = Schemas["UpdateSubscriptionRequest"];
export type SubscriptionKeyView = Schemas["SubscriptionKeyView"];
export type NewSubscriptionKey = Schemas["NewSubscriptionKey"];
export type CreateKeyRequest = Schemas["CreateKeyRequest"];
export type BillItemView = Schemas["BillItemView"];
export type BillView = Schemas["BillView"];
export type Statement = Schemas["Statement"];
export type StatementLine = Schemas["StatementLine"];

export type MarketplaceQuery = NonNullable<Paths["/v1/marketplace"]["get"]["parameters"]["query"]>;
export type SubscriptionsQuery = NonNullable<Paths["/v1/subscriptions"]["get"]["parameters"]["query"]>;
/** Months as `YYYY-MM` (from: default twelve months ago; to: inclusive, default this month). */
export type StatementsQuery = NonNullable<Paths["/v1/statements"]["get"]["parameters"]["query"]>;

export { currencyValues, planPeriodValues, listingStatusValues, marketplaceSortValues, subscriptionStateValues, paymentStatusValues } from "./schema";
export { itemKindValues as billItemKindValues } from "./schema";

/** `${apiBaseUrl()}${path}`, for the requests that are not JSON (the invoice PDF). */
const url = (path: string) => `${apiBaseUrl()}${path}`;
const e = encodeURIComponent;

// --- listings ----------------------------------------------------------------------

const path = (id: string) => ({ params: { path: { id } } });
const lpath = (listing_id: string) => ({ params: { path: { listing_id } } });

export const searchMarketplace = (query: MarketplaceQuery) => unwrap(api().GET("/v1/marketplace", { params: { query } }));
export const getListing = (id: string) => unwrap(api().GET("/v1/marketplace/{listing_id}", lpath(id)));
export const publishMarketplace = (appId: string, body: PublishListingRequest) =>
  unwrap(api().POST("/v1/apps/{id}/publish-marketplace", { ...path(appId), body }));
export const updateListing = (id: string, body: UpdateListingRequest) => unwrap(api().PATCH("/v1/marketplace/{listing_id}", { ...lpath(id), body }));
export const unlistListing = (id: string) => unwrap(api().POST("/v1/marketplace/{listing_id}/unlist", lpath(id)));
export const listSubscribers = (appId: string, cursor?: string) =>
  unwrap(api().GET("/v1/apps/{id}/subscribers", { params: { path: { id: appId }, query: { limit: 50, cursor } } }));
export const startTrial = (listingId: string, plan: string) =>
  unwrap(api().POST("/v1/marketplace/{listing_id}/trial", { ...lpath(listingId), body: { plan } }));
export const subscribe = (listingId: string, plan: string) =>
  unwrap(api().POST("/v1/marketplace/{listing_id}/subscribe", { ...lpath(listingId), body: { plan } }));

// --- subscriptions and keys --------------------------------------------------------

export const listSubscriptions = (query: SubscriptionsQuery) => unwrap(api().GET("/v1/subscriptions", { params: { query } }));
export const getSubscription = (id: string) => unwrap(api().GET("/v1/subscriptions/{id}", path(id)));
export const updateSubscription = (id: string, body: UpdateSubscriptionRequest) =>
  unwrap(api().PATCH("/v1/subscriptions/{id}", { ...path(id), body }));
export const cancelSubscription = (id: string) => unwrap(api().DELETE("/v1/subscriptions/{id}", path(id)));
export const listSubscriptionKeys = (id: string) =>
  unwrap(api().GET("/v1/subscriptions/{id}/keys", { params: { path: { id }, query: { limit: 200 } } }));
export const createSubscriptionKey = (id: string, body: CreateKeyRequest) => unwrap(api().POST("/v1/subscriptions/{id}/keys", { ...path(id), body }));
export const revokeSubscriptionKey = (id: string, keyId: string) =>
  unwrap(api().DELETE("/v1/subscriptions/{id}/keys/{key_id}", { params: { path: { id, key_id: keyId } } }));

// --- bills and statements ------------------------------------------------------------

export const listBills = (cursor?: string) => unwrap(api().GET("/v1/bills", { params: { query: { limit: 25, cursor } } }));
export const getBill = (id: string) => unwrap(api().GET("/v1/bills/{id}", path(id)));
export const markBillPaid = (id: string) => unwrap(api().POST("/v1/bills/{id}/mark-paid", path(id)));
export const listStatements = (query: StatementsQuery) => unwrap(api().GET("/v1/statements", { params: { query } }));

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
