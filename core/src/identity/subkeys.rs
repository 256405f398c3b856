//! Subscription keys: `qh_sub_` + 32 random bytes (base64url), made by a
//! consumer for one marketplace subscription. Only the SHA-256 is stored.
//!
//! Unlike API keys they are never cached: every request a key authenticates
//! is a use, and `app.use_subscription_key` checks and decrements the
//! remaining count in one statement, so concurrent requests never spend
//! more uses than the key has.

use std::collections::BTreeMap;

use qhub_lib::usage::{PrincipalKind, UsageEvent, UsageKind};
use qhub_lib::ApiError;
use uuid::Uuid;

use super::apikeys;
use crate::platform::ratelimit::{Decision, Limit};
use crate::platform::state::AppState;

pub const KEY_PREFIX: &str = "qh_sub_";

pub fn looks_like_key(token: &str) -> bool {
    token.starts_with(KEY_PREFIX)
}

pub fn generate() -> apikeys::NewKey {
    apikeys::generate_with(KEY_PREFIX)
}

/// What a subscription key stands for, once verified and its use spent.
#[derive(Debug, Clone, Copy)]
pub struct SubKeyPrincipal {
    pub key_id: Uuid,
    pub tenant_id: Uuid,
    pub subscription_id: Uuid,
    pub app_id: Uuid,
    /// The consumer's user who made the key; requests act for them.
    pub created_by: Uuid,
    /// This request against the key's own per-minute limit.
    pub rate: Decision,
}

fn invalid() -> ApiError {
    ApiError::Unauthenticated("invalid subscription key".into())
}

/// Verifies `key` and spends one of its uses. Unknown keys count against
/// the client IP's bad-key budget (refused before any lookup once spent);
/// a known key's own `rate_limit_per_minute` applies after verification,
/// and a use refused by it is given back.
pub async fn authenticate(
    state: &AppState,
    key: &str,
    ip: &str,
) -> Result<SubKeyPrincipal, ApiError> {
    let limit = state.config.rate_limit_auth_ip;
    state
        .limiter
        .refuse_if_spent("bad-key-ip", ip, limit)
        .await?;
    let digest = apikeys::hash(key);
    let row = sqlx::query!(
        r#"SELECT outcome AS "outcome!", key_id AS "key_id!", tenant_id AS "tenant_id!",
                  subscription_id AS "subscription_id!", app_id AS "app_id!",
                  created_by AS "created_by!", rate_limit_per_minute AS "rate_limit_per_minute!"
           FROM app.use_subscription_key($1)"#,
        &digest[..]
    )
    .fetch_optional(&state.db)
    .await?;
    let Some(row) = row else {
        state.limiter.hit("bad-key-ip", ip, limit).await?;
        return Err(invalid());
    };
    match row.outcome.as_str() {
        "ok" => {}
        "exhausted" => {
            return Err(ApiError::refused(
                "subscription_key_exhausted",
                "this subscription key has no uses left",
            ))
        }
        "expired" => {
            return Err(ApiError::refused(
                "subscription_key_expired",
                "this subscription key has expired",
            ))
        }
        _ => {
            return Err(ApiError::refused(
                "subscription_key_revoked",
                "this subscription key was revoked, or its subscription has ended",
            ))
        }
    }
    let per_minute = u64::try_from(row.rate_limit_per_minute).unwrap_or(1);
    let decision = state
        .limiter
        .hit(
            "subkey",
            &row.key_id.to_string(),
            Limit::per(per_minute, 60),
        )
        .await?;
    if !decision.allowed {
        sqlx::query!("SELECT app.refund_subscription_key($1)", row.key_id)
            .execute(&state.db)
            .await?;
        return Err(ApiError::RateLimited {
            limit: decision.limit,
            retry_after_secs: decision.reset_secs,
        });
    }
    state.usage.record(UsageEvent {
        event_id: Uuid::now_v7(),
        tenant_id: row.tenant_id,
        principal_kind: PrincipalKind::SubscriptionKey,
        principal_id: row.key_id,
        at: chrono::Utc::now(),
        kind: UsageKind::Metered {
            kind: "subscription_key.use".to_owned(),
            quantities: BTreeMap::from([("uses".to_owned(), 1.0)]),
            dimensions: BTreeMap::from([
                (
                    "subscription_id".to_owned(),
                    row.subscription_id.to_string(),
                ),
                ("app_id".to_owned(), row.app_id.to_string()),
            ]),
        },
    });
    Ok(SubKeyPrincipal {
        key_id: row.key_id,
        tenant_id: row.tenant_id,
        subscription_id: row.subscription_id,
        app_id: row.app_id,
        created_by: row.created_by,
        rate: decision,
    })
}
