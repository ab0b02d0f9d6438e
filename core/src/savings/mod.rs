//! Savings accounts: schemes, deposit schedules, deposits that pay dues oldest first,
//! withdrawals that never take a balance below zero, interest credits and bonus pools.
//!
//! Like a loan, a savings account is a fold over its events in (value date, sequence) order;
//! nothing is stored but the events. The exact rules are in `docs/books.md`.

mod bonus;
mod interest;

use std::borrow::Borrow;
use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub use crate::month::Month;
use crate::month::whole_months;
pub use bonus::{BonusMethod, BonusPart, BonusRecipient, BonusReport, distribute_bonus};
pub use interest::{InterestCredit, InterestMonth, InterestReport, savings_interest};

use crate::calendar::days_between;
use crate::envelope::{Admission, Admitted, admit_all};
use crate::error::{CoreError, Result};
use crate::fines::OverdueInstallment;
use crate::fines::{AccountType, FineAssessment, FineKey, FineRule, FineSnapshot, LeviedFine};
use crate::money::{Currency, Money, Rate, format_date};
use crate::rounding::RoundingPolicy;

/// The most months a deposit schedule (or an interest computation) covers: a century.
pub const MAX_SCHEDULE_MONTHS: usize = 1_200;

/// The balance a month's interest is computed on (decisions §15).
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InterestBalanceBasis {
    /// Interest on each day's end-of-day balance: a month's interest is
    /// `R(Σ end-of-day balances of its days × rate / 36500)` (actual/365, from the opening day in
    /// the first month). The default (decisions, revised §15).
    #[default]
    DailyProduct,
    /// The balance at the end of the month's last day (legacy).
    ClosingBalance,
    /// The lowest end-of-day balance of the month (from the opening day in the first month).
    MinimumBalance,
}

/// How often interest is credited.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CreditFrequency {
    /// At the end of every month. The default.
    #[default]
    Monthly,
    /// At the end of every calendar quarter (March, June, September, December).
    Quarterly,
}

/// Where money of a savings event comes from or goes to.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SavingsMode {
    /// Through the bank (transfer, UPI, cheque). The default.
    #[default]
    Bank,
    /// Cash in hand.
    Cash,
    /// A transfer from a loan's excess (`credit_to_savings`).
    Transfer,
}

/// A savings scheme.
///
/// # Example
/// ```
/// let s: windeep_core::savings::SavingsScheme = serde_json::from_str(r#"{"monthly_amount": "2000",
///     "due_day": 10, "annual_rate": "6"}"#).unwrap();
/// assert_eq!(s.duration_months, None);
/// ```
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SavingsScheme {
    /// The monthly deposit due, currency units, > 0.
    pub monthly_amount: Money,
    /// Day of month deposits fall due (1–31, clamped to the month's last day; default 1).
    #[serde(default = "first_day")]
    pub due_day: u32,
    /// Interest, percent per annum (default 0).
    #[serde(default)]
    pub annual_rate: Rate,
    /// The balance a month's interest is computed on.
    #[serde(default)]
    pub interest_basis: InterestBalanceBasis,
    /// How often interest is credited.
    #[serde(default)]
    pub credit_frequency: CreditFrequency,
    /// Number of monthly deposits; none for an open-ended scheme.
    #[serde(default)]
    pub duration_months: Option<u32>,
    /// Late-fine rules for the deposit schedule (`applies_to: savings`).
    #[serde(default)]
    pub fine_rules: Vec<FineRule>,
    /// Rounding of interest (default half-up to the minor unit).
    #[serde(default)]
    pub rounding: Option<RoundingPolicy>,
}

fn first_day() -> u32 {
    1
}

/// What happened to a savings account.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum SavingsBody {
    /// Money deposited; it pays the schedule's dues oldest first.
    Deposit {
        /// Amount, > 0.
        amount: Money,
        /// Bank (default), cash or a transfer from a loan's excess.
        #[serde(default)]
        mode: SavingsMode,
        /// A month the deposit is for: paid first, then every unpaid month up to it.
        #[serde(default)]
        month: Option<Month>,
    },
    /// Money withdrawn; never more than the balance.
    Withdrawal {
        /// Amount, > 0.
        amount: Money,
        /// Bank (default), cash or transfer.
        #[serde(default)]
        mode: SavingsMode,
    },
    /// Interest for a period, credited once.
    InterestCredited {
        /// The period's last month.
        period: Month,
        /// Amount, ≥ 0.
        amount: Money,
    },
    /// A share of a bonus pool.
    BonusCredited {
        /// The pool's id (credited once per account).
        bonus_id: String,
        /// Amount, > 0.
        amount: Money,
    },
    /// A late fine on a month's deposit, or its new amount.
    FineLevied {
        /// The month of the deposit fined.
        month: Month,
        /// The fine rule.
        rule_id: u32,
        /// Occurrence (recurring fines).
        #[serde(default = "one")]
        occurrence: u32,
        /// The fine's amount.
        amount: Money,
    },
    /// Fines paid, oldest first.
    FinePaid {
        /// Amount, > 0 and at most the fines due.
        amount: Money,
        /// Bank (default) or cash.
        #[serde(default)]
        mode: SavingsMode,
    },
    /// Part or all of a fine waived.
    FineWaived {
        /// The month of the fine.
        month: Month,
        /// The fine rule.
        rule_id: u32,
        /// Occurrence.
        #[serde(default = "one")]
        occurrence: u32,
        /// Amount.
        amount: Money,
        /// Why (required).
        reason: String,
    },
    /// A deposit, withdrawal or fine payment undone as if it had never happened.
    Reversed {
        /// The event reversed.
        event_id: String,
        /// Why (required).
        reason: String,
    },
}

