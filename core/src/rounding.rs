//! The one rounding policy type: an increment and a mode, applied at named points only.

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use crate::decimal::{div, mul, pad};
use crate::error::{CoreError, Result};
use crate::money::{Currency, Money};

/// How a value between two multiples of the increment is resolved.
///
/// The names describe non-negative amounts; negative values mirror them (a tie rounds away from
/// zero under `HalfUp`, `Up` rounds away from zero, `Down` toward zero).
///
/// # Example
/// ```
/// use windeep_core::RoundingMode;
/// let mode: RoundingMode = serde_json::from_str("\"half_even\"").unwrap();
/// assert_eq!(mode, RoundingMode::HalfEven);
/// ```
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoundingMode {
    /// A tie goes away from zero (2.345 → 2.35). The legacy `round(x, 2)` and the default.
    HalfUp,
    /// A tie goes to the even neighbour (2.345 → 2.34; banker's rounding).
    HalfEven,
    /// Always away from zero (2.341 → 2.35).
    Up,
    /// Always toward zero (2.349 → 2.34; truncation).
    Down,
}

impl RoundingMode {
    /// Rounds the exact fraction `n / d` (d > 0) to a whole number with this mode.
    ///
    /// # Errors
    /// `E_OVERFLOW` if `d` is not positive or a step overflows.
    pub(crate) fn div_round(self, n: i128, d: i128) -> Result<i128> {
        const OVERFLOW: CoreError = CoreError::Overflow {
            context: "rounding",
        };
        if d <= 0 {
            return Err(OVERFLOW);
        }
        // 64-bit division is several times faster than 128-bit; most amounts fit.
        let (q, r) = match (i64::try_from(n), i64::try_from(d)) {
            (Ok(n64), Ok(d64)) => (i128::from(n64 / d64), i128::from(n64 % d64)),
            _ => (n / d, n % d),
        };
        if r == 0 {
            return Ok(q);
        }
        let away = if n < 0 { -1 } else { 1 };
        let twice = r.unsigned_abs().checked_mul(2).ok_or(OVERFLOW)?;
        let d_abs = d.unsigned_abs();
        let bump = match self {
            Self::Down => false,
            Self::Up => true,
            Self::HalfUp => twice >= d_abs,
            Self::HalfEven => twice > d_abs || (twice == d_abs && q % 2 != 0),
        };
        if bump {
            q.checked_add(away).ok_or(OVERFLOW)
        } else {
            Ok(q)
        }
    }

    fn strategy(self) -> RoundingStrategy {
        match self {
            Self::HalfUp => RoundingStrategy::MidpointAwayFromZero,
            Self::HalfEven => RoundingStrategy::MidpointNearestEven,
            Self::Up => RoundingStrategy::AwayFromZero,
            Self::Down => RoundingStrategy::ToZero,
        }
    }
}

/// A rounding rule: round to a multiple of `increment` (in currency units) with `mode`.
///
/// The increment must be a positive multiple of the currency's minor unit: `0.01`, `0.05`,
/// `1` (nearest rupee), `10` … The result is always padded to the currency's scale.
///
/// # Example
/// ```
/// use windeep_core::{Currency, RoundingMode, RoundingPolicy};
/// use rust_decimal::Decimal;
/// let inr = Currency::inr();
/// let rupee = RoundingPolicy::new(Decimal::ONE, RoundingMode::HalfUp);
/// let emi = rupee.round_value("8884.88".parse().unwrap(), &inr).unwrap();
/// assert_eq!(emi.to_string(), "8885.00");
/// ```
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoundingPolicy {
    /// The step results are multiples of, in currency units (e.g. `0.01`).
    #[serde(with = "crate::money::decimal_str")]
    pub increment: Decimal,
    /// How ties and remainders are resolved.
    pub mode: RoundingMode,
}

impl Default for RoundingPolicy {
    /// Half-up to 0.01: the legacy rule and the default for INR.
    fn default() -> Self {
        Self {
            increment: Decimal::new(1, 2),
            mode: RoundingMode::HalfUp,
        }
    }
}

impl RoundingPolicy {
    /// A policy from an increment and a mode (checked against a currency by [`Self::validate`]).
    #[must_use]
    pub fn new(increment: Decimal, mode: RoundingMode) -> Self {
        Self { increment, mode }
    }

    /// The default policy for a currency: half-up to its minor unit.
    #[must_use]
    pub fn minor_unit(currency: &Currency) -> Self {
        Self {
            increment: currency.minor_unit(),
            mode: RoundingMode::HalfUp,
        }
    }

    /// Checks that the increment is a positive multiple of the currency's minor unit.
    ///
    /// # Errors
    /// `E_INVALID_ROUNDING` otherwise.
    pub fn validate(&self, currency: &Currency) -> Result<()> {
        let unit = currency.minor_unit();
        let steps = self.increment.checked_div(unit);
        let whole = steps.is_some_and(|s| s.fract().is_zero());
        if self.increment <= Decimal::ZERO || !whole {
            return Err(CoreError::InvalidRounding {
                reason: format!(
                    "increment {} must be a positive multiple of {unit}",
                    self.increment.normalize()
                ),
            });
        }
        Ok(())
    }

