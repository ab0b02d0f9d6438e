//! The cells of a statement: dates, amounts and narrations as Indian banks print them.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::Direction;
use crate::decimal::{parse_plain, used_scale};
use crate::money::MAX_AMOUNT;

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];
const FULL_MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// Parses a statement date: day first (`05/01/2026`, `05-01-26`, `05.01.2026`), with a month
/// name (`05-Jan-2026`, `5 Jan 26`, `05/JAN/2026`, `05 January 2026`) or ISO (`2026-01-05`),
/// each optionally followed by a time (`10:15`, `10:15:30`, `10:15 AM`, `T10:15:30`).
/// Two-digit years are 20yy. Month-first dates are not accepted.
///
/// # Example
/// ```
/// use windeep_core::bank::parse_statement_date;
/// let d = |s| parse_statement_date(s).map(|d| d.to_string());
/// assert_eq!(d("05/01/2026").as_deref(), Some("2026-01-05"));
/// assert_eq!(d("05-Jan-2026 10:15:00").as_deref(), Some("2026-01-05"));
/// assert_eq!(d("2026-01-05T09:00").as_deref(), Some("2026-01-05"));
/// assert_eq!(d("31/02/2026"), None);
/// ```
#[must_use]
pub fn parse_statement_date(text: &str) -> Option<NaiveDate> {
    let t = trim(text);
    let (date, rest) = split_date_and_time(t)?;
    if !rest.is_empty() && !is_time(rest) {
        return None;
    }
    date
}

/// Splits `t` into a parsed date (None if the date itself is impossible) and the rest.
fn split_date_and_time(t: &str) -> Option<(Option<NaiveDate>, &str)> {
    let b = t.as_bytes();
    let (first, n1) = digits(b, 0)?;
    if n1 == 4 {
        // ISO: yyyy-mm-dd
        let i = n1;
        if b.get(i) != Some(&b'-') {
            return None;
        }
        let (m, nm) = digits(b, i + 1)?;
        if nm > 2 || b.get(i + 1 + nm) != Some(&b'-') {
            return None;
        }
        let (d, nd) = digits(b, i + 2 + nm)?;
        if nd > 2 {
            return None;
        }
        let end = i + 2 + nm + nd;
        let rest = t.get(end..)?;
        let rest = rest.strip_prefix('T').unwrap_or(rest);
        return Some((ymd(first, m, d), rest.trim()));
    }
    if n1 > 2 {
        return None;
    }
    let day = first;
    let sep = *b.get(n1)?;
    if !matches!(sep, b'/' | b'-' | b'.' | b' ') {
        return None;
    }
    let start = n1 + 1;
    let (month, after_month) = if let Some((m, nm)) = digits(b, start) {
        if nm > 2 || sep == b' ' {
            return None;
        }
        if b.get(start + nm) != Some(&sep) {
            return None;
        }
        (m, start + nm + 1)
    } else {
        let letters = b
            .get(start..)?
            .iter()
            .take_while(|c| c.is_ascii_alphabetic())
            .count();
        let name = t.get(start..start + letters)?.to_ascii_lowercase();
        let m = month_number(&name)?;
        let mut j = start + letters;
        // the separator after a month name: the same one, a space or ", "
        let mut seen = 0;
        while matches!(b.get(j), Some(b'/' | b'-' | b'.' | b' ' | b',')) {
            j += 1;
            seen += 1;
        }
        if seen == 0 || seen > 2 {
            return None;
        }
        (m, j)
    };
    let (y, ny) = digits(b, after_month)?;
    let year = match ny {
        2 => 2000 + y,
        4 => y,
        _ => return None,
    };
    let rest = t.get(after_month + ny..)?;
    if !rest.is_empty() && !rest.starts_with([' ', 'T']) {
        return None;
    }
    Some((ymd(year, month, day), rest.trim_start_matches('T').trim()))
}

fn ymd(y: u32, m: u32, d: u32) -> Option<NaiveDate> {
    let y = i32::try_from(y).ok()?;
    if y < 1 {
        return None;
    }
    NaiveDate::from_ymd_opt(y, m, d)
}

fn month_number(name: &str) -> Option<u32> {
    let idx = MONTHS
        .iter()
        .position(|m| *m == name)
        .or_else(|| FULL_MONTHS.iter().position(|m| *m == name))
        .or_else(|| (name == "sept").then_some(8))?;
    u32::try_from(idx).ok().map(|i| i + 1)
}

/// The run of ASCII digits starting at `i` (at most 9), as a number and its length.
fn digits(b: &[u8], i: usize) -> Option<(u32, usize)> {
    let run = b
        .get(i..)?
        .iter()
        .take_while(|c| c.is_ascii_digit())
        .count();
    if run == 0 || run > 9 {
        return None;
    }
    let mut v: u32 = 0;
    for c in b.get(i..i + run)? {
        v = v * 10 + u32::from(c - b'0');
    }
    Some((v, run))
}

