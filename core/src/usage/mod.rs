//! The usage pipeline: request path → bounded queue → batching writer →
//! ClickHouse, with retries, a durable spill and in-order replay.
//!
//! - `Usage::record` never waits: it puts the event in a bounded queue, or,
//!   if the queue is full, appends it to the spill's overflow file.
//! - The writer collects batches (by rows and by time), inserts each in one
//!   INSERT, retries a failed batch with backoff (skipping events that did
//!   land), and when ClickHouse stays down spills batches to disk and
//!   probes until it is back; then it replays the spill in order.
//! - On shutdown the writer drains the queue: it inserts what it can and
//!   spills the rest, so nothing is lost to a restart.
//! - Counters for all of it are on `/metrics`.

pub mod ch;
pub mod middleware;
pub mod spill;

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use qhub_lib::usage::UsageEvent;
use tokio::sync::{mpsc, oneshot, Mutex};
use tokio::task::JoinHandle;

use self::spill::Spill;

#[derive(Clone, Debug)]
pub struct UsageConfig {
    /// Flush when a batch has this many events…
    pub batch_rows: usize,
    /// …or when the oldest event in it is this old.
    pub flush_interval: Duration,
    /// Events the in-memory queue holds before overflowing to the spill.
    pub queue_capacity: usize,
    pub spill_dir: PathBuf,
    /// Attempts per batch before it is spilled.
    pub attempts: u32,
    /// First retry delay; doubles per attempt.
    pub retry_backoff: Duration,
    /// While ClickHouse is down, how often to check whether it is back.
    pub probe_interval: Duration,
}

/// The pipeline's counters (Prometheus `qhub_usage_events_*_total`).
#[derive(Default, Debug)]
pub struct Metrics {
    pub queued: AtomicU64,
    pub written: AtomicU64,
    pub retried: AtomicU64,
    pub spilled: AtomicU64,
    pub replayed: AtomicU64,
    pub dropped: AtomicU64,
    /// Events skipped on retry or replay because they had already landed.
    pub deduplicated: AtomicU64,
    /// Requests with no tenant (unauthenticated): not tenant usage, not queued.
    pub unattributed: AtomicU64,
}

impl Metrics {
    pub(crate) fn add(counter: &AtomicU64, n: usize) {
        counter.fetch_add(u64::try_from(n).unwrap_or(u64::MAX), Ordering::Relaxed);
    }
}

/// Tells the writer to stop, and waits for it.
type WriterHandle = (oneshot::Sender<()>, JoinHandle<()>);

#[derive(Clone)]
pub struct Usage {
    tx: mpsc::Sender<UsageEvent>,
    pub metrics: Arc<Metrics>,
    spill: Arc<Spill>,
    capacity: usize,
    writer: Arc<Mutex<Option<WriterHandle>>>,
}

impl Usage {
    /// Starts the writer task.
    pub fn start(client: clickhouse::Client, config: UsageConfig) -> anyhow::Result<Usage> {
        let spill = Arc::new(Spill::open(&config.spill_dir)?);
        let (tx, rx) = mpsc::channel(config.queue_capacity.max(1));
        let metrics = Arc::new(Metrics::default());
        let (stop_tx, stop_rx) = oneshot::channel();
        let writer = Writer {
            client,
            rx,
            spill: spill.clone(),
            metrics: metrics.clone(),
            config: config.clone(),
            down: false,
        };
        let handle = tokio::spawn(writer.run(stop_rx));
        Ok(Usage {
            tx,
            metrics,
            spill,
            capacity: config.queue_capacity,
            writer: Arc::new(Mutex::new(Some((stop_tx, handle)))),
        })
    }

    /// Records an event without waiting on anything but, when the queue is
    /// full, a buffered file append.
    pub fn record(&self, event: UsageEvent) {
        Metrics::add(&self.metrics.queued, 1);
        if let Err(e) = self.tx.try_send(event) {
            let event = match e {
                mpsc::error::TrySendError::Full(ev) | mpsc::error::TrySendError::Closed(ev) => ev,
            };
            match self.spill.append_overflow(std::slice::from_ref(&event)) {
                Ok(()) => Metrics::add(&self.metrics.spilled, 1),
                Err(err) => {
                    Metrics::add(&self.metrics.dropped, 1);
                    tracing::error!(error = %err, "usage event lost: queue full and spill failed");
                }
            }
        }
    }

