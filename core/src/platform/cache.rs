//! A small Redis cache for hot lookups (API key → principal, user → role,
//! tenant slug → id).
//!
//! Readers fill a missing entry with `SET NX`; writers overwrite it (a
//! tombstone for a revoked key, before the commit; a versioned role, see
//! `set_versioned`). The NX matters: a reader that read Postgres just
//! before a writer committed cannot put its stale value back over the
//! writer's. Entries are short-lived anyway (`CACHE_TTL_SECS`).

use std::sync::LazyLock;
use std::time::Duration;

use deadpool_redis::redis::{self, AsyncCommands, Script};
use qhub_lib::ApiError;

use crate::identity::sessions::redis_err;

#[derive(Clone)]
pub struct Cache {
    pool: deadpool_redis::Pool,
    pub ttl: Duration,
}

fn secs(ttl: Duration) -> u64 {
    ttl.as_secs().max(1)
}

impl Cache {
    pub fn new(pool: deadpool_redis::Pool, ttl: Duration) -> Cache {
        Cache { pool, ttl }
    }

    async fn conn(&self) -> Result<deadpool_redis::Connection, ApiError> {
        self.pool.get().await.map_err(redis_err)
    }

    pub async fn get(&self, key: &str) -> Result<Option<String>, ApiError> {
        let mut conn = self.conn().await?;
        conn.get(key).await.map_err(redis_err)
    }

    /// Caches what a reader found, unless a writer got there first.
    pub async fn fill(&self, key: &str, value: &str) -> Result<(), ApiError> {
        let mut conn = self.conn().await?;
        redis::cmd("SET")
            .arg(key)
            .arg(value)
            .arg("NX")
            .arg("EX")
            .arg(secs(self.ttl))
            .query_async::<()>(&mut conn)
            .await
            .map_err(redis_err)
    }

    /// True for the first caller within `secs` (a `SET NX` marker): lets
    /// one request out of many do a periodic chore.
    pub async fn first_in(&self, key: &str, secs: u64) -> Result<bool, ApiError> {
        let mut conn = self.conn().await?;
        let set: Option<String> = redis::cmd("SET")
            .arg(key)
            .arg(1)
            .arg("NX")
            .arg("EX")
            .arg(secs.max(1))
            .query_async(&mut conn)
            .await
            .map_err(redis_err)?;
        Ok(set.is_some())
    }

    /// Replaces the entry.
    pub async fn set(&self, key: &str, value: &str) -> Result<(), ApiError> {
        let mut conn = self.conn().await?;
        conn.set_ex::<_, _, ()>(key, value, secs(self.ttl))
            .await
            .map_err(redis_err)
    }
}

/// Writes `value:version` unless the entry holds a newer version. Equal
/// versions overwrite (the pin before a commit, then the final value).
const SET_VERSIONED: &str = r#"
local cur = redis.call('GET', KEYS[1])
if cur then
  local v = tonumber(string.match(cur, ':(%d+)$'))
  if v and v > tonumber(ARGV[2]) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1] .. ':' .. ARGV[2], 'EX', ARGV[3])
return 1
"#;

static SET_VERSIONED_SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(SET_VERSIONED));

/// Splits a versioned entry into its value and version.
pub fn split_versioned(entry: &str) -> Option<(&str, i64)> {
    let (value, version) = entry.rsplit_once(':')?;
    Some((value, version.parse().ok()?))
}

impl Cache {
    /// Caches `value` at `version` for facts that writers change (a user's
    /// role): a slow writer can never put an older version back.
    pub async fn set_versioned(
        &self,
        key: &str,
        value: &str,
        version: i64,
    ) -> Result<(), ApiError> {
        let mut conn = self.conn().await?;
        SET_VERSIONED_SCRIPT
            .key(key)
            .arg(value)
            .arg(version)
            .arg(secs(self.ttl))
            .invoke_async::<i64>(&mut conn)
            .await
            .map(|_| ())
            .map_err(redis_err)
    }

    /// A reader's fill of a versioned entry (only if missing).
    pub async fn fill_versioned(
        &self,
        key: &str,
        value: &str,
        version: i64,
    ) -> Result<(), ApiError> {
        self.fill(key, &format!("{value}:{version}")).await
    }
}

pub fn user_key(user: uuid::Uuid) -> String {
    format!("qhub:cache:user:{user}")
}

pub fn api_key_key(hash_hex: &str) -> String {
    format!("qhub:cache:apikey:{hash_hex}")
}

pub fn slug_key(slug: &str) -> String {
    format!("qhub:cache:slug:{slug}")
}
