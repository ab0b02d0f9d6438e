//! Which column holds what: presets for common Indian bank layouts, detection by header names,
//! and explicit mappings.

use serde::{Deserialize, Deserializer, Serialize};

use super::fields::normalise_header;
use crate::error::{CoreError, Result};

/// A statement layout preset: for each field, the header names (normalised: lower-case ASCII
/// letters and digits only) it may carry, in order of preference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Preset {
    /// The preset's name (`"hdfc"`, …).
    pub name: &'static str,
    /// What it is for, in a few words.
    pub description: &'static str,
    pub(crate) names: Names,
}

/// Header names per field, normalised, in order of preference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Names {
    pub(crate) date: &'static [&'static str],
    pub(crate) value_date: &'static [&'static str],
    pub(crate) narration: &'static [&'static str],
    pub(crate) reference: &'static [&'static str],
    pub(crate) debit: &'static [&'static str],
    pub(crate) credit: &'static [&'static str],
    pub(crate) amount: &'static [&'static str],
    pub(crate) dr_cr: &'static [&'static str],
    pub(crate) balance: &'static [&'static str],
}

const NONE: &[&str] = &[];

/// The layouts windeep knows by name. `docs/bank.md` lists their headers.
pub const PRESETS: &[Preset] = &[
    Preset {
        name: "sbi",
        description: "State Bank of India: Txn Date, Value Date, Description, Ref No./Cheque No., Debit, Credit, Balance",
        names: Names {
            date: &["txndate"],
            value_date: &["valuedate"],
            narration: &["description"],
            reference: &["refnochequeno"],
            debit: &["debit"],
            credit: &["credit"],
            amount: NONE,
            dr_cr: NONE,
            balance: &["balance"],
        },
    },
    Preset {
        name: "hdfc",
        description: "HDFC Bank: Date, Narration, Chq./Ref.No., Value Dt, Withdrawal Amt., Deposit Amt., Closing Balance",
        names: Names {
            date: &["date"],
            value_date: &["valuedt"],
            narration: &["narration"],
            reference: &["chqrefno"],
            debit: &["withdrawalamt"],
            credit: &["depositamt"],
            amount: NONE,
            dr_cr: NONE,
            balance: &["closingbalance"],
        },
    },
    Preset {
        name: "icici",
        description: "ICICI Bank: Value Date, Transaction Date, Cheque Number, Transaction Remarks, Withdrawal Amount (INR ), Deposit Amount (INR ), Balance (INR )",
        names: Names {
            date: &["transactiondate"],
            value_date: &["valuedate"],
            narration: &["transactionremarks"],
            reference: &["chequenumber"],
            debit: &["withdrawalamountinr"],
            credit: &["depositamountinr"],
            amount: NONE,
            dr_cr: NONE,
            balance: &["balanceinr"],
        },
    },
    Preset {
        name: "axis",
        description: "Axis Bank: Tran Date, CHQNO, PARTICULARS, DR, CR, BAL",
        names: Names {
            date: &["trandate"],
            value_date: NONE,
            narration: &["particulars"],
            reference: &["chqno"],
            debit: &["dr"],
            credit: &["cr"],
            amount: NONE,
            dr_cr: NONE,
            balance: &["bal"],
        },
    },
    Preset {
        name: "kotak",
        description: "Kotak Mahindra Bank: Transaction Date, Value Date, Description, Chq / Ref No., Amount, Dr / Cr, Balance",
        names: Names {
            date: &["transactiondate"],
            value_date: &["valuedate"],
            narration: &["description"],
            reference: &["chqrefno"],
            debit: NONE,
            credit: NONE,
            amount: &["amount"],
            dr_cr: &["drcr"],
            balance: &["balance"],
        },
    },
    Preset {
        name: "windeep",
        description: "The society's own template: TransaDate, Description, Credit, Debit, Reference",
        names: Names {
            date: &["transadate"],
            value_date: NONE,
            narration: &["description"],
            reference: &["reference"],
            debit: &["debit"],
            credit: &["credit"],
            amount: NONE,
            dr_cr: NONE,
            balance: NONE,
        },
    },
];

