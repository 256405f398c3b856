import { describe, expect, it } from "vitest";
import { ApiError, apiErrorFrom, describeError, fieldErrorMap, isProblem } from "../api/problem";

function res(status: number, headers: Record<string, string> = {}) {
  return { status, headers: new Headers(headers) };
}

const validation = {
  type: "https://qhub.dev/problems/validation_failed",
  title: "Validation failed",
  status: 422,
  detail: "The request is invalid.",
  code: "validation_failed",
  errors: [
    { field: "owner_email", message: "is not a valid email" },
    { field: "slug", message: "is taken" },
    { field: "slug", message: "second message ignored" },
  ],
};

describe("problem+json → ApiError", () => {
  it("keeps code, detail and per-field errors", () => {
    const err = apiErrorFrom(res(422, { "x-request-id": "req-1" }), validation);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(422);
    expect(err.code).toBe("validation_failed");
    expect(err.fieldErrors).toEqual({ owner_email: "is not a valid email", slug: "is taken" });
    expect(err.requestId).toBe("req-1");
  });

  it("falls back to a code from the status when the body is not a problem", () => {
    const err = apiErrorFrom(res(503), "<html>bad gateway</html>");
    expect(err.code).toBe("service_unavailable");
    expect(err.detail).toBe("");
    expect(apiErrorFrom(res(418), null).code).toBe("bad_request");
    expect(apiErrorFrom(res(502), null).code).toBe("internal");
  });

  it("reads Retry-After", () => {
    const err = apiErrorFrom(res(429, { "retry-after": "7" }), {
      type: "t",
      title: "Too many",
      status: 429,
      detail: "Rate limit exceeded",
      code: "rate_limited",
    });
    expect(err.retryAfter).toBe(7);
  });

  it("recognises problem documents", () => {
    expect(isProblem(validation)).toBe(true);
    expect(isProblem({ code: "x" })).toBe(false);
    expect(isProblem(null)).toBe(false);
  });

  it("ignores malformed field errors", () => {
    expect(fieldErrorMap([{ field: "a", message: "m" }, { field: 1 }, "x", null])).toEqual({ a: "m" });
    expect(fieldErrorMap(undefined)).toEqual({});
  });
});

describe("describeError: words for people", () => {
  const problem = (code: string, detail: string, status = 400) => ({ type: "t", title: "t", status, detail, code });

  it("uses the server's detail for ordinary errors", () => {
    expect(describeError(apiErrorFrom(res(409), problem("conflict", "The slug acme is taken.", 409)))).toBe(
      "The slug acme is taken.",
    );
    expect(describeError(apiErrorFrom(res(401), problem("unauthenticated", "Wrong tenant, email or password.", 401)))).toBe(
      "Wrong tenant, email or password.",
    );
  });

  it("says when to retry on 429", () => {
    const err = apiErrorFrom(res(429, { "retry-after": "1" }), problem("rate_limited", "limit", 429));
    expect(describeError(err)).toBe("Too many requests. Try again in 1 second.");
    const err2 = apiErrorFrom(res(429, { "retry-after": "30" }), problem("rate_limited", "limit", 429));
    expect(describeError(err2)).toBe("Too many requests. Try again in 30 seconds.");
    expect(describeError(apiErrorFrom(res(429), problem("rate_limited", "limit", 429)))).toMatch(/wait a moment/i);
  });

  it("lists field errors for validation failures", () => {
    const msg = describeError(apiErrorFrom(res(422), validation));
    expect(msg).toBe("Please correct: owner email is not a valid email; organization slug is taken.");
    // The console says "organization", never "tenant".
    const tenant = new ApiError({ status: 422, code: "validation_failed", detail: "x", fieldErrors: { tenant: "is unknown" } });
    expect(describeError(tenant)).toBe("Please correct: organization is unknown.");
  });

  it("hides internals of 500 but gives the request id", () => {
    const err = apiErrorFrom(res(500, { "x-request-id": "abc" }), problem("internal", "panic at db.rs:12", 500));
    const msg = describeError(err);
    expect(msg).not.toContain("db.rs");
    expect(msg).toContain("abc");
  });

  it("explains outages and network failures", () => {
    expect(describeError(apiErrorFrom(res(503), problem("service_unavailable", "redis", 503)))).toMatch(/temporarily unavailable/);
    expect(describeError(new TypeError("Failed to fetch"))).toMatch(/Could not reach the server/);
    expect(describeError(new Error("Custom words."))).toBe("Custom words.");
    expect(describeError(42)).toMatch(/Something went wrong/);
  });
});
