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

/// The parts of the shortest text that reads back as `x` (ryu's, as Python's `repr` writes
/// it): `(negative, integer digits, fraction digits, exponent)`, so that
/// `x = ±int.frac × 10^exponent`. `x` must be finite.
fn shortest_parts(buffer: &mut ryu::Buffer, x: f64) -> (bool, &str, &str, i32) {
    let text = buffer.format_finite(x);
    let negative = text.starts_with('-');
    let text = text.trim_start_matches('-');
    let (mantissa, exp) = match text.split_once(['e', 'E']) {
        Some((m, e)) => (m, e.parse::<i32>().unwrap_or(0)),
        None => (text, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    (negative, int, frac, exp)
}

/// The shortest decimal digits that read back as `x` (Python's `repr`, JavaScript's
/// `String(x)`): `(negative, digits, exponent)` with the value `±0.digits × 10^exponent`
/// (`digits` without leading or trailing zeros, empty for zero). `x` must be finite.
fn shortest_digits(x: f64) -> (bool, String, i32) {
    let mut buffer = ryu::Buffer::new();
    let (negative, int, frac, exp) = shortest_parts(&mut buffer, x);
    let all: String = int.chars().chain(frac.chars()).collect();
    let lead = all.len() - all.trim_start_matches('0').len();
    let digits = all.trim_matches('0').to_owned();
    if digits.is_empty() {
        return (negative, digits, 0);
    }
    // Position of the decimal point after the leading zeros are dropped.
    let point = i32::try_from(int.len()).unwrap_or(i32::MAX) - i32::try_from(lead).unwrap_or(0);
    (negative, digits, point.saturating_add(exp))
}

/// [`shortest_digits`] as a number, without building a string (the hot path of reading float
/// amounts): `(negative, digits as an integer, number of digits, exponent)`. `x` must be
/// finite.
fn shortest_units(x: f64) -> (bool, i128, i32, i32) {
    let mut buffer = ryu::Buffer::new();
    let (negative, int, frac, exp) = shortest_parts(&mut buffer, x);
    // The digits after the leading zeros, as a number; ryu writes at most 17 significant
    // digits and switches to an exponent before a long run of zeros, so this fits.
    let (mut units, mut n, mut lead, mut started) = (0_i128, 0_i32, 0_i32, false);
    for b in int.bytes().chain(frac.bytes()) {
        let d = i128::from(b.wrapping_sub(b'0'));
        if !started && d == 0 {
            lead = lead.saturating_add(1);
            continue;
        }
        started = true;
        units = units.saturating_mul(10).saturating_add(d);
        n = n.saturating_add(1);
    }
    if units == 0 {
        return (negative, 0, 0, 0);
    }
    while units % 10 == 0 {
        units /= 10;
        n -= 1;
    }
    let point = i32::try_from(int.len()).unwrap_or(i32::MAX) - lead;
    (negative, units, n, point.saturating_add(exp))
}

/// A float as Python's `repr` writes it (`100.0`, `0.1`, `1e-05`, `1.5e+16`, `inf`, `nan`):
/// how a float cell that is not an amount is shown, as it was exported.
///
/// # Example
/// ```
/// use windeep_core::money::float_repr;
/// assert_eq!(float_repr(100.0), "100.0");
/// assert_eq!(float_repr(0.1 + 0.2), "0.30000000000000004");
/// assert_eq!(float_repr(1e-5), "1e-05");
/// assert_eq!(float_repr(1.5e16), "1.5e+16");
/// ```
#[must_use]
pub fn float_repr(x: f64) -> String {
    if x.is_nan() {
        return "nan".to_owned();
    }
    if x.is_infinite() {
        return if x.is_sign_negative() { "-inf" } else { "inf" }.to_owned();
    }
    let (negative, digits, point) = shortest_digits(x);
    let sign = if negative { "-" } else { "" };
    if digits.is_empty() {
        return format!("{sign}0.0");
    }
    // The exponent of the first digit in scientific notation.
    let exp = point - 1;
    if (-4..16).contains(&exp) {
        let n = i32::try_from(digits.len()).unwrap_or(i32::MAX);
        if point <= 0 {
            let zeros = "0".repeat(usize::try_from(-point).unwrap_or(0));
            format!("{sign}0.{zeros}{digits}")
        } else if point >= n {
            let zeros = "0".repeat(usize::try_from(point - n).unwrap_or(0));
            format!("{sign}{digits}{zeros}.0")
        } else {
            let (int, frac) = digits.split_at(usize::try_from(point).unwrap_or(0));
            format!("{sign}{int}.{frac}")
        }
    } else {
        let (first, rest) = digits.split_at(1);
        let dot = if rest.is_empty() { "" } else { "." };
        let esign = if exp < 0 { '-' } else { '+' };
        format!("{sign}{first}{dot}{rest}e{esign}{:02}", exp.unsigned_abs())
    }
}

/// Whether `x` is exactly the float a decimal → float cast at `places` decimal places gives
/// for `units` × 10^−`places`: the units as a float times 10^−`places` as a float, one
/// rounding each (pyarrow's `decimal128 → float64` cast). Only for |units| < 2^53, where the
/// units convert exactly.
#[expect(
    clippy::float_arithmetic,
    reason = "reproduces the decimal-to-float cast bit for bit, to recognise the floats it gives; \
              the amount itself is never computed in floats"
)]
fn is_scaled_cast(x: f64, units: i128, places: u32) -> bool {
    const EXACT: i128 = 1 << 53;
    if units.abs() >= EXACT {
        return false;
    }
    let Ok(scale) = format!("1e-{places}").parse::<f64>() else {
        return false;
    };
    let Ok(units) = i64::try_from(units) else {
        return false;
    };
    #[expect(
        clippy::cast_precision_loss,
        reason = "|units| < 2^53: the conversion is exact"
    )]
    let product = units as f64 * scale;
    product.to_bits() == x.to_bits()
}

