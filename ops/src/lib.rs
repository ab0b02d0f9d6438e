//! # windeep-ops
//!
//! The JSON operation interface of windeep: one entry point for the command line and every
//! binding, between the core ([`windeep_core`]) and every adapter.
//!
//! An operation reads one JSON document and returns one JSON document; money is a decimal
//! string, dates are `YYYY-MM-DD`. The golden fixtures in `fixtures/` are cases of exactly this
//! interface, so every language replays them through it.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![deny(clippy::print_stdout, clippy::print_stderr)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

#[macro_use]
mod registry;
pub mod schema;
pub mod typed;

pub use registry::{Operation, errors};

#[cfg(feature = "bank")]
use base64::Engine as _;
use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::typed::{Typed, to_typed};
// The output types the registry names.
use windeep_core::RoundingPolicy;
use windeep_core::account::{
    LoanEvent, TopUp, TopUpRequest, apply_event, foreclosure_quote, replay, topup,
    topup_quote_restructured, verify_chain,
};
use windeep_core::audit::{LoanDetail, loan_detail_in_export};
#[cfg(feature = "bank")]
use windeep_core::bank::{
    self, ColumnSpec, Format, LayoutChoice, Mapping, MatchInput, MatchResult, PartInput, PriorKey,
    ReconcileInput, StatementOptions,
};
#[cfg(feature = "bank")]
use windeep_core::bank::{MappingOutcome, Reconciliation};
use windeep_core::books::{GuarantorExposure, guarantor_exposure};
use windeep_core::dashboard::{Dashboard, DashboardOptions, dashboard};
use windeep_core::wire::error_from_serde;
use windeep_core::{CoreError, Result};
use windeep_core::{Currency, Money};
use windeep_core::{LoanTerms, Schedule, generate_schedule, schedule::annual_percentage_rate};
use windeep_core::{
    account::Applied, account::ChainReport, account::ForeclosureQuote, account::Replay,
    account::TopUpQuote, approval::ApprovalDecision, audit::LoanAudit, books::MemberLedger,
    classification::Classification, ledger::BalanceSheet, ledger::ProfitAndLoss,
    ledger::TrialBalance, portfolio::PortfolioReport, reconcile::CheckReport, savings::BonusReport,
    savings::InterestReport, savings::MemberSavings, savings::SavingsApplied,
    savings::SavingsStatement,
};
use windeep_core::{
    allocation::Allocation, allocation::AllocationPolicy, allocation::InstallmentDues,
    allocation::allocate,
};
use windeep_core::{approval::ApprovalRequest, approval::approve_loan};
use windeep_core::{
    audit::BookAudit, audit::LegacyExport, audit::LegacyFineRow, audit::LegacyInstallmentRow,
    audit::LegacyLoan, audit::LegacyLoanRow, audit::LegacyPaymentRow, audit::RawTable,
    audit::audit_book, audit::audit_loan,
};
use windeep_core::{
    books::BookLoan, books::Books, books::journal, books::member_ledger, books::post_event,
};
use windeep_core::{
    classification::ClassificationPolicy, classification::PreviousClass, classification::classify,
    provisioning::ProvisionRun, provisioning::provisions,
};
use windeep_core::{fines::FineAssessment, fines::FineRule, fines::FineSnapshot};
use windeep_core::{
    ledger::Basis, ledger::Chart, ledger::JournalEntry, ledger::LedgerAccountReport,
    ledger::PostingRole, ledger::balance_sheet, ledger::general_ledger, ledger::profit_and_loss,
    ledger::trial_balance,
};
use windeep_core::{portfolio::PortfolioOptions, portfolio::portfolio_report};
use windeep_core::{reconcile::AlertConfig, reconcile::check_books};
use windeep_core::{
    savings::BonusMethod, savings::BonusRecipient, savings::SavingsAccount, savings::SavingsEvent,
    savings::distribute_bonus, savings::member_savings, savings::savings_apply,
    savings::savings_interest, savings::savings_statement,
};

/// The `schedule` operation's output: the schedule plus its APR.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct ScheduleReport {
    /// The schedule.
    #[serde(flatten)]
    pub schedule: Schedule,
    /// Annual percentage rate (RBI KFS), percent, at the requested decimals; `None` (JSON
    /// `null`) when the terms say `"apr": false`.
    #[serde(serialize_with = "windeep_core::wire::serialize_optional_rate_text")]
    #[schemars(with = "Option<windeep_core::wire::schema::RateText>")]
    pub apr: Option<String>,
}

