//! Extractors that authenticate a request and open its tenant transaction.
//!
//! `Credential` proves who is calling: a user session (JWT + live session
//! in Redis) or an API key. `Session` accepts only the former, for what only
//! a person may do. `TenantCtx` adds a Postgres transaction whose
//! `app.tenant_id` and `app.user_id` are already set from that principal,
//! and the principal's current role. The tenant therefore always comes from
//! the credential, never from anything else the client sends.

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header::{AUTHORIZATION, USER_AGENT};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use qhub_lib::{ApiError, Role, Scope, ScopeSet};
use sqlx::{Postgres, Transaction};
use std::net::SocketAddr;
use uuid::Uuid;

use super::apikeys::{self, KeyDigest, KeyPrincipal};
use super::sessions::Prefetched;
use super::subkeys::{self, SubKeyPrincipal};
use super::tokens::Claims;
use crate::metering::middleware::{Attribution, AttributionSlot};
use crate::platform::cache::{split_versioned, user_key};
use crate::platform::middleware::X_REQUEST_ID;
use crate::platform::ratelimit::{BindingLimit, KeyRefused};
use crate::platform::state::AppState;
use crate::platform::tenancy;
use qhub_lib::usage::PrincipalKind;

pub const X_API_KEY: &str = "x-api-key";

/// An authenticated user session.
#[derive(Debug, Clone, Copy)]
pub struct Session {
    pub tenant_id: Uuid,
    pub user_id: Uuid,
    pub session_id: Uuid,
}

/// Whoever is calling: a person's session or an integrator's API key.
#[derive(Debug, Clone)]
pub enum Credential {
    Session(Session),
    ApiKey(KeyPrincipal),
}

/// What the client presented, before any check.
pub enum Presented<'a> {
    Jwt(&'a str),
    ApiKey(&'a str),
    /// A marketplace subscription key (`qh_sub_…`): accepted only by the
    /// handlers that take `ScopedOrKey`.
    SubscriptionKey(&'a str),
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// `X-API-Key: qh_live_…`, or `Authorization: Bearer qh_live_…`, or a JWT.
pub fn presented(headers: &HeaderMap) -> Option<Presented<'_>> {
    if let Some(key) = headers.get(X_API_KEY) {
        return key.to_str().ok().map(|k| {
            let k = k.trim();
            if subkeys::looks_like_key(k) {
                Presented::SubscriptionKey(k)
            } else {
                Presented::ApiKey(k)
            }
        });
    }
    let token = bearer(headers)?;
    Some(if apikeys::looks_like_key(token) {
        Presented::ApiKey(token)
    } else if subkeys::looks_like_key(token) {
        Presented::SubscriptionKey(token)
    } else {
        Presented::Jwt(token)
    })
}

impl FromRequestParts<AppState> for Credential {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if let Some(c) = parts.extensions.get::<Credential>() {
            return Ok(c.clone());
        }
        let credential = match presented(&parts.headers) {
            None => {
                return Err(ApiError::Unauthenticated(
                    "missing credentials: send a bearer token or an X-API-Key".into(),
                ))
            }
            Some(Presented::ApiKey(key)) => {
                // Usually decided already by the rate-limit middleware.
                if let Some(k) = parts.extensions.get::<KeyPrincipal>() {
                    Credential::ApiKey(k.clone())
                } else if let Some(refused) = parts.extensions.get::<KeyRefused>() {
                    return Err(ApiError::Unauthenticated(refused.0.clone()));
                } else {
                    let digest = parts
                        .extensions
                        .get::<KeyDigest>()
                        .map_or_else(|| apikeys::hash(key), |d| d.0);
                    // Bad keys count against the client IP's auth budget; once
                    // it is spent, a key not in the cache is refused before any
                    // database lookup.
                    let ip = ClientInfo::from_parts(parts, state.config.trusted_proxy_hops)
                        .ip
                        .unwrap_or_default();
                    let limit = state.config.rate_limit_auth_ip;
                    let guard = state.limiter.refuse_if_spent("bad-key-ip", &ip, limit);
                    match apikeys::authenticate(&state.db, &state.cache, &digest, guard).await {
                        Ok(k) => Credential::ApiKey(k),
                        Err(e @ ApiError::Unauthenticated(_)) => {
                            state.limiter.hit("bad-key-ip", &ip, limit).await?;
                            return Err(e);
                        }
                        Err(e) => return Err(e),
                    }
                }
            }
            Some(Presented::SubscriptionKey(_)) => {
                return Err(ApiError::Forbidden(
                    "a subscription key runs its subscribed app's versions as jobs and reads \
                     its listing, versions, docs and packages; nothing else"
                        .into(),
                ))
            }
            Some(Presented::Jwt(token)) => {
                // Usually verified already by the rate-limit middleware.
                let claims = match parts.extensions.get::<Claims>() {
                    Some(c) => c.clone(),
                    None => state.tokens.verify_access(token).ok_or_else(|| {
                        ApiError::Unauthenticated("invalid or expired access token".into())
                    })?,
                };
                // Usually checked already, in the rate limiter's round trip.
                let owner = match parts.extensions.get::<Prefetched>() {
                    Some(seen) => seen.owner,
                    None => state.sessions.touch(claims.sid).await?,
                };
                match owner {
                    Some((tid, uid)) if tid == claims.tid && uid == claims.sub => {}
                    _ => return Err(ApiError::Unauthenticated("session has ended".into())),
                }
                Credential::Session(Session {
                    tenant_id: claims.tid,
                    user_id: claims.sub,
                    session_id: claims.sid,
                })
            }
        };
        // Usage belongs to the authenticated principal's tenant.
        if let Some(slot) = parts.extensions.get::<AttributionSlot>() {
            slot.set(match &credential {
                Credential::Session(s) => Attribution {
                    tenant_id: s.tenant_id,
                    principal_kind: PrincipalKind::User,
                    principal_id: s.user_id,
                },
                Credential::ApiKey(k) => Attribution {
                    tenant_id: k.tenant_id,
                    principal_kind: PrincipalKind::ApiKey,
                    principal_id: k.key_id,
                },
            });
        }
        parts.extensions.insert(credential.clone());
        Ok(credential)
    }
}

impl Credential {
    pub fn tenant_id(&self) -> Uuid {
        match self {
            Credential::Session(s) => s.tenant_id,
            Credential::ApiKey(k) => k.tenant_id,
        }
    }

    /// The user the request acts for: a key acts for its creator.
    pub fn user_id(&self) -> Uuid {
        match self {
            Credential::Session(s) => s.user_id,
            Credential::ApiKey(k) => k.created_by,
        }
    }
}

impl FromRequestParts<AppState> for Session {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        match Credential::from_request_parts(parts, state).await? {
            Credential::Session(s) => Ok(s),
            Credential::ApiKey(_) => Err(ApiError::Forbidden(
                "this endpoint needs a user session; API keys cannot use it".into(),
            )),
        }
    }
}

