//! The public registry: every organization's published apps, searched,
//! read, downloaded and reviewed by all. Reads go through the SELECT-only
//! `registry_read` policies; the publisher's counters change only through
//! the SECURITY DEFINER counting functions; reviews are the reviewer's own
//! rows.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use qhub_lib::error::on_constraint;
use qhub_lib::page::{Page, PageQuery};
use qhub_lib::usage::{PrincipalKind, UsageEvent, UsageKind};
use qhub_lib::ApiError;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::apps::model::{
    rating_average, AppStatus, AppType, DocView, RegistryApp, RegistryAppSummary, RegistryPage,
    RegistrySort, RegistryVersion, ReviewPage, ReviewView, Sdk, VersionStatus,
};
use crate::apps::rules::{self, MAX_REVIEW};
use crate::apps::store::package_response;
use crate::audit::{Diff, Event};
use crate::identity::extract::{needs, Scoped};
use crate::platform::extract::{Json, Path, Query};
use crate::platform::ranked::RankedPage;
use crate::platform::state::AppState;
use crate::platform::validate::{self, Checks};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(search_registry))
        .routes(routes!(get_registry_app))
        .routes(routes!(download_registry_app))
        .routes(routes!(list_reviews, create_review))
        .routes(routes!(update_review, delete_review))
}

