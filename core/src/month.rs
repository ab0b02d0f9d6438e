//! Calendar months (`YYYY-MM` in JSON) and whole-month counts: date helpers shared by the
//! savings schedule, classification and the portfolio.

use std::fmt;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::calendar::days_in_month;
use crate::error::{CoreError, Result};

/// A calendar month.
///
/// # Example
/// ```
/// let m: windeep_core::savings::Month = "2026-02".parse().unwrap();
/// assert_eq!(m.last_day().to_string(), "2026-02-28");
/// assert_eq!(m.next().to_string(), "2026-03");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    year: i32,
    month: u32,
}

impl Month {
    /// The month of a date.
    #[must_use]
    pub fn of(date: NaiveDate) -> Self {
        Self {
            year: date.year(),
            month: date.month(),
        }
    }

    /// The month after.
    #[must_use]
    pub fn next(self) -> Self {
        if self.month == 12 {
            Self {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Self {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    /// The month before.
    #[must_use]
    pub fn prev(self) -> Self {
        if self.month == 1 {
            Self {
                year: self.year - 1,
                month: 12,
            }
        } else {
            Self {
                year: self.year,
                month: self.month - 1,
            }
        }
    }

    /// `self` plus `n` months.
    #[must_use]
    pub fn plus(self, n: u32) -> Self {
        let total = i64::from(self.year) * 12 + i64::from(self.month) - 1 + i64::from(n);
        Self {
            year: i32::try_from(total.div_euclid(12)).unwrap_or(i32::MAX),
            month: u32::try_from(total.rem_euclid(12)).unwrap_or(0) + 1,
        }
    }

    /// Months from `self` to `later` (0 when `later` is not later).
    #[must_use]
    pub fn until(self, later: Self) -> u32 {
        let a = i64::from(self.year) * 12 + i64::from(self.month);
        let b = i64::from(later.year) * 12 + i64::from(later.month);
        u32::try_from((b - a).max(0)).unwrap_or(u32::MAX)
    }

    /// The first day.
    #[must_use]
    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or_default()
    }

    /// The last day.
    #[must_use]
    pub fn last_day(self) -> NaiveDate {
        self.day(31)
    }

    /// Day `d` of the month, clamped to its last day.
    #[must_use]
    pub fn day(self, d: u32) -> NaiveDate {
        let last = days_in_month(self.year, self.month).unwrap_or(28);
        NaiveDate::from_ymd_opt(self.year, self.month, d.clamp(1, last)).unwrap_or_default()
    }

    /// The calendar quarter's last month (March, June, September, December).
    #[must_use]
    pub fn quarter_end(self) -> Self {
        Self {
            year: self.year,
            month: self.month.div_ceil(3) * 3,
        }
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl std::str::FromStr for Month {
    type Err = CoreError;
    fn from_str(s: &str) -> Result<Self> {
        let bad = || CoreError::InvalidDate {
            reason: format!("{s:?} is not a YYYY-MM month"),
        };
        let b = s.as_bytes();
        if b.len() != 7 || b.get(4) != Some(&b'-') {
            return Err(bad());
        }
        let year: i32 = s.get(0..4).and_then(|t| t.parse().ok()).ok_or_else(bad)?;
        let month: u32 = s.get(5..7).and_then(|t| t.parse().ok()).ok_or_else(bad)?;
        if !(1..=9999).contains(&year) || !(1..=12).contains(&month) {
            return Err(bad());
        }
        if !b
            .iter()
            .enumerate()
            .all(|(i, c)| i == 4 || c.is_ascii_digit())
        {
            return Err(bad());
        }
        Ok(Self { year, month })
    }
}

impl Serialize for Month {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Month {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse()
            .map_err(|e| serde::de::Error::custom(format!("E_INVALID_DATE: {e}")))
    }
}

/// Whole calendar months from `from` to `to` (a month counts once its day of month is
/// reached).
pub(crate) fn whole_months(from: NaiveDate, to: NaiveDate) -> u32 {
    let mut n = Month::of(from).until(Month::of(to));
    if n > 0 && to.day() < from.day() {
        n -= 1;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_step_clamp_and_parse() {
        let m: Month = "2026-12".parse().unwrap();
        assert_eq!(m.next().to_string(), "2027-01");
        assert_eq!(m.plus(14).to_string(), "2028-02");
        assert_eq!(m.plus(14).day(31).to_string(), "2028-02-29");
        assert_eq!(
            "2026-01"
                .parse::<Month>()
                .unwrap()
                .quarter_end()
                .to_string(),
            "2026-03"
        );
        assert_eq!(m.quarter_end(), m);
        assert_eq!(m.prev().to_string(), "2026-11");
        assert_eq!("2026-01".parse::<Month>().unwrap().until(m), 11);
        for bad in ["2026-13", "2026-1", "26-01", "2026/01", "0000-01"] {
            assert!(bad.parse::<Month>().is_err(), "{bad}");
        }
    }
}