/// Who acts: a session of the user, one of the user's API keys, or a
/// subscription key the user created (which holds no scope: only the
/// handlers that take `ScopedOrKey` accept it, and check what it is for).
#[derive(Debug, Clone, Copy)]
pub enum Actor {
    Session {
        session_id: Uuid,
    },
    ApiKey {
        key_id: Uuid,
        scopes: ScopeSet,
    },
    SubscriptionKey {
        key_id: Uuid,
        subscription_id: Uuid,
        app_id: Uuid,
    },
}

/// The authenticated principal with its current role.
#[derive(Debug, Clone, Copy)]
pub struct Principal {
    pub tenant_id: Uuid,
    /// The user acting, or the creator of the API key acting.
    pub user_id: Uuid,
    /// For an API key: its creator's role, capped at admin (a key never
    /// acts as an owner).
    pub role: Role,
    pub actor: Actor,
}

impl Principal {
    /// The role must grant `scope`, and an API key must also carry it.
    pub fn require(&self, scope: Scope) -> Result<(), ApiError> {
        if !scope.granted_to(self.role) {
            return Err(ApiError::Forbidden(format!(
                "the {} role may not do this",
                self.role
            )));
        }
        match self.actor {
            Actor::ApiKey { scopes, .. } if !scopes.contains(scope) => Err(ApiError::Forbidden(
                format!("this API key lacks the {scope} scope"),
            )),
            Actor::SubscriptionKey { .. } => Err(ApiError::Forbidden(
                "a subscription key holds no scope; it only runs its subscribed app".into(),
            )),
            _ => Ok(()),
        }
    }

