//! Hostile inputs to event admission, reversals and the tamper-evidence chain: each refused
//! with its code, identically by the account fold, an in-memory account and the books.

use proptest::prelude::*;
use serde_json::{Value, json};
use windeep_core::{
    account::LoanAccount, account::LoanEvent, account::StoredEvent, account::replay,
    account::verify_chain, books::Books, books::journal, parse_date,
};
use windeep_ops as ops;

fn event(id: &str, seq: u64, date: &str, key: &str, body: Value) -> Value {
    json!({"id": id, "sequence": seq, "value_date": date, "idempotency_key": key, "body": body})
}

fn disbursed() -> Value {
    event(
        "d",
        1,
        "2026-01-05",
        "d",
        json!({"type": "disbursed", "loan_id": "LN1", "terms": {"principal": "100000",
            "annual_rate": "12", "tenure": 12, "disbursed_on": "2026-01-05",
            "first_due_on": "2026-02-05"}}),
    )
}

fn pay(id: &str, seq: u64, date: &str, key: &str, amount: &str) -> Value {
    event(
        id,
        seq,
        date,
        key,
        json!({"type": "payment_received", "amount": amount}),
    )
}

fn reverse(id: &str, seq: u64, date: &str, target: &str) -> Value {
    event(
        id,
        seq,
        date,
        id,
        json!({"type": "payment_reversed", "event_id": target, "reason": "cheque returned"}),
    )
}

fn events(values: &[Value]) -> Vec<LoanEvent> {
    serde_json::from_value(Value::Array(values.to_vec())).unwrap()
}

fn code(values: &[Value]) -> &'static str {
    replay(&events(values), parse_date("2026-06-30").unwrap())
        .unwrap_err()
        .code()
}

fn books_code(values: &[Value]) -> &'static str {
    let books: Books = serde_json::from_value(json!({"as_of": "2026-06-30",
        "loans": [{"member": "M1", "events": values}]}))
    .unwrap();
    journal(&books).unwrap_err().code()
}

/// The code of pushing the events one by one into an in-memory account.
fn push_code(values: &[Value]) -> &'static str {
    let all = events(values);
    let mut account = LoanAccount::new(all[..1].to_vec()).unwrap();
    for e in &all[1..] {
        if let Err(err) = account.push(e.clone()) {
            return err.code();
        }
    }
    "ok"
}

fn all_three(values: &[Value]) -> [&'static str; 3] {
    [code(values), books_code(values), push_code(values)]
}

#[test]
fn blank_ids_and_keys_are_refused_everywhere() {
    let blank_key = [disbursed(), pay("p1", 2, "2026-02-05", "", "8884.88")];
    assert_eq!(all_three(&blank_key), ["E_BLANK_IDENTIFIER"; 3]);
    let spaces = [disbursed(), pay("p1", 2, "2026-02-05", " \t", "8884.88")];
    assert_eq!(all_three(&spaces), ["E_BLANK_IDENTIFIER"; 3]);
    let blank_id = [disbursed(), pay(" ", 2, "2026-02-05", "utr-1", "8884.88")];
    assert_eq!(all_three(&blank_id), ["E_BLANK_IDENTIFIER"; 3]);
    let mut blank_disbursement = disbursed();
    blank_disbursement["idempotency_key"] = json!("");
    assert_eq!(code(&[blank_disbursement]), "E_BLANK_IDENTIFIER");
}

#[test]
fn a_disbursement_dated_off_its_terms_is_refused() {
    let mut d = disbursed();
    d["value_date"] = json!("2026-01-06");
    assert_eq!(code(&[d.clone()]), "E_INVALID_EVENT");
    assert!(LoanAccount::new(events(&[d])).is_err());
}

#[test]
fn an_idempotency_conflict_names_the_field_that_differs() {
    let two = [
        disbursed(),
        pay("p1", 2, "2026-02-05", "utr-1", "8884.88"),
        pay("p2", 3, "2026-02-05", "utr-1", "8884.80"),
    ];
    let err = replay(&events(&two), parse_date("2026-03-01").unwrap()).unwrap_err();
    assert_eq!(err.code(), "E_IDEMPOTENCY_CONFLICT");
    assert!(err.to_string().contains("body.amount"), "{err}");
    assert_eq!(all_three(&two), ["E_IDEMPOTENCY_CONFLICT"; 3]);
    let other_type = [
        disbursed(),
        pay("p1", 2, "2026-02-05", "utr-1", "8884.88"),
        event(
            "w",
            3,
            "2026-02-06",
            "utr-1",
            json!({"type": "written_off", "reason": "x"}),
        ),
    ];
    let err = replay(&events(&other_type), parse_date("2026-03-01").unwrap()).unwrap_err();
    assert!(err.to_string().contains("body.amount"), "{err}");
}

