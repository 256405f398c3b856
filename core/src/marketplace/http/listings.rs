//! Listings: a provider publishes an app with plans, changes and unlists
//! it, and sees its subscribers; everyone searches and reads listed ones;
//! a subscriber (or its subscription key) reads the app's versions, docs
//! and packages.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::{DateTime, Utc};
use qhub_lib::page::{Page, PageQuery};
use qhub_lib::ApiError;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::apps::model::{DocPage, DocView};
use crate::apps::store::{own_app, package_response};
use crate::audit::Event;
use crate::identity::extract::{needs, Scoped, ScopedOrKey, TenantCtx};
use crate::marketplace::model::{
    Currency, ListingPage, ListingStatus, ListingView, MarketplaceSort, PlanRef,
    PublishListingRequest, SubscriberPage, SubscriberView, SubscriptionState, UpdateListingRequest,
};
use crate::marketplace::{rules, store};
use crate::platform::extract::{Json, Path, Query};
use crate::platform::ranked::RankedPage;
use crate::platform::state::AppState;
use crate::platform::validate::{self, Checks};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(publish_listing))
        .routes(routes!(search_marketplace))
        .routes(routes!(get_listing, update_listing))
        .routes(routes!(unlist_listing))
        .routes(routes!(list_listing_versions))
        .routes(routes!(list_listing_docs))
        .routes(routes!(download_listing_package))
        .routes(routes!(list_subscribers))
}

/// A subscription key reaches only its own subscription's listing.
async fn readable_listing(ctx: &mut TenantCtx, id: Uuid) -> Result<ListingView, ApiError> {
    let tenant = ctx.principal.tenant_id;
    let listing = store::listing(&mut ctx.tx, tenant, id).await?;
    if let Some((_, _, app)) = ctx.principal.subscription_key() {
        if listing.app_id != app {
            return Err(store::listing_not_found());
        }
    }
    Ok(listing)
}

/// The app's versions, docs and packages: for the provider, and for a
/// consumer with a live subscription (row-level security decides).
async fn subscribed_app(ctx: &mut TenantCtx, id: Uuid) -> Result<ListingView, ApiError> {
    let listing = readable_listing(ctx, id).await?;
    if !listing.own && listing.subscription_id.is_none() {
        return Err(ApiError::Forbidden(
            "subscribe to this listing to read its versions, docs and packages".into(),
        ));
    }
    Ok(listing)
}

/// Sell an app on the marketplace: its plans, trial and support address.
/// The app must be the organization's own and have a published version.
#[utoipa::path(
    post, path = "/v1/apps/{id}/publish-marketplace", tag = "marketplace", operation_id = "publishMarketplace",
    params(("id" = Uuid, Path, description = "App id")),
    request_body = PublishListingRequest,
    responses(
        (status = 201, description = "The listing, each plan with its id", body = ListingView),
        (status = 409, description = "The app is already listed (change it with PATCH), or has no published version", body = qhub_lib::Problem, content_type = "application/problem+json"),
    ),
    security(("bearerAuth" = ["registry:publish"]))
)]
async fn publish_listing(
    Scoped(mut ctx, _): Scoped<needs::RegistryPublish>,
    Path(app_id): Path<Uuid>,
    Json(req): Json<PublishListingRequest>,
) -> Result<(StatusCode, axum::Json<ListingView>), ApiError> {
    let mut checks = Checks::default();
    rules::check_plans(&req.plans, "plans", &mut checks);
    rules::check_trial_days(req.trial_days, &mut checks);
    checks.check("support_email", validate::email(&req.support_email));
    checks.finish()?;
    let tenant = ctx.principal.tenant_id;
    own_app(&mut ctx.tx, tenant, app_id, true).await?;
    let published = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM app_versions WHERE app_id = $1 AND status = 'published') AS "x!""#,
        app_id
    )
    .fetch_one(&mut *ctx.tx)
    .await?;
    if !published {
        return Err(ApiError::Conflict(
            "publish a version of the app before selling it".into(),
        ));
    }
    let id = Uuid::now_v7();
    let inserted = sqlx::query!(
        r#"INSERT INTO marketplace_listings (id, tenant_id, app_id, trial_days, support_email,
                                            publisher_name, created_by)
           VALUES ($1, $2, $3, $4, $5, (SELECT name FROM tenants WHERE id = $2), $6)
           ON CONFLICT (app_id) DO NOTHING"#,
        id,
        tenant,
        app_id,
        req.trial_days,
        req.support_email,
        ctx.principal.user_id
    )
    .execute(&mut *ctx.tx)
    .await?;
    if inserted.rows_affected() == 0 {
        return Err(ApiError::Conflict(
            "this app is already on the marketplace; change its listing with PATCH".into(),
        ));
    }
    store::replace_plans(&mut ctx.tx, tenant, id, &req.plans).await?;
    ctx.audit(
        Event::new("marketplace.listed", "listing", id).diff(serde_json::json!({
            "app_id": app_id, "plans": req.plans.len(), "trial_days": req.trial_days,
        })),
    )
    .await?;
    let view = store::listing(&mut ctx.tx, tenant, id).await?;
    ctx.commit().await?;
    Ok((StatusCode::CREATED, axum::Json(view)))
}

