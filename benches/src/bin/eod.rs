//! End of day over a generated portfolio of 24-month loans, for timing and peak memory:
//! `cargo build --release -p windeep-benches --bin eod && /usr/bin/time -v target/release/eod 100000`.
//!
//! Loans are generated and folded into in-memory accounts one by one (what a server does once
//! at start); the end of day (status, DPD, dues of every loan) then runs over the accounts.
//! For comparison the first 10,000 loans' end of day is also computed by re-folding their whole
//! event history, and the two results are checked to agree.

use std::time::{Duration, Instant};

use windeep_benches::{accounts_day, loan_events, portfolio_day};
use windeep_core::LoanAccount;

fn main() {
    let loans: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let day = windeep_core::parse_date("2027-02-20").unwrap_or_default();
    // Microseconds per loan with two decimals, in integer arithmetic.
    let per_loan = |t: Duration, n: usize| {
        let ns = t.as_nanos() / u128::try_from(n.max(1)).unwrap_or(1);
        format!("{}.{:02}", ns / 1000, (ns % 1000) / 10)
    };

    let mut load = Duration::ZERO;
    let mut events_total = 0;
    let accounts: Vec<LoanAccount> = (0..loans)
        .map(|i| {
            let events = loan_events(&format!("LN{i:08}"), 24, 13, 2);
            events_total += events.len();
            let start = Instant::now();
            let account = LoanAccount::new(events).unwrap();
            load += start.elapsed();
            account
        })
        .collect();

    let start = Instant::now();
    let summaries = accounts_day(&accounts, day);
    let eod = start.elapsed();

    let sample = loans.min(10_000);
    let book: Vec<_> = accounts
        .iter()
        .take(sample)
        .map(|a| a.events().to_vec())
        .collect();
    let start = Instant::now();
    let refolded = portfolio_day(&book, day);
    let refold = start.elapsed();
    assert_eq!(
        summaries[..sample],
        refolded[..],
        "accounts and re-folded events agree"
    );

    let overdue = summaries.iter().filter(|s| s.days_past_due > 0).count();
    println!("loans {loans}, events {events_total}, overdue {overdue}");
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
