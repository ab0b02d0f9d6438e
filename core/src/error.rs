//! The one error type of windeep-core, with a stable machine code per variant.

use thiserror::Error;

/// Every way an operation of windeep-core can refuse its input.
///
/// Each variant has a stable machine code (`E_…`, see [`CoreError::code`]) that bindings
/// surface unchanged; the message is for people and may be reworded. Codes are public API.
///
/// # Example
/// ```
/// use windeep_core::CoreError;
/// let err = CoreError::NonPositivePrincipal { value: "0".into() };
/// assert_eq!(err.code(), "E_NON_POSITIVE_PRINCIPAL");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum CoreError {
    /// The input is not the JSON shape the operation reads (wrong type, unknown or missing field).
    #[error("invalid input: {reason}")]
    InvalidInput {
        /// What is wrong, with the position in the input where known.
        reason: String,
    },
    /// An amount is not a plain decimal string (`"1234.50"`).
    #[error("invalid amount: {reason}")]
    InvalidAmount {
        /// What is wrong.
        reason: String,
    },
    /// An amount has more decimals than the currency's minor unit allows.
    #[error("amount {value} has more than {minor_units} decimal places")]
    AmountScale {
        /// The amount as given.
        value: String,
        /// The currency's number of decimal places.
        minor_units: u32,
    },
    /// An amount is beyond the supported range (at most 1,000,000,000,000 currency units).
    #[error("amount {value} is outside the supported range")]
    AmountOutOfRange {
        /// The amount as given.
        value: String,
    },
    /// The principal is zero or negative.
    #[error("principal must be greater than zero, got {value}")]
    NonPositivePrincipal {
        /// The principal as given.
        value: String,
    },
    /// A rate is not a plain decimal string of percent per annum.
    #[error("invalid rate: {reason}")]
    InvalidRate {
        /// What is wrong.
        reason: String,
    },
    /// The interest rate is negative.
    #[error("interest rate must not be negative, got {value}%")]
    NegativeRate {
        /// The rate as given, percent per annum.
        value: String,
    },
    /// The interest rate is above the policy's cap.
    #[error("interest rate {value}% is above the cap of {cap}%")]
    RateExceedsCap {
        /// The rate as given, percent per annum.
        value: String,
        /// The policy cap, percent per annum.
        cap: String,
    },
    /// A date is not an ISO `YYYY-MM-DD` calendar date.
    #[error("invalid date: {reason}")]
    InvalidDate {
        /// What is wrong.
        reason: String,
    },
    /// A currency is not a three-letter code with 0–4 minor units.
    #[error("invalid currency: {reason}")]
    InvalidCurrency {
        /// What is wrong.
        reason: String,
    },
    /// A rounding policy is not usable (increment not a positive multiple of the minor unit, …).
    #[error("invalid rounding policy: {reason}")]
    InvalidRounding {
        /// What is wrong.
        reason: String,
    },
    /// A policy table is inconsistent (minimum above maximum, …).
    #[error("invalid policy: {reason}")]
    InvalidPolicy {
        /// What is wrong.
        reason: String,
    },
    /// The tenure is zero.
    #[error("tenure must be at least one installment")]
    InvalidTenure,
    /// The tenure is above the policy's maximum.
    #[error("tenure of {tenure} installments is above the maximum of {max}")]
    TenureExceedsPolicy {
        /// The tenure as given.
        tenure: u32,
        /// The policy maximum.
        max: u32,
    },
    /// A grace period covers the whole tenure.
    #[error("{kind} grace of {grace} installments must be shorter than the tenure of {tenure}")]
    InvalidGrace {
        /// `principal` or `interest`.
        kind: &'static str,
        /// The grace as given.
        grace: u32,
        /// The tenure.
        tenure: u32,
    },
    /// The fixed due day is outside 1–28 or used with a weekly or fortnightly frequency.
    #[error("invalid fixed due day: {reason}")]
    InvalidFixedDueDay {
        /// What is wrong.
        reason: String,
    },
    /// The first due date is on or before the disbursement date.
    #[error("first due date {first_due} must be after the disbursement date {disbursed}")]
    FirstDueNotAfterDisbursement {
        /// The first due date as given.
        first_due: String,
        /// The disbursement date.
        disbursed: String,
    },
    /// The gap between disbursement and the (snapped) first due date is outside the policy.
    #[error(
        "first due date {first_due} is {gap} days after disbursement; policy allows {min}–{max}"
    )]
    FirstDueGapOutOfPolicy {
        /// The snapped first due date.
        first_due: String,
        /// The gap in days.
        gap: i64,
        /// The policy minimum in days.
        min: u32,
        /// The policy maximum in days.
        max: u32,
    },
    /// A processing fee is negative, a percentage above 100 or has too many decimals.
    #[error("invalid processing fee: {reason}")]
    InvalidFee {
        /// What is wrong.
        reason: String,
    },
    /// The EMI does not cover a period's interest, so the loan would never amortise.
    #[error("EMI {emi} does not cover the interest {interest} of installment {installment}")]
    EmiBelowInterest {
        /// The EMI.
        emi: String,
        /// The interest of the period.
        interest: String,
        /// The installment number (1-based).
        installment: u32,
    },
    /// The rounded EMI (or principal part) repays the loan before the last installment.
    #[error(
        "the rounded installment repays the loan before the last installment (at installment {installment})"
    )]
    EmiRoundingOverpays {
        /// The installment number (1-based) where the balance would go negative.
        installment: u32,
    },
    /// The principal is so small that the level installment (EMI, or the principal part of a
    /// flat or equal-principal schedule) rounds to zero: every row but the last would be empty.
    #[error(
        "the {what} of {value} rounds to zero; the principal is too small for {tenure} installments"
    )]
    EmiRoundsToZero {
        /// `"EMI"` or `"principal part"`.
        what: &'static str,
        /// The unrounded value.
        value: String,
        /// The number of installments.
        tenure: u32,
    },
    /// A short first period's interest reduction exceeds the first installment's interest.
    #[error("the short first period reduces installment {installment}'s interest below zero")]
    NegativeInterest {
        /// The installment number (1-based).
        installment: u32,
    },
    /// Principal minus fee minus upfront interest is not positive.
    #[error("net disbursement {value} must be greater than zero")]
    NetDisbursementNotPositive {
        /// The net disbursement that would result.
        value: String,
    },
    /// A date computed from the terms falls beyond the supported calendar (year 9999).
    #[error("a date computed from the terms is beyond 9999-12-31")]
    DateOutOfRange,
    /// An intermediate value does not fit in 28 significant digits.
    #[error("arithmetic overflow while computing {context}")]
    Overflow {
        /// What was being computed.
        context: &'static str,
    },
    /// An installment number that the loan does not have (or that owes nothing).
    #[error("installment {installment} does not exist or owes nothing")]
    UnknownInstallment {
        /// The installment number given.
        installment: u32,
    },
    /// The same idempotency key was used with a different event body.
    #[error("idempotency key {key:?} was already used for a different event ({field} differs)")]
    IdempotencyConflict {
        /// The key.
        key: String,
        /// The first field (a dotted path inside the body, e.g. `body.amount`) whose value
        /// differs from the event that used the key first.
        field: String,
    },
    /// An event's `id` or `idempotency_key` is empty or only white space.
    #[error("an event's {field} must not be blank")]
    BlankIdentifier {
        /// `id` or `idempotency_key`.
        field: &'static str,
    },
    /// A reversal names an event that is not an applied payment it may undo: a duplicate
    /// payment (which never applied) or a payment another reversal already undid.
    #[error("invalid reversal: {reason}")]
    InvalidReversal {
        /// What is wrong.
        reason: String,
    },
    /// An event does not fit the account (first event not a disbursement, repeated sequence …).
    #[error("invalid event: {reason}")]
    InvalidEvent {
        /// What is wrong.
        reason: String,
    },
    /// An event refers to an event id the account does not have.
    #[error("no event with id {id:?}")]
    UnknownEvent {
        /// The id given.
        id: String,
    },
    /// An event arrived after the loan was closed.
    #[error("loan {loan_id} is closed ({closure})")]
    LoanClosed {
        /// The loan.
        loan_id: String,
        /// How it closed.
        closure: String,
    },
    /// An operation is not allowed on this loan or installment in its current state.
    #[error("not eligible: {reason}")]
    NotEligible {
        /// Why.
        reason: String,
    },
    /// A percentage of an account policy is outside 0..=100.
    #[error("{field} must be a percentage from 0 to 100, got {value}")]
    PercentOutOfRange {
        /// The policy field.
        field: &'static str,
        /// The value given.
        value: String,
    },
    /// A top-up the parent loan is not eligible for (too few installments paid, installments
    /// past due, fines unpaid, or an NPA parent without an explicit restructure).
    #[error("top-up not eligible: {reason}")]
    TopupNotEligible {
        /// Why.
        reason: String,
    },
    /// A skip, interest-only month or reschedule on an installment already past due, or on an
    /// SMA/NPA loan, without an explicit `restructure` and reason.
    #[error("restructure required: {reason}")]
    RestructureRequired {
        /// Why.
        reason: String,
    },
    /// A per-loan maximum of a restructure has been reached.
    #[error("the loan has used its maximum of {max} {what}")]
    RestructureLimit {
        /// What is limited.
        what: &'static str,
        /// The maximum.
        max: u32,
    },
    /// Dues up to the date must be cleared first (part payment).
    #[error("installments or fines due on or before the date are unpaid; clear them first")]
    ArrearsOutstanding,
    /// A part payment is not above the accrued interest, not below the outstanding principal,
    /// or below the minimum.
    #[error(
        "part payment {amount} must exceed the accrued interest, stay below the outstanding principal {outstanding} and meet the minimum"
    )]
    PartPaymentAmount {
        /// The amount.
        amount: String,
        /// Outstanding principal.
        outstanding: String,
    },
    /// The EMI would not cover a period's interest (negative amortisation).
    #[error("an EMI of {emi} would not repay the loan (negative amortisation)")]
    NegativeAmortisation {
        /// The EMI.
        emi: String,
    },
    /// A foreclosure payment differs from the quote of its date.
    #[error("foreclosure payment {paid} differs from the quote {quote}")]
    ForeclosureAmount {
        /// Paid.
        paid: String,
        /// Quote total.
        quote: String,
    },
    /// The operation name is not known.
    #[error("unknown operation {name:?}")]
    UnknownOperation {
        /// The name as given.
        name: String,
    },
    /// A fine rule is not usable (an amount not above zero, a window or slab table out of
    /// order, a percentage outside 0–100, …).
    #[error("fine rule {rule_id} is invalid: {reason}")]
    InvalidFineRule {
        /// The rule's id.
        rule_id: u32,
        /// What is wrong.
        reason: String,
    },
    /// Two fine rules have the same id, so their precedence would not be deterministic.
    #[error("fine rule id {rule_id} is used more than once")]
    DuplicateFineRule {
        /// The repeated id.
        rule_id: u32,
    },
    /// A fines snapshot is inconsistent (a settled installment with an unpaid amount, a fine
    /// filed under another installment, a repeated key, …).
    #[error("invalid fines snapshot: {reason}")]
    InvalidFineSnapshot {
        /// What is wrong.
        reason: String,
    },
    /// A fine assessment would go beyond one of its documented limits (`docs/fines.md`,
    /// "Limits"): days late, rules, snapshot installments, fines per installment or per
    /// assessment. Checked before the work starts.
    #[error("fine assessment limit exceeded: {what} is {value}, at most {max}")]
    FineLimitExceeded {
        /// What is limited.
        what: &'static str,
        /// The value the input asks for (a lower bound when counting stops early).
        value: u64,
        /// The documented maximum.
        max: u64,
    },
    /// A fine in the snapshot has more paid and waived than its amount.
    #[error("fine {key}: paid {paid} + waived {waived} exceed the amount {amount}")]
    FineBalanceNegative {
        /// The fine's key, as `loan/installment/rule/occurrence`.
        key: String,
        /// The fine's amount.
        amount: String,
        /// Paid so far.
        paid: String,
        /// Waived so far.
        waived: String,
    },
    /// A loan application or a member's facts are not usable (a negative balance, a repeated
    /// guarantor, …).
    #[error("invalid application: {reason}")]
    InvalidApplication {
        /// What is wrong.
        reason: String,
    },
    /// An override names no overridable approval refusal, or names one twice.
    #[error("invalid override {code:?}: {reason}")]
    InvalidOverride {
        /// The code the override names, as given.
        code: String,
        /// What is wrong.
        reason: String,
    },
    /// An override gives no reason (an empty or blank `reason`).
    #[error("the override of {code} needs a reason")]
    OverrideWithoutReason {
        /// The code the override names.
        code: String,
    },
    /// A bank statement cannot be read at all (not base64, not an XLSX workbook, no such sheet …).
    #[error("the statement cannot be read: {reason}")]
    StatementUnreadable {
        /// What is wrong.
        reason: String,
    },
    /// No header row with the statement's columns was found near the top of the statement.
    #[error("no header row found: {reason}")]
    StatementHeaderNotFound {
        /// What was looked for.
        reason: String,
    },
    /// A column preset name is not known.
    #[error("unknown column preset {name:?}")]
    UnknownPreset {
        /// The name as given.
        name: String,
    },
    /// A column mapping is inconsistent (no date, no amount, a column used twice …).
    #[error("invalid column mapping: {reason}")]
    InvalidColumns {
        /// What is wrong.
        reason: String,
    },
    /// The parts of a split do not add up exactly to the bank amount.
    #[error("the parts total {parts} but the transaction has {available} left to map")]
    SplitNotBalanced {
        /// The total of the new parts.
        parts: String,
        /// The amount of the transaction not yet mapped by active parts.
        available: String,
    },
    /// A loan, savings or fine target was given for money that left the account (a debit).
    #[error("a {kind} can only be mapped from a credit")]
    MappingDirection {
        /// The target kind.
        kind: String,
    },
    /// The operation does not fit the mapping's current state (mapping an ignored transaction,
    /// ignoring a mapped one, unmapping a part that is not active …).
    #[error("mapping conflict: {reason}")]
    MappingConflict {
        /// What is wrong.
        reason: String,
    },
    /// A mapping given as input is not one this library produced (a status, part number or
    /// idempotency key that does not follow from its content).
    #[error("invalid mapping: {reason}")]
    InvalidMapping {
        /// What is wrong.
        reason: String,
    },
    /// A journal entry's debits and credits differ (or it has no usable lines); such an entry
    /// cannot be constructed.
    #[error("journal entry {id} does not balance: debits {debit}, credits {credit} ({reason})")]
    UnbalancedEntry {
        /// The entry's id.
        id: String,
        /// Σ debits.
        debit: String,
        /// Σ credits.
        credit: String,
        /// What is wrong.
        reason: String,
    },
    /// An account code is not a postable account of the chart (unknown, or a group).
    #[error("account {code:?} is not a postable account of the chart")]
    UnknownAccount {
        /// The code given.
        code: String,
    },
    /// A posting is dated in a closed financial year.
    #[error("the financial year {year} is closed: nothing can be posted on {date}")]
    PeriodClosed {
        /// The closed year's code.
        year: String,
        /// The posting date.
        date: String,
    },
    /// A withdrawal (or a reversal) would take a savings balance below zero.
    #[error("savings account {account}: {amount} exceeds the balance {balance} on {date}")]
    InsufficientBalance {
        /// The savings account.
        account: String,
        /// The balance available.
        balance: String,
        /// The amount asked for.
        amount: String,
        /// The date.
        date: String,
    },
    /// A bank statement is longer than `bank::limits::MAX_STATEMENT_BYTES`.
    #[error("statement too large: {reason}")]
    StatementTooLarge {
        /// What is wrong, with the limit.
        reason: String,
    },
    /// One line (record) of a CSV statement is longer than `bank::limits::MAX_LINE_BYTES`.
    #[error("statement line too long: {reason}")]
    StatementLineTooLong {
        /// What is wrong, with the limit.
        reason: String,
    },
    /// A statement has more rows than `bank::limits::MAX_ROWS`.
    #[error("statement too many rows: {reason}")]
    StatementTooManyRows {
        /// What is wrong, with the limit.
        reason: String,
    },
    /// A statement row has more cells than `bank::limits::MAX_COLUMNS`.
    #[error("statement too many columns: {reason}")]
    StatementTooManyColumns {
        /// What is wrong, with the limit.
        reason: String,
    },
    /// A statement cell is longer than `bank::limits::MAX_CELL_BYTES`.
    #[error("statement cell too long: {reason}")]
    StatementCellTooLong {
        /// What is wrong, with the limit.
        reason: String,
    },
    /// An XLSX statement's parts decompress to more than `bank::limits::MAX_DECOMPRESSED_BYTES` (or it has more than `bank::limits::MAX_ZIP_ENTRIES` parts): a zip bomb.
    #[error("statement decompressed too large: {reason}")]
    StatementDecompressedTooLarge {
        /// What is wrong, with the limit.
        reason: String,
    },
    /// An XLSX sheet has a cell beyond `bank::limits::MAX_SHEET_ROWS` rows or `bank::limits::MAX_COLUMNS` columns, or its cells' text (shared strings expanded) exceeds `bank::limits::MAX_SHEET_TEXT_BYTES`.
    #[error("statement sheet too large: {reason}")]
    StatementSheetTooLarge {
        /// What is wrong, with the limit.
        reason: String,
    },
    /// A CSV statement's text encoding is not one windeep reads (binary data, UTF-16 without a byte-order mark, UTF-32).
    #[error("statement encoding: {reason}")]
    StatementEncoding {
        /// What is wrong, with the limit.
        reason: String,
    },
    /// An operation's JSON input is longer than [`crate::strict_json::MAX_INPUT_BYTES`].
    #[error("input too large: {reason}")]
    InputTooLarge {
        /// What is wrong, with the limit.
        reason: String,
    },
}

