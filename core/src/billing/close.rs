//! The period close: each organization's bills for a calendar month (UTC),
//! from its subscriptions' plan segments (Postgres) and its metered usage
//! (ClickHouse). See docs/marketplace.md for the pricing and rounding rule.
//!
//! Idempotent and crash-safe: an organization's bills and their items are
//! written in one transaction, under an advisory lock on (organization,
//! month), after checking it has none for the month; the unique
//! `bills_one_per_period` backs that up. A close killed midway leaves whole
//! bills or none; the rerun skips the organizations done and computes the
//! rest from the same inputs, so it ends with the same bills.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Datelike, Months, TimeZone, Utc};
use clickhouse::Row;
use qhub_lib::ApiError;
use serde::Deserialize;
use uuid::Uuid;

use super::price::{self, PlanPeriod};
use crate::notifications::{self, NotificationType, To};
use crate::platform::state::AppState;
use crate::platform::tenancy;

/// A calendar month in UTC: `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Month {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl Month {
    /// `YYYY-MM`, years 2000–9999.
    pub fn parse(s: &str) -> Option<Month> {
        let (y, m) = s.split_once('-')?;
        if y.len() != 4 || m.len() != 2 {
            return None;
        }
        let (y, m) = (y.parse::<i32>().ok()?, m.parse::<u32>().ok()?);
        if !(2000..=9999).contains(&y) {
            return None;
        }
        let start = Utc.with_ymd_and_hms(y, m, 1, 0, 0, 0).single()?;
        Month::starting(start)
    }

    fn starting(start: DateTime<Utc>) -> Option<Month> {
        Some(Month {
            start,
            end: start.checked_add_months(Months::new(1))?,
        })
    }

    /// The month that contains `at`.
    pub fn of(at: DateTime<Utc>) -> Option<Month> {
        Month::starting(
            Utc.with_ymd_and_hms(at.year(), at.month(), 1, 0, 0, 0)
                .single()?,
        )
    }

    /// The month before this one.
    pub fn previous(self) -> Option<Month> {
        Month::starting(self.start.checked_sub_months(Months::new(1))?)
    }

    pub fn label(self) -> String {
        self.start.format("%Y-%m").to_string()
    }

    fn secs(self) -> i64 {
        (self.end - self.start).num_seconds()
    }
}

/// One line of a bill before it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub kind: &'static str,
    pub currency: String,
    pub description: String,
    pub quantity: i64,
    pub unit: &'static str,
    pub amount: i64,
    pub subscription_id: Option<Uuid>,
    pub listing_id: Option<Uuid>,
    pub provider_tenant_id: Option<Uuid>,
    pub backend: Option<String>,
}

#[derive(Debug, Default)]
pub struct Report {
    pub organizations: usize,
    pub bills_written: usize,
    pub already_billed: usize,
    /// Usage recorded for an id with no organization (never billable).
    pub unknown: usize,
    /// Organizations whose close failed this run; the month stays open and
    /// the next run retries them (the others keep their bills).
    pub failed: Vec<(Uuid, String)>,
}

/// What closing one organization did.
#[derive(Debug, PartialEq, Eq)]
pub enum Closed {
    Written(usize),
    AlreadyBilled,
    NothingOwed,
    UnknownOrganization,
}

fn ch_error(e: clickhouse::error::Error) -> ApiError {
    ApiError::Unavailable {
        service: "clickhouse",
        cause: e.to_string(),
    }
}

fn secs(at: DateTime<Utc>) -> u32 {
    u32::try_from(at.timestamp()).unwrap_or(0)
}

#[derive(Debug, Row, Deserialize)]
struct TenantRow {
    tenant: String,
}

/// Organizations that may owe something for the month: a subscription
/// segment overlaps it, or they ran jobs in it.
async fn organizations(state: &AppState, month: Month) -> Result<Vec<Uuid>, ApiError> {
    let mut out: Vec<Uuid> = sqlx::query_scalar!(
        r#"SELECT t AS "t!" FROM app.billing_subscribers($1, $2) AS t"#,
        month.start,
        month.end
    )
    .fetch_all(&state.db)
    .await?;
    let rows = state
        .clickhouse
        .query(
            "SELECT DISTINCT toString(tenant_id) AS tenant FROM usage_events
             WHERE event_type = 'job.run' AND ts >= toDateTime(?) AND ts < toDateTime(?)",
        )
        .bind(secs(month.start))
        .bind(secs(month.end))
        .fetch_all::<TenantRow>()
        .await
        .map_err(ch_error)?;
    out.extend(rows.iter().filter_map(|r| Uuid::parse_str(&r.tenant).ok()));
    out.sort();
    out.dedup();
    Ok(out)
}

