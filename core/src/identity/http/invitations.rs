//! Invitations: owners and admins invite people by email instead of
//! setting their passwords. The mail carries a single-use token (stored
//! hashed, 7 days by default); accepting it creates the user in the
//! inviting tenant and logs them in.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use qhub_lib::page::{Page, PageQuery};
use qhub_lib::{ApiError, Role, Scope};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::audit::{self, Event};
use crate::identity::cookie::{self, RefreshDelivery};
use crate::identity::extract::{needs, ClientInfo, Scoped, TenantCtx};
use crate::identity::issue::{issue_tokens, TokenPair};
use crate::identity::onetime;
use crate::identity::password::check_password;
use crate::identity::users::{insert_user, may_grant, role_may_grant, NewUser, UserView};
use crate::platform::extract::{Json, Path, Query};
use crate::platform::mail::{self, Mail};
use crate::platform::state::AppState;
use crate::platform::tenancy;
use crate::platform::validate::{self, Checks};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_invitations, create_invitation))
        .routes(routes!(revoke_invitation))
        .routes(routes!(accept_invitation))
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum InvitationStatus {
    Pending,
    Accepted,
    Expired,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct InvitationView {
    pub id: Uuid,
    pub email: String,
    pub role: Role,
    pub status: InvitationStatus,
    pub invited_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
}

qhub_lib::page_of!(InvitationPage, InvitationView);

struct InvitationRow {
    id: Uuid,
    email: String,
    role: Role,
    invited_by: Option<Uuid>,
    created_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    accepted_at: Option<DateTime<Utc>>,
}

impl From<InvitationRow> for InvitationView {
    fn from(r: InvitationRow) -> Self {
        let status = if r.accepted_at.is_some() {
            InvitationStatus::Accepted
        } else if r.expires_at <= Utc::now() {
            InvitationStatus::Expired
        } else {
            InvitationStatus::Pending
        };
        InvitationView {
            id: r.id,
            email: r.email,
            role: r.role,
            status,
            invited_by: r.invited_by,
            created_at: r.created_at,
            expires_at: r.expires_at,
            accepted_at: r.accepted_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateInvitationRequest {
    #[schema(value_type = crate::platform::validate::schema::EmailAddress)]
    pub email: String,
    /// Only an owner may invite an owner.
    pub role: Role,
}

/// Invite someone by email (owner or admin). The invitation mail carries the token.
#[utoipa::path(
    post, path = "/v1/invitations", tag = "invitations", operation_id = "createInvitation",
    request_body = CreateInvitationRequest,
    responses(
        (status = 201, description = "Invitation created and mail queued", body = InvitationView),
        (status = 409, description = "Already a user, or an open invitation exists", body = qhub_lib::Problem, content_type = "application/problem+json"),
    ),
    security(("bearerAuth" = ["users:write"]))
)]
async fn create_invitation(
    State(state): State<AppState>,
    Scoped(mut ctx, _): Scoped<needs::UsersWrite>,
    Json(req): Json<CreateInvitationRequest>,
) -> Result<(StatusCode, axum::Json<InvitationView>), ApiError> {
    let p = ctx.principal;
    let email = validate::normalize_email(&req.email);
    Checks::default()
        .check("email", validate::email(&email))
        .finish()?;
    may_grant(&p, req.role)?;

    let exists = sqlx::query_scalar!("SELECT id FROM users WHERE email = $1", email)
        .fetch_optional(&mut *ctx.tx)
        .await?;
    if exists.is_some() {
        return Err(ApiError::Conflict(
            "a user with this email already exists".into(),
        ));
    }
    // An expired invitation must not block a new one.
    sqlx::query!(
        "DELETE FROM invitations WHERE email = $1 AND accepted_at IS NULL AND expires_at <= now()",
        email
    )
    .execute(&mut *ctx.tx)
    .await?;

    let one = onetime::issue(p.tenant_id);
    let row = sqlx::query_as!(
        InvitationRow,
        r#"INSERT INTO invitations (id, tenant_id, email, role, token_hash, invited_by, expires_at)
           VALUES ($1, $2, $3, $4, $5, $6, now() + $7 * interval '1 second')
           RETURNING id, email, role AS "role: Role", invited_by, created_at, expires_at,
                     accepted_at"#,
        Uuid::now_v7(),
        p.tenant_id,
        email,
        req.role.as_str(),
        &one.hash[..],
        p.user_id,
        state.config.invitation_ttl.as_secs_f64(),
    )
    .fetch_one(&mut *ctx.tx)
    .await
    .map_err(qhub_lib::error::on_constraint(
        "invitations_open_email",
        || ApiError::Conflict("an open invitation for this email exists; revoke it first".into()),
    ))?;
    let tenant = crate::identity::tenants::fetch_tenant(&mut ctx.tx).await?;
    // The organization's name is its members' text, not QHub's: quoted
    // and bounded, never able to pose as a QHub notice; the only link is
    // the console's.
    let name = mail::quoted(&tenant.name);
    let body = format!(
        "You are invited to join the organization {name} (slug: {slug}) on QHub as {role}.\n\n\
         Accept in the QHub console:\n{web}/accept-invitation?token={token}\n\n\
         Token: {token}\n\nThe invitation expires at {expires}. You will log in with the \
         organization slug {slug} and this email address.\n\n\
         The organization name above was chosen by that organization, not by QHub. \
         If you did not expect this invitation, ignore this mail.\n",
        slug = tenant.slug,
        role = req.role,
        web = state.config.web_url,
        token = one.token,
        expires = row.expires_at.to_rfc3339(),
    );
    let subject = format!("Join the organization {name} on QHub");
    mail::enqueue(
        &mut ctx.tx,
        p.tenant_id,
        Mail {
            to: &email,
            subject: &subject,
            body,
        },
    )
    .await?;
    let view = InvitationView::from(row);
    ctx.audit(
        Event::new("invitation.sent", "invitation", view.id)
            .diff(serde_json::json!({"email": view.email, "role": view.role})),
    )
    .await?;
    ctx.commit().await?;
    state.mailer.wake();
    Ok((StatusCode::CREATED, axum::Json(view)))
}

/// List invitations (owner or admin), oldest first.
#[utoipa::path(
    get, path = "/v1/invitations", tag = "invitations", operation_id = "listInvitations",
    params(PageQuery),
    responses((status = 200, description = "A page of invitations", body = InvitationPage)),
    security(("bearerAuth" = ["users:read"]))
)]
async fn list_invitations(
    mut ctx: TenantCtx,
    Query(q): Query<PageQuery>,
) -> Result<axum::Json<InvitationPage>, ApiError> {
    ctx.principal.require(Scope::UsersRead)?;
    let page = q.validate()?;
    let rows = sqlx::query_as!(
        InvitationRow,
        r#"SELECT id, email, role AS "role: Role", invited_by, created_at, expires_at, accepted_at
           FROM invitations
           WHERE ($1::uuid IS NULL OR id > $1)
           ORDER BY id
           LIMIT $2"#,
        page.after,
        page.limit + 1,
    )
    .fetch_all(&mut *ctx.tx)
    .await?;
    let rows = rows.into_iter().map(InvitationView::from).collect();
    Ok(axum::Json(Page::from_rows(rows, page, |i| i.id).into()))
}

