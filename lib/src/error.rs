//! The one error type of the API and its mapping to RFC 9457
//! `application/problem+json`. Every handler returns `Result<_, ApiError>`,
//! so the wire format of an error is decided here and nowhere else.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// An RFC 9457 problem document. `code` is the stable, machine-readable part;
/// `title` and `detail` are for people and may change wording.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Problem {
    /// A URI reference naming the problem type.
    #[serde(rename = "type")]
    #[schema(example = "https://qhub.dev/problems/validation_failed")]
    pub type_: String,
    /// Short human-readable summary of the problem type.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// Explanation specific to this occurrence.
    pub detail: String,
    /// Stable machine-readable error code (the closed set `ProblemCode`).
    #[schema(value_type = ProblemCode, example = "validation_failed")]
    pub code: String,
    /// The fields at fault: every invalid field of a `validation_failed`,
    /// and the field whose value is taken for a `conflict` that names one
    /// (a slug or an email already in use), so clients can show the
    /// message on that field.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// Where in a submitted program the problem is (`program_invalid`):
    /// 1-based line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// 1-based column of that line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
}

/// One invalid field of a request.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct FieldError {
    /// The JSON field (or query parameter) at fault.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request could not be parsed at all (malformed JSON, bad path or query).
    #[error("bad request: {0}")]
    BadRequest(String),
    /// The request parsed but its content is invalid.
    #[error("validation failed: {detail}")]
    Validation {
        detail: String,
        errors: Vec<FieldError>,
    },
    #[error("unauthenticated: {0}")]
    Unauthenticated(String),
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("not found: {0}")]
    NotFound(String),
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("conflict: {0}")]
    Conflict(String),
    /// A conflict caused by one field's value (a taken slug or email):
    /// `conflict` like the above, with the field in `errors`.
    #[error("conflict on {field}: {detail}")]
    Taken { field: &'static str, detail: String },
    /// The request body arrived too slowly.
    #[error("request body timed out")]
    BodyTimeout,
    #[error("payload too large")]
    PayloadTooLarge,
    /// Too many request headers, or too many bytes of them.
    #[error("request headers too large")]
    HeadersTooLarge,
    #[error("unsupported media type: {0}")]
    UnsupportedMediaType(String),
    /// A rate limit is exhausted: `limit` requests per window, and the
    /// window resets in `retry_after_secs`.
    #[error("rate limited")]
    RateLimited { limit: u64, retry_after_secs: u64 },
    /// A dependency (Postgres, Redis) is unavailable; the client may retry.
    /// Only the dependency's name reaches the client; the cause is logged.
    #[error("{service} unavailable: {cause}")]
    Unavailable {
        service: &'static str,
        cause: String,
    },
    /// The request took longer than the server allows.
    #[error("request timed out")]
    Timeout,
    /// Anything else. The message is logged, never sent to the client.
    #[error("internal error: {0}")]
    Internal(String),
    /// A request refused for a reason of its own area, with its own stable
    /// code (one of `DOMAIN_CODES`): a program that does not parse, a quota
    /// reached, a result asked for too early.
    #[error("{code}: {detail}")]
    Refused {
        status: StatusCode,
        code: &'static str,
        detail: String,
        errors: Vec<FieldError>,
        /// Line and column in a submitted program.
        at: Option<(u32, u32)>,
    },
}

/// The area-specific codes of `ApiError::Refused`, with their status.
pub const DOMAIN_CODES: &[(&str, u16)] = &[
    // A program that does not parse or is not valid OpenQASM (with line and column).
    ("program_invalid", 422),
    // More qubits than the backend or the organization's quota allows.
    ("too_many_qubits", 422),
    // A gate the backend does not support.
    ("unsupported_gate", 422),
    // More gates, after expanding gate definitions, than a job may have.
    ("too_many_gates", 422),
    // More shots than the backend or the organization's quota allows.
    ("too_many_shots", 422),
    // An Idempotency-Key reused with a different request.
    ("idempotency_key_reused", 422),
    // The backend does not take jobs now (offline or retired).
    ("backend_unavailable", 409),
    // The job has not finished (its result, or deleting it).
    ("job_not_finished", 409),
    // An organization quota (queued jobs, simulator time) is used up.
    ("quota_exceeded", 429),
    // A subscription key with no uses left.
    ("subscription_key_exhausted", 403),
    // A subscription key past its expiry.
    ("subscription_key_expired", 403),
    // A revoked subscription key, or one whose subscription has ended.
    ("subscription_key_revoked", 403),
];