fn one() -> u32 {
    1
}

/// One event of a savings account.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SavingsEvent {
    /// Unique id.
    pub id: String,
    /// Place in the account's append order.
    pub sequence: u64,
    /// When it takes effect.
    #[serde(with = "crate::money::iso_date")]
    pub value_date: NaiveDate,
    /// Applying the same key twice changes nothing.
    pub idempotency_key: String,
    /// What happened.
    pub body: SavingsBody,
}

impl crate::envelope::Envelope for SavingsEvent {
    type Body = SavingsBody;
    fn id(&self) -> &str {
        &self.id
    }
    fn sequence(&self) -> u64 {
        self.sequence
    }
    fn idempotency_key(&self) -> &str {
        &self.idempotency_key
    }
    fn body(&self) -> &SavingsBody {
        &self.body
    }
}

/// A savings account: its scheme and its events.
///
/// # Example
/// ```
/// let a: windeep_core::savings::SavingsAccount = serde_json::from_str(r#"{"account_id": "SAV1",
///     "member": "MEMB000001", "opened_on": "2026-01-01",
///     "scheme": {"monthly_amount": "2000"}}"#).unwrap();
/// assert!(a.events.is_empty());
/// ```
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SavingsAccount {
    /// The account id, e.g. `SAV2026000001`.
    pub account_id: String,
    /// The member.
    pub member: String,
    /// Opening date.
    #[serde(with = "crate::money::iso_date")]
    pub opened_on: NaiveDate,
    /// The scheme.
    pub scheme: SavingsScheme,
    /// Currency (default INR).
    #[serde(default)]
    pub currency: Currency,
    /// The events.
    #[serde(default)]
    pub events: Vec<SavingsEvent>,
    /// A balance stored elsewhere, to be checked against the events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cached_balance: Option<Money>,
}

#[derive(Debug, Clone)]
pub(crate) struct Row {
    pub(crate) month: Month,
    pub(crate) due_on: NaiveDate,
    pub(crate) due: i128,
    pub(crate) paid: i128,
    pub(crate) settled_on: Option<NaiveDate>,
}

#[derive(Debug, Clone)]
pub(crate) struct SFine {
    pub(crate) number: u32,
    pub(crate) rule_id: u32,
    pub(crate) occurrence: u32,
    pub(crate) amount: i128,
    pub(crate) paid: i128,
    pub(crate) waived: i128,
}

impl SFine {
    fn balance(&self) -> i128 {
        self.amount - self.paid - self.waived
    }
}

/// What one applied event did, in minor units.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Step {
    /// Change of the balance.
    pub(crate) balance: i128,
    /// Change of Σ fine amounts.
    pub(crate) fines_levied: i128,
    /// Fines paid.
    pub(crate) fines_paid: i128,
    /// Fines waived.
    pub(crate) fines_waived: i128,
    /// (month, amount) paid on the schedule.
    pub(crate) allocation: Vec<(Month, i128)>,
    /// Deposit not allocated to a month.
    pub(crate) advance: i128,
}

/// The fold state of one savings account.
#[derive(Debug, Clone)]
pub(crate) struct State {
    first_month: Month,
    maturity: Option<u32>,
    due_day: u32,
    monthly: i128,
    pub(crate) scale: u32,
    pub(crate) balance: i128,
    pub(crate) rows: Vec<Row>,
    pub(crate) fines: Vec<SFine>,
    credited: BTreeSet<Month>,
    bonuses: BTreeSet<String>,
    /// (date, balance change, is an interest credit) of every applied event, in fold order.
    pub(crate) timeline: Vec<(NaiveDate, i128, bool)>,
    pub(crate) deposited: i128,
    pub(crate) withdrawn: i128,
    pub(crate) interest: i128,
    pub(crate) bonus: i128,
    pub(crate) advance: i128,
}

fn invalid(reason: impl Into<String>) -> CoreError {
    CoreError::InvalidEvent {
        reason: reason.into(),
    }
}