/// `HH:MM`, `HH:MM:SS`, `HH:MM:SS.fff`, optionally followed by AM/PM.
fn is_time(rest: &str) -> bool {
    let lower = rest.trim().to_ascii_lowercase();
    let (clock, twelve) = match lower
        .strip_suffix("am")
        .or_else(|| lower.strip_suffix("pm"))
    {
        Some(c) => (c.trim_end(), true),
        None => (lower.as_str(), false),
    };
    let parts: Vec<&str> = clock.split(':').collect();
    if !(2..=3).contains(&parts.len()) {
        return false;
    }
    let num = |s: &str, max: u32| {
        !s.is_empty()
            && s.len() <= 2
            && s.bytes().all(|c| c.is_ascii_digit())
            && s.parse::<u32>().is_ok_and(|v| v <= max)
    };
    let hour_max = if twelve { 12 } else { 23 };
    let Some((h, rest)) = parts.split_first() else {
        return false;
    };
    if !num(h, hour_max) {
        return false;
    }
    match rest {
        [m] => num(m, 59),
        [m, s] => {
            let (whole, frac) = s.split_once('.').unwrap_or((s, "0"));
            num(m, 59)
                && num(whole, 59)
                && !frac.is_empty()
                && frac.bytes().all(|c| c.is_ascii_digit())
        }
        _ => false,
    }
}

/// Why an amount cell was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AmountProblem {
    /// Not a number in any accepted spelling.
    Invalid,
    /// More decimals than the currency has.
    Scale,
    /// Beyond ±10^12.
    Range,
}

impl AmountProblem {
    /// The reason, naming the cell text.
    pub(crate) fn describe(&self, text: &str, minor_units: u32) -> String {
        match self {
            Self::Invalid => format!("{text:?} is not an amount"),
            Self::Scale => format!("{text:?} has more than {minor_units} decimal places"),
            Self::Range => format!("{text:?} is outside the supported range"),
        }
    }
}

/// A parsed amount cell: the signed value and the direction its `Cr`/`Dr` suffix names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AmountCell {
    /// The value with its sign (a `(…)` or leading `-` makes it negative).
    pub value: Decimal,
    /// `Cr` → credit, `Dr` → debit, none → None.
    pub suffix: Option<Direction>,
}

/// Parses an amount cell: thousands separators (`1,23,456.78` or `123,456.78`), a currency
/// prefix (`₹`, `Rs.`, `INR`), a sign or parentheses, a `Cr`/`Dr` suffix. An empty cell or a
/// lone `-` is `Ok(None)`. At most `minor_units` decimals (trailing zeros do not count).
///
/// # Errors
/// The [`AmountProblem`].
///
/// # Example
/// ```
/// use windeep_core::bank::{parse_statement_amount, Direction};
/// let a = parse_statement_amount("1,23,456.50 Cr", 2).unwrap().unwrap();
/// assert_eq!(a.value.to_string(), "123456.50");
/// assert_eq!(a.suffix, Some(Direction::Credit));
/// assert!(parse_statement_amount("12.345", 2).is_err());
/// assert!(parse_statement_amount("", 2).unwrap().is_none());
/// ```
pub fn parse_statement_amount(
    text: &str,
    minor_units: u32,
) -> Result<Option<AmountCell>, AmountProblem> {
    let mut t = trim(text);
    if t.is_empty() || t == "-" || t == "--" {
        return Ok(None);
    }
    let mut suffix = None;
    let stem = t.strip_suffix('.').unwrap_or(t);
    let cut = stem.len().checked_sub(2);
    let tail = cut.and_then(|i| stem.get(i..)).unwrap_or_default();
    for (word, dir) in [("cr", Direction::Credit), ("dr", Direction::Debit)] {
        if tail.eq_ignore_ascii_case(word)
            && let Some(before) = cut.and_then(|i| stem.get(..i))
        {
            // only a suffix after a digit, a space or a closing parenthesis
            if before
                .chars()
                .last()
                .is_some_and(|c| c.is_ascii_digit() || c == ' ' || c == ')')
            {
                t = t
                    .get(..before.len())
                    .ok_or(AmountProblem::Invalid)?
                    .trim_end();
                suffix = Some(dir);
            }
            break;
        }
    }
    let mut negative = false;
    if let Some(inner) = t.strip_prefix('(').and_then(|s| s.strip_suffix(')')) {
        negative = true;
        t = inner.trim();
    }
    let sign = |t: &mut &str, negative: &mut bool| -> Result<(), AmountProblem> {
        if let Some(r) = t.strip_prefix('-') {
            if *negative {
                return Err(AmountProblem::Invalid);
            }
            *negative = true;
            *t = r.trim_start();
        } else if let Some(r) = t.strip_prefix('+') {
            *t = r.trim_start();
        }
        Ok(())
    };
    sign(&mut t, &mut negative)?;
    for prefix in ["₹", "INR", "Rs.", "Rs", "RS.", "RS"] {
        if let Some(r) = t.strip_prefix(prefix) {
            t = r.trim_start();
            sign(&mut t, &mut negative)?;
            break;
        }
    }
    if !t.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(AmountProblem::Invalid);
    }
    let (value, used) = match short_plain(t) {
        Some(v) => v,
        None => {
            let value = if t.contains(',') {
                parse_plain(&strip_grouping(t).ok_or(AmountProblem::Invalid)?)
            } else {
                parse_plain(t)
            }
            .map_err(|_| AmountProblem::Invalid)?;
            (value, used_scale(value))
        }
    };
    if used > minor_units {
        return Err(AmountProblem::Scale);
    }
    if value > MAX_AMOUNT {
        return Err(AmountProblem::Range);
    }
    Ok(Some(AmountCell {
        value: if negative { -value } else { value },
        suffix,
    }))
}

