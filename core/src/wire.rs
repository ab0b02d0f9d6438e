//! How values are spelled in the JSON interface: the newtype names that mark money, rates,
//! other exact decimals and dates, and the serde helpers the operation layer shares with the
//! core's types.
//!
//! JSON spells money, rates and dates alike as strings. The core's serializers write each of
//! them under a newtype name ([`MONEY`], [`RATE`], [`DECIMAL`], [`DATE`]); `serde_json` ignores
//! the name, so the JSON text is unchanged, while a serializer that wants native values (the
//! typed output of `windeep-ops`) can read it.
//!
//! # Example
//! ```
//! assert_eq!(windeep_core::wire::MONEY, "windeep::Money");
//! ```

use std::fmt;

use serde::Serialize;
use serde::ser;

pub use crate::money::{error_from_serde, iso_date, iso_date_opt, serialize_rate_text};

/// The newtype name [`crate::Money`] serializes under.
pub const MONEY: &str = "windeep::Money";
/// The newtype name [`crate::Rate`] serializes under.
pub const RATE: &str = "windeep::Rate";
/// The newtype name other exact decimals (percentages, ratios, rounding increments) serialize
/// under.
pub const DECIMAL: &str = "windeep::Decimal";
/// The newtype name calendar dates serialize under.
pub const DATE: &str = "windeep::Date";

/// Writes a [`fmt::Display`] value as a string under a newtype name: the serialized form of
/// the marked kinds.
pub(crate) struct Marked<'a, T: fmt::Display>(pub(crate) &'static str, pub(crate) &'a T);

impl<T: fmt::Display> Serialize for Marked<'_, T> {
    fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct Text<'a, T: fmt::Display>(&'a T);
        impl<T: fmt::Display> Serialize for Text<'_, T> {
            fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self.0)
            }
        }
        s.serialize_newtype_struct(self.0, &Text(self.1))
    }
}
