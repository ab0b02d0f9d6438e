//! A technical write-off keeps the claim: the member's other loans are not upgraded while the
//! written-off dues are owed, and are once they are recovered or settled.

use serde_json::{Value, json};
use windeep_core::{
    Currency, books::BookLoan, classification::ClassificationPolicy, classification::PreviousClass,
    classification::classify, parse_date,
};

fn loan(id: &str, member: &str, later: &[Value]) -> BookLoan {
    let mut events = vec![json!({"id": format!("{id}-d"), "sequence": 1,
        "value_date": "2026-01-05", "idempotency_key": format!("{id}-d"),
        "body": {"type": "disbursed", "loan_id": id, "terms": {"principal": "100000",
            "annual_rate": "12", "tenure": 12, "disbursed_on": "2026-01-05",
            "first_due_on": "2026-02-05"}}})];
    for (i, (date, body)) in later
        .iter()
        .map(|v| (v["date"].clone(), v["body"].clone()))
        .enumerate()
    {
        events.push(
            json!({"id": format!("{id}-e{i}"), "sequence": i + 2, "value_date": date,
            "idempotency_key": format!("{id}-e{i}"), "body": body}),
        );
    }
    serde_json::from_value(json!({"member": member, "events": Value::Array(events)})).unwrap()
}

fn upgraded(loans: &[BookLoan]) -> bool {
    let previous = [PreviousClass {
        member: "M1".into(),
        npa_since: Some(parse_date("2026-05-07").unwrap()),
    }];
    let c = classify(
        loans,
        parse_date("2026-05-20").unwrap(),
        &ClassificationPolicy::default(),
        &previous,
        &[],
        &Currency::inr(),
    )
    .unwrap();
    c.members[0].upgraded && !c.loans[0].npa
}

#[test]
fn written_off_dues_block_the_upgrade_until_recovered_or_settled() {
    // LN1: installments 1–4 paid on 15 May, nothing past due on 20 May.
    let paid_up = loan(
        "LN1",
        "M1",
        &[
            json!({"date": "2026-05-15", "body": {"type": "payment_received", "amount": "35539.52"}}),
        ],
    );
    let written_off = json!({"date": "2026-04-30",
        "body": {"type": "written_off", "reason": "fraud"}});
    // Alone, LN1 is upgraded.
    assert!(upgraded(std::slice::from_ref(&paid_up)));
    // With a written-off loan whose claim is owed, it is not.
    let claim = loan("LN2", "M1", std::slice::from_ref(&written_off));
    assert!(!upgraded(&[paid_up.clone(), claim]));
    // A recovery of part of the claim is not enough.
    let part = loan(
        "LN2",
        "M1",
        &[
            written_off.clone(),
            json!({"date": "2026-05-10", "body": {"type": "payment_received", "amount": "1000"}}),
        ],
    );
    assert!(!upgraded(&[paid_up.clone(), part]));
    // A compromise settlement closes the claim: the member is upgraded.
    let settled = loan(
        "LN2",
        "M1",
        &[
            written_off,
            json!({"date": "2026-05-10", "body": {"type": "settled", "amount": "50000",
                "reason": "one-time settlement"}}),
        ],
    );
    assert!(upgraded(&[paid_up, settled]));
}

#[test]
fn a_restructured_loan_is_not_upgraded_before_its_performance_period() {
    // LN1: installments 1–4 paid on 15 May; nothing is past due on 20 May.
    let pay = json!({"date": "2026-05-15",
        "body": {"type": "payment_received", "amount": "35539.52"}});
    assert!(upgraded(&[loan("LN1", "M1", std::slice::from_ref(&pay))]));
    // The same loan with installment 6 skipped under an explicit restructure: flagged, it
    // keeps its class until 12 months after the first payment under the new terms.
    let skip = json!({"date": "2026-05-15", "body": {"type": "installment_skipped",
        "installment": 6, "restructure": "flood relief scheme"}});
    assert!(!upgraded(&[loan("LN1", "M1", &[pay, skip])]));
}
