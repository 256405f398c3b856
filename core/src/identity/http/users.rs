//! User management by owners and admins.
//!
//! Rules: developers and viewers get 403; an admin cannot create, change or
//! remove an owner (nor make anyone an owner); the last active owner cannot
//! be demoted, deactivated or removed; deactivation and removal end the
//! user's sessions at once.

use axum::extract::State;
use axum::http::StatusCode;
use qhub_lib::page::{Page, PageQuery};
use qhub_lib::{ApiError, Role, Scope};
use serde::Deserialize;
use sqlx::PgConnection;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::audit::{Diff, Event};
use crate::identity::extract::{
    needs, pin_role, remember_role, ClientInfo, Credential, Principal, Scoped, TenantCtx,
};
use crate::identity::password::check_password;
use crate::identity::users::{fetch_user, insert_user, may_grant, NewUser, UserStatus, UserView};
use crate::platform::extract::{Json, Path, Query};
use crate::platform::state::AppState;
use crate::platform::validate::{self, Checks};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_users, create_user))
        .routes(routes!(get_user, update_user, delete_user))
}

qhub_lib::page_of!(UserPage, UserView);

fn not_found() -> ApiError {
    ApiError::NotFound("no such user".into())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserFilter {
    /// Only users whose name or email contains this text (case-insensitive).
    #[param(value_type = Option<crate::platform::validate::schema::SearchText>)]
    pub q: Option<String>,
    pub role: Option<Role>,
    pub status: Option<UserStatus>,
}

/// List the organization's users (owner or admin), oldest first.
#[utoipa::path(
    get, path = "/v1/users", tag = "users", operation_id = "listUsers",
    params(PageQuery, UserFilter),
    responses((status = 200, description = "A page of users", body = UserPage)),
    security(("bearerAuth" = ["users:read"]))
)]
async fn list_users(
    mut ctx: TenantCtx,
    Query(q): Query<PageQuery>,
    Query(f): Query<UserFilter>,
) -> Result<axum::Json<UserPage>, ApiError> {
    ctx.principal.require(Scope::UsersRead)?;
    let page = q.validate()?;
    let mut checks = Checks::default();
    let text = validate::search_text(f.q.as_deref(), &mut checks);
    checks.finish()?;
    let rows = sqlx::query_as!(
        UserView,
        r#"SELECT id, email, name, role AS "role: Role", is_active, email_verified_at,
                  last_login_at, created_at, updated_at
           FROM users
           WHERE ($1::uuid IS NULL OR id > $1)
             AND ($3::text IS NULL OR strpos(lower(name), $3) > 0 OR strpos(email, $3) > 0)
             AND ($4::text IS NULL OR role = $4)
             AND ($5::bool IS NULL OR is_active = $5)
           ORDER BY id
           LIMIT $2"#,
        page.after,
        page.limit + 1,
        text,
        f.role.map(|r| r.as_str()),
        f.status.map(|s| s == UserStatus::Active),
    )
    .fetch_all(&mut *ctx.tx)
    .await?;
    Ok(axum::Json(Page::from_rows(rows, page, |u| u.id).into()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUserRequest {
    #[schema(value_type = crate::platform::validate::schema::EmailAddress)]
    pub email: String,
    #[schema(value_type = crate::platform::validate::schema::DisplayName)]
    pub name: String,
    /// Initial password.
    #[schema(value_type = crate::platform::validate::schema::NewPassword)]
    pub password: String,
    pub role: Role,
}

/// Create a user with an initial password (owner or admin; only an owner may create an owner).
#[utoipa::path(
    post, path = "/v1/users", tag = "users", operation_id = "createUser",
    request_body = CreateUserRequest,
    responses(
        (status = 201, description = "User created", body = UserView),
        (status = 409, description = "Email already used in this organization (`errors` names `email`)", body = qhub_lib::Problem, content_type = "application/problem+json"),
    ),
    security(("bearerAuth" = ["users:write"]))
)]
async fn create_user(
    State(state): State<AppState>,
    credential: Credential,
    client: ClientInfo,
    Scoped(first, _): Scoped<needs::UsersWrite>,
    Json(req): Json<CreateUserRequest>,
) -> Result<(StatusCode, axum::Json<UserView>), ApiError> {
    // The caller's rights first (a viewer must not make the server hash,
    // nor learn the body's rules), then the body, then the hash without
    // holding a pooled connection: argon2 takes tens of ms. The rights are
    // checked again in the write transaction.
    let may_create = |p: &Principal| {
        p.require(Scope::UsersWrite)?;
        may_grant(p, req.role)
    };
    may_create(&first.principal)?;
    drop(first);
    let email = validate::normalize_email(&req.email);
    Checks::default()
        .check("email", validate::email(&email))
        .check("name", validate::name(&req.name))
        .check(
            "password",
            check_password(&req.password, &[&email, &req.name]).as_deref(),
        )
        .finish()?;
    let hash = state.passwords.hash(&req.password).await?;

    let mut ctx = TenantCtx::open(&state, &credential, client).await?;
    let p = ctx.principal;
    may_create(&p)?;
    let new = NewUser {
        id: Uuid::now_v7(),
        tenant_id: p.tenant_id,
        email: &email,
        password_hash: &hash,
        name: req.name.trim(),
        role: req.role,
    };
    let user = insert_user(&mut ctx.tx, new).await?;
    ctx.audit(
        Event::new("user.created", "user", user.id)
            .diff(serde_json::json!({"email": user.email, "role": user.role})),
    )
    .await?;
    ctx.commit().await?;
    Ok((StatusCode::CREATED, axum::Json(user)))
}

/// Read one user (owner or admin).
#[utoipa::path(
    get, path = "/v1/users/{id}", tag = "users", operation_id = "getUser",
    params(("id" = Uuid, Path, description = "User id")),
    responses((status = 200, description = "The user", body = UserView)),
    security(("bearerAuth" = ["users:read"]))
)]
async fn get_user(
    mut ctx: TenantCtx,
    Path(id): Path<Uuid>,
) -> Result<axum::Json<UserView>, ApiError> {
    ctx.principal.require(Scope::UsersRead)?;
    let user = fetch_user(&mut ctx.tx, id).await?;
    Ok(axum::Json(user))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUserRequest {
    #[serde(default, deserialize_with = "validate::present")]
    #[schema(value_type = crate::platform::validate::schema::DisplayName)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "validate::present")]
    #[schema(value_type = Role)]
    pub role: Option<Role>,
    /// False deactivates the user and ends all their sessions.
    #[serde(default, deserialize_with = "validate::present")]
    #[schema(value_type = bool)]
    pub is_active: Option<bool>,
}

/// Change a user's name, role or active flag (owner or admin).
#[utoipa::path(
    patch, path = "/v1/users/{id}", tag = "users", operation_id = "updateUser",
    params(("id" = Uuid, Path, description = "User id")),
    request_body = UpdateUserRequest,
    responses(
        (status = 200, description = "The updated user", body = UserView),
        (status = 409, description = "Would leave the organization without an active owner", body = qhub_lib::Problem, content_type = "application/problem+json"),
    ),
    security(("bearerAuth" = ["users:write"]))
)]
async fn update_user(
    State(state): State<AppState>,
    Scoped(mut ctx, _): Scoped<needs::UsersWrite>,
    Path(id): Path<Uuid>,
    Json(req): Json<UpdateUserRequest>,
) -> Result<axum::Json<UserView>, ApiError> {
    let p = ctx.principal;
    let mut checks = Checks::default();
    if req.name.is_none() && req.role.is_none() && req.is_active.is_none() {
        checks.check("body", Some("give at least one of name, role, is_active"));
    }
    if let Some(name) = &req.name {
        checks.check("name", validate::name(name));
    }
    checks.finish()?;

    let Locked { p, target, owners } = lock_for_change(&mut ctx.tx, p, id).await?;
    may_manage(&p, &target)?;
    if let Some(role) = req.role {
        may_grant(&p, role)?;
    }
    // Reactivating gives the user's role back: the same rule as granting it.
    if req.is_active == Some(true) && !target.is_active {
        may_grant(&p, req.role.unwrap_or(target.role))?;
    }
    let stays_owner = req.role.unwrap_or(target.role) == Role::Owner;
    let stays_active = req.is_active.unwrap_or(target.is_active);
    if target.role == Role::Owner && target.is_active && !(stays_owner && stays_active) {
        ensure_other_owner(&owners, target.id)?;
    }

    let user = sqlx::query_as!(
        UserView,
        r#"UPDATE users
           SET name = COALESCE($2, name),
               role = COALESCE($3, role),
               is_active = COALESCE($4, is_active),
               access_version = access_version + 1,
               updated_at = now()
           WHERE id = $1
           RETURNING id, email, name, role AS "role: Role", is_active, email_verified_at,
                     last_login_at, created_at, updated_at"#,
        id,
        req.name.as_deref().map(str::trim),
        req.role.map(Role::as_str),
        req.is_active,
    )
    .fetch_one(&mut *ctx.tx)
    .await?;
    ctx.audit(user_change_event(&target, &user)).await?;
    let version = access_version(&mut ctx.tx, id).await?;
    let active_role = |u: &UserView| u.is_active.then_some(u.role);
    pin_role(
        &state,
        id,
        active_role(&target),
        active_role(&user),
        version,
    )
    .await?;
    ctx.commit().await?;
    remember_role(&state, user.id, active_role(&user), version).await;
    if !user.is_active {
        end_sessions(&state, user.id).await;
    }
    Ok(axum::Json(user))
}

