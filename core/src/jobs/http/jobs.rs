//! Jobs: submit, list, read, cancel, result, rerun, tags, delete, stats.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use chrono::{DateTime, Utc};
use qhub_lib::page::{Page, PageQuery};
use qhub_lib::ApiError;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::audit::Event;
use crate::identity::extract::{needs, Actor, Scoped, ScopedOrKey, TenantCtx};
use crate::jobs::model::{JobPage, JobResultView, JobStats, JobStatus, JobView};
use crate::jobs::rules::{self, SubmitJobRequest};
use crate::jobs::store::{decode_statevector, job_not_found, own_job, queue_info, JobRow};
use crate::jobs::worker::{meter_ended, CANCEL_CHANNEL, JOBS_CHANNEL};
use crate::platform::extract::{Json, Path, Query};
use crate::platform::state::AppState;
use crate::platform::validate::Checks;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_jobs, submit_job))
        .routes(routes!(job_stats))
        .routes(routes!(get_job, delete_job))
        .routes(routes!(cancel_job))
        .routes(routes!(job_result))
        .routes(routes!(rerun_job))
        .routes(routes!(set_job_tags))
}

/// A backend row as a submission needs it.
struct Backend {
    id: Uuid,
    name: String,
    status: String,
    qubits: i32,
    basis_gates: Vec<String>,
    max_shots: i32,
}

async fn backend(ctx: &mut TenantCtx, reference: &str) -> Result<Backend, ApiError> {
    let id = reference.parse::<Uuid>().ok();
    sqlx::query_as!(
        Backend,
        "SELECT id, name, status, qubits, basis_gates, max_shots FROM backends
         WHERE ($1::uuid IS NOT NULL AND id = $1) OR name = $2",
        id,
        reference
    )
    .fetch_optional(&mut *ctx.tx)
    .await?
    .ok_or_else(|| ApiError::field("backend", "no such backend (see GET /v1/backends)"))
}

/// What a submission runs: the program text, and where it came from.
struct Source {
    program: String,
    app_version_id: Option<Uuid>,
    parameters: Option<BTreeMap<String, f64>>,
}

/// An app version's package as the program: the version must be
/// published (the organization's own, or in the registry — RLS shows
/// nothing else), of a circuit, with a package of OpenQASM text.
async fn app_program(
    state: &AppState,
    ctx: &mut TenantCtx,
    version: Uuid,
) -> Result<String, ApiError> {
    let v = sqlx::query!(
        r#"SELECT v.status, v.sdk, v.package_key, v.package_size, a.app_type
           FROM app_versions v JOIN apps a ON a.id = v.app_id
           WHERE v.id = $1"#,
        version
    )
    .fetch_optional(&mut *ctx.tx)
    .await?
    .ok_or_else(|| ApiError::field("app_version_id", "no such app version"))?;
    if v.status != "published" {
        return Err(ApiError::Conflict(format!(
            "the app version is {}; only published versions run",
            v.status
        )));
    }
    if v.app_type != "circuit" && v.sdk != "openqasm2" {
        return Err(ApiError::field(
            "app_version_id",
            "the app is not a circuit (app type circuit or sdk openqasm2)",
        ));
    }
    let (Some(key), Some(size)) = (v.package_key, v.package_size) else {
        return Err(ApiError::Conflict("the app version has no package".into()));
    };
    if usize::try_from(size).unwrap_or(usize::MAX) > rules::MAX_PROGRAM_BYTES {
        return Err(ApiError::field(
            "app_version_id",
            "the package is larger than a program may be (262144 bytes)",
        ));
    }
    use futures_util::TryStreamExt;
    let mut stream = Box::pin(state.packages.get(&key).await?);
    let mut bytes = Vec::new();
    while let Some(chunk) = stream
        .try_next()
        .await
        .map_err(crate::apps::storage::store_error)?
    {
        bytes.extend_from_slice(&chunk);
        if bytes.len() > rules::MAX_PROGRAM_BYTES {
            return Err(ApiError::field(
                "app_version_id",
                "the package is too large",
            ));
        }
    }
    let text = String::from_utf8(bytes).map_err(|_| {
        ApiError::field("app_version_id", "the package is not OpenQASM text (UTF-8)")
    })?;
    if text.contains('\0') {
        return Err(ApiError::field(
            "app_version_id",
            "the package is not OpenQASM text (it holds NUL)",
        ));
    }
    Ok(text)
}

fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(v) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let s = v
        .to_str()
        .ok()
        .filter(|s| (1..=255).contains(&s.len()) && s.bytes().all(|b| (0x21..=0x7e).contains(&b)))
        .ok_or_else(|| {
            ApiError::field("Idempotency-Key", "must be 1–255 visible ASCII characters")
        })?;
    Ok(Some(s.to_owned()))
}

/// The job an earlier request with this key created: the same job when
/// the body is the same, 422 when it differs.
async fn replay(
    ctx: &mut TenantCtx,
    key: &str,
    fingerprint: &str,
) -> Result<Option<Uuid>, ApiError> {
    let tenant = ctx.principal.tenant_id;
    let Some(prev) = sqlx::query!(
        "SELECT id, request_hash FROM jobs WHERE tenant_id = $1 AND idempotency_key = $2",
        tenant,
        key
    )
    .fetch_optional(&mut *ctx.tx)
    .await?
    else {
        return Ok(None);
    };
    if prev.request_hash.as_deref() != Some(fingerprint) {
        return Err(ApiError::refused(
            "idempotency_key_reused",
            "this Idempotency-Key was used with a different request",
        ));
    }
    Ok(Some(prev.id))
}

/// A subscription key sees only the jobs run under its subscription (404
/// for the organization's others, as for another organization's).
async fn key_may_see(ctx: &mut TenantCtx, id: Uuid) -> Result<(), ApiError> {
    let Some((_, subscription, _)) = ctx.principal.subscription_key() else {
        return Ok(());
    };
    let ok = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM jobs WHERE id = $1 AND subscription_id = $2) AS "x!""#,
        id,
        subscription
    )
    .fetch_one(&mut *ctx.tx)
    .await?;
    if ok {
        Ok(())
    } else {
        Err(ApiError::NotFound("no such job".into()))
    }
}

async fn view(ctx: &mut TenantCtx, id: Uuid, with_program: bool) -> Result<JobView, ApiError> {
    let tenant = ctx.principal.tenant_id;
    let row = own_job(&mut ctx.tx, tenant, id, with_program).await?;
    let mut q = queue_info(&mut ctx.tx, std::slice::from_ref(&row)).await?;
    let info = q.remove(&row.id);
    Ok(row.into_view(info))
}

/// The organization's job limits and counters, read through
/// `app.job_quota`.
struct Quota {
    max_qubits: i32,
    max_shots: i32,
    max_queued_jobs: i32,
    queued: i32,
    sim_seconds: i64,
    month_run_ms: i64,
}

/// The quota, with queued jobs and this month's simulator time checked
/// against their limits. With `lock`, the quota row stays locked until the
/// transaction ends (waiting at most 2 s for another submit of the
/// organization).
async fn check_counters(ctx: &mut TenantCtx, lock: bool) -> Result<Quota, ApiError> {
    if lock {
        sqlx::query!("SET LOCAL lock_timeout = '2s'")
            .execute(&mut *ctx.tx)
            .await?;
    }
    let quota = sqlx::query_as!(
        Quota,
        r#"SELECT max_qubits AS "max_qubits!", max_shots AS "max_shots!",
                  max_queued_jobs AS "max_queued_jobs!", queued AS "queued!",
                  simulator_seconds_per_month AS "sim_seconds!", month_run_ms AS "month_run_ms!"
           FROM app.job_quota($1)"#,
        lock
    )
    .fetch_one(&mut *ctx.tx)
    .await?;
    if quota.queued >= quota.max_queued_jobs {
        return Err(ApiError::refused(
            "quota_exceeded",
            format!(
                "this organization has {} queued jobs, its limit; wait for some to finish",
                quota.queued
            ),
        ));
    }
    if quota.month_run_ms >= quota.sim_seconds.saturating_mul(1000) {
        return Err(ApiError::refused(
            "quota_exceeded",
            format!(
                "this organization has used its {} simulator seconds of this month",
                quota.sim_seconds
            ),
        ));
    }
    Ok(quota)
}

