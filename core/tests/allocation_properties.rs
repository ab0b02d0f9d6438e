//! Invariants of payment allocation (decisions §2, revised 2026-12-03): money is conserved,
//! the default order is horizontal (paying k full installments makes the loan k installments
//! current, whatever fines are levied), and no money is held as excess while a due amount is
//! unpaid, targeted or not.

use std::collections::HashMap;

use chrono::{Days, NaiveDate};
use proptest::prelude::*;
use rust_decimal::Decimal;
use windeep_core::{
    Money, account::EventBody, account::InstallmentStatus, account::LoanAccount,
    account::LoanEvent, account::replay, allocation::AllocationPolicy,
    allocation::AllocationPreset, allocation::Component, allocation::ExcessPolicy,
    allocation::InstallmentDues, allocation::allocate,
};

fn d(s: &str) -> NaiveDate {
    windeep_core::parse_date(s).unwrap()
}

fn money(paise: i64) -> Money {
    Money::from_decimal(Decimal::new(paise, 2))
}

fn event(sequence: u64, date: NaiveDate, body: EventBody) -> LoanEvent {
    LoanEvent {
        id: format!("e{sequence}"),
        sequence,
        value_date: date,
        idempotency_key: format!("k{sequence}"),
        prev_hash: None,
        hash: None,
        body,
    }
}

fn disbursed(principal: i64, rate_bp: i64, tenure: u32, excess: &str) -> LoanEvent {
    let body = serde_json::from_value(serde_json::json!({
        "type": "disbursed", "loan_id": "LN1",
        "terms": {"principal": Decimal::new(principal, 0).to_string(),
                  "annual_rate": Decimal::new(rate_bp, 2).to_string(),
                  "tenure": tenure, "disbursed_on": "2026-01-05",
                  "first_due_on": "2026-02-05"},
        "policy": {"allocation": {"excess": excess}},
    }))
    .unwrap();
    event(1, d("2026-01-05"), body)
}

const PRESETS: [AllocationPreset; 6] = [
    AllocationPreset::Default,
    AllocationPreset::Vertical,
    AllocationPreset::Horizontal,
    AllocationPreset::LegacyFineFirst,
    AllocationPreset::FineractMifos,
    AllocationPreset::FineractPrincipalFirst,
];

const EXCESS: [ExcessPolicy; 5] = [
    ExcessPolicy::AdvanceNextInstallments,
    ExcessPolicy::PrepayPrincipalReduceEmi,
    ExcessPolicy::PrepayPrincipalReduceTenure,
    ExcessPolicy::CreditToSavings,
    ExcessPolicy::HoldAsMemberCredit,
];

