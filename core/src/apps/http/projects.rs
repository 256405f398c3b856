//! Projects: an organization's private workspaces; a project is released as
//! an app.

use axum::http::StatusCode;
use qhub_lib::error::on_constraint;
use qhub_lib::page::{Page, PageQuery};
use qhub_lib::ApiError;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::apps::model::{AppStatus, AppType, AppView, ProjectPage, ProjectView, Visibility};
use crate::apps::rules::{self, MAX_DESCRIPTION};
use crate::apps::store::AppRow;
use crate::audit::{Diff, Event};
use crate::identity::extract::{needs, Scoped};
use crate::platform::extract::{Json, Path, Query};
use crate::platform::state::AppState;
use crate::platform::validate::{self, Checks};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_projects, create_project))
        .routes(routes!(get_project, update_project, delete_project))
        .routes(routes!(release_project))
}

fn not_found() -> ApiError {
    ApiError::NotFound("no such project".into())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateProjectRequest {
    #[schema(value_type = crate::platform::validate::schema::DisplayName)]
    pub name: String,
    #[serde(default)]
    #[schema(value_type = Option<crate::apps::rules::Description>)]
    pub description: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<crate::apps::rules::HttpUrl>)]
    pub repository_url: Option<String>,
}

/// At least one field. `""` clears `description` or `repository_url`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateProjectRequest {
    #[serde(default, deserialize_with = "validate::present")]
    #[schema(value_type = crate::platform::validate::schema::DisplayName)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "validate::present")]
    #[schema(value_type = crate::apps::rules::Description)]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "validate::present")]
    #[schema(value_type = crate::apps::rules::OptionalHttpUrl)]
    pub repository_url: Option<String>,
}

fn check_fields(
    checks: &mut Checks,
    name: Option<&str>,
    description: Option<&str>,
    url: Option<&str>,
) {
    if let Some(n) = name {
        checks.check("name", validate::name(n));
    }
    if let Some(d) = description {
        checks.check("description", rules::long_text(d, MAX_DESCRIPTION));
    }
    if let Some(u) = url.filter(|u| !u.is_empty()) {
        checks.check("repository_url", rules::url(u));
    }
}

/// Create a project.
#[utoipa::path(
    post, path = "/v1/projects", tag = "projects", operation_id = "createProject",
    request_body = CreateProjectRequest,
    responses(
        (status = 201, description = "Project created", body = ProjectView),
        (status = 409, description = "The organization has the most projects allowed (1000)", body = qhub_lib::Problem, content_type = "application/problem+json"),
    ),
    security(("bearerAuth" = ["apps:write"]))
)]
async fn create_project(
    Scoped(mut ctx, _): Scoped<needs::AppsWrite>,
    Json(req): Json<CreateProjectRequest>,
) -> Result<(StatusCode, axum::Json<ProjectView>), ApiError> {
    let mut checks = Checks::default();
    check_fields(
        &mut checks,
        Some(&req.name),
        req.description.as_deref(),
        req.repository_url.as_deref(),
    );
    if req.repository_url.as_deref() == Some("") {
        checks.check("repository_url", rules::url(""));
    }
    checks.finish()?;
    let p = ctx.principal;
    let n = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM projects WHERE tenant_id = $1"#,
        p.tenant_id
    )
    .fetch_one(&mut *ctx.tx)
    .await?;
    if n >= rules::MAX_PROJECTS_PER_TENANT {
        return Err(ApiError::Conflict(format!(
            "an organization has at most {} projects",
            rules::MAX_PROJECTS_PER_TENANT
        )));
    }
    let view = sqlx::query_as!(
        ProjectView,
        "INSERT INTO projects (id, tenant_id, name, description, repository_url, created_by)
         VALUES ($1, $2, $3, $4, $5, $6)
         RETURNING id, name, description, repository_url, created_by, created_at, updated_at",
        Uuid::now_v7(),
        p.tenant_id,
        req.name.trim(),
        req.description.as_deref().unwrap_or_default(),
        req.repository_url,
        p.user_id,
    )
    .fetch_one(&mut *ctx.tx)
    .await?;
    ctx.audit(
        Event::new("project.created", "project", view.id)
            .diff(serde_json::json!({"name": view.name})),
    )
    .await?;
    ctx.commit().await?;
    Ok((StatusCode::CREATED, axum::Json(view)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProjectFilter {
    /// Only projects whose name contains this text (case-insensitive).
    #[param(value_type = Option<crate::platform::validate::schema::SearchText>)]
    pub q: Option<String>,
}

/// List the organization's projects, newest first.
#[utoipa::path(
    get, path = "/v1/projects", tag = "projects", operation_id = "listProjects",
    params(PageQuery, ProjectFilter),
    responses((status = 200, description = "A page of projects", body = ProjectPage)),
    security(("bearerAuth" = ["apps:read"]))
)]
async fn list_projects(
    Scoped(mut ctx, _): Scoped<needs::AppsRead>,
    Query(q): Query<PageQuery>,
    Query(f): Query<ProjectFilter>,
) -> Result<axum::Json<ProjectPage>, ApiError> {
    let page = q.validate()?;
    let mut checks = Checks::default();
    let text = validate::search_text(f.q.as_deref(), &mut checks);
    checks.finish()?;
    let rows = sqlx::query_as!(
        ProjectView,
        "SELECT id, name, description, repository_url, created_by, created_at, updated_at
         FROM projects
         WHERE tenant_id = $1 AND ($2::uuid IS NULL OR id < $2)
           AND ($4::text IS NULL OR strpos(lower(name), $4) > 0)
         ORDER BY id DESC LIMIT $3",
        ctx.principal.tenant_id,
        page.after,
        page.limit + 1,
        text,
    )
    .fetch_all(&mut *ctx.tx)
    .await?;
    Ok(axum::Json(Page::from_rows(rows, page, |p| p.id).into()))
}

