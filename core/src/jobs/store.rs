//! The rows the jobs handlers share: an organization's own job with the
//! columns its view needs, and where queued jobs stand.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, Utc};
use qhub_lib::ApiError;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::jobs::model::{BackendQueue, JobReason, JobStatus, JobUsage, JobView, QueueInfo};

/// The columns every job read selects (`JOB_COLUMNS` in the queries).
pub struct JobRow {
    pub id: Uuid,
    pub name: String,
    pub tags: Vec<String>,
    pub backend_id: Uuid,
    pub backend: String,
    pub status: JobStatus,
    pub reason: Option<String>,
    pub message: Option<String>,
    pub app_version_id: Option<Uuid>,
    pub parameters: Option<serde_json::Value>,
    pub shots: i32,
    pub seed: i64,
    pub max_execution_seconds: i32,
    pub save_statevector: bool,
    pub qubits: i32,
    pub clbits: i32,
    pub depth: i32,
    pub gate_count: i64,
    pub attempts: i32,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub queued_ms: Option<i64>,
    pub run_ms: Option<i64>,
    pub cpu_ms: Option<i64>,
    pub peak_memory_bytes: Option<i64>,
    pub program: Option<String>,
}

impl JobRow {
    pub fn into_view(self, queue: Option<QueueInfo>) -> JobView {
        JobView {
            id: self.id,
            name: self.name,
            tags: self.tags,
            backend_id: self.backend_id,
            backend: self.backend,
            status: self.status,
            reason: self.reason.as_deref().and_then(JobReason::parse),
            message: self.message,
            app_version_id: self.app_version_id,
            parameters: self
                .parameters
                .and_then(|p| serde_json::from_value::<BTreeMap<String, f64>>(p).ok()),
            shots: self.shots,
            seed: self.seed,
            max_execution_seconds: self.max_execution_seconds,
            statevector: self.save_statevector,
            qubits: self.qubits,
            clbits: self.clbits,
            depth: self.depth,
            gate_count: self.gate_count,
            attempts: self.attempts,
            created_at: self.created_at,
            started_at: self.started_at,
            finished_at: self.finished_at,
            cancelled_at: self.cancelled_at,
            queue: if self.status.is_final() { None } else { queue },
            usage: JobUsage {
                shots: self.shots,
                qubits: self.qubits,
                queued_ms: self.queued_ms,
                run_ms: self.run_ms,
                cpu_ms: self.cpu_ms,
                peak_memory_bytes: self.peak_memory_bytes,
            },
            program: self.program,
        }
    }
}

pub fn job_not_found() -> ApiError {
    ApiError::NotFound("no such job".into())
}

