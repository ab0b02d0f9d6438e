//! End of day over a generated portfolio of 24-month loans, for timing and peak memory:
//! `cargo build --release -p windeep-benches --bin eod && /usr/bin/time -v target/release/eod 100000`.
//!
//! Loans are generated and folded into in-memory accounts one by one (what a server does once
//! at start); the end of day (status, DPD, dues and fine assessment of every loan) then runs
//! over the accounts. For comparison, the end of day of the first 10,000 loans is first
//! computed by re-folding their whole event history, and checked to agree with the accounts.

use std::time::{Duration, Instant};

use windeep_benches::{accounts_day, fine_rules, loan_events, portfolio_day};
use windeep_core::{account::LoanAccount, account::LoanEvent};

/// Loan `i` of the portfolio: one loan in five is three installments behind, so the day has
/// fines to assess.
fn loan(i: usize) -> Vec<LoanEvent> {
    let paid = if i.is_multiple_of(5) { 10 } else { 13 };
    loan_events(&format!("LN{i:08}"), 24, paid, 2)
}

/// Microseconds per loan with two decimals, in integer arithmetic.
fn per_loan(t: Duration, n: usize) -> String {
    let ns = t.as_nanos() / u128::try_from(n.max(1)).unwrap_or(1);
    format!("{}.{:02}", ns / 1000, (ns % 1000) / 10)
}

fn main() {
    let loans: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let day = windeep_core::parse_date("2027-02-20").unwrap_or_default();
    let rules = fine_rules();

    let sample = loans.min(10_000);
    let book: Vec<_> = (0..sample).map(loan).collect();
    let start = Instant::now();
    let refolded = portfolio_day(&book, day, &rules);
    let refold = start.elapsed();
    drop(book);

    let mut load = Duration::ZERO;
    let mut events_total = 0;
    let accounts: Vec<LoanAccount> = (0..loans)
        .map(|i| {
            let events = loan(i);
            events_total += events.len();
            let start = Instant::now();
            let account = LoanAccount::new(events).unwrap();
            load += start.elapsed();
            account
        })
        .collect();

    let start = Instant::now();
    let results = accounts_day(&accounts, day, &rules);
    let eod = start.elapsed();
    assert_eq!(
        results[..sample],
        refolded[..],
        "accounts and re-folded events agree"
    );

    let overdue = results.iter().filter(|(s, _)| s.days_past_due > 0).count();
    let fines: usize = results.iter().map(|(_, f)| f.len()).sum();
    println!("loans {loans}, events {events_total}, overdue {overdue}, fines assessed {fines}");
    println!(
        "fold events into accounts:      {load:.3?} ({} µs/loan)",
        per_loan(load, loans)
    );
    println!(
        "end of day over accounts:       {eod:.3?} ({} µs/loan)",
        per_loan(eod, loans)
    );
    println!(
        "end of day re-folding {sample}:  {refold:.3?} ({} µs/loan)",
        per_loan(refold, sample)
    );
}
