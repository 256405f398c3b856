// The audit log: the action choices come from the spec's AuditActionFilter
// enum, the actor filter is the server's name/email text, the actor column
// shows names, and "Export CSV" downloads the applied filters' export with
// the session's token (a Blob through an object URL and <a download>).
import { QueryClientProvider } from "@tanstack/react-query";
import { cleanup, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { readFileSync } from "node:fs";
import { MemoryRouter, Route, Routes } from "react-router";
import { parse } from "yaml";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createQueryClient } from "../App";
import { configureApi } from "../api/client";
import { qk } from "../api/queries";
import { clearAccessToken, setAccessToken } from "../api/tokenStore";
import { auditActionFilterValues } from "../api/types";
import { FAMILY_WORDS, actionFilterGroups, actionLabel, familyLabel, targetTypeLabel } from "../lib/audit";
import { countCsvRecords, downloadAuditCsv, exportFilename, isTruncated } from "../lib/csv-download";
import { auditExportQueryFrom, auditQueryFrom, AuditPage, filtersFrom, paramsFrom } from "../pages/Audit";
import { renderUi } from "./render";
import { meAs } from "./sessions";
import { SPEC_PATH } from "./spec";

const NOW = "2026-01-01T00:00:00Z";

describe("the action filter's choices", () => {
  it("are exactly the spec's AuditActionFilter enum, families first", () => {
    const spec = parse(readFileSync(SPEC_PATH, "utf8")) as { components: { schemas: { AuditActionFilter: { enum: string[] } } } };
    const groups = actionFilterGroups();
    const values = groups.flatMap((g) => g.items.map((i) => i.value));
    expect([...values].sort()).toEqual([...spec.components.schemas.AuditActionFilter.enum].sort());
    expect([...values].sort()).toEqual([...auditActionFilterValues].sort());
    expect(new Set(values).size).toBe(values.length);
    expect(groups[0]!.items.every((i) => i.value.endsWith(".*"))).toBe(true);
    expect(groups[0]!.items.map((i) => i.label)).toContain("All user events");
    expect(groups.map((g) => g.group)).toContain("Organization");
    expect(groups.map((g) => g.group)).toEqual(expect.arrayContaining(["Marketplace listing", "Subscription", "Subscription key", "Bill"]));
  });

  it("has words for every family the spec lists (none falls back to its raw name)", () => {
    const families = auditActionFilterValues.filter((v) => v.endsWith(".*")).map((v) => v.slice(0, -2));
    expect(families).toEqual(expect.arrayContaining(["marketplace", "subscription", "subscription_key", "bill"]));
    // Each family has its own word (none would fall back to its raw name) ...
    expect(families.filter((f) => !(f in FAMILY_WORDS))).toEqual([]);
    // ... and the marketplace's read as people say them.
    expect(["marketplace", "subscription", "subscription_key", "bill"].map(familyLabel)).toEqual([
      "Marketplace listing",
      "Subscription",
      "Subscription key",
      "Bill",
    ]);
  });

  it("labels actions in words, 'organization' not 'tenant'", () => {
    expect(actionLabel("user.role_changed")).toBe("User: role changed");
    expect(actionLabel("tenant.updated")).toBe("Organization: updated");
    expect(actionLabel("api_key.*")).toBe("All API key events");
    expect(actionLabel("tenant.*")).toBe("All organization events");
    // The marketplace and billing actions.
    expect(actionLabel("marketplace.listed")).toBe("Marketplace listing: listed");
    expect(actionLabel("marketplace.*")).toBe("All marketplace listing events");
    expect(actionLabel("subscription.canceled")).toBe("Subscription: canceled");
    expect(actionLabel("subscription_key.revoked")).toBe("Subscription key: revoked");
    expect(actionLabel("subscription_key.*")).toBe("All subscription key events");
    expect(actionLabel("bill.paid")).toBe("Bill: paid");
    expect(actionLabel("bill.*")).toBe("All bill events");
    expect(targetTypeLabel("listing")).toBe("marketplace listing");
    expect(targetTypeLabel("subscription_key")).toBe("subscription key");
    expect(targetTypeLabel("bill")).toBe("bill");
    // A family the console does not know yet still reads well.
    expect(actionFilterGroups(["billing_run.*", "billing_run.failed"]).map((g) => g.group)).toEqual([
      "Every event of a kind",
      "Billing run",
    ]);
  });
});