/// Change a listing: plans, trial days, support address, or status.
#[utoipa::path(
    patch, path = "/v1/marketplace/{listing_id}", tag = "marketplace", operation_id = "updateListing",
    params(("listing_id" = Uuid, Path, description = "Listing id")),
    request_body = UpdateListingRequest,
    responses((status = 200, description = "The listing", body = ListingView)),
    security(("bearerAuth" = ["registry:publish"]))
)]
async fn update_listing(
    Scoped(mut ctx, _): Scoped<needs::RegistryPublish>,
    Path(id): Path<Uuid>,
    Json(req): Json<UpdateListingRequest>,
) -> Result<axum::Json<ListingView>, ApiError> {
    let mut checks = Checks::default();
    if let Some(plans) = &req.plans {
        rules::check_plans(plans, "plans", &mut checks);
    }
    if let Some(d) = req.trial_days {
        rules::check_trial_days(d, &mut checks);
    }
    if let Some(e) = &req.support_email {
        checks.check("support_email", validate::email(e));
    }
    checks.finish()?;
    let tenant = ctx.principal.tenant_id;
    let found = sqlx::query!(
        r#"UPDATE marketplace_listings
           SET trial_days = coalesce($3, trial_days),
               support_email = coalesce($4, support_email),
               status = coalesce($5, status),
               unlisted_at = CASE WHEN $5 = 'unlisted' AND status = 'listed' THEN now()
                                  WHEN $5 = 'listed' THEN NULL ELSE unlisted_at END,
               updated_at = now()
           WHERE id = $1 AND tenant_id = $2"#,
        id,
        tenant,
        req.trial_days,
        req.support_email,
        req.status.map(ListingStatus::as_str),
    )
    .execute(&mut *ctx.tx)
    .await?;
    if found.rows_affected() == 0 {
        return Err(store::listing_not_found());
    }
    if let Some(plans) = &req.plans {
        store::replace_plans(&mut ctx.tx, tenant, id, plans).await?;
    }
    ctx.audit(
        Event::new("marketplace.updated", "listing", id).diff(serde_json::json!({
            "plans": req.plans.as_ref().map(Vec::len), "trial_days": req.trial_days,
            "status": req.status.map(ListingStatus::as_str),
        })),
    )
    .await?;
    let view = store::listing(&mut ctx.tx, tenant, id).await?;
    ctx.commit().await?;
    Ok(axum::Json(view))
}