/// Header names tried when no preset or mapping is given.
const DETECT: Names = Names {
    date: &[
        "txndate",
        "transactiondate",
        "trandate",
        "transadate",
        "transdate",
        "date",
        "postingdate",
        "postdate",
        "bookingdate",
        "valuedate",
    ],
    value_date: &["valuedate", "valuedt"],
    narration: &[
        "narration",
        "description",
        "particulars",
        "transactionremarks",
        "remarks",
        "transactiondetails",
        "transactionparticulars",
        "details",
    ],
    reference: &[
        "chqrefno",
        "refnochequeno",
        "chequenumber",
        "chqno",
        "chequeno",
        "refno",
        "referenceno",
        "referencenumber",
        "reference",
        "utr",
        "utrno",
        "utrnumber",
        "transid",
        "transactionid",
    ],
    debit: &[
        "debit",
        "withdrawalamt",
        "withdrawalamountinr",
        "withdrawalamount",
        "withdrawal",
        "withdrawals",
        "debitamount",
        "debitamt",
        "dr",
    ],
    credit: &[
        "credit",
        "depositamt",
        "depositamountinr",
        "depositamount",
        "deposit",
        "deposits",
        "creditamount",
        "creditamt",
        "cr",
    ],
    amount: &["amount", "transactionamount", "amountinr", "txnamount"],
    dr_cr: &["drcr", "crdr", "debitcredit", "creditdebit"],
    balance: &[
        "balance",
        "closingbalance",
        "balanceinr",
        "runningbalance",
        "availablebalance",
        "bal",
    ],
};

/// An explicit column mapping: for each field the header text of its column (matched after
/// normalisation, so `"Withdrawal Amt."` also finds `"WITHDRAWAL AMT"`). `narration` may name
/// several columns, joined by a space. Either `debit` and `credit`, or `amount` (with an
/// optional `dr_cr` indicator column) must be given.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnSpec {
    /// Transaction date.
    #[serde(default)]
    pub date: Option<String>,
    /// Value date.
    #[serde(default)]
    pub value_date: Option<String>,
    /// Narration column(s): a string or a list of strings.
    #[serde(default, deserialize_with = "one_or_many")]
    #[cfg_attr(
        feature = "schemars",
        schemars(with = "crate::wire::schema::StringOrList")
    )]
    pub narration: Vec<String>,
    /// Reference / cheque number.
    #[serde(default)]
    pub reference: Option<String>,
    /// Withdrawals.
    #[serde(default)]
    pub debit: Option<String>,
    /// Deposits.
    #[serde(default)]
    pub credit: Option<String>,
    /// One signed amount column (negative = debit) or with a Cr/Dr suffix.
    #[serde(default)]
    pub amount: Option<String>,
    /// A Cr/Dr indicator column beside `amount`.
    #[serde(default)]
    pub dr_cr: Option<String>,
    /// Running balance.
    #[serde(default)]
    pub balance: Option<String>,
}

fn one_or_many<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Vec<String>, D::Error> {
    #[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match Option::<OneOrMany>::deserialize(d)? {
        None => Vec::new(),
        Some(OneOrMany::One(s)) => vec![s],
        Some(OneOrMany::Many(v)) => v,
    })
}

