// What the signed-in user may do, decided from the scopes their session
// holds — `scopes` of GET /v1/auth/me, every scope their current role grants
// on the server. The console keeps no copy of the role → scope rules: the UI
// hides or disables what the session's scopes do not allow, and the server
// enforces it regardless. The one rule read from the role is that only an
// owner may grant, change or remove the owner role.
import { roleValues, scopeValues, type MeResponse, type Role, type Scope } from "../api/types";

/** What a decision needs to know about the caller (a MeResponse will do). */
export type Caller = Pick<MeResponse, "role" | "scopes">;

/** Does the session hold `scope`? */
export function hasScope(me: Pick<MeResponse, "scopes">, scope: Scope): boolean {
  return me.scopes.includes(scope);
}

/** List and read users and invitations (`users:read`). */
export function canReadUsers(me: Pick<MeResponse, "scopes">): boolean {
  return hasScope(me, "users:read");
}

/** Create, change and remove users; invite and revoke invitations (`users:write`). */
export function canManageUsers(me: Pick<MeResponse, "scopes">): boolean {
  return hasScope(me, "users:write");
}
export const canInvite = canManageUsers;

/** Organization settings and the audit log (`admin`). */
export function canAdminister(me: Pick<MeResponse, "scopes">): boolean {
  return hasScope(me, "admin");
}
export const canEditTenant = canAdminister;
export const canViewAudit = canAdminister;
/** Every key of the organization, not just one's own (`admin`). */
export const canSeeAllKeys = canAdminister;

/** Usage analytics (`usage:read`). */
export function canReadUsage(me: Pick<MeResponse, "scopes">): boolean {
  return hasScope(me, "usage:read");
}

/** May `me` change, deactivate or remove a user whose role is `target`? Only owners touch owners. */
export function canActOnUser(me: Caller, target: Role): boolean {
  return canManageUsers(me) && (target !== "owner" || me.role === "owner");
}

/** Roles `me` may give when creating, inviting or promoting (only owners make owners). */
export function assignableRoles(me: Caller): Role[] {
  if (!canManageUsers(me)) return [];
  return roleValues.filter((r) => r !== "owner" || me.role === "owner");
}

/** The scopes a new API key of `me` may carry: the session's own (in the spec's order). */
export function keyScopesFor(me: Pick<MeResponse, "scopes">): Scope[] {
  return scopeValues.filter((s) => hasScope(me, s));
}

/** May `me` (user `myId`) revoke a key created by `createdBy`? */
export function canRevokeKey(me: Pick<MeResponse, "scopes">, myId: string, createdBy: string): boolean {
  return canSeeAllKeys(me) || myId === createdBy;
}

export const ROLE_LABELS: Record<Role, string> = {
  owner: "Owner",
  admin: "Admin",
  developer: "Developer",
  viewer: "Viewer",
};

// Apps and the registry (docs/apps.md).

/** Read projects, apps, their versions, docs and metrics; browse, download from and review in the registry (`apps:read`). */
export function canReadApps(me: Pick<MeResponse, "scopes">): boolean {
  return hasScope(me, "apps:read");
}

/** Create and change projects, apps, versions, packages and docs; write one's own reviews (`apps:write`). */
export function canWriteApps(me: Pick<MeResponse, "scopes">): boolean {
  return hasScope(me, "apps:write");
}

/** Publish an app to the registry and deprecate it (`registry:publish`). */
export function canPublishRegistry(me: Pick<MeResponse, "scopes">): boolean {
  return hasScope(me, "registry:publish");
}

// Quantum jobs (docs/jobs.md).

/** Read jobs, their results and statistics, the backends and the quotas (`jobs:read`). */
export function canReadJobs(me: Pick<MeResponse, "scopes">): boolean {
  return hasScope(me, "jobs:read");
}

/** Submit, cancel, rerun, tag and delete jobs (`jobs:write`). */
export function canWriteJobs(me: Pick<MeResponse, "scopes">): boolean {
  return hasScope(me, "jobs:write");
}
