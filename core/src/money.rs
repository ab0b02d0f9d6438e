//! Money, currencies, rates and dates as they cross the boundary of the core.
//!
//! Money is a [`Decimal`] behind the [`Money`] newtype. Across every boundary it is a decimal
//! string padded to the currency's scale (`"1234.50"`); JSON numbers are refused on input
//! because they may already have passed through a binary float.

use std::fmt;

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::decimal::{ParseProblem, pad, parse_plain, used_scale};
use crate::error::{CoreError, Result};
use crate::wire::Marked;

/// The largest amount the core accepts as input, in currency units (10^12).
pub const MAX_AMOUNT: Decimal = Decimal::from_parts(3_567_587_328, 232, 0, false, 0);

/// A currency: its code and the number of decimal places of its minor unit.
///
/// # Example
/// ```
/// use windeep_core::Currency;
/// let inr = Currency::inr();
/// assert_eq!(inr.code(), "INR");
/// assert_eq!(inr.minor_units(), 2);
/// assert_eq!(inr.minor_unit().to_string(), "0.01");
/// ```
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Currency {
    code: String,
    minor_units: u32,
}

impl Default for Currency {
    fn default() -> Self {
        Self::inr()
    }
}

impl Currency {
    /// Indian rupee, two decimal places (paise). The default everywhere.
    #[must_use]
    pub fn inr() -> Self {
        Self {
            code: "INR".to_owned(),
            minor_units: 2,
        }
    }

    /// A currency from a three-letter code and 0–4 decimal places.
    ///
    /// # Errors
    /// `E_INVALID_CURRENCY` for any other code or number of places.
    pub fn new(code: &str, minor_units: u32) -> Result<Self> {
        let c = Self {
            code: code.to_owned(),
            minor_units,
        };
        c.validate()?;
        Ok(c)
    }

    /// Checks the code (three ASCII capitals) and the minor units (0–4).
    ///
    /// # Errors
    /// `E_INVALID_CURRENCY`.
    pub fn validate(&self) -> Result<()> {
        if self.code.len() != 3 || !self.code.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(CoreError::InvalidCurrency {
                reason: format!("code {:?} must be three capital letters", self.code),
            });
        }
        if self.minor_units > 4 {
            return Err(CoreError::InvalidCurrency {
                reason: format!("minor_units {} must be between 0 and 4", self.minor_units),
            });
        }
        Ok(())
    }

    /// The ISO code, e.g. `"INR"`.
    #[must_use]
    pub fn code(&self) -> &str {
        &self.code
    }

    /// Decimal places of the minor unit (2 for INR).
    #[must_use]
    pub fn minor_units(&self) -> u32 {
        self.minor_units
    }

    /// The minor unit as an amount (0.01 for INR).
    #[must_use]
    pub fn minor_unit(&self) -> Decimal {
        Decimal::new(1, self.minor_units)
    }

    /// Checks an input amount: at most `minor_units` decimals and within ±[`MAX_AMOUNT`];
    /// returns it padded to the currency's scale.
    ///
    /// # Errors
    /// `E_AMOUNT_SCALE` or `E_AMOUNT_OUT_OF_RANGE`.
    pub fn amount(&self, value: Money) -> Result<Money> {
        let v = value.0;
        if used_scale(v) > self.minor_units {
            return Err(CoreError::AmountScale {
                value: v.to_string(),
                minor_units: self.minor_units,
            });
        }
        if v.abs() > MAX_AMOUNT {
            return Err(CoreError::AmountOutOfRange {
                value: v.to_string(),
            });
        }
        Ok(Money(pad(v, self.minor_units)))
    }

    /// Checks an input amount like [`Self::amount`] and returns it in whole minor units.
    ///
    /// # Errors
    /// As [`Self::amount`].
    pub(crate) fn minor(&self, value: Money) -> Result<i128> {
        Ok(self.amount(value)?.0.mantissa())
    }

    /// An amount of `minor` whole minor units of this currency.
    ///
    /// # Errors
    /// `E_OVERFLOW` beyond the range of a decimal.
    pub(crate) fn money(&self, minor: i128) -> Result<Money> {
        Money::from_minor(minor, self.minor_units)
    }
}

/// An amount of money in currency units (rupees, not paise), exact.
///
/// Amounts produced by the core are always rounded by a [`crate::RoundingPolicy`] and padded
/// to the currency's scale, so `to_string()` is the canonical form (`"1234.50"`).
///
/// # Example
/// ```
/// use windeep_core::Money;
/// let m: Money = "1234.5".parse().unwrap();
/// assert_eq!(m.value().to_string(), "1234.5");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Money(Decimal);

