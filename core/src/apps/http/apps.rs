//! Apps: an organization's quantum apps, their lifecycle (draft →
//! published → deprecated) and publishing to the registry.

use axum::extract::State;
use axum::http::StatusCode;
use qhub_lib::error::on_constraint;
use qhub_lib::page::{Page, PageQuery};
use qhub_lib::ApiError;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::apps::garbage;
use crate::apps::model::{AppPage, AppStatus, AppType, AppView, Visibility};
use crate::apps::rules::{self, MAX_DESCRIPTION, MAX_MARKDOWN};
use crate::apps::store::{own_app, AppRow};
use crate::audit::{Diff, Event};
use crate::identity::extract::{needs, Scoped};
use crate::platform::extract::{Json, Path, Query};
use crate::platform::state::AppState;
use crate::platform::validate::{self, Checks};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_apps, create_app))
        .routes(routes!(get_app, update_app, delete_app))
        .routes(routes!(deprecate_app))
        .routes(routes!(publish_registry))
}

fn slug_taken() -> ApiError {
    ApiError::Taken {
        field: "slug",
        detail: "an app with this slug already exists in this organization".into(),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAppRequest {
    #[schema(value_type = crate::platform::validate::schema::DisplayName)]
    pub name: String,
    #[schema(value_type = crate::apps::rules::AppSlug)]
    pub slug: String,
    #[serde(rename = "type")]
    pub app_type: AppType,
    /// Default `private`.
    #[serde(default)]
    pub visibility: Option<Visibility>,
    #[serde(default)]
    #[schema(value_type = Option<crate::apps::rules::Description>)]
    pub description: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<crate::apps::rules::SpdxLicense>)]
    pub license: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<crate::apps::rules::HttpUrl>)]
    pub documentation_url: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<crate::apps::rules::HttpUrl>)]
    pub repository_url: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<crate::apps::rules::Markdown>)]
    pub readme: Option<String>,
    /// At most 10; duplicates are dropped.
    #[serde(default)]
    #[schema(value_type = Option<Vec<crate::apps::rules::Tag>>, max_items = 10)]
    pub tags: Option<Vec<String>>,
}

/// At least one field. `""` clears `license` and the URLs.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateAppRequest {
    #[serde(default, deserialize_with = "validate::present")]
    #[schema(value_type = crate::platform::validate::schema::DisplayName)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "validate::present")]
    #[schema(value_type = crate::apps::rules::AppSlug)]
    pub slug: Option<String>,
    #[serde(default, rename = "type", deserialize_with = "validate::present")]
    #[schema(value_type = AppType)]
    pub app_type: Option<AppType>,
    /// Making a registry app private takes it out of the registry.
    #[serde(default, deserialize_with = "validate::present")]
    #[schema(value_type = Visibility)]
    pub visibility: Option<Visibility>,
    #[serde(default, deserialize_with = "validate::present")]
    #[schema(value_type = crate::apps::rules::Description)]
    pub description: Option<String>,
    /// An SPDX id, or `""` to clear.
    #[serde(default, deserialize_with = "validate::present")]
    #[schema(value_type = String, max_length = 64, pattern = "^([A-Za-z0-9][A-Za-z0-9.+-]{0,63})?$")]
    pub license: Option<String>,
    #[serde(default, deserialize_with = "validate::present")]
    #[schema(value_type = crate::apps::rules::OptionalHttpUrl)]
    pub documentation_url: Option<String>,
    #[serde(default, deserialize_with = "validate::present")]
    #[schema(value_type = crate::apps::rules::OptionalHttpUrl)]
    pub repository_url: Option<String>,
    #[serde(default, deserialize_with = "validate::present")]
    #[schema(value_type = crate::apps::rules::Markdown)]
    pub readme: Option<String>,
    #[serde(default, deserialize_with = "validate::present")]
    #[schema(value_type = Vec<crate::apps::rules::Tag>, max_items = 10)]
    pub tags: Option<Vec<String>>,
}

/// The common checks of create and update. `clearable`: `""` is allowed
/// for license and URLs (update). Returns the canonical license.
struct Checked {
    license: Option<Option<String>>,
    tags: Option<Vec<String>>,
}

