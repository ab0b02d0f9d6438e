//! The tamper-evidence hash of an event: SHA-256 of its RFC 8785 (JSON Canonicalization Scheme)
//! form, as received, without its own `hash` member.
//!
//! The event is read as plain JSON (refusing duplicate member names, which RFC 8785 requires),
//! not as a [`LoanEvent`]: nothing is normalised, filled in or dropped, so every change to what
//! was stored — an amount written `"08884.88"`, an added member, a default spelled out — changes
//! the hash. Canonical form: members sorted by their names' UTF-16 code units, no white space,
//! strings escaped only where JSON requires (`\"`, `\\`, `\b`, `\f`, `\n`, `\r`, `\t`, other
//! controls as `\u00xx`), numbers in ECMAScript's shortest form.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use sha2::{Digest, Sha256};

use super::LoanEvent;

/// A JSON value exactly as received (numbers as JSON numbers, members in received order).
#[derive(Debug, Clone, PartialEq)]
enum Json {
    Null,
    Bool(bool),
    Unsigned(u64),
    Signed(i64),
    Float(f64),
    Text(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

/// One stored event as received, for [`super::verify_chain`]: any JSON value, duplicate member
/// names refused.
///
/// # Example
/// ```
/// let e: windeep_core::account::StoredEvent = serde_json::from_str(
///     r#"{"id": "a", "sequence": 1, "value_date": "2026-01-05", "idempotency_key": "a",
///         "body": {"type": "written_off", "reason": "test"}}"#).unwrap();
/// assert_eq!(e.hash().len(), 64);
/// assert!(serde_json::from_str::<windeep_core::account::StoredEvent>(r#"{"id": "a", "id": "b"}"#).is_err());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent(Json);

// JSON numbers are never NaN, so equality is total.
impl Eq for Json {}
impl Eq for StoredEvent {}

impl StoredEvent {
    /// The stored form of an event read as a JSON value (nothing normalised).
    #[must_use]
    pub fn from_json(value: &serde_json::Value) -> Self {
        Self(from_value(value))
    }

    /// The stored form of an event built in memory (its serialisation).
    #[must_use]
    pub fn of(event: &LoanEvent) -> Self {
        let value = serde_json::to_value(event).unwrap_or(serde_json::Value::Null);
        Self(from_value(&value))
    }

    /// SHA-256 (lower-case hex) of the RFC 8785 form of the event without its `hash` member.
    #[must_use]
    pub fn hash(&self) -> String {
        let mut text = String::new();
        match &self.0 {
            Json::Object(members) => {
                let kept: Vec<(String, Json)> = members
                    .iter()
                    .filter(|(k, _)| k != "hash")
                    .cloned()
                    .collect();
                write(&Json::Object(kept), &mut text);
            }
            other => write(other, &mut text),
        }
        let digest = Sha256::digest(text.as_bytes());
        digest.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn member(&self, name: &str) -> Option<&Json> {
        match &self.0 {
            Json::Object(members) => members.iter().find(|(k, _)| k == name).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The `id` member, when it is a string.
    pub(super) fn id(&self) -> Option<&str> {
        match self.member("id") {
            Some(Json::Text(s)) => Some(s),
            _ => None,
        }
    }

    /// The `sequence` member, when it is a non-negative integer.
    pub(super) fn sequence(&self) -> Option<u64> {
        match self.member("sequence") {
            Some(Json::Unsigned(n)) => Some(*n),
            _ => None,
        }
    }

    /// A string member (`hash`, `prev_hash`): `Ok(None)` when absent or null, `Err` when it
    /// is something else.
    pub(super) fn text(&self, name: &str) -> Result<Option<&str>, ()> {
        match self.member(name) {
            None | Some(Json::Null) => Ok(None),
            Some(Json::Text(s)) => Ok(Some(s)),
            Some(_) => Err(()),
        }
    }
}

fn from_value(v: &serde_json::Value) -> Json {
    use serde_json::Value;
    match v {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Number(n) => match (n.as_u64(), n.as_i64(), n.as_f64()) {
            (Some(u), _, _) => Json::Unsigned(u),
            (None, Some(i), _) => Json::Signed(i),
            (None, None, Some(f)) => Json::Float(f),
            _ => Json::Null,
        },
        Value::String(s) => Json::Text(s.clone()),
        Value::Array(a) => Json::Array(a.iter().map(from_value).collect()),
        Value::Object(o) => {
            Json::Object(o.iter().map(|(k, v)| (k.clone(), from_value(v))).collect())
        }
    }
}

impl<'de> Deserialize<'de> for StoredEvent {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Json::deserialize(d).map(StoredEvent)
    }
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(JsonVisitor)
    }
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Json, E> {
        Ok(Json::Bool(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Json, E> {
        Ok(Json::Unsigned(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Json, E> {
        Ok(u64::try_from(v).map_or(Json::Signed(v), Json::Unsigned))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Json, E> {
        Ok(Json::Float(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Json, E> {
        Ok(Json::Text(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Json, E> {
        Ok(Json::Text(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Json>()? {
            items.push(item);
        }
        Ok(Json::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let mut members: Vec<(String, Json)> = Vec::new();
        while let Some(name) = map.next_key::<String>()? {
            if members.iter().any(|(k, _)| *k == name) {
                return Err(de::Error::custom(format!("duplicate field `{name}`")));
            }
            let value = map.next_value::<Json>()?;
            members.push((name, value));
        }
        Ok(Json::Object(members))
    }
}

/// Appends the RFC 8785 form of `v` to `out`.
fn write(v: &Json, out: &mut String) {
    match v {
        Json::Null => out.push_str("null"),
        Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Json::Unsigned(n) => number_u(*n, false, out),
        Json::Signed(n) => number_u(n.unsigned_abs(), *n < 0, out),
        Json::Float(f) => out.push_str(&es_number(*f)),
        Json::Text(s) => string(s, out),
        Json::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(item, out);
            }
            out.push(']');
        }
        Json::Object(members) => {
            let mut sorted: Vec<&(String, Json)> = members.iter().collect();
            sorted.sort_by(|a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
            out.push('{');
            for (i, (k, v)) in sorted.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                string(k, out);
                out.push(':');
                write(v, out);
            }
            out.push('}');
        }
    }
}

/// An integer: exact while it is a safe ECMAScript integer (|n| ≤ 2^53), otherwise the double
/// it denotes, as RFC 8785 requires.
#[allow(clippy::cast_precision_loss)]
fn number_u(n: u64, negative: bool, out: &mut String) {
    const SAFE: u64 = 1 << 53;
    if n == 0 {
        out.push('0');
    } else if n <= SAFE {
        if negative {
            out.push('-');
        }
        out.push_str(&n.to_string());
    } else {
        // A number beyond 2^53 has no exact ECMAScript value: its double is what is hashed.
        let s = es_number(n as f64);
        if negative {
            out.push('-');
        }
        out.push_str(&s);
    }
}

/// ECMAScript `Number.prototype.toString` of a finite double (RFC 8785 §3.2.2.3).
fn es_number(f: f64) -> String {
    if f == 0.0 || !f.is_finite() {
        return "0".to_owned();
    }
    let sign = if f < 0.0 { "-" } else { "" };
    // Shortest round-trip digits and exponent: "d.ddde±x".
    let sci = format!("{:e}", f.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let digits = digits.trim_end_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    let k = i64::try_from(digits.len()).unwrap_or(i64::MAX);
    let n = exp.parse::<i64>().unwrap_or(0) + 1;
    let zeros = |c: i64| "0".repeat(usize::try_from(c).unwrap_or(0));
    let body = if k <= n && n <= 21 {
        format!("{digits}{}", zeros(n - k))
    } else if 0 < n && n <= 21 {
        let (a, b) = digits.split_at(usize::try_from(n).unwrap_or(0));
        format!("{a}.{b}")
    } else if -6 < n && n <= 0 {
        format!("0.{}{digits}", zeros(-n))
    } else {
        let e = n - 1;
        let e = if e >= 0 {
            format!("e+{e}")
        } else {
            format!("e{e}")
        };
        let (first, rest) = digits.split_at(1);
        if rest.is_empty() {
            format!("{first}{e}")
        } else {
            format!("{first}.{rest}{e}")
        }
    };
    format!("{sign}{body}")
}

fn string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jcs(text: &str) -> String {
        let v: Json = serde_json::from_str(text).unwrap();
        let mut out = String::new();
        write(&v, &mut out);
        out
    }

    #[test]
    fn rfc_8785_examples() {
        // RFC 8785 §3.2.2 and appendix B number examples.
        assert_eq!(
            jcs(
                r#"{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001]}"#
            ),
            r#"{"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27]}"#
        );
        assert_eq!(
            jcs("[0, -0.0, 1e21, 1e20, 123e-7, 9007199254740993]"),
            "[0,0,1e+21,100000000000000000000,0.0000123,9007199254740992]"
        );
        assert_eq!(
            jcs(
                "{\"b\": \"\\u000f\\n\\u20ac\", \"a\": [true, null], \"\\ufb33\": 3, \"\\u20ac\": 1, \"\\ud83d\\ude00\": 2}"
            ),
            "{\"a\":[true,null],\"b\":\"\\u000f\\n\u{20ac}\",\"\u{20ac}\":1,\"\u{1f600}\":2,\"\u{fb33}\":3}"
        );
    }

    #[test]
    fn duplicate_members_are_refused() {
        assert!(serde_json::from_str::<Json>(r#"{"a": {"x": 1, "x": 2}}"#).is_err());
    }

    #[test]
    fn any_change_changes_the_hash() {
        let base = r#"{"id":"p","sequence":2,"body":{"amount":"10.00"}}"#;
        let h = |t: &str| serde_json::from_str::<StoredEvent>(t).unwrap().hash();
        assert_eq!(
            h(base),
            h(r#"{ "sequence" : 2, "id":"p","body":{"amount":"10.00"}}"#)
        );
        assert_ne!(
            h(base),
            h(r#"{"id":"p","sequence":2,"body":{"amount":"010.00"}}"#)
        );
        assert_ne!(
            h(base),
            h(r#"{"id":"p","sequence":2,"body":{"amount":"10.00","x":1}}"#)
        );
        assert_eq!(
            h(base),
            h(r#"{"id":"p","sequence":2,"body":{"amount":"10.00"},"hash":"x"}"#)
        );
    }
}