/// Take a listing off the marketplace. Nobody new can subscribe; existing
/// subscriptions run to the end of their current period, then expire.
#[utoipa::path(
    post, path = "/v1/marketplace/{listing_id}/unlist", tag = "marketplace", operation_id = "unlistListing",
    params(("listing_id" = Uuid, Path, description = "Listing id")),
    responses((status = 200, description = "The listing, unlisted", body = ListingView)),
    security(("bearerAuth" = ["registry:publish"]))
)]
async fn unlist_listing(
    Scoped(mut ctx, _): Scoped<needs::RegistryPublish>,
    Path(id): Path<Uuid>,
) -> Result<axum::Json<ListingView>, ApiError> {
    let tenant = ctx.principal.tenant_id;
    let found = sqlx::query!(
        r#"UPDATE marketplace_listings
           SET unlisted_at = CASE WHEN status = 'listed' THEN now() ELSE unlisted_at END,
               status = 'unlisted', updated_at = now()
           WHERE id = $1 AND tenant_id = $2"#,
        id,
        tenant
    )
    .execute(&mut *ctx.tx)
    .await?;
    if found.rows_affected() == 0 {
        return Err(store::listing_not_found());
    }
    ctx.audit(Event::new("marketplace.unlisted", "listing", id))
        .await?;
    let view = store::listing(&mut ctx.tx, tenant, id).await?;
    ctx.commit().await?;
    Ok(axum::Json(view))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MarketplaceQuery {
    /// Case-insensitive text in the app's name, description or tags.
    #[param(value_type = Option<crate::platform::validate::schema::SearchText>)]
    pub q: Option<String>,
    #[param(value_type = Option<crate::apps::rules::Tag>)]
    pub tag: Option<String>,
    /// Only listings with a plan in this currency.
    pub currency: Option<Currency>,
    /// Only listings whose cheapest plan costs at most this (minor units).
    #[param(minimum = 0, maximum = 100000000000_i64)]
    pub max_price: Option<i64>,
    /// `true`: the organization's own listings, listed or not.
    pub own: Option<bool>,
    /// Default `newest`.
    pub sort: Option<MarketplaceSort>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page (with the same filters).
    #[param(pattern = "^(o([0-9]{1,4}|10000))?$")]
    pub cursor: Option<String>,
}

/// Search the marketplace.
#[utoipa::path(
    get, path = "/v1/marketplace", tag = "marketplace", operation_id = "searchMarketplace",
    params(MarketplaceQuery),
    responses((status = 200, description = "A page of listings", body = ListingPage)),
    security(("bearerAuth" = ["apps:read"]))
)]
async fn search_marketplace(
    Scoped(mut ctx, _): Scoped<needs::AppsRead>,
    Query(f): Query<MarketplaceQuery>,
) -> Result<axum::Json<ListingPage>, ApiError> {
    let mut checks = Checks::default();
    let text = validate::search_text(f.q.as_deref(), &mut checks);
    let page = RankedPage::parse(f.limit, f.cursor.as_deref(), &mut checks);
    if f.max_price
        .is_some_and(|p| !(0..=100_000_000_000).contains(&p))
    {
        checks.check("max_price", Some("must be between 0 and 100000000000"));
    }
    if f.tag
        .as_deref()
        .is_some_and(|t| !crate::apps::rules::tag(t))
    {
        checks.check("tag", Some("is not a tag (a-z, 0-9 and '-', at most 32)"));
    }
    checks.finish()?;
    let tenant = ctx.principal.tenant_id;
    let sort = f.sort.unwrap_or(MarketplaceSort::Newest);
    let rows = sqlx::query_as!(
        store::ListingRow,
        r#"SELECT l.id, l.tenant_id, l.app_id, a.name AS app_name, a.slug AS app_slug,
                  a.description, a.tags, l.publisher_name, l.status AS "status: ListingStatus",
                  l.trial_days, l.support_email, l.min_price, l.subscriber_count, a.rating_sum,
                  a.rating_count,
                  (SELECT s.id FROM subscriptions s WHERE s.listing_id = l.id AND s.tenant_id = $1
                     AND s.state IN ('trialing', 'active')) AS subscription_id,
                  l.created_at, l.updated_at
           FROM marketplace_listings l JOIN apps a ON a.id = l.app_id
           WHERE (CASE WHEN $2 THEN l.tenant_id = $1 ELSE l.status = 'listed' END)
             AND ($3::text IS NULL OR strpos(lower(a.name || ' ' || a.description || ' '
                                                   || app.tags_text(a.tags)), $3) > 0)
             AND ($4::text IS NULL OR a.tags @> ARRAY[$4::text])
             AND ($5::text IS NULL OR EXISTS (SELECT 1 FROM marketplace_plans p
                                              WHERE p.listing_id = l.id AND p.active
                                                AND p.currency = $5))
             AND ($6::bigint IS NULL OR l.min_price <= $6)
           ORDER BY
             CASE WHEN $7 = 'price' THEN l.min_price END ASC NULLS LAST,
             CASE WHEN $7 = 'rating' THEN a.rating_sum::float8 / NULLIF(a.rating_count, 0) END
                  DESC NULLS LAST,
             CASE WHEN $7 = 'subscribers' THEN l.subscriber_count END DESC NULLS LAST,
             l.created_at DESC, l.id DESC
           LIMIT $8 OFFSET $9"#,
        tenant,
        f.own.unwrap_or(false),
        text,
        f.tag,
        f.currency.map(Currency::as_str),
        f.max_price,
        sort.as_str(),
        page.fetch(),
        page.offset,
    )
    .fetch_all(&mut *ctx.tx)
    .await?;
    let mut items = store::listing_views(&mut ctx.tx, tenant, rows).await?;
    let next_cursor = page.finish(&mut items);
    Ok(axum::Json(ListingPage { items, next_cursor }))
}

