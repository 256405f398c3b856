//! Fixed-window rate limits kept in Redis, so every replica counts against
//! the same budget.
//!
//! Each (bucket, identity) has a counter that expires with its window: one
//! atomic script increments it, starts the window on the first hit and
//! returns the count and the time left.

use std::str::FromStr;
use std::sync::LazyLock;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use deadpool_redis::redis::{self, Script};
use qhub_lib::error::rate_limit_headers;
use qhub_lib::ApiError;

use crate::identity::apikeys;
use axum::http::request::Parts;

use crate::identity::apikeys::{KeyDigest, KeyPrincipal};
use crate::identity::cookie;
use crate::identity::extract::{presented, ClientInfo, Presented};
use crate::identity::sessions::redis_err;
use crate::identity::sessions::{sess_key, Prefetched, SEEN_EVERY_SECS};
use crate::identity::tokens::Claims;
use crate::platform::cache::{api_key_key, user_key};
use crate::platform::state::AppState;
use uuid::Uuid;

/// `count` requests per `window`; written `count/seconds` in configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub count: u64,
    pub window: Duration,
}

impl Limit {
    pub const fn per(count: u64, secs: u64) -> Limit {
        Limit {
            count,
            window: Duration::from_secs(secs),
        }
    }
}

impl std::fmt::Display for Limit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.count, self.window.as_secs())
    }
}

impl FromStr for Limit {
    type Err = String;

    fn from_str(s: &str) -> Result<Limit, String> {
        let (count, secs) = s
            .split_once('/')
            .ok_or_else(|| "expected <count>/<seconds>, e.g. 600/60".to_owned())?;
        let count: u64 = count.trim().parse().map_err(|e| format!("count: {e}"))?;
        let secs: u64 = secs.trim().parse().map_err(|e| format!("seconds: {e}"))?;
        if count == 0 || secs == 0 {
            return Err("count and seconds must be positive".into());
        }
        Ok(Limit {
            count,
            window: Duration::from_secs(secs),
        })
    }
}

/// The outcome of one hit, for the `RateLimit-*` headers.
#[derive(Debug, Clone, Copy)]
pub struct Decision {
    pub limit: u64,
    pub remaining: u64,
    pub reset_secs: u64,
    pub allowed: bool,
}

impl Decision {
    pub fn into_result(self) -> Result<Decision, ApiError> {
        if self.allowed {
            Ok(self)
        } else {
            Err(ApiError::RateLimited {
                limit: self.limit,
                retry_after_secs: self.reset_secs,
            })
        }
    }
}

/// A budget known only after routing (a subscription key's own
/// per-minute limit): put in the request for subscription-key requests
/// only; the extractor that charged it leaves its decision here, and the
/// `RateLimit-*` headers report whichever budget is nearer its end.
#[derive(Clone, Default)]
pub struct BindingLimit(std::sync::Arc<std::sync::OnceLock<Decision>>);

impl BindingLimit {
    pub fn set(&self, d: Decision) {
        let _ = self.0.set(d);
    }

    fn nearer(&self, charged: Decision) -> Decision {
        match self.0.get() {
            Some(d) if d.remaining < charged.remaining => *d,
            _ => charged,
        }
    }
}

/// Lua shared by the counting scripts: counts one hit of `key` in a
/// window of `window_ms` that starts with the first hit; returns the count
/// and the milliseconds left.
macro_rules! lua_count {
    () => {
        r#"
local function count(key, window_ms)
  local n = redis.call('INCR', key)
  local ttl = redis.call('PTTL', key)
  if ttl < 0 then
    redis.call('PEXPIRE', key, window_ms)
    ttl = tonumber(window_ms)
  end
  return n, ttl
end
"#
    };
}

const HIT: &str = concat!(
    lua_count!(),
    r#"
local n, ttl = count(KEYS[1], ARGV[1])
return {n, ttl}
"#
);

static HIT_SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(HIT));

/// DECR only an existing, positive counter: never creates a key without
/// an expiry, never goes below zero.
const REFUND: &str = r#"
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n > 0 then return redis.call('DECR', KEYS[1]) end
return 0
"#;

static REFUND_SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(REFUND));