    pub fn with_role(self, role: Role) -> Principal {
        let role = match self.actor {
            Actor::ApiKey { .. } => role.min(Role::Admin),
            Actor::SubscriptionKey { .. } => Role::Viewer,
            Actor::Session { .. } => role,
        };
        Principal { role, ..self }
    }

    /// `("user", id)`, `("api_key", id)` or `("subscription_key", id)`,
    /// as the audit log records it.
    pub fn actor_ref(&self) -> (&'static str, Uuid) {
        match self.actor {
            Actor::Session { .. } => ("user", self.user_id),
            Actor::ApiKey { key_id, .. } => ("api_key", key_id),
            Actor::SubscriptionKey { key_id, .. } => ("subscription_key", key_id),
        }
    }

    /// The subscription a subscription key acts for, if that is the actor.
    pub fn subscription_key(&self) -> Option<(Uuid, Uuid, Uuid)> {
        match self.actor {
            Actor::SubscriptionKey {
                key_id,
                subscription_id,
                app_id,
            } => Some((key_id, subscription_id, app_id)),
            _ => None,
        }
    }
}

/// A tenant-scoped transaction plus the principal it belongs to and where
/// the request came from (for the audit log). Dropping it without `commit`
/// rolls back.
pub struct TenantCtx {
    pub tx: Transaction<'static, Postgres>,
    pub principal: Principal,
    pub client: ClientInfo,
}

impl TenantCtx {
    pub async fn commit(self) -> Result<(), ApiError> {
        self.tx.commit().await.map_err(ApiError::from)
    }

    /// Opens the tenant transaction for an authenticated credential.
    /// Handlers that must do slow work first (password hashing) take
    /// `Credential` and call this afterwards, so they hold no pooled
    /// connection meanwhile.
    pub async fn open(
        state: &AppState,
        credential: &Credential,
        client: ClientInfo,
    ) -> Result<TenantCtx, ApiError> {
        Self::open_with(state, credential, client, Prefetched::default()).await
    }

    /// `open`, with the user's cached role entry if the request already
    /// read it (the rate limiter's round trip), so it is not read again.
    pub async fn open_with(
        state: &AppState,
        credential: &Credential,
        client: ClientInfo,
        seen: Prefetched,
    ) -> Result<TenantCtx, ApiError> {
        let (tenant_id, user_id) = (credential.tenant_id(), credential.user_id());
        let mut tx = tenancy::as_principal(&state.db, tenant_id, user_id).await?;
        let role = current_role(state, &mut tx, user_id, seen.role_entry)
            .await?
            .ok_or_else(|| {
                ApiError::Unauthenticated(match credential {
                    Credential::Session(_) => "user is not active".into(),
                    Credential::ApiKey(_) => "the API key's creator is no longer active".into(),
                })
            })?;
        let actor = match credential {
            Credential::Session(s) => Actor::Session {
                session_id: s.session_id,
            },
            Credential::ApiKey(k) => {
                note_key_use(state, k, seen.key_first_use);
                Actor::ApiKey {
                    key_id: k.key_id,
                    scopes: k.scopes.iter().copied().collect(),
                }
            }
        };
        let principal = Principal {
            tenant_id,
            user_id,
            role,
            actor,
        }
        .with_role(role);
        Ok(TenantCtx {
            tx,
            principal,
            client,
        })
    }
}

const INACTIVE: &str = "inactive";

/// The user's role if they are active. Cached in Redis as `role:version`
/// (`access_version` from the users row); every write that changes a role
/// or deactivates or removes a user writes a newer version (`pin_role`,
/// `remember_role`), so the change applies on the next request.
async fn current_role(
    state: &AppState,
    tx: &mut Transaction<'static, Postgres>,
    user: Uuid,
    cached: Option<String>,
) -> Result<Option<Role>, ApiError> {
    let key = user_key(user);
    let entry = match cached {
        Some(entry) => Some(entry),
        None => state.cache.get(&key).await?,
    };
    if let Some(entry) = entry {
        if let Some((role, _)) = split_versioned(&entry) {
            return Ok(Role::parse(role));
        }
    }
    let row = sqlx::query!(
        r#"SELECT role AS "role: Role", is_active, access_version FROM users WHERE id = $1"#,
        user
    )
    .fetch_optional(&mut **tx)
    .await?;
    let (role, version) = match row {
        Some(r) => (r.is_active.then_some(r.role), r.access_version),
        // Gone: removal wrote a tombstone with a newer version; this fill
        // (version 0) only lands if that tombstone expired.
        None => (None, 0),
    };
    state
        .cache
        .fill_versioned(&key, role_value(role), version)
        .await?;
    Ok(role)
}

