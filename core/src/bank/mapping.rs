//! Mapping a bank transaction to what it pays: one target (mapped) or several (split), and
//! reversing parts again. The result is plain instructions for the loan, savings and fine
//! books, each with an idempotency key, so applying a mapping twice is harmless.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{BankTransaction, Direction, check_id, positive_amount};
pub use crate::bank_line::MappingStatus;
use crate::decimal::{add, sub};
use crate::error::{CoreError, Result};
use crate::money::{Currency, Money};

/// What a part of a bank transaction pays.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Target {
    /// A loan payment: one installment, or the loan as a whole (its allocation decides).
    LoanPayment {
        /// The loan number.
        loan_id: String,
        /// The installment number, or null for the loan as a whole.
        #[serde(default)]
        installment: Option<u32>,
    },
    /// A deposit into a savings account.
    SavingsDeposit {
        /// The savings account number.
        account_no: String,
    },
    /// The payment of a fine.
    FinePayment {
        /// The fine's id.
        fine_id: String,
    },
    /// Anything else (a fee, a bank charge, an expense, a transfer between own accounts).
    Other {
        /// What it is, in the society's own words.
        category: String,
    },
}

impl Target {
    fn kind(&self) -> &'static str {
        match self {
            Self::LoanPayment { .. } => "loan_payment",
            Self::SavingsDeposit { .. } => "savings_deposit",
            Self::FinePayment { .. } => "fine_payment",
            Self::Other { .. } => "other",
        }
    }

    fn check(&self, direction: Direction) -> Result<()> {
        let id = match self {
            Self::LoanPayment { loan_id, .. } => ("loan_id", loan_id),
            Self::SavingsDeposit { account_no } => ("account_no", account_no),
            Self::FinePayment { fine_id } => ("fine_id", fine_id),
            Self::Other { category } => ("category", category),
        };
        check_id(id.1, id.0)?;
        if direction == Direction::Debit && !matches!(self, Self::Other { .. }) {
            return Err(CoreError::MappingDirection {
                kind: self.kind().to_owned(),
            });
        }
        Ok(())
    }
}

/// A new part of a mapping: a target and the amount it receives.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartInput {
    /// What it pays.
    pub target: Target,
    /// How much of the bank amount, positive.
    pub amount: Money,
}

/// One part of a mapping, as recorded.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MappingPart {
    /// The part number: 1, 2, … in the order parts were created, never reused.
    pub part: u32,
    /// What it pays.
    pub target: Target,
    /// How much.
    pub amount: Money,
    /// `<account_id>/<transaction key>/<part>`: the key the books use to apply it once.
    pub idempotency_key: String,
    /// True once the part has been unmapped.
    #[serde(default)]
    pub reversed: bool,
}

/// The mapping of one bank transaction: its parts (active and reversed) and status.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    /// The society's bank account.
    pub account_id: String,
    /// The transaction (its key, date, direction and amount are what matter here).
    pub transaction: BankTransaction,
    /// The status; derived from the parts. Optional on input (checked when given).
    #[serde(default)]
    pub status: Option<MappingStatus>,
    /// Every part ever created, reversed ones included.
    #[serde(default)]
    pub parts: Vec<MappingPart>,
    /// Why the transaction is ignored (status `ignored`).
    #[serde(default)]
    pub ignored_reason: Option<String>,
}

/// Whether an event applies a part or reverses it.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventAction {
    /// Post the payment / deposit / fine payment.
    Apply,
    /// Undo the earlier event with the same part.
    Reverse,
}

