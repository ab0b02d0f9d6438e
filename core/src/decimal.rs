//! Checked decimal arithmetic and strict parsing shared by the money and rate types.
//!
//! rust_decimal's operators panic on overflow; the core never uses them on values that come
//! from input. These helpers turn overflow into [`CoreError::Overflow`].

use rust_decimal::Decimal;

use crate::error::{CoreError, Result};

/// `a + b`, or `E_OVERFLOW`.
pub(crate) fn add(a: Decimal, b: Decimal, context: &'static str) -> Result<Decimal> {
    a.checked_add(b).ok_or(CoreError::Overflow { context })
}

/// `a − b`, or `E_OVERFLOW`.
pub(crate) fn sub(a: Decimal, b: Decimal, context: &'static str) -> Result<Decimal> {
    a.checked_sub(b).ok_or(CoreError::Overflow { context })
}

/// `a × b`, or `E_OVERFLOW`.
pub(crate) fn mul(a: Decimal, b: Decimal, context: &'static str) -> Result<Decimal> {
    a.checked_mul(b).ok_or(CoreError::Overflow { context })
}

/// `a ÷ b`, or `E_OVERFLOW` (also for a zero divisor, which callers rule out beforehand).
pub(crate) fn div(a: Decimal, b: Decimal, context: &'static str) -> Result<Decimal> {
    a.checked_div(b).ok_or(CoreError::Overflow { context })
}

/// `base^exp` by repeated squaring with checked multiplication (28 significant digits kept
/// at each step), or `E_OVERFLOW`.
pub(crate) fn powu(base: Decimal, mut exp: u32, context: &'static str) -> Result<Decimal> {
    let mut result = Decimal::ONE;
    let mut square = base;
    while exp > 0 {
        if exp & 1 == 1 {
            result = mul(result, square, context)?;
        }
        exp >>= 1;
        if exp > 0 {
            square = mul(square, square, context)?;
        }
    }
    Ok(result)
}

/// Why a decimal string was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ParseProblem {
    Empty,
    Syntax,
    TooLong,
}

impl ParseProblem {
    pub(crate) fn describe(self, text: &str) -> String {
        match self {
            Self::Empty => "empty string".to_owned(),
            Self::Syntax => format!(
                "{text:?} is not a plain decimal (digits, an optional leading '-', one optional '.')"
            ),
            Self::TooLong => format!("{text:?} has more than 28 significant digits"),
        }
    }
}

/// Parses a plain decimal string: optional `-`, digits, optional `.` and digits.
///
/// No exponent, sign `+`, spaces, separators or underscores are accepted: a value that needs
/// any of them did not come from a decimal type.
pub(crate) fn parse_plain(text: &str) -> std::result::Result<Decimal, ParseProblem> {
    if text.is_empty() {
        return Err(ParseProblem::Empty);
    }
    let digits = text.strip_prefix('-').unwrap_or(text);
    let (int, frac) = match digits.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (digits, None),
    };
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let ok =
        !int.is_empty() && all_digits(int) && frac.is_none_or(|f| !f.is_empty() && all_digits(f));
    if !ok {
        return Err(ParseProblem::Syntax);
    }
    let significant = int.trim_start_matches('0').len() + frac.map_or(0, str::len);
    if significant > 28 || frac.map_or(0, str::len) > 28 {
        return Err(ParseProblem::TooLong);
    }
    text.parse::<Decimal>().map_err(|_| ParseProblem::TooLong)
}

/// Number of decimal places actually used (trailing zeros do not count): `"12.50"` → 1.
pub(crate) fn used_scale(value: Decimal) -> u32 {
    value.normalize().scale()
}

/// Pads (never rounds) `value` to exactly `scale` decimal places.
///
/// Callers pass values that already have at most `scale` places, so no digit is dropped.
/// Negative zero is normalised to zero.
#[expect(
    clippy::disallowed_methods,
    reason = "the single padding helper: the value is already rounded, rescale only appends zeros"
)]
pub(crate) fn pad(value: Decimal, scale: u32) -> Decimal {
    let mut v = if value.is_zero() {
        Decimal::ZERO
    } else {
        value
    };
    v.rescale(scale);
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_plain_decimals_only() {
        assert_eq!(parse_plain("1234.50").unwrap().to_string(), "1234.50");
        assert_eq!(parse_plain("-0.5").unwrap().to_string(), "-0.5");
        for bad in [
            "", "1e5", "+1", " 1", "1,000", "1_000", "1.", ".5", "-", "NaN", "1.2.3",
        ] {
            assert!(parse_plain(bad).is_err(), "{bad:?} must be refused");
        }
        assert_eq!(
            parse_plain("12345678901234567890123456789"),
            Err(ParseProblem::TooLong)
        );
    }

    #[test]
    fn pad_appends_zeros_and_drops_negative_zero() {
        assert_eq!(pad(parse_plain("33.3").unwrap(), 2).to_string(), "33.30");
        assert_eq!(pad(parse_plain("-0.00").unwrap(), 2).to_string(), "0.00");
    }
}
