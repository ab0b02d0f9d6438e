//! A legacy export as typed columns: the columnar input of the book audit.
//!
//! [`ExportColumns`] holds the four legacy tables column by column, each column typed as its
//! source holds it (Arrow buffers, a DataFrame): whole numbers, fixed-point decimals (minor
//! units with a scale), binary floats, dates as days since 1970-01-01, flags, text, or raw
//! cells. Each column has an optional validity (false: SQL `NULL`). The book audit
//! ([`super::audit_book_columns`], [`super::audit_loan_book_columns`]) reads every cell with
//! the same treatment as the raw-text route ([`super::audit_book`]): a typed cell that is not
//! what its column needs is read as the text its source would have exported (a float as its
//! shortest repr, a date `YYYY-MM-DD`, a decimal with its scale's places), so a malformed cell
//! is reported with the same value either way.

use std::borrow::Cow;

use chrono::NaiveDate;

use crate::error::CoreError;
use crate::money::float_repr;

/// The values of one column, typed as their source holds them.
///
/// # Example
/// ```
/// use windeep_core::audit::ColumnValues;
/// let ids = ColumnValues::Int(vec![1, 2, 3]);
/// assert_eq!(ids.len(), 3);
/// // 1234.50 and 0.05 as minor units (paise) at scale 2, as Arrow's decimal128(15, 2).
/// let money = ColumnValues::Decimal { units: vec![123_450, 5], scale: 2 };
/// assert_eq!(money.len(), 2);
/// // The same amounts held in 64 bits: read exactly as the 128-bit column.
/// let narrow = ColumnValues::Decimal64 { units: vec![123_450, 5], scale: 2 };
/// assert_eq!(narrow.len(), 2);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum ColumnValues {
    /// Whole numbers (ids, counts).
    Int(Vec<i64>),
    /// Fixed-point decimals: value = `units` × 10^−`scale` (Arrow `decimal128(p, scale)`;
    /// money as minor units at scale 2).
    Decimal {
        /// The unscaled values.
        units: Vec<i128>,
        /// Decimal places (0–38).
        scale: u32,
    },
    /// Fixed-point decimals whose unscaled values fit 64 bits: value = `units` × 10^−`scale`,
    /// read exactly as [`ColumnValues::Decimal`] with the same values (half the memory; an
    /// Arrow `decimal128` column whose every value fits is read into this).
    Decimal64 {
        /// The unscaled values.
        units: Vec<i64>,
        /// Decimal places (0–38).
        scale: u32,
    },
    /// Binary floats (a pandas `float64` column). Money is read by
    /// [`crate::money::Money::from_f64_shortest`]; NaN is SQL `NULL`.
    Float(Vec<f64>),
    /// Dates as days since 1970-01-01 (Arrow `date32`).
    Days(Vec<i32>),
    /// Flags (`tinyint(1)`, Arrow `bool`).
    Bool(Vec<bool>),
    /// Text laid end to end: value `i` is `data[ends[i − 1]..ends[i]]` (from 0 for the first).
    Text {
        /// Every value, one after the other.
        data: String,
        /// The end of each value in `data` (non-decreasing, on character boundaries).
        ends: Vec<usize>,
    },
    /// Enum codes: value `i` is `words[codes[i]]` (an Arrow dictionary, a categorical).
    Codes {
        /// The code of each cell.
        codes: Vec<u32>,
        /// The words the codes stand for.
        words: Vec<String>,
    },
    /// Raw cells: text exactly as exported, `None` for `NULL` (a CSV file, a dump).
    Cells(Vec<Option<String>>),
}

impl ColumnValues {
    /// Number of cells.
    #[must_use]
    pub fn len(&self) -> usize {
        match self {
            Self::Int(v) => v.len(),
            Self::Decimal { units, .. } => units.len(),
            Self::Decimal64 { units, .. } => units.len(),
            Self::Float(v) => v.len(),
            Self::Days(v) => v.len(),
            Self::Bool(v) => v.len(),
            Self::Text { ends, .. } => ends.len(),
            Self::Codes { codes, .. } => codes.len(),
            Self::Cells(v) => v.len(),
        }
    }