fn role_value(role: Option<Role>) -> &'static str {
    role.map(Role::as_str).unwrap_or(INACTIVE)
}

/// Before committing a change of a user's role or active flag to
/// `version` (`None`: inactive or gone): caches the more restrictive of
/// the old and new state, so no request meanwhile gets more rights than
/// either, and no reader can fill the entry with the old state. Fails
/// (503) if Redis is down, so the change is not made without it.
pub async fn pin_role(
    state: &AppState,
    user: Uuid,
    old: Option<Role>,
    new: Option<Role>,
    version: i64,
) -> Result<(), ApiError> {
    // `None < Some(Viewer) < … < Some(Owner)`.
    state
        .cache
        .set_versioned(&user_key(user), role_value(old.min(new)), version)
        .await
}

/// After the change has committed: the new state. If this fails, the
/// pinned restrictive state stays until the entry expires; if it arrives
/// after a newer change's, the version check drops it.
pub async fn remember_role(state: &AppState, user: Uuid, role: Option<Role>, version: i64) {
    if let Err(e) = state
        .cache
        .set_versioned(&user_key(user), role_value(role), version)
        .await
    {
        tracing::warn!(user_id = %user, error = %e, "role cache update failed; the pinned entry expires on its own");
    }
}

/// Records `last_used_at` at most once a minute per key, off the request
/// path: a Redis `SET NX` decides which request writes it (already done
/// in the request's round trip when `first_use` is known).
fn note_key_use(state: &AppState, key: &KeyPrincipal, first_use: Option<bool>) {
    if first_use == Some(false) {
        return;
    }
    let (state, key_id, tenant) = (state.clone(), key.key_id, key.tenant_id);
    tokio::spawn(async move {
        let result = async {
            if first_use.is_none()
                && !state
                    .cache
                    .first_in(&format!("qhub:keyused:{key_id}"), 60)
                    .await?
            {
                return Ok(());
            }
            let mut tx = tenancy::as_tenant(&state.db, tenant, None).await?;
            sqlx::query!(
                "UPDATE api_keys SET last_used_at = now() WHERE id = $1",
                key_id
            )
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok::<(), ApiError>(())
        }
        .await;
        if let Err(e) = result {
            tracing::debug!(key_id = %key_id, error = %e, "could not record key use");
        }
    });
}

impl FromRequestParts<AppState> for TenantCtx {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let credential = Credential::from_request_parts(parts, state).await?;
        TenantCtx::open_for(parts, state, &credential).await
    }
}

impl TenantCtx {
    /// Opens the credential's transaction with what the rate limiter
    /// already found for this request (`Prefetched`).
    async fn open_for(
        parts: &mut Parts,
        state: &AppState,
        credential: &Credential,
    ) -> Result<TenantCtx, ApiError> {
        let client = ClientInfo::from_request_parts(parts, state).await?;
        let seen = parts
            .extensions
            .get::<Prefetched>()
            .cloned()
            .unwrap_or_default();
        TenantCtx::open_with(state, credential, client, seen).await
    }
}

/// A `TenantCtx` for a person's session only (an API key gets 403): for
/// what belongs to the person (their notifications) or needs the owner in
/// person (marking a bill paid).
pub struct SessionCtx(pub TenantCtx);

impl FromRequestParts<AppState> for SessionCtx {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let session = Session::from_request_parts(parts, state).await?;
        TenantCtx::open_for(parts, state, &Credential::Session(session))
            .await
            .map(SessionCtx)
    }
}

/// A scope as a type, for `Scoped`.
pub trait RequiredScope {
    const SCOPE: Scope;
}

/// Marker types naming the scopes a handler may demand with `Scoped`.
pub mod needs {
    use super::{RequiredScope, Scope};

    macro_rules! scope_markers {
        ($($name:ident),* $(,)?) => {$(
            #[derive(Debug)]
            pub struct $name;
            impl RequiredScope for $name {
                const SCOPE: Scope = Scope::$name;
            }
        )*};
    }
    scope_markers!(
        UsersRead,
        UsersWrite,
        AppsRead,
        AppsWrite,
        RegistryPublish,
        JobsRead,
        JobsWrite,
        UsageRead,
        Admin,
        SubscriptionsRead,
        SubscriptionsWrite,
        BillingRead
    );
}

