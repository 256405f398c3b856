//! API keys for integrators. Managed by people only (user sessions): a key
//! cannot mint or revoke keys. Any user may create keys with scopes their
//! role grants; owners and admins see and revoke every key of the tenant,
//! others only their own.

use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use qhub_lib::page::{Page, PageQuery};
use qhub_lib::{ApiError, Scope};
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::audit::Event;
use crate::identity::apikeys::{self, KeyStatus};
use crate::identity::extract::{Principal, Session, TenantCtx};
use crate::platform::extract::{Json, Path, Query};
use crate::platform::state::AppState;
use crate::platform::validate::{self, Checks};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_keys, create_key))
        .routes(routes!(get_key, revoke_key))
}

/// Active keys one user may hold at once.
const MAX_ACTIVE_KEYS_PER_USER: i64 = 50;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ApiKeyView {
    pub id: Uuid,
    /// The key's first characters, to recognise it; never the secret.
    #[schema(example = "qh_live_Ab3dE9")]
    pub prefix: String,
    pub name: String,
    pub scopes: Vec<Scope>,
    /// The user who created the key; it acts with (at most) their role.
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    /// Updated at most once a minute.
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

qhub_lib::page_of!(ApiKeyPage, ApiKeyView);

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CreatedApiKey {
    /// The full key. Shown only in this response: store it now.
    #[schema(example = "qh_live_Ab3dE9...")]
    pub key: String,
    #[serde(flatten)]
    pub api_key: ApiKeyView,
}

struct KeyRow {
    id: Uuid,
    prefix: String,
    name: String,
    scopes: Vec<String>,
    created_by: Uuid,
    created_at: DateTime<Utc>,
    expires_at: Option<DateTime<Utc>>,
    last_used_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
}

impl From<KeyRow> for ApiKeyView {
    fn from(r: KeyRow) -> Self {
        ApiKeyView {
            id: r.id,
            prefix: r.prefix,
            name: r.name,
            scopes: r.scopes.iter().filter_map(|s| Scope::parse(s)).collect(),
            created_by: r.created_by,
            created_at: r.created_at,
            expires_at: r.expires_at,
            last_used_at: r.last_used_at,
            revoked_at: r.revoked_at,
        }
    }
}

fn not_found() -> ApiError {
    ApiError::NotFound("no such API key".into())
}

/// Owners and admins manage every key of the tenant; others their own.
fn sees_all(p: &Principal) -> bool {
    p.role.can_manage_users()
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateApiKeyRequest {
    #[schema(value_type = crate::platform::validate::schema::DisplayName)]
    pub name: String,
    /// At least one; each must be granted by the caller's role (else 403).
    #[schema(min_items = 1)]
    pub scopes: Vec<Scope>,
    /// Optional expiry, in the future. Without it the key lives until revoked.
    #[serde(default, deserialize_with = "qhub_lib::time::optional_timestamp")]
    #[schema(value_type = Option<crate::platform::validate::schema::Timestamp>)]
    pub expires_at: Option<DateTime<Utc>>,
}

/// Create an API key. The full key is in this response only.
#[utoipa::path(
    post, path = "/v1/api-keys", tag = "api-keys", operation_id = "createApiKey",
    request_body = CreateApiKeyRequest,
    responses(
        (status = 201, description = "Key created; `key` is shown only now", body = CreatedApiKey),
        (status = 409, description = "Too many active keys for this user", body = qhub_lib::Problem, content_type = "application/problem+json"),
    ),
    security(("bearerAuth" = []))
)]
async fn create_key(
    _: Session,
    mut ctx: TenantCtx,
    Json(req): Json<CreateApiKeyRequest>,
) -> Result<(StatusCode, axum::Json<CreatedApiKey>), ApiError> {
    let p = ctx.principal;
    let mut scopes = req.scopes.clone();
    scopes.sort();
    scopes.dedup();
    Checks::default()
        .check("name", validate::name(&req.name))
        .check(
            "scopes",
            scopes.is_empty().then_some("give at least one scope"),
        )
        .check(
            "expires_at",
            req.expires_at
                .is_some_and(|e| e <= Utc::now())
                .then_some("must be in the future"),
        )
        .finish()?;
    if let Some(s) = scopes.iter().find(|s| !s.granted_to(p.role)) {
        return Err(ApiError::Forbidden(format!(
            "the {} role cannot grant the {s} scope; a key never exceeds its creator's role",
            p.role
        )));
    }
    let active = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM api_keys
           WHERE created_by = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())"#,
        p.user_id
    )
    .fetch_one(&mut *ctx.tx)
    .await?;
    if active >= MAX_ACTIVE_KEYS_PER_USER {
        return Err(ApiError::Conflict(format!(
            "at most {MAX_ACTIVE_KEYS_PER_USER} active keys per user; revoke one first"
        )));
    }

    let new = apikeys::generate();
    let names: Vec<String> = scopes.iter().map(|s| s.as_str().to_owned()).collect();
    let row = sqlx::query_as!(
        KeyRow,
        "INSERT INTO api_keys (id, tenant_id, name, prefix, secret_hash, scopes, created_by, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         RETURNING id, prefix, name, scopes, created_by, created_at, expires_at, last_used_at,
                   revoked_at",
        Uuid::now_v7(),
        p.tenant_id,
        req.name.trim(),
        new.prefix,
        &new.hash[..],
        &names,
        p.user_id,
        req.expires_at,
    )
    .fetch_one(&mut *ctx.tx)
    .await?;
    let view = ApiKeyView::from(row);
    ctx.audit(
        Event::new("api_key.created", "api_key", view.id)
            .diff(serde_json::json!({"name": view.name, "scopes": view.scopes, "expires_at": view.expires_at})),
    )
    .await?;
    ctx.commit().await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(CreatedApiKey {
            key: new.key,
            api_key: view,
        }),
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct KeyFilter {
    /// Include revoked keys (default false). Ignored when `status` is given.
    pub include_revoked: Option<bool>,
    /// Only keys in this state.
    pub status: Option<KeyStatus>,
    /// Only keys whose name or prefix contains this text (case-insensitive).
    #[param(value_type = Option<crate::platform::validate::schema::SearchText>)]
    pub q: Option<String>,
}

