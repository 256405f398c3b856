//! The OpenAPI document: collected from the routes (utoipa-axum), then
//! completed with the security schemes and the standard error responses
//! every operation can return, so no operation can forget them.

use std::sync::OnceLock;

use qhub_lib::{FieldError, Problem};
use utoipa::openapi::path::Operation;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{ContentBuilder, OpenApi as Doc, Ref, RefOr, ResponseBuilder};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use crate::identity::extract::X_API_KEY;
use crate::platform::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "QHub API",
        version = "0.1.0",
        description = "Multi-tenant platform for quantum applications.\n\n\
            Errors are RFC 9457 `application/problem+json` with a stable `code`. \
            Lists take `limit` (1–200, default 50) and an opaque `cursor`, and return \
            `{items, next_cursor}`. Another tenant's object is always 404.\n\n\
            **Authentication.** People send `Authorization: Bearer <access JWT>`. \
            Integrators send an API key, `Authorization: Bearer qh_live_…` or \
            `X-API-Key: qh_live_…`. An operation's security requirement lists the \
            scope an API key needs; operations without scopes need a user session. \
            Scopes: `users:read`, `users:write`, `apps:read`, `apps:write`, \
            `registry:publish`, `jobs:read`, `jobs:write`, `usage:read`, `admin` (see the `Scope` schema).\n\n\
            **Rate limits.** Every authenticated request counts against its user's or \
            key's budget and carries `RateLimit-Limit`, `RateLimit-Remaining` and \
            `RateLimit-Reset`. Signup, login, refresh, password reset, email \
            verification and invitation acceptance have stricter per-IP and \
            per-account limits. Exceeding a limit is 429 with `Retry-After` and the \
            `RateLimit-*` headers.",
        license(name = "Proprietary")
    ),
    servers((url = "http://127.0.0.1:8080", description = "Local development (`make dev`)")),
    components(schemas(
        Problem,
        FieldError,
        qhub_lib::Scope,
        crate::audit::AuditActionFilter,
        // Named only by query parameters, which do not register schemas.
        crate::platform::validate::schema::Timestamp,
        crate::platform::validate::schema::UsageKindName,
        crate::platform::validate::schema::SearchText,
        crate::identity::apikeys::KeyStatus,
        crate::identity::users::UserStatus,
        crate::apps::model::RegistrySort,
        crate::apps::model::AppStatus,
        crate::apps::rules::Tag,
        crate::jobs::model::JobStatus,
        crate::jobs::rules::IdempotencyKey,
        crate::marketplace::model::MarketplaceSort,
        crate::marketplace::model::SubscriptionState,
        crate::marketplace::model::Currency
    )),
    tags(
        (name = "tenants", description = "Organization signup and settings"),
        (name = "auth", description = "Login, tokens and sessions"),
        (name = "users", description = "User management (owner and admin)"),
        (name = "invitations", description = "Inviting people by email"),
        (name = "api-keys", description = "API keys for integrators (managed from a user session)"),
        (name = "audit", description = "The organization's audit log"),
        (name = "usage", description = "Usage analytics of the caller's organization"),
        (name = "projects", description = "The organization's projects (private), released as apps"),
        (name = "apps", description = "The organization's quantum apps: versions, packages, docs, metrics"),
        (name = "registry", description = "The public registry: every organization's published apps, search, downloads, reviews"),
        (name = "jobs", description = "Quantum jobs on QHub's simulator: backends, submission, the queue, results, quotas"),
        (name = "marketplace", description = "Apps for sale: listings with plans, their subscribers, and what subscribers read"),
        (name = "subscriptions", description = "The organization's marketplace subscriptions and their subscription keys"),
        (name = "billing", description = "Monthly bills from subscriptions and usage, invoices, providers' statements"),
        (name = "notifications", description = "The caller's own notifications, mail preferences and live stream"),
        (name = "health", description = "Liveness and readiness probes"),
        (name = "meta", description = "This API's own description"),
    )
)]
struct ApiDoc;

