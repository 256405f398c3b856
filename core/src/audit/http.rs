//! Reading the audit log (owner and admin, or a key with `admin`).

use chrono::{DateTime, Utc};
use qhub_lib::page::{Page, PageQuery};
use qhub_lib::{ApiError, Scope};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::audit::{AuditActionFilter, ACTIONS};
use crate::identity::extract::TenantCtx;
use crate::platform::extract::Query;
use crate::platform::state::AppState;
use crate::platform::validate::Checks;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_audit_events))
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AuditEventView {
    pub id: Uuid,
    /// `user` or `api_key`.
    #[schema(example = "user")]
    pub actor_type: String,
    pub actor_id: Option<Uuid>,
    /// One of the `AuditAction` values. Deliberately a plain string here:
    /// later releases add actions, and a client generated today must still
    /// read their events.
    #[schema(example = "user.role_changed")]
    pub action: String,
    #[schema(example = "user")]
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub request_id: Option<String>,
    /// What changed, e.g. `{"role": {"from": "viewer", "to": "admin"}}`.
    #[schema(value_type = Option<Object>)]
    pub diff: Option<serde_json::Value>,
    pub created_at: DateTime<Utc>,
}

qhub_lib::page_of!(AuditEventPage, AuditEventView);

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditFilter {
    /// Exact action, e.g. `user.role_changed`; or a family such as `user.*`.
    #[param(value_type = Option<AuditActionFilter>)]
    pub action: Option<String>,
    /// Only events by this user or API key.
    pub actor_id: Option<Uuid>,
    /// Events at or after this time (RFC 3339, year 1970–9999).
    #[serde(default, deserialize_with = "qhub_lib::time::optional_timestamp")]
    #[param(value_type = Option<crate::platform::validate::schema::Timestamp>)]
    pub from: Option<DateTime<Utc>>,
    /// Events before this time (RFC 3339, year 1970–9999); after `from`.
    #[serde(default, deserialize_with = "qhub_lib::time::optional_timestamp")]
    #[param(value_type = Option<crate::platform::validate::schema::Timestamp>)]
    pub to: Option<DateTime<Utc>>,
}

/// The tenant's audit log, newest first.
///
/// Actions are the `AuditAction` schema; the `action` filter takes one of
/// them or a family such as `user.*`.
#[utoipa::path(
    get, path = "/v1/audit-events", tag = "audit", operation_id = "listAuditEvents",
    params(PageQuery, AuditFilter),
    responses((status = 200, description = "A page of events, newest first", body = AuditEventPage)),
    security(("bearerAuth" = ["admin"]))
)]
async fn list_audit_events(
    mut ctx: TenantCtx,
    Query(q): Query<PageQuery>,
    Query(f): Query<AuditFilter>,
) -> Result<axum::Json<AuditEventPage>, ApiError> {
    ctx.principal.require(Scope::Admin)?;
    let page = q.validate()?;
    let (exact, family) = match f.action.as_deref() {
        None => (None, None),
        Some(a) => match a.strip_suffix(".*") {
            Some(fam) => (None, Some(format!("{fam}."))),
            None => (Some(a.to_owned()), None),
        },
    };
    let known_family = |fam: &str| ACTIONS.iter().any(|a| a.starts_with(fam));
    Checks::default()
        .check(
            "action",
            (exact.as_deref().is_some_and(|a| !ACTIONS.contains(&a))
                || family.as_deref().is_some_and(|f| !known_family(f)))
            .then_some("is not a known action or family (see the list in the description)"),
        )
        .check(
            "to",
            matches!((f.from, f.to), (Some(a), Some(b)) if a >= b).then_some("must be after from"),
        )
        .finish()?;
    let rows = sqlx::query_as!(
        AuditEventView,
        "SELECT id, actor_type, actor_id, action, target_type, target_id, ip, user_agent,
                request_id, diff, created_at
         FROM audit_events
         WHERE ($1::uuid IS NULL OR id < $1)
           AND ($2::text IS NULL OR action = $2)
           AND ($3::text IS NULL OR starts_with(action, $3))
           AND ($4::uuid IS NULL OR actor_id = $4)
           AND ($5::timestamptz IS NULL OR created_at >= $5)
           AND ($6::timestamptz IS NULL OR created_at < $6)
         ORDER BY id DESC
         LIMIT $7",
        page.after,
        exact,
        family,
        f.actor_id,
        f.from,
        f.to,
        page.limit + 1,
    )
    .fetch_all(&mut *ctx.tx)
    .await?;
    Ok(axum::Json(Page::from_rows(rows, page, |e| e.id).into()))
}