#[test]
fn reversing_a_duplicate_or_twice_is_refused_identically_in_account_and_books() {
    let of_duplicate = [
        disbursed(),
        pay("p1", 2, "2026-02-05", "utr-1", "8884.88"),
        pay("p1-again", 3, "2026-02-05", "utr-1", "8884.88"),
        reverse("r1", 4, "2026-02-08", "p1-again"),
    ];
    assert_eq!(all_three(&of_duplicate), ["E_INVALID_REVERSAL"; 3]);
    let twice = [
        disbursed(),
        pay("p1", 2, "2026-02-05", "utr-1", "8884.88"),
        reverse("r1", 3, "2026-02-08", "p1"),
        reverse("r2", 4, "2026-02-09", "p1"),
    ];
    assert_eq!(all_three(&twice), ["E_INVALID_REVERSAL"; 3]);
    // The same reversal delivered twice (same key and body) is a duplicate, not a second
    // reversal.
    let mut retried = twice.clone();
    retried[3] = event(
        "r1-retry",
        4,
        "2026-02-08",
        "r1",
        json!({"type": "payment_reversed", "event_id": "p1", "reason": "cheque returned"}),
    );
    let r = replay(&events(&retried), parse_date("2026-03-01").unwrap()).unwrap();
    let results: Vec<&str> = r.outcomes.iter().map(|o| o.result.as_str()).collect();
    assert_eq!(results, ["applied", "reversed", "applied", "duplicate"]);
    assert!(
        journal(
            &serde_json::from_value(json!({"as_of": "2026-06-30",
        "loans": [{"member": "M1", "events": retried}]}))
            .unwrap()
        )
        .is_ok()
    );
    // A valid single reversal is accepted by all three.
    assert_eq!(push_code(&twice[..3]), "ok");
    assert!(replay(&events(&twice[..3]), parse_date("2026-03-01").unwrap()).is_ok());
}

#[test]
fn an_in_memory_account_takes_events_in_arrival_order() {
    let all = events(&[
        disbursed(),
        pay("p1", 5, "2026-02-05", "utr-1", "8884.88"),
        pay("p2", 4, "2026-03-05", "utr-2", "8884.88"),
    ]);
    let mut account = LoanAccount::new(all[..2].to_vec()).unwrap();
    assert_eq!(
        account.push(all[2].clone()).unwrap_err().code(),
        "E_INVALID_EVENT"
    );
    assert_eq!(account.events().len(), 2);
}

fn sealed_chain() -> Vec<LoanEvent> {
    let mut all = events(&[
        disbursed(),
        pay("p1", 2, "2026-02-05", "utr-1", "8884.88"),
        pay("p2", 3, "2026-03-05", "utr-2", "8884.88"),
    ]);
    for i in 0..all.len() {
        let prev = i.checked_sub(1).map(|j| all[j].clone());
        all[i].seal(prev.as_ref());
    }
    all
}

fn verify_values(values: &[Value]) -> Value {
    ops::call("verify_chain", &json!({"events": values}).to_string()).unwrap()
}