impl SavingsAccount {
    /// Checks the account and its scheme.
    ///
    /// # Errors
    /// `E_INVALID_INPUT` for an empty id or member; `E_INVALID_POLICY` for a scheme out of
    /// range; `E_INVALID_FINE_RULE` for a fine rule that is not a savings rule;
    /// `E_INVALID_CURRENCY`, `E_INVALID_ROUNDING`.
    pub(crate) fn validate(&self) -> Result<()> {
        if self.account_id.trim().is_empty() || self.member.trim().is_empty() {
            return Err(CoreError::InvalidInput {
                reason: "a savings account needs an account_id and a member".to_owned(),
            });
        }
        self.currency.validate()?;
        let s = &self.scheme;
        if self.currency.minor(s.monthly_amount)? <= 0 {
            return Err(CoreError::InvalidPolicy {
                reason: "the monthly amount must be greater than zero".to_owned(),
            });
        }
        if !(1..=31).contains(&s.due_day) || s.duration_months == Some(0) {
            return Err(CoreError::InvalidPolicy {
                reason: "due_day is 1–31 and duration_months at least 1".to_owned(),
            });
        }
        if s.annual_rate.percent() < rust_decimal::Decimal::ZERO {
            return Err(CoreError::NegativeRate {
                value: s.annual_rate.to_string(),
            });
        }
        self.rounding().validate(&self.currency)?;
        for r in &s.fine_rules {
            if r.applies_to != AccountType::Savings {
                return Err(CoreError::InvalidFineRule {
                    rule_id: r.id,
                    reason: "a savings scheme's fine rule applies to savings".to_owned(),
                });
            }
        }
        Ok(())
    }

    pub(crate) fn rounding(&self) -> RoundingPolicy {
        self.scheme
            .rounding
            .unwrap_or_else(|| RoundingPolicy::minor_unit(&self.currency))
    }

    /// The due date of the first deposit: the due day of the opening month, or of the next
    /// month when that day is before the opening date.
    #[must_use]
    pub fn first_due_on(&self) -> NaiveDate {
        let m = Month::of(self.opened_on);
        let d = m.day(self.scheme.due_day);
        if d < self.opened_on {
            m.next().day(self.scheme.due_day)
        } else {
            d
        }
    }
}

impl State {
    fn new(account: &SavingsAccount) -> Result<Self> {
        account.validate()?;
        Ok(Self {
            first_month: Month::of(account.first_due_on()),
            maturity: account.scheme.duration_months,
            due_day: account.scheme.due_day,
            monthly: account.currency.minor(account.scheme.monthly_amount)?,
            scale: account.currency.minor_units(),
            balance: 0,
            rows: Vec::new(),
            fines: Vec::new(),
            credited: BTreeSet::new(),
            bonuses: BTreeSet::new(),
            timeline: Vec::new(),
            deposited: 0,
            withdrawn: 0,
            interest: 0,
            bonus: 0,
            advance: 0,
        })
    }

    /// The number of the row of `month` (1-based), if the schedule has it.
    pub(crate) fn row_number(&self, month: Month) -> Option<u32> {
        if month < self.first_month {
            return None;
        }
        let k = self.first_month.until(month).saturating_add(1);
        match self.maturity {
            Some(n) if k > n => None,
            _ => Some(k),
        }
    }

    /// Makes sure rows exist through `month` (or the maturity).
    ///
    /// # Errors
    /// `E_INVALID_INPUT` beyond [`MAX_SCHEDULE_MONTHS`] rows.
    pub(crate) fn extend_to(&mut self, month: Month) -> Result<()> {
        loop {
            let next = self
                .rows
                .last()
                .map_or(self.first_month, |r| r.month.next());
            if next > month || self.row_number(next).is_none() {
                return Ok(());
            }
            if self.rows.len() >= MAX_SCHEDULE_MONTHS {
                return Err(CoreError::InvalidInput {
                    reason: format!("a deposit schedule has at most {MAX_SCHEDULE_MONTHS} months"),
                });
            }
            self.rows.push(Row {
                month: next,
                due_on: next.day(self.due_day),
                due: self.monthly,
                paid: 0,
                settled_on: None,
            });
        }
    }

    fn money(&self, v: i128) -> Result<Money> {
        Money::from_minor(v, self.scale)
    }