impl CoreError {
    /// The input field the error is about, where the refusal names one: the event field of
    /// `E_BLANK_IDENTIFIER` (`id`, `idempotency_key`), the first differing body field of
    /// `E_IDEMPOTENCY_CONFLICT` (e.g. `body.amount`), the policy field of
    /// `E_PERCENT_OUT_OF_RANGE`; `None` for every other error (its message says where).
    ///
    /// # Example
    /// ```
    /// use windeep_core::CoreError;
    /// assert_eq!(CoreError::BlankIdentifier { field: "id" }.field(), Some("id"));
    /// assert_eq!(CoreError::InvalidTenure.field(), None);
    /// ```
    #[must_use]
    pub fn field(&self) -> Option<&str> {
        match self {
            Self::IdempotencyConflict { field, .. } => Some(field),
            Self::BlankIdentifier { field } | Self::PercentOutOfRange { field, .. } => Some(field),
            _ => None,
        }
    }

    /// The stable machine code of this error, e.g. `"E_INVALID_TENURE"`.
    ///
    /// # Example
    /// ```
    /// use windeep_core::CoreError;
    /// assert_eq!(CoreError::InvalidTenure.code(), "E_INVALID_TENURE");
    /// ```
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidInput { .. } => "E_INVALID_INPUT",
            Self::InvalidAmount { .. } => "E_INVALID_AMOUNT",
            Self::AmountScale { .. } => "E_AMOUNT_SCALE",
            Self::AmountOutOfRange { .. } => "E_AMOUNT_OUT_OF_RANGE",
            Self::NonPositivePrincipal { .. } => "E_NON_POSITIVE_PRINCIPAL",
            Self::InvalidRate { .. } => "E_INVALID_RATE",
            Self::NegativeRate { .. } => "E_NEGATIVE_RATE",
            Self::RateExceedsCap { .. } => "E_RATE_EXCEEDS_CAP",
            Self::InvalidDate { .. } => "E_INVALID_DATE",
            Self::InvalidCurrency { .. } => "E_INVALID_CURRENCY",
            Self::InvalidRounding { .. } => "E_INVALID_ROUNDING",
            Self::InvalidPolicy { .. } => "E_INVALID_POLICY",
            Self::InvalidTenure => "E_INVALID_TENURE",
            Self::TenureExceedsPolicy { .. } => "E_TENURE_EXCEEDS_POLICY",
            Self::InvalidGrace { .. } => "E_INVALID_GRACE",
            Self::InvalidFixedDueDay { .. } => "E_INVALID_FIXED_DUE_DAY",
            Self::FirstDueNotAfterDisbursement { .. } => "E_FIRST_DUE_NOT_AFTER_DISBURSEMENT",
            Self::FirstDueGapOutOfPolicy { .. } => "E_FIRST_DUE_GAP_OUT_OF_POLICY",
            Self::InvalidFee { .. } => "E_INVALID_FEE",
            Self::EmiBelowInterest { .. } => "E_EMI_BELOW_INTEREST",
            Self::EmiRoundingOverpays { .. } => "E_EMI_ROUNDING_OVERPAYS",
            Self::EmiRoundsToZero { .. } => "E_EMI_ROUNDS_TO_ZERO",
            Self::NegativeInterest { .. } => "E_NEGATIVE_INTEREST",
            Self::NetDisbursementNotPositive { .. } => "E_NET_DISBURSEMENT_NOT_POSITIVE",
            Self::DateOutOfRange => "E_DATE_OUT_OF_RANGE",
            Self::Overflow { .. } => "E_OVERFLOW",
            Self::UnknownInstallment { .. } => "E_UNKNOWN_INSTALLMENT",
            Self::IdempotencyConflict { .. } => "E_IDEMPOTENCY_CONFLICT",
            Self::BlankIdentifier { .. } => "E_BLANK_IDENTIFIER",
            Self::InvalidReversal { .. } => "E_INVALID_REVERSAL",
            Self::InvalidEvent { .. } => "E_INVALID_EVENT",
            Self::UnknownEvent { .. } => "E_UNKNOWN_EVENT",
            Self::LoanClosed { .. } => "E_LOAN_CLOSED",
            Self::NotEligible { .. } => "E_NOT_ELIGIBLE",
            Self::RestructureLimit { .. } => "E_RESTRUCTURE_LIMIT",
            Self::PercentOutOfRange { .. } => "E_PERCENT_OUT_OF_RANGE",
            Self::TopupNotEligible { .. } => "E_TOPUP_NOT_ELIGIBLE",
            Self::RestructureRequired { .. } => "E_RESTRUCTURE_REQUIRED",
            Self::ArrearsOutstanding => "E_ARREARS_OUTSTANDING",
            Self::PartPaymentAmount { .. } => "E_PART_PAYMENT_AMOUNT",
            Self::NegativeAmortisation { .. } => "E_NEGATIVE_AMORTISATION",
            Self::ForeclosureAmount { .. } => "E_FORECLOSURE_AMOUNT",
            Self::UnknownOperation { .. } => "E_UNKNOWN_OPERATION",
            Self::InvalidFineRule { .. } => "E_INVALID_FINE_RULE",
            Self::DuplicateFineRule { .. } => "E_DUPLICATE_FINE_RULE",
            Self::InvalidFineSnapshot { .. } => "E_INVALID_FINE_SNAPSHOT",
            Self::FineLimitExceeded { .. } => "E_FINE_LIMIT_EXCEEDED",
            Self::FineBalanceNegative { .. } => "E_FINE_BALANCE_NEGATIVE",
            Self::InvalidApplication { .. } => "E_INVALID_APPLICATION",
            Self::InvalidOverride { .. } => "E_INVALID_OVERRIDE",
            Self::OverrideWithoutReason { .. } => "E_OVERRIDE_WITHOUT_REASON",
            Self::StatementUnreadable { .. } => "E_STATEMENT_UNREADABLE",
            Self::StatementHeaderNotFound { .. } => "E_STATEMENT_HEADER_NOT_FOUND",
            Self::UnknownPreset { .. } => "E_UNKNOWN_PRESET",
            Self::InvalidColumns { .. } => "E_INVALID_COLUMNS",
            Self::SplitNotBalanced { .. } => "E_SPLIT_NOT_BALANCED",
            Self::MappingDirection { .. } => "E_MAPPING_DIRECTION",
            Self::MappingConflict { .. } => "E_MAPPING_CONFLICT",
            Self::InvalidMapping { .. } => "E_INVALID_MAPPING",
            Self::UnbalancedEntry { .. } => "E_UNBALANCED_ENTRY",
            Self::UnknownAccount { .. } => "E_UNKNOWN_ACCOUNT",
            Self::PeriodClosed { .. } => "E_PERIOD_CLOSED",
            Self::InsufficientBalance { .. } => "E_INSUFFICIENT_BALANCE",
            Self::StatementTooLarge { .. } => "E_STATEMENT_TOO_LARGE",
            Self::StatementLineTooLong { .. } => "E_STATEMENT_LINE_TOO_LONG",
            Self::StatementTooManyRows { .. } => "E_STATEMENT_TOO_MANY_ROWS",
            Self::StatementTooManyColumns { .. } => "E_STATEMENT_TOO_MANY_COLUMNS",
            Self::StatementCellTooLong { .. } => "E_STATEMENT_CELL_TOO_LONG",
            Self::StatementDecompressedTooLarge { .. } => "E_STATEMENT_DECOMPRESSED_TOO_LARGE",
            Self::StatementSheetTooLarge { .. } => "E_STATEMENT_SHEET_TOO_LARGE",
            Self::StatementEncoding { .. } => "E_STATEMENT_ENCODING",
            Self::InputTooLarge { .. } => "E_INPUT_TOO_LARGE",
        }
    }

    /// Every code this version can return, in declaration order (for bindings and docs).
    pub const CODES: &'static [&'static str] = &[
        "E_INVALID_INPUT",
        "E_INVALID_AMOUNT",
        "E_AMOUNT_SCALE",
        "E_AMOUNT_OUT_OF_RANGE",
        "E_NON_POSITIVE_PRINCIPAL",
        "E_INVALID_RATE",
        "E_NEGATIVE_RATE",
        "E_RATE_EXCEEDS_CAP",
        "E_INVALID_DATE",
        "E_INVALID_CURRENCY",
        "E_INVALID_ROUNDING",
        "E_INVALID_POLICY",
        "E_INVALID_TENURE",
        "E_TENURE_EXCEEDS_POLICY",
        "E_INVALID_GRACE",
        "E_INVALID_FIXED_DUE_DAY",
        "E_FIRST_DUE_NOT_AFTER_DISBURSEMENT",
        "E_FIRST_DUE_GAP_OUT_OF_POLICY",
        "E_INVALID_FEE",
        "E_EMI_BELOW_INTEREST",
        "E_EMI_ROUNDING_OVERPAYS",
        "E_EMI_ROUNDS_TO_ZERO",
        "E_NEGATIVE_INTEREST",
        "E_NET_DISBURSEMENT_NOT_POSITIVE",
        "E_DATE_OUT_OF_RANGE",
        "E_OVERFLOW",
        "E_UNKNOWN_INSTALLMENT",
        "E_IDEMPOTENCY_CONFLICT",
        "E_BLANK_IDENTIFIER",
        "E_INVALID_REVERSAL",
        "E_INVALID_EVENT",
        "E_UNKNOWN_EVENT",
        "E_LOAN_CLOSED",
        "E_NOT_ELIGIBLE",
        "E_RESTRUCTURE_LIMIT",
        "E_PERCENT_OUT_OF_RANGE",
        "E_TOPUP_NOT_ELIGIBLE",
        "E_RESTRUCTURE_REQUIRED",
        "E_ARREARS_OUTSTANDING",
        "E_PART_PAYMENT_AMOUNT",
        "E_NEGATIVE_AMORTISATION",
        "E_FORECLOSURE_AMOUNT",
        "E_UNKNOWN_OPERATION",
        "E_INVALID_FINE_RULE",
        "E_DUPLICATE_FINE_RULE",
        "E_INVALID_FINE_SNAPSHOT",
        "E_FINE_LIMIT_EXCEEDED",
        "E_FINE_BALANCE_NEGATIVE",
        "E_INVALID_APPLICATION",
        "E_INVALID_OVERRIDE",
        "E_OVERRIDE_WITHOUT_REASON",
        "E_STATEMENT_UNREADABLE",
        "E_STATEMENT_HEADER_NOT_FOUND",
        "E_UNKNOWN_PRESET",
        "E_INVALID_COLUMNS",
        "E_SPLIT_NOT_BALANCED",
        "E_MAPPING_DIRECTION",
        "E_MAPPING_CONFLICT",
        "E_INVALID_MAPPING",
        "E_UNBALANCED_ENTRY",
        "E_UNKNOWN_ACCOUNT",
        "E_PERIOD_CLOSED",
        "E_INSUFFICIENT_BALANCE",
        "E_STATEMENT_TOO_LARGE",
        "E_STATEMENT_LINE_TOO_LONG",
        "E_STATEMENT_TOO_MANY_ROWS",
        "E_STATEMENT_TOO_MANY_COLUMNS",
        "E_STATEMENT_CELL_TOO_LONG",
        "E_STATEMENT_DECOMPRESSED_TOO_LARGE",
        "E_STATEMENT_SHEET_TOO_LARGE",
        "E_STATEMENT_ENCODING",
        "E_INPUT_TOO_LARGE",
    ];
}

