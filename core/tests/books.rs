//! Hand-worked postings: a loan paid, reversed and topped up; closed years; savings.

use serde_json::{Value, json};
use windeep_core::{
    books::Books, books::journal, books::member_ledger, books::post_event, ledger::JournalEntry,
};

fn event(id: &str, seq: u64, date: &str, body: Value) -> Value {
    json!({"id": id, "sequence": seq, "value_date": date, "idempotency_key": id, "body": body})
}

fn disbursed(loan: &str, principal: &str, date: &str, first_due: &str) -> Value {
    event(
        &format!("{loan}-d"),
        1,
        date,
        json!({"type": "disbursed", "loan_id": loan, "terms": {"principal": principal,
            "annual_rate": "12", "tenure": 12, "disbursed_on": date, "first_due_on": first_due}}),
    )
}

fn books(loans: Value, extra: Value) -> Books {
    let mut b = json!({"as_of": "2026-06-30", "loans": loans});
    if let (Some(o), Some(e)) = (b.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            o.insert(k.clone(), v.clone());
        }
    }
    serde_json::from_value(b).unwrap()
}

/// (account, debit, credit) of each line, amounts as strings.
fn lines(e: &JournalEntry) -> Vec<(String, String, String)> {
    let v = serde_json::to_value(e).unwrap();
    v["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["account"].as_str().unwrap().to_owned(),
                l["debit"].as_str().unwrap().to_owned(),
                l["credit"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn l(a: &str, d: &str, c: &str) -> (String, String, String) {
    (a.to_owned(), d.to_owned(), c.to_owned())
}

fn find<'a>(entries: &'a [JournalEntry], id: &str) -> &'a JournalEntry {
    entries.iter().find(|e| e.id() == id).unwrap_or_else(|| {
        panic!(
            "no {id} in {:?}",
            entries.iter().map(JournalEntry::id).collect::<Vec<_>>()
        )
    })
}

#[test]
fn a_payment_and_its_reversal_are_posted_and_mirrored() {
    let b = books(
        json!([{"member": "M1", "events": [
            disbursed("LN1", "100000", "2026-01-05", "2026-02-05"),
            event("p1", 2, "2026-02-05", json!({"type": "payment_received", "amount": "8884.88"})),
            event("p2", 3, "2026-03-05", json!({"type": "payment_received", "amount": "8884.88"})),
            event("r1", 4, "2026-03-20", json!({"type": "payment_reversed", "event_id": "p1",
                "reason": "cheque returned"})),
        ]}]),
        json!({}),
    );
    let j = journal(&b).unwrap();
    assert_eq!(
        lines(find(&j, "LN1/LN1-d")),
        [
            l("1201", "100000.00", "0.00"),
            l("1102", "0.00", "100000.00")
        ]
    );
    // EMI 8884.88 = interest 1000.00 + principal 7884.88 (legacy-spec §12.1).
    assert_eq!(
        lines(find(&j, "LN1/p1")),
        [
            l("1102", "8884.88", "0.00"),
            l("1201", "0.00", "7884.88"),
            l("3100", "0.00", "1000.00")
        ]
    );
    // Row 2: interest 921.15, principal 7963.73.
    assert_eq!(
        lines(find(&j, "LN1/p2")),
        [
            l("1102", "8884.88", "0.00"),
            l("1201", "0.00", "7963.73"),
            l("3100", "0.00", "921.15")
        ]
    );
    // The reversal mirrors p1 and re-allocates p2: without p1, both installments are due on 5
    // March, so p2 pays the oldest one in full first (horizontal order: interest 1,000.00,
    // principal 7,884.88 instead of 921.15 and 7,963.73). Corrections are dated on the
    // reversal; p2's is one entry moving 78.85 from principal to interest, with no bank line.
    let rev = find(&j, "LN1/p1/rev/r1");
    assert_eq!(rev.date().to_string(), "2026-03-20");
    assert_eq!(
        lines(rev),
        [
            l("1201", "7884.88", "0.00"),
            l("3100", "1000.00", "0.00"),
            l("1102", "0.00", "8884.88")
        ]
    );
    assert!(j.iter().all(|e| e.id() != "LN1/p2/rev/r1"));
    let re = find(&j, "LN1/p2/re/r1");
    assert_eq!(re.header().replaces.as_deref(), Some("LN1/p2"));
    assert_eq!(re.date().to_string(), "2026-03-20");
    assert_eq!(
        lines(re),
        [l("1201", "78.85", "0.00"), l("3100", "0.00", "78.85")]
    );
    let m = member_ledger(&b, "M1", None, None).unwrap();
    // Principal still owed: 100,000 − 7,884.88 (installment 2's interest is due, not principal).
    assert_eq!(m.closing.to_string(), "92115.12");
}

#[test]
fn a_top_up_settles_the_parent_through_the_clearing_account() {
    // Parent: 1 EMI paid; on 10 March installment 2's interest (921.15) is due. The top-up of
    // 50,000 carries 92,115.12 of principal; the proceeds settle 92,115.12 + 921.15.
    // The parent's policy allows a top-up after one EMI with one installment past due (the
    // defaults need six EMIs paid and nothing past due).
    let mut parent_disbursed = disbursed("LN1", "100000", "2026-01-05", "2026-02-05");
    parent_disbursed["body"]["policy"] = json!({"topup_min_emis_paid": 0, "topup_max_overdue": 1});
    let parent = json!({"member": "M1", "events": [
        parent_disbursed,
        event("p1", 2, "2026-02-05", json!({"type": "payment_received", "amount": "8884.88"})),
        event("t1", 3, "2026-03-10", json!({"type": "topped_up", "new_loan_id": "LN2"})),
    ]});
    let child = json!({"member": "M1", "events": [
        disbursed("LN2", "142115.12", "2026-03-10", "2026-04-10"),
    ]});
    // The child first: the books order loans so that a parent is posted before its top-up.
    let b = books(json!([child, parent]), json!({}));
    let j = journal(&b).unwrap();
    assert_eq!(
        lines(find(&j, "LN1/t1")),
        [
            l("1400", "93036.27", "0.00"),
            l("1201", "0.00", "92115.12"),
            l("3100", "0.00", "921.15")
        ]
    );
    assert_eq!(
        lines(find(&j, "LN2/LN2-d")),
        [
            l("1201", "142115.12", "0.00"),
            l("1102", "0.00", "49078.85"),
            l("1400", "0.00", "93036.27")
        ]
    );
}

#[test]
fn a_closed_year_refuses_back_dated_postings() {
    let loan = json!([{"member": "M1", "events": [
        disbursed("LN1", "100000", "2026-01-05", "2026-02-05"),
        event("p1", 2, "2026-02-05", json!({"type": "payment_received", "amount": "8884.88"})),
    ]}]);
    let periods = json!({"periods": [
        {"code": "2025-26", "start": "2025-04-01", "end": "2026-03-31", "closed": true},
        {"code": "2026-27", "start": "2026-04-01", "end": "2027-03-31"}]});
    let b = books(loan, periods);
    let late = event(
        "p2",
        3,
        "2026-03-05",
        json!({"type": "payment_received", "amount": "8884.88"}),
    );
    assert_eq!(
        post_event(&b, "LN1", &late).unwrap_err().code(),
        "E_PERIOD_CLOSED"
    );
    let on_time = event(
        "p2",
        3,
        "2026-04-05",
        json!({"type": "payment_received", "amount": "8884.88"}),
    );
    let entries = post_event(&b, "LN1", &on_time).unwrap();
    assert_eq!(
        entries.iter().map(JournalEntry::id).collect::<Vec<_>>(),
        ["LN1/p2"]
    );
    // The year's closing moves its interest income (1,000.00) to retained earnings.
    let j = journal(&b).unwrap();
    assert_eq!(
        lines(find(&j, "close/2025-26")),
        [l("3100", "1000.00", "0.00"), l("5200", "0.00", "1000.00")]
    );
}

#[test]
fn savings_never_go_below_zero() {
    let account = |events: Value| {
        json!({"as_of": "2026-06-30", "savings": [{"account_id": "S1", "member": "M1",
            "opened_on": "2026-01-01", "scheme": {"monthly_amount": "1000"}, "events": events}]})
    };
    let ok: Books = serde_json::from_value(account(json!([
        event(
            "d1",
            1,
            "2026-01-10",
            json!({"type": "deposit", "amount": "500", "mode": "cash"})
        ),
        event(
            "w1",
            2,
            "2026-01-20",
            json!({"type": "withdrawal", "amount": "500"})
        ),
    ])))
    .unwrap();
    let j = journal(&ok).unwrap();
    assert_eq!(
        lines(find(&j, "S1/d1")),
        [l("1101", "500.00", "0.00"), l("2101", "0.00", "500.00")]
    );
    // A reversal of the deposit would leave the withdrawal without money: refused.
    let bad: Books = serde_json::from_value(account(json!([
        event(
            "d1",
            1,
            "2026-01-10",
            json!({"type": "deposit", "amount": "500"})
        ),
        event(
            "w1",
            2,
            "2026-01-20",
            json!({"type": "withdrawal", "amount": "500"})
        ),
        event(
            "r1",
            3,
            "2026-01-25",
            json!({"type": "reversed", "event_id": "d1",
            "reason": "bounced"})
        ),
    ])))
    .unwrap();
    assert_eq!(journal(&bad).unwrap_err().code(), "E_INSUFFICIENT_BALANCE");
}

#[test]
fn the_daily_checks_find_what_is_wrong() {
    use windeep_core::{reconcile::AlertConfig, reconcile::check_books};
    let b: Books = serde_json::from_value(json!({
        "as_of": "2026-03-31",
        "members": ["M1"],
        "loans": [{"member": "M1", "events": [
            disbursed("LN1", "100000", "2026-01-05", "2026-02-05"),
            event("p1", 2, "2026-02-05", json!({"type": "payment_received", "amount": "8884.88"})),
        ], "cached": {"outstanding_principal": "-5.00"}}],
        "savings": [{"account_id": "S1", "member": "M9", "opened_on": "2026-01-01",
            "scheme": {"monthly_amount": "1000"}, "events": [
            event("d1", 1, "2026-01-10", json!({"type": "deposit", "amount": "1000"})),
            event("d2", 2, "2026-01-10", json!({"type": "deposit", "amount": "500"}))]}],
        // Two postings that arrived together, each computed from the same previous balance:
        // the legacy race (bug #13).
        "stored_member_ledger": [
            {"id": "r1", "member": "M9", "date": "2026-01-10", "credit": "1000", "balance": "-1000"},
            {"id": "r2", "member": "M9", "date": "2026-01-10", "credit": "500", "balance": "-500"}],
        "bank_transactions": [
            {"id": "B1", "bank_account": "SBI", "date": "2026-03-01", "direction": "credit",
             "amount": "100", "utr": "utr 1", "status": "unmapped"},
            {"id": "B2", "bank_account": "SBI", "date": "2026-03-02", "direction": "credit",
             "amount": "100", "utr": "UTR1", "status": "mapped", "mapped_amount": "100"}]
    }))
    .unwrap();
    let alerts: AlertConfig = serde_json::from_value(json!({"unmapped_max_count": 0})).unwrap();
    let r = check_books(&b, &alerts).unwrap();
    assert!(!r.ok);
    let found: std::collections::BTreeSet<&str> =
        r.violations.iter().map(|v| v.check.as_str()).collect();
    for check in [
        "cached_loan_figures",
        "negative_amounts",
        "orphans",
        "member_ledger_chain",
        "duplicate_utr",
    ] {
        assert!(found.contains(check), "{check} not in {found:?}");
    }
    assert!(!found.contains("subledger_loans") && !found.contains("trial_balance"));
    let chain = r
        .violations
        .iter()
        .find(|v| v.check == "member_ledger_chain")
        .unwrap();
    assert_eq!(chain.ids, ["M9", "r2"]);
    assert_eq!(chain.amounts["expected"].to_string(), "-1500.00");
    let rules: Vec<&str> = r.alerts.iter().map(|a| a.rule.as_str()).collect();
    assert_eq!(rules, ["negative_balance", "unmapped_transactions"]);
}

#[test]
fn entry_ids_never_collide() {
    // An event named like a derived entry: "accrual/1" on loan LN1 would be LN1/accrual/1.
    let b = books(
        json!([{"member": "M1", "events": [
            disbursed("LN1", "100000", "2026-01-05", "2026-02-05"),
            event("accrual/1", 2, "2026-02-05",
                json!({"type": "payment_received", "amount": "100"})),
        ]}]),
        json!({"config": {"basis": "accrual"}}),
    );
    assert_eq!(journal(&b).unwrap_err().code(), "E_INVALID_INPUT");
    let manual = books(
        json!([]),
        json!({"journal": [
            {"id": "J1", "date": "2026-01-01", "lines": [{"account": "1102", "debit": "1"}, {"account": "5100", "credit": "1"}]},
            {"id": "J1", "date": "2026-01-02", "lines": [{"account": "1102", "debit": "1"}, {"account": "5100", "credit": "1"}]}]}),
    );
    assert_eq!(journal(&manual).unwrap_err().code(), "E_INVALID_INPUT");
}

/// The books' bank lines are the bank module's transaction with a mapping state: the flat JSON
/// shape reads into it and writes back unchanged, and a direction or status that is not one of
/// the known words is refused (it was read as text and compared before).
#[test]
fn a_bank_line_of_the_books_is_the_bank_transaction_with_its_state() {
    use windeep_core::{
        bank_line::BookBankTransaction, bank_line::Direction, bank_line::MappingStatus,
    };
    let line = json!({"id": "BT-2", "bank_account": "SBI-1", "date": "2026-09-02",
        "direction": "debit", "amount": "5000", "utr": "upi - 123", "status": "partial",
        "mapped_amount": "6000"});
    let t: BookBankTransaction = serde_json::from_value(line.clone()).unwrap();
    assert_eq!(t.transaction.key, "BT-2");
    assert_eq!(t.transaction.direction, Direction::Debit);
    assert_eq!(t.status, MappingStatus::Partial);
    assert_eq!(serde_json::to_value(&t).unwrap(), line);
    for (field, value) in [
        ("direction", "sideways"),
        ("status", "Mapped"),
        ("key", "BT-2"),
    ] {
        let mut bad = line.clone();
        bad[field] = json!(value);
        let input = json!({"books": {"as_of": "2026-09-30", "bank_transactions": [bad]}});
        let err = windeep_ops::call("check_books", &input.to_string()).unwrap_err();
        assert_eq!(err.code(), "E_INVALID_INPUT", "{field}: {err}");
    }
}