fn not_in_registry() -> ApiError {
    ApiError::NotFound("no such app in the registry".into())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RegistryQuery {
    /// Search text: ranked full-text search over name, tags and
    /// description (name counts most), tolerant of typos in names and tags.
    #[param(value_type = Option<crate::platform::validate::schema::SearchText>)]
    pub q: Option<String>,
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub app_type: Option<AppType>,
    /// Only apps with a published version for this SDK.
    pub sdk: Option<Sdk>,
    #[param(value_type = Option<crate::apps::rules::Tag>)]
    pub tag: Option<String>,
    /// An SPDX license id.
    #[param(value_type = Option<String>, max_length = 64, pattern = "^[A-Za-z0-9][A-Za-z0-9.+-]{0,63}$")]
    pub license: Option<String>,
    /// Default `relevance` with `q`, `recent` without.
    pub sort: Option<RegistrySort>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page (with the same filters).
    #[param(pattern = "^(o([0-9]{1,4}|10000))?$")]
    pub cursor: Option<String>,
}

struct SummaryRow {
    id: Uuid,
    name: String,
    slug: String,
    publisher: String,
    description: String,
    app_type: AppType,
    license: Option<String>,
    tags: Vec<String>,
    sdks: Vec<String>,
    latest_version: Option<String>,
    downloads: i64,
    rating_sum: i64,
    rating_count: i64,
    status: AppStatus,
    registry_published_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl From<SummaryRow> for RegistryAppSummary {
    fn from(r: SummaryRow) -> Self {
        RegistryAppSummary {
            id: r.id,
            name: r.name,
            slug: r.slug,
            publisher: r.publisher,
            description: r.description,
            app_type: r.app_type,
            license: r.license,
            tags: r.tags,
            sdks: r.sdks.iter().filter_map(|s| Sdk::parse(s)).collect(),
            latest_version: r.latest_version,
            downloads: r.downloads,
            rating_average: rating_average(r.rating_sum, r.rating_count),
            rating_count: r.rating_count,
            deprecated: r.status == AppStatus::Deprecated,
            published_at: r.registry_published_at,
        }
    }
}

/// Search the registry.
#[utoipa::path(
    get, path = "/v1/registry", tag = "registry", operation_id = "searchRegistry",
    params(RegistryQuery),
    responses((status = 200, description = "A page of registry apps, best first", body = RegistryPage)),
    security(("bearerAuth" = ["apps:read"]))
)]
async fn search_registry(
    Scoped(mut ctx, _): Scoped<needs::AppsRead>,
    Query(f): Query<RegistryQuery>,
) -> Result<axum::Json<RegistryPage>, ApiError> {
    let mut checks = Checks::default();
    let text = validate::search_text(f.q.as_deref(), &mut checks);
    let page = RankedPage::parse(f.limit, f.cursor.as_deref(), &mut checks);
    if f.tag.as_deref().is_some_and(|t| !rules::tag(t)) {
        checks.check("tag", Some("is not a tag (a-z, 0-9 and '-', at most 32)"));
    }
    if f.license
        .as_deref()
        .is_some_and(|l| rules::license(l).is_err())
    {
        checks.check("license", Some("must be an SPDX license identifier"));
    }
    checks.finish()?;
    let sort = match (f.sort, &text) {
        (Some(RegistrySort::Relevance), None) | (None, None) => RegistrySort::Recent,
        (Some(s), _) => s,
        (None, Some(_)) => RegistrySort::Relevance,
    };
    let tsquery = match &text {
        Some(t) => Some(corrected_query(&mut ctx.tx, t).await?),
        None => None,
    };
    let rows = sqlx::query_as!(
        SummaryRow,
        r#"WITH query AS (
               SELECT CASE WHEN $1::text IS NULL THEN NULL
                           ELSE to_tsquery('english', $1) END AS tsq)
           SELECT a.id, a.name, a.slug, coalesce(a.publisher_name, '') AS "publisher!",
                  a.description, a.app_type AS "app_type: AppType", a.license, a.tags, a.sdks,
                  a.latest_version, a.downloads, a.rating_sum, a.rating_count,
                  a.status AS "status: AppStatus", a.registry_published_at
           FROM apps a, query
           WHERE a.visibility = 'public' AND a.registry_published_at IS NOT NULL
             AND ($1::text IS NULL OR a.search @@ query.tsq)
             AND ($2::text IS NULL OR a.app_type = $2)
             AND ($3::text IS NULL OR a.sdks @> ARRAY[$3::text])
             AND ($4::text IS NULL OR a.tags @> ARRAY[$4::text])
             AND ($5::text IS NULL OR a.license = $5)
           ORDER BY
             CASE WHEN $6 = 'relevance' THEN ts_rank_cd(a.search, query.tsq, 32) END
                  DESC NULLS LAST,
             CASE WHEN $6 = 'downloads' THEN a.downloads END DESC NULLS LAST,
             CASE WHEN $6 = 'rating' THEN a.rating_sum::float8 / NULLIF(a.rating_count, 0) END
                  DESC NULLS LAST,
             CASE WHEN $6 = 'rating' THEN a.rating_count END DESC NULLS LAST,
             a.registry_published_at DESC, a.id DESC
           LIMIT $7 OFFSET $8"#,
        tsquery,
        f.app_type.map(AppType::as_str),
        f.sdk.map(Sdk::as_str),
        f.tag,
        f.license,
        sort.as_str(),
        page.fetch(),
        page.offset,
    )
    .fetch_all(&mut *ctx.tx)
    .await?;
    let mut items: Vec<RegistryAppSummary> = rows.into_iter().map(Into::into).collect();
    let next_cursor = page.finish(&mut items);
    Ok(axum::Json(RegistryPage { items, next_cursor }))
}

/// Longest search word corrected, and how many words of a search count.
const MAX_WORDS: usize = 8;

/// The search as a `to_tsquery` text: its words ANDed, each ORed with up
/// to three close words of the registry's dictionary (`registry_words`,
/// pg_trgm similarity) so a misspelling still finds what it meant, while
/// the search itself stays an indexed full-text match ranked by weight
/// (name, then tags, then description). Words are `[a-z0-9]+` only, so the
/// text cannot carry tsquery syntax.
async fn corrected_query(conn: &mut sqlx::PgConnection, text: &str) -> Result<String, ApiError> {
    let words: Vec<String> = text
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty() && w.len() <= 40)
        .take(MAX_WORDS)
        .map(str::to_owned)
        .collect();
    if words.is_empty() {
        // Nothing searchable (e.g. only punctuation): an empty query,
        // which matches nothing.
        return Ok(String::new());
    }
    let near = sqlx::query!(
        r#"SELECT w AS "word!",
                  ARRAY(SELECT r.word FROM registry_words r
                        WHERE char_length(w) >= 4 AND r.word % w AND r.word <> w
                        ORDER BY r.word <-> w, r.word LIMIT 3) AS "near!"
           FROM unnest($1::text[]) AS w"#,
        &words
    )
    .fetch_all(conn)
    .await?;
    Ok(near
        .into_iter()
        .map(|n| {
            let mut alts = vec![n.word];
            alts.extend(n.near.into_iter().filter(|w| {
                w.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            }));
            format!("({})", alts.join(" | "))
        })
        .collect::<Vec<_>>()
        .join(" & "))
}

