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
use crate::platform::validate::{self, Checks};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_audit_events))
        .routes(routes!(export_audit_events))
}

/// Most rows one CSV export holds; narrow the filters for more.
pub const MAX_EXPORT_ROWS: i64 = 10_000;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AuditEventView {
    pub id: Uuid,
    /// `user` or `api_key`.
    #[schema(example = "user")]
    pub actor_type: String,
    pub actor_id: Option<Uuid>,
    /// The actor's current name: the user's, or the API key's. Null once
    /// the actor is deleted.
    pub actor_name: Option<String>,
    /// The acting user's email (null for API keys and deleted users).
    pub actor_email: Option<String>,
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
    /// Only events whose actor's name or email (a user's) or name (an API
    /// key's) contains this text, case-insensitive.
    #[param(value_type = Option<crate::platform::validate::schema::SearchText>)]
    pub actor: Option<String>,
    /// Events at or after this time (RFC 3339, year 1970–9999).
    #[serde(default, deserialize_with = "qhub_lib::time::optional_timestamp")]
    #[param(value_type = Option<crate::platform::validate::schema::Timestamp>)]
    pub from: Option<DateTime<Utc>>,
    /// Events before this time (RFC 3339, year 1970–9999); after `from`.
    #[serde(default, deserialize_with = "qhub_lib::time::optional_timestamp")]
    #[param(value_type = Option<crate::platform::validate::schema::Timestamp>)]
    pub to: Option<DateTime<Utc>>,
}

/// A validated `AuditFilter`, in the form the query takes.
struct Filter {
    exact: Option<String>,
    family: Option<String>,
    actor_id: Option<Uuid>,
    actor: Option<String>,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
}

impl AuditFilter {
    fn validate(self) -> Result<Filter, ApiError> {
        let (exact, family) = match self.action.as_deref() {
            None => (None, None),
            Some(a) => match a.strip_suffix(".*") {
                Some(fam) => (None, Some(format!("{fam}."))),
                None => (Some(a.to_owned()), None),
            },
        };
        let known_family = |fam: &str| ACTIONS.iter().any(|a| a.starts_with(fam));
        let mut checks = Checks::default();
        checks
            .check(
                "action",
                (exact.as_deref().is_some_and(|a| !ACTIONS.contains(&a))
                    || family.as_deref().is_some_and(|f| !known_family(f)))
                .then_some("is not a known action or family (see the list in the description)"),
            )
            .check(
                "to",
                matches!((self.from, self.to), (Some(a), Some(b)) if a >= b)
                    .then_some("must be after from"),
            );
        let mut actor_checks = Checks::default();
        let actor = validate::search_text(self.actor.as_deref(), &mut actor_checks);
        checks.check(
            "actor",
            actor_checks
                .finish()
                .err()
                .map(|_| "must be at most 100 characters, without control or invisible characters"),
        );
        checks.finish()?;
        Ok(Filter {
            exact,
            family,
            actor_id: self.actor_id,
            actor,
            from: self.from,
            to: self.to,
        })
    }
}

/// One query serves the page and the export: newest first, after the
/// cursor, at most `limit` rows.
async fn fetch_events(
    ctx: &mut TenantCtx,
    f: &Filter,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Vec<AuditEventView>, ApiError> {
    let rows = sqlx::query_as!(
        AuditEventView,
        r#"SELECT e.id, e.actor_type, e.actor_id,
                  COALESCE(u.name, k.name) AS actor_name, u.email AS "actor_email?",
                  e.action, e.target_type, e.target_id, e.ip, e.user_agent,
                  e.request_id, e.diff, e.created_at
           FROM audit_events e
           LEFT JOIN users u ON e.actor_type = 'user' AND u.id = e.actor_id
           LEFT JOIN api_keys k ON e.actor_type = 'api_key' AND k.id = e.actor_id
           WHERE ($1::uuid IS NULL OR e.id < $1)
             AND ($2::text IS NULL OR e.action = $2)
             AND ($3::text IS NULL OR starts_with(e.action, $3))
             AND ($4::uuid IS NULL OR e.actor_id = $4)
             AND ($5::timestamptz IS NULL OR e.created_at >= $5)
             AND ($6::timestamptz IS NULL OR e.created_at < $6)
             AND ($8::text IS NULL OR strpos(lower(u.name), $8) > 0
                  OR strpos(u.email, $8) > 0 OR strpos(lower(k.name), $8) > 0)
           ORDER BY e.id DESC
           LIMIT $7"#,
        after,
        f.exact,
        f.family,
        f.actor_id,
        f.from,
        f.to,
        limit,
        f.actor,
    )
    .fetch_all(&mut *ctx.tx)
    .await?;
    Ok(rows)
}

/// The organization's audit log, newest first.
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
    let f = f.validate()?;
    let rows = fetch_events(&mut ctx, &f, page.after, page.limit + 1).await?;
    Ok(axum::Json(Page::from_rows(rows, page, |e| e.id).into()))
}