#[derive(Debug, Row, Deserialize)]
struct BackendUsage {
    backend: String,
    shots: i64,
    run_ms: i64,
}

/// The organization's `job.run` totals per backend in `[from, to)`.
pub async fn usage_by_backend(
    state: &AppState,
    tenant: Uuid,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<(String, i64, i64)>, ApiError> {
    let rows = state
        .clickhouse
        .query(
            "SELECT dimension_values[indexOf(dimension_names, 'backend')] AS backend,
                    toInt64(sum(quantity_values[indexOf(quantity_names, 'shots')])) AS shots,
                    toInt64(sum(quantity_values[indexOf(quantity_names, 'run_ms')])) AS run_ms
             FROM usage_events FINAL
             WHERE tenant_id = toUUID(?) AND event_type = 'job.run'
               AND ts >= toDateTime(?) AND ts < toDateTime(?)
             GROUP BY backend ORDER BY backend",
        )
        .bind(tenant.to_string())
        .bind(secs(from))
        .bind(secs(to))
        .fetch_all::<BackendUsage>()
        .await
        .map_err(ch_error)?;
    Ok(rows
        .into_iter()
        .map(|r| (r.backend, r.shots, r.run_ms))
        .collect())
}

#[derive(Debug, Row, Deserialize)]
struct Shots {
    shots: i64,
}

/// Shots run under one subscription in `[from, to)`.
async fn subscription_shots(
    state: &AppState,
    tenant: Uuid,
    subscription: Uuid,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<i64, ApiError> {
    let row = state
        .clickhouse
        .query(
            "SELECT toInt64(sum(quantity_values[indexOf(quantity_names, 'shots')])) AS shots
             FROM usage_events FINAL
             WHERE tenant_id = toUUID(?) AND event_type = 'job.run'
               AND dimension_values[indexOf(dimension_names, 'subscription_id')] = ?
               AND ts >= toDateTime(?) AND ts < toDateTime(?)",
        )
        .bind(tenant.to_string())
        .bind(subscription.to_string())
        .bind(secs(from))
        .bind(secs(to))
        .fetch_optional::<Shots>()
        .await
        .map_err(ch_error)?;
    Ok(row.map_or(0, |r| r.shots))
}

/// Everything the organization owes for the month, in a stable order.
/// Boundaries are whole seconds (ClickHouse's `DateTime`), so a segment's
/// usage is `[start, end)` in seconds.
pub async fn lines(
    state: &AppState,
    conn: &mut sqlx::PgConnection,
    tenant: Uuid,
    month: Month,
) -> Result<Vec<Line>, ApiError> {
    let trunc = |t: DateTime<Utc>| Utc.timestamp_opt(t.timestamp(), 0).single().unwrap_or(t);
    let segments = sqlx::query!(
        r#"SELECT g.subscription_id, g.trial, g.started_at, g.ended_at, s.listing_id,
                  s.provider_tenant_id, s.app_name, p.name AS plan_name, p.price, p.currency,
                  p.period, p.included_shots, p.overage_price_per_1000_shots,
                  s.trial_ends_at, s.cancel_at_period_end, s.current_period_end
           FROM subscription_segments g
           JOIN subscriptions s ON s.id = g.subscription_id
           JOIN marketplace_plans p ON p.id = g.plan_id
           WHERE g.tenant_id = $1 AND g.started_at < $3
             AND (g.ended_at IS NULL OR g.ended_at > $2)
           ORDER BY g.started_at, g.id"#,
        tenant,
        month.start,
        month.end
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::new();
    for g in segments {
        // A segment still open (the month closed early, or the scheduler
        // has not yet moved the subscription on) is projected as the
        // scheduler will move it: a trial is free until it ends and then
        // paid on its plan, unless canceled; a canceled subscription is paid
        // until its period ends; anything else runs to the month's end.
        let mut pieces: Vec<(bool, DateTime<Utc>, DateTime<Utc>)> = Vec::new();
        match g.ended_at {
            Some(end) => pieces.push((g.trial, g.started_at, end)),
            None if g.trial => {
                let trial_end = g.trial_ends_at.unwrap_or(g.current_period_end);
                pieces.push((true, g.started_at, trial_end));
                if !g.cancel_at_period_end {
                    pieces.push((false, trial_end, month.end));
                }
            }
            None if g.cancel_at_period_end => {
                pieces.push((false, g.started_at, g.current_period_end));
            }
            None => pieces.push((false, g.started_at, month.end)),
        }
        for (trial, start, end) in pieces {
            let from = trunc(start.max(month.start));
            let to = trunc(end.min(month.end));
            let overlap = (to - from).num_seconds();
            if overlap <= 0 {
                continue;
            }
            let period = if g.period == "year" {
                PlanPeriod::Year
            } else {
                PlanPeriod::Month
            };
            let dates = format!(
                "{} – {}",
                from.format("%Y-%m-%d %H:%M"),
                to.format("%Y-%m-%d %H:%M")
            );
            let common = |kind, description: String, quantity, unit, amount| Line {
                kind,
                currency: g.currency.clone(),
                description,
                quantity,
                unit,
                amount,
                subscription_id: Some(g.subscription_id),
                listing_id: Some(g.listing_id),
                provider_tenant_id: Some(g.provider_tenant_id),
                backend: None,
            };
            if trial {
                out.push(common(
                    "subscription",
                    format!(
                        "{} — {} plan, free trial ({dates})",
                        g.app_name, g.plan_name
                    ),
                    overlap,
                    "seconds",
                    0,
                ));
                continue;
            }
            out.push(common(
                "subscription",
                format!("{} — {} plan ({dates})", g.app_name, g.plan_name),
                overlap,
                "seconds",
                price::prorated_fee(g.price, period, overlap, month.secs()),
            ));
            let used = subscription_shots(state, tenant, g.subscription_id, from, to).await?;
            let allowance =
                price::prorated_allowance(g.included_shots, period, overlap, month.secs());
            let over = (used - allowance).max(0);
            if over > 0 {
                out.push(common(
                    "overage",
                    format!(
                        "{} — {} plan: {used} shots, {allowance} included, {over} over ({dates})",
                        g.app_name, g.plan_name
                    ),
                    over,
                    "shots",
                    price::overage_amount(over, g.overage_price_per_1000_shots),
                ));
            }
        }
    }
    let backends =
        sqlx::query!("SELECT name, price_per_shot_micros, price_per_second_micros FROM backends")
            .fetch_all(&mut *conn)
            .await?;
    for (backend, shots, run_ms) in usage_by_backend(state, tenant, month.start, month.end).await? {
        if shots == 0 && run_ms == 0 {
            continue;
        }
        let Some(b) = backends.iter().find(|b| b.name == backend) else {
            tracing::warn!(%tenant, backend, "usage on a backend not in the catalog; not billed");
            continue;
        };
        out.push(Line {
            kind: "compute",
            currency: "USD".to_owned(),
            description: format!("Jobs on {backend}: {shots} shots, {run_ms} ms run time"),
            quantity: shots,
            unit: "shots",
            amount: price::compute_amount_cents(
                shots,
                run_ms,
                b.price_per_shot_micros,
                b.price_per_second_micros,
            ),
            subscription_id: None,
            listing_id: None,
            provider_tenant_id: None,
            backend: Some(backend),
        });
    }
    Ok(out)
}

/// Closes the month for one organization: its bills (one per currency), or
/// nothing if it has them already or owes nothing.
pub async fn close_tenant(
    state: &AppState,
    tenant: Uuid,
    month: Month,
) -> Result<Closed, ApiError> {
    let mut tx = tenancy::as_tenant(&state.db, tenant, None).await?;
    // Replicas closing the same month take turns per organization.
    sqlx::query!(
        "SELECT pg_advisory_xact_lock(hashtextextended($1, 7))",
        format!("bill:{tenant}:{}", month.label())
    )
    .execute(&mut *tx)
    .await?;
    let billed = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM bills WHERE tenant_id = $1 AND period_start = $2) AS "x!""#,
        tenant,
        month.start
    )
    .fetch_one(&mut *tx)
    .await?;
    if billed {
        return Ok(Closed::AlreadyBilled);
    }
    // Usage in ClickHouse can name an organization Postgres does not have
    // (one removed since, or a stray event): nothing to bill it to.
    let known = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM tenants WHERE id = $1) AS "x!""#,
        tenant
    )
    .fetch_one(&mut *tx)
    .await?;
    if !known {
        return Ok(Closed::UnknownOrganization);
    }
    let lines = lines(state, &mut tx, tenant, month).await?;
    let mut by_currency: BTreeMap<String, Vec<Line>> = BTreeMap::new();
    for l in lines {
        by_currency.entry(l.currency.clone()).or_default().push(l);
    }
    let mut wires = Vec::new();
    let mut written = 0;
    for (currency, lines) in by_currency {
        let total: i64 = lines
            .iter()
            .map(|l| l.amount)
            .fold(0i64, i64::saturating_add);
        let bill_id = Uuid::now_v7();
        // The bill's own id: unique, unlike a prefix of a UUIDv7 tenant id
        // (organizations made within a minute share one).
        let number = format!("QH-{}-{}", month.start.format("%Y%m"), bill_id.simple());
        sqlx::query!(
            r#"INSERT INTO bills (id, tenant_id, number, period_start, period_end, currency, total)
               VALUES ($1, $2, $3, $4, $5, $6, $7)"#,
            bill_id,
            tenant,
            number,
            month.start,
            month.end,
            currency,
            total
        )
        .execute(&mut *tx)
        .await?;
        for (i, l) in lines.iter().enumerate() {
            sqlx::query!(
                r#"INSERT INTO bill_items (id, tenant_id, bill_id, position, kind, description,
                       quantity, unit, amount, subscription_id, listing_id, provider_tenant_id, backend)
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"#,
                Uuid::now_v7(),
                tenant,
                bill_id,
                i32::try_from(i).unwrap_or(i32::MAX),
                l.kind,
                l.description,
                l.quantity,
                l.unit,
                l.amount,
                l.subscription_id,
                l.listing_id,
                l.provider_tenant_id,
                l.backend
            )
            .execute(&mut *tx)
            .await?;
        }
        let amount = super::invoice::format_minor(total, &currency);
        wires.extend(
            notifications::notify(
                &mut tx,
                tenant,
                To::Admins,
                NotificationType::BillIssued,
                &format!("Bill {number} issued"),
                &format!("Your bill for {} is {amount}.", month.label()),
                serde_json::json!({"bill_id": bill_id}),
            )
            .await?,
        );
        written += 1;
    }
    tx.commit().await?;
    notifications::publish(state, wires);
    Ok(if written == 0 {
        Closed::NothingOwed
    } else {
        Closed::Written(written)
    })
}

