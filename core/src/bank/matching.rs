//! Suggestions of what a credit pays, each with a confidence and its reasons. Nothing is
//! applied here: a suggestion at or above the policy's confidence is offered as a ready
//! mapping (`auto_apply`), everything else waits for a person.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::mapping::{PartInput, Target};
use super::{BankTransaction, Direction, check_id, normalise_narration};
use crate::calendar::days_between;
use crate::error::{CoreError, Result};
use crate::money::{Currency, Money};

/// A member and the phone numbers they pay from.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Member {
    /// The member code (`MEMB000001`).
    pub code: String,
    /// Mobile numbers: 10 digits, optionally with `+91`, `91` or `0` in front.
    #[serde(default)]
    pub phones: Vec<String>,
}

/// An installment that is due (or nearly due) and unpaid.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DueInstallment {
    /// The installment number.
    pub installment: u32,
    /// Its due date.
    #[serde(with = "crate::money::iso_date")]
    pub due_on: NaiveDate,
    /// What is still due on it.
    pub amount: Money,
}

/// A loan that may receive payments.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Loan {
    /// The loan number (`LN2026000001`).
    pub loan_id: String,
    /// The borrower.
    #[serde(default)]
    pub member_code: Option<String>,
    /// Its unpaid installments.
    #[serde(default)]
    pub due: Vec<DueInstallment>,
}

/// A savings account that may receive deposits.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SavingsCandidate {
    /// The account number (`SAV2025000120`).
    pub account_no: String,
    /// The holder.
    #[serde(default)]
    pub member_code: Option<String>,
    /// The deposit due this period, if the scheme has one.
    #[serde(default)]
    pub deposit_due: Option<Money>,
}

/// An unpaid fine.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fine {
    /// The fine's id (`FIN-20260110-000001`).
    pub fine_id: String,
    /// The member who owes it.
    #[serde(default)]
    pub member_code: Option<String>,
    /// What is still due on it.
    pub amount: Money,
}

/// When a suggestion may be applied without a person, and how near a due date counts.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MatchPolicy {
    /// The lowest confidence (0–100) offered as `auto_apply`; default 95.
    pub auto_apply_min_confidence: u8,
    /// An installment counts as due near the transaction when its due date is at most this
    /// many days before or after it; default 7.
    pub date_window_days: u32,
}

impl Default for MatchPolicy {
    fn default() -> Self {
        Self {
            auto_apply_min_confidence: 95,
            date_window_days: 7,
        }
    }
}

/// The input of the `bank_match` operation.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatchInput {
    /// The transactions to suggest targets for (debits get none).
    pub transactions: Vec<BankTransaction>,
    /// Members.
    #[serde(default)]
    pub members: Vec<Member>,
    /// Loans.
    #[serde(default)]
    pub loans: Vec<Loan>,
    /// Savings accounts.
    #[serde(default)]
    pub savings_accounts: Vec<SavingsCandidate>,
    /// Unpaid fines.
    #[serde(default)]
    pub fines: Vec<Fine>,
    /// The policy.
    #[serde(default)]
    pub policy: MatchPolicy,
    /// The currency (INR by default).
    #[serde(default)]
    pub currency: Currency,
}

/// One suggested target for a whole transaction.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suggestion {
    /// What the transaction would pay.
    pub target: Target,
    /// The amount (the whole transaction).
    pub amount: Money,
    /// 0–99.
    pub confidence: u8,
    /// Why, in words.
    pub reasons: Vec<String>,
}

/// The suggestions for one transaction.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MatchResult {
    /// The transaction's key.
    pub key: String,
    /// Best first.
    pub suggestions: Vec<Suggestion>,
    /// The parts to pass to `bank_split` when the best suggestion reaches the policy's
    /// confidence and no other is as good; otherwise null.
    pub auto_apply: Option<Vec<PartInput>>,
}

