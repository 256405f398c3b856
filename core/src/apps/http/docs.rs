//! Documentation pages of an app: written by its organization, readable
//! wherever the app is visible (its organization; everyone once the app is
//! in the registry, through the `registry_read` policy).

use axum::http::StatusCode;
use qhub_lib::page::{Page, PageQuery};
use qhub_lib::ApiError;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::apps::model::{DocPage, DocView};
use crate::apps::rules::{self, MAX_MARKDOWN};
use crate::apps::store::{app_not_found, own_app};
use crate::audit::{Diff, Event};
use crate::identity::extract::{needs, Scoped};
use crate::platform::extract::{Json, Path, Query};
use crate::platform::state::AppState;
use crate::platform::validate::{self, Checks};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_docs, create_doc))
        .routes(routes!(get_doc, update_doc, delete_doc))
}

/// Pages per app.
const MAX_DOCS_PER_APP: i64 = 200;

fn not_found() -> ApiError {
    ApiError::NotFound("no such documentation page".into())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateDocRequest {
    #[schema(value_type = crate::platform::validate::schema::DisplayName)]
    pub title: String,
    #[serde(default, alias = "content")]
    #[schema(value_type = Option<crate::apps::rules::Markdown>)]
    pub markdown: Option<String>,
    /// Position among the app's pages (0–10000, default 0).
    #[serde(default, deserialize_with = "validate::present_integer")]
    #[schema(value_type = i32, minimum = 0, maximum = 10000)]
    pub order: Option<i32>,
}

/// At least one field.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateDocRequest {
    #[serde(default, deserialize_with = "validate::present")]
    #[schema(value_type = crate::platform::validate::schema::DisplayName)]
    pub title: Option<String>,
    #[serde(default, alias = "content", deserialize_with = "validate::present")]
    #[schema(value_type = crate::apps::rules::Markdown)]
    pub markdown: Option<String>,
    #[serde(default, deserialize_with = "validate::present_integer")]
    #[schema(value_type = i32, minimum = 0, maximum = 10000)]
    pub order: Option<i32>,
}

fn check(checks: &mut Checks, title: Option<&str>, markdown: Option<&str>, order: Option<i32>) {
    if let Some(t) = title {
        checks.check("title", validate::name(t));
    }
    if let Some(m) = markdown {
        checks.check("markdown", rules::long_text(m, MAX_MARKDOWN));
    }
    if let Some(o) = order {
        checks.check(
            "order",
            (!(0..=10_000).contains(&o)).then_some("must be between 0 and 10000"),
        );
    }
}

/// Whether the caller may read the app's docs: its own app, or one in the
/// registry (RLS decides which rows of another organization are visible).
async fn readable_app(conn: &mut sqlx::PgConnection, id: Uuid) -> Result<(), ApiError> {
    sqlx::query_scalar!("SELECT id FROM apps WHERE id = $1", id)
        .fetch_optional(conn)
        .await?
        .map(|_| ())
        .ok_or_else(app_not_found)
}

/// Add a documentation page to an app.
#[utoipa::path(
    post, path = "/v1/apps/{id}/docs", tag = "apps", operation_id = "createAppDoc",
    params(("id" = Uuid, Path, description = "App id")),
    request_body = CreateDocRequest,
    responses(
        (status = 201, description = "Page created", body = DocView),
        (status = 409, description = "The app has the most pages allowed (200)", body = qhub_lib::Problem, content_type = "application/problem+json"),
    ),
    security(("bearerAuth" = ["apps:write"]))
)]
async fn create_doc(
    Scoped(mut ctx, _): Scoped<needs::AppsWrite>,
    Path(app_id): Path<Uuid>,
    Json(req): Json<CreateDocRequest>,
) -> Result<(StatusCode, axum::Json<DocView>), ApiError> {
    let mut checks = Checks::default();
    check(
        &mut checks,
        Some(&req.title),
        req.markdown.as_deref(),
        req.order,
    );
    checks.finish()?;
    let p = ctx.principal;
    own_app(&mut ctx.tx, p.tenant_id, app_id, true).await?;
    let n = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM app_docs WHERE app_id = $1"#,
        app_id
    )
    .fetch_one(&mut *ctx.tx)
    .await?;
    if n >= MAX_DOCS_PER_APP {
        return Err(ApiError::Conflict(format!(
            "an app has at most {MAX_DOCS_PER_APP} documentation pages"
        )));
    }
    let view = sqlx::query_as!(
        DocView,
        r#"INSERT INTO app_docs (id, tenant_id, app_id, title, markdown, position, created_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           RETURNING id, app_id, title, markdown, position AS "order", created_at, updated_at"#,
        Uuid::now_v7(),
        p.tenant_id,
        app_id,
        req.title.trim(),
        req.markdown.as_deref().unwrap_or_default(),
        req.order.unwrap_or(0),
        p.user_id,
    )
    .fetch_one(&mut *ctx.tx)
    .await?;
    ctx.audit(
        Event::new("app_doc.created", "app_doc", view.id)
            .diff(serde_json::json!({"app_id": app_id, "title": view.title})),
    )
    .await?;
    ctx.commit().await?;
    Ok((StatusCode::CREATED, axum::Json(view)))
}

