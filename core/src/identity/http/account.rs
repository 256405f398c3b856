//! Mailed account flows: email verification (sent at signup) and password
//! reset. Both use single-use, expiring, hashed tokens (`auth::onetime`)
//! and the mail outbox, so a mail is queued in the same transaction as its
//! token.

use axum::extract::State;
use axum::http::StatusCode;
use qhub_lib::ApiError;
use serde::Deserialize;
use sqlx::PgConnection;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::audit::{self, Event};
use crate::identity::account::{limit_account, mail_token, AccountBucket, Purpose};
use crate::identity::apikeys;
use crate::identity::extract::{ClientInfo, Credential, Session, TenantCtx};
use crate::identity::onetime;
use crate::identity::password::check_password;
use crate::identity::tenants::tenant_id_by_slug;
use crate::platform::extract::Json;
use crate::platform::ratelimit::Limit;
use crate::platform::state::AppState;
use crate::platform::tenancy;
use crate::platform::validate::{self, Checks};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(verify_email))
        .routes(routes!(resend_verification))
        .routes(routes!(request_password_reset))
        .routes(routes!(confirm_password_reset))
}

fn invalid_token() -> ApiError {
    ApiError::NotFound("the token is invalid, expired or already used".into())
}

/// Consumes a token of an active user: marks it used and returns the user,
/// or 404. The row lock makes a token single-use even under concurrent
/// requests. Every other unused token of the same purpose for that user is
/// spent too, so an older reset mail cannot be used after a reset.
async fn consume(
    conn: &mut PgConnection,
    hash: &[u8; 32],
    purpose: Purpose,
) -> Result<Uuid, ApiError> {
    let user = sqlx::query_scalar!(
        "UPDATE user_tokens t SET used_at = now()
         FROM users u
         WHERE t.token_hash = $1 AND t.purpose = $2 AND t.used_at IS NULL
           AND t.expires_at > now() AND u.id = t.user_id AND u.is_active
         RETURNING t.user_id",
        &hash[..],
        purpose.as_str(),
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(invalid_token)?;
    sqlx::query!(
        "UPDATE user_tokens SET used_at = now()
         WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL",
        user,
        purpose.as_str(),
    )
    .execute(conn)
    .await?;
    Ok(user)
}

/// Whether a token could be consumed now, without consuming it: lets a
/// handler refuse a bad token before spending argon2 time on a password.
async fn usable(
    state: &AppState,
    tenant: Uuid,
    hash: &[u8; 32],
    purpose: Purpose,
) -> Result<bool, ApiError> {
    let mut tx = tenancy::as_tenant(&state.db, tenant, None).await?;
    let found = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM user_tokens
           WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now())
           AS "found!""#,
        &hash[..],
        purpose.as_str(),
    )
    .fetch_one(&mut *tx)
    .await?;
    Ok(found)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    /// The token from the mail.
    #[schema(value_type = crate::platform::validate::schema::MailToken)]
    pub token: String,
}

/// Confirm an email address with the token mailed at signup.
#[utoipa::path(
    post, path = "/v1/auth/verify-email", tag = "auth", operation_id = "verifyEmail",
    request_body = TokenRequest,
    responses(
        (status = 204, description = "Email verified"),
        (status = 404, description = "Invalid, expired or used token", body = qhub_lib::Problem, content_type = "application/problem+json"),
    ),
    security(())
)]
async fn verify_email(
    State(state): State<AppState>,
    client: ClientInfo,
    Json(req): Json<TokenRequest>,
) -> Result<StatusCode, ApiError> {
    let (tenant, hash) = onetime::parse(&req.token).ok_or_else(invalid_token)?;
    let mut tx = tenancy::as_tenant(&state.db, tenant, None).await?;
    let user = consume(&mut tx, &hash, Purpose::VerifyEmail).await?;
    sqlx::query!(
        "UPDATE users SET email_verified_at = COALESCE(email_verified_at, now()) WHERE id = $1",
        user
    )
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        tenant,
        ("user", user),
        &client,
        Event::new("user.email_verified", "user", user),
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Verification mails one user may ask for per hour (each is a mail sent).
const RESEND_LIMIT: Limit = Limit::per(3, 3600);

/// Send the verification mail again to the caller's own address.
///
/// Earlier links keep working until they expire. At most 3 per hour.
#[utoipa::path(
    post, path = "/v1/auth/verify-email/resend", tag = "auth", operation_id = "resendVerification",
    responses(
        (status = 202, description = "A new verification mail is on its way"),
        (status = 409, description = "The address is already verified", body = qhub_lib::Problem, content_type = "application/problem+json"),
    ),
    security(("bearerAuth" = []))
)]
async fn resend_verification(
    State(state): State<AppState>,
    session: Session,
    client: ClientInfo,
) -> Result<StatusCode, ApiError> {
    state
        .limiter
        .check("verify-resend", &session.user_id.to_string(), RESEND_LIMIT)
        .await?;
    let mut ctx = TenantCtx::open(&state, &Credential::Session(session), client).await?;
    let user = sqlx::query!(
        "SELECT email, email_verified_at FROM users WHERE id = $1",
        session.user_id
    )
    .fetch_one(&mut *ctx.tx)
    .await?;
    if user.email_verified_at.is_some() {
        return Err(ApiError::Conflict(
            "the email address is already verified".into(),
        ));
    }
    mail_token(
        &mut ctx.tx,
        &state,
        session.tenant_id,
        session.user_id,
        &user.email,
        Purpose::VerifyEmail,
    )
    .await?;
    ctx.audit(Event::new(
        "user.verification_resent",
        "user",
        session.user_id,
    ))
    .await?;
    ctx.commit().await?;
    state.mailer.wake();
    Ok(StatusCode::ACCEPTED)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordResetRequest {
    /// The organization's slug.
    #[schema(value_type = crate::platform::validate::schema::Slug)]
    pub tenant: String,
    #[schema(value_type = crate::platform::validate::schema::EmailAddress)]
    pub email: String,
}

/// Ask for a password-reset mail.
///
/// Always 202 with an empty body, whether or not the tenant and email exist,
/// so the answer reveals nothing about accounts.
#[utoipa::path(
    post, path = "/v1/auth/password-reset", tag = "auth", operation_id = "requestPasswordReset",
    request_body = PasswordResetRequest,
    responses(
        (status = 202, description = "If the account exists, a reset mail is on its way"),
    ),
    security(())
)]
async fn request_password_reset(
    State(state): State<AppState>,
    Json(req): Json<PasswordResetRequest>,
) -> Result<StatusCode, ApiError> {
    let email = validate::normalize_email(&req.email);
    let slug = req.tenant.as_str();
    // Counted before any lookup, so known and unknown accounts are limited
    // alike.
    limit_account(&state, AccountBucket::PasswordReset, slug, &email).await?;
    Checks::default()
        .check("tenant", validate::slug(slug))
        .check("email", validate::email(&email))
        .finish()?;
    // The lookup and the mail happen after the answer, so neither the
    // response time nor a database error tells known accounts from unknown.
    let slug = slug.to_owned();
    tokio::spawn(async move {
        if let Err(e) = queue_reset_mail(&state, &slug, &email).await {
            tracing::warn!(error = %e, "password reset mail not queued");
        }
    });
    Ok(StatusCode::ACCEPTED)
}

