//! The bank reconciliation of `check_books` over random books: a statement whose closing
//! balance is the sum of the books' own bank lines to its date always reconciles (difference
//! zero, whatever entries are missing, unkeyed or mis-posted: the listed items explain it all),
//! and a closing balance off by k leaves exactly k unexplained.

use chrono::{Days, NaiveDate};
use proptest::prelude::*;
use serde_json::{Value, json};
use windeep_core::{books::Books, reconcile::AlertConfig, reconcile::check_books};

fn money(paise: i64) -> String {
    let sign = if paise < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", paise.abs() / 100, paise.abs() % 100)
}

fn day(offset: u64) -> NaiveDate {
    windeep_core::parse_date("2026-01-06").unwrap() + Days::new(offset)
}

/// What the bank shows for a book movement: the same amount, another amount, or nothing.
#[derive(Debug, Clone, Copy)]
enum OnStatement {
    Same,
    Off(i64),
    Missing,
}

fn on_statement() -> impl Strategy<Value = OnStatement> {
    prop_oneof![
        3 => Just(OnStatement::Same),
        1 => (-500_i64..500).prop_filter("non-zero", |d| *d != 0).prop_map(OnStatement::Off),
        1 => Just(OnStatement::Missing),
    ]
}

/// A book movement: a loan payment (`true`) or a manual entry, its day, its amount in paise
/// (a manual entry's sign: receipt or payment), whether it names its line, what the bank shows.
type Movement = (bool, u64, i64, bool, OnStatement);

fn movement() -> impl Strategy<Value = Movement> {
    (
        any::<bool>(),
        0_u64..170,
        (100_i64..900_000).prop_flat_map(|a| prop_oneof![Just(a), Just(-a)]),
        any::<bool>(),
        on_statement(),
    )
}

/// The books of one bank account `SBI-1`: a loan disbursed from it, random payments and manual
/// entries, their bank lines and a few lines the books do not have; with the statements' dates.
fn books(
    moves: &[Movement],
    extra: &[(u64, i64)],
    dates: &[u64],
    offset: i64,
) -> (Books, Vec<i64>) {
    let mut lines: Vec<(String, NaiveDate, i64)> = vec![
        ("BT-cap".into(), day(0) - Days::new(5), 100_000_000),
        ("BT-disb".into(), day(0) - Days::new(1), -10_000_000),
    ];
    let mut events = vec![
        json!({"id": "L-d", "sequence": 1, "value_date": "2026-01-05",
        "idempotency_key": "L-d",
        "body": {"type": "disbursed", "loan_id": "L", "bank_transaction": "BT-disb",
                 "terms": {"principal": "100000", "annual_rate": "12", "tenure": 12,
                           "disbursed_on": "2026-01-05", "first_due_on": "2026-02-05"}}}),
    ];
    let mut journal = vec![
        json!({"id": "J-cap", "date": "2026-01-01", "bank_transaction": "BT-cap",
        "lines": [{"account": "1102", "debit": "1000000"}, {"account": "5100", "credit": "1000000"}]}),
    ];
    let mut sorted: Vec<Movement> = moves.to_vec();
    sorted.sort_by_key(|m| m.1);
    for (i, (loan, at, amount, keyed, shown)) in sorted.iter().enumerate() {
        let key = format!("BT-{i}");
        let on = day(*at);
        // Loan payments are receipts of at most 9,000.00.
        let signed = if *loan {
            amount.abs() % 900_000 + 100
        } else {
            *amount
        };
        let mut body = json!({});
        if *loan {
            body = json!({"type": "payment_received", "amount": money(signed),
                          "payment_mode": "bank"});
            if *keyed {
                body["bank_transaction"] = json!(key);
            }
            events.push(
                json!({"id": format!("L-p{i}"), "sequence": events.len() + 1,
                "value_date": on.to_string(), "idempotency_key": format!("L-p{i}"), "body": body}),
            );
        } else {
            let (dr, cr) = if signed > 0 {
                ("1102", "5100")
            } else {
                ("4200", "1102")
            };
            let mut e = json!({"id": format!("J-{i}"), "date": on.to_string(), "lines": [
                {"account": dr, "debit": money(signed.abs())},
                {"account": cr, "credit": money(signed.abs())}]});
            if *keyed {
                e["bank_transaction"] = json!(key);
            }
            journal.push(e);
        }
        match shown {
            OnStatement::Same => lines.push((key, on, signed)),
            OnStatement::Off(d) if signed + d != 0 => lines.push((key, on, signed + d)),
            _ => {}
        }
    }
    for (i, (at, amount)) in extra.iter().enumerate() {
        lines.push((format!("BX-{i}"), day(*at), *amount));
    }
    let mut closings = Vec::new();
    let mut statements = Vec::new();
    let mut dates = dates.to_vec();
    dates.sort_unstable();
    dates.dedup();
    for at in dates {
        let on = day(at);
        let closing: i64 = lines.iter().filter(|l| l.1 <= on).map(|l| l.2).sum();
        closings.push(closing);
        statements.push(json!({"bank_account": "SBI-1", "as_of": on.to_string(),
                               "closing_balance": money(closing + offset)}));
    }
    let bank_transactions: Vec<Value> = lines
        .iter()
        .filter(|l| l.2 != 0)
        .map(|(id, on, v)| {
            json!({"id": id, "bank_account": "SBI-1", "date": on.to_string(),
            "direction": if *v > 0 { "credit" } else { "debit" }, "amount": money(v.abs()),
            "status": "unmapped"})
        })
        .collect();
    let b = json!({"as_of": "2026-06-30", "loans": [{"member": "M1", "events": events}],
                   "journal": journal, "bank_transactions": bank_transactions,
                   "bank_statements": statements});
    (serde_json::from_value(b).unwrap(), closings)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// A statement built from the books' own lines reconciles to a zero difference; a closing
    /// balance off by k leaves k unexplained, reported once per statement as critical.
    #[test]
    fn statement_of_the_books_own_lines_reconciles(
        moves in prop::collection::vec(movement(), 0..12),
        extra in prop::collection::vec((0_u64..170, (1_i64..300_000).prop_flat_map(|a| prop_oneof![Just(a), Just(-a)])), 0..4),
        dates in prop::collection::vec(0_u64..176, 1..4),
        offset in prop_oneof![Just(0_i64), -10_000_i64..10_000],
    ) {
        let (b, _) = books(&moves, &extra, &dates, offset);
        let r = check_books(&b, &AlertConfig::default()).unwrap();
        prop_assert!(r.checks.iter().any(|c| c == "bank_reconciliation"));
        prop_assert_eq!(r.bank_reconciliations.len(), b.bank_statements.len());
        let critical: Vec<_> = r.violations.iter()
            .filter(|v| v.check == "bank_reconciliation" && v.severity == windeep_core::reconcile::Severity::Critical)
            .collect();
        for rec in &r.bank_reconciliations {
            prop_assert_eq!(rec.difference.to_string(), money(offset));
            prop_assert_eq!(rec.reconciled, offset == 0);
            prop_assert_eq!(rec.adjusted_bank_balance.value() - rec.adjusted_book_balance.value(),
                            rec.difference.value());
        }
        prop_assert_eq!(critical.len(), if offset == 0 { 0 } else { b.bank_statements.len() });
    }
}
