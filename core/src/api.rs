//! The composition root: every area's routes in one router. The only
//! module that names the areas' HTTP modules; the platform receives the
//! result (`platform::openapi::split`) and never imports them itself.

use utoipa_axum::router::OpenApiRouter;

use crate::platform::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(crate::platform::http::health::routes())
        .merge(crate::identity::http::routes())
        .merge(crate::audit::http::routes())
        .merge(crate::metering::http::routes())
        .merge(crate::apps::http::routes())
        .merge(crate::jobs::http::routes())
        .merge(crate::marketplace::http::routes())
        .merge(crate::billing::http::routes())
        .merge(crate::notifications::http::routes())
        .merge(crate::platform::http::metrics::routes())
        .merge(crate::platform::http::spec::routes())
}
