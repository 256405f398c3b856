//! Sessions live in Redis so that any replica can check and revoke them.
//!
//! Keys (all expire with the refresh-token lifetime, renewed on refresh):
//! - `qhub:sess:{sid}`: hash {tid, uid, rh (SHA-256 of the current refresh
//!   secret), created_at, last_seen, ip, ua}
//! - `qhub:sess:{sid}:used`: set of rotated refresh hashes (reuse detection)
//! - `qhub:sess:{sid}:grace`: for the reuse grace period only (see ROTATE)
//! - `qhub:usess:{uid}`: set of the user's session ids

use std::sync::LazyLock;
use std::time::Duration;

use deadpool_redis::redis::{self, AsyncCommands, Script};
use qhub_lib::ApiError;
use uuid::Uuid;

use super::tokens::{
    format_refresh, new_refresh_secret, open_successor, seal_successor, sha256_hex,
};

pub(crate) fn sess_key(sid: Uuid) -> String {
    format!("qhub:sess:{sid}")
}
fn used_key(sid: Uuid) -> String {
    format!("qhub:sess:{sid}:used")
}
fn grace_key(sid: Uuid) -> String {
    format!("qhub:sess:{sid}:grace")
}
fn user_key(uid: Uuid) -> String {
    format!("qhub:usess:{uid}")
}

/// Lua shared by `TOUCH` and the rate limiter's `SESSION_HIT`: the (tid,
/// uid) of a live session (nil if it has ended), writing `last_seen` when
/// it is `every` seconds old. HSET alone would resurrect a deleted session.
#[macro_export]
macro_rules! lua_touch {
    () => {
        r#"
local function touch(key, now, every)
  local s = redis.call('HMGET', key, 'tid', 'uid', 'last_seen')
  if not s[1] or not s[2] then return nil, nil end
  if tonumber(now) - (tonumber(s[3]) or 0) >= tonumber(every) then
    redis.call('HSET', key, 'last_seen', now)
  end
  return s[1], s[2]
end
"#
    };
}

/// Checks that the session exists and records that it was seen, in one
/// round trip. HSET alone would resurrect a deleted session, hence Lua.
/// `last_seen` is written only when it is `SEEN_EVERY_SECS` old: a session
/// list shows minutes, and a write on every request would cost Redis (and
/// its replicas) for nothing.
const TOUCH: &str = concat!(
    crate::lua_touch!(),
    r#"
local tid, uid = touch(KEYS[1], ARGV[1], ARGV[2])
if not tid then return false end
return {tid, uid}
"#
);

/// How stale `last_seen` may get before a request writes it again.
pub const SEEN_EVERY_SECS: i64 = 30;

/// What the request path learnt of Redis in its one round trip
/// (`ratelimit::SESSION_HIT` or `KEY_HIT`): the live session's (tenant,
/// user) if it is live, the acting user's cached role entry if cached, and
/// for an API key whether this is its first use this minute (so it writes
/// `last_used_at`).
#[derive(Debug, Clone, Default)]
pub struct Prefetched {
    pub owner: Option<(Uuid, Uuid)>,
    pub role_entry: Option<String>,
    pub key_first_use: Option<bool>,
}

/// Atomic refresh rotation with reuse detection:
/// `{"1", tid, uid}` rotated; `{"3", tid, uid, sealed}` the token rotated
/// last was presented again while its grace key lives (a retry whose answer
/// was lost): the current secret, sealed under that token; `{"2", uid}` a
/// rotated token was replayed and the session is now revoked; `{"0"}`
/// unknown token or session.
///
/// The grace key (`…:grace`, "<replaced hash>:<sealed successor>") expires
/// with the grace period, by Redis's clock, and goes with the next
/// rotation: only the token rotated last, only until its successor is used.
const ROTATE: &str = r#"
local s = redis.call('HMGET', KEYS[1], 'rh', 'tid', 'uid')
if not s[1] then return {'0'} end
if s[1] == ARGV[1] then
  redis.call('HSET', KEYS[1], 'rh', ARGV[2], 'last_seen', ARGV[4])
  redis.call('SADD', KEYS[2], ARGV[1])
  redis.call('EXPIRE', KEYS[1], ARGV[3])
  redis.call('EXPIRE', KEYS[2], ARGV[3])
  if tonumber(ARGV[6]) > 0 then
    redis.call('SET', KEYS[3], ARGV[1] .. ':' .. ARGV[5], 'EX', ARGV[6])
  else
    redis.call('DEL', KEYS[3])
  end
  return {'1', s[2], s[3]}
