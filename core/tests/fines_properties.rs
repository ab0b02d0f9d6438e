//! Properties of fine assessment over random rules, snapshots and dates (see `docs/fines.md`).

use chrono::{Days, NaiveDate};
use proptest::prelude::*;
use rust_decimal::Decimal;
use windeep_core::{
    Money, RoundingMode, RoundingPolicy, fines::AccountType, fines::FineAction,
    fines::FineAssessment, fines::FineFormula, fines::FineKey, fines::FineRule,
    fines::FineSnapshot, fines::OverdueInstallment, fines::Slab, fines::assess_fines,
};

const LOAN: &str = "LN2026000001";

fn base_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 1, 5).unwrap()
}

fn plus(days: u64) -> NaiveDate {
    base_date().checked_add_days(Days::new(days)).unwrap()
}

fn money(minor: i64) -> Money {
    Money::from_decimal(Decimal::new(minor, 2))
}

fn formula() -> impl Strategy<Value = FineFormula> {
    prop_oneof![
        (1_i64..100_000).prop_map(|a| FineFormula::Fixed { amount: money(a) }),
        (0_i64..50_000, 1_i64..5_000).prop_map(|(f, p)| FineFormula::PerDay {
            initial: money(f),
            per_day: money(p),
        }),
        (1_i64..1_000, proptest::option::of(1_u32..40)).prop_map(|(pct, every)| {
            FineFormula::Percentage {
                percent: Decimal::new(pct, 2),
                recur_every_days: every,
            }
        }),
        proptest::collection::vec((1_u32..15, 0_u32..6, 1_i64..100_000), 1..4).prop_map(|parts| {
            let mut from = 0;
            let mut slabs = Vec::new();
            let n = parts.len();
            for (i, (gap, len, amount)) in parts.into_iter().enumerate() {
                let start = from + gap;
                let end = start + len;
                slabs.push(Slab {
                    from_days: start,
                    to_days: if i + 1 == n && len == 0 {
                        None
                    } else {
                        Some(end)
                    },
                    amount: money(amount),
                });
                from = end;
            }
            FineFormula::Slab { slabs }
        }),
    ]
}

fn rule(id: u32) -> impl Strategy<Value = FineRule> {
    (
        formula(),
        prop_oneof![Just(None), Just(Some("P1")), Just(Some("P2"))],
        prop_oneof![8 => Just(AccountType::Loan), 1 => Just(AccountType::Savings)],
        0_u32..8,
        proptest::option::of(1_i64..200_000),
        1_u32..30,
        proptest::option::of(0_u32..60),
        proptest::option::of(0_u64..90),
        proptest::option::of(0_u64..120),
    )
        .prop_map(
            move |(formula, product, applies_to, grace, cap, min, span, from, to)| {
                let (effective_from, effective_to) = match (from.map(plus), to.map(plus)) {
                    (Some(a), Some(b)) if b < a => (Some(b), Some(a)),
                    pair => pair,
                };
                FineRule {
                    id,
                    applies_to,
                    product: product.map(str::to_owned),
                    formula,
                    grace_days: grace,
                    cap: cap.map(money),
                    min_days: min,
                    max_days: span.map(|s| min + s),
                    effective_from,
                    effective_to,
                }
            },
        )
}

fn rules() -> impl Strategy<Value = Vec<FineRule>> {
    proptest::sample::subsequence((1_u32..=12).collect::<Vec<_>>(), 1..6)
        .prop_flat_map(|ids| ids.into_iter().map(rule).collect::<Vec<_>>())
}

/// Installments due every 30 days from the base date, each unpaid or settled some days late.
fn snapshot() -> impl Strategy<Value = FineSnapshot> {
    (
        proptest::collection::vec(
            (
                0_i64..2_000_000,
                0_i64..200_000,
                proptest::option::of(0_u64..60),
            ),
            1..4,
        ),
        prop_oneof![Just(None), Just(Some("P1"))],
    )
        .prop_map(|(rows, product)| FineSnapshot {
            loan_id: LOAN.to_owned(),
            account_type: AccountType::Loan,
            product: product.map(str::to_owned),
            currency: windeep_core::Currency::inr(),
            rounding: None,
            installments: rows
                .into_iter()
                .enumerate()
                .map(|(i, (p, q, settled_after))| {
                    let n = u32::try_from(i + 1).unwrap();
                    let due = plus(30 * i as u64);
                    let settled =
                        settled_after.map(|d| due.checked_add_days(Days::new(d)).unwrap());
                    OverdueInstallment {
                        number: n,
                        due_on: due,
                        unpaid_principal: if settled.is_some() {
                            Money::ZERO
                        } else {
                            money(p + 1)
                        },
                        unpaid_interest: if settled.is_some() {
                            Money::ZERO
                        } else {
                            money(q)
                        },
                        settled_on: settled,
                        fines: Vec::new(),
                    }
                })
                .collect(),
        })
}

/// The latest settlement date, so that `as_of` is never before it.
fn earliest_as_of(s: &FineSnapshot) -> u64 {
    s.installments
        .iter()
        .filter_map(|i| i.settled_on)
        .map(|d| u64::try_from((d - base_date()).num_days()).unwrap())
        .max()
        .unwrap_or(0)
}

