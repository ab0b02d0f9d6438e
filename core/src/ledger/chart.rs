//! The chart of accounts and the mapping of posting roles to accounts.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::error::{CoreError, Result};

/// The five kinds of account and their normal side.
///
/// # Example
/// ```
/// use windeep_core::ledger::AccountKind;
/// assert!(AccountKind::Asset.debit_normal());
/// assert!(!AccountKind::Income.debit_normal());
/// ```
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountKind {
    /// What the society owns (debit normal).
    Asset,
    /// What the society owes (credit normal).
    Liability,
    /// Members' and retained funds (credit normal).
    Equity,
    /// Income (credit normal).
    Income,
    /// Expenses (debit normal).
    Expense,
}

impl AccountKind {
    /// Whether a balance of this kind is normally a debit (assets and expenses).
    #[must_use]
    pub fn debit_normal(self) -> bool {
        matches!(self, Self::Asset | Self::Expense)
    }
}

/// One account of the chart.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LedgerAccount {
    /// The account code, e.g. `"1102"`.
    pub code: String,
    /// Its name, e.g. `"Bank Accounts"`.
    pub name: String,
    /// Asset, liability, equity, income or expense.
    pub kind: AccountKind,
    /// The group it belongs to, if any.
    #[serde(default)]
    pub parent: Option<String>,
    /// A group only sums its children; nothing is posted to it.
    #[serde(default)]
    pub group: bool,
}

/// What a leg of a posting is for. The books post to roles; the chart's mapping turns each
/// role into an account code, so a society can use its own codes without touching the rules.
///
/// # Example
/// ```
/// use windeep_core::{ledger::Chart, ledger::PostingRole};
/// let chart = Chart::default();
/// assert_eq!(chart.default_code(PostingRole::LoanPortfolio), "1201");
/// ```
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PostingRole {
    /// Cash in hand.
    Cash,
    /// The society's bank account.
    Bank,
    /// Loans to members (principal outstanding).
    LoanPortfolio,
    /// Interest accrued and not yet received (accrual basis).
    InterestReceivable,
    /// Fines levied and not yet received (accrual basis).
    FineReceivable,
    /// A parent loan settled from a top-up's proceeds, until the top-up loan is disbursed.
    TopupClearing,
    /// Loan payments made by a book adjustment (`payment_mode: adjustment`), until a journal
    /// entry says where the value came from.
    AdjustmentClearing,
    /// Members' savings.
    SavingsDeposits,
    /// Loan excess held for the member.
    MemberCredit,
    /// Loan excess to be deposited into the member's savings.
    SavingsClearing,
    /// Unrealised interest of non-performing loans (accrual basis).
    InterestSuspense,
    /// Interest income.
    InterestIncome,
    /// Interest capitalised into principal by a skipped installment: a deferred income (a
    /// liability), released to interest income as the loan's principal is collected.
    CapitalisedInterest,
    /// Provision held against non-performing loans (a liability: the provision for NPA),
    /// built up by `provisions` runs and used by write-offs.
    ProvisionForNpa,
    /// Processing fees.
    FeeIncome,
    /// Fines (penal charges).
    FineIncome,
    /// Prepayment charges collected at foreclosure.
    PrepaymentChargeIncome,
    /// Payments received on written-off loans (bad debts recovered).
    BadDebtsRecovered,
    /// Interest credited to savings.
    SavingsInterestExpense,
    /// Bonus credited to savings.
    BonusExpense,
    /// Principal written off.
    WriteOffExpense,
    /// Principal waived.
    WaiverExpense,
    /// Provisions made against loans (net of provisions released).
    ProvisionExpense,
    /// Retained earnings (year-end closing).
    RetainedEarnings,
}

impl PostingRole {
    /// Every role, in the order legs are listed within an entry.
    pub const ALL: [Self; 24] = [
        Self::Cash,
        Self::Bank,
        Self::LoanPortfolio,
        Self::InterestReceivable,
        Self::FineReceivable,
        Self::TopupClearing,
        Self::AdjustmentClearing,
        Self::SavingsDeposits,
        Self::MemberCredit,
        Self::SavingsClearing,
        Self::InterestSuspense,
        Self::InterestIncome,
        Self::CapitalisedInterest,
        Self::ProvisionForNpa,
        Self::FeeIncome,
        Self::FineIncome,
        Self::PrepaymentChargeIncome,
        Self::BadDebtsRecovered,
        Self::SavingsInterestExpense,
        Self::BonusExpense,
        Self::WriteOffExpense,
        Self::WaiverExpense,
        Self::ProvisionExpense,
        Self::RetainedEarnings,
    ];