/// An instruction for the loan, savings or fine books.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MappingEvent {
    /// Apply once: `<account>/<transaction key>/<part>`, with `/reverse` for a reversal.
    pub idempotency_key: String,
    /// Apply or reverse.
    pub action: EventAction,
    /// What it pays (flattened: `kind` and its fields).
    #[serde(flatten)]
    pub target: Target,
    /// The amount.
    pub amount: Money,
    /// The bank's transaction date.
    #[serde(with = "crate::money::iso_date")]
    pub date: NaiveDate,
    /// The bank's value date, when known.
    #[serde(with = "super::opt_date")]
    #[cfg_attr(feature = "schemars", schemars(with = "crate::wire::schema::OptDate"))]
    pub value_date: Option<NaiveDate>,
    /// The bank account.
    pub account_id: String,
    /// The bank transaction's key.
    pub transaction_key: String,
    /// The part number.
    pub part: u32,
}

/// A mapping after an operation, and the events to post.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MappingOutcome {
    /// The new state of the mapping.
    pub mapping: Mapping,
    /// What to post, in part order.
    pub events: Vec<MappingEvent>,
}

fn idempotency_key(account_id: &str, transaction_key: &str, part: u32) -> String {
    format!("{account_id}/{transaction_key}/{part}")
}

impl Mapping {
    /// A fresh, unmapped mapping of a transaction.
    #[must_use]
    pub fn new(account_id: &str, transaction: BankTransaction) -> Self {
        Self {
            account_id: account_id.to_owned(),
            transaction,
            status: Some(MappingStatus::Unmapped),
            parts: Vec::new(),
            ignored_reason: None,
        }
    }

    /// The total of the active parts.
    ///
    /// # Errors
    /// `E_OVERFLOW`.
    pub fn mapped_amount(&self) -> Result<Decimal> {
        self.parts
            .iter()
            .filter(|p| !p.reversed)
            .try_fold(Decimal::ZERO, |acc, p| {
                add(acc, p.amount.value(), "mapped amount")
            })
    }

    /// The status that follows from the parts.
    ///
    /// # Errors
    /// `E_OVERFLOW`.
    pub fn derived_status(&self) -> Result<MappingStatus> {
        if self.ignored_reason.is_some() {
            return Ok(MappingStatus::Ignored);
        }
        let active = self.parts.iter().filter(|p| !p.reversed).count();
        let mapped = self.mapped_amount()?;
        Ok(match active {
            0 => MappingStatus::Unmapped,
            _ if mapped < self.transaction.amount.value() => MappingStatus::Partial,
            1 => MappingStatus::Mapped,
            _ => MappingStatus::Split,
        })
    }

    /// Checks a mapping given as input and returns it with amounts padded and its status set.
    ///
    /// # Errors
    /// `E_INVALID_MAPPING` when a part number, idempotency key, status or total does not
    /// follow from the content; the transaction's and parts' own amount and id errors.
    pub fn checked(mut self, currency: &Currency) -> Result<Self> {
        check_id(&self.account_id, "account_id")?;
        self.transaction = self.transaction.checked(currency)?;
        let invalid = |reason: String| Err(CoreError::InvalidMapping { reason });
        for (i, p) in self.parts.iter_mut().enumerate() {
            let want = u32::try_from(i).ok().and_then(|i| i.checked_add(1));
            if want != Some(p.part) {
                return invalid(format!("part {} is listed in position {}", p.part, i + 1));
            }
            p.amount = positive_amount(p.amount, currency, "part amount")?;
            p.target
                .check(self.transaction.direction)
                .map_err(|e| match e {
                    CoreError::MappingDirection { kind } => CoreError::InvalidMapping {
                        reason: format!("part {} pays a {kind} from a debit", p.part),
                    },
                    other => other,
                })?;
            let key = idempotency_key(&self.account_id, &self.transaction.key, p.part);
            if p.idempotency_key != key {
                return invalid(format!(
                    "part {} has idempotency key {:?}, expected {key:?}",
                    p.part, p.idempotency_key
                ));
            }
        }
        if let Some(reason) = &self.ignored_reason {
            if reason.trim().is_empty() {
                return invalid("an ignored transaction needs a reason".to_owned());
            }
            if self.parts.iter().any(|p| !p.reversed) {
                return invalid("an ignored transaction has active parts".to_owned());
            }
        }
        if self.mapped_amount()? > self.transaction.amount.value() {
            return invalid(format!(
                "the active parts total {} but the transaction is {}",
                self.mapped_amount()?,
                self.transaction.amount
            ));
        }
        let derived = self.derived_status()?;
        if let Some(given) = self.status
            && given != derived
        {
            return invalid(format!(
                "status {given:?} does not follow from the parts ({derived:?})"
            ));
        }
        self.status = Some(derived);
        Ok(self)
    }

