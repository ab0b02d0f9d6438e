//! Due dates and day counts: anchor days, month-end clamping and the interest bases.

use chrono::{Datelike, Days, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::error::{CoreError, Result};
use crate::money::in_supported_range;

/// How often installments fall due.
///
/// # Example
/// ```
/// use windeep_core::calendar::Frequency;
/// assert_eq!(Frequency::Monthly.periods_per_year(), 12);
/// assert_eq!(Frequency::Fortnightly.periods_per_year(), 26);
/// ```
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Frequency {
    /// Every month on the anchor day (12 a year). The default.
    #[default]
    Monthly,
    /// Every three months on the anchor day (4 a year).
    Quarterly,
    /// Every 14 days (26 a year).
    Fortnightly,
    /// Every 7 days (52 a year).
    Weekly,
}

impl Frequency {
    /// Periods in a year: 12, 4, 26 or 52.
    #[must_use]
    pub fn periods_per_year(self) -> u32 {
        match self {
            Self::Monthly => 12,
            Self::Quarterly => 4,
            Self::Fortnightly => 26,
            Self::Weekly => 52,
        }
    }

    /// Whether due dates follow a day of the month (monthly, quarterly).
    #[must_use]
    pub fn is_calendar_month_based(self) -> bool {
        matches!(self, Self::Monthly | Self::Quarterly)
    }
}

/// The day-count rule for a period's interest.
///
/// # Example
/// ```
/// use windeep_core::calendar::InterestBasis;
/// let b: InterestBasis = serde_json::from_str("\"30_360\"").unwrap();
/// assert_eq!(b, InterestBasis::Thirty360);
/// ```
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum InterestBasis {
    /// Every period is exactly one period of the nominal rate (annual / 1200 a month). The
    /// legacy rule and the default.
    #[default]
    #[serde(rename = "30_360")]
    Thirty360,
    /// Actual days in the period over a 365-day year.
    #[serde(rename = "actual_365")]
    Actual365,
    /// Actual days, each year's days over that year's length (365 or 366).
    #[serde(rename = "actual_actual")]
    ActualActual,
}

/// The due-date rule of a schedule: a snapped first date, its anchor day and a frequency.
///
/// # Example
/// ```
/// use windeep_core::{calendar::DueDates, calendar::Frequency, parse_date};
/// let d = DueDates::new(parse_date("2026-01-31").unwrap(), Frequency::Monthly);
/// assert_eq!(d.due(2).unwrap().to_string(), "2026-02-28");
/// assert_eq!(d.due(3).unwrap().to_string(), "2026-03-31");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DueDates {
    first: NaiveDate,
    frequency: Frequency,
    anchor: u32,
}

/// The `fixed_due_day` value meaning "the last day of the month" (`"last"` in JSON).
pub const FIXED_DUE_DAY_LAST: u32 = 31;

impl DueDates {
    /// Due dates starting at `first` (already snapped to any fixed due day).
    ///
    /// The anchor day is `first`'s day of the month, except that a `first` on the last day of
    /// its month anchors every monthly and quarterly date to its month's last day
    /// (30 Apr → 31 May → 30 Jun; 28 Feb 2026 → 31 Mar).
    ///
    /// # Example
    /// ```
    /// use windeep_core::{calendar::DueDates, calendar::Frequency, parse_date};
    /// let d = DueDates::new(parse_date("2026-04-30").unwrap(), Frequency::Monthly);
    /// assert_eq!(d.due(2).unwrap().to_string(), "2026-05-31");
    /// ```
    #[must_use]
    pub fn new(first: NaiveDate, frequency: Frequency) -> Self {
        let month_end = days_in_month(first.year(), first.month()) == Some(first.day());
        let anchor = if month_end {
            FIXED_DUE_DAY_LAST
        } else {
            first.day()
        };
        Self {
            first,
            frequency,
            anchor,
        }
    }

    /// The due date of installment `k` (1-based); `k = 0` is the regular start of the first
    /// period, one period before the first due date.
    ///
    /// Monthly and quarterly dates are the anchor day clamped to the month's end, computed from
    /// the first date each time (never accumulated).
    ///
    /// # Errors
    /// `E_DATE_OUT_OF_RANGE` when the date falls outside years 1–9999.
    pub fn due(&self, k: u32) -> Result<NaiveDate> {
        let steps = i64::from(k) - 1;
        let date = match self.frequency {
            Frequency::Monthly => add_months(self.first, steps, self.anchor),
            Frequency::Quarterly => add_months(self.first, steps * 3, self.anchor),
            Frequency::Fortnightly => add_days(self.first, steps * 14),
            Frequency::Weekly => add_days(self.first, steps * 7),
        };
        date.filter(|d| in_supported_range(*d))
            .ok_or(CoreError::DateOutOfRange)
    }
}