/// A registry app as one read gives it: its page's columns and the
/// publishing organization (never sent; for its usage and the own-app rule).
struct RegistryRow {
    summary: SummaryRow,
    publisher_tenant: Uuid,
    readme: String,
    documentation_url: Option<String>,
    repository_url: Option<String>,
    views: i64,
}

/// A registry app, or 404 if it is not in the registry.
async fn registry_app(conn: &mut sqlx::PgConnection, id: Uuid) -> Result<RegistryRow, ApiError> {
    let r = sqlx::query!(
        r#"SELECT a.id, a.name, a.slug, coalesce(a.publisher_name, '') AS "publisher!",
                  a.description, a.app_type AS "app_type: AppType", a.license, a.tags, a.sdks,
                  a.latest_version, a.downloads, a.rating_sum, a.rating_count,
                  a.status AS "status: AppStatus", a.registry_published_at, a.readme,
                  a.documentation_url, a.repository_url, a.views, a.tenant_id
           FROM apps a
           WHERE a.id = $1 AND a.visibility = 'public' AND a.registry_published_at IS NOT NULL"#,
        id
    )
    .fetch_optional(conn)
    .await?
    .ok_or_else(not_in_registry)?;
    Ok(RegistryRow {
        summary: SummaryRow {
            id: r.id,
            name: r.name,
            slug: r.slug,
            publisher: r.publisher,
            description: r.description,
            app_type: r.app_type,
            license: r.license,
            tags: r.tags,
            sdks: r.sdks,
            latest_version: r.latest_version,
            downloads: r.downloads,
            rating_sum: r.rating_sum,
            rating_count: r.rating_count,
            status: r.status,
            registry_published_at: r.registry_published_at,
        },
        publisher_tenant: r.tenant_id,
        readme: r.readme,
        documentation_url: r.documentation_url,
        repository_url: r.repository_url,
        views: r.views,
    })
}

/// An event on the publisher's usage (its analytics show views and
/// downloads of its apps); the viewer is not identified to the publisher.
fn publisher_event(
    state: &AppState,
    publisher: Uuid,
    kind: &str,
    app: Uuid,
    version: Option<&str>,
) {
    let mut dimensions = BTreeMap::from([("app".to_owned(), app.to_string())]);
    if let Some(v) = version {
        dimensions.insert("version".to_owned(), v.to_owned());
    }
    state.usage.record(UsageEvent {
        event_id: Uuid::now_v7(),
        tenant_id: publisher,
        principal_kind: PrincipalKind::User,
        principal_id: Uuid::nil(),
        at: chrono::Utc::now(),
        kind: UsageKind::Metered {
            kind: kind.to_owned(),
            quantities: BTreeMap::from([("count".to_owned(), 1.0)]),
            dimensions,
        },
    });
}