/// The usual amount, digits with an optional point and decimals and at most 18 digits in
/// all, read straight into the value `parse_plain` would give (same digits, same scale), with
/// its used scale (decimals without trailing zeros). None for any other text.
fn short_plain(t: &str) -> Option<(Decimal, u32)> {
    let (int, frac) = match t.split_once('.') {
        Some((i, f)) => (i, f),
        None => (t, ""),
    };
    let plain = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty()
        || !plain(int)
        || !plain(frac)
        || (frac.is_empty() && t.len() != int.len())
        || int.len() + frac.len() > 18
    {
        return None;
    }
    let mut mantissa: i64 = 0;
    for b in int.bytes().chain(frac.bytes()) {
        mantissa = mantissa * 10 + i64::from(b - b'0');
    }
    let scale = u32::try_from(frac.len()).ok()?;
    let used = u32::try_from(frac.trim_end_matches('0').len()).ok()?;
    Some((Decimal::new(mantissa, scale), used))
}

/// Removes thousands separators: commas only between digits of the integer part.
fn strip_grouping(t: &str) -> Option<String> {
    let (int, frac) = match t.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (t, None),
    };
    if int.starts_with(',') || int.ends_with(',') || int.contains(",,") {
        return None;
    }
    let mut out: String = int.chars().filter(|c| *c != ',').collect();
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    Some(out)
}

/// The narration as it enters a fingerprint: ASCII letters upper-cased, every run of other
/// characters (spaces, punctuation, anything non-ASCII) replaced by one space, trimmed.
///
/// # Example
/// ```
/// use windeep_core::bank::normalise_narration;
/// assert_eq!(normalise_narration("  upi/CR/6015--Ramesh@ybl "), "UPI CR 6015 RAMESH YBL");
/// ```
#[must_use]
pub fn normalise_narration(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut gap = false;
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            if gap && !out.is_empty() {
                out.push(' ');
            }
            gap = false;
            out.push(c.to_ascii_uppercase());
        } else {
            gap = true;
        }
    }
    out
}

/// `text.trim()`, answered at once for the usual cell that begins and ends with a visible
/// ASCII character (which is not white space) or is empty.
pub(crate) fn trim(text: &str) -> &str {
    let b = text.as_bytes();
    match (b.first(), b.last()) {
        (None, _) => text,
        (Some(first), Some(last)) if first.is_ascii_graphic() && last.is_ascii_graphic() => text,
        _ => text.trim(),
    }
}