/// Every `code` a problem document can carry: one per `ApiError` variant,
/// and `error` for a bare error status rewritten by the server's fallback.
pub const PROBLEM_CODES: &[&str] = &[
    "bad_request",
    "validation_failed",
    "unauthenticated",
    "forbidden",
    "not_found",
    "method_not_allowed",
    "conflict",
    "request_timeout",
    "payload_too_large",
    "headers_too_large",
    "unsupported_media_type",
    "rate_limited",
    "service_unavailable",
    "timeout",
    "internal",
    "error",
    "program_invalid",
    "too_many_qubits",
    "unsupported_gate",
    "too_many_gates",
    "too_many_shots",
    "idempotency_key_reused",
    "backend_unavailable",
    "job_not_finished",
    "quota_exceeded",
    "subscription_key_exhausted",
    "subscription_key_expired",
    "subscription_key_revoked",
];

/// `Problem.code` in the OpenAPI document: an enum of `PROBLEM_CODES`.
pub struct ProblemCode;

impl utoipa::PartialSchema for ProblemCode {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .enum_values(Some(PROBLEM_CODES.iter().copied()))
            .description(Some("The stable, machine-readable kind of a problem."))
            .into()
    }
}

impl ToSchema for ProblemCode {
    fn name() -> std::borrow::Cow<'static, str> {
        std::borrow::Cow::Borrowed("ProblemCode")
    }
}

impl ApiError {
    pub fn validation(errors: Vec<FieldError>) -> Self {
        let detail = errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect::<Vec<_>>()
            .join("; ");
        ApiError::Validation { detail, errors }
    }

    pub fn field(field: &str, message: &str) -> Self {
        Self::validation(vec![FieldError::new(field, message)])
    }

    /// A 409 naming the field whose value is already in use.
    pub fn taken(field: &'static str, detail: impl Into<String>) -> Self {
        ApiError::Taken {
            field,
            detail: detail.into(),
        }
    }

    /// A refusal with an area's own code (one of `DOMAIN_CODES`, whose
    /// status it takes; an unknown code is a programming error and answers
    /// 500).
    pub fn refused(code: &'static str, detail: impl Into<String>) -> Self {
        let status = DOMAIN_CODES
            .iter()
            .find(|(c, _)| *c == code)
            .and_then(|(_, s)| StatusCode::from_u16(*s).ok())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        ApiError::Refused {
            status,
            code,
            detail: detail.into(),
            errors: Vec::new(),
            at: None,
        }
    }

    /// The same, naming the field at fault.
    pub fn refused_field(code: &'static str, field: &str, detail: impl Into<String>) -> Self {
        let detail = detail.into();
        match Self::refused(code, detail.clone()) {
            ApiError::Refused {
                status, code, at, ..
            } => ApiError::Refused {
                status,
                code,
                errors: vec![FieldError::new(field, detail.clone())],
                detail: format!("{field}: {detail}"),
                at,
            },
            other => other,
        }
    }

    pub fn internal(err: impl std::fmt::Display) -> Self {
        ApiError::Internal(err.to_string())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Validation { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict(_) | ApiError::Taken { .. } => StatusCode::CONFLICT,
            ApiError::BodyTimeout => StatusCode::REQUEST_TIMEOUT,
            ApiError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::HeadersTooLarge => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable { .. } | ApiError::Timeout => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::Refused { status, .. } => *status,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            ApiError::BadRequest(_) => "bad_request",
            ApiError::Validation { .. } => "validation_failed",
            ApiError::Unauthenticated(_) => "unauthenticated",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::NotFound(_) => "not_found",
            ApiError::MethodNotAllowed => "method_not_allowed",
            ApiError::Conflict(_) | ApiError::Taken { .. } => "conflict",
            ApiError::BodyTimeout => "request_timeout",
            ApiError::PayloadTooLarge => "payload_too_large",
            ApiError::HeadersTooLarge => "headers_too_large",
            ApiError::UnsupportedMediaType(_) => "unsupported_media_type",
            ApiError::RateLimited { .. } => "rate_limited",
            ApiError::Unavailable { .. } => "service_unavailable",
            ApiError::Timeout => "timeout",
            ApiError::Internal(_) => "internal",
            ApiError::Refused { code, .. } => code,
        }
    }