    /// Whether the column has no cells.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Checks what the type cannot: text ends in order and on character boundaries, codes
    /// within the words, a decimal scale of at most 38.
    fn check(&self) -> Result<(), String> {
        match self {
            Self::Text { data, ends } => {
                let mut from = 0;
                for (i, &end) in ends.iter().enumerate() {
                    if end < from || data.get(from..end).is_none() {
                        return Err(format!("bad text end {end} in row {i}"));
                    }
                    from = end;
                }
                Ok(())
            }
            Self::Codes { codes, words } => match codes
                .iter()
                .position(|&c| usize::try_from(c).map_or(true, |c| c >= words.len()))
            {
                Some(i) => Err(format!("code out of range in row {i}")),
                None => Ok(()),
            },
            Self::Decimal { scale, .. } | Self::Decimal64 { scale, .. } if *scale > 38 => {
                Err(format!("a decimal scale of {scale} (at most 38)"))
            }
            _ => Ok(()),
        }
    }
}

/// One column: its values and which cells hold one.
///
/// # Example
/// ```
/// use windeep_core::audit::{Column, ColumnValues};
/// // Three installment ids, the second NULL.
/// let c = Column::new(ColumnValues::Int(vec![7, 0, 9]), Some(vec![true, false, true]));
/// assert_eq!(c.len(), 3);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// The values (a value under a false validity is not read).
    pub values: ColumnValues,
    /// Per cell, whether it holds a value (false: SQL `NULL`); `None`: every cell does.
    pub valid: Option<Vec<bool>>,
}

impl Column {
    /// A column of these values and validity.
    #[must_use]
    pub fn new(values: ColumnValues, valid: Option<Vec<bool>>) -> Self {
        Self { values, valid }
    }

    /// Number of cells.
    #[must_use]
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether the column has no cells.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    fn cell(&self, row: usize) -> Cell<'_> {
        if let Some(valid) = &self.valid
            && !valid.get(row).copied().unwrap_or(false)
        {
            return Cell::Null;
        }
        fn get(v: Option<Cell<'_>>) -> Cell<'_> {
            v.unwrap_or(Cell::Null)
        }
        match &self.values {
            ColumnValues::Int(v) => get(v.get(row).map(|&x| Cell::Int(x))),
            ColumnValues::Decimal { units, scale } => {
                get(units.get(row).map(|&u| Cell::Decimal(u, *scale)))
            }
            ColumnValues::Decimal64 { units, scale } => get(units
                .get(row)
                .map(|&u| Cell::Decimal(i128::from(u), *scale))),
            ColumnValues::Float(v) => get(v.get(row).map(|&x| Cell::Float(x))),
            ColumnValues::Days(v) => get(v.get(row).map(|&d| Cell::Days(d))),
            ColumnValues::Bool(v) => get(v.get(row).map(|&b| Cell::Bool(b))),
            ColumnValues::Text { data, ends } => {
                let from = match row.checked_sub(1) {
                    Some(before) => ends.get(before).copied(),
                    None => Some(0),
                };
                get(from
                    .zip(ends.get(row).copied())
                    .and_then(|(a, b)| data.get(a..b))
                    .map(Cell::Text))
            }
            ColumnValues::Codes { codes, words } => get(codes
                .get(row)
                .and_then(|&c| words.get(usize::try_from(c).ok()?))
                .map(|w| Cell::Text(w))),
            ColumnValues::Cells(v) => get(v.get(row).and_then(|c| c.as_deref()).map(Cell::Text)),
        }
    }
}

/// One table of a legacy export as typed columns.
///
/// Columns the audit does not read may be left out or given; they are ignored.
///
/// # Example
/// ```
/// use windeep_core::audit::{Column, ColumnTable, ColumnValues};
/// let mut t = ColumnTable::new(2);
/// t.push("id", Column::new(ColumnValues::Int(vec![1, 2]), None)).unwrap();
/// assert!(t.push("loan_id", Column::new(ColumnValues::Int(vec![1]), None)).is_err());
/// assert_eq!(t.rows(), 2);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ColumnTable {
    rows: usize,
    names: Vec<String>,
    columns: Vec<Column>,
}