/// Closes the month for every organization that owes something, pausing
/// `pace` after each one billed (to spread the load). One organization's
/// failure does not stop the others; the month is recorded as closed only
/// when every organization is done, so the next run retries what failed.
pub async fn close_month(
    state: &AppState,
    month: Month,
    pace: Duration,
) -> Result<Report, ApiError> {
    let orgs = organizations(state, month).await?;
    let mut report = Report {
        organizations: orgs.len(),
        ..Report::default()
    };
    for tenant in &orgs {
        match close_tenant(state, *tenant, month).await {
            Ok(Closed::Written(n)) => {
                report.bills_written += n;
                if !pace.is_zero() {
                    tokio::time::sleep(pace).await;
                }
            }
            Ok(Closed::AlreadyBilled) => report.already_billed += 1,
            Ok(Closed::NothingOwed) => {}
            Ok(Closed::UnknownOrganization) => {
                tracing::warn!(%tenant, month = %month.label(), "usage for an unknown organization; not billed");
                report.unknown += 1;
            }
            Err(e) => {
                tracing::error!(%tenant, month = %month.label(), error = %e, "closing an organization failed");
                report.failed.push((*tenant, e.to_string()));
            }
        }
    }
    if !report.failed.is_empty() {
        return Ok(report);
    }
    sqlx::query!(
        "SELECT app.billing_close_done($1, $2)",
        month.start,
        i32::try_from(report.bills_written).unwrap_or(i32::MAX)
    )
    .execute(&state.db)
    .await?;
    tracing::info!(month = %month.label(), ?report, "billing period closed");
    Ok(report)
}