    pub fn to_problem(&self) -> Problem {
        let (detail, errors) = match self {
            ApiError::BadRequest(d)
            | ApiError::Unauthenticated(d)
            | ApiError::Forbidden(d)
            | ApiError::NotFound(d)
            | ApiError::Conflict(d)
            | ApiError::UnsupportedMediaType(d) => (d.clone(), Vec::new()),
            ApiError::Unavailable { service, .. } => (
                format!("{service} is temporarily unavailable; retry shortly."),
                Vec::new(),
            ),
            ApiError::Timeout => (
                "The request took too long and was abandoned; retry shortly.".to_owned(),
                Vec::new(),
            ),
            ApiError::Validation { detail, errors } => (detail.clone(), errors.clone()),
            ApiError::Taken { field, detail } => (
                format!("{field}: {detail}"),
                vec![FieldError::new(*field, detail.clone())],
            ),
            ApiError::MethodNotAllowed => (
                "This method is not allowed here; see the Allow header.".to_owned(),
                Vec::new(),
            ),
            ApiError::BodyTimeout => (
                "The request body arrived too slowly.".to_owned(),
                Vec::new(),
            ),
            ApiError::PayloadTooLarge => (
                "The request body is larger than the server accepts.".to_owned(),
                Vec::new(),
            ),
            ApiError::HeadersTooLarge => (
                "The request has too many headers, or too large ones.".to_owned(),
                Vec::new(),
            ),
            ApiError::RateLimited {
                retry_after_secs, ..
            } => (
                format!("Too many requests; retry after {retry_after_secs} s."),
                Vec::new(),
            ),
            // Never leak internals: the real cause goes to the log only.
            ApiError::Internal(_) => (
                "An unexpected error occurred. It has been logged.".to_owned(),
                Vec::new(),
            ),
            ApiError::Refused { detail, errors, .. } => (detail.clone(), errors.clone()),
        };
        let mut problem = Problem::new(self.status(), self.code(), detail, errors);
        if let ApiError::Refused {
            at: Some((line, column)),
            ..
        } = self
        {
            problem.line = Some(*line);
            problem.column = Some(*column);
        }
        problem
    }
}

impl Problem {
    pub fn new(status: StatusCode, code: &str, detail: String, errors: Vec<FieldError>) -> Self {
        Problem {
            type_: format!("https://qhub.dev/problems/{code}"),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail,
            code: code.to_owned(),
            errors,
            line: None,
            column: None,
        }
    }

    /// A problem+json response for any status, used where no `ApiError`
    /// exists (e.g. rewriting bare error responses produced by middleware).
    pub fn response(&self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(self).unwrap_or_default();
        let mut res = (status, body).into_response();
        res.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        res
    }
}

/// The `RateLimit-*` headers (IETF draft-ietf-httpapi-ratelimit-headers),
/// set on every rate-limited response, allowed or not.
pub fn rate_limit_headers(
    headers: &mut axum::http::HeaderMap,
    limit: u64,
    remaining: u64,
    reset_secs: u64,
) {
    headers.insert("ratelimit-limit", HeaderValue::from(limit));
    headers.insert("ratelimit-remaining", HeaderValue::from(remaining));
    headers.insert("ratelimit-reset", HeaderValue::from(reset_secs));
}

pub const PROBLEM_JSON: &str = "application/problem+json";

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match &self {
            ApiError::Internal(msg) => tracing::error!(error = %msg, "internal error"),
            ApiError::Unavailable { service, cause } => {
                tracing::warn!(service, error = %cause, "dependency unavailable")
            }
            _ => tracing::debug!(error = %self, "request rejected"),
        }
        let mut res = self.to_problem().response();
        match self {
            ApiError::RateLimited {
                limit,
                retry_after_secs,
            } => {
                let headers = res.headers_mut();
                headers.insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
                rate_limit_headers(headers, limit, 0, retry_after_secs);
            }
            // RFC 6750: tell the client which scheme to use.
            ApiError::Unauthenticated(_) => {
                res.headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            _ => {}
        }
        res
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(err: sqlx::Error) -> Self {
        match err {
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
                ApiError::Unavailable {
                    service: "postgres",
                    cause: err.to_string(),
                }
            }
            other => ApiError::Internal(format!("database: {other}")),
        }
    }
}

