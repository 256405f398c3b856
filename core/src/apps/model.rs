//! What the apps API answers with, and the closed sets of names it takes.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

qhub_lib::text_enum! {
    /// What kind of quantum app this is.
    pub enum AppType {
        Algorithm = "algorithm",
        Application = "application",
        Library = "library",
        Circuit = "circuit",
    }
}

qhub_lib::text_enum! {
    /// `private`: only the organization. `public`: may be published to the
    /// registry.
    pub enum Visibility { Private = "private", Public = "public" }
}

qhub_lib::text_enum! {
    /// `draft` until a version is published; `deprecated` by the owner.
    pub enum AppStatus { Draft = "draft", Published = "published", Deprecated = "deprecated" }
}

qhub_lib::text_enum! {
    /// The SDK or language a version is written for.
    pub enum Sdk {
        Openqasm2 = "openqasm2",
        Openqasm3 = "openqasm3",
        Qiskit = "qiskit",
        Cirq = "cirq",
        Pennylane = "pennylane",
        Braket = "braket",
        Qsharp = "qsharp",
        Other = "other",
    }
}

qhub_lib::text_enum! {
    /// `draft` (editable), `published` (immutable), `yanked` (published,
    /// hidden from new downloads).
    pub enum VersionStatus { Draft = "draft", Published = "published", Yanked = "yanked" }
}

qhub_lib::text_enum! {
    /// Registry order. `relevance` needs `q`.
    pub enum RegistrySort {
        Relevance = "relevance",
        Downloads = "downloads",
        Rating = "rating",
        Recent = "recent",
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ProjectView {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    pub repository_url: Option<String>,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

qhub_lib::page_of!(ProjectPage, ProjectView);

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AppView {
    pub id: Uuid,
    /// The project it was released from, if any.
    pub project_id: Option<Uuid>,
    pub name: String,
    pub slug: String,
    pub description: String,
    #[serde(rename = "type")]
    pub app_type: AppType,
    pub visibility: Visibility,
    /// SPDX license id.
    pub license: Option<String>,
    pub documentation_url: Option<String>,
    pub repository_url: Option<String>,
    /// Markdown.
    pub readme: String,
    pub tags: Vec<String>,
    pub status: AppStatus,
    /// Listed in the public registry (public and published there).
    pub in_registry: bool,
    pub registry_published_at: Option<DateTime<Utc>>,
    /// The version marked `is_latest`, if any.
    pub latest_version: Option<String>,
    pub downloads: i64,
    pub views: i64,
    /// Mean of the reviews' ratings; null without reviews.
    pub rating_average: Option<f64>,
    pub rating_count: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

qhub_lib::page_of!(AppPage, AppView);

/// A version's package in object storage.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PackageInfo {
    /// Bytes.
    pub size: i64,
    /// Lower-case hex sha256 of the bytes.
    #[schema(pattern = "^[0-9a-f]{64}$")]
    pub sha256: String,
    pub uploaded_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct VersionView {
    pub id: Uuid,
    pub app_id: Uuid,
    /// Semantic version.
    pub version: String,
    pub sdk: Sdk,
    pub qubits: i32,
    pub input_schema: Option<serde_json::Value>,
    pub output_schema: Option<serde_json::Value>,
    pub release_notes: String,
    pub status: VersionStatus,
    /// The highest published, unyanked release (a prerelease only while no
    /// release exists).
    pub is_latest: bool,
    pub package: Option<PackageInfo>,
    pub downloads: i64,
    pub published_at: Option<DateTime<Utc>>,
    pub yanked_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

qhub_lib::page_of!(VersionPage, VersionView);

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DocView {
    pub id: Uuid,
    pub app_id: Uuid,
    pub title: String,
    pub markdown: String,
    /// Pages are listed by this, then by creation.
    pub order: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

qhub_lib::page_of!(DocPage, DocView);

/// An app as the registry lists it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RegistryAppSummary {
    pub id: Uuid,
    pub name: String,
    pub slug: String,
    /// The publishing organization's name.
    pub publisher: String,
    pub description: String,
    #[serde(rename = "type")]
    pub app_type: AppType,
    pub license: Option<String>,
    pub tags: Vec<String>,
    /// SDKs of its published versions.
    pub sdks: Vec<Sdk>,
    pub latest_version: Option<String>,
    pub downloads: i64,
    pub rating_average: Option<f64>,
    pub rating_count: i64,
    pub deprecated: bool,
    pub published_at: Option<DateTime<Utc>>,
}

/// One page of registry results. `next_cursor` continues the same search.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RegistryPage {
    pub items: Vec<RegistryAppSummary>,
    /// Pass as `cursor` (with the same filters) for the next page; null on
    /// the last page.
    pub next_cursor: Option<String>,
}

/// A published version as the registry shows it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RegistryVersion {
    pub id: Uuid,
    pub version: String,
    pub sdk: Sdk,
    pub qubits: i32,
    pub is_latest: bool,
    /// Yanked: listed, but not downloadable.
    pub yanked: bool,
    pub release_notes: String,
    pub input_schema: Option<serde_json::Value>,
    pub output_schema: Option<serde_json::Value>,
    pub package_size: Option<i64>,
    pub sha256: Option<String>,
    pub downloads: i64,
    pub published_at: Option<DateTime<Utc>>,
}

/// A registry app's page.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RegistryApp {
    #[serde(flatten)]
    pub summary: RegistryAppSummary,
    pub readme: String,
    pub documentation_url: Option<String>,
    pub repository_url: Option<String>,
    pub views: i64,
    /// Highest version first.
    pub versions: Vec<RegistryVersion>,
    pub docs: Vec<DocView>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReviewView {
    pub id: Uuid,
    pub app_id: Uuid,
    pub rating: i16,
    pub title: String,
    pub content: String,
    /// The reviewer's display name.
    pub author_name: String,
    /// Written by the caller.
    pub mine: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

qhub_lib::page_of!(ReviewPage, ReviewView);

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MetricsDay {
    pub day: NaiveDate,
    pub views: i64,
    pub downloads: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AppMetrics {
    pub app_id: Uuid,
    /// All-time totals.
    pub views: i64,
    pub downloads: i64,
    pub rating_average: Option<f64>,
    pub rating_count: i64,
    /// Each day of the range, zeros included, oldest first.
    pub days: Vec<MetricsDay>,
}

pub fn rating_average(sum: i64, count: i64) -> Option<f64> {
    (count > 0).then(|| (sum as f64 / count as f64 * 100.0).round() / 100.0)
}
