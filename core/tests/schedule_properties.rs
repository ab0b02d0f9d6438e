//! Invariants of every schedule, over thousands of random loans per method.

use chrono::{Datelike, Days, NaiveDate};
use proptest::prelude::*;
use rust_decimal::Decimal;
use windeep_core::{
    Currency, LoanTerms, Money, Rate, RoundingMode, RoundingPolicy, calendar::Frequency,
    calendar::InterestBasis, generate_schedule, schedule::BrokenPeriod, schedule::Method,
};

fn method_terms(method: Method) -> impl Strategy<Value = LoanTerms> {
    let frequency = prop_oneof![
        Just(Frequency::Monthly),
        Just(Frequency::Quarterly),
        Just(Frequency::Fortnightly),
        Just(Frequency::Weekly)
    ];
    let basis = prop_oneof![
        Just(InterestBasis::Thirty360),
        Just(InterestBasis::Actual365),
        Just(InterestBasis::ActualActual)
    ];
    let broken = prop_oneof![
        Just(BrokenPeriod::None),
        Just(BrokenPeriod::AddToFirst),
        Just(BrokenPeriod::Amortize),
        Just(BrokenPeriod::DeductUpfront),
        Just(BrokenPeriod::ProRata)
    ];
    let mode = prop_oneof![
        Just(RoundingMode::HalfUp),
        Just(RoundingMode::HalfEven),
        Just(RoundingMode::Up),
        Just(RoundingMode::Down)
    ];
    (
        (
            1_000_i64..=1_000_000_000_000,
            0_i64..=3_600,
            1_u32..=360,
            0_u64..=4_000,
            7_u64..=60,
        ),
        (frequency, basis, broken, mode),
        (0_u32..=3, 0_u32..=3),
    )
        .prop_map(
            move |(
                (paise, bp_rate, tenure, start, gap),
                (frequency, basis, broken, mode),
                (gp, gi),
            )| {
                let disbursed = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap() + Days::new(start);
                // Weekly loans fall due within a week or two; the others within the 7–60 day policy.
                let gap = if frequency == Frequency::Weekly {
                    7 + gap % 7
                } else {
                    gap
                };
                let first_due = disbursed + Days::new(gap);
                let mut t = LoanTerms::new(
                    Money::from_decimal(Decimal::new(paise, 2)),
                    Rate::from_percent(Decimal::new(bp_rate, 2)).unwrap(),
                    tenure,
                    disbursed,
                    first_due,
                );
                t.method = method;
                t.frequency = frequency;
                t.interest_basis = basis;
                t.broken_period = broken;
                t.principal_grace = gp.min(tenure - 1);
                t.interest_grace = gi.min(tenure - 1);
                t.rounding = Some(RoundingPolicy::new(Decimal::new(1, 2), mode));
                t
            },
        )
}

fn check(t: &LoanTerms) -> Result<(), TestCaseError> {
    let s = match generate_schedule(t) {
        Ok(s) => s,
        // A coarse rounding mode on a tiny loan may legitimately be refused, never anything else.
        Err(e) => {
            prop_assert!(
                matches!(
                    e.code(),
                    "E_EMI_ROUNDING_OVERPAYS"
                        | "E_EMI_BELOW_INTEREST"
                        | "E_NEGATIVE_INTEREST"
                        | "E_EMI_ROUNDS_TO_ZERO"
                ),
                "unexpected refusal {}: {e}",
                e.code()
            );
            return Ok(());
        }
    };
    let scale = Currency::inr().minor_units();
    let p = t.principal.value();
    let rows = &s.installments;
    prop_assert_eq!(rows.len(), t.tenure as usize);
    let sum = |f: fn(&windeep_core::schedule::Installment) -> Decimal| {
        rows.iter().map(f).sum::<Decimal>()
    };
    prop_assert_eq!(
        sum(|r| r.principal.value()),
        p,
        "principal sums to the loan amount"
    );
    prop_assert_eq!(s.totals.principal.value(), p);
    prop_assert_eq!(s.totals.interest.value(), sum(|r| r.interest.value()));
    prop_assert_eq!(s.totals.payable.value(), sum(|r| r.installment.value()));
    let mut prev_due = s.disbursed_on;
    let mut balance = p;
    for r in rows {
        for m in [
            r.opening_balance,
            r.principal,
            r.interest,
            r.installment,
            r.closing_balance,
        ] {
            prop_assert_eq!(
                m.value().scale(),
                scale,
                "every amount is at currency scale"
            );
            prop_assert!(
                m.value() >= Decimal::ZERO,
                "no negative amount in row {}",
                r.number
            );
        }
        prop_assert!(r.due_on > prev_due, "due dates strictly increase");
        prop_assert_eq!(r.opening_balance.value(), balance);
        prop_assert_eq!(
            r.opening_balance.value() - r.principal.value(),
            r.closing_balance.value()
        );
        prop_assert_eq!(
            r.principal.value() + r.interest.value(),
            r.installment.value()
        );
        prev_due = r.due_on;
        balance = r.closing_balance.value();
    }
    prop_assert_eq!(balance, Decimal::ZERO, "the schedule ends at exactly zero");
    if t.method == Method::Reducing && t.interest_grace == 0 {
        let emi = s.emi.unwrap().value();
        let first_adjusted = matches!(
            t.broken_period,
            BrokenPeriod::AddToFirst | BrokenPeriod::DeductUpfront | BrokenPeriod::ProRata
        );
        for r in rows
            .iter()
            .take(rows.len() - 1)
            .skip(t.principal_grace as usize)
        {
            if r.number == 1 && first_adjusted {
                continue;
            }
            prop_assert_eq!(
                r.installment.value(),
                emi,
                "non-final row {} equals the EMI",
                r.number
            );
        }
    }
    Ok(())
}

