//! The durable spill: events ClickHouse could not take yet, as JSON lines
//! in files of a local directory.
//!
//! Why local files: the spill is needed exactly when a dependency is in
//! trouble, so it should depend on nothing but the disk. Redis here keeps
//! nothing on disk, and parking usage in Postgres would load the system of
//! record during an analytics outage. Files survive a restart (mount a
//! volume at `USAGE_SPILL_DIR` in production), are written with one fsync
//! per batch, and replay in order by name.
//!
//! Layout: `seg-<nanos>-<seq>.jsonl` are sealed segments (one batch each,
//! written to `.tmp` then renamed, so a crash never leaves half a segment);
//! `overflow.jsonl` collects events that found the in-memory queue full and
//! is sealed into a segment before each replay and at shutdown.

use std::fs::{self, File, OpenOptions};
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use qhub_lib::usage::UsageEvent;

pub struct Spill {
    dir: PathBuf,
    seq: AtomicU64,
    overflow: Mutex<Option<BufWriter<File>>>,
}

const OVERFLOW: &str = "overflow.jsonl";

impl Spill {
    pub fn open(dir: &Path) -> std::io::Result<Spill> {
        fs::create_dir_all(dir)?;
        let spill = Spill {
            dir: dir.to_owned(),
            seq: AtomicU64::new(0),
            overflow: Mutex::new(None),
        };
        // An overflow file left by an earlier process becomes a segment.
        spill.seal_overflow()?;
        Ok(spill)
    }

    fn segment_path(&self) -> PathBuf {
        let nanos = chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default();
        let seq = self.seq.fetch_add(1, Ordering::Relaxed);
        self.dir.join(format!("seg-{nanos:020}-{seq:08}.jsonl"))
    }

    /// Writes one batch as a sealed segment, durably.
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
        Ok(())
    }

    /// Appends events that found the queue full (request path: buffered,
    /// no fsync; sealed and synced by the writer).
    pub fn append_overflow(&self, events: &[UsageEvent]) -> std::io::Result<()> {
        let mut guard = self
            .overflow
            .lock()
            .map_err(|_| std::io::Error::other("spill lock poisoned"))?;
        if guard.is_none() {
            let f = OpenOptions::new()
                .create(true)
                .append(true)
                .open(self.dir.join(OVERFLOW))?;
            *guard = Some(BufWriter::new(f));
        }
        if let Some(w) = guard.as_mut() {
            for ev in events {
                serde_json::to_writer(&mut *w, ev)?;
                w.write_all(b"\n")?;
            }
            w.flush()?;
        }
        Ok(())
    }

    /// Turns the overflow file, if any, into a sealed segment.
    pub fn seal_overflow(&self) -> std::io::Result<()> {
        let mut guard = self
            .overflow
            .lock()
            .map_err(|_| std::io::Error::other("spill lock poisoned"))?;
        if let Some(mut w) = guard.take() {
            w.flush()?;
            w.get_ref().sync_all()?;
        }
        let path = self.dir.join(OVERFLOW);
        if path.exists() {
            fs::rename(&path, self.segment_path())?;
        }
        Ok(())
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

    pub fn has_segments(&self) -> bool {
        self.segments().is_ok_and(|s| !s.is_empty())
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
}