impl Money {
    /// The amount a binary float stands for, by the float-to-money policy. The float is read
    /// through its shortest round-trip decimal digits (what Python's `repr` prints) and is
    /// accepted when those have at most `places` decimal places; or, failing that, when it is
    /// exactly the float that the usual decimal → float cast at `places` places gives for the
    /// nearest amount of `places` places (the unscaled integer times 10^−`places`, each a
    /// float: pyarrow's `decimal128(p, places) → float64` cast, which for about one amount in
    /// eight lands one unit in the last place beside the nearest float, e.g. 551959126.93 →
    /// `551959126.9300001`). The result is padded to `places`. Nothing else is rounded:
    /// `0.1 + 0.2` (`0.30000000000000004`) and `1.005` are refused at 2 places.
    ///
    /// # Errors
    /// `E_INVALID_AMOUNT` for NaN, an infinity or a float that is no amount of `places`
    /// places; `E_AMOUNT_OUT_OF_RANGE` beyond the range of a decimal (about 7.9 × 10^28).
    ///
    /// # Example
    /// ```
    /// use windeep_core::money::Money;
    /// assert_eq!(Money::from_f64_shortest(8884.88, 2).unwrap().to_string(), "8884.88");
    /// assert_eq!(Money::from_f64_shortest(100.0, 2).unwrap().to_string(), "100.00");
    /// // pyarrow: pa.array([Decimal("551959126.93")]).cast(pa.float64())
    /// assert_eq!(Money::from_f64_shortest(551959126.9300001, 2).unwrap().to_string(),
    ///            "551959126.93");
    /// assert!(Money::from_f64_shortest(0.1 + 0.2, 2).is_err());
    /// assert!(Money::from_f64_shortest(1.005, 2).is_err());
    /// ```
    pub fn from_f64_shortest(x: f64, places: u32) -> Result<Self> {
        if !x.is_finite() {
            return Err(CoreError::InvalidAmount {
                reason: format!("{} is not an amount", float_repr(x)),
            });
        }
        let (negative, mut units, n, point) = shortest_units(x);
        let out_of_range = || CoreError::AmountOutOfRange {
            value: float_repr(x),
        };
        // The shortest digits as ±digits × 10^−scale (scale may be negative: 1e20).
        let mut scale = n.saturating_sub(point);
        while scale < 0 {
            units = units.checked_mul(10).ok_or_else(out_of_range)?;
            scale += 1;
        }
        if negative {
            units = -units;
        }
        let places_i = i32::try_from(places).unwrap_or(i32::MAX);
        if scale <= places_i {
            let shortest =
                Decimal::try_from_i128_with_scale(units, u32::try_from(scale).unwrap_or(0))
                    .map_err(|_| out_of_range())?;
            return Ok(Self(pad(shortest, places)));
        }
        // The two amounts of `places` places either side of the float: is it the cast of one?
        let step = u32::try_from(scale - places_i)
            .ok()
            .and_then(|k| 10_i128.checked_pow(k))
            .ok_or_else(out_of_range)?;
        let toward_zero = units / step;
        for candidate in [toward_zero, toward_zero + units.signum()] {
            if is_scaled_cast(x, candidate, places) {
                let value = Decimal::try_from_i128_with_scale(candidate, places)
                    .map_err(|_| out_of_range())?;
                return Ok(Self(pad(value, places)));
            }
        }
        Err(CoreError::InvalidAmount {
            reason: format!(
                "the float {} has more than {places} decimal places",
                float_repr(x)
            ),
        })
    }
}