impl ColumnTable {
    /// A table of `rows` rows and no columns yet.
    #[must_use]
    pub fn new(rows: usize) -> Self {
        Self {
            rows,
            names: Vec::new(),
            columns: Vec::new(),
        }
    }

    /// Adds a column.
    ///
    /// # Errors
    /// `E_INVALID_INPUT` when the column's length (or its validity's) is not the table's
    /// number of rows, a name repeats, or its values are inconsistent (text ends out of
    /// order, a code beyond the words, a scale above 38).
    pub fn push(&mut self, name: &str, column: Column) -> Result<(), CoreError> {
        let invalid = |reason: String| CoreError::InvalidInput { reason };
        if column.len() != self.rows || column.valid.as_ref().is_some_and(|v| v.len() != self.rows)
        {
            return Err(invalid(format!(
                "column {name} has {} cells, not {}",
                column.len(),
                self.rows
            )));
        }
        if self.names.iter().any(|n| n == name) {
            return Err(invalid(format!("column {name} is given twice")));
        }
        column
            .values
            .check()
            .map_err(|e| invalid(format!("column {name}: {e}")))?;
        self.names.push(name.to_owned());
        self.columns.push(column);
        Ok(())
    }

    /// Number of rows.
    #[must_use]
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// The column names, in order.
    #[must_use]
    pub fn names(&self) -> &[String] {
        &self.names
    }
}

/// The four tables of a legacy export as typed columns.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExportColumns {
    /// The `loans` table.
    pub loans: ColumnTable,
    /// The `loan_installments` table.
    pub loan_installments: ColumnTable,
    /// The `loan_payments` table.
    pub loan_payments: ColumnTable,
    /// The `fines` table.
    pub fines: ColumnTable,
}

/// One cell as its source holds it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Cell<'a> {
    Null,
    Text(&'a str),
    Int(i64),
    Decimal(i128, u32),
    Float(f64),
    Days(i32),
    Bool(bool),
}

/// Days from 0001-01-01 (day 1 of the common era) to 1970-01-01.
const UNIX_EPOCH_DAYS_CE: i32 = 719_163;

/// A date32 value as a date (years 1–9999).
pub(super) fn date_of_days(days: i32) -> Option<NaiveDate> {
    days.checked_add(UNIX_EPOCH_DAYS_CE)
        .and_then(NaiveDate::from_num_days_from_ce_opt)
        .filter(|d| (1..=9999).contains(&chrono::Datelike::year(d)))
}

/// An unscaled decimal as text with `scale` places (`12345`, 2 → `123.45`).
fn decimal_text(units: i128, scale: u32) -> String {
    let digits = units.unsigned_abs().to_string();
    let sign = if units < 0 { "-" } else { "" };
    let scale = usize::try_from(scale).unwrap_or(0);
    if scale == 0 {
        return format!("{sign}{digits}");
    }
    let padded = format!("{digits:0>width$}", width = scale + 1);
    let (int, frac) = padded.split_at(padded.len() - scale);
    format!("{sign}{int}.{frac}")
}

impl<'a> Cell<'a> {
    /// The cell as the text its source would have exported (`None` for `NULL`).
    pub(super) fn text(self) -> Option<Cow<'a, str>> {
        Some(match self {
            Self::Null => return None,
            Self::Text(t) => Cow::Borrowed(t),
            Self::Int(v) => Cow::Owned(v.to_string()),
            Self::Decimal(u, s) => Cow::Owned(decimal_text(u, s)),
            Self::Float(x) if x.is_nan() => return None,
            Self::Float(x) => Cow::Owned(float_repr(x)),
            Self::Days(d) => Cow::Owned(
                date_of_days(d).map_or_else(|| d.to_string(), |d| d.format("%Y-%m-%d").to_string()),
            ),
            Self::Bool(b) => Cow::Borrowed(if b { "1" } else { "0" }),
        })
    }
}