    fn apply(&mut self, account: &SavingsAccount, e: &SavingsEvent) -> Result<Step> {
        let c = &account.currency;
        let positive = |m: Money, what: &str| -> Result<i128> {
            let v = c.minor(m)?;
            if v <= 0 {
                return Err(CoreError::InvalidAmount {
                    reason: format!("{what} must be greater than zero"),
                });
            }
            Ok(v)
        };
        let date = e.value_date;
        let mut step = Step::default();
        match &e.body {
            SavingsBody::Deposit { amount, month, .. } => {
                let amount = positive(*amount, "a deposit")?;
                let mut limit = Month::of(date);
                if let Some(m) = month {
                    if self.row_number(*m).is_none() {
                        return Err(if *m > self.first_month {
                            CoreError::UnknownInstallment {
                                installment: self.first_month.until(*m).saturating_add(1),
                            }
                        } else {
                            invalid(format!("{m} is before the first month of the schedule"))
                        });
                    }
                    limit = limit.max(*m);
                }
                self.extend_to(limit)?;
                let mut left = amount;
                let pay = |r: &mut Row, left: &mut i128, step: &mut Step| {
                    let take = (r.due - r.paid).min(*left);
                    if take > 0 {
                        r.paid += take;
                        *left -= take;
                        step.allocation.push((r.month, take));
                        if r.paid == r.due {
                            r.settled_on = Some(date);
                        }
                    }
                };
                if let Some(m) = month
                    && let Some(r) = self.rows.iter_mut().find(|r| r.month == *m)
                {
                    pay(r, &mut left, &mut step);
                }
                for r in self.rows.iter_mut().filter(|r| r.month <= limit) {
                    if left == 0 {
                        break;
                    }
                    pay(r, &mut left, &mut step);
                }
                step.advance = left;
                self.advance += left;
                self.deposited += amount;
                step.balance = amount;
            }
            SavingsBody::Withdrawal { amount, .. } => {
                let amount = positive(*amount, "a withdrawal")?;
                if amount > self.balance {
                    return Err(CoreError::InsufficientBalance {
                        account: account.account_id.clone(),
                        balance: self.money(self.balance)?.to_string(),
                        amount: self.money(amount)?.to_string(),
                        date: format_date(date),
                    });
                }
                self.withdrawn += amount;
                step.balance = -amount;
            }
            SavingsBody::InterestCredited { period, amount } => {
                let amount = c.minor(*amount)?;
                if amount < 0 {
                    return Err(CoreError::InvalidAmount {
                        reason: "an interest credit cannot be negative".to_owned(),
                    });
                }
                if date < period.last_day() || *period < Month::of(account.opened_on) {
                    return Err(invalid(format!(
                        "interest for {period} is credited on or after its last day, from the opening month"
                    )));
                }
                if !self.credited.insert(*period) {
                    return Err(invalid(format!(
                        "interest for {period} is already credited"
                    )));
                }
                self.interest += amount;
                step.balance = amount;
            }
            SavingsBody::BonusCredited { bonus_id, amount } => {
                let amount = positive(*amount, "a bonus")?;
                if bonus_id.trim().is_empty() || !self.bonuses.insert(bonus_id.clone()) {
                    return Err(invalid(format!(
                        "bonus {bonus_id:?} is blank or already credited to {}",
                        account.account_id
                    )));
                }
                self.bonus += amount;
                step.balance = amount;
            }
            SavingsBody::FineLevied {
                month,
                rule_id,
                occurrence,
                amount,
            } => {
                let number = self.row_number(*month).ok_or_else(|| {
                    invalid(format!("{month} is not a month of the deposit schedule"))
                })?;
                let amount = positive(*amount, "a fine")?;
                match self.fines.iter_mut().find(|f| {
                    f.number == number && f.rule_id == *rule_id && f.occurrence == *occurrence
                }) {
                    Some(f) => {
                        if amount < f.paid + f.waived {
                            return Err(CoreError::NotEligible {
                                reason:
                                    "a fine cannot be re-amounted below what is paid and waived"
                                        .to_owned(),
                            });
                        }
                        step.fines_levied = amount - f.amount;
                        f.amount = amount;
                    }
                    None => {
                        step.fines_levied = amount;
                        self.fines.push(SFine {
                            number,
                            rule_id: *rule_id,
                            occurrence: *occurrence,
                            amount,
                            paid: 0,
                            waived: 0,
                        });
                    }
                }
            }
            SavingsBody::FinePaid { amount, .. } => {
                let amount = positive(*amount, "a fine payment")?;
                let due: i128 = self.fines.iter().map(SFine::balance).sum();
                if amount > due {
                    return Err(CoreError::NotEligible {
                        reason: format!(
                            "a fine payment of {} exceeds the fines due {}",
                            self.money(amount)?,
                            self.money(due)?
                        ),
                    });
                }
                let mut order: Vec<usize> = (0..self.fines.len()).collect();
                order.sort_by_key(|&i| self.fines.get(i).map_or(0, |f| f.number));
                let mut left = amount;
                for i in order {
                    if let Some(f) = self.fines.get_mut(i) {
                        let take = f.balance().min(left);
                        f.paid += take;
                        left -= take;
                    }
                }
                step.fines_paid = amount;
            }
            SavingsBody::FineWaived {
                month,
                rule_id,
                occurrence,
                amount,
                reason,
            } => {
                require_reason(reason)?;
                let amount = positive(*amount, "a waiver")?;
                let number = self.row_number(*month).unwrap_or(0);
                let f = self
                    .fines
                    .iter_mut()
                    .find(|f| {
                        f.number == number && f.rule_id == *rule_id && f.occurrence == *occurrence
                    })
                    .ok_or_else(|| CoreError::NotEligible {
                        reason: "no such fine".to_owned(),
                    })?;
                if amount > f.balance() {
                    return Err(CoreError::NotEligible {
                        reason: "a waiver cannot exceed the fine's balance".to_owned(),
                    });
                }
                f.waived += amount;
                step.fines_waived = amount;
            }
            SavingsBody::Reversed { .. } => {}
        }
        self.balance += step.balance;
        if step.balance != 0 {
            let is_interest = matches!(e.body, SavingsBody::InterestCredited { .. });
            self.timeline.push((date, step.balance, is_interest));
        }
        Ok(step)
    }
}

