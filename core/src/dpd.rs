//! The days-past-due band table: one home for the special-mention bands (SMA-0, SMA-1,
//! SMA-2), the NPA threshold, the portfolio-at-risk buckets and the risk bands of the daily
//! checks. Classification, the books' NPA periods, the loan account's policy, `check_books`
//! and the portfolio report all read their thresholds from here.
//!
//! Every band is a closed range of whole days past due: SMA-0 is 1 to `sma_0_max`, SMA-1 is
//! `sma_0_max + 1` to `sma_1_max`, SMA-2 is `sma_1_max + 1` to `npa_after_days`, and a loan
//! is NPA once its days past due *exceed* `npa_after_days` (RBI: "overdue for more than 90
//! days").

use serde::{Deserialize, Serialize};

use crate::error::{CoreError, Result};

/// The thresholds of the days-past-due bands, in whole days past due.
///
/// # Example
/// ```
/// use windeep_core::dpd::{DPD_BANDS, Sma};
/// assert_eq!(DPD_BANDS.sma(0), Sma::Current);
/// assert_eq!(DPD_BANDS.sma(30), Sma::Sma0);
/// assert_eq!(DPD_BANDS.sma(61), Sma::Sma2);
/// assert_eq!(DPD_BANDS.sma(91), Sma::Npa);
/// assert_eq!(DPD_BANDS.par_bounds(), vec![30, 60, 90]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DpdBands {
    /// SMA-0 up to this many days past due (30).
    pub sma_0_max: u32,
    /// SMA-1 up to this many days past due (60); SMA-2 above, up to the NPA threshold.
    pub sma_1_max: u32,
    /// NPA when days past due exceed this (90; 365 for Nidhi-style societies).
    pub npa_after_days: u32,
}

/// The default band table: the RBI bank norms (SMA-0 1–30, SMA-1 31–60, SMA-2 61–90, NPA
/// above 90 days past due).
pub const DPD_BANDS: DpdBands = DpdBands {
    sma_0_max: 30,
    sma_1_max: 60,
    npa_after_days: 90,
};

/// The upper bound of the `early` risk band of the daily checks (legacy validation query #12:
/// 1–7 days past due), days.
pub const EARLY_OVERDUE_MAX_DAYS: u32 = 7;

/// Special-mention category by the loan's own days past due.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sma {
    /// Nothing past due.
    Current,
    /// 1 to `sma_0_max` days.
    #[serde(rename = "sma_0")]
    Sma0,
    /// Up to `sma_1_max` days.
    #[serde(rename = "sma_1")]
    Sma1,
    /// Up to the NPA threshold.
    #[serde(rename = "sma_2")]
    Sma2,
    /// Above the NPA threshold.
    Npa,
}

/// The risk band of an overdue loan in the daily checks (legacy validation query #12), most
/// severe first: `npa` above the NPA threshold, `high` from `sma_0_max + 1` (31) to the
/// threshold, `moderate` from 8 to `sma_0_max`, `early` from 1 to
/// [`EARLY_OVERDUE_MAX_DAYS`].
///
/// # Example
/// ```
/// use windeep_core::dpd::{DPD_BANDS, OverdueBand};
/// assert_eq!(DPD_BANDS.overdue_band(0), None);
/// assert_eq!(DPD_BANDS.overdue_band(7), Some(OverdueBand::Early));
/// assert_eq!(DPD_BANDS.overdue_band(8), Some(OverdueBand::Moderate));
/// assert_eq!(DPD_BANDS.overdue_band(31), Some(OverdueBand::High));
/// assert_eq!(DPD_BANDS.overdue_band(91), Some(OverdueBand::Npa));
/// ```
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OverdueBand {
    /// Above the NPA threshold.
    Npa,
    /// From `sma_0_max + 1` days to the NPA threshold.
    High,
    /// From `EARLY_OVERDUE_MAX_DAYS + 1` to `sma_0_max` days.
    Moderate,
    /// 1 to [`EARLY_OVERDUE_MAX_DAYS`] days.
    Early,
}

impl OverdueBand {
    /// Every band, most severe first (the order of the report).
    pub const ALL: [Self; 4] = [Self::Npa, Self::High, Self::Moderate, Self::Early];

    /// The word of the JSON form.
    ///
    /// # Example
    /// ```
    /// assert_eq!(windeep_core::dpd::OverdueBand::High.as_str(), "high");
    /// ```
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Npa => "npa",
            Self::High => "high",
            Self::Moderate => "moderate",
            Self::Early => "early",
        }
    }
}

