//! The usage pipeline: request path → bounded queue → batching writer →
//! ClickHouse, with retries, a durable spill and in-order replay.
//!
//! - `Usage::record` never waits: it puts the event in a bounded queue, or,
//!   if the queue is full, hands it to the overflow thread that writes it
//!   to the spill.
//! - The writer collects batches (by rows and by time) and inserts each in
//!   one INSERT tagged with a query id. If an insert fails, the writer waits
//!   until the server has finished that query (so its outcome is final),
//!   skips the events that did land, and retries with backoff. When
//!   ClickHouse stays unavailable it spills batches to disk and probes
//!   until it is back, then replays the spill in order, with the same
//!   checks. Every ClickHouse call has a timeout.
//! - On shutdown the writer drains the queue within a time budget: it
//!   inserts what it can and spills the rest.
//! - Counters for all of it are on `/metrics`.

pub mod ch;
pub mod http;
pub mod middleware;
pub mod spill;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use qhub_lib::usage::UsageEvent;
use tokio::sync::{mpsc, Mutex, Notify};
use tokio::task::JoinHandle;
use uuid::Uuid;

use self::spill::{Overflow, Spill};

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

/// The pipeline's counters (Prometheus `qhub_usage_events_total`).
#[derive(Default, Debug)]
pub struct Metrics {
    pub queued: AtomicU64,
    pub written: AtomicU64,
    pub retried: AtomicU64,
    pub spilled: AtomicU64,
    pub replayed: AtomicU64,
    /// Lost: the spill itself failed, or a spilled line was unreadable.
    pub dropped: AtomicU64,
    /// Skipped on retry or replay because they had already landed.
    pub deduplicated: AtomicU64,
    /// In segments ClickHouse kept refusing, moved to `dead/` (kept on disk).
    pub dead_lettered: AtomicU64,
    /// Requests with no tenant (unauthenticated): not tenant usage, not queued.
    pub unattributed: AtomicU64,
}

impl Metrics {
    pub(crate) fn add(counter: &AtomicU64, n: usize) {
        counter.fetch_add(u64::try_from(n).unwrap_or(u64::MAX), Ordering::Relaxed);
    }
}

/// Time the writer gets at shutdown to insert what is queued; the rest is
/// spilled. With a ClickHouse call in flight when the stop arrives (at
/// most `ch::OP_TIMEOUT`), the writer finishes well inside the 20 s that
/// `app::serve` gives it.
const DRAIN_BUDGET: Duration = Duration::from_secs(5);
/// A segment ClickHouse refuses (bad data, not unavailability) is retried
/// at this interval, and moved to `dead/` after this many refusals.
const SEGMENT_RETRY: Duration = Duration::from_secs(30);
const SEGMENT_ATTEMPTS: u32 = 3;
/// Longest pause between two attempts of a batch.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

#[derive(Clone)]
pub struct Usage {
    tx: mpsc::Sender<UsageEvent>,
    pub metrics: Arc<Metrics>,
    overflow: Arc<Overflow>,
    capacity: usize,
    stop: Arc<Stop>,
    writer: Arc<Mutex<Option<JoinHandle<()>>>>,
}

#[derive(Default)]
struct Stop {
    flag: AtomicBool,
    notify: Notify,
}

impl Stop {
    fn requested(&self) -> bool {
        self.flag.load(Ordering::Acquire)
    }
}

impl Usage {
    /// Starts the writer task and the overflow thread.
    pub fn start(client: clickhouse::Client, config: UsageConfig) -> anyhow::Result<Usage> {
        let spill = Arc::new(Spill::open(&config.spill_dir)?);
        let uncertain = spill.load_uncertain();
        let (tx, rx) = mpsc::channel(config.queue_capacity.max(1));
        let metrics = Arc::new(Metrics::default());
        let stop = Arc::new(Stop::default());
        let overflow = Arc::new(Overflow::start(spill.clone(), metrics.clone()));
        let writer = Writer {
            client,
            rx,
            spill,
            metrics: metrics.clone(),
            config: config.clone(),
            stop: stop.clone(),
            down: false,
            // Inserts an earlier process could not confirm.
            uncertain,
            segment_failures: HashMap::new(),
            bad_lines_counted: HashSet::new(),
        };
        let handle = tokio::spawn(writer.run());
        Ok(Usage {
            tx,
            metrics,
            overflow,
            capacity: config.queue_capacity,
            stop,
            writer: Arc::new(Mutex::new(Some(handle))),
        })
    }