impl Money {
    /// Zero.
    pub const ZERO: Self = Self(Decimal::ZERO);

    /// Wraps a value that a rounding policy has already rounded and padded.
    #[must_use]
    pub(crate) fn from_rounded(value: Decimal) -> Self {
        Self(value)
    }

    /// Wraps an exact decimal (no rounding, no check). Use [`Currency::amount`] to check it.
    #[must_use]
    pub fn from_decimal(value: Decimal) -> Self {
        Self(value)
    }

    /// The exact decimal value.
    #[must_use]
    pub fn value(self) -> Decimal {
        self.0
    }

    /// An amount of `minor` whole minor units at `scale` decimal places.
    ///
    /// # Errors
    /// `E_OVERFLOW` beyond the range of a decimal.
    pub(crate) fn from_minor(minor: i128, scale: u32) -> Result<Self> {
        Decimal::try_from_i128_with_scale(minor, scale)
            .map(Self)
            .map_err(|_| CoreError::Overflow { context: "amount" })
    }
}

impl std::str::FromStr for Money {
    type Err = CoreError;

    /// Parses a plain decimal string (`"1234.50"`); no exponent, separators or spaces.
    fn from_str(s: &str) -> Result<Self> {
        parse_plain(s)
            .map(Self)
            .map_err(|p| CoreError::InvalidAmount {
                reason: p.describe(s),
            })
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl Serialize for Money {
    /// A decimal string, marked as money for [`crate::wire`] (JSON shows only the string).
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        Marked(crate::wire::MONEY, &self.0).serialize(s)
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let text = strict_string(d, "E_INVALID_AMOUNT", "an amount")?;
        parse_plain(&text).map(Self).map_err(|p| {
            serde::de::Error::custom(format!("E_INVALID_AMOUNT: {}", p.describe(&text)))
        })
    }
}

/// A nominal interest rate in percent per annum (`12.5` means 12.5 % p.a.).
///
/// At most 8 decimal places. Serialised without trailing zeros (`"12.5"`).
///
/// # Example
/// ```
/// use windeep_core::Rate;
/// let r: Rate = "12.50".parse().unwrap();
/// assert_eq!(r.to_string(), "12.5");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Rate(Decimal);

impl Rate {
    /// Most decimal places a rate may have.
    pub const MAX_DECIMALS: u32 = 8;

    /// A rate from percent per annum.
    ///
    /// # Errors
    /// `E_INVALID_RATE` with more than [`Self::MAX_DECIMALS`] decimal places.
    pub fn from_percent(value: Decimal) -> Result<Self> {
        if used_scale(value) > Self::MAX_DECIMALS {
            return Err(CoreError::InvalidRate {
                reason: format!(
                    "{value} has more than {} decimal places",
                    Self::MAX_DECIMALS
                ),
            });
        }
        Ok(Self(value.normalize()))
    }

    /// Percent per annum.
    #[must_use]
    pub fn percent(self) -> Decimal {
        self.0
    }
}

impl std::str::FromStr for Rate {
    type Err = CoreError;

    fn from_str(s: &str) -> Result<Self> {
        let v = parse_plain(s).map_err(|p| CoreError::InvalidRate {
            reason: p.describe(s),
        })?;
        Self::from_percent(v)
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl Serialize for Rate {
    /// A decimal string, marked as a rate for [`crate::wire`] (JSON shows only the string).
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        Marked(crate::wire::RATE, &self.0).serialize(s)
    }
}

impl<'de> Deserialize<'de> for Rate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let text = strict_string(d, "E_INVALID_RATE", "a rate")?;
        text.parse::<Self>()
            .map_err(|e| serde::de::Error::custom(format!("E_INVALID_RATE: {e}")))
    }
}

/// Reads a JSON string, refusing numbers and every other type with the given code.
fn strict_string<'de, D: Deserializer<'de>>(
    d: D,
    code: &'static str,
    what: &'static str,
) -> std::result::Result<String, D::Error> {
    struct V(&'static str, &'static str);
    impl serde::de::Visitor<'_> for V {
        type Value = String;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "{} as a decimal string", self.1)
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> std::result::Result<String, E> {
            Ok(v.to_owned())
        }
        fn visit_f64<E: serde::de::Error>(self, _: f64) -> std::result::Result<String, E> {
            Err(E::custom(format!(
                "{}: {} must be a decimal string, not a JSON number",
                self.0, self.1
            )))
        }
        fn visit_i64<E: serde::de::Error>(self, _: i64) -> std::result::Result<String, E> {
            Err(E::custom(format!(
                "{}: {} must be a decimal string, not a JSON number",
                self.0, self.1
            )))
        }
        fn visit_u64<E: serde::de::Error>(self, _: u64) -> std::result::Result<String, E> {
            Err(E::custom(format!(
                "{}: {} must be a decimal string, not a JSON number",
                self.0, self.1
            )))
        }
        fn visit_bool<E: serde::de::Error>(self, _: bool) -> std::result::Result<String, E> {
            Err(E::custom(format!(
                "{}: {} must be a decimal string, not a boolean",
                self.0, self.1
            )))
        }
    }
    d.deserialize_any(V(code, what))
}

