//! Versions of an app and their packages. A version is a draft until
//! published; published versions are immutable (only their release notes
//! change) and are yanked, never deleted.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use futures_util::TryStreamExt;
use qhub_lib::error::on_constraint;
use qhub_lib::page::{Page, PageQuery};
use qhub_lib::ApiError;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::apps::model::{AppStatus, Sdk, VersionPage, VersionStatus, VersionView};
use crate::apps::rules::{self, MAX_RELEASE_NOTES};
use crate::apps::store::{own_app, own_version, package_response, version_not_found, VersionRow};
use crate::apps::{garbage, storage};
use crate::audit::{Diff, Event};
use crate::identity::extract::{needs, ClientInfo, Credential, Scoped, TenantCtx};
use crate::platform::extract::{Json, Path};
use crate::platform::state::AppState;
use crate::platform::validate::{self, Checks};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_versions, create_version))
        .routes(routes!(get_version, update_version, delete_version))
        .routes(routes!(publish_version))
        .routes(routes!(yank_version))
        .routes(routes!(upload_package, download_package))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateVersionRequest {
    #[schema(value_type = crate::apps::rules::SemVer)]
    pub version: String,
    pub sdk: Sdk,
    #[serde(deserialize_with = "validate::integer")]
    #[schema(minimum = 1, maximum = 10000)]
    pub qubits: i32,
    /// A JSON Schema (2020-12 unless `$schema` names another draft) for
    /// the app's input: an object or a boolean, valid against its
    /// meta-schema, at most 64 KiB, no remote `$ref` (else 422).
    #[serde(default)]
    pub input_schema: Option<serde_json::Value>,
    /// A JSON Schema for the app's output (same rules).
    #[serde(default)]
    pub output_schema: Option<serde_json::Value>,
    #[serde(default)]
    #[schema(value_type = Option<crate::apps::rules::ReleaseNotes>)]
    pub release_notes: Option<String>,
}

/// At least one field. Once published only `release_notes` may change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateVersionRequest {
    #[serde(default, deserialize_with = "validate::present")]
    #[schema(value_type = crate::apps::rules::SemVer)]
    pub version: Option<String>,
    #[serde(default, deserialize_with = "validate::present")]
    #[schema(value_type = Sdk)]
    pub sdk: Option<Sdk>,
    #[serde(default, deserialize_with = "validate::present_integer")]
    #[schema(value_type = i32, minimum = 1, maximum = 10000)]
    pub qubits: Option<i32>,
    /// A new JSON Schema for the input, or `null` to remove it (drafts only).
    #[serde(default, deserialize_with = "validate::nullable")]
    #[schema(value_type = Option<serde_json::Value>)]
    pub input_schema: Option<Option<serde_json::Value>>,
    /// A new JSON Schema for the output, or `null` to remove it (drafts only).
    #[serde(default, deserialize_with = "validate::nullable")]
    #[schema(value_type = Option<serde_json::Value>)]
    pub output_schema: Option<Option<serde_json::Value>>,
    #[serde(default, deserialize_with = "validate::present")]
    #[schema(value_type = crate::apps::rules::ReleaseNotes)]
    pub release_notes: Option<String>,
}

/// Versions one app may have (its version list is sorted in memory).
const MAX_VERSIONS_PER_APP: i64 = 1000;

fn version_taken() -> ApiError {
    ApiError::Taken {
        field: "version",
        detail: "this app already has this version".into(),
    }
}

fn check_qubits(checks: &mut Checks, q: i32) {
    checks.check(
        "qubits",
        (!(1..=10_000).contains(&q)).then_some("must be between 1 and 10000"),
    );
}

fn check_schema(checks: &mut Checks, field: &str, v: Option<&serde_json::Value>) {
    if let Some(problem) = v.and_then(rules::json_schema) {
        checks.check(field, Some(&problem));
    }
}

