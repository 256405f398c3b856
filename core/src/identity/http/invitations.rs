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
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::audit::{self, Event};
use crate::identity::cookie::{self, RefreshDelivery};
use crate::identity::extract::{needs, ClientInfo, Principal, Scoped, TenantCtx};
use crate::identity::issue::{issue_tokens, TokenPair};
use crate::identity::onetime;
use crate::identity::password::{check_password, check_password_length};
use crate::identity::users::{insert_user, may_grant, role_may_grant, NewUser, UserView};
use crate::platform::extract::{Json, Path, Query};
use crate::platform::mail::{self, Mail};
use crate::platform::ratelimit::Limit;
use crate::platform::state::AppState;
use crate::platform::tenancy;
use crate::platform::validate::{self, Checks};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_invitations, create_invitation))
        .routes(routes!(revoke_invitation))
        .routes(routes!(resend_invitation))
        .routes(routes!(invitation_link))
        .routes(routes!(preview_invitation))
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
        return Err(ApiError::taken(
            "email",
            "already belongs to a user of this organization",
        ));
    }
    // An expired invitation must not block a new one.
    sqlx::query!(
        "DELETE FROM invitations WHERE email = $1 AND accepted_at IS NULL AND expires_at <= now()",
        email
    )
    .execute(&mut *ctx.tx)
    .await?;

    let id = Uuid::now_v7();
    let one = link_token(&state, p.tenant_id, id);
    let row = sqlx::query_as!(
        InvitationRow,
        r#"INSERT INTO invitations (id, tenant_id, email, role, token_hash, invited_by, expires_at)
           VALUES ($1, $2, $3, $4, $5, $6, now() + $7 * interval '1 second')
           RETURNING id, email, role AS "role: Role", invited_by, created_at, expires_at,
                     accepted_at"#,
        id,
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
        || {
            ApiError::taken(
                "email",
                "already has an open invitation; resend or revoke it",
            )
        },
    ))?;
    mail_invitation(&state, &mut ctx, &row, &one.token).await?;
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

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InvitationFilter {
    /// Only invitations whose email contains this text (case-insensitive).
    #[param(value_type = Option<crate::platform::validate::schema::SearchText>)]
    pub q: Option<String>,
    /// Only invitations in this state.
    pub status: Option<InvitationStatus>,
}

