//! Invariants of the loan account over random event sequences.

use chrono::{Days, NaiveDate};
use proptest::prelude::*;
use rust_decimal::Decimal;
use windeep_core::{
    account::EventBody, account::LoanAccount, account::LoanEvent, account::LoanState,
    account::Replay, account::end_of_day, account::replay,
};

fn d(s: &str) -> NaiveDate {
    windeep_core::parse_date(s).unwrap()
}

fn event(sequence: u64, date: NaiveDate, key: &str, body: EventBody) -> LoanEvent {
    LoanEvent {
        id: format!("e{sequence}"),
        sequence,
        value_date: date,
        idempotency_key: key.to_owned(),
        prev_hash: None,
        hash: None,
        body,
    }
}

fn disbursed(principal: i64, rate_bp: i64, tenure: u32) -> LoanEvent {
    let terms = serde_json::from_value(serde_json::json!({
        "principal": Decimal::new(principal, 0).to_string(),
        "annual_rate": Decimal::new(rate_bp, 2).to_string(),
        "tenure": tenure, "disbursed_on": "2026-01-05", "first_due_on": "2026-02-05"
    }))
    .unwrap();
    event(
        1,
        d("2026-01-05"),
        "disbursal",
        EventBody::Disbursed {
            loan_id: "LN1".into(),
            terms: Box::new(terms),
            policy: Default::default(),
            guarantors: vec!["MEMB000001".into()],
            bank_transaction: None,
        },
    )
}

/// A random loan with random payments and fines, in arrival order.
fn scenario() -> impl Strategy<Value = Vec<LoanEvent>> {
    let step = (
        0_u64..45,
        1_i64..1_500_000,
        any::<bool>(),
        1_u32..6,
        1_i64..100_000,
    );
    (
        10_000_i64..500_000,
        0_i64..3_000,
        3_u32..36,
        proptest::collection::vec(step, 1..25),
    )
        .prop_map(|(principal, rate, tenure, steps)| {
            let mut events = vec![disbursed(principal, rate, tenure)];
            let mut date = d("2026-01-05");
            for (i, (gap, paise, is_fine, inst, fine_paise)) in steps.into_iter().enumerate() {
                date = date + Days::new(gap);
                let seq = u64::try_from(i).unwrap() + 2;
                let body = if is_fine {
                    EventBody::FineLevied {
                        installment: inst.min(tenure),
                        rule_id: "FR1".into(),
                        occurrence: 1 + u32::try_from(i % 2).unwrap(),
                        amount: windeep_core::Money::from_decimal(Decimal::new(fine_paise, 2)),
                    }
                } else {
                    EventBody::PaymentReceived {
                        amount: windeep_core::Money::from_decimal(Decimal::new(paise, 2)),
                        installment: None,
                        payment_mode: None,
                        bank_transaction: None,
                    }
                };
                events.push(event(seq, date, &format!("k{seq}"), body));
            }
            events
        })
}

fn as_of() -> NaiveDate {
    d("2030-01-01")
}

/// Replays, tolerating the legitimate refusals a random sequence can produce.
fn try_replay(events: &[LoanEvent]) -> Option<Replay> {
    match replay(events, as_of()) {
        Ok(r) => Some(r),
        Err(e) => {
            assert!(
                matches!(e.code(), "E_LOAN_CLOSED" | "E_NOT_ELIGIBLE"),
                "unexpected refusal {}: {e}",
                e.code()
            );
            None
        }
    }
}

fn v(m: windeep_core::Money) -> Decimal {
    m.value()
}

