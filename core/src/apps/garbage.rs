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

/// The upload's row now points at `key` (in that row's transaction).
pub async fn claim(conn: &mut sqlx::PgConnection, key: &str) -> Result<(), ApiError> {
    sqlx::query!("SELECT app.garbage_claim($1)", key)
        .execute(conn)
        .await?;
    Ok(())
}

/// The upload's row could not be written: its object goes at the next sweep.
pub async fn due_now(pool: &PgPool, key: &str) -> Result<(), ApiError> {
    let mut tx = tenancy::without_tenant(pool).await?;
    sqlx::query!("SELECT app.garbage_due_now($1)", key)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Marks `key` for deletion after `after`, unless a row claims it first.
pub async fn expect_upload(pool: &PgPool, key: &str, after: Duration) -> Result<(), ApiError> {
    let mut tx = tenancy::without_tenant(pool).await?;
    sqlx::query!(
        "SELECT app.garbage_expect($1, $2)",
        key,
        after.as_secs_f64()
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Deletes up to 100 due objects and their rows. The keys are claimed
/// in a short transaction (postponed, so no other sweep takes them), the
/// objects deleted with no transaction open (a slow or unavailable store
/// never pins a database connection), and the rows removed in another.
/// Returns how many went.
pub async fn sweep(pool: &PgPool, packages: &Packages) -> Result<usize, ApiError> {
    let mut tx = tenancy::without_tenant(pool).await?;
    let keys = sqlx::query_scalar!(r#"SELECT app.garbage_next(100) AS "key!""#)
        .fetch_all(&mut *tx)
        .await?;
    if keys.is_empty() {
        return Ok(0);
    }
    sqlx::query!("SELECT app.garbage_postpone($1, 600)", &keys)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    let mut gone = Vec::with_capacity(keys.len());
    for key in keys {
        match packages.delete(&key).await {
            Ok(()) => gone.push(key),
            Err(e) => {
                tracing::warn!(key, error = %e, "could not delete an orphaned object; retrying later")
            }
        }
    }
    let mut tx = tenancy::without_tenant(pool).await?;
    sqlx::query!("SELECT app.garbage_done($1)", &gone)
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