#[allow(clippy::too_many_arguments)]
fn check_app(
    checks: &mut Checks,
    clearable: bool,
    name: Option<&str>,
    slug: Option<&str>,
    description: Option<&str>,
    license: Option<&str>,
    urls: [(&'static str, Option<&str>); 2],
    readme: Option<&str>,
    tags: Option<&[String]>,
) -> Checked {
    if let Some(n) = name {
        checks.check("name", validate::name(n));
    }
    if let Some(s) = slug {
        checks.check("slug", validate::slug(s));
    }
    if let Some(d) = description {
        checks.check("description", rules::long_text(d, MAX_DESCRIPTION));
    }
    if let Some(r) = readme {
        checks.check("readme", rules::long_text(r, MAX_MARKDOWN));
    }
    for (field, url) in urls {
        match url {
            Some("") if clearable => {}
            Some(u) => {
                checks.check(field, rules::url(u));
            }
            None => {}
        }
    }
    let license = match license {
        Some("") if clearable => Some(None),
        Some(l) => match rules::license(l) {
            Ok(id) => Some(Some(id)),
            Err(why) => {
                checks.check("license", Some(why));
                None
            }
        },
        None => None,
    };
    let tags = tags.map(|t| rules::tags(t, checks));
    Checked { license, tags }
}

/// Create an app (a draft).
#[utoipa::path(
    post, path = "/v1/apps", tag = "apps", operation_id = "createApp",
    request_body = CreateAppRequest,
    responses(
        (status = 201, description = "App created", body = AppView),
        (status = 409, description = "The slug is taken in this organization", body = qhub_lib::Problem, content_type = "application/problem+json"),
    ),
    security(("bearerAuth" = ["apps:write"]))
)]
async fn create_app(
    Scoped(mut ctx, _): Scoped<needs::AppsWrite>,
    Json(req): Json<CreateAppRequest>,
) -> Result<(StatusCode, axum::Json<AppView>), ApiError> {
    let mut checks = Checks::default();
    let checked = check_app(
        &mut checks,
        false,
        Some(&req.name),
        Some(&req.slug),
        req.description.as_deref(),
        req.license.as_deref(),
        [
            ("documentation_url", req.documentation_url.as_deref()),
            ("repository_url", req.repository_url.as_deref()),
        ],
        req.readme.as_deref(),
        req.tags.as_deref(),
    );
    checks.finish()?;
    let p = ctx.principal;
    rules::room_for_an_app(&mut ctx.tx, p.tenant_id).await?;
    let row = sqlx::query_as!(
        AppRow,
        r#"INSERT INTO apps (id, tenant_id, name, slug, description, app_type, visibility,
                             license, documentation_url, repository_url, readme, tags, created_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
           RETURNING id, project_id, name, slug, description, app_type AS "app_type: AppType",
                     visibility AS "visibility: Visibility", license, documentation_url,
                     repository_url, readme, tags, status AS "status: AppStatus",
                     registry_published_at, latest_version, downloads, views, rating_sum,
                     rating_count, created_at, updated_at"#,
        Uuid::now_v7(),
        p.tenant_id,
        req.name.trim(),
        req.slug,
        req.description.as_deref().unwrap_or_default(),
        req.app_type as AppType,
        req.visibility.unwrap_or(Visibility::Private) as Visibility,
        checked.license.flatten(),
        req.documentation_url,
        req.repository_url,
        req.readme.as_deref().unwrap_or_default(),
        &checked.tags.unwrap_or_default(),
        p.user_id,
    )
    .fetch_one(&mut *ctx.tx)
    .await
    .map_err(on_constraint("apps_tenant_slug", slug_taken))?;
    let view = AppView::from(row);
    ctx.audit(
        Event::new("app.created", "app", view.id).diff(serde_json::json!({
            "name": view.name, "slug": view.slug, "visibility": view.visibility,
        })),
    )
    .await?;
    ctx.commit().await?;
    Ok((StatusCode::CREATED, axum::Json(view)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AppFilter {
    pub status: Option<AppStatus>,
    pub visibility: Option<Visibility>,
    /// Only apps with this tag.
    #[param(value_type = Option<crate::apps::rules::Tag>)]
    pub tag: Option<String>,
    /// Only apps whose name, slug or description contains this text
    /// (case-insensitive).
    #[param(value_type = Option<crate::platform::validate::schema::SearchText>)]
    pub q: Option<String>,
}

/// List the organization's apps, newest first.
#[utoipa::path(
    get, path = "/v1/apps", tag = "apps", operation_id = "listApps",
    params(PageQuery, AppFilter),
    responses((status = 200, description = "A page of apps", body = AppPage)),
    security(("bearerAuth" = ["apps:read"]))
)]
async fn list_apps(
    Scoped(mut ctx, _): Scoped<needs::AppsRead>,
    Query(q): Query<PageQuery>,
    Query(f): Query<AppFilter>,
) -> Result<axum::Json<AppPage>, ApiError> {
    let page = q.validate()?;
    let mut checks = Checks::default();
    let text = validate::search_text(f.q.as_deref(), &mut checks);
    if f.tag.as_deref().is_some_and(|t| !rules::tag(t)) {
        checks.check("tag", Some("is not a tag (a-z, 0-9 and '-', at most 32)"));
    }
    checks.finish()?;
    let rows = sqlx::query_as!(
        AppRow,
        r#"SELECT id, project_id, name, slug, description, app_type AS "app_type: AppType",
                  visibility AS "visibility: Visibility", license, documentation_url,
                  repository_url, readme, tags, status AS "status: AppStatus",
                  registry_published_at, latest_version, downloads, views, rating_sum,
                  rating_count, created_at, updated_at
           FROM apps
           WHERE tenant_id = $1 AND ($2::uuid IS NULL OR id < $2)
             AND ($4::text IS NULL OR status = $4)
             AND ($5::text IS NULL OR visibility = $5)
             AND ($6::text IS NULL OR tags @> ARRAY[$6::text])
             AND ($7::text IS NULL OR strpos(lower(name), $7) > 0 OR strpos(slug, $7) > 0
                  OR strpos(lower(description), $7) > 0)
           ORDER BY id DESC LIMIT $3"#,
        ctx.principal.tenant_id,
        page.after,
        page.limit + 1,
        f.status.map(AppStatus::as_str),
        f.visibility.map(Visibility::as_str),
        f.tag,
        text,
    )
    .fetch_all(&mut *ctx.tx)
    .await?;
    let items = rows.into_iter().map(AppView::from).collect();
    Ok(axum::Json(Page::from_rows(items, page, |a| a.id).into()))
}

/// Read one of the organization's apps.
#[utoipa::path(
    get, path = "/v1/apps/{id}", tag = "apps", operation_id = "getApp",
    params(("id" = Uuid, Path, description = "App id")),
    responses((status = 200, description = "The app", body = AppView)),
    security(("bearerAuth" = ["apps:read"]))
)]
async fn get_app(
    Scoped(mut ctx, _): Scoped<needs::AppsRead>,
    Path(id): Path<Uuid>,
) -> Result<axum::Json<AppView>, ApiError> {
    let tenant = ctx.principal.tenant_id;
    Ok(axum::Json(own_app(&mut ctx.tx, tenant, id, false).await?))
}