/// List invitations (owner or admin), newest first.
#[utoipa::path(
    get, path = "/v1/invitations", tag = "invitations", operation_id = "listInvitations",
    params(PageQuery, InvitationFilter),
    responses((status = 200, description = "A page of invitations", body = InvitationPage)),
    security(("bearerAuth" = ["users:read"]))
)]
async fn list_invitations(
    mut ctx: TenantCtx,
    Query(q): Query<PageQuery>,
    Query(f): Query<InvitationFilter>,
) -> Result<axum::Json<InvitationPage>, ApiError> {
    ctx.principal.require(Scope::UsersRead)?;
    let page = q.validate()?;
    let mut checks = Checks::default();
    let text = validate::search_text(f.q.as_deref(), &mut checks);
    checks.finish()?;
    let status = f.status.map(|s| match s {
        InvitationStatus::Pending => "pending",
        InvitationStatus::Accepted => "accepted",
        InvitationStatus::Expired => "expired",
    });
    let rows = sqlx::query_as!(
        InvitationRow,
        r#"SELECT id, email, role AS "role: Role", invited_by, created_at, expires_at, accepted_at
           FROM invitations
           WHERE ($1::uuid IS NULL OR id < $1)
             AND ($3::text IS NULL OR strpos(email, $3) > 0)
             AND CASE $4::text
                   WHEN 'accepted' THEN accepted_at IS NOT NULL
                   WHEN 'expired' THEN accepted_at IS NULL AND expires_at <= now()
                   WHEN 'pending' THEN accepted_at IS NULL AND expires_at > now()
                   ELSE true
                 END
           ORDER BY id DESC
           LIMIT $2"#,
        page.after,
        page.limit + 1,
        text,
        status,
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
    // Revoking an owner invitation is an owner's call, like granting it.
    let row = lock_open_invitation(&mut ctx, &p, id).await?;
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

/// The invitation's token: derived from its id with a server key, so the
/// link can be shown again ("copy link") while only its hash is stored.
fn link_token(state: &AppState, tenant: Uuid, id: Uuid) -> onetime::OneTime {
    onetime::derive(tenant, &state.config.jwt_secret, "invitation", id)
}

fn accept_url(state: &AppState, token: &str) -> String {
    format!("{}/accept-invitation?token={token}", state.config.web_url)
}

/// The one invitation mail, at creation and on resend: who invites, to
/// which organization (its name and the slug needed to log in later), as
/// which role, the console link and the expiry.
async fn mail_invitation(
    state: &AppState,
    ctx: &mut TenantCtx,
    row: &InvitationRow,
    token: &str,
) -> Result<(), ApiError> {
    let tenant = crate::identity::tenants::fetch_tenant(&mut ctx.tx).await?;
    let inviter = match row.invited_by {
        Some(by) => sqlx::query_scalar!("SELECT name FROM users WHERE id = $1", by)
            .fetch_optional(&mut *ctx.tx)
            .await?
            .map(|n| mail::quoted(&n)),
        None => None,
    }
    .unwrap_or_else(|| "An administrator".to_owned());
    // Names are their owners' text, not QHub's: quoted and bounded, never
    // able to pose as a QHub notice; the only link is the console's.
    let name = mail::quoted(&tenant.name);
    let body = format!(
        "{inviter} invites you to join the organization {name} on QHub as {role}.\n\n\
         Organization: {name}\nOrganization slug: {slug}\nRole: {role}\nEmail: {email}\n\n\
         Accept in the QHub console:\n{url}\n\n\
         Token: {token}\n\nThe invitation expires at {expires}. You will log in with the \
         organization slug {slug} and this email address.\n\n\
         The names above were chosen by that organization and its members, not by QHub. \
         If you did not expect this invitation, ignore this mail.\n",
        slug = tenant.slug,
        role = row.role,
        email = row.email,
        url = accept_url(state, token),
        expires = row.expires_at.to_rfc3339(),
    );
    let subject = format!("Join the organization {name} on QHub");
    mail::enqueue(
        &mut ctx.tx,
        tenant.id,
        Mail {
            to: &row.email,
            subject: &subject,
            body,
        },
    )
    .await
}

/// Locks an invitation that can still be accepted and that the caller may
/// manage: 404 if there is none, 409 once accepted, 403 for an admin on
/// an owner invitation.
async fn lock_open_invitation(
    ctx: &mut TenantCtx,
    p: &Principal,
    id: Uuid,
) -> Result<OpenInvitation, ApiError> {
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
    may_grant(p, row.role)?;
    Ok(OpenInvitation {
        email: row.email,
        role: row.role,
    })
}

struct OpenInvitation {
    email: String,
    role: Role,
}

/// Mails of one invitation per hour: resending cannot turn QHub into a
/// mail cannon aimed at the invited address.
const RESEND_LIMIT: Limit = Limit::per(5, 3600);

/// Send the invitation mail again (owner or admin). The expiry starts over
/// and the caller becomes the inviter (acceptance checks the inviter's
/// authority); the link stays the same, so an earlier mail works too. At
/// most 5 resends per invitation per hour.
#[utoipa::path(
    post, path = "/v1/invitations/{id}/resend", tag = "invitations", operation_id = "resendInvitation",
    params(("id" = Uuid, Path, description = "Invitation id")),
    responses(
        (status = 200, description = "Mail queued; the invitation is pending again until the new expiry", body = InvitationView),
        (status = 409, description = "Already accepted", body = qhub_lib::Problem, content_type = "application/problem+json"),
    ),
    security(("bearerAuth" = ["users:write"]))
)]
async fn resend_invitation(
    State(state): State<AppState>,
    mut ctx: TenantCtx,
    Path(id): Path<Uuid>,
) -> Result<axum::Json<InvitationView>, ApiError> {
    let p = ctx.principal;
    p.require(Scope::UsersWrite)?;
    lock_open_invitation(&mut ctx, &p, id).await?;
    // Counted only for an invitation the caller may resend, so probing
    // other organizations' ids costs nothing here (they are 404 above).
    state
        .limiter
        .check("invite-resend", &id.to_string(), RESEND_LIMIT)
        .await?;
    let one = link_token(&state, p.tenant_id, id);
    let row = sqlx::query_as!(
        InvitationRow,
        r#"UPDATE invitations
           SET expires_at = now() + $2 * interval '1 second', invited_by = $3, token_hash = $4
           WHERE id = $1
           RETURNING id, email, role AS "role: Role", invited_by, created_at, expires_at,
                     accepted_at"#,
        id,
        state.config.invitation_ttl.as_secs_f64(),
        p.user_id,
        &one.hash[..],
    )
    .fetch_one(&mut *ctx.tx)
    .await?;
    mail_invitation(&state, &mut ctx, &row, &one.token).await?;
    ctx.audit(
        Event::new("invitation.resent", "invitation", id)
            .diff(serde_json::json!({"email": row.email, "expires_at": row.expires_at})),
    )
    .await?;
    ctx.commit().await?;
    state.mailer.wake();
    Ok(axum::Json(InvitationView::from(row)))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct InvitationLink {
    /// The console's accept link, the same one the mail carries. Whoever
    /// holds it can join as the invited email: share it privately.
    pub url: String,
    pub expires_at: DateTime<Utc>,
}

/// The invitation's accept link, to share by other means than mail (owner
/// or admin). Audited. An expired invitation must be resent first.
#[utoipa::path(
    post, path = "/v1/invitations/{id}/link", tag = "invitations", operation_id = "getInvitationLink",
    params(("id" = Uuid, Path, description = "Invitation id")),
    responses(
        (status = 200, description = "The accept link", body = InvitationLink),
        (status = 409, description = "Already accepted, or expired (resend it)", body = qhub_lib::Problem, content_type = "application/problem+json"),
    ),
    security(("bearerAuth" = ["users:write"]))
)]
async fn invitation_link(
    State(state): State<AppState>,
    mut ctx: TenantCtx,
    Path(id): Path<Uuid>,
) -> Result<axum::Json<InvitationLink>, ApiError> {
    let p = ctx.principal;
    p.require(Scope::UsersWrite)?;
    lock_open_invitation(&mut ctx, &p, id).await?;
    let one = link_token(&state, p.tenant_id, id);
    // Storing the derived hash is a no-op for invitations made since links
    // are derived; an older one (random token) or a rotated server key
    // gets the derived token from now on, and its earlier mail stops working.
    let expires_at = sqlx::query_scalar!(
        "UPDATE invitations SET token_hash = $2 WHERE id = $1 AND expires_at > now()
         RETURNING expires_at",
        id,
        &one.hash[..],
    )
    .fetch_optional(&mut *ctx.tx)
    .await?
    .ok_or_else(|| {
        ApiError::Conflict("the invitation has expired; resend it to renew the link".into())
    })?;
    ctx.audit(Event::new("invitation.link_created", "invitation", id))
        .await?;
    ctx.commit().await?;
    Ok(axum::Json(InvitationLink {
        url: accept_url(&state, &one.token),
        expires_at,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreviewInvitationRequest {
    /// The token from the invitation mail or link.
    #[schema(value_type = crate::platform::validate::schema::MailToken)]
    pub token: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct InvitedOrganization {
    pub name: String,
    /// Needed to log in later.
    pub slug: String,
}

/// What accepting an invitation would do: shown before the person chooses
/// a password.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct InvitationPreview {
    pub organization: InvitedOrganization,
    /// The address invited; it becomes the login email.
    pub email: String,
    pub role: Role,
    /// The inviter's display name.
    pub invited_by: Option<String>,
    pub expires_at: DateTime<Utc>,
}

/// Look at an invitation before accepting it: organization (name and
/// slug), email, role and inviter.
///
/// The same 404 as accepting for an invalid, expired, revoked or used
/// token, or one whose sender can no longer grant the role.
#[utoipa::path(
    post, path = "/v1/invitations/preview", tag = "invitations", operation_id = "previewInvitation",
    request_body = PreviewInvitationRequest,
    responses(
        (status = 200, description = "The invitation", body = InvitationPreview),
        (status = 404, description = "Invalid, expired, revoked or used token", body = qhub_lib::Problem, content_type = "application/problem+json"),
    ),
    security(())
)]
async fn preview_invitation(
    State(state): State<AppState>,
    Json(req): Json<PreviewInvitationRequest>,
) -> Result<axum::Json<InvitationPreview>, ApiError> {
    let invalid =
        || ApiError::NotFound("the invitation is invalid, expired or already used".into());
    let (tenant, hash) = onetime::parse(&req.token).ok_or_else(invalid)?;
    let mut tx = tenancy::as_tenant(&state.db, tenant, None).await?;
    let row = sqlx::query!(
        r#"SELECT i.email, i.role AS "role: Role", i.expires_at,
                  t.name AS org_name, t.slug AS org_slug,
                  u.name AS "inviter_name?", u.role AS "inviter_role?: Role",
                  u.is_active AS "inviter_active?"
           FROM invitations i
           JOIN tenants t ON t.id = i.tenant_id
           LEFT JOIN users u ON u.id = i.invited_by
           WHERE i.token_hash = $1 AND i.accepted_at IS NULL AND i.expires_at > now()"#,
        &hash[..]
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(invalid)?;
    tx.commit().await?;
    // As at acceptance: the invitation lives only while its sender may
    // still grant the role.
    let entitled = row.inviter_active == Some(true)
        && row
            .inviter_role
            .is_some_and(|r| role_may_grant(r, row.role));
    if !entitled {
        return Err(ApiError::NotFound(
            "the invitation is no longer valid: whoever sent it can no longer grant this role"
                .into(),
        ));
    }
    Ok(axum::Json(InvitationPreview {
        organization: InvitedOrganization {
            name: row.org_name,
            slug: row.org_slug,
        },
        email: row.email,
        role: row.role,
        invited_by: row.inviter_name,
        expires_at: row.expires_at,
    }))
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
        (status = 409, description = "The email already belongs to a user of the organization", body = qhub_lib::Problem, content_type = "application/problem+json"),
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
        .check("password", check_password_length(&req.password))
        .finish()?;
    let invalid =
        || ApiError::NotFound("the invitation is invalid, expired or already used".into());
    let (tenant, hash) = onetime::parse(&req.token).ok_or_else(invalid)?;
    // A bad token is refused before any argon2 work is spent on it.
    let known = open_invitation(&state, tenant, &hash)
        .await?
        .ok_or_else(invalid)?;
    // A password made of the invitation's own words is as good as guessed.
    Checks::default()
        .check(
            "password",
            check_password(
                &req.password,
                &[&req.name, &known.email, &known.slug, &known.org_name],
            )
            .as_deref(),
        )
        .finish()?;
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
    // The inviter hears that the invitation was taken up.
    let wires = match inv.invited_by {
        Some(by) => {
            crate::notifications::notify(
                &mut tx,
                tenant,
                crate::notifications::To::User(by),
                crate::notifications::NotificationType::InvitationAccepted,
                &format!("{} joined", crate::platform::mail::quoted(&user.name)),
                &format!("{} accepted your invitation as {}.", user.email, inv.role),
                serde_json::json!({"user_id": user_id}),
            )
            .await?
        }
        None => Vec::new(),
    };
    // Session first, commit second (as at signup): if Redis is down,
    // nothing is created and the token still works.
    let tokens = issue_tokens(&state, tenant, user_id, &client).await?;
    if let Err(e) = tx.commit().await {
        let _ = state.sessions.revoke_all(user_id).await;
        return Err(e.into());
    }
    crate::notifications::publish(&state, wires);
    Ok(cookie::issued(
        &state.config,
        StatusCode::CREATED,
        req.refresh_delivery,
        tokens,
        |tokens| AcceptInvitationResponse { user, tokens },
    ))
}

/// What an open invitation's token names: the words its password must not
/// lean on. `None` if the token is invalid, expired or used.
struct OpenToken {
    email: String,
    slug: String,
    org_name: String,
}

async fn open_invitation(
    state: &AppState,
    tenant: Uuid,
    hash: &[u8; 32],
) -> Result<Option<OpenToken>, ApiError> {
    let mut tx = tenancy::as_tenant(&state.db, tenant, None).await?;
    let found = sqlx::query_as!(
        OpenToken,
        r#"SELECT i.email, t.slug, t.name AS org_name
           FROM invitations i JOIN tenants t ON t.id = i.tenant_id
           WHERE i.token_hash = $1 AND i.accepted_at IS NULL AND i.expires_at > now()"#,
        &hash[..]
    )
    .fetch_optional(&mut *tx)
    .await?;
    Ok(found)
}