/// For `.map_err(…)`: a violation of the constraint named `constraint`
/// becomes `then()` (typically a 409 saying what is taken); every other
/// error keeps its usual mapping (an unrelated unique violation is a 500
/// whose cause is logged, never the wrong conflict). After
/// launchbadge/realworld-axum-sqlx's `on_constraint`.
pub fn on_constraint(
    constraint: &'static str,
    then: impl FnOnce() -> ApiError,
) -> impl FnOnce(sqlx::Error) -> ApiError {
    move |err| match &err {
        sqlx::Error::Database(db) if db.constraint() == Some(constraint) => then(),
        _ => err.into(),
    }
}

/// `on_constraint` for a statement that can break one of several
/// constraints: the error of the one it broke.
pub fn on_constraints(
    cases: Vec<(&'static str, ApiError)>,
) -> impl FnOnce(sqlx::Error) -> ApiError {
    move |err| {
        if let sqlx::Error::Database(db) = &err {
            if let Some(name) = db.constraint() {
                if let Some((_, e)) = cases.into_iter().find(|(c, _)| *c == name) {
                    return e;
                }
            }
        }
        err.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_the_server_sends_is_in_the_closed_set() {
        let all = [
            ApiError::BadRequest(String::new()),
            ApiError::validation(Vec::new()),
            ApiError::Unauthenticated(String::new()),
            ApiError::Forbidden(String::new()),
            ApiError::NotFound(String::new()),
            ApiError::MethodNotAllowed,
            ApiError::Conflict(String::new()),
            ApiError::BodyTimeout,
            ApiError::PayloadTooLarge,
            ApiError::HeadersTooLarge,
            ApiError::UnsupportedMediaType(String::new()),
            ApiError::RateLimited {
                limit: 1,
                retry_after_secs: 1,
            },
            ApiError::Unavailable {
                service: "x",
                cause: String::new(),
            },
            ApiError::Timeout,
            ApiError::Internal(String::new()),
        ];
        // No wildcard: a new variant does not compile until it is listed above.
        for e in &all {
            match e {
                ApiError::BadRequest(_)
                | ApiError::Validation { .. }
                | ApiError::Unauthenticated(_)
                | ApiError::Forbidden(_)
                | ApiError::NotFound(_)
                | ApiError::MethodNotAllowed
                | ApiError::Conflict(_)
                | ApiError::Taken { .. }
                | ApiError::BodyTimeout
                | ApiError::PayloadTooLarge
                | ApiError::HeadersTooLarge
                | ApiError::UnsupportedMediaType(_)
                | ApiError::RateLimited { .. }
                | ApiError::Unavailable { .. }
                | ApiError::Timeout
                | ApiError::Internal(_)
                | ApiError::Refused { .. } => {}
            }
        }
        let mut codes: Vec<&str> = all.iter().map(ApiError::code).collect();
        // `Taken` is a `conflict` too (listed once in the closed set).
        assert_eq!(ApiError::taken("slug", "x").code(), "conflict");
        codes.push("error");
        // Then every area's own code, with the status it is sent with.
        for (code, status) in DOMAIN_CODES {
            let e = ApiError::refused(code, "x");
            assert_eq!(e.code(), *code);
            assert_eq!(e.status().as_u16(), *status, "{code}");
            codes.push(code);
        }
        assert_eq!(codes, PROBLEM_CODES);
        // A code outside the set is a bug, answered as a 500.
        assert_eq!(ApiError::refused("nope", "x").status(), 500);
        let p = ApiError::Refused {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "program_invalid",
            detail: "x".into(),
            errors: Vec::new(),
            at: Some((3, 7)),
        }
        .to_problem();
        assert_eq!((p.line, p.column), (Some(3), Some(7)));
    }
}
