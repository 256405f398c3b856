//! The durable spill: events ClickHouse could not take yet, as JSON lines
//! in segment files of a local directory.
//!
//! Why local files: the spill is needed exactly when a dependency is in
//! trouble, so it should depend on nothing but the disk. Redis here keeps
//! nothing on disk, and parking usage in Postgres would load the system of
//! record during an analytics outage. Files survive a restart (mount a
//! volume at `USAGE_SPILL_DIR` in production) and replay in order by name.
//!
//! A segment is written to `.tmp`, fsynced, renamed to
//! `seg-<nanos>-<seq>.jsonl`, and the directory fsynced: a crash never
//! leaves half a segment, and a segment that exists survives power loss.
//! Segments that fail to replay for a reason other than ClickHouse being
//! unavailable are moved to `dead/` after a few attempts (kept, counted,
//! never silently dropped).

use std::fs::{self, File};
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc as std_mpsc;
use std::sync::Arc;
use std::time::Duration;

use qhub_lib::usage::UsageEvent;

use super::Metrics;

pub struct Spill {
    dir: PathBuf,
    seq: AtomicU64,
    /// Segments may exist that no replay has seen: set by every write (and
    /// at start), so the writer lists the directory only when it must.
    pending: AtomicBool,
}

impl Spill {
    pub fn open(dir: &Path) -> std::io::Result<Spill> {
        fs::create_dir_all(dir)?;
        // A `.tmp` left by a crash was never renamed: its batch is still
        // in a segment of its own or was never acknowledged as spilled.
        for entry in fs::read_dir(dir)?.flatten() {
            if entry.path().extension().is_some_and(|x| x == "tmp") {
                let _ = fs::remove_file(entry.path());
            }
        }
        Ok(Spill {
            dir: dir.to_owned(),
            seq: AtomicU64::new(0),
            pending: AtomicBool::new(true),
        })
    }

    fn segment_path(&self) -> PathBuf {
        let nanos = chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default();
        let seq = self.seq.fetch_add(1, Ordering::Relaxed);
        self.dir.join(format!("seg-{nanos:020}-{seq:08}.jsonl"))
    }

    /// Writes one batch as a sealed segment, durably. Blocking: call from
    /// a blocking thread.
    pub fn write_segment(&self, events: &[UsageEvent]) -> std::io::Result<()> {
        if events.is_empty() {
            return Ok(());
        }
        let path = self.segment_path();
        let tmp = path.with_extension("tmp");
        {
            let mut w = BufWriter::new(File::create(&tmp)?);
            for ev in events {
                serde_json::to_writer(&mut w, ev)?;
                w.write_all(b"\n")?;
            }
            w.flush()?;
            w.get_ref().sync_all()?;
        }
        fs::rename(&tmp, &path)?;
        self.mark_pending();
        File::open(&self.dir)?.sync_all()
    }

    pub fn mark_pending(&self) {
        self.pending.store(true, Ordering::Release);
    }

    /// Whether a replay is due; clears the flag (set again by any write).
    pub fn take_pending(&self) -> bool {
        self.pending.swap(false, Ordering::AcqRel)
    }

