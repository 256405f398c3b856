// Server state: query keys and the fetchers behind them. Pages use these
// with TanStack Query; mutations invalidate by the key prefixes below.
import { useQuery } from "@tanstack/react-query";
import { api, unwrap } from "./client";
import type { AuditQuery, Interval } from "./types";
import { countAll } from "../lib/paging";

export const PAGE_SIZE = 25;

export const qk = {
  me: ["me"] as const,
  tenant: ["tenant"] as const,
  users: ["users"] as const,
  usersPage: (cursor: string | undefined) => ["users", "page", cursor ?? null] as const,
  user: (id: string) => ["users", "one", id] as const,
  invitations: ["invitations"] as const,
  invitationsPage: (cursor: string | undefined) => ["invitations", "page", cursor ?? null] as const,
  apiKeys: ["api-keys"] as const,
  apiKeysPage: (includeRevoked: boolean, cursor: string | undefined) =>
    ["api-keys", "page", includeRevoked, cursor ?? null] as const,
  apiKey: (id: string) => ["api-keys", "one", id] as const,
  sessions: ["sessions"] as const,
  audit: (q: AuditQuery) => ["audit", q] as const,
  usage: (from: string, to: string, interval: Interval) => ["usage", from, to, interval] as const,
  counts: (what: string) => ["counts", what] as const,
  directory: ["users", "directory"] as const,
};

export const fetchMe = () => unwrap(api().GET("/v1/auth/me"));

export function useMe(enabled = true) {
  return useQuery({ queryKey: qk.me, queryFn: fetchMe, staleTime: 30_000, enabled });
}

export function useTenant() {
  return useQuery({ queryKey: qk.tenant, queryFn: () => unwrap(api().GET("/v1/tenant")) });
}

export function useUsersPage(cursor: string | undefined, enabled = true) {
  return useQuery({
    queryKey: qk.usersPage(cursor),
    queryFn: () => unwrap(api().GET("/v1/users", { params: { query: { limit: PAGE_SIZE, cursor } } })),
    enabled,
  });
}

export function useUser(id: string) {
  return useQuery({
    queryKey: qk.user(id),
    queryFn: () => unwrap(api().GET("/v1/users/{id}", { params: { path: { id } } })),
  });
}

export function useInvitationsPage(cursor: string | undefined, enabled = true) {
  return useQuery({
    queryKey: qk.invitationsPage(cursor),
    queryFn: () => unwrap(api().GET("/v1/invitations", { params: { query: { limit: PAGE_SIZE, cursor } } })),
    enabled,
  });
}

export function useApiKeysPage(includeRevoked: boolean, cursor: string | undefined) {
  return useQuery({
    queryKey: qk.apiKeysPage(includeRevoked, cursor),
    queryFn: () =>
      unwrap(
        api().GET("/v1/api-keys", {
          params: { query: { limit: PAGE_SIZE, cursor, include_revoked: includeRevoked } },
        }),
      ),
  });
}

export function useApiKey(id: string) {
  return useQuery({
    queryKey: qk.apiKey(id),
    queryFn: () => unwrap(api().GET("/v1/api-keys/{id}", { params: { path: { id } } })),
  });
}

export function useSessions() {
  return useQuery({ queryKey: qk.sessions, queryFn: () => unwrap(api().GET("/v1/auth/sessions")) });
}

export function useAuditEvents(query: AuditQuery, enabled = true) {
  return useQuery({
    queryKey: qk.audit(query),
    queryFn: () => unwrap(api().GET("/v1/audit-events", { params: { query } })),
    enabled,
  });
}

export function useUsage(from: string, to: string, interval: Interval, enabled = true) {
  return useQuery({
    queryKey: qk.usage(from, to, interval),
    enabled,
    queryFn: () => unwrap(api().GET("/v1/usage/timeseries", { params: { query: { from, to, interval } } })),
  });
}

const COUNT_PAGE = 200;

export function useUserCount(enabled: boolean) {
  return useQuery({
    queryKey: qk.counts("users"),
    enabled,
    queryFn: () =>
      countAll((cursor) => unwrap(api().GET("/v1/users", { params: { query: { limit: COUNT_PAGE, cursor } } }))),
  });
}

export function useApiKeyCount() {
  return useQuery({
    queryKey: qk.counts("api-keys"),
    queryFn: () =>
      countAll((cursor) => unwrap(api().GET("/v1/api-keys", { params: { query: { limit: COUNT_PAGE, cursor } } }))),
  });
}

/** Pending invitations only. */
export function usePendingInvitationCount(enabled: boolean) {
  return useQuery({
    queryKey: qk.counts("invitations"),
    enabled,
    queryFn: async () => {
      let pending = 0;
      const all = await countAll(async (cursor) => {
        const page = await unwrap(api().GET("/v1/invitations", { params: { query: { limit: COUNT_PAGE, cursor } } }));
        pending += page.items.filter((i) => i.status === "pending").length;
        return page;
      });
      return { count: pending, capped: all.capped };
    },
  });
}

/**
 * Names for ids in the audit log: the tenant's users and API keys (revoked
 * ones included), for owners and admins. Removed users are not in it.
 */
export function useDirectory(enabled: boolean) {
  return useQuery({
    queryKey: qk.directory,
    enabled,
    staleTime: 60_000,
    queryFn: async () => {
      const names: Record<string, string> = {};
      await countAll(async (cursor) => {
        const page = await unwrap(api().GET("/v1/users", { params: { query: { limit: COUNT_PAGE, cursor } } }));
        for (const u of page.items) names[u.id] = u.name;
        return page;
      });
      await countAll(async (cursor) => {
        const page = await unwrap(
          api().GET("/v1/api-keys", { params: { query: { limit: COUNT_PAGE, cursor, include_revoked: true } } }),
        );
        for (const k of page.items) names[k.id] = `key “${k.name}”`;
        return page;
      });
      return names;
    },
  });
}