    /// Records an event without waiting: a queue `try_send`, or, when the
    /// queue is full, a channel send to the overflow thread.
    pub fn record(&self, event: UsageEvent) {
        Metrics::add(&self.metrics.queued, 1);
        if let Err(e) = self.tx.try_send(event) {
            let event = match e {
                mpsc::error::TrySendError::Full(ev) | mpsc::error::TrySendError::Closed(ev) => ev,
            };
            if !self.overflow.send(event) {
                Metrics::add(&self.metrics.dropped, 1);
                tracing::error!("usage event lost: queue full and the overflow thread is gone");
            }
        }
    }

    /// Events waiting in memory.
    pub fn queue_depth(&self) -> usize {
        self.capacity.saturating_sub(self.tx.capacity())
    }

    /// Stops the writer after it has written or spilled everything queued,
    /// and waits until overflowed events are on disk. Call once the server
    /// has stopped taking requests.
    pub async fn shutdown(&self, timeout: Duration) {
        let Some(handle) = self.writer.lock().await.take() else {
            return;
        };
        self.stop.flag.store(true, Ordering::Release);
        self.stop.notify.notify_one();
        if tokio::time::timeout(timeout, handle).await.is_err() {
            tracing::error!("usage writer did not finish in time");
        }
        if !self.overflow.flush(Duration::from_secs(5)).await {
            tracing::error!(
                queued = self.metrics.queued.load(Ordering::Relaxed),
                spilled = self.metrics.spilled.load(Ordering::Relaxed),
                "usage overflow did not reach the disk in time; events may be lost"
            );
        }
    }
}

struct Writer {
    client: clickhouse::Client,
    rx: mpsc::Receiver<UsageEvent>,
    spill: Arc<Spill>,
    metrics: Arc<Metrics>,
    config: UsageConfig,
    stop: Arc<Stop>,
    /// ClickHouse was unavailable: spill until a probe succeeds.
    down: bool,
    /// Inserts whose outcome the client does not know: before any
    /// duplicate check the writer waits until the server is done with them.
    uncertain: Vec<String>,
    /// Refusals per segment: (count, first refusal, next attempt).
    segment_failures: HashMap<PathBuf, (u32, tokio::time::Instant, tokio::time::Instant)>,
    /// Segments whose unreadable lines are already counted as dropped.
    bad_lines_counted: HashSet<PathBuf>,
}

/// Why a write did not go through.
enum Failure {
    /// Unreachable, slow, or an outcome still pending: try again later.
    Unavailable(String),
    /// ClickHouse refused the data.
    Refused(String),
}

impl Failure {
    /// An INSERT's error: refused only for data errors.
    fn of_insert(e: clickhouse::error::Error) -> Self {
        if ch::is_refusal(&e) {
            Failure::Refused(e.to_string())
        } else {
            Failure::Unavailable(e.to_string())
        }
    }

    /// Any other call's error (checks, pings): ClickHouse is not usable now.
    fn unavailable(e: clickhouse::error::Error) -> Self {
        Failure::Unavailable(e.to_string())
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Unavailable(e) => write!(f, "unavailable: {e}"),
            Failure::Refused(e) => write!(f, "refused: {e}"),
        }
    }
}

