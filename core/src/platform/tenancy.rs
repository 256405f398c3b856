//! Tenancy: the one way into a tenant's rows.
//!
//! Every transaction that touches tenant data begins here, with
//! `app.tenant_id` (and `app.user_id`) set transaction-locally, so RLS
//! admits exactly that tenant's rows and a pooled connection never carries
//! one tenant's context into the next request. There are three named ways
//! in, all built on `begin`:
//!
//! - `as_principal`: after authentication. Only `identity::extract::TenantCtx`
//!   calls it; it then reads the principal's role and checks scopes, and
//!   handlers receive the result as a `TenantCtx`.
//! - `as_tenant`: before anyone is authenticated (login, signup, emailed
//!   links, refresh) and in background workers (the mail sender, the job
//!   runner), for a tenant the caller has already established.
//! - `without_tenant`: no tenant at all, so RLS shows and admits no tenant
//!   row; only for calling the narrow SECURITY DEFINER functions that look
//!   across tenants (the mail sender's claim).
//!
//! `core/tests/architecture.rs` fails if anything else begins a transaction.

use qhub_lib::ApiError;
use sqlx::{PgPool, Postgres, Transaction};
use uuid::Uuid;

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

/// A transaction in one tenant's context (or, from `without_tenant`, in
/// none).
pub type TenantTx = Transaction<'static, Postgres>;

/// Begins the transaction and sets its tenant context in one round trip:
/// `BEGIN` and both `set_config(…, true)` go as one simple query. The ids
/// are UUIDs, formatted by us, so they are safe to write into the text.
async fn begin(
    pool: &PgPool,
    tenant: Option<Uuid>,
    user: Option<Uuid>,
) -> Result<TenantTx, ApiError> {
    let id = |u: Option<Uuid>| u.map(|u| u.hyphenated().to_string()).unwrap_or_default();
    let statement = format!(
        "BEGIN; SELECT set_config('app.tenant_id', '{}', true), set_config('app.user_id', '{}', true)",
        id(tenant),
        id(user),
    );
    Ok(pool.begin_with(statement).await?)
}

/// As an authenticated principal (tenant and user from a verified
/// credential). Only the `TenantCtx` extractor calls this.
pub async fn as_principal(pool: &PgPool, tenant: Uuid, user: Uuid) -> Result<TenantTx, ApiError> {
    begin(pool, Some(tenant), Some(user)).await
}

/// As `tenant`, before anyone is authenticated or in a background worker.
/// `acting_user` is the user the flow acts for once it knows them (a login
/// after the password check, a signup's new owner), for the audit trigger
/// context; `None` otherwise.
pub async fn as_tenant(
    pool: &PgPool,
    tenant: Uuid,
    acting_user: Option<Uuid>,
) -> Result<TenantTx, ApiError> {
    begin(pool, Some(tenant), acting_user).await
}

/// In no tenant's context: RLS shows and admits no tenant row. Only for
/// the narrow SECURITY DEFINER functions that look across tenants.
pub async fn without_tenant(pool: &PgPool) -> Result<TenantTx, ApiError> {
    begin(pool, None, None).await
}
