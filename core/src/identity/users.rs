//! Users: the view every area shows of a user, their rows, and the rules
//! of granting roles (used by user management and by invitations).

use chrono::{DateTime, Utc};
use qhub_lib::error::on_constraint;
use qhub_lib::{ApiError, Role, Scope};
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::identity::extract::{Actor, Principal};

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UserView {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub is_active: bool,
    pub email_verified_at: Option<DateTime<Utc>>,
    pub last_login_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Loads a user visible under RLS; another tenant's id is simply not found.
pub async fn fetch_user(conn: &mut PgConnection, id: Uuid) -> Result<UserView, ApiError> {
    sqlx::query_as!(
        UserView,
        r#"SELECT id, email, name, role AS "role: Role", is_active, email_verified_at,
                  last_login_at, created_at, updated_at
           FROM users WHERE id = $1"#,
        id,
    )
    .fetch_optional(conn)
    .await?
    .ok_or_else(|| ApiError::NotFound("no such user".into()))
}

pub struct NewUser<'a> {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub email: &'a str,
    pub password_hash: &'a str,
    pub name: &'a str,
    pub role: Role,
}

/// Inserts a user (signup, user creation, and later invitations); a
/// duplicate email in the tenant is a 409.
pub async fn insert_user(conn: &mut PgConnection, new: NewUser<'_>) -> Result<UserView, ApiError> {
    sqlx::query_as!(
        UserView,
        r#"INSERT INTO users (id, tenant_id, email, password_hash, name, role)
           VALUES ($1, $2, $3, $4, $5, $6)
           RETURNING id, email, name, role AS "role: Role", is_active, email_verified_at,
                     last_login_at, created_at, updated_at"#,
        new.id,
        new.tenant_id,
        new.email,
        new.password_hash,
        new.name,
        new.role.as_str(),
    )
    .fetch_one(conn)
    .await
    .map_err(on_constraint("users_tenant_id_email_key", || {
        ApiError::taken("email", "already belongs to a user of this organization")
    }))
}

/// Whether a user of role `granter` may give someone `role`: managing
/// users at all, and only an owner makes an owner. (Invitation acceptance
/// asks this again of the inviter's current role.)
pub fn role_may_grant(granter: Role, role: Role) -> bool {
    Scope::UsersWrite.granted_to(granter) && (role != Role::Owner || granter == Role::Owner)
}

/// Only an owner may make someone an owner.
/// An API key may grant only roles whose every scope it carries itself:
/// otherwise a key with just `users:write` could create an admin with a
/// password it picked, log in, and hold every scope.
pub fn may_grant(p: &Principal, role: Role) -> Result<(), ApiError> {
    if !role_may_grant(p.role, role) {
        return Err(ApiError::Forbidden(
            "only an owner may grant the owner role".into(),
        ));
    }
    if let Actor::ApiKey { scopes, .. } = p.actor {
        if let Some(missing) = Scope::ALL
            .into_iter()
            .find(|s| s.granted_to(role) && !scopes.contains(*s))
        {
            return Err(ApiError::Forbidden(format!(
                "this API key cannot grant the {role} role: it lacks the {missing} scope that role holds"
            )));
        }
    }
    Ok(())
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum UserStatus {
    Active,
    /// Deactivated: cannot log in.
    Inactive,
}