    fn event(&self, part: &MappingPart, action: EventAction) -> MappingEvent {
        let idempotency_key = match action {
            EventAction::Apply => part.idempotency_key.clone(),
            EventAction::Reverse => format!("{}/reverse", part.idempotency_key),
        };
        MappingEvent {
            idempotency_key,
            action,
            target: part.target.clone(),
            amount: part.amount,
            date: self.transaction.date,
            value_date: self.transaction.value_date,
            account_id: self.account_id.clone(),
            transaction_key: self.transaction.key.clone(),
            part: part.part,
        }
    }
}

/// Maps the not-yet-mapped amount of a transaction to one or more targets. The new parts must
/// add up exactly to the transaction amount less its active parts: a fresh transaction is
/// mapped whole (status `mapped` for one part, `split` for several), a `partial` one is
/// completed.
///
/// # Errors
/// `E_MAPPING_CONFLICT` for an ignored transaction; `E_MAPPING_DIRECTION` for a loan, savings
/// or fine target on a debit; `E_SPLIT_NOT_BALANCED` when the parts do not add up exactly (or
/// there are none); amount and id errors of the parts; [`Mapping::checked`]'s errors.
///
/// # Example
/// ```
/// use windeep_core::bank::{split, BankTransaction, Direction, Mapping, MappingStatus, PartInput, Target};
/// use windeep_core::{Currency, parse_date};
/// let txn = BankTransaction { key: "utr:601512345678".into(), date: parse_date("2026-01-05").unwrap(),
///     value_date: None, direction: Direction::Credit, amount: "5000".parse().unwrap(),
///     narration: String::new(), reference: None, balance: None, utr: None, channel: None };
/// let parts = vec![
///     PartInput { target: Target::LoanPayment { loan_id: "LN2026000001".into(), installment: Some(3) },
///                 amount: "3500".parse().unwrap() },
///     PartInput { target: Target::SavingsDeposit { account_no: "SAV2025000120".into() },
///                 amount: "1500".parse().unwrap() },
/// ];
/// let out = split(Mapping::new("SBI-1", txn), &parts, &Currency::inr()).unwrap();
/// assert_eq!(out.mapping.status, Some(MappingStatus::Split));
/// assert_eq!(out.events[1].idempotency_key, "SBI-1/utr:601512345678/2");
/// ```
pub fn split(mapping: Mapping, parts: &[PartInput], currency: &Currency) -> Result<MappingOutcome> {
    let mut mapping = mapping.checked(currency)?;
    if mapping.ignored_reason.is_some() {
        return Err(CoreError::MappingConflict {
            reason: "the transaction is ignored; unmap it first".to_owned(),
        });
    }
    let available = sub(
        mapping.transaction.amount.value(),
        mapping.mapped_amount()?,
        "split",
    )?;
    let mut total = Decimal::ZERO;
    let mut checked = Vec::with_capacity(parts.len());
    for p in parts {
        let amount = positive_amount(p.amount, currency, "part amount")?;
        p.target.check(mapping.transaction.direction)?;
        total = add(total, amount.value(), "split")?;
        checked.push((p.target.clone(), amount));
    }
    if parts.is_empty() || total != available {
        return Err(CoreError::SplitNotBalanced {
            parts: crate::decimal::pad(total, currency.minor_units()).to_string(),
            available: crate::decimal::pad(available, currency.minor_units()).to_string(),
        });
    }
    let mut events = Vec::with_capacity(checked.len());
    for (target, amount) in checked {
        let number = u32::try_from(mapping.parts.len())
            .ok()
            .and_then(|n| n.checked_add(1))
            .ok_or(CoreError::Overflow {
                context: "part number",
            })?;
        let part = MappingPart {
            part: number,
            target,
            amount,
            idempotency_key: idempotency_key(&mapping.account_id, &mapping.transaction.key, number),
            reversed: false,
        };
        events.push(mapping.event(&part, EventAction::Apply));
        mapping.parts.push(part);
    }
    mapping.status = Some(mapping.derived_status()?);
    Ok(MappingOutcome { mapping, events })
}

