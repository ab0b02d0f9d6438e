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
    /// The operation name is not known.
    #[error("unknown operation {name:?}")]
    UnknownOperation {
        /// The name as given.
        name: String,
    },
}

impl CoreError {
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
            Self::NegativeInterest { .. } => "E_NEGATIVE_INTEREST",
            Self::NetDisbursementNotPositive { .. } => "E_NET_DISBURSEMENT_NOT_POSITIVE",
            Self::DateOutOfRange => "E_DATE_OUT_OF_RANGE",
            Self::Overflow { .. } => "E_OVERFLOW",
            Self::StatementUnreadable { .. } => "E_STATEMENT_UNREADABLE",
            Self::StatementHeaderNotFound { .. } => "E_STATEMENT_HEADER_NOT_FOUND",
            Self::UnknownPreset { .. } => "E_UNKNOWN_PRESET",
            Self::InvalidColumns { .. } => "E_INVALID_COLUMNS",
            Self::SplitNotBalanced { .. } => "E_SPLIT_NOT_BALANCED",
            Self::MappingDirection { .. } => "E_MAPPING_DIRECTION",
            Self::MappingConflict { .. } => "E_MAPPING_CONFLICT",
            Self::InvalidMapping { .. } => "E_INVALID_MAPPING",
            Self::UnknownOperation { .. } => "E_UNKNOWN_OPERATION",
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
        "E_NEGATIVE_INTEREST",
        "E_NET_DISBURSEMENT_NOT_POSITIVE",
        "E_DATE_OUT_OF_RANGE",
        "E_OVERFLOW",
        "E_STATEMENT_UNREADABLE",
        "E_STATEMENT_HEADER_NOT_FOUND",
        "E_UNKNOWN_PRESET",
        "E_INVALID_COLUMNS",
        "E_SPLIT_NOT_BALANCED",
        "E_MAPPING_DIRECTION",
        "E_MAPPING_CONFLICT",
        "E_INVALID_MAPPING",
        "E_UNKNOWN_OPERATION",
    ];
}

/// Shorthand for results of windeep-core.
pub type Result<T, E = CoreError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::CoreError;

    #[test]
    fn codes_are_unique_listed_and_well_formed() {
        let mut seen = std::collections::HashSet::new();
        for code in CoreError::CODES {
            assert!(seen.insert(code), "{code} is listed twice");
            assert!(code.starts_with("E_"), "{code}");
            assert!(
                code.bytes().all(|b| b.is_ascii_uppercase() || b == b'_'),
                "{code}"
            );
        }
        let s = String::new;
        let one_of_each = [
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
            CoreError::NegativeInterest { installment: 1 },
            CoreError::NetDisbursementNotPositive { value: s() },
            CoreError::DateOutOfRange,
            CoreError::Overflow { context: "" },
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
            CoreError::UnknownOperation { name: s() },
        ];
        let codes: Vec<&str> = one_of_each.iter().map(CoreError::code).collect();
        assert_eq!(
            codes,
            CoreError::CODES,
            "CODES lists every variant in order"
        );
    }
}
