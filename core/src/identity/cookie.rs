//! The refresh token as an HttpOnly cookie, for the browser console.
//!
//! A client chooses where its refresh token goes: API clients get it in the
//! JSON body (the default); the console asks for `refresh_delivery:
//! "cookie"` and gets it only in `qhub_refresh`, which scripts cannot read,
//! so an injected script can never carry a long-lived token away. The SPA
//! keeps only the access token, in memory, and restores a session after a
//! reload by calling `/v1/auth/refresh` with an empty body: the browser sends
//! the cookie, and the rotated token goes back into the cookie only.
//! `SameSite=Strict` and the JSON-only body (a cross-site form cannot send
//! `application/json` without a CORS preflight we refuse) keep other sites
//! from triggering a refresh; `Path=/v1/auth` keeps the cookie off every
//! other request.

use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::identity::issue::TokenPair;
use crate::platform::config::Config;
use qhub_lib::ApiError;

/// Where a token-issuing response puts the refresh token.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RefreshDelivery {
    /// In the JSON body as `refresh_token`; no cookie is set.
    #[default]
    Body,
    /// Only in the `qhub_refresh` cookie (HttpOnly); the body has none.
    Cookie,
}

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

/// A response that hands out a session: `body(tokens)` as JSON, with the
/// refresh token where `delivery` says (taken out of the body for a cookie).
pub fn issued<T: Serialize>(
    config: &Config,
    status: StatusCode,
    delivery: RefreshDelivery,
    mut tokens: TokenPair,
    body: impl FnOnce(TokenPair) -> T,
) -> Response {
    let set_cookie = match delivery {
        RefreshDelivery::Body => None,
        RefreshDelivery::Cookie => tokens
            .refresh_token
            .take()
            .and_then(|t| set_refresh(config, &t)),
    };
    let mut res = (status, axum::Json(body(tokens))).into_response();
    if let Some((name, value)) = set_cookie {
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

/// Refuses a browser page of another origin than the console's: a sibling
/// subdomain or port shares the site, so `SameSite=Strict` still sends it
/// the cookie, and a plain form to refresh or logout needs no preflight.
/// Browsers send `Origin` on every POST; a refusal touches no cookie (a
/// clearing `Set-Cookie` would log the user out just the same). Clients
/// without `Origin` are not browsers, and not open to cross-site requests.
pub fn refuse_foreign_origin(headers: &HeaderMap, config: &Config) -> Result<(), ApiError> {
    let Some(origin) = headers.get(axum::http::header::ORIGIN) else {
        return Ok(());
    };
    let allowed = origin
        .to_str()
        .is_ok_and(|o| config.cors_origins.iter().any(|a| a == o));
    if allowed {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "this origin may not use the session cookie".into(),
        ))
    }
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
