// Names for the generated schema types. Nothing here is written by hand:
// every type is `components["schemas"][...]` from ./schema.ts, which
// `npm run gen:api` generates from ../openapi.yaml.
import type { components, paths } from "./schema";

export type Schemas = components["schemas"];
export type Paths = paths;

export type Problem = Schemas["Problem"];
export type FieldError = Schemas["FieldError"];
export type Role = Schemas["Role"];
export type Scope = Schemas["Scope"];
export type Interval = Schemas["Interval"];
export type TokenPair = Schemas["TokenPair"];
export type RefreshDelivery = Schemas["RefreshDelivery"];
export type MeResponse = Schemas["MeResponse"];
export type TenantView = Schemas["TenantView"];
export type UserView = Schemas["UserView"];
export type InvitationView = Schemas["InvitationView"];
export type ApiKeyView = Schemas["ApiKeyView"];
export type CreatedApiKey = Schemas["CreatedApiKey"];
export type SessionView = Schemas["SessionView"];
export type AuditEventView = Schemas["AuditEventView"];
export type UsageBucket = Schemas["UsageBucket"];
export type UsageTimeseries = Schemas["UsageTimeseries"];

export type SignupRequest = Schemas["SignupRequest"];
export type LoginRequest = Schemas["LoginRequest"];
export type AcceptInvitationRequest = Schemas["AcceptInvitationRequest"];
export type PasswordResetRequest = Schemas["PasswordResetRequest"];
export type PasswordResetConfirm = Schemas["PasswordResetConfirm"];
export type CreateUserRequest = Schemas["CreateUserRequest"];
export type UpdateUserRequest = Schemas["UpdateUserRequest"];
export type CreateInvitationRequest = Schemas["CreateInvitationRequest"];
export type CreateApiKeyRequest = Schemas["CreateApiKeyRequest"];
export type UpdateTenantRequest = Schemas["UpdateTenantRequest"];
export type UpdateMeRequest = Schemas["UpdateMeRequest"];
export type ChangePasswordRequest = Schemas["ChangePasswordRequest"];

/** Query parameters of the audit log, as the spec declares them. */
export type AuditQuery = NonNullable<Paths["/v1/audit-events"]["get"]["parameters"]["query"]>;

export { roleValues, scopeValues, intervalValues, auditActionValues, auditActionFilterValues } from "./schema";