/// Loans that were refused before cumulative rounding and the actual-period EMI: flat and
/// amortised interest with coarse increments over long tenures, and long actual-day loans.
fn formerly_refused() -> impl Strategy<Value = LoanTerms> {
    (
        (100_000_i64..=100_000_000, 1_i64..=2_400, 12_u32..=360),
        (0_usize..4, 0_usize..3, 0_u64..=3_000, 0_u64..=27),
        prop_oneof![Just("0.01"), Just("1"), Just("10")],
    )
        .prop_map(|((paise, bp_rate, tenure), (m, b, start, extra), inc)| {
            let disbursed = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap() + Days::new(start);
            let mut t = LoanTerms::new(
                Money::from_decimal(Decimal::new(paise, 2)),
                Rate::from_percent(Decimal::new(bp_rate, 2)).unwrap(),
                tenure,
                disbursed,
                disbursed + Days::new(31 + extra),
            );
            t.method = [
                Method::Flat,
                Method::Reducing,
                Method::EqualPrincipal,
                Method::Bullet,
            ][m];
            t.interest_basis = [
                InterestBasis::Thirty360,
                InterestBasis::Actual365,
                InterestBasis::ActualActual,
            ][b];
            t.broken_period = BrokenPeriod::Amortize;
            t.rounding = Some(RoundingPolicy::new(
                inc.parse().unwrap(),
                RoundingMode::HalfUp,
            ));
            t
        })
}

/// Month-end first due dates on monthly and quarterly loans.
fn month_end_terms() -> impl Strategy<Value = LoanTerms> {
    (
        0_i32..40,
        1_u32..=12,
        1_u32..=120,
        prop::bool::ANY,
        7_u64..=20,
    )
        .prop_map(|(year, month, tenure, quarterly, gap)| {
            let first_of_next = if month == 12 {
                NaiveDate::from_ymd_opt(2020 + year + 1, 1, 1)
            } else {
                NaiveDate::from_ymd_opt(2020 + year, month + 1, 1)
            }
            .unwrap();
            let first_due = first_of_next.pred_opt().unwrap();
            let mut t = LoanTerms::new(
                Money::from_decimal(Decimal::new(10_000_000, 2)),
                Rate::from_percent(Decimal::new(1200, 2)).unwrap(),
                tenure,
                first_due - Days::new(gap),
                first_due,
            );
            if quarterly {
                t.frequency = Frequency::Quarterly;
            }
            t
        })
}

fn is_month_end(d: NaiveDate) -> bool {
    d.succ_opt().is_some_and(|next| next.day() == 1)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(600))]
    /// Flat and amortised interest split by cumulative rounding, and long actual-day loans: the
    /// schedule exists, principal sums to the loan and no row's interest is negative.
    #[test]
    fn formerly_refused_loans_work(t in formerly_refused()) {
        let s = generate_schedule(&t);
        match &s {
            Ok(_) => check(&t)?,
            // Only a rounded level amount that overpays or is zero on a tiny loan may refuse,
            // or (30/360 only) a coarse EMI increment rounding the EMI down to the interest.
            // On actual-day bases a long period's interest never refuses the loan.
            Err(e) => prop_assert!(
                matches!(e.code(), "E_EMI_ROUNDING_OVERPAYS" | "E_EMI_ROUNDS_TO_ZERO")
                    || (e.code() == "E_EMI_BELOW_INTEREST"
                        && t.interest_basis == InterestBasis::Thirty360),
                "refused with {}: {e}", e.code()
            ),
        }
    }

    /// A first due date on a month's last day keeps every due date on its month's last day.
    #[test]
    fn month_end_anchoring_holds(t in month_end_terms()) {
        let s = generate_schedule(&t).unwrap();
        for r in &s.installments {
            prop_assert!(is_month_end(r.due_on), "row {} due {}", r.number, r.due_on);
        }
        check(&t)?;
    }

    /// `fixed_due_day: "last"` snaps to the month end and keeps it.
    #[test]
    fn fixed_due_day_last_holds(mut t in month_end_terms(), back in 1_u64..=20) {
        t.first_due_on = t.first_due_on - Days::new(back);
        t.disbursed_on = t.first_due_on - Days::new(7);
        t.fixed_due_day = Some(windeep_core::calendar::FIXED_DUE_DAY_LAST);
        let s = generate_schedule(&t).unwrap();
        for r in &s.installments {
            prop_assert!(is_month_end(r.due_on), "row {} due {}", r.number, r.due_on);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1500))]
    #[test]
    fn reducing_invariants(t in method_terms(Method::Reducing)) { check(&t)?; }
    #[test]
    fn flat_invariants(t in method_terms(Method::Flat)) { check(&t)?; }
    #[test]
    fn equal_principal_invariants(t in method_terms(Method::EqualPrincipal)) { check(&t)?; }
    #[test]
    fn bullet_invariants(t in method_terms(Method::Bullet)) { check(&t)?; }
}