/// A header cell as it is matched: ASCII letters and digits only, lower-cased.
pub(crate) fn normalise_header(text: &str) -> String {
    text.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> Option<String> {
        parse_statement_date(s).map(|d| d.to_string())
    }

    #[test]
    fn dates_in_indian_bank_formats() {
        for (text, want) in [
            ("05/01/2026", "2026-01-05"),
            ("5/1/2026", "2026-01-05"),
            ("05-01-2026", "2026-01-05"),
            ("05.01.2026", "2026-01-05"),
            ("05/01/26", "2026-01-05"),
            ("05-Jan-2026", "2026-01-05"),
            ("05-JAN-26", "2026-01-05"),
            ("5 Jan 2026", "2026-01-05"),
            ("05 January 2026", "2026-01-05"),
            ("05/Sep/2026", "2026-09-05"),
            ("05-Sept-2026", "2026-09-05"),
            ("05 Jan, 2026", "2026-01-05"),
            ("2026-01-05", "2026-01-05"),
            ("2026-01-05T10:15:30", "2026-01-05"),
            ("2026-01-05 10:15:30", "2026-01-05"),
            ("05/01/2026 10:15", "2026-01-05"),
            ("05/01/2026 10:15:30", "2026-01-05"),
            ("05-Jan-2026 09:05 PM", "2026-01-05"),
            ("05/01/2026 10:15:30.123", "2026-01-05"),
            (" 29/02/2028 ", "2028-02-29"),
        ] {
            assert_eq!(date(text).as_deref(), Some(want), "{text}");
        }
        for bad in [
            "",
            "31/02/2026",
            "29/02/2026",
            "2026/01/05",
            "05/01/202",
            "05/13/2026",
            "Jan 05 2026",
            "05-Foo-2026",
            "05/01/2026 25:00",
            "05/01/2026 10:61",
            "05/01/2026x",
            "05/01-2026",
            "123/01/2026",
            "46027",
            "05/01/2026 13:00 PM",
            "0000-01-01",
        ] {
            assert_eq!(date(bad), None, "{bad:?} must be refused");
        }
    }

    fn amount(s: &str) -> Result<Option<(String, Option<Direction>)>, AmountProblem> {
        parse_statement_amount(s, 2).map(|o| o.map(|a| (a.value.to_string(), a.suffix)))
    }

    #[test]
    fn amounts_in_indian_bank_formats() {
        let c = Some(Direction::Credit);
        let d = Some(Direction::Debit);
        for (text, value, suffix) in [
            ("5000", "5000", None),
            ("5,000.00", "5000.00", None),
            ("1,23,456.78", "123456.78", None),
            ("123,456.78", "123456.78", None),
            ("500.00 Cr", "500.00", c),
            ("500.00Cr.", "500.00", c),
            ("500.00 DR", "500.00", d),
            ("-250.50", "-250.50", None),
            ("(250.50)", "-250.50", None),
            ("₹ 1,000", "1000", None),
            ("Rs. 1,000.50", "1000.50", None),
            ("INR 10", "10", None),
            ("-₹10", "-10", None),
            ("+10", "10", None),
            ("10.500", "10.500", None),
            ("0.00", "0.00", None),
        ] {
            assert_eq!(
                amount(text),
                Ok(Some((value.to_owned(), suffix))),
                "{text:?}"
            );
        }
        assert_eq!(amount(""), Ok(None));
        assert_eq!(amount(" - "), Ok(None));
        for bad in [
            "abc", "1,,000", ",100", "100,", "1.2.3", "1e5", "--5", "Cr", "(-5)", "5 5",
        ] {
            assert_eq!(amount(bad), Err(AmountProblem::Invalid), "{bad:?}");
        }
        assert_eq!(amount("10.005"), Err(AmountProblem::Scale));
        assert_eq!(amount("1000000000000.01"), Err(AmountProblem::Range));
    }

    proptest::proptest! {
        #[test]
        fn short_amounts_read_as_parse_plain_reads_them(
            text in "[0-9]{0,12}(\\.[0-9]{0,8})?[0-9,.]?",
        ) {
            let slow = parse_plain(&text).ok().map(|v| (v, used_scale(v)));
            if let Some((fast, used)) = short_plain(&text) {
                let (slow, slow_used) = slow.unwrap();
                proptest::prop_assert_eq!(
                    (fast.mantissa(), fast.scale(), fast.is_sign_negative(), used),
                    (slow.mantissa(), slow.scale(), slow.is_sign_negative(), slow_used)
                );
            } else {
                proptest::prop_assert!(
                    slow.is_none() || text.len() > 18,
                    "{text:?} is plain and short but was not read"
                );
            }
        }
    }

    #[test]
    fn trimming_agrees_with_str_trim() {
        let chars = [
            'a', '1', ' ', '\t', '\n', '\r', '\u{b}', '\u{c}', '\u{1c}', '\u{7f}', '\u{85}',
            '\u{a0}', '\u{2003}', '\u{3000}', '₹', '~', '!',
        ];
        for a in chars {
            for b in chars {
                for text in [
                    String::new(),
                    a.to_string(),
                    format!("{a}{b}"),
                    format!("{a}x y{b}"),
                    format!("{a}{a}5{b}{b}"),
                ] {
                    assert_eq!(trim(&text), text.trim(), "{text:?}");
                }
            }
        }
    }

    #[test]
    fn headers_and_narrations_normalise() {
        assert_eq!(
            normalise_header("Withdrawal Amount (INR )"),
            "withdrawalamountinr"
        );
        assert_eq!(normalise_header("Chq./Ref.No."), "chqrefno");
        assert_eq!(
            normalise_narration("NEFT CR-SBIN0001234-A B"),
            "NEFT CR SBIN0001234 A B"
        );
        assert_eq!(normalise_narration("₹ नमस्ते"), "");
    }
}