/// A request with a verified access token, in one round trip: counts it
/// against the user's budget (as `HIT`), checks the session is live and
/// marks it seen when `last_seen` is stale (as `sessions::TOUCH`), and
/// reads the user's cached role (`cache::user_key`).
/// KEYS: rate-limit counter, session hash, role cache entry.
/// ARGV: window ms, now (s), seconds between `last_seen` writes.
const SESSION_HIT: &str = concat!(
    lua_count!(),
    crate::lua_touch!(),
    r#"
local n, ttl = count(KEYS[1], ARGV[1])
local tid, uid = touch(KEYS[2], ARGV[2], ARGV[3])
return {n, ttl, tid or false, uid or false, redis.call('GET', KEYS[3]) or false}
"#
);

static SESSION_HIT_SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(SESSION_HIT));

/// A request with an API key whose principal is cached, in one round trip:
/// the cached principal, the count against the key's budget, the creator's
/// cached role, and whether this is the key's first use this minute (it
/// then records `last_used_at`). A key not in the cache (`miss`) takes the
/// slow path (`apikeys::authenticate`); a cached tombstone is `bad`.
/// KEYS: key cache entry, rate-limit counter. ARGV: window ms.
const KEY_HIT: &str = concat!(
    lua_count!(),
    r#"
local v = redis.call('GET', KEYS[1])
if not v then return {'miss'} end
if v == 'revoked' or v == 'unknown' then return {'bad'} end
local ok, p = pcall(cjson.decode, v)
if not ok or type(p) ~= 'table' or type(p.created_by) ~= 'string' or type(p.key_id) ~= 'string' then
  return {'miss'}
end
local n, ttl = count(KEYS[2], ARGV[1])
local role = redis.call('GET', 'qhub:cache:user:' .. p.created_by) or ''
local first = redis.call('SET', 'qhub:keyused:' .. p.key_id, '1', 'NX', 'EX', 60)
return {'ok', v, n, ttl, role, first and 1 or 0}
"#
);

static KEY_HIT_SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(KEY_HIT));

/// What `KEY_HIT` found.
enum KeyHit {
    Miss,
    Bad,
    Hit(KeyPrincipal, Decision, Prefetched),
}

/// The Redis counter of `identity` in `bucket`: one spelling for every
/// script that counts.
fn counter_key(bucket: &str, identity: &str) -> String {
    format!("qhub:rl:{bucket}:{identity}")
}

fn decision(count: u64, ttl_ms: u64, limit: Limit) -> Decision {
    Decision {
        limit: limit.count,
        remaining: limit.count.saturating_sub(count),
        // Rounded up: "retry after 0 s" would invite an instant retry.
        reset_secs: ttl_ms.div_ceil(1000).max(1),
        allowed: count <= limit.count,
    }
}

#[derive(Clone)]
pub struct RateLimiter {
    pool: deadpool_redis::Pool,
}

impl RateLimiter {
    pub fn new(pool: deadpool_redis::Pool) -> RateLimiter {
        RateLimiter { pool }
    }

    /// Counts one request of `identity` in `bucket`.
    pub async fn hit(
        &self,
        bucket: &str,
        identity: &str,
        limit: Limit,
    ) -> Result<Decision, ApiError> {
        let mut conn = self.pool.get().await.map_err(redis_err)?;
        let window_ms = u64::try_from(limit.window.as_millis()).unwrap_or(u64::MAX);
        let (count, ttl_ms): (u64, u64) = HIT_SCRIPT
            .key(counter_key(bucket, identity))
            .arg(window_ms)
            .invoke_async(&mut conn)
            .await
            .map_err(redis_err)?;
        Ok(decision(count, ttl_ms, limit))
    }

    /// `SESSION_HIT`: the rate-limit decision for `claims.sub`, and what the
    /// credential extractor and `TenantCtx` need of Redis.
    pub async fn hit_as_session(
        &self,
        claims: &Claims,
        limit: Limit,
    ) -> Result<(Decision, Prefetched), ApiError> {
        let mut conn = self.pool.get().await.map_err(redis_err)?;
        let window_ms = u64::try_from(limit.window.as_millis()).unwrap_or(u64::MAX);
        type Reply = (u64, u64, Option<String>, Option<String>, Option<String>);
        let (count, ttl_ms, tid, uid, role): Reply = SESSION_HIT_SCRIPT
            .key(counter_key("api", &format!("user:{}", claims.sub)))
            .key(sess_key(claims.sid))
            .key(user_key(claims.sub))
            .arg(window_ms)
            .arg(chrono::Utc::now().timestamp())
            .arg(SEEN_EVERY_SECS)
            .invoke_async(&mut conn)
            .await
            .map_err(redis_err)?;
        let owner = match (tid, uid) {
            (Some(t), Some(u)) => Uuid::try_parse(&t).ok().zip(Uuid::try_parse(&u).ok()),
            _ => None,
        };
        Ok((
            decision(count, ttl_ms, limit),
            Prefetched {
                owner,
                role_entry: role,
                key_first_use: None,
            },
        ))
    }

