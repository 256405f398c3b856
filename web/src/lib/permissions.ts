// What the signed-in user's role lets them do, mirroring lib/src/role.rs and
// lib/src/scope.rs on the server. The UI hides or disables what a role may
// not use; the server enforces it regardless.
import { roleValues, scopeValues, type Role, type Scope } from "../api/types";

const RANK: Record<Role, number> = { viewer: 0, developer: 1, admin: 2, owner: 3 };

export function atLeast(role: Role, min: Role): boolean {
  return RANK[role] >= RANK[min];
}

/** Owners and admins manage users, invitations, every key, settings and the audit log. */
export function canManageUsers(role: Role): boolean {
  return atLeast(role, "admin");
}
export const canInvite = canManageUsers;
export const canEditTenant = canManageUsers;
export const canViewAudit = canManageUsers;
export const canSeeAllKeys = canManageUsers;

/** May `actor` change, deactivate or remove a user whose role is `target`? Only owners touch owners. */
export function canActOnUser(actor: Role, target: Role): boolean {
  return canManageUsers(actor) && (target !== "owner" || actor === "owner");
}

/** Roles `actor` may give when creating, inviting or promoting (only owners make owners). */
export function assignableRoles(actor: Role): Role[] {
  if (!canManageUsers(actor)) return [];
  return roleValues.filter((r) => r !== "owner" || actor === "owner");
}

/** The least role that holds a scope (Scope::min_role). */
export function scopeMinRole(scope: Scope): Role {
  switch (scope) {
    case "apps:read":
    case "usage:read":
      return "viewer";
    case "apps:write":
    case "jobs:write":
      return "developer";
    case "users:read":
    case "users:write":
    case "admin":
      return "admin";
  }
}

/** Scopes a role grants, so the scopes its keys may carry. */
export function scopesGrantedTo(role: Role): Scope[] {
  return scopeValues.filter((s) => atLeast(role, scopeMinRole(s)));
}

/** May `actor` (with id `actorId`) revoke a key created by `createdBy`? */
export function canRevokeKey(actor: Role, actorId: string, createdBy: string): boolean {
  return canSeeAllKeys(actor) || actorId === createdBy;
}

export const ROLE_LABELS: Record<Role, string> = {
  owner: "Owner",
  admin: "Admin",
  developer: "Developer",
  viewer: "Viewer",
};
