//! Job workers: the loop that claims queued jobs and runs them on the
//! simulator. The same code runs inside `qhub serve` and alone as
//! `qhub worker`; any number of processes of either may run.
//!
//! - **Claim**: `app.claim_job` (SECURITY DEFINER, the one cross-tenant
//!   entry point) picks the least recently served tenant's oldest job that
//!   fits the worker's free memory, `FOR UPDATE SKIP LOCKED`, and returns
//!   its id and tenant. Everything after that happens in the job's own
//!   tenant transaction (`tenancy::as_tenant`).
//! - **Lease**: a claim is a lease, renewed by a heartbeat every third of
//!   its length. A worker that dies stops renewing; any worker's
//!   `app.requeue_expired` puts the job back (bounded attempts). Every
//!   write of a worker is conditional on still holding the lease, so a job
//!   completes exactly once even if a worker thought dead wakes up.
//! - **Wake-ups**: `LISTEN qhub_jobs` (a submit's NOTIFY) and
//!   `qhub_job_cancel` (a cancel's), plus a poll.
//! - **Resources**: a fixed number of slots, each with its own rayon pool
//!   (so a job's CPU time is its pool's), and a memory budget: a job's
//!   statevector bytes are reserved before it starts, and only jobs that fit
//!   are claimed. Simulation never runs on the async runtime.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use qhub_lib::usage::{PrincipalKind, UsageEvent, UsageKind};
use qhub_lib::ApiError;
use sqlx::postgres::PgListener;
use tokio::sync::Notify;
use uuid::Uuid;

use crate::jobs::model::{JobReason, JobStatus};
use crate::jobs::store::encode_statevector;
use crate::notifications::{self, NotificationType, To};
use crate::platform::state::AppState;
use crate::platform::tenancy;

/// Channel a submit notifies (payload ignored).
pub const JOBS_CHANNEL: &str = "qhub_jobs";
/// Channel a cancel notifies, with the job id.
pub const CANCEL_CHANNEL: &str = "qhub_job_cancel";

#[derive(Debug, Clone)]
pub struct JobsConfig {
    /// Jobs this process runs at once (0: no worker in this process).
    pub slots: usize,
    /// Statevector bytes this process may hold at once.
    pub memory_bytes: u64,
    /// Simulator threads per slot.
    pub threads: usize,
    pub lease: Duration,
    /// Starts of one job before it fails as `worker_lost`.
    pub max_attempts: i32,
    pub poll: Duration,
    /// Operations a program may have after expanding gate definitions.
    pub max_gates: u64,
}

impl JobsConfig {
    pub fn validate(&self) -> anyhow::Result<()> {
        if self.threads == 0 || self.max_attempts < 1 || self.max_gates == 0 {
            anyhow::bail!("JOB_SIM_THREADS, JOB_MAX_ATTEMPTS and JOB_MAX_GATES must be > 0");
        }
        if self.lease < Duration::from_millis(300) || self.poll.is_zero() {
            anyhow::bail!("JOB_LEASE_MS must be at least 300 and JOB_POLL_MS > 0");
        }
        if self.memory_bytes < qhub_sim::statevector_bytes(1) {
            anyhow::bail!("JOB_WORKER_MEMORY_BYTES is too small to run any job");
        }
        Ok(())
    }
}

/// What is free in this process.
struct Budget {
    slots: Vec<Arc<rayon::ThreadPool>>,
    memory: u64,
}

struct Worker {
    id: Uuid,
    state: AppState,
    budget: Mutex<Budget>,
    /// Cancel flags of the jobs running here.
    running: Mutex<HashMap<Uuid, Arc<AtomicBool>>>,
    /// A slot came free.
    freed: Notify,
}