/// Read a listing: a listed one, the organization's own, or one it is
/// subscribed to (a subscription key: its own subscription's listing).
#[utoipa::path(
    get, path = "/v1/marketplace/{listing_id}", tag = "marketplace", operation_id = "getListing",
    params(("listing_id" = Uuid, Path, description = "Listing id")),
    responses((status = 200, description = "The listing", body = ListingView)),
    security(("bearerAuth" = ["apps:read"]))
)]
async fn get_listing(
    ScopedOrKey(mut ctx, _): ScopedOrKey<needs::AppsRead>,
    Path(id): Path<Uuid>,
) -> Result<axum::Json<ListingView>, ApiError> {
    Ok(axum::Json(readable_listing(&mut ctx, id).await?))
}

/// A published version of a listed app, as its subscribers see it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ListingVersion {
    pub id: Uuid,
    pub version: String,
    pub sdk: String,
    pub qubits: i32,
    pub release_notes: String,
    pub is_latest: bool,
    pub package_size: Option<i64>,
    pub package_sha256: Option<String>,
    pub published_at: Option<DateTime<Utc>>,
}

qhub_lib::page_of!(ListingVersionPage, ListingVersion);

/// The subscribed app's published versions, newest first.
#[utoipa::path(
    get, path = "/v1/marketplace/{listing_id}/versions", tag = "marketplace", operation_id = "listListingVersions",
    params(("listing_id" = Uuid, Path, description = "Listing id"), PageQuery),
    responses(
        (status = 200, description = "A page of published versions", body = ListingVersionPage),
        (status = 403, description = "Not subscribed", body = qhub_lib::Problem, content_type = "application/problem+json"),
    ),
    security(("bearerAuth" = ["apps:read"]))
)]
async fn list_listing_versions(
    ScopedOrKey(mut ctx, _): ScopedOrKey<needs::AppsRead>,
    Path(id): Path<Uuid>,
    Query(q): Query<PageQuery>,
) -> Result<axum::Json<ListingVersionPage>, ApiError> {
    let page = q.validate()?;
    let listing = subscribed_app(&mut ctx, id).await?;
    let rows = sqlx::query_as!(
        ListingVersion,
        r#"SELECT id, version, sdk, qubits, release_notes, is_latest, package_size,
                  package_sha256, published_at
           FROM app_versions
           WHERE app_id = $1 AND status = 'published' AND ($2::uuid IS NULL OR id < $2)
           ORDER BY id DESC LIMIT $3"#,
        listing.app_id,
        page.after,
        page.limit + 1
    )
    .fetch_all(&mut *ctx.tx)
    .await?;
    Ok(axum::Json(Page::from_rows(rows, page, |v| v.id).into()))
}

/// The subscribed app's documentation pages.
#[utoipa::path(
    get, path = "/v1/marketplace/{listing_id}/docs", tag = "marketplace", operation_id = "listListingDocs",
    params(("listing_id" = Uuid, Path, description = "Listing id"), PageQuery),
    responses(
        (status = 200, description = "A page of documentation pages", body = DocPage),
        (status = 403, description = "Not subscribed", body = qhub_lib::Problem, content_type = "application/problem+json"),
    ),
    security(("bearerAuth" = ["apps:read"]))
)]
async fn list_listing_docs(
    ScopedOrKey(mut ctx, _): ScopedOrKey<needs::AppsRead>,
    Path(id): Path<Uuid>,
    Query(q): Query<PageQuery>,
) -> Result<axum::Json<DocPage>, ApiError> {
    let page = q.validate()?;
    let listing = subscribed_app(&mut ctx, id).await?;
    let rows = sqlx::query_as!(
        DocView,
        r#"SELECT d.id, d.app_id, d.title, d.markdown, d.position AS "order", d.created_at,
                  d.updated_at
           FROM app_docs d
           WHERE d.app_id = $1
             AND ($2::uuid IS NULL OR (d.position, d.id) >
                  (SELECT c.position, c.id FROM app_docs c WHERE c.id = $2))
           ORDER BY d.position, d.id LIMIT $3"#,
        listing.app_id,
        page.after,
        page.limit + 1,
    )
    .fetch_all(&mut *ctx.tx)
    .await?;
    Ok(axum::Json(Page::from_rows(rows, page, |d| d.id).into()))
}

