//! Subscriptions, owned by the consumer: trial, subscribe, change plan,
//! cancel at period end; and their subscription keys.

use axum::extract::State;
use axum::http::StatusCode;
use chrono::{Duration, Utc};
use qhub_lib::error::on_constraints;
use qhub_lib::page::{Page, PageQuery};
use qhub_lib::ApiError;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::audit::Event;
use crate::identity::extract::{needs, Scoped, TenantCtx};
use crate::identity::subkeys;
use crate::marketplace::model::{
    CreateKeyRequest, ListingStatus, NewSubscriptionKey, PlanPeriod, SubscribeRequest,
    SubscriptionKeyPage, SubscriptionKeyView, SubscriptionPage, SubscriptionState,
    SubscriptionView, UpdateSubscriptionRequest,
};
use crate::marketplace::{rules, store};
use crate::notifications::{self, NotificationType, To};
use crate::platform::extract::{Json, Path, Query};
use crate::platform::state::AppState;
use crate::platform::validate::Checks;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(start_trial))
        .routes(routes!(subscribe))
        .routes(routes!(list_subscriptions))
        .routes(routes!(
            get_subscription,
            update_subscription,
            cancel_subscription
        ))
        .routes(routes!(list_subscription_keys, create_subscription_key))
        .routes(routes!(revoke_subscription_key))
}

#[derive(Clone, Copy, PartialEq)]
enum Start {
    Trial,
    Paid,
}

/// A new subscription to a listed listing on one of its plans; the unique
/// index `subscriptions_one_live` decides between concurrent calls.
async fn start(
    state: &AppState,
    mut ctx: TenantCtx,
    listing_id: Uuid,
    plan_id: Uuid,
    how: Start,
) -> Result<SubscriptionView, ApiError> {
    let tenant = ctx.principal.tenant_id;
    let l = sqlx::query!(
        r#"SELECT l.tenant_id, l.app_id, l.status, l.trial_days,
                  p.period AS "period?: PlanPeriod", p.active AS "active?"
           FROM marketplace_listings l
           LEFT JOIN marketplace_plans p ON p.id = $2 AND p.listing_id = l.id
           WHERE l.id = $1"#,
        listing_id,
        plan_id
    )
    .fetch_optional(&mut *ctx.tx)
    .await?
    .filter(|l| l.status == ListingStatus::Listed.as_str() || l.tenant_id == tenant)
    .ok_or_else(store::listing_not_found)?;
    if l.tenant_id == tenant {
        return Err(ApiError::Conflict(
            "an organization cannot subscribe to its own listing".into(),
        ));
    }
    if l.status != ListingStatus::Listed.as_str() {
        return Err(store::listing_not_found());
    }
    let (Some(period), Some(true)) = (l.period, l.active) else {
        return Err(ApiError::field("plan", "is not a plan this listing offers"));
    };
    let now = Utc::now();
    let (state_name, trial_ends_at, period_end) = match how {
        Start::Trial => {
            if l.trial_days == 0 {
                return Err(ApiError::Conflict("this listing offers no trial".into()));
            }
            let end = now + Duration::days(i64::from(l.trial_days));
            (SubscriptionState::Trialing, Some(end), end)
        }
        Start::Paid => (
            SubscriptionState::Active,
            None,
            rules::period_end(now, period),
        ),
    };
    let id = Uuid::now_v7();
    sqlx::query!(
        r#"INSERT INTO subscriptions (id, tenant_id, listing_id, app_id, provider_tenant_id,
               consumer_name, app_name, plan_id, state, trial_ends_at, current_period_start,
               current_period_end, created_by)
           VALUES ($1, $2, $3, $4, $5, (SELECT name FROM tenants WHERE id = $2),
                   (SELECT name FROM apps WHERE id = $4), $6, $7, $8, $9, $10, $11)"#,
        id,
        tenant,
        listing_id,
        l.app_id,
        l.tenant_id,
        plan_id,
        state_name.as_str(),
        trial_ends_at,
        now,
        period_end,
        ctx.principal.user_id
    )
    .execute(&mut *ctx.tx)
    .await
    .map_err(on_constraints(vec![
        (
            "subscriptions_one_live",
            ApiError::Conflict(
                "the organization already has a live subscription to this listing".into(),
            ),
        ),
        (
            "subscriptions_one_trial",
            ApiError::Conflict("the organization has already had a trial of this listing".into()),
        ),
    ]))?;
    store::next_segment(
        &mut ctx.tx,
        tenant,
        id,
        now,
        Some((plan_id, how == Start::Trial)),
    )
    .await?;
    ctx.audit(
        Event::new("subscription.created", "subscription", id).diff(serde_json::json!({
            "listing_id": listing_id, "plan_id": plan_id, "state": state_name.as_str(),
        })),
    )
    .await?;
    let wires =
        notifications::notify_provider(&mut ctx.tx, id, NotificationType::NewSubscriber).await?;
    let view = store::subscription(&mut ctx.tx, tenant, id).await?;
    ctx.commit().await?;
    notifications::publish(state, wires);
    Ok(view)
}