    /// Events waiting in memory.
    pub fn queue_depth(&self) -> usize {
        self.capacity.saturating_sub(self.tx.capacity())
    }

    /// Stops the writer after it has written or spilled everything queued.
    /// Call once the server has stopped taking requests.
    pub async fn shutdown(&self, timeout: Duration) {
        let Some((stop, handle)) = self.writer.lock().await.take() else {
            return;
        };
        let _ = stop.send(());
        if tokio::time::timeout(timeout, handle).await.is_err() {
            tracing::error!("usage writer did not finish in time");
        }
    }
}

struct Writer {
    client: clickhouse::Client,
    rx: mpsc::Receiver<UsageEvent>,
    spill: Arc<Spill>,
    metrics: Arc<Metrics>,
    config: UsageConfig,
    /// ClickHouse failed the last batch: spill until a probe succeeds.
    down: bool,
}

impl Writer {
    async fn run(mut self, mut stop: oneshot::Receiver<()>) {
        let mut next_probe = tokio::time::Instant::now();
        loop {
            let (batch, stopping) = self.collect(&mut stop).await;
            if !batch.is_empty() {
                self.write(batch).await;
            }
            if stopping {
                self.drain().await;
                return;
            }
            if self.down && tokio::time::Instant::now() >= next_probe {
                if ch::ping(&self.client).await.is_ok() {
                    tracing::info!("clickhouse is back; replaying spilled usage");
                    self.down = false;
                } else {
                    next_probe = tokio::time::Instant::now() + self.config.probe_interval;
                }
            }
            if !self.down && (self.spill.has_segments() || self.overflowed()) {
                self.replay().await;
            }
        }
    }

    fn overflowed(&self) -> bool {
        self.config.spill_dir.join("overflow.jsonl").exists()
    }

    /// Up to `batch_rows` events, waiting at most `flush_interval` after
    /// the first; returns early when stopping (or, while down, to probe).
    async fn collect(&mut self, stop: &mut oneshot::Receiver<()>) -> (Vec<UsageEvent>, bool) {
        let mut batch = Vec::new();
        let idle = if self.down {
            self.config.probe_interval
        } else {
            self.config.flush_interval
        };
        // Wait for the first event (or stop, or a reason to look around).
        tokio::select! {
            ev = self.rx.recv() => match ev {
                Some(ev) => batch.push(ev),
                None => return (batch, true),
            },
            _ = &mut *stop => return (batch, true),
            _ = tokio::time::sleep(idle) => return (batch, false),
        }
        let deadline = tokio::time::Instant::now() + self.config.flush_interval;
        while batch.len() < self.config.batch_rows {
            tokio::select! {
                ev = self.rx.recv() => match ev {
                    Some(ev) => batch.push(ev),
                    None => return (batch, true),
                },
                _ = &mut *stop => return (batch, true),
                _ = tokio::time::sleep_until(deadline) => break,
            }
        }
        (batch, false)
    }

    /// Inserts a batch with retries, or spills it.
    async fn write(&mut self, batch: Vec<UsageEvent>) {
        if !self.down {
            match self.insert_with_retries(&batch).await {
                Ok(n) => {
                    Metrics::add(&self.metrics.written, n);
                    return;
                }
                Err(e) => {
                    tracing::warn!(error = %e, events = batch.len(), "clickhouse unavailable; spilling usage");
                    self.down = true;
                }
            }
        }
        self.spill_batch(&batch);
    }

    fn spill_batch(&self, batch: &[UsageEvent]) {
        match self.spill.write_segment(batch) {
            Ok(()) => Metrics::add(&self.metrics.spilled, batch.len()),
            Err(e) => {
                Metrics::add(&self.metrics.dropped, batch.len());
                tracing::error!(error = %e, events = batch.len(), "usage events lost: spill failed");
            }
        }
    }

