//! Login, token refresh with rotation and reuse detection, logout, the
//! caller's identity and their sessions.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use chrono::{DateTime, Utc};
use qhub_lib::time::from_epoch as ts;
use qhub_lib::ApiError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::audit::Event;
use crate::identity::account::{limit_account, AccountBucket};
use crate::identity::cookie::{self, RefreshDelivery};
use crate::identity::extract::{ClientInfo, Credential, Session, TenantCtx};
use crate::identity::issue::{issue_tokens, TokenPair};
use crate::identity::sessions::Rotation;
use crate::identity::tenants::tenant_id_by_slug;
use crate::identity::tokens::parse_refresh;
use crate::platform::extract::{Json, Path};
use crate::platform::ratelimit::{settle_refresh, RefreshCharge};
use crate::platform::state::AppState;
use crate::platform::tenancy;
use crate::platform::validate::{self, Checks};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(refresh))
        .routes(routes!(logout))
        .routes(routes!(list_sessions))
        .routes(routes!(revoke_other_sessions))
        .routes(routes!(revoke_session))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// The organization's slug.
    #[schema(value_type = crate::platform::validate::schema::Slug)]
    pub tenant: String,
    #[schema(value_type = crate::platform::validate::schema::EmailAddress)]
    pub email: String,
    #[schema(value_type = crate::platform::validate::schema::Secret)]
    pub password: String,
    /// Where the refresh token goes: the response body (default) or only
    /// the HttpOnly `qhub_refresh` cookie (browsers).
    #[serde(default)]
    pub refresh_delivery: RefreshDelivery,
}

fn bad_credentials() -> ApiError {
    ApiError::Unauthenticated("invalid organization, email or password".into())
}

/// Log in with tenant slug, email and password.
///
/// Wrong tenant, unknown email, wrong password and deactivated user all get
/// the same 401 body, after the same password-hashing work.
#[utoipa::path(
    post, path = "/v1/auth/login", tag = "auth", operation_id = "login",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in", body = TokenPair,
            headers(("Set-Cookie" = String, description = "With `refresh_delivery: \"cookie\"`: `qhub_refresh`, the refresh token (HttpOnly, SameSite=Strict, Path=/v1/auth)"))),
        (status = 401, description = "Wrong organization, email or password (one answer for all)", body = qhub_lib::Problem, content_type = "application/problem+json"),
    ),
    security(())
)]
async fn login(
    State(state): State<AppState>,
    client: ClientInfo,
    Json(req): Json<LoginRequest>,
) -> Result<Response, ApiError> {
    let email = validate::normalize_email(&req.email);
    limit_account(&state, AccountBucket::Login, req.tenant.as_str(), &email).await?;
    Checks::default()
        .check("tenant", validate::slug(&req.tenant))
        .check("email", validate::email(&email))
        .check("password", validate::secret(&req.password))
        .finish()?;

    let tenant_id = tenant_id_by_slug(&state.db, &state.cache, req.tenant.as_str()).await?;
    let user = match tenant_id {
        Some(tid) => {
            let mut tx = tenancy::as_tenant(&state.db, tid, None).await?;
            sqlx::query!(
                "SELECT id, password_hash, is_active FROM users WHERE email = $1",
                email
            )
            .fetch_optional(&mut *tx)
            .await?
        }
        None => None,
    };
    let verified = state
        .passwords
        .verify(
            &req.password,
            user.as_ref().map(|u| u.password_hash.as_str()),
        )
        .await?;
    let (Some(tid), Some(user), true) = (tenant_id, user, verified) else {
        return Err(bad_credentials());
    };
    if !user.is_active {
        return Err(bad_credentials());
    }
    let user_id = user.id;

    let mut tx = tenancy::as_tenant(&state.db, tid, Some(user_id)).await?;
    // Re-checks is_active and locks the row until the session exists, so a
    // concurrent deactivation waits and then revokes this session too.
    let still_active = sqlx::query_scalar!(
        "UPDATE users SET last_login_at = now() WHERE id = $1 AND is_active RETURNING id",
        user_id
    )
    .fetch_optional(&mut *tx)
    .await?;
    if still_active.is_none() {
        return Err(bad_credentials());
    }
    let tokens = issue_tokens(&state, tid, user_id, &client).await?;
    tx.commit().await?;
    Ok(cookie::issued(
        &state.config,
        StatusCode::OK,
        req.refresh_delivery,
        tokens,
        |t| t,
    ))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    /// The refresh token. Omit it (send `{}`) to use the `qhub_refresh`
    /// cookie instead, as the web console does.
    #[serde(default)]
    #[schema(value_type = Option<crate::platform::validate::schema::RefreshToken>)]
    pub refresh_token: Option<String>,
}