/// Start a free trial of a listing on one of its plans: `trialing` for the
/// listing's trial days, then `active` on that plan unless canceled. One
/// trial per organization per listing.
#[utoipa::path(
    post, path = "/v1/marketplace/{listing_id}/trial", tag = "subscriptions", operation_id = "startTrial",
    params(("listing_id" = Uuid, Path, description = "Listing id")),
    request_body = SubscribeRequest,
    responses(
        (status = 201, description = "The subscription, trialing", body = SubscriptionView),
        (status = 409, description = "Already subscribed, a trial already used, no trial offered, or one's own listing", body = qhub_lib::Problem, content_type = "application/problem+json"),
    ),
    security(("bearerAuth" = ["subscriptions:write"]))
)]
async fn start_trial(
    State(state): State<AppState>,
    Scoped(ctx, _): Scoped<needs::SubscriptionsWrite>,
    Path(listing_id): Path<Uuid>,
    Json(req): Json<SubscribeRequest>,
) -> Result<(StatusCode, axum::Json<SubscriptionView>), ApiError> {
    let view = start(&state, ctx, listing_id, req.plan, Start::Trial).await?;
    Ok((StatusCode::CREATED, axum::Json(view)))
}

/// Subscribe to a listing on one of its plans (`active` at once).
#[utoipa::path(
    post, path = "/v1/marketplace/{listing_id}/subscribe", tag = "subscriptions", operation_id = "subscribe",
    params(("listing_id" = Uuid, Path, description = "Listing id")),
    request_body = SubscribeRequest,
    responses(
        (status = 201, description = "The subscription, active", body = SubscriptionView),
        (status = 409, description = "Already subscribed, or one's own listing", body = qhub_lib::Problem, content_type = "application/problem+json"),
    ),
    security(("bearerAuth" = ["subscriptions:write"]))
)]
async fn subscribe(
    State(state): State<AppState>,
    Scoped(ctx, _): Scoped<needs::SubscriptionsWrite>,
    Path(listing_id): Path<Uuid>,
    Json(req): Json<SubscribeRequest>,
) -> Result<(StatusCode, axum::Json<SubscriptionView>), ApiError> {
    let view = start(&state, ctx, listing_id, req.plan, Start::Paid).await?;
    Ok((StatusCode::CREATED, axum::Json(view)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SubscriptionFilter {
    pub state: Option<SubscriptionState>,
}

/// The organization's subscriptions, newest first.
#[utoipa::path(
    get, path = "/v1/subscriptions", tag = "subscriptions", operation_id = "listSubscriptions",
    params(PageQuery, SubscriptionFilter),
    responses((status = 200, description = "A page of subscriptions", body = SubscriptionPage)),
    security(("bearerAuth" = ["subscriptions:read"]))
)]
async fn list_subscriptions(
    Scoped(mut ctx, _): Scoped<needs::SubscriptionsRead>,
    Query(q): Query<PageQuery>,
    Query(f): Query<SubscriptionFilter>,
) -> Result<axum::Json<SubscriptionPage>, ApiError> {
    let page = q.validate()?;
    let tenant = ctx.principal.tenant_id;
    let rows = store::subscriptions(
        &mut ctx.tx,
        tenant,
        None,
        f.state,
        page.after,
        page.limit + 1,
    )
    .await?;
    Ok(axum::Json(Page::from_rows(rows, page, |s| s.id).into()))
}

/// Read one of the organization's subscriptions.
#[utoipa::path(
    get, path = "/v1/subscriptions/{id}", tag = "subscriptions", operation_id = "getSubscription",
    params(("id" = Uuid, Path, description = "Subscription id")),
    responses((status = 200, description = "The subscription", body = SubscriptionView)),
    security(("bearerAuth" = ["subscriptions:read"]))
)]
async fn get_subscription(
    Scoped(mut ctx, _): Scoped<needs::SubscriptionsRead>,
    Path(id): Path<Uuid>,
) -> Result<axum::Json<SubscriptionView>, ApiError> {
    let tenant = ctx.principal.tenant_id;
    Ok(axum::Json(
        store::subscription(&mut ctx.tx, tenant, id).await?,
    ))
}

