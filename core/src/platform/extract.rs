//! Request extractors whose rejections are problem+json (`ApiError`) instead
//! of axum's default text/plain bodies.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::CONTENT_TYPE;
use qhub_lib::{ApiError, FieldError};
use serde::de::DeserializeOwned;

/// JSON body. Malformed JSON → 400, wrong types/unknown fields → 422,
/// a NUL character anywhere in it → 422, wrong content type → 415, too
/// large → 413.
pub struct Json<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        if !is_json(&req) {
            return Err(ApiError::UnsupportedMediaType(
                "expected a body with Content-Type: application/json".into(),
            ));
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| match e.status() {
                axum::http::StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge,
                _ => ApiError::BadRequest(e.body_text()),
            })?;
        // Postgres cannot store NUL in text or jsonb: refused here, for
        // every field of every body, rather than as a 500 from the database.
        if has_escaped_nul(&bytes) {
            return Err(ApiError::validation(vec![FieldError::new(
                "body",
                "must not contain NUL characters (\\u0000)",
            )]));
        }
        let axum::Json(value) = axum::Json::<T>::from_bytes(&bytes)?;
        Ok(Json(value))
    }
}

/// An optional JSON body (`Option<Json<T>>`): no body at all (no content
/// type and nothing sent) is `None`; anything else must be valid JSON.
impl<T: DeserializeOwned, S: Send + Sync> axum::extract::OptionalFromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Option<Self>, ApiError> {
        let empty_length = req
            .headers()
            .get(axum::http::header::CONTENT_LENGTH)
            .is_none_or(|v| v.as_bytes() == b"0");
        if !req.headers().contains_key(CONTENT_TYPE) && empty_length {
            let bytes = Bytes::from_request(req, state)
                .await
                .map_err(|e| ApiError::BadRequest(e.body_text()))?;
            if bytes.is_empty() {
                return Ok(None);
            }
            return Err(ApiError::UnsupportedMediaType(
                "expected a body with Content-Type: application/json".into(),
            ));
        }
        // JSON `null` is no body too (the spec's optional body is nullable).
        <Json<Option<T>> as FromRequest<S>>::from_request(req, state)
            .await
            .map(|Json(body)| body.map(Json))
    }
}

fn is_json(req: &Request) -> bool {
    let Some(ct) = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// True if a JSON text holds the escape `\u0000` (a raw NUL byte is not
/// valid JSON and fails parsing anyway). An escape is a `\` that is not
/// itself escaped: preceded by an even number of backslashes.
fn has_escaped_nul(json: &[u8]) -> bool {
    json.windows(6).enumerate().any(|(i, w)| {
        w == b"\\u0000" && json[..i].iter().rev().take_while(|&&b| b == b'\\').count() % 2 == 0
    })
}

#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct Path<T>(pub T);

#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct Query<T>(pub T);

#[cfg(test)]
mod tests {
    use super::has_escaped_nul;

    #[test]
    fn finds_only_real_nul_escapes() {
        assert!(has_escaped_nul(br#"{"a":"x\u0000"}"#));
        assert!(has_escaped_nul(br#"{"a":"\\\u0000"}"#));
        // An escaped backslash followed by the text "u0000".
        assert!(!has_escaped_nul(br#"{"a":"\\u0000"}"#));
        assert!(!has_escaped_nul(br#"{"a":"u0000"}"#));
    }
}
