//! Conversions: the schema-directed check that money, rates, decimals and dates arrive as
//! strings, the field of a serde refusal, and `bigint` minor units ↔ money strings.

use std::sync::OnceLock;

use rust_decimal::Decimal;
use serde_json::Value;
use windeep_core::CoreError;

use crate::errors::Failure;

/// The operation schema document, built once.
fn schema() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(windeep_ops::schema::document)
}

/// The schema a `$ref` (into the document's `$defs`) points to, or the node itself.
fn resolve<'a>(doc: &'a Value, node: &'a Value) -> &'a Value {
    let mut node = node;
    // A chain of references is short; the bound keeps a cyclic one from looping.
    for _ in 0..16 {
        let Some(name) = node
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix("#/$defs/"))
        else {
            break;
        };
        match doc["$defs"].get(name) {
            Some(target) => node = target,
            None => break,
        }
    }
    node
}

/// Whether an object value can be the branch `branch` of a `oneOf`/`anyOf`: every property the
/// branch fixes with `const` (a tag such as `"kind": "payment"`) has that value.
fn branch_fits(doc: &Value, branch: &Value, value: &Value) -> bool {
    let branch = resolve(doc, branch);
    if branch.get("type").and_then(Value::as_str) == Some("null") {
        return value.is_null();
    }
    let Some(props) = branch.get("properties").and_then(Value::as_object) else {
        return true;
    };
    props.iter().all(|(key, prop)| match prop.get("const") {
        Some(tag) => value.get(key).is_none_or(|v| v == tag),
        None => true,
    })
}

/// A JSON number where the schema wants an `x-windeep-type` string: `(path, kind)`.
fn find_number(doc: &Value, node: &Value, value: &Value, path: &mut String) -> Option<String> {
    let node = resolve(doc, node);
    if let Some(kind) = node.get("x-windeep-type").and_then(Value::as_str)
        && value.is_number()
    {
        return Some(kind.to_owned());
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        if let Some(branches) = node.get(key).and_then(Value::as_array) {
            for branch in branches {
                if (key == "allOf" || branch_fits(doc, branch, value))
                    && let Some(kind) = find_number(doc, branch, value, path)
                {
                    return Some(kind);
                }
            }
        }
    }
    match value {
        Value::Object(map) => {
            let props = node.get("properties").and_then(Value::as_object);
            let extra = node.get("additionalProperties").filter(|s| s.is_object());
            for (key, item) in map {
                let Some(sub) = props.and_then(|p| p.get(key)).or(extra) else {
                    continue;
                };
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
                if let Some(kind) = find_number(doc, sub, item, path) {
                    return Some(kind);
                }
                path.truncate(len);
            }
            None
        }
        Value::Array(items) => {
            let sub = node.get("items")?;
            for (i, item) in items.iter().enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                if let Some(kind) = find_number(doc, sub, item, path) {
                    return Some(kind);
                }
                path.truncate(len);
            }
            None
        }
        _ => None,
    }
}

/// Refuses a JSON number where the operation's input schema has money, a rate, a decimal or a
/// date (`x-windeep-type`): those cross as strings only, because a JavaScript number is a
/// binary float that cannot hold every amount exactly. Names the field.
///
/// `None` when there is no such number (or the input is not JSON at all: the core says why).
///
/// # Example
/// ```text
/// let f = windeep_node::run_json("allocate", r#"{"amount": 10.5}"#).unwrap_err();
/// assert_eq!(f.field.as_deref(), Some("amount"));
/// assert!(f.message.contains("decimal string"));
/// ```
#[must_use]
pub fn number_for_string(operation: &str, input: &str) -> Option<Failure> {
    let doc = schema();
    let node = doc["operations"].get(operation)?.get("input")?;
    let value: Value = serde_json::from_str(input).ok()?;
    let mut path = String::new();
    let kind = find_number(doc, node, &value, &mut path)?;
    let (what, example) = match kind.as_str() {
        "money" => ("an amount of money", "\"1234.50\""),
        "rate" => ("a rate", "\"12.5\""),
        "date" => ("a date", "\"2026-01-31\" (YYYY-MM-DD)"),
        _ => ("an exact decimal", "\"0.5\""),
    };
    let reason = format!(
        "field `{path}`: {what} must be a string such as {example}, not a number \
         (a JavaScript number is a binary float and cannot carry every amount exactly)"
    );
    let err = match kind.as_str() {
        "money" => CoreError::InvalidAmount { reason },
        "rate" => CoreError::InvalidRate { reason },
        "date" => CoreError::InvalidDate { reason },
        _ => CoreError::InvalidInput { reason },
    };
    Some(Failure::from_core(&err, Some(path)))
}

/// The input field a core error names, where it does: serde's "missing field `x`" and
/// "unknown field `x`" refusals.
#[must_use]
pub fn field_of(err: &CoreError) -> Option<String> {
    let CoreError::InvalidInput { reason } = err else {
        return None;
    };
    ["missing field `", "unknown field `"].iter().find_map(|m| {
        let rest = &reason[reason.find(m)? + m.len()..];
        Some(rest[..rest.find('`')?].to_owned())
    })
}

/// `units` minor units at `minor_units` decimals as a money string (`12345`, 2 → `"123.45"`).
///
/// # Errors
/// `E_INVALID_AMOUNT` beyond rust_decimal's 96 bits or above 28 decimals.
///
/// # Example
/// ```text
/// assert_eq!(windeep_node::money_from_minor_text(true, 5, 2).unwrap(), "-0.05");
/// ```
pub fn money_from_minor_text(
    negative: bool,
    units: u128,
    minor_units: u32,
) -> Result<String, Failure> {
    let signed = i128::try_from(units)
        .ok()
        .map(|u| if negative { -u } else { u });
    match signed.and_then(|u| Decimal::try_from_i128_with_scale(u, minor_units).ok()) {
        Some(d) => Ok(d.to_string()),
        None => Err(Failure::invalid_amount(format!(
            "{units} minor units at {minor_units} decimals is not a representable amount"
        ))),
    }
}

/// A money string as minor units (`"123.45"`, 2 → `12345`).
///
/// # Errors
/// `E_INVALID_AMOUNT` for text that is not a plain decimal or has more than `minor_units`
/// decimals.
///
/// # Example
/// ```text
/// assert_eq!(windeep_node::money_to_minor_units("123.4", 2).unwrap(), 12340);
/// assert_eq!(windeep_node::money_to_minor_units("1.005", 2).unwrap_err().code, "E_INVALID_AMOUNT");
/// ```
pub fn money_to_minor_units(amount: &str, minor_units: u32) -> Result<i128, Failure> {
    let money: windeep_core::Money = amount
        .parse()
        .map_err(|e: CoreError| Failure::from_core(&e, None))?;
    let value = money.value();
    if value.scale() > minor_units {
        return Err(Failure::invalid_amount(format!(
            "{amount} has more than {minor_units} decimal places"
        )));
    }
    // Exact: the mantissa times a power of ten (no rounding anywhere).
    10_i128
        .checked_pow(minor_units - value.scale())
        .and_then(|factor| value.mantissa().checked_mul(factor))
        .ok_or_else(|| {
            Failure::invalid_amount(format!(
                "{amount} cannot be written with {minor_units} decimal places"
            ))
        })
}