fn check_state(s: &LoanState) -> Result<(), TestCaseError> {
    let paid: Decimal = s.installments.iter().map(|i| v(i.principal_paid)).sum();
    prop_assert_eq!(
        v(s.outstanding_principal),
        v(s.principal_disbursed) + v(s.principal_capitalised) - paid - v(s.principal_prepaid),
        "outstanding principal = disbursed + capitalised − allocated − prepaid"
    );
    for i in &s.installments {
        prop_assert!(v(i.unpaid) >= Decimal::ZERO && v(i.principal_paid) <= v(i.principal));
        prop_assert!(v(i.interest_paid) <= v(i.interest));
    }
    for f in &s.fines {
        prop_assert!(v(f.balance) >= Decimal::ZERO);
        prop_assert_eq!(v(f.balance), v(f.amount) - v(f.paid) - v(f.waived));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn replay_is_deterministic_and_conserves_money(events in scenario()) {
        let Some(a) = try_replay(&events) else { return Ok(()) };
        let b = try_replay(&events).unwrap();
        prop_assert_eq!(&a, &b);
        check_state(&a.state)?;
        for (o, e) in a.outcomes.iter().zip({
            let mut sorted = events.clone();
            sorted.sort_by_key(|e| (e.value_date, e.sequence));
            sorted
        }) {
            if let (Some(alloc), EventBody::PaymentReceived { amount, .. }) = (&o.allocation, &e.body) {
                let lines: Decimal = alloc.lines.iter().map(|l| l.amount.value()).sum();
                prop_assert_eq!(lines + alloc.excess.value(), amount.value(), "money is conserved");
            }
        }
        // Paid principal and interest plus credits equal the money received.
        let received: Decimal = events.iter().filter_map(|e| match &e.body {
            EventBody::PaymentReceived { amount, .. } => Some(amount.value()),
            _ => None,
        }).sum();
        let s = &a.state;
        let applied: Decimal = s.installments.iter().map(|i| v(i.principal_paid) + v(i.interest_paid)).sum::<Decimal>()
            + s.fines.iter().map(|f| v(f.paid)).sum::<Decimal>()
            + v(s.member_credit) + v(s.credited_to_savings);
        prop_assert_eq!(applied, received);
    }

    #[test]
    fn repeating_an_idempotency_key_changes_nothing(events in scenario(), pick in any::<prop::sample::Index>()) {
        let Some(base) = try_replay(&events) else { return Ok(()) };
        let original = &events[1 + pick.index(events.len() - 1)];
        let mut again = events.clone();
        let mut copy = original.clone();
        copy.id = "repeat".into();
        copy.sequence = 10_000;
        again.push(copy);
        let r = try_replay(&again).unwrap();
        prop_assert_eq!(&r.state, &base.state);
        prop_assert!(r.outcomes.iter().any(|o| o.event_id == "repeat" && o.result == "duplicate"));
    }

    #[test]
    fn reversing_a_payment_is_as_if_it_never_happened(events in scenario(), pick in any::<prop::sample::Index>()) {
        let payments: Vec<&LoanEvent> = events.iter().filter(|e| matches!(e.body, EventBody::PaymentReceived { .. })).collect();
        if payments.is_empty() { return Ok(()) }
        let target = payments[pick.index(payments.len())].clone();
        let without: Vec<LoanEvent> = events.iter().filter(|e| e.id != target.id).cloned().collect();
        let (Some(_), Some(expected)) = (try_replay(&events), try_replay(&without)) else { return Ok(()) };
        let mut reversed = events.clone();
        reversed.push(event(20_000, target.value_date + Days::new(3), "reversal", EventBody::PaymentReversed {
            event_id: target.id.clone(),
            reason: "cheque bounced".into(),
        }));
        let r = try_replay(&reversed).unwrap();
        prop_assert_eq!(&r.state, &expected.state);
    }

    #[test]
    fn levying_the_same_fine_twice_equals_once(events in scenario()) {
        let Some(base) = try_replay(&events) else { return Ok(()) };
        let mut again = events.clone();
        for e in events.iter().filter(|e| matches!(e.body, EventBody::FineLevied { .. })) {
            let mut copy = e.clone();
            copy.id = format!("{}-rerun", e.id);
            copy.sequence += 50_000;
            copy.idempotency_key = format!("{}-rerun", e.idempotency_key);
            again.push(copy);
        }
        let Some(r) = try_replay(&again) else { return Ok(()) };
        prop_assert_eq!(&r.state.fines, &base.state.fines);
    }

    #[test]
    fn pushing_events_one_by_one_equals_replaying_them(events in scenario(), shuffle in any::<u64>()) {
        // Arrival order differs from value-date order: one event arrives late (back-dated).
        let mut arrival: Vec<LoanEvent> = events[1..].to_vec();
        let len = arrival.len();
        if len > 1 {
            let swap = usize::try_from(shuffle % (len as u64)).unwrap();
            arrival.swap(0, swap);
        }
        let mut account = LoanAccount::new(vec![events[0].clone()]).unwrap();
        let mut accepted = vec![events[0].clone()];
        for e in arrival {
            // An event may be refused at its arrival (e.g. the loan was closed then); a refusal
            // leaves the account unchanged.
            let before = account.statement(as_of()).unwrap();
            match account.push(e.clone()) {
                Ok(_) => accepted.push(e),
                Err(_) => prop_assert_eq!(account.statement(as_of()).unwrap(), before),
            }
        }
        let expected = try_replay(&accepted).unwrap();
        let got = account.statement(as_of()).unwrap();
        prop_assert_eq!(&got.state, &expected.state);
        prop_assert_eq!(account.summary(as_of()).unwrap(), end_of_day(&accepted, as_of()).unwrap());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// The daily fine job on a loan's own events: a second run on the same day levies nothing,
    /// and running every day for a month gives the same fines as the last day's state implies.
    #[test]
    fn the_daily_fine_job_is_idempotent(events in scenario(), days in 1_u64..40) {
        let Some(_) = try_replay(&events) else { return Ok(()) };
        let rules: Vec<windeep_core::fines::FineRule> = serde_json::from_value(serde_json::json!([
            {"id": 1, "applies_to": "loan", "grace_days": 3,
             "formula": {"kind": "per_day", "initial": "50", "per_day": "5"}, "cap": "400"}
        ])).unwrap();
        let mut log = events.clone();
        let last = events.iter().map(|e| e.value_date).max().unwrap();
        for day in 1..=days {
            let today = last + Days::new(day);
            let Ok(first) = windeep_ops::loan_fines(&log, today, &rules, None) else { return Ok(()) };
            log.extend(first.events.clone());
            let second = windeep_ops::loan_fines(&log, today, &rules, None).unwrap();
            prop_assert!(second.assessments.is_empty(), "a second run on {today} assessed {:?}", second.assessments);
            // Re-appending the first run's events changes nothing (idempotency keys).
            let mut again = log.clone();
            for (i, e) in first.events.iter().enumerate() {
                let mut copy = e.clone();
                copy.id = format!("{}-again", e.id);
                copy.sequence = 900_000 + u64::try_from(i).unwrap() + day * 1_000;
                again.push(copy);
            }
            prop_assert_eq!(
                replay(&again, today).unwrap().state,
                replay(&log, today).unwrap().state
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// A reschedule (a new tenure or a new EMI from a date) keeps every rupee of principal: the
    /// rows' principal still sums to the outstanding principal, the other invariants hold, it
    /// is refused for want of a restructure exactly when something is past due, and a granted
    /// restructure flags the loan.
    #[test]
    fn a_reschedule_keeps_the_principal(
        events in scenario(),
        gap in 0_u64..400,
        by_tenure in any::<bool>(),
        tenure in 1_u32..60,
        emi_paise in 1_i64..5_000_000,
        reason in any::<bool>(),
    ) {
        if try_replay(&events).is_none() {
            return Ok(());
        }
        let last = events.iter().map(|e| e.value_date).max().unwrap();
        let on = last + Days::new(gap);
        let seq = events.len() as u64 + 1;
        let body = EventBody::Rescheduled {
            tenure: by_tenure.then_some(tenure),
            emi: (!by_tenure).then(|| windeep_core::Money::from_decimal(Decimal::new(emi_paise, 2))),
            restructure: reason.then(|| "board resolution".to_owned()),
        };
        let mut all = events.clone();
        all.push(event(seq, on, "reschedule", body));
        let past_due = end_of_day(&events, on).unwrap().days_past_due > 0;
        match replay(&all, as_of()) {
            Ok(r) => {
                prop_assert!(reason || !past_due, "granted without a restructure while past due");
                let s = &r.state;
                check_state(s)?;
                let rows: Decimal = s.installments.iter().map(|i| v(i.principal) - v(i.principal_paid)).sum();
                prop_assert_eq!(rows, v(s.outstanding_principal));
                prop_assert_eq!(s.restructured.is_some(), reason);
            }
            Err(e) => {
                let code = e.code();
                prop_assert!(
                    matches!(code, "E_LOAN_CLOSED" | "E_NOT_ELIGIBLE" | "E_NEGATIVE_AMORTISATION")
                        || (code == "E_RESTRUCTURE_REQUIRED" && past_due && !reason),
                    "unexpected refusal {}: {e}", code
                );
            }
        }
    }
}