impl ColumnSpec {
    /// Checks that the mapping names a date, a narration and one way of reading amounts.
    ///
    /// # Errors
    /// `E_INVALID_COLUMNS`.
    pub fn validate(&self) -> Result<()> {
        let bad = |reason: &str| {
            Err(CoreError::InvalidColumns {
                reason: reason.to_owned(),
            })
        };
        if self.date.is_none() {
            return bad("the date column is required");
        }
        if self.narration.is_empty() {
            return bad("at least one narration column is required");
        }
        let pair = self.debit.is_some() || self.credit.is_some();
        match (pair, self.amount.is_some()) {
            (true, true) => return bad("give either debit and credit, or amount, not both"),
            (false, false) => return bad("give debit and credit, or amount"),
            (true, false) if self.debit.is_none() || self.credit.is_none() => {
                return bad("debit and credit go together");
            }
            _ => {}
        }
        if self.dr_cr.is_some() && self.amount.is_none() {
            return bad("dr_cr is only read beside an amount column");
        }
        let mut all: Vec<String> = self.names().map(|(_, n)| normalise_header(n)).collect();
        if all.iter().any(String::is_empty) {
            return bad("a column name needs at least one letter or digit");
        }
        all.sort();
        if all.windows(2).any(|w| w.first() == w.get(1)) {
            return bad("a column is named for two fields");
        }
        Ok(())
    }

    fn names(&self) -> impl Iterator<Item = (&'static str, &String)> {
        let single = [
            ("date", &self.date),
            ("value_date", &self.value_date),
            ("reference", &self.reference),
            ("debit", &self.debit),
            ("credit", &self.credit),
            ("amount", &self.amount),
            ("dr_cr", &self.dr_cr),
            ("balance", &self.balance),
        ];
        single
            .into_iter()
            .filter_map(|(f, v)| v.as_ref().map(|n| (f, n)))
            .chain(self.narration.iter().map(|n| ("narration", n)))
    }
}

/// How amounts are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AmountColumns {
    /// Separate withdrawal and deposit columns.
    DebitCredit {
        /// Withdrawals.
        debit: usize,
        /// Deposits.
        credit: usize,
    },
    /// One amount column, signed or with a Cr/Dr suffix, and an optional indicator column.
    Signed {
        /// The amount.
        amount: usize,
        /// The Cr/Dr indicator.
        dr_cr: Option<usize>,
    },
}

/// The columns of a statement (0-based indexes into a row).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Columns {
    /// Transaction date.
    pub date: usize,
    /// Value date.
    pub value_date: Option<usize>,
    /// Narration columns, joined by a space.
    pub narration: Vec<usize>,
    /// Reference / cheque number.
    pub reference: Option<usize>,
    /// Amount columns.
    pub amounts: AmountColumns,
    /// Running balance.
    pub balance: Option<usize>,
}

/// The layout an import used, as reported back: the header row and each field's header text.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LayoutReport {
    /// The preset named in the options, if any.
    pub preset: Option<String>,
    /// The header row (1-based, as a spreadsheet numbers rows).
    pub header_row: u64,
    /// The header text of each field's column (null when the statement has no such column).
    pub columns: ColumnSpec,
}

/// What the header row must contain.
#[derive(Debug, Clone)]
pub(crate) enum Wanted {
    /// Header names per field, tried in order of preference.
    Names(Names),
    /// Exactly these header names (normalised).
    Exact(ColumnSpec),
}

