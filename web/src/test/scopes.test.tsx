// The signed-in pages decide what to show from `scopes` of GET /v1/auth/me:
// the layout and pages rendered with a given /me, against a fake API that
// records what the pages ask for.
import { QueryClientProvider } from "@tanstack/react-query";
import { cleanup, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { MemoryRouter, Route, Routes } from "react-router";
import { createQueryClient } from "../App";
import { configureApi } from "../api/client";
import { qk } from "../api/queries";
import type { MeResponse, Role, Scope } from "../api/types";
import { AuthContext, type AuthContextValue } from "../auth/AuthContext";
import { Layout } from "../components/Layout";
import { ApiKeysPage } from "../pages/ApiKeys";
import { AuditPage } from "../pages/Audit";
import { DashboardPage } from "../pages/Dashboard";
import { SettingsPage } from "../pages/Settings";
import { UsersPage } from "../pages/Users";
import { renderUi } from "./render";
import { meAs } from "./sessions";

const NOW = "2026-01-01T00:00:00Z";
const requested: string[] = [];

function json(body: unknown) {
  return new Response(JSON.stringify(body), { status: 200, headers: { "content-type": "application/json" } });
}

async function fakeApi(req: Request): Promise<Response> {
  const path = new URL(req.url).pathname;
  requested.push(`${req.method} ${path}`);
  if (path === "/v1/tenant") return json({ id: "t", name: "Org A", slug: "org-a", settings: {}, created_at: NOW, updated_at: NOW });
  if (path === "/v1/usage/timeseries") return json({ from: NOW, to: NOW, interval: "hour", buckets: [] });
  return json({ items: [], next_cursor: null });
}

const auth: AuthContextValue = {
  status: "authenticated",
  notice: null,
  dismissNotice: () => undefined,
  retryingIn: null,
  signIn: () => undefined,
  signOut: async () => undefined,
  signOutLocally: () => undefined,
};

function renderAs(me: MeResponse, path: string) {
  const queryClient = createQueryClient();
  queryClient.setQueryData(qk.me, me);
  return renderUi(
    <QueryClientProvider client={queryClient}>
      <AuthContext.Provider value={auth}>
        <MemoryRouter initialEntries={[path]}>
          <Routes>
            <Route element={<Layout />}>
              <Route index element={<DashboardPage />} />
              <Route path="users" element={<UsersPage />} />
              <Route path="api-keys" element={<ApiKeysPage />} />
              <Route path="settings" element={<SettingsPage />} />
              <Route path="audit" element={<AuditPage />} />
            </Route>
          </Routes>
        </MemoryRouter>
      </AuthContext.Provider>
    </QueryClientProvider>,
  );
}

const nav = () => within(screen.getByRole("navigation", { name: "Main" }));
const navLinks = () => nav().getAllByRole("link").map((a) => a.textContent);
const settle = () => new Promise((r) => setTimeout(r, 20));

beforeEach(() => {
  requested.length = 0;
  vi.stubGlobal("fetch", vi.fn(fakeApi));
  configureApi("http://api.test");
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe("a viewer's scopes (apps:read, jobs:read, usage:read)", () => {
  const viewer = meAs("viewer");

  it("hide user management and the audit log from the navigation", () => {
    renderAs(viewer, "/");
    expect(navLinks()).not.toContain("Users");
    expect(navLinks()).not.toContain("Audit log");
    expect(navLinks()).toContain("API keys");
  });

  it("show the users page's notice instead of the list and forms, and never ask for users", async () => {
    renderAs(viewer, "/users");
    expect(screen.getByText("Only owners and admins can see and manage the organization's users.")).toBeTruthy();
    expect(screen.queryByTestId("user-management")).toBeNull();
    expect(screen.queryByRole("button", { name: "Create user" })).toBeNull();
    await settle();
    expect(requested.filter((r) => /\/v1\/(users|invitations)/.test(r))).toEqual([]);
  });

  it("leave the dashboard's user counts empty, without asking for them", async () => {
    renderAs(viewer, "/");
    expect(screen.getByTestId("count-users").textContent).toBe("—");
    expect(screen.getByTestId("count-invitations").textContent).toBe("—");
    await waitFor(() => expect(requested).toContain("GET /v1/usage/timeseries"));
    expect(requested.filter((r) => /\/v1\/(users|invitations)/.test(r))).toEqual([]);
    expect(screen.getByText("Your API keys")).toBeTruthy();
  });

  it("offer a new API key only the session's scopes", () => {
    renderAs(viewer, "/api-keys");
    const box = (s: Scope) => screen.getByRole("checkbox", { name: new RegExp(`^${s}\\b`) }) as HTMLInputElement;
    expect(box("apps:read").disabled).toBe(false);
    expect(box("usage:read").disabled).toBe(false);
    expect(box("jobs:read").disabled).toBe(false);
    for (const s of ["users:read", "users:write", "apps:write", "jobs:write", "admin"] as Scope[]) expect(box(s).disabled).toBe(true);
  });

  it("keep the settings read-only and the audit log closed", async () => {
    renderAs(viewer, "/settings");
    expect(await screen.findByText("Only owners and admins can change the organization's settings.")).toBeTruthy();
    expect(screen.queryByRole("button", { name: "Save" })).toBeNull();
    cleanup();
    renderAs(viewer, "/audit");
    expect(screen.getByText("Only owners and admins can read the audit log.")).toBeTruthy();
    await settle();
    expect(requested.filter((r) => r.includes("/v1/audit-events"))).toEqual([]);
  });
});

describe("an admin's scopes (all nine)", () => {
  const admin = meAs("admin");

  it("show user management, the audit log and the settings form", async () => {
    renderAs(admin, "/users");
    expect(navLinks()).toEqual(expect.arrayContaining(["Users", "Audit log"]));
    expect(screen.getByTestId("user-management")).toBeTruthy();
    expect(screen.getByRole("button", { name: "Send invitation" })).toBeTruthy();
    // Only an owner may hand out the owner role (a role rule, not a scope).
    const roles = within(screen.getByLabelText("Role")).getAllByRole("option").map((o) => o.textContent);
    expect(roles).toEqual(["Viewer", "Developer", "Admin"]);
    cleanup();
    renderAs(admin, "/settings");
    expect(await screen.findByRole("button", { name: "Save" })).toBeTruthy();
  });

  it("an owner's role selector also offers Owner", () => {
    renderAs(meAs("owner"), "/users");
    const roles = within(screen.getByLabelText("Role")).getAllByRole("option").map((o) => o.textContent);
    expect(roles).toEqual(["Viewer", "Developer", "Admin", "Owner"]);
  });
});

describe("the scopes decide, not the role", () => {
  it("an owner whose session holds only a viewer's scopes sees no user management", () => {
    renderAs(meAs("owner", ["apps:read", "usage:read"]), "/users");
    expect(navLinks()).not.toContain("Users");
    expect(screen.getByText("Only owners and admins can see and manage the organization's users.")).toBeTruthy();
  });

  it("users:read without users:write shows the users but no forms", () => {
    renderAs(meAs("viewer", ["users:read"]), "/users");
    expect(navLinks()).toContain("Users");
    expect(screen.queryByText(/Only owners and admins can see/)).toBeNull();
    expect(screen.queryByTestId("user-management")).toBeNull();
  });

  it("without usage:read the dashboard shows no usage and does not ask for it", async () => {
    renderAs(meAs("owner", ["users:read"] as Scope[]), "/");
    expect(screen.getByTestId("usage-not-allowed")).toBeTruthy();
    await waitFor(() => expect(requested).toContain("GET /v1/users"));
    expect(requested.filter((r) => r.includes("/v1/usage"))).toEqual([]);
  });

  it.each<[Role, Scope[]]>([
    ["developer", ["admin"]],
    ["owner", []],
  ])("a %s with %j: the audit log follows the admin scope", (role, scopes) => {
    renderAs(meAs(role, scopes), "/");
    expect(navLinks().includes("Audit log")).toBe(scopes.includes("admin"));
  });
});
