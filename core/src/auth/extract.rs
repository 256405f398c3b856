//! Extractors that authenticate a request and open its tenant transaction.
//!
//! `Session` proves who is calling (JWT + live session in Redis).
//! `TenantCtx` adds a Postgres transaction whose `app.tenant_id` and
//! `app.user_id` are already set from that principal, and the caller's
//! current role read inside it. The tenant therefore always comes from the
//! authenticated principal, never from anything the client sends.

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header::{AUTHORIZATION, USER_AGENT};
use axum::http::request::Parts;
use qhub_lib::{ApiError, Role};
use sqlx::{Postgres, Transaction};
use std::net::SocketAddr;
use uuid::Uuid;

use crate::db::begin_tenant_tx;
use crate::state::AppState;

/// An authenticated user session.
#[derive(Debug, Clone, Copy)]
pub struct Session {
    pub tenant_id: Uuid,
    pub user_id: Uuid,
    pub session_id: Uuid,
}

fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

impl FromRequestParts<AppState> for Session {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if let Some(s) = parts.extensions.get::<Session>() {
            return Ok(*s);
        }
        let token = bearer(parts)
            .ok_or_else(|| ApiError::Unauthenticated("missing bearer token".into()))?;
        let claims = state
            .tokens
            .verify_access(token)
            .ok_or_else(|| ApiError::Unauthenticated("invalid or expired access token".into()))?;
        match state.sessions.touch(claims.sid).await? {
            Some((tid, uid)) if tid == claims.tid && uid == claims.sub => {}
            _ => return Err(ApiError::Unauthenticated("session has ended".into())),
        }
        let session = Session {
            tenant_id: claims.tid,
            user_id: claims.sub,
            session_id: claims.sid,
        };
        parts.extensions.insert(session);
        Ok(session)
    }
}

/// The authenticated principal with its current role.
#[derive(Debug, Clone, Copy)]
pub struct Principal {
    pub tenant_id: Uuid,
    pub user_id: Uuid,
    pub session_id: Uuid,
    pub role: Role,
}

impl Principal {
    pub fn require(&self, allowed: impl Fn(Role) -> bool) -> Result<(), ApiError> {
        if allowed(self.role) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "the {} role may not do this",
                self.role
            )))
        }
    }
}

/// A tenant-scoped transaction plus the principal it belongs to. Dropping it
/// without `commit` rolls back.
pub struct TenantCtx {
    pub tx: Transaction<'static, Postgres>,
    pub principal: Principal,
}

impl TenantCtx {
    pub async fn commit(self) -> Result<(), ApiError> {
        self.tx.commit().await.map_err(ApiError::from)
    }
}

impl TenantCtx {
    /// Opens the tenant transaction for an authenticated session. Handlers
    /// that must do slow work first (password hashing) take `Session` and
    /// call this afterwards, so they hold no pooled connection meanwhile.
    pub async fn open(state: &AppState, session: Session) -> Result<TenantCtx, ApiError> {
        let mut tx = begin_tenant_tx(&state.db, session.tenant_id, Some(session.user_id)).await?;
        // The role is read fresh in the same transaction, so a role change or
        // deactivation takes effect on the very next request.
        let row = sqlx::query!(
            r#"SELECT role AS "role: Role", is_active FROM users WHERE id = $1"#,
            session.user_id
        )
        .fetch_optional(&mut *tx)
        .await?;
        let role = match row {
            Some(r) if r.is_active => r.role,
            _ => return Err(ApiError::Unauthenticated("user is not active".into())),
        };
        Ok(TenantCtx {
            tx,
            principal: Principal {
                tenant_id: session.tenant_id,
                user_id: session.user_id,
                session_id: session.session_id,
                role,
            },
        })
    }
}

impl FromRequestParts<AppState> for TenantCtx {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let session = Session::from_request_parts(parts, state).await?;
        TenantCtx::open(state, session).await
    }
}

/// Where a request came from, for sessions and (later) the audit log.
#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

impl<S: Send + Sync> FromRequestParts<S> for ClientInfo {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip().to_string());
        let user_agent = parts
            .headers
            .get(USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        Ok(ClientInfo { ip, user_agent })
    }
}
