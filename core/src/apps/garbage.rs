//! Objects that no row points to any more are deleted from storage.
//!
//! `object_garbage` is filled in the same transaction that drops a
//! reference (a trigger on `app_versions`), and, before an upload starts,
//! with the upload's own key due after the upload deadline: if the server
//! dies mid-upload, or the upload's row is never written, the sweep still
//! finds the object. A successful upload removes its key in the transaction
//! that records it.

use std::time::Duration;

use qhub_lib::ApiError;
use sqlx::PgPool;

use crate::apps::storage::Packages;
use crate::platform::tenancy;

/// Marks `key` for deletion after `after`, unless a row claims it first.
pub async fn expect_upload(pool: &PgPool, key: &str, after: Duration) -> Result<(), ApiError> {
    let mut tx = tenancy::without_tenant(pool).await?;
    let secs = after.as_secs_f64();
    sqlx::query!(
        "INSERT INTO object_garbage (key, collect_at)
         VALUES ($1, now() + make_interval(secs => $2))",
        key,
        secs
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Deletes up to 100 due objects and their rows. Returns how many went.
pub async fn sweep(pool: &PgPool, packages: &Packages) -> Result<usize, ApiError> {
    let mut tx = tenancy::without_tenant(pool).await?;
    let keys = sqlx::query_scalar!(
        "SELECT key FROM object_garbage WHERE collect_at <= now()
         ORDER BY collect_at LIMIT 100 FOR UPDATE SKIP LOCKED"
    )
    .fetch_all(&mut *tx)
    .await?;
    let mut gone = Vec::with_capacity(keys.len());
    for key in keys {
        match packages.delete(&key).await {
            Ok(()) => gone.push(key),
            Err(e) => {
                tracing::warn!(key, error = %e, "could not delete an orphaned object; retrying later")
            }
        }
    }
    sqlx::query!("DELETE FROM object_garbage WHERE key = ANY($1)", &gone)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(gone.len())
}

/// Sweeps now, off the request path (after a write that made garbage).
pub fn sweep_soon(pool: PgPool, packages: Packages) {
    tokio::spawn(async move {
        if let Err(e) = sweep(&pool, &packages).await {
            tracing::warn!(error = %e, "object garbage sweep failed");
        }
    });
}

/// Sweeps every `every` for as long as the server runs (any number of
/// replicas: rows are claimed with SKIP LOCKED).
pub fn start(pool: PgPool, packages: Packages, every: Duration) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            if let Err(e) = sweep(&pool, &packages).await {
                tracing::warn!(error = %e, "object garbage sweep failed");
            }
        }
    });
}
