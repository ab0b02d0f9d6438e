//! Keys, de-duplication and the import of a whole statement.
//!
//! A transaction's key is `utr:<UTR>` when it carries a UTR, else `fp:<fingerprint>:<ordinal>`,
//! where the fingerprint is the first 16 bytes (32 hex digits) of the SHA-256 of its content
//! and the ordinal counts identical rows within the file (decisions §18). Keys of earlier
//! imports are an explicit input, so de-duplication is a pure function of the statement and
//! what came before it.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::fmt::Write as _;
use std::io::Read;

use chrono::Datelike;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::index::{FoldMap, FpKey, pack_hex, pack_ordinal, pack_utr};
use super::limits::MAX_LISTED_ROWS;
use super::statement::{
    Format, ImportLine, ParsedRow, Problem, StatementOptions, StatementReader, csv_reader,
    xlsx_reader,
};
use super::utr::find_utr;
use super::{BankTransaction, Direction, LayoutReport, check_id, normalise_narration};
use crate::decimal::add;
use crate::error::{CoreError, Result};
use crate::money::{Money, format_date};

/// A key of an earlier import of the same bank account: where it was first seen.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriorKey {
    /// The transaction key (`utr:…` or `fp:…:n`).
    pub key: String,
    /// The import it came from.
    pub import_id: String,
    /// Its row in that import's statement.
    pub row: u64,
    /// The transaction's date: with `amount`, what tells a repeat of a `utr:` key (a
    /// duplicate) from the same UTR on another transfer (a conflict). A `utr:` key without
    /// them cannot be told apart: a row with its UTR is a conflict, never a duplicate.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "super::opt_date"
    )]
    #[cfg_attr(feature = "schemars", schemars(with = "crate::wire::schema::OptDate"))]
    pub date: Option<chrono::NaiveDate>,
    /// The transaction's amount (see `date`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Money>,
}

impl PriorKey {
    /// The keys an earlier import's JSON output (`bank_import`, read from `reader`) contributes: one per
    /// `new` row, named by that output's `import_id`. Only the fields needed are kept, so a
    /// large output is read without holding it whole as a JSON tree.
    ///
    /// # Errors
    /// `E_INVALID_INPUT` when the text is not such an output or has no `import_id`.
    pub fn from_report_json(reader: impl Read) -> Result<Vec<Self>> {
        #[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
        #[derive(Deserialize)]
        struct Txn {
            key: String,
            #[serde(default, with = "super::opt_date")]
            #[cfg_attr(feature = "schemars", schemars(with = "crate::wire::schema::OptDate"))]
            date: Option<chrono::NaiveDate>,
            #[serde(default)]
            amount: Option<Money>,
        }
        #[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
        #[derive(Deserialize)]
        struct Row {
            row: u64,
            status: String,
            #[serde(default)]
            transaction: Option<Txn>,
        }
        #[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
        #[derive(Deserialize)]
        struct Report {
            #[serde(default)]
            import_id: Option<String>,
            rows: Vec<Row>,
        }
        let bad = |reason: String| CoreError::InvalidInput {
            reason: format!("not a bank_import output: {reason}"),
        };
        let report: Report = serde_json::from_reader(reader).map_err(|e| bad(e.to_string()))?;
        let import_id = report
            .import_id
            .ok_or_else(|| bad("it has no import_id".to_owned()))?;
        report
            .rows
            .into_iter()
            .filter(|r| r.status == "new")
            .map(|r| {
                let t = r
                    .transaction
                    .ok_or_else(|| bad(format!("new row {} has no transaction", r.row)))?;
                Ok(Self {
                    key: t.key,
                    import_id: import_id.clone(),
                    row: r.row,
                    date: t.date,
                    amount: t.amount,
                })
            })
            .collect()
    }
}

/// The row a duplicate repeats: a row of this statement, or of an earlier import.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DuplicateOf {
    /// The earlier import, or absent for a row of this statement.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub import_id: Option<String>,
    /// The row.
    pub row: u64,
}

/// The outcome of one row after the header.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ImportedRow {
    /// A transaction seen for the first time.
    New {
        /// 1-based row number in the statement.
        row: u64,
        /// The transaction, with its key.
        transaction: BankTransaction,
        /// Set when an earlier import has a row with the same content but another ordinal
        /// (no UTR): probably the same transfer seen in an overlapping statement. It is kept
        /// as new and flagged for a person to review.
        #[serde(skip_serializing_if = "Option::is_none")]
        review: Option<DuplicateOf>,
    },
    /// A transaction whose UTR and direction were seen before (in this statement or an
    /// earlier import) with another date or amount, or whose earlier date and amount are not
    /// known: not a duplicate, not new; a person decides. Nothing is counted for it.
    Conflict {
        /// 1-based row number.
        row: u64,
        /// The transaction.
        transaction: BankTransaction,
        /// The row with the same key.
        conflicts_with: DuplicateOf,
        /// What differs.
        reason: String,
    },
    /// A transaction already imported (same key, same date and amount).
    Duplicate {
        /// 1-based row number.
        row: u64,
        /// The transaction.
        transaction: BankTransaction,
        /// The original.
        duplicate_of: DuplicateOf,
    },
    /// A row that looks like a transaction but cannot be read.
    Rejected {
        /// 1-based row number.
        row: u64,
        /// The stable word.
        problem: Problem,
        /// What is wrong.
        reason: String,
    },
    /// A line that is not a transaction.
    Skipped {
        /// 1-based row number.
        row: u64,
        /// Why.
        reason: String,
    },
}

/// Count and total of some transactions.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// How many.
    pub count: u64,
    /// Their total.
    pub total: Money,
}