/// Remove a user (owner or admin). Their sessions end at once.
#[utoipa::path(
    delete, path = "/v1/users/{id}", tag = "users", operation_id = "deleteUser",
    params(("id" = Uuid, Path, description = "User id")),
    responses(
        (status = 204, description = "User removed"),
        (status = 409, description = "Would leave the organization without an active owner", body = qhub_lib::Problem, content_type = "application/problem+json"),
    ),
    security(("bearerAuth" = ["users:write"]))
)]
async fn delete_user(
    State(state): State<AppState>,
    mut ctx: TenantCtx,
    Path(id): Path<Uuid>,
) -> Result<StatusCode, ApiError> {
    let p = ctx.principal;
    p.require(Scope::UsersWrite)?;
    let Locked { p, target, owners } = lock_for_change(&mut ctx.tx, p, id).await?;
    may_manage(&p, &target)?;
    if target.role == Role::Owner && target.is_active {
        ensure_other_owner(&owners, target.id)?;
    }
    // The tombstone outranks every cached role of this user.
    let version = access_version(&mut ctx.tx, id).await? + 1;
    sqlx::query!("DELETE FROM users WHERE id = $1", id)
        .execute(&mut *ctx.tx)
        .await?;
    ctx.audit(
        Event::new("user.deleted", "user", id)
            .diff(serde_json::json!({"email": target.email, "role": target.role})),
    )
    .await?;
    pin_role(&state, id, None, None, version).await?;
    ctx.commit().await?;
    end_sessions(&state, id).await;
    Ok(StatusCode::NO_CONTENT)
}