/// Create a draft version.
#[utoipa::path(
    post, path = "/v1/apps/{id}/versions", tag = "apps", operation_id = "createAppVersion",
    params(("id" = Uuid, Path, description = "App id")),
    request_body = CreateVersionRequest,
    responses(
        (status = 201, description = "Version created (a draft)", body = VersionView),
        (status = 409, description = "The version exists, or the app is deprecated", body = qhub_lib::Problem, content_type = "application/problem+json"),
    ),
    security(("bearerAuth" = ["apps:write"]))
)]
async fn create_version(
    Scoped(mut ctx, _): Scoped<needs::AppsWrite>,
    Path(app_id): Path<Uuid>,
    Json(req): Json<CreateVersionRequest>,
) -> Result<(StatusCode, axum::Json<VersionView>), ApiError> {
    let mut checks = Checks::default();
    let version = rules::semver(&req.version);
    if let Err(why) = &version {
        checks.check("version", Some(why));
    }
    check_qubits(&mut checks, req.qubits);
    check_schema(&mut checks, "input_schema", req.input_schema.as_ref());
    check_schema(&mut checks, "output_schema", req.output_schema.as_ref());
    if let Some(n) = &req.release_notes {
        checks.check("release_notes", rules::long_text(n, MAX_RELEASE_NOTES));
    }
    checks.finish()?;
    let p = ctx.principal;
    let app = own_app(&mut ctx.tx, p.tenant_id, app_id, false).await?;
    if app.status == AppStatus::Deprecated {
        return Err(ApiError::Conflict(
            "the app is deprecated and takes no new versions".into(),
        ));
    }
    let n = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM app_versions WHERE app_id = $1"#,
        app_id
    )
    .fetch_one(&mut *ctx.tx)
    .await?;
    if n >= MAX_VERSIONS_PER_APP {
        return Err(ApiError::Conflict(format!(
            "an app has at most {MAX_VERSIONS_PER_APP} versions; delete drafts you no longer need"
        )));
    }
    let canonical = version.map(|v| v.to_string()).unwrap_or_default();
    let row = sqlx::query_as!(
        VersionRow,
        r#"INSERT INTO app_versions (id, tenant_id, app_id, version, sdk, qubits, input_schema,
                                     output_schema, release_notes, created_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
           RETURNING id, app_id, version, sdk AS "sdk: Sdk", qubits, input_schema, output_schema,
                     release_notes, status AS "status: VersionStatus", is_latest, package_key,
                     package_size, package_sha256, package_uploaded_at, downloads, published_at,
                     yanked_at, created_at, updated_at"#,
        Uuid::now_v7(),
        p.tenant_id,
        app_id,
        canonical,
        req.sdk as Sdk,
        req.qubits,
        req.input_schema,
        req.output_schema,
        req.release_notes.as_deref().unwrap_or_default(),
        p.user_id,
    )
    .fetch_one(&mut *ctx.tx)
    .await
    .map_err(on_constraint("app_versions_app_version", version_taken))?;
    let view = VersionView::from(row);
    ctx.audit(
        Event::new("app_version.created", "app_version", view.id)
            .diff(serde_json::json!({"app_id": app_id, "version": view.version})),
    )
    .await?;
    ctx.commit().await?;
    Ok((StatusCode::CREATED, axum::Json(view)))
}

/// List an app's versions, highest version first (semver precedence).
#[utoipa::path(
    get, path = "/v1/apps/{id}/versions", tag = "apps", operation_id = "listAppVersions",
    params(("id" = Uuid, Path, description = "App id"), PageQuery),
    responses((status = 200, description = "A page of versions", body = VersionPage)),
    security(("bearerAuth" = ["apps:read"]))
)]
async fn list_versions(
    Scoped(mut ctx, _): Scoped<needs::AppsRead>,
    Path(app_id): Path<Uuid>,
    qhub_query: crate::platform::extract::Query<PageQuery>,
) -> Result<axum::Json<VersionPage>, ApiError> {
    let page = qhub_query.0.validate()?;
    let tenant = ctx.principal.tenant_id;
    own_app(&mut ctx.tx, tenant, app_id, false).await?;
    // At most a few hundred versions per app: sorted by semver in Rust,
    // paged by position of the cursor's id.
    let rows = sqlx::query_as!(
        VersionRow,
        r#"SELECT id, app_id, version, sdk AS "sdk: Sdk", qubits, input_schema, output_schema,
                  release_notes, status AS "status: VersionStatus", is_latest, package_key,
                  package_size, package_sha256, package_uploaded_at, downloads, published_at,
                  yanked_at, created_at, updated_at
           FROM app_versions WHERE app_id = $1 AND tenant_id = $2"#,
        app_id,
        tenant
    )
    .fetch_all(&mut *ctx.tx)
    .await?;
    let mut views: Vec<VersionView> = rows.into_iter().map(VersionView::from).collect();
    views.sort_by(|a, b| {
        let (va, vb) = (
            semver::Version::parse(&a.version).ok(),
            semver::Version::parse(&b.version).ok(),
        );
        vb.cmp(&va).then(b.id.cmp(&a.id))
    });
    let start = match page.after {
        Some(after) => views
            .iter()
            .position(|v| v.id == after)
            .map_or(views.len(), |i| i + 1),
        None => 0,
    };
    let end = views
        .len()
        .min(start + usize::try_from(page.limit + 1).unwrap_or(usize::MAX));
    let rows = views[start..end].to_vec();
    Ok(axum::Json(Page::from_rows(rows, page, |v| v.id).into()))
}