/// The subscription's row, locked, if it is the caller's and live.
async fn live_locked(
    ctx: &mut TenantCtx,
    id: Uuid,
) -> Result<(Uuid, SubscriptionState, bool), ApiError> {
    let tenant = ctx.principal.tenant_id;
    let s = sqlx::query!(
        r#"SELECT listing_id, state AS "state: SubscriptionState", cancel_at_period_end
           FROM subscriptions WHERE id = $1 AND tenant_id = $2 FOR UPDATE"#,
        id,
        tenant
    )
    .fetch_optional(&mut *ctx.tx)
    .await?
    .ok_or_else(store::subscription_not_found)?;
    if !matches!(
        s.state,
        SubscriptionState::Trialing | SubscriptionState::Active
    ) {
        return Err(ApiError::Conflict(format!(
            "the subscription is {} and cannot change",
            s.state.as_str()
        )));
    }
    Ok((s.listing_id, s.state, s.cancel_at_period_end))
}

/// Change plan (now; billing pro-rates both plans over the month) or
/// whether the subscription ends at the end of its period.
#[utoipa::path(
    patch, path = "/v1/subscriptions/{id}", tag = "subscriptions", operation_id = "updateSubscription",
    params(("id" = Uuid, Path, description = "Subscription id")),
    request_body = UpdateSubscriptionRequest,
    responses(
        (status = 200, description = "The subscription", body = SubscriptionView),
        (status = 409, description = "The subscription has ended", body = qhub_lib::Problem, content_type = "application/problem+json"),
    ),
    security(("bearerAuth" = ["subscriptions:write"]))
)]
async fn update_subscription(
    Scoped(mut ctx, _): Scoped<needs::SubscriptionsWrite>,
    Path(id): Path<Uuid>,
    Json(req): Json<UpdateSubscriptionRequest>,
) -> Result<axum::Json<SubscriptionView>, ApiError> {
    let tenant = ctx.principal.tenant_id;
    let (listing, state, _) = live_locked(&mut ctx, id).await?;
    if let Some(plan) = req.plan {
        let p = sqlx::query!(
            "SELECT id FROM marketplace_plans WHERE id = $1 AND listing_id = $2 AND active",
            plan,
            listing
        )
        .fetch_optional(&mut *ctx.tx)
        .await?
        .ok_or_else(|| ApiError::field("plan", "is not a plan this listing offers"))?;
        let changed = sqlx::query!(
            "UPDATE subscriptions SET plan_id = $2, updated_at = now() WHERE id = $1 AND plan_id <> $2",
            id,
            p.id
        )
        .execute(&mut *ctx.tx)
        .await?;
        if changed.rows_affected() > 0 {
            let trial = state == SubscriptionState::Trialing;
            store::next_segment(&mut ctx.tx, tenant, id, Utc::now(), Some((p.id, trial))).await?;
        }
    }
    if let Some(cancel) = req.cancel_at_period_end {
        sqlx::query!(
            "UPDATE subscriptions SET cancel_at_period_end = $2, updated_at = now() WHERE id = $1",
            id,
            cancel
        )
        .execute(&mut *ctx.tx)
        .await?;
    }
    ctx.audit(
        Event::new("subscription.updated", "subscription", id).diff(serde_json::json!({
            "plan_id": req.plan, "cancel_at_period_end": req.cancel_at_period_end,
        })),
    )
    .await?;
    let view = store::subscription(&mut ctx.tx, tenant, id).await?;
    ctx.commit().await?;
    Ok(axum::Json(view))
}

