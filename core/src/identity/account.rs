//! Account flows that need no session: the mailed single-use tokens
//! (email verification, password reset) and the per-account limits of
//! login and password reset.

use std::time::Duration;

use qhub_lib::ApiError;
use sha2::{Digest, Sha256};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::identity::onetime;
use crate::platform::mail::{self, Mail};
use crate::platform::state::AppState;

pub const VERIFY_TTL: Duration = Duration::from_secs(7 * 24 * 3600);

pub const RESET_TTL: Duration = Duration::from_secs(3600);

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    VerifyEmail,
    PasswordReset,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::VerifyEmail => "verify_email",
            Purpose::PasswordReset => "password_reset",
        }
    }
}

/// Stores a token for `user` and queues the mail carrying it, in the
/// caller's tenant transaction.
pub async fn mail_token(
    conn: &mut PgConnection,
    state: &AppState,
    tenant: Uuid,
    user: Uuid,
    to: &str,
    purpose: Purpose,
) -> Result<(), ApiError> {
    let one = onetime::issue(tenant);
    let ttl = match purpose {
        Purpose::VerifyEmail => VERIFY_TTL,
        Purpose::PasswordReset => RESET_TTL,
    };
    sqlx::query!(
        "INSERT INTO user_tokens (id, tenant_id, user_id, purpose, token_hash, expires_at)
         VALUES ($1, $2, $3, $4, $5, now() + $6 * interval '1 second')",
        Uuid::now_v7(),
        tenant,
        user,
        purpose.as_str(),
        &one.hash[..],
        ttl.as_secs_f64(),
    )
    .execute(&mut *conn)
    .await?;
    let web = &state.config.web_url;
    let (subject, body) = match purpose {
        Purpose::VerifyEmail => (
            "Verify your QHub email address",
            format!(
                "Confirm this address for your QHub account:\n\n\
                 {web}/verify-email?token={token}\n\n\
                 Token: {token}\n\nThe link is valid for 7 days.\n",
                token = one.token
            ),
        ),
        Purpose::PasswordReset => (
            "Reset your QHub password",
            format!(
                "Someone asked to reset the password of your QHub account.\n\n\
                 {web}/reset-password?token={token}\n\n\
                 Token: {token}\n\nThe link is valid for 1 hour. If this was not you, \
                 ignore this message; your password is unchanged.\n",
                token = one.token
            ),
        ),
    };
    mail::enqueue(conn, tenant, Mail { to, subject, body }).await
}

/// Queues the verification mail for a new user (signup).
pub async fn send_verification(
    conn: &mut PgConnection,
    state: &AppState,
    tenant: Uuid,
    user: Uuid,
    to: &str,
) -> Result<(), ApiError> {
    mail_token(conn, state, tenant, user, to, Purpose::VerifyEmail).await
}

/// Which per-account budget: login and password reset count separately, so
/// a flood of reset requests cannot lock someone out of logging in.
#[derive(Clone, Copy)]
pub enum AccountBucket {
    Login,
    PasswordReset,
}

/// The per-account limit of login and password reset.
pub async fn limit_account(
    state: &AppState,
    bucket: AccountBucket,
    tenant: &str,
    email: &str,
) -> Result<(), ApiError> {
    // Hashed: the key names the account without putting an email in Redis.
    let digest = Sha256::digest(format!("{tenant}\n{email}").as_bytes());
    let account = hex::encode(&digest[..16]);
    state
        .limiter
        .check(
            match bucket {
                AccountBucket::Login => "login-account",
                AccountBucket::PasswordReset => "reset-account",
            },
            &account,
            state.config.rate_limit_account,
        )
        .await
        .map(|_| ())
}