/// A `TenantCtx` whose principal holds scope `S`, checked while extracting:
/// placed before the body extractor, the caller's rights are decided
/// before their input is (a viewer posting a bad body gets 403, not 422,
/// and learns nothing about what the body should have been).
pub struct Scoped<S>(pub TenantCtx, pub std::marker::PhantomData<S>);

impl<S: RequiredScope + Send> FromRequestParts<AppState> for Scoped<S> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let ctx = TenantCtx::from_request_parts(parts, state).await?;
        ctx.principal.require(S::SCOPE)?;
        Ok(Scoped(ctx, std::marker::PhantomData))
    }
}

/// `Scoped<S>`, or a subscription key: for the few handlers a key may
/// call (running the subscribed app, reading its listing). The key is
/// verified and one use spent (`subkeys::authenticate`); the transaction
/// is the consumer organization's, acting for the key's creator, and the
/// handler checks that what is asked for is the key's app or subscription
/// (`Principal::subscription_key`).
pub struct ScopedOrKey<S>(pub TenantCtx, pub std::marker::PhantomData<S>);

impl<S: RequiredScope + Send> FromRequestParts<AppState> for ScopedOrKey<S> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let key = match presented(&parts.headers) {
            Some(Presented::SubscriptionKey(k)) => k.to_owned(),
            _ => {
                let Scoped(ctx, _) = Scoped::<S>::from_request_parts(parts, state).await?;
                return Ok(ScopedOrKey(ctx, std::marker::PhantomData));
            }
        };
        let client = ClientInfo::from_parts(parts, state.config.trusted_proxy_hops);
        let k: SubKeyPrincipal =
            subkeys::authenticate(state, &key, client.ip.as_deref().unwrap_or_default()).await?;
        if let Some(binding) = parts.extensions.get::<BindingLimit>() {
            binding.set(k.rate);
        }
        if let Some(slot) = parts.extensions.get::<AttributionSlot>() {
            slot.set(Attribution {
                tenant_id: k.tenant_id,
                principal_kind: PrincipalKind::SubscriptionKey,
                principal_id: k.key_id,
            });
        }
        let tx = tenancy::as_principal(&state.db, k.tenant_id, k.created_by).await?;
        let principal = Principal {
            tenant_id: k.tenant_id,
            user_id: k.created_by,
            role: Role::Viewer,
            actor: Actor::SubscriptionKey {
                key_id: k.key_id,
                subscription_id: k.subscription_id,
                app_id: k.app_id,
            },
        };
        Ok(ScopedOrKey(
            TenantCtx {
                tx,
                principal,
                client,
            },
            std::marker::PhantomData,
        ))
    }
}

/// Where a request came from, for sessions, rate limits and the audit log.
#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub request_id: Option<String>,
}

impl ClientInfo {
    pub fn from_parts(parts: &Parts, trusted_proxy_hops: usize) -> ClientInfo {
        let header = |name| {
            parts
                .headers
                .get(name)
                .and_then(|v: &axum::http::HeaderValue| v.to_str().ok())
        };
        // Each trusted proxy appends the address it saw, so the client is
        // `hops` entries from the right; anything left of that is the
        // client's own claim. Without trusted proxies the header is ignored.
        let forwarded = (trusted_proxy_hops > 0)
            .then(|| header("x-forwarded-for"))
            .flatten()
            .and_then(|v| {
                let entries: Vec<&str> = v.split(',').map(str::trim).collect();
                entries
                    .len()
                    .checked_sub(trusted_proxy_hops)
                    .map(|i| entries[i])
            })
            .filter(|ip| ip.parse::<std::net::IpAddr>().is_ok())
            .map(str::to_owned);
        let ip = forwarded.or_else(|| {
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip().to_string())
        });
        ClientInfo {
            ip,
            user_agent: header(USER_AGENT.as_str()).map(|s| s.chars().take(512).collect()),
            request_id: header(X_REQUEST_ID.as_str()).map(str::to_owned),
        }
    }
}

impl FromRequestParts<AppState> for ClientInfo {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        Ok(ClientInfo::from_parts(
            parts,
            state.config.trusted_proxy_hops,
        ))
    }
}