impl Wanted {
    /// The columns of `header` (raw cell texts), or None when it is not this layout's header.
    pub(crate) fn locate(&self, header: &[String]) -> Option<Columns> {
        let norm: Vec<String> = header.iter().map(|h| normalise_header(h)).collect();
        let mut used = vec![false; norm.len()];
        let mut take = |names: &[&str]| -> Option<usize> {
            for name in names {
                if let Some(i) = norm
                    .iter()
                    .zip(used.iter())
                    .position(|(h, u)| !u && !h.is_empty() && h == name)
                {
                    if let Some(u) = used.get_mut(i) {
                        *u = true;
                    }
                    return Some(i);
                }
            }
            None
        };
        match self {
            Self::Names(n) => {
                let date = take(n.date)?;
                let value_date = take(n.value_date);
                let narration = take(n.narration)?;
                let reference = take(n.reference);
                let debit = take(n.debit);
                let credit = take(n.credit);
                let amounts = match (debit, credit) {
                    (Some(debit), Some(credit)) => AmountColumns::DebitCredit { debit, credit },
                    _ => AmountColumns::Signed {
                        amount: take(n.amount)?,
                        dr_cr: take(n.dr_cr),
                    },
                };
                Some(Columns {
                    date,
                    value_date,
                    narration: vec![narration],
                    reference,
                    amounts,
                    balance: take(n.balance),
                })
            }
            Self::Exact(spec) => {
                let mut one = |name: &Option<String>| -> Option<Option<usize>> {
                    match name {
                        None => Some(None),
                        Some(n) => take(&[normalise_header(n).as_str()]).map(Some),
                    }
                };
                let date = one(&spec.date)??;
                let value_date = one(&spec.value_date)?;
                let reference = one(&spec.reference)?;
                let debit = one(&spec.debit)?;
                let credit = one(&spec.credit)?;
                let amount = one(&spec.amount)?;
                let dr_cr = one(&spec.dr_cr)?;
                let balance = one(&spec.balance)?;
                let mut narration = Vec::new();
                for n in &spec.narration {
                    narration.push(take(&[normalise_header(n).as_str()])?);
                }
                let amounts = match (debit, credit, amount) {
                    (Some(debit), Some(credit), None) => {
                        AmountColumns::DebitCredit { debit, credit }
                    }
                    (None, None, Some(amount)) => AmountColumns::Signed { amount, dr_cr },
                    _ => return None,
                };
                Some(Columns {
                    date,
                    value_date,
                    narration,
                    reference,
                    amounts,
                    balance,
                })
            }
        }
    }

    /// What was looked for, for the error message when no header row is found.
    pub(crate) fn describe(&self) -> String {
        match self {
            Self::Names(_) => {
                "a row naming a date, a narration and debit/credit or amount columns".to_owned()
            }
            Self::Exact(spec) => {
                let names: Vec<String> = spec.names().map(|(_, n)| format!("{n:?}")).collect();
                format!("a row with the columns {}", names.join(", "))
            }
        }
    }
}

/// The layout for the options: a preset by name, an explicit mapping, or detection.
pub(crate) fn wanted(preset: Option<&str>, columns: Option<&ColumnSpec>) -> Result<Wanted> {
    match (preset, columns) {
        (Some(_), Some(_)) => Err(CoreError::InvalidColumns {
            reason: "give a preset or a column mapping, not both".to_owned(),
        }),
        (Some(name), None) => PRESETS
            .iter()
            .find(|p| p.name == name)
            .map(|p| Wanted::Names(p.names))
            .ok_or_else(|| CoreError::UnknownPreset {
                name: name.to_owned(),
            }),
        (None, Some(spec)) => {
            spec.validate()?;
            Ok(Wanted::Exact(spec.clone()))
        }
        (None, None) => Ok(Wanted::Names(DETECT)),
    }
}