impl std::fmt::Display for OverdueBand {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

impl Default for DpdBands {
    fn default() -> Self {
        DPD_BANDS
    }
}

impl DpdBands {
    /// Checks that the bands are in order: `0 < sma_0_max < sma_1_max < npa_after_days`.
    ///
    /// # Errors
    /// `E_INVALID_POLICY` otherwise.
    ///
    /// # Example
    /// ```
    /// use windeep_core::dpd::{DPD_BANDS, DpdBands};
    /// assert!(DPD_BANDS.validate().is_ok());
    /// assert!(DpdBands { sma_1_max: 90, ..DPD_BANDS }.validate().is_err());
    /// ```
    pub fn validate(&self) -> Result<()> {
        if 0 < self.sma_0_max
            && self.sma_0_max < self.sma_1_max
            && self.sma_1_max < self.npa_after_days
        {
            Ok(())
        } else {
            Err(CoreError::InvalidPolicy {
                reason: "0 < sma_0_max < sma_1_max < npa_after_days".to_owned(),
            })
        }
    }

    /// The special-mention category of a number of days past due (0 or less: current).
    #[must_use]
    pub fn sma(&self, days_past_due: i64) -> Sma {
        match u64::try_from(days_past_due).unwrap_or(0) {
            0 => Sma::Current,
            d if d <= u64::from(self.sma_0_max) => Sma::Sma0,
            d if d <= u64::from(self.sma_1_max) => Sma::Sma1,
            d if d <= u64::from(self.npa_after_days) => Sma::Sma2,
            _ => Sma::Npa,
        }
    }

    /// Whether a loan with this many days past due is NPA (strictly above the threshold).
    #[must_use]
    pub fn is_npa(&self, days_past_due: i64) -> bool {
        days_past_due > i64::from(self.npa_after_days)
    }

    /// The portfolio-at-risk bucket bounds, days: the upper bounds of SMA-0, SMA-1 and SMA-2
    /// (the default buckets of the portfolio report: 1–30, 31–60, 61–90, 91+).
    #[must_use]
    pub fn par_bounds(&self) -> Vec<u32> {
        vec![self.sma_0_max, self.sma_1_max, self.npa_after_days]
    }

    /// The risk band of the daily checks for a number of days past due; `None` when nothing is
    /// past due. The NPA test comes first, so a threshold below `sma_0_max` still reports
    /// `npa` above it.
    #[must_use]
    pub fn overdue_band(&self, days_past_due: i64) -> Option<OverdueBand> {
        let d = days_past_due;
        if d <= 0 {
            None
        } else if self.is_npa(d) {
            Some(OverdueBand::Npa)
        } else if d > i64::from(self.sma_0_max) {
            Some(OverdueBand::High)
        } else if d > i64::from(EARLY_OVERDUE_MAX_DAYS) {
            Some(OverdueBand::Moderate)
        } else {
            Some(OverdueBand::Early)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_day_falls_in_exactly_the_band_its_bounds_say() {
        for d in -3_i64..400 {
            let sma = DPD_BANDS.sma(d);
            let expected = match d {
                ..=0 => Sma::Current,
                1..=30 => Sma::Sma0,
                31..=60 => Sma::Sma1,
                61..=90 => Sma::Sma2,
                _ => Sma::Npa,
            };
            assert_eq!(sma, expected, "dpd {d}");
            assert_eq!(DPD_BANDS.is_npa(d), sma == Sma::Npa, "dpd {d}");
            let band = DPD_BANDS.overdue_band(d);
            let expected = match d {
                ..=0 => None,
                1..=7 => Some(OverdueBand::Early),
                8..=30 => Some(OverdueBand::Moderate),
                31..=90 => Some(OverdueBand::High),
                _ => Some(OverdueBand::Npa),
            };
            assert_eq!(band, expected, "dpd {d}");
        }
    }

    #[test]
    fn a_societys_longer_threshold_moves_only_the_npa_edge() {
        let nidhi = DpdBands {
            npa_after_days: 365,
            ..DPD_BANDS
        };
        assert_eq!(nidhi.sma(200), Sma::Sma2);
        assert_eq!(nidhi.overdue_band(200), Some(OverdueBand::High));
        assert_eq!(nidhi.overdue_band(366), Some(OverdueBand::Npa));
        assert_eq!(nidhi.par_bounds(), vec![30, 60, 365]);
    }
}