    /// The kinds of account the role may be mapped to.
    #[must_use]
    pub fn kinds(self) -> &'static [AccountKind] {
        use AccountKind::{Asset, Equity, Expense, Income, Liability};
        match self {
            Self::Cash
            | Self::Bank
            | Self::LoanPortfolio
            | Self::InterestReceivable
            | Self::FineReceivable
            | Self::TopupClearing
            | Self::AdjustmentClearing => &[Asset],
            Self::SavingsDeposits
            | Self::MemberCredit
            | Self::SavingsClearing
            | Self::InterestSuspense
            | Self::CapitalisedInterest
            | Self::ProvisionForNpa => &[Liability],
            Self::InterestIncome
            | Self::FeeIncome
            | Self::FineIncome
            | Self::PrepaymentChargeIncome
            | Self::BadDebtsRecovered => &[Income],
            Self::SavingsInterestExpense
            | Self::BonusExpense
            | Self::WriteOffExpense
            | Self::WaiverExpense
            | Self::ProvisionExpense => &[Expense],
            Self::RetainedEarnings => &[Equity],
        }
    }

    /// Whether the role's balance is a member's own (the member ledger is built from these).
    #[must_use]
    pub fn member_linked(self) -> bool {
        matches!(
            self,
            Self::LoanPortfolio
                | Self::InterestReceivable
                | Self::FineReceivable
                | Self::TopupClearing
                | Self::SavingsDeposits
                | Self::MemberCredit
                | Self::SavingsClearing
        )
    }

    fn default_code(self) -> &'static str {
        match self {
            Self::Cash => "1101",
            Self::Bank => "1102",
            Self::LoanPortfolio => "1201",
            Self::InterestReceivable => "1301",
            Self::FineReceivable => "1302",
            Self::TopupClearing => "1400",
            Self::AdjustmentClearing => "1500",
            Self::SavingsDeposits => "2101",
            Self::MemberCredit => "2300",
            Self::SavingsClearing => "2400",
            Self::InterestSuspense => "2500",
            Self::CapitalisedInterest => "2600",
            Self::ProvisionForNpa => "2700",
            Self::InterestIncome => "3100",
            Self::FeeIncome => "3200",
            Self::FineIncome => "3300",
            Self::PrepaymentChargeIncome => "3400",
            Self::BadDebtsRecovered => "3500",
            Self::SavingsInterestExpense => "4100",
            Self::BonusExpense => "4300",
            Self::WriteOffExpense => "4400",
            Self::WaiverExpense => "4500",
            Self::ProvisionExpense => "4600",
            Self::RetainedEarnings => "5200",
        }
    }

    pub(crate) fn index(self) -> usize {
        Self::ALL.iter().position(|r| *r == self).unwrap_or(0)
    }
}

/// The chart of accounts: the legacy seed (legacy-spec §8.1) plus the accounts the posting
/// rules need that the seed lacked, and the role → account mapping.
///
/// # Example
/// ```
/// use windeep_core::ledger::Chart;
/// let chart = Chart::default();
/// assert_eq!(chart.account("2101").unwrap().name, "Savings Deposits");
/// assert!(chart.account("1000").unwrap().group);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chart {
    accounts: Vec<LedgerAccount>,
    /// The codes, shared by every posting line.
    codes: Vec<Arc<str>>,
    by_code: BTreeMap<String, usize>,
    roles: [usize; PostingRole::ALL.len()],
}

