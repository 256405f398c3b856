//! The platform's own endpoints: health probes, metrics, the API document.

pub mod health;
pub mod metrics;
pub mod spec;