/// Change an app.
#[utoipa::path(
    patch, path = "/v1/apps/{id}", tag = "apps", operation_id = "updateApp",
    params(("id" = Uuid, Path, description = "App id")),
    request_body = UpdateAppRequest,
    responses(
        (status = 200, description = "The changed app", body = AppView),
        (status = 409, description = "The slug is taken in this organization", body = qhub_lib::Problem, content_type = "application/problem+json"),
    ),
    security(("bearerAuth" = ["apps:write"]))
)]
async fn update_app(
    Scoped(mut ctx, _): Scoped<needs::AppsWrite>,
    Path(id): Path<Uuid>,
    Json(req): Json<UpdateAppRequest>,
) -> Result<axum::Json<AppView>, ApiError> {
    let mut checks = Checks::default();
    let checked = check_app(
        &mut checks,
        true,
        req.name.as_deref(),
        req.slug.as_deref(),
        req.description.as_deref(),
        req.license.as_deref(),
        [
            ("documentation_url", req.documentation_url.as_deref()),
            ("repository_url", req.repository_url.as_deref()),
        ],
        req.readme.as_deref(),
        req.tags.as_deref(),
    );
    let nothing = req.name.is_none()
        && req.slug.is_none()
        && req.app_type.is_none()
        && req.visibility.is_none()
        && req.description.is_none()
        && req.license.is_none()
        && req.documentation_url.is_none()
        && req.repository_url.is_none()
        && req.readme.is_none()
        && req.tags.is_none();
    if nothing {
        checks.check("body", Some("give at least one field to change"));
    }
    checks.finish()?;
    let tenant = ctx.principal.tenant_id;
    let before = own_app(&mut ctx.tx, tenant, id, true).await?;
    let clear = |v: &Option<String>| v.as_deref().map(|u| (!u.is_empty()).then(|| u.to_owned()));
    let (docs_url, repo_url) = (clear(&req.documentation_url), clear(&req.repository_url));
    let row = sqlx::query_as!(
        AppRow,
        r#"UPDATE apps SET
               name = coalesce($3, name), slug = coalesce($4, slug),
               app_type = coalesce($5, app_type), visibility = coalesce($6, visibility),
               description = coalesce($7, description),
               license = CASE WHEN $8 THEN $9 ELSE license END,
               documentation_url = CASE WHEN $10 THEN $11 ELSE documentation_url END,
               repository_url = CASE WHEN $12 THEN $13 ELSE repository_url END,
               readme = coalesce($14, readme), tags = coalesce($15, tags),
               -- Going private leaves the registry for good: coming back
               -- takes publish-registry again (its scope, its checks).
               registry_published_at = CASE WHEN $6 = 'private' THEN NULL
                                            ELSE registry_published_at END,
               updated_at = now()
           WHERE id = $1 AND tenant_id = $2
           RETURNING id, project_id, name, slug, description, app_type AS "app_type: AppType",
                     visibility AS "visibility: Visibility", license, documentation_url,
                     repository_url, readme, tags, status AS "status: AppStatus",
                     registry_published_at, latest_version, downloads, views, rating_sum,
                     rating_count, created_at, updated_at"#,
        id,
        tenant,
        req.name.as_deref().map(str::trim),
        req.slug,
        req.app_type.map(AppType::as_str),
        req.visibility.map(Visibility::as_str),
        req.description,
        checked.license.is_some(),
        checked.license.clone().flatten(),
        docs_url.is_some(),
        docs_url.clone().flatten(),
        repo_url.is_some(),
        repo_url.clone().flatten(),
        req.readme,
        checked.tags.as_deref(),
    )
    .fetch_one(&mut *ctx.tx)
    .await
    .map_err(on_constraint("apps_tenant_slug", slug_taken))?;
    let view = AppView::from(row);
    // An app in the registry needs its license: clearing it is refused.
    if before.in_registry && view.visibility == Visibility::Public && view.license.is_none() {
        return Err(ApiError::Conflict(
            "an app in the registry needs a license; make it private first".into(),
        ));
    }
    let mut diff = Diff::default();
    diff.note("name", &before.name, &view.name);
    diff.note("slug", &before.slug, &view.slug);
    diff.note("type", &before.app_type, &view.app_type);
    diff.note("visibility", &before.visibility, &view.visibility);
    diff.note("license", &before.license, &view.license);
    diff.note("tags", &before.tags, &view.tags);
    diff.note(
        "documentation_url",
        &before.documentation_url,
        &view.documentation_url,
    );
    diff.note(
        "repository_url",
        &before.repository_url,
        &view.repository_url,
    );
    if before.description != view.description {
        diff.note("description", &"…", &"(changed)");
    }
    if before.readme != view.readme {
        diff.note("readme", &"…", &"(changed)");
    }
    ctx.audit(Event::new("app.updated", "app", id).diff(diff.into_value()))
        .await?;
    ctx.commit().await?;
    Ok(axum::Json(view))
}