/// The full router and document, before state and middleware.
pub fn split() -> (axum::Router<AppState>, Doc) {
    let (router, mut doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(crate::api::routes())
        .split_for_parts();
    complete(&mut doc);
    (router, doc)
}

/// The document, built once per process.
pub fn spec() -> &'static Doc {
    static SPEC: OnceLock<Doc> = OnceLock::new();
    SPEC.get_or_init(|| split().1)
}

pub fn to_yaml() -> anyhow::Result<String> {
    Ok(spec().to_yaml()?)
}

/// (status, component name, description)
const STANDARD_ERRORS: &[(&str, &str, &str)] = &[
    (
        "400",
        "BadRequest",
        "Malformed request (bad JSON, path or query)",
    ),
    (
        "401",
        "Unauthenticated",
        "Missing, invalid or revoked credentials",
    ),
    ("403", "Forbidden", "The caller's role does not allow this"),
    (
        "404",
        "NotFound",
        "No such object in the caller's organization",
    ),
    (
        "408",
        "RequestTimeout",
        "The request body arrived too slowly",
    ),
    ("413", "PayloadTooLarge", "Request body too large"),
    (
        "431",
        "HeadersTooLarge",
        "Too many request headers (over 100) or over 16 KiB of them",
    ),
    (
        "415",
        "UnsupportedMediaType",
        "Body is not application/json",
    ),
    (
        "422",
        "ValidationFailed",
        "The request is well-formed but invalid; see `errors`",
    ),
    (
        "429",
        "RateLimited",
        "A rate limit is exhausted (the caller's API budget, or the per-IP / per-account \
         limit of an authentication endpoint); see `Retry-After` and `RateLimit-*`",
    ),
    (
        "500",
        "InternalError",
        "Unexpected error (logged server-side)",
    ),
    (
        "503",
        "Unavailable",
        "A dependency (Postgres, Redis) is unavailable; retry later",
    ),
];

/// PATCH bodies that must name at least one field. (Set here: utoipa 5.5's
/// `#[schema(min_properties = …)]` emits `maxProperties`.)
const AT_LEAST_ONE_FIELD: &[&str] = &[
    "UpdateTenantRequest",
    "UpdateUserRequest",
    "UpdateProjectRequest",
    "UpdateAppRequest",
    "UpdateVersionRequest",
    "UpdateDocRequest",
    "UpdateReviewRequest",
];

fn complete(doc: &mut Doc) {
    let components = doc.components.get_or_insert_with(Default::default);
    for name in AT_LEAST_ONE_FIELD {
        if let Some(RefOr::T(utoipa::openapi::schema::Schema::Object(o))) =
            components.schemas.get_mut(*name)
        {
            o.min_properties = Some(1);
        }
    }
    // The audit vocabulary, from the server's own list, for clients that
    // offer it (the console's filter). Responses keep `action` a string.
    components.schemas.insert(
        "AuditAction".to_owned(),
        RefOr::T(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(crate::audit::ACTIONS.iter().copied()))
                .description(Some(
                    "What an audit event records (today's list; later releases may add more).",
                ))
                .into(),
        ),
    );
    components.add_security_scheme(
        "bearerAuth",
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("JWT")
                .description(Some(
                    "An access token (JWT) from /v1/auth/login, /v1/auth/refresh or \
                     /v1/tenants, or an API key (`qh_live_…`). The scopes listed on an \
                     operation are what an API key needs; a user session holds every \
                     scope its role grants.",
                ))
                .build(),
        ),
    );
    components.add_security_scheme(
        "apiKeyAuth",
        SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
            X_API_KEY,
            "An API key (`qh_live_…`) from POST /v1/api-keys, carrying the scopes listed on the operation.",
        ))),
    );
    components.add_security_scheme(
        "refreshCookie",
        SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
            crate::identity::cookie::REFRESH_COOKIE,
            "The HttpOnly refresh cookie set for `refresh_delivery: \"cookie\"` (the web console).",
        ))),
    );
    for (_, name, description) in STANDARD_ERRORS {
        components.responses.insert(
            (*name).to_owned(),
            RefOr::T(
                ResponseBuilder::new()
                    .description(*description)
                    .content(
                        qhub_lib::error::PROBLEM_JSON,
                        ContentBuilder::new()
                            .schema(Some(Ref::from_schema_name("Problem")))
                            .build(),
                    )
                    .build(),
            ),
        );
    }

    for (path, item) in doc.paths.paths.iter_mut() {
        let has_path_params = path.contains('{');
        for op in [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ]
        .into_iter()
        .flatten()
        {
            add_api_key_alternative(op);
            add_errors(op, has_path_params, path.starts_with("/v1/"));
            // `security(())` yields `[{}]` ("anonymous allowed"); generated
            // clients read any requirement as "needs credentials". `[]` says
            // plainly that the operation has none.
            if !is_secured(op) {
                op.security = Some(Vec::new());
            }
        }
    }
}