/// The counts of an import.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    /// Rows after the header, blank ones included.
    pub rows: u64,
    /// New transactions.
    pub new: u64,
    /// Duplicates.
    pub duplicates: u64,
    /// Conflicts: a UTR seen again with another date or amount.
    pub conflicts: u64,
    /// Rejected rows.
    pub rejected: u64,
    /// Skipped lines (text, balance lines, repeated headers, footer).
    pub skipped: u64,
    /// Empty rows.
    pub blank: u64,
    /// New credits.
    pub new_credits: Tally,
    /// New debits.
    pub new_debits: Tally,
}

/// The whole result of an import (the `bank_import` operation).
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    /// The bank account.
    pub account_id: String,
    /// This import's id, as given.
    pub import_id: Option<String>,
    /// The layout found.
    pub layout: LayoutReport,
    /// Counts.
    pub summary: ImportSummary,
    /// Every row after the header except blank ones, in order.
    pub rows: Vec<ImportedRow>,
}

/// The fingerprint of a transaction without a UTR: 32 lower-case hex digits, the first half of
/// the SHA-256 of
/// `windeep-bank-v1 ␟ account ␟ date ␟ direction ␟ amount ␟ narration ␟ balance`
/// (␟ is U+001F; the date is `YYYY-MM-DD`; the amount and balance at the currency's scale;
/// the narration normalised by [`normalise_narration`]; an absent balance is empty).
///
/// # Example
/// ```
/// use windeep_core::bank::fingerprint;
/// let fp = fingerprint("SBI-1", "2026-01-05", "credit", "5000.00", "MEMB000001 SAVINGS", None);
/// assert_eq!(fp.len(), 32);
/// ```
#[must_use]
pub fn fingerprint(
    account_id: &str,
    date: &str,
    direction: &str,
    amount: &str,
    narration: &str,
    balance: Option<&str>,
) -> String {
    let mut h = Sha256::new();
    for (i, part) in [
        "windeep-bank-v1",
        account_id,
        date,
        direction,
        amount,
        &normalise_narration(narration),
        balance.unwrap_or(""),
    ]
    .iter()
    .enumerate()
    {
        if i > 0 {
            h.update([0x1f]);
        }
        h.update(part.as_bytes());
    }
    let mut out = String::with_capacity(32);
    push_hex(&mut out, fingerprint_bits(&h.finalize()));
    out
}

/// The fingerprint: the first 16 bytes of a SHA-256 digest, as a number.
fn fingerprint_bits(digest: &[u8]) -> u128 {
    let mut first = [0; 16];
    for (f, d) in first.iter_mut().zip(digest) {
        *f = *d;
    }
    u128::from_be_bytes(first)
}

/// Appends a fingerprint as 32 lower-case hex digits.
fn push_hex(out: &mut String, fp: u128) {
    for shift in (0..32).rev() {
        let nibble = (fp >> (shift * 4)) as u32 & 0x0f;
        out.extend(char::from_digit(nibble, 16));
    }
}

/// Appends the narration as [`normalise_narration`] gives it, without allocating.
fn push_normalised(out: &mut String, text: &str) {
    let start = out.len();
    let mut gap = false;
    for &b in text.as_bytes() {
        if b.is_ascii_alphanumeric() {
            if gap && out.len() > start {
                out.push(' ');
            }
            gap = false;
            out.push(char::from(b.to_ascii_uppercase()));
        } else {
            gap = true;
        }
    }
}

/// Appends a date as `YYYY-MM-DD` (as [`format_date`]).
fn push_date(out: &mut String, date: chrono::NaiveDate) {
    match u64::try_from(date.year()) {
        Ok(y @ 1..=9999) => {
            push_digits(out, y, 4);
            out.push('-');
            push_digits(out, u64::from(date.month()), 2);
            out.push('-');
            push_digits(out, u64::from(date.day()), 2);
        }
        _ => out.push_str(&format_date(date)),
    }
}

/// Appends `n` in decimal, with leading zeros up to `width` digits.
fn push_digits(out: &mut String, mut n: u64, width: usize) {
    let mut reversed = [0_u8; 20];
    let mut len = 0;
    while let Some(d) = reversed.get_mut(len) {
        *d = b'0' + (n % 10) as u8;
        len += 1;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for _ in len..width {
        out.push('0');
    }
    for &d in reversed.get(..len).unwrap_or_default().iter().rev() {
        out.push(char::from(d));
    }
}

/// Appends an amount as its `Display` writes it: the sign of a negative value (even of a
/// negative zero), the digits with at least one before the point, and exactly `scale`
/// decimals.
fn push_amount(out: &mut String, amount: Money) {
    let value = amount.value();
    let scale = value.scale() as usize;
    match u64::try_from(value.mantissa().unsigned_abs()) {
        Ok(m) if scale < 20 => {
            if value.is_sign_negative() {
                out.push('-');
            }
            push_digits(out, m, scale + 1);
            if scale > 0 {
                out.insert(out.len() - scale, '.');
            }
        }
        _ => {
            let _ = write!(out, "{amount}");
        }
    }
}

/// Where a key was first seen: an index into the prior import ids (or none: this file) and
/// the row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Origin {
    import: Option<u32>,
    row: u64,
}

/// Where a UTR key was first seen, with the date and amount seen there (None when an earlier
/// import's key did not give them): the unpacked form of [`UtrSeen`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Seen {
    origin: Origin,
    date: Option<chrono::NaiveDate>,
    amount: Option<Money>,
}

