//! Operation output that keeps its types: which values are money, rates, other exact decimals
//! and dates.
//!
//! JSON spells money, rates and dates alike as strings. The core's own serializers mark each of
//! them with a newtype name ([`MONEY`], [`RATE`], [`DECIMAL`], [`DATE`]); `serde_json` ignores
//! the name, so the JSON text is unchanged, while [`to_typed`] keeps it. A binding that wants
//! native decimal and date values (Python's `decimal.Decimal` and `datetime.date`) reads a
//! [`Typed`] tree and never has to guess which strings are amounts.
//!
//! # Example
//! ```
//! use windeep_ops::typed::{Typed, to_typed};
//! let m: windeep_core::Money = "12.50".parse().unwrap();
//! assert_eq!(to_typed(&m).unwrap(), Typed::Money("12.50".to_owned()));
//! assert_eq!(to_typed(&m).unwrap().to_json(), serde_json::json!("12.50"));
//! ```

use std::fmt;

use serde::Serialize;
use serde::ser::{
    self, SerializeMap, SerializeSeq, SerializeStruct, SerializeStructVariant, SerializeTuple,
    SerializeTupleStruct, SerializeTupleVariant,
};
use serde_json::Value;

pub use windeep_core::wire::{DATE, DECIMAL, MONEY, RATE};

/// A serialized value with its money, rate, decimal and date strings marked.
///
/// # Example
/// ```
/// use windeep_ops::typed::Typed;
/// let t = Typed::Map(vec![
///     ("due_on".to_owned(), Typed::Date("2026-02-05".to_owned())),
///     ("amount".to_owned(), Typed::Money("100.00".to_owned())),
/// ]);
/// assert_eq!(t.to_json(), serde_json::json!({"due_on": "2026-02-05", "amount": "100.00"}));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Typed {
    /// `null`.
    Null,
    /// A boolean.
    Bool(bool),
    /// A signed integer.
    Int(i64),
    /// An unsigned integer above `i64::MAX` (or any unsigned integer the value wrote as such).
    UInt(u64),
    /// A string that is none of the marked kinds.
    Str(String),
    /// An amount of money, as the JSON interface spells it (`"1234.50"`).
    Money(String),
    /// A rate in percent per annum (`"12.5"`).
    Rate(String),
    /// Another exact decimal: a percentage, a ratio, a rounding increment (`"0.01"`).
    Decimal(String),
    /// A calendar date, `YYYY-MM-DD`.
    Date(String),
    /// A sequence.
    List(Vec<Typed>),
    /// A record or map, its keys in the order written.
    Map(Vec<(String, Typed)>),
}

impl Typed {
    /// The JSON value `serde_json::to_value` gives for the same data: the marks dropped.
    ///
    /// # Example
    /// ```
    /// use windeep_ops::typed::Typed;
    /// let t = Typed::List(vec![Typed::Rate("12.5".to_owned()), Typed::UInt(3), Typed::Null]);
    /// assert_eq!(t.to_json(), serde_json::json!(["12.5", 3, null]));
    /// ```
    #[must_use]
    pub fn to_json(&self) -> Value {
        match self {
            Self::Null => Value::Null,
            Self::Bool(b) => Value::Bool(*b),
            Self::Int(i) => Value::from(*i),
            Self::UInt(u) => Value::from(*u),
            Self::Str(s) | Self::Money(s) | Self::Rate(s) | Self::Decimal(s) | Self::Date(s) => {
                Value::String(s.clone())
            }
            Self::List(items) => Value::Array(items.iter().map(Self::to_json).collect()),
            Self::Map(entries) => {
                let mut map = serde_json::Map::with_capacity(entries.len());
                for (k, v) in entries {
                    map.insert(k.clone(), v.to_json());
                }
                Value::Object(map)
            }
        }
    }