/// Download a published version's package of the subscribed app.
#[utoipa::path(
    get, path = "/v1/marketplace/{listing_id}/versions/{version_id}/package", tag = "marketplace", operation_id = "downloadListingPackage",
    params(("listing_id" = Uuid, Path, description = "Listing id"), ("version_id" = Uuid, Path, description = "Version id")),
    responses(
        (status = 200, description = "The package bytes, with `ETag`", body = crate::apps::rules::PackageBytes, content_type = "application/octet-stream"),
        (status = 304, description = "Not modified (`If-None-Match` matched)"),
        (status = 403, description = "Not subscribed", body = qhub_lib::Problem, content_type = "application/problem+json"),
    ),
    security(("bearerAuth" = ["apps:read"]))
)]
async fn download_listing_package(
    State(state): State<AppState>,
    ScopedOrKey(mut ctx, _): ScopedOrKey<needs::AppsRead>,
    Path((id, vid)): Path<(Uuid, Uuid)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let listing = subscribed_app(&mut ctx, id).await?;
    let v = sqlx::query!(
        r#"SELECT version, package_key, package_size, package_sha256 FROM app_versions
           WHERE id = $1 AND app_id = $2 AND status = 'published'"#,
        vid,
        listing.app_id
    )
    .fetch_optional(&mut *ctx.tx)
    .await?
    .ok_or_else(|| ApiError::NotFound("no such published version".into()))?;
    ctx.commit().await?;
    let (Some(key), Some(size), Some(sha)) = (v.package_key, v.package_size, v.package_sha256)
    else {
        return Err(ApiError::NotFound("this version has no package".into()));
    };
    package_response(
        &state.packages,
        &key,
        size,
        &sha,
        &format!("{}-{}", listing.app_slug, v.version),
        headers.get(axum::http::header::IF_NONE_MATCH),
    )
    .await
}

/// The subscribers of one of the organization's apps: each consumer's
/// organization name (as it was when it subscribed), plan, state and since
/// when — nothing else of them.
#[utoipa::path(
    get, path = "/v1/apps/{id}/subscribers", tag = "marketplace", operation_id = "listSubscribers",
    params(("id" = Uuid, Path, description = "App id"), PageQuery),
    responses((status = 200, description = "A page of subscribers, newest first", body = SubscriberPage)),
    security(("bearerAuth" = ["registry:publish"]))
)]
async fn list_subscribers(
    Scoped(mut ctx, _): Scoped<needs::RegistryPublish>,
    Path(app_id): Path<Uuid>,
    Query(q): Query<PageQuery>,
) -> Result<axum::Json<SubscriberPage>, ApiError> {
    let page = q.validate()?;
    let tenant = ctx.principal.tenant_id;
    own_app(&mut ctx.tx, tenant, app_id, false).await?;
    let rows = sqlx::query!(
        r#"SELECT s.id, s.consumer_name, s.state AS "state: SubscriptionState", s.created_at,
                  p.id AS plan_id, p.name AS plan_name
           FROM subscriptions s JOIN marketplace_plans p ON p.id = s.plan_id
           WHERE s.provider_tenant_id = $1 AND s.app_id = $2 AND ($3::uuid IS NULL OR s.id < $3)
           ORDER BY s.id DESC LIMIT $4"#,
        tenant,
        app_id,
        page.after,
        page.limit + 1
    )
    .fetch_all(&mut *ctx.tx)
    .await?;
    let items = rows
        .into_iter()
        .map(|r| SubscriberView {
            id: r.id,
            name: r.consumer_name,
            plan: PlanRef {
                id: r.plan_id,
                name: r.plan_name,
            },
            state: r.state,
            since: r.created_at,
        })
        .collect();
    Ok(axum::Json(Page::from_rows(items, page, |s| s.id).into()))
}
