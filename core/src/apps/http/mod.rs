//! The apps area's HTTP handlers, one module per resource. They share code
//! only through the area's modules (`apps::store`, `apps::rules`,
//! `apps::storage`), never by importing one another.

pub mod apps;
pub mod docs;
pub mod metrics;
pub mod projects;
pub mod registry;
pub mod versions;

use utoipa_axum::router::OpenApiRouter;

use crate::platform::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(projects::routes())
        .merge(apps::routes())
        .merge(versions::routes())
        .merge(docs::routes())
        .merge(metrics::routes())
        .merge(registry::routes())
}