/// A [`Seen`] packed into two words, so that an entry of the UTR index (the packed UTR and this)
/// is 32 bytes, as before the index kept dates and amounts. The packing is exact: what does not
/// fit goes whole into the importer's spill list, and the word says where.
///
/// `origin`: bit 63 clear — bits 40..63 are the import (0 for this file, `i + 1` for earlier
/// import `i`) and bits 0..40 the row; bit 63 set — the rest is the index of the spilled
/// [`Seen`]. `detail` (packed only): bits 41..64 the date as days since 0001-01-01
/// (`num_days_from_ce() - 1`), bits 36..41 the amount's decimal scale, bits 0..36 its
/// mantissa, never negative (a negative amount, like a missing date or amount, is spilled).
#[derive(Debug, Clone, Copy)]
struct UtrSeen {
    origin: u64,
    detail: u64,
}

const SPILLED: u64 = 1 << 63;
const ROW_BITS: u32 = 40;
const IMPORT_BITS: u32 = 23;
const MANTISSA_BITS: u32 = 36;
const SCALE_BITS: u32 = 5;
const DAY_BITS: u32 = 23;

/// `bits` low bits set.
const fn mask(bits: u32) -> u64 {
    (1 << bits) - 1
}

impl UtrSeen {
    /// Packs `seen`, spilling it into `spill` when it does not fit.
    fn pack(seen: Seen, spill: &mut Vec<Seen>) -> Self {
        Self::packed(seen).unwrap_or_else(|| {
            spill.push(seen);
            Self {
                origin: SPILLED | (spill.len() as u64 - 1),
                detail: 0,
            }
        })
    }

    fn packed(seen: Seen) -> Option<Self> {
        let import = match seen.origin.import {
            None => 0,
            Some(i) => u64::from(i) + 1,
        };
        if import > mask(IMPORT_BITS) || seen.origin.row > mask(ROW_BITS) {
            return None;
        }
        let days = u64::try_from(seen.date?.num_days_from_ce().checked_sub(1)?).ok()?;
        let amount = seen.amount?.value();
        let mantissa = u64::try_from(amount.mantissa()).ok()?;
        if days > mask(DAY_BITS) || mantissa > mask(MANTISSA_BITS) || amount.is_sign_negative() {
            return None;
        }
        Some(Self {
            origin: (import << ROW_BITS) | seen.origin.row,
            detail: (days << (MANTISSA_BITS + SCALE_BITS))
                | (u64::from(amount.scale()) << MANTISSA_BITS)
                | mantissa,
        })
    }

    /// The spilled entry, if this one is.
    fn spilled(self, spill: &[Seen]) -> Option<Seen> {
        if self.origin & SPILLED == 0 {
            return None;
        }
        usize::try_from(self.origin & !SPILLED)
            .ok()
            .and_then(|i| spill.get(i))
            .copied()
    }

    fn origin(self, spill: &[Seen]) -> Origin {
        if let Some(s) = self.spilled(spill) {
            return s.origin;
        }
        let import = self.origin >> ROW_BITS;
        Origin {
            import: import.checked_sub(1).and_then(|i| u32::try_from(i).ok()),
            row: self.origin & mask(ROW_BITS),
        }
    }

    fn unpack(self, spill: &[Seen]) -> Seen {
        if let Some(s) = self.spilled(spill) {
            return s;
        }
        let days = self.detail >> (MANTISSA_BITS + SCALE_BITS);
        let scale = (self.detail >> MANTISSA_BITS) & mask(SCALE_BITS);
        let mantissa = self.detail & mask(MANTISSA_BITS);
        Seen {
            origin: self.origin(spill),
            date: i32::try_from(days + 1)
                .ok()
                .and_then(chrono::NaiveDate::from_num_days_from_ce_opt),
            amount: u32::try_from(scale).ok().map(|scale| {
                Money::from_decimal(Decimal::from_i128_with_scale(i128::from(mantissa), scale))
            }),
        }
    }

    /// Whether it was seen on `date` for `amount` (equal as numbers, as `Money` compares).
    fn is(self, date: chrono::NaiveDate, amount: Money, spill: &[Seen]) -> bool {
        if let Some(s) = self.spilled(spill) {
            return s.date == Some(date) && s.amount == Some(amount);
        }
        let days = self.detail >> (MANTISSA_BITS + SCALE_BITS);
        if i64::try_from(days).ok().map(|d| d + 1) != Some(i64::from(date.num_days_from_ce())) {
            return false;
        }
        let value = amount.value();
        let same_bits = u64::try_from(value.mantissa()).ok()
            == Some(self.detail & mask(MANTISSA_BITS))
            && u64::from(value.scale()) == (self.detail >> MANTISSA_BITS) & mask(SCALE_BITS)
            && !value.is_sign_negative();
        // the same number written with another scale (500 and 500.00) is the same amount
        same_bits || self.unpack(spill).amount == Some(amount)
    }
}

/// What is known of one fingerprint: how many rows of this file had it, and the first key of
/// an earlier import with it (whatever its ordinal), for review.
#[derive(Debug, Clone, Copy, Default)]
struct FpState {
    ordinal: u32,
    prior: Option<Origin>,
}

/// De-duplicates transactions of one bank account, one statement at a time, row by row.
///
/// Feed it rows with [`Importer::row`]; it keeps only the keys seen (not the rows), so a
/// statement of any length can be streamed through it. Each key is held packed in 16 to 24
/// bytes (see `index.rs`): `utr:` keys by their UTR (with where, when and for how much it was
/// first seen, packed in 16 bytes), `fp:` keys by fingerprint and ordinal.
#[derive(Debug)]
pub struct Importer {
    account_id: String,
    minor_units: u32,
    imports: Vec<String>,
    /// Every `utr:<UTR>:credit` key, of earlier imports and of this file, by packed UTR.
    utr_credits: FoldMap<u128, UtrSeen>,
    /// Every `utr:<UTR>:debit` key.
    utr_debits: FoldMap<u128, UtrSeen>,
    /// The UTR index entries that do not pack into a [`UtrSeen`] (rare: see there).
    spill: Vec<Seen>,
    /// The `fp:` keys of earlier imports (this file's never repeat, see [`Importer::line`]).
    fps: FoldMap<FpKey, Origin>,
    /// Per fingerprint: this file's ordinal and the first earlier key with it.
    fingerprints: FoldMap<u128, FpState>,
    /// The text a fingerprint is the hash of, reused from row to row.
    scratch: String,
    summary: ImportSummary,
}