const LOAN_NUMBER: u8 = 90;
const SAVINGS_NUMBER: u8 = 90;
const FINE_NUMBER: u8 = 90;
const MEMBER_CODE: u8 = 70;
const PHONE: u8 = 60;
const AMOUNT_BONUS: u8 = 8;
const AMOUNT_ONLY: u8 = 40;
const MAX_CONFIDENCE: u8 = 99;

/// The last 10 digits of a phone number as members write it, or None.
fn phone_digits(text: &str) -> Option<String> {
    let d: String = text.chars().filter(char::is_ascii_digit).collect();
    let ten = match d.len() {
        10 => d.as_str(),
        11 => d.strip_prefix('0')?,
        12 => d.strip_prefix("91")?,
        _ => return None,
    };
    Some(ten.to_owned())
}

/// Evidence that a narration names someone: a score and its reasons.
#[derive(Debug, Clone, Default)]
struct Evidence {
    score: u8,
    reasons: Vec<String>,
}

impl Evidence {
    fn add(&mut self, score: u8, reason: String) {
        self.score = self.score.max(score);
        self.reasons.push(reason);
    }

    fn merged(&self, other: Option<&Self>) -> Self {
        let mut e = self.clone();
        if let Some(o) = other {
            for r in &o.reasons {
                e.add(o.score, r.clone());
            }
        }
        e
    }
}

/// Checks identifiers and phone numbers once.
fn validate(input: &MatchInput) -> Result<()> {
    input.currency.validate()?;
    if input.policy.auto_apply_min_confidence > 100 {
        return Err(CoreError::InvalidPolicy {
            reason: "auto_apply_min_confidence must be between 0 and 100".to_owned(),
        });
    }
    let id = |v: &str, what: &str| -> Result<()> {
        check_id(v, what)?;
        if normalise_narration(v).is_empty() {
            return Err(CoreError::InvalidInput {
                reason: format!("{what} {v:?} needs at least one letter or digit"),
            });
        }
        Ok(())
    };
    for m in &input.members {
        id(&m.code, "member code")?;
        for p in &m.phones {
            if phone_digits(p).is_none() {
                return Err(CoreError::InvalidInput {
                    reason: format!("phone {p:?} of member {} is not a 10-digit number", m.code),
                });
            }
        }
    }
    for l in &input.loans {
        id(&l.loan_id, "loan_id")?;
        for d in &l.due {
            input.currency.amount(d.amount)?;
        }
    }
    for s in &input.savings_accounts {
        id(&s.account_no, "account_no")?;
        if let Some(a) = s.deposit_due {
            input.currency.amount(a)?;
        }
    }
    for f in &input.fines {
        id(&f.fine_id, "fine_id")?;
        input.currency.amount(f.amount)?;
    }
    Ok(())
}

/// Suggests targets for each transaction (see `docs/bank.md` for the scores).
///
/// # Errors
/// `E_INVALID_POLICY` for a confidence above 100; `E_INVALID_INPUT` for an empty identifier or
/// a phone that is not 10 digits; amount errors of the transactions, installments and fines.
pub fn suggest(input: &MatchInput) -> Result<Vec<MatchResult>> {
    validate(input)?;
    let mut results = Vec::with_capacity(input.transactions.len());
    for t in &input.transactions {
        let t = t.clone().checked(&input.currency)?;
        let suggestions = if t.direction == Direction::Credit {
            suggestions(&t, input)?
        } else {
            Vec::new()
        };
        let auto_apply = match suggestions.as_slice() {
            [best, rest @ ..]
                if best.confidence >= input.policy.auto_apply_min_confidence
                    && rest.first().is_none_or(|s| s.confidence < best.confidence) =>
            {
                Some(vec![PartInput {
                    target: best.target.clone(),
                    amount: best.amount,
                }])
            }
            _ => None,
        };
        results.push(MatchResult {
            key: t.key.clone(),
            suggestions,
            auto_apply,
        });
    }
    Ok(results)
}

