//! Organization signup and the caller's own tenant.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use qhub_lib::error::on_constraint;
use qhub_lib::{ApiError, Role};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::audit::{Diff, Event};
use crate::identity::account::send_verification;
use crate::identity::cookie::{self, RefreshDelivery};
use crate::identity::extract::{needs, ClientInfo, Scoped, Session, TenantCtx};
use crate::identity::issue::{issue_tokens, TokenPair};
use crate::identity::password::check_password;
use crate::identity::tenants::{fetch_tenant, TenantView};
use crate::identity::users::{insert_user, NewUser, UserView};
use crate::platform::extract::Json;
use crate::platform::state::AppState;
use crate::platform::tenancy;
use crate::platform::validate::{self, Checks};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(signup))
        .routes(routes!(get_tenant, update_tenant))
        .routes(routes!(get_onboarding))
}

/// The getting-started checklist of a new organization, from real state.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Onboarding {
    /// The caller's own email address is verified.
    pub email_verified: bool,
    /// Someone was invited, or the organization has more than one user.
    pub teammate_invited: bool,
    /// An API key was created (even if revoked since).
    pub api_key_created: bool,
    /// An API key has authenticated a request.
    pub first_call_made: bool,
    /// Every step above is done.
    pub complete: bool,
}

/// Getting started: which first steps the organization (and, for the email,
/// the caller) has done. Any member may read it.
#[utoipa::path(
    get, path = "/v1/tenant/onboarding", tag = "tenants", operation_id = "getOnboarding",
    responses((status = 200, description = "The checklist", body = Onboarding)),
    security(("bearerAuth" = []))
)]
async fn get_onboarding(
    session: Session,
    mut ctx: TenantCtx,
) -> Result<axum::Json<Onboarding>, ApiError> {
    let row = sqlx::query!(
        r#"SELECT
             (SELECT email_verified_at IS NOT NULL FROM users WHERE id = $1) AS "email_verified!",
             (EXISTS (SELECT 1 FROM invitations)
                OR (SELECT count(*) FROM users) > 1) AS "teammate_invited!",
             EXISTS (SELECT 1 FROM api_keys) AS "api_key_created!",
             EXISTS (SELECT 1 FROM api_keys WHERE last_used_at IS NOT NULL) AS "first_call_made!""#,
        session.user_id
    )
    .fetch_one(&mut *ctx.tx)
    .await?;
    Ok(axum::Json(Onboarding {
        complete: row.email_verified
            && row.teammate_invited
            && row.api_key_created
            && row.first_call_made,
        email_verified: row.email_verified,
        teammate_invited: row.teammate_invited,
        api_key_created: row.api_key_created,
        first_call_made: row.first_call_made,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignupRequest {
    /// Organization name.
    #[schema(value_type = crate::platform::validate::schema::DisplayName)]
    pub name: String,
    /// Unique among organizations.
    #[schema(value_type = crate::platform::validate::schema::Slug)]
    pub slug: String,
    #[schema(value_type = crate::platform::validate::schema::EmailAddress)]
    pub owner_email: String,
    #[schema(value_type = crate::platform::validate::schema::NewPassword)]
    pub owner_password: String,
    #[schema(value_type = crate::platform::validate::schema::DisplayName)]
    pub owner_name: String,
    /// Where the refresh token goes: the response body (default) or only
    /// the HttpOnly `qhub_refresh` cookie (browsers).
    #[serde(default)]
    pub refresh_delivery: RefreshDelivery,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SignupResponse {
    pub tenant: TenantView,
    pub user: UserView,
    #[serde(flatten)]
    pub tokens: TokenPair,
}

/// Sign up an organization: creates the tenant and its owner, and logs the owner in.
///
/// A verification mail goes to the owner's address.
#[utoipa::path(
    post, path = "/v1/tenants", tag = "tenants", operation_id = "signup",
    request_body = SignupRequest,
    responses(
        (status = 201, description = "Organization and owner created", body = SignupResponse,
            headers(("Set-Cookie" = String, description = "With `refresh_delivery: \"cookie\"`: `qhub_refresh`, the refresh token (HttpOnly, SameSite=Strict, Path=/v1/auth)"))),
        (status = 409, description = "The slug is taken", body = qhub_lib::Problem, content_type = "application/problem+json"),
    ),
    security(())
)]
async fn signup(
    State(state): State<AppState>,
    client: ClientInfo,
    Json(req): Json<SignupRequest>,
) -> Result<Response, ApiError> {
    let email = validate::normalize_email(&req.owner_email);
    Checks::default()
        .check("name", validate::name(&req.name))
        .check("slug", validate::slug(&req.slug))
        .check("owner_email", validate::email(&email))
        .check(
            "owner_password",
            check_password(
                &req.owner_password,
                &[&email, &req.owner_name, &req.slug, &req.name],
            )
            .as_deref(),
        )
        .check("owner_name", validate::name(&req.owner_name))
        .finish()?;

    let hash = state.passwords.hash(&req.owner_password).await?;
    let tenant_id = Uuid::now_v7();
    let user_id = Uuid::now_v7();

    // The new tenant's own id is the context: RLS's WITH CHECK admits
    // exactly this tenant's rows, no policy exception needed.
    let mut tx = tenancy::as_tenant(&state.db, tenant_id, Some(user_id)).await?;
    let tenant = sqlx::query_as!(
        TenantView,
        "INSERT INTO tenants (id, name, slug) VALUES ($1, $2, $3)
         RETURNING id, name, slug, settings, created_at, updated_at",
        tenant_id,
        req.name.trim(),
        req.slug,
    )
    .fetch_one(&mut *tx)
    .await
    .map_err(on_constraint("tenants_slug_key", || {
        ApiError::taken(
            "slug",
            format!("{:?} is already taken by another organization", req.slug),
        )
    }))?;
    let new = NewUser {
        id: user_id,
        tenant_id,
        email: &email,
        password_hash: &hash,
        name: req.owner_name.trim(),
        role: Role::Owner,
    };
    let user = insert_user(&mut tx, new).await?;
    send_verification(&mut tx, &state, tenant_id, user_id, &email).await?;

    // Session first, commit second: if Redis is down nothing is created.
    let tokens = issue_tokens(&state, tenant_id, user_id, &client).await?;
    if let Err(e) = tx.commit().await {
        let _ = state.sessions.revoke_all(user_id).await;
        return Err(e.into());
    }
    state.mailer.wake();
    tracing::info!(tenant_id = %tenant_id, "tenant signed up");
    Ok(cookie::issued(
        &state.config,
        StatusCode::CREATED,
        req.refresh_delivery,
        tokens,
        |tokens| SignupResponse {
            tenant,
            user,
            tokens,
        },
    ))
}

/// The caller's organization.
#[utoipa::path(
    get, path = "/v1/tenant", tag = "tenants", operation_id = "getTenant",
    responses((status = 200, description = "The caller's organization", body = TenantView)),
    security(("bearerAuth" = []))
)]
async fn get_tenant(_: Session, mut ctx: TenantCtx) -> Result<axum::Json<TenantView>, ApiError> {
    Ok(axum::Json(fetch_tenant(&mut ctx.tx).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateTenantRequest {
    #[serde(default, deserialize_with = "validate::present")]
    #[schema(value_type = crate::platform::validate::schema::DisplayName)]
    pub name: Option<String>,
    /// Replaces the settings object (at most 16 KiB of JSON). Its keys and
    /// string values may hold tab, newline and carriage return but no other
    /// control character (NUL included).
    #[serde(default, deserialize_with = "validate::present")]
    #[schema(value_type = crate::platform::validate::schema::Settings)]
    pub settings: Option<serde_json::Value>,
}

const MAX_SETTINGS_BYTES: usize = 16 * 1024;

/// Update the caller's tenant (owner or admin).
#[utoipa::path(
    patch, path = "/v1/tenant", tag = "tenants", operation_id = "updateTenant",
    request_body = UpdateTenantRequest,
    responses((status = 200, description = "The updated organization", body = TenantView)),
    security(("bearerAuth" = ["admin"]))
)]
async fn update_tenant(
    Scoped(mut ctx, _): Scoped<needs::Admin>,
    Json(req): Json<UpdateTenantRequest>,
) -> Result<axum::Json<TenantView>, ApiError> {
    let mut checks = Checks::default();
    if req.name.is_none() && req.settings.is_none() {
        checks.check("body", Some("give at least one of name, settings"));
    }
    if let Some(name) = &req.name {
        checks.check("name", validate::name(name));
    }
    if let Some(settings) = &req.settings {
        if !settings.is_object() {
            checks.check("settings", Some("must be a JSON object"));
        } else if settings.to_string().len() > MAX_SETTINGS_BYTES {
            checks.check("settings", Some("must be at most 16 KiB of JSON"));
        } else {
            checks.check("settings", validate::json_text(settings));
        }
    }
    checks.finish()?;

    // Locked, so the recorded diff is against what this update replaces.
    let before = sqlx::query_as!(
        TenantView,
        "SELECT id, name, slug, settings, created_at, updated_at FROM tenants FOR UPDATE"
    )
    .fetch_one(&mut *ctx.tx)
    .await?;
    let tenant = sqlx::query_as!(
        TenantView,
        // RLS already limits this to the caller's tenant; the WHERE states
        // the intent, so the statement stays safe if a wider read policy is
        // ever added to tenants.
        "UPDATE tenants
         SET name = COALESCE($1, name), settings = COALESCE($2, settings), updated_at = now()
         WHERE id = app.current_tenant_id()
         RETURNING id, name, slug, settings, created_at, updated_at",
        req.name.as_deref().map(str::trim),
        req.settings,
    )
    .fetch_one(&mut *ctx.tx)
    .await?;
    let mut diff = Diff::default();
    diff.note("name", &before.name, &tenant.name);
    diff.note("settings", &before.settings, &tenant.settings);
    ctx.audit(Event::new("tenant.updated", "tenant", tenant.id).diff(diff.into_value()))
        .await?;
    ctx.commit().await?;
    Ok(axum::Json(tenant))
}