/// Read a version.
#[utoipa::path(
    get, path = "/v1/apps/{id}/versions/{vid}", tag = "apps", operation_id = "getAppVersion",
    params(("id" = Uuid, Path, description = "App id"), ("vid" = Uuid, Path, description = "Version id")),
    responses((status = 200, description = "The version", body = VersionView)),
    security(("bearerAuth" = ["apps:read"]))
)]
async fn get_version(
    Scoped(mut ctx, _): Scoped<needs::AppsRead>,
    Path((app_id, vid)): Path<(Uuid, Uuid)>,
) -> Result<axum::Json<VersionView>, ApiError> {
    let tenant = ctx.principal.tenant_id;
    Ok(axum::Json(
        own_version(&mut ctx.tx, tenant, app_id, vid).await?.into(),
    ))
}

/// Change a version. A draft changes freely; a published or yanked
/// version only its release notes (anything else is 409).
#[utoipa::path(
    patch, path = "/v1/apps/{id}/versions/{vid}", tag = "apps", operation_id = "updateAppVersion",
    params(("id" = Uuid, Path, description = "App id"), ("vid" = Uuid, Path, description = "Version id")),
    request_body = UpdateVersionRequest,
    responses(
        (status = 200, description = "The changed version", body = VersionView),
        (status = 409, description = "Published versions are immutable, or the version number is taken", body = qhub_lib::Problem, content_type = "application/problem+json"),
    ),
    security(("bearerAuth" = ["apps:write"]))
)]
async fn update_version(
    Scoped(mut ctx, _): Scoped<needs::AppsWrite>,
    Path((app_id, vid)): Path<(Uuid, Uuid)>,
    Json(req): Json<UpdateVersionRequest>,
) -> Result<axum::Json<VersionView>, ApiError> {
    let mut checks = Checks::default();
    let version = req.version.as_deref().map(rules::semver);
    if let Some(Err(why)) = &version {
        checks.check("version", Some(why));
    }
    if let Some(q) = req.qubits {
        check_qubits(&mut checks, q);
    }
    check_schema(
        &mut checks,
        "input_schema",
        req.input_schema.as_ref().and_then(Option::as_ref),
    );
    check_schema(
        &mut checks,
        "output_schema",
        req.output_schema.as_ref().and_then(Option::as_ref),
    );
    if let Some(n) = &req.release_notes {
        checks.check("release_notes", rules::long_text(n, MAX_RELEASE_NOTES));
    }
    let immutable_change = req.version.is_some()
        || req.sdk.is_some()
        || req.qubits.is_some()
        || req.input_schema.is_some()
        || req.output_schema.is_some();
    if !immutable_change && req.release_notes.is_none() {
        checks.check("body", Some("give at least one field to change"));
    }
    checks.finish()?;
    let tenant = ctx.principal.tenant_id;
    own_app(&mut ctx.tx, tenant, app_id, true).await?;
    let before = own_version(&mut ctx.tx, tenant, app_id, vid).await?;
    if before.status != VersionStatus::Draft && immutable_change {
        return Err(ApiError::Conflict(format!(
            "version {} is published and immutable; only release_notes can change \
             (publish a new version instead)",
            before.version
        )));
    }
    let row = sqlx::query_as!(
        VersionRow,
        r#"UPDATE app_versions SET
               version = coalesce($3, version), sdk = coalesce($4, sdk),
               qubits = coalesce($5, qubits),
               input_schema = CASE WHEN $9 THEN $6 ELSE input_schema END,
               output_schema = CASE WHEN $10 THEN $7 ELSE output_schema END,
               release_notes = coalesce($8, release_notes), updated_at = now()
           WHERE id = $1 AND tenant_id = $2
           RETURNING id, app_id, version, sdk AS "sdk: Sdk", qubits, input_schema, output_schema,
                     release_notes, status AS "status: VersionStatus", is_latest, package_key,
                     package_size, package_sha256, package_uploaded_at, downloads, published_at,
                     yanked_at, created_at, updated_at"#,
        vid,
        tenant,
        version.and_then(Result::ok).map(|v| v.to_string()),
        req.sdk.map(Sdk::as_str),
        req.qubits,
        req.input_schema.clone().flatten(),
        req.output_schema.clone().flatten(),
        req.release_notes,
        req.input_schema.is_some(),
        req.output_schema.is_some(),
    )
    .fetch_one(&mut *ctx.tx)
    .await
    .map_err(on_constraint("app_versions_app_version", version_taken))?;
    let view = VersionView::from(row);
    let mut diff = Diff::default();
    diff.note("version", &before.version, &view.version);
    diff.note("sdk", &before.sdk, &view.sdk);
    diff.note("qubits", &before.qubits, &view.qubits);
    if before.release_notes != view.release_notes {
        diff.note("release_notes", &"…", &"(changed)");
    }
    ctx.audit(Event::new("app_version.updated", "app_version", vid).diff(diff.into_value()))
        .await?;
    ctx.commit().await?;
    Ok(axum::Json(view))
}