/// One of the organization's jobs (404 for anything else), with its
/// program when `with_program`. Changes go through conditional UPDATEs
/// (`WHERE status = …`), so a read never waits behind a worker.
pub async fn own_job(
    conn: &mut PgConnection,
    tenant: Uuid,
    id: Uuid,
    with_program: bool,
) -> Result<JobRow, ApiError> {
    sqlx::query_as!(
        JobRow,
        r#"SELECT j.id, j.name, j.tags, j.backend_id, b.name AS backend,
                  j.status AS "status: JobStatus", j.reason, j.message, j.app_version_id,
                  j.parameters, j.shots, j.seed, j.max_execution_seconds, j.save_statevector,
                  j.qubits, j.clbits, j.depth, j.gate_count, j.attempts, j.created_at,
                  j.started_at, j.finished_at, j.cancelled_at, j.queued_ms, j.run_ms, j.cpu_ms,
                  j.peak_memory_bytes, CASE WHEN $3 THEN j.program END AS program
           FROM jobs j JOIN backends b ON b.id = j.backend_id
           WHERE j.id = $1 AND j.tenant_id = $2"#,
        id,
        tenant,
        with_program,
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(job_not_found)
}

/// A backend's capacity and pace, for estimates.
#[derive(Debug, Clone, Copy)]
pub struct Capacity {
    pub queued: i64,
    pub running: i64,
    /// Job slots of live workers.
    pub slots: i64,
    /// Mean run time of recent jobs (a default before any has run).
    pub mean_run_ms: f64,
}

/// Before any job has finished: a guess at a short job's run time.
const DEFAULT_RUN_MS: f64 = 200.0;

pub async fn capacity(conn: &mut PgConnection, backend: Uuid) -> Result<Capacity, ApiError> {
    let r = sqlx::query!(
        r#"SELECT queued AS "queued!", running AS "running!", slots AS "slots!", mean_run_ms
           FROM app.backend_queue($1)"#,
        backend
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(Capacity {
        queued: r.queued,
        running: r.running,
        slots: r.slots,
        mean_run_ms: r.mean_run_ms.unwrap_or(DEFAULT_RUN_MS),
    })
}

impl Capacity {
    /// Milliseconds until a job with `ahead` jobs before it starts: the
    /// jobs ahead and those running share the slots, each taking the
    /// mean run time (a fluid model; null with no live worker).
    pub fn wait_ms(&self, ahead: i64) -> Option<f64> {
        if self.slots <= 0 {
            return None;
        }
        let busy = (ahead + self.running - self.slots + 1).max(0);
        Some(busy as f64 * self.mean_run_ms / self.slots as f64)
    }

    pub fn summary(&self) -> BackendQueue {
        BackendQueue {
            queued: self.queued,
            running: self.running,
            estimated_wait_seconds: self.wait_ms(self.queued).map(|ms| ms / 1000.0),
        }
    }
}

fn ms(d: f64) -> Duration {
    Duration::milliseconds(d.round().clamp(0.0, 1e12) as i64)
}

/// Queue information of jobs still to finish: positions of the queued
/// ones (one query for all), estimates from each backend's capacity.
pub async fn queue_info(
    conn: &mut PgConnection,
    rows: &[JobRow],
) -> Result<HashMap<Uuid, QueueInfo>, ApiError> {
    let queued: Vec<Uuid> = rows
        .iter()
        .filter(|r| r.status == JobStatus::Queued)
        .map(|r| r.id)
        .collect();
    let mut out = HashMap::new();
    if rows.iter().all(|r| r.status.is_final()) {
        return Ok(out);
    }
    let ahead: HashMap<Uuid, i64> = if queued.is_empty() {
        HashMap::new()
    } else {
        sqlx::query!(
            r#"SELECT job_id AS "job_id!", ahead AS "ahead!" FROM app.job_queue_positions($1)"#,
            &queued
        )
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .map(|r| (r.job_id, r.ahead))
        .collect()
    };
    let mut capacities: HashMap<Uuid, Capacity> = HashMap::new();
    let now = Utc::now();
    for r in rows.iter().filter(|r| !r.status.is_final()) {
        let cap = match capacities.get(&r.backend_id) {
            Some(c) => *c,
            None => {
                let c = capacity(conn, r.backend_id).await?;
                capacities.insert(r.backend_id, c);
                c
            }
        };
        let info = if r.status == JobStatus::Queued {
            let a = ahead.get(&r.id).copied().unwrap_or(0);
            let start = cap.wait_ms(a).map(|w| now + ms(w));
            QueueInfo {
                position: Some(a + 1),
                estimated_start_at: start,
                estimated_completion_at: start.map(|s| s + ms(cap.mean_run_ms)),
                approximate: true,
            }
        } else {
            let started = r.started_at.unwrap_or(now);
            let done = (started + ms(cap.mean_run_ms)).max(now);
            QueueInfo {
                position: None,
                estimated_start_at: Some(started),
                estimated_completion_at: Some(done),
                approximate: true,
            }
        };
        out.insert(r.id, info);
    }
    Ok(out)
}

/// A statevector as `job_results.statevector` keeps it: little-endian f64
/// pairs (re, im), basis state order.
pub fn encode_statevector(v: &[[f64; 2]]) -> Vec<u8> {
    let mut b = Vec::with_capacity(v.len() * 16);
    for [re, im] in v {
        b.extend_from_slice(&re.to_le_bytes());
        b.extend_from_slice(&im.to_le_bytes());
    }
    b
}

/// The inverse of `encode_statevector`.
pub fn decode_statevector(b: &[u8]) -> Vec<[f64; 2]> {
    let f = |c: &[u8]| {
        let mut x = [0u8; 8];
        x.copy_from_slice(c);
        f64::from_le_bytes(x)
    };
    b.chunks_exact(16)
        .map(|c| [f(&c[..8]), f(&c[8..])])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statevectors_round_trip() {
        let v = vec![[0.5, -0.25], [f64::MIN_POSITIVE, 1e300], [0.0, -0.0]];
        let b = encode_statevector(&v);
        assert_eq!(b.len(), 48);
        assert_eq!(decode_statevector(&b), v);
    }
}
