//! The platform every area stands on: the HTTP stack (router, middleware,
//! extractors, errors to problem+json), configuration and state, tenancy
//! (the one way into a tenant's rows), cache, rate limits, input rules, the
//! mail outbox, telemetry and the OpenAPI document. Platform code never
//! imports an area's HTTP module.

pub mod app;
pub mod cache;
pub mod config;
pub mod extract;
pub mod http;
pub mod mail;
pub mod middleware;
pub mod openapi;
pub mod ranked;
pub mod ratelimit;
pub mod state;
pub mod telemetry;
pub mod tenancy;
pub mod validate;
