//! `/metrics`: the usage pipeline's counters in Prometheus text format.
//! Operational data of this process only, no tenant data.

use std::fmt::Write;
use std::sync::atomic::Ordering;

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::platform::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(metrics))
}

/// Prometheus metrics of this server process (text exposition format).
///
/// `qhub_usage_events_total{outcome=…}` counts usage events: `queued`,
/// `written`, `retried`, `spilled`, `replayed`, `deduplicated`, `dropped`
/// (which must stay 0), `dead_lettered` (kept on disk, refused by
/// ClickHouse) and `unattributed`; `qhub_usage_queue_depth` is the
/// in-memory backlog.
#[utoipa::path(
    get, path = "/metrics", tag = "meta", operation_id = "getMetrics",
    responses((status = 200, description = "Prometheus text format", content_type = "text/plain", body = String)),
    security(())
)]
async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let m = &state.usage.metrics;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# HELP qhub_usage_events_total Usage events by pipeline outcome.\n\
         # TYPE qhub_usage_events_total counter"
    );
    for (outcome, counter) in [
        ("queued", &m.queued),
        ("written", &m.written),
        ("retried", &m.retried),
        ("spilled", &m.spilled),
        ("replayed", &m.replayed),
        ("deduplicated", &m.deduplicated),
        ("dropped", &m.dropped),
        ("dead_lettered", &m.dead_lettered),
        ("unattributed", &m.unattributed),
    ] {
        let _ = writeln!(
            out,
            "qhub_usage_events_total{{outcome=\"{outcome}\"}} {}",
            counter.load(Ordering::Relaxed)
        );
    }
    let _ = writeln!(
        out,
        "# HELP qhub_usage_queue_depth Usage events waiting in memory.\n\
         # TYPE qhub_usage_queue_depth gauge\n\
         qhub_usage_queue_depth {}",
        state.usage.queue_depth()
    );
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], out)
}
