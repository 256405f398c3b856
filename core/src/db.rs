//! Database access: migrations and the tenant-scoped transaction.

use qhub_lib::ApiError;
use sqlx::{PgPool, Postgres, Transaction};
use uuid::Uuid;

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
pub async fn tenant_id_by_slug(pool: &PgPool, slug: &str) -> Result<Option<Uuid>, ApiError> {
    let id = sqlx::query_scalar!(r#"SELECT app.tenant_id_by_slug($1) AS "id""#, slug)
        .fetch_one(pool)
        .await?;
    Ok(id)
}