fn require_reason(reason: &str) -> Result<()> {
    if reason.trim().is_empty() {
        Err(CoreError::NotEligible {
            reason: "a reason is required".to_owned(),
        })
    } else {
        Ok(())
    }
}

/// What applying one savings event did.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavingsOutcome {
    /// The event.
    pub event_id: String,
    /// `applied`, `duplicate`, `reversed` or `not_yet_effective`.
    pub result: String,
    /// For a duplicate: the event that used the key first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duplicate_of: Option<String>,
    /// For a deposit: the months it paid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allocation: Option<Vec<MonthPaid>>,
    /// For a deposit: what no month received (stays in the balance).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub advance: Option<Money>,
}

/// An amount paid on one month's deposit.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthPaid {
    /// The month.
    pub month: Month,
    /// The amount.
    pub amount: Money,
}

/// Observes a savings fold event by event (the books post from it).
pub(crate) trait SavingsObserver {
    fn applied(&mut self, event: &SavingsEvent, step: &Step) -> Result<()>;
}

fn reversible(body: &SavingsBody) -> bool {
    matches!(
        body,
        SavingsBody::Deposit { .. } | SavingsBody::Withdrawal { .. } | SavingsBody::FinePaid { .. }
    )
}

/// Folds the events dated on or before `as_of`.
pub(crate) fn fold<E: Borrow<SavingsEvent>>(
    account: &SavingsAccount,
    events: &[E],
    as_of: NaiveDate,
    mut observer: Option<&mut dyn SavingsObserver>,
) -> Result<(State, Vec<SavingsOutcome>)> {
    let mut state = State::new(account)?;
    let mut by_sequence: Vec<&SavingsEvent> = events.iter().map(Borrow::borrow).collect();
    by_sequence.sort_by_key(|e| e.sequence);
    let duplicate_of = admit_all(&by_sequence)?;
    if let Some(e) = by_sequence
        .iter()
        .find(|e| e.value_date < account.opened_on)
    {
        return Err(invalid(format!(
            "{} is dated before the account was opened",
            e.id
        )));
    }
    let by_id: HashMap<&str, &SavingsEvent> = if by_sequence
        .iter()
        .any(|e| matches!(e.body, SavingsBody::Reversed { .. }))
    {
        by_sequence.iter().map(|e| (e.id.as_str(), *e)).collect()
    } else {
        HashMap::new()
    };
    let mut reversed = HashSet::new();
    for e in &by_sequence {
        if let SavingsBody::Reversed { event_id, reason } = &e.body {
            if duplicate_of.contains_key(e.id.as_str()) || e.value_date > as_of {
                continue;
            }
            require_reason(reason)?;
            let target = *by_id
                .get(event_id.as_str())
                .ok_or_else(|| CoreError::UnknownEvent {
                    id: event_id.clone(),
                })?;
            if !reversible(&target.body)
                || target.sequence > e.sequence
                || target.value_date > e.value_date
            {
                return Err(invalid(format!(
                    "{} can only reverse an earlier deposit, withdrawal or fine payment",
                    e.id
                )));
            }
            if duplicate_of.contains_key(event_id.as_str()) {
                return Err(CoreError::InvalidReversal {
                    reason: format!(
                        "{} reverses {event_id:?}, a duplicate that never applied",
                        e.id
                    ),
                });
            }
            if !reversed.insert(event_id.as_str()) {
                return Err(CoreError::InvalidReversal {
                    reason: format!("{} reverses {event_id:?}, which is reversed already", e.id),
                });
            }
        }
    }
    let mut order = by_sequence;
    order.sort_by_key(|e| (e.value_date, e.sequence));
    let mut outcomes = Vec::with_capacity(order.len());
    for e in order {
        let mut outcome = SavingsOutcome {
            event_id: e.id.clone(),
            result: "applied".to_owned(),
            duplicate_of: None,
            allocation: None,
            advance: None,
        };
        if let Some(first) = duplicate_of.get(e.id.as_str()) {
            outcome.result = "duplicate".to_owned();
            outcome.duplicate_of = Some((*first).to_owned());
        } else if e.value_date > as_of {
            outcome.result = "not_yet_effective".to_owned();
        } else if reversed.contains(e.id.as_str()) {
            outcome.result = "reversed".to_owned();
        } else {
            let step = state.apply(account, e)?;
            if matches!(e.body, SavingsBody::Deposit { .. }) {
                outcome.allocation = Some(
                    step.allocation
                        .iter()
                        .map(|(month, v)| {
                            Ok(MonthPaid {
                                month: *month,
                                amount: state.money(*v)?,
                            })
                        })
                        .collect::<Result<_>>()?,
                );
                outcome.advance = Some(state.money(step.advance)?);
            }
            if let Some(o) = observer.as_deref_mut() {
                o.applied(e, &step)?;
            }
        }
        outcomes.push(outcome);
    }
    Ok((state, outcomes))
}

/// A savings account held in memory, kept current as events arrive (in order: applied in
/// place; a back-dated event or a reversal: re-folded).
pub(crate) struct SavingsLedger<'a> {
    account: &'a SavingsAccount,
    events: Vec<&'a SavingsEvent>,
    state: State,
    admission: Admission<'a, SavingsEvent>,
    last: Option<(NaiveDate, u64)>,
}