fn dues_strategy() -> impl Strategy<Value = Vec<InstallmentDues>> {
    proptest::collection::vec((0_i64..200_000, 0_i64..900_000, 0_i64..5_000), 1..8).prop_map(|v| {
        v.into_iter()
            .enumerate()
            .map(|(i, (interest, principal, fine))| {
                let k = u32::try_from(i).unwrap() + 1;
                InstallmentDues {
                    installment: k,
                    due_on: d("2026-02-05") + chrono::Months::new(k - 1),
                    interest: money(interest),
                    principal: money(principal),
                    fine: money(fine),
                }
            })
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Σ lines + excess = the payment; no line exceeds what its component owes; when anything
    /// is excess, every due on or before the payment date is fully paid (targeted or not).
    #[test]
    fn allocation_conserves_money_and_never_idles_while_due(
        dues in dues_strategy(),
        paise in 1_i64..3_000_000,
        preset in 0_usize..6,
        excess in 0_usize..5,
        target in proptest::option::of(1_u32..8),
        paid_day in 0_u64..250,
    ) {
        let policy = AllocationPolicy { preset: PRESETS[preset], excess: EXCESS[excess] };
        let paid_on = d("2026-01-20") + Days::new(paid_day);
        let target = target.filter(|k| dues.iter().any(|x| x.installment == *k));
        let a = allocate(money(paise), paid_on, target, &dues, policy).unwrap();
        let total: Decimal = a.lines.iter().map(|l| l.amount.value()).sum::<Decimal>()
            + a.excess.value();
        prop_assert_eq!(total, Decimal::new(paise, 2));
        let mut paid: HashMap<(u32, Component), Decimal> = HashMap::new();
        for l in &a.lines {
            prop_assert!(l.amount.value() > Decimal::ZERO);
            *paid.entry((l.installment, l.component)).or_default() += l.amount.value();
        }
        for x in &dues {
            for (c, owed) in [
                (Component::Interest, x.interest),
                (Component::Principal, x.principal),
                (Component::Fine, x.fine),
            ] {
                let p = paid.get(&(x.installment, c)).copied().unwrap_or_default();
                prop_assert!(p <= owed.value());
                if a.excess.value() > Decimal::ZERO && x.due_on <= paid_on {
                    prop_assert_eq!(p, owed.value(), "excess while {} {:?} is due", x.installment, c);
                }
            }
        }
    }

    /// Under the default (horizontal) order, k full installments paid on or after the k-th due
    /// date make installments 1..k paid and leave the later ones untouched, whatever fines
    /// were levied and however the money was split into payments.
    #[test]
    fn paying_k_full_installments_makes_the_loan_k_installments_current(
        principal in 10_000_i64..500_000,
        rate in 0_i64..3_000,
        tenure in 3_u32..24,
        k in 1_u32..24,
        late_days in 0_u64..40,
        parts in 1_usize..4,
        fine_paise in proptest::option::of(100_i64..50_000),
    ) {
        let k = k.min(tenure - 1);
        let mut events = vec![disbursed(principal, rate, tenure, "advance_next_installments")];
        let Ok(base) = replay(&events, d("2026-01-05")) else { return Ok(()) };
        let rows = &base.state.installments;
        let due_k = rows[usize::try_from(k).unwrap() - 1].due_on;
        let owed: Decimal = rows
            .iter()
            .take(usize::try_from(k).unwrap())
            .map(|r| r.principal.value() + r.interest.value())
            .sum();
        let mut seq = 2;
        if let Some(f) = fine_paise {
            events.push(event(seq, d("2026-02-05"), EventBody::FineLevied {
                installment: 1, rule_id: "1".into(), occurrence: 1, amount: money(f),
            }));
            seq += 1;
        }
        let pay_on = due_k + Days::new(late_days);
        let minor = owed.mantissa();
        let n = i128::try_from(parts).unwrap();
        let mut left = minor;
        for i in 0..parts {
            let share = if i + 1 == parts { left } else { minor / n };
            left -= share;
            if share == 0 { continue; }
            let amount = Money::from_decimal(Decimal::from_i128_with_scale(share, 2));
            events.push(event(seq, pay_on, EventBody::PaymentReceived { amount, installment: None, payment_mode: None, bank_transaction: None }));
            seq += 1;
        }
        let s = replay(&events, pay_on).unwrap().state;
        for r in &s.installments {
            if r.number <= k {
                prop_assert_eq!(r.status, InstallmentStatus::Paid, "installment {}", r.number);
            } else {
                prop_assert_eq!(r.principal_paid.value() + r.interest_paid.value(), Decimal::ZERO);
            }
        }
        if let Some(f) = fine_paise {
            prop_assert_eq!(s.fines_due.value(), Decimal::new(f, 2));
        }
    }

    /// Payments aimed at any installment (paid, due or future) under any excess policy: after
    /// a payment that leaves excess, nothing is past due.
    #[test]
    fn targeted_payments_never_leave_credit_while_overdue(
        principal in 10_000_i64..300_000,
        tenure in 3_u32..18,
        excess in 0_usize..5,
        steps in proptest::collection::vec((0_u64..50, 1_i64..2_000_000, 1_u32..18), 1..15),
    ) {
        let policy = ["advance_next_installments", "prepay_principal_reduce_emi",
            "prepay_principal_reduce_tenure", "credit_to_savings", "hold_as_member_credit"];
        let mut account =
            LoanAccount::new(vec![disbursed(principal, 1200, tenure, policy[excess])]).unwrap();
        let mut date = d("2026-01-05");
        for (i, (gap, paise, target)) in steps.into_iter().enumerate() {
            date = date + Days::new(gap);
            let seq = u64::try_from(i).unwrap() + 2;
            let body = EventBody::PaymentReceived {
                amount: money(paise),
                installment: Some(target.min(tenure)),
                payment_mode: None,
                bank_transaction: None,
            };
            let Ok(out) = account.push(event(seq, date, body)) else { break };
            if let Some(to) = out.excess_to {
                let s = account.summary(date).unwrap();
                prop_assert!(s.overdue.is_empty(), "excess to {} while {:?} overdue", to, s.overdue);
                prop_assert_eq!(s.interest_due.value(), Decimal::ZERO);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Under hold_as_member_credit, when the daily job appends what `credit_events` returns,
    /// no credit is held while anything is past due.
    #[test]
    fn applied_credit_never_idles_while_overdue(
        principal in 10_000_i64..300_000,
        tenure in 3_u32..12,
        steps in proptest::collection::vec((1_u64..40, 0_i64..3_000_000), 1..12),
    ) {
        let mut events = vec![disbursed(principal, 1200, tenure, "hold_as_member_credit")];
        let mut date = d("2026-01-05");
        let mut seq = 2;
        for (gap, paise) in steps {
            date = date + Days::new(gap);
            if paise > 0 {
                events.push(event(seq, date, EventBody::PaymentReceived {
                    amount: money(paise), installment: None, payment_mode: None, bank_transaction: None,
                }));
                seq += 1;
            }
            let Ok(more) = windeep_core::account::credit_events(&events, date, seq) else { break };
            // A second run the same day is a duplicate of the first.
            let again = windeep_core::account::credit_events(&events, date, seq).unwrap();
            prop_assert_eq!(&more, &again);
            seq += u64::try_from(more.len()).unwrap();
            events.extend(more);
            let s = replay(&events, date).unwrap().state;
            if s.member_credit.value() > Decimal::ZERO {
                prop_assert_eq!(s.days_past_due, 0, "credit {} held while overdue", s.member_credit);
            }
        }
    }
}