/// A registry app's page: the summary, readme, published versions
/// (highest first; yanked ones marked) and documentation. Counts a view.
#[utoipa::path(
    get, path = "/v1/registry/{app_id}", tag = "registry", operation_id = "getRegistryApp",
    params(("app_id" = Uuid, Path, description = "App id")),
    responses((status = 200, description = "The app's registry page", body = RegistryApp)),
    security(("bearerAuth" = ["apps:read"]))
)]
async fn get_registry_app(
    State(state): State<AppState>,
    Scoped(mut ctx, _): Scoped<needs::AppsRead>,
    Path(app_id): Path<Uuid>,
) -> Result<axum::Json<RegistryApp>, ApiError> {
    let app = registry_app(&mut ctx.tx, app_id).await?;
    let versions = sqlx::query!(
        r#"SELECT id, version, sdk AS "sdk: Sdk", qubits, is_latest,
                  status AS "status: VersionStatus", release_notes, input_schema, output_schema,
                  package_size, package_sha256, downloads, published_at
           FROM app_versions WHERE app_id = $1 AND status IN ('published', 'yanked')"#,
        app_id
    )
    .fetch_all(&mut *ctx.tx)
    .await?;
    let mut versions: Vec<RegistryVersion> = versions
        .into_iter()
        .map(|v| RegistryVersion {
            id: v.id,
            version: v.version,
            sdk: v.sdk,
            qubits: v.qubits,
            is_latest: v.is_latest,
            yanked: v.status == VersionStatus::Yanked,
            release_notes: v.release_notes,
            input_schema: v.input_schema,
            output_schema: v.output_schema,
            package_size: v.package_size,
            sha256: v.package_sha256,
            downloads: v.downloads,
            published_at: v.published_at,
        })
        .collect();
    versions.sort_by(|a, b| {
        semver::Version::parse(&b.version)
            .ok()
            .cmp(&semver::Version::parse(&a.version).ok())
    });
    let docs = sqlx::query_as!(
        DocView,
        r#"SELECT id, app_id, title, markdown, position AS "order", created_at, updated_at
           FROM app_docs WHERE app_id = $1 ORDER BY position, id LIMIT 200"#,
        app_id
    )
    .fetch_all(&mut *ctx.tx)
    .await?;
    sqlx::query_scalar!("SELECT app.registry_count_view($1)", app_id)
        .fetch_one(&mut *ctx.tx)
        .await?;
    ctx.commit().await?;
    publisher_event(&state, app.publisher_tenant, "app.view", app_id, None);
    Ok(axum::Json(RegistryApp {
        summary: app.summary.into(),
        readme: app.readme,
        documentation_url: app.documentation_url,
        repository_url: app.repository_url,
        views: app.views + 1,
        versions,
        docs,
    }))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DownloadRequest {
    /// A published version; default the latest.
    #[serde(default)]
    #[schema(value_type = Option<crate::apps::rules::SemVer>)]
    pub version: Option<String>,
}

/// Download a registry app's package (the latest version, or a named
/// one). Counts exactly one download, and gives the caller's organization
/// the right to review the app.
#[utoipa::path(
    post, path = "/v1/registry/{app_id}/download", tag = "registry", operation_id = "downloadRegistryApp",
    params(("app_id" = Uuid, Path, description = "App id")),
    request_body(content = Option<DownloadRequest>, description = "Optional: the version"),
    responses(
        (status = 200, description = "The package bytes, with `ETag`, `Digest` and `Repr-Digest` (sha-256)", body = crate::apps::rules::PackageBytes, content_type = "application/octet-stream",
         headers(("ETag" = String, description = "Quoted hex sha256"), ("Digest" = String, description = "sha-256=<base64>"), ("Repr-Digest" = String, description = "sha-256=:<base64>:"))),
        (status = 404, description = "Not in the registry, no such version, or the version was yanked", body = qhub_lib::Problem, content_type = "application/problem+json"),
    ),
    security(("bearerAuth" = ["apps:read"]))
)]
async fn download_registry_app(
    State(state): State<AppState>,
    Scoped(mut ctx, _): Scoped<needs::AppsRead>,
    Path(app_id): Path<Uuid>,
    body: Option<Json<DownloadRequest>>,
) -> Result<Response, ApiError> {
    let req = body.map(|Json(r)| r).unwrap_or_default();
    let wanted = match req.version.as_deref().map(rules::semver) {
        Some(Err(why)) => {
            return Err(ApiError::validation(vec![qhub_lib::FieldError::new(
                "version", why,
            )]))
        }
        Some(Ok(v)) => Some(v.to_string()),
        None => None,
    };
    let app = registry_app(&mut ctx.tx, app_id).await?;
    let v = sqlx::query!(
        r#"SELECT id, version, status AS "status: VersionStatus", package_key, package_size,
                  package_sha256
           FROM app_versions
           WHERE app_id = $1 AND status IN ('published', 'yanked')
             AND (($2::text IS NULL AND is_latest) OR version = $2)"#,
        app_id,
        wanted
    )
    .fetch_optional(&mut *ctx.tx)
    .await?
    .ok_or_else(|| match &wanted {
        Some(w) => ApiError::NotFound(format!("the app has no published version {w}")),
        None => ApiError::NotFound("the app has no downloadable version".into()),
    })?;
    if v.status == VersionStatus::Yanked {
        return Err(ApiError::NotFound(format!(
            "version {} was yanked and cannot be downloaded",
            v.version
        )));
    }
    let (Some(key), Some(size), Some(sha)) = (v.package_key, v.package_size, v.package_sha256)
    else {
        return Err(ApiError::NotFound("the version has no package".into()));
    };
    let counted = sqlx::query_scalar!(
        r#"SELECT app.registry_count_download($1, $2) AS "counted!""#,
        app_id,
        v.id
    )
    .fetch_one(&mut *ctx.tx)
    .await?;
    if !counted {
        return Err(not_in_registry());
    }
    sqlx::query!(
        "INSERT INTO app_downloads (tenant_id, app_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        ctx.principal.tenant_id,
        app_id
    )
    .execute(&mut *ctx.tx)
    .await?;
    ctx.commit().await?;
    publisher_event(
        &state,
        app.publisher_tenant,
        "app.download",
        app_id,
        Some(&v.version),
    );
    package_response(
        &state.packages,
        &key,
        size,
        &sha,
        &format!("{}-{}", app.summary.slug, v.version),
        None,
    )
    .await
}