/// What [`SavingsLedger::push`] did.
pub(crate) enum Pushed {
    /// Applied in place.
    Applied,
    /// A duplicate: nothing changed.
    Duplicate,
    /// Re-folded: history changed.
    Refolded,
}

impl<'a> SavingsLedger<'a> {
    pub(crate) fn new(account: &'a SavingsAccount) -> Result<Self> {
        Ok(Self {
            account,
            events: Vec::new(),
            state: State::new(account)?,
            admission: Admission::with_capacity(0),
            last: None,
        })
    }

    pub(crate) fn events(&self) -> &[&'a SavingsEvent] {
        &self.events
    }

    /// Appends an event; an in-order event is applied in place and reported to `observer`.
    pub(crate) fn push(
        &mut self,
        e: &'a SavingsEvent,
        observer: &mut dyn SavingsObserver,
    ) -> Result<Pushed> {
        if let Admitted::Duplicate(_) = self.admission.admit(e)? {
            self.events.push(e);
            return Ok(Pushed::Duplicate);
        }
        let in_order = self.last.is_none_or(|l| (e.value_date, e.sequence) > l)
            && !matches!(e.body, SavingsBody::Reversed { .. })
            && e.value_date >= self.account.opened_on;
        self.events.push(e);
        self.last = Some(self.last.map_or((e.value_date, e.sequence), |l| {
            l.max((e.value_date, e.sequence))
        }));
        if in_order {
            let step = self.state.apply(self.account, e)?;
            observer.applied(e, &step)?;
            Ok(Pushed::Applied)
        } else {
            let date = self.last.map_or(e.value_date, |l| l.0);
            let (state, _) = fold(self.account, &self.events, date, None)?;
            self.state = state;
            Ok(Pushed::Refolded)
        }
    }
}

/// One month of the deposit schedule.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScheduleRow {
    /// Row number (1-based).
    pub number: u32,
    /// The month.
    pub month: Month,
    /// Due date.
    #[serde(with = "crate::money::iso_date")]
    pub due_on: NaiveDate,
    /// The deposit due.
    pub due: Money,
    /// Paid so far.
    pub paid: Money,
    /// Still unpaid.
    pub unpaid: Money,
    /// `paid`, `partial`, `overdue`, `due` or `upcoming`.
    pub status: String,
    /// When it was fully paid.
    #[serde(with = "crate::money::iso_date_opt")]
    pub settled_on: Option<NaiveDate>,
    /// Days late: settlement − due date when paid late, as_of − due date while overdue.
    pub days_late: i64,
}

/// One money movement of the passbook.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PassbookLine {
    /// The event.
    pub event_id: String,
    /// Value date.
    #[serde(with = "crate::money::iso_date")]
    pub date: NaiveDate,
    /// `deposit`, `withdrawal`, `interest_credited` or `bonus_credited`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Signed change of the balance.
    pub amount: Money,
    /// Balance after.
    pub balance: Money,
}

/// A fine on a savings account.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SavingsFineView {
    /// The month fined.
    pub month: Month,
    /// Rule id.
    pub rule_id: u32,
    /// Occurrence.
    pub occurrence: u32,
    /// Amount.
    pub amount: Money,
    /// Paid.
    pub paid: Money,
    /// Waived.
    pub waived: Money,
    /// Amount − paid − waived.
    pub balance: Money,
}

/// A savings account as of a date.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SavingsStatement {
    /// Account id.
    pub account_id: String,
    /// Member.
    pub member: String,
    /// Statement date.
    #[serde(with = "crate::money::iso_date")]
    pub as_of: NaiveDate,
    /// Balance.
    pub balance: Money,
    /// Σ deposits.
    pub total_deposited: Money,
    /// Σ withdrawals.
    pub total_withdrawn: Money,
    /// Σ interest credited.
    pub total_interest: Money,
    /// Σ bonuses credited.
    pub total_bonus: Money,
    /// Deposits no month received (an advance held in the balance).
    pub unallocated: Money,
    /// Σ unpaid of months due on or before the date.
    pub dues_unpaid: Money,
    /// Σ fine balances.
    pub fines_due: Money,
    /// The deposit schedule through the statement month (and any later month paid).
    pub schedule: Vec<ScheduleRow>,
    /// Money movements with the running balance.
    pub passbook: Vec<PassbookLine>,
    /// Fines.
    pub fines: Vec<SavingsFineView>,
    /// Late fines the scheme's rules call for as of the date (levy or re-amount).
    pub fine_assessments: Vec<FineAssessment>,
    /// What each event did.
    pub outcomes: Vec<SavingsOutcome>,
}