/// List an app's documentation pages by `order`.
#[utoipa::path(
    get, path = "/v1/apps/{id}/docs", tag = "apps", operation_id = "listAppDocs",
    params(("id" = Uuid, Path, description = "App id"), PageQuery),
    responses((status = 200, description = "A page of documentation pages", body = DocPage)),
    security(("bearerAuth" = ["apps:read"]))
)]
async fn list_docs(
    Scoped(mut ctx, _): Scoped<needs::AppsRead>,
    Path(app_id): Path<Uuid>,
    Query(q): Query<PageQuery>,
) -> Result<axum::Json<DocPage>, ApiError> {
    let page = q.validate()?;
    readable_app(&mut ctx.tx, app_id).await?;
    // Ordered by (order, id); the cursor is the last id, so the next page
    // starts after that row's (order, id).
    let rows = sqlx::query_as!(
        DocView,
        r#"SELECT d.id, d.app_id, d.title, d.markdown, d.position AS "order", d.created_at,
                  d.updated_at
           FROM app_docs d
           WHERE d.app_id = $1
             AND ($2::uuid IS NULL OR (d.position, d.id) >
                  (SELECT c.position, c.id FROM app_docs c WHERE c.id = $2))
           ORDER BY d.position, d.id LIMIT $3"#,
        app_id,
        page.after,
        page.limit + 1,
    )
    .fetch_all(&mut *ctx.tx)
    .await?;
    Ok(axum::Json(Page::from_rows(rows, page, |d| d.id).into()))
}

/// Read a documentation page.
#[utoipa::path(
    get, path = "/v1/apps/{id}/docs/{doc_id}", tag = "apps", operation_id = "getAppDoc",
    params(("id" = Uuid, Path, description = "App id"), ("doc_id" = Uuid, Path, description = "Page id")),
    responses((status = 200, description = "The page", body = DocView)),
    security(("bearerAuth" = ["apps:read"]))
)]
async fn get_doc(
    Scoped(mut ctx, _): Scoped<needs::AppsRead>,
    Path((app_id, doc_id)): Path<(Uuid, Uuid)>,
) -> Result<axum::Json<DocView>, ApiError> {
    let view = sqlx::query_as!(
        DocView,
        r#"SELECT id, app_id, title, markdown, position AS "order", created_at, updated_at
           FROM app_docs WHERE id = $1 AND app_id = $2"#,
        doc_id,
        app_id
    )
    .fetch_optional(&mut *ctx.tx)
    .await?
    .ok_or_else(not_found)?;
    Ok(axum::Json(view))
}

/// Change a documentation page.
#[utoipa::path(
    patch, path = "/v1/apps/{id}/docs/{doc_id}", tag = "apps", operation_id = "updateAppDoc",
    params(("id" = Uuid, Path, description = "App id"), ("doc_id" = Uuid, Path, description = "Page id")),
    request_body = UpdateDocRequest,
    responses((status = 200, description = "The changed page", body = DocView)),
    security(("bearerAuth" = ["apps:write"]))
)]
async fn update_doc(
    Scoped(mut ctx, _): Scoped<needs::AppsWrite>,
    Path((app_id, doc_id)): Path<(Uuid, Uuid)>,
    Json(req): Json<UpdateDocRequest>,
) -> Result<axum::Json<DocView>, ApiError> {
    let mut checks = Checks::default();
    check(
        &mut checks,
        req.title.as_deref(),
        req.markdown.as_deref(),
        req.order,
    );
    if req.title.is_none() && req.markdown.is_none() && req.order.is_none() {
        checks.check("body", Some("give at least one field to change"));
    }
    checks.finish()?;
    let tenant = ctx.principal.tenant_id;
    let before = sqlx::query!(
        "SELECT title, position FROM app_docs WHERE id = $1 AND app_id = $2 AND tenant_id = $3",
        doc_id,
        app_id,
        tenant
    )
    .fetch_optional(&mut *ctx.tx)
    .await?
    .ok_or_else(not_found)?;
    let view = sqlx::query_as!(
        DocView,
        r#"UPDATE app_docs SET title = coalesce($3, title), markdown = coalesce($4, markdown),
                  position = coalesce($5, position), updated_at = now()
           WHERE id = $1 AND tenant_id = $2
           RETURNING id, app_id, title, markdown, position AS "order", created_at, updated_at"#,
        doc_id,
        tenant,
        req.title.as_deref().map(str::trim),
        req.markdown,
        req.order,
    )
    .fetch_one(&mut *ctx.tx)
    .await?;
    let mut diff = Diff::default();
    diff.note("title", &before.title, &view.title);
    diff.note("order", &before.position, &view.order);
    ctx.audit(Event::new("app_doc.updated", "app_doc", doc_id).diff(diff.into_value()))
        .await?;
    ctx.commit().await?;
    Ok(axum::Json(view))
}

/// Delete a documentation page.
#[utoipa::path(
    delete, path = "/v1/apps/{id}/docs/{doc_id}", tag = "apps", operation_id = "deleteAppDoc",
    params(("id" = Uuid, Path, description = "App id"), ("doc_id" = Uuid, Path, description = "Page id")),
    responses((status = 204, description = "Page deleted")),
    security(("bearerAuth" = ["apps:write"]))
)]
async fn delete_doc(
    Scoped(mut ctx, _): Scoped<needs::AppsWrite>,
    Path((app_id, doc_id)): Path<(Uuid, Uuid)>,
) -> Result<StatusCode, ApiError> {
    let tenant = ctx.principal.tenant_id;
    sqlx::query!(
        "DELETE FROM app_docs WHERE id = $1 AND app_id = $2 AND tenant_id = $3 RETURNING id",
        doc_id,
        app_id,
        tenant
    )
    .fetch_optional(&mut *ctx.tx)
    .await?
    .ok_or_else(not_found)?;
    ctx.audit(
        Event::new("app_doc.deleted", "app_doc", doc_id)
            .diff(serde_json::json!({"app_id": app_id})),
    )
    .await?;
    ctx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
