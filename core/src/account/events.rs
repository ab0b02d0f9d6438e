//! Loan events: the only input of a loan account. Each carries an id, a sequence number (its
//! place in the account's append order), a value date, an idempotency key and the SHA-256 of
//! the previous event.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::allocation::{AllocationPolicy, Component};
use crate::money::{Money, Rate};
use crate::schedule::LoanTerms;

/// How a skipped installment is absorbed (decisions §8).
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipMode {
    /// EMI unchanged; the skipped row's interest is capitalised; one row is added at the end.
    #[default]
    ExtendTenure,
    /// The skipped row's interest is capitalised and the remaining rows are re-amortised
    /// within the original maturity (higher EMI).
    CapitaliseReamortise,
}

/// Where an interest-only month's deferred principal goes (decisions §9).
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InterestOnlyMode {
    /// Keep the EMI and append one installment at the end.
    #[default]
    AppendInstallment,
    /// Re-amortise the balance over the remaining rows (maturity unchanged, higher EMI).
    Reamortise,
}

/// How a part payment re-amortises (decisions §10).
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartPaymentMode {
    /// Same number of remaining installments, lower EMI.
    ReduceEmi,
    /// Same EMI, fewer installments (the last one smaller).
    ReduceTenure,
}

/// How a floating-rate reset is absorbed.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RateChangeMode {
    /// Keep the EMI; the number of installments changes.
    KeepEmi,
    /// Keep the number of installments; the EMI changes.
    KeepTenure,
}

/// The foreclosure interest rule (decisions §1).
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case", deny_unknown_fields)]
pub enum ForeclosureRule {
    /// Interest on outstanding principal from the last due date to the settlement date,
    /// actual days / 365. The default.
    #[default]
    AccruedToDate,
    /// A percentage of the remaining scheduled interest of not-yet-due installments (the
    /// legacy rule, 80 %).
    PctOfRemainingScheduled {
        /// Percent, e.g. `"80"`.
        #[serde(with = "crate::money::decimal_str")]
        pct: Decimal,
    },
    /// One period's interest on the outstanding principal ("force close").
    OneMonthInterest,
}

/// Rules of one loan account, fixed at disbursement.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AccountPolicy {
    /// Payment allocation order and excess rule.
    pub allocation: AllocationPolicy,
    /// Default skip mode (an event may override it).
    pub skip_mode: SkipMode,
    /// Most skips over the loan's life.
    pub max_skips: u32,
    /// Where interest-only months' principal goes.
    pub interest_only_mode: InterestOnlyMode,
    /// Most interest-only months over the loan's life (legacy default 6).
    pub max_interest_only: u32,
    /// Foreclosure interest rule.
    pub foreclosure: ForeclosureRule,
    /// Prepayment charge on outstanding principal at foreclosure, percent (default 0).
    #[serde(with = "crate::money::decimal_str")]
    pub prepayment_charge_pct: Decimal,
    /// Smallest part payment accepted (currency units).
    pub min_part_payment: Money,
}

impl Default for AccountPolicy {
    fn default() -> Self {
        Self {
            allocation: AllocationPolicy::default(),
            skip_mode: SkipMode::default(),
            max_skips: 2,
            interest_only_mode: InterestOnlyMode::default(),
            max_interest_only: 6,
            foreclosure: ForeclosureRule::default(),
            prepayment_charge_pct: Decimal::ZERO,
            min_part_payment: Money::ZERO,
        }
    }
}

