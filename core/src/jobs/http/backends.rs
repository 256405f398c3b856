//! The backend catalog: platform data every organization reads, none
//! writes (the server's role has SELECT only).

use qhub_lib::page::{Page, PageQuery};
use qhub_lib::ApiError;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::identity::extract::{needs, Scoped, TenantCtx};
use crate::jobs::model::{BackendKind, BackendPage, BackendStatus, BackendView, Connectivity};
use crate::jobs::store::capacity;
use crate::platform::extract::{Path, Query};
use crate::platform::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_backends))
        .routes(routes!(get_backend))
}

struct BackendRow {
    id: Uuid,
    name: String,
    provider: String,
    kind: BackendKind,
    technology: String,
    platform: String,
    status: BackendStatus,
    qubits: i32,
    basis_gates: Vec<String>,
    topology: String,
    coupling_map: Option<serde_json::Value>,
    max_shots: i32,
    max_circuits: i32,
    price_per_second_micros: i64,
    price_per_shot_micros: i64,
    average_queue_seconds: i32,
    description: String,
}

async fn into_view(ctx: &mut TenantCtx, r: BackendRow) -> Result<BackendView, ApiError> {
    let queue = capacity(&mut ctx.tx, r.id).await?.summary();
    Ok(BackendView {
        id: r.id,
        name: r.name,
        provider: r.provider,
        kind: r.kind,
        technology: r.technology,
        platform: r.platform,
        status: r.status,
        qubits: r.qubits,
        basis_gates: r.basis_gates,
        connectivity: Connectivity {
            topology: r.topology,
            coupling_map: r.coupling_map.and_then(|m| serde_json::from_value(m).ok()),
        },
        max_shots: r.max_shots,
        max_circuits: r.max_circuits,
        price_per_second_micros: r.price_per_second_micros,
        price_per_shot_micros: r.price_per_shot_micros,
        cost_per_hour_micros: r.price_per_second_micros.saturating_mul(3600),
        average_queue_seconds: r.average_queue_seconds,
        description: r.description,
        queue,
    })
}

/// List the backends: QHub's simulator (online) and the hardware catalog
/// (listed even when no device is connected), each with its live queue.
#[utoipa::path(
    get, path = "/v1/backends", tag = "jobs", operation_id = "listBackends",
    params(PageQuery),
    responses((status = 200, description = "A page of backends, online first, then by name", body = BackendPage)),
    security(("bearerAuth" = ["jobs:read"]))
)]
async fn list_backends(
    Scoped(mut ctx, _): Scoped<needs::JobsRead>,
    Query(q): Query<PageQuery>,
) -> Result<axum::Json<BackendPage>, ApiError> {
    let page = q.validate()?;
    // A small catalog: ordered by id (a UUIDv7-shaped literal per row) for
    // the cursor.
    let rows = sqlx::query_as!(
        BackendRow,
        r#"SELECT id, name, provider, kind AS "kind: BackendKind", technology, platform,
                  status AS "status: BackendStatus", qubits, basis_gates, topology, coupling_map,
                  max_shots, max_circuits, price_per_second_micros, price_per_shot_micros,
                  average_queue_seconds, description
           FROM backends WHERE ($1::uuid IS NULL OR id > $1) ORDER BY id LIMIT $2"#,
        page.after,
        page.limit + 1
    )
    .fetch_all(&mut *ctx.tx)
    .await?;
    let mut items = Vec::with_capacity(rows.len());
    for r in rows {
        items.push(into_view(&mut ctx, r).await?);
    }
    Ok(axum::Json(Page::from_rows(items, page, |b| b.id).into()))
}

/// Read one backend with its live queue.
#[utoipa::path(
    get, path = "/v1/backends/{id}", tag = "jobs", operation_id = "getBackend",
    params(("id" = Uuid, Path, description = "Backend id")),
    responses((status = 200, description = "The backend", body = BackendView)),
    security(("bearerAuth" = ["jobs:read"]))
)]
async fn get_backend(
    Scoped(mut ctx, _): Scoped<needs::JobsRead>,
    Path(id): Path<Uuid>,
) -> Result<axum::Json<BackendView>, ApiError> {
    let row = sqlx::query_as!(
        BackendRow,
        r#"SELECT id, name, provider, kind AS "kind: BackendKind", technology, platform,
                  status AS "status: BackendStatus", qubits, basis_gates, topology, coupling_map,
                  max_shots, max_circuits, price_per_second_micros, price_per_shot_micros,
                  average_queue_seconds, description
           FROM backends WHERE id = $1"#,
        id
    )
    .fetch_optional(&mut *ctx.tx)
    .await?
    .ok_or_else(|| ApiError::NotFound("no such backend".into()))?;
    Ok(axum::Json(into_view(&mut ctx, row).await?))
}