/// Generates a schedule and its APR: the typed form of the `schedule` operation.
///
/// # Errors
/// As [`generate_schedule`] and [`annual_percentage_rate`].
///
/// # Example
/// ```
/// use windeep_core::{LoanTerms, parse_date};
/// use windeep_ops::schedule;
/// let terms = LoanTerms::new("100000".parse().unwrap(), "12".parse().unwrap(), 12,
///     parse_date("2026-01-05").unwrap(), parse_date("2026-02-05").unwrap());
/// assert_eq!(schedule(&terms).unwrap().apr.as_deref(), Some("12.00"));
/// ```
pub fn schedule(terms: &LoanTerms) -> Result<ScheduleReport> {
    let schedule = generate_schedule(terms)?;
    let apr = if terms.apr {
        Some(annual_percentage_rate(&schedule, terms.apr_decimals)?.to_string())
    } else {
        None
    };
    Ok(ScheduleReport { schedule, apr })
}

/// Input of the `allocate` operation.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct AllocateInput {
    amount: Money,
    #[serde(with = "windeep_core::wire::iso_date")]
    paid_on: NaiveDate,
    #[serde(default)]
    installment: Option<u32>,
    dues: Vec<InstallmentDues>,
    #[serde(default)]
    policy: AllocationPolicy,
    #[serde(default)]
    currency: Currency,
}

