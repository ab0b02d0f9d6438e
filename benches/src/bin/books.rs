//! The books over a stream of about a million loan and savings events, on one core:
//! `cargo build --release -p windeep-benches --bin books && target/release/books 30000 6000`.
//!
//! Builds a snapshot of `loans` 24-month loans (26 events each) and `savings` accounts (34
//! events each), derives the journal (every event posted, one account after another, in
//! arrival order), then the trial balance over it. Prints events, entries and postings (entry
//! lines) per second.

use std::time::{Duration, Instant};

use windeep_benches::books;
use windeep_core::{books::journal, ledger::Chart, ledger::trial_balance};

fn rate(n: usize, t: Duration) -> String {
    let per_s = u128::try_from(n).unwrap_or(0) * 1_000_000_000 / t.as_nanos().max(1);
    let mut s = per_s.to_string();
    let mut i = s.len();
    while i > 3 {
        i -= 3;
        s.insert(i, ',');
    }
    s
}

/// CPU time of this thread (user + system) from `/proc/thread-self/stat`, in clock ticks of
/// 10 ms (Linux's USER_HZ); none elsewhere.
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

fn main() {
    let mut args = std::env::args().skip(1);
    let loans: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(30_000);
    let savings: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(6_000);
    let basis = args.next().unwrap_or_else(|| "cash".to_owned());
    let b = books(loans, savings, &basis);
    let events: usize = b.loans.iter().map(|l| l.events.len()).sum::<usize>()
        + b.savings.iter().map(|a| a.events.len()).sum::<usize>();

    let cpu0 = cpu_time();
    let start = Instant::now();
    let entries = journal(&b).expect("the journal");
    let post = start.elapsed();
    let post_cpu = cpu_time().zip(cpu0).map(|(b, a)| b.saturating_sub(a));
    let postings: usize = entries.iter().map(|e| e.lines().len()).sum();

    let cpu0 = cpu_time();
    let start = Instant::now();
    let chart = Chart::default();
    let tb = trial_balance(&entries, &chart, &b.currency, b.as_of).expect("trial balance");
    let tb_time = start.elapsed();
    let tb_cpu = cpu_time().zip(cpu0).map(|(b, a)| b.saturating_sub(a));
    assert_eq!(tb.total_debit, tb.total_credit);

    println!("basis {basis}: {loans} loans, {savings} savings accounts, {events} events");
    println!(
        "journal:        {post:.3?}  {} events/s, {} entries/s, {} postings/s ({} entries, {} postings)",
        rate(events, post),
        rate(entries.len(), post),
        rate(postings, post),
        entries.len(),
        postings
    );
    if let Some(cpu) = post_cpu {
        println!(
            "journal, CPU time of the thread: {cpu:.2?}  {} postings/s",
            rate(postings, cpu)
        );
    }
    println!(
        "trial balance:  {tb_time:.3?}  {} postings/s ({} accounts, Σ debits {})",
        rate(postings, tb_time),
        tb.accounts.len(),
        tb.total_debit
    );
    if let Some(cpu) = tb_cpu {
        println!("trial balance, CPU time of the thread: {cpu:.2?}");
    }
}
