//! Cross-cutting HTTP middleware: request ids and access logs, and the
//! guarantee that every error response is problem+json.

use std::time::Instant;

use axum::extract::Request;
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use qhub_lib::{ApiError, Problem};
use tracing::Instrument;
use uuid::Uuid;

pub static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// A client-supplied id is kept only if it is short and plain, so it cannot
/// inject anything into logs or headers.
fn sane(id: &str) -> bool {
    (1..=128).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

/// Sets or keeps `x-request-id`, runs the request inside a span carrying it
/// (so every log line of the request has it), logs completion, and echoes
/// the id on the response.
pub async fn request_id(mut req: Request, next: Next) -> Response {
    let id = req
        .headers()
        .get(&X_REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|s| sane(s))
        .map(str::to_owned)
        .unwrap_or_else(|| Uuid::now_v7().to_string());
    let header = HeaderValue::from_str(&id).unwrap_or(HeaderValue::from_static("invalid"));
    req.headers_mut()
        .insert(X_REQUEST_ID.clone(), header.clone());

    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %req.method(),
        path = %req.uri().path(),
    );
    let started = Instant::now();
    let mut res = next.run(req).instrument(span.clone()).await;
    span.in_scope(|| {
        tracing::info!(
            status = res.status().as_u16(),
            latency_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
            "request completed"
        )
    });
    res.headers_mut().insert(X_REQUEST_ID.clone(), header);
    res
}

/// At most this many request headers, and this many bytes of them
/// (names and values). hyper itself is set to parse up to
/// `HYPER_MAX_HEADERS`, so that requests between the two limits get a
/// problem+json 431 from here instead of hyper's bare one.
pub const MAX_REQUEST_HEADERS: usize = 100;
pub const MAX_REQUEST_HEADER_BYTES: usize = 16 * 1024;
pub const HYPER_MAX_HEADERS: usize = 500;

pub async fn header_limits(req: Request, next: Next) -> Response {
    let headers = req.headers();
    let bytes: usize = headers
        .iter()
        .map(|(k, v)| k.as_str().len() + v.len())
        .sum();
    if headers.len() > MAX_REQUEST_HEADERS || bytes > MAX_REQUEST_HEADER_BYTES {
        return ApiError::HeadersTooLarge.into_response();
    }
    next.run(req).await
}

/// Rewrites bare error responses produced outside our handlers (axum's
/// 405, tower-http's timeout 503) into problem+json, keeping their headers
/// (e.g. `Allow`).
pub async fn problem_fallback(req: Request, next: Next) -> Response {
    let res = next.run(req).await;
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error())
        || res.headers().contains_key(CONTENT_TYPE)
    {
        return res;
    }
    let problem = match status {
        StatusCode::METHOD_NOT_ALLOWED => ApiError::MethodNotAllowed.to_problem(),
        StatusCode::SERVICE_UNAVAILABLE => ApiError::Timeout.to_problem(),
        other => Problem::new(other, "error", "The request failed.".into(), Vec::new()),
    };
    let mut out = problem.response();
    for (name, value) in res.headers() {
        out.headers_mut()
            .entry(name)
            .or_insert_with(|| value.clone());
    }
    out
}

pub async fn not_found() -> Response {
    ApiError::NotFound("no such route".into()).into_response()
}

/// `PUT /v1/apps/{id}/versions/{vid}/package`: the one route whose body is
/// streamed rather than buffered.
pub fn is_streamed_upload(req: &Request) -> bool {
    if req.method() != axum::http::Method::PUT {
        return false;
    }
    let parts: Vec<&str> = req.uri().path().split('/').collect();
    matches!(
        parts.as_slice(),
        ["", "v1", "apps", _, "versions", _, "package"]
    )
}

/// How `buffer_body` reads request bodies.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimits {
    pub max_bytes: usize,
    pub read_timeout: std::time::Duration,
}

/// Reads the whole request body before any handler or extractor runs.
///
/// Extractors such as `TenantCtx` take a pooled Postgres connection; if the
/// body were read after them, a client trickling its body could hold a
/// connection for the whole request timeout. Reading it first means a slow
/// client costs memory up to the body limit, never a connection.
pub async fn buffer_body(
    axum::extract::State(limits): axum::extract::State<BodyLimits>,
    req: Request,
    next: Next,
) -> Response {
    // Package uploads stream to object storage with their own limit and
    // deadline (`apps::storage`), and authorize before reading the body.
    if is_streamed_upload(&req) {
        return next.run(req).await;
    }
    // A declared length over the limit is refused before reading anything.
    let declared = req
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limits.max_bytes as u64) {
        return ApiError::PayloadTooLarge.into_response();
    }
    let (parts, body) = req.into_parts();
    let read = axum::body::to_bytes(body, limits.max_bytes);
    let bytes = match tokio::time::timeout(limits.read_timeout, read).await {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(e)) => {
            let too_large = e
                .into_inner()
                .downcast_ref::<http_body_util::LengthLimitError>()
                .is_some();
            return if too_large {
                ApiError::PayloadTooLarge.into_response()
            } else {
                ApiError::BadRequest("the request body could not be read".into()).into_response()
            };
        }
        Err(_) => return ApiError::BodyTimeout.into_response(),
    };
    next.run(Request::from_parts(parts, axum::body::Body::from(bytes)))
        .await
}
