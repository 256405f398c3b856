//! The organization's job quotas and what is used of them.

use qhub_lib::ApiError;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::identity::extract::{needs, Scoped};
use crate::jobs::model::{QuotaItem, QuotaView};
use crate::platform::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_quotas))
}

/// Limits on the organization's jobs (set by the platform) with current
/// use. A submit over a limit is refused at once: 422 for per-job limits
/// (`too_many_qubits`, `too_many_shots`), 429 `quota_exceeded` for queued
/// jobs and simulator time; jobs beyond `running_jobs` wait in the queue.
#[utoipa::path(
    get, path = "/v1/quotas", tag = "jobs", operation_id = "getQuotas",
    responses((status = 200, description = "The quotas", body = QuotaView)),
    security(("bearerAuth" = ["jobs:read"]))
)]
async fn get_quotas(
    Scoped(mut ctx, _): Scoped<needs::JobsRead>,
) -> Result<axum::Json<QuotaView>, ApiError> {
    let q = sqlx::query!(
        r#"SELECT max_qubits AS "max_qubits!", max_shots AS "max_shots!",
                  max_queued_jobs AS "max_queued_jobs!", max_running_jobs AS "max_running_jobs!",
                  simulator_seconds_per_month AS "sim_seconds!", queued AS "queued!",
                  running AS "running!", month_run_ms AS "month_run_ms!"
           FROM app.job_quota(false)"#
    )
    .fetch_one(&mut *ctx.tx)
    .await?;
    ctx.commit().await?;
    let item = |limit: i64, used: i64| QuotaItem { limit, used };
    Ok(axum::Json(QuotaView {
        qubits: item(q.max_qubits.into(), 0),
        shots_per_job: item(q.max_shots.into(), 0),
        queued_jobs: item(q.max_queued_jobs.into(), q.queued.into()),
        running_jobs: item(q.max_running_jobs.into(), q.running.into()),
        simulator_seconds_per_month: item(q.sim_seconds, q.month_run_ms / 1000),
    }))
}