/// What happened.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum EventBody {
    /// The loan is disbursed on the terms (must be the first event).
    Disbursed {
        /// Loan identifier, e.g. `LN2026000129`.
        loan_id: String,
        /// The terms the schedule is generated from.
        terms: Box<LoanTerms>,
        /// Account rules.
        #[serde(default)]
        policy: AccountPolicy,
        /// Guarantor member codes (released on every closure).
        #[serde(default)]
        guarantors: Vec<String>,
    },
    /// Money received from the member, allocated by the account's policy.
    PaymentReceived {
        /// Amount received.
        amount: Money,
        /// An installment the payment targets, if any.
        #[serde(default)]
        installment: Option<u32>,
    },
    /// A fine levied, or re-amounted when the key already exists.
    FineLevied {
        /// Installment fined.
        installment: u32,
        /// Fine rule id.
        rule_id: String,
        /// Occurrence number (recurring fines).
        #[serde(default = "one")]
        occurrence: u32,
        /// Fine amount (the total, not an increment).
        amount: Money,
    },
    /// Part or all of a fine's balance waived.
    FineWaived {
        /// Installment of the fine.
        installment: u32,
        /// Fine rule id.
        rule_id: String,
        /// Occurrence number.
        #[serde(default = "one")]
        occurrence: u32,
        /// Amount waived.
        amount: Money,
        /// Why (required).
        reason: String,
    },
    /// A payment holiday on an installment nothing has been paid on.
    InstallmentSkipped {
        /// The installment skipped.
        installment: u32,
        /// Override of the account's skip mode.
        #[serde(default)]
        mode: Option<SkipMode>,
    },
    /// The installment's interest is paid and its principal deferred.
    InterestOnlyPayment {
        /// The installment.
        installment: u32,
        /// Exactly the installment's unpaid interest.
        amount: Money,
    },
    /// Principal prepaid after all dues are cleared; the schedule is re-amortised.
    PartPayment {
        /// Amount paid (accrued interest first, the rest principal).
        amount: Money,
        /// Lower EMI or fewer installments.
        mode: PartPaymentMode,
    },
    /// A payment undone as if it had never happened.
    PaymentReversed {
        /// Id of the payment event.
        event_id: String,
        /// Why (required).
        reason: String,
    },
    /// Floating-rate reset for installments due after the value date.
    RateChanged {
        /// New nominal rate, percent per annum.
        annual_rate: Rate,
        /// Keep the EMI or keep the tenure.
        mode: RateChangeMode,
    },
    /// Settlement of the whole loan for exactly the foreclosure quote of the value date.
    Foreclosed {
        /// The amount paid; must equal the quote.
        amount: Money,
    },
    /// The loan is closed into a new top-up loan; its due interest and fines are collected
    /// from the proceeds.
    ToppedUp {
        /// The new loan's id.
        new_loan_id: String,
    },
    /// Everything outstanding is written off.
    WrittenOff {
        /// Why (required).
        reason: String,
    },
    /// Interest or principal of an installment waived.
    Waiver {
        /// Installment.
        installment: u32,
        /// Interest or principal (fines use `fine_waived`).
        component: Component,
        /// Amount waived.
        amount: Money,
        /// Why (required).
        reason: String,
    },
}

fn one() -> u32 {
    1
}

/// One event of a loan account.
///
/// # Example
/// ```
/// let e: windeep_core::LoanEvent = serde_json::from_str(r#"{"id": "p1", "sequence": 2,
///     "value_date": "2026-02-05", "idempotency_key": "utr-1",
///     "body": {"type": "payment_received", "amount": "8884.88"}}"#).unwrap();
/// assert_eq!(e.sequence, 2);
/// ```
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoanEvent {
    /// Unique id of the event.
    pub id: String,
    /// Position in the account's append order (strictly increasing).
    pub sequence: u64,
    /// The date the event takes effect.
    #[serde(with = "crate::money::iso_date")]
    pub value_date: NaiveDate,
    /// Caller's key: applying the same key twice changes nothing.
    pub idempotency_key: String,
    /// SHA-256 (hex) of the canonical JSON of the previous event in sequence order; null or
    /// absent for the first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prev_hash: Option<String>,
    /// What happened.
    pub body: EventBody,
}

impl LoanEvent {
    /// SHA-256 (lower-case hex) of this event's canonical JSON: compact, keys sorted.
    ///
    /// # Example
    /// ```
    /// let e: windeep_core::LoanEvent = serde_json::from_str(r#"{"id": "w", "sequence": 9,
    ///     "value_date": "2026-02-05", "idempotency_key": "k",
    ///     "body": {"type": "written_off", "reason": "deceased"}}"#).unwrap();
    /// assert_eq!(e.hash().len(), 64);
    /// ```
    #[must_use]
    pub fn hash(&self) -> String {
        let canonical = serde_json::to_value(self)
            .map(|v| v.to_string())
            .unwrap_or_default();
        let digest = Sha256::digest(canonical.as_bytes());
        digest.iter().map(|b| format!("{b:02x}")).collect()
    }
}