/// Serde form of an optional fixed due day: `null`, a day number, or `"last"` for
/// [`FIXED_DUE_DAY_LAST`] (which is also written back as `"last"`).
pub(crate) mod fixed_due_day {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::FIXED_DUE_DAY_LAST;

    /// A fixed due day as written: a day number or the word `"last"`.
    #[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
    #[derive(Deserialize)]
    #[serde(untagged)]
    pub(crate) enum Day {
        Number(u32),
        Word(String),
    }

    /// Writes `"last"` for [`FIXED_DUE_DAY_LAST`], else the number (or null).
    ///
    /// # Errors
    /// Only the serializer's own.
    #[expect(
        clippy::ref_option,
        reason = "serde's `with` passes the field by reference"
    )]
    pub(crate) fn serialize<S: Serializer>(v: &Option<u32>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(FIXED_DUE_DAY_LAST) => "last".serialize(s),
            other => other.serialize(s),
        }
    }

    /// Reads null, a non-negative whole number or `"last"`.
    ///
    /// # Errors
    /// Any other value (`E_INVALID_INPUT`).
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
        match Option::<Day>::deserialize(d)? {
            None => Ok(None),
            Some(Day::Number(n)) => Ok(Some(n)),
            Some(Day::Word(w)) if w == "last" => Ok(Some(FIXED_DUE_DAY_LAST)),
            Some(Day::Word(w)) => Err(serde::de::Error::custom(format!(
                "fixed_due_day must be a day number or \"last\", not {w:?}"
            ))),
        }
    }
}

/// `date` moved by `months`, on day `min(anchor, days in the target month)`.
pub(crate) fn add_months(date: NaiveDate, months: i64, anchor: u32) -> Option<NaiveDate> {
    let index = i64::from(date.year()) * 12 + i64::from(date.month0()) + months;
    let year = i32::try_from(index.div_euclid(12)).ok()?;
    let month = u32::try_from(index.rem_euclid(12)).ok()? + 1;
    let day = anchor.min(days_in_month(year, month)?);
    NaiveDate::from_ymd_opt(year, month, day)
}

fn add_days(date: NaiveDate, days: i64) -> Option<NaiveDate> {
    if days >= 0 {
        date.checked_add_days(Days::new(days.unsigned_abs()))
    } else {
        date.checked_sub_days(Days::new(days.unsigned_abs()))
    }
}

/// Days in a month of the proleptic Gregorian calendar.
pub(crate) fn days_in_month(year: i32, month: u32) -> Option<u32> {
    Some(match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => return None,
    })
}

/// Whether `year` has 366 days.
#[must_use]
pub fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// Snaps a chosen first due date forward to `day` (1–28, or [`FIXED_DUE_DAY_LAST`] for the
/// month's last day): day `day` of the chosen date's month, or of the next month when that is
/// on or before the chosen date.
///
/// # Errors
/// `E_DATE_OUT_OF_RANGE` past 9999-12.
///
/// # Example
/// ```
/// use windeep_core::{parse_date, calendar::snap_to_fixed_day};
/// let d = |s| parse_date(s).unwrap();
/// assert_eq!(snap_to_fixed_day(d("2026-02-10"), 5).unwrap(), d("2026-03-05"));
/// assert_eq!(snap_to_fixed_day(d("2026-02-03"), 5).unwrap(), d("2026-02-05"));
/// assert_eq!(snap_to_fixed_day(d("2026-02-05"), 5).unwrap(), d("2026-03-05"));
/// assert_eq!(snap_to_fixed_day(d("2026-02-05"), 31).unwrap(), d("2026-02-28"));
/// assert_eq!(snap_to_fixed_day(d("2026-02-28"), 31).unwrap(), d("2026-03-31"));
/// ```
pub fn snap_to_fixed_day(chosen: NaiveDate, day: u32) -> Result<NaiveDate> {
    let this_month = add_months(chosen, 0, day).ok_or(CoreError::DateOutOfRange)?;
    let snapped = if this_month <= chosen {
        add_months(this_month, 1, day)
    } else {
        Some(this_month)
    };
    snapped
        .filter(|d| in_supported_range(*d))
        .ok_or(CoreError::DateOutOfRange)
}

/// Whole calendar days from `from` to `to` (negative when `to` is earlier).
#[must_use]
pub fn days_between(from: NaiveDate, to: NaiveDate) -> i64 {
    (to - from).num_days()
}