/// Revoke an invitation that has not been accepted (owner or admin).
#[utoipa::path(
    delete, path = "/v1/invitations/{id}", tag = "invitations", operation_id = "revokeInvitation",
    params(("id" = Uuid, Path, description = "Invitation id")),
    responses(
        (status = 204, description = "Invitation revoked; its token no longer works"),
        (status = 409, description = "Already accepted", body = qhub_lib::Problem, content_type = "application/problem+json"),
    ),
    security(("bearerAuth" = ["users:write"]))
)]
async fn revoke_invitation(
    mut ctx: TenantCtx,
    Path(id): Path<Uuid>,
) -> Result<StatusCode, ApiError> {
    let p = ctx.principal;
    p.require(Scope::UsersWrite)?;
    let row = sqlx::query!(
        r#"SELECT email, role AS "role: Role", accepted_at FROM invitations WHERE id = $1 FOR UPDATE"#,
        id
    )
    .fetch_optional(&mut *ctx.tx)
    .await?
    .ok_or_else(|| ApiError::NotFound("no such invitation".into()))?;
    if row.accepted_at.is_some() {
        return Err(ApiError::Conflict(
            "the invitation was already accepted; manage the user instead".into(),
        ));
    }
    // Revoking an owner invitation is an owner's call, like granting it.
    may_grant(&p, row.role)?;
    sqlx::query!("DELETE FROM invitations WHERE id = $1", id)
        .execute(&mut *ctx.tx)
        .await?;
    ctx.audit(
        Event::new("invitation.revoked", "invitation", id)
            .diff(serde_json::json!({"email": row.email, "role": row.role})),
    )
    .await?;
    ctx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptInvitationRequest {
    /// The token from the invitation mail.
    #[schema(value_type = crate::platform::validate::schema::MailToken)]
    pub token: String,
    #[schema(value_type = crate::platform::validate::schema::DisplayName)]
    pub name: String,
    #[schema(value_type = crate::platform::validate::schema::NewPassword)]
    pub password: String,
    /// Where the refresh token goes: the response body (default) or only
    /// the HttpOnly `qhub_refresh` cookie (browsers).
    #[serde(default)]
    pub refresh_delivery: RefreshDelivery,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AcceptInvitationResponse {
    pub user: UserView,
    #[serde(flatten)]
    pub tokens: TokenPair,
}

/// Accept an invitation: creates the user in the inviting tenant and logs them in.
///
/// Works once; an expired, revoked or used token is 404.
#[utoipa::path(
    post, path = "/v1/invitations/accept", tag = "invitations", operation_id = "acceptInvitation",
    request_body = AcceptInvitationRequest,
    responses(
        (status = 201, description = "User created and logged in", body = AcceptInvitationResponse,
            headers(("Set-Cookie" = String, description = "With `refresh_delivery: \"cookie\"`: `qhub_refresh`, the refresh token (HttpOnly, SameSite=Strict, Path=/v1/auth)"))),
        (status = 404, description = "Invalid, expired, revoked or used token", body = qhub_lib::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The email already belongs to a user of the tenant", body = qhub_lib::Problem, content_type = "application/problem+json"),
    ),
    security(())
)]
async fn accept_invitation(
    State(state): State<AppState>,
    client: ClientInfo,
    Json(req): Json<AcceptInvitationRequest>,
) -> Result<Response, ApiError> {
    Checks::default()
        .check("name", validate::name(&req.name))
        .check("password", check_password(&req.password))
        .finish()?;
    let invalid =
        || ApiError::NotFound("the invitation is invalid, expired or already used".into());
    let (tenant, hash) = onetime::parse(&req.token).ok_or_else(invalid)?;
    // A bad token is refused before any argon2 work is spent on it.
    if !open_invitation(&state, tenant, &hash).await? {
        return Err(invalid());
    }
    let password_hash = state.passwords.hash(&req.password).await?;

    let mut tx = tenancy::as_tenant(&state.db, tenant, None).await?;
    // The row lock makes the token single-use under concurrent accepts.
    let inv = sqlx::query!(
        r#"SELECT id, email, role AS "role: Role", invited_by FROM invitations
           WHERE token_hash = $1 AND accepted_at IS NULL AND expires_at > now()
           FOR UPDATE"#,
        &hash[..]
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(invalid)?;
    // An invitation carries its sender's authority only while the sender
    // still has it: removed, deactivated or demoted below what the role
    // needs, and the invitation is dead. The row is share-locked, so a
    // concurrent demotion waits for this acceptance or makes it fail.
    let inviter = match inv.invited_by {
        Some(by) => {
            sqlx::query!(
                r#"SELECT role AS "role: Role", is_active FROM users WHERE id = $1 FOR SHARE"#,
                by
            )
            .fetch_optional(&mut *tx)
            .await?
        }
        None => None,
    };
    if !inviter.is_some_and(|i| i.is_active && role_may_grant(i.role, inv.role)) {
        return Err(ApiError::NotFound(
            "the invitation is no longer valid: whoever sent it can no longer grant this role"
                .into(),
        ));
    }
    let user_id = Uuid::now_v7();
    let user = insert_user(
        &mut tx,
        NewUser {
            id: user_id,
            tenant_id: tenant,
            email: &inv.email,
            password_hash: &password_hash,
            name: req.name.trim(),
            role: inv.role,
        },
    )
    .await?;
    // The invitation reached this mailbox: the address is verified.
    let user = sqlx::query_as!(
        UserView,
        r#"UPDATE users SET email_verified_at = now() WHERE id = $1
           RETURNING id, email, name, role AS "role: Role", is_active, email_verified_at,
                     last_login_at, created_at, updated_at"#,
        user.id
    )
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query!(
        "UPDATE invitations SET accepted_at = now(), accepted_by = $2 WHERE id = $1",
        inv.id,
        user_id
    )
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        tenant,
        ("user", user_id),
        &client,
        Event::new("invitation.accepted", "invitation", inv.id).diff(
            serde_json::json!({"user_id": user_id, "role": inv.role, "invited_by": inv.invited_by}),
        ),
    )
    .await?;
    // Session first, commit second (as at signup): if Redis is down,
    // nothing is created and the token still works.
    let tokens = issue_tokens(&state, tenant, user_id, &client).await?;
    if let Err(e) = tx.commit().await {
        let _ = state.sessions.revoke_all(user_id).await;
        return Err(e.into());
    }
    Ok(cookie::issued(
        &state.config,
        StatusCode::CREATED,
        req.refresh_delivery,
        tokens,
        |tokens| AcceptInvitationResponse { user, tokens },
    ))
}

async fn open_invitation(
    state: &AppState,
    tenant: Uuid,
    hash: &[u8; 32],
) -> Result<bool, ApiError> {
    let mut tx = tenancy::as_tenant(&state.db, tenant, None).await?;
    let found = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM invitations
           WHERE token_hash = $1 AND accepted_at IS NULL AND expires_at > now()) AS "found!""#,
        &hash[..]
    )
    .fetch_one(&mut *tx)
    .await?;
    Ok(found)
}