describe("filters → query", () => {
  it("sends the actor text as `actor`, the action, and RFC 3339 times", () => {
    const f = { action: "user.*", actor: " ada ", from: "2026-01-01T10:00", to: "" };
    expect(auditExportQueryFrom(f)).toEqual({ action: "user.*", actor: "ada", from: new Date("2026-01-01T10:00").toISOString() });
    expect(auditQueryFrom(f, "cur")).toMatchObject({ limit: 25, cursor: "cur", actor: "ada", action: "user.*" });
    expect(auditQueryFrom({ action: "bogus", actor: "", from: "", to: "" }, undefined)).toEqual({ limit: 25 });
  });

  it("round-trips through the URL, an actor id included", () => {
    const f = { action: "api_key.created", actor: "bob", from: "", to: "", actorId: "0190c7a0-0000-7000-8000-000000000001" };
    expect(filtersFrom(paramsFrom(f))).toEqual(f);
    expect(auditExportQueryFrom(f).actor_id).toBe(f.actorId);
    expect(auditExportQueryFrom({ ...f, actorId: "not-a-uuid" }).actor_id).toBeUndefined();
  });
});

describe("CSV download helper", () => {
  it("counts records, not lines inside quoted fields", () => {
    expect(countCsvRecords("")).toBe(0);
    expect(countCsvRecords("a,b\r\n1,2\r\n")).toBe(2);
    expect(countCsvRecords('a,b\n"x\ny",2\n3,4')).toBe(3);
  });

  it("knows truncation from X-Truncated, or from a full export when the header is not readable", () => {
    expect(isTruncated("true", 5)).toBe(true);
    expect(isTruncated("false", 10_000)).toBe(false);
    expect(isTruncated(null, 10_000)).toBe(true);
    expect(isTruncated(null, 9_999)).toBe(false);
  });

  it("names the file after the local time", () => {
    expect(exportFilename(new Date(2026, 0, 31, 9, 5, 7))).toBe("audit-2026-01-31T09-05-07.csv");
  });

  describe("downloadAuditCsv", () => {
    let clicked: HTMLAnchorElement[] = [];
    beforeEach(() => {
      clicked = [];
      configureApi("http://api.test");
      setAccessToken("tok-123", 900);
      vi.stubGlobal("URL", Object.assign(URL, { createObjectURL: vi.fn(() => "blob:csv-1"), revokeObjectURL: vi.fn() }));
      vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(function (this: HTMLAnchorElement) {
        clicked.push(this);
      });
    });
    afterEach(() => {
      clearAccessToken();
      vi.restoreAllMocks();
      vi.unstubAllGlobals();
    });

    it("fetches the export with the session's token and the filters, then saves it through <a download>", async () => {
      const fetchMock = vi.fn(
        async (_req: Request) =>
          new Response("id,action\r\n1,user.created\r\n2,user.deleted\r\n", {
            status: 200,
            headers: { "content-type": "text/csv", "x-truncated": "true" },
          }),
      );
      vi.stubGlobal("fetch", fetchMock);
      const result = await downloadAuditCsv({ action: "user.*", actor: "ada" }, new Date(2026, 0, 2, 3, 4, 5));
      const req = fetchMock.mock.calls[0]![0];
      const url = new URL(req.url);
      expect(url.pathname).toBe("/v1/audit-events/export");
      expect(url.searchParams.get("action")).toBe("user.*");
      expect(url.searchParams.get("actor")).toBe("ada");
      expect(req.headers.get("Authorization")).toBe("Bearer tok-123");
      expect(result).toEqual({ filename: "audit-2026-01-02T03-04-05.csv", truncated: true, rows: 2 });
      expect(clicked).toHaveLength(1);
      expect(clicked[0]!.download).toBe("audit-2026-01-02T03-04-05.csv");
      expect(clicked[0]!.href).toBe("blob:csv-1");
      expect(clicked[0]!.isConnected).toBe(false); // cleaned up
      const blob = vi.mocked(URL.createObjectURL).mock.calls[0]![0] as Blob;
      const text = await new Promise<string>((resolve) => {
        const reader = new FileReader();
        reader.onload = () => resolve(String(reader.result));
        reader.readAsText(blob);
      });
      expect(text).toContain("user.deleted");
      expect(blob.type).toBe("text/csv;charset=utf-8");
    });

    it("a refused export is an ApiError, and nothing is saved", async () => {
      vi.stubGlobal(
        "fetch",
        vi.fn(
          async () =>
            new Response(JSON.stringify({ type: "about:blank", title: "x", status: 403, code: "forbidden", detail: "Admins only." }), {
              status: 403,
              headers: { "content-type": "application/problem+json" },
            }),
        ),
      );
      await expect(downloadAuditCsv({})).rejects.toMatchObject({ status: 403, detail: "Admins only." });
      expect(clicked).toHaveLength(0);
    });
  });
});

