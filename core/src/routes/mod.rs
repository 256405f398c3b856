//! HTTP handlers, one module per resource. Each module's `routes()` collects
//! its handlers with `utoipa_axum::routes!`, so a route cannot exist without
//! its OpenAPI description.

pub mod account;
pub mod api_keys;
pub mod audit;
pub mod auth;
pub mod health;
pub mod invitations;
pub mod metrics;
pub mod profile;
pub mod tenants;
pub mod usage;
pub mod users;

use utoipa_axum::router::OpenApiRouter;

use crate::state::AppState;

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(health::routes())
        .merge(tenants::routes())
        .merge(auth::routes())
        .merge(profile::routes())
        .merge(users::routes())
        .merge(account::routes())
        .merge(api_keys::routes())
        .merge(invitations::routes())
        .merge(audit::routes())
        .merge(usage::routes())
        .merge(metrics::routes())
}