fn all_fines(s: &FineSnapshot) -> Vec<(FineKey, Money, Money, Money)> {
    let mut v: Vec<_> = s
        .installments
        .iter()
        .flat_map(|i| i.fines.iter())
        .map(|f| (f.key.clone(), f.amount, f.paid, f.waived))
        .collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

fn check_balances(out: &[FineAssessment]) -> Result<(), TestCaseError> {
    for a in out {
        let b = a.amount.value() - a.paid.value() - a.waived.value();
        prop_assert_eq!(b, a.balance.value());
        prop_assert!(b >= Decimal::ZERO, "negative balance in {:?}", a);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// Assessing, applying the result and assessing again on the same date changes nothing.
    #[test]
    fn assessing_twice_equals_assessing_once(
        rules in rules(), mut s in snapshot(), extra in 0_u64..150,
    ) {
        let as_of = plus(earliest_as_of(&s) + extra);
        let first = assess_fines(&s, &rules, as_of).unwrap();
        check_balances(&first)?;
        s.apply(&first).unwrap();
        let second = assess_fines(&s, &rules, as_of).unwrap();
        prop_assert!(second.is_empty(), "second run: {:?}", second);
    }

    /// Two copies of the same snapshot give identical results, down to the JSON text; and the
    /// order of the rules in the input does not matter.
    #[test]
    fn deterministic_whatever_the_rule_order(
        rules in rules(), s in snapshot(), extra in 0_u64..150, seed in any::<u64>(),
    ) {
        let as_of = plus(earliest_as_of(&s) + extra);
        let copy = s.clone();
        let a = assess_fines(&s, &rules, as_of).unwrap();
        let b = assess_fines(&copy, &rules, as_of).unwrap();
        prop_assert_eq!(&a, &b);
        prop_assert_eq!(serde_json::to_string(&a).unwrap(), serde_json::to_string(&b).unwrap());
        let mut shuffled = rules.clone();
        shuffled.reverse();
        let k = usize::try_from(seed % (shuffled.len() as u64)).unwrap();
        shuffled.rotate_left(k);
        prop_assert_eq!(assess_fines(&s, &shuffled, as_of).unwrap(), a);
    }

    /// Running every day and applying each result ends where one run on the last day ends
    /// (nothing is paid in between, so the percentage base does not change).
    #[test]
    fn daily_runs_equal_one_run(rules in rules(), s in snapshot(), days in 1_u64..70) {
        let start = earliest_as_of(&s);
        let mut daily = s.clone();
        for d in start..=start + days {
            let out = assess_fines(&daily, &rules, plus(d)).unwrap();
            daily.apply(&out).unwrap();
        }
        let mut once = s.clone();
        let out = assess_fines(&once, &rules, plus(start + days)).unwrap();
        once.apply(&out).unwrap();
        prop_assert_eq!(all_fines(&daily), all_fines(&once));
    }

    /// A payment or waiver recorded between two runs is neither lost nor overcharged: the second
    /// run keeps paid and waived, never lowers the amount below them, and otherwise gives the
    /// amount it gives without the payment.
    #[test]
    fn payment_between_runs_is_neither_lost_nor_overcharged(
        rules in rules(), s in snapshot(), extra in 0_u64..100, later in 0_u64..100,
        pay in proptest::collection::vec((0_u32..=100, 0_u32..=100), 0..20),
    ) {
        let t1 = plus(earliest_as_of(&s) + extra);
        let t2 = t1.checked_add_days(Days::new(later)).unwrap();
        let mut unpaid = s.clone();
        unpaid.apply(&assess_fines(&s, &rules, t1).unwrap()).unwrap();
        // Pay and waive parts of each fine's balance.
        let mut paid = unpaid.clone();
        let down = RoundingPolicy::new(Decimal::new(1, 2), RoundingMode::Down);
        let inr = windeep_core::Currency::inr();
        let fines = paid.installments.iter_mut().flat_map(|i| i.fines.iter_mut());
        for (f, (p, w)) in fines.zip(pay.iter().cycle()) {
            let balance = f.amount.value();
            let p_amt = down.round_value(balance * Decimal::from(*p) / Decimal::from(100), &inr).unwrap();
            let w_amt = down
                .round_value((balance - p_amt) * Decimal::from(*w) / Decimal::from(200), &inr)
                .unwrap();
            f.paid = Money::from_decimal(p_amt);
            f.waived = Money::from_decimal(w_amt);
        }
        let with_payment = assess_fines(&paid, &rules, t2).unwrap();
        let without = assess_fines(&unpaid, &rules, t2).unwrap();
        check_balances(&with_payment)?;
        let before = all_fines(&paid);
        paid.apply(&with_payment).unwrap();
        unpaid.apply(&without).unwrap();
        let after_paid = all_fines(&paid);
        let after_unpaid = all_fines(&unpaid);
        prop_assert_eq!(after_paid.len(), after_unpaid.len());
        for ((k, amount, p, w), (k2, amount_unpaid, _, _)) in after_paid.iter().zip(&after_unpaid) {
            prop_assert_eq!(k, k2);
            // Paid and waived are exactly what was recorded (or 0 for a new fine).
            let recorded = before.iter().find(|b| &b.0 == k);
            let (p0, w0) = recorded.map_or((Money::ZERO, Money::ZERO), |b| (b.2, b.3));
            prop_assert_eq!((p.value(), w.value()), (p0.value(), w0.value()));
            let settled = p.value() + w.value();
            prop_assert!(amount.value() >= settled, "{} below paid + waived", k);
            // Not overcharged: the amount is the unpaid run's, unless that is below what was
            // already paid and waived.
            let is_percentage = with_payment
                .iter()
                .chain(&without)
                .any(|a| &a.key == k && a.kind == "percentage");
            if !is_percentage {
                prop_assert_eq!(amount.value(), amount_unpaid.value().max(settled));
            }
        }
        for a in &with_payment {
            if a.action == FineAction::ReAmount {
                prop_assert!(a.previous_amount.is_some());
            }
        }
    }
}
