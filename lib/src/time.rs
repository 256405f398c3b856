//! Time helpers shared by the crates.

use chrono::{DateTime, Datelike, TimeZone, Utc};
use serde::{Deserialize, Deserializer};

/// Seconds since the epoch as a UTC time (the epoch itself if out of range).
pub fn from_epoch(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(secs, 0).single().unwrap_or_default()
}

/// The years a timestamp in a request may have, as written. Wide enough
/// for any real filter, narrow enough that adding a year or two never
/// overflows and Postgres and ClickHouse can hold (or clamp) every value.
pub const MIN_YEAR: i32 = 1970;
pub const MAX_YEAR: i32 = 9999;

/// The same rule as a JSON Schema pattern: an RFC 3339 date-time whose
/// year is 1970–9999 (the `format: date-time` says the rest).
pub const TIMESTAMP_PATTERN: &str = "^(19[7-9][0-9]|[2-9][0-9]{3})-";

/// Parses an RFC 3339 timestamp in a request: strict RFC 3339 (a
/// four-digit year, never chrono's extended `+262143-…` form) with a year
/// of `MIN_YEAR..=MAX_YEAR` as written.
pub fn parse_timestamp(s: &str) -> Result<DateTime<Utc>, String> {
    let t = DateTime::parse_from_rfc3339(s)
        .map_err(|e| format!("must be an RFC 3339 date-time like 2026-01-31T12:00:00Z ({e})"))?;
    if !(MIN_YEAR..=MAX_YEAR).contains(&t.year()) {
        return Err(format!(
            "the year must be between {MIN_YEAR} and {MAX_YEAR}"
        ));
    }
    Ok(t.with_timezone(&Utc))
}

/// `#[serde(deserialize_with = "qhub_lib::time::optional_timestamp")]` for
/// `Option<DateTime<Utc>>` request fields and query parameters.
pub fn optional_timestamp<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<DateTime<Utc>>, D::Error> {
    match Option::<String>::deserialize(d)? {
        None => Ok(None),
        Some(s) => parse_timestamp(&s)
            .map(Some)
            .map_err(serde::de::Error::custom),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_in_range_only() {
        assert!(parse_timestamp("2026-11-30T10:00:00Z").is_ok());
        assert!(parse_timestamp("9999-12-31T23:59:59+00:00").is_ok());
        assert!(parse_timestamp("1970-01-01T00:00:00Z").is_ok());
        assert!(parse_timestamp("1969-12-31T23:59:59Z").is_err());
        assert!(parse_timestamp("-262143-01-01T00:00:00Z").is_err());
        assert!(parse_timestamp("+262142-12-31T23:59:59Z").is_err());
        assert!(parse_timestamp("2026-13-01T00:00:00Z").is_err());
        assert!(parse_timestamp("yesterday").is_err());
        // The year as written decides (the pattern can only see that).
        assert!(parse_timestamp("1970-01-01T00:00:00+01:00").is_ok());
    }
}