/// Exchange a refresh token for a new token pair.
///
/// The token comes from the body or, when the body has none, from the
/// `qhub_refresh` cookie. The presented token stops working (rotation).
/// Presenting a token that was already rotated revokes the whole session
/// (reuse detection), except for a retry: the token just rotated, presented
/// again within a few seconds and before its successor was used, gets that
/// same successor back. The new refresh token goes back the way the old one
/// came: in the body, or only in the cookie (a refused cookie is cleared).
#[utoipa::path(
    post, path = "/v1/auth/refresh", tag = "auth", operation_id = "refreshTokens",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "A new token pair (from a cookie: the refresh token only in the cookie)", body = TokenPair,
            headers(("Set-Cookie" = String, description = "When the cookie was presented: `qhub_refresh`, the new refresh token (HttpOnly, SameSite=Strict, Path=/v1/auth)"))),
        (status = 401, description = "Missing, unknown, expired or reused refresh token (reuse revokes the session)", body = qhub_lib::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Sent by a browser page whose origin is not in `CORS_ORIGINS`", body = qhub_lib::Problem, content_type = "application/problem+json"),
    ),
    security(())
)]
async fn refresh(
    State(state): State<AppState>,
    headers: HeaderMap,
    charge: Option<Extension<RefreshCharge>>,
    Json(req): Json<RefreshRequest>,
) -> Response {
    if let Err(e) = cookie::refuse_foreign_origin(&headers, &state.config) {
        return e.into_response();
    }
    let from_cookie = match req.refresh_token {
        Some(_) => None,
        None => cookie::read_refresh(&headers),
    };
    let delivery = if from_cookie.is_some() {
        RefreshDelivery::Cookie
    } else {
        RefreshDelivery::Body
    };
    let presented = req.refresh_token.or(from_cookie);
    match rotate(&state, presented.as_deref()).await {
        Ok((user, tokens)) => {
            // Only a refresh that used the cookie is settled: a body token
            // sent along with some cookie stays on the IP's budget.
            if let (Some(Extension(charge)), RefreshDelivery::Cookie) = (charge, delivery) {
                settle_refresh(&state, &charge, user).await;
            }
            cookie::issued(&state.config, StatusCode::OK, delivery, tokens, |t| t)
        }
        // A cookie that no longer works is dropped, so the browser stops
        // presenting it; a failed body token leaves the cookie alone.
        Err(e @ ApiError::Unauthenticated(_)) if delivery == RefreshDelivery::Cookie => {
            cookie::cleared(&state.config, e.into_response())
        }
        Err(e) => e.into_response(),
    }
}

