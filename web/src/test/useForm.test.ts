import { describe, expect, it } from "vitest";
import { ApiError } from "../api/problem";
import { splitServerError } from "../lib/useForm";

describe("splitServerError", () => {
  const fields = ["email", "password"];

  it("puts field errors next to the fields the form shows", () => {
    const err = new ApiError({
      status: 422,
      code: "validation_failed",
      detail: "invalid",
      fieldErrors: { email: "is already used", tenant: "is unknown" },
    });
    const out = splitServerError(err, fields);
    expect(out.fieldErrors).toEqual({ email: "is already used" });
    // The console says "organization", never "tenant".
    expect(out.formError).toBe("Please correct: organization: is unknown.");
  });

  it("says which fields to fix when all errors are shown inline", () => {
    const err = new ApiError({ status: 422, code: "validation_failed", detail: "x", fieldErrors: { password: "is too short" } });
    expect(splitServerError(err, fields)).toEqual({
      fieldErrors: { password: "is too short" },
      formError: "Please correct the highlighted fields.",
    });
  });

  it("turns other failures into one sentence", () => {
    const err = new ApiError({ status: 409, code: "conflict", detail: "An open invitation exists for this email." });
    expect(splitServerError(err, fields)).toEqual({ fieldErrors: {}, formError: "An open invitation exists for this email." });
  });
});

describe("splitServerError with a conflict naming a field", () => {
  it("puts a 409's errors[] next to the field (a taken slug or email)", () => {
    const err = new ApiError({
      status: 409,
      code: "conflict",
      detail: 'slug: "acme" is already taken by another organization',
      fieldErrors: { slug: '"acme" is already taken by another organization' },
    });
    expect(splitServerError(err, ["name", "slug"])).toEqual({
      fieldErrors: { slug: '"acme" is already taken by another organization' },
      formError: "Please correct the highlighted fields.",
    });
  });

  it("a 409 naming a field the form does not show stays one sentence", () => {
    const err = new ApiError({ status: 409, code: "conflict", detail: "email: already used", fieldErrors: { email: "already used" } });
    expect(splitServerError(err, ["slug"])).toEqual({ fieldErrors: {}, formError: "email: already used" });
  });
});