#[test]
fn the_chain_reports_the_first_edited_event_including_the_last() {
    let chain: Vec<Value> = sealed_chain()
        .iter()
        .map(|e| serde_json::to_value(e).unwrap())
        .collect();
    assert_eq!(verify_values(&chain)["status"], "ok");
    for (at, edit) in [
        (2, json!("08884.88")),
        (1, json!("8884.880")),
        (2, json!("8884.89")),
    ] {
        let mut t = chain.clone();
        t[at]["body"]["amount"] = edit;
        let r = verify_values(&t);
        assert_eq!(
            (&r["status"], &r["at"], &r["reason"]),
            (&json!("broken"), &json!(at), &json!("hash_mismatch"))
        );
    }
    let mut injected = chain.clone();
    injected[1]["body"]["note"] = json!("x");
    assert_eq!(verify_values(&injected)["at"], 1);
    // Duplicate member names cannot hide an edit.
    let text = serde_json::to_string(&chain[2]).unwrap().replacen(
        "\"amount\":\"8884.88\"",
        "\"amount\":\"8884.88\",\"amount\":\"1.00\"",
        1,
    );
    let input = format!(
        "{{\"events\": [{}, {}, {text}]}}",
        serde_json::to_string(&chain[0]).unwrap(),
        serde_json::to_string(&chain[1]).unwrap()
    );
    assert!(ops::call("verify_chain", &input).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Any change to any one byte of a string or number value of any event is reported at
    /// that event.
    #[test]
    fn any_edit_is_reported_at_the_edited_event(at in 0_usize..3, pick in 0_usize..64, c in 0_u8..10) {
        let chain = sealed_chain();
        let stored: Vec<StoredEvent> = chain.iter().map(StoredEvent::of).collect();
        prop_assert_eq!(verify_chain(&stored).status, "ok");
        let mut value = serde_json::to_value(&chain[at]).unwrap();
        let mut leaves = Vec::new();
        collect(&value, "", &mut leaves);
        leaves.retain(|p| !p.ends_with("/hash") && !p.ends_with("/prev_hash"));
        let path = &leaves[pick % leaves.len()];
        let leaf = value.pointer_mut(path).unwrap();
        let edited = match &*leaf {
            Value::String(s) => Value::String(format!("{s}{c}")),
            Value::Number(n) => json!(n.as_u64().unwrap_or(0) + 1 + u64::from(c)),
            other => Value::String(format!("{other}")),
        };
        *leaf = edited;
        let mut values: Vec<Value> = chain.iter().map(|e| serde_json::to_value(e).unwrap()).collect();
        values[at] = value;
        let r = verify_values(&values);
        prop_assert_eq!(&r["at"], &json!(at), "{} edited: {}", path, r);
    }
}

fn collect(v: &Value, at: &str, out: &mut Vec<String>) {
    match v {
        Value::Object(o) => {
            for (k, x) in o {
                collect(x, &format!("{at}/{k}"), out);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                collect(x, &format!("{at}/{i}"), out);
            }
        }
        _ => out.push(at.to_owned()),
    }
}

/// A loan with random payments, extend_tenure skips and rate resets dated anywhere (between
/// due dates too), in arrival order.
fn restructured() -> impl Strategy<Value = Vec<Value>> {
    let step = (
        0_u64..40,
        0_u8..4,
        1_u32..12,
        500_i64..1_500_000,
        800_i64..1_800,
    );
    proptest::collection::vec(step, 1..12).prop_map(|steps| {
        let mut events = vec![disbursed()];
        let mut date = parse_date("2026-01-05").unwrap();
        for (i, (gap, kind, inst, paise, rate_bp)) in steps.into_iter().enumerate() {
            date = date + chrono::Days::new(gap);
            let seq = u64::try_from(i).unwrap() + 2;
            let id = format!("e{seq}");
            let on = windeep_core::format_date(date);
            let body = match kind {
                0 => json!({"type": "installment_skipped", "installment": inst,
                            "mode": "extend_tenure"}),
                1 => json!({"type": "rate_changed",
                            "annual_rate": rust_decimal::Decimal::new(rate_bp, 2).to_string(),
                            "mode": if rate_bp % 2 == 0 { "keep_emi" } else { "keep_tenure" }}),
                _ => json!({"type": "payment_received",
                            "amount": rust_decimal::Decimal::new(paise, 2).to_string()}),
            };
            events.push(event(&id, seq, &on, &id, body));
        }
        events
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// Applying the events one by one gives the replay's figures, whatever restructures they
    /// hold; and a loan whose only restructures are extend_tenure skips never has a row above
    /// its EMI (no balloon).
    #[test]
    fn restructures_push_equals_replay_and_skips_never_balloon(values in restructured()) {
        let all = events(&values);
        let as_of = parse_date("2029-12-31").unwrap();
        let Ok(replayed) = replay(&all, as_of) else {
            return Ok(());
        };
        let mut account = LoanAccount::new(all[..1].to_vec()).unwrap();
        for e in &all[1..] {
            account.push(e.clone()).unwrap();
        }
        prop_assert_eq!(account.summary(as_of).unwrap(),
                        windeep_core::account::end_of_day(&all, as_of).unwrap());
        let resets = values.iter().any(|v| v["body"]["type"] == "rate_changed");
        if !resets && replayed.state.skips_used > 0 {
            let emi = replayed.state.emi.unwrap().value();
            for row in &replayed.state.installments {
                prop_assert!(row.principal.value() + row.interest.value() <= emi,
                             "row {} above the EMI {}", row.number, emi);
            }
        }
    }
}