    /// `KEY_HIT` for the key with `digest`.
    async fn hit_as_key(&self, digest: &[u8; 32], limit: Limit) -> Result<KeyHit, ApiError> {
        let mut conn = self.pool.get().await.map_err(redis_err)?;
        let window_ms = u64::try_from(limit.window.as_millis()).unwrap_or(u64::MAX);
        let hex = hex::encode(digest);
        let reply: Vec<redis::Value> = KEY_HIT_SCRIPT
            .key(api_key_key(&hex))
            .key(counter_key("api", &format!("key:{hex}")))
            .arg(window_ms)
            .invoke_async(&mut conn)
            .await
            .map_err(redis_err)?;
        let text = |v: &redis::Value| redis::from_redis_value::<String>(v).ok();
        let num = |v: &redis::Value| redis::from_redis_value::<u64>(v).ok();
        Ok(match reply.as_slice() {
            [tag, json, n, ttl, role, first] if text(tag).as_deref() == Some("ok") => {
                let principal =
                    text(json).and_then(|j| serde_json::from_str::<KeyPrincipal>(&j).ok());
                match (principal, num(n), num(ttl)) {
                    (Some(p), Some(n), Some(ttl)) => KeyHit::Hit(
                        p,
                        decision(n, ttl, limit),
                        Prefetched {
                            owner: None,
                            role_entry: text(role).filter(|r| !r.is_empty()),
                            key_first_use: Some(num(first) == Some(1)),
                        },
                    ),
                    _ => KeyHit::Miss,
                }
            }
            [tag] if text(tag).as_deref() == Some("bad") => KeyHit::Bad,
            _ => KeyHit::Miss,
        })
    }

    /// Takes back one counted request (it turned out to be legitimate). A
    /// window that has ended meanwhile is left alone; one begun meanwhile
    /// may lose a count it did not get (at most one per refund: harmless).
    pub async fn refund(&self, bucket: &str, identity: &str) -> Result<(), ApiError> {
        let mut conn = self.pool.get().await.map_err(redis_err)?;
        REFUND_SCRIPT
            .key(counter_key(bucket, identity))
            .invoke_async::<i64>(&mut conn)
            .await
            .map(drop)
            .map_err(redis_err)
    }

    /// Fails with 429 if `identity` has already used up its budget, without
    /// counting this request (count failures with `hit` afterwards).
    pub async fn refuse_if_spent(
        &self,
        bucket: &str,
        identity: &str,
        limit: Limit,
    ) -> Result<(), ApiError> {
        let mut conn = self.pool.get().await.map_err(redis_err)?;
        let key = counter_key(bucket, identity);
        let (count, ttl_ms): (Option<u64>, i64) = redis::pipe()
            .get(&key)
            .pttl(&key)
            .query_async(&mut conn)
            .await
            .map_err(redis_err)?;
        match count {
            Some(n) if n >= limit.count && ttl_ms > 0 => Err(ApiError::RateLimited {
                limit: limit.count,
                retry_after_secs: u64::try_from(ttl_ms).unwrap_or(1).div_ceil(1000).max(1),
            }),
            _ => Ok(()),
        }
    }

    /// Counts one request and fails with 429 once the limit is exceeded.
    pub async fn check(
        &self,
        bucket: &str,
        identity: &str,
        limit: Limit,
    ) -> Result<Decision, ApiError> {
        self.hit(bucket, identity, limit).await?.into_result()
    }
}