    /// Sealed segments, oldest first.
    pub fn segments(&self) -> std::io::Result<Vec<PathBuf>> {
        let mut segs: Vec<PathBuf> = fs::read_dir(&self.dir)?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("seg-") && n.ends_with(".jsonl"))
            })
            .collect();
        segs.sort();
        Ok(segs)
    }

    /// Reads a segment: its events and the number of lines that could not
    /// be parsed (only possible if the disk lied about an fsync).
    pub fn read_segment(path: &Path) -> std::io::Result<(Vec<UsageEvent>, u64)> {
        let mut events = Vec::new();
        let mut bad = 0;
        for line in BufReader::new(File::open(path)?).lines() {
            let line = line?;
            if line.trim().is_empty() {
                continue;
            }
            match serde_json::from_str(&line) {
                Ok(ev) => events.push(ev),
                Err(_) => bad += 1,
            }
        }
        Ok((events, bad))
    }

    fn uncertain_path(&self) -> PathBuf {
        self.dir.join("uncertain-inserts.txt")
    }

    /// Query ids of inserts whose outcome is unknown, kept across restarts:
    /// a new process must wait for them too before checking what landed.
    pub fn load_uncertain(&self) -> Vec<String> {
        fs::read_to_string(self.uncertain_path())
            .map(|s| {
                s.lines()
                    .map(str::to_owned)
                    .filter(|l| !l.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Replaces the list of uncertain inserts, durably. Blocking.
    pub fn save_uncertain(&self, ids: &[String]) -> std::io::Result<()> {
        if ids.is_empty() {
            return match fs::remove_file(self.uncertain_path()) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
                _ => Ok(()),
            };
        }
        let tmp = self.uncertain_path().with_extension("tmp");
        {
            let mut f = File::create(&tmp)?;
            f.write_all(ids.join("\n").as_bytes())?;
            f.sync_all()?;
        }
        fs::rename(&tmp, self.uncertain_path())?;
        File::open(&self.dir)?.sync_all()
    }

    /// Moves a segment that keeps failing out of the replay path.
    pub fn dead_letter(&self, path: &Path) -> std::io::Result<()> {
        let dead = self.dir.join("dead");
        fs::create_dir_all(&dead)?;
        if let Some(name) = path.file_name() {
            fs::rename(path, dead.join(name))?;
        }
        Ok(())
    }
}

/// Events that found the in-memory queue full go to this thread, which
/// writes them as segments (up to 1000 events or 20 ms per segment). The
/// request path only does an unbounded channel send: no lock held across
/// I/O, no file system call on the async runtime.
pub struct Overflow {
    tx: std_mpsc::Sender<OverflowMsg>,
}

enum OverflowMsg {
    Event(Box<UsageEvent>),
    /// Everything sent before is on disk once this is answered.
    Flush(std_mpsc::Sender<()>),
}

impl Overflow {
    pub fn start(spill: Arc<Spill>, metrics: Arc<Metrics>) -> Overflow {
        let (tx, rx) = std_mpsc::channel::<OverflowMsg>();
        std::thread::Builder::new()
            .name("usage-overflow".into())
            .spawn(move || {
                let mut batch = Vec::new();
                let mut acks = Vec::new();
                loop {
                    let first = match rx.recv() {
                        Ok(m) => m,
                        Err(_) => return,
                    };
                    let mut next = Some(first);
                    while let Some(msg) = next.take() {
                        match msg {
                            OverflowMsg::Event(ev) => batch.push(*ev),
                            OverflowMsg::Flush(ack) => acks.push(ack),
                        }
                        if batch.len() >= 1000 || !acks.is_empty() {
                            break;
                        }
                        next = rx.recv_timeout(Duration::from_millis(20)).ok();
                    }
                    if !batch.is_empty() {
                        match spill.write_segment(&batch) {
                            Ok(()) => Metrics::add(&metrics.spilled, batch.len()),
                            Err(e) => {
                                Metrics::add(&metrics.dropped, batch.len());
                                tracing::error!(error = %e, events = batch.len(), "usage events lost: spill failed");
                            }
                        }
                        batch.clear();
                    }
                    for ack in acks.drain(..) {
                        let _ = ack.send(());
                    }
                }
            })
            .map(|_| ())
            .unwrap_or_else(|e| tracing::error!(error = %e, "cannot start the usage overflow thread"));
        Overflow { tx }
    }

    /// Hands an event to the overflow thread; false if it is gone.
    pub fn send(&self, ev: UsageEvent) -> bool {
        self.tx.send(OverflowMsg::Event(Box::new(ev))).is_ok()
    }

    /// Waits (on a blocking thread) until everything sent so far is on disk.
    pub async fn flush(&self, timeout: Duration) -> bool {
        let (ack_tx, ack_rx) = std_mpsc::channel();
        if self.tx.send(OverflowMsg::Flush(ack_tx)).is_err() {
            return false;
        }
        tokio::task::spawn_blocking(move || ack_rx.recv_timeout(timeout).is_ok())
            .await
            .unwrap_or(false)
    }
}
