//! `/v1/notifications`: a person's own notifications (row-level security
//! keeps them to `app.current_user_id()`), their mail preferences, and the
//! live stream. User sessions only: notifications are a person's.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use chrono::{DateTime, Utc};
use futures_util::Stream;
use qhub_lib::page::{Page, PageQuery};
use qhub_lib::ApiError;
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast::error::RecvError;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::identity::extract::{SessionCtx, TenantCtx};
use crate::notifications::{NotificationType, NotificationView};
use crate::platform::extract::{Json, Path, Query};
use crate::platform::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_notifications))
        .routes(routes!(mark_read))
        .routes(routes!(mark_all_read))
        .routes(routes!(stream))
        .routes(routes!(get_preferences, put_preferences))
}

fn not_found() -> ApiError {
    ApiError::NotFound("no such notification".into())
}

/// A page of notifications, newest first, and how many are unread.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct NotificationPage {
    pub items: Vec<NotificationView>,
    /// Pass as `cursor` to get the next page; null on the last page.
    pub next_cursor: Option<String>,
    /// Unread notifications in all (not only on this page).
    pub unread_count: i64,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NotificationFilter {
    /// Only unread notifications.
    pub unread: Option<bool>,
}

struct Row {
    id: Uuid,
    kind: String,
    title: String,
    body: String,
    data: serde_json::Value,
    read_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
}

impl Row {
    fn into_view(self) -> Result<NotificationView, ApiError> {
        Ok(NotificationView {
            id: self.id,
            kind: NotificationType::parse(&self.kind)
                .ok_or_else(|| ApiError::internal("unknown notification type"))?,
            title: self.title,
            body: self.body,
            data: self.data,
            read_at: self.read_at,
            created_at: self.created_at,
        })
    }
}

/// The caller's notifications, newest first.
#[utoipa::path(
    get, path = "/v1/notifications", tag = "notifications", operation_id = "listNotifications",
    params(PageQuery, NotificationFilter),
    responses((status = 200, description = "A page of notifications", body = NotificationPage)),
    security(("bearerAuth" = []))
)]
async fn list_notifications(
    SessionCtx(mut ctx): SessionCtx,
    Query(q): Query<PageQuery>,
    Query(f): Query<NotificationFilter>,
) -> Result<axum::Json<NotificationPage>, ApiError> {
    let page = q.validate()?;
    let rows = sqlx::query_as!(
        Row,
        r#"SELECT id, type AS kind, title, body, data, read_at, created_at FROM notifications
           WHERE user_id = $1 AND ($2::uuid IS NULL OR id < $2)
             AND (NOT $4 OR read_at IS NULL)
           ORDER BY id DESC LIMIT $3"#,
        ctx.principal.user_id,
        page.after,
        page.limit + 1,
        f.unread.unwrap_or(false),
    )
    .fetch_all(&mut *ctx.tx)
    .await?;
    let unread_count = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM notifications WHERE user_id = $1 AND read_at IS NULL"#,
        ctx.principal.user_id
    )
    .fetch_one(&mut *ctx.tx)
    .await?;
    let items = rows
        .into_iter()
        .map(Row::into_view)
        .collect::<Result<Vec<_>, _>>()?;
    let p = Page::from_rows(items, page, |n| n.id);
    Ok(axum::Json(NotificationPage {
        items: p.items,
        next_cursor: p.next_cursor,
        unread_count,
    }))
}

/// Mark one of the caller's notifications read (idempotent).
#[utoipa::path(
    post, path = "/v1/notifications/{id}/read", tag = "notifications", operation_id = "markNotificationRead",
    params(("id" = Uuid, Path, description = "Notification id")),
    responses((status = 200, description = "The notification, read", body = NotificationView)),
    security(("bearerAuth" = []))
)]
async fn mark_read(
    SessionCtx(mut ctx): SessionCtx,
    Path(id): Path<Uuid>,
) -> Result<axum::Json<NotificationView>, ApiError> {
    let row = sqlx::query_as!(
        Row,
        r#"UPDATE notifications SET read_at = coalesce(read_at, now())
           WHERE id = $1 AND user_id = $2
           RETURNING id, type AS kind, title, body, data, read_at, created_at"#,
        id,
        ctx.principal.user_id
    )
    .fetch_optional(&mut *ctx.tx)
    .await?
    .ok_or_else(not_found)?;
    ctx.commit().await?;
    Ok(axum::Json(row.into_view()?))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MarkedRead {
    /// Notifications that were unread and now are read.
    pub updated: i64,
}

/// Mark all of the caller's notifications read.
#[utoipa::path(
    post, path = "/v1/notifications/read-all", tag = "notifications", operation_id = "markAllNotificationsRead",
    responses((status = 200, description = "How many were marked", body = MarkedRead)),
    security(("bearerAuth" = []))
)]
async fn mark_all_read(
    SessionCtx(mut ctx): SessionCtx,
) -> Result<axum::Json<MarkedRead>, ApiError> {
    let done = sqlx::query!(
        "UPDATE notifications SET read_at = now() WHERE user_id = $1 AND read_at IS NULL",
        ctx.principal.user_id
    )
    .execute(&mut *ctx.tx)
    .await?;
    ctx.commit().await?;
    Ok(axum::Json(MarkedRead {
        updated: i64::try_from(done.rows_affected()).unwrap_or(i64::MAX),
    }))
}

