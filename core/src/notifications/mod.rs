//! Notifications: per user, written in the transaction of what caused
//! them (through `app.notify` / `app.notify_provider`, which also queue
//! mail for the types a person asked for), then published on Redis after
//! the commit so every replica's live streams see them (`hub`).

pub mod http;
pub mod hub;

use chrono::{DateTime, Utc};
use qhub_lib::ApiError;
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::platform::state::AppState;

qhub_lib::text_enum! {
    /// What a notification is about.
    pub enum NotificationType {
        /// A new subscriber to one of the organization's listings (owners, admins).
        NewSubscriber = "subscription.new_subscriber",
        /// A trial ends in three days (the subscriber's owners and admins).
        TrialEnding = "subscription.trial_ending",
        /// A subscription was canceled or expired (both sides' owners and admins).
        SubscriptionCanceled = "subscription.canceled",
        /// A bill was issued (owners and admins).
        BillIssued = "bill.issued",
        /// A job completed (who submitted it).
        JobFinished = "job.finished",
        /// A job failed (who submitted it).
        JobFailed = "job.failed",
        /// An invitation was accepted (who invited).
        InvitationAccepted = "invitation.accepted",
    }
}

/// A notification as the API shows it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NotificationView {
    pub id: Uuid,
    #[serde(rename = "type")]
    pub kind: NotificationType,
    pub title: String,
    pub body: String,
    /// Ids of what it is about (`subscription_id`, `bill_id`, `job_id`, …).
    pub data: serde_json::Value,
    pub read_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// A new notification on its way to its user's live streams.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Wire {
    pub tenant_id: Uuid,
    pub user_id: Uuid,
    pub notification: NotificationView,
}

/// Who in the caller's own organization a notice is for.
#[derive(Debug, Clone, Copy)]
pub enum To {
    User(Uuid),
    /// The active owners and admins.
    Admins,
}

/// Writes a notice for users of the transaction's own tenant (and queues
/// mail for those who want it). Publish the result after the commit.
pub async fn notify(
    conn: &mut PgConnection,
    tenant: Uuid,
    to: To,
    kind: NotificationType,
    title: &str,
    body: &str,
    data: serde_json::Value,
) -> Result<Vec<Wire>, ApiError> {
    let user = match to {
        To::User(u) => Some(u),
        To::Admins => None,
    };
    let rows = sqlx::query!(
        r#"SELECT id AS "id!", user_id AS "user_id!", created_at AS "created_at!"
           FROM app.notify($1, $2, $3, $4, $5)"#,
        user,
        kind.as_str(),
        title,
        body,
        data,
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Wire {
            tenant_id: tenant,
            user_id: r.user_id,
            notification: NotificationView {
                id: r.id,
                kind,
                title: title.to_owned(),
                body: body.to_owned(),
                data: data.clone(),
                read_at: None,
                created_at: r.created_at,
            },
        })
        .collect())
}

/// Tells the provider's owners and admins about one of the caller's own
/// subscriptions (`NewSubscriber` or `SubscriptionCanceled`); the text is
/// made by the database from the subscription.
pub async fn notify_provider(
    conn: &mut PgConnection,
    subscription: Uuid,
    kind: NotificationType,
) -> Result<Vec<Wire>, ApiError> {
    let rows = sqlx::query!(
        r#"SELECT id AS "id!", tenant_id AS "tenant_id!", user_id AS "user_id!",
                  title AS "title!", body AS "body!", data AS "data!", created_at AS "created_at!"
           FROM app.notify_provider($1, $2)"#,
        subscription,
        kind.as_str(),
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Wire {
            tenant_id: r.tenant_id,
            user_id: r.user_id,
            notification: NotificationView {
                id: r.id,
                kind,
                title: r.title,
                body: r.body,
                data: r.data,
                read_at: None,
                created_at: r.created_at,
            },
        })
        .collect())
}

/// Publishes committed notifications to every replica, off the request
/// path. Losing one (Redis down) loses only its live delivery: it is in
/// the list.
pub fn publish(state: &AppState, wires: Vec<Wire>) {
    if wires.is_empty() {
        return;
    }
    let pool = state.redis.clone();
    tokio::spawn(async move {
        if let Err(e) = hub::publish(&pool, &wires).await {
            tracing::warn!(error = %e, count = wires.len(), "notifications not published live");
        }
    });
}