describe("the audit page", () => {
  const requests: URL[] = [];
  beforeEach(() => {
    requests.length = 0;
    configureApi("http://api.test");
    vi.stubGlobal(
      "fetch",
      vi.fn(async (req: Request) => {
        const url = new URL(req.url);
        requests.push(url);
        if (url.pathname === "/v1/audit-events") {
          return new Response(
            JSON.stringify({
              items: [
                {
                  id: "e1",
                  action: "user.role_changed",
                  actor_type: "user",
                  actor_id: "0190c7a0-0000-7000-8000-000000000001",
                  actor_name: "Ada Lovelace",
                  actor_email: "ada@a.test",
                  created_at: NOW,
                  target_type: "user",
                  target_id: null,
                  diff: { role: { from: "viewer", to: "admin" } },
                },
              ],
              next_cursor: null,
            }),
            { status: 200, headers: { "content-type": "application/json" } },
          );
        }
        if (url.pathname === "/v1/audit-events/export") {
          return new Response("id\r\ne1\r\n", { status: 200, headers: { "content-type": "text/csv" } });
        }
        return new Response(JSON.stringify({ items: [], next_cursor: null }), { status: 200, headers: { "content-type": "application/json" } });
      }),
    );
    vi.stubGlobal("URL", Object.assign(URL, { createObjectURL: vi.fn(() => "blob:x"), revokeObjectURL: vi.fn() }));
    vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(() => undefined);
  });
  afterEach(() => {
    cleanup();
    vi.restoreAllMocks();
    vi.unstubAllGlobals();
  });

  function renderAudit(path = "/audit") {
    const queryClient = createQueryClient();
    queryClient.setQueryData(qk.me, meAs("owner"));
    return renderUi(
      <QueryClientProvider client={queryClient}>
        <MemoryRouter initialEntries={[path]}>
          <Routes>
            <Route path="/audit" element={<AuditPage />} />
          </Routes>
        </MemoryRouter>
      </QueryClientProvider>,
    );
  }

  it("shows the actor's name and email, filters by actor text and action, exports the applied filters", async () => {
    renderAudit();
    const actor = await screen.findByTestId("audit-actor");
    expect(within(actor).getByTestId("audit-actor-name").textContent).toBe("Ada Lovelace");
    expect(within(actor).getByTestId("audit-actor-email").textContent).toBe("ada@a.test");

    const action = screen.getByLabelText("Action") as HTMLSelectElement;
    expect(Array.from(action.options).map((o) => o.textContent)).toContain("All user events");
    fireEvent.change(action, { target: { value: "user.*" } });
    fireEvent.change(screen.getByLabelText("Actor name or email"), { target: { value: "ada" } });
    fireEvent.click(screen.getByRole("button", { name: "Apply filters" }));
    await waitFor(() => {
      const last = requests.filter((u) => u.pathname === "/v1/audit-events").at(-1)!;
      expect(last.searchParams.get("actor")).toBe("ada");
      expect(last.searchParams.get("action")).toBe("user.*");
    });

    fireEvent.click(screen.getByRole("button", { name: "Export CSV" }));
    expect((await screen.findByTestId("audit-export-message")).textContent).toMatch(/^Downloaded audit-.*\.csv \(1 event\)\.$/);
    const exported = requests.find((u) => u.pathname === "/v1/audit-events/export")!;
    expect(exported.searchParams.get("actor")).toBe("ada");
    expect(exported.searchParams.get("action")).toBe("user.*");
    expect(exported.searchParams.has("cursor")).toBe(false);
  });
});