/// Rotates `presented`: the session's user and the new pair.
async fn rotate(state: &AppState, presented: Option<&str>) -> Result<(Uuid, TokenPair), ApiError> {
    let invalid = || ApiError::Unauthenticated("invalid refresh token".into());
    let (sid, secret) = presented
        .and_then(|t| parse_refresh(t.trim()))
        .ok_or_else(invalid)?;
    let (tenant, user, refresh_token) = match state.sessions.rotate(sid, secret).await? {
        Rotation::Rotated {
            tenant,
            user,
            refresh_token,
        } => (tenant, user, refresh_token),
        Rotation::ReuseDetected => {
            tracing::warn!(session_id = %sid, "refresh token reuse: session revoked");
            return Err(ApiError::Unauthenticated(
                "refresh token was already used; the session has been revoked".into(),
            ));
        }
        Rotation::Invalid => return Err(invalid()),
    };

    // A user deactivated since login gets no new tokens.
    let mut tx = tenancy::as_tenant(&state.db, tenant, Some(user)).await?;
    let active = sqlx::query_scalar!("SELECT is_active FROM users WHERE id = $1", user)
        .fetch_optional(&mut *tx)
        .await?;
    if active != Some(true) {
        state.sessions.revoke(sid, user).await?;
        return Err(invalid());
    }
    Ok((
        user,
        TokenPair::new(state, tenant, user, sid, refresh_token)?,
    ))
}

/// End the current session. Its access and refresh tokens stop working at once.
///
/// The session is the one the access token names or, without a valid
/// access token (it may have expired while the tab slept), the one the
/// `qhub_refresh` cookie names. The cookie is always cleared.
#[utoipa::path(
    post, path = "/v1/auth/logout", tag = "auth", operation_id = "logout",
    responses((status = 204, description = "Logged out; the `qhub_refresh` cookie is cleared",
        headers(("Set-Cookie" = String, description = "Clears `qhub_refresh`")))),
    security(("bearerAuth" = []), ("refreshCookie" = []))
)]
async fn logout(
    State(state): State<AppState>,
    session: Result<Session, ApiError>,
    headers: HeaderMap,
) -> Response {
    if let Err(e) = cookie::refuse_foreign_origin(&headers, &state.config) {
        return e.into_response();
    }
    // The cookie's session ends too (it may differ from the bearer's when
    // another tab logged in): the browser is about to forget its token.
    let cookie = cookie::read_refresh(&headers);
    let by_cookie = match cookie.as_deref().and_then(|t| parse_refresh(t.trim())) {
        Some((sid, secret)) => state.sessions.end_by_refresh(sid, secret).await.map(drop),
        None => Ok(()),
    };
    // The bearer's session ends whatever happened to the cookie's: the
    // client forgets both either way.
    let by_bearer = match session {
        Ok(s) => state.sessions.revoke(s.session_id, s.user_id).await,
        // Without a valid access token the cookie is the proof of
        // possession; one naming a session that already ended leaves
        // nothing to do.
        Err(_) if cookie.is_some() => Ok(()),
        Err(e) => Err(e),
    };
    let ended = by_cookie.and(by_bearer);
    let res = match ended {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => e.into_response(),
    };
    cookie::cleared(&state.config, res)
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SessionView {
    pub id: Uuid,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// The user agent made readable, e.g. `Chrome 131 on Windows 10`,
    /// `curl 8.5.0`; null without a user agent.
    #[schema(example = "Firefox 133.0 on Linux")]
    pub device: Option<String>,
    /// True for the session making this request.
    pub current: bool,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SessionList {
    pub items: Vec<SessionView>,
}

/// The caller's own live sessions.
#[utoipa::path(
    get, path = "/v1/auth/sessions", tag = "auth", operation_id = "listSessions",
    responses((status = 200, description = "The caller's sessions, oldest first", body = SessionList)),
    security(("bearerAuth" = []))
)]
async fn list_sessions(
    State(state): State<AppState>,
    session: Session,
) -> Result<axum::Json<SessionList>, ApiError> {
    let items = state
        .sessions
        .list(session.user_id)
        .await?
        .into_iter()
        .map(|s| SessionView {
            current: s.id == session.session_id,
            id: s.id,
            created_at: ts(s.created_at),
            last_seen_at: ts(s.last_seen_at),
            ip: s.ip,
            device: s.user_agent.as_deref().and_then(device),
            user_agent: s.user_agent,
        })
        .collect();
    Ok(axum::Json(SessionList { items }))
}