/// Unmaps parts of a transaction (the listed part numbers, or every active part when `parts`
/// is None) and returns the reversing events; on an ignored transaction (with `parts` None) it
/// restores it to `unmapped`.
///
/// # Errors
/// `E_MAPPING_CONFLICT` for a part that does not exist or is already reversed, or when there is
/// nothing to unmap; [`Mapping::checked`]'s errors.
pub fn unmap(
    mapping: Mapping,
    parts: Option<&[u32]>,
    currency: &Currency,
) -> Result<MappingOutcome> {
    let mut mapping = mapping.checked(currency)?;
    let conflict = |reason: String| Err(CoreError::MappingConflict { reason });
    if mapping.ignored_reason.is_some() {
        if parts.is_some_and(|p| !p.is_empty()) {
            return conflict("an ignored transaction has no parts to unmap".to_owned());
        }
        mapping.ignored_reason = None;
        mapping.status = Some(mapping.derived_status()?);
        return Ok(MappingOutcome {
            mapping,
            events: Vec::new(),
        });
    }
    let numbers: Vec<u32> = match parts {
        Some(list) => {
            let mut sorted = list.to_vec();
            sorted.sort_unstable();
            if sorted.windows(2).any(|w| w.first() == w.get(1)) {
                return conflict("a part is listed twice".to_owned());
            }
            sorted
        }
        None => mapping
            .parts
            .iter()
            .filter(|p| !p.reversed)
            .map(|p| p.part)
            .collect(),
    };
    if numbers.is_empty() {
        return conflict("the transaction has no active part to unmap".to_owned());
    }
    let mut events = Vec::with_capacity(numbers.len());
    for n in numbers {
        let Some(part) = mapping.parts.iter_mut().find(|p| p.part == n) else {
            return conflict(format!("the transaction has no part {n}"));
        };
        if part.reversed {
            return conflict(format!("part {n} is already unmapped"));
        }
        part.reversed = true;
        let part = part.clone();
        events.push(mapping.event(&part, EventAction::Reverse));
    }
    mapping.status = Some(mapping.derived_status()?);
    Ok(MappingOutcome { mapping, events })
}

/// Sets a transaction aside (status `ignored`) with a reason: a bank charge, a transfer between
/// the society's own accounts, a payment that is not the society's. Nothing is posted.
///
/// # Errors
/// `E_MAPPING_CONFLICT` when it has active parts or is already ignored; `E_INVALID_INPUT` for
/// an empty reason; [`Mapping::checked`]'s errors.
pub fn ignore(mapping: Mapping, reason: &str, currency: &Currency) -> Result<MappingOutcome> {
    let mut mapping = mapping.checked(currency)?;
    if reason.trim().is_empty() {
        return Err(CoreError::InvalidInput {
            reason: "ignoring a transaction needs a reason".to_owned(),
        });
    }
    match mapping.status {
        Some(MappingStatus::Ignored) => {
            return Err(CoreError::MappingConflict {
                reason: "the transaction is already ignored".to_owned(),
            });
        }
        Some(MappingStatus::Unmapped) => {}
        _ => {
            return Err(CoreError::MappingConflict {
                reason: "the transaction has active parts; unmap them first".to_owned(),
            });
        }
    }
    mapping.ignored_reason = Some(reason.to_owned());
    mapping.status = Some(MappingStatus::Ignored);
    Ok(MappingOutcome {
        mapping,
        events: Vec::new(),
    })
}