impl Importer {
    /// An importer for `account_id` that already knows the keys of earlier imports (taken by
    /// value: their keys move into the importer's index).
    ///
    /// # Errors
    /// `E_INVALID_INPUT` for an empty account id or one with control characters.
    pub fn new(
        account_id: &str,
        minor_units: u32,
        prior: impl IntoIterator<Item = PriorKey>,
    ) -> Result<Self> {
        check_id(account_id, "account_id")?;
        let mut imports: Vec<String> = Vec::new();
        let mut ids: HashMap<String, u32> = HashMap::new();
        let mut last: Option<u32> = None;
        let mut utr_credits: FoldMap<u128, UtrSeen> = FoldMap::default();
        let mut utr_debits: FoldMap<u128, UtrSeen> = FoldMap::default();
        let mut spill = Vec::new();
        let mut fps = FoldMap::default();
        let mut fingerprints = FoldMap::default();
        for p in prior {
            // consecutive keys usually come from the same import
            let same = last.filter(|i| {
                usize::try_from(*i)
                    .ok()
                    .and_then(|i| imports.get(i))
                    .is_some_and(|id| *id == p.import_id)
            });
            let idx = match same.or_else(|| ids.get(&p.import_id).copied()) {
                Some(i) => i,
                None => {
                    let i = u32::try_from(imports.len()).map_err(|_| CoreError::InvalidInput {
                        reason: "too many prior imports".to_owned(),
                    })?;
                    imports.push(p.import_id.clone());
                    ids.insert(p.import_id, i);
                    i
                }
            };
            last = Some(idx);
            let origin = Origin {
                import: Some(idx),
                row: p.row,
            };
            // a key listed more than once keeps the origin listed first
            if let Some(utr) = p.key.strip_prefix("utr:") {
                let seen = Seen {
                    origin,
                    date: p.date,
                    amount: p.amount,
                };
                let (utr, maps): (&str, &mut [&mut FoldMap<u128, UtrSeen>]) = if let Some(u) =
                    utr.strip_suffix(":credit")
                {
                    (u, &mut [&mut utr_credits])
                } else if let Some(u) = utr.strip_suffix(":debit") {
                    (u, &mut [&mut utr_debits])
                } else {
                    // a key of the earlier `utr:<UTR>` form names no direction: a row with
                    // the UTR either way conflicts with it (its date and amount are dropped)
                    let unknown = Seen {
                        date: None,
                        amount: None,
                        ..seen
                    };
                    if let Some(packed) = pack_utr(utr.as_bytes()) {
                        let credit = utr_credits.entry(packed);
                        let debit = utr_debits.entry(packed);
                        if matches!(credit, Entry::Vacant(_)) || matches!(debit, Entry::Vacant(_)) {
                            let entry = UtrSeen::pack(unknown, &mut spill);
                            credit.or_insert(entry);
                            debit.or_insert(entry);
                        }
                    }
                    continue;
                };
                if let Some(packed) = pack_utr(utr.as_bytes()) {
                    for map in maps.iter_mut() {
                        if let Entry::Vacant(v) = map.entry(packed) {
                            v.insert(UtrSeen::pack(seen, &mut spill));
                        }
                    }
                }
            } else if let Some((fp, n)) = split_fingerprint_key(&p.key)
                && let Some(fp) = pack_hex(fp.as_bytes())
            {
                let state: &mut FpState = fingerprints.entry(fp).or_default();
                state.prior.get_or_insert(origin);
                if let Some(n) = pack_ordinal(n.as_bytes()) {
                    fps.entry(FpKey::new(fp, n)).or_insert(origin);
                }
            }
        }
        let zero = Money::from_decimal(crate::decimal::pad(Decimal::ZERO, minor_units));
        Ok(Self {
            account_id: account_id.to_owned(),
            minor_units,
            imports,
            utr_credits,
            utr_debits,
            spill,
            fps,
            fingerprints,
            scratch: String::with_capacity(256),
            summary: ImportSummary {
                rows: 0,
                new: 0,
                duplicates: 0,
                conflicts: 0,
                rejected: 0,
                skipped: 0,
                blank: 0,
                new_credits: Tally {
                    count: 0,
                    total: zero,
                },
                new_debits: Tally {
                    count: 0,
                    total: zero,
                },
            },
        })
    }

    /// The counts so far.
    #[must_use]
    pub fn summary(&self) -> &ImportSummary {
        &self.summary
    }

    /// Classifies one parsed row; `None` for a blank row (counted, not listed).
    ///
    /// # Errors
    /// `E_OVERFLOW` if a running total overflows.
    pub fn row(&mut self, row: u64, parsed: ParsedRow) -> Result<Option<ImportedRow>> {
        self.summary.rows = self.summary.rows.saturating_add(1);
        let out = match parsed {
            ParsedRow::Blank => {
                self.summary.blank = self.summary.blank.saturating_add(1);
                return Ok(None);
            }
            ParsedRow::Skipped { reason } => {
                self.summary.skipped = self.summary.skipped.saturating_add(1);
                ImportedRow::Skipped {
                    row,
                    reason: reason.to_owned(),
                }
            }
            ParsedRow::Rejected { problem, reason } => {
                self.summary.rejected = self.summary.rejected.saturating_add(1);
                ImportedRow::Rejected {
                    row,
                    problem,
                    reason,
                }
            }
            ParsedRow::Line(line) => self.line(row, line)?,
        };
        Ok(Some(out))
    }