/// Delete a draft version (and its package). Published versions are
/// yanked instead (409).
#[utoipa::path(
    delete, path = "/v1/apps/{id}/versions/{vid}", tag = "apps", operation_id = "deleteAppVersion",
    params(("id" = Uuid, Path, description = "App id"), ("vid" = Uuid, Path, description = "Version id")),
    responses(
        (status = 204, description = "Version deleted"),
        (status = 409, description = "Published: yank it instead", body = qhub_lib::Problem, content_type = "application/problem+json"),
    ),
    security(("bearerAuth" = ["apps:write"]))
)]
async fn delete_version(
    State(state): State<AppState>,
    Scoped(mut ctx, _): Scoped<needs::AppsWrite>,
    Path((app_id, vid)): Path<(Uuid, Uuid)>,
) -> Result<StatusCode, ApiError> {
    let tenant = ctx.principal.tenant_id;
    own_app(&mut ctx.tx, tenant, app_id, true).await?;
    let v = own_version(&mut ctx.tx, tenant, app_id, vid).await?;
    if v.status != VersionStatus::Draft {
        return Err(ApiError::Conflict(format!(
            "version {} is published and cannot be deleted; yank it instead",
            v.version
        )));
    }
    sqlx::query!(
        "DELETE FROM app_versions WHERE id = $1 AND tenant_id = $2",
        vid,
        tenant
    )
    .execute(&mut *ctx.tx)
    .await?;
    ctx.audit(
        Event::new("app_version.deleted", "app_version", vid)
            .diff(serde_json::json!({"app_id": app_id, "version": v.version})),
    )
    .await?;
    ctx.commit().await?;
    garbage::sweep_soon(state.db.clone(), state.packages.clone());
    Ok(StatusCode::NO_CONTENT)
}

/// Publish a draft version: it becomes immutable, visible wherever the app
/// is, and may become the latest. Needs its package (409 without).
#[utoipa::path(
    post, path = "/v1/apps/{id}/versions/{vid}/publish", tag = "apps", operation_id = "publishAppVersion",
    params(("id" = Uuid, Path, description = "App id"), ("vid" = Uuid, Path, description = "Version id")),
    responses(
        (status = 200, description = "The published version", body = VersionView),
        (status = 409, description = "No package yet, already published, or the app is deprecated", body = qhub_lib::Problem, content_type = "application/problem+json"),
    ),
    security(("bearerAuth" = ["apps:write"]))
)]
async fn publish_version(
    Scoped(mut ctx, _): Scoped<needs::AppsWrite>,
    Path((app_id, vid)): Path<(Uuid, Uuid)>,
) -> Result<axum::Json<VersionView>, ApiError> {
    let tenant = ctx.principal.tenant_id;
    let app = own_app(&mut ctx.tx, tenant, app_id, true).await?;
    let v = own_version(&mut ctx.tx, tenant, app_id, vid).await?;
    if v.status != VersionStatus::Draft {
        return Err(ApiError::Conflict(format!(
            "version {} is already published",
            v.version
        )));
    }
    if app.status == AppStatus::Deprecated {
        return Err(ApiError::Conflict("the app is deprecated".into()));
    }
    if v.package_key.is_none() {
        return Err(ApiError::Conflict(
            "upload the version's package before publishing it".into(),
        ));
    }
    sqlx::query!(
        "UPDATE app_versions SET status = 'published', published_at = now(), updated_at = now()
         WHERE id = $1 AND tenant_id = $2",
        vid,
        tenant
    )
    .execute(&mut *ctx.tx)
    .await?;
    rules::refresh_latest(&mut ctx.tx, app_id).await?;
    ctx.audit(
        Event::new("app_version.published", "app_version", vid)
            .diff(serde_json::json!({"app_id": app_id, "version": v.version})),
    )
    .await?;
    let view = own_version(&mut ctx.tx, tenant, app_id, vid).await?.into();
    ctx.commit().await?;
    Ok(axum::Json(view))
}