    /// The text of any string-like value (plain, money, rate, decimal or date).
    ///
    /// # Example
    /// ```
    /// use windeep_ops::typed::Typed;
    /// assert_eq!(Typed::Date("2026-01-05".to_owned()).as_str(), Some("2026-01-05"));
    /// assert_eq!(Typed::Int(1).as_str(), None);
    /// ```
    #[must_use]
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Self::Str(s) | Self::Money(s) | Self::Rate(s) | Self::Decimal(s) | Self::Date(s) => {
                Some(s)
            }
            _ => None,
        }
    }
}

/// Serializes a value into a [`Typed`] tree.
///
/// # Errors
/// [`TypedError`] for what JSON cannot hold either: a non-finite float, an integer beyond 64
/// bits, a map key that is not a string or number.
///
/// # Example
/// ```
/// use windeep_ops::typed::{Typed, to_typed};
/// assert_eq!(to_typed(&vec![1u32, 2]).unwrap(), Typed::List(vec![Typed::Int(1), Typed::Int(2)]));
/// ```
pub fn to_typed<T: Serialize + ?Sized>(value: &T) -> Result<Typed, TypedError> {
    value.serialize(TypedSerializer)
}

/// Why a value has no [`Typed`] form.
///
/// # Example
/// ```
/// let err = windeep_ops::typed::to_typed(&u128::MAX).unwrap_err();
/// assert!(err.to_string().contains("64 bits"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypedError(String);

impl fmt::Display for TypedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TypedError {}

impl ser::Error for TypedError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Self(msg.to_string())
    }
}

/// The serializer behind [`to_typed`].
#[derive(Debug, Clone, Copy)]
struct TypedSerializer;

type R = Result<Typed, TypedError>;

impl ser::Serializer for TypedSerializer {
    type Ok = Typed;
    type Error = TypedError;
    type SerializeSeq = SeqBuilder;
    type SerializeTuple = SeqBuilder;
    type SerializeTupleStruct = SeqBuilder;
    type SerializeTupleVariant = VariantBuilder<SeqBuilder>;
    type SerializeMap = MapBuilder;
    type SerializeStruct = MapBuilder;
    type SerializeStructVariant = VariantBuilder<MapBuilder>;

