//! API keys: `qh_live_` + 32 random bytes (base64url). Only the SHA-256 of
//! the whole key is stored; `prefix` (the first characters) names it in
//! listings.
//!
//! Authenticating a key: Redis cache first (`Cache`), then the narrow
//! `app.api_key_by_hash` function, since no tenant is known yet. Revocation
//! overwrites the cache entry with a tombstone after commit, so a revoked
//! key fails on its very next request on every replica.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use qhub_lib::{ApiError, Scope};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::platform::cache::{api_key_key, Cache};

pub const KEY_PREFIX: &str = "qh_live_";
/// Characters of the secret kept in the visible prefix.
const PREFIX_SECRET_CHARS: usize = 6;
const REVOKED: &str = "revoked";
/// Cached for keys that do not exist, so repeated bad keys cost no query.
const UNKNOWN: &str = "unknown";

pub struct NewKey {
    /// The full key, returned to the creator once.
    pub key: String,
    pub prefix: String,
    pub hash: [u8; 32],
}

pub fn generate() -> NewKey {
    generate_with(KEY_PREFIX)
}

/// A new secret behind `kind` (`qh_live_`, `qh_sub_`), with its visible
/// prefix and digest.
pub fn generate_with(kind: &str) -> NewKey {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let secret = URL_SAFE_NO_PAD.encode(bytes);
    let key = format!("{kind}{secret}");
    NewKey {
        prefix: format!("{kind}{}", &secret[..PREFIX_SECRET_CHARS]),
        hash: hash(&key),
        key,
    }
}

pub fn hash(key: &str) -> [u8; 32] {
    Sha256::digest(key.as_bytes()).into()
}

/// A presented key's digest, computed once per request by the rate-limit
/// middleware and reused by the credential extractor.
#[derive(Debug, Clone, Copy)]
pub struct KeyDigest(pub [u8; 32]);

pub fn looks_like_key(token: &str) -> bool {
    token.starts_with(KEY_PREFIX)
}

/// What a valid key stands for.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KeyPrincipal {
    pub key_id: Uuid,
    pub tenant_id: Uuid,
    pub created_by: Uuid,
    pub scopes: Vec<Scope>,
    pub expires_at: Option<DateTime<Utc>>,
}

impl KeyPrincipal {
    pub fn is_expired(&self) -> bool {
        self.expires_at.is_some_and(|e| e <= Utc::now())
    }
}

fn invalid() -> ApiError {
    ApiError::Unauthenticated("invalid or revoked API key".into())
}

/// Resolves a key (by its digest) to its principal, or 401. Cache hits,
/// valid or not, cost no query; on a miss, `before_lookup` runs first (the
/// per-IP budget for bad keys), so made-up keys cannot flood Postgres.
pub async fn authenticate(
    db: &sqlx::PgPool,
    cache: &Cache,
    digest: &[u8; 32],
    before_lookup: impl std::future::Future<Output = Result<(), ApiError>>,
) -> Result<KeyPrincipal, ApiError> {
    let cache_key = api_key_key(&hex::encode(digest));
    let principal = match cache.get(&cache_key).await? {
        Some(v) if v == REVOKED || v == UNKNOWN => return Err(invalid()),
        Some(v) => serde_json::from_str::<KeyPrincipal>(&v).map_err(ApiError::internal)?,
        None => {
            before_lookup.await?;
            let row = sqlx::query!(
                r#"SELECT id AS "id!", tenant_id AS "tenant_id!", created_by AS "created_by!",
                          scopes AS "scopes!", expires_at, revoked_at
                   FROM app.api_key_by_hash($1)"#,
                &digest[..]
            )
            .fetch_optional(db)
            .await?;
            let Some(row) = row else {
                cache.fill(&cache_key, UNKNOWN).await?;
                return Err(invalid());
            };
            if row.revoked_at.is_some() {
                cache.fill(&cache_key, REVOKED).await?;
                return Err(invalid());
            }
            let principal = KeyPrincipal {
                key_id: row.id,
                tenant_id: row.tenant_id,
                created_by: row.created_by,
                // Unknown names cannot be stored (validated on creation);
                // dropping one would only ever narrow a key.
                scopes: row.scopes.iter().filter_map(|s| Scope::parse(s)).collect(),
                expires_at: row.expires_at,
            };
            let json = serde_json::to_string(&principal).map_err(ApiError::internal)?;
            cache.fill(&cache_key, &json).await?;
            principal
        }
    };
    if principal.is_expired() {
        return Err(ApiError::Unauthenticated("the API key has expired".into()));
    }
    Ok(principal)
}

/// Before a revocation commits: every replica's next lookup sees the
/// tombstone instead of a cached principal, and no reader can cache the
/// key again (fills are `SET NX`).
pub async fn forget(cache: &Cache, hash: &[u8]) -> Result<(), ApiError> {
    cache.set(&api_key_key(&hex::encode(hash)), REVOKED).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_long_random_and_prefixed() {
        let a = generate();
        let b = generate();
        assert!(a.key.starts_with(KEY_PREFIX) && a.prefix.starts_with(KEY_PREFIX));
        assert!(a.key.starts_with(&a.prefix));
        // 32 bytes of base64url = 43 characters of secret.
        assert_eq!(a.key.len(), KEY_PREFIX.len() + 43);
        assert_ne!(a.key, b.key);
        assert_eq!(a.hash, hash(&a.key));
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum KeyStatus {
    /// Not revoked and not expired: it authenticates.
    Active,
    /// Past its expiry, not revoked.
    Expired,
    Revoked,
}