async fn queue_reset_mail(state: &AppState, slug: &str, email: &str) -> Result<(), ApiError> {
    let Some(tenant) = tenant_id_by_slug(&state.db, &state.cache, slug).await? else {
        return Ok(());
    };
    let mut tx = tenancy::as_tenant(&state.db, tenant, None).await?;
    let user = sqlx::query_scalar!("SELECT id FROM users WHERE email = $1 AND is_active", email)
        .fetch_optional(&mut *tx)
        .await?;
    if let Some(user) = user {
        mail_token(&mut tx, state, tenant, user, email, Purpose::PasswordReset).await?;
        tx.commit().await?;
        state.mailer.wake();
    }
    Ok(())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordResetConfirm {
    /// The token from the reset mail.
    #[schema(value_type = crate::platform::validate::schema::MailToken)]
    pub token: String,
    #[schema(value_type = crate::platform::validate::schema::NewPassword)]
    pub new_password: String,
}

/// Set a new password with a reset token. Ends every session of the user
/// and revokes every API key they created.
#[utoipa::path(
    post, path = "/v1/auth/password-reset/confirm", tag = "auth", operation_id = "confirmPasswordReset",
    request_body = PasswordResetConfirm,
    responses(
        (status = 204, description = "Password changed; all sessions ended, all the user's API keys revoked"),
        (status = 404, description = "Invalid, expired or used token", body = qhub_lib::Problem, content_type = "application/problem+json"),
    ),
    security(())
)]
async fn confirm_password_reset(
    State(state): State<AppState>,
    client: ClientInfo,
    Json(req): Json<PasswordResetConfirm>,
) -> Result<StatusCode, ApiError> {
    Checks::default()
        .check(
            "new_password",
            check_password(&req.new_password, &[]).as_deref(),
        )
        .finish()?;
    let (tenant, hash) = onetime::parse(&req.token).ok_or_else(invalid_token)?;
    if !usable(&state, tenant, &hash, Purpose::PasswordReset).await? {
        return Err(invalid_token());
    }
    let password_hash = state.passwords.hash(&req.new_password).await?;
    let mut tx = tenancy::as_tenant(&state.db, tenant, None).await?;
    let user = consume(&mut tx, &hash, Purpose::PasswordReset).await?;
    sqlx::query!(
        "UPDATE users SET password_hash = $2, updated_at = now() WHERE id = $1",
        user,
        password_hash
    )
    .execute(&mut *tx)
    .await?;
    // A reset means the password may have been someone else's: the keys
    // made with it go too (docs/security.md says why a change keeps them).
    // Tombstoned in the cache before the commit, as any revocation.
    let revoked = sqlx::query!(
        "UPDATE api_keys SET revoked_at = now()
         WHERE created_by = $1 AND revoked_at IS NULL
         RETURNING id, secret_hash",
        user
    )
    .fetch_all(&mut *tx)
    .await?;
    for key in &revoked {
        apikeys::forget(&state.cache, &key.secret_hash).await?;
    }
    let revoked_ids: Vec<Uuid> = revoked.iter().map(|k| k.id).collect();
    audit::record(
        &mut tx,
        tenant,
        ("user", user),
        &client,
        Event::new("user.password_reset", "user", user)
            .diff(serde_json::json!({"revoked_api_keys": revoked_ids})),
    )
    .await?;
    state
        .sessions
        .commit_password_change(tx, user, None)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