const SEED: &[(&str, &str, AccountKind, Option<&str>, bool)] = {
    use AccountKind::{Asset, Equity, Expense, Income, Liability};
    &[
        ("1000", "Assets", Asset, None, true),
        ("1100", "Cash & Bank", Asset, Some("1000"), true),
        ("1101", "Cash in Hand", Asset, Some("1100"), false),
        ("1102", "Bank Accounts", Asset, Some("1100"), false),
        ("1200", "Loans & Advances", Asset, Some("1000"), true),
        ("1201", "Member Loans", Asset, Some("1200"), false),
        ("1300", "Receivables", Asset, Some("1000"), true),
        ("1301", "Interest Receivable", Asset, Some("1300"), false),
        ("1302", "Fine Receivable", Asset, Some("1300"), false),
        ("1400", "Top-up Settlements", Asset, Some("1000"), false),
        ("1500", "Payment Adjustments", Asset, Some("1000"), false),
        ("2000", "Liabilities", Liability, None, true),
        ("2100", "Member Deposits", Liability, Some("2000"), true),
        ("2101", "Savings Deposits", Liability, Some("2100"), false),
        ("2200", "Other Liabilities", Liability, Some("2000"), false),
        ("2300", "Member Credit", Liability, Some("2000"), false),
        (
            "2400",
            "Transfers to Savings",
            Liability,
            Some("2000"),
            false,
        ),
        ("2500", "Interest Suspense", Liability, Some("2000"), false),
        (
            "2600",
            "Deferred Interest Income",
            Liability,
            Some("2000"),
            false,
        ),
        ("2700", "Provision for NPA", Liability, Some("2000"), false),
        ("3000", "Income", Income, None, true),
        ("3100", "Interest Income", Income, Some("3000"), false),
        ("3200", "Processing Fee Income", Income, Some("3000"), false),
        ("3300", "Fine Income", Income, Some("3000"), false),
        (
            "3400",
            "Prepayment Charge Income",
            Income,
            Some("3000"),
            false,
        ),
        ("3500", "Bad Debts Recovered", Income, Some("3000"), false),
        ("4000", "Expenses", Expense, None, true),
        ("4100", "Interest Expense", Expense, Some("4000"), false),
        ("4200", "Operating Expenses", Expense, Some("4000"), false),
        ("4300", "Bonus to Members", Expense, Some("4000"), false),
        ("4400", "Loans Written Off", Expense, Some("4000"), false),
        ("4500", "Principal Waived", Expense, Some("4000"), false),
        (
            "4600",
            "Provision for NPA Expense",
            Expense,
            Some("4000"),
            false,
        ),
        ("5000", "Equity", Equity, None, true),
        ("5100", "Capital", Equity, Some("5000"), false),
        ("5200", "Retained Earnings", Equity, Some("5000"), false),
    ]
};

impl Default for Chart {
    fn default() -> Self {
        let accounts = SEED
            .iter()
            .map(|(code, name, kind, parent, group)| LedgerAccount {
                code: (*code).to_owned(),
                name: (*name).to_owned(),
                kind: *kind,
                parent: parent.map(str::to_owned),
                group: *group,
            })
            .collect();
        // The seed maps every role: building it cannot fail.
        Self::build(accounts, &BTreeMap::new()).unwrap_or_else(|_| Self {
            accounts: Vec::new(),
            codes: Vec::new(),
            by_code: BTreeMap::new(),
            roles: [0; PostingRole::ALL.len()],
        })
    }
}

impl Chart {
    /// A chart from its accounts and role overrides (roles not overridden use the default
    /// codes of [`Chart::default`]).
    ///
    /// # Errors
    /// `E_INVALID_POLICY` for a repeated code, a parent that is not a group of the same kind,
    /// or a role mapped to an account of a kind it cannot have; `E_UNKNOWN_ACCOUNT` for a role
    /// mapped to a code that is not a postable account of the chart.
    pub fn build(
        accounts: Vec<LedgerAccount>,
        overrides: &BTreeMap<PostingRole, String>,
    ) -> Result<Self> {
        let mut by_code = BTreeMap::new();
        for (i, a) in accounts.iter().enumerate() {
            if a.code.trim().is_empty() || by_code.insert(a.code.clone(), i).is_some() {
                return Err(CoreError::InvalidPolicy {
                    reason: format!("account code {:?} is empty or repeated", a.code),
                });
            }
        }
        for a in &accounts {
            if let Some(p) = &a.parent {
                let parent = by_code.get(p).and_then(|&i| accounts.get(i));
                if !parent.is_some_and(|g| g.group && g.kind == a.kind) {
                    return Err(CoreError::InvalidPolicy {
                        reason: format!(
                            "the parent {p:?} of account {:?} is not a group of the same kind",
                            a.code
                        ),
                    });
                }
            }
        }
        let mut roles = [0_usize; PostingRole::ALL.len()];
        for role in PostingRole::ALL {
            let code = overrides
                .get(&role)
                .map_or(role.default_code(), String::as_str);
            let i = *by_code
                .get(code)
                .filter(|&&i| accounts.get(i).is_some_and(|a| !a.group))
                .ok_or_else(|| CoreError::UnknownAccount {
                    code: code.to_owned(),
                })?;
            let kind = accounts.get(i).map(|a| a.kind);
            if !kind.is_some_and(|k| role.kinds().contains(&k)) {
                return Err(CoreError::InvalidPolicy {
                    reason: format!("role {role:?} cannot be mapped to account {code}"),
                });
            }
            if let Some(slot) = roles.get_mut(role.index()) {
                *slot = i;
            }
        }
        Ok(Self {
            codes: accounts
                .iter()
                .map(|a| Arc::from(a.code.as_str()))
                .collect(),
            accounts,
            by_code,
            roles,
        })
    }