/// Yank a published version: it stays listed (marked), is never the
/// latest, and cannot be downloaded any more. Idempotent.
#[utoipa::path(
    post, path = "/v1/apps/{id}/versions/{vid}/yank", tag = "apps", operation_id = "yankAppVersion",
    params(("id" = Uuid, Path, description = "App id"), ("vid" = Uuid, Path, description = "Version id")),
    responses(
        (status = 200, description = "The yanked version", body = VersionView),
        (status = 409, description = "A draft cannot be yanked (delete it)", body = qhub_lib::Problem, content_type = "application/problem+json"),
    ),
    security(("bearerAuth" = ["apps:write"]))
)]
async fn yank_version(
    Scoped(mut ctx, _): Scoped<needs::AppsWrite>,
    Path((app_id, vid)): Path<(Uuid, Uuid)>,
) -> Result<axum::Json<VersionView>, ApiError> {
    let tenant = ctx.principal.tenant_id;
    own_app(&mut ctx.tx, tenant, app_id, true).await?;
    let v = own_version(&mut ctx.tx, tenant, app_id, vid).await?;
    match v.status {
        VersionStatus::Draft => {
            return Err(ApiError::Conflict(
                "a draft version cannot be yanked; delete it instead".into(),
            ))
        }
        VersionStatus::Yanked => {}
        VersionStatus::Published => {
            sqlx::query!(
                "UPDATE app_versions SET status = 'yanked', yanked_at = now(), is_latest = false,
                        updated_at = now()
                 WHERE id = $1 AND tenant_id = $2",
                vid,
                tenant
            )
            .execute(&mut *ctx.tx)
            .await?;
            rules::refresh_latest(&mut ctx.tx, app_id).await?;
            ctx.audit(
                Event::new("app_version.yanked", "app_version", vid)
                    .diff(serde_json::json!({"app_id": app_id, "version": v.version})),
            )
            .await?;
        }
    }
    let view = own_version(&mut ctx.tx, tenant, app_id, vid).await?.into();
    ctx.commit().await?;
    Ok(axum::Json(view))
}

