//! Liveness and readiness probes (no authentication, no tenant data).

use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::platform::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(live))
        .routes(routes!(ready))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Health {
    /// `ok`; `degraded` (ClickHouse down: usage is spilled, the API serves);
    /// or `unavailable` (Postgres or Redis down: 503).
    pub status: String,
    /// Each dependency and its state: `ok` or `down` (the reason is logged, not shown).
    #[schema(value_type = Object, example = json!({"postgres": "ok", "redis": "ok", "clickhouse": "ok"}))]
    pub checks: std::collections::BTreeMap<String, String>,
}

/// The process is up.
#[utoipa::path(
    get, path = "/health/live", tag = "health", operation_id = "healthLive",
    responses((status = 200, description = "Alive", body = Health)),
    security(())
)]
async fn live() -> axum::Json<Health> {
    axum::Json(Health {
        status: "ok".into(),
        checks: Default::default(),
    })
}

const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

async fn probe<F, E>(name: &str, f: F) -> String
where
    F: std::future::Future<Output = Result<(), E>>,
    E: std::fmt::Display,
{
    match tokio::time::timeout(PROBE_TIMEOUT, f).await {
        Ok(Ok(())) => "ok".into(),
        Ok(Err(e)) => {
            tracing::warn!(dependency = name, error = %e, "readiness check failed");
            "down".into()
        }
        Err(_) => {
            tracing::warn!(dependency = name, "readiness check timed out");
            "down".into()
        }
    }
}

/// Postgres, Redis and ClickHouse are reachable. 503 names what is down.
///
/// ClickHouse is reported but does not make the server unready: while it
/// is down, usage is spilled to disk and the API keeps serving, so the
/// status is `degraded` (200) rather than `unavailable` (503).
#[utoipa::path(
    get, path = "/health/ready", tag = "health", operation_id = "healthReady",
    responses(
        (status = 200, description = "Ready", body = Health),
        (status = 503, description = "A dependency is down", body = Health),
    ),
    security(())
)]
async fn ready(State(state): State<AppState>) -> (StatusCode, axum::Json<Health>) {
    let pg = probe("postgres", async {
        sqlx::query("SELECT 1").execute(&state.db).await.map(|_| ())
    });
    let redis = probe("redis", state.sessions.ping());
    let clickhouse = probe("clickhouse", crate::metering::ch::ping(&state.clickhouse));
    let (pg, redis, clickhouse) = tokio::join!(pg, redis, clickhouse);
    let checks: std::collections::BTreeMap<String, String> = [
        ("postgres".to_owned(), pg),
        ("redis".to_owned(), redis),
        ("clickhouse".to_owned(), clickhouse),
    ]
    .into();
    let required_ok = ["postgres", "redis"]
        .iter()
        .all(|k| checks.get(*k).is_some_and(|v| v == "ok"));
    let all_ok = checks.values().all(|v| v == "ok");
    let status = if required_ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let word = match (required_ok, all_ok) {
        (true, true) => "ok",
        (true, false) => "degraded",
        (false, _) => "unavailable",
    };
    (
        status,
        axum::Json(Health {
            status: word.into(),
            checks,
        }),
    )
}