/// The 30E/360 day count from `from` to `to`: `360(y₂−y₁) + 30(m₂−m₁) + (min(d₂,30) − min(d₁,30))`.
#[must_use]
pub fn days_30e_360(from: NaiveDate, to: NaiveDate) -> i64 {
    let d1 = i64::from(from.day().min(30));
    let d2 = i64::from(to.day().min(30));
    360 * (i64::from(to.year()) - i64::from(from.year()))
        + 30 * (i64::from(to.month()) - i64::from(from.month()))
        + (d2 - d1)
}

/// The actual/actual year fraction of `[from, to)` as an exact ratio `numerator / 133_590`
/// (133,590 = 365 × 366): each day counts `1/365` or `1/366` by the length of its year.
/// Negative when `to` is before `from`.
#[must_use]
pub fn actual_actual_numerator(from: NaiveDate, to: NaiveDate) -> i64 {
    if to < from {
        return -actual_actual_numerator(to, from);
    }
    let mut total = 0_i64;
    let mut start = from;
    while start < to {
        let year = start.year();
        let next_year = NaiveDate::from_ymd_opt(year.saturating_add(1), 1, 1).unwrap_or(to);
        let end = next_year.min(to);
        let days = days_between(start, end);
        let weight = if is_leap(year) { 365 } else { 366 };
        total += days * weight;
        start = end;
    }
    total
}

/// The common denominator of [`actual_actual_numerator`]: 365 × 366.
pub const ACTUAL_ACTUAL_DENOMINATOR: i64 = 133_590;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::parse_date;

    fn d(s: &str) -> NaiveDate {
        parse_date(s).unwrap()
    }

    #[test]
    fn month_end_anchor_never_accumulates() {
        let dd = DueDates::new(d("2026-01-31"), Frequency::Monthly);
        let got: Vec<String> = (1..=14).map(|k| dd.due(k).unwrap().to_string()).collect();
        assert_eq!(
            got,
            [
                "2026-01-31",
                "2026-02-28",
                "2026-03-31",
                "2026-04-30",
                "2026-05-31",
                "2026-06-30",
                "2026-07-31",
                "2026-08-31",
                "2026-09-30",
                "2026-10-31",
                "2026-11-30",
                "2026-12-31",
                "2027-01-31",
                "2027-02-28"
            ]
        );
        assert_eq!(
            DueDates::new(d("2028-01-31"), Frequency::Monthly)
                .due(2)
                .unwrap(),
            d("2028-02-29")
        );
        assert_eq!(dd.due(0).unwrap(), d("2025-12-31"));
    }

    #[test]
    fn month_end_first_due_keeps_month_ends() {
        for first in [
            "2026-04-30",
            "2026-02-28",
            "2028-02-29",
            "2026-06-30",
            "2026-01-31",
        ] {
            for freq in [Frequency::Monthly, Frequency::Quarterly] {
                let dd = DueDates::new(d(first), freq);
                for k in 0..=40 {
                    let due = dd.due(k).unwrap();
                    assert_eq!(
                        Some(due.day()),
                        days_in_month(due.year(), due.month()),
                        "{first} {freq:?} row {k}: {due}"
                    );
                }
            }
        }
        assert_eq!(
            DueDates::new(d("2026-02-28"), Frequency::Monthly)
                .due(2)
                .unwrap(),
            d("2026-03-31")
        );
        // Not a month end: the day is kept and clamped as before.
        assert_eq!(
            DueDates::new(d("2026-04-29"), Frequency::Monthly)
                .due(11)
                .unwrap(),
            d("2027-02-28")
        );
        assert_eq!(
            DueDates::new(d("2026-04-29"), Frequency::Monthly)
                .due(12)
                .unwrap(),
            d("2027-03-29")
        );
    }

    #[test]
    fn quarterly_weekly_fortnightly() {
        assert_eq!(
            DueDates::new(d("2026-01-31"), Frequency::Quarterly)
                .due(2)
                .unwrap(),
            d("2026-04-30")
        );
        assert_eq!(
            DueDates::new(d("2026-01-31"), Frequency::Weekly)
                .due(0)
                .unwrap(),
            d("2026-01-24")
        );
        assert_eq!(
            DueDates::new(d("2026-01-31"), Frequency::Fortnightly)
                .due(3)
                .unwrap(),
            d("2026-02-28")
        );
    }

    #[test]
    fn day_counts() {
        assert_eq!(days_30e_360(d("2026-01-31"), d("2026-03-01")), 31);
        assert_eq!(days_30e_360(d("2026-03-01"), d("2026-01-31")), -31);
        // 2027-12-15 .. 2028-01-15: 17 days of 2027 and 14 days of leap 2028.
        assert_eq!(
            actual_actual_numerator(d("2027-12-15"), d("2028-01-15")),
            17 * 366 + 14 * 365
        );
        assert_eq!(
            actual_actual_numerator(d("2028-01-15"), d("2027-12-15")),
            -(17 * 366 + 14 * 365)
        );
    }
}