impl State {
    fn fine_snapshot(&self, account: &SavingsAccount, as_of: NaiveDate) -> Result<FineSnapshot> {
        let mut installments = Vec::new();
        for (i, r) in self.rows.iter().enumerate() {
            let number = u32::try_from(i + 1).unwrap_or(u32::MAX);
            if r.due_on >= as_of {
                continue;
            }
            let unpaid = r.due - r.paid;
            let fines: Vec<LeviedFine> = self
                .fines
                .iter()
                .filter(|f| f.number == number)
                .map(|f| {
                    Ok(LeviedFine {
                        key: FineKey {
                            loan_id: account.account_id.clone(),
                            installment: number,
                            rule_id: f.rule_id,
                            occurrence: f.occurrence,
                        },
                        amount: self.money(f.amount)?,
                        paid: self.money(f.paid)?,
                        waived: self.money(f.waived)?,
                    })
                })
                .collect::<Result<_>>()?;
            let settled = unpaid == 0;
            if !OverdueInstallment::belongs_in_snapshot(
                settled,
                r.due_on,
                r.settled_on,
                !fines.is_empty(),
            ) {
                continue;
            }
            installments.push(OverdueInstallment {
                number,
                due_on: r.due_on,
                unpaid_principal: self.money(unpaid)?,
                unpaid_interest: Money::from_minor(0, self.scale)?,
                settled_on: OverdueInstallment::settled_on_as_of(
                    settled,
                    r.due_on,
                    r.settled_on,
                    as_of,
                ),
                fines,
            });
        }
        Ok(FineSnapshot {
            loan_id: account.account_id.clone(),
            account_type: AccountType::Savings,
            product: None,
            currency: account.currency.clone(),
            rounding: account.scheme.rounding,
            installments,
        })
    }

