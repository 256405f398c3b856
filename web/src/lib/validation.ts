// Client-side checks that mirror the server's rules (docs/api.md,
// "Validation rules"), so most mistakes are caught before a round trip.
// Each validator returns an error message, or null when the value is fine.
// Form validators return messages keyed by the request's JSON field names,
// the same keys the server uses in problem+json `errors[].field`.
import type {
  AcceptInvitationRequest,
  ChangePasswordRequest,
  CreateApiKeyRequest,
  CreateInvitationRequest,
  CreateUserRequest,
  LoginRequest,
  PasswordResetConfirm,
  PasswordResetRequest,
  SignupRequest,
} from "../api/types";

export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 256;
export const NAME_MAX = 200;
export const EMAIL_MAX = 254;
export const SLUG_MIN = 3;
export const SLUG_MAX = 40;
export const SLUG_PATTERN = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// The spec's DisplayName pattern (a test checks they are the same): some
// visible character; no control, invisible or bidirectional-control one.
const FORBIDDEN = String.raw`\u0000-\u001F\u007F-\u009F\u00AD\u034F\u061C\u115F\u1160\u17B4\u17B5\u180B-\u180F\u200B-\u200F\u202A-\u202E\u2060-\u206F\u3164\uFE00-\uFE0F\uFEFF\uFFA0\uFFF0-\uFFF8`;
export const NAME_PATTERN = `^[^${FORBIDDEN}]*[^\\s${FORBIDDEN}][^${FORBIDDEN}]*$`;
const NAME_RE = new RegExp(NAME_PATTERN);
const INVISIBLE_OR_CONTROL = new RegExp(`[${FORBIDDEN}]`);

export type FormErrors<T> = Partial<Record<keyof T & string, string>>;

export function required(value: string, what = "This field"): string | null {
  return value.trim() === "" ? `${what} is required.` : null;
}

export function validateEmail(value: string): string | null {
  const v = value.trim();
  if (v === "") return "Email is required.";
  if (v.length > EMAIL_MAX) return `Email must be at most ${EMAIL_MAX} characters.`;
  if (/\s/.test(v)) return "Email must not contain spaces.";
  if (INVISIBLE_OR_CONTROL.test(v)) return "Email must not contain invisible or control characters.";
  if (/[<>]/.test(v)) return "Enter just the address, like name@example.com (no name or angle brackets).";
  const parts = v.split("@");
  if (parts.length !== 2) return "Enter an email address like name@example.com.";
  const [local, domain] = parts as [string, string];
  if (local === "" || !/^[^.]+(\.[^.]+)+$/.test(domain)) {
    return "Enter an email address like name@example.com.";
  }
  return null;
}

export function validatePassword(value: string): string | null {
  if (value === "") return "Password is required.";
  if (value.length < PASSWORD_MIN) return `Password must be at least ${PASSWORD_MIN} characters.`;
  if (value.length > PASSWORD_MAX) return `Password must be at most ${PASSWORD_MAX} characters.`;
  return null;
}

export function validateName(value: string, what = "Name"): string | null {
  const v = value.trim();
  if (v === "") return `${what} is required.`;
  if (v.length > NAME_MAX) return `${what} must be at most ${NAME_MAX} characters.`;
  if (!NAME_RE.test(v)) return `${what} must not contain control or invisible characters.`;
  return null;
}

export function validateSlug(value: string): string | null {
  const v = value.trim();
  if (v === "") return "Organization slug is required.";
  if (v.length < SLUG_MIN || v.length > SLUG_MAX) {
    return `Slug must be ${SLUG_MIN}–${SLUG_MAX} characters.`;
  }
  if (!SLUG_PATTERN.test(v)) {
    return "Slug may use lowercase letters, digits and hyphens, and must start and end with a letter or digit.";
  }
  return null;
}

export function validateUuid(value: string, what = "Id"): string | null {
  return UUID_PATTERN.test(value.trim()) ? null : `${what} must be a UUID.`;
}

/** Suggests a slug from an organization name ("Acme Quantum!" → "acme-quantum"). */
export function slugify(name: string): string {
  return name
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, SLUG_MAX)
    .replace(/-+$/g, "");
}

function collect<T>(checks: [keyof T & string, string | null][]): FormErrors<T> {
  const out: FormErrors<T> = {};
  for (const [field, msg] of checks) if (msg) out[field] = msg;
  return out;
}

export function hasErrors(errors: object): boolean {
  return Object.values(errors).some((v) => typeof v === "string" && v !== "");
}

export function validateSignup(v: SignupRequest): FormErrors<SignupRequest> {
  return collect<SignupRequest>([
    ["name", validateName(v.name, "Organization name")],
    ["slug", validateSlug(v.slug)],
    ["owner_name", validateName(v.owner_name, "Your name")],
    ["owner_email", validateEmail(v.owner_email)],
    ["owner_password", validatePassword(v.owner_password)],
  ]);
}

export function validateLogin(v: LoginRequest): FormErrors<LoginRequest> {
  return collect<LoginRequest>([
    ["tenant", required(v.tenant, "Organization") ?? validateSlug(v.tenant)],
    ["email", validateEmail(v.email)],
    ["password", v.password === "" ? "Password is required." : null],
  ]);
}

export function validateAcceptInvitation(v: AcceptInvitationRequest): FormErrors<AcceptInvitationRequest> {
  return collect<AcceptInvitationRequest>([
    ["token", required(v.token, "The invitation token")],
    ["name", validateName(v.name)],
    ["password", validatePassword(v.password)],
  ]);
}

export function validatePasswordResetRequest(v: PasswordResetRequest): FormErrors<PasswordResetRequest> {
  return collect<PasswordResetRequest>([
    ["tenant", required(v.tenant, "Organization") ?? validateSlug(v.tenant)],
    ["email", validateEmail(v.email)],
  ]);
}

export function validatePasswordResetConfirm(v: PasswordResetConfirm): FormErrors<PasswordResetConfirm> {
  return collect<PasswordResetConfirm>([
    ["token", required(v.token, "The reset token")],
    ["new_password", validatePassword(v.new_password)],
  ]);
}

export function validateCreateUser(v: CreateUserRequest): FormErrors<CreateUserRequest> {
  return collect<CreateUserRequest>([
    ["name", validateName(v.name)],
    ["email", validateEmail(v.email)],
    ["password", validatePassword(v.password)],
  ]);
}

export function validateInvitation(v: CreateInvitationRequest): FormErrors<CreateInvitationRequest> {
  return collect<CreateInvitationRequest>([["email", validateEmail(v.email)]]);
}

export function validateCreateApiKey(
  v: CreateApiKeyRequest,
  now: Date = new Date(),
): FormErrors<CreateApiKeyRequest> {
  let expires: string | null = null;
  if (v.expires_at) {
    const t = Date.parse(v.expires_at);
    if (Number.isNaN(t)) expires = "Enter a valid date and time.";
    else if (t <= now.getTime()) expires = "Expiry must be in the future.";
  }
  return collect<CreateApiKeyRequest>([
    ["name", validateName(v.name)],
    ["scopes", v.scopes.length === 0 ? "Choose at least one scope." : null],
    ["expires_at", expires],
  ]);
}

/** "Confirm password" must match. */
export function validateConfirmation(password: string, confirmation: string): string | null {
  return password === confirmation ? null : "The passwords do not match.";
}

export function validateChangePassword(v: ChangePasswordRequest): FormErrors<ChangePasswordRequest> {
  return collect<ChangePasswordRequest>([
    ["current_password", v.current_password === "" ? "Your current password is required." : null],
    ["new_password", validatePassword(v.new_password)],
  ]);
}
