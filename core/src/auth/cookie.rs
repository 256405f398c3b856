//! The refresh token as an HttpOnly cookie, for the browser console.
//!
//! Token-issuing responses carry the refresh token in the body (for API
//! clients) and also in `qhub_refresh`, which scripts cannot read. The SPA
//! keeps only the access token, in memory, and restores a session after a
//! reload by calling `/v1/auth/refresh` with an empty body: the browser sends
//! the cookie. `SameSite=Strict` and the JSON-only body (a cross-site form
//! cannot send `application/json` without a CORS preflight we refuse) keep
//! other sites from triggering a refresh; `Path=/v1/auth` keeps the cookie
//! off every other request.

use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::config::Config;

pub const REFRESH_COOKIE: &str = "qhub_refresh";
const PATH: &str = "/v1/auth";

/// `Set-Cookie` carrying `token`, living as long as a refresh token does.
pub fn set_refresh(config: &Config, token: &str) -> Option<(axum::http::HeaderName, HeaderValue)> {
    cookie(config, token, config.refresh_token_ttl.as_secs())
}

/// `Set-Cookie` that makes the browser forget the refresh cookie.
pub fn clear_refresh(config: &Config) -> Option<(axum::http::HeaderName, HeaderValue)> {
    cookie(config, "", 0)
}

fn cookie(
    config: &Config,
    value: &str,
    max_age: u64,
) -> Option<(axum::http::HeaderName, HeaderValue)> {
    let secure = if config.cookie_secure { "; Secure" } else { "" };
    let header = format!(
        "{REFRESH_COOKIE}={value}; Path={PATH}; Max-Age={max_age}; HttpOnly; SameSite=Strict{secure}"
    );
    // Refresh tokens are `<uuid>.<base64url>`: always a valid header value.
    HeaderValue::from_str(&header).ok().map(|v| (SET_COOKIE, v))
}

/// A response that hands out a session: `body` as JSON, plus the cookie
/// carrying `refresh_token`.
pub fn issued<T: Serialize>(
    config: &Config,
    status: StatusCode,
    refresh_token: &str,
    body: T,
) -> Response {
    let mut res = (status, axum::Json(body)).into_response();
    if let Some((name, value)) = set_refresh(config, refresh_token) {
        res.headers_mut().append(name, value);
    }
    res
}

/// `res` with the refresh cookie cleared (logout, a dead refresh token).
pub fn cleared(config: &Config, mut res: Response) -> Response {
    if let Some((name, value)) = clear_refresh(config) {
        res.headers_mut().append(name, value);
    }
    res
}

/// The refresh token from the request's cookies, if any.
pub fn read_refresh(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, value)| *name == REFRESH_COOKIE && !value.is_empty())
        .map(|(_, value)| value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_refresh_cookie_among_others() {
        let mut h = HeaderMap::new();
        h.append(
            COOKIE,
            HeaderValue::from_static("a=1; qhub_refresh=abc.def"),
        );
        assert_eq!(read_refresh(&h).as_deref(), Some("abc.def"));
        let mut h = HeaderMap::new();
        h.append(COOKIE, HeaderValue::from_static("qhub_refresh=; b=2"));
        assert_eq!(read_refresh(&h), None);
        let mut h = HeaderMap::new();
        h.append(COOKIE, HeaderValue::from_static("x_qhub_refresh=abc"));
        assert_eq!(read_refresh(&h), None);
    }
}