    /// The chart position of the account of the role with index `role`.
    pub(crate) fn role_account(&self, role: usize) -> usize {
        self.roles.get(role).copied().unwrap_or(usize::MAX)
    }

    /// The shared code of the account at chart position `i`.
    pub(crate) fn shared_code(&self, i: usize) -> Arc<str> {
        self.codes.get(i).cloned().unwrap_or_else(|| Arc::from(""))
    }

    /// Every account, in chart order.
    #[must_use]
    pub fn accounts(&self) -> &[LedgerAccount] {
        &self.accounts
    }

    /// The account with `code`.
    #[must_use]
    pub fn account(&self, code: &str) -> Option<&LedgerAccount> {
        self.by_code.get(code).and_then(|&i| self.accounts.get(i))
    }

    /// The position of `code` in the chart (reports list accounts in chart order).
    pub(crate) fn position(&self, code: &str) -> Option<usize> {
        self.by_code.get(code).copied()
    }

    /// The account a role posts to.
    #[must_use]
    pub fn code(&self, role: PostingRole) -> &str {
        self.roles
            .get(role.index())
            .and_then(|&i| self.accounts.get(i))
            .map_or("", |a| a.code.as_str())
    }

    /// The code of a role in the default chart.
    #[must_use]
    pub fn default_code(&self, role: PostingRole) -> &'static str {
        role.default_code()
    }

    /// Checks that `code` is a postable account (not a group).
    ///
    /// # Errors
    /// `E_UNKNOWN_ACCOUNT` otherwise.
    pub fn postable(&self, code: &str) -> Result<&LedgerAccount> {
        self.account(code)
            .filter(|a| !a.group)
            .ok_or_else(|| CoreError::UnknownAccount {
                code: code.to_owned(),
            })
    }

    /// The role → account mapping in force, for reports.
    #[must_use]
    pub fn mapping(&self) -> BTreeMap<PostingRole, String> {
        PostingRole::ALL
            .iter()
            .map(|r| (*r, self.code(*r).to_owned()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_chart_maps_every_role_to_a_postable_account() {
        let chart = Chart::default();
        assert_eq!(chart.accounts().len(), SEED.len());
        for role in PostingRole::ALL {
            let a = chart.postable(chart.code(role)).unwrap();
            assert!(role.kinds().contains(&a.kind), "{role:?}");
        }
        assert_eq!(chart.code(PostingRole::Bank), "1102");
        assert_eq!(chart.code(PostingRole::CapitalisedInterest), "2600");
    }

    #[test]
    fn a_symbolic_code_that_does_not_resolve_is_refused() {
        // The legacy posting map used "cash_bank" against numeric codes and silently posted
        // nothing; here the mapping is checked up front.
        let mut o = BTreeMap::new();
        o.insert(PostingRole::Bank, "cash_bank".to_owned());
        let err = Chart::build(Chart::default().accounts().to_vec(), &o).unwrap_err();
        assert_eq!(err.code(), "E_UNKNOWN_ACCOUNT");
        o.insert(PostingRole::Bank, "1100".to_owned());
        let err = Chart::build(Chart::default().accounts().to_vec(), &o).unwrap_err();
        assert_eq!(err.code(), "E_UNKNOWN_ACCOUNT", "a group is not postable");
        o.insert(PostingRole::Bank, "2101".to_owned());
        let err = Chart::build(Chart::default().accounts().to_vec(), &o).unwrap_err();
        assert_eq!(err.code(), "E_INVALID_POLICY", "a bank is an asset");
    }
}
