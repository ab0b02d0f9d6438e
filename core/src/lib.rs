//! # windeep-core
//!
//! Exact, deterministic lending calculations for a member-owned lending and savings society:
//! repayment schedules with exact rounding, late-payment fines ([`assess_fines`](fines::assess_fines)), loan approval
//! checks ([`approve_loan`](approval::approve_loan)), loan accounts (allocation, restructures), bank statement import
//! (the `bank` module, feature `bank`), the audit of loans kept by the legacy system ([`audit_loan`](audit::audit_loan)), the books
//! (double-entry postings, member ledger, savings, [`journal`](books::journal)), asset classification
//! ([`classify`](classification::classify)), portfolio figures and reconciliation checks ([`check_books`](reconcile::check_books)).
//!
//! The core is pure: deterministic functions over terms and ordered events, with no I/O and no
//! clock. Money and rates are [`rust_decimal::Decimal`] values behind the [`Money`] and [`Rate`]
//! newtypes; no float touches them. Rounding happens only through [`RoundingPolicy`], at named
//! points. Every refusal is a [`CoreError`] with a stable machine code.
//!
//! ```
//! use windeep_core::{LoanTerms, generate_schedule, parse_date};
//! let terms = LoanTerms::new("100000".parse().unwrap(), "12".parse().unwrap(), 12,
//!     parse_date("2026-01-05").unwrap(), parse_date("2026-02-05").unwrap());
//! let schedule = generate_schedule(&terms).unwrap();
//! assert_eq!(schedule.emi.unwrap().to_string(), "8884.88");
//! assert_eq!(schedule.totals.principal.to_string(), "100000.00");
//! ```
//!
//! The same operations are reachable as JSON through the `windeep-ops` crate's `call`, which the command
//! line and every language binding use, so all of them give identical answers.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![warn(unreachable_pub)]
#![deny(clippy::print_stdout, clippy::print_stderr)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]
#![cfg_attr(not(test), deny(clippy::indexing_slicing))]

pub mod account;
pub mod allocation;
pub mod approval;
pub mod audit;
#[cfg(feature = "bank")]
pub mod bank;
pub mod bank_line;
pub mod bank_reconciliation;
pub mod books;
pub mod calendar;
pub mod classification;
pub mod dashboard;
mod decimal;
pub mod dpd;
mod envelope;
pub mod error;
pub mod export;
pub mod fines;
mod fxhash;
pub mod ledger;
pub mod money;
mod month;
pub mod portfolio;
pub mod present;
pub mod provisioning;
pub mod reconcile;
mod reference;
pub mod rounding;
pub mod savings;
pub mod schedule;
pub mod strict_json;
pub mod wire;

/// The names most programs start with: money and rates, dates, the error, the rounding
/// policy, a schedule, a loan account's events and state, the books and their checks. Every
/// other name is in its domain module (`windeep_core::savings::…`, `windeep_core::ledger::…`).
///
/// # Example
/// ```
/// use windeep_core::prelude::*;
/// let terms = LoanTerms::new("100000".parse().unwrap(), "12".parse().unwrap(), 12,
///     parse_date("2026-01-05").unwrap(), parse_date("2026-02-05").unwrap());
/// let schedule: Schedule = generate_schedule(&terms).unwrap();
/// assert_eq!(schedule.emi.unwrap(), "8884.88".parse::<Money>().unwrap());
/// ```
pub mod prelude {
    pub use crate::account::{EventBody, LoanEvent, LoanState, StoredEvent, replay};
    pub use crate::books::{Books, journal};
    pub use crate::error::{CoreError, Result};
    pub use crate::money::{Currency, Money, Rate, parse_date};
    pub use crate::reconcile::{AlertConfig, CheckReport, check_books};
    pub use crate::rounding::{RoundingMode, RoundingPolicy};
    pub use crate::schedule::{LoanTerms, Schedule, generate_schedule};
}

pub use error::{CoreError, Result};
pub use money::{Currency, Money, Rate, format_date, iso_date, parse_date};
pub use rounding::{RoundingMode, RoundingPolicy};
pub use schedule::{LoanTerms, Schedule, generate_schedule};