struct ReviewRow {
    id: Uuid,
    app_id: Uuid,
    rating: i16,
    title: String,
    content: String,
    author_name: String,
    user_id: Uuid,
    created_at: chrono::DateTime<chrono::Utc>,
    updated_at: chrono::DateTime<chrono::Utc>,
}

fn review_view(r: ReviewRow, me: Uuid) -> ReviewView {
    ReviewView {
        id: r.id,
        app_id: r.app_id,
        rating: r.rating,
        title: r.title,
        content: r.content,
        author_name: r.author_name,
        mine: r.user_id == me,
        created_at: r.created_at,
        updated_at: r.updated_at,
    }
}

/// Reviews of a registry app, newest first.
#[utoipa::path(
    get, path = "/v1/registry/{app_id}/reviews", tag = "registry", operation_id = "listReviews",
    params(("app_id" = Uuid, Path, description = "App id"), PageQuery),
    responses((status = 200, description = "A page of reviews", body = ReviewPage)),
    security(("bearerAuth" = ["apps:read"]))
)]
async fn list_reviews(
    Scoped(mut ctx, _): Scoped<needs::AppsRead>,
    Path(app_id): Path<Uuid>,
    Query(q): Query<PageQuery>,
) -> Result<axum::Json<ReviewPage>, ApiError> {
    let page = q.validate()?;
    registry_app(&mut ctx.tx, app_id).await?;
    let rows = sqlx::query_as!(
        ReviewRow,
        "SELECT id, app_id, rating, title, content, author_name, user_id, created_at, updated_at
         FROM app_reviews WHERE app_id = $1 AND ($2::uuid IS NULL OR id < $2)
         ORDER BY id DESC LIMIT $3",
        app_id,
        page.after,
        page.limit + 1
    )
    .fetch_all(&mut *ctx.tx)
    .await?;
    let me = ctx.principal.user_id;
    let items = rows.into_iter().map(|r| review_view(r, me)).collect();
    Ok(axum::Json(Page::from_rows(items, page, |r| r.id).into()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateReviewRequest {
    #[serde(deserialize_with = "validate::integer")]
    #[schema(minimum = 1, maximum = 5)]
    pub rating: i16,
    #[schema(value_type = crate::platform::validate::schema::DisplayName)]
    pub title: String,
    #[serde(default)]
    #[schema(value_type = Option<crate::apps::rules::ReviewText>)]
    pub content: Option<String>,
}

/// At least one field.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateReviewRequest {
    #[serde(default, deserialize_with = "validate::present_integer")]
    #[schema(value_type = i16, minimum = 1, maximum = 5)]
    pub rating: Option<i16>,
    #[serde(default, deserialize_with = "validate::present")]
    #[schema(value_type = crate::platform::validate::schema::DisplayName)]
    pub title: Option<String>,
    #[serde(default, deserialize_with = "validate::present")]
    #[schema(value_type = crate::apps::rules::ReviewText)]
    pub content: Option<String>,
}

fn check_review(c: &mut Checks, rating: Option<i16>, title: Option<&str>, content: Option<&str>) {
    if let Some(r) = rating {
        c.check(
            "rating",
            (!(1..=5).contains(&r)).then_some("must be between 1 and 5"),
        );
    }
    if let Some(t) = title {
        c.check("title", validate::name(t));
    }
    if let Some(t) = content {
        c.check("content", rules::long_text(t, MAX_REVIEW));
    }
}

/// Review a registry app: one review per user per app (409 for a second);
/// only users whose organization downloaded the app (403), never the
/// publisher's own users (403).
#[utoipa::path(
    post, path = "/v1/registry/{app_id}/reviews", tag = "registry", operation_id = "createReview",
    params(("app_id" = Uuid, Path, description = "App id")),
    request_body = CreateReviewRequest,
    responses(
        (status = 201, description = "Review created", body = ReviewView),
        (status = 409, description = "The caller already reviewed this app", body = qhub_lib::Problem, content_type = "application/problem+json"),
    ),
    security(("bearerAuth" = ["apps:write"]))
)]
async fn create_review(
    Scoped(mut ctx, _): Scoped<needs::AppsWrite>,
    Path(app_id): Path<Uuid>,
    Json(req): Json<CreateReviewRequest>,
) -> Result<(StatusCode, axum::Json<ReviewView>), ApiError> {
    let mut checks = Checks::default();
    check_review(
        &mut checks,
        Some(req.rating),
        Some(&req.title),
        req.content.as_deref(),
    );
    checks.finish()?;
    let p = ctx.principal;
    if registry_app(&mut ctx.tx, app_id).await?.publisher_tenant == p.tenant_id {
        return Err(ApiError::Forbidden(
            "an organization cannot review its own app".into(),
        ));
    }
    let downloaded = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM app_downloads WHERE tenant_id = $1 AND app_id = $2) AS "d!""#,
        p.tenant_id,
        app_id
    )
    .fetch_one(&mut *ctx.tx)
    .await?;
    if !downloaded {
        return Err(ApiError::Forbidden(
            "only organizations that downloaded this app may review it".into(),
        ));
    }
    let author = sqlx::query_scalar!("SELECT name FROM users WHERE id = $1", p.user_id)
        .fetch_one(&mut *ctx.tx)
        .await?;
    let row = sqlx::query_as!(
        ReviewRow,
        "INSERT INTO app_reviews (id, tenant_id, app_id, user_id, author_name, rating, title, content)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         RETURNING id, app_id, rating, title, content, author_name, user_id, created_at, updated_at",
        Uuid::now_v7(),
        p.tenant_id,
        app_id,
        p.user_id,
        author,
        req.rating,
        req.title.trim(),
        req.content.as_deref().unwrap_or_default(),
    )
    .fetch_one(&mut *ctx.tx)
    .await
    .map_err(on_constraint("app_reviews_one_per_user", || {
        ApiError::Conflict("you already reviewed this app; change your review instead".into())
    }))?;
    let view = review_view(row, p.user_id);
    ctx.audit(
        Event::new("review.created", "review", view.id)
            .diff(serde_json::json!({"app_id": app_id, "rating": view.rating})),
    )
    .await?;
    ctx.commit().await?;
    Ok((StatusCode::CREATED, axum::Json(view)))
}

