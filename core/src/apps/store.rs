//! Rows the apps handlers share: an organization's own app and version,
//! read with the columns their views need. "Own" is explicit (`tenant_id`
//! of the principal) on top of RLS, because the registry policies also let
//! every organization *read* published apps: the management endpoints must
//! still answer 404 for them.

use chrono::{DateTime, Utc};
use qhub_lib::ApiError;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::apps::model::{
    rating_average, AppStatus, AppType, AppView, PackageInfo, Sdk, VersionStatus, VersionView,
    Visibility,
};

pub struct AppRow {
    pub id: Uuid,
    pub project_id: Option<Uuid>,
    pub name: String,
    pub slug: String,
    pub description: String,
    pub app_type: AppType,
    pub visibility: Visibility,
    pub license: Option<String>,
    pub documentation_url: Option<String>,
    pub repository_url: Option<String>,
    pub readme: String,
    pub tags: Vec<String>,
    pub status: AppStatus,
    pub registry_published_at: Option<DateTime<Utc>>,
    pub latest_version: Option<String>,
    pub downloads: i64,
    pub views: i64,
    pub rating_sum: i64,
    pub rating_count: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<AppRow> for AppView {
    fn from(r: AppRow) -> AppView {
        AppView {
            id: r.id,
            project_id: r.project_id,
            name: r.name,
            slug: r.slug,
            description: r.description,
            app_type: r.app_type,
            visibility: r.visibility,
            license: r.license,
            documentation_url: r.documentation_url,
            repository_url: r.repository_url,
            readme: r.readme,
            tags: r.tags,
            status: r.status,
            in_registry: r.visibility == Visibility::Public && r.registry_published_at.is_some(),
            registry_published_at: r.registry_published_at,
            latest_version: r.latest_version,
            downloads: r.downloads,
            views: r.views,
            rating_average: rating_average(r.rating_sum, r.rating_count),
            rating_count: r.rating_count,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

pub fn app_not_found() -> ApiError {
    ApiError::NotFound("no such app".into())
}

pub fn version_not_found() -> ApiError {
    ApiError::NotFound("no such version".into())
}

/// The organization's own app (404 for anyone else's, even a published
/// one). `lock` takes the row lock, for writes that depend on its state.
pub async fn own_app(
    conn: &mut PgConnection,
    tenant: Uuid,
    id: Uuid,
    lock: bool,
) -> Result<AppView, ApiError> {
    let row = if lock {
        sqlx::query_as!(
            AppRow,
            r#"SELECT id, project_id, name, slug, description, app_type AS "app_type: AppType",
                      visibility AS "visibility: Visibility", license, documentation_url,
                      repository_url, readme, tags, status AS "status: AppStatus",
                      registry_published_at, latest_version, downloads, views, rating_sum,
                      rating_count, created_at, updated_at
               FROM apps WHERE id = $1 AND tenant_id = $2 FOR UPDATE"#,
            id,
            tenant
        )
        .fetch_optional(&mut *conn)
        .await?
    } else {
        sqlx::query_as!(
            AppRow,
            r#"SELECT id, project_id, name, slug, description, app_type AS "app_type: AppType",
                      visibility AS "visibility: Visibility", license, documentation_url,
                      repository_url, readme, tags, status AS "status: AppStatus",
                      registry_published_at, latest_version, downloads, views, rating_sum,
                      rating_count, created_at, updated_at
               FROM apps WHERE id = $1 AND tenant_id = $2"#,
            id,
            tenant
        )
        .fetch_optional(&mut *conn)
        .await?
    };
    row.map(AppView::from).ok_or_else(app_not_found)
}

pub struct VersionRow {
    pub id: Uuid,
    pub app_id: Uuid,
    pub version: String,
    pub sdk: Sdk,
    pub qubits: i32,
    pub input_schema: Option<serde_json::Value>,
    pub output_schema: Option<serde_json::Value>,
    pub release_notes: String,
    pub status: VersionStatus,
    pub is_latest: bool,
    pub package_key: Option<String>,
    pub package_size: Option<i64>,
    pub package_sha256: Option<String>,
    pub package_uploaded_at: Option<DateTime<Utc>>,
    pub downloads: i64,
    pub published_at: Option<DateTime<Utc>>,
    pub yanked_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<VersionRow> for VersionView {
    fn from(r: VersionRow) -> VersionView {
        let package = match (r.package_size, r.package_sha256, r.package_uploaded_at) {
            (Some(size), Some(sha256), Some(uploaded_at)) => Some(PackageInfo {
                size,
                sha256,
                uploaded_at,
            }),
            _ => None,
        };
        VersionView {
            id: r.id,
            app_id: r.app_id,
            version: r.version,
            sdk: r.sdk,
            qubits: r.qubits,
            input_schema: r.input_schema,
            output_schema: r.output_schema,
            release_notes: r.release_notes,
            status: r.status,
            is_latest: r.is_latest,
            package,
            downloads: r.downloads,
            published_at: r.published_at,
            yanked_at: r.yanked_at,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// A version of the organization's own app (404 otherwise).
pub async fn own_version(
    conn: &mut PgConnection,
    tenant: Uuid,
    app: Uuid,
    id: Uuid,
) -> Result<VersionRow, ApiError> {
    sqlx::query_as!(
        VersionRow,
        r#"SELECT id, app_id, version, sdk AS "sdk: Sdk", qubits, input_schema, output_schema,
                  release_notes, status AS "status: VersionStatus", is_latest, package_key,
                  package_size, package_sha256, package_uploaded_at, downloads, published_at,
                  yanked_at, created_at, updated_at
           FROM app_versions WHERE id = $1 AND app_id = $2 AND tenant_id = $3"#,
        id,
        app,
        tenant
    )
    .fetch_optional(conn)
    .await?
    .ok_or_else(version_not_found)
}

/// `ETag`, `Digest` and `Repr-Digest` for a package's sha256 (hex), and
/// whether `If-None-Match` already names it.
pub fn digest_headers(sha256_hex: &str) -> [(axum::http::HeaderName, String); 3] {
    use base64::Engine;
    let b64 = hex::decode(sha256_hex)
        .map(|raw| base64::engine::general_purpose::STANDARD.encode(raw))
        .unwrap_or_default();
    [
        (axum::http::header::ETAG, format!("\"{sha256_hex}\"")),
        (
            axum::http::HeaderName::from_static("digest"),
            format!("sha-256={b64}"),
        ),
        (
            axum::http::HeaderName::from_static("repr-digest"),
            format!("sha-256=:{b64}:"),
        ),
    ]
}

/// A package response: the stored bytes streamed, with their digests.
pub async fn package_response(
    packages: &crate::apps::storage::Packages,
    key: &str,
    size: i64,
    sha256: &str,
    filename: &str,
    if_none_match: Option<&axum::http::HeaderValue>,
) -> Result<axum::response::Response, ApiError> {
    use axum::http::{header, StatusCode};
    use axum::response::IntoResponse;
    let etag = format!("\"{sha256}\"");
    let matches = if_none_match
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let mut headers = axum::http::HeaderMap::new();
    for (name, value) in digest_headers(sha256) {
        if let Ok(v) = axum::http::HeaderValue::from_str(&value) {
            headers.insert(name, v);
        }
    }
    if matches {
        return Ok((StatusCode::NOT_MODIFIED, headers).into_response());
    }
    let stream = packages.get(key).await?;
    headers.insert(
        header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("application/octet-stream"),
    );
    headers.insert(header::CONTENT_LENGTH, axum::http::HeaderValue::from(size));
    if let Ok(v) =
        axum::http::HeaderValue::from_str(&format!("attachment; filename=\"{filename}\""))
    {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok((
        StatusCode::OK,
        headers,
        axum::body::Body::from_stream(stream),
    )
        .into_response())
}