/// Shorthand for results of windeep-core.
pub type Result<T, E = CoreError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::CoreError;

    /// One value of every variant. The match below has no wildcard, so adding a variant does not
    /// compile until it is listed here too.
    fn one_of_each() -> Vec<CoreError> {
        let s = String::new;
        let all = vec![
            CoreError::InvalidInput { reason: s() },
            CoreError::InvalidAmount { reason: s() },
            CoreError::AmountScale {
                value: s(),
                minor_units: 2,
            },
            CoreError::AmountOutOfRange { value: s() },
            CoreError::NonPositivePrincipal { value: s() },
            CoreError::InvalidRate { reason: s() },
            CoreError::NegativeRate { value: s() },
            CoreError::RateExceedsCap {
                value: s(),
                cap: s(),
            },
            CoreError::InvalidDate { reason: s() },
            CoreError::InvalidCurrency { reason: s() },
            CoreError::InvalidRounding { reason: s() },
            CoreError::InvalidPolicy { reason: s() },
            CoreError::InvalidTenure,
            CoreError::TenureExceedsPolicy { tenure: 1, max: 1 },
            CoreError::InvalidGrace {
                kind: "principal",
                grace: 1,
                tenure: 1,
            },
            CoreError::InvalidFixedDueDay { reason: s() },
            CoreError::FirstDueNotAfterDisbursement {
                first_due: s(),
                disbursed: s(),
            },
            CoreError::FirstDueGapOutOfPolicy {
                first_due: s(),
                gap: 0,
                min: 0,
                max: 0,
            },
            CoreError::InvalidFee { reason: s() },
            CoreError::EmiBelowInterest {
                emi: s(),
                interest: s(),
                installment: 1,
            },
            CoreError::EmiRoundingOverpays { installment: 1 },
            CoreError::EmiRoundsToZero {
                what: "EMI",
                value: s(),
                tenure: 1,
            },
            CoreError::NegativeInterest { installment: 1 },
            CoreError::NetDisbursementNotPositive { value: s() },
            CoreError::DateOutOfRange,
            CoreError::Overflow { context: "" },
            CoreError::UnknownInstallment { installment: 1 },
            CoreError::IdempotencyConflict {
                key: s(),
                field: s(),
            },
            CoreError::BlankIdentifier { field: "id" },
            CoreError::InvalidReversal { reason: s() },
            CoreError::InvalidEvent { reason: s() },
            CoreError::UnknownEvent { id: s() },
            CoreError::LoanClosed {
                loan_id: s(),
                closure: s(),
            },
            CoreError::NotEligible { reason: s() },
            CoreError::RestructureLimit { what: "", max: 0 },
            CoreError::PercentOutOfRange {
                field: "",
                value: s(),
            },
            CoreError::TopupNotEligible { reason: s() },
            CoreError::RestructureRequired { reason: s() },
            CoreError::ArrearsOutstanding,
            CoreError::PartPaymentAmount {
                amount: s(),
                outstanding: s(),
            },
            CoreError::NegativeAmortisation { emi: s() },
            CoreError::ForeclosureAmount {
                paid: s(),
                quote: s(),
            },
            CoreError::UnknownOperation { name: s() },
            CoreError::InvalidFineRule {
                rule_id: 1,
                reason: s(),
            },
            CoreError::DuplicateFineRule { rule_id: 1 },
            CoreError::InvalidFineSnapshot { reason: s() },
            CoreError::FineLimitExceeded {
                what: "",
                value: 0,
                max: 0,
            },
            CoreError::FineBalanceNegative {
                key: s(),
                amount: s(),
                paid: s(),
                waived: s(),
            },
            CoreError::InvalidApplication { reason: s() },
            CoreError::InvalidOverride {
                code: s(),
                reason: s(),
            },
            CoreError::OverrideWithoutReason { code: s() },
            CoreError::StatementUnreadable { reason: s() },
            CoreError::StatementHeaderNotFound { reason: s() },
            CoreError::UnknownPreset { name: s() },
            CoreError::InvalidColumns { reason: s() },
            CoreError::SplitNotBalanced {
                parts: s(),
                available: s(),
            },
            CoreError::MappingDirection { kind: s() },
            CoreError::MappingConflict { reason: s() },
            CoreError::InvalidMapping { reason: s() },
            CoreError::UnbalancedEntry {
                id: s(),
                debit: s(),
                credit: s(),
                reason: s(),
            },
            CoreError::UnknownAccount { code: s() },
            CoreError::PeriodClosed {
                year: s(),
                date: s(),
            },
            CoreError::InsufficientBalance {
                account: s(),
                balance: s(),
                amount: s(),
                date: s(),
            },
            CoreError::StatementTooLarge { reason: s() },
            CoreError::StatementLineTooLong { reason: s() },
            CoreError::StatementTooManyRows { reason: s() },
            CoreError::StatementTooManyColumns { reason: s() },
            CoreError::StatementCellTooLong { reason: s() },
            CoreError::StatementDecompressedTooLarge { reason: s() },
            CoreError::StatementSheetTooLarge { reason: s() },
            CoreError::StatementEncoding { reason: s() },
            CoreError::InputTooLarge { reason: s() },
        ];
        for e in &all {
            match e {
                CoreError::InvalidInput { .. }
                | CoreError::InvalidAmount { .. }
                | CoreError::AmountScale { .. }
                | CoreError::AmountOutOfRange { .. }
                | CoreError::NonPositivePrincipal { .. }
                | CoreError::InvalidRate { .. }
                | CoreError::NegativeRate { .. }
                | CoreError::RateExceedsCap { .. }
                | CoreError::InvalidDate { .. }
                | CoreError::InvalidCurrency { .. }
                | CoreError::InvalidRounding { .. }
                | CoreError::InvalidPolicy { .. }
                | CoreError::InvalidTenure
                | CoreError::TenureExceedsPolicy { .. }
                | CoreError::InvalidGrace { .. }
                | CoreError::InvalidFixedDueDay { .. }
                | CoreError::FirstDueNotAfterDisbursement { .. }
                | CoreError::FirstDueGapOutOfPolicy { .. }
                | CoreError::InvalidFee { .. }
                | CoreError::EmiBelowInterest { .. }
                | CoreError::EmiRoundingOverpays { .. }
                | CoreError::EmiRoundsToZero { .. }
                | CoreError::NegativeInterest { .. }
                | CoreError::NetDisbursementNotPositive { .. }
                | CoreError::DateOutOfRange
                | CoreError::Overflow { .. }
                | CoreError::UnknownInstallment { .. }
                | CoreError::IdempotencyConflict { .. }
                | CoreError::BlankIdentifier { .. }
                | CoreError::InvalidReversal { .. }
                | CoreError::InvalidEvent { .. }
                | CoreError::UnknownEvent { .. }
                | CoreError::LoanClosed { .. }
                | CoreError::NotEligible { .. }
                | CoreError::RestructureLimit { .. }
                | CoreError::PercentOutOfRange { .. }
                | CoreError::TopupNotEligible { .. }
                | CoreError::RestructureRequired { .. }
                | CoreError::ArrearsOutstanding
                | CoreError::PartPaymentAmount { .. }
                | CoreError::NegativeAmortisation { .. }
                | CoreError::ForeclosureAmount { .. }
                | CoreError::UnknownOperation { .. }
                | CoreError::InvalidFineRule { .. }
                | CoreError::DuplicateFineRule { .. }
                | CoreError::InvalidFineSnapshot { .. }
                | CoreError::FineLimitExceeded { .. }
                | CoreError::FineBalanceNegative { .. }
                | CoreError::InvalidApplication { .. }
                | CoreError::InvalidOverride { .. }
                | CoreError::OverrideWithoutReason { .. }
                | CoreError::StatementUnreadable { .. }
                | CoreError::StatementHeaderNotFound { .. }
                | CoreError::UnknownPreset { .. }
                | CoreError::InvalidColumns { .. }
                | CoreError::SplitNotBalanced { .. }
                | CoreError::MappingDirection { .. }
                | CoreError::MappingConflict { .. }
                | CoreError::InvalidMapping { .. }
                | CoreError::UnbalancedEntry { .. }
                | CoreError::UnknownAccount { .. }
                | CoreError::PeriodClosed { .. }
                | CoreError::InsufficientBalance { .. }
                | CoreError::StatementTooLarge { .. }
                | CoreError::StatementLineTooLong { .. }
                | CoreError::StatementTooManyRows { .. }
                | CoreError::StatementTooManyColumns { .. }
                | CoreError::StatementCellTooLong { .. }
                | CoreError::StatementDecompressedTooLarge { .. }
                | CoreError::StatementSheetTooLarge { .. }
                | CoreError::StatementEncoding { .. }
                | CoreError::InputTooLarge { .. } => {}
            }
        }
        all
    }

    #[test]
    fn codes_are_unique_well_formed_and_complete() {
        let codes = CoreError::CODES;
        let mut seen = std::collections::BTreeSet::new();
        for code in codes {
            assert!(seen.insert(*code), "{code} is listed twice");
            assert!(
                code.starts_with("E_")
                    && code[2..]
                        .bytes()
                        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_'),
                "{code} is not an E_UPPER_SNAKE code"
            );
        }
        let variants = one_of_each();
        let from_variants: Vec<&str> = variants.iter().map(CoreError::code).collect();
        assert_eq!(
            from_variants, codes,
            "CODES must list every variant's code, in declaration order"
        );
    }
}