/// Under the quota lock: a request with the same key that committed while
/// this one fetched and parsed is replayed (its job), not refused for the
/// place it took.
async fn check_counters_or_replay(
    ctx: &mut TenantCtx,
    key: Option<&str>,
    fingerprint: &str,
) -> Result<Option<Uuid>, ApiError> {
    match check_counters(ctx, true).await {
        Ok(_) => Ok(None),
        Err(refused @ ApiError::Refused { .. }) => match key {
            Some(k) => match replay(ctx, k, fingerprint).await? {
                Some(id) => Ok(Some(id)),
                None => Err(refused),
            },
            None => Err(refused),
        },
        Err(e) => Err(e),
    }
}

/// Checks and queues one job; the caller commits. Shared by submit and
/// rerun.
async fn enqueue(
    state: &AppState,
    ctx: &mut TenantCtx,
    req: &SubmitJobRequest,
    key: Option<&str>,
) -> Result<(Uuid, bool), ApiError> {
    let checked = rules::check_request(req)?;
    let fingerprint = req.fingerprint();
    if let Some(k) = key {
        if let Some(id) = replay(ctx, k, &fingerprint).await? {
            return Ok((id, false));
        }
    }
    let backend = backend(ctx, &req.backend).await?;
    if backend.status != "online" {
        return Err(ApiError::refused(
            "backend_unavailable",
            format!(
                "backend {} is {} and takes no jobs",
                backend.name, backend.status
            ),
        ));
    }
    // The organization's limits and counters, read without a lock: what
    // the queue would refuse anyway is refused before fetching and
    // parsing; the counters are checked again under the lock below.
    let limits = check_counters(ctx, false).await?;
    let max_shots = backend.max_shots.min(limits.max_shots);
    if checked.shots > max_shots {
        return Err(ApiError::refused_field(
            "too_many_shots",
            "shots",
            format!(
                "at most {max_shots} shots (backend {}: {}; this organization: {})",
                backend.name, backend.max_shots, limits.max_shots
            ),
        ));
    }
    let key_subscription = ctx.principal.subscription_key();
    if key_subscription.is_some() && req.program.is_some() {
        return Err(ApiError::Forbidden(
            "a subscription key runs its subscribed app's versions only: send app_version_id"
                .into(),
        ));
    }
    let source = match (&req.program, req.app_version_id) {
        (Some(p), _) => Source {
            program: p.clone(),
            app_version_id: None,
            parameters: req.parameters.clone(),
        },
        (None, Some(v)) => Source {
            program: app_program(state, ctx, v).await?,
            app_version_id: Some(v),
            parameters: Some(req.parameters.clone().unwrap_or_default()),
        },
        (None, None) => return Err(ApiError::field("program", "give program or app_version_id")),
    };
    let cfg = &state.config.jobs;
    let (program, parameters) = (source.program.clone(), source.parameters.clone());
    let (name, basis) = (backend.name.clone(), backend.basis_gates.clone());
    let (bq, qq) = (
        u32::try_from(backend.qubits).unwrap_or(0),
        u32::try_from(limits.max_qubits).unwrap_or(0),
    );
    let (max_gates, memory) = (cfg.max_gates, cfg.memory_bytes);
    let statevector = checked.statevector;
    let shots = checked.shots;
    // Parsing is CPU work: off the async runtime.
    let shape = tokio::task::spawn_blocking(move || {
        rules::check_program(
            &program,
            parameters.as_ref(),
            &rules::ProgramLimits {
                backend_name: &name,
                backend_qubits: bq,
                quota_qubits: qq,
                basis_gates: &basis,
                max_gates,
                worker_memory_bytes: memory,
                statevector,
            },
            shots,
        )
    })
    .await
    .map_err(ApiError::internal)??;
    // A job of a subscribed app runs under its subscription (billing
    // counts its shots against the plan); a key's job, under the key's.
    let subscription = match (source.app_version_id, key_subscription) {
        (None, _) => None,
        (Some(v), _) => sqlx::query!(
            r#"SELECT s.id, s.app_id FROM subscriptions s JOIN app_versions v ON v.app_id = s.app_id
               WHERE v.id = $1 AND s.tenant_id = $2 AND s.state IN ('trialing', 'active')"#,
            v,
            ctx.principal.tenant_id
        )
        .fetch_optional(&mut *ctx.tx)
        .await?
        .map(|s| (s.id, s.app_id)),
    };
    if let Some((_, key_sub, key_app)) = key_subscription {
        if subscription != Some((key_sub, key_app)) {
            return Err(ApiError::field(
                "app_version_id",
                "is not a version of the app this subscription key is for",
            ));
        }
    }
    let p = ctx.principal;
    let (by_kind, by, by_key) = match p.actor {
        Actor::ApiKey { key_id, .. } => ("api_key", key_id, None),
        Actor::Session { .. } => ("user", p.user_id, None),
        Actor::SubscriptionKey { key_id, .. } => ("subscription_key", p.user_id, Some(key_id)),
    };
    let params = source
        .parameters
        .as_ref()
        .filter(|m| !m.is_empty())
        .map(serde_json::to_value)
        .transpose()
        .map_err(ApiError::internal)?;
    // The quota row, locked until commit: concurrent submits queue behind
    // one another here (only for the insert, not while fetching or
    // parsing), so none can take a place another already took.
    if let Some(id) = check_counters_or_replay(ctx, key, &fingerprint).await? {
        return Ok((id, false));
    }
    // A concurrent request with the same key: ON CONFLICT waits for it to
    // commit, then inserts nothing, and the replay below finds its job.
    let id = sqlx::query_scalar!(
        r#"INSERT INTO jobs (id, tenant_id, backend_id, name, tags, program, app_version_id,
                             parameters, shots, seed, max_execution_seconds, save_statevector,
                             qubits, clbits, depth, gate_count, memory_bytes, cost,
                             idempotency_key, request_hash, created_by, created_by_kind,
                             subscription_id, subscription_key_id)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
                   $18, $19, $20, $21, $22, $23, $24)
           ON CONFLICT (tenant_id, idempotency_key) DO NOTHING
           RETURNING id"#,
        Uuid::now_v7(),
        p.tenant_id,
        backend.id,
        checked.name,
        &checked.tags,
        source.program,
        source.app_version_id,
        params,
        checked.shots,
        checked.seed,
        checked.max_execution_seconds,
        checked.statevector,
        i32::try_from(shape.qubits).unwrap_or(i32::MAX),
        i32::try_from(shape.clbits).unwrap_or(i32::MAX),
        i32::try_from(shape.depth).unwrap_or(i32::MAX),
        i64::try_from(shape.gate_count).unwrap_or(i64::MAX),
        i64::try_from(shape.memory_bytes).unwrap_or(i64::MAX),
        shape.cost,
        key,
        fingerprint,
        by,
        by_kind,
        subscription.map(|s| s.0),
        by_key,
    )
    .fetch_optional(&mut *ctx.tx)
    .await?;
    let id = match (id, key) {
        (Some(id), _) => id,
        (None, Some(k)) => replay(ctx, k, &fingerprint)
            .await?
            .ok_or_else(|| ApiError::internal("idempotent insert found no job"))?,
        (None, None) => return Err(ApiError::internal("job insert returned nothing")),
    };
    sqlx::query!("SELECT pg_notify($1, '')", JOBS_CHANNEL)
        .execute(&mut *ctx.tx)
        .await?;
    ctx.audit(
        Event::new("job.submitted", "job", id).diff(serde_json::json!({
            "backend": backend.name, "shots": checked.shots, "qubits": shape.qubits,
        })),
    )
    .await?;
    Ok((id, true))
}

