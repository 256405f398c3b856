//! Integer money arithmetic for billing.
//!
//! Money is always an integer number of minor units (cents), never a float:
//! floats cannot represent most decimal fractions, so sums drift and the same
//! charge could round differently in two places. Every intermediate product
//! is computed in `u128`, which holds the product of any two `i64` values, and
//! each result is rounded exactly once, half up, at the end.
//!
//! Inputs that make no sense for a charge (negative prices, counts or
//! durations, a month of zero or negative length) are clamped to zero rather
//! than rejected, so a bad row can never produce a negative (credit) charge or
//! a panic; results that would not fit an `i64` saturate at `i64::MAX`.

/// The period a plan's price and shot allowance are quoted for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlanPeriod {
    Month,
    Year,
}

impl PlanPeriod {
    /// How many billing months one plan period spans.
    fn months(self) -> u128 {
        match self {
            PlanPeriod::Month => 1,
            PlanPeriod::Year => 12,
        }
    }
}

/// `num / den` rounded half up (a remainder of exactly half a unit rounds
/// up). Callers pass `den > 0` and `num >= 0` (`u128` makes negatives
/// impossible); `den == 0` returns 0 instead of panicking. Computed without
/// `2 * remainder`, so it never overflows even near `u128::MAX`.
pub fn div_half_up(num: u128, den: u128) -> u128 {
    if den == 0 {
        return 0;
    }
    let quotient = num / den;
    let remainder = num % den;
    // remainder >= den / 2 exactly, i.e. 2 * remainder >= den.
    if remainder >= den - remainder {
        quotient + 1
    } else {
        quotient
    }
}

/// A paid plan segment's share of a billing month. `price` is per plan
/// period: a month plan costs `price` for a whole month, a year plan
/// `price / 12`. A segment covering `overlap_secs` of a month of `month_secs`
/// pays that fraction: `price * overlap / (month * months_per_period)`,
/// rounded half up to the minor unit once (so a year plan's full month is
/// `round(price / 12)`, not `round(round(price / 12) * 1)`).
///
/// Negative `price` or `overlap_secs` count as 0; `overlap_secs` beyond the
/// month counts as the whole month (a segment cannot pay for more than the
/// month it is in); `month_secs <= 0` gives 0.
pub fn prorated_fee(price: i64, period: PlanPeriod, overlap_secs: i64, month_secs: i64) -> i64 {
    let Some((overlap, month)) = share(overlap_secs, month_secs) else {
        return 0;
    };
    let num = non_negative(price).saturating_mul(overlap);
    to_i64(div_half_up(num, month.saturating_mul(period.months())))
}

/// Included shots for the same share of the month as [`prorated_fee`]: a
/// year plan's allowance is per year, so a month gets `/ 12`. Rounded down,
/// because a customer never gets a fraction of a shot and rounding up could
/// hand out more shots in total than the plan includes. Clamps like
/// [`prorated_fee`].
pub fn prorated_allowance(
    included_shots: i64,
    period: PlanPeriod,
    overlap_secs: i64,
    month_secs: i64,
) -> i64 {
    let Some((overlap, month)) = share(overlap_secs, month_secs) else {
        return 0;
    };
    let num = non_negative(included_shots).saturating_mul(overlap);
    let den = month.saturating_mul(period.months());
    to_i64(num.checked_div(den).unwrap_or(0))
}

/// The charge for shots beyond the allowance, priced per 1000 shots:
/// `shots_over * price_per_1000_shots / 1000`, rounded half up. Negative
/// inputs count as 0.
pub fn overage_amount(shots_over: i64, price_per_1000_shots: i64) -> i64 {
    let num = non_negative(shots_over).saturating_mul(non_negative(price_per_1000_shots));
    to_i64(div_half_up(num, 1000))
}

/// Simulator usage at a backend's rates, which are in millionths of a dollar
/// (micros) per shot and per second, in cents:
/// `shots * per_shot_micros + run_ms * per_second_micros / 1000` micros,
/// summed exactly (in thousandths of a micro, so a sub-second run loses
/// nothing) and rounded half up once to cents (1 cent = 10,000 micros).
/// Rounding each part separately could be off by a cent. Negative inputs
/// count as 0.
pub fn compute_amount_cents(
    shots: i64,
    run_ms: i64,
    per_shot_micros: i64,
    per_second_micros: i64,
) -> i64 {
    // Both terms in nano-dollars (1/1000 micro): shots * rate * 1000 and
    // run_ms * rate. Saturating: a sum past u128 is far beyond i64 cents.
    let shot_part = non_negative(shots)
        .saturating_mul(non_negative(per_shot_micros))
        .saturating_mul(1000);
    let time_part = non_negative(run_ms).saturating_mul(non_negative(per_second_micros));
    // 1 cent = 10,000 micros = 10,000,000 thousandths of a micro.
    to_i64(div_half_up(shot_part.saturating_add(time_part), 10_000_000))
}

