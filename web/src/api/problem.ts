// Turning API failures (RFC 9457 problem+json) into words for people.
import type { FieldError, Problem } from "./types";

/** An API call that did not succeed, with what the server said about it. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  /** Per-field messages from `errors[]`, keyed by the JSON field name. */
  readonly fieldErrors: Readonly<Record<string, string>>;
  /** Seconds from `Retry-After`, when the server sent one. */
  readonly retryAfter: number | null;
  readonly requestId: string | null;
  /** Where in a submitted program the problem is (1-based), for `program_invalid` and its kin. */
  readonly line: number | null;
  readonly column: number | null;

  constructor(init: {
    status: number;
    code: string;
    detail: string;
    fieldErrors?: Record<string, string>;
    retryAfter?: number | null;
    requestId?: string | null;
    line?: number | null;
    column?: number | null;
  }) {
    super(init.detail);
    this.name = "ApiError";
    this.status = init.status;
    this.code = init.code;
    this.detail = init.detail;
    this.fieldErrors = init.fieldErrors ?? {};
    this.retryAfter = init.retryAfter ?? null;
    this.requestId = init.requestId ?? null;
    this.line = init.line ?? null;
    this.column = init.column ?? null;
  }

  get isNotFound(): boolean {
    return this.status === 404;
  }
}

function isFieldError(v: unknown): v is FieldError {
  return (
    typeof v === "object" &&
    v !== null &&
    typeof (v as Record<string, unknown>).field === "string" &&
    typeof (v as Record<string, unknown>).message === "string"
  );
}

/** True when `body` has the shape of the spec's Problem schema. */
export function isProblem(body: unknown): body is Problem {
  if (typeof body !== "object" || body === null) return false;
  const b = body as Record<string, unknown>;
  return typeof b.code === "string" && typeof b.status === "number" && typeof b.detail === "string";
}

/** Field errors keyed by field; the first message wins when a field repeats. */
export function fieldErrorMap(errors: readonly unknown[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of errors ?? []) {
    if (isFieldError(e) && !(e.field in out)) out[e.field] = e.message;
  }
  return out;
}

const FALLBACK_CODES: Record<number, string> = {
  400: "bad_request",
  401: "unauthenticated",
  403: "forbidden",
  404: "not_found",
  409: "conflict",
  413: "payload_too_large",
  422: "validation_failed",
  429: "rate_limited",
  500: "internal",
  503: "service_unavailable",
};

/** A positive whole number of a problem document, or null. */
function position(v: unknown): number | null {
  return typeof v === "number" && Number.isInteger(v) && v > 0 ? v : null;
}

/** Builds an ApiError from a failed response and its (already parsed) body. */
export function apiErrorFrom(response: Pick<Response, "status" | "headers">, body: unknown): ApiError {
  const retry = Number.parseInt(response.headers.get("retry-after") ?? "", 10);
  const requestId = response.headers.get("x-request-id");
  if (isProblem(body)) {
    return new ApiError({
      status: response.status,
      code: body.code,
      detail: body.detail,
      fieldErrors: fieldErrorMap(body.errors),
      retryAfter: Number.isFinite(retry) ? retry : null,
      requestId,
      line: position((body as { line?: unknown }).line),
      column: position((body as { column?: unknown }).column),
    });
  }
  return new ApiError({
    status: response.status,
    code: FALLBACK_CODES[response.status] ?? (response.status >= 500 ? "internal" : "bad_request"),
    detail: "",
    retryAfter: Number.isFinite(retry) ? retry : null,
    requestId,
  });
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/**
 * One sentence for a person. Uses the server's `detail` where it explains
 * the occurrence, and plain wording for codes whose detail is not for users
 * (internal errors, outages) or when the body was not a problem document.
 */
export function describeError(err: unknown): string {
  if (err instanceof ApiError) {
    switch (err.code) {
      case "rate_limited":
        return err.retryAfter !== null
          ? `Too many requests. Try again in ${plural(err.retryAfter, "second")}.`
          : "Too many requests. Wait a moment and try again.";
      case "internal":
        return `Something went wrong on our side.${err.requestId ? ` (Request id ${err.requestId}.)` : ""} Please try again.`;
      case "service_unavailable":
      case "timeout":
        return "The service is temporarily unavailable. Please try again in a moment.";
      case "validation_failed": {
        const fields = Object.entries(err.fieldErrors);
        if (fields.length === 0) return err.detail || "Some fields are not valid.";
        return `Please correct: ${fields.map(([f, m]) => `${humanField(f)} ${m}`).join("; ")}.`;
      }
      case "forbidden":
        return err.detail || "Your role does not allow this.";
      case "not_found":
        return err.detail || "Not found.";
      case "unauthenticated":
        return err.detail || "Your session has ended. Please log in again.";
      default:
        return err.detail || `The request failed (HTTP ${err.status}).`;
    }
  }
  if (err instanceof TypeError) {
    return "Could not reach the server. Check your connection and try again.";
  }
  if (err instanceof Error && err.message) return err.message;
  return "Something went wrong. Please try again.";
}

/** Field names the console words differently from the API ("organization", never "tenant"). */
const FIELD_WORDS: Record<string, string> = {
  tenant: "organization",
  tenant_id: "organization",
  slug: "organization slug",
};

/** `owner_email` → `owner email`; `tenant` → `organization`. */
export function humanField(field: string): string {
  return FIELD_WORDS[field] ?? field.replace(/[_.]/g, " ").replace(/\btenant\b/g, "organization");
}
