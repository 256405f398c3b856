//! One usage event per request, recorded after the response.
//!
//! Runs as a route layer, so the matched route template (`/v1/users/{id}`)
//! is known and unmatched paths are never recorded. The tenant comes from
//! the authenticated principal: the credential extractor fills the
//! request's `Attribution` slot when it succeeds. Requests without one
//! (signup, login, failed authentication) are not tenant usage: they are
//! counted as `unattributed` on /metrics and not queued.

use std::sync::{Arc, OnceLock};
use std::time::Instant;

use axum::body::HttpBody;
use axum::extract::{MatchedPath, Request, State};
use axum::http::header::CONTENT_LENGTH;
use axum::middleware::Next;
use axum::response::Response;
use qhub_lib::usage::{PrincipalKind, UsageEvent, UsageKind};
use uuid::Uuid;

use super::Metrics;
use crate::state::AppState;

/// Who a request's usage belongs to.
#[derive(Debug, Clone, Copy)]
pub struct Attribution {
    pub tenant_id: Uuid,
    pub principal_kind: PrincipalKind,
    pub principal_id: Uuid,
}

/// Filled once per request by the credential extractor.
#[derive(Clone, Default)]
pub struct AttributionSlot(Arc<OnceLock<Attribution>>);

impl AttributionSlot {
    pub fn set(&self, a: Attribution) {
        let _ = self.0.set(a);
    }
}

pub async fn record_request(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let slot = AttributionSlot::default();
    req.extensions_mut().insert(slot.clone());
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned());
    let method = req.method().as_str().to_owned();
    let request_bytes = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .or_else(|| req.body().size_hint().exact())
        .unwrap_or(0);

    let res = next.run(req).await;

    let Some(route) = route else {
        return res;
    };
    let Some(who) = slot.0.get().copied() else {
        Metrics::add(&state.usage.metrics.unattributed, 1);
        return res;
    };
    let response_bytes = res.body().size_hint().exact().unwrap_or(0);
    state.usage.record(UsageEvent {
        event_id: Uuid::now_v7(),
        tenant_id: who.tenant_id,
        principal_kind: who.principal_kind,
        principal_id: who.principal_id,
        at: chrono::Utc::now(),
        kind: UsageKind::ApiRequest {
            method,
            route,
            status: res.status().as_u16(),
            latency_us: u32::try_from(started.elapsed().as_micros()).unwrap_or(u32::MAX),
            request_bytes,
            response_bytes,
        },
    });
    res
}