/// A table the book audit reads cell by cell.
pub(super) trait Source: Sync {
    /// The column's position, if the table has it.
    fn index(&self, name: &str) -> Option<usize>;
    /// Number of rows.
    fn rows(&self) -> usize;
    /// The cell at (`row`, `column`); `Null` beyond the row's cells.
    fn cell(&self, row: usize, column: usize) -> Cell<'_>;
}

impl Source for super::RawTable {
    fn index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|n| n == name)
    }

    fn rows(&self) -> usize {
        self.rows.len()
    }

    fn cell(&self, row: usize, column: usize) -> Cell<'_> {
        self.rows
            .get(row)
            .and_then(|r| r.get(column))
            .and_then(|c| c.as_deref())
            .map_or(Cell::Null, Cell::Text)
    }
}

impl Source for ColumnTable {
    fn index(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    fn rows(&self) -> usize {
        self.rows
    }

    fn cell(&self, row: usize, column: usize) -> Cell<'_> {
        self.columns.get(column).map_or(Cell::Null, |c| c.cell(row))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_cells_read_as_their_exported_text() {
        assert_eq!(decimal_text(123_450, 2), "1234.50");
        assert_eq!(decimal_text(-5, 2), "-0.05");
        assert_eq!(decimal_text(0, 2), "0.00");
        assert_eq!(decimal_text(7, 0), "7");
        assert_eq!(Cell::Days(0).text().as_deref(), Some("1970-01-01"));
        assert_eq!(Cell::Days(20_454).text().as_deref(), Some("2026-01-01"));
        assert_eq!(Cell::Float(12.0).text().as_deref(), Some("12.0"));
        assert_eq!(Cell::Bool(true).text().as_deref(), Some("1"));
        assert_eq!(Cell::Null.text(), None);
    }

    #[test]
    fn a_table_checks_its_columns() {
        let mut t = ColumnTable::new(2);
        let text = ColumnValues::Text {
            data: "paidé".to_owned(),
            ends: vec![4, 5],
        };
        assert!(t.push("status", Column::new(text, None)).is_err());
        let codes = ColumnValues::Codes {
            codes: vec![0, 2],
            words: vec!["a".to_owned(), "b".to_owned()],
        };
        assert!(t.push("status", Column::new(codes, None)).is_err());
        let ok = ColumnValues::Codes {
            codes: vec![0, 1],
            words: vec!["a".to_owned(), "b".to_owned()],
        };
        t.push("status", Column::new(ok, Some(vec![true, false])))
            .unwrap();
        assert_eq!(t.cell(0, 0), Cell::Text("a"));
        assert_eq!(t.cell(1, 0), Cell::Null);
        assert!(
            t.push("status", Column::new(ColumnValues::Int(vec![1, 2]), None))
                .is_err()
        );
    }

    #[test]
    fn a_narrow_decimal_reads_as_the_wide_one() {
        let units = [123_450_i64, -5, 0, i64::MAX, i64::MIN];
        let wide = Column::new(
            ColumnValues::Decimal {
                units: units.iter().map(|&u| i128::from(u)).collect(),
                scale: 2,
            },
            Some(vec![true, true, false, true, true]),
        );
        let narrow = Column::new(
            ColumnValues::Decimal64 {
                units: units.to_vec(),
                scale: 2,
            },
            Some(vec![true, true, false, true, true]),
        );
        for row in 0..units.len() {
            assert_eq!(narrow.cell(row), wide.cell(row));
        }
        assert_eq!(narrow.cell(0).text().as_deref(), Some("1234.50"));
        assert_eq!(narrow.cell(1).text().as_deref(), Some("-0.05"));
        assert_eq!(narrow.cell(2), Cell::Null);
        assert_eq!(
            narrow.cell(4).text().as_deref(),
            Some("-92233720368547758.08")
        );
        let mut t = ColumnTable::new(1);
        let scale = ColumnValues::Decimal64 {
            units: vec![1],
            scale: 39,
        };
        assert!(t.push("amount", Column::new(scale, None)).is_err());
    }
}
