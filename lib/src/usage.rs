//! Usage events: what QHub meters. Every served request is one event, and
//! later issues add their own kinds (jobs) as new variants: the pipeline
//! that queues, batches, spills and replays events works on `UsageEvent`
//! and never needs to change for a new kind.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Who caused an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PrincipalKind {
    User,
    ApiKey,
}

impl PrincipalKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PrincipalKind::User => "user",
            PrincipalKind::ApiKey => "api_key",
        }
    }
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
}

impl UsageKind {
    /// The event type as stored, e.g. `api.request`.
    pub fn name(&self) -> &'static str {
        match self {
            UsageKind::ApiRequest { .. } => "api.request",
        }
    }
}

/// One metered event of one tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
        Ok(())
    }
}
