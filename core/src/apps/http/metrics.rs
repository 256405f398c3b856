//! An app's metrics for its owner: all-time totals and views and downloads
//! per day (from the publisher's `app_daily_stats` rows, exact; the same
//! events also reach ClickHouse as `app.view` and `app.download` usage).

use chrono::{Duration, NaiveDate, Utc};
use qhub_lib::ApiError;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::apps::model::{AppMetrics, MetricsDay};
use crate::apps::store::own_app;
use crate::identity::extract::{needs, Scoped};
use crate::platform::extract::{Path, Query};
use crate::platform::state::AppState;
use crate::platform::validate::Checks;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(app_metrics))
}

/// Longest range of days one request covers.
const MAX_DAYS: i64 = 366;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MetricsRange {
    /// First day (UTC), default 29 days before `to`. From 2000-01-01 to
    /// tomorrow.
    #[param(value_type = Option<String>, format = Date)]
    pub from: Option<NaiveDate>,
    /// Last day (UTC), default today. At most 366 days after `from`; from
    /// 2000-01-01 to tomorrow.
    #[param(value_type = Option<String>, format = Date)]
    pub to: Option<NaiveDate>,
}

/// An app's views, downloads and rating, with views and downloads per day.
#[utoipa::path(
    get, path = "/v1/apps/{id}/metrics", tag = "apps", operation_id = "getAppMetrics",
    params(("id" = Uuid, Path, description = "App id"), MetricsRange),
    responses((status = 200, description = "The app's metrics", body = AppMetrics)),
    security(("bearerAuth" = ["apps:read"]))
)]
async fn app_metrics(
    Scoped(mut ctx, _): Scoped<needs::AppsRead>,
    Path(id): Path<Uuid>,
    Query(range): Query<MetricsRange>,
) -> Result<axum::Json<AppMetrics>, ApiError> {
    let today = Utc::now().date_naive();
    let mut checks = Checks::default();
    // Days QHub can have counted: from 2000 to tomorrow (UTC). Outside,
    // 422, never date arithmetic that overflows or a date Postgres refuses.
    let earliest = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or(today);
    let latest = today.succ_opt().unwrap_or(today);
    let in_window = |d: Option<NaiveDate>| d.is_none_or(|d| (earliest..=latest).contains(&d));
    checks.check(
        "from",
        (!in_window(range.from)).then_some("must be between 2000-01-01 and tomorrow"),
    );
    checks.check(
        "to",
        (!in_window(range.to)).then_some("must be between 2000-01-01 and tomorrow"),
    );
    checks.finish()?;
    let to = range.to.unwrap_or(today);
    let from = range.from.unwrap_or_else(|| {
        to.checked_sub_signed(Duration::days(29))
            .unwrap_or(earliest)
    });
    let span = (to - from).num_days();
    checks.check("from", (span < 0).then_some("must not be after to"));
    checks.check(
        "to",
        (span >= MAX_DAYS).then_some("the range is at most 366 days"),
    );
    checks.finish()?;
    let tenant = ctx.principal.tenant_id;
    let app = own_app(&mut ctx.tx, tenant, id, false).await?;
    let days = sqlx::query!(
        r#"SELECT d::date AS "day!", coalesce(s.views, 0) AS "views!",
                  coalesce(s.downloads, 0) AS "downloads!"
           FROM generate_series($2::date, $3::date, interval '1 day') d
           LEFT JOIN app_daily_stats s ON s.app_id = $1 AND s.day = d::date
           ORDER BY 1"#,
        id,
        from,
        to
    )
    .fetch_all(&mut *ctx.tx)
    .await?;
    Ok(axum::Json(AppMetrics {
        app_id: id,
        views: app.views,
        downloads: app.downloads,
        rating_average: app.rating_average,
        rating_count: app.rating_count,
        days: days
            .into_iter()
            .map(|d| MetricsDay {
                day: d.day,
                views: d.views,
                downloads: d.downloads,
            })
            .collect(),
    }))
}