/// Change one's own review.
#[utoipa::path(
    patch, path = "/v1/registry/{app_id}/reviews/{review_id}", tag = "registry", operation_id = "updateReview",
    params(("app_id" = Uuid, Path, description = "App id"), ("review_id" = Uuid, Path, description = "Review id")),
    request_body = UpdateReviewRequest,
    responses((status = 200, description = "The changed review", body = ReviewView)),
    security(("bearerAuth" = ["apps:write"]))
)]
async fn update_review(
    Scoped(mut ctx, _): Scoped<needs::AppsWrite>,
    Path((app_id, review_id)): Path<(Uuid, Uuid)>,
    Json(req): Json<UpdateReviewRequest>,
) -> Result<axum::Json<ReviewView>, ApiError> {
    let mut checks = Checks::default();
    check_review(
        &mut checks,
        req.rating,
        req.title.as_deref(),
        req.content.as_deref(),
    );
    if req.rating.is_none() && req.title.is_none() && req.content.is_none() {
        checks.check("body", Some("give at least one field to change"));
    }
    checks.finish()?;
    let p = ctx.principal;
    let before = sqlx::query!(
        "SELECT rating, title FROM app_reviews
         WHERE id = $1 AND app_id = $2 AND user_id = $3 AND tenant_id = $4",
        review_id,
        app_id,
        p.user_id,
        p.tenant_id
    )
    .fetch_optional(&mut *ctx.tx)
    .await?
    .ok_or_else(|| ApiError::NotFound("no such review of yours".into()))?;
    let row = sqlx::query_as!(
        ReviewRow,
        "UPDATE app_reviews SET rating = coalesce($3, rating), title = coalesce($4, title),
                content = coalesce($5, content), updated_at = now()
         WHERE id = $1 AND user_id = $2
         RETURNING id, app_id, rating, title, content, author_name, user_id, created_at, updated_at",
        review_id,
        p.user_id,
        req.rating,
        req.title.as_deref().map(str::trim),
        req.content,
    )
    .fetch_one(&mut *ctx.tx)
    .await?;
    let view = review_view(row, p.user_id);
    let mut diff = Diff::default();
    diff.note("rating", &before.rating, &view.rating);
    diff.note("title", &before.title, &view.title);
    ctx.audit(Event::new("review.updated", "review", review_id).diff(diff.into_value()))
        .await?;
    ctx.commit().await?;
    Ok(axum::Json(view))
}

/// Delete one's own review.
#[utoipa::path(
    delete, path = "/v1/registry/{app_id}/reviews/{review_id}", tag = "registry", operation_id = "deleteReview",
    params(("app_id" = Uuid, Path, description = "App id"), ("review_id" = Uuid, Path, description = "Review id")),
    responses((status = 204, description = "Review deleted")),
    security(("bearerAuth" = ["apps:write"]))
)]
async fn delete_review(
    Scoped(mut ctx, _): Scoped<needs::AppsWrite>,
    Path((app_id, review_id)): Path<(Uuid, Uuid)>,
) -> Result<StatusCode, ApiError> {
    let p = ctx.principal;
    sqlx::query!(
        "DELETE FROM app_reviews WHERE id = $1 AND app_id = $2 AND user_id = $3 AND tenant_id = $4
         RETURNING id",
        review_id,
        app_id,
        p.user_id,
        p.tenant_id
    )
    .fetch_optional(&mut *ctx.tx)
    .await?
    .ok_or_else(|| ApiError::NotFound("no such review of yours".into()))?;
    ctx.audit(
        Event::new("review.deleted", "review", review_id)
            .diff(serde_json::json!({"app_id": app_id})),
    )
    .await?;
    ctx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