/// Closes the previous month once it has ended and the grace for late
/// usage has passed, on every replica (the locks make that safe); then
/// sleeps. Checks once a minute.
pub fn start(state: AppState, grace: Duration) {
    tokio::spawn(async move {
        loop {
            if let Err(e) = due(&state, grace).await {
                tracing::warn!(error = %e, "billing close failed; retrying later");
            }
            tokio::time::sleep(Duration::from_secs(60)).await;
        }
    });
}

async fn due(state: &AppState, grace: Duration) -> Result<(), ApiError> {
    let now = Utc::now();
    let Some(month) = Month::of(now - chrono::Duration::from_std(grace).unwrap_or_default())
        .and_then(Month::previous)
    else {
        return Ok(());
    };
    let closed = sqlx::query_scalar!(r#"SELECT app.billing_closed($1) AS "x!""#, month.start)
        .fetch_one(&state.db)
        .await?;
    if !closed {
        let report = close_month(state, month, Duration::ZERO).await?;
        if !report.failed.is_empty() {
            tracing::warn!(month = %month.label(), failed = report.failed.len(), "billing close incomplete; retrying later");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_parse_and_step() {
        let m = Month::parse("2026-02").unwrap();
        assert_eq!(m.secs(), 28 * 86400);
        assert_eq!(m.label(), "2026-02");
        assert_eq!(m.previous().unwrap().label(), "2026-01");
        assert_eq!(
            Month::parse("2026-12").unwrap().end,
            Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap()
        );
        for bad in ["2026-13", "2026-00", "26-01", "1999-01", "2026-1", "x"] {
            assert_eq!(Month::parse(bad), None, "{bad}");
        }
    }
}
