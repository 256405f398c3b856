//! The OpenAPI document: collected from the routes (utoipa-axum), then
//! completed with the security schemes and the standard error responses
//! every operation can return, so no operation can forget them.

use std::sync::OnceLock;

use axum::http::header;
use axum::response::{IntoResponse, Response};
use qhub_lib::{FieldError, Problem};
use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, OpenApi as Doc, Ref, RefOr, ResponseBuilder};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::routes;
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "QHub API",
        version = "0.1.0",
        description = "Multi-tenant platform for quantum applications.\n\n\
            Errors are RFC 9457 `application/problem+json` with a stable `code`. \
            Lists take `limit` (1–200, default 50) and an opaque `cursor`, and return \
            `{items, next_cursor}`. Another tenant's object is always 404.",
        license(name = "Proprietary")
    ),
    servers((url = "http://127.0.0.1:8080", description = "Local development (`make dev`)")),
    components(schemas(Problem, FieldError)),
    tags(
        (name = "tenants", description = "Organization signup and settings"),
        (name = "auth", description = "Login, tokens and sessions"),
        (name = "users", description = "User management (owner and admin)"),
        (name = "health", description = "Liveness and readiness probes"),
        (name = "meta", description = "This API's own description"),
    )
)]
struct ApiDoc;

/// The full router and document, before state and middleware.
pub fn split() -> (axum::Router<AppState>, Doc) {
    let (router, mut doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(routes::api())
        .routes(routes!(openapi_json))
        .routes(routes!(openapi_yaml))
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

/// The OpenAPI document as JSON.
#[utoipa::path(
    get, path = "/openapi.json", tag = "meta", operation_id = "getOpenapiJson",
    responses((status = 200, description = "OpenAPI 3.1 document", content_type = "application/json", body = Object)),
    security(())
)]
async fn openapi_json() -> axum::Json<&'static Doc> {
    axum::Json(spec())
}

/// The OpenAPI document as YAML (the same as `openapi.yaml` in the repository).
#[utoipa::path(
    get, path = "/openapi.yaml", tag = "meta", operation_id = "getOpenapiYaml",
    responses((status = 200, description = "OpenAPI 3.1 document", content_type = "application/yaml", body = String)),
    security(())
)]
async fn openapi_yaml() -> Response {
    match to_yaml() {
        Ok(y) => ([(header::CONTENT_TYPE, "application/yaml")], y).into_response(),
        Err(e) => qhub_lib::ApiError::internal(e).into_response(),
    }
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
    ("404", "NotFound", "No such object in the caller's tenant"),
    (
        "408",
        "RequestTimeout",
        "The request body arrived too slowly",
    ),
    ("413", "PayloadTooLarge", "Request body too large"),
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

fn complete(doc: &mut Doc) {
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "bearerAuth",
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("JWT")
                .description(Some(
                    "Access token from /v1/auth/login, /v1/auth/refresh or /v1/tenants",
                ))
                .build(),
        ),
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
            add_errors(op, has_path_params);
        }
    }
}

fn is_secured(op: &Operation) -> bool {
    // SecurityRequirement's map is private; an empty requirement serializes as {}.
    op.security.iter().flatten().any(|req| {
        serde_json::to_value(req)
            .map(|v| v.as_object().is_some_and(|o| !o.is_empty()))
            .unwrap_or(false)
    })
}

fn add_errors(op: &mut Operation, has_path_params: bool) {
    let has_body = op.request_body.is_some();
    let has_input =
        has_body || has_path_params || op.parameters.as_ref().is_some_and(|p| !p.is_empty());
    let secured = is_secured(op);
    for (status, name, _) in STANDARD_ERRORS {
        let applies = match *status {
            "400" | "422" => has_input,
            "401" | "403" => secured,
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
