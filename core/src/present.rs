//! Presentation: amounts and dates written the way an Indian society writes them on paper and on
//! screen. Pure formatting, in one place, so a PDF statement, a page and a report show the same
//! text for the same figure; nothing here rounds or changes a value.
//!
//! * Amounts: the Indian grouping of digits (lakh and crore: the last three digits, then pairs),
//!   the rupee sign, paise always two digits, a minus sign before the rupee sign —
//!   `₹1,00,000.00`, `-₹1,234.50`, `₹0.05`.
//! * Dates: a pattern of `DD`, `MM`, `MMM`, `YYYY` and `YY` with separators, `DD-MM-YYYY` by
//!   default.

use std::fmt::Write as _;

use chrono::{Datelike, NaiveDate};

use crate::error::{CoreError, Result};
use crate::money::{Currency, Money};

/// The rupee sign, U+20B9.
pub const RUPEE: char = '\u{20B9}';

/// Groups the digits of a whole number the Indian way: `1234567` → `12,34,567`.
///
/// `digits` are ASCII digits without sign or leading zeros (or the single digit `0`).
fn group_indian(digits: &str) -> String {
    let mut rev = String::with_capacity(digits.len() + digits.len() / 2);
    for (i, c) in digits.chars().rev().enumerate() {
        // A comma after the last three digits, then after every two.
        if i == 3 || (i > 3 && (i - 3) % 2 == 0) {
            rev.push(',');
        }
        rev.push(c);
    }
    rev.chars().rev().collect()
}

impl Money {
    /// The amount as rupees in the Indian way: rupee sign, lakh/crore grouping, two digits of
    /// paise, a minus sign in front of a negative amount (`-₹1,00,000.00`). Zero is `₹0.00`.
    ///
    /// The amount must be an INR amount: at most two decimals (more would need rounding, which
    /// a presentation does not do) and within the supported range.
    ///
    /// # Errors
    /// `E_AMOUNT_SCALE` for more than two decimal places; `E_AMOUNT_OUT_OF_RANGE` beyond
    /// ±1,000,000,000,000.
    ///
    /// # Example
    /// ```
    /// use windeep_core::money::Money;
    /// let m: Money = "100000".parse().unwrap();
    /// assert_eq!(m.to_indian().unwrap(), "₹1,00,000.00");
    /// let m: Money = "-12345678.5".parse().unwrap();
    /// assert_eq!(m.to_indian().unwrap(), "-₹1,23,45,678.50");
    /// assert!("1.005".parse::<Money>().unwrap().to_indian().is_err());
    /// ```
    pub fn to_indian(self) -> Result<String> {
        let padded = Currency::inr().amount(self)?.value();
        let negative = padded.is_sign_negative() && !padded.is_zero();
        let text = padded.abs().to_string();
        let (rupees, paise) = text.split_once('.').unwrap_or((text.as_str(), "00"));
        let mut out = String::with_capacity(text.len() + 8);
        if negative {
            out.push('-');
        }
        out.push(RUPEE);
        out.push_str(&group_indian(rupees));
        out.push('.');
        out.push_str(paise);
        Ok(out)
    }
}

/// One piece of a [`DatePattern`].
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    /// Day of the month, two digits.
    Day,
    /// Month number, two digits.
    Month,
    /// Month's short English name (`Jan`).
    MonthName,
    /// Year, four digits.
    Year,
    /// Year, last two digits.
    ShortYear,
    /// Text written as is.
    Literal(String),
}

/// How a society writes dates: a pattern of `DD` (day, two digits), `MM` (month, two digits),
/// `MMM` (month's short name, `Jan`), `YYYY` (year) and `YY` (year's last two digits), joined
/// by separators (`-`, `/`, `.`, space, comma). The default is `DD-MM-YYYY`.
///
/// # Example
/// ```
/// use windeep_core::present::DatePattern;
/// use windeep_core::money::parse_date;
/// let d = parse_date("2026-04-05").unwrap();
/// assert_eq!(DatePattern::default().format(d), "05-04-2026");
/// assert_eq!(DatePattern::parse("DD MMM YYYY").unwrap().format(d), "05 Apr 2026");
/// assert_eq!(DatePattern::parse("DD/MM/YY").unwrap().format(d), "05/04/26");
/// assert!(DatePattern::parse("DD-QQ-YYYY").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatePattern {
    text: String,
    pieces: Vec<Piece>,
}

impl Default for DatePattern {
    fn default() -> Self {
        Self {
            text: "DD-MM-YYYY".to_owned(),
            pieces: vec![
                Piece::Day,
                Piece::Literal("-".to_owned()),
                Piece::Month,
                Piece::Literal("-".to_owned()),
                Piece::Year,
            ],
        }
    }
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

impl DatePattern {
    /// The longest pattern accepted, characters.
    pub const MAX_LEN: usize = 32;