/// Upload a draft version's package: the raw request body (any content
/// type), streamed to object storage while its sha256 is computed. Over the
/// server's maximum (`PACKAGE_MAX_BYTES`, default 50 MiB) the answer is 413
/// and nothing is stored. Replacing a draft's package is allowed; a
/// published version's package never changes (409).
#[utoipa::path(
    put, path = "/v1/apps/{id}/versions/{vid}/package", tag = "apps", operation_id = "uploadAppPackage",
    params(("id" = Uuid, Path, description = "App id"), ("vid" = Uuid, Path, description = "Version id")),
    request_body(content = crate::apps::rules::PackageBytes, content_type = "application/octet-stream", description = "The package bytes"),
    responses(
        (status = 200, description = "Stored; the version with its package's size and sha256", body = VersionView),
        (status = 409, description = "The version is published: its package is immutable", body = qhub_lib::Problem, content_type = "application/problem+json"),
        (status = 413, description = "Larger than the server's maximum; nothing stored", body = qhub_lib::Problem, content_type = "application/problem+json"),
    ),
    security(("bearerAuth" = ["apps:write"]))
)]
async fn upload_package(
    State(state): State<AppState>,
    credential: Credential,
    client: ClientInfo,
    Scoped(mut ctx, _): Scoped<needs::AppsWrite>,
    Path((app_id, vid)): Path<(Uuid, Uuid)>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Result<axum::Json<VersionView>, ApiError> {
    let tenant = ctx.principal.tenant_id;
    let v = own_version(&mut ctx.tx, tenant, app_id, vid).await?;
    if v.status != VersionStatus::Draft {
        return Err(ApiError::Conflict(format!(
            "version {} is published: its package cannot change",
            v.version
        )));
    }
    // A declared length over the limit is refused before anything is read.
    let declared = headers
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > state.packages.max_bytes) {
        return Err(ApiError::PayloadTooLarge);
    }
    // No connection is held while the body streams in.
    ctx.commit().await?;

    let key = storage::package_key(tenant, app_id, vid);
    // Due after the upload's deadline unless the version claims it first.
    garbage::expect_upload(
        &state.db,
        &key,
        state.packages.upload_timeout * 2 + std::time::Duration::from_secs(60),
    )
    .await?;
    let stream = body.into_data_stream().map_err(|e| e.to_string());
    let stored = state.packages.put(&key, stream).await?;

    let mut ctx = TenantCtx::open(&state, &credential, client).await?;
    ctx.principal.require(qhub_lib::Scope::AppsWrite)?;
    let row = sqlx::query_as!(
        VersionRow,
        r#"UPDATE app_versions SET package_key = $3, package_size = $4, package_sha256 = $5,
                  package_uploaded_at = now(), updated_at = now()
           WHERE id = $1 AND app_id = $2 AND status = 'draft'
           RETURNING id, app_id, version, sdk AS "sdk: Sdk", qubits, input_schema, output_schema,
                     release_notes, status AS "status: VersionStatus", is_latest, package_key,
                     package_size, package_sha256, package_uploaded_at, downloads, published_at,
                     yanked_at, created_at, updated_at"#,
        vid,
        app_id,
        key,
        stored.size,
        stored.sha256,
    )
    .fetch_optional(&mut *ctx.tx)
    .await?;
    let Some(row) = row else {
        // Deleted or published meanwhile: the object is garbage now.
        drop(ctx);
        garbage::due_now(&state.db, &key).await?;
        garbage::sweep_soon(state.db.clone(), state.packages.clone());
        return Err(version_not_found());
    };
    garbage::claim(&mut ctx.tx, &key).await?;
    ctx.audit(
        Event::new("app_version.package_uploaded", "app_version", vid).diff(serde_json::json!({
            "size": stored.size, "sha256": stored.sha256,
        })),
    )
    .await?;
    ctx.commit().await?;
    // The replaced package, if any, was marked by the trigger.
    garbage::sweep_soon(state.db.clone(), state.packages.clone());
    Ok(axum::Json(VersionView::from(row)))
}

/// Download a version's package (the organization's own, any status).
/// `ETag` is the quoted sha256; `If-None-Match` with it gives 304.
#[utoipa::path(
    get, path = "/v1/apps/{id}/versions/{vid}/package", tag = "apps", operation_id = "downloadAppPackage",
    params(("id" = Uuid, Path, description = "App id"), ("vid" = Uuid, Path, description = "Version id")),
    responses(
        (status = 200, description = "The package bytes, with `ETag`, `Digest` and `Repr-Digest` (sha-256)", body = crate::apps::rules::PackageBytes, content_type = "application/octet-stream",
         headers(("ETag" = String, description = "Quoted hex sha256"), ("Digest" = String, description = "sha-256=<base64>"), ("Repr-Digest" = String, description = "sha-256=:<base64>:"))),
        (status = 304, description = "Not modified (`If-None-Match` matched)"),
        (status = 404, description = "No such version, or it has no package yet", body = qhub_lib::Problem, content_type = "application/problem+json"),
    ),
    security(("bearerAuth" = ["apps:read"]))
)]
async fn download_package(
    State(state): State<AppState>,
    Scoped(mut ctx, _): Scoped<needs::AppsRead>,
    Path((app_id, vid)): Path<(Uuid, Uuid)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let tenant = ctx.principal.tenant_id;
    let app = own_app(&mut ctx.tx, tenant, app_id, false).await?;
    let v = own_version(&mut ctx.tx, tenant, app_id, vid).await?;
    ctx.commit().await?;
    let (Some(key), Some(size), Some(sha)) = (v.package_key, v.package_size, v.package_sha256)
    else {
        return Err(ApiError::NotFound("this version has no package yet".into()));
    };
    package_response(
        &state.packages,
        &key,
        size,
        &sha,
        &format!("{}-{}", app.slug, v.version),
        headers.get(axum::http::header::IF_NONE_MATCH),
    )
    .await
}