/// The rate limit of every `/v1` request, in one place. Only a verified
/// credential moves a request out of its client IP's budget:
/// - the public routes (signup, login, refresh, password reset, email
///   verification, invitation accept) always count against the IP's auth
///   budget (`RATE_LIMIT_AUTH_IP`), whatever credential they carry; a
///   refresh presenting the `qhub_refresh` cookie against the IP's refresh
///   budget of the same size, refunded when it succeeds;
/// - with an access token whose signature verifies: the user's API budget
///   (`RATE_LIMIT_API`);
/// - with an API key that authenticates: that key's API budget;
/// - anything else (no credential, a bad token, a made-up or revoked key):
///   the IP's auth budget.
///
/// The verified claims and key principal are left in the request for the
/// credential extractor, so neither is checked twice. Per-account limits
/// need the body and stay in their handlers. Adds `RateLimit-*` headers to
/// the response unless a stricter limit already set them.
pub async fn per_principal(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if !req.uri().path().starts_with("/v1/") {
        return next.run(req).await;
    }
    let (mut parts, body) = req.into_parts();
    let decision = match charge_for(&state, &mut parts).await {
        Ok(Charge::Count(bucket, identity, limit)) => {
            state.limiter.check(bucket, &identity, limit).await
        }
        Ok(Charge::Counted(decision)) => decision.into_result(),
        Err(e) => Err(e),
    };
    let decision = match decision {
        Ok(d) => d,
        Err(e) => return e.into_response(),
    };
    // Only subscription-key requests carry a second budget to report.
    let binding = parts.extensions.get::<BindingLimit>().cloned();
    let mut res = next.run(Request::from_parts(parts, body)).await;
    let decision = binding.map_or(decision, |b| b.nearer(decision));
    if !res.headers().contains_key("ratelimit-limit") {
        rate_limit_headers(
            res.headers_mut(),
            decision.limit,
            decision.remaining,
            decision.reset_secs,
        );
    }
    res
}

