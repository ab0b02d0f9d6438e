//! The daily fine job (`loan_fines`) against back-dated payments: whatever order the job runs
//! and the payments arrive in, the loan ends with the fines one run after all payments gives,
//! and every event the job emits can be appended as returned (`docs/fines.md`, "The daily fine
//! job").

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Days, NaiveDate};
use proptest::prelude::*;
use windeep_core::{
    account::EventBody, account::LoanEvent, account::loan_fines, account::replay, fines::FineRule,
};

fn d(s: &str) -> NaiveDate {
    windeep_core::parse_date(s).unwrap()
}

/// 100,000 @ 12 % for 12 months from 5 Jan 2026: every one of the first installments is
/// 8,884.88 (interest + principal), due on the 5th of each month from February.
fn disbursed() -> LoanEvent {
    serde_json::from_value(serde_json::json!({"id": "d", "sequence": 1,
        "value_date": "2026-01-05", "idempotency_key": "d", "body": {"type": "disbursed",
        "loan_id": "LN1", "terms": {"principal": "100000", "annual_rate": "12", "tenure": 12,
        "disbursed_on": "2026-01-05", "first_due_on": "2026-02-05"}}}))
    .unwrap()
}

fn payment(id: &str, sequence: u64, value_date: NaiveDate) -> LoanEvent {
    LoanEvent {
        id: id.to_owned(),
        sequence,
        value_date,
        idempotency_key: id.to_owned(),
        prev_hash: None,
        hash: None,
        body: EventBody::PaymentReceived {
            amount: "8884.88".parse().unwrap(),
            installment: None,
            payment_mode: None,
            bank_transaction: None,
        },
    }
}

fn next_sequence(log: &[LoanEvent]) -> u64 {
    log.iter().map(|e| e.sequence).max().unwrap_or(0) + 1
}

/// The fines of the loan on `on`: key → amount (a fine re-amounted to 0 is no fine).
fn fines(log: &[LoanEvent], on: NaiveDate) -> BTreeMap<String, String> {
    replay(log, on)
        .unwrap()
        .state
        .fines
        .into_iter()
        .filter(|f| !f.amount.value().is_zero())
        .map(|f| (f.key, f.amount.to_string()))
        .collect()
}

const END: &str = "2026-06-30";

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Installments 1–3 are each paid in full (exactly the EMI, so no payment ever reaches a
    /// fine) some days after their due date, and each payment arrives some days after its value
    /// date. The job runs on random days between; at the end, the fines equal those of a single
    /// run on the final day over all the payments, every appended event was accepted, and no two
    /// events share an id or an idempotency key.
    #[test]
    fn interleaved_runs_and_back_dated_payments_end_at_one_runs_fines(
        delays in proptest::collection::vec((0_u64..25, 0_u64..30), 3),
        runs in proptest::collection::btree_set(0_u64..150, 0..40),
        boundary in 1_u32..20, grace in 0_u32..4, first in 1_u32..30, second in 1_u32..30,
    ) {
        let rules: Vec<FineRule> = serde_json::from_value(serde_json::json!([
            {"id": 1, "applies_to": "loan", "grace_days": grace, "max_days": boundary,
             "formula": {"kind": "per_day", "initial": "0", "per_day": first.to_string()}},
            {"id": 2, "applies_to": "loan", "min_days": boundary + 1,
             "formula": {"kind": "per_day", "initial": "5", "per_day": second.to_string()}}
        ])).unwrap();
        let start = d("2026-02-01");
        let end = d(END);
        // (arrival day, value date) of each payment.
        let dues = [d("2026-02-05"), d("2026-03-05"), d("2026-04-05")];
        let payments: Vec<(NaiveDate, NaiveDate)> = dues
            .iter()
            .zip(&delays)
            .map(|(due, (late, lag))| {
                let value = *due + Days::new(*late);
                (value + Days::new(*lag), value)
            })
            .collect();

        // Interleaved: each day, the payments arriving that day, then (on a run day) the job.
        let mut log = vec![disbursed()];
        let mut day = start;
        while day <= end {
            for (k, (arrival, value)) in payments.iter().enumerate() {
                if *arrival == day {
                    let seq = next_sequence(&log);
                    log.push(payment(&format!("p{k}"), seq, *value));
                }
            }
            if runs.contains(&(day - start).num_days().unsigned_abs()) {
                let out = loan_fines(&log, day, &rules, None).unwrap();
                log.extend(out.events);
                // The log is still readable, and a second run the same day does nothing.
                prop_assert!(loan_fines(&log, day, &rules, None).unwrap().events.is_empty());
            }
            day = day + Days::new(1);
        }
        let last = loan_fines(&log, end, &rules, None).unwrap();
        log.extend(last.events);

        // One run after all payments.
        let mut single = vec![disbursed()];
        for (k, (_, value)) in payments.iter().enumerate() {
            let seq = next_sequence(&single);
            single.push(payment(&format!("p{k}"), seq, *value));
        }
        let once = loan_fines(&single, end, &rules, None).unwrap();
        single.extend(once.events);

        prop_assert_eq!(fines(&log, end), fines(&single, end));
        let ids: BTreeSet<&str> = log.iter().map(|e| e.id.as_str()).collect();
        let keys: BTreeSet<&str> = log.iter().map(|e| e.idempotency_key.as_str()).collect();
        prop_assert_eq!(ids.len(), log.len());
        prop_assert_eq!(keys.len(), log.len());
    }
}

