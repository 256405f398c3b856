//! What a listing's plans and a subscription key must satisfy.

use chrono::{DateTime, Duration, Utc};

use super::model::PlanInput;
use crate::platform::validate::{self, Checks};

pub const MAX_PLANS: usize = 10;
pub const DEFAULT_KEY_RATE_PER_MINUTE: i32 = 600;

/// Plans: 1–10, names valid and distinct (after trimming, ignoring case),
/// amounts in range (the integer deserializer already refused fractions).
pub fn check_plans(plans: &[PlanInput], field: &str, checks: &mut Checks) {
    if plans.is_empty() || plans.len() > MAX_PLANS {
        checks.check(field, Some("must have 1 to 10 plans"));
        return;
    }
    let mut names = std::collections::HashSet::new();
    for (i, p) in plans.iter().enumerate() {
        let at = |f: &str| format!("{field}[{i}].{f}");
        checks.check(&at("name"), validate::name(&p.name));
        if !names.insert(p.name.trim().to_lowercase()) {
            checks.check(&at("name"), Some("is used by another plan of this listing"));
        }
        let range = |v: i64, max: i64| (!(0..=max).contains(&v)).then_some("is out of range");
        checks.check(&at("price"), range(p.price, 100_000_000_000));
        checks.check(
            &at("included_shots"),
            range(p.included_shots, 1_000_000_000_000),
        );
        checks.check(
            &at("overage_price_per_1000_shots"),
            range(p.overage_price_per_1000_shots, 100_000_000_000),
        );
    }
}

pub fn check_trial_days(days: i32, checks: &mut Checks) {
    checks.check(
        "trial_days",
        (!(0..=90).contains(&days)).then_some("must be between 0 and 90"),
    );
}

pub fn check_key(
    name: &str,
    remaining: i64,
    expires_at: Option<DateTime<Utc>>,
    rate: Option<i32>,
    checks: &mut Checks,
) {
    checks.check("name", validate::name(name));
    checks.check(
        "remaining_usage_count",
        (!(1..=1_000_000_000_000).contains(&remaining)).then_some("must be between 1 and 10^12"),
    );
    if let Some(at) = expires_at {
        let now = Utc::now();
        checks.check(
            "expires_at",
            if at <= now {
                Some("must be in the future")
            } else if at > now + Duration::days(3660) {
                Some("must be at most 10 years ahead")
            } else {
                None
            },
        );
    }
    checks.check(
        "rate_limit_per_minute",
        rate.is_some_and(|r| !(1..=100_000).contains(&r))
            .then_some("must be between 1 and 100000"),
    );
}

/// The end of a plan period that starts at `from`.
pub fn period_end(from: DateTime<Utc>, period: super::model::PlanPeriod) -> DateTime<Utc> {
    use chrono::Months;
    let months = match period {
        super::model::PlanPeriod::Month => Months::new(1),
        super::model::PlanPeriod::Year => Months::new(12),
    };
    from.checked_add_months(months)
        .unwrap_or(from + Duration::days(31))
}