/// Submit a job: an OpenQASM program, or a published app version with
/// parameters. Checked at once (422 naming line and column for a program
/// error; 409 for an offline backend; 429 `quota_exceeded` over a quota),
/// then queued.
#[utoipa::path(
    post, path = "/v1/jobs", tag = "jobs", operation_id = "submitJob",
    params(("Idempotency-Key" = Option<rules::IdempotencyKey>, Header, description = "Makes the submission safe to retry")),
    request_body = SubmitJobRequest,
    responses(
        (status = 201, description = "The job, queued (or, for a repeated Idempotency-Key, the job the first request created)", body = JobView),
        (status = 409, description = "The backend is offline or retired, or the app version is not published", body = qhub_lib::Problem, content_type = "application/problem+json"),
        (status = 429, description = "A quota is used up (`quota_exceeded`), or the rate limit", body = qhub_lib::Problem, content_type = "application/problem+json"),
    ),
    security(("bearerAuth" = ["jobs:write"]))
)]
async fn submit_job(
    State(state): State<AppState>,
    ScopedOrKey(mut ctx, _): ScopedOrKey<needs::JobsWrite>,
    headers: HeaderMap,
    Json(req): Json<SubmitJobRequest>,
) -> Result<(StatusCode, axum::Json<JobView>), ApiError> {
    let key = idempotency_key(&headers)?;
    let (id, _) = enqueue(&state, &mut ctx, &req, key.as_deref()).await?;
    let view = view(&mut ctx, id, true).await?;
    ctx.commit().await?;
    Ok((StatusCode::CREATED, axum::Json(view)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct JobFilter {
    pub status: Option<JobStatus>,
    /// Only jobs on this backend (its id).
    pub backend: Option<Uuid>,
    /// Only jobs with this tag.
    #[param(value_type = Option<crate::apps::rules::Tag>)]
    pub tag: Option<String>,
    /// Jobs created at or after this time.
    #[serde(default, deserialize_with = "qhub_lib::time::optional_timestamp")]
    #[param(value_type = Option<crate::platform::validate::schema::Timestamp>)]
    pub created_after: Option<DateTime<Utc>>,
    /// Jobs created before this time.
    #[serde(default, deserialize_with = "qhub_lib::time::optional_timestamp")]
    #[param(value_type = Option<crate::platform::validate::schema::Timestamp>)]
    pub created_before: Option<DateTime<Utc>>,
}

/// List the organization's jobs, newest first.
#[utoipa::path(
    get, path = "/v1/jobs", tag = "jobs", operation_id = "listJobs",
    params(PageQuery, JobFilter),
    responses((status = 200, description = "A page of jobs (without their programs)", body = JobPage)),
    security(("bearerAuth" = ["jobs:read"]))
)]
async fn list_jobs(
    Scoped(mut ctx, _): Scoped<needs::JobsRead>,
    Query(q): Query<PageQuery>,
    Query(f): Query<JobFilter>,
) -> Result<axum::Json<JobPage>, ApiError> {
    let page = q.validate()?;
    let mut checks = Checks::default();
    if f.tag
        .as_deref()
        .is_some_and(|t| !crate::apps::rules::tag(t))
    {
        checks.check("tag", Some("is not a tag (a-z, 0-9 and '-', at most 32)"));
    }
    checks.finish()?;
    let rows = sqlx::query_as!(
        JobRow,
        r#"SELECT j.id, j.name, j.tags, j.backend_id, b.name AS backend,
                  j.status AS "status: JobStatus", j.reason, j.message, j.app_version_id,
                  j.parameters, j.shots, j.seed, j.max_execution_seconds, j.save_statevector,
                  j.qubits, j.clbits, j.depth, j.gate_count, j.attempts, j.created_at,
                  j.started_at, j.finished_at, j.cancelled_at, j.queued_ms, j.run_ms, j.cpu_ms,
                  j.peak_memory_bytes, NULL::text AS program
           FROM jobs j JOIN backends b ON b.id = j.backend_id
           WHERE j.tenant_id = $1 AND ($2::uuid IS NULL OR j.id < $2)
             AND ($4::text IS NULL OR j.status = $4)
             AND ($5::uuid IS NULL OR j.backend_id = $5)
             AND ($6::text IS NULL OR j.tags @> ARRAY[$6::text])
             AND ($7::timestamptz IS NULL OR j.created_at >= $7)
             AND ($8::timestamptz IS NULL OR j.created_at < $8)
           ORDER BY j.id DESC LIMIT $3"#,
        ctx.principal.tenant_id,
        page.after,
        page.limit + 1,
        f.status.map(JobStatus::as_str),
        f.backend,
        f.tag,
        f.created_after,
        f.created_before,
    )
    .fetch_all(&mut *ctx.tx)
    .await?;
    let mut info = queue_info(&mut ctx.tx, &rows).await?;
    let items = rows
        .into_iter()
        .map(|r| {
            let q = info.remove(&r.id);
            r.into_view(q)
        })
        .collect();
    Ok(axum::Json(Page::from_rows(items, page, |j| j.id).into()))
}

/// Read a job: its status with a reason, times, shape, queue position and
/// estimates (approximate), usage, and its program.
#[utoipa::path(
    get, path = "/v1/jobs/{id}", tag = "jobs", operation_id = "getJob",
    params(("id" = Uuid, Path, description = "Job id")),
    responses((status = 200, description = "The job", body = JobView)),
    security(("bearerAuth" = ["jobs:read"]))
)]
async fn get_job(
    ScopedOrKey(mut ctx, _): ScopedOrKey<needs::JobsRead>,
    Path(id): Path<Uuid>,
) -> Result<axum::Json<JobView>, ApiError> {
    key_may_see(&mut ctx, id).await?;
    Ok(axum::Json(view(&mut ctx, id, true).await?))
}