end
local g = redis.call('GET', KEYS[3])
if g then
  local ph, pn = string.match(g, '^(%x+):(%x+)$')
  if ph == ARGV[1] then
    redis.call('HSET', KEYS[1], 'last_seen', ARGV[4])
    return {'3', s[2], s[3], pn}
  end
end
if redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 1 then
  redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
  return {'2', s[3]}
end
return {'0'}
"#;

/// Ends a session for whoever holds one of its refresh tokens, current or
/// already rotated (proof of possession without a live access token):
/// returns the user id, or false when the token names no live session.
const END: &str = r#"
local s = redis.call('HMGET', KEYS[1], 'rh', 'uid')
if not s[1] then return false end
if s[1] == ARGV[1] or redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 1 then
  redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
  return s[2]
end
return false
"#;

// Built once: `Script::new` hashes its source, and TOUCH runs on every
// authenticated request.
static TOUCH_SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(TOUCH));
static ROTATE_SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(ROTATE));
static END_SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(END));

#[derive(Clone)]
pub struct SessionStore {
    pool: deadpool_redis::Pool,
    ttl: Duration,
    reuse_grace: Duration,
}

#[derive(Debug, Clone)]
pub struct NewSession {
    pub id: Uuid,
    pub refresh_token: String,
}

#[derive(Debug, Clone)]
pub struct SessionInfo {
    pub id: Uuid,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

#[derive(Debug)]
pub enum Rotation {
    Rotated {
        tenant: Uuid,
        user: Uuid,
        refresh_token: String,
    },
    /// An already-rotated token was presented: the session has been revoked.
    ReuseDetected,
    Invalid,
}

pub fn redis_err(e: impl std::fmt::Display) -> ApiError {
    ApiError::Unavailable {
        service: "redis",
        cause: e.to_string(),
    }
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

impl SessionStore {
    pub fn new(pool: deadpool_redis::Pool, ttl: Duration, reuse_grace: Duration) -> SessionStore {
        SessionStore {
            pool,
            ttl,
            reuse_grace,
        }
    }

    async fn conn(&self) -> Result<deadpool_redis::Connection, ApiError> {
        self.pool.get().await.map_err(redis_err)
    }

    fn ttl_secs(&self) -> i64 {
        i64::try_from(self.ttl.as_secs()).unwrap_or(i64::MAX)
    }

    pub async fn create(
        &self,
        tenant: Uuid,
        user: Uuid,
        ip: Option<&str>,
        user_agent: Option<&str>,
    ) -> Result<NewSession, ApiError> {
        let sid = Uuid::now_v7();
        let secret = new_refresh_secret();
        let ts = now();
        let mut conn = self.conn().await?;
        let ttl = self.ttl_secs();
        redis::pipe()
            .atomic()
            .hset_multiple(
                sess_key(sid),
                &[
                    ("tid", tenant.to_string()),
                    ("uid", user.to_string()),
                    ("rh", sha256_hex(&secret)),
                    ("created_at", ts.to_string()),
                    ("last_seen", ts.to_string()),
                    ("ip", ip.unwrap_or("").to_owned()),
                    ("ua", truncate(user_agent.unwrap_or(""), 512)),
                ],
            )
            .expire(sess_key(sid), ttl)
            .sadd(user_key(user), sid.to_string())
            .expire(user_key(user), ttl)
            .query_async::<()>(&mut conn)
            .await
            .map_err(redis_err)?;
        Ok(NewSession {
            id: sid,
            refresh_token: format_refresh(sid, &secret),
        })
    }

    /// The (tenant, user) of a live session, marking it seen; None if it has
    /// ended (logged out, revoked, expired). (The request path usually has
    /// this from `ratelimit`'s one-round-trip script instead.)
    pub async fn touch(&self, sid: Uuid) -> Result<Option<(Uuid, Uuid)>, ApiError> {
        let mut conn = self.conn().await?;
        let v: Option<Vec<Option<String>>> = TOUCH_SCRIPT
            .key(sess_key(sid))
            .arg(now())
            .arg(SEEN_EVERY_SECS)
            .invoke_async(&mut conn)
            .await
            .map_err(redis_err)?;
        Ok(v.and_then(|v| match v.as_slice() {
            [Some(t), Some(u)] => Some((Uuid::try_parse(t).ok()?, Uuid::try_parse(u).ok()?)),
            _ => None,
        }))
    }

    pub async fn rotate(&self, sid: Uuid, secret: &str) -> Result<Rotation, ApiError> {
        let new_secret = new_refresh_secret();
        let mut conn = self.conn().await?;
        let v: Vec<String> = ROTATE_SCRIPT
            .key(sess_key(sid))
            .key(used_key(sid))
            .key(grace_key(sid))
            .arg(sha256_hex(secret))
            .arg(sha256_hex(&new_secret))
            .arg(self.ttl_secs())
            .arg(now())
            .arg(seal_successor(secret, &new_secret))
            .arg(self.reuse_grace.as_secs())
            .invoke_async(&mut conn)
            .await
            .map_err(redis_err)?;
        match v.as_slice() {
            // A retry of the refresh just made (its answer was lost): the
            // same successor again, so the client and the session live on.
            [code, t, u, sealed] if code == "3" => {
                match (
                    Uuid::try_parse(t),
                    Uuid::try_parse(u),
                    open_successor(secret, sealed),
                ) {
                    (Ok(tenant), Ok(user), Some(successor)) => Ok(Rotation::Rotated {
                        tenant,
                        user,
                        refresh_token: format_refresh(sid, &successor),
                    }),
                    _ => Ok(Rotation::Invalid),
                }
            }
            [code, t, u] if code == "1" => match (Uuid::try_parse(t), Uuid::try_parse(u)) {
                (Ok(tenant), Ok(user)) => {
                    // The user's session index must live as long as its
                    // longest session, or revoke_all would miss this one.
                    // Best effort: the rotation is done, and failing now
                    // would lose the new token (its retry looks like reuse).
                    let renewed: Result<(), _> = conn.expire(user_key(user), self.ttl_secs()).await;
                    if let Err(e) = renewed {
                        tracing::warn!(error = %e, "could not renew session index TTL");
                    }
                    Ok(Rotation::Rotated {
                        tenant,
                        user,
                        refresh_token: format_refresh(sid, &new_secret),
                    })
                }
                _ => Ok(Rotation::Invalid),
            },
            [code, u] if code == "2" => {
                if let Ok(uid) = Uuid::try_parse(u) {
                    let _: () = conn
                        .srem(user_key(uid), sid.to_string())
                        .await
                        .map_err(redis_err)?;
                }
                Ok(Rotation::ReuseDetected)
            }
            _ => Ok(Rotation::Invalid),
        }
    }

    /// Ends the session a refresh token belongs to (logout from the cookie
    /// alone). True when a live session was ended.
    pub async fn end_by_refresh(&self, sid: Uuid, secret: &str) -> Result<bool, ApiError> {
        let mut conn = self.conn().await?;
        let uid: Option<String> = END_SCRIPT
            .key(sess_key(sid))
            .key(used_key(sid))
            .key(grace_key(sid))
            .arg(sha256_hex(secret))
            .invoke_async(&mut conn)
            .await
            .map_err(redis_err)?;
        let Some(uid) = uid.and_then(|u| Uuid::try_parse(&u).ok()) else {
            return Ok(false);
        };
        let _: () = conn
            .srem(user_key(uid), sid.to_string())
            .await
            .map_err(redis_err)?;
        Ok(true)
    }

    /// Owner of a session, if it is alive.
    pub async fn owner(&self, sid: Uuid) -> Result<Option<Uuid>, ApiError> {
        let mut conn = self.conn().await?;
        let uid: Option<String> = conn.hget(sess_key(sid), "uid").await.map_err(redis_err)?;
        Ok(uid.and_then(|u| Uuid::try_parse(&u).ok()))
    }

    pub async fn revoke(&self, sid: Uuid, user: Uuid) -> Result<(), ApiError> {
        let mut conn = self.conn().await?;
        redis::pipe()
            .atomic()
            .del(&[sess_key(sid), used_key(sid), grace_key(sid)])
            .srem(user_key(user), sid.to_string())
            .query_async::<()>(&mut conn)
            .await
            .map_err(redis_err)
    }

    /// Ends every session of a user (deactivation, removal, password reset).
    /// Removes exactly the ids it read from the index, so a session created
    /// meanwhile is not silently dropped from it.
    pub async fn revoke_all(&self, user: Uuid) -> Result<usize, ApiError> {
        self.revoke_all_except(user, None).await
    }

    /// Commits a password change in `tx`, ending every session of `user`
    /// but `keep` on both sides of the commit. Before: if Redis is down the
    /// request fails and nothing changes, rather than changing the password
    /// while an attacker's session lives on. After: a login with the old
    /// password between the first sweep and the commit must not outlive it.
    pub async fn commit_password_change(
        &self,
        tx: sqlx::Transaction<'_, sqlx::Postgres>,
        user: Uuid,
        keep: Option<Uuid>,
    ) -> Result<(), ApiError> {
        self.revoke_all_except(user, keep).await?;
        tx.commit().await?;
        if let Err(e) = self.revoke_all_except(user, keep).await {
            tracing::warn!(user_id = %user, error = %e, "post-commit session sweep failed");
        }
        Ok(())
    }

    /// As `revoke_all`, sparing `keep` (the session changing its password).
    pub async fn revoke_all_except(
        &self,
        user: Uuid,
        keep: Option<Uuid>,
    ) -> Result<usize, ApiError> {
        let mut conn = self.conn().await?;
        let mut sids: Vec<String> = conn.smembers(user_key(user)).await.map_err(redis_err)?;
        if let Some(keep) = keep {
            sids.retain(|s| *s != keep.to_string());
        }
        if sids.is_empty() {
            return Ok(0);
        }
        let mut pipe = redis::pipe();
        pipe.atomic();
        for sid in &sids {
            if let Ok(sid) = Uuid::try_parse(sid) {
                pipe.del(&[sess_key(sid), used_key(sid), grace_key(sid)]);
            }
        }
        pipe.srem(user_key(user), &sids);
        pipe.query_async::<()>(&mut conn).await.map_err(redis_err)?;
        Ok(sids.len())
    }

    /// The user's live sessions, oldest first. Ids of sessions that expired
    /// on their own are pruned from the index as they are found.
    pub async fn list(&self, user: Uuid) -> Result<Vec<SessionInfo>, ApiError> {
        let mut conn = self.conn().await?;
        let sids: Vec<String> = conn.smembers(user_key(user)).await.map_err(redis_err)?;
        let sids: Vec<Uuid> = sids
            .iter()
            .filter_map(|s| Uuid::try_parse(s).ok())
            .collect();
        let mut pipe = redis::pipe();
        for sid in &sids {
            pipe.hgetall(sess_key(*sid));
        }
        let rows: Vec<std::collections::HashMap<String, String>> =
            pipe.query_async(&mut conn).await.map_err(redis_err)?;
        let mut out = Vec::new();
        let mut stale = Vec::new();
        for (sid, row) in sids.into_iter().zip(rows) {
            if row.get("uid").map(String::as_str) != Some(user.to_string().as_str()) {
                stale.push(sid.to_string());
                continue;
            }
            let num = |k: &str| row.get(k).and_then(|v| v.parse().ok()).unwrap_or(0);
            let text = |k: &str| row.get(k).filter(|v| !v.is_empty()).cloned();
            out.push(SessionInfo {
                id: sid,
                created_at: num("created_at"),
                last_seen_at: num("last_seen"),
                ip: text("ip"),
                user_agent: text("ua"),
            });
        }
        if !stale.is_empty() {
            let _: () = conn.srem(user_key(user), stale).await.map_err(redis_err)?;
        }
        out.sort_by_key(|s| s.id);
        Ok(out)
    }

    pub async fn ping(&self) -> Result<(), ApiError> {
        let mut conn = self.conn().await?;
        redis::cmd("PING")
            .query_async::<String>(&mut conn)
            .await
            .map(|_| ())
            .map_err(redis_err)
    }
}

fn truncate(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}