/// The scenario, step by step: levied 10, 20, 30 on three days; the EMI value-dated day
/// 1 arrives; the next run re-amounts to 10 with a new revision, and the loan reads 10.
#[test]
fn back_dated_settlement_after_three_levies() {
    let rules: Vec<FineRule> = serde_json::from_value(serde_json::json!([
        {"id": 1, "applies_to": "loan", "formula": {"kind": "per_day", "per_day": "10"}}
    ]))
    .unwrap();
    let mut log = vec![disbursed()];
    for (day, amount) in [
        ("2026-02-06", "10.00"),
        ("2026-02-07", "20.00"),
        ("2026-02-08", "30.00"),
    ] {
        let out = loan_fines(&log, d(day), &rules, None).unwrap();
        assert_eq!(out.events.len(), 1);
        assert_eq!(out.assessments[0].amount.to_string(), amount);
        log.extend(out.events);
    }
    let seq = next_sequence(&log);
    log.push(payment("late", seq, d("2026-02-06")));
    let out = loan_fines(&log, d("2026-02-09"), &rules, None).unwrap();
    assert_eq!(out.events[0].id, "fine:LN1/1/1/1:r4");
    assert_eq!(out.events[0].idempotency_key, "fine:LN1/1/1/1:r4");
    assert_eq!(out.assessments[0].amount.to_string(), "10.00");
    log.extend(out.events.clone());
    assert_eq!(
        fines(&log, d("2026-02-09"))
            .get("LN1/1/1/1")
            .map(String::as_str),
        Some("10.00")
    );
    // Re-running on the same day is a no-op; the same output appended again under another id
    // folds as a duplicate (same idempotency key).
    assert!(
        loan_fines(&log, d("2026-02-09"), &rules, None)
            .unwrap()
            .events
            .is_empty()
    );
    let mut twice = log.clone();
    let mut copy = out.events[0].clone();
    copy.sequence = next_sequence(&twice);
    copy.id = format!("{}-again", copy.id);
    twice.push(copy);
    assert!(replay(&twice, d("2026-02-09")).is_ok());
    assert_eq!(fines(&twice, d("2026-02-09")), fines(&log, d("2026-02-09")));
}