/// The header text of each located column, for the report.
pub(crate) fn report(header: &[String], cols: &Columns) -> ColumnSpec {
    let name = |i: usize| header.get(i).map(|h| h.trim().to_owned());
    let opt = |i: Option<usize>| i.and_then(name);
    let (debit, credit, amount, dr_cr) = match cols.amounts {
        AmountColumns::DebitCredit { debit, credit } => (name(debit), name(credit), None, None),
        AmountColumns::Signed { amount, dr_cr } => (None, None, name(amount), opt(dr_cr)),
    };
    ColumnSpec {
        date: name(cols.date),
        value_date: opt(cols.value_date),
        narration: cols.narration.iter().filter_map(|i| name(*i)).collect(),
        reference: opt(cols.reference),
        debit,
        credit,
        amount,
        dr_cr,
        balance: opt(cols.balance),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|c| (*c).to_owned()).collect()
    }

    #[test]
    fn every_preset_finds_its_own_header() {
        let headers: &[(&str, &[&str])] = &[
            (
                "sbi",
                &[
                    "Txn Date",
                    "Value Date",
                    "Description",
                    "Ref No./Cheque No.",
                    "Branch Code",
                    "Debit",
                    "Credit",
                    "Balance",
                ],
            ),
            (
                "hdfc",
                &[
                    "Date",
                    "Narration",
                    "Chq./Ref.No.",
                    "Value Dt",
                    "Withdrawal Amt.",
                    "Deposit Amt.",
                    "Closing Balance",
                ],
            ),
            (
                "icici",
                &[
                    "S No.",
                    "Value Date",
                    "Transaction Date",
                    "Cheque Number",
                    "Transaction Remarks",
                    "Withdrawal Amount (INR )",
                    "Deposit Amount (INR )",
                    "Balance (INR )",
                ],
            ),
            (
                "axis",
                &[
                    "Tran Date",
                    "CHQNO",
                    "PARTICULARS",
                    "DR",
                    "CR",
                    "BAL",
                    "SOL",
                ],
            ),
            (
                "kotak",
                &[
                    "Sl. No.",
                    "Transaction Date",
                    "Value Date",
                    "Description",
                    "Chq / Ref No.",
                    "Amount",
                    "Dr / Cr",
                    "Balance",
                    "Dr / Cr",
                ],
            ),
            (
                "windeep",
                &["TransaDate", "Description", "Credit", "Debit", "Reference"],
            ),
        ];
        for (name, header) in headers {
            let by_preset = wanted(Some(name), None).unwrap().locate(&row(header));
            let detected = wanted(None, None).unwrap().locate(&row(header));
            assert!(by_preset.is_some(), "{name}");
            assert_eq!(
                by_preset, detected,
                "{name}: detection agrees with the preset"
            );
        }
        let kotak = wanted(Some("kotak"), None)
            .unwrap()
            .locate(&row(headers[4].1))
            .unwrap();
        assert_eq!(
            kotak.amounts,
            AmountColumns::Signed {
                amount: 5,
                dr_cr: Some(6)
            }
        );
        let icici = wanted(None, None)
            .unwrap()
            .locate(&row(headers[2].1))
            .unwrap();
        assert_eq!((icici.date, icici.value_date), (2, Some(1)));
    }

    #[test]
    fn mappings_are_checked() {
        let spec = |v: serde_json::Value| serde_json::from_value::<ColumnSpec>(v).unwrap();
        let ok = spec(serde_json::json!({"date": "D", "narration": ["N1", "N2"], "amount": "A"}));
        let cols = wanted(None, Some(&ok))
            .unwrap()
            .locate(&row(&["x", "d", "n1", "a", "N2"]))
            .unwrap();
        assert_eq!(cols.narration, vec![2, 4]);
        for bad in [
            serde_json::json!({"narration": "N", "amount": "A"}),
            serde_json::json!({"date": "D", "amount": "A"}),
            serde_json::json!({"date": "D", "narration": "N"}),
            serde_json::json!({"date": "D", "narration": "N", "debit": "X"}),
            serde_json::json!({"date": "D", "narration": "N", "debit": "X", "credit": "Y", "amount": "A"}),
            serde_json::json!({"date": "D", "narration": "N", "debit": "X", "credit": "Y", "dr_cr": "Z"}),
            serde_json::json!({"date": "D", "narration": "d", "amount": "A"}),
            serde_json::json!({"date": "D", "narration": "--", "amount": "A"}),
        ] {
            let err = wanted(None, Some(&spec(bad.clone()))).unwrap_err();
            assert_eq!(err.code(), "E_INVALID_COLUMNS", "{bad}");
        }
        assert_eq!(
            wanted(Some("nope"), None).unwrap_err().code(),
            "E_UNKNOWN_PRESET"
        );
        assert_eq!(
            wanted(Some("sbi"), Some(&ok)).unwrap_err().code(),
            "E_INVALID_COLUMNS"
        );
    }
}
