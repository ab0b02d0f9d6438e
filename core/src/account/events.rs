//! Loan events: the only input of a loan account. Each carries an id, a sequence number (its
//! place in the account's append order), a value date, an idempotency key and the SHA-256 of
//! the previous event.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

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
#[serde(
    tag = "rule",
    rename_all = "snake_case",
    deny_unknown_fields,
    try_from = "StrictForeclosureRule"
)]
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

/// The foreclosure rule as written, read strictly: serde lets an internally tagged unit
/// variant (`{"rule": "one_month_interest", "extra": 1}`) carry unknown fields, so the rule is
/// read through this struct, which names every field any rule may have.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StrictForeclosureRule {
    rule: String,
    #[serde(default, with = "crate::money::decimal_str_opt")]
    pct: Option<Decimal>,
}

impl TryFrom<StrictForeclosureRule> for ForeclosureRule {
    type Error = String;
    fn try_from(raw: StrictForeclosureRule) -> Result<Self, String> {
        let rule = match (raw.rule.as_str(), raw.pct) {
            ("accrued_to_date", None) => Self::AccruedToDate,
            ("one_month_interest", None) => Self::OneMonthInterest,
            ("pct_of_remaining_scheduled", Some(pct)) => Self::PctOfRemainingScheduled { pct },
            ("pct_of_remaining_scheduled", None) => {
                return Err("missing field `pct`".to_owned());
            }
            ("accrued_to_date" | "one_month_interest", Some(_)) => {
                return Err(format!("unknown field `pct` for the rule {:?}", raw.rule));
            }
            (other, _) => {
                return Err(format!(
                    "unknown variant `{other}`, expected one of `accrued_to_date`, \
                     `pct_of_remaining_scheduled`, `one_month_interest`"
                ));
            }
        };
        Ok(rule)
    }
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
    /// A floating-rate loan from disbursement (the product's term). A loan also becomes
    /// floating with its first `rate_changed`. A floating loan to an individual carries no
    /// foreclosure or prepayment charge.
    #[serde(skip_serializing_if = "is_false")]
    pub floating: bool,
    /// Top-up: fewest installments the parent must have fully paid (legacy
    /// `topup_min_emis_paid`, default 6).
    #[serde(skip_serializing_if = "is_six")]
    pub topup_min_emis_paid: u32,
    /// Top-up: most installments the parent may have past due (legacy `topup_max_overdue`,
    /// default 0).
    #[serde(skip_serializing_if = "is_zero")]
    pub topup_max_overdue: u32,
    /// Days past due after which the loan is NPA (default 90; the classification policy's
    /// `npa_after_days`).
    #[serde(skip_serializing_if = "is_ninety")]
    pub npa_after_days: u32,
    /// Months of satisfactory performance after a restructure, from the first payment under
    /// the new terms, before the loan can be upgraded (default 12).
    #[serde(skip_serializing_if = "is_twelve")]
    pub restructure_observation_months: u32,
}

// Defaults are left out of the serialised policy, so an event's hash does not change with
// fields added after it was written.
#[allow(clippy::trivially_copy_pass_by_ref)]
fn is_false(v: &bool) -> bool {
    !*v
}
#[allow(clippy::trivially_copy_pass_by_ref)]
fn is_six(v: &u32) -> bool {
    *v == 6
}
#[allow(clippy::trivially_copy_pass_by_ref)]
fn is_zero(v: &u32) -> bool {
    *v == 0
}
#[allow(clippy::trivially_copy_pass_by_ref)]
fn is_ninety(v: &u32) -> bool {
    *v == crate::dpd::DPD_BANDS.npa_after_days
}
#[allow(clippy::trivially_copy_pass_by_ref)]
fn is_twelve(v: &u32) -> bool {
    *v == 12
}

