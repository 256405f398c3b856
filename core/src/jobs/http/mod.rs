//! The jobs area's HTTP handlers, one module per resource. They share code
//! only through the area's modules (`jobs::store`, `jobs::rules`), never by
//! importing one another.

pub mod backends;
pub mod jobs;
pub mod quotas;

use utoipa_axum::router::OpenApiRouter;

use crate::platform::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(backends::routes())
        .merge(jobs::routes())
        .merge(quotas::routes())
}