/// Ends a deactivated or removed user's sessions. The change is already
/// committed, so a Redis failure must not report it as failed: every request
/// re-reads the user from Postgres (`TenantCtx`), so they are locked out
/// regardless, and leftover session keys expire on their own.
async fn end_sessions(state: &AppState, user: Uuid) {
    if let Err(e) = state.sessions.revoke_all(user).await {
        tracing::warn!(user_id = %user, error = %e, "could not revoke sessions");
    }
}

/// The user's `access_version` (the row is locked by `lock_for_change`).
async fn access_version(conn: &mut PgConnection, id: Uuid) -> Result<i64, ApiError> {
    let v = sqlx::query_scalar!("SELECT access_version FROM users WHERE id = $1", id)
        .fetch_one(conn)
        .await?;
    Ok(v)
}

/// What a user change may rely on until its transaction ends.
struct Locked {
    /// The caller, with the role re-read under lock.
    p: Principal,
    target: UserView,
    /// The tenant's active owners.
    owners: Vec<Uuid>,
}

/// Locks what a change to user `id` depends on, always in the same order
/// (active owners by id, then caller and target by id), so concurrent
/// changes queue instead of deadlocking. The caller's role was read before
/// any lock; it is re-read here, so a caller demoted or deactivated
/// concurrently cannot finish a change with their old role.
async fn lock_for_change(
    conn: &mut PgConnection,
    p: Principal,
    id: Uuid,
) -> Result<Locked, ApiError> {
    let owners = lock_active_owners(&mut *conn).await?;
    let rows = sqlx::query_as!(
        UserView,
        r#"SELECT id, email, name, role AS "role: Role", is_active, email_verified_at,
                  last_login_at, created_at, updated_at
           FROM users WHERE id = ANY($1) ORDER BY id FOR UPDATE"#,
        &[p.user_id, id][..],
    )
    .fetch_all(&mut *conn)
    .await?;
    let caller = rows
        .iter()
        .find(|u| u.id == p.user_id && u.is_active)
        .ok_or_else(|| ApiError::Unauthenticated("user is not active".into()))?;
    let p = p.with_role(caller.role);
    p.require(Scope::UsersWrite)?;
    let target = rows
        .into_iter()
        .find(|u| u.id == id)
        .ok_or_else(not_found)?;
    Ok(Locked { p, target, owners })
}