impl AccountPolicy {
    /// Checks the policy's ranges: every percentage (`prepayment_charge_pct`, the foreclosure
    /// rule's `pct`) within 0..=100.
    ///
    /// # Errors
    /// `E_PERCENT_OUT_OF_RANGE` naming the field.
    ///
    /// # Example
    /// ```
    /// let p: windeep_core::account::AccountPolicy =
    ///     serde_json::from_str(r#"{"prepayment_charge_pct": "101"}"#).unwrap();
    /// assert_eq!(p.validate().unwrap_err().code(), "E_PERCENT_OUT_OF_RANGE");
    /// ```
    pub fn validate(&self) -> crate::error::Result<()> {
        let hundred = Decimal::ONE_HUNDRED;
        let check = |field: &'static str, v: Decimal| {
            if v < Decimal::ZERO || v > hundred {
                Err(crate::error::CoreError::PercentOutOfRange {
                    field,
                    value: v.to_string(),
                })
            } else {
                Ok(())
            }
        };
        check("policy.prepayment_charge_pct", self.prepayment_charge_pct)?;
        if let ForeclosureRule::PctOfRemainingScheduled { pct } = self.foreclosure {
            check("policy.foreclosure.pct", pct)?;
        }
        Ok(())
    }
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
            floating: false,
            topup_min_emis_paid: 6,
            topup_max_overdue: 0,
            npa_after_days: crate::dpd::DPD_BANDS.npa_after_days,
            restructure_observation_months: 12,
        }
    }
}