/// Starts this process's workers when `JOB_WORKER_SLOTS` > 0.
pub fn start(state: AppState) -> anyhow::Result<Option<tokio::task::JoinHandle<()>>> {
    let cfg = state.config.jobs.clone();
    if cfg.slots == 0 {
        return Ok(None);
    }
    let id = Uuid::now_v7();
    let mut slots = Vec::with_capacity(cfg.slots);
    for slot in 0..cfg.slots {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(cfg.threads)
            .thread_name(move |i| format!("qhub-sim-{slot}-{i}"))
            .build()?;
        slots.push(Arc::new(pool));
    }
    let worker = Arc::new(Worker {
        id,
        state,
        budget: Mutex::new(Budget {
            slots,
            memory: cfg.memory_bytes,
        }),
        running: Mutex::new(HashMap::new()),
        freed: Notify::new(),
    });
    tracing::info!(worker = %id, slots = cfg.slots, threads = cfg.threads, memory = cfg.memory_bytes, "job worker starting");
    Ok(Some(tokio::spawn(async move { worker.run().await })))
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Worker {
    async fn run(self: Arc<Self>) {
        let cfg = self.state.config.jobs.clone();
        let mut listener = self.listen().await;
        let mut last_beat = Instant::now() - Duration::from_secs(3600);
        loop {
            if last_beat.elapsed() >= Duration::from_secs(5) {
                if let Err(e) = self.beat(cfg.slots, cfg.memory_bytes).await {
                    tracing::warn!(error = %e, "job worker heartbeat failed");
                }
                last_beat = Instant::now();
            }
            if let Err(e) = self.requeue_expired(cfg.max_attempts).await {
                tracing::warn!(error = %e, "requeueing expired jobs failed");
            }
            if let Err(e) = self.fill(&cfg).await {
                tracing::warn!(error = %e, "claiming jobs failed");
            }
            let poll = tokio::time::sleep(cfg.poll);
            match listener.as_mut() {
                Some(l) => tokio::select! {
                    n = l.recv() => match n {
                        Ok(n) if n.channel() == CANCEL_CHANNEL => {
                            if let Ok(job) = n.payload().parse::<Uuid>() {
                                self.cancel_local(job);
                            }
                        }
                        Ok(_) => {}
                        Err(e) => {
                            tracing::warn!(error = %e, "job listener lost; polling");
                            listener = None;
                        }
                    },
                    _ = poll => {}
                    _ = self.freed.notified() => {}
                },
                None => {
                    tokio::select! {
                        _ = poll => {}
                        _ = self.freed.notified() => {}
                    }
                    listener = self.listen().await;
                }
            }
        }
    }

    async fn listen(&self) -> Option<PgListener> {
        let mut l = match PgListener::connect_with(&self.state.db).await {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!(error = %e, "job listener: cannot connect");
                return None;
            }
        };
        match l.listen_all([JOBS_CHANNEL, CANCEL_CHANNEL]).await {
            Ok(()) => Some(l),
            Err(e) => {
                tracing::warn!(error = %e, "job listener: cannot LISTEN");
                None
            }
        }
    }

    fn cancel_local(&self, job: Uuid) {
        if let Some(flag) = lock(&self.running).get(&job) {
            flag.store(true, Ordering::Relaxed);
        }
    }

    /// Registers this worker's capacity (for queue estimates).
    async fn beat(&self, slots: usize, memory: u64) -> Result<(), ApiError> {
        let mut tx = tenancy::without_tenant(&self.state.db).await?;
        sqlx::query!(
            "INSERT INTO job_workers (id, host, slots, memory_bytes) VALUES ($1, $2, $3, $4)
             ON CONFLICT (id) DO UPDATE SET heartbeat_at = now()",
            self.id,
            hostname(),
            i32::try_from(slots).unwrap_or(i32::MAX),
            i64::try_from(memory).unwrap_or(i64::MAX),
        )
        .execute(&mut *tx)
        .await?;
        // Workers gone for an hour are forgotten.
        sqlx::query!("DELETE FROM job_workers WHERE heartbeat_at < now() - interval '1 hour'")
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn requeue_expired(&self, max_attempts: i32) -> Result<(), ApiError> {
        let mut tx = tenancy::without_tenant(&self.state.db).await?;
        let ended = sqlx::query!(
            r#"SELECT job_id AS "job_id!", tenant_id AS "tenant_id!", status AS "status!"
               FROM app.requeue_expired($1)"#,
            max_attempts
        )
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        for j in ended {
            if j.status != "queued" {
                // Failed or cancelled for good: metered like any ended job.
                if let Err(e) = meter_ended(&self.state, j.tenant_id, j.job_id).await {
                    tracing::warn!(error = %e, job = %j.job_id, "metering an expired job failed");
                }
            } else {
                tracing::info!(job = %j.job_id, "job requeued after its worker's lease ran out");
            }
        }
        Ok(())
    }

    /// Claims jobs while a slot and memory are free. The slot and the
    /// job's memory are taken here, before the next claim, so a worker
    /// never holds more jobs than it can run.
    async fn fill(self: &Arc<Self>, cfg: &JobsConfig) -> Result<(), ApiError> {
        loop {
            let free = {
                let b = lock(&self.budget);
                if b.slots.is_empty() {
                    return Ok(());
                }
                b.memory
            };
            let mut tx = tenancy::without_tenant(&self.state.db).await?;
            let claimed = sqlx::query!(
                r#"SELECT job_id AS "job_id!", tenant_id AS "tenant_id!",
                          memory_bytes AS "memory_bytes!"
                   FROM app.claim_job($1, $2, $3)"#,
                self.id,
                cfg.lease.as_secs_f64(),
                i64::try_from(free).unwrap_or(i64::MAX),
            )
            .fetch_optional(&mut *tx)
            .await?;
            tx.commit().await?;
            let Some(c) = claimed else {
                return Ok(());
            };
            let bytes = u64::try_from(c.memory_bytes).unwrap_or(u64::MAX);
            let pool = {
                let mut b = lock(&self.budget);
                b.memory = b.memory.saturating_sub(bytes);
                b.slots.pop()
            };
            let Some(pool) = pool else {
                return Err(ApiError::internal("claimed a job with no free slot"));
            };
            let me = Arc::clone(self);
            tokio::spawn(async move {
                let result = me.execute(c.job_id, c.tenant_id, &pool).await;
                {
                    let mut b = lock(&me.budget);
                    b.memory += bytes;
                    b.slots.push(pool);
                }
                me.freed.notify_one();
                if let Err(e) = result {
                    tracing::error!(error = %e, job = %c.job_id, "running a job failed; its lease will run out and it is retried");
                }
            });
        }
    }

    async fn execute(
        &self,
        job: Uuid,
        tenant: Uuid,
        pool: &Arc<rayon::ThreadPool>,
    ) -> Result<(), ApiError> {
        let db = &self.state.db;
        let mut tx = tenancy::as_tenant(db, tenant, None).await?;
        let j = sqlx::query_as!(
            JobInput,
            r#"SELECT program, parameters, shots, seed, save_statevector, max_execution_seconds,
                      memory_bytes, status = 'cancelling' AS "cancelling!"
               FROM jobs WHERE id = $1 AND lease_owner = $2 AND status IN ('running', 'cancelling')"#,
            job,
            self.id
        )
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        let Some(j) = j else {
            return Ok(());
        };
        // Cancelled between the claim and now: the run stops at once.
        let cancel = Arc::new(AtomicBool::new(j.cancelling));
        lock(&self.running).insert(job, Arc::clone(&cancel));
        let outcome = self.simulate(job, tenant, &j, pool, &cancel).await;
        lock(&self.running).remove(&job);
        let ended = self.finish(job, tenant, j.memory_bytes, outcome).await?;
        if ended {
            meter_ended(&self.state, tenant, job).await?;
        }
        Ok(())
    }

    /// Runs the simulation while a heartbeat renews the lease and watches
    /// for cancellation and the time limit.
    async fn simulate(
        &self,
        job: Uuid,
        tenant: Uuid,
        j: &JobInput,
        pool: &Arc<rayon::ThreadPool>,
        cancel: &Arc<AtomicBool>,
    ) -> Outcome {
        let started = Instant::now();
        let limits = qhub_sim::Limits {
            max_qubits: 64,
            max_clbits: 1024,
            max_gates: self.state.config.jobs.max_gates,
        };
        let params: Option<BTreeMap<String, f64>> = j
            .parameters
            .clone()
            .and_then(|p| serde_json::from_value(p).ok());
        let options = qhub_sim::RunOptions {
            shots: u32::try_from(j.shots).unwrap_or(1),
            seed: u64::try_from(j.seed).unwrap_or(0),
            statevector: j.save_statevector,
        };
        let program = j.program.clone();
        let reserved = u64::try_from(j.memory_bytes).unwrap_or(0);
        let (tx, mut rx) = tokio::sync::oneshot::channel();
        let flag = Arc::clone(cancel);
        let p = Arc::clone(pool);
        // Parsing and simulating are CPU work: off the async runtime, the
        // simulation on this slot's own pool.
        tokio::task::spawn_blocking(move || {
            let parsed = match &params {
                Some(ps) => qhub_sim::parse_with_parameters(&program, &limits, ps),
                None => qhub_sim::parse(&program, &limits),
            };
            let circuit = match parsed {
                Ok(c) => c,
                Err(e) => {
                    let _ = tx.send(Err(format!("the program no longer parses: {e}")));
                    return;
                }
            };
            // Never more than was reserved for it.
            if qhub_sim::statevector_bytes(circuit.num_qubits()).saturating_mul(2) > reserved {
                let _ = tx.send(Err("the job needs more memory than was reserved".into()));
                return;
            }
            let before = pool_cpu_ns(&p);
            let r = p.install(|| qhub_sim::run(&circuit, &options, &flag));
            let cpu = pool_cpu_ns(&p).saturating_sub(before);
            let _ = tx.send(Ok((r, cpu)));
        });
        let lease = self.state.config.jobs.lease;
        let deadline = Duration::from_secs(u64::try_from(j.max_execution_seconds).unwrap_or(1));
        let mut timed_out = false;
        let mut lost = false;
        let mut beat = tokio::time::interval(lease / 3);
        beat.tick().await;
        let result = loop {
            tokio::select! {
                r = &mut rx => break r,
                _ = beat.tick() => {
                    match self.renew(job, tenant, lease).await {
                        Ok(Some(JobStatus::Cancelling)) => cancel.store(true, Ordering::Relaxed),
                        Ok(Some(_)) => {}
                        Ok(None) => { lost = true; cancel.store(true, Ordering::Relaxed); }
                        Err(e) => tracing::warn!(error = %e, %job, "lease renewal failed"),
                    }
                    if started.elapsed() >= deadline && !cancel.load(Ordering::Relaxed) {
                        timed_out = true;
                        cancel.store(true, Ordering::Relaxed);
                    }
                }
            }
        };
        let run_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        let (result, cpu_ns) = match result {
            Ok(Ok(r)) => r,
            Ok(Err(why)) => return Outcome::Failed(JobReason::SimulationError, why, run_ms),
            Err(_) => {
                return Outcome::Failed(
                    JobReason::SimulationError,
                    "the simulation stopped unexpectedly".into(),
                    run_ms,
                )
            }
        };
        let cpu_ms = i64::try_from(cpu_ns / 1_000_000).unwrap_or(i64::MAX);
        if lost {
            return Outcome::Lost;
        }
        match result {
            Ok(out) => Outcome::Completed {
                out,
                run_ms,
                cpu_ms,
            },
            Err(qhub_sim::RunError::Cancelled) if timed_out => Outcome::Failed(
                JobReason::TimeLimitExceeded,
                format!(
                    "the job ran longer than its max_execution_seconds ({})",
                    j.max_execution_seconds
                ),
                run_ms,
            ),
            Err(qhub_sim::RunError::Cancelled) => Outcome::Cancelled { run_ms, cpu_ms },
        }
    }

    /// Extends the lease; the job's status, or None when the lease is lost.
    async fn renew(
        &self,
        job: Uuid,
        tenant: Uuid,
        lease: Duration,
    ) -> Result<Option<JobStatus>, ApiError> {
        let mut tx = tenancy::as_tenant(&self.state.db, tenant, None).await?;
        let status = sqlx::query_scalar!(
            r#"UPDATE jobs SET lease_expires_at = now() + make_interval(secs => $3)
               WHERE id = $1 AND lease_owner = $2 AND status IN ('running', 'cancelling')
               RETURNING status AS "status: JobStatus""#,
            job,
            self.id,
            lease.as_secs_f64()
        )
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(status)
    }

    /// Records how the run ended, if this worker still holds the lease.
    /// True when the job ended now (so it is metered once).
    async fn finish(
        &self,
        job: Uuid,
        tenant: Uuid,
        memory_bytes: i64,
        outcome: Outcome,
    ) -> Result<bool, ApiError> {
        let mut tx = tenancy::as_tenant(&self.state.db, tenant, None).await?;
        let ended = match outcome {
            Outcome::Lost => false,
            Outcome::Completed {
                out,
                run_ms,
                cpu_ms,
            } => {
                let done = sqlx::query_scalar!(
                    r#"UPDATE jobs SET status = 'completed', reason = NULL, message = NULL,
                              finished_at = now(), run_ms = $3, cpu_ms = $4,
                              peak_memory_bytes = $5, lease_owner = NULL, lease_expires_at = NULL
                       WHERE id = $1 AND lease_owner = $2 AND status IN ('running', 'cancelling')
                       RETURNING id"#,
                    job,
                    self.id,
                    run_ms,
                    cpu_ms,
                    memory_bytes
                )
                .fetch_optional(&mut *tx)
                .await?
                .is_some();
                if done {
                    let counts = serde_json::to_value(&out.counts).map_err(ApiError::internal)?;
                    let sv = out.statevector.as_deref().map(encode_statevector);
                    sqlx::query!(
                        "INSERT INTO job_results (job_id, tenant_id, counts, statevector)
                         VALUES ($1, $2, $3, $4)",
                        job,
                        tenant,
                        counts,
                        sv
                    )
                    .execute(&mut *tx)
                    .await?;
                }
                done
            }
            Outcome::Cancelled { run_ms, cpu_ms } => sqlx::query_scalar!(
                r#"UPDATE jobs SET status = 'cancelled', reason = 'cancelled_by_user',
                          message = 'Cancelled on request while running.',
                          finished_at = now(), cancelled_at = now(), run_ms = $3, cpu_ms = $4,
                          peak_memory_bytes = $5, lease_owner = NULL, lease_expires_at = NULL
                   WHERE id = $1 AND lease_owner = $2 AND status IN ('running', 'cancelling')
                   RETURNING id"#,
                job,
                self.id,
                run_ms,
                cpu_ms,
                memory_bytes
            )
            .fetch_optional(&mut *tx)
            .await?
            .is_some(),
            Outcome::Failed(reason, message, run_ms) => sqlx::query_scalar!(
                r#"UPDATE jobs SET status = 'failed', reason = $3, message = $4,
                          finished_at = now(), run_ms = $5, peak_memory_bytes = $6,
                          lease_owner = NULL, lease_expires_at = NULL
                   WHERE id = $1 AND lease_owner = $2 AND status IN ('running', 'cancelling')
                   RETURNING id"#,
                job,
                self.id,
                reason.as_str(),
                message,
                run_ms,
                memory_bytes
            )
            .fetch_optional(&mut *tx)
            .await?
            .is_some(),
        };
        tx.commit().await?;
        Ok(ended)
    }
}

/// What the worker reads of a job before running it.
struct JobInput {
    program: String,
    parameters: Option<serde_json::Value>,
    shots: i32,
    seed: i64,
    save_statevector: bool,
    max_execution_seconds: i32,
    memory_bytes: i64,
    cancelling: bool,
}

enum Outcome {
    Completed {
        out: qhub_sim::Outcome,
        run_ms: i64,
        cpu_ms: i64,
    },
    Cancelled {
        run_ms: i64,
        cpu_ms: i64,
    },
    Failed(JobReason, String, i64),
    /// Another worker holds the job now: nothing is recorded.
    Lost,
}

/// CPU time of every thread of a slot's pool, in nanoseconds.
fn pool_cpu_ns(pool: &rayon::ThreadPool) -> u64 {
    pool.broadcast(|_| thread_cpu_ns()).into_iter().sum()
}

fn thread_cpu_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes into the timespec we own.
    let ok = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) } == 0;
    if !ok {
        return 0;
    }
    u64::try_from(ts.tv_sec).unwrap_or(0) * 1_000_000_000 + u64::try_from(ts.tv_nsec).unwrap_or(0)
}