/// Cancel at the end of the current period (a trial: at its end, so it
/// never becomes paid). The subscription, its keys and the app stay usable
/// until then. Idempotent.
#[utoipa::path(
    delete, path = "/v1/subscriptions/{id}", tag = "subscriptions", operation_id = "cancelSubscription",
    params(("id" = Uuid, Path, description = "Subscription id")),
    responses(
        (status = 200, description = "The subscription, ending at the end of its period", body = SubscriptionView),
        (status = 409, description = "The subscription has ended", body = qhub_lib::Problem, content_type = "application/problem+json"),
    ),
    security(("bearerAuth" = ["subscriptions:write"]))
)]
async fn cancel_subscription(
    State(state): State<AppState>,
    Scoped(mut ctx, _): Scoped<needs::SubscriptionsWrite>,
    Path(id): Path<Uuid>,
) -> Result<axum::Json<SubscriptionView>, ApiError> {
    let tenant = ctx.principal.tenant_id;
    let (_, _, already) = live_locked(&mut ctx, id).await?;
    let mut wires = Vec::new();
    if !already {
        sqlx::query!(
            "UPDATE subscriptions SET cancel_at_period_end = true, updated_at = now() WHERE id = $1",
            id
        )
        .execute(&mut *ctx.tx)
        .await?;
        ctx.audit(Event::new("subscription.canceled", "subscription", id))
            .await?;
    }
    let view = store::subscription(&mut ctx.tx, tenant, id).await?;
    if !already {
        // Both sides hear of it when it is decided, not weeks later when
        // the period ends.
        wires.extend(
            notifications::notify(
                &mut ctx.tx,
                tenant,
                To::Admins,
                NotificationType::SubscriptionCanceled,
                &format!("Subscription to {} canceled", view.app_name),
                &format!(
                    "It stays usable until {} and then ends.",
                    view.current_period_end.format("%Y-%m-%d %H:%M UTC")
                ),
                serde_json::json!({"subscription_id": id}),
            )
            .await?,
        );
        wires.extend(
            notifications::notify_provider(&mut ctx.tx, id, NotificationType::SubscriptionCanceled)
                .await?,
        );
    }
    ctx.commit().await?;
    notifications::publish(&state, wires);
    Ok(axum::Json(view))
}

/// The subscription's keys (their prefixes, never the secrets), newest first.
#[utoipa::path(
    get, path = "/v1/subscriptions/{id}/keys", tag = "subscriptions", operation_id = "listSubscriptionKeys",
    params(("id" = Uuid, Path, description = "Subscription id"), PageQuery),
    responses((status = 200, description = "A page of keys", body = SubscriptionKeyPage)),
    security(("bearerAuth" = ["subscriptions:write"]))
)]
async fn list_subscription_keys(
    Scoped(mut ctx, _): Scoped<needs::SubscriptionsWrite>,
    Path(id): Path<Uuid>,
    Query(q): Query<PageQuery>,
) -> Result<axum::Json<SubscriptionKeyPage>, ApiError> {
    let page = q.validate()?;
    let tenant = ctx.principal.tenant_id;
    store::subscription(&mut ctx.tx, tenant, id).await?;
    let rows = sqlx::query_as!(
        SubscriptionKeyView,
        r#"SELECT id, subscription_id, name, prefix, remaining_usage_count, rate_limit_per_minute,
                  expires_at, last_used_at, created_at, revoked_at
           FROM subscription_keys
           WHERE subscription_id = $1 AND tenant_id = $2 AND ($3::uuid IS NULL OR id < $3)
           ORDER BY id DESC LIMIT $4"#,
        id,
        tenant,
        page.after,
        page.limit + 1
    )
    .fetch_all(&mut *ctx.tx)
    .await?;
    Ok(axum::Json(Page::from_rows(rows, page, |k| k.id).into()))
}

