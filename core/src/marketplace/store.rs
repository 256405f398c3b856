//! The rows the marketplace handlers and the scheduler share. Reads rely
//! on row-level security for who sees what: a listed listing (everyone),
//! one's own, or one's subscription's.

use std::collections::HashMap;

use qhub_lib::ApiError;
use sqlx::{PgConnection, Postgres, Transaction};
use uuid::Uuid;

use super::model::{
    Currency, ListingStatus, ListingView, PlanInput, PlanPeriod, PlanView, SubscriptionState,
    SubscriptionView,
};

pub type Tx = Transaction<'static, Postgres>;

pub fn listing_not_found() -> ApiError {
    ApiError::NotFound("no such listing".into())
}

pub fn subscription_not_found() -> ApiError {
    ApiError::NotFound("no such subscription".into())
}

pub struct ListingRow {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub app_id: Uuid,
    pub app_name: String,
    pub app_slug: String,
    pub description: String,
    pub tags: Vec<String>,
    pub publisher_name: String,
    pub status: ListingStatus,
    pub trial_days: i32,
    pub support_email: String,
    pub min_price: i64,
    pub subscriber_count: i64,
    pub rating_sum: i64,
    pub rating_count: i64,
    pub subscription_id: Option<Uuid>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

struct PlanRow {
    id: Uuid,
    listing_id: Uuid,
    name: String,
    price: i64,
    currency: Currency,
    period: PlanPeriod,
    included_shots: i64,
    overage_price_per_1000_shots: i64,
    active: bool,
}

impl From<PlanRow> for PlanView {
    fn from(p: PlanRow) -> PlanView {
        PlanView {
            id: p.id,
            name: p.name,
            price: p.price,
            currency: p.currency,
            period: p.period,
            included_shots: p.included_shots,
            overage_price_per_1000_shots: p.overage_price_per_1000_shots,
            active: p.active,
        }
    }
}

/// Listings with their active plans, for the caller's tenant.
pub async fn listing_views(
    conn: &mut PgConnection,
    tenant: Uuid,
    rows: Vec<ListingRow>,
) -> Result<Vec<ListingView>, ApiError> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let plans = sqlx::query_as!(
        PlanRow,
        r#"SELECT id, listing_id, name, price, currency AS "currency: Currency",
                  period AS "period: PlanPeriod", included_shots, overage_price_per_1000_shots, active
           FROM marketplace_plans WHERE listing_id = ANY($1) AND active
           ORDER BY position, id"#,
        &ids
    )
    .fetch_all(conn)
    .await?;
    let mut by_listing: HashMap<Uuid, Vec<PlanView>> = HashMap::new();
    for p in plans {
        by_listing.entry(p.listing_id).or_default().push(p.into());
    }
    Ok(rows
        .into_iter()
        .map(|r| ListingView {
            id: r.id,
            app_id: r.app_id,
            app_name: r.app_name,
            app_slug: r.app_slug,
            description: r.description,
            tags: r.tags,
            publisher_name: r.publisher_name,
            status: r.status,
            trial_days: r.trial_days,
            support_email: r.support_email,
            plans: by_listing.remove(&r.id).unwrap_or_default(),
            min_price: r.min_price,
            subscriber_count: r.subscriber_count,
            rating: (r.rating_count > 0).then(|| r.rating_sum as f64 / r.rating_count as f64),
            rating_count: r.rating_count,
            own: r.tenant_id == tenant,
            subscription_id: r.subscription_id,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
        .collect())
}

/// One listing the caller may see (listed, own, or subscribed to).
pub async fn listing(
    conn: &mut PgConnection,
    tenant: Uuid,
    id: Uuid,
) -> Result<ListingView, ApiError> {
    let row = sqlx::query_as!(
        ListingRow,
        r#"SELECT l.id, l.tenant_id, l.app_id, a.name AS app_name, a.slug AS app_slug,
                  a.description, a.tags, l.publisher_name, l.status AS "status: ListingStatus",
                  l.trial_days, l.support_email, l.min_price, l.subscriber_count, a.rating_sum,
                  a.rating_count,
                  (SELECT s.id FROM subscriptions s WHERE s.listing_id = l.id AND s.tenant_id = $2
                     AND s.state IN ('trialing', 'active')) AS subscription_id,
                  l.created_at, l.updated_at
           FROM marketplace_listings l JOIN apps a ON a.id = l.app_id
           WHERE l.id = $1"#,
        id,
        tenant
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(listing_not_found)?;
    listing_views(conn, tenant, vec![row])
        .await?
        .pop()
        .ok_or_else(listing_not_found)
}

/// Inserts `plans` as the listing's offer. A plan whose name an active plan
/// already has keeps that plan (and its id), updated; other active plans
/// are retired. Keeps `min_price`.
pub async fn replace_plans(
    conn: &mut PgConnection,
    tenant: Uuid,
    listing: Uuid,
    plans: &[PlanInput],
) -> Result<(), ApiError> {
    let names: Vec<String> = plans.iter().map(|p| p.name.trim().to_owned()).collect();
    sqlx::query!(
        "UPDATE marketplace_plans SET active = false
         WHERE listing_id = $1 AND active AND NOT (name = ANY($2))",
        listing,
        &names
    )
    .execute(&mut *conn)
    .await?;
    for (i, p) in plans.iter().enumerate() {
        let position = i32::try_from(i).unwrap_or(0);
        let updated = sqlx::query!(
            r#"UPDATE marketplace_plans
               SET price = $3, currency = $4, period = $5, included_shots = $6,
                   overage_price_per_1000_shots = $7, position = $8
               WHERE listing_id = $1 AND name = $2 AND active"#,
            listing,
            p.name.trim(),
            p.price,
            p.currency.as_str(),
            p.period.as_str(),
            p.included_shots,
            p.overage_price_per_1000_shots,
            position
        )
        .execute(&mut *conn)
        .await?;
        if updated.rows_affected() == 0 {
            sqlx::query!(
                r#"INSERT INTO marketplace_plans (id, tenant_id, listing_id, name, price, currency,
                       period, included_shots, overage_price_per_1000_shots, position)
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"#,
                Uuid::now_v7(),
                tenant,
                listing,
                p.name.trim(),
                p.price,
                p.currency.as_str(),
                p.period.as_str(),
                p.included_shots,
                p.overage_price_per_1000_shots,
                position
            )
            .execute(&mut *conn)
            .await?;
        }
    }
    sqlx::query!(
        r#"UPDATE marketplace_listings SET min_price = coalesce(
               (SELECT min(price) FROM marketplace_plans WHERE listing_id = $1 AND active), 0),
               updated_at = now()
           WHERE id = $1"#,
        listing
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// One of the caller's own subscriptions.
pub async fn subscription(
    conn: &mut PgConnection,
    tenant: Uuid,
    id: Uuid,
) -> Result<SubscriptionView, ApiError> {
    let mut v = subscriptions(conn, tenant, Some(id), None, None, 1).await?;
    v.pop().ok_or_else(subscription_not_found)
}

/// The caller's own subscriptions, newest first (`after`: the cursor).
pub async fn subscriptions(
    conn: &mut PgConnection,
    tenant: Uuid,
    id: Option<Uuid>,
    state: Option<SubscriptionState>,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Vec<SubscriptionView>, ApiError> {
    let rows = sqlx::query!(
        r#"SELECT s.id, s.listing_id, s.app_id, s.app_name, l.publisher_name,
                  s.state AS "state: SubscriptionState", s.trial_ends_at, s.current_period_start,
                  s.current_period_end, s.cancel_at_period_end, s.created_at, s.ended_at,
                  p.id AS plan_id, p.name AS plan_name, p.price, p.currency AS "currency: Currency",
                  p.period AS "period: PlanPeriod", p.included_shots, p.overage_price_per_1000_shots,
                  p.active
           FROM subscriptions s
           JOIN marketplace_listings l ON l.id = s.listing_id
           JOIN marketplace_plans p ON p.id = s.plan_id
           WHERE s.tenant_id = $1 AND ($2::uuid IS NULL OR s.id = $2)
             AND ($3::text IS NULL OR s.state = $3)
             AND ($4::uuid IS NULL OR s.id < $4)
           ORDER BY s.id DESC LIMIT $5"#,
        tenant,
        id,
        state.map(SubscriptionState::as_str),
        after,
        limit
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| SubscriptionView {
            id: r.id,
            listing_id: r.listing_id,
            app_id: r.app_id,
            app_name: r.app_name,
            provider_name: r.publisher_name,
            plan: PlanView {
                id: r.plan_id,
                name: r.plan_name,
                price: r.price,
                currency: r.currency,
                period: r.period,
                included_shots: r.included_shots,
                overage_price_per_1000_shots: r.overage_price_per_1000_shots,
                active: r.active,
            },
            state: r.state,
            trial_ends_at: r.trial_ends_at,
            current_period_start: r.current_period_start,
            current_period_end: r.current_period_end,
            cancel_at_period_end: r.cancel_at_period_end,
            created_at: r.created_at,
            ended_at: r.ended_at,
        })
        .collect())
}

/// Closes the subscription's open plan segment at `at` and, unless the
/// subscription ends, opens one on `plan` (paid unless `trial`).
pub async fn next_segment(
    conn: &mut PgConnection,
    tenant: Uuid,
    subscription: Uuid,
    at: chrono::DateTime<chrono::Utc>,
    next: Option<(Uuid, bool)>,
) -> Result<(), ApiError> {
    sqlx::query!(
        "UPDATE subscription_segments SET ended_at = greatest($2, started_at)
         WHERE subscription_id = $1 AND ended_at IS NULL",
        subscription,
        at
    )
    .execute(&mut *conn)
    .await?;
    if let Some((plan, trial)) = next {
        sqlx::query!(
            r#"INSERT INTO subscription_segments (id, tenant_id, subscription_id, plan_id, trial, started_at)
               VALUES ($1, $2, $3, $4, $5, $6)"#,
            Uuid::now_v7(),
            tenant,
            subscription,
            plan,
            trial,
            at
        )
        .execute(conn)
        .await?;
    }
    Ok(())
}
