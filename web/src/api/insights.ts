// Server state for the dashboard's getting-started checklist, the API keys
// list with its search and status filter, and usage broken down by route or
// key. Query keys start with the prefixes of ./queries.ts ("api-keys",
// "usage"), so the invalidations there reach these too.
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api, unwrap } from "./client";
import { PAGE_SIZE } from "./queries";
import type { components } from "./schema";
import type { Interval } from "./types";

export type Onboarding = components["schemas"]["Onboarding"];
export type UsageSummary = components["schemas"]["UsageSummary"];
export type KeyStatusFilter = components["schemas"]["KeyStatus"] | "all";

/**
 * How often the checklist looks again while a step is open (ms). Each look
 * is an API request the usage chart counts (and the rate limit too), so
 * not too often; TanStack Query pauses it while the tab is hidden.
 */
export const ONBOARDING_POLL_MS = 10_000;

export const insightKeys = {
  onboarding: ["onboarding"] as const,
  keyList: (status: KeyStatusFilter, q: string, cursor: string | undefined) =>
    ["api-keys", "list", status, q, cursor ?? null] as const,
  anyKey: ["api-keys", "any"] as const,
  keyNames: ["api-keys", "names"] as const,
  summary: (from: string, to: string, keyId: string | null) => ["usage", "summary", from, to, keyId] as const,
  series: (from: string, to: string, interval: Interval, route: string | null, keyId: string | null) =>
    ["usage", "series", from, to, interval, route, keyId] as const,
};

/** GET /v1/tenant/onboarding, polled while some step is still open. */
export function useOnboarding(pollMs = ONBOARDING_POLL_MS) {
  return useQuery({
    queryKey: insightKeys.onboarding,
    queryFn: () => unwrap(api().GET("/v1/tenant/onboarding")),
    refetchInterval: (q) => (q.state.data && !q.state.data.complete ? pollMs : false),
  });
}

/** The query parameters of GET /v1/api-keys for a status filter and search text. */
export function keyListQuery(status: KeyStatusFilter, q: string, cursor: string | undefined) {
  const text = q.trim();
  return {
    limit: PAGE_SIZE,
    cursor,
    ...(status === "all" ? { include_revoked: true } : { status }),
    ...(text ? { q: text } : {}),
  };
}

export function useKeyList(status: KeyStatusFilter, q: string, cursor: string | undefined) {
  return useQuery({
    queryKey: insightKeys.keyList(status, q.trim(), cursor),
    queryFn: () => unwrap(api().GET("/v1/api-keys", { params: { query: keyListQuery(status, q, cursor) } })),
    placeholderData: keepPreviousData,
  });
}

/** Does the caller see any key at all (revoked ones included)? For honest empty states. */
export function useAnyKey(enabled: boolean) {
  return useQuery({
    queryKey: insightKeys.anyKey,
    enabled,
    queryFn: async () => {
      const page = await unwrap(api().GET("/v1/api-keys", { params: { query: { limit: 1, include_revoked: true } } }));
      return page.items.length > 0;
    },
  });
}

/** Names of the keys the caller may see (first 200, revoked included), by id. */
export function useKeyNames(enabled: boolean) {
  return useQuery({
    queryKey: insightKeys.keyNames,
    enabled,
    staleTime: 60_000,
    queryFn: async () => {
      const page = await unwrap(api().GET("/v1/api-keys", { params: { query: { limit: 200, include_revoked: true } } }));
      const names: Record<string, string> = {};
      for (const k of page.items) names[k.id] = k.name;
      return names;
    },
  });
}

export function useUsageSummary(from: string, to: string, keyId: string | null, enabled = true) {
  return useQuery({
    queryKey: insightKeys.summary(from, to, keyId),
    enabled,
    placeholderData: keepPreviousData,
    queryFn: () =>
      unwrap(
        api().GET("/v1/usage/summary", {
          params: { query: { from, to, ...(keyId ? { api_key_id: keyId } : {}) } },
        }),
      ),
  });
}

export function useUsageSeries(
  from: string,
  to: string,
  interval: Interval,
  by: { route: string | null; keyId: string | null },
  enabled = true,
) {
  return useQuery({
    queryKey: insightKeys.series(from, to, interval, by.route, by.keyId),
    enabled,
    queryFn: () =>
      unwrap(
        api().GET("/v1/usage/timeseries", {
          params: {
            query: {
              from,
              to,
              interval,
              ...(by.route ? { route: by.route } : {}),
              ...(by.keyId ? { api_key_id: by.keyId } : {}),
            },
          },
        }),
      ),
  });
}