/// `value` as `u128`, negatives clamped to 0.
fn non_negative(value: i64) -> u128 {
    u128::try_from(value).unwrap_or(0)
}

/// `u128` result back to `i64`, saturating at `i64::MAX`.
fn to_i64(value: u128) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// The (overlap, month) pair for proration: `None` when the month is empty,
/// the overlap clamped into `0..=month`.
fn share(overlap_secs: i64, month_secs: i64) -> Option<(u128, u128)> {
    let month = non_negative(month_secs);
    if month == 0 {
        return None;
    }
    Some((non_negative(overlap_secs).min(month), month))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// May: 31 days.
    const MONTH: i64 = 31 * 24 * 3600;

    #[test]
    fn div_half_up_boundaries() {
        assert_eq!(div_half_up(0, 7), 0);
        assert_eq!(div_half_up(5, 10), 1); // exactly half rounds up
        assert_eq!(div_half_up(4, 10), 0);
        assert_eq!(div_half_up(49, 100), 0); // 0.49 down
        assert_eq!(div_half_up(50, 100), 1); // 0.50 up
        assert_eq!(div_half_up(149, 100), 1);
        assert_eq!(div_half_up(150, 100), 2);
        assert_eq!(div_half_up(7, 3), 2); // 2.33
        assert_eq!(div_half_up(8, 3), 3); // 2.67
        assert_eq!(div_half_up(10, 1), 10);
        assert_eq!(div_half_up(u128::MAX, 1), u128::MAX);
        assert_eq!(div_half_up(u128::MAX, u128::MAX), 1);
        assert_eq!(div_half_up(u128::MAX, 2), u128::MAX / 2 + 1);
        assert_eq!(div_half_up(u128::MAX - 1, u128::MAX), 1);
        assert_eq!(div_half_up(5, 0), 0);
    }

    #[test]
    fn whole_month_costs_the_price() {
        assert_eq!(prorated_fee(4900, PlanPeriod::Month, MONTH, MONTH), 4900);
        assert_eq!(
            prorated_fee(4900, PlanPeriod::Month, 2 * MONTH, MONTH),
            4900
        );
        assert_eq!(
            prorated_fee(i64::MAX, PlanPeriod::Month, MONTH, MONTH),
            i64::MAX
        );
    }

    #[test]
    fn year_plan_full_month_is_a_twelfth_rounded_half_up() {
        // 49,000 / 12 = 4083.33 -> 4083
        assert_eq!(prorated_fee(49_000, PlanPeriod::Year, MONTH, MONTH), 4083);
        // 49,002 / 12 = 4083.5 -> 4084
        assert_eq!(prorated_fee(49_002, PlanPeriod::Year, MONTH, MONTH), 4084);
        // 49,001 / 12 = 4083.42 -> 4083
        assert_eq!(prorated_fee(49_001, PlanPeriod::Year, MONTH, MONTH), 4083);
        assert_eq!(prorated_fee(12_000, PlanPeriod::Year, MONTH, MONTH), 1000);
    }

    #[test]
    fn half_a_month() {
        assert_eq!(
            prorated_fee(4900, PlanPeriod::Month, MONTH / 2, MONTH),
            2450
        );
        // 4901 / 2 = 2450.5 -> 2451
        assert_eq!(
            prorated_fee(4901, PlanPeriod::Month, MONTH / 2, MONTH),
            2451
        );
        // 49,000 / 24 = 2041.67 -> 2042
        assert_eq!(
            prorated_fee(49_000, PlanPeriod::Year, MONTH / 2, MONTH),
            2042
        );
        assert_eq!(
            prorated_allowance(10_001, PlanPeriod::Month, MONTH / 2, MONTH),
            5000
        );
        // 100,000 / 24 = 4166.67 -> 4166 (rounded down)
        assert_eq!(
            prorated_allowance(100_000, PlanPeriod::Year, MONTH / 2, MONTH),
            4166
        );
    }

    #[test]
    fn allowance_rounds_down() {
        assert_eq!(
            prorated_allowance(1000, PlanPeriod::Month, MONTH, MONTH),
            1000
        );
        // 1,000 / 12 = 83.33 and 1,199 / 12 = 99.92: both down
        assert_eq!(prorated_allowance(1000, PlanPeriod::Year, MONTH, MONTH), 83);
        assert_eq!(prorated_allowance(1199, PlanPeriod::Year, MONTH, MONTH), 99);
        assert_eq!(
            prorated_allowance(i64::MAX, PlanPeriod::Month, MONTH, MONTH),
            i64::MAX
        );
    }

    #[test]
    fn zero_overlap_and_nonsense_inputs_are_zero() {
        assert_eq!(prorated_fee(4900, PlanPeriod::Month, 0, MONTH), 0);
        assert_eq!(prorated_allowance(1000, PlanPeriod::Month, 0, MONTH), 0);
        assert_eq!(prorated_fee(4900, PlanPeriod::Month, -5, MONTH), 0);
        assert_eq!(prorated_fee(-4900, PlanPeriod::Month, MONTH, MONTH), 0);
        assert_eq!(prorated_fee(4900, PlanPeriod::Month, MONTH, 0), 0);
        assert_eq!(prorated_fee(4900, PlanPeriod::Year, MONTH, -1), 0);
        assert_eq!(prorated_allowance(-1, PlanPeriod::Year, MONTH, MONTH), 0);
        assert_eq!(prorated_allowance(1000, PlanPeriod::Year, MONTH, 0), 0);
        assert_eq!(overage_amount(-1000, 50), 0);
        assert_eq!(overage_amount(1000, -50), 0);
        assert_eq!(compute_amount_cents(-1, -1, -1, -1), 0);
        assert_eq!(compute_amount_cents(0, 0, 10_000, 10_000), 0);
    }

    #[test]
    fn overage_per_thousand_rounds_half_up() {
        assert_eq!(overage_amount(1000, 50), 50);
        assert_eq!(overage_amount(0, 50), 0);
        // 10 shots at 50 per 1000 = 0.5 -> 1; 9 shots = 0.45 -> 0
        assert_eq!(overage_amount(10, 50), 1);
        assert_eq!(overage_amount(9, 50), 0);
        assert_eq!(overage_amount(1500, 3), 5); // 4.5 -> 5
        assert_eq!(overage_amount(1499, 3), 4); // 4.497 -> 4
    }

    #[test]
    fn compute_rounds_half_a_cent_up_and_below_down() {
        // 1 cent = 10,000 micros.
        assert_eq!(compute_amount_cents(1, 0, 10_000, 0), 1);
        assert_eq!(compute_amount_cents(1, 0, 5_000, 0), 1); // 0.5 cent up
        assert_eq!(compute_amount_cents(1, 0, 4_999, 0), 0); // 0.4999 down
        assert_eq!(compute_amount_cents(1, 0, 4_900, 0), 0); // 0.49 down
        assert_eq!(compute_amount_cents(1, 0, 15_000, 0), 2); // 1.5 up
        assert_eq!(compute_amount_cents(1000, 0, 123, 0), 12); // 12.3 cents
    }

    #[test]
    fn compute_with_sub_second_run_time() {
        // 500 ms at 1 cent/s = 0.5 cent -> 1; 499 ms = 0.499 -> 0
        assert_eq!(compute_amount_cents(0, 500, 0, 10_000), 1);
        assert_eq!(compute_amount_cents(0, 499, 0, 10_000), 0);
        // 1 ms at 1,000 micros/s is 1 micro: with 4,999 micros of shots the
        // exact sum is 5,000 micros = 0.5 cent -> 1. Rounding the parts
        // separately would give 0.
        assert_eq!(compute_amount_cents(1, 1, 4_999, 1_000), 1);
        // Fractions of a micro count too: 4,990 micros of shots plus 1 ms at
        // 9,999 micros/s (9.999 micros) is 4,999.999 micros -> 0, while at
        // 10,000 micros/s it is exactly 5,000 micros -> 1.
        assert_eq!(compute_amount_cents(1, 1, 4_990, 9_999), 0);
        assert_eq!(compute_amount_cents(1, 1, 4_990, 10_000), 1);
        assert_eq!(compute_amount_cents(0, 1_000, 0, 1), 0);
        // 2.5 s at 40,000 micros/s + 100 shots at 300 micros = 130,000 micros
        assert_eq!(compute_amount_cents(100, 2_500, 300, 40_000), 13);
    }

    #[test]
    fn huge_inputs_saturate_instead_of_overflowing() {
        assert_eq!(
            compute_amount_cents(i64::MAX, i64::MAX, i64::MAX, i64::MAX),
            i64::MAX
        );
        assert_eq!(compute_amount_cents(i64::MAX, 0, i64::MAX, 0), i64::MAX);
        assert_eq!(compute_amount_cents(0, i64::MAX, 0, i64::MAX), i64::MAX);
        assert_eq!(overage_amount(i64::MAX, i64::MAX), i64::MAX);
        // Products that overflow i64 but whose result fits are exact.
        assert_eq!(overage_amount(i64::MAX, 1000), i64::MAX);
        assert_eq!(
            compute_amount_cents(i64::MAX / 1000, 0, 10_000, 0),
            i64::MAX / 1000
        );
        assert_eq!(
            prorated_fee(i64::MAX, PlanPeriod::Year, i64::MAX, i64::MAX),
            div_half_up(i64::MAX as u128, 12) as i64
        );
    }
}
