//! Time helpers shared by the crates.

use chrono::{DateTime, TimeZone, Utc};

/// Seconds since the epoch as a UTC time (the epoch itself if out of range).
pub fn from_epoch(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(secs, 0).single().unwrap_or_default()
}