/// `check_books` with tiered fines: the two fines the engine derives (one per window) are no
/// duplicate; a second rule fining the days of the first is.
#[test]
fn check_books_duplicate_fines_agrees_with_the_engine() {
    let book = |fines: serde_json::Value| {
        let mut events = vec![serde_json::json!({"id": "d", "sequence": 1,
            "value_date": "2026-01-05", "idempotency_key": "d", "body": {"type": "disbursed",
            "loan_id": "LN1", "terms": {"principal": "100000", "annual_rate": "12",
            "tenure": 12, "disbursed_on": "2026-01-05", "first_due_on": "2026-02-05"},
            "guarantors": []}})];
        for (i, (rule, amount)) in fines
            .as_array()
            .unwrap()
            .iter()
            .map(|f| (f[0].clone(), f[1].clone()))
            .enumerate()
        {
            let id = format!("f{i}");
            events.push(serde_json::json!({"id": id, "sequence": i + 2,
                "value_date": "2026-02-15", "idempotency_key": id, "body": {"type": "fine_levied",
                "installment": 1, "rule_id": rule, "amount": amount}}));
        }
        serde_json::json!({"books": {"as_of": "2026-02-15",
            "loans": [{"member": "MEMB000001", "events": events}],
            "fine_rules": [
                {"id": 1, "applies_to": "loan", "max_days": 5,
                 "formula": {"kind": "per_day", "per_day": "10"}},
                {"id": 2, "applies_to": "loan", "min_days": 6,
                 "formula": {"kind": "per_day", "per_day": "20"}},
                {"id": 3, "applies_to": "loan", "effective_from": "2027-01-01",
                 "formula": {"kind": "per_day", "per_day": "30"}}]}})
        .to_string()
    };
    // 10 days late: rule 1 charges days 1–5 (50), rule 2 days 6–10 (20 × 5 = 100).
    let tiered = windeep_ops::call(
        "check_books",
        &book(serde_json::json!([["1", "50"], ["2", "100"]])),
    )
    .unwrap();
    assert!(
        !findings(&tiered).contains(&"duplicate_fines".to_owned()),
        "{tiered}"
    );
    assert!(
        !findings(&tiered).contains(&"fine_per_rule".to_owned()),
        "{tiered}"
    );
    // Rule 3 is not in force yet: its fine on the same installment is a duplicate.
    let dup = windeep_ops::call(
        "check_books",
        &book(serde_json::json!([["1", "50"], ["2", "100"], ["3", "300"]])),
    )
    .unwrap();
    assert!(
        findings(&dup).contains(&"duplicate_fines".to_owned()),
        "{dup}"
    );
}

/// The `check` names of the violations and alerts of a `check_books` report.
fn findings(report: &serde_json::Value) -> Vec<String> {
    ["violations", "alerts"]
        .iter()
        .filter_map(|k| report[*k].as_array())
        .flatten()
        .filter_map(|f| f["check"].as_str().map(str::to_owned))
        .collect()
}

/// Hostile sizes through the daily job: a recurring daily rule on a loan left unpaid until year
/// 9999, and a 480-installment loan under recurring rules, are refused with a code or answered,
/// quickly and small, never aborting.
#[test]
fn hostile_sizes_through_the_daily_job() {
    let start = std::time::Instant::now();
    let daily: Vec<FineRule> = serde_json::from_value(serde_json::json!([{"id": 1,
        "applies_to": "loan", "formula": {"kind": "percentage", "percent": "1",
        "recur_every_days": 1}}]))
    .unwrap();
    let err = loan_fines(&[disbursed()], d("9999-12-31"), &daily, None).unwrap_err();
    assert_eq!(err.code(), "E_FINE_LIMIT_EXCEEDED");

    let long: LoanEvent = serde_json::from_value(serde_json::json!({"id": "d", "sequence": 1,
        "value_date": "2026-01-05", "idempotency_key": "d", "body": {"type": "disbursed",
        "loan_id": "LN1", "terms": {"principal": "1000000", "annual_rate": "9", "tenure": 480,
        "disbursed_on": "2026-01-05", "first_due_on": "2026-02-05"}}}))
    .unwrap();
    let err = loan_fines(std::slice::from_ref(&long), d("2067-01-01"), &daily, None).unwrap_err();
    assert_eq!(err.code(), "E_FINE_LIMIT_EXCEEDED");
    let yearly: Vec<FineRule> = serde_json::from_value(serde_json::json!([{"id": 1,
        "applies_to": "loan", "formula": {"kind": "percentage", "percent": "1",
        "recur_every_days": 365}}]))
    .unwrap();
    let out = loan_fines(&[long], d("2067-01-01"), &yearly, None).unwrap();
    // 480 installments, each late between 0 and 41 years: at most 42 fines each.
    assert!(!out.events.is_empty() && out.events.len() <= 480 * 42);
    assert!(
        start.elapsed() < std::time::Duration::from_secs(20),
        "{:?}",
        start.elapsed()
    );
}
