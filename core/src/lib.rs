//! QHub core: the axum server.

pub mod app;
pub mod auth;
pub mod config;
pub mod db;
pub mod extract;
pub mod middleware;
pub mod openapi;
pub mod routes;
pub mod state;
pub mod telemetry;
pub mod validate;