    /// Reads a pattern.
    ///
    /// # Errors
    /// `E_INVALID_POLICY` for an empty or overlong pattern, a letter run that is not one of
    /// `DD`, `MM`, `MMM`, `YYYY`, `YY`, a separator other than `-`, `/`, `.`, space or comma, a
    /// pattern without day, month and year, or one that names a part twice.
    ///
    /// # Example
    /// ```
    /// use windeep_core::present::DatePattern;
    /// assert_eq!(DatePattern::parse("DD.MM.YYYY").unwrap().as_str(), "DD.MM.YYYY");
    /// ```
    pub fn parse(text: &str) -> Result<Self> {
        let bad = |why: &str| CoreError::InvalidPolicy {
            reason: format!("date pattern {text:?}: {why}"),
        };
        if text.is_empty() || text.chars().count() > Self::MAX_LEN {
            return Err(bad("must have 1 to 32 characters"));
        }
        let mut runs: Vec<(char, usize)> = Vec::new();
        for c in text.chars() {
            match runs.last_mut() {
                Some((p, n)) if *p == c => *n += 1,
                _ => runs.push((c, 1)),
            }
        }
        let mut pieces = Vec::with_capacity(runs.len());
        for (c, run) in runs {
            let piece = match (c, run) {
                ('D', 2) => Piece::Day,
                ('M', 2) => Piece::Month,
                ('M', 3) => Piece::MonthName,
                ('Y', 4) => Piece::Year,
                ('Y', 2) => Piece::ShortYear,
                ('-' | '/' | '.' | ' ' | ',', _) => {
                    Piece::Literal(std::iter::repeat_n(c, run).collect())
                }
                _ if c.is_alphanumeric() => {
                    return Err(bad(&format!(
                        "{:?} is not DD, MM, MMM, YYYY or YY",
                        std::iter::repeat_n(c, run).collect::<String>()
                    )));
                }
                _ => return Err(bad(&format!("{c:?} is not a separator (- / . space ,)"))),
            };
            pieces.push(piece);
        }
        let count = |f: fn(&Piece) -> bool| pieces.iter().filter(|p| f(p)).count();
        let days = count(|p| *p == Piece::Day);
        let months = count(|p| matches!(p, Piece::Month | Piece::MonthName));
        let years = count(|p| matches!(p, Piece::Year | Piece::ShortYear));
        if days != 1 || months != 1 || years != 1 {
            return Err(bad("names the day, the month and the year once each"));
        }
        Ok(Self {
            text: text.to_owned(),
            pieces,
        })
    }

