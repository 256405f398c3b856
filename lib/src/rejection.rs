//! Maps axum's extractor rejections to `ApiError`, so that no rejection
//! ever reaches a client as axum's default text/plain body.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::StatusCode;

use crate::error::{ApiError, FieldError};

/// Turns serde's "field: message at line 1 column 5" into a field error;
/// an error without a field path is charged to `whole` (`body`, `query`).
fn field_error(text: &str, whole: &str) -> FieldError {
    let text = text.split(" at line ").next().unwrap_or(text);
    match text.split_once(": ") {
        Some((path, msg)) if !path.contains(' ') => FieldError::new(path, msg),
        _ => FieldError::new(whole, text),
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rej: JsonRejection) -> Self {
        match &rej {
            JsonRejection::JsonDataError(e) => {
                let inner = std::error::Error::source(e)
                    .map(ToString::to_string)
                    .unwrap_or_else(|| e.body_text());
                ApiError::validation(vec![field_error(&inner, "body")])
            }
            JsonRejection::JsonSyntaxError(e) => {
                let inner = std::error::Error::source(e)
                    .map(ToString::to_string)
                    .unwrap_or_else(|| e.body_text());
                ApiError::BadRequest(format!("malformed JSON: {inner}"))
            }
            JsonRejection::MissingJsonContentType(_) => ApiError::UnsupportedMediaType(
                "expected a body with Content-Type: application/json".into(),
            ),
            other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge,
            other => ApiError::BadRequest(other.body_text()),
        }
    }
}

impl From<PathRejection> for ApiError {
    fn from(rej: PathRejection) -> Self {
        ApiError::BadRequest(format!("invalid path parameter: {}", rej.body_text()))
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rej: QueryRejection) -> Self {
        let text = rej.body_text();
        let text = text
            .strip_prefix("Failed to deserialize query string: ")
            .unwrap_or(&text);
        ApiError::validation(vec![field_error(text, "query")])
    }
}

#[cfg(test)]
mod tests {
    use super::field_error;

    #[test]
    fn errors_without_a_field_name_where_they_came_from() {
        assert_eq!(
            field_error("name: too long at line 1 column 5", "body").field,
            "name"
        );
        assert_eq!(
            field_error("duplicate field `kind`", "query").field,
            "query"
        );
        assert_eq!(field_error("expected value", "body").field, "body");
    }
}