/// Cancel a job. Idempotent: a queued job is cancelled at once; a running
/// one goes to `cancelling` and stops at the next gate boundary (its
/// partial run time is metered); a finished job is answered as it is.
#[utoipa::path(
    post, path = "/v1/jobs/{id}/cancel", tag = "jobs", operation_id = "cancelJob",
    params(("id" = Uuid, Path, description = "Job id")),
    responses((status = 200, description = "The job, cancelled or cancelling (or as it was, if it had finished)", body = JobView)),
    security(("bearerAuth" = ["jobs:write"]))
)]
async fn cancel_job(
    State(state): State<AppState>,
    Scoped(mut ctx, _): Scoped<needs::JobsWrite>,
    Path(id): Path<Uuid>,
) -> Result<axum::Json<JobView>, ApiError> {
    let tenant = ctx.principal.tenant_id;
    let moved = sqlx::query_scalar!(
        r#"UPDATE jobs
           SET status = CASE WHEN status = 'queued' THEN 'cancelled' ELSE 'cancelling' END,
               reason = 'cancelled_by_user',
               message = CASE WHEN status = 'queued' THEN 'Cancelled on request before it started.'
                              ELSE 'Cancelling on request; stops at the next gate.' END,
               cancel_requested_at = now(),
               cancelled_at = CASE WHEN status = 'queued' THEN now() END,
               finished_at = CASE WHEN status = 'queued' THEN now() END,
               run_ms = CASE WHEN status = 'queued' THEN 0 ELSE run_ms END
           WHERE id = $1 AND tenant_id = $2 AND status IN ('queued', 'running')
           RETURNING status AS "status: JobStatus""#,
        id,
        tenant
    )
    .fetch_optional(&mut *ctx.tx)
    .await?;
    if let Some(status) = moved {
        if status == JobStatus::Cancelling {
            sqlx::query!("SELECT pg_notify($1, $2)", CANCEL_CHANNEL, id.to_string())
                .execute(&mut *ctx.tx)
                .await?;
        }
        ctx.audit(Event::new("job.cancelled", "job", id)).await?;
    }
    let v = view(&mut ctx, id, true).await?;
    ctx.commit().await?;
    if moved == Some(JobStatus::Cancelled) {
        meter_ended(&state, tenant, id).await?;
    }
    Ok(axum::Json(v))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ResultQuery {
    /// Include the final statevector (kept only when the job was submitted
    /// with `statevector: true`; else 409).
    #[serde(default)]
    pub statevector: Option<bool>,
}

/// A finished job's counts (409 `job_not_finished` before; a failed or
/// cancelled job has no result: 409 too).
#[utoipa::path(
    get, path = "/v1/jobs/{id}/result", tag = "jobs", operation_id = "getJobResult",
    params(("id" = Uuid, Path, description = "Job id"), ResultQuery),
    responses(
        (status = 200, description = "The counts (and the statevector when asked for)", body = JobResultView),
        (status = 409, description = "The job has not completed (`job_not_finished`), or no statevector was kept", body = qhub_lib::Problem, content_type = "application/problem+json"),
    ),
    security(("bearerAuth" = ["jobs:read"]))
)]
async fn job_result(
    ScopedOrKey(mut ctx, _): ScopedOrKey<needs::JobsRead>,
    Path(id): Path<Uuid>,
    Query(q): Query<ResultQuery>,
) -> Result<axum::Json<JobResultView>, ApiError> {
    key_may_see(&mut ctx, id).await?;
    let tenant = ctx.principal.tenant_id;
    let job = own_job(&mut ctx.tx, tenant, id, false).await?;
    if job.status != JobStatus::Completed {
        return Err(ApiError::refused(
            "job_not_finished",
            format!(
                "the job is {}; a result exists once it has completed",
                job.status
            ),
        ));
    }
    let want_sv = q.statevector.unwrap_or(false);
    if want_sv && !job.save_statevector {
        return Err(ApiError::Conflict(
            "no statevector was kept: submit with \"statevector\": true (up to 20 qubits)".into(),
        ));
    }
    let r = sqlx::query!(
        "SELECT counts, CASE WHEN $3 THEN statevector END AS sv FROM job_results
         WHERE job_id = $1 AND tenant_id = $2",
        id,
        tenant,
        want_sv
    )
    .fetch_optional(&mut *ctx.tx)
    .await?
    .ok_or_else(job_not_found)?;
    let counts: BTreeMap<String, u64> =
        serde_json::from_value(r.counts).map_err(ApiError::internal)?;
    let statevector = r.sv.as_deref().map(decode_statevector);
    Ok(axum::Json(JobResultView {
        job_id: id,
        counts,
        shots: job.shots,
        statevector,
    }))
}

