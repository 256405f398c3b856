//! QHub core: the axum server, organised by area (see docs/architecture.md).
//!
//! - `platform`: HTTP stack, configuration, state, tenancy, cache, rate
//!   limits, input rules, mail outbox, telemetry, OpenAPI.
//! - `identity`: tenants, users, sessions, API keys, invitations, account
//!   flows, profile.
//! - `metering`: the usage pipeline and its analytics.
//! - `audit`: the audit log.
//! - `apps`: projects, apps, versions, the registry.
//! - `jobs`: backends, jobs on a fair queue, workers on the simulator.
//! - `marketplace`: listings, subscriptions, subscription keys, scheduler.
//! - `billing`: the period close, bills, invoices, statements.
//! - `notifications`: per-user notifications, mail preferences, live stream.
//! - `api`: the composition root that puts the areas' routes together.

pub mod api;
pub mod apps;
pub mod audit;
pub mod billing;
pub mod identity;
pub mod jobs;
pub mod marketplace;
pub mod metering;
pub mod notifications;
pub mod platform;

// The paths the binary, tests and benches use.
pub use platform::{app, config, openapi, ratelimit, state, telemetry, tenancy};
