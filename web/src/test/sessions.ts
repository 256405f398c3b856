import { scopeValues, type MeResponse, type Role, type Scope } from "../api/types";

/**
 * What GET /v1/auth/me reports as `scopes` for each role today: test data,
 * as the server sends it (the console itself keeps no such table).
 */
export const SCOPES_OF: Record<Role, Scope[]> = {
  viewer: ["apps:read", "jobs:read", "usage:read"],
  developer: ["apps:read", "apps:write", "jobs:read", "jobs:write", "usage:read"],
  admin: [...scopeValues],
  owner: [...scopeValues],
};

const NOW = "2026-01-01T00:00:00Z";

/** A /v1/auth/me answer for `role`, with `scopes` (by default the role's). */
export function meAs(role: Role, scopes: Scope[] = SCOPES_OF[role]): MeResponse {
  return {
    role,
    scopes,
    tenant: { id: "0190c7a0-0000-7000-8000-0000000000aa", name: "Org A", slug: "org-a", settings: {}, created_at: NOW, updated_at: NOW },
    user: {
      id: "0190c7a0-0000-7000-8000-000000000001",
      name: "Ada Lovelace",
      email: "ada@a.test",
      role,
      is_active: true,
      created_at: NOW,
      updated_at: NOW,
    },
  };
}
