//! The audit log: one append-only row per administrative action, written in
//! the same transaction as the action itself, so an action and its record
//! commit or roll back together. The server's role may insert and read
//! audit rows, never change or delete them (grants in the migration).

pub mod http;

use qhub_lib::ApiError;
use serde_json::Value;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::identity::extract::{ClientInfo, TenantCtx};

/// Every action the log records; the API documents this list.
pub const ACTIONS: &[&str] = &[
    "tenant.updated",
    "user.created",
    "user.updated",
    "user.role_changed",
    "user.deactivated",
    "user.reactivated",
    "user.deleted",
    "user.email_verified",
    "user.password_reset",
    "user.password_changed",
    "api_key.created",
    "api_key.revoked",
    "invitation.sent",
    "invitation.revoked",
    "invitation.accepted",
    "invitation.resent",
    "invitation.link_created",
    "user.verification_resent",
    "session.revoked_others",
    "session.revoked",
    "project.created",
    "project.updated",
    "project.deleted",
    "project.released",
    "app.created",
    "app.updated",
    "app.deleted",
    "app.deprecated",
    "app.registry_published",
    "app_version.created",
    "app_version.updated",
    "app_version.deleted",
    "app_version.published",
    "app_version.yanked",
    "app_version.package_uploaded",
    "app_doc.created",
    "app_doc.updated",
    "app_doc.deleted",
    "review.created",
    "review.updated",
    "review.deleted",
    "job.submitted",
    "job.cancelled",
    "job.tags_changed",
    "job.deleted",
    "marketplace.listed",
    "marketplace.updated",
    "marketplace.unlisted",
    "subscription.created",
    "subscription.updated",
    "subscription.canceled",
    "subscription_key.created",
    "subscription_key.revoked",
    "bill.paid",
];

/// One event. `target` is (type, id) of the object acted on.
pub struct Event<'a> {
    pub action: &'static str,
    pub target: (&'a str, String),
    /// What changed, e.g. `{"role": {"from": "viewer", "to": "admin"}}`.
    pub diff: Option<Value>,
}

impl<'a> Event<'a> {
    pub fn new(action: &'static str, target_type: &'a str, target_id: impl ToString) -> Self {
        debug_assert!(ACTIONS.contains(&action), "undocumented action {action}");
        Event {
            action,
            target: (target_type, target_id.to_string()),
            diff: None,
        }
    }

    pub fn diff(mut self, diff: Value) -> Self {
        self.diff = Some(diff);
        self
    }
}

/// What an update changed: `{"field": {"from": a, "to": b}}` for each
/// field whose value differs.
#[derive(Default)]
pub struct Diff(serde_json::Map<String, Value>);

impl Diff {
    pub fn note<T: serde::Serialize + PartialEq>(&mut self, field: &str, from: &T, to: &T) {
        if from != to {
            self.0.insert(
                field.to_owned(),
                serde_json::json!({ "from": from, "to": to }),
            );
        }
    }

    pub fn into_value(self) -> Value {
        Value::Object(self.0)
    }
}

/// Records an event for the tenant of the transaction `conn` is in.
pub async fn record(
    conn: &mut PgConnection,
    tenant: Uuid,
    actor: (&str, Uuid),
    client: &ClientInfo,
    event: Event<'_>,
) -> Result<(), ApiError> {
    sqlx::query!(
        "INSERT INTO audit_events (id, tenant_id, actor_type, actor_id, action, target_type,
                                   target_id, ip, user_agent, request_id, diff)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        Uuid::now_v7(),
        tenant,
        actor.0,
        actor.1,
        event.action,
        event.target.0,
        event.target.1,
        client.ip,
        client.user_agent,
        client.request_id,
        event.diff,
    )
    .execute(conn)
    .await?;
    Ok(())
}

impl TenantCtx {
    /// Records `event` as done by this request's principal.
    pub async fn audit(&mut self, event: Event<'_>) -> Result<(), ApiError> {
        let p = self.principal;
        record(
            &mut self.tx,
            p.tenant_id,
            p.actor_ref(),
            &self.client,
            event,
        )
        .await
    }
}

/// The `action` filter's values: an action or a family (`user.*`), from
/// the server's own list.
pub struct AuditActionFilter;

impl utoipa::PartialSchema for AuditActionFilter {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        let mut values: Vec<String> = ACTIONS.iter().map(|a| (*a).to_owned()).collect();
        for a in ACTIONS {
            let family = format!("{}.*", a.split('.').next().unwrap_or(a));
            if !values.contains(&family) {
                values.push(family);
            }
        }
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .enum_values(Some(values))
            .description(Some(
                "An audit action, or a family of them (`user.*`). Leave the parameter out for all.",
            ))
            .into()
    }
}

impl utoipa::ToSchema for AuditActionFilter {
    fn name() -> std::borrow::Cow<'static, str> {
        std::borrow::Cow::Borrowed("AuditActionFilter")
    }
}
