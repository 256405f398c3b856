import { readFileSync } from "node:fs";
import { SPEC_PATH } from "./spec";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  NAME_PATTERN,
  EMAIL_MAX,
  NAME_MAX,
  PASSWORD_MAX,
  PASSWORD_MIN,
  SLUG_MAX,
  SLUG_MIN,
  slugify,
  validateCreateApiKey,
  validateEmail,
  validateLogin,
  validateName,
  validatePassword,
  validateSignup,
  validateSlug,
  validateUuid,
} from "../lib/validation";

describe("field validators", () => {
  it("checks email format", () => {
    expect(validateEmail("ada@acme.test")).toBeNull();
    expect(validateEmail("")).toMatch(/required/);
    expect(validateEmail("ada@acme")).toMatch(/email address/);
    expect(validateEmail("ada acme@x.io")).toMatch(/spaces/);
    expect(validateEmail("a@b@c.io")).toMatch(/email address/);
    expect(validateEmail("@acme.test")).toMatch(/email address/);
    expect(validateEmail(`${"a".repeat(250)}@x.io`)).toMatch(/at most 254/);
  });

  it("checks password length", () => {
    expect(validatePassword("123456789")).toMatch(/at least 10/);
    expect(validatePassword("1234567890")).toBeNull();
    expect(validatePassword("x".repeat(257))).toMatch(/at most 256/);
    expect(validatePassword("")).toMatch(/required/);
  });

  it("checks the slug pattern", () => {
    expect(validateSlug("acme")).toBeNull();
    expect(validateSlug("acme-quantum-2")).toBeNull();
    expect(validateSlug("ab")).toMatch(/3–40/);
    expect(validateSlug("a".repeat(41))).toMatch(/3–40/);
    expect(validateSlug("-acme")).toMatch(/start and end/);
    expect(validateSlug("acme-")).toMatch(/start and end/);
    expect(validateSlug("Acme")).toMatch(/lowercase/);
    expect(validateSlug("ac_me")).toMatch(/lowercase/);
  });

  it("checks names", () => {
    expect(validateName("  ")).toMatch(/required/);
    expect(validateName("Ada\u0007")).toMatch(/control/);
    expect(validateName("x".repeat(201))).toMatch(/at most 200/);
    expect(validateName("Ada Lovelace")).toBeNull();
  });

  it("checks UUIDs", () => {
    expect(validateUuid("0190c7a0-0000-7000-8000-000000000000")).toBeNull();
    expect(validateUuid("nope")).toMatch(/UUID/);
  });

  it("suggests slugs from names", () => {
    expect(slugify("Acme Quantum!")).toBe("acme-quantum");
    expect(slugify("  Ünïcode  Labs ")).toBe("unicode-labs");
    expect(validateSlug(slugify("x".repeat(60)))).toBeNull();
  });
});

describe("form validators", () => {
  it("reports every signup field by its JSON name", () => {
    const errors = validateSignup({ name: "", slug: "A", owner_name: "", owner_email: "x", owner_password: "short" });
    expect(Object.keys(errors).sort()).toEqual(["name", "owner_email", "owner_name", "owner_password", "slug"]);
    expect(
      validateSignup({ name: "Acme", slug: "acme", owner_name: "Ada", owner_email: "ada@acme.test", owner_password: "long enough pw" }),
    ).toEqual({});
  });

  it("requires all login fields", () => {
    expect(validateLogin({ tenant: "", email: "", password: "" })).toEqual({
      tenant: "Organization is required.",
      email: "Email is required.",
      password: "Password is required.",
    });
  });

  it("requires a scope and a future expiry for API keys", () => {
    const now = new Date("2026-01-01T00:00:00Z");
    expect(validateCreateApiKey({ name: "ci", scopes: [] }, now).scopes).toMatch(/at least one/);
    expect(validateCreateApiKey({ name: "ci", scopes: ["admin"], expires_at: "2025-01-01T00:00:00Z" }, now).expires_at).toMatch(
      /future/,
    );
    expect(validateCreateApiKey({ name: "ci", scopes: ["admin"], expires_at: "2027-01-01T00:00:00Z" }, now)).toEqual({});
  });
});

