import { describe, expect, it } from "vitest";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { SPEC_PATH } from "./spec";
import { parse } from "yaml";
import { AUDIT_ACTIONS, AUDIT_FAMILIES, describeDiff, validateActionFilter } from "../lib/audit";
import { countAll, popCursor, pushCursor } from "../lib/paging";
import { parseConfig } from "../config";
import { loginPathFor, safeNext } from "../components/RequireAuth";
import { auditQueryFrom } from "../pages/Audit";
import { keyStatus } from "../pages/ApiKeys";
import { shouldRetry } from "../App";
import { ApiError } from "../api/problem";
import { localInputToIso, isoToLocalInput } from "../lib/format";

describe("audit", () => {
  it("offers the spec's AuditAction values and their families", () => {
    const spec = parse(readFileSync(SPEC_PATH, "utf8")) as {
      components: { schemas: { AuditAction: { enum: string[] } } };
    };
    expect([...AUDIT_ACTIONS]).toEqual(spec.components.schemas.AuditAction.enum);
    expect(AUDIT_FAMILIES).toEqual(["tenant.*", "user.*", "api_key.*", "invitation.*", "session.*", "project.*", "app.*", "app_version.*", "app_doc.*", "review.*", "job.*", "marketplace.*", "subscription.*", "subscription_key.*", "bill.*"]);
  });

  it("offers exactly the actions the server records (read off its source, not the spec)", () => {
    // Every audit action is the literal first argument of `Event::new` in core/src.
    const recorded = new Set<string>();
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (name.endsWith(".rs")) {
          for (const m of readFileSync(path, "utf8").matchAll(/Event::new\(\s*"([^"]+)"/g)) recorded.add(m[1] ?? "");
        }
      }
    };
    walk(resolve(process.cwd(), "..", "core", "src"));
    expect(recorded.size).toBeGreaterThan(10);
    expect([...AUDIT_ACTIONS].sort()).toEqual([...recorded].sort());
  });

  it("validates action filters", () => {
    expect(validateActionFilter("")).toBeNull();
    expect(validateActionFilter("user.*")).toBeNull();
    expect(validateActionFilter("api_key.created")).toBeNull();
    expect(validateActionFilter("user")).toMatch(/family/);
    expect(validateActionFilter("DROP TABLE")).toMatch(/family/);
    // Well-formed but unknown: the server refuses it, so the form does too.
    expect(validateActionFilter("user.teleported")).toMatch(/family/);
    expect(validateActionFilter("billing.*")).toMatch(/family/);
  });

  it("describes diffs", () => {
    expect(describeDiff({ role: { from: "viewer", to: "admin" } })).toBe("role: viewer → admin");
    expect(describeDiff({ name: "x", is_active: { from: true, to: false } })).toBe("name: x; is_active: true → false");
    expect(describeDiff(null)).toBe("");
  });

  it("builds the spec's query from the filter form", () => {
    const q = auditQueryFrom({ action: " user.* ", actor: "", from: "2026-01-01T10:00", to: "" }, "cur");
    expect(q.action).toBe("user.*");
    expect(q.cursor).toBe("cur");
    expect(q.actor_id).toBeUndefined();
    expect(q.from).toBe(new Date("2026-01-01T10:00").toISOString());
    expect("to" in q).toBe(false);
  });
});

describe("paging", () => {
  it("pushes and pops cursors", () => {
    expect(pushCursor([undefined], "a")).toEqual([undefined, "a"]);
    expect(popCursor([undefined, "a"])).toEqual([undefined]);
    expect(popCursor([undefined])).toEqual([undefined]);
  });

  it("counts across pages and caps", async () => {
    const pages: Record<string, { items: number[]; next_cursor: string | null }> = {
      start: { items: [1, 2], next_cursor: "p2" },
      p2: { items: [3], next_cursor: null },
    };
    expect(await countAll(async (c) => pages[c ?? "start"]!)).toEqual({ count: 3, capped: false });
    const endless = async () => ({ items: [1], next_cursor: "again" });
    expect(await countAll(endless, 3)).toEqual({ count: 3, capped: true });
  });
});

describe("runtime config", () => {
  it("accepts an absolute http(s) apiUrl and trims the trailing slash", () => {
    expect(parseConfig({ apiUrl: "http://127.0.0.1:8080/" })).toEqual({ apiUrl: "http://127.0.0.1:8080" });
  });
  it("rejects bad configs", () => {
    expect(() => parseConfig(null)).toThrow(/object/);
    expect(() => parseConfig({})).toThrow(/apiUrl/);
    expect(() => parseConfig({ apiUrl: "/relative" })).toThrow(/absolute/);
    expect(() => parseConfig({ apiUrl: "ftp://x" })).toThrow(/http/);
  });
});

describe("login redirects", () => {
  it("remembers where the user was", () => {
    expect(loginPathFor({ pathname: "/users/42", search: "?x=1", hash: "" })).toBe("/login?next=%2Fusers%2F42%3Fx%3D1");
    expect(loginPathFor({ pathname: "/", search: "", hash: "" })).toBe("/login");
  });
  it("refuses off-site next targets", () => {
    expect(safeNext("/audit")).toBe("/audit");
    expect(safeNext("//evil.test")).toBe("/");
    expect(safeNext("https://evil.test")).toBe("/");
    expect(safeNext("/\\evil.test")).toBe("/");
    expect(safeNext(null)).toBe("/");
  });
});

describe("misc", () => {
  it("derives key status", () => {
    const base = { id: "k", name: "n", prefix: "qh_live_x", scopes: [], created_by: "u", created_at: "2026-01-01T00:00:00Z" };
    const now = new Date("2026-06-01T00:00:00Z");
    expect(keyStatus({ ...base }, now)).toBe("active");
    expect(keyStatus({ ...base, revoked_at: "2026-02-01T00:00:00Z" }, now)).toBe("revoked");
    expect(keyStatus({ ...base, expires_at: "2026-05-01T00:00:00Z" }, now)).toBe("expired");
  });

  it("does not retry client errors", () => {
    const e = (status: number) => new ApiError({ status, code: "x", detail: "" });
    expect(shouldRetry(0, e(404))).toBe(false);
    expect(shouldRetry(0, e(403))).toBe(false);
    expect(shouldRetry(0, e(503))).toBe(true);
    expect(shouldRetry(0, e(429))).toBe(true);
    expect(shouldRetry(2, e(503))).toBe(false);
  });

  it("round-trips datetime-local values", () => {
    const iso = localInputToIso("2026-04-05T06:07");
    expect(iso).toBeDefined();
    expect(isoToLocalInput(iso)).toBe("2026-04-05T06:07");
    expect(localInputToIso("")).toBeUndefined();
  });
});