/// The `/v1` operations that take no credential (signup, login, refresh,
/// password reset, email verification, invitation acceptance), as
/// (method, path): the routes that issue tokens or act on emailed ones.
pub fn public_v1_operations() -> &'static [(axum::http::Method, String)] {
    static PUBLIC: OnceLock<Vec<(axum::http::Method, String)>> = OnceLock::new();
    PUBLIC.get_or_init(|| {
        let mut out = Vec::new();
        for (path, item) in spec().paths.paths.iter() {
            if !path.starts_with("/v1/") {
                continue;
            }
            for (method, op) in [
                (axum::http::Method::GET, &item.get),
                (axum::http::Method::PUT, &item.put),
                (axum::http::Method::POST, &item.post),
                (axum::http::Method::DELETE, &item.delete),
                (axum::http::Method::PATCH, &item.patch),
            ] {
                if op.as_ref().is_some_and(|op| !is_secured(op)) {
                    out.push((method, path.clone()));
                }
            }
        }
        out
    })
}

fn is_secured(op: &Operation) -> bool {
    // SecurityRequirement's map is private; an empty requirement serializes as {}.
    op.security.iter().flatten().any(|req| {
        serde_json::to_value(req)
            .map(|v| v.as_object().is_some_and(|o| !o.is_empty()))
            .unwrap_or(false)
    })
}

/// The scopes an operation's `bearerAuth` requirement lists (those an API
/// key needs), or `None` when it has no such requirement.
pub fn bearer_scopes(op: &Operation) -> Option<Vec<String>> {
    op.security.iter().flatten().find_map(|req| {
        let v = serde_json::to_value(req).ok()?;
        let scopes = v.get("bearerAuth")?.as_array()?;
        Some(
            scopes
                .iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect(),
        )
    })
}

/// Operations that name scopes accept an API key: offer `X-API-Key` as an
/// alternative with the same scopes. Operations without scopes need a user
/// session, so they get no alternative.
fn add_api_key_alternative(op: &mut Operation) {
    let Some(scopes) = bearer_scopes(op).filter(|s| !s.is_empty()) else {
        return;
    };
    op.security
        .get_or_insert_with(Vec::new)
        .push(SecurityRequirement::new("apiKeyAuth", scopes));
}

fn add_errors(op: &mut Operation, has_path_params: bool, rate_limited: bool) {
    let has_body = op.request_body.is_some();
    let has_input =
        has_body || has_path_params || op.parameters.as_ref().is_some_and(|p| !p.is_empty());
    let secured = is_secured(op);
    for (status, name, _) in STANDARD_ERRORS {
        let applies = match *status {
            "400" | "422" => has_input,
            "401" | "403" => secured,
            // Every /v1 request counts against a rate limit: the caller's
            // budget, or the per-IP one of the unauthenticated endpoints.
            "429" => rate_limited,
            "404" => has_path_params,
            "408" | "413" | "415" => has_body,
            _ => true,
        };
        if applies {
            op.responses
                .responses
                .entry((*status).to_owned())
                .or_insert_with(|| RefOr::Ref(Ref::from_response_name(*name)));
        }
    }
}