    fn serialize_bool(self, v: bool) -> R {
        Ok(Typed::Bool(v))
    }
    fn serialize_i8(self, v: i8) -> R {
        Ok(Typed::Int(v.into()))
    }
    fn serialize_i16(self, v: i16) -> R {
        Ok(Typed::Int(v.into()))
    }
    fn serialize_i32(self, v: i32) -> R {
        Ok(Typed::Int(v.into()))
    }
    fn serialize_i64(self, v: i64) -> R {
        Ok(Typed::Int(v))
    }
    fn serialize_i128(self, v: i128) -> R {
        i64::try_from(v)
            .map(Typed::Int)
            .or_else(|_| u64::try_from(v).map(Typed::UInt))
            .map_err(|_| TypedError(format!("{v} does not fit in 64 bits")))
    }
    fn serialize_u8(self, v: u8) -> R {
        Ok(Typed::Int(v.into()))
    }
    fn serialize_u16(self, v: u16) -> R {
        Ok(Typed::Int(v.into()))
    }
    fn serialize_u32(self, v: u32) -> R {
        Ok(Typed::Int(v.into()))
    }
    fn serialize_u64(self, v: u64) -> R {
        Ok(i64::try_from(v).map_or(Typed::UInt(v), Typed::Int))
    }
    fn serialize_u128(self, v: u128) -> R {
        u64::try_from(v)
            .map(|u| i64::try_from(u).map_or(Typed::UInt(u), Typed::Int))
            .map_err(|_| TypedError(format!("{v} does not fit in 64 bits")))
    }
    fn serialize_f32(self, _: f32) -> R {
        Err(TypedError(
            "an operation's output holds no binary floats".to_owned(),
        ))
    }
    fn serialize_f64(self, _: f64) -> R {
        Err(TypedError(
            "an operation's output holds no binary floats".to_owned(),
        ))
    }
    fn serialize_char(self, v: char) -> R {
        Ok(Typed::Str(v.to_string()))
    }
    fn serialize_str(self, v: &str) -> R {
        Ok(Typed::Str(v.to_owned()))
    }
    fn serialize_bytes(self, v: &[u8]) -> R {
        Ok(Typed::List(
            v.iter().map(|b| Typed::Int((*b).into())).collect(),
        ))
    }
    fn serialize_none(self) -> R {
        Ok(Typed::Null)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> R {
        value.serialize(self)
    }
    fn serialize_unit(self) -> R {
        Ok(Typed::Null)
    }
    fn serialize_unit_struct(self, _: &'static str) -> R {
        Ok(Typed::Null)
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> R {
        Ok(Typed::Str(variant.to_owned()))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, name: &'static str, value: &T) -> R {
        let mark: fn(String) -> Typed = match name {
            MONEY => Typed::Money,
            RATE => Typed::Rate,
            DECIMAL => Typed::Decimal,
            DATE => Typed::Date,
            _ => return value.serialize(self),
        };
        match value.serialize(self)? {
            Typed::Str(s) => Ok(mark(s)),
            other => Err(TypedError(format!(
                "{name} must serialize as a string, not {other:?}"
            ))),
        }
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> R {
        Ok(Typed::Map(vec![(
            variant.to_owned(),
            value.serialize(self)?,
        )]))
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<SeqBuilder, TypedError> {
        Ok(SeqBuilder(Vec::with_capacity(len.unwrap_or(0))))
    }
    fn serialize_tuple(self, len: usize) -> Result<SeqBuilder, TypedError> {
        Ok(SeqBuilder(Vec::with_capacity(len)))
    }
    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<SeqBuilder, TypedError> {
        Ok(SeqBuilder(Vec::with_capacity(len)))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<VariantBuilder<SeqBuilder>, TypedError> {
        Ok(VariantBuilder(variant, SeqBuilder(Vec::with_capacity(len))))
    }
    fn serialize_map(self, len: Option<usize>) -> Result<MapBuilder, TypedError> {
        Ok(MapBuilder::new(len.unwrap_or(0)))
    }
    fn serialize_struct(self, _: &'static str, len: usize) -> Result<MapBuilder, TypedError> {
        Ok(MapBuilder::new(len))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<VariantBuilder<MapBuilder>, TypedError> {
        Ok(VariantBuilder(variant, MapBuilder::new(len)))
    }
}

/// Collects the items of a sequence or tuple.
#[derive(Debug)]
struct SeqBuilder(Vec<Typed>);

impl SerializeSeq for SeqBuilder {
    type Ok = Typed;
    type Error = TypedError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), TypedError> {
        self.0.push(value.serialize(TypedSerializer)?);
        Ok(())
    }
    fn end(self) -> R {
        Ok(Typed::List(self.0))
    }
}

impl SerializeTuple for SeqBuilder {
    type Ok = Typed;
    type Error = TypedError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), TypedError> {
        SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> R {
        SerializeSeq::end(self)
    }
}

impl SerializeTupleStruct for SeqBuilder {
    type Ok = Typed;
    type Error = TypedError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), TypedError> {
        SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> R {
        SerializeSeq::end(self)
    }
}

/// Collects the entries of a map or the fields of a struct.
#[derive(Debug)]
struct MapBuilder {
    entries: Vec<(String, Typed)>,
    key: Option<String>,
}

impl MapBuilder {
    fn new(len: usize) -> Self {
        Self {
            entries: Vec::with_capacity(len),
            key: None,
        }
    }

    /// Adds an entry; a repeated key replaces the earlier value in place, as in a JSON object.
    fn insert(&mut self, key: String, value: Typed) {
        if let Some(slot) = self.entries.iter_mut().find(|(k, _)| *k == key) {
            slot.1 = value;
        } else {
            self.entries.push((key, value));
        }
    }
}

/// A map key as JSON writes it: strings as they are, numbers and booleans as their text.
fn key_text(key: Typed) -> Result<String, TypedError> {
    match key {
        Typed::Str(s) | Typed::Money(s) | Typed::Rate(s) | Typed::Decimal(s) | Typed::Date(s) => {
            Ok(s)
        }
        Typed::Int(i) => Ok(i.to_string()),
        Typed::UInt(u) => Ok(u.to_string()),
        Typed::Bool(b) => Ok(b.to_string()),
        other => Err(TypedError(format!(
            "a map key must be a string or a number, not {other:?}"
        ))),
    }
}

impl SerializeMap for MapBuilder {
    type Ok = Typed;
    type Error = TypedError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), TypedError> {
        self.key = Some(key_text(key.serialize(TypedSerializer)?)?);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), TypedError> {
        let key = self
            .key
            .take()
            .ok_or_else(|| TypedError("a map value without its key".to_owned()))?;
        let value = value.serialize(TypedSerializer)?;
        self.insert(key, value);
        Ok(())
    }
    fn end(self) -> R {
        Ok(Typed::Map(self.entries))
    }
}

impl SerializeStruct for MapBuilder {
    type Ok = Typed;
    type Error = TypedError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), TypedError> {
        let value = value.serialize(TypedSerializer)?;
        self.insert(key.to_owned(), value);
        Ok(())
    }
    fn end(self) -> R {
        Ok(Typed::Map(self.entries))
    }
}

/// An enum variant holding a tuple or a struct: `{"variant": …}`, as JSON writes it.
#[derive(Debug)]
struct VariantBuilder<B>(&'static str, B);

impl SerializeTupleVariant for VariantBuilder<SeqBuilder> {
    type Ok = Typed;
    type Error = TypedError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), TypedError> {
        SerializeSeq::serialize_element(&mut self.1, value)
    }
    fn end(self) -> R {
        Ok(Typed::Map(vec![(
            self.0.to_owned(),
            SerializeSeq::end(self.1)?,
        )]))
    }
}

impl SerializeStructVariant for VariantBuilder<MapBuilder> {
    type Ok = Typed;
    type Error = TypedError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), TypedError> {
        SerializeStruct::serialize_field(&mut self.1, key, value)
    }
    fn end(self) -> R {
        Ok(Typed::Map(vec![(
            self.0.to_owned(),
            SerializeStruct::end(self.1)?,
        )]))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;
    use serde::Serialize;

    use super::*;
    use windeep_core::{Money, Rate};

    #[derive(Serialize)]
    #[serde(tag = "kind", rename_all = "snake_case")]
    enum Tagged {
        Unit,
        Fields { amount: Money },
    }

    #[derive(Serialize)]
    enum External {
        Tuple(u8, String),
        Struct { rate: Rate },
        Newtype(i32),
        Unit,
    }

    #[derive(Serialize)]
    struct Inner {
        x: u32,
    }

    #[derive(Serialize)]
    struct Outer {
        #[serde(flatten)]
        inner: Inner,
        #[serde(with = "windeep_core::wire::iso_date")]
        on: chrono::NaiveDate,
        #[serde(with = "windeep_core::wire::iso_date_opt")]
        maybe: Option<chrono::NaiveDate>,
        none: Option<Money>,
        map: BTreeMap<u32, Money>,
        bytes: Value,
    }

    fn same_as_json<T: Serialize>(v: &T) -> Typed {
        let typed = to_typed(v).unwrap();
        assert_eq!(typed.to_json(), serde_json::to_value(v).unwrap());
        typed
    }

    #[test]
    fn marks_money_rates_and_dates() {
        let d = windeep_core::parse_date("2026-02-05").unwrap();
        let outer = Outer {
            inner: Inner { x: 7 },
            on: d,
            maybe: Some(d),
            none: None,
            map: BTreeMap::from([(3, "1.50".parse().unwrap())]),
            bytes: serde_json::json!({"n": -1, "big": u64::MAX}),
        };
        let t = same_as_json(&outer);
        let Typed::Map(entries) = t else {
            panic!("not a map")
        };
        let get = |k: &str| entries.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        assert_eq!(get("x"), Some(Typed::Int(7)));
        assert_eq!(get("on"), Some(Typed::Date("2026-02-05".to_owned())));
        assert_eq!(get("maybe"), Some(Typed::Date("2026-02-05".to_owned())));
        assert_eq!(get("none"), Some(Typed::Null));
        assert_eq!(
            get("map"),
            Some(Typed::Map(vec![(
                "3".to_owned(),
                Typed::Money("1.50".to_owned())
            )]))
        );
        let Some(Typed::Map(bytes)) = get("bytes") else {
            panic!("not a map")
        };
        assert!(bytes.contains(&("big".to_owned(), Typed::UInt(u64::MAX))));
        assert!(bytes.contains(&("n".to_owned(), Typed::Int(-1))));
    }

    #[test]
    fn enums_are_shaped_as_json_writes_them() {
        same_as_json(&Tagged::Unit);
        let t = same_as_json(&Tagged::Fields {
            amount: "2.00".parse().unwrap(),
        });
        assert_eq!(
            t,
            Typed::Map(vec![
                ("kind".to_owned(), Typed::Str("fields".to_owned())),
                ("amount".to_owned(), Typed::Money("2.00".to_owned())),
            ])
        );
        same_as_json(&External::Tuple(1, "a".to_owned()));
        let t = same_as_json(&External::Struct {
            rate: "12.5".parse().unwrap(),
        });
        assert_eq!(
            t,
            Typed::Map(vec![(
                "Struct".to_owned(),
                Typed::Map(vec![("rate".to_owned(), Typed::Rate("12.5".to_owned()))])
            )])
        );
        same_as_json(&External::Newtype(-4));
        same_as_json(&External::Unit);
        same_as_json(&(1u8, 'c', (), Some(true)));
    }

    #[test]
    fn what_json_cannot_hold_is_refused() {
        assert!(to_typed(&1.5f64).is_err());
        assert!(to_typed(&i128::MIN).is_err());
        assert_eq!(to_typed(&-5i128).unwrap(), Typed::Int(-5));
        assert_eq!(
            to_typed(&u128::from(u64::MAX)).unwrap(),
            Typed::UInt(u64::MAX)
        );
        let mut bad = BTreeMap::new();
        bad.insert(vec![1u8], 1u8);
        assert!(to_typed(&bad).is_err());
        assert!(serde_json::to_value(&bad).is_err());
    }

    #[test]
    fn a_mark_on_a_non_string_is_an_error() {
        struct Bad;
        impl Serialize for Bad {
            fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_newtype_struct(MONEY, &5u8)
            }
        }
        assert!(to_typed(&Bad).is_err());
        assert_eq!(serde_json::to_value(&Bad).unwrap(), serde_json::json!(5));
    }

    proptest! {
        #[test]
        fn money_text_is_kept_exactly(mantissa in any::<i64>(), scale in 0u32..=12) {
            let m = Money::from_decimal(rust_decimal::Decimal::new(mantissa, scale));
            let t = to_typed(&vec![m]).unwrap();
            prop_assert_eq!(&t, &Typed::List(vec![Typed::Money(m.to_string())]));
            prop_assert_eq!(t.to_json(), serde_json::to_value(vec![m]).unwrap());
        }

        #[test]
        fn plain_values_match_json(
            ints in proptest::collection::vec(any::<i64>(), 0..5),
            uints in proptest::collection::vec(any::<u64>(), 0..5),
            text in ".*",
            flag in any::<bool>(),
        ) {
            let v = (ints, uints, text, flag, Option::<u8>::None);
            let t = to_typed(&v).unwrap();
            prop_assert_eq!(t.to_json(), serde_json::to_value(&v).unwrap());
        }
    }
}
