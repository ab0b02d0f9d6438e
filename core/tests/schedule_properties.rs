//! Invariants of every schedule, over thousands of random loans per method.

use chrono::{Days, NaiveDate};
use proptest::prelude::*;
use rust_decimal::Decimal;
use windeep_core::{
    BrokenPeriod, Currency, Frequency, InterestBasis, LoanTerms, Method, Money, Rate, RoundingMode,
    RoundingPolicy, generate_schedule,
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
        Just(BrokenPeriod::DeductUpfront)
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
                    "E_EMI_ROUNDING_OVERPAYS" | "E_EMI_BELOW_INTEREST" | "E_NEGATIVE_INTEREST"
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
    let sum = |f: fn(&windeep_core::Installment) -> Decimal| rows.iter().map(f).sum::<Decimal>();
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
            BrokenPeriod::AddToFirst | BrokenPeriod::DeductUpfront
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