/// One event per change, named after what matters most: a role change,
/// then (de)activation, else a plain update. The diff holds every field
/// that changed.
fn user_change_event(before: &UserView, after: &UserView) -> Event<'static> {
    let mut diff = Diff::default();
    diff.note("name", &before.name, &after.name);
    diff.note("role", &before.role, &after.role);
    diff.note("is_active", &before.is_active, &after.is_active);
    let event = if before.role != after.role {
        Event::new("user.role_changed", "user", after.id)
    } else if before.is_active && !after.is_active {
        Event::new("user.deactivated", "user", after.id)
    } else if !before.is_active && after.is_active {
        Event::new("user.reactivated", "user", after.id)
    } else {
        Event::new("user.updated", "user", after.id)
    };
    event.diff(diff.into_value())
}

/// Only an owner may change or remove an owner.
fn may_manage(p: &Principal, target: &UserView) -> Result<(), ApiError> {
    if target.role == Role::Owner && p.role != Role::Owner {
        return Err(ApiError::Forbidden(
            "only an owner may change or remove an owner".into(),
        ));
    }
    Ok(())
}

/// Locks the tenant's active owners in id order, before any other user
/// row: two owners demoting each other cannot both succeed.
/// Under READ COMMITTED a waiter re-checks each row after the lock is
/// released, so the list reflects the winner's committed change.
async fn lock_active_owners(conn: &mut PgConnection) -> Result<Vec<Uuid>, ApiError> {
    let owners = sqlx::query_scalar!(
        "SELECT id FROM users WHERE role = 'owner' AND is_active ORDER BY id FOR UPDATE"
    )
    .fetch_all(conn)
    .await?;
    Ok(owners)
}

/// Fails unless an active owner other than `except` remains.
fn ensure_other_owner(owners: &[Uuid], except: Uuid) -> Result<(), ApiError> {
    if owners.iter().any(|o| *o != except) {
        Ok(())
    } else {
        Err(ApiError::Conflict(
            "the organization's last active owner cannot be demoted, deactivated or removed".into(),
        ))
    }
}