    /// The pattern as written.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Writes `date` in this pattern.
    ///
    /// # Example
    /// ```
    /// use windeep_core::present::DatePattern;
    /// let d = windeep_core::money::parse_date("2026-12-31").unwrap();
    /// assert_eq!(DatePattern::default().format(d), "31-12-2026");
    /// ```
    #[must_use]
    pub fn format(&self, date: NaiveDate) -> String {
        let mut out = String::with_capacity(self.text.len() + 2);
        for p in &self.pieces {
            // Writing to a String cannot fail.
            let _ = match p {
                Piece::Day => write!(out, "{:02}", date.day()),
                Piece::Month => write!(out, "{:02}", date.month()),
                Piece::MonthName => {
                    out.push_str(MONTHS.get(date.month0() as usize).copied().unwrap_or("???"));
                    Ok(())
                }
                Piece::Year => write!(out, "{:04}", date.year()),
                Piece::ShortYear => write!(out, "{:02}", date.year().rem_euclid(100)),
                Piece::Literal(s) => {
                    out.push_str(s);
                    Ok(())
                }
            };
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal::Decimal;

    fn m(s: &str) -> Money {
        s.parse().unwrap()
    }

    #[test]
    fn amounts_in_the_indian_way() {
        for (given, shown) in [
            ("0", "₹0.00"),
            ("-0.00", "₹0.00"),
            ("0.05", "₹0.05"),
            ("-0.5", "-₹0.50"),
            ("7", "₹7.00"),
            ("999.9", "₹999.90"),
            ("1000", "₹1,000.00"),
            ("12345.67", "₹12,345.67"),
            ("100000", "₹1,00,000.00"),
            ("-100000", "-₹1,00,000.00"),
            ("1234567.8", "₹12,34,567.80"),
            ("10000000", "₹1,00,00,000.00"),
            ("123456789012.34", "₹1,23,45,67,89,012.34"),
            ("1000000000000", "₹10,00,00,00,00,000.00"),
            ("-1000000000000.00", "-₹10,00,00,00,00,000.00"),
            ("1.500", "₹1.50"),
        ] {
            assert_eq!(m(given).to_indian().unwrap(), shown, "{given}");
        }
    }

    #[test]
    fn amounts_that_would_need_rounding_or_are_too_large_are_refused() {
        assert_eq!(m("1.005").to_indian().unwrap_err().code(), "E_AMOUNT_SCALE");
        assert_eq!(
            m("1000000000000.01").to_indian().unwrap_err().code(),
            "E_AMOUNT_OUT_OF_RANGE"
        );
    }

    #[test]
    fn dates_in_patterns() {
        let d = crate::money::parse_date("2026-01-09").unwrap();
        assert_eq!(DatePattern::default().format(d), "09-01-2026");
        assert_eq!(DatePattern::default().as_str(), "DD-MM-YYYY");
        assert_eq!(
            DatePattern::parse("DD-MM-YYYY").unwrap(),
            DatePattern::default()
        );
        assert_eq!(
            DatePattern::parse("YYYY/MM/DD").unwrap().format(d),
            "2026/01/09"
        );
        assert_eq!(
            DatePattern::parse("DD MMM, YYYY").unwrap().format(d),
            "09 Jan, 2026"
        );
        assert_eq!(
            DatePattern::parse("DD.MM.YY").unwrap().format(d),
            "09.01.26"
        );
        let y5 = crate::money::parse_date("0005-03-01").unwrap();
        assert_eq!(DatePattern::default().format(y5), "01-03-0005");
    }

    #[test]
    fn bad_patterns_are_refused() {
        for p in [
            "",
            "DD-MM",
            "DD-MM-YYYY-DD",
            "D-M-YYYY",
            "DD-MM-YYY",
            "DD-MMMM-YYYY",
            "DD_MM_YYYY",
            "DD-MM-YYYYx",
            "dd-mm-yyyy",
            "DD-MM-MM-YYYY",
            "DD-MMM-MM-YYYY",
            "DD-MM-YYYY                        ",
        ] {
            let e = DatePattern::parse(p).unwrap_err();
            assert_eq!(e.code(), "E_INVALID_POLICY", "{p:?}");
        }
    }

    /// An independent formatter on whole paise: peels the last three digits, then pairs, by
    /// integer division.
    fn simple_indian(paise: i128) -> String {
        let sign = if paise < 0 { "-" } else { "" };
        let p = paise.unsigned_abs();
        let (mut rupees, frac) = (p / 100, p % 100);
        let mut groups = vec![format!("{:03}", rupees % 1000)];
        rupees /= 1000;
        while rupees > 0 {
            groups.push(format!("{:02}", rupees % 100));
            rupees /= 100;
        }
        groups.reverse();
        let mut joined = groups.join(",");
        // Only the leading group carries leading zeros to strip (it is never all zeros unless
        // it is the only one).
        while joined.len() > 1 && joined.starts_with('0') {
            joined.remove(0);
        }
        format!("{sign}₹{joined}.{frac:02}")
    }

    #[test]
    fn the_independent_formatter_agrees_on_edges() {
        assert_eq!(simple_indian(0), "₹0.00");
        assert_eq!(simple_indian(10_000_000), "₹1,00,000.00");
        assert_eq!(simple_indian(-5), "-₹0.05");
    }

    proptest! {
        #[test]
        fn indian_format_matches_an_independent_formatter(
            paise in -100_000_000_000_000i128..=100_000_000_000_000i128,
            scale in 0u32..=2, // below 2: written without trailing zeros
        ) {
            // The same amount written with its trailing zeros or without them.
            let d = Decimal::from_i128_with_scale(paise, 2);
            let d = if scale < 2 { d.normalize() } else { d };
            let shown = Money::from_decimal(d).to_indian().unwrap();
            prop_assert_eq!(&shown, &simple_indian(paise));
            // Reading back the digits gives the amount.
            let back: String = shown.chars().filter(|c| c.is_ascii_digit() || *c == '.' || *c == '-').collect();
            prop_assert_eq!(back.parse::<Decimal>().unwrap(), d);
        }

        #[test]
        fn default_pattern_is_the_iso_date_reversed(days in 0i64..3_000_000) {
            let d = NaiveDate::from_ymd_opt(1, 1, 1).unwrap() + chrono::Days::new(days as u64);
            let iso = crate::money::format_date(d);
            let (y, rest) = iso.split_once('-').unwrap();
            let (mo, da) = rest.split_once('-').unwrap();
            prop_assert_eq!(DatePattern::default().format(d), format!("{da}-{mo}-{y}"));
        }
    }
}