async fn fetch(
    conn: &mut sqlx::PgConnection,
    tenant: Uuid,
    id: Uuid,
) -> Result<ProjectView, ApiError> {
    sqlx::query_as!(
        ProjectView,
        "SELECT id, name, description, repository_url, created_by, created_at, updated_at
         FROM projects WHERE id = $1 AND tenant_id = $2",
        id,
        tenant
    )
    .fetch_optional(conn)
    .await?
    .ok_or_else(not_found)
}

/// Read a project.
#[utoipa::path(
    get, path = "/v1/projects/{id}", tag = "projects", operation_id = "getProject",
    params(("id" = Uuid, Path, description = "Project id")),
    responses((status = 200, description = "The project", body = ProjectView)),
    security(("bearerAuth" = ["apps:read"]))
)]
async fn get_project(
    Scoped(mut ctx, _): Scoped<needs::AppsRead>,
    Path(id): Path<Uuid>,
) -> Result<axum::Json<ProjectView>, ApiError> {
    let tenant = ctx.principal.tenant_id;
    Ok(axum::Json(fetch(&mut ctx.tx, tenant, id).await?))
}

/// Change a project's name, description or repository URL.
#[utoipa::path(
    patch, path = "/v1/projects/{id}", tag = "projects", operation_id = "updateProject",
    params(("id" = Uuid, Path, description = "Project id")),
    request_body = UpdateProjectRequest,
    responses((status = 200, description = "The changed project", body = ProjectView)),
    security(("bearerAuth" = ["apps:write"]))
)]
async fn update_project(
    Scoped(mut ctx, _): Scoped<needs::AppsWrite>,
    Path(id): Path<Uuid>,
    Json(req): Json<UpdateProjectRequest>,
) -> Result<axum::Json<ProjectView>, ApiError> {
    let mut checks = Checks::default();
    check_fields(
        &mut checks,
        req.name.as_deref(),
        req.description.as_deref(),
        req.repository_url.as_deref(),
    );
    if req.name.is_none() && req.description.is_none() && req.repository_url.is_none() {
        checks.check("body", Some("give at least one field to change"));
    }
    checks.finish()?;
    let tenant = ctx.principal.tenant_id;
    let before = fetch(&mut ctx.tx, tenant, id).await?;
    let url = req
        .repository_url
        .as_deref()
        .map(|u| (!u.is_empty()).then_some(u));
    let view = sqlx::query_as!(
        ProjectView,
        "UPDATE projects SET name = coalesce($3, name), description = coalesce($4, description),
                repository_url = CASE WHEN $5 THEN $6 ELSE repository_url END,
                updated_at = now()
         WHERE id = $1 AND tenant_id = $2
         RETURNING id, name, description, repository_url, created_by, created_at, updated_at",
        id,
        tenant,
        req.name.as_deref().map(str::trim),
        req.description,
        url.is_some(),
        url.flatten(),
    )
    .fetch_one(&mut *ctx.tx)
    .await?;
    let mut diff = Diff::default();
    diff.note("name", &before.name, &view.name);
    diff.note("description", &before.description, &view.description);
    diff.note(
        "repository_url",
        &before.repository_url,
        &view.repository_url,
    );
    ctx.audit(Event::new("project.updated", "project", id).diff(diff.into_value()))
        .await?;
    ctx.commit().await?;
    Ok(axum::Json(view))
}