impl Writer {
    async fn run(mut self) {
        let mut next_probe = tokio::time::Instant::now();
        loop {
            let batch = self.collect().await;
            if !batch.is_empty() {
                self.write(batch).await;
            }
            if self.stop.requested() {
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
            if !self.down {
                self.replay().await;
            }
        }
    }

    /// Up to `batch_rows` events, waiting at most `flush_interval` after
    /// the first; returns early when stopping (or idle, to probe/replay).
    async fn collect(&mut self) -> Vec<UsageEvent> {
        let mut batch = Vec::new();
        let idle = if self.down {
            self.config.probe_interval
        } else {
            self.config.flush_interval
        };
        tokio::select! {
            ev = self.rx.recv() => match ev {
                Some(ev) => batch.push(ev),
                None => return batch,
            },
            _ = self.stop.notify.notified() => return batch,
            _ = tokio::time::sleep(idle) => return batch,
        }
        let deadline = tokio::time::Instant::now() + self.config.flush_interval;
        while batch.len() < self.config.batch_rows && !self.stop.requested() {
            tokio::select! {
                ev = self.rx.recv() => match ev {
                    Some(ev) => batch.push(ev),
                    None => break,
                },
                _ = self.stop.notify.notified() => break,
                _ = tokio::time::sleep_until(deadline) => break,
            }
        }
        batch
    }

    /// Inserts a batch with retries, or spills it.
    async fn write(&mut self, mut batch: Vec<UsageEvent>) {
        if !self.down {
            match self.insert_with_retries(&mut batch).await {
                Ok(n) => {
                    Metrics::add(&self.metrics.written, n);
                    return;
                }
                Err(e) => {
                    // `batch` now holds only what is not known to be stored.
                    tracing::warn!(error = %e, events = batch.len(), "clickhouse did not take usage; spilling");
                    self.down = true;
                }
            }
        }
        self.spill_batch(batch).await;
    }

    async fn spill_batch(&self, batch: Vec<UsageEvent>) {
        let n = batch.len();
        let spill = self.spill.clone();
        let result = tokio::task::spawn_blocking(move || spill.write_segment(&batch))
            .await
            .map_err(std::io::Error::other)
            .and_then(|r| r);
        match result {
            Ok(()) => Metrics::add(&self.metrics.spilled, n),
            Err(e) => {
                Metrics::add(&self.metrics.dropped, n);
                tracing::error!(error = %e, events = n, "usage events lost: spill failed");
            }
        }
    }

    /// Waits until no insert of unknown outcome is still running on the
    /// server, so what is stored is final before a duplicate check.
    async fn settle(&mut self) -> Result<(), Failure> {
        let give_up = tokio::time::Instant::now() + 4 * ch::OP_TIMEOUT;
        let before = self.uncertain.len();
        while let Some(id) = self.uncertain.last().cloned() {
            if self.stop.requested() {
                return Err(Failure::Unavailable("stopping".into()));
            }
            if ch::still_running(&self.client, &id)
                .await
                .map_err(Failure::unavailable)?
            {
                if tokio::time::Instant::now() >= give_up {
                    return Err(Failure::Unavailable(format!("insert {id} still running")));
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            } else {
                self.uncertain.pop();
            }
        }
        if before > 0 {
            self.persist_uncertain().await;
        }
        Ok(())
    }

    /// Saves the uncertain inserts next to the spill, so a restarted
    /// process waits for them before its first duplicate check.
    async fn persist_uncertain(&self) {
        let (spill, ids) = (self.spill.clone(), self.uncertain.clone());
        let saved = tokio::task::spawn_blocking(move || spill.save_uncertain(&ids)).await;
        if !matches!(saved, Ok(Ok(()))) {
            tracing::error!("cannot record uncertain usage inserts");
        }
    }

    /// Inserts events not yet stored, after any earlier uncertain insert
    /// has settled. Returns (written, already present).
    async fn insert_new(
        &mut self,
        events: &mut Vec<UsageEvent>,
        check: bool,
    ) -> Result<(usize, usize), Failure> {
        let mut skipped = 0;
        if check {
            self.settle().await?;
            let present = ch::existing_ids(&self.client, events)
                .await
                .map_err(Failure::unavailable)?;
            skipped = present.len();
            events.retain(|e| !present.contains(&e.event_id));
        }
        let query_id = Uuid::now_v7().to_string();
        match ch::insert(&self.client, events, &query_id).await {
            Ok(()) => Ok((events.len(), skipped)),
            Err(e) => {
                // The server may still be working on it, or may have
                // committed it after the client gave up.
                self.uncertain.push(query_id);
                self.persist_uncertain().await;
                Err(Failure::of_insert(e))
            }
        }
    }

    /// Inserts `batch`; on failure retries with backoff, each retry only
    /// with what is not stored yet (the batch shrinks in place, so after a
    /// final failure it holds just the events still to spill). Returns how
    /// many events were written.
    async fn insert_with_retries(&mut self, batch: &mut Vec<UsageEvent>) -> Result<usize, Failure> {
        let mut delay = self.config.retry_backoff;
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.insert_new(batch, attempt > 1).await {
                Ok((n, skipped)) => {
                    // What a retry finds stored came from this batch's own
                    // earlier attempt: written, not a duplicate.
                    Metrics::add(&self.metrics.deduplicated, skipped);
                    return Ok(n + skipped);
                }
                Err(e) if attempt >= self.config.attempts || self.stop.requested() => {
                    return Err(e)
                }
                Err(e) => {
                    tracing::debug!(error = %e, attempt, "usage insert failed; retrying");
                    Metrics::add(&self.metrics.retried, batch.len());
                    tokio::select! {
                        _ = tokio::time::sleep(delay) => {}
                        _ = self.stop.notify.notified() => return Err(e),
                    }
                    delay = (delay * 2).min(MAX_BACKOFF);
                }
            }
        }
    }

    /// Replays sealed segments in order. Stops when ClickHouse is
    /// unavailable or shutdown is requested; a segment ClickHouse refuses
    /// waits for its next attempt while the others go on, and after
    /// repeated refusals goes to `dead/`.
    async fn replay(&mut self) {
        // Nothing was spilled since the last complete replay: skip listing.
        if !self.spill.take_pending() {
            return;
        }
        // Any way out before every segment is gone leaves work to do.
        let mut done = false;
        self.replay_segments(&mut done).await;
        if !done {
            self.spill.mark_pending();
        }
    }

    async fn replay_segments(&mut self, done: &mut bool) {
        let spill = self.spill.clone();
        let listed = tokio::task::spawn_blocking(move || spill.segments()).await;
        let segments = match listed {
            Ok(Ok(s)) => s,
            _ => {
                tracing::error!("cannot list the usage spill");
                return;
            }
        };
        let now = tokio::time::Instant::now();
        let mut skipped = false;
        for path in segments {
            if self.stop.requested() {
                return;
            }
            if self
                .segment_failures
                .get(&path)
                .is_some_and(|(_, _, next)| *next > now)
            {
                skipped = true;
                continue;
            }
            let read_path = path.clone();
            let read = tokio::task::spawn_blocking(move || Spill::read_segment(&read_path))
                .await
                .map_err(std::io::Error::other)
                .and_then(|r| r);
            let (events, bad) = match read {
                Ok(r) => r,
                Err(e) => {
                    tracing::error!(error = %e, path = %path.display(), "cannot read spill segment");
                    self.refused(&path, 0).await;
                    skipped = true;
                    continue;
                }
            };
            if bad > 0 && self.bad_lines_counted.insert(path.clone()) {
                Metrics::add(
                    &self.metrics.dropped,
                    usize::try_from(bad).unwrap_or(usize::MAX),
                );
                tracing::error!(lines = bad, path = %path.display(), "unreadable spilled events");
            }
            let mut ok = true;
            for chunk in events.chunks(self.config.batch_rows.max(1)) {
                // A segment may have been partly replayed before a pause or
                // a crash: always skip what is already there.
                let mut todo = chunk.to_vec();
                match self.insert_new(&mut todo, true).await {
                    Ok((written, skipped)) => {
                        Metrics::add(&self.metrics.replayed, written);
                        Metrics::add(&self.metrics.deduplicated, skipped);
                    }
                    Err(Failure::Unavailable(e)) => {
                        tracing::warn!(error = %e, "replay paused; clickhouse unavailable");
                        self.down = true;
                        return;
                    }
                    Err(Failure::Refused(e)) => {
                        tracing::error!(error = %e, path = %path.display(), "clickhouse refused spilled events");
                        self.refused(&path, events.len()).await;
                        ok = false;
                        skipped = true;
                        break;
                    }
                }
            }
            if ok {
                self.segment_failures.remove(&path);
                self.bad_lines_counted.remove(&path);
                if let Err(e) = tokio::fs::remove_file(&path).await {
                    tracing::error!(error = %e, path = %path.display(), "cannot remove replayed segment");
                    return;
                }
            }
        }
        *done = !skipped;
    }

    /// Counts a refusal of a segment and schedules its next attempt; after
    /// `SEGMENT_ATTEMPTS` refusals spread over at least a minute, moves it
    /// to `dead/` (kept on disk, counted as dead-lettered).
    async fn refused(&mut self, path: &std::path::Path, events: usize) {
        let now = tokio::time::Instant::now();
        let entry = self
            .segment_failures
            .entry(path.to_owned())
            .or_insert((0, now, now));
        entry.0 += 1;
        entry.2 = now + SEGMENT_RETRY;
        let (count, first) = (entry.0, entry.1);
        if count < SEGMENT_ATTEMPTS || now.duration_since(first) < 2 * SEGMENT_RETRY {
            return;
        }
        self.segment_failures.remove(path);
        self.bad_lines_counted.remove(path);
        let spill = self.spill.clone();
        let p = path.to_owned();
        match tokio::task::spawn_blocking(move || spill.dead_letter(&p)).await {
            Ok(Ok(())) => {
                Metrics::add(&self.metrics.dead_lettered, events);
                tracing::error!(path = %path.display(), "spill segment moved to dead/ after repeated refusals");
            }
            _ => tracing::error!(path = %path.display(), "cannot move a refused segment"),
        }
    }

    /// Shutdown: everything still queued is written within the drain
    /// budget, or spilled.
    async fn drain(&mut self) {
        self.rx.close();
        let mut rest = Vec::new();
        while let Ok(ev) = self.rx.try_recv() {
            rest.push(ev);
        }
        let deadline = tokio::time::Instant::now() + DRAIN_BUDGET;
        for chunk in rest.chunks(self.config.batch_rows.max(1)) {
            let mut todo = chunk.to_vec();
            let inserted = !self.down
                && tokio::time::Instant::now() < deadline
                && tokio::time::timeout_at(deadline, self.insert_new(&mut todo, false))
                    .await
                    .is_ok_and(|r| r.is_ok());
            if inserted {
                Metrics::add(&self.metrics.written, chunk.len());
            } else {
                // Spilled in full: replay skips whatever did land.
                self.down = true;
                self.spill_batch(chunk.to_vec()).await;
            }
        }
        tracing::info!(
            written = self.metrics.written.load(Ordering::Relaxed),
            spilled = self.metrics.spilled.load(Ordering::Relaxed),
            "usage writer stopped"
        );
    }
}