/// Delete an app that never had a published version (with its drafts,
/// packages and docs). A published app is deprecated instead (409).
#[utoipa::path(
    delete, path = "/v1/apps/{id}", tag = "apps", operation_id = "deleteApp",
    params(("id" = Uuid, Path, description = "App id")),
    responses(
        (status = 204, description = "App deleted"),
        (status = 409, description = "The app has published versions: deprecate it instead", body = qhub_lib::Problem, content_type = "application/problem+json"),
    ),
    security(("bearerAuth" = ["apps:write"]))
)]
async fn delete_app(
    State(state): State<AppState>,
    Scoped(mut ctx, _): Scoped<needs::AppsWrite>,
    Path(id): Path<Uuid>,
) -> Result<StatusCode, ApiError> {
    let tenant = ctx.principal.tenant_id;
    let app = own_app(&mut ctx.tx, tenant, id, true).await?;
    let ever_published = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM app_versions
                          WHERE app_id = $1 AND tenant_id = $2 AND status <> 'draft') AS "e!""#,
        id,
        tenant
    )
    .fetch_one(&mut *ctx.tx)
    .await?;
    if ever_published {
        return Err(ApiError::Conflict(
            "this app has published versions and cannot be deleted; deprecate it instead".into(),
        ));
    }
    sqlx::query!(
        "DELETE FROM apps WHERE id = $1 AND tenant_id = $2",
        id,
        tenant
    )
    .execute(&mut *ctx.tx)
    .await?;
    ctx.audit(Event::new("app.deleted", "app", id).diff(serde_json::json!({"slug": app.slug})))
        .await?;
    ctx.commit().await?;
    garbage::sweep_soon(state.db.clone(), state.packages.clone());
    Ok(StatusCode::NO_CONTENT)
}

