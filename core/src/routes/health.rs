//! Liveness and readiness probes (no authentication, no tenant data).

use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(live))
        .routes(routes!(ready))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Health {
    /// `ok` or `unavailable`.
    pub status: String,
    /// Each dependency and its state: `ok` or `down` (the reason is logged, not shown).
    #[schema(value_type = Object, example = json!({"postgres": "ok", "redis": "ok"}))]
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

/// Postgres and Redis are reachable. 503 names what is down.
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
    let (pg, redis) = tokio::join!(pg, redis);
    let checks: std::collections::BTreeMap<String, String> =
        [("postgres".to_owned(), pg), ("redis".to_owned(), redis)].into();
    let ok = checks.values().all(|v| v == "ok");
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        axum::Json(Health {
            status: if ok { "ok" } else { "unavailable" }.into(),
            checks,
        }),
    )
}
