import { describe, expect, it } from "vitest";
import {
  assignableRoles,
  atLeast,
  canActOnUser,
  canManageUsers,
  canRevokeKey,
  canViewAudit,
  scopesGrantedTo,
} from "../lib/permissions";

describe("role permissions", () => {
  it("orders roles owner > admin > developer > viewer", () => {
    expect(atLeast("owner", "admin")).toBe(true);
    expect(atLeast("admin", "owner")).toBe(false);
    expect(atLeast("developer", "viewer")).toBe(true);
    expect(atLeast("viewer", "developer")).toBe(false);
  });

  it("lets only owners and admins manage users and read the audit log", () => {
    expect(canManageUsers("owner")).toBe(true);
    expect(canManageUsers("admin")).toBe(true);
    expect(canManageUsers("developer")).toBe(false);
    expect(canManageUsers("viewer")).toBe(false);
    expect(canViewAudit("developer")).toBe(false);
  });

  it("keeps admins away from owners", () => {
    expect(canActOnUser("admin", "owner")).toBe(false);
    expect(canActOnUser("admin", "admin")).toBe(true);
    expect(canActOnUser("owner", "owner")).toBe(true);
    expect(canActOnUser("developer", "viewer")).toBe(false);
  });

  it("only owners may hand out the owner role", () => {
    expect(assignableRoles("owner")).toEqual(["viewer", "developer", "admin", "owner"]);
    expect(assignableRoles("admin")).toEqual(["viewer", "developer", "admin"]);
    expect(assignableRoles("developer")).toEqual([]);
    expect(assignableRoles("viewer")).toEqual([]);
  });

  it("grants scopes like lib/src/scope.rs", () => {
    expect(scopesGrantedTo("viewer")).toEqual(["apps:read", "usage:read"]);
    expect(scopesGrantedTo("developer")).toEqual(["apps:read", "apps:write", "jobs:write", "usage:read"]);
    expect(scopesGrantedTo("admin")).toHaveLength(7);
    expect(scopesGrantedTo("owner")).toHaveLength(7);
  });

  it("lets anyone revoke their own keys and admins every key", () => {
    expect(canRevokeKey("viewer", "u1", "u1")).toBe(true);
    expect(canRevokeKey("viewer", "u1", "u2")).toBe(false);
    expect(canRevokeKey("admin", "u1", "u2")).toBe(true);
  });
});
