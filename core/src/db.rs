//! Database access: migrations and the tenant-scoped transaction.

use qhub_lib::ApiError;
use sqlx::{PgPool, Postgres, Transaction};
use uuid::Uuid;

use crate::cache::{slug_key, Cache};

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

/// Begins a transaction whose `app.tenant_id` (and `app.user_id`) are set.
///
/// `set_config(.., true)` is transaction-local: when the transaction ends the
/// settings vanish, so a pooled connection never carries one tenant's context
/// into the next request. RLS policies read the setting; handlers never add
/// `tenant_id` to a WHERE clause for isolation.
pub async fn begin_tenant_tx(
    pool: &PgPool,
    tenant_id: Uuid,
    user_id: Option<Uuid>,
) -> Result<Transaction<'static, Postgres>, ApiError> {
    let mut tx = pool.begin().await?;
    sqlx::query!(
        r#"SELECT set_config('app.tenant_id', $1, true) AS "tenant!",
                  set_config('app.user_id', $2, true) AS "user!""#,
        tenant_id.to_string(),
        user_id.map(|u| u.to_string()).unwrap_or_default(),
    )
    .fetch_one(&mut *tx)
    .await?;
    Ok(tx)
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