fn suggestions(t: &BankTransaction, input: &MatchInput) -> Result<Vec<Suggestion>> {
    let narration = format!(" {} ", normalise_narration(&t.narration));
    let names = |id: &str| narration.contains(&format!(" {} ", normalise_narration(id)));
    let words: Vec<&str> = narration.split_whitespace().collect();
    // who the narration names
    let mut members: Vec<(&str, Evidence)> = Vec::new();
    for m in &input.members {
        let mut e = Evidence::default();
        if names(&m.code) {
            e.add(
                MEMBER_CODE,
                format!("member code {} in the narration", m.code),
            );
        }
        for p in &m.phones {
            let Some(ten) = phone_digits(p) else { continue };
            let hit = words.iter().any(|w| {
                *w == ten
                    || w.strip_prefix("91") == Some(ten.as_str())
                    || w.strip_prefix('0') == Some(ten.as_str())
            });
            if hit {
                e.add(
                    PHONE,
                    format!("phone {ten} of member {} in the narration", m.code),
                );
            }
        }
        if e.score > 0 {
            members.push((m.code.as_str(), e));
        }
    }
    let member = |code: &Option<String>| -> Option<&Evidence> {
        let code = code.as_deref()?;
        members.iter().find(|(c, _)| *c == code).map(|(_, e)| e)
    };
    let amount = t.amount;
    let mut out = Vec::new();
    let mut push = |target: Target, identity: &Evidence, amount_reason: Option<String>| {
        let confidence = match (identity.score, &amount_reason) {
            (0, Some(_)) => AMOUNT_ONLY,
            (0, None) => return,
            (s, Some(_)) => s.saturating_add(AMOUNT_BONUS).min(MAX_CONFIDENCE),
            (s, None) => s,
        };
        let mut reasons = identity.reasons.clone();
        reasons.extend(amount_reason);
        out.push(Suggestion {
            target,
            amount,
            confidence,
            reasons,
        });
    };
    for l in &input.loans {
        let mut own = Evidence::default();
        if names(&l.loan_id) {
            own.add(
                LOAN_NUMBER,
                format!("loan number {} in the narration", l.loan_id),
            );
        }
        let identity = own.merged(member(&l.member_code));
        let mut matched = false;
        for d in &l.due {
            let near = days_between(d.due_on, t.date).unsigned_abs()
                <= u64::from(input.policy.date_window_days);
            if near && d.amount.value() == amount.value() {
                matched = true;
                push(
                    Target::LoanPayment {
                        loan_id: l.loan_id.clone(),
                        installment: Some(d.installment),
                    },
                    &identity,
                    Some(format!(
                        "amount equals installment {} due {}",
                        d.installment, d.due_on
                    )),
                );
            }
        }
        if !matched {
            push(
                Target::LoanPayment {
                    loan_id: l.loan_id.clone(),
                    installment: None,
                },
                &identity,
                None,
            );
        }
    }
    for s in &input.savings_accounts {
        let mut own = Evidence::default();
        if names(&s.account_no) {
            own.add(
                SAVINGS_NUMBER,
                format!("savings account {} in the narration", s.account_no),
            );
        }
        let identity = own.merged(member(&s.member_code));
        if identity.score > 0 {
            let amount_reason = s
                .deposit_due
                .filter(|d| d.value() == amount.value())
                .map(|_| "amount equals the deposit due".to_owned());
            push(
                Target::SavingsDeposit {
                    account_no: s.account_no.clone(),
                },
                &identity,
                amount_reason,
            );
        }
    }
    for f in &input.fines {
        let mut own = Evidence::default();
        if names(&f.fine_id) {
            own.add(FINE_NUMBER, format!("fine {} in the narration", f.fine_id));
        }
        let identity = own.merged(member(&f.member_code));
        if identity.score > 0 {
            let amount_reason = (f.amount.value() == amount.value())
                .then(|| "amount equals the fine due".to_owned());
            push(
                Target::FinePayment {
                    fine_id: f.fine_id.clone(),
                },
                &identity,
                amount_reason,
            );
        }
    }
    out.sort_by(|a, b| {
        b.confidence
            .cmp(&a.confidence)
            .then_with(|| a.target.cmp(&b.target))
    });
    Ok(out)
}
