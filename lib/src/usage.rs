//! Usage events: what QHub meters. Every served request is one event
//! (`api.request`, with its own columns and rollup); every other area emits
//! `Metered` events — a kind (`job.run`, `package.download`,
//! `marketplace.call`), numeric quantities (shots, seconds, bytes) and
//! string dimensions (backend, app) — through the same queue, spill and
//! ClickHouse table. The pipeline never changes for a new kind.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The kind of a served request.
pub const API_REQUEST: &str = "api.request";

/// A kind's form: `area.verb` (two to four dot-separated lower-case words),
/// as the analytics' `kind` parameter states it.
pub const KIND_PATTERN: &str = "^[a-z][a-z0-9_]{0,30}(\\.[a-z][a-z0-9_]{0,30}){1,3}$";

pub fn valid_kind(kind: &str) -> bool {
    let parts: Vec<&str> = kind.split('.').collect();
    (2..=4).contains(&parts.len())
        && parts.iter().all(|p| {
            let b = p.as_bytes();
            (1..=31).contains(&b.len())
                && b[0].is_ascii_lowercase()
                && b.iter()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'_')
        })
}

/// Who caused an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PrincipalKind {
    User,
    ApiKey,
    SubscriptionKey,
}

impl PrincipalKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PrincipalKind::User => "user",
            PrincipalKind::ApiKey => "api_key",
            PrincipalKind::SubscriptionKey => "subscription_key",
        }
    }
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum UsageKind {
    /// One HTTP request served (`api.request`).
    #[serde(rename = "api.request")]
    ApiRequest {
        method: String,
        /// The route template (`/v1/users/{id}`), never the raw path.
        route: String,
        status: u16,
        latency_us: u32,
        request_bytes: u64,
        response_bytes: u64,
    },
    /// Any other metered kind. Quantities are summed per hour in the
    /// analytics; dimensions are kept on the raw event.
    #[serde(rename = "metered")]
    Metered {
        /// The kind, e.g. `job.run` (`area.verb`, lower case).
        kind: String,
        quantities: BTreeMap<String, f64>,
        #[serde(default)]
        dimensions: BTreeMap<String, String>,
    },
}

impl UsageKind {
    /// The event type as stored, e.g. `api.request` or `job.run`.
    pub fn name(&self) -> &str {
        match self {
            UsageKind::ApiRequest { .. } => API_REQUEST,
            UsageKind::Metered { kind, .. } => kind,
        }
    }
}

/// One metered event of one tenant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UsageEvent {
    /// UUIDv7: unique, time-ordered; duplicates from retries share it.
    pub event_id: Uuid,
    pub tenant_id: Uuid,
    pub principal_kind: PrincipalKind,
    pub principal_id: Uuid,
    pub at: DateTime<Utc>,
    #[serde(flatten)]
    pub kind: UsageKind,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_round_trip_as_json_lines() -> Result<(), serde_json::Error> {
        let ev = UsageEvent {
            event_id: Uuid::now_v7(),
            tenant_id: Uuid::now_v7(),
            principal_kind: PrincipalKind::ApiKey,
            principal_id: Uuid::now_v7(),
            at: Utc::now(),
            kind: UsageKind::ApiRequest {
                method: "GET".into(),
                route: "/v1/users/{id}".into(),
                status: 200,
                latency_us: 1234,
                request_bytes: 0,
                response_bytes: 321,
            },
        };
        let line = serde_json::to_string(&ev)?;
        assert!(line.contains(r#""type":"api.request""#), "{line}");
        let back: UsageEvent = serde_json::from_str(&line)?;
        assert_eq!(back, ev);
        assert_eq!(ev.kind.name(), "api.request");
        let job = UsageEvent {
            kind: UsageKind::Metered {
                kind: "job.run".into(),
                quantities: [("shots".to_owned(), 1024.0), ("seconds".to_owned(), 0.25)].into(),
                dimensions: [("backend".to_owned(), "simulator".to_owned())].into(),
            },
            ..ev
        };
        let line = serde_json::to_string(&job)?;
        assert_eq!(serde_json::from_str::<UsageEvent>(&line)?, job);
        assert_eq!(job.kind.name(), "job.run");
        Ok(())
    }

    #[test]
    fn kinds_have_one_form() {
        for ok in [
            "api.request",
            "job.run",
            "package.download",
            "marketplace.app_call.v2",
        ] {
            assert!(valid_kind(ok), "{ok}");
        }
        for bad in [
            "",
            "job",
            "Job.run",
            "job..run",
            "job.run.",
            "1job.run",
            "job.r-n",
            "a.b.c.d.e",
        ] {
            assert!(!valid_kind(bad), "{bad}");
        }
    }
}