/// How a loan payment's money came in (decisions, revised: part of every loan payment). It
/// selects the funds account the payment is posted to, so the cash book and the bank book
/// reconcile separately: `cash` → the `cash` role; `bank`, `upi`, `cheque`, `nach` → the `bank`
/// role; `adjustment` (no money moved: an internal transfer to be journalised) → the
/// `adjustment_clearing` role.
///
/// # Example
/// ```
/// use windeep_core::account::PaymentMode;
/// let m: PaymentMode = serde_json::from_str("\"upi\"").unwrap();
/// assert_eq!(m, PaymentMode::Upi);
/// ```
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMode {
    /// Cash at the counter.
    Cash,
    /// A bank transfer (NEFT, RTGS, IMPS).
    Bank,
    /// A UPI payment (credited to the bank account).
    Upi,
    /// A cheque (credited to the bank account).
    Cheque,
    /// A NACH mandate debit (credited to the bank account).
    Nach,
    /// A book adjustment: no money moved.
    Adjustment,
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
        /// Guarantor member codes (released on repayment, foreclosure, top-up and settlement;
        /// never on write-off).
        #[serde(default)]
        guarantors: Vec<String>,
        /// The bank statement line (`BankTransaction` id) that paid the net disbursement out,
        /// if any (the bank reconciliation of `check_books` matches the entry to it).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        bank_transaction: Option<String>,
    },
    /// Money received from the member, allocated by the account's policy.
    PaymentReceived {
        /// Amount received.
        amount: Money,
        /// An installment the payment targets, if any.
        #[serde(default)]
        installment: Option<u32>,
        /// How the money came in (selects the funds account of the posting); none: the books'
        /// `loan_funds` (docs/books.md).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        payment_mode: Option<PaymentMode>,
        /// The bank statement line (`BankTransaction` id) the money came from, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        bank_transaction: Option<String>,
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
        /// The reason of an explicit restructure: required when the installment is already
        /// past due or the loan is SMA/NPA (`E_RESTRUCTURE_REQUIRED` otherwise).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        restructure: Option<String>,
    },
    /// The installment's interest is paid and its principal deferred.
    InterestOnlyPayment {
        /// The installment.
        installment: u32,
        /// Exactly the installment's unpaid interest.
        amount: Money,
        /// The reason of an explicit restructure: required when the installment is already
        /// past due or the loan is SMA/NPA (`E_RESTRUCTURE_REQUIRED` otherwise).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        restructure: Option<String>,
        /// How the money came in (selects the funds account of the posting); none: the books'
        /// `loan_funds` (docs/books.md).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        payment_mode: Option<PaymentMode>,
        /// The bank statement line (`BankTransaction` id) the money came from, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        bank_transaction: Option<String>,
    },
    /// Principal prepaid after all dues are cleared; the schedule is re-amortised.
    PartPayment {
        /// Amount paid (accrued interest first, the rest principal).
        amount: Money,
        /// Lower EMI or fewer installments.
        mode: PartPaymentMode,
        /// How the money came in (selects the funds account of the posting); none: the books'
        /// `loan_funds` (docs/books.md).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        payment_mode: Option<PaymentMode>,
        /// The bank statement line (`BankTransaction` id) the money came from, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        bank_transaction: Option<String>,
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
    /// The installments due after the value date are rescheduled: their principal is
    /// re-amortised over a new number of installments (`tenure`) or at a new EMI (`emi`,
    /// installments until repaid, the last one smaller). Exactly one of the two is given. On
    /// a loan with anything past due (SMA/NPA) it needs `restructure` with a reason
    /// (`E_RESTRUCTURE_REQUIRED`) and flags the loan restructured.
    Rescheduled {
        /// The number of installments from the first one due after the value date.
        #[serde(default)]
        tenure: Option<u32>,
        /// The new EMI, currency units.
        #[serde(default)]
        emi: Option<Money>,
        /// The reason of an explicit restructure: required when the loan has anything past
        /// due (SMA/NPA).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        restructure: Option<String>,
    },
    /// Settlement of the whole loan for exactly the foreclosure quote of the value date.
    Foreclosed {
        /// The amount paid; must equal the quote.
        amount: Money,
        /// How the money came in (selects the funds account of the posting); none: the books'
        /// `loan_funds` (docs/books.md).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        payment_mode: Option<PaymentMode>,
        /// The bank statement line (`BankTransaction` id) the money came from, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        bank_transaction: Option<String>,
    },
    /// The loan is closed into a new top-up loan; its due interest and fines are collected
    /// from the proceeds.
    ToppedUp {
        /// The new loan's id.
        new_loan_id: String,
        /// The reason of an explicit restructure: needed to top up an NPA parent, and it
        /// lifts the `topup_max_overdue` limit (the parent is then flagged restructured).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        restructure: Option<String>,
    },
    /// Technical write-off: the loan leaves the books but the member still owes its dues
    /// (principal, interest due, fines); future interest is cancelled; guarantors stay bound.
    /// Later `payment_received` events are recoveries.
    WrittenOff {
        /// Why (required).
        reason: String,
    },
    /// Member credit applied to dues that have fallen due (on or before the value date),
    /// through the loan's allocation order; the daily job emits it (see `credit_events`).
    CreditApplied {
        /// Amount applied: at most the member credit and at most the dues due.
        amount: Money,
    },
    /// Member credit paid back to the member.
    CreditRefunded {
        /// Amount refunded: at most the member credit.
        amount: Money,
        /// Why (required).
        reason: String,
    },
    /// A compromise settlement of a written-off loan's claim: `amount` is received (a
    /// recovery) and the rest of the claim is waived; guarantors are released.
    Settled {
        /// Amount received under the compromise (0 < amount ≤ the claim still owed).
        amount: Money,
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
/// let e: windeep_core::account::LoanEvent = serde_json::from_str(r#"{"id": "p1", "sequence": 2,
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
    /// The previous event's `hash` (the event before it in stored order); null or absent for
    /// the first. See [`crate::account::verify_chain`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prev_hash: Option<String>,
    /// SHA-256 (lower-case hex) of this event's RFC 8785 canonical JSON as stored, without the
    /// `hash` member itself; optional for the fold, required by `verify_chain`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hash: Option<String>,
    /// What happened.
    pub body: EventBody,
}

impl crate::envelope::Envelope for LoanEvent {
    type Body = EventBody;
    fn id(&self) -> &str {
        &self.id
    }
    fn sequence(&self) -> u64 {
        self.sequence
    }
    fn idempotency_key(&self) -> &str {
        &self.idempotency_key
    }
    fn body(&self) -> &EventBody {
        &self.body
    }
}

impl LoanEvent {
    /// SHA-256 (lower-case hex) of this event's RFC 8785 canonical JSON, `hash` member left
    /// out: the value its `hash` must carry when it is stored as serialised.
    ///
    /// # Example
    /// ```
    /// let e: windeep_core::account::LoanEvent = serde_json::from_str(r#"{"id": "w", "sequence": 9,
    ///     "value_date": "2026-02-05", "idempotency_key": "k",
    ///     "body": {"type": "written_off", "reason": "deceased"}}"#).unwrap();
    /// assert_eq!(e.hash().len(), 64);
    /// ```
    #[must_use]
    pub fn hash(&self) -> String {
        super::StoredEvent::of(self).hash()
    }

    /// Links this event after `prev` (or as the first event with `None`) and seals it: sets
    /// `prev_hash` to `prev`'s hash and `hash` to its own.
    ///
    /// # Example
    /// ```
    /// let mut a: windeep_core::account::LoanEvent = serde_json::from_str(r#"{"id": "a", "sequence": 1,
    ///     "value_date": "2026-01-05", "idempotency_key": "a",
    ///     "body": {"type": "written_off", "reason": "test"}}"#).unwrap();
    /// a.seal(None);
    /// assert_eq!(a.hash.as_deref(), Some(a.hash().as_str()));
    /// ```
    pub fn seal(&mut self, prev: Option<&LoanEvent>) {
        self.prev_hash = prev.map(LoanEvent::hash);
        self.hash = None;
        self.hash = Some(self.hash());
    }
}
