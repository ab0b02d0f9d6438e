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

pub use crate::money::{
    error_from_serde, iso_date, iso_date_opt, serialize_optional_rate_text, serialize_rate_text,
};

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

/// The JSON Schema of the strings the interface reads and writes (with the `schemars`
/// feature): money, rates, other exact decimals and dates are strings with a pattern and an
/// `x-windeep-type` keyword (`money`, `rate`, `decimal`, `date`), so a generator of bindings
/// knows what each string is.
#[cfg(feature = "schemars")]
pub mod schema {
    use std::borrow::Cow;

    use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};

    use crate::money::{decimal_str, decimal_str_opt, iso_date, iso_date_opt};
    use crate::{Money, Rate};

    /// A plain decimal: optional `-`, digits, optional `.` and digits (no exponent, no `+`).
    pub const DECIMAL_PATTERN: &str = r"^-?[0-9]+(\.[0-9]+)?$";
    /// An ISO calendar date, `YYYY-MM-DD`.
    pub const DATE_PATTERN: &str = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$";

    fn decimal_string(kind: &str, description: &str) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": DECIMAL_PATTERN,
            "x-windeep-type": kind,
            "description": description,
        })
    }

    impl JsonSchema for Money {
        fn schema_name() -> Cow<'static, str> {
            "Money".into()
        }
        fn json_schema(_: &mut SchemaGenerator) -> Schema {
            decimal_string(
                "money",
                "An amount of money in currency units as a plain decimal string (\"1234.50\").",
            )
        }
    }

    impl JsonSchema for Rate {
        fn schema_name() -> Cow<'static, str> {
            "Rate".into()
        }
        fn json_schema(_: &mut SchemaGenerator) -> Schema {
            decimal_string(
                "rate",
                "A rate in percent per annum as a plain decimal string (\"12.5\").",
            )
        }
    }

    /// The schema of an exact decimal other than money or a rate: a percentage, a ratio, a
    /// rounding increment (`"0.01"`).
    #[derive(Debug, Clone, Copy)]
    pub struct DecimalText;

    impl JsonSchema for DecimalText {
        fn schema_name() -> Cow<'static, str> {
            "Decimal".into()
        }
        fn json_schema(_: &mut SchemaGenerator) -> Schema {
            decimal_string(
                "decimal",
                "An exact decimal (a percentage, a ratio, an increment) as a plain decimal string.",
            )
        }
    }

    /// The schema of a rate the core has already formatted at fixed decimals (`"12.00"`).
    #[derive(Debug, Clone, Copy)]
    pub struct RateText;

    impl JsonSchema for RateText {
        fn schema_name() -> Cow<'static, str> {
            "Rate".into()
        }
        fn json_schema(g: &mut SchemaGenerator) -> Schema {
            Rate::json_schema(g)
        }
    }

    /// The schema of a calendar date.
    #[derive(Debug, Clone, Copy)]
    pub struct Date;

    impl JsonSchema for Date {
        fn schema_name() -> Cow<'static, str> {
            "Date".into()
        }
        fn json_schema(_: &mut SchemaGenerator) -> Schema {
            json_schema!({
                "type": "string",
                "pattern": DATE_PATTERN,
                "x-windeep-type": "date",
                "description": "A calendar date, ISO YYYY-MM-DD (years 0001–9999).",
            })
        }
    }

    impl JsonSchema for iso_date {
        fn schema_name() -> Cow<'static, str> {
            "Date".into()
        }
        fn json_schema(g: &mut SchemaGenerator) -> Schema {
            Date::json_schema(g)
        }
    }

    impl JsonSchema for iso_date_opt {
        fn inline_schema() -> bool {
            true
        }
        fn schema_name() -> Cow<'static, str> {
            "Nullable_Date".into()
        }
        fn json_schema(g: &mut SchemaGenerator) -> Schema {
            g.subschema_for::<Option<Date>>()
        }
    }

    impl JsonSchema for decimal_str {
        fn schema_name() -> Cow<'static, str> {
            "Decimal".into()
        }
        fn json_schema(g: &mut SchemaGenerator) -> Schema {
            DecimalText::json_schema(g)
        }
    }

    impl JsonSchema for decimal_str_opt {
        fn inline_schema() -> bool {
            true
        }
        fn schema_name() -> Cow<'static, str> {
            "Nullable_Decimal".into()
        }
        fn json_schema(g: &mut SchemaGenerator) -> Schema {
            g.subschema_for::<Option<DecimalText>>()
        }
    }

    /// The schema of an optional date written by hand-made serde helpers.
    #[derive(Debug, Clone, Copy)]
    pub struct OptDate;

    impl JsonSchema for OptDate {
        fn inline_schema() -> bool {
            true
        }
        fn schema_name() -> Cow<'static, str> {
            "Nullable_Date".into()
        }
        fn json_schema(g: &mut SchemaGenerator) -> Schema {
            g.subschema_for::<Option<Date>>()
        }
    }

    /// The schema of an optional exact decimal the core has already formatted.
    #[derive(Debug, Clone, Copy)]
    pub struct OptDecimalText;

    impl JsonSchema for OptDecimalText {
        fn inline_schema() -> bool {
            true
        }
        fn schema_name() -> Cow<'static, str> {
            "Nullable_Decimal".into()
        }
        fn json_schema(g: &mut SchemaGenerator) -> Schema {
            g.subschema_for::<Option<DecimalText>>()
        }
    }

    /// The schema of a map from names to dates.
    #[derive(Debug, Clone, Copy)]
    pub struct DateMap;

    impl JsonSchema for DateMap {
        fn inline_schema() -> bool {
            true
        }
        fn schema_name() -> Cow<'static, str> {
            "Map_of_Date".into()
        }
        fn json_schema(g: &mut SchemaGenerator) -> Schema {
            g.subschema_for::<std::collections::BTreeMap<String, Date>>()
        }
    }

    impl JsonSchema for crate::month::Month {
        fn schema_name() -> Cow<'static, str> {
            "Month".into()
        }
        fn json_schema(_: &mut SchemaGenerator) -> Schema {
            json_schema!({
                "type": "string",
                "pattern": r"^[0-9]{4}-[0-9]{2}$",
                "description": "A calendar month, YYYY-MM.",
            })
        }
    }

    /// The schema of a field that reads one string or a list of strings.
    #[derive(Debug, Clone, Copy)]
    pub struct StringOrList;

    impl JsonSchema for StringOrList {
        fn inline_schema() -> bool {
            true
        }
        fn schema_name() -> Cow<'static, str> {
            "StringOrList".into()
        }
        fn json_schema(_: &mut SchemaGenerator) -> Schema {
            json_schema!({
                "anyOf": [
                    {"type": "string"},
                    {"type": "array", "items": {"type": "string"}},
                    {"type": "null"},
                ],
            })
        }
    }
}
