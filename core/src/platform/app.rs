//! The router with its middleware stack, and the server loop.

use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderName, HeaderValue, Method, StatusCode};
use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tower::ServiceExt;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::timeout::TimeoutLayer;

use crate::metering as usage;
use crate::platform::middleware::{
    buffer_body, header_limits, not_found, problem_fallback, request_id, BodyLimits,
    HYPER_MAX_HEADERS,
};
use crate::platform::openapi;
use crate::platform::state::AppState;
use crate::platform::{mail, ratelimit};

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
        // Outside everything but the request id: preflights are answered
        // here (not rate-limited or metered), and every response, errors
        // included, carries the CORS headers the browser needs to read it.
        .layer(cors(&config.cors_origins))
        .layer(axum::middleware::from_fn(header_limits))
        .layer(axum::middleware::from_fn(request_id))
        .with_state(state)
}

/// The console's origins may call the API from the browser, with
/// credentials (the refresh cookie), and read the rate-limit headers.
fn cors(origins: &[String]) -> CorsLayer {
    let origins: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_credentials(true)
        // PUT: package uploads.
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            HeaderName::from_static("x-api-key"),
            HeaderName::from_static("x-request-id"),
            // Job submissions are safe to retry from the console too.
            HeaderName::from_static("idempotency-key"),
        ])
        .expose_headers([
            HeaderName::from_static("ratelimit-limit"),
            HeaderName::from_static("ratelimit-remaining"),
            HeaderName::from_static("ratelimit-reset"),
            header::RETRY_AFTER,
            header::LOCATION,
            HeaderName::from_static("x-request-id"),
            // The audit CSV export says when it was cut short.
            HeaderName::from_static("x-truncated"),
            // Package downloads: their digests and file name.
            header::ETAG,
            HeaderName::from_static("digest"),
            HeaderName::from_static("repr-digest"),
            header::CONTENT_DISPOSITION,
        ])
        .max_age(Duration::from_secs(600))
}

/// Serves until SIGTERM or Ctrl-C, then stops accepting and lets in-flight
/// requests finish.
///
/// The accept loop is hyper-util's rather than `axum::serve`, which offers
/// no way to set hyper's header limit: hyper answers a request over its
/// limit with a bare 431 before the app sees it, so it is set above the
/// app's own (`header_limits`), which answers in problem+json.
pub async fn serve(listener: TcpListener, state: AppState) -> anyhow::Result<()> {
    tokio::spawn(mail::run_sender(state.clone()));
    let usage = state.usage.clone();
    let app = router(state);
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder.http1().max_headers(HYPER_MAX_HEADERS);
    let graceful = GracefulShutdown::new();
    let shutdown = shutdown_signal();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(conn) => conn,
                Err(e) => {
                    // Out of file descriptors and the like: back off, go on.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let svc =
            app.clone()
                .map_request(move |mut req: axum::http::Request<hyper::body::Incoming>| {
                    req.extensions_mut().insert(ConnectInfo(peer));
                    req
                });
        let conn = builder
            .serve_connection_with_upgrades(TokioIo::new(stream), TowerToHyperService::new(svc))
            .into_owned();
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    // No new connections; idle ones are closed, busy ones finish.
    graceful.shutdown().await;
    // No request is in flight any more: write or spill every queued event.
    usage.shutdown(Duration::from_secs(20)).await;
    Ok(())
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
