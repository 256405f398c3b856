//! The caller's own profile: read it, rename themselves, change their
//! password. User sessions only: an API key has no profile, and a key that
//! could change its creator's password could take over the account.

use axum::extract::State;
use axum::http::StatusCode;
use qhub_lib::{ApiError, Role, Scope};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::audit::{Diff, Event};
use crate::identity::account::{limit_account, AccountBucket};
use crate::identity::extract::{ClientInfo, Credential, Session, TenantCtx};
use crate::identity::password::{check_password, check_password_length};
use crate::identity::tenants::{fetch_tenant, TenantView};
use crate::identity::users::{fetch_user, UserView};
use crate::platform::extract::Json;
use crate::platform::state::AppState;
use crate::platform::validate::{self, Checks};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(me, update_me))
        .routes(routes!(change_password))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MeResponse {
    pub user: UserView,
    pub tenant: TenantView,
    pub role: Role,
    /// What this session may do: every scope the current role grants. The
    /// console decides what to offer from this, not from its own copy of
    /// the role rules.
    pub scopes: Vec<Scope>,
}

async fn open(
    state: &AppState,
    session: Session,
    client: ClientInfo,
) -> Result<TenantCtx, ApiError> {
    TenantCtx::open(state, &Credential::Session(session), client).await
}

async fn me_of(ctx: &mut TenantCtx) -> Result<MeResponse, ApiError> {
    let user = fetch_user(&mut ctx.tx, ctx.principal.user_id).await?;
    let tenant = fetch_tenant(&mut ctx.tx).await?;
    Ok(MeResponse {
        role: user.role,
        scopes: Scope::ALL
            .into_iter()
            .filter(|s| s.granted_to(user.role))
            .collect(),
        user,
        tenant,
    })
}

/// The calling user, their tenant and role (user sessions only).
#[utoipa::path(
    get, path = "/v1/auth/me", tag = "auth", operation_id = "getMe",
    responses((status = 200, description = "The caller", body = MeResponse)),
    security(("bearerAuth" = []))
)]
async fn me(
    State(state): State<AppState>,
    session: Session,
    client: ClientInfo,
) -> Result<axum::Json<MeResponse>, ApiError> {
    let mut ctx = open(&state, session, client).await?;
    Ok(axum::Json(me_of(&mut ctx).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateMeRequest {
    #[schema(value_type = crate::platform::validate::schema::DisplayName)]
    pub name: String,
}

/// Change the caller's own display name (any role; user sessions only).
#[utoipa::path(
    patch, path = "/v1/auth/me", tag = "auth", operation_id = "updateMe",
    request_body = UpdateMeRequest,
    responses((status = 200, description = "The updated caller", body = MeResponse)),
    security(("bearerAuth" = []))
)]
async fn update_me(
    State(state): State<AppState>,
    session: Session,
    client: ClientInfo,
    Json(req): Json<UpdateMeRequest>,
) -> Result<axum::Json<MeResponse>, ApiError> {
    Checks::default()
        .check("name", validate::name(&req.name))
        .finish()?;
    let mut ctx = open(&state, session, client).await?;
    let user_id = ctx.principal.user_id;
    let before = sqlx::query_scalar!("SELECT name FROM users WHERE id = $1 FOR UPDATE", user_id)
        .fetch_one(&mut *ctx.tx)
        .await?;
    sqlx::query!(
        "UPDATE users SET name = $2, updated_at = now() WHERE id = $1",
        user_id,
        req.name.trim()
    )
    .execute(&mut *ctx.tx)
    .await?;
    let mut diff = Diff::default();
    diff.note("name", &before, &req.name.trim().to_owned());
    ctx.audit(Event::new("user.updated", "user", user_id).diff(diff.into_value()))
        .await?;
    let me = me_of(&mut ctx).await?;
    ctx.commit().await?;
    Ok(axum::Json(me))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    #[schema(value_type = crate::platform::validate::schema::Secret)]
    pub current_password: String,
    #[schema(value_type = crate::platform::validate::schema::NewPassword)]
    pub new_password: String,
}

/// Change the caller's own password, proving the current one.
///
/// Every other session of the user ends; this one stays. Wrong current
/// passwords count against the account's login budget.
#[utoipa::path(
    post, path = "/v1/auth/password", tag = "auth", operation_id = "changePassword",
    request_body = ChangePasswordRequest,
    responses(
        (status = 204, description = "Password changed; the caller's other sessions ended"),
        (status = 409, description = "The password changed while this request ran (another change or a reset); nothing was changed", body = qhub_lib::Problem, content_type = "application/problem+json"),
    ),
    security(("bearerAuth" = []))
)]
async fn change_password(
    State(state): State<AppState>,
    session: Session,
    client: ClientInfo,
    Json(req): Json<ChangePasswordRequest>,
) -> Result<StatusCode, ApiError> {
    Checks::default()
        .check("current_password", validate::secret(&req.current_password))
        .check("new_password", check_password_length(&req.new_password))
        .finish()?;
    let keep = session.session_id;
    // Read, then let the transaction go: the two argon2 runs below take a
    // while and must not hold a connection or a row lock meanwhile. (The
    // role and active checks come with the write, below.)
    let user_id = session.user_id;
    let mut tx = open(&state, session, client.clone()).await?.tx;
    let row = sqlx::query!(
        "SELECT u.email, u.name, u.password_hash, t.slug, t.name AS org_name
         FROM users u JOIN tenants t ON t.id = u.tenant_id
         WHERE u.id = $1",
        user_id
    )
    .fetch_one(&mut *tx)
    .await?;
    drop(tx);
    // Strength again, now that the person's and the organization's names
    // are known: a password made of them is as good as guessed.
    Checks::default()
        .check(
            "new_password",
            check_password(
                &req.new_password,
                &[&row.email, &row.name, &row.slug, &row.org_name],
            )
            .as_deref(),
        )
        .finish()?;
    // A stolen access token must not buy unlimited guesses at the password
    // that would let it outlive the session.
    limit_account(&state, AccountBucket::Login, &row.slug, &row.email).await?;
    let current_ok = state
        .passwords
        .verify(&req.current_password, Some(&row.password_hash))
        .await?;
    if !current_ok {
        Checks::default()
            .check("current_password", Some("is not your current password"))
            .finish()?;
    }
    let hash = state.passwords.hash(&req.new_password).await?;
    // The update applies only if the password is still the one just
    // verified (no concurrent change or reset).
    let mut ctx = open(&state, session, client).await?;
    let updated = sqlx::query_scalar!(
        "UPDATE users SET password_hash = $2, updated_at = now()
         WHERE id = $1 AND password_hash = $3 RETURNING id",
        user_id,
        hash,
        row.password_hash
    )
    .fetch_optional(&mut *ctx.tx)
    .await?;
    if updated.is_none() {
        return Err(ApiError::Conflict(
            "the password was changed meanwhile; try again with the current one".into(),
        ));
    }
    ctx.audit(Event::new("user.password_changed", "user", user_id))
        .await?;
    // As with a reset, but this session stays.
    state
        .sessions
        .commit_password_change(ctx.tx, user_id, Some(keep))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