fn allocate_op(input: AllocateInput) -> Result<Allocation> {
    let c = &input.currency;
    c.validate()?;
    let dues = input
        .dues
        .iter()
        .map(|d| {
            Ok(InstallmentDues {
                interest: c.amount(d.interest)?,
                principal: c.amount(d.principal)?,
                fine: c.amount(d.fine)?,
                ..*d
            })
        })
        .collect::<Result<Vec<_>>>()?;
    allocate(
        c.amount(input.amount)?,
        input.paid_on,
        input.installment,
        &dues,
        input.policy,
    )
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct StatementInput {
    events: Vec<LoanEvent>,
    #[serde(with = "windeep_core::wire::iso_date")]
    as_of: NaiveDate,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct ApplyInput {
    events: Vec<LoanEvent>,
    event: LoanEvent,
    #[serde(with = "windeep_core::wire::iso_date")]
    as_of: NaiveDate,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct QuoteInput {
    events: Vec<LoanEvent>,
    #[serde(with = "windeep_core::wire::iso_date")]
    settlement_on: NaiveDate,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct TopUpInput {
    events: Vec<LoanEvent>,
    #[serde(with = "windeep_core::wire::iso_date")]
    on: NaiveDate,
    amount: Money,
    #[serde(default)]
    restructure: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct ChainInput {
    /// Stored events as received (any JSON: what was stored is hashed, not re-read).
    #[schemars(with = "Vec<serde_json::Map<String, serde_json::Value>>")]
    events: Vec<windeep_core::account::StoredEvent>,
}

/// The `loan_fines` operation's input: a loan's events, the fine rules and the date.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct LoanFinesInput {
    events: Vec<LoanEvent>,
    #[serde(with = "windeep_core::wire::iso_date")]
    as_of: NaiveDate,
    rules: Vec<FineRule>,
    #[serde(default)]
    product: Option<String>,
}

pub use windeep_core::account::LoanFinesReport;

/// Runs the fine assessment on a loan's own state: snapshot, assessment and the events to
/// append, the typed form of the `loan_fines` operation.
///
/// # Errors
/// As [`replay`] and [`windeep_core::fines::assess_fines`].
pub fn loan_fines(
    events: &[LoanEvent],
    as_of: NaiveDate,
    rules: &[FineRule],
    product: Option<String>,
) -> Result<LoanFinesReport> {
    windeep_core::account::loan_fines(events, as_of, rules, product)
}

/// The `assess_fines` operation's input (see `docs/fines.md`).
///
/// # Example
/// ```
/// use windeep_ops::AssessFinesInput;
/// let input: AssessFinesInput = serde_json::from_str(r#"{"as_of": "2026-01-20",
///     "snapshot": {"loan_id": "LN1", "installments": []}, "rules": []}"#).unwrap();
/// assert!(input.rules.is_empty());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AssessFinesInput {
    /// The assessment date: the last calendar day that counts as late.
    #[serde(with = "windeep_core::wire::iso_date")]
    pub as_of: NaiveDate,
    /// The loan's overdue installments and the fines already levied on them.
    pub snapshot: FineSnapshot,
    /// Every fine rule in force at any time (the order does not matter).
    pub rules: Vec<FineRule>,
}

/// The `assess_fines` operation's output.
///
/// # Example
/// ```
/// let out = windeep_ops::call("assess_fines", r#"{"as_of": "2026-01-20",
///     "snapshot": {"loan_id": "LN1", "installments": []}, "rules": []}"#).unwrap();
/// assert_eq!(out["rounding"]["increment"], "0.01");
/// assert_eq!(out["assessments"].as_array().unwrap().len(), 0);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct AssessFinesReport {
    /// The loan (or savings account) assessed.
    pub loan_id: String,
    /// The assessment date.
    #[serde(with = "windeep_core::wire::iso_date")]
    pub as_of: NaiveDate,
    /// The rounding policy every amount was rounded with.
    pub rounding: RoundingPolicy,
    /// What to levy and what to re-amount, by installment, rule id and occurrence.
    pub assessments: Vec<FineAssessment>,
}

/// Assesses fines: the typed form of the `assess_fines` operation.
///
/// # Errors
/// As [`windeep_core::fines::assess_fines`].
///
/// # Example
/// ```
/// use windeep_ops::{AssessFinesInput, assess_fines};
/// let input: AssessFinesInput = serde_json::from_str(r#"{"as_of": "2026-01-20",
///     "snapshot": {"loan_id": "LN1", "installments": [{"number": 1, "due_on": "2026-01-05",
///         "unpaid_principal": "7884.88", "unpaid_interest": "1000"}]},
///     "rules": [{"id": 1, "applies_to": "loan", "grace_days": 5,
///         "formula": {"kind": "per_day", "initial": "100", "per_day": "10"}}]}"#).unwrap();
/// assert_eq!(assess_fines(&input).unwrap().assessments[0].amount.to_string(), "200.00");
/// ```
pub fn assess_fines(input: &AssessFinesInput) -> Result<AssessFinesReport> {
    let assessments =
        windeep_core::fines::assess_fines(&input.snapshot, &input.rules, input.as_of)?;
    let currency = &input.snapshot.currency;
    let rounding = input
        .snapshot
        .rounding
        .unwrap_or_else(|| RoundingPolicy::minor_unit(currency));
    Ok(AssessFinesReport {
        loan_id: input.snapshot.loan_id.clone(),
        as_of: input.as_of,
        rounding,
        assessments,
    })
}

#[cfg(feature = "bank")]
/// The input of the `bank_import` operation (see `docs/bank.md`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportRequest {
    /// The society's bank account the statement belongs to.
    pub account_id: String,
    /// This import's id, used by later imports to name the rows they repeat.
    #[serde(default)]
    pub import_id: Option<String>,
    /// `csv` (default) or `xlsx`.
    #[serde(default)]
    pub format: Format,
    /// The statement as text (CSV only).
    #[serde(default)]
    pub content: Option<String>,
    /// The statement's bytes in standard base64 (CSV or XLSX).
    #[serde(default)]
    pub content_base64: Option<String>,
    /// A column preset name.
    #[serde(default)]
    pub preset: Option<String>,
    /// An explicit column mapping.
    #[serde(default)]
    pub columns: Option<ColumnSpec>,
    /// The CSV delimiter: one ASCII character, `,` by default.
    #[serde(default)]
    pub delimiter: Option<String>,
    /// The XLSX sheet name (the first sheet by default).
    #[serde(default)]
    pub sheet: Option<String>,
    /// The account's currency (INR by default).
    #[serde(default)]
    pub currency: Currency,
    /// Keys of earlier imports of the same account.
    #[serde(default)]
    pub prior: Vec<PriorKey>,
}

#[cfg(feature = "bank")]
impl ImportRequest {
    /// The statement options these fields describe.
    ///
    /// # Errors
    /// `E_INVALID_INPUT` for a delimiter that is not one ASCII character, `E_INVALID_COLUMNS`
    /// for both a preset and a mapping.
    pub fn options(&self) -> Result<StatementOptions> {
        let delimiter = match self.delimiter.as_deref() {
            None => b',',
            Some(d) => match d.as_bytes() {
                [b] if b.is_ascii() && *b != b'"' && *b != b'\n' && *b != b'\r' => *b,
                _ => {
                    return Err(CoreError::InvalidInput {
                        reason: format!("delimiter {d:?} must be one ASCII character"),
                    });
                }
            },
        };
        let layout = match (&self.preset, &self.columns) {
            (Some(_), Some(_)) => {
                return Err(CoreError::InvalidColumns {
                    reason: "give a preset or a column mapping, not both".to_owned(),
                });
            }
            (Some(p), None) => LayoutChoice::Preset(p.clone()),
            (None, Some(c)) => LayoutChoice::Columns(c.clone()),
            (None, None) => LayoutChoice::Detect,
        };
        if self.format == Format::Xlsx && self.delimiter.is_some() {
            return Err(CoreError::InvalidInput {
                reason: "delimiter applies to CSV statements only".to_owned(),
            });
        }
        if self.format == Format::Csv && self.sheet.is_some() {
            return Err(CoreError::InvalidInput {
                reason: "sheet applies to XLSX statements only".to_owned(),
            });
        }
        Ok(StatementOptions {
            layout,
            delimiter,
            sheet: self.sheet.clone(),
            currency: self.currency.clone(),
        })
    }
}

#[cfg(feature = "bank")]
/// Runs the `bank_import` operation.
///
/// # Errors
/// `E_INVALID_INPUT` for missing or doubled content, or XLSX given as text;
/// `E_STATEMENT_UNREADABLE` for content that is not base64; [`bank::import_statement`]'s errors.
pub fn bank_import(request: &ImportRequest) -> Result<bank::ImportReport> {
    let options = request.options()?;
    let decoded;
    let bytes: &[u8] = match (&request.content, &request.content_base64, request.format) {
        (Some(_), Some(_), _) | (None, None, _) => {
            return Err(CoreError::InvalidInput {
                reason: "give exactly one of content and content_base64".to_owned(),
            });
        }
        (Some(_), None, Format::Xlsx) => {
            return Err(CoreError::InvalidInput {
                reason: "an XLSX statement is given as content_base64".to_owned(),
            });
        }
        (Some(text), None, Format::Csv) => text.as_bytes(),
        (None, Some(b64), _) => {
            decoded = base64::engine::general_purpose::STANDARD
                .decode(b64.trim())
                .map_err(|e| CoreError::StatementUnreadable {
                    reason: format!("content_base64 is not base64: {e}"),
                })?;
            &decoded
        }
    };
    bank::import_statement(
        bytes,
        request.format,
        &options,
        &request.account_id,
        request.import_id.as_deref(),
        &request.prior,
    )
}

#[cfg(feature = "bank")]
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct SplitRequest {
    mapping: Mapping,
    parts: Vec<PartInput>,
    #[serde(default)]
    currency: Currency,
}

#[cfg(feature = "bank")]
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct UnmapRequest {
    mapping: Mapping,
    #[serde(default)]
    parts: Option<Vec<u32>>,
    #[serde(default)]
    currency: Currency,
}

#[cfg(feature = "bank")]
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct IgnoreRequest {
    mapping: Mapping,
    reason: String,
    #[serde(default)]
    currency: Currency,
}

/// The `audit_loan` operation's input: one legacy loan's rows and the audit date (see
/// `docs/audit.md`).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct AuditLoanInput {
    #[serde(with = "windeep_core::wire::iso_date")]
    as_of: NaiveDate,
    loan: LegacyLoanRow,
    #[serde(default)]
    installments: Vec<LegacyInstallmentRow>,
    #[serde(default)]
    payments: Vec<LegacyPaymentRow>,
    #[serde(default)]
    fines: Vec<LegacyFineRow>,
}