impl std::str::FromStr for Money {
    type Err = CoreError;

    /// Parses a plain decimal string (`"1234.50"`); no exponent, separators or spaces.
    fn from_str(s: &str) -> Result<Self> {
        parse_plain(s).map(Self).map_err(|p| match p {
            // Too many digits for any amount: out of range, not malformed.
            ParseProblem::TooLong => CoreError::AmountOutOfRange {
                value: p.describe(s),
            },
            _ => CoreError::InvalidAmount {
                reason: p.describe(s),
            },
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
            let code = match p {
                ParseProblem::TooLong => "E_AMOUNT_OUT_OF_RANGE",
                _ => "E_INVALID_AMOUNT",
            };
            serde::de::Error::custom(format!("{code}: {}", p.describe(&text)))
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

/// [`serialize_rate_text`] for an optional rate: `null` when absent.
///
/// # Errors
/// Only the serializer's own.
pub fn serialize_optional_rate_text<S: Serializer>(
    v: &Option<String>,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    match v {
        Some(text) => serialize_rate_text(text, s),
        None => s.serialize_none(),
    }
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
        "E_AMOUNT_OUT_OF_RANGE" => CoreError::AmountOutOfRange { value: rest },
        "E_INVALID_RATE" => CoreError::InvalidRate { reason: rest },
        "E_INVALID_DATE" => CoreError::InvalidDate { reason: rest },
        _ => CoreError::InvalidInput { reason: text },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The digits of [`shortest_units`] as [`shortest_digits`] writes them.
    fn units_as_digits(x: f64) -> (bool, String, i32) {
        let (negative, units, n, point) = shortest_units(x);
        let digits = if units == 0 {
            String::new()
        } else {
            units.to_string()
        };
        assert_eq!(i32::try_from(digits.len()).unwrap(), n);
        (negative, digits, point)
    }

    #[test]
    fn shortest_units_are_the_shortest_digits() {
        for x in [
            0.0,
            -0.0,
            1.0,
            100.0,
            0.05,
            -0.05,
            1234.5,
            1e20,
            1.5e16,
            1e-5,
            123_456_789.01,
            f64::MAX,
            f64::MIN_POSITIVE,
            5e-324,
            0.1 + 0.2,
            1.005,
        ] {
            assert_eq!(units_as_digits(x), shortest_digits(x), "{x}");
        }
    }

    proptest::proptest! {
        #[test]
        fn shortest_units_agree_on_any_float(bits in proptest::prelude::any::<u64>()) {
            let x = f64::from_bits(bits);
            if x.is_finite() {
                proptest::prop_assert_eq!(units_as_digits(x), shortest_digits(x));
            }
        }

        #[test]
        fn shortest_units_agree_on_amounts(minor in -10_000_000_000_000_i64..10_000_000_000_000) {
            let x = Money::from_minor(i128::from(minor), 2).unwrap().value().to_string();
            let x: f64 = x.parse().unwrap();
            proptest::prop_assert_eq!(units_as_digits(x), shortest_digits(x));
        }
    }

    #[test]
    fn a_float_is_money_when_its_shortest_repr_has_the_places() {
        let m = |x: f64| Money::from_f64_shortest(x, 2).map(|m| m.to_string());
        assert_eq!(m(8884.88).unwrap(), "8884.88");
        assert_eq!(m(0.1).unwrap(), "0.10");
        assert_eq!(m(-0.05).unwrap(), "-0.05");
        assert_eq!(m(-0.0).unwrap(), "0.00");
        assert_eq!(m(1e12).unwrap(), "1000000000000.00");
        assert_eq!(m(1e20).unwrap(), "100000000000000000000.00");
        for bad in [0.1 + 0.2, 1.005, 1e-5, 8884.885, f64::NAN, f64::INFINITY] {
            assert!(matches!(
                Money::from_f64_shortest(bad, 2),
                Err(CoreError::InvalidAmount { .. })
            ));
        }
        assert!(matches!(
            Money::from_f64_shortest(1e300, 2),
            Err(CoreError::AmountOutOfRange { .. })
        ));
        // At 0 places only whole amounts.
        assert_eq!(Money::from_f64_shortest(12.0, 0).unwrap().to_string(), "12");
        assert!(Money::from_f64_shortest(12.5, 0).is_err());
    }

    #[test]
    fn the_floats_of_pyarrows_decimal_cast_are_the_decimals_they_came_from() {
        // pa.array([Decimal(v)], pa.decimal128(15, 2)).cast(pa.float64()), as pyarrow 26
        // gives them: one unit in the last place beside the nearest float.
        for (float, decimal) in [
            (551_959_126.930_000_1, "551959126.93"),
            (-688_397_157.800_000_1, "-688397157.80"),
            (335_471_100.280_000_03, "335471100.28"),
            (66_687_988.980_000_004, "66687988.98"),
            (762_029_482.810_000_1, "762029482.81"),
        ] {
            assert_ne!(float_repr(float), decimal.trim_end_matches('0'));
            assert_eq!(
                Money::from_f64_shortest(float, 2).unwrap().to_string(),
                decimal
            );
        }
        // Every amount up to 10^9 in steps that cross every paisa pattern: its nearest
        // float and its cast (units × 0.01) both read back as the amount.
        let mut units: i64 = -100_000_000_000;
        while units < 100_000_000_000 {
            let text = format!("{}.{:02}", units / 100, (units % 100).abs());
            let text = if units < 0 && units > -100 {
                format!("-{text}")
            } else {
                text
            };
            let nearest: f64 = text.parse().unwrap();
            let want: Decimal = text.parse().unwrap();
            assert_eq!(Money::from_f64_shortest(nearest, 2).unwrap().value(), want);
            #[allow(
                clippy::float_arithmetic,
                clippy::cast_precision_loss,
                reason = "the cast under test"
            )]
            let cast = units as f64 * 0.01;
            assert_eq!(
                Money::from_f64_shortest(cast, 2).unwrap().value(),
                want,
                "{text}"
            );
            units += 7_919_731;
        }
    }

    #[test]
    fn a_float_is_shown_as_python_shows_it() {
        assert_eq!(float_repr(100.0), "100.0");
        assert_eq!(float_repr(-0.0), "-0.0");
        assert_eq!(float_repr(0.0001), "0.0001");
        assert_eq!(float_repr(0.00001), "1e-05");
        assert_eq!(float_repr(1e16), "1e+16");
        assert_eq!(float_repr(1234567890123456.0), "1234567890123456.0");
        assert_eq!(float_repr(1.5e-7), "1.5e-07");
        assert_eq!(float_repr(f64::NEG_INFINITY), "-inf");
    }

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