    fn line(&mut self, row: u64, line: ImportLine) -> Result<ImportedRow> {
        let here = Origin { import: None, row };
        let mut conflict = None;
        let (key, utr, channel, seen, review) =
            match find_utr(&line.narration, line.reference.as_deref()) {
                Some((u, channel)) => {
                    let direction = line.direction.as_str();
                    let mut key = String::with_capacity(5 + u.as_str().len() + direction.len());
                    key.push_str("utr:");
                    key.push_str(u.as_str());
                    key.push(':');
                    key.push_str(direction);
                    let map = match line.direction {
                        Direction::Credit => &mut self.utr_credits,
                        Direction::Debit => &mut self.utr_debits,
                    };
                    // a recognised UTR is always 12 to 22 upper-case letters and digits
                    let seen = match pack_utr(u.as_bytes()) {
                        Some(packed) => match map.entry(packed) {
                            Entry::Occupied(o) => {
                                let was = *o.get();
                                if was.is(line.date, line.amount, &self.spill) {
                                    Some(was.origin(&self.spill))
                                } else {
                                    conflict = Some(was.unpack(&self.spill));
                                    None
                                }
                            }
                            Entry::Vacant(v) => {
                                let seen = Seen {
                                    origin: here,
                                    date: Some(line.date),
                                    amount: Some(line.amount),
                                };
                                v.insert(UtrSeen::pack(seen, &mut self.spill));
                                None
                            }
                        },
                        None => None,
                    };
                    (key, Some(u.as_str().to_owned()), Some(channel), seen, None)
                }
                None => {
                    let fp = self.fingerprint_of(&line);
                    let state = self.fingerprints.entry(fp).or_default();
                    state.ordinal = state.ordinal.saturating_add(1);
                    let (n, prior) = (state.ordinal, state.prior);
                    let mut key = String::with_capacity(3 + 32 + 1 + 10);
                    key.push_str("fp:");
                    push_hex(&mut key, fp);
                    key.push(':');
                    push_digits(&mut key, u64::from(n), 1);
                    // This file's earlier rows with this fingerprint had lower ordinals, so
                    // only an earlier import can have this key, unless the ordinal is stuck
                    // at its maximum and repeats.
                    let seen = if n == u32::MAX {
                        first_seen(self.fps.entry(FpKey::new(fp, n)), here)
                    } else if prior.is_some() {
                        self.fps.get(&FpKey::new(fp, n)).copied()
                    } else {
                        None
                    };
                    (key, None, None, seen, prior)
                }
            };
        let transaction = BankTransaction {
            key,
            date: line.date,
            value_date: line.value_date,
            direction: line.direction,
            amount: line.amount,
            narration: line.narration,
            reference: line.reference,
            balance: line.balance,
            utr,
            channel,
        };
        if let Some(was) = conflict {
            self.summary.conflicts = self.summary.conflicts.saturating_add(1);
            let reason = match (was.date, was.amount) {
                (Some(d), Some(a)) => format!(
                    "the same UTR and direction were seen on {} for {a}; this row is {} for {}",
                    format_date(d),
                    format_date(transaction.date),
                    transaction.amount
                ),
                _ => "the same UTR was seen in an earlier import whose date, amount or direction \
                      is not known"
                    .to_owned(),
            };
            return Ok(ImportedRow::Conflict {
                row,
                conflicts_with: self.describe(was.origin),
                transaction,
                reason,
            });
        }
        if let Some(origin) = seen {
            self.summary.duplicates = self.summary.duplicates.saturating_add(1);
            return Ok(ImportedRow::Duplicate {
                row,
                duplicate_of: self.describe(origin),
                transaction,
            });
        }
        self.summary.new = self.summary.new.saturating_add(1);
        let tally = match transaction.direction {
            Direction::Credit => &mut self.summary.new_credits,
            Direction::Debit => &mut self.summary.new_debits,
        };
        tally.count = tally.count.saturating_add(1);
        tally.total = Money::from_decimal(add(
            tally.total.value(),
            transaction.amount.value(),
            "import totals",
        )?);
        let review = review.map(|o| self.describe(o));
        Ok(ImportedRow::New {
            row,
            transaction,
            review,
        })
    }

    /// The fingerprint of a line (see [`fingerprint`]), hashed from a reused buffer.
    fn fingerprint_of(&mut self, line: &ImportLine) -> u128 {
        let s = &mut self.scratch;
        s.clear();
        s.push_str("windeep-bank-v1\u{1f}");
        s.push_str(&self.account_id);
        s.push('\u{1f}');
        push_date(s, line.date);
        s.push('\u{1f}');
        s.push_str(line.direction.as_str());
        s.push('\u{1f}');
        push_amount(s, line.amount);
        s.push('\u{1f}');
        push_normalised(s, &line.narration);
        s.push('\u{1f}');
        if let Some(b) = line.balance {
            push_amount(s, b);
        }
        fingerprint_bits(&Sha256::digest(s.as_bytes()))
    }

    fn describe(&self, origin: Origin) -> DuplicateOf {
        DuplicateOf {
            import_id: origin
                .import
                .and_then(|i| self.imports.get(usize::try_from(i).ok()?).cloned()),
            row: origin.row,
        }
    }

