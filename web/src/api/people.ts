// Server state for the people pages: filtered user and invitation lists,
// invitation preview / resend / link, sessions and email verification.
// Query keys sit under the prefixes of ./queries.ts (`qk.users`,
// `qk.invitations`, `qk.sessions`), so the invalidations there reach them.
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api, unwrap } from "./client";
import { PAGE_SIZE } from "./queries";
import type { Paths, Schemas } from "./types";

export type UserStatus = Schemas["UserStatus"];
export type InvitationStatus = Schemas["InvitationStatus"];
export type InvitationPreview = Schemas["InvitationPreview"];
export type InvitationLink = Schemas["InvitationLink"];

export type UsersQuery = NonNullable<Paths["/v1/users"]["get"]["parameters"]["query"]>;
export type InvitationsQuery = NonNullable<Paths["/v1/invitations"]["get"]["parameters"]["query"]>;

/** The spec's SearchText limit. */
export const SEARCH_MAX = 100;

export interface UserFilters {
  q: string;
  role: Schemas["Role"] | "";
  status: UserStatus | "";
}

export interface InvitationFilters {
  q: string;
  status: InvitationStatus | "";
}

/** Trimmed search text within the spec's limit; undefined when empty. */
function search(q: string): string | undefined {
  const v = q.trim().slice(0, SEARCH_MAX);
  return v === "" ? undefined : v;
}

/** Filters → GET /v1/users query (empty filters left out). */
export function usersQuery(f: UserFilters, cursor: string | undefined): UsersQuery {
  const query: UsersQuery = { limit: PAGE_SIZE };
  if (cursor) query.cursor = cursor;
  const q = search(f.q);
  if (q) query.q = q;
  if (f.role) query.role = f.role;
  if (f.status) query.status = f.status;
  return query;
}

/** Filters → GET /v1/invitations query (empty filters left out). */
export function invitationsQuery(f: InvitationFilters, cursor: string | undefined): InvitationsQuery {
  const query: InvitationsQuery = { limit: PAGE_SIZE };
  if (cursor) query.cursor = cursor;
  const q = search(f.q);
  if (q) query.q = q;
  if (f.status) query.status = f.status;
  return query;
}

export const peopleKeys = {
  users: (q: UsersQuery) => ["users", "list", q] as const,
  invitations: (q: InvitationsQuery) => ["invitations", "list", q] as const,
  preview: (token: string) => ["invitation-preview", token] as const,
};

export function useUserList(filters: UserFilters, cursor: string | undefined, enabled = true) {
  const query = usersQuery(filters, cursor);
  return useQuery({
    queryKey: peopleKeys.users(query),
    queryFn: () => unwrap(api().GET("/v1/users", { params: { query } })),
    // While a new search loads, keep showing the last answer (no table flash per keystroke).
    placeholderData: keepPreviousData,
    enabled,
  });
}

export function useInvitationList(filters: InvitationFilters, cursor: string | undefined, enabled = true) {
  const query = invitationsQuery(filters, cursor);
  return useQuery({
    queryKey: peopleKeys.invitations(query),
    queryFn: () => unwrap(api().GET("/v1/invitations", { params: { query } })),
    placeholderData: keepPreviousData,
    enabled,
  });
}

export const resendInvitation = (id: string) =>
  unwrap(api().POST("/v1/invitations/{id}/resend", { params: { path: { id } } }));

export const invitationLink = (id: string) => unwrap(api().POST("/v1/invitations/{id}/link", { params: { path: { id } } }));

export const previewInvitation = (token: string) => unwrap(api().POST("/v1/invitations/preview", { body: { token } }));

/** The public preview of the invitation `token` names (404: invalid, expired or used). */
export function useInvitationPreview(token: string, enabled = true) {
  return useQuery({
    queryKey: peopleKeys.preview(token),
    queryFn: () => previewInvitation(token),
    enabled: enabled && token !== "",
    retry: false,
    staleTime: 60_000,
  });
}

export const revokeOtherSessions = () => unwrap(api().POST("/v1/auth/sessions/revoke-others"));

export const resendVerification = () => unwrap(api().POST("/v1/auth/verify-email/resend"));
