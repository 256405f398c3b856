//! The router with its middleware stack, and the server loop.

use std::net::SocketAddr;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::Router;
use tokio::net::TcpListener;
use tower_http::timeout::TimeoutLayer;

use crate::middleware::{buffer_body, not_found, problem_fallback, request_id, BodyLimits};
use crate::openapi;
use crate::state::AppState;
use crate::{mail, ratelimit, usage};

pub fn router(state: AppState) -> Router {
    let (api, _) = openapi::split();
    let config = state.config.clone();
    let limits = BodyLimits {
        max_bytes: config.body_limit_bytes,
        read_timeout: config.body_read_timeout,
    };
    // Outermost last: request id → problem fallback → usage recording →
    // timeout → rate limit → body buffer → routing (route template noted).
    api.route_layer(axum::middleware::from_fn(usage::middleware::note_route))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(config.body_limit_bytes))
        .layer(axum::middleware::from_fn_with_state(limits, buffer_body))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            ratelimit::per_principal,
        ))
        // 503, not 408: a slow handler is the server's fault, and clients
        // may resend a 408 automatically.
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            config.request_timeout,
        ))
        // Outside the timeout, so a request that times out is still metered.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            usage::middleware::record_request,
        ))
        .layer(axum::middleware::from_fn(problem_fallback))
        .layer(axum::middleware::from_fn(request_id))
        .with_state(state)
}

/// Serves until SIGTERM or Ctrl-C, then stops accepting and lets in-flight
/// requests finish.
pub async fn serve(listener: TcpListener, state: AppState) -> anyhow::Result<()> {
    tokio::spawn(mail::run_sender(state.clone()));
    let usage = state.usage.clone();
    let app = router(state);
    let served = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await;
    // No request is in flight any more: write or spill every queued event,
    // even if the server loop ended with an error.
    usage.shutdown(Duration::from_secs(20)).await;
    served.map_err(Into::into)
}

pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutdown signal received; draining");
}