    /// Rounds `value` to a multiple of the increment and pads it to the currency's scale.
    ///
    /// # Errors
    /// `E_OVERFLOW` if the value is too large to divide by the increment.
    pub fn round_value(&self, value: Decimal, currency: &Currency) -> Result<Decimal> {
        let scale = currency.minor_units();
        let strategy = self.mode.strategy();
        let rounded = if self.increment == currency.minor_unit() {
            value.round_dp_with_strategy(scale, strategy)
        } else {
            let steps = div(value, self.increment, "rounding")?.round_dp_with_strategy(0, strategy);
            mul(steps, self.increment, "rounding")?
        };
        Ok(pad(rounded, scale))
    }

    /// The increment in minor units of the currency (1 for 0.01 in INR, 100 for a rupee).
    ///
    /// # Errors
    /// `E_INVALID_ROUNDING` if the increment is not a positive whole number of minor units.
    pub(crate) fn step(&self, currency: &Currency) -> Result<i128> {
        self.validate(currency)?;
        let steps = div(self.increment, currency.minor_unit(), "rounding")?;
        i128::try_from(steps).map_err(|_| CoreError::InvalidRounding {
            reason: format!("increment {} is too large", self.increment.normalize()),
        })
    }

    /// Rounds the exact fraction `n / d` minor units to a multiple of `step` minor units.
    ///
    /// # Errors
    /// `E_OVERFLOW` if the denominator times the step overflows.
    pub(crate) fn round_ratio(&self, n: i128, d: i128, step: i128) -> Result<i128> {
        // Built only on failure: this runs for every row of every schedule.
        let overflow = || CoreError::Overflow {
            context: "rounding",
        };
        let den = d.checked_mul(step).ok_or_else(overflow)?;
        self.mode
            .div_round(n, den)?
            .checked_mul(step)
            .ok_or_else(overflow)
    }

    /// [`Self::round_value`] returning [`Money`].
    ///
    /// # Errors
    /// `E_OVERFLOW` if the value is too large to divide by the increment.
    pub fn round(&self, value: Decimal, currency: &Currency) -> Result<Money> {
        self.round_value(value, currency).map(Money::from_rounded)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn every_mode_at_ties_and_between() {
        let inr = Currency::inr();
        let cases = [
            (RoundingMode::HalfUp, "2.345", "2.35"),
            (RoundingMode::HalfUp, "-2.345", "-2.35"),
            (RoundingMode::HalfEven, "2.345", "2.34"),
            (RoundingMode::HalfEven, "2.355", "2.36"),
            (RoundingMode::Up, "2.341", "2.35"),
            (RoundingMode::Down, "2.349", "2.34"),
            (RoundingMode::Up, "-2.341", "-2.35"),
            (RoundingMode::Down, "33.3", "33.30"),
        ];
        for (mode, input, want) in cases {
            let got = RoundingPolicy::new(d("0.01"), mode)
                .round_value(d(input), &inr)
                .unwrap();
            assert_eq!(got.to_string(), want, "{mode:?} {input}");
        }
    }

    #[test]
    fn coarse_increments() {
        let inr = Currency::inr();
        let p = |inc: &str, mode| RoundingPolicy::new(d(inc), mode);
        assert_eq!(
            p("0.05", RoundingMode::HalfUp)
                .round_value(d("2.325"), &inr)
                .unwrap()
                .to_string(),
            "2.35"
        );
        assert_eq!(
            p("10", RoundingMode::HalfUp)
                .round_value(d("8884.88"), &inr)
                .unwrap()
                .to_string(),
            "8880.00"
        );
        assert_eq!(
            p("10", RoundingMode::Up)
                .round_value(d("8880.01"), &inr)
                .unwrap()
                .to_string(),
            "8890.00"
        );
        assert_eq!(
            p("1", RoundingMode::HalfEven)
                .round_value(d("2.5"), &inr)
                .unwrap()
                .to_string(),
            "2.00"
        );
    }

    #[test]
    fn exact_fractions_round_like_decimals() {
        let inr = Currency::inr();
        for mode in [
            RoundingMode::HalfUp,
            RoundingMode::HalfEven,
            RoundingMode::Up,
            RoundingMode::Down,
        ] {
            let policy = RoundingPolicy::new(d("0.05"), mode);
            for n in -2000_i128..2000 {
                for den in [1_i128, 3, 7, 40, 1200] {
                    let exact =
                        Decimal::from_i128_with_scale(n, 2) / Decimal::from_i128_with_scale(den, 0);
                    let want = policy.round_value(exact, &inr).unwrap();
                    let got = policy.round_ratio(n, den, 5).unwrap();
                    assert_eq!(
                        Decimal::from_i128_with_scale(got, 2),
                        want,
                        "{mode:?} {n}/{den}"
                    );
                }
            }
        }
    }

    #[test]
    fn increment_must_be_multiple_of_minor_unit() {
        let inr = Currency::inr();
        assert!(
            RoundingPolicy::new(d("0.001"), RoundingMode::HalfUp)
                .validate(&inr)
                .is_err()
        );
        assert!(
            RoundingPolicy::new(d("0"), RoundingMode::HalfUp)
                .validate(&inr)
                .is_err()
        );
        assert!(
            RoundingPolicy::new(d("-1"), RoundingMode::HalfUp)
                .validate(&inr)
                .is_err()
        );
        assert!(
            RoundingPolicy::new(d("0.05"), RoundingMode::HalfUp)
                .validate(&inr)
                .is_ok()
        );
    }
}