    /// The minor units this importer pads amounts to.
    #[must_use]
    pub fn minor_units(&self) -> u32 {
        self.minor_units
    }
}

/// Where a key was first seen, or None after recording `here` for a key not seen before.
fn first_seen<K>(entry: Entry<'_, K, Origin>, here: Origin) -> Option<Origin> {
    match entry {
        Entry::Occupied(o) => Some(*o.get()),
        Entry::Vacant(v) => {
            v.insert(here);
            None
        }
    }
}

/// The fingerprint and the ordinal of an `fp:<hex>:<n>` key (`n` of digits only).
fn split_fingerprint_key(key: &str) -> Option<(&str, &str)> {
    let rest = key.strip_prefix("fp:")?;
    let (fp, n) = rest.rsplit_once(':')?;
    (n.bytes().all(|c| c.is_ascii_digit()) && !n.is_empty()).then_some((fp, n))
}

/// Reads and de-duplicates a whole statement, calling `sink` for every listed row in order,
/// and returns the layout and the counts. Only the keys are kept in memory, so a CSV of any
/// length is streamed.
///
/// # Errors
/// As [`csv_reader`] / [`xlsx_reader`] and [`Importer::new`]; `E_STATEMENT_UNREADABLE` when the
/// reader fails part-way. A malformed row is never an error: it is listed as rejected.
pub fn stream_statement<R: Read>(
    input: R,
    format: Format,
    options: &StatementOptions,
    account_id: &str,
    prior: impl IntoIterator<Item = PriorKey>,
    mut sink: impl FnMut(ImportedRow) -> Result<()>,
) -> Result<(LayoutReport, ImportSummary)> {
    let mut importer = Importer::new(account_id, options.currency.minor_units(), prior)?;
    let reader: StatementReader<'_> = match format {
        Format::Csv => csv_reader(input, options)?,
        Format::Xlsx => {
            let bytes = super::limits::read_xlsx(input)?;
            xlsx_reader(&bytes, options)?
        }
    };
    let layout = reader.layout().clone();
    for item in reader {
        let (row, parsed) = item?;
        if let Some(out) = importer.row(row, parsed)? {
            sink(out)?;
        }
    }
    Ok((layout, importer.summary))
}

/// Reads and de-duplicates a whole statement held in memory and lists every row.
///
/// # Errors
/// As [`stream_statement`].
///
/// # Example
/// ```
/// use windeep_core::bank::{import_statement, Format, StatementOptions};
/// let csv = "Txn Date,Description,Debit,Credit\n05/01/2026,UPI/CR/601512345678/A,,500.00\n";
/// let options = StatementOptions::default();
/// let first = import_statement(csv.as_bytes(), Format::Csv, &options, "SBI-1", None, &[]).unwrap();
/// assert_eq!(first.summary.new, 1);
/// let prior = first.prior_keys("IMP-1");
/// let again = import_statement(csv.as_bytes(), Format::Csv, &options, "SBI-1", None, &prior).unwrap();
/// assert_eq!(again.summary.duplicates, 1);
/// ```
pub fn import_statement(
    input: &[u8],
    format: Format,
    options: &StatementOptions,
    account_id: &str,
    import_id: Option<&str>,
    prior: &[PriorKey],
) -> Result<ImportReport> {
    if let Some(id) = import_id {
        check_id(id, "import_id")?;
    }
    let mut rows = Vec::new();
    let (layout, summary) = stream_statement(
        input,
        format,
        options,
        account_id,
        prior.iter().cloned(),
        |r| {
            if rows.len() >= MAX_LISTED_ROWS {
                return Err(CoreError::StatementTooManyRows {
                    reason: format!(
                        "more than {MAX_LISTED_ROWS} rows to list in one answer; stream the \
                         statement instead (`stream_statement`, `windeep import`)"
                    ),
                });
            }
            rows.push(r);
            Ok(())
        },
    )?;
    Ok(ImportReport {
        account_id: account_id.to_owned(),
        import_id: import_id.map(str::to_owned),
        layout,
        summary,
        rows,
    })
}

