//! Quantum jobs: the backend catalog, OpenQASM jobs on a fair multi-tenant
//! queue, workers that run them on QHub's simulator (`qhub-sim`), results,
//! metering and quotas. `docs/jobs.md` is the contract; the schema, its
//! policies and the queue's SECURITY DEFINER entry points are
//! `migrations/20261130000002_jobs.sql`.
//!
//! - `model`: the views the API answers with and the closed sets of names.
//! - `rules`: what a submission must satisfy (fields, program, limits).
//! - `store`: the rows the handlers share; queue positions and estimates.
//! - `worker`: claims, leases, runs and finishes jobs; meters them.
//! - `http/`: the handlers.

pub mod http;
pub mod model;
pub mod rules;
pub mod store;
pub mod worker;