/// Make a subscription key: it runs the subscribed app's versions as jobs
/// and reads the listing's versions, docs and packages, nothing else. Each
/// request it authenticates is one use. The secret is in `key`, only here.
#[utoipa::path(
    post, path = "/v1/subscriptions/{id}/keys", tag = "subscriptions", operation_id = "createSubscriptionKey",
    params(("id" = Uuid, Path, description = "Subscription id")),
    request_body = CreateKeyRequest,
    responses(
        (status = 201, description = "The key, with its secret (shown once)", body = NewSubscriptionKey),
        (status = 409, description = "The subscription has ended", body = qhub_lib::Problem, content_type = "application/problem+json"),
    ),
    security(("bearerAuth" = ["subscriptions:write"]))
)]
async fn create_subscription_key(
    Scoped(mut ctx, _): Scoped<needs::SubscriptionsWrite>,
    Path(id): Path<Uuid>,
    Json(req): Json<CreateKeyRequest>,
) -> Result<(StatusCode, axum::Json<NewSubscriptionKey>), ApiError> {
    let mut checks = Checks::default();
    rules::check_key(
        &req.name,
        req.remaining_usage_count,
        req.expires_at,
        req.rate_limit_per_minute,
        &mut checks,
    );
    checks.finish()?;
    let tenant = ctx.principal.tenant_id;
    live_locked(&mut ctx, id).await?;
    let new = subkeys::generate();
    let key_id = Uuid::now_v7();
    let view = sqlx::query_as!(
        SubscriptionKeyView,
        r#"INSERT INTO subscription_keys (id, tenant_id, subscription_id, name, prefix, key_hash,
               remaining_usage_count, rate_limit_per_minute, expires_at, created_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
           RETURNING id, subscription_id, name, prefix, remaining_usage_count,
                     rate_limit_per_minute, expires_at, last_used_at, created_at, revoked_at"#,
        key_id,
        tenant,
        id,
        req.name.trim(),
        new.prefix,
        &new.hash[..],
        req.remaining_usage_count,
        req.rate_limit_per_minute
            .unwrap_or(rules::DEFAULT_KEY_RATE_PER_MINUTE),
        req.expires_at,
        ctx.principal.user_id
    )
    .fetch_one(&mut *ctx.tx)
    .await?;
    ctx.audit(Event::new("subscription_key.created", "subscription_key", key_id).diff(
        serde_json::json!({"subscription_id": id, "remaining_usage_count": req.remaining_usage_count}),
    ))
    .await?;
    ctx.commit().await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(NewSubscriptionKey { key: new.key, view }),
    ))
}

/// Revoke a subscription key: its next request is refused (403
/// `subscription_key_revoked`). Idempotent.
#[utoipa::path(
    delete, path = "/v1/subscriptions/{id}/keys/{key_id}", tag = "subscriptions", operation_id = "revokeSubscriptionKey",
    params(("id" = Uuid, Path, description = "Subscription id"), ("key_id" = Uuid, Path, description = "Key id")),
    responses((status = 204, description = "Revoked")),
    security(("bearerAuth" = ["subscriptions:write"]))
)]
async fn revoke_subscription_key(
    Scoped(mut ctx, _): Scoped<needs::SubscriptionsWrite>,
    Path((id, key_id)): Path<(Uuid, Uuid)>,
) -> Result<StatusCode, ApiError> {
    let tenant = ctx.principal.tenant_id;
    let found = sqlx::query!(
        r#"UPDATE subscription_keys SET revoked_at = coalesce(revoked_at, now())
           WHERE id = $1 AND subscription_id = $2 AND tenant_id = $3"#,
        key_id,
        id,
        tenant
    )
    .execute(&mut *ctx.tx)
    .await?;
    if found.rows_affected() == 0 {
        return Err(ApiError::NotFound("no such subscription key".into()));
    }
    ctx.audit(Event::new(
        "subscription_key.revoked",
        "subscription_key",
        key_id,
    ))
    .await?;
    ctx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