    fn statement(
        mut self,
        account: &SavingsAccount,
        events: &[SavingsEvent],
        as_of: NaiveDate,
        outcomes: Vec<SavingsOutcome>,
    ) -> Result<SavingsStatement> {
        self.extend_to(Month::of(as_of))?;
        let m = |v: i128| Money::from_minor(v, self.scale);
        let mut schedule = Vec::new();
        let mut dues_unpaid = 0;
        for (i, r) in self.rows.iter().enumerate() {
            let unpaid = r.due - r.paid;
            if r.due_on <= as_of {
                dues_unpaid += unpaid;
            }
            let status = if unpaid == 0 {
                "paid"
            } else if r.due_on < as_of {
                "overdue"
            } else if r.paid > 0 {
                "partial"
            } else if r.due_on == as_of {
                "due"
            } else {
                "upcoming"
            };
            let days_late = match r.settled_on {
                Some(d) if unpaid == 0 => days_between(r.due_on, d).max(0),
                _ if r.due_on < as_of => days_between(r.due_on, as_of),
                _ => 0,
            };
            schedule.push(ScheduleRow {
                number: u32::try_from(i + 1).unwrap_or(u32::MAX),
                month: r.month,
                due_on: r.due_on,
                due: m(r.due)?,
                paid: m(r.paid)?,
                unpaid: m(unpaid)?,
                status: status.to_owned(),
                settled_on: if unpaid == 0 { r.settled_on } else { None },
                days_late,
            });
        }
        let by_id: HashMap<&str, &SavingsEvent> =
            events.iter().map(|e| (e.id.as_str(), e)).collect();
        let mut running = 0;
        let mut passbook = Vec::new();
        for o in outcomes.iter().filter(|o| o.result == "applied") {
            let Some(e) = by_id.get(o.event_id.as_str()) else {
                continue;
            };
            let (kind, amount) = match &e.body {
                SavingsBody::Deposit { amount, .. } => {
                    ("deposit", account.currency.minor(*amount)?)
                }
                SavingsBody::Withdrawal { amount, .. } => {
                    ("withdrawal", -account.currency.minor(*amount)?)
                }
                SavingsBody::InterestCredited { amount, .. } => {
                    ("interest_credited", account.currency.minor(*amount)?)
                }
                SavingsBody::BonusCredited { amount, .. } => {
                    ("bonus_credited", account.currency.minor(*amount)?)
                }
                _ => continue,
            };
            running += amount;
            passbook.push(PassbookLine {
                event_id: e.id.clone(),
                date: e.value_date,
                kind: kind.to_owned(),
                amount: m(amount)?,
                balance: m(running)?,
            });
        }
        let fines = self
            .fines
            .iter()
            .map(|f| {
                Ok(SavingsFineView {
                    month: self.first_month.plus(f.number.saturating_sub(1)),
                    rule_id: f.rule_id,
                    occurrence: f.occurrence,
                    amount: m(f.amount)?,
                    paid: m(f.paid)?,
                    waived: m(f.waived)?,
                    balance: m(f.balance())?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let fine_assessments = if account.scheme.fine_rules.is_empty() {
            Vec::new()
        } else {
            let snapshot = self.fine_snapshot(account, as_of)?;
            crate::fines::assess_fines(&snapshot, &account.scheme.fine_rules, as_of)?
        };
        Ok(SavingsStatement {
            account_id: account.account_id.clone(),
            member: account.member.clone(),
            as_of,
            balance: m(self.balance)?,
            total_deposited: m(self.deposited)?,
            total_withdrawn: m(self.withdrawn)?,
            total_interest: m(self.interest)?,
            total_bonus: m(self.bonus)?,
            unallocated: m(self.advance)?,
            dues_unpaid: m(dues_unpaid)?,
            fines_due: m(self.fines.iter().map(SFine::balance).sum())?,
            schedule,
            passbook,
            fines,
            fine_assessments,
            outcomes,
        })
    }
}

/// The statement of a savings account as of a date: balance, deposit schedule, passbook and
/// fines (the `savings_schedule` operation).
///
/// # Errors
/// `E_INVALID_EVENT`, `E_IDEMPOTENCY_CONFLICT`, `E_UNKNOWN_EVENT`, `E_INSUFFICIENT_BALANCE`,
/// `E_NOT_ELIGIBLE` and the amount errors of an event that does not fit; the scheme's errors.
///
/// # Example
/// ```
/// use windeep_core::{savings::SavingsAccount, parse_date, savings::savings_statement};
/// let a: SavingsAccount = serde_json::from_str(r#"{"account_id": "SAV1",
///     "member": "MEMB000001", "opened_on": "2026-01-01",
///     "scheme": {"monthly_amount": "2000", "due_day": 10},
///     "events": [{"id": "d1", "sequence": 1, "value_date": "2026-03-15",
///       "idempotency_key": "d1", "body": {"type": "deposit", "amount": "5000"}}]}"#).unwrap();
/// let s = savings_statement(&a, parse_date("2026-03-31").unwrap()).unwrap();
/// assert_eq!(s.schedule[2].unpaid.to_string(), "1000.00");
/// assert_eq!(s.balance.to_string(), "5000.00");
/// ```
pub fn savings_statement(account: &SavingsAccount, as_of: NaiveDate) -> Result<SavingsStatement> {
    if as_of < account.opened_on {
        return Err(CoreError::NotEligible {
            reason: "the date is before the account was opened".to_owned(),
        });
    }
    let (state, outcomes) = fold(account, &account.events, as_of, None)?;
    state.statement(account, &account.events, as_of, outcomes)
}

/// The balance of a savings account as of a date.
pub(crate) fn balance_on(account: &SavingsAccount, as_of: NaiveDate) -> Result<i128> {
    if as_of < account.opened_on {
        return Ok(0);
    }
    Ok(fold(account, &account.events, as_of, None)?.0.balance)
}

/// The result of appending an event to a savings account.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SavingsApplied {
    /// What the new event did.
    pub outcome: SavingsOutcome,
    /// The statement after it.
    pub statement: SavingsStatement,
}

/// Appends `event` and returns its outcome and the statement after it (the `savings_apply`
/// operation). A refused event leaves nothing changed: the error is returned.
///
/// # Errors
/// As [`savings_statement`].
pub fn savings_apply(
    account: &SavingsAccount,
    event: SavingsEvent,
    as_of: NaiveDate,
) -> Result<SavingsApplied> {
    let mut next = account.clone();
    let id = event.id.clone();
    next.events.push(event);
    let statement = savings_statement(&next, as_of)?;
    let outcome = statement
        .outcomes
        .iter()
        .find(|o| o.event_id == id)
        .cloned()
        .ok_or_else(|| invalid("the event is not in the statement"))?;
    Ok(SavingsApplied { outcome, statement })
}

/// What the loan approval checks read about a member's savings (`MemberFacts`).
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MemberSavings {
    /// The member.
    pub member: String,
    /// The date.
    #[serde(with = "crate::money::iso_date")]
    pub as_of: NaiveDate,
    /// Σ balances of the member's accounts opened on or before the date.
    pub savings_balance: Money,
    /// Whole months from the first opening to the date.
    pub savings_months: u32,
    /// The accounts counted.
    pub accounts: Vec<String>,
}

/// The savings figures of one member as of a date, in the shape the loan approval reads
/// (`member.savings_balance`, `member.savings_months`; the `member_savings` operation).
///
/// # Errors
/// As [`savings_statement`]; `E_INVALID_CURRENCY` when the accounts' currencies differ.
pub fn member_savings(
    accounts: &[SavingsAccount],
    member: &str,
    as_of: NaiveDate,
) -> Result<MemberSavings> {
    let mine: Vec<&SavingsAccount> = accounts
        .iter()
        .filter(|a| a.member == member && a.opened_on <= as_of)
        .collect();
    let mut total = 0;
    let mut scale = Currency::inr().minor_units();
    if let Some(first) = mine.first() {
        scale = first.currency.minor_units();
    }
    for a in &mine {
        if a.currency.minor_units() != scale {
            return Err(CoreError::InvalidCurrency {
                reason: "the member's accounts are in different currencies".to_owned(),
            });
        }
        total += balance_on(a, as_of)?;
    }
    let months = mine
        .iter()
        .map(|a| a.opened_on)
        .min()
        .map_or(0, |first| whole_months(first, as_of));
    Ok(MemberSavings {
        member: member.to_owned(),
        as_of,
        savings_balance: Money::from_minor(total, scale)?,
        savings_months: months,
        accounts: mine.iter().map(|a| a.account_id.clone()).collect(),
    })
}