/// Deprecate an app: it stays readable (and in the registry, marked
/// deprecated) but takes no new versions.
#[utoipa::path(
    post, path = "/v1/apps/{id}/deprecate", tag = "apps", operation_id = "deprecateApp",
    params(("id" = Uuid, Path, description = "App id")),
    responses((status = 200, description = "The deprecated app", body = AppView)),
    security(("bearerAuth" = ["registry:publish"]))
)]
async fn deprecate_app(
    Scoped(mut ctx, _): Scoped<needs::RegistryPublish>,
    Path(id): Path<Uuid>,
) -> Result<axum::Json<AppView>, ApiError> {
    let tenant = ctx.principal.tenant_id;
    let before = own_app(&mut ctx.tx, tenant, id, true).await?;
    if before.status != AppStatus::Deprecated {
        sqlx::query!(
            "UPDATE apps SET status = 'deprecated', updated_at = now() WHERE id = $1 AND tenant_id = $2",
            id,
            tenant
        )
        .execute(&mut *ctx.tx)
        .await?;
        ctx.audit(Event::new("app.deprecated", "app", id)).await?;
    }
    let view = own_app(&mut ctx.tx, tenant, id, false).await?;
    ctx.commit().await?;
    Ok(axum::Json(view))
}

/// Publish an app to the public registry. Needs visibility `public`, a
/// license and at least one published version (409 naming what is
/// missing). Idempotent.
#[utoipa::path(
    post, path = "/v1/apps/{id}/publish-registry", tag = "apps", operation_id = "publishAppToRegistry",
    params(("id" = Uuid, Path, description = "App id")),
    responses(
        (status = 200, description = "The app, now in the registry", body = AppView),
        (status = 409, description = "Not publishable yet: the detail says what is missing", body = qhub_lib::Problem, content_type = "application/problem+json"),
    ),
    security(("bearerAuth" = ["registry:publish"]))
)]
async fn publish_registry(
    Scoped(mut ctx, _): Scoped<needs::RegistryPublish>,
    Path(id): Path<Uuid>,
) -> Result<axum::Json<AppView>, ApiError> {
    let tenant = ctx.principal.tenant_id;
    let app = own_app(&mut ctx.tx, tenant, id, true).await?;
    let published = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM app_versions WHERE app_id = $1 AND status = 'published'"#,
        id
    )
    .fetch_one(&mut *ctx.tx)
    .await?;
    let mut missing = Vec::new();
    if app.visibility != Visibility::Public {
        missing.push("visibility must be public");
    }
    if app.license.is_none() {
        missing.push("a license is required");
    }
    if published == 0 {
        missing.push("at least one published version is required");
    }
    if app.status == AppStatus::Deprecated {
        missing.push("the app is deprecated");
    }
    if !missing.is_empty() {
        return Err(ApiError::Conflict(format!(
            "the app cannot be published to the registry yet: {}",
            missing.join("; ")
        )));
    }
    if app.registry_published_at.is_none() {
        sqlx::query!(
            "UPDATE apps SET registry_published_at = now(), updated_at = now(),
                    publisher_name = (SELECT name FROM tenants WHERE id = $2)
             WHERE id = $1 AND tenant_id = $2",
            id,
            tenant
        )
        .execute(&mut *ctx.tx)
        .await?;
        ctx.audit(Event::new("app.registry_published", "app", id))
            .await?;
    }
    let view = own_app(&mut ctx.tx, tenant, id, false).await?;
    ctx.commit().await?;
    Ok(axum::Json(view))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn update_checks_allow_clearing_but_create_does_not() {
        let mut checks = Checks::default();
        let c = check_app(
            &mut checks,
            true,
            None,
            None,
            None,
            Some(""),
            [("documentation_url", Some("")), ("repository_url", None)],
            None,
            None,
        );
        assert!(checks.finish().is_ok());
        assert_eq!(c.license, Some(None));
        let mut checks = Checks::default();
        check_app(
            &mut checks,
            false,
            Some("x"),
            Some("ab"),
            None,
            Some("Nope-1.0"),
            [("documentation_url", Some("")), ("repository_url", None)],
            None,
            Some(&["Bad Tag".to_owned()]),
        );
        let err = checks
            .finish()
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("validation"), "{err}");
    }
}
