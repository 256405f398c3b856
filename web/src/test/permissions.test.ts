// Permissions come from the session's scopes (`scopes` of GET /v1/auth/me),
// not from a copy of the server's role → scope rules.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { scopeValues, type Role, type Scope } from "../api/types";
import * as permissions from "../lib/permissions";
import {
  assignableRoles,
  canActOnUser,
  canEditTenant,
  canInvite,
  canManageUsers,
  canReadJobs,
  canReadUsage,
  canReadUsers,
  canRevokeKey,
  canSeeAllKeys,
  canViewAudit,
  canWriteJobs,
  keyScopesFor,
  type Caller,
} from "../lib/permissions";

import { meAs } from "./sessions";

const ALL: Scope[] = [...scopeValues];
const viewer = meAs("viewer");
const developer = meAs("developer");
const admin = meAs("admin");
const owner = meAs("owner");
const as = (role: Role, scopes: Scope[]): Caller => ({ role, scopes });

describe("permissions from the session's scopes", () => {
  it("lets owners and admins manage users, settings and the audit log, as before", () => {
    for (const me of [owner, admin]) {
      expect(canReadUsers(me)).toBe(true);
      expect(canManageUsers(me)).toBe(true);
      expect(canInvite(me)).toBe(true);
      expect(canEditTenant(me)).toBe(true);
      expect(canViewAudit(me)).toBe(true);
      expect(canSeeAllKeys(me)).toBe(true);
    }
    for (const me of [developer, viewer]) {
      expect(canReadUsers(me)).toBe(false);
      expect(canManageUsers(me)).toBe(false);
      expect(canInvite(me)).toBe(false);
      expect(canEditTenant(me)).toBe(false);
      expect(canViewAudit(me)).toBe(false);
      expect(canSeeAllKeys(me)).toBe(false);
    }
    for (const me of [owner, admin, developer, viewer]) expect(canReadUsage(me)).toBe(true);
  });

  it("decides from the scopes, not from the role", () => {
    // The role says owner, the session holds a viewer's scopes: nothing of an owner's.
    const demoted = as("owner", ["apps:read", "usage:read"]);
    expect(canReadUsers(demoted)).toBe(false);
    expect(canManageUsers(demoted)).toBe(false);
    expect(canViewAudit(demoted)).toBe(false);
    expect(canEditTenant(demoted)).toBe(false);
    expect(assignableRoles(demoted)).toEqual([]);
    expect(canActOnUser(demoted, "viewer")).toBe(false);
    // The role says viewer, the session holds every scope: everything the scopes allow.
    const widened = as("viewer", ALL);
    expect(canManageUsers(widened)).toBe(true);
    expect(canViewAudit(widened)).toBe(true);
    expect(canActOnUser(widened, "admin")).toBe(true);
    // No scopes at all: not even usage.
    expect(canReadUsage(as("owner", []))).toBe(false);
  });

  it("maps each decision to its scope", () => {
    expect(canReadUsers(as("viewer", ["users:read"]))).toBe(true);
    expect(canManageUsers(as("viewer", ["users:read"]))).toBe(false);
    expect(canManageUsers(as("viewer", ["users:write"]))).toBe(true);
    expect(canViewAudit(as("viewer", ["users:write"]))).toBe(false);
    expect(canViewAudit(as("viewer", ["admin"]))).toBe(true);
    expect(canEditTenant(as("viewer", ["admin"]))).toBe(true);
    expect(canReadUsage(as("owner", ["apps:read"]))).toBe(false);
    expect(canReadUsage(as("viewer", ["usage:read"]))).toBe(true);
    expect(canReadJobs(as("owner", ["jobs:write"]))).toBe(false);
    expect(canReadJobs(as("viewer", ["jobs:read"]))).toBe(true);
    expect(canWriteJobs(as("viewer", ["jobs:read"]))).toBe(false);
    expect(canWriteJobs(as("viewer", ["jobs:write"]))).toBe(true);
  });

  it("lets viewers read jobs and developers and up submit them (jobs:read, jobs:write)", () => {
    for (const me of [owner, admin, developer, viewer]) expect(canReadJobs(me)).toBe(true);
    for (const me of [owner, admin, developer]) expect(canWriteJobs(me)).toBe(true);
    expect(canWriteJobs(viewer)).toBe(false);
  });

  it("keeps admins away from owners (a role rule)", () => {
    expect(canActOnUser(admin, "owner")).toBe(false);
    expect(canActOnUser(admin, "admin")).toBe(true);
    expect(canActOnUser(owner, "owner")).toBe(true);
    expect(canActOnUser(developer, "viewer")).toBe(false);
  });

  it("only owners may hand out the owner role", () => {
    expect(assignableRoles(owner)).toEqual(["viewer", "developer", "admin", "owner"]);
    expect(assignableRoles(admin)).toEqual(["viewer", "developer", "admin"]);
    expect(assignableRoles(developer)).toEqual([]);
    expect(assignableRoles(viewer)).toEqual([]);
  });

  it("offers a new API key exactly the session's scopes, in the spec's order", () => {
    expect(keyScopesFor(viewer)).toEqual(["apps:read", "jobs:read", "usage:read"]);
    expect(keyScopesFor(developer)).toEqual(["apps:read", "apps:write", "jobs:read", "jobs:write", "usage:read"]);
    expect(keyScopesFor(admin)).toEqual(scopeValues);
    expect(keyScopesFor(as("owner", ["usage:read", "apps:read"]))).toEqual(["apps:read", "usage:read"]);
    expect(keyScopesFor(as("owner", []))).toEqual([]);
  });

  it("lets anyone revoke their own keys and admins every key", () => {
    expect(canRevokeKey(viewer, "u1", "u1")).toBe(true);
    expect(canRevokeKey(viewer, "u1", "u2")).toBe(false);
    expect(canRevokeKey(admin, "u1", "u2")).toBe(true);
  });
});

describe("no copy of the role → scope rules", () => {
  it("permissions.ts exports no role ranking or role → scope table", () => {
    const names = Object.keys(permissions);
    for (const gone of ["atLeast", "scopeMinRole", "scopesGrantedTo", "RANK"]) expect(names).not.toContain(gone);
    for (const role of ["viewer", "developer", "admin", "owner"] as Role[]) {
      // Every decision needs the session's scopes: a bare role is not enough.
      expect(() => canManageUsers({ role } as never)).toThrow();
    }
  });

  const SRC = resolve(process.cwd(), "src");
  function* sources(dir: string): Generator<string> {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) {
        if (name !== "test") yield* sources(p);
      } else if (/\.(ts|tsx)$/.test(name) && !p.endsWith(join("api", "schema.ts"))) {
        yield p;
      }
    }
  }

  it("no source decides from a role other than the owner rule", () => {
    const offenders: string[] = [];
    for (const p of sources(SRC)) {
      const text = readFileSync(p, "utf8");
      // A role compared with anything but "owner" (e.g. role === "admin"), or
      // a role ranked, is a copy of the server's rules.
      if (/\brole\s*[!=]==?\s*"(?!owner")|"(?!owner")[a-z]+"\s*[!=]==?\s*[\w.]*\brole\b/.test(text)) offenders.push(relative(SRC, p));
      // A file naming both a scope and a lower role maps roles to scopes.
      if (/"(users|apps|jobs|usage):(read|write)"/.test(text) && /"(viewer|developer)"/.test(text)) offenders.push(relative(SRC, p));
      if (/\b(atLeast|scopeMinRole|scopesGrantedTo|min_role)\b/.test(text)) offenders.push(relative(SRC, p));
    }
    expect(offenders).toEqual([]);
  });
});
