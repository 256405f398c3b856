//! The API's own description, served as JSON and YAML.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use utoipa::openapi::OpenApi as Doc;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::platform::openapi::{spec, to_yaml};
use crate::platform::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(openapi_json))
        .routes(routes!(openapi_yaml))
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
    responses((status = 200, description = "OpenAPI 3.1 document. `application/yaml` (RFC 9512) unless the `Accept` header asks for `text/yaml`, for clients that only read text types",
        content((String = "application/yaml"), (String = "text/yaml")))),
    security(())
)]
async fn openapi_yaml(headers: axum::http::HeaderMap) -> Response {
    let wants_text = headers
        .get(header::ACCEPT)
        .and_then(|a| a.to_str().ok())
        .is_some_and(|a| a.contains("text/yaml"));
    let content_type = if wants_text {
        "text/yaml; charset=utf-8"
    } else {
        "application/yaml"
    };
    match to_yaml() {
        Ok(y) => ([(header::CONTENT_TYPE, content_type)], y).into_response(),
        Err(e) => qhub_lib::ApiError::internal(e).into_response(),
    }
}