/// How a request is charged.
enum Charge {
    /// To (bucket, identity, limit), not yet counted.
    Count(&'static str, String, Limit),
    /// Already counted (with the session check, in one round trip).
    Counted(Decision),
}

/// Which budget a request is charged to.
async fn charge_for(state: &AppState, parts: &mut Parts) -> Result<Charge, ApiError> {
    if is_cookie_refresh(parts) {
        // A browser restoring its session from the refresh cookie: charged
        // up front to the IP's refresh budget, and refunded by the handler
        // when the refresh succeeds (it then counts for the user). So
        // people behind one address reloading the console neither spend
        // the login budget nor each other's, while made-up cookies (and
        // anything refused before the handler) stay charged, bursts too.
        let (_, ip, _) = auth_ip(state, parts);
        parts.extensions.insert(RefreshCharge { ip: ip.clone() });
        return Ok(Charge::Count(
            "refresh-ip",
            ip,
            state.config.rate_limit_auth_ip,
        ));
    }
    if is_public(parts) {
        return Ok(count(auth_ip(state, parts)));
    }
    Ok(match presented(&parts.headers) {
        Some(Presented::ApiKey(key)) => {
            let digest = apikeys::hash(key);
            parts.extensions.insert(KeyDigest(digest));
            // A cached key: everything in one round trip.
            match state
                .limiter
                .hit_as_key(&digest, state.config.rate_limit_api)
                .await?
            {
                KeyHit::Hit(principal, decision, seen) if !principal.is_expired() => {
                    parts.extensions.insert(principal);
                    parts.extensions.insert(seen);
                    return Ok(Charge::Counted(decision));
                }
                KeyHit::Hit(..) => {
                    parts
                        .extensions
                        .insert(KeyRefused("the API key has expired".into()));
                    return Ok(count(auth_ip(state, parts)));
                }
                KeyHit::Bad => {
                    let (_, ip, limit) = auth_ip(state, parts);
                    state.limiter.hit("bad-key-ip", &ip, limit).await?;
                    parts
                        .extensions
                        .insert(KeyRefused("invalid or revoked API key".into()));
                    return Ok(count(auth_ip(state, parts)));
                }
                KeyHit::Miss => {}
            }
            match verified_key(state, parts, &digest).await? {
                Some(principal) => {
                    parts.extensions.insert(principal);
                    Charge::Count(
                        "api",
                        format!("key:{}", hex::encode(digest)),
                        state.config.rate_limit_api,
                    )
                }
                None => count(auth_ip(state, parts)),
            }
        }
        // Verified (and a use spent) by `ScopedOrKey`, which then charges
        // the key's own budget; until then the client IP's API budget.
        Some(Presented::SubscriptionKey(_)) => {
            let (_, ip, _) = auth_ip(state, parts);
            parts.extensions.insert(BindingLimit::default());
            Charge::Count("subkey-ip", ip, state.config.rate_limit_api)
        }
        Some(Presented::Jwt(token)) => match state.tokens.verify_access(token) {
            Some(claims) => {
                let (decision, seen) = state
                    .limiter
                    .hit_as_session(&claims, state.config.rate_limit_api)
                    .await?;
                parts.extensions.insert(seen);
                parts.extensions.insert(claims);
                Charge::Counted(decision)
            }
            None => count(auth_ip(state, parts)),
        },
        None => count(auth_ip(state, parts)),
    })
}

fn count((bucket, identity, limit): (&'static str, String, Limit)) -> Charge {
    Charge::Count(bucket, identity, limit)
}

/// The key's principal if it authenticates, `None` if it does not (made
/// up, revoked, expired). Bad keys count against the client IP's budget for
/// bad keys; once that is spent, a key not in the cache is refused before
/// any database lookup. The outcome is left in the request, so the
/// credential extractor neither looks the key up again nor counts it twice.
async fn verified_key(
    state: &AppState,
    parts: &mut Parts,
    digest: &[u8; 32],
) -> Result<Option<KeyPrincipal>, ApiError> {
    let (_, ip, _) = auth_ip(state, parts);
    let limit = state.config.rate_limit_auth_ip;
    let guard = state.limiter.refuse_if_spent("bad-key-ip", &ip, limit);
    match apikeys::authenticate(&state.db, &state.cache, digest, guard).await {
        Ok(k) => Ok(Some(k)),
        Err(ApiError::Unauthenticated(msg)) => {
            state.limiter.hit("bad-key-ip", &ip, limit).await?;
            parts.extensions.insert(KeyRefused(msg.clone()));
            Ok(None)
        }
        // 429 (bad-key budget spent) or a dependency down: final.
        Err(e) => Err(e),
    }
}

/// Left in a request whose API key did not authenticate: why, for the 401
/// the credential extractor answers with.
#[derive(Debug, Clone)]
pub struct KeyRefused(pub String);

/// A route that takes no credential (see `openapi::public_v1_operations`).
fn is_public(parts: &Parts) -> bool {
    let path = parts.uri.path();
    crate::platform::openapi::public_v1_operations()
        .iter()
        .any(|(m, p)| *m == parts.method && p == path)
}

/// `POST /v1/auth/refresh` carrying a `qhub_refresh` cookie (well-formed
/// or not: either way it is charged to the same budget).
fn is_cookie_refresh(parts: &Parts) -> bool {
    parts.method == axum::http::Method::POST
        && parts.uri.path() == "/v1/auth/refresh"
        && cookie::read_refresh(&parts.headers).is_some()
}

/// Left in a cookie refresh's request: the IP charged for it.
#[derive(Debug, Clone)]
pub struct RefreshCharge {
    ip: String,
}

/// A cookie refresh succeeded for `user`: it counts against the user's API
/// budget instead, and while that allows it the IP gets its charge back.
/// (Not refused: the rotation has happened. A user past their budget keeps
/// the IP charged, so a loop of valid refreshes is bounded by both.)
/// Best effort.
pub async fn settle_refresh(state: &AppState, charge: &RefreshCharge, user: uuid::Uuid) {
    let limiter = &state.limiter;
    let settled = async {
        let user_budget = limiter
            .hit("api", &format!("user:{user}"), state.config.rate_limit_api)
            .await?;
        if user_budget.allowed {
            limiter.refund("refresh-ip", &charge.ip).await?;
        }
        Ok::<(), ApiError>(())
    };
    if let Err(e) = settled.await {
        tracing::warn!(error = %e, "could not settle a cookie refresh's rate limit");
    }
}

fn auth_ip(state: &AppState, parts: &Parts) -> (&'static str, String, Limit) {
    let ip = ClientInfo::from_parts(parts, state.config.trusted_proxy_hops)
        .ip
        .unwrap_or_default();
    ("auth-ip", ip, state.config.rate_limit_auth_ip)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_limits() {
        assert_eq!(
            "600/60".parse::<Limit>(),
            Ok(Limit {
                count: 600,
                window: Duration::from_secs(60)
            })
        );
        assert!("600".parse::<Limit>().is_err());
        assert!("0/60".parse::<Limit>().is_err());
        assert!("10/x".parse::<Limit>().is_err());
    }
}