/// List API keys: every key for owners and admins, one's own otherwise.
#[utoipa::path(
    get, path = "/v1/api-keys", tag = "api-keys", operation_id = "listApiKeys",
    params(PageQuery, KeyFilter),
    responses((status = 200, description = "A page of keys, newest first", body = ApiKeyPage)),
    security(("bearerAuth" = []))
)]
async fn list_keys(
    _: Session,
    mut ctx: TenantCtx,
    Query(q): Query<PageQuery>,
    Query(f): Query<KeyFilter>,
) -> Result<axum::Json<ApiKeyPage>, ApiError> {
    let page = q.validate()?;
    let mut checks = Checks::default();
    let text = validate::search_text(f.q.as_deref(), &mut checks);
    checks.finish()?;
    let p = ctx.principal;
    let status = match f.status {
        Some(KeyStatus::Active) => "active",
        Some(KeyStatus::Expired) => "expired",
        Some(KeyStatus::Revoked) => "revoked",
        None if f.include_revoked == Some(true) => "any",
        None => "unrevoked",
    };
    let rows = sqlx::query_as!(
        KeyRow,
        "SELECT id, prefix, name, scopes, created_by, created_at, expires_at, last_used_at,
                revoked_at
         FROM api_keys
         WHERE ($1 OR created_by = $2)
           AND CASE $3::text
                 WHEN 'active' THEN revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())
                 WHEN 'expired' THEN revoked_at IS NULL AND expires_at <= now()
                 WHEN 'revoked' THEN revoked_at IS NOT NULL
                 WHEN 'unrevoked' THEN revoked_at IS NULL
                 ELSE true
               END
           AND ($4::uuid IS NULL OR id < $4)
           AND ($6::text IS NULL OR strpos(lower(name), $6) > 0 OR strpos(lower(prefix), $6) > 0)
         ORDER BY id DESC
         LIMIT $5",
        sees_all(&p),
        p.user_id,
        status,
        page.after,
        page.limit + 1,
        text,
    )
    .fetch_all(&mut *ctx.tx)
    .await?;
    let rows = rows.into_iter().map(ApiKeyView::from).collect();
    Ok(axum::Json(Page::from_rows(rows, page, |k| k.id).into()))
}

async fn fetch_key(
    conn: &mut PgConnection,
    p: &Principal,
    id: Uuid,
) -> Result<ApiKeyView, ApiError> {
    let row = sqlx::query_as!(
        KeyRow,
        "SELECT id, prefix, name, scopes, created_by, created_at, expires_at, last_used_at,
                revoked_at
         FROM api_keys WHERE id = $1 AND ($2 OR created_by = $3)",
        id,
        sees_all(p),
        p.user_id,
    )
    .fetch_optional(conn)
    .await?
    .ok_or_else(not_found)?;
    Ok(row.into())
}

/// Read one API key (never its secret).
#[utoipa::path(
    get, path = "/v1/api-keys/{id}", tag = "api-keys", operation_id = "getApiKey",
    params(("id" = Uuid, Path, description = "API key id")),
    responses((status = 200, description = "The key", body = ApiKeyView)),
    security(("bearerAuth" = []))
)]
async fn get_key(
    _: Session,
    mut ctx: TenantCtx,
    Path(id): Path<Uuid>,
) -> Result<axum::Json<ApiKeyView>, ApiError> {
    let p = ctx.principal;
    Ok(axum::Json(fetch_key(&mut ctx.tx, &p, id).await?))
}

/// Revoke an API key. It fails with 401 from the very next request on.
#[utoipa::path(
    delete, path = "/v1/api-keys/{id}", tag = "api-keys", operation_id = "revokeApiKey",
    params(("id" = Uuid, Path, description = "API key id")),
    responses((status = 204, description = "Key revoked")),
    security(("bearerAuth" = []))
)]
async fn revoke_key(
    State(state): State<AppState>,
    _: Session,
    mut ctx: TenantCtx,
    Path(id): Path<Uuid>,
) -> Result<StatusCode, ApiError> {
    let p = ctx.principal;
    let hash = sqlx::query_scalar!(
        "UPDATE api_keys SET revoked_at = now()
         WHERE id = $1 AND revoked_at IS NULL AND ($2 OR created_by = $3)
         RETURNING secret_hash",
        id,
        sees_all(&p),
        p.user_id,
    )
    .fetch_optional(&mut *ctx.tx)
    .await?
    .ok_or_else(not_found)?;
    ctx.audit(Event::new("api_key.revoked", "api_key", id))
        .await?;
    // Tombstone first: if Redis is down the revocation fails as a whole
    // (503) instead of leaving a cached principal alive; if the commit then
    // fails, the key is merely refused until the tombstone expires.
    apikeys::forget(&state.cache, &hash).await?;
    ctx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