/// The `audit_book` operation's input: a legacy export's four tables as raw cells, the audit
/// date and the materiality tolerance (see `docs/audit.md`).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct AuditBookInput {
    #[serde(with = "windeep_core::wire::iso_date")]
    as_of: NaiveDate,
    /// Money findings with |difference| at most this are left out (default 0: exact).
    #[serde(default)]
    tolerance: Option<Money>,
    loans: RawTable,
    loan_installments: RawTable,
    loan_payments: RawTable,
    fines: RawTable,
}

/// The `audit_loan_detail` operation's input: a legacy export's four tables as raw cells (as
/// for `audit_book`), the audit date and the loan to show (see `docs/audit.md`, "One loan
/// side by side").
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct AuditLoanDetailInput {
    #[serde(with = "windeep_core::wire::iso_date")]
    as_of: NaiveDate,
    /// The loan's `loans.id`.
    loan_id: i64,
    loans: RawTable,
    loan_installments: RawTable,
    loan_payments: RawTable,
    fines: RawTable,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct BooksOnly {
    books: Books,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct PostEventInput {
    books: Books,
    account: String,
    event: Value,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct LedgerInput {
    books: Books,
    #[serde(default)]
    account: Option<String>,
    #[serde(default, with = "windeep_core::wire::iso_date_opt")]
    from: Option<NaiveDate>,
    #[serde(default, with = "windeep_core::wire::iso_date_opt")]
    to: Option<NaiveDate>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct AsOfInput {
    books: Books,
    #[serde(default, with = "windeep_core::wire::iso_date_opt")]
    as_of: Option<NaiveDate>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct PeriodInput {
    books: Books,
    #[serde(with = "windeep_core::wire::iso_date")]
    from: NaiveDate,
    #[serde(default, with = "windeep_core::wire::iso_date_opt")]
    to: Option<NaiveDate>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct MemberLedgerInput {
    books: Books,
    member: String,
    #[serde(default, with = "windeep_core::wire::iso_date_opt")]
    from: Option<NaiveDate>,
    #[serde(default, with = "windeep_core::wire::iso_date_opt")]
    to: Option<NaiveDate>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct SavingsInput {
    account: SavingsAccount,
    #[serde(with = "windeep_core::wire::iso_date")]
    as_of: NaiveDate,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct SavingsApplyInput {
    account: SavingsAccount,
    event: SavingsEvent,
    #[serde(with = "windeep_core::wire::iso_date")]
    as_of: NaiveDate,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct SavingsInterestInput {
    account: SavingsAccount,
    #[serde(with = "windeep_core::wire::iso_date")]
    through: NaiveDate,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct BonusInput {
    bonus_id: String,
    pool: Money,
    #[serde(default)]
    method: BonusMethod,
    recipients: Vec<BonusRecipient>,
    #[serde(default)]
    currency: Currency,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct MemberSavingsInput {
    accounts: Vec<SavingsAccount>,
    member: String,
    #[serde(with = "windeep_core::wire::iso_date")]
    as_of: NaiveDate,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct GuarantorExposureInput {
    loans: Vec<BookLoan>,
    member: String,
    #[serde(with = "windeep_core::wire::iso_date")]
    as_of: NaiveDate,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct ClassifyInput {
    loans: Vec<BookLoan>,
    #[serde(with = "windeep_core::wire::iso_date")]
    as_of: NaiveDate,
    #[serde(default)]
    policy: ClassificationPolicy,
    #[serde(default)]
    previous: Vec<PreviousClass>,
    #[serde(default)]
    loss: Vec<String>,
    #[serde(default)]
    currency: Currency,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct ProvisionsInput {
    books: Books,
    #[serde(default)]
    policy: ClassificationPolicy,
    #[serde(default)]
    previous: Vec<PreviousClass>,
    #[serde(default)]
    loss: Vec<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct PortfolioInput {
    loans: Vec<BookLoan>,
    #[serde(with = "windeep_core::wire::iso_date")]
    as_of: NaiveDate,
    #[serde(default)]
    options: PortfolioOptions,
    #[serde(default)]
    currency: Currency,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct CheckInput {
    books: Books,
    #[serde(default)]
    alerts: AlertConfig,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct DashboardInput {
    books: Books,
    #[serde(default)]
    options: DashboardOptions,
}

/// The `postings` operation's output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct PostingsReport {
    /// Cash or accrual.
    pub basis: Basis,
    /// The role → account mapping in force.
    pub accounts: std::collections::BTreeMap<PostingRole, String>,
    /// Every journal entry, account by account in posting order, then manual entries, then
    /// the closing entries of closed years.
    pub entries: Vec<JournalEntry>,
}

/// The journal of a books snapshot with its basis and role mapping: the typed form of the
/// `postings` operation.
///
/// # Errors
/// As [`crate::journal`].
pub fn postings(books: &Books) -> Result<PostingsReport> {
    let chart = books.config.chart()?;
    Ok(PostingsReport {
        basis: books.config.basis,
        accounts: chart.mapping(),
        entries: journal(books)?,
    })
}

fn books_report<T>(
    books: &Books,
    f: impl FnOnce(&[JournalEntry], &Chart, &Currency) -> Result<T>,
) -> Result<T> {
    let entries = journal(books)?;
    let chart = books.config.chart()?;
    f(&entries, &chart, &books.currency)
}

fn parse<T: DeserializeOwned>(input: &str) -> Result<T> {
    windeep_core::strict_json::check(input)?;
    serde_json::from_str(input).map_err(|e| error_from_serde(&e))
}

fn to_value<T: Serialize + ?Sized>(value: &T) -> Result<Value> {
    serde_json::to_value(value).map_err(|e| CoreError::InvalidInput {
        reason: e.to_string(),
    })
}

/// Runs operation `name` on a JSON input document and returns the JSON output value.
///
/// # Errors
/// `E_UNKNOWN_OPERATION` for a name not in [`OPERATIONS`]; otherwise the operation's own errors.
///
/// # Example
/// ```
/// let out = windeep_ops::call("schedule", r#"{"principal": "100000", "annual_rate": "12",
///     "tenure": 12, "disbursed_on": "2026-01-05", "first_due_on": "2026-02-05"}"#).unwrap();
/// assert_eq!(out["emi"], "8884.88");
/// let err = windeep_ops::call("nope", "{}").unwrap_err();
/// assert_eq!(err.code(), "E_UNKNOWN_OPERATION");
/// ```
pub fn call(name: &str, input: &str) -> Result<Value> {
    dispatch(&JsonSink, name, input)
}

/// Runs operation `name` like [`call`], keeping which output values are money, rates, other
/// exact decimals and dates (see [`crate::typed`]).
///
/// `call_typed(name, input)?.to_json()` equals `call(name, input)?`, and the errors are the
/// same.
///
/// # Errors
/// As [`call`].
///
/// # Example
/// ```
/// use windeep_ops::typed::Typed;
/// let out = windeep_ops::call_typed("schedule", r#"{"principal": "100000",
///     "annual_rate": "12", "tenure": 12, "disbursed_on": "2026-01-05",
///     "first_due_on": "2026-02-05"}"#).unwrap();
/// let Typed::Map(fields) = &out else { unreachable!() };
/// let emi = fields.iter().find(|(k, _)| k == "emi").map(|(_, v)| v);
/// assert_eq!(emi, Some(&Typed::Money("8884.88".to_owned())));
/// ```
pub fn call_typed(name: &str, input: &str) -> Result<Typed> {
    dispatch(&TypedSink, name, input)
}

/// Where an operation's output goes: a JSON value or a [`Typed`] tree.
trait Sink {
    type Out;
    fn emit<T: Serialize + ?Sized>(&self, value: &T) -> Result<Self::Out>;
}

/// Output as `serde_json::Value`.
struct JsonSink;

impl Sink for JsonSink {
    type Out = Value;
    fn emit<T: Serialize + ?Sized>(&self, value: &T) -> Result<Value> {
        to_value(value)
    }
}

/// Output as a [`Typed`] tree.
struct TypedSink;

impl Sink for TypedSink {
    type Out = Typed;
    fn emit<T: Serialize + ?Sized>(&self, value: &T) -> Result<Typed> {
        to_typed(value).map_err(|e| CoreError::InvalidInput {
            reason: e.to_string(),
        })
    }
}

#[cfg(feature = "bank")]
/// `{"results": …}`: the `bank_match` operation's output.
#[derive(Debug, Serialize, JsonSchema)]
pub struct MatchOutput {
    /// One result per bank line, in input order.
    pub results: Vec<MatchResult>,
}

/// `{"entries": …}`: the `post_event` operation's output.
#[derive(Debug, Serialize, JsonSchema)]
pub struct EntriesOutput {
    /// The journal entries the event posts.
    pub entries: Vec<JournalEntry>,
}

/// `{"accounts": …}`: the `general_ledger` operation's output.
#[derive(Debug, Serialize, JsonSchema)]
pub struct AccountsOutput {
    /// One report per ledger account.
    pub accounts: Vec<LedgerAccountReport>,
}

/// The operation named `name` in the registry.
///
/// # Example
/// ```
/// assert_eq!(windeep_ops::operation("allocate").unwrap().area, "account");
/// assert!(windeep_ops::operation("nope").is_none());
/// ```
#[must_use]
pub fn operation(name: &str) -> Option<&'static Operation> {
    REGISTRY.iter().find(|o| o.name == name)
}

operations! {
    schedule ("schedule") "A repayment schedule and its APR from a loan's terms.":
        LoanTerms => ScheduleReport, errors [INPUT, TERMS], |i| schedule(&i);
    allocate ("account") "How one payment is allocated over a loan's dues.":
        AllocateInput => Allocation, errors [INPUT, EVENTS], |i| allocate_op(i);
    loan_statement ("account") "A loan's state and statement on a date, replayed from its events.":
        StatementInput => Replay, errors [INPUT, TERMS, EVENTS],
        |i| replay(&i.events, i.as_of);
    loan_apply ("account") "Admits one more event to a loan and says what it changed.":
        ApplyInput => Applied, errors [INPUT, TERMS, EVENTS],
        |i| apply_event(&i.events, i.event, i.as_of);
    foreclosure_quote ("account") "What closes a loan on a settlement date.":
        QuoteInput => ForeclosureQuote, errors [INPUT, TERMS, EVENTS],
        |i| foreclosure_quote(&i.events, i.settlement_on);
    topup_quote ("account") "What a top-up of a loan on a date would look like.":
        TopUpInput => TopUpQuote, errors [INPUT, TERMS, EVENTS],
        |i| topup_quote_restructured(&i.events, i.on, i.amount, i.restructure.as_deref());
    loan_topup ("account") "A top-up in one step: the parent's closing event and the new loan's disbursement.":
        TopUpRequest => TopUp, errors [INPUT, TERMS, EVENTS], |i| topup(&i);
    verify_chain ("account") "Checks a loan's event log: ids, sequences and hashes.":
        ChainInput => ChainReport, errors [INPUT],
        |i| Ok::<_, CoreError>(verify_chain(&i.events));
    assess_fines ("fines") "The late-payment fines to levy or re-amount on a fine snapshot.":
        AssessFinesInput => AssessFinesReport, errors [INPUT, FINES], |i| assess_fines(&i);
    approve_loan ("approval") "Checks a loan application against the product, member and guarantors.":
        ApprovalRequest => ApprovalDecision, errors [INPUT, TERMS, APPROVAL],
        |i| approve_loan(&i);
    loan_fines ("fines") "The daily fine job on one loan: assessments and the events to append.":
        LoanFinesInput => LoanFinesReport, errors [INPUT, TERMS, EVENTS, FINES],
        |i| loan_fines(&i.events, i.as_of, &i.rules, i.product);
    #[cfg(feature = "bank")] {
        bank_import ("bank") "Reads a bank statement (CSV or XLSX) into rows, with duplicates found.":
            ImportRequest => bank::ImportReport, errors [INPUT, STATEMENT], |i| bank_import(&i);
        bank_match ("bank") "Suggests what each bank line paid.":
            MatchInput => MatchOutput, errors [INPUT, POLICY],
            |i| bank::suggest(&i).map(|results| MatchOutput { results });
        bank_split ("bank") "Splits one bank line's mapping into parts.":
            SplitRequest => MappingOutcome, errors [INPUT, MAPPING],
            |i| bank::split(i.mapping, &i.parts, &i.currency);
        bank_unmap ("bank") "Removes parts (or all) of a bank line's mapping.":
            UnmapRequest => MappingOutcome, errors [INPUT, MAPPING],
            |i| bank::unmap(i.mapping, i.parts.as_deref(), &i.currency);
        bank_ignore ("bank") "Marks a bank line as not the society's business, with a reason.":
            IgnoreRequest => MappingOutcome, errors [INPUT, MAPPING],
            |i| bank::ignore(i.mapping, &i.reason, &i.currency);
        bank_reconcile ("bank") "Reconciles a statement's lines with the books' bank account.":
            ReconcileInput => Reconciliation, errors [INPUT, MAPPING],
            |i| bank::reconcile(&i);
    }
    audit_loan ("audit") "Audits one loan kept by the legacy system against the rules.":
        AuditLoanInput => LoanAudit, errors [INPUT],
        |i| Ok::<_, CoreError>(audit_loan(
            &LegacyLoan {
                loan: i.loan,
                installments: i.installments,
                payments: i.payments,
                fines: i.fines,
            },
            i.as_of,
        ));
    audit_book ("audit") "Audits a whole legacy export (the four tables as raw cells): findings by cause, loan and row.":
        AuditBookInput => BookAudit, errors [INPUT],
        |i| audit_book(
            &LegacyExport {
                loans: i.loans,
                loan_installments: i.loan_installments,
                loan_payments: i.loan_payments,
                fines: i.fines,
            },
            i.as_of,
            i.tolerance.unwrap_or(Money::ZERO),
        );
    audit_loan_detail ("audit") "One loan of a legacy export: its correct schedule and statement side by side with the stored rows.":
        AuditLoanDetailInput => LoanDetail, errors [INPUT],
        |i| loan_detail_in_export(
            &LegacyExport {
                loans: i.loans,
                loan_installments: i.loan_installments,
                loan_payments: i.loan_payments,
                fines: i.fines,
            },
            i.as_of,
            i.loan_id,
        );
    postings ("books") "The journal of a books snapshot with its basis and role mapping.":
        BooksOnly => PostingsReport, errors [INPUT, TERMS, EVENTS, BOOKS],
        |i| postings(&i.books);
    post_event ("books") "The journal entries one event posts.":
        PostEventInput => EntriesOutput, errors [INPUT, TERMS, EVENTS, BOOKS],
        |i| post_event(&i.books, &i.account, &i.event).map(|entries| EntriesOutput { entries });
    general_ledger ("books") "Each ledger account's lines and running balance over a period.":
        LedgerInput => AccountsOutput, errors [INPUT, TERMS, EVENTS, BOOKS],
        |i| {
            let to = i.to.unwrap_or(i.books.as_of);
            books_report(&i.books, |e, c, cur| {
                general_ledger(e, c, cur, i.account.as_deref(), i.from, to)
            })
            .map(|accounts| AccountsOutput { accounts })
        };
    trial_balance ("books") "The trial balance on a date.":
        AsOfInput => TrialBalance, errors [INPUT, TERMS, EVENTS, BOOKS],
        |i| {
            let as_of = i.as_of.unwrap_or(i.books.as_of);
            books_report(&i.books, |e, c, cur| trial_balance(e, c, cur, as_of))
        };
    profit_and_loss ("books") "The profit and loss account over a period.":
        PeriodInput => ProfitAndLoss, errors [INPUT, TERMS, EVENTS, BOOKS],
        |i| {
            let to = i.to.unwrap_or(i.books.as_of);
            books_report(&i.books, |e, c, cur| profit_and_loss(e, c, cur, i.from, to))
        };
    balance_sheet ("books") "The balance sheet on a date.":
        AsOfInput => BalanceSheet, errors [INPUT, TERMS, EVENTS, BOOKS],
        |i| {
            let as_of = i.as_of.unwrap_or(i.books.as_of);
            books_report(&i.books, |e, c, cur| balance_sheet(e, c, cur, as_of))
        };
    member_ledger ("books") "One member's ledger across loans and savings.":
        MemberLedgerInput => MemberLedger, errors [INPUT, TERMS, EVENTS, BOOKS],
        |i| member_ledger(&i.books, &i.member, i.from, i.to);
    savings_schedule ("savings") "A savings account's schedule and passbook on a date.":
        SavingsInput => SavingsStatement, errors [INPUT, BOOKS],
        |i| savings_statement(&i.account, i.as_of);
    savings_apply ("savings") "Admits one event to a savings account.":
        SavingsApplyInput => SavingsApplied, errors [INPUT, BOOKS, EVENTS],
        |i| savings_apply(&i.account, i.event, i.as_of);
    savings_interest ("savings") "The interest a savings account earns through a date.":
        SavingsInterestInput => InterestReport, errors [INPUT, BOOKS],
        |i| savings_interest(&i.account, i.through);
    distribute_bonus ("savings") "Shares a bonus pool among members.":
        BonusInput => BonusReport, errors [INPUT, POLICY],
        |i| distribute_bonus(&i.bonus_id, i.pool, i.method, &i.recipients, &i.currency);
    member_savings ("savings") "One member's savings accounts on a date.":
        MemberSavingsInput => MemberSavings, errors [INPUT, BOOKS],
        |i| member_savings(&i.accounts, &i.member, i.as_of);
    guarantor_exposure ("books") "One member's standing guarantees on a date, as the loan approval reads them.":
        GuarantorExposureInput => GuarantorExposure, errors [INPUT, TERMS, EVENTS],
        |i| guarantor_exposure(&i.loans, &i.member, i.as_of);
    classify ("books") "Asset classification (standard, SMA, NPA bands) of loans on a date.":
        ClassifyInput => Classification, errors [INPUT, POLICY],
        |i| classify(&i.loans, i.as_of, &i.policy, &i.previous, &i.loss, &i.currency);
    provisions ("books") "The provisioning run of the books: provisions and releases to post, idempotent per loan and date.":
        ProvisionsInput => ProvisionRun, errors [INPUT, TERMS, EVENTS, BOOKS, POLICY],
        |i| provisions(&i.books, &i.policy, &i.previous, &i.loss);
    portfolio_report ("books") "Portfolio figures: PAR, NPA, buckets, efficiency.":
        PortfolioInput => PortfolioReport, errors [INPUT, POLICY],
        |i| portfolio_report(&i.loans, i.as_of, &i.options, &i.currency);
    check_books ("books") "The reconciliation checks and alerts over a books snapshot.":
        CheckInput => CheckReport, errors [INPUT, TERMS, EVENTS, BOOKS],
        |i| check_books(&i.books, &i.alerts);
    dashboard ("books") "The manager's dashboard: efficiency, NPA meter, PAR, overdue heat map, scores, unmapped lines, checks.":
        DashboardInput => Dashboard, errors [INPUT, TERMS, EVENTS, BOOKS, POLICY],
        |i| dashboard(&i.books, &i.options);
}

/// [`call`] returning compact JSON text, or the error as `{"code": …, "message": …}` text.
///
/// This is the form the C ABI and the command line hand out unchanged.
pub fn call_json(name: &str, input: &str) -> std::result::Result<String, String> {
    match call(name, input) {
        Ok(v) => Ok(v.to_string()),
        Err(e) => Err(error_json(&e)),
    }
}

/// An error as compact JSON: `{"code": "E_…", "message": "…"}`.
#[must_use]
pub fn error_json(err: &CoreError) -> String {
    serde_json::json!({ "code": err.code(), "message": err.to_string() }).to_string()
}

/// Sums decimal amount strings exactly (for totals in reports); the result keeps the largest
/// scale of its inputs, so amounts at the currency scale sum to the currency scale.
///
/// # Errors
/// `E_INVALID_AMOUNT` for a string that is not a plain decimal; `E_OVERFLOW`.
///
/// # Example
/// ```
/// assert_eq!(windeep_ops::sum_amounts(&["0.10", "0.20"]).unwrap(), "0.30");
/// ```
pub fn sum_amounts(amounts: &[&str]) -> Result<String> {
    let mut total = rust_decimal::Decimal::ZERO;
    for a in amounts {
        let m: Money = a.parse()?;
        total = total
            .checked_add(m.value())
            .ok_or(CoreError::Overflow { context: "sum" })?;
    }
    Ok(total.to_string())
}
