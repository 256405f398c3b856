//! What the jobs API answers with, and the closed sets of names it takes.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

qhub_lib::text_enum! {
    /// `queued` → `running` → `completed` | `failed` | `cancelled`, with
    /// `cancelling` between `running` and `cancelled`.
    pub enum JobStatus {
        Queued = "queued",
        Running = "running",
        Cancelling = "cancelling",
        Completed = "completed",
        Failed = "failed",
        Cancelled = "cancelled",
    }
}

impl JobStatus {
    /// Nothing will change it any more.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            JobStatus::Completed | JobStatus::Failed | JobStatus::Cancelled
        )
    }
}

qhub_lib::text_enum! {
    /// Why a job is in its state (with a human `message` beside it).
    pub enum JobReason {
        /// Failed: the program failed at run time.
        SimulationError = "simulation_error",
        /// Failed: it ran longer than its `max_execution_seconds`.
        TimeLimitExceeded = "time_limit_exceeded",
        /// Failed: its workers stopped responding on every attempt.
        WorkerLost = "worker_lost",
        /// Queued again: its worker stopped responding mid-run.
        RequeuedAfterWorkerLoss = "requeued_after_worker_loss",
        /// Cancelled, or cancelling, on request.
        CancelledByUser = "cancelled_by_user",
    }
}

qhub_lib::text_enum! {
    /// `simulator` (runs here) or `qpu` (a hardware device).
    pub enum BackendKind { Simulator = "simulator", Qpu = "qpu" }
}

qhub_lib::text_enum! {
    /// `online` takes jobs; `offline` and `retired` do not.
    pub enum BackendStatus { Online = "online", Offline = "offline", Retired = "retired" }
}

/// A backend's live queue, over every organization's jobs.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BackendQueue {
    /// Jobs waiting.
    pub queued: i64,
    /// Jobs running.
    pub running: i64,
    /// Seconds a job submitted now would wait, approximately (null when
    /// no worker is live to run it).
    pub estimated_wait_seconds: Option<f64>,
}

/// How qubits are connected.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Connectivity {
    /// `all-to-all`, `linear`, `heavy-hex` or `square`.
    pub topology: String,
    /// The coupled qubit pairs, when published (null: all-to-all, or not
    /// published for this device).
    pub coupling_map: Option<Vec<[u32; 2]>>,
}

/// A backend: QHub's simulator, or a hardware device of the catalog.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BackendView {
    pub id: Uuid,
    /// Unique; `POST /v1/jobs` takes it in place of the id.
    pub name: String,
    pub provider: String,
    pub kind: BackendKind,
    /// `statevector simulation`, `superconducting`, `trapped ion`, …
    pub technology: String,
    /// Where the device is offered (`QHub`, `IBM Quantum`, `Amazon Braket`).
    pub platform: String,
    pub status: BackendStatus,
    pub qubits: i32,
    /// The gates a program may use (user gate definitions expand to them).
    pub basis_gates: Vec<String>,
    pub connectivity: Connectivity,
    pub max_shots: i32,
    /// Circuits per job.
    pub max_circuits: i32,
    /// Price of a second of execution, in millionths of a US dollar.
    pub price_per_second_micros: i64,
    /// Price of a shot, in millionths of a US dollar.
    pub price_per_shot_micros: i64,
    /// `price_per_second_micros` × 3600.
    pub cost_per_hour_micros: i64,
    /// The provider's typical queue time, in seconds (devices).
    pub average_queue_seconds: i32,
    pub description: String,
    pub queue: BackendQueue,
}

qhub_lib::page_of!(BackendPage, BackendView);

/// Where a job stands in the queue. Estimates are approximate: they
/// assume the recent mean run time and round-robin service between
/// organizations.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct QueueInfo {
    /// 1 = the next job to start; null once the job runs.
    pub position: Option<i64>,
    pub estimated_start_at: Option<DateTime<Utc>>,
    pub estimated_completion_at: Option<DateTime<Utc>>,
    /// Always true: these are estimates.
    pub approximate: bool,
}

/// What a job used (null fields: not known yet).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct JobUsage {
    pub shots: i32,
    pub qubits: i32,
    /// Time from submission to start.
    pub queued_ms: Option<i64>,
    /// Time from start to end (partial for a cancelled job).
    pub run_ms: Option<i64>,
    /// CPU time of the simulation.
    pub cpu_ms: Option<i64>,
    /// Memory reserved for the state.
    pub peak_memory_bytes: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct JobView {
    pub id: Uuid,
    pub name: String,
    pub tags: Vec<String>,
    pub backend_id: Uuid,
    /// The backend's name.
    pub backend: String,
    pub status: JobStatus,
    /// Why the job is in its state (null: nothing to explain).
    pub reason: Option<JobReason>,
    /// The same for people.
    pub message: Option<String>,
    /// The app version the job runs (null: a submitted program).
    pub app_version_id: Option<Uuid>,
    /// Values bound to the app version's parameters.
    pub parameters: Option<BTreeMap<String, f64>>,
    pub shots: i32,
    pub seed: i64,
    pub max_execution_seconds: i32,
    /// The final statevector is kept with the result.
    pub statevector: bool,
    pub qubits: i32,
    /// Classical bits.
    pub clbits: i32,
    pub depth: i32,
    /// Operations after expanding gate definitions (measure and reset
    /// included, barriers not).
    pub gate_count: i64,
    /// How many times a worker started it (more than 1 after a worker died).
    pub attempts: i32,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub cancelled_at: Option<DateTime<Utc>>,
    /// Null once the job has finished.
    pub queue: Option<QueueInfo>,
    pub usage: JobUsage,
    /// The OpenQASM program (on single-job reads only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub program: Option<String>,
}

qhub_lib::page_of!(JobPage, JobView);

/// A finished job's result.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct JobResultView {
    pub job_id: Uuid,
    /// Outcome → shots. Keys are bit strings in Qiskit's order: the highest
    /// classical bit first; with several registers, the last declared
    /// first, separated by a space. The counts sum to `shots`.
    pub counts: BTreeMap<String, u64>,
    pub shots: i32,
    /// The final state as `[re, im]` pairs, index = basis state (qubit 0 the
    /// least significant bit), when the job asked for it (up to 20 qubits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statevector: Option<Vec<[f64; 2]>>,
}

/// Counts and times of the organization's jobs created in a range.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct JobStats {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// Jobs per status (every status present, zeros included).
    pub counts: BTreeMap<String, i64>,
    pub total: i64,
    /// Mean time from submission to start of the jobs that started.
    pub mean_queue_ms: Option<f64>,
    /// Mean run time of the jobs that finished.
    pub mean_run_ms: Option<f64>,
    pub shots: i64,
}

/// One limit with what is used of it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct QuotaItem {
    pub limit: i64,
    pub used: i64,
}

/// The organization's job limits and current use.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct QuotaView {
    /// Qubits a job may use (`used`: 0; a per-job limit).
    pub qubits: QuotaItem,
    /// Shots a job may take (`used`: 0; a per-job limit).
    pub shots_per_job: QuotaItem,
    /// Jobs waiting in the queue.
    pub queued_jobs: QuotaItem,
    /// Jobs running at once (more wait in the queue, they are not refused).
    pub running_jobs: QuotaItem,
    /// Simulator seconds this calendar month (UTC).
    pub simulator_seconds_per_month: QuotaItem,
}
