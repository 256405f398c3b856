//! Tenants (organizations): the view of one, and finding one by slug
//! before anyone is authenticated.

use chrono::{DateTime, Utc};
use qhub_lib::ApiError;
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::platform::cache::{slug_key, Cache};

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TenantView {
    pub id: Uuid,
    pub name: String,
    pub slug: String,
    /// Free-form tenant settings (a JSON object).
    #[schema(value_type = Object)]
    pub settings: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The current tenant's row: RLS makes it the only one visible.
pub async fn fetch_tenant(conn: &mut sqlx::PgConnection) -> Result<TenantView, ApiError> {
    let tenant = sqlx::query_as!(
        TenantView,
        "SELECT id, name, slug, settings, created_at, updated_at FROM tenants"
    )
    .fetch_one(conn)
    .await?;
    Ok(tenant)
}

/// Looks up a tenant id by slug before any tenant is known (login, password
/// reset). Goes through the narrow SECURITY DEFINER function, not a policy.
/// Found ids are cached: a slug never changes and tenants are never deleted
/// by the server, so no write invalidates them. Unknown slugs are not
/// cached (a signup may claim one any moment).
pub async fn tenant_id_by_slug(
    pool: &PgPool,
    cache: &Cache,
    slug: &str,
) -> Result<Option<Uuid>, ApiError> {
    let key = slug_key(slug);
    if let Some(id) = cache
        .get(&key)
        .await?
        .and_then(|v| Uuid::try_parse(&v).ok())
    {
        return Ok(Some(id));
    }
    let id = sqlx::query_scalar!(r#"SELECT app.tenant_id_by_slug($1) AS "id""#, slug)
        .fetch_one(pool)
        .await?;
    if let Some(id) = id {
        cache.fill(&key, &id.to_string()).await?;
    }
    Ok(id)
}
