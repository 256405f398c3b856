//! Moves subscriptions along: a trial's three-day notice, a trial that
//! becomes paid, a period that renews, and the end of a canceled (or
//! unlisted) one. Runs in every replica: due ids come from
//! `app.subscriptions_due`, and each is handled in the consumer's
//! transaction with its row locked (`SKIP LOCKED`: another replica has it)
//! and the condition checked again, so each step happens once.

use std::time::Duration;

use chrono::Utc;
use qhub_lib::ApiError;
use uuid::Uuid;

use super::model::{PlanPeriod, SubscriptionState};
use super::{rules, store};
use crate::notifications::{self, NotificationType, To};
use crate::platform::state::AppState;
use crate::platform::tenancy;

/// Handles what is due now; returns how many subscriptions it changed.
pub async fn tick(state: &AppState) -> Result<usize, ApiError> {
    let due = sqlx::query!(
        r#"SELECT id AS "id!", tenant_id AS "tenant_id!" FROM app.subscriptions_due(200)"#
    )
    .fetch_all(&state.db)
    .await?;
    let mut changed = 0;
    for d in due {
        if step(state, d.id, d.tenant_id).await? {
            changed += 1;
        }
    }
    Ok(changed)
}

pub fn start(state: AppState, every: Duration) {
    tokio::spawn(async move {
        loop {
            if let Err(e) = tick(&state).await {
                tracing::warn!(error = %e, "subscription scheduler failed; retrying");
            }
            tokio::time::sleep(every).await;
        }
    });
}

async fn step(state: &AppState, id: Uuid, tenant: Uuid) -> Result<bool, ApiError> {
    let mut tx = tenancy::as_tenant(&state.db, tenant, None).await?;
    let Some(s) = sqlx::query!(
        r#"SELECT s.state AS "state: SubscriptionState", s.trial_ends_at, s.trial_notice_sent,
                  s.current_period_end, s.cancel_at_period_end, s.plan_id, s.app_name,
                  p.period AS "period: PlanPeriod", l.status AS listing_status
           FROM subscriptions s
           JOIN marketplace_plans p ON p.id = s.plan_id
           JOIN marketplace_listings l ON l.id = s.listing_id
           WHERE s.id = $1 AND s.tenant_id = $2
           FOR UPDATE OF s SKIP LOCKED"#,
        id,
        tenant
    )
    .fetch_optional(&mut *tx)
    .await?
    else {
        return Ok(false);
    };
    let now = Utc::now();
    let mut wires = Vec::new();
    let mut changed = false;
    let live = matches!(
        s.state,
        SubscriptionState::Trialing | SubscriptionState::Active
    );
    if !live {
        return Ok(false);
    }
    if s.state == SubscriptionState::Trialing && !s.trial_notice_sent {
        if let Some(ends) = s
            .trial_ends_at
            .filter(|e| *e <= now + chrono::Duration::days(3))
        {
            sqlx::query!(
                "UPDATE subscriptions SET trial_notice_sent = true WHERE id = $1",
                id
            )
            .execute(&mut *tx)
            .await?;
            if ends > now && !s.cancel_at_period_end {
                wires.extend(
                    notifications::notify(
                        &mut tx,
                        tenant,
                        To::Admins,
                        NotificationType::TrialEnding,
                        &format!("Your trial of {} ends soon", s.app_name),
                        &format!(
                            "The trial ends on {}; the subscription then continues on its plan unless you cancel it.",
                            ends.format("%Y-%m-%d %H:%M UTC")
                        ),
                        serde_json::json!({"subscription_id": id}),
                    )
                    .await?,
                );
            }
            changed = true;
        }
    }
    if s.current_period_end <= now {
        let end = s.current_period_end;
        let ending = if s.cancel_at_period_end {
            Some(SubscriptionState::Canceled)
        } else if s.listing_status != "listed" {
            Some(SubscriptionState::Expired)
        } else {
            None
        };
        match ending {
            Some(to) => {
                sqlx::query!(
                    "UPDATE subscriptions SET state = $2, ended_at = $3, updated_at = now() WHERE id = $1",
                    id,
                    to.as_str(),
                    end
                )
                .execute(&mut *tx)
                .await?;
                store::next_segment(&mut tx, tenant, id, end, None).await?;
                // A cancellation was announced to both sides when it was
                // asked for; an unlisted app's end is news to the consumer.
                if to == SubscriptionState::Expired {
                    wires.extend(
                        notifications::notify(
                            &mut tx,
                            tenant,
                            To::Admins,
                            NotificationType::SubscriptionCanceled,
                            &format!("Subscription to {} ended", s.app_name),
                            "The app was unlisted; the subscription ended with its period.",
                            serde_json::json!({"subscription_id": id}),
                        )
                        .await?,
                    );
                }
            }
            None => {
                // Renewed (a trial becomes paid): the next period starts
                // where the last ended, caught up if the worker was away.
                let mut start = end;
                let mut next = rules::period_end(start, s.period);
                while next <= now {
                    start = next;
                    next = rules::period_end(start, s.period);
                }
                sqlx::query!(
                    r#"UPDATE subscriptions SET state = 'active', current_period_start = $2,
                           current_period_end = $3, updated_at = now() WHERE id = $1"#,
                    id,
                    start,
                    next
                )
                .execute(&mut *tx)
                .await?;
                if s.state == SubscriptionState::Trialing {
                    store::next_segment(&mut tx, tenant, id, end, Some((s.plan_id, false))).await?;
                }
            }
        }
        changed = true;
    }
    tx.commit().await?;
    notifications::publish(state, wires);
    Ok(changed)
}