/// The audit log as CSV, with the same filters, newest first.
///
/// At most 10,000 rows; `X-Truncated: true` says there were more (narrow
/// the range). Cells that a spreadsheet would run as a formula (starting
/// with `=`, `+`, `-`, `@`, tab or carriage return) are prefixed with `'`.
#[utoipa::path(
    get, path = "/v1/audit-events/export", tag = "audit", operation_id = "exportAuditEvents",
    params(AuditFilter),
    responses((status = 200, description = "The events as CSV (RFC 4180), header row first",
        content_type = "text/csv", body = String,
        headers(("X-Truncated" = String, description = "`true` when more events matched than the export holds")))),
    security(("bearerAuth" = ["admin"]))
)]
async fn export_audit_events(
    mut ctx: TenantCtx,
    Query(f): Query<AuditFilter>,
) -> Result<axum::response::Response, ApiError> {
    use axum::http::header;
    use axum::response::IntoResponse;
    ctx.principal.require(Scope::Admin)?;
    let f = f.validate()?;
    let mut rows = fetch_events(&mut ctx, &f, None, MAX_EXPORT_ROWS + 1).await?;
    ctx.commit().await?;
    let truncated = rows.len() > usize::try_from(MAX_EXPORT_ROWS).unwrap_or(usize::MAX);
    rows.truncate(usize::try_from(MAX_EXPORT_ROWS).unwrap_or(usize::MAX));
    let csv = to_csv(&rows);
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"audit-events.csv\"",
            ),
            (
                header::HeaderName::from_static("x-truncated"),
                if truncated { "true" } else { "false" },
            ),
        ],
        csv,
    )
        .into_response())
}

const CSV_COLUMNS: &[&str] = &[
    "id",
    "created_at",
    "action",
    "actor_type",
    "actor_id",
    "actor_name",
    "actor_email",
    "target_type",
    "target_id",
    "ip",
    "user_agent",
    "request_id",
    "diff",
];

fn to_csv(rows: &[AuditEventView]) -> String {
    let mut out = String::with_capacity(rows.len() * 256 + 200);
    out.push_str(&CSV_COLUMNS.join(","));
    out.push_str("\r\n");
    for e in rows {
        let opt = |v: &Option<String>| v.clone().unwrap_or_default();
        let cells = [
            e.id.to_string(),
            e.created_at.to_rfc3339(),
            e.action.clone(),
            e.actor_type.clone(),
            e.actor_id.map(|id| id.to_string()).unwrap_or_default(),
            opt(&e.actor_name),
            opt(&e.actor_email),
            opt(&e.target_type),
            opt(&e.target_id),
            opt(&e.ip),
            opt(&e.user_agent),
            opt(&e.request_id),
            e.diff.as_ref().map(|d| d.to_string()).unwrap_or_default(),
        ];
        let line: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

/// RFC 4180 quoting, after neutralising spreadsheet formulas (OWASP's CSV
/// injection advice): names and user agents are other people's text.
fn csv_cell(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_and_formulas_neutralised() {
        assert_eq!(csv_cell("plain"), "plain");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(csv_cell("-1+2"), "'-1+2");
        assert_eq!(csv_cell("line\nbreak"), "\"line\nbreak\"");
    }
}