impl ImportReport {
    /// The keys of this import's new transactions, to pass as `prior` to the next import of
    /// the same account.
    #[must_use]
    pub fn prior_keys(&self, import_id: &str) -> Vec<PriorKey> {
        self.rows
            .iter()
            .filter_map(|r| match r {
                ImportedRow::New {
                    row, transaction, ..
                } => Some(PriorKey {
                    key: transaction.key.clone(),
                    import_id: import_id.to_owned(),
                    row: *row,
                    date: Some(transaction.date),
                    amount: Some(transaction.amount),
                }),
                _ => None,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cash(row: u64) -> (u64, ParsedRow) {
        let line = ImportLine {
            date: chrono::NaiveDate::from_ymd_opt(2026, 1, 5).unwrap(),
            value_date: None,
            narration: "CASH DEPOSIT".to_owned(),
            reference: None,
            direction: Direction::Credit,
            amount: Money::from_decimal(Decimal::new(50000, 2)),
            balance: None,
        };
        (row, ParsedRow::Line(line))
    }

    fn outcome(r: Option<ImportedRow>) -> (String, String) {
        match r.unwrap() {
            ImportedRow::New { transaction, .. } => ("new".to_owned(), transaction.key),
            ImportedRow::Duplicate {
                transaction,
                duplicate_of,
                ..
            } => (
                format!("duplicate of {}", duplicate_of.row),
                transaction.key,
            ),
            other => panic!("{other:?}"),
        }
    }

    /// Every value the UTR index can be given comes back unchanged from its packed form, and
    /// `is` answers as comparing the unpacked date and amount would.
    #[test]
    fn a_packed_utr_entry_is_exactly_what_was_seen() {
        use chrono::NaiveDate;
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
        let dates = [
            None,
            Some(d(2026, 1, 5)),
            Some(d(1, 1, 1)),
            Some(d(0, 12, 31)),
            Some(d(9999, 12, 31)),
            Some(d(24_000, 1, 1)),
            Some(NaiveDate::MIN),
            Some(NaiveDate::MAX),
        ];
        let amounts: Vec<Option<Money>> = [
            None,
            Some("500.00"),
            Some("500"),
            Some("0.00"),
            Some("-0.00"),
            Some("-1.00"),
            Some("687194767.35"),
            Some("687194767.36"),
            Some("99999999999999.99"),
            Some("0.0000000000000000000000000001"),
            Some("79228162514264337593543950335"),
        ]
        .iter()
        .map(|a| a.map(|a| Money::from_decimal(a.parse().unwrap())))
        .collect();
        let origins = [
            Origin {
                import: None,
                row: 0,
            },
            Origin {
                import: None,
                row: (1 << 40) - 1,
            },
            Origin {
                import: None,
                row: 1 << 40,
            },
            Origin {
                import: Some(0),
                row: 7,
            },
            Origin {
                import: Some((1 << 23) - 2),
                row: 7,
            },
            Origin {
                import: Some((1 << 23) - 1),
                row: 7,
            },
            Origin {
                import: Some(u32::MAX),
                row: u64::MAX,
            },
        ];
        let mut spill = Vec::new();
        let mut packed = 0;
        for origin in origins {
            for date in dates {
                for amount in &amounts {
                    let seen = Seen {
                        origin,
                        date,
                        amount: *amount,
                    };
                    let entry = UtrSeen::pack(seen, &mut spill);
                    packed += usize::from(entry.origin & SPILLED == 0);
                    assert_eq!(entry.unpack(&spill), seen);
                    assert_eq!(entry.origin(&spill), origin);
                    for other_date in dates.iter().flatten() {
                        for other in amounts.iter().flatten() {
                            assert_eq!(
                                entry.is(*other_date, *other, &spill),
                                date == Some(*other_date) && *amount == Some(*other),
                                "{seen:?} against {other_date} {other}"
                            );
                        }
                    }
                }
            }
        }
        assert!(packed > 0 && !spill.is_empty());
        assert_eq!(size_of::<(u128, UtrSeen)>(), 32);
    }

    #[test]
    fn an_ordinal_stuck_at_its_maximum_repeats_its_key() {
        let mut importer = Importer::new("ACC-1", 2, []).unwrap();
        let (row, line) = cash(1);
        let (status, key) = outcome(importer.row(row, line).unwrap());
        assert_eq!((status.as_str(), key.ends_with(":1")), ("new", true));
        for state in importer.fingerprints.values_mut() {
            state.ordinal = u32::MAX - 1;
        }
        let stuck = format!("{}:{}", key.trim_end_matches(":1"), u32::MAX);
        let mut got = Vec::new();
        for row in 2..5 {
            let (row, line) = cash(row);
            got.push(outcome(importer.row(row, line).unwrap()));
        }
        assert_eq!(
            got,
            vec![
                ("new".to_owned(), stuck.clone()),
                ("duplicate of 2".to_owned(), stuck.clone()),
                ("duplicate of 2".to_owned(), stuck),
            ]
        );
    }

    #[test]
    fn amounts_dates_and_ordinals_are_written_as_display_writes_them() {
        let mut values: Vec<Decimal> = [
            "0",
            "0.00",
            "-0.00",
            "5",
            "0.05",
            "0.5",
            "12.345",
            "-12.30",
            "100000.00",
            "999999999999.9999",
            "18446744073709551615",
            "18446744073709551616",
            "-18446744073709551616.5",
            "0.0000000000000000000001",
            "79228162514264337593543950335",
        ]
        .iter()
        .map(|t| t.parse().unwrap())
        .collect();
        values.push(-Decimal::ZERO);
        values.push(Decimal::new(-0, 3));
        values.push(-Decimal::new(0, 2));
        assert!(values.iter().any(|v| v.is_zero() && v.is_sign_negative()));
        for v in values {
            let mut out = String::new();
            push_amount(&mut out, Money::from_decimal(v));
            assert_eq!(out, v.to_string(), "{v:?}");
        }
        for (y, m, d) in [(1, 1, 1), (999, 12, 31), (2026, 1, 5), (9999, 12, 31)] {
            let date = chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap();
            let mut out = String::new();
            push_date(&mut out, date);
            assert_eq!(out, format_date(date));
        }
        for date in [chrono::NaiveDate::MIN, chrono::NaiveDate::MAX] {
            let mut out = String::new();
            push_date(&mut out, date);
            assert_eq!(out, format_date(date));
        }
        for n in [0, 1, 9, 10, 4_294_967_295, u64::MAX] {
            let mut out = String::new();
            push_digits(&mut out, n, 1);
            assert_eq!(out, n.to_string());
        }
    }

    #[test]
    fn a_row_is_fingerprinted_as_fingerprint_says() {
        let mut importer = Importer::new("SBI-1 ₹/x", 2, []).unwrap();
        for (narration, balance) in [
            ("CASH DEPOSIT", None),
            ("  upi/CR/6015--Ramesh@ybl ", Some("-1250.50")),
            ("₹ नमस्ते  café--x", Some("0.00")),
            ("", Some("12345678901.25")),
        ] {
            let mut line = match cash(1).1 {
                ParsedRow::Line(line) => line,
                _ => unreachable!(),
            };
            line.narration = narration.to_owned();
            line.balance = balance.map(|b| Money::from_decimal(b.parse().unwrap()));
            let mut normalised = String::new();
            push_normalised(&mut normalised, narration);
            assert_eq!(normalised, normalise_narration(narration));
            let want = fingerprint(
                "SBI-1 ₹/x",
                &format_date(line.date),
                line.direction.as_str(),
                &line.amount.to_string(),
                narration,
                balance,
            );
            let mut got = String::new();
            push_hex(&mut got, importer.fingerprint_of(&line));
            assert_eq!(got, want, "{narration:?}");
        }
    }

    #[test]
    fn a_prior_key_of_another_spelling_matches_nothing() {
        let csv = "Txn Date,Description,Debit,Credit\n\
                   05/01/2026,UPI/CR/601512345678/A,,500.00\n\
                   05/01/2026,CASH DEPOSIT,,100.00\n";
        let options = StatementOptions::default();
        let import = |prior: &[PriorKey]| {
            import_statement(csv.as_bytes(), Format::Csv, &options, "ACC-1", None, prior).unwrap()
        };
        let keys = import(&[]).prior_keys("IMP-1");
        let (utr, fp) = (keys[0].key.clone(), keys[1].key.clone());
        assert_eq!(utr, "utr:601512345678:credit");
        let respelt = |key: String| PriorKey {
            key,
            import_id: "IMP-0".to_owned(),
            row: 7,
            date: None,
            amount: None,
        };
        let odd = [
            respelt(utr.replace("utr:", "UTR:")),
            respelt(format!("{utr} ")),
            respelt(format!("{}:01", fp.strip_suffix(":1").unwrap())),
            respelt(fp.to_ascii_uppercase()),
        ];
        let rows = import(&odd).rows;
        assert!(matches!(rows[0], ImportedRow::New { review: None, .. }));
        // the fingerprint of `fp:<hex>:01` is still recognised for review
        let ImportedRow::New {
            review: Some(review),
            ..
        } = &rows[1]
        else {
            panic!("{:?}", rows[1]);
        };
        assert_eq!(
            (review.import_id.as_deref(), review.row),
            (Some("IMP-0"), 7)
        );
        let rows = import(&keys).rows;
        assert!(
            rows.iter()
                .all(|r| matches!(r, ImportedRow::Duplicate { .. }))
        );
    }

    fn statuses(csv: &str, prior: &[PriorKey]) -> Vec<String> {
        let options = StatementOptions::default();
        import_statement(csv.as_bytes(), Format::Csv, &options, "ACC-1", None, prior)
            .unwrap()
            .rows
            .iter()
            .map(|r| match r {
                ImportedRow::New { transaction, .. } => format!("new {}", transaction.key),
                ImportedRow::Duplicate { duplicate_of, .. } => {
                    format!("duplicate of {}", duplicate_of.row)
                }
                ImportedRow::Conflict { conflicts_with, .. } => {
                    format!("conflict with {}", conflicts_with.row)
                }
                other => format!("{other:?}"),
            })
            .collect()
    }

    #[test]
    fn a_upi_reversal_credit_is_not_a_duplicate_of_its_debit() {
        let csv = "Txn Date,Description,Debit,Credit\n\
                   05/01/2026,UPI/DR/601512345678/SHOP,500.00,\n\
                   05/01/2026,UPI/REV/601512345678/SHOP,,500.00\n";
        assert_eq!(
            statuses(csv, &[]),
            ["new utr:601512345678:debit", "new utr:601512345678:credit"]
        );
    }

    #[test]
    fn a_utr_seen_again_with_another_amount_or_date_is_a_conflict() {
        let csv = "Txn Date,Description,Debit,Credit\n\
                   05/01/2026,UPI/CR/601512345678/A,,500.00\n\
                   05/01/2026,UPI/CR/601512345678/A,,900.00\n\
                   06/01/2026,UPI/CR/601512345678/A,,500.00\n\
                   05/01/2026,UPI/CR/601512345678/A,,500.00\n";
        assert_eq!(
            statuses(csv, &[]),
            [
                "new utr:601512345678:credit",
                "conflict with 2",
                "conflict with 2",
                "duplicate of 2"
            ]
        );
        let options = StatementOptions::default();
        let first =
            import_statement(csv.as_bytes(), Format::Csv, &options, "ACC-1", None, &[]).unwrap();
        assert_eq!(first.summary.conflicts, 2);
        assert_eq!(first.summary.new_credits.total.to_string(), "500.00");
        // against an earlier import: the same rule
        let prior = first.prior_keys("IMP-1");
        assert_eq!(
            statuses(csv, &prior),
            [
                "duplicate of 2",
                "conflict with 2",
                "conflict with 2",
                "duplicate of 2"
            ]
        );
        // a key without its date and amount, or of the form without a direction, cannot
        // make a duplicate
        for key in ["utr:601512345678:credit", "utr:601512345678"] {
            let bare = [PriorKey {
                key: key.to_owned(),
                import_id: "IMP-0".to_owned(),
                row: 9,
                date: None,
                amount: None,
            }];
            assert_eq!(statuses(csv, &bare)[0], "conflict with 9", "{key}");
        }
    }

    #[test]
    fn two_emis_from_one_member_are_not_one_transfer_by_the_phone_number() {
        // the same phone (91 + mobile) in both narrations, no RRN: two fingerprinted rows
        let csv = "Txn Date,Description,Debit,Credit\n\
                   05/01/2026,UPI/CR/919707502695/RAMESH EMI JAN,,8884.88\n\
                   05/02/2026,UPI/CR/919707502695/RAMESH EMI FEB,,8884.88\n";
        let got = statuses(csv, &[]);
        assert!(got.iter().all(|s| s.starts_with("new fp:")), "{got:?}");
    }
}