describe("validators agree with openapi.yaml", () => {
  type Prop = { minLength?: number; maxLength?: number; pattern?: string; description?: string };
  const spec = parse(readFileSync(SPEC_PATH, "utf8")) as {
    components: { schemas: Record<string, { properties?: Record<string, Prop & { $ref?: string }> } & Prop> };
  };
  // A field's rules, through its `$ref` to a named string schema (DisplayName, …).
  const resolve = (p: Prop & { $ref?: string }): Prop => {
    const target = p.$ref ? spec.components.schemas[p.$ref.replace("#/components/schemas/", "")] : undefined;
    return target ? { ...target, ...p, description: target.description } : p;
  };
  const prop = (schema: string, field: string): Prop => {
    const p = spec.components.schemas[schema]?.properties?.[field];
    if (!p) throw new Error(`${schema}.${field} is not in the spec`);
    return resolve(p);
  };

  it("uses the spec's DisplayName pattern", () => {
    expect(spec.components.schemas["DisplayName"]?.pattern).toBe(NAME_PATTERN);
    expect(validateName("Ad\u200dmin")).toMatch(/invisible/);
    expect(validateName("\u202enimda")).toMatch(/invisible/);
    expect(validateName("Ada Lovelace")).toBeNull();
  });

  it.each([
    ["SignupRequest", "owner_password"],
    ["CreateUserRequest", "password"],
    ["AcceptInvitationRequest", "password"],
    ["PasswordResetConfirm", "new_password"],
  ])("%s.%s uses the same password length", (schema, field) => {
    const p = prop(schema, field);
    if (p.minLength !== undefined) expect(p.minLength).toBe(PASSWORD_MIN);
    else expect(p.description).toMatch(new RegExp(`at least ${PASSWORD_MIN} characters`, "i"));
    if (p.maxLength !== undefined) expect(p.maxLength).toBe(PASSWORD_MAX);
  });

  it("uses the same name and email limits wherever the spec declares them", () => {
    let checked = 0;
    for (const [schema, def] of Object.entries(spec.components.schemas)) {
      for (const [field, raw] of Object.entries(def.properties ?? {})) {
        const p = resolve(raw);
        if (p.maxLength === undefined) continue;
        if (field === "name" || field.endsWith("_name")) {
          expect([schema, field, p.maxLength]).toEqual([schema, field, NAME_MAX]);
          checked++;
        } else if (field === "email" || field.endsWith("_email")) {
          expect([schema, field, p.maxLength]).toEqual([schema, field, EMAIL_MAX]);
          checked++;
        } else if (field.endsWith("password") && raw.$ref?.endsWith("/Secret")) {
          // A password as typed (login, the current one): any length the hash takes.
          expect([schema, field, p.minLength]).toEqual([schema, field, 1]);
          checked++;
        } else if (field.endsWith("password")) {
          expect([schema, field, p.minLength, p.maxLength]).toEqual([schema, field, PASSWORD_MIN, PASSWORD_MAX]);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(0);
  });

  it("uses the same slug rules", () => {
    const p = prop("SignupRequest", "slug");
    if (p.minLength !== undefined) expect(p.minLength).toBe(SLUG_MIN);
    if (p.maxLength !== undefined) expect(p.maxLength).toBe(SLUG_MAX);
    if (p.pattern !== undefined) {
      const re = new RegExp(p.pattern);
      for (const ok of ["acme", "a-1", "abc"]) expect([ok, re.test(ok)]).toEqual([ok, validateSlug(ok) === null]);
      for (const bad of ["-ab", "ab-", "AB", "a_b"]) expect(re.test(bad)).toBe(false);
    } else {
      expect(p.description).toContain(`${SLUG_MIN}–${SLUG_MAX}`);
    }
  });
});
