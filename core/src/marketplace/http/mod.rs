//! The marketplace's routes.

mod listings;
mod subscriptions;

use utoipa_axum::router::OpenApiRouter;

use crate::platform::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(listings::routes())
        .merge(subscriptions::routes())
}
