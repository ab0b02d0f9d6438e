//! The admission check every JSON operation input passes before it is read: no object with
//! the same key twice (at any depth), nesting at most [`MAX_DEPTH`] deep, at most
//! [`MAX_INPUT_BYTES`] long.
//!
//! `serde_json` keeps the last of two equal keys when it reads into a map or a `Value`, so an
//! input such as `{"amount":"9000.00","amount":"1.00"}` would mean whatever the reader happened
//! to keep. It is refused instead, the same way for every operation.

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};

use crate::error::{CoreError, Result};

/// Deepest nesting of arrays and objects an input may have (64).
pub const MAX_DEPTH: usize = 64;

/// Longest JSON input an operation reads, in bytes (256 MiB).
pub const MAX_INPUT_BYTES: usize = 256 << 20;

/// Checks `input` as described in the module documentation.
///
/// # Errors
/// `E_INPUT_TOO_LARGE` past [`MAX_INPUT_BYTES`]; `E_INVALID_INPUT` for a repeated key, nesting
/// deeper than [`MAX_DEPTH`] or text that is not JSON.
///
/// # Example
/// ```
/// use windeep_core::strict_json::check;
/// assert!(check(r#"{"a": {"b": 1}, "c": [1, 2]}"#).is_ok());
/// let err = check(r#"{"amount": "9000.00", "amount": "1.00"}"#).unwrap_err();
/// assert_eq!(err.code(), "E_INVALID_INPUT");
/// assert_eq!(check(&"[".repeat(100)).unwrap_err().code(), "E_INVALID_INPUT");
/// ```
pub fn check(input: &str) -> Result<()> {
    if input.len() > MAX_INPUT_BYTES {
        return Err(CoreError::InputTooLarge {
            reason: format!(
                "the input has {} bytes, more than {MAX_INPUT_BYTES}",
                input.len()
            ),
        });
    }
    let mut de = serde_json::Deserializer::from_str(input);
    Node { depth: 0 }
        .deserialize(&mut de)
        .and_then(|()| de.end())
        .map_err(|e| CoreError::InvalidInput {
            reason: e.to_string(),
        })
}

/// One JSON value at a depth.
#[derive(Clone, Copy)]
struct Node {
    depth: usize,
}

impl<'de> DeserializeSeed<'de> for Node {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl Node {
    fn deeper<E: de::Error>(self) -> std::result::Result<Self, E> {
        if self.depth >= MAX_DEPTH {
            return Err(E::custom(format!(
                "the input is nested more than {MAX_DEPTH} levels deep"
            )));
        }
        Ok(Self {
            depth: self.depth + 1,
        })
    }
}

impl<'de> Visitor<'de> for Node {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> std::result::Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> std::result::Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> std::result::Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> std::result::Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> std::result::Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> std::result::Result<(), E> {
        Ok(())
    }
    fn visit_none<E>(self) -> std::result::Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<(), A::Error> {
        let inner = self.deeper()?;
        while seq.next_element_seed(inner)?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<(), A::Error> {
        let inner = self.deeper()?;
        let mut keys = std::collections::HashSet::new();
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            map.next_value_seed(inner)?;
            if !keys.insert(key.clone()) {
                return Err(de::Error::custom(format!("the key {key:?} appears twice")));
            }
        }
        Ok(())
    }
}