/// Serde helpers for a bare [`Decimal`] as a plain decimal string (amount-like values).
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy)]
pub(crate) struct decimal_str;

impl decimal_str {
    pub(crate) fn serialize<S: Serializer>(v: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        Marked(crate::wire::DECIMAL, &v.normalize()).serialize(s)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        let text = strict_string(d, "E_INVALID_AMOUNT", "an amount")?;
        parse_plain(&text).map_err(|p: ParseProblem| {
            serde::de::Error::custom(format!("E_INVALID_AMOUNT: {}", p.describe(&text)))
        })
    }
}

/// Serde helpers for an optional [`Decimal`] as a plain decimal string (`null` is `None`).
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy)]
pub(crate) struct decimal_str_opt;

#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Deserialize)]
struct DecimalStrOptPlain(#[serde(with = "crate::money::decimal_str")] Decimal);

impl decimal_str_opt {
    pub(crate) fn serialize<S: Serializer>(v: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(d) => decimal_str::serialize(d, s),
            None => s.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Decimal>, D::Error> {
        Ok(Option::<DecimalStrOptPlain>::deserialize(d)?.map(|p| p.0))
    }
}

/// Serde helpers for ISO `YYYY-MM-DD` calendar dates (years 0001–9999).
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy)]
pub struct iso_date;

impl iso_date {
    /// Writes `YYYY-MM-DD`, marked as a date for [`crate::wire`] (JSON shows only the
    /// string).
    ///
    /// # Errors
    /// Only the serializer's own.
    pub fn serialize<S: Serializer>(v: &NaiveDate, s: S) -> Result<S::Ok, S::Error> {
        Marked(crate::wire::DATE, &v.format("%Y-%m-%d")).serialize(s)
    }

    /// Reads exactly `YYYY-MM-DD`.
    ///
    /// # Errors
    /// A custom error carrying `E_INVALID_DATE`.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
        let text = strict_string(d, "E_INVALID_DATE", "a date")?;
        parse_date(&text).map_err(|e| serde::de::Error::custom(format!("E_INVALID_DATE: {e}")))
    }
}

/// Serde helpers for an optional ISO date: `null` (or an absent field, with `#[serde(default)]`)
/// is `None`.
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy)]
pub struct iso_date_opt;

#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Deserialize)]
struct IsoDateOptIso(#[serde(with = "crate::money::iso_date")] NaiveDate);

impl iso_date_opt {
    /// Writes `YYYY-MM-DD` like [`iso_date`], or `null`.
    ///
    /// # Errors
    /// Only the serializer's own.
    pub fn serialize<S: Serializer>(v: &Option<NaiveDate>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(d) => iso_date::serialize(d, s),
            None => s.serialize_none(),
        }
    }

    /// Reads `YYYY-MM-DD` or `null`.
    ///
    /// # Errors
    /// A custom error carrying `E_INVALID_DATE`.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
        Ok(Option::<IsoDateOptIso>::deserialize(d)?.map(|w| w.0))
    }
}

/// A date that serializes like [`iso_date`] (for hand-written `Serialize` impls).
#[derive(Debug, Clone, Copy)]
pub(crate) struct IsoDate(pub(crate) NaiveDate);

impl Serialize for IsoDate {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        iso_date::serialize(&self.0, s)
    }
}

/// Serializes a map of ISO dates, each value marked as a date like [`iso_date`].
pub(crate) fn serialize_date_map<S: Serializer>(
    v: &std::collections::BTreeMap<String, NaiveDate>,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    s.collect_map(v.iter().map(|(k, d)| (k, IsoDate(*d))))
}

/// Serializes decimal text the core has already formatted (a rate at fixed decimals, such as
/// the APR `"12.00"`) unchanged, marked as a rate for [`crate::wire`].
///
/// # Errors
/// Only the serializer's own.
pub fn serialize_rate_text<S: Serializer>(v: &str, s: S) -> std::result::Result<S::Ok, S::Error> {
    Marked(crate::wire::RATE, &v).serialize(s)
}