/// Delete a project. Apps released from it stay (their `project_id`
/// becomes null).
#[utoipa::path(
    delete, path = "/v1/projects/{id}", tag = "projects", operation_id = "deleteProject",
    params(("id" = Uuid, Path, description = "Project id")),
    responses((status = 204, description = "Project deleted")),
    security(("bearerAuth" = ["apps:write"]))
)]
async fn delete_project(
    Scoped(mut ctx, _): Scoped<needs::AppsWrite>,
    Path(id): Path<Uuid>,
) -> Result<StatusCode, ApiError> {
    let tenant = ctx.principal.tenant_id;
    sqlx::query!(
        "DELETE FROM projects WHERE id = $1 AND tenant_id = $2 RETURNING id",
        id,
        tenant
    )
    .fetch_optional(&mut *ctx.tx)
    .await?
    .ok_or_else(not_found)?;
    ctx.audit(Event::new("project.deleted", "project", id))
        .await?;
    ctx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReleaseProjectRequest {
    /// Default: made from the project's name.
    #[serde(default)]
    #[schema(value_type = Option<crate::apps::rules::AppSlug>)]
    pub slug: Option<String>,
    /// Default `application`.
    #[serde(default, rename = "type")]
    pub app_type: Option<AppType>,
    /// Default `private`.
    #[serde(default)]
    pub visibility: Option<Visibility>,
}

/// A slug from a name: lower-case ASCII letters and digits, runs of
/// anything else one '-', at most 40 characters; padded to 3.
fn slug_from(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let mut s: String = out.trim_matches('-').chars().take(40).collect();
    s = s.trim_end_matches('-').to_owned();
    while s.len() < 3 {
        s.push('0');
    }
    s
}

/// Release a project as a new draft app (the project's name and
/// description carried over).
#[utoipa::path(
    post, path = "/v1/projects/{id}/release", tag = "projects", operation_id = "releaseProject",
    params(("id" = Uuid, Path, description = "Project id")),
    request_body(content = Option<ReleaseProjectRequest>, description = "Optional: slug, type, visibility"),
    responses(
        (status = 201, description = "The new app", body = AppView),
        (status = 409, description = "The slug is taken in this organization", body = qhub_lib::Problem, content_type = "application/problem+json"),
    ),
    security(("bearerAuth" = ["apps:write"]))
)]
async fn release_project(
    Scoped(mut ctx, _): Scoped<needs::AppsWrite>,
    Path(id): Path<Uuid>,
    body: Option<Json<ReleaseProjectRequest>>,
) -> Result<(StatusCode, axum::Json<AppView>), ApiError> {
    let req = body.map(|Json(r)| r).unwrap_or_default();
    let mut checks = Checks::default();
    if let Some(s) = &req.slug {
        checks.check("slug", validate::slug(s));
    }
    checks.finish()?;
    let p = ctx.principal;
    let project = fetch(&mut ctx.tx, p.tenant_id, id).await?;
    rules::room_for_an_app(&mut ctx.tx, p.tenant_id).await?;
    let slug = req.slug.unwrap_or_else(|| slug_from(&project.name));
    let app = sqlx::query_as!(
        AppRow,
        r#"INSERT INTO apps (id, tenant_id, project_id, name, slug, description, app_type,
                             visibility, repository_url, created_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
           RETURNING id, project_id, name, slug, description, app_type AS "app_type: AppType",
                     visibility AS "visibility: Visibility", license, documentation_url,
                     repository_url, readme, tags, status AS "status: AppStatus",
                     registry_published_at, latest_version, downloads, views, rating_sum,
                     rating_count, created_at, updated_at"#,
        Uuid::now_v7(),
        p.tenant_id,
        project.id,
        project.name,
        slug,
        project.description,
        req.app_type.unwrap_or(AppType::Application) as AppType,
        req.visibility.unwrap_or(Visibility::Private) as Visibility,
        project.repository_url,
        p.user_id,
    )
    .fetch_one(&mut *ctx.tx)
    .await
    .map_err(on_constraint("apps_tenant_slug", || ApiError::Taken {
        field: "slug",
        detail: "an app with this slug already exists in this organization".into(),
    }))?;
    let view = AppView::from(app);
    ctx.audit(
        Event::new("project.released", "app", view.id)
            .diff(serde_json::json!({"project_id": id, "slug": view.slug})),
    )
    .await?;
    ctx.commit().await?;
    Ok((StatusCode::CREATED, axum::Json(view)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_from_names() {
        assert_eq!(slug_from("Grover Search!"), "grover-search");
        assert_eq!(slug_from("  QAOA  "), "qaoa");
        assert_eq!(slug_from("é"), "000");
        assert_eq!(slug_from(&"ab ".repeat(30)).len(), 40);
        assert!(validate::slug(&slug_from(&"ab ".repeat(30))).is_none());
    }
}