    /// Inserts `batch`; on failure retries with backoff, first removing
    /// what an attempt that looked failed may still have written. Returns
    /// how many events were written.
    async fn insert_with_retries(&self, batch: &[UsageEvent]) -> anyhow::Result<usize> {
        let mut delay = self.config.retry_backoff;
        let mut pending: Vec<UsageEvent> = batch.to_vec();
        let mut first = true;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let result = async {
                if !first {
                    let present = ch::existing_ids(&self.client, &pending).await?;
                    if !present.is_empty() {
                        Metrics::add(&self.metrics.deduplicated, present.len());
                        pending.retain(|e| !present.contains(&e.event_id));
                    }
                }
                ch::insert(&self.client, &pending).await
            }
            .await;
            match result {
                Ok(()) => return Ok(pending.len()),
                Err(e) if attempt >= self.config.attempts => return Err(e.into()),
                Err(e) => {
                    tracing::debug!(error = %e, attempt, "usage insert failed; retrying");
                    Metrics::add(&self.metrics.retried, pending.len());
                    first = false;
                    tokio::time::sleep(delay).await;
                    delay *= 2;
                }
            }
        }
    }

    /// Replays sealed segments in order; stops at the first failure.
    async fn replay(&mut self) {
        if let Err(e) = self.spill.seal_overflow() {
            tracing::error!(error = %e, "could not seal the usage overflow file");
        }
        let segments = match self.spill.segments() {
            Ok(s) => s,
            Err(e) => {
                tracing::error!(error = %e, "cannot list the usage spill");
                return;
            }
        };
        for path in segments {
            let (events, bad) = match Spill::read_segment(&path) {
                Ok(r) => r,
                Err(e) => {
                    tracing::error!(error = %e, path = %path.display(), "cannot read spill segment");
                    return;
                }
            };
            if bad > 0 {
                Metrics::add(
                    &self.metrics.dropped,
                    usize::try_from(bad).unwrap_or(usize::MAX),
                );
                tracing::error!(lines = bad, path = %path.display(), "unreadable spilled events");
            }
            for chunk in events.chunks(self.config.batch_rows.max(1)) {
                // A segment may have been partly replayed before a crash:
                // always skip what is already there.
                let result = async {
                    let present = ch::existing_ids(&self.client, chunk).await?;
                    let todo: Vec<UsageEvent> = chunk
                        .iter()
                        .filter(|e| !present.contains(&e.event_id))
                        .cloned()
                        .collect();
                    ch::insert(&self.client, &todo).await?;
                    Ok::<_, clickhouse::error::Error>((todo.len(), present.len()))
                }
                .await;
                match result {
                    Ok((written, skipped)) => {
                        Metrics::add(&self.metrics.replayed, written);
                        Metrics::add(&self.metrics.deduplicated, skipped);
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "replay failed; clickhouse down again");
                        self.down = true;
                        return;
                    }
                }
            }
            if let Err(e) = std::fs::remove_file(&path) {
                tracing::error!(error = %e, path = %path.display(), "cannot remove replayed segment");
                return;
            }
        }
    }

    /// Shutdown: everything still queued is written (one attempt) or spilled.
    async fn drain(&mut self) {
        self.rx.close();
        let mut rest = Vec::new();
        while let Ok(ev) = self.rx.try_recv() {
            rest.push(ev);
        }
        for chunk in rest.chunks(self.config.batch_rows.max(1)) {
            let inserted = !self.down
                && tokio::time::timeout(Duration::from_secs(5), ch::insert(&self.client, chunk))
                    .await
                    .is_ok_and(|r| r.is_ok());
            if inserted {
                Metrics::add(&self.metrics.written, chunk.len());
            } else {
                self.down = true;
                self.spill_batch(chunk);
            }
        }
        if let Err(e) = self.spill.seal_overflow() {
            tracing::error!(error = %e, "could not seal the usage overflow file");
        }
        tracing::info!(
            written = self.metrics.written.load(Ordering::Relaxed),
            spilled = self.metrics.spilled.load(Ordering::Relaxed),
            "usage writer stopped"
        );
    }
}