/// Serializes decimal text the core has already formatted (a percentage or ratio such as
/// `"2.50"`) unchanged, marked as an exact decimal for [`crate::wire`].
pub(crate) fn serialize_decimal_text<S: Serializer>(
    v: &str,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    Marked(crate::wire::DECIMAL, &v).serialize(s)
}

/// [`serialize_decimal_text`] for an optional value (`None` is `null`).
pub(crate) fn serialize_decimal_text_opt<S: Serializer>(
    v: &Option<String>,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    match v {
        Some(t) => serialize_decimal_text(t, s),
        None => s.serialize_none(),
    }
}

/// Parses exactly `YYYY-MM-DD` (years 0001–9999) into a calendar date.
///
/// # Errors
/// `E_INVALID_DATE` for anything else, including impossible dates such as `2026-02-30`.
///
/// # Example
/// ```
/// let d = windeep_core::parse_date("2028-02-29").unwrap();
/// assert_eq!(d.to_string(), "2028-02-29");
/// assert!(windeep_core::parse_date("2026-02-29").is_err());
/// ```
pub fn parse_date(text: &str) -> Result<NaiveDate> {
    let bad = || CoreError::InvalidDate {
        reason: format!("{text:?} is not a YYYY-MM-DD date"),
    };
    let b = text.as_bytes();
    let shape = b.len() == 10
        && b.get(4) == Some(&b'-')
        && b.get(7) == Some(&b'-')
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape {
        return Err(bad());
    }
    let num = |r: std::ops::Range<usize>| text.get(r).and_then(|s| s.parse::<u32>().ok());
    let (Some(y), Some(m), Some(dd)) = (num(0..4), num(5..7), num(8..10)) else {
        return Err(bad());
    };
    let year = i32::try_from(y).map_err(|_| bad())?;
    if year < 1 {
        return Err(bad());
    }
    NaiveDate::from_ymd_opt(year, m, dd).ok_or_else(bad)
}

/// Formats a date as ISO `YYYY-MM-DD`.
#[must_use]
pub fn format_date(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

/// The last supported calendar date, 9999-12-31.
pub(crate) fn in_supported_range(date: NaiveDate) -> bool {
    (1..=9999).contains(&date.year())
}

/// Maps a serde error whose message starts with an `E_…` code back to that code's variant.
pub fn error_from_serde(err: &serde_json::Error) -> CoreError {
    let text = err.to_string();
    let (code, rest) = match text.split_once(": ") {
        Some((c, r)) if c.starts_with("E_") && !c.contains(' ') => (c, r.to_owned()),
        _ => ("E_INVALID_INPUT", text.clone()),
    };
    match code {
        "E_INVALID_AMOUNT" => CoreError::InvalidAmount { reason: rest },
        "E_INVALID_RATE" => CoreError::InvalidRate { reason: rest },
        "E_INVALID_DATE" => CoreError::InvalidDate { reason: rest },
        _ => CoreError::InvalidInput { reason: text },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_amount_is_ten_to_the_twelfth() {
        assert_eq!(MAX_AMOUNT.to_string(), "1000000000000");
    }

    #[test]
    fn amounts_are_checked_and_padded() {
        let inr = Currency::inr();
        let m = |s: &str| s.parse::<Money>().unwrap();
        assert_eq!(inr.amount(m("100000")).unwrap().to_string(), "100000.00");
        assert_eq!(inr.amount(m("12.50")).unwrap().to_string(), "12.50");
        assert_eq!(inr.amount(m("1.005")).unwrap_err().code(), "E_AMOUNT_SCALE");
        assert_eq!(
            inr.amount(m("1000000000000.01")).unwrap_err().code(),
            "E_AMOUNT_OUT_OF_RANGE"
        );
    }

    #[test]
    fn json_numbers_are_refused_for_money() {
        let err = serde_json::from_str::<Money>("100000").unwrap_err();
        assert_eq!(error_from_serde(&err).code(), "E_INVALID_AMOUNT");
        let err = serde_json::from_str::<Rate>("12.5").unwrap_err();
        assert_eq!(error_from_serde(&err).code(), "E_INVALID_RATE");
    }

    #[test]
    fn dates_are_strict_iso() {
        assert!(parse_date("2026-1-05").is_err());
        assert!(parse_date("2026-01-05T00:00").is_err());
        assert!(parse_date("0000-01-01").is_err());
        assert!(parse_date("+2026-01-0").is_err());
        assert_eq!(format_date(parse_date("2026-01-05").unwrap()), "2026-01-05");
    }
}
