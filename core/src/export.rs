//! Writing cells of the CSV (and spreadsheet) files the project produces, safe to open in a
//! spreadsheet.
//!
//! Text from outside (a narration, a member's name, a reference) is stored verbatim, but a cell
//! that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is read by Excel, LibreOffice
//! and Google Sheets as a formula (OWASP "CSV injection"): `=HYPERLINK(…)` in a narration would
//! run when the society opens the export. Every CSV writer of the project passes its cells
//! through [`csv_cell`], which prefixes such a cell with an apostrophe (shown by the
//! spreadsheet, not part of the value it displays) and quotes it as RFC 4180 requires. A plain
//! number (`-100.00`) is left as it is: it cannot be a formula, and it must stay a number.

use std::borrow::Cow;

/// Whether a cell would be read as a formula by a spreadsheet.
fn is_formula_like(text: &str) -> bool {
    matches!(
        text.as_bytes().first(),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
    ) && !is_plain_number(text)
}

/// `-`? digits (`.` digits)?: a number a spreadsheet reads as a number.
fn is_plain_number(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let (int, frac) = digits.split_once('.').unwrap_or((digits, "0"));
    !int.is_empty()
        && !frac.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit())
}

/// One CSV cell as written to a file: neutralised when it would be read as a formula, then
/// quoted when it holds the delimiter `,`, a quote or a line break.
///
/// # Example
/// ```
/// use windeep_core::export::csv_cell;
/// assert_eq!(csv_cell("8884.88"), "8884.88");
/// assert_eq!(csv_cell("-100.00"), "-100.00");
/// assert_eq!(csv_cell("=HYPERLINK(\"http://x\")"), "\"'=HYPERLINK(\"\"http://x\"\")\"");
/// assert_eq!(csv_cell("@SUM(A1)"), "'@SUM(A1)");
/// assert_eq!(csv_cell("a,b"), "\"a,b\"");
/// ```
#[must_use]
pub fn csv_cell(text: &str) -> Cow<'_, str> {
    let neutral: Cow<'_, str> = if is_formula_like(text) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    };
    if neutral.contains([',', '"', '\n', '\r']) {
        Cow::Owned(format!("\"{}\"", neutral.replace('"', "\"\"")))
    } else {
        neutral
    }
}

/// A CSV record: the cells through [`csv_cell`], joined by commas, ended by `\n`.
///
/// # Example
/// ```
/// use windeep_core::export::csv_row;
/// assert_eq!(csv_row(["1", "+91 97075", "x"]), "1,'+91 97075,x\n");
/// ```
#[must_use]
pub fn csv_row<'a>(cells: impl IntoIterator<Item = &'a str>) -> String {
    let mut out = String::new();
    for (i, cell) in cells.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&csv_cell(cell));
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_formula_start_is_neutralised_and_numbers_are_not() {
        for bad in [
            "=1+1", "+1", "-1+2", "@A1", "\tx", "\r=1", "-", "=", "-1e3", "--1",
        ] {
            let out = csv_cell(bad);
            let inner = out.trim_start_matches('"');
            assert!(inner.starts_with('\''), "{bad:?} -> {out:?}");
        }
        for ok in ["0", "12.50", "-12.50", "2026-01-05", "RAMESH", "", "1 = 1"] {
            assert!(!csv_cell(ok).contains('\''), "{ok:?}");
        }
    }
}