/// "Firefox 133.0 on Linux" from a user agent string (woothee's tables);
/// the raw string, cut to 60 characters, when nothing is recognised.
pub fn device(user_agent: &str) -> Option<String> {
    let ua = user_agent.trim();
    if ua.is_empty() {
        return None;
    }
    let known = |s: &str| !s.is_empty() && s != "UNKNOWN";
    let parsed = woothee::parser::Parser::new().parse(ua);
    let described = parsed.and_then(|r| {
        if !known(r.name) {
            return None;
        }
        let browser = if known(r.version) {
            format!("{} {}", r.name, r.version)
        } else {
            r.name.to_owned()
        };
        Some(if known(r.os) {
            format!("{browser} on {}", r.os)
        } else {
            browser
        })
    });
    Some(described.unwrap_or_else(|| {
        let cut: String = ua.chars().take(60).collect();
        if cut.len() < ua.len() {
            format!("{cut}…")
        } else {
            cut
        }
    }))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RevokedSessions {
    /// How many sessions ended.
    pub revoked: u64,
}

/// Log out everywhere else: revoke every session of the caller except the
/// one making this request.
#[utoipa::path(
    post, path = "/v1/auth/sessions/revoke-others", tag = "auth", operation_id = "revokeOtherSessions",
    responses((status = 200, description = "The other sessions are revoked", body = RevokedSessions)),
    security(("bearerAuth" = []))
)]
async fn revoke_other_sessions(
    State(state): State<AppState>,
    session: Session,
    client: ClientInfo,
) -> Result<axum::Json<RevokedSessions>, ApiError> {
    let mut ctx = TenantCtx::open(&state, &Credential::Session(session), client).await?;
    // Revoked before the commit, as for one session: the event never
    // claims more than happened.
    let revoked = state
        .sessions
        .revoke_all_except(session.user_id, Some(session.session_id))
        .await?;
    ctx.audit(
        Event::new("session.revoked_others", "user", session.user_id)
            .diff(serde_json::json!({ "revoked": revoked })),
    )
    .await?;
    ctx.commit().await?;
    Ok(axum::Json(RevokedSessions {
        revoked: u64::try_from(revoked).unwrap_or(u64::MAX),
    }))
}

/// Revoke one of the caller's own sessions.
#[utoipa::path(
    delete, path = "/v1/auth/sessions/{id}", tag = "auth", operation_id = "revokeSession",
    params(("id" = Uuid, Path, description = "Session id")),
    responses((status = 204, description = "Session revoked")),
    security(("bearerAuth" = []))
)]
async fn revoke_session(
    State(state): State<AppState>,
    session: Session,
    client: ClientInfo,
    Path(id): Path<Uuid>,
) -> Result<StatusCode, ApiError> {
    // Someone else's session is indistinguishable from a missing one.
    if state.sessions.owner(id).await? != Some(session.user_id) {
        return Err(ApiError::NotFound("no such session".into()));
    }
    let mut ctx = TenantCtx::open(&state, &Credential::Session(session), client).await?;
    ctx.audit(Event::new("session.revoked", "session", id))
        .await?;
    // Revoked before the commit: if Redis fails, no event claims otherwise.
    state.sessions.revoke(id, session.user_id).await?;
    ctx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod device_tests {
    use super::*;

    #[test]
    fn readable_devices() {
        let chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
        assert_eq!(device(chrome).as_deref(), Some("Chrome 131.0.0.0 on Linux"));
        let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
        let d = device(iphone);
        assert!(
            d.as_deref()
                .is_some_and(|d| d.starts_with("Safari") && d.ends_with("iPhone")),
            "{d:?}"
        );
        assert_eq!(device(""), None);
        let odd = "x".repeat(100);
        assert_eq!(device(&odd).map(|d| d.chars().count()), Some(61));
    }
}