fn hostname() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| format!("pid-{}", std::process::id()))
}

/// Emits a job's usage once it has ended (completed, failed or
/// cancelled): shots, qubits, queued, run and CPU time, peak memory.
pub async fn meter_ended(state: &AppState, tenant: Uuid, job: Uuid) -> Result<(), ApiError> {
    let mut tx = tenancy::as_tenant(&state.db, tenant, None).await?;
    let j = sqlx::query!(
        r#"SELECT j.status, j.shots, j.qubits, j.queued_ms, j.run_ms, j.cpu_ms, j.name,
                  j.peak_memory_bytes, j.created_by, j.created_by_kind, j.subscription_id,
                  j.subscription_key_id, j.message, b.name AS backend
           FROM jobs j JOIN backends b ON b.id = j.backend_id WHERE j.id = $1"#,
        job
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(j) = j else {
        return Ok(());
    };
    // Who submitted it hears how it ended (a key's job: the key's creator).
    let label = if j.name.is_empty() {
        job.to_string()
    } else {
        j.name.clone()
    };
    let notice = match j.status.as_str() {
        "completed" => Some((
            NotificationType::JobFinished,
            format!("Job {label} completed"),
            format!("{} shots on {}.", j.shots, j.backend),
        )),
        "failed" => Some((
            NotificationType::JobFailed,
            format!("Job {label} failed"),
            j.message.clone().unwrap_or_default(),
        )),
        _ => None,
    };
    let wires = match notice {
        Some((kind, title, body)) => {
            notifications::notify(
                &mut tx,
                tenant,
                To::User(j.created_by),
                kind,
                &title,
                &body,
                serde_json::json!({"job_id": job}),
            )
            .await?
        }
        None => Vec::new(),
    };
    tx.commit().await?;
    notifications::publish(state, wires);
    let executed = if j.status == "completed" { j.shots } else { 0 };
    let f = |v: Option<i64>| v.unwrap_or(0) as f64;
    let (principal_kind, principal_id) = match (j.created_by_kind.as_str(), j.subscription_key_id) {
        ("subscription_key", Some(k)) => (PrincipalKind::SubscriptionKey, k),
        ("api_key", _) => (PrincipalKind::ApiKey, j.created_by),
        _ => (PrincipalKind::User, j.created_by),
    };
    let mut dimensions = BTreeMap::from([
        ("backend".to_owned(), j.backend),
        ("status".to_owned(), j.status),
        ("job_id".to_owned(), job.to_string()),
    ]);
    // Shots under a subscription count against its plan (billing).
    if let Some(s) = j.subscription_id {
        dimensions.insert("subscription_id".to_owned(), s.to_string());
    }
    state.usage.record(UsageEvent {
        event_id: Uuid::now_v7(),
        tenant_id: tenant,
        principal_kind,
        principal_id,
        at: chrono::Utc::now(),
        kind: UsageKind::Metered {
            kind: "job.run".to_owned(),
            quantities: BTreeMap::from([
                ("shots".to_owned(), f64::from(executed)),
                ("qubits".to_owned(), f64::from(j.qubits)),
                ("queued_ms".to_owned(), f(j.queued_ms)),
                ("run_ms".to_owned(), f(j.run_ms)),
                ("cpu_ms".to_owned(), f(j.cpu_ms)),
                ("peak_memory_bytes".to_owned(), f(j.peak_memory_bytes)),
            ]),
            dimensions,
        },
    });
    Ok(())
}
