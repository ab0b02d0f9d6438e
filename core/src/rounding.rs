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