qhub_lib::text_enum! {
    /// The kind of a stream event.
    pub enum StreamEventKind {
        /// Once, when the stream is subscribed (`data` is `{}`).
        Ready = "ready",
        /// A new notification (`data` is the NotificationView as JSON).
        Notification = "notification",
    }
}

/// One Server-Sent Event of the notification stream, as an SSE parser
/// yields it (keep-alive comments are not events).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct StreamEvent {
    pub event: StreamEventKind,
    /// JSON text: `{}` for `ready`, a NotificationView for `notification`.
    pub data: String,
    /// The notification's id (`notification` events only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

/// The caller's new notifications as they happen, as Server-Sent Events:
/// `ready` once subscribed, then one `notification` event (the
/// notification as JSON) each. A comment every 15 s keeps proxies from
/// closing it; it ends after an hour (reconnect). Works with any number of
/// replicas: notifications travel through Redis pub/sub.
#[utoipa::path(
    get, path = "/v1/notifications/stream", tag = "notifications", operation_id = "notificationStream",
    responses((status = 200, description = "An event stream (`ready`, then `notification` events)", content_type = "text/event-stream", body = StreamEvent)),
    security(("bearerAuth" = []))
)]
async fn stream(
    State(state): State<AppState>,
    SessionCtx(ctx): SessionCtx,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    // The session and user are checked once, and no connection is held.
    let (tenant, user) = (ctx.principal.tenant_id, ctx.principal.user_id);
    ctx.commit().await?;
    let mut rx = state.notifications.subscribe();
    let events = async_stream::stream! {
        yield Ok(Event::default().event("ready").data("{}"));
        let deadline = tokio::time::sleep(Duration::from_secs(3600));
        tokio::pin!(deadline);
        loop {
            tokio::select! {
                _ = &mut deadline => break,
                msg = rx.recv() => match msg {
                    Ok(w) if w.tenant_id == tenant && w.user_id == user => {
                        match serde_json::to_string(&w.notification) {
                            Ok(json) => yield Ok(Event::default().event("notification").id(w.notification.id.to_string()).data(json)),
                            Err(e) => tracing::warn!(error = %e, "notification not serialisable"),
                        }
                    }
                    Ok(_) => {}
                    // Too slow a reader: it missed some; the list has them.
                    Err(RecvError::Lagged(n)) => {
                        yield Ok(Event::default().event("lagged").data(n.to_string()));
                    }
                    Err(RecvError::Closed) => break,
                },
            }
        }
    };
    Ok(Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

/// Whether mail is sent for one type of notification.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Preference {
    #[serde(rename = "type")]
    pub kind: NotificationType,
    pub email: bool,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Preferences {
    /// Every type, or (in a PUT) the types to change; at most one entry per type.
    #[schema(max_items = 7)]
    pub items: Vec<Preference>,
}

async fn preferences_of(ctx: &mut TenantCtx) -> Result<Preferences, ApiError> {
    let rows = sqlx::query!(
        "SELECT type, email FROM notification_preferences WHERE user_id = $1",
        ctx.principal.user_id
    )
    .fetch_all(&mut *ctx.tx)
    .await?;
    Ok(Preferences {
        items: NotificationType::ALL
            .iter()
            .copied()
            .map(|kind| Preference {
                kind,
                email: rows
                    .iter()
                    .find(|r| r.r#type == kind.as_str())
                    .is_some_and(|r| r.email),
            })
            .collect(),
    })
}

/// The caller's mail preferences: per type, whether mail is sent too (off
/// unless turned on).
#[utoipa::path(
    get, path = "/v1/notifications/preferences", tag = "notifications", operation_id = "getNotificationPreferences",
    responses((status = 200, description = "Every type with its mail setting", body = Preferences)),
    security(("bearerAuth" = []))
)]
async fn get_preferences(
    SessionCtx(mut ctx): SessionCtx,
) -> Result<axum::Json<Preferences>, ApiError> {
    Ok(axum::Json(preferences_of(&mut ctx).await?))
}

/// Change the caller's mail preferences for the types given.
#[utoipa::path(
    put, path = "/v1/notifications/preferences", tag = "notifications", operation_id = "updateNotificationPreferences",
    request_body = Preferences,
    responses((status = 200, description = "Every type with its mail setting", body = Preferences)),
    security(("bearerAuth" = []))
)]
async fn put_preferences(
    SessionCtx(mut ctx): SessionCtx,
    Json(req): Json<Preferences>,
) -> Result<axum::Json<Preferences>, ApiError> {
    let mut seen = std::collections::HashSet::new();
    if req.items.len() > NotificationType::ALL.len()
        || !req.items.iter().all(|p| seen.insert(p.kind))
    {
        return Err(ApiError::field("items", "at most one entry per type"));
    }
    let (tenant, user) = (ctx.principal.tenant_id, ctx.principal.user_id);
    for p in &req.items {
        sqlx::query!(
            r#"INSERT INTO notification_preferences (tenant_id, user_id, type, email)
               VALUES ($1, $2, $3, $4)
               ON CONFLICT (user_id, type) DO UPDATE SET email = EXCLUDED.email"#,
            tenant,
            user,
            p.kind.as_str(),
            p.email
        )
        .execute(&mut *ctx.tx)
        .await?;
    }
    let out = preferences_of(&mut ctx).await?;
    ctx.commit().await?;
    Ok(axum::Json(out))
}
