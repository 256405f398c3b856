//! Quantum apps: projects, apps, versions with packages in object storage,
//! documentation pages, the public registry with search and reviews, and
//! per-day metrics. `docs/apps.md` is the contract; the schema and its
//! policies are `migrations/20261130000001_apps.sql`.
//!
//! - `model`: the views the API answers with and the closed sets of names.
//! - `rules`: input rules (slug, tags, SPDX license, URLs, semver, JSON
//!   Schema) and `refresh_latest`, which keeps `is_latest`.
//! - `storage`: packages in object storage (local filesystem or S3).
//! - `store`: the rows the handlers share (own app, own version).
//! - `garbage`: objects no row points to any more are deleted.
//! - `http/`: the handlers.

pub mod garbage;
pub mod http;
pub mod model;
pub mod rules;
pub mod storage;
pub mod store;
