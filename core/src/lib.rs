//! # windeep-core
//!
//! Exact, deterministic lending calculations for a member-owned lending and savings society:
//! repayment schedules with exact rounding, late-payment fines ([`assess_fines`]), loan approval
//! checks ([`approve_loan`]), loan accounts (allocation, restructures), bank statement import
//! (the `bank` module, feature `bank`), the audit of loans kept by the legacy system ([`audit_loan`]), the books
//! (double-entry postings, member ledger, savings, [`journal`]), asset classification
//! ([`classify`]), portfolio figures and reconciliation checks ([`check_books`]).
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
/// other name is in its domain module (`windeep_core::savings::…`, `windeep_core::ledger::…`)
/// and, for now, at the crate root.
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

pub use account::{
    AccountPolicy, Applied, ChainReport, ChangedAllocation, Closure, ClosureType, EventBody,
    EventOutcome, FineView, ForeclosureQuote, ForeclosureRule, InstallmentStatus, InstallmentView,
    InterestOnlyMode, LoanAccount, LoanEvent, LoanFinesReport, LoanState, LoanSummary,
    PartPaymentMode, PastDueInstallment, PaymentMode, RateChangeMode, Replay, RestructureView,
    SkipMode, StoredEvent, TopUpQuote, WriteOffView, apply_event, credit_events, end_of_day,
    fine_events, fine_snapshot, foreclosure_quote, loan_fines, replay, topup_quote,
    topup_quote_restructured, verify_chain,
};
pub use allocation::{
    Allocation, AllocationLine, AllocationPolicy, AllocationPreset, Component, ExcessPolicy,
    InstallmentDues, Style, allocate,
};
pub use approval::{
    ApprovalCode, ApprovalDecision, ApprovalRequest, Consent, Guarantor, GuarantorPolicy,
    LoanApplication, MemberFacts, Override, ProductBounds, RecordedOverride, Refusal, approve_loan,
};
#[cfg(feature = "dump")]
pub use audit::read_mysql_dump;
pub use audit::{
    AUDIT_RULES, AuditCause, AuditFinding, AuditRule, AuditSummary, AuditedLoan, BookAudit,
    BookAuditSummary, Discrepancy, LegacyExport, LegacyFineRow, LegacyInstallmentRow, LegacyLoan,
    LegacyLoanRow, LegacyPaymentRow, LoanAudit, RawTable, ValueKind, audit_book, audit_loan,
    read_csv_table,
};
pub use bank_line::{BankTransaction, BookBankTransaction, Channel, Direction, MappingStatus};
pub use books::{
    AuditRecord, BookLoan, Books, CachedLoan, MemberLedger, MemberLedgerRow, NpaPeriod,
    ProvisionRecord, StoredEntry, StoredLedgerRow, StoredLine, journal, member_ledger, post_event,
};
pub use calendar::{
    ACTUAL_ACTUAL_DENOMINATOR, DueDates, FIXED_DUE_DAY_LAST, Frequency, InterestBasis,
    actual_actual_numerator, days_30e_360, days_between, is_leap, snap_to_fixed_day,
};
pub use classification::{
    AssetClass, ClassTotal, Classification, ClassificationPolicy, LoanClass, MemberClass, NpaBand,
    PreviousClass, Sma, classify,
};
pub use error::{CoreError, Result};
pub use fines::{
    AccountType, FineAction, FineAssessment, FineFormula, FineKey, FineRule, FineSnapshot,
    LeviedFine, MAX_FINE_DAYS, MAX_FINE_INSTALLMENTS, MAX_FINE_OCCURRENCES, MAX_FINE_RULES,
    MAX_FINE_SLABS, MAX_FINES_PER_ASSESSMENT, OverdueInstallment, Slab, assess_fines, fine_keys,
};
pub use ledger::{
    AccountKind, BalanceSheet, Basis, Chart, EntryHeader, FinancialYear, Funds, JournalEntry,
    LedgerAccount, LedgerAccountReport, LedgerLine, ManualEntry, ManualLine, PostingConfig,
    PostingLine, PostingRole, ProfitAndLoss, StatementLine, TrialBalance, TrialBalanceRow,
    balance_sheet, general_ledger, profit_and_loss, trial_balance,
};
pub use money::{Currency, MAX_AMOUNT, Money, Rate, format_date, iso_date, parse_date};
pub use portfolio::{
    Bucket, ClassShare, Efficiency, MonthBuckets, NpaFigures, Par, PortfolioOptions,
    PortfolioReport, portfolio_report,
};
pub use provisioning::{ProvisionLine, ProvisionRun, provisions};
pub use reconcile::{
    Alert, AlertConfig, CheckReport, CheckSummary, CreditScore, Rating, RiskBand, Severity,
    UnmappedDay, Violation, check_books,
};
pub use rounding::{RoundingMode, RoundingPolicy};
pub use savings::{
    BonusMethod, BonusPart, BonusRecipient, BonusReport, CreditFrequency, InterestBalanceBasis,
    InterestCredit, InterestMonth, InterestReport, MAX_SCHEDULE_MONTHS, MemberSavings, Month,
    MonthPaid, PassbookLine, SavingsAccount, SavingsApplied, SavingsBody, SavingsEvent,
    SavingsFineView, SavingsMode, SavingsOutcome, SavingsScheme, SavingsStatement, ScheduleRow,
    distribute_bonus, member_savings, savings_apply, savings_interest, savings_statement,
};
#[doc(hidden)]
pub use schedule::annual_percentage_rate_by_bisection;
pub use schedule::{
    BrokenPeriod, Installment, LevelEmi, LoanTerms, MAX_FIRST_DUE_GAP_LIMIT, MAX_RATE_CAP,
    MAX_TENURE_LIMIT, Method, ProcessingFee, Schedule, SchedulePolicy, Totals,
    annual_percentage_rate, generate_schedule,
};
