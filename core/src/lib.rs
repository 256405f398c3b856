//! QHub core: the axum server.

pub mod app;
pub mod audit;
pub mod auth;
pub mod cache;
pub mod config;
pub mod db;
pub mod extract;
pub mod mail;
pub mod middleware;
pub mod openapi;
pub mod ratelimit;
pub mod routes;
pub mod state;
pub mod telemetry;
pub mod usage;
pub mod validate;
