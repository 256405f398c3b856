//! Identity's HTTP handlers, one module per resource. Each module's
//! `routes()` collects its handlers with `utoipa_axum::routes!`, so a route
//! cannot exist without its OpenAPI description. Handlers share code only
//! through the area's modules (`identity::users`, `::issue`, …), never by
//! importing one another.

pub mod account;
pub mod api_keys;
pub mod auth;
pub mod invitations;
pub mod profile;
pub mod tenants;
pub mod users;

use utoipa_axum::router::OpenApiRouter;

use crate::platform::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(tenants::routes())
        .merge(auth::routes())
        .merge(profile::routes())
        .merge(users::routes())
        .merge(account::routes())
        .merge(api_keys::routes())
        .merge(invitations::routes())
}