/// Run a job again: a new job with the same program, backend, shots,
/// seed, parameters, name and tags (so the same seed gives the same
/// counts). Checked and queued like a submission.
#[utoipa::path(
    post, path = "/v1/jobs/{id}/rerun", tag = "jobs", operation_id = "rerunJob",
    params(("id" = Uuid, Path, description = "Job id")),
    responses(
        (status = 201, description = "The new job", body = JobView),
        (status = 429, description = "A quota is used up (`quota_exceeded`)", body = qhub_lib::Problem, content_type = "application/problem+json"),
    ),
    security(("bearerAuth" = ["jobs:write"]))
)]
async fn rerun_job(
    State(state): State<AppState>,
    Scoped(mut ctx, _): Scoped<needs::JobsWrite>,
    Path(id): Path<Uuid>,
) -> Result<(StatusCode, axum::Json<JobView>), ApiError> {
    let tenant = ctx.principal.tenant_id;
    let old = own_job(&mut ctx.tx, tenant, id, true).await?;
    let req = SubmitJobRequest {
        backend: old.backend_id.to_string(),
        // An app's job reruns the program it ran (the version may be
        // yanked since).
        program: old.program,
        app_version_id: None,
        parameters: old.parameters.and_then(|p| serde_json::from_value(p).ok()),
        shots: Some(old.shots),
        name: Some(old.name),
        tags: Some(old.tags),
        seed: Some(old.seed),
        max_execution_seconds: Some(old.max_execution_seconds),
        statevector: Some(old.save_statevector),
    };
    let (new_id, _) = enqueue(&state, &mut ctx, &req, None).await?;
    let v = view(&mut ctx, new_id, true).await?;
    ctx.commit().await?;
    Ok((StatusCode::CREATED, axum::Json(v)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JobTagsRequest {
    /// The job's tags (replacing the old ones): at most 20, duplicates
    /// dropped.
    #[schema(value_type = Vec<crate::apps::rules::Tag>, max_items = 20)]
    pub tags: Vec<String>,
}

/// Replace a job's tags (any state).
#[utoipa::path(
    put, path = "/v1/jobs/{id}/tags", tag = "jobs", operation_id = "setJobTags",
    params(("id" = Uuid, Path, description = "Job id")),
    request_body = JobTagsRequest,
    responses((status = 200, description = "The job with its new tags", body = JobView)),
    security(("bearerAuth" = ["jobs:write"]))
)]
async fn set_job_tags(
    Scoped(mut ctx, _): Scoped<needs::JobsWrite>,
    Path(id): Path<Uuid>,
    Json(req): Json<JobTagsRequest>,
) -> Result<axum::Json<JobView>, ApiError> {
    let mut checks = Checks::default();
    rules::tags(&mut checks, &req.tags);
    checks.finish()?;
    let tags = rules::dedup_tags(&req.tags);
    let tenant = ctx.principal.tenant_id;
    let old = sqlx::query_scalar!(
        r#"UPDATE jobs j SET tags = $3 FROM (SELECT id, tags FROM jobs WHERE id = $1 AND tenant_id = $2 FOR UPDATE) o
           WHERE j.id = o.id RETURNING o.tags AS "old!""#,
        id,
        tenant,
        &tags
    )
    .fetch_optional(&mut *ctx.tx)
    .await?
    .ok_or_else(job_not_found)?;
    if old != tags {
        ctx.audit(
            Event::new("job.tags_changed", "job", id)
                .diff(serde_json::json!({"tags": {"from": old, "to": tags}})),
        )
        .await?;
    }
    let v = view(&mut ctx, id, true).await?;
    ctx.commit().await?;
    Ok(axum::Json(v))
}

/// Delete a finished job and its result (409 `job_not_finished` while it
/// is queued or running). Its usage stays metered.
#[utoipa::path(
    delete, path = "/v1/jobs/{id}", tag = "jobs", operation_id = "deleteJob",
    params(("id" = Uuid, Path, description = "Job id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 409, description = "The job has not finished (`job_not_finished`)", body = qhub_lib::Problem, content_type = "application/problem+json"),
    ),
    security(("bearerAuth" = ["jobs:write"]))
)]
async fn delete_job(
    Scoped(mut ctx, _): Scoped<needs::JobsWrite>,
    Path(id): Path<Uuid>,
) -> Result<StatusCode, ApiError> {
    let tenant = ctx.principal.tenant_id;
    let deleted = sqlx::query_scalar!(
        "DELETE FROM jobs WHERE id = $1 AND tenant_id = $2
           AND status IN ('completed', 'failed', 'cancelled') RETURNING id",
        id,
        tenant
    )
    .fetch_optional(&mut *ctx.tx)
    .await?;
    if deleted.is_none() {
        let job = own_job(&mut ctx.tx, tenant, id, false).await?;
        return Err(ApiError::refused(
            "job_not_finished",
            format!(
                "the job is {}; cancel it first or wait for it to finish",
                job.status
            ),
        ));
    }
    ctx.audit(Event::new("job.deleted", "job", id)).await?;
    ctx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatsQuery {
    /// Jobs created at or after this time (default: 30 days ago).
    #[serde(default, deserialize_with = "qhub_lib::time::optional_timestamp")]
    #[param(value_type = Option<crate::platform::validate::schema::Timestamp>)]
    pub from: Option<DateTime<Utc>>,
    /// Jobs created before this time (default: now); after `from`.
    #[serde(default, deserialize_with = "qhub_lib::time::optional_timestamp")]
    #[param(value_type = Option<crate::platform::validate::schema::Timestamp>)]
    pub to: Option<DateTime<Utc>>,
}

/// Counts by status, mean queue and run time of the organization's jobs
/// created in a range.
#[utoipa::path(
    get, path = "/v1/jobs/stats", tag = "jobs", operation_id = "getJobStats",
    params(StatsQuery),
    responses((status = 200, description = "The statistics", body = JobStats)),
    security(("bearerAuth" = ["jobs:read"]))
)]
async fn job_stats(
    Scoped(mut ctx, _): Scoped<needs::JobsRead>,
    Query(q): Query<StatsQuery>,
) -> Result<axum::Json<JobStats>, ApiError> {
    let to = q.to.unwrap_or_else(Utc::now);
    let from = q.from.unwrap_or(to - chrono::Duration::days(30));
    let mut checks = Checks::default();
    checks.check("to", (from > to).then_some("must not be before from"));
    checks.finish()?;
    let rows = sqlx::query!(
        r#"SELECT status AS "status!", count(*) AS "n!",
                  coalesce(sum(queued_ms), 0)::float8 AS "qsum!", count(queued_ms) AS "qn!",
                  coalesce(sum(run_ms) FILTER (WHERE finished_at IS NOT NULL), 0)::float8 AS "rsum!",
                  count(run_ms) FILTER (WHERE finished_at IS NOT NULL) AS "rn!",
                  coalesce(sum(shots) FILTER (WHERE status = 'completed'), 0)::bigint AS "shots!"
           FROM jobs WHERE tenant_id = $1 AND created_at >= $2 AND created_at < $3
           GROUP BY status"#,
        ctx.principal.tenant_id,
        from,
        to
    )
    .fetch_all(&mut *ctx.tx)
    .await?;
    let mut counts: BTreeMap<String, i64> = JobStatus::ALL
        .iter()
        .map(|s| (s.as_str().to_owned(), 0))
        .collect();
    let (mut total, mut shots) = (0i64, 0i64);
    let (mut qsum, mut qn, mut rsum, mut rn) = (0.0, 0i64, 0.0, 0i64);
    for r in rows {
        total += r.n;
        shots += r.shots;
        qsum += r.qsum;
        qn += r.qn;
        rsum += r.rsum;
        rn += r.rn;
        counts.insert(r.status, r.n);
    }
    Ok(axum::Json(JobStats {
        from,
        to,
        counts,
        total,
        mean_queue_ms: (qn > 0).then(|| qsum / qn as f64),
        mean_run_ms: (rn > 0).then(|| rsum / rn as f64),
        shots,
    }))
}
