//! One usage event per request, recorded after the response.
//!
//! `record_request` wraps the request timeout, so a request that times out
//! (503) is still recorded. It puts a slot in the request that two inner
//! parts fill: `note_route`, a route layer, writes the matched route
//! template (`/v1/users/{id}`), so unmatched paths are never recorded; the
//! credential extractor writes the tenant and principal when it succeeds.
//! Requests without a tenant (signup, login, failed authentication) are not
//! tenant usage: they are counted as `unattributed` on /metrics and not
//! queued. Requests refused by the rate limiter never reach routing and are
//! not usage either.

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
use crate::platform::state::AppState;

/// Who a request's usage belongs to.
#[derive(Debug, Clone, Copy)]
pub struct Attribution {
    pub tenant_id: Uuid,
    pub principal_kind: PrincipalKind,
    pub principal_id: Uuid,
}

/// Filled during the request by `note_route` and the credential extractor.
#[derive(Clone, Default)]
pub struct AttributionSlot(Arc<Slot>);

#[derive(Default)]
struct Slot {
    who: OnceLock<Attribution>,
    route: OnceLock<String>,
}

impl AttributionSlot {
    pub fn set(&self, a: Attribution) {
        let _ = self.0.who.set(a);
    }
}

/// Route layer: notes the matched route template in the request's slot.
pub async fn note_route(req: Request, next: Next) -> Response {
    if let (Some(slot), Some(route)) = (
        req.extensions().get::<AttributionSlot>(),
        req.extensions().get::<MatchedPath>(),
    ) {
        let _ = slot.0.route.set(route.as_str().to_owned());
    }
    next.run(req).await
}

pub async fn record_request(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let slot = AttributionSlot::default();
    req.extensions_mut().insert(slot.clone());
    let method = req.method().as_str().to_owned();
    let request_bytes = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .or_else(|| req.body().size_hint().exact())
        .unwrap_or(0);

    let res = next.run(req).await;

    let Some(route) = slot.0.route.get().cloned() else {
        return res;
    };
    let Some(who) = slot.0.who.get().copied() else {
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
