//! Request extractors whose rejections are problem+json (`ApiError`) instead
//! of axum's default text/plain bodies.

use axum::extract::{FromRequest, FromRequestParts};
use qhub_lib::ApiError;

/// JSON body. Malformed JSON → 400, wrong types/unknown fields → 422,
/// wrong content type → 415, too large → 413.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct Json<T>(pub T);

#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct Path<T>(pub T);

#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct Query<T>(pub T);
