//! Strict conversion of Python values into the core's types, and of JSON values back.
//!
//! Money and rates come only from `decimal.Decimal` or `int` (never `bool`, `float` or `str`),
//! are finite, and are read by the core's own parsers (`Money`/`Rate` `FromStr`), so the digits
//! the caller wrote are the digits the core sees. Dates come only from `datetime.date` (not
//! `datetime.datetime`). A refusal is the core error the JSON interface would report for the
//! same mistake (`E_INVALID_AMOUNT`, `E_INVALID_RATE`, `E_INVALID_DATE`, `E_INVALID_INPUT`).

use chrono::NaiveDate;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{
    PyBool, PyDate, PyDateTime, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple, PyType,
};
use rust_decimal::Decimal;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Number, Value};
use windeep_core::{
    CoreError, Currency, Money, Rate, RoundingMode, RoundingPolicy, schedule::ProcessingFee,
    schedule::SchedulePolicy,
};
use windeep_ops::typed::Typed;

/// Deepest nesting accepted when converting a dict to JSON (serde_json's own limit).
const MAX_DEPTH: usize = 128;

/// Largest decimal exponent expanded into plain digits; anything beyond cannot fit in the
/// core's 28 significant digits anyway.
const MAX_EXPONENT: i64 = 64;

static DECIMAL_TYPE: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static OPERATOR_INDEX: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// An integer-like value as a Python `int`: an `int` itself (not a `bool`), or any object with
/// `__index__` (a numpy integer scalar …) through `operator.index`. `None` for anything else,
/// including `bool` and numpy's `bool_` (which has no `__index__`).
pub(crate) fn index_int<'py>(value: &Bound<'py, PyAny>) -> Option<Bound<'py, PyInt>> {
    if value.is_instance_of::<PyBool>() {
        return None;
    }
    if let Ok(i) = value.cast::<PyInt>() {
        return Some(i.clone());
    }
    if value.is_instance_of::<PyFloat>() || !value.hasattr("__index__").unwrap_or(false) {
        return None;
    }
    let py = value.py();
    let index = OPERATOR_INDEX.import(py, "operator", "index").ok()?;
    index.call1((value,)).ok()?.cast_into::<PyInt>().ok()
}

fn decimal_type(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    DECIMAL_TYPE.import(py, "decimal", "Decimal")
}

/// The Python type name of a value, for messages.
pub(crate) fn type_name(value: &Bound<'_, PyAny>) -> String {
    value
        .get_type()
        .name()
        .and_then(|n| n.extract::<String>())
        .unwrap_or_else(|_| "object".to_owned())
}

fn input_error(reason: String) -> CoreError {
    CoreError::InvalidInput { reason }
}

fn internal(err: &PyErr) -> CoreError {
    input_error(format!("cannot read the value: {err}"))
}

/// What a decimal-like Python value turned out to be.
enum DecimalText {
    /// Plain decimal text (`"-1234.50"`), ready for the core's parser.
    Plain(String),
    /// Not a `Decimal` or `int` (or a `bool`).
    WrongType,
    /// NaN or an infinity.
    NotFinite(String),
    /// An exponent so large or small that no 28-digit decimal holds it.
    OutOfRange(String),
}

/// Reads a `decimal.Decimal` or `int` as plain decimal text, without loss.
fn decimal_text(py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<DecimalText> {
    if value.is_instance_of::<PyBool>() {
        return Ok(DecimalText::WrongType);
    }
    if value.is_instance_of::<PyInt>() {
        return Ok(match value.extract::<i128>() {
            Ok(i) => DecimalText::Plain(i.to_string()),
            Err(_) => DecimalText::OutOfRange(format!("an int of {} bits", bit_length(value))),
        });
    }
    let decimal = decimal_type(py)?;
    if !value.is_instance(decimal)? {
        // A numpy integer scalar or any other object with `__index__` is an int.
        if let Some(i) = index_int(value) {
            return decimal_text(py, i.as_any());
        }
        return Ok(DecimalText::WrongType);
    }
    // A subclass may override `__str__`/`__format__`: read it through `decimal.Decimal`'s own.
    let exact = value.get_type().is(decimal);
    let text = if exact {
        value.str()?.to_str()?.to_owned()
    } else {
        decimal
            .call_method1("__str__", (value,))?
            .extract::<String>()?
    };
    // `str(Decimal)` uses only digits, '-', '.', 'E' and '+' for finite values; NaN, sNaN and
    // Infinity spell themselves out.
    if text.bytes().any(|b| b.is_ascii_alphabetic() && b != b'E') {
        return Ok(DecimalText::NotFinite(text));
    }
    let Some((_, exponent)) = text.split_once('E') else {
        return Ok(DecimalText::Plain(text));
    };
    match exponent.parse::<i64>() {
        Ok(e) if e.abs() <= MAX_EXPONENT => {
            let plain = decimal.call_method1("__format__", (value, "f"))?;
            Ok(DecimalText::Plain(plain.extract::<String>()?))
        }
        _ => Ok(DecimalText::OutOfRange(text)),
    }
}

fn bit_length(value: &Bound<'_, PyAny>) -> String {
    value
        .call_method0("bit_length")
        .and_then(|b| b.extract::<u64>())
        .map_or_else(|_| "many".to_owned(), |b| b.to_string())
}

/// Which core error a bad decimal-like value is reported as.
#[derive(Clone, Copy)]
enum Kind {
    Amount,
    Rate,
}

impl Kind {
    fn error(self, reason: String) -> CoreError {
        match self {
            Self::Amount => CoreError::InvalidAmount { reason },
            Self::Rate => CoreError::InvalidRate { reason },
        }
    }

    fn what(self) -> &'static str {
        match self {
            Self::Amount => "an amount",
            Self::Rate => "a rate",
        }
    }
}

/// Plain decimal text of a strict decimal argument, or the core error for it.
fn strict_text(
    py: Python<'_>,
    name: &str,
    value: &Bound<'_, PyAny>,
    kind: Kind,
) -> Result<String, CoreError> {
    match decimal_text(py, value).map_err(|e| internal(&e))? {
        DecimalText::Plain(text) => Ok(text),
        DecimalText::WrongType => {
            let ty = type_name(value);
            let hint = if value.is_instance_of::<PyFloat>() {
                " (a float may already have lost cents: pass decimal.Decimal(\"…\"))"
            } else if value.is_instance_of::<PyString>() {
                " (convert it with decimal.Decimal first)"
            } else {
                ""
            };
            Err(kind.error(format!(
                "{name} must be {} as decimal.Decimal or int, not {ty}{hint}",
                kind.what()
            )))
        }
        DecimalText::NotFinite(text) => Err(kind.error(format!(
            "{name} must be a finite decimal, not Decimal('{text}')"
        ))),
        DecimalText::OutOfRange(text) => Err(kind.error(format!(
            "{name} ({text}) does not fit in 28 significant digits"
        ))),
    }
}

/// Prefixes the core's parse error with the argument name.
fn named(name: &str, err: CoreError) -> CoreError {
    match err {
        CoreError::InvalidAmount { reason } => CoreError::InvalidAmount {
            reason: format!("{name}: {reason}"),
        },
        CoreError::InvalidRate { reason } => CoreError::InvalidRate {
            reason: format!("{name}: {reason}"),
        },
        other => other,
    }
}

/// An amount (`principal`, a fixed fee …): `decimal.Decimal` or `int` only.
pub(crate) fn amount(
    py: Python<'_>,
    name: &str,
    value: &Bound<'_, PyAny>,
) -> Result<Money, CoreError> {
    let text = strict_text(py, name, value, Kind::Amount)?;
    text.parse::<Money>().map_err(|e| named(name, e))
}

/// A plain decimal read like an amount (a rounding increment, a fee percentage).
fn amount_decimal(
    py: Python<'_>,
    name: &str,
    value: &Bound<'_, PyAny>,
) -> Result<Decimal, CoreError> {
    amount(py, name, value).map(Money::value)
}

/// A rate in percent per annum: `decimal.Decimal` or `int` only.
pub(crate) fn rate(
    py: Python<'_>,
    name: &str,
    value: &Bound<'_, PyAny>,
) -> Result<Rate, CoreError> {
    let text = strict_text(py, name, value, Kind::Rate)?;
    text.parse::<Rate>().map_err(|e| named(name, e))
}

/// A calendar date: a `datetime.date` (or a subclass), a `datetime.datetime` at midnight
/// exactly (a pandas `Timestamp` too), or an ISO `YYYY-MM-DD` string. A datetime with a time of
/// day is refused rather than truncated.
pub(crate) fn date(name: &str, value: &Bound<'_, PyAny>) -> Result<NaiveDate, CoreError> {
    let refuse = || CoreError::InvalidDate {
        reason: format!(
            "{name} must be a datetime.date (or an ISO YYYY-MM-DD str, or a datetime at \
             midnight), not {}",
            type_name(value)
        ),
    };
    if let Ok(text) = value.cast::<PyString>() {
        let text = text.to_str().map_err(|e| internal(&e))?;
        return windeep_core::parse_date(text).map_err(|e| CoreError::InvalidDate {
            reason: format!("{name}: {e}"),
        });
    }
    if !value.is_instance_of::<PyDate>() {
        return Err(refuse());
    }
    let part = |attr: &str| -> Result<u32, CoreError> {
        value
            .getattr(attr)
            .and_then(|v| v.extract::<u32>())
            .map_err(|e| internal(&e))
    };
    if value.is_instance_of::<PyDateTime>() {
        let time = [
            part("hour")?,
            part("minute")?,
            part("second")?,
            part("microsecond")?,
        ];
        if time != [0, 0, 0, 0] {
            return Err(CoreError::InvalidDate {
                reason: format!(
                    "{name} is a datetime at {:02}:{:02}:{:02}.{:06}, not a date: pass its \
                     .date() if the day is what you mean",
                    time[0], time[1], time[2], time[3]
                ),
            });
        }
    }
    // Read through the date fields, so subclasses (a datetime at midnight, a pandas
    // Timestamp, a date subclass with its own methods) give their calendar day.
    let year = value
        .getattr("year")
        .and_then(|v| v.extract::<i32>())
        .map_err(|e| internal(&e))?;
    NaiveDate::from_ymd_opt(year, part("month")?, part("day")?).ok_or_else(refuse)
}

/// A count (tenure, grace, decimals): an `int` or any integer with `__index__` (a numpy
/// integer scalar), not `bool`, from 0 to 2³²−1.
pub(crate) fn u32_arg(name: &str, value: &Bound<'_, PyAny>) -> Result<u32, CoreError> {
    let Some(value) = index_int(value) else {
        return Err(input_error(format!(
            "{name} must be an int, not {}",
            type_name(value)
        )));
    };
    value.extract::<u32>().map_err(|_| {
        input_error(format!(
            "{name} must be between 0 and {}, got {}",
            u32::MAX,
            value
                .str()
                .and_then(|s| s.extract::<String>())
                .unwrap_or_default()
        ))
    })
}

/// An optional count: `None` or an `int`.
pub(crate) fn optional_u32(
    name: &str,
    value: Option<&Bound<'_, PyAny>>,
) -> Result<Option<u32>, CoreError> {
    match value {
        Some(v) if !v.is_none() => u32_arg(name, v).map(Some),
        _ => Ok(None),
    }
}

/// A `bool` argument; anything else (including `0`/`1`) is `E_INVALID_INPUT`.
pub(crate) fn bool_arg(name: &str, value: &Bound<'_, PyAny>) -> Result<bool, CoreError> {
    value.cast::<PyBool>().map(|b| b.is_true()).map_err(|_| {
        input_error(format!(
            "{name} must be True or False, not {}",
            type_name(value)
        ))
    })
}

/// A core enum from its name (`"reducing"`, `"30_360"` …), read by the core's own serde names.
pub(crate) fn enum_value<T: DeserializeOwned>(
    name: &str,
    value: &Bound<'_, PyAny>,
) -> Result<T, CoreError> {
    let Ok(s) = value.cast::<PyString>() else {
        return Err(input_error(format!(
            "{name} must be a str, not {}",
            type_name(value)
        )));
    };
    let text = s.to_str().map_err(|e| internal(&e))?;
    serde_json::from_value(Value::String(text.to_owned()))
        .map_err(|e| input_error(format!("{name}: {e}")))
}

/// The name of a core enum value (`Method::EqualPrincipal` → `"equal_principal"`).
pub(crate) fn enum_name<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(e) => e.to_string(),
    }
}

/// A dict argument, with its keys checked against the fields the core reads.
fn dict_arg<'a, 'py>(
    name: &str,
    value: &'a Bound<'py, PyAny>,
    fields: &[&str],
) -> Result<&'a Bound<'py, PyDict>, CoreError> {
    let Ok(dict) = value.cast::<PyDict>() else {
        return Err(input_error(format!(
            "{name} must be a dict, not {}",
            type_name(value)
        )));
    };
    for key in dict.keys() {
        let known = key
            .cast::<PyString>()
            .ok()
            .and_then(|k| k.to_str().ok())
            .is_some_and(|k| fields.contains(&k));
        if !known {
            let key_repr = key
                .repr()
                .and_then(|r| r.extract::<String>())
                .unwrap_or_default();
            return Err(input_error(format!(
                "{name}: unknown field {key_repr}, expected one of {}",
                fields.join(", ")
            )));
        }
    }
    Ok(dict)
}

fn required<'py>(
    name: &str,
    dict: &Bound<'py, PyDict>,
    field: &str,
) -> Result<Bound<'py, PyAny>, CoreError> {
    dict.get_item(field)
        .map_err(|e| internal(&e))?
        .ok_or_else(|| input_error(format!("{name}: missing field {field:?}")))
}

/// A rounding policy from `{"increment": Decimal, "mode": str}`.
pub(crate) fn rounding(
    py: Python<'_>,
    name: &str,
    value: &Bound<'_, PyAny>,
) -> Result<RoundingPolicy, CoreError> {
    let dict = dict_arg(name, value, &["increment", "mode"])?;
    let increment = required(name, dict, "increment")?;
    let mode = required(name, dict, "mode")?;
    rounding_policy(py, name, &increment, &mode)
}

/// A rounding policy from its two parts.
pub(crate) fn rounding_policy(
    py: Python<'_>,
    name: &str,
    increment: &Bound<'_, PyAny>,
    mode: &Bound<'_, PyAny>,
) -> Result<RoundingPolicy, CoreError> {
    let increment = amount_decimal(py, &format!("{name}.increment"), increment)?;
    let mode: RoundingMode = enum_value(&format!("{name}.mode"), mode)?;
    Ok(RoundingPolicy::new(increment, mode))
}

/// A processing fee from `{"kind": "percentage" | "fixed", "value": Decimal}`.
pub(crate) fn fee(
    py: Python<'_>,
    name: &str,
    value: &Bound<'_, PyAny>,
) -> Result<ProcessingFee, CoreError> {
    let dict = dict_arg(name, value, &["kind", "value"])?;
    let kind = required(name, dict, "kind")?;
    let amount = amount(
        py,
        &format!("{name}.value"),
        &required(name, dict, "value")?,
    )?;
    let Ok(kind) = kind.cast::<PyString>() else {
        return Err(input_error(format!(
            "{name}.kind must be a str, not {}",
            type_name(&kind)
        )));
    };
    let kind = kind.to_str().map_err(|e| internal(&e))?;
    // The core's own serde form decides which kinds exist and how each reads its value.
    let doc = serde_json::json!({ "kind": kind, "value": amount.to_string() });
    serde_json::from_value(doc).map_err(|e| input_error(format!("{name}: {e}")))
}

/// A currency from `{"code": str, "minor_units": int}`, read by the core's serde form.
pub(crate) fn currency(
    py: Python<'_>,
    name: &str,
    value: &Bound<'_, PyAny>,
) -> Result<Currency, CoreError> {
    let dict = dict_arg(name, value, &["code", "minor_units"])?;
    let doc = py_to_json(py, dict.as_any(), 0)?;
    serde_json::from_value(doc).map_err(|e| input_error(format!("{name}: {e}")))
}

/// Schedule limits: any subset of the policy's fields; the rest keep the core's defaults.
pub(crate) fn policy(
    py: Python<'_>,
    name: &str,
    value: &Bound<'_, PyAny>,
) -> Result<SchedulePolicy, CoreError> {
    let dict = dict_arg(
        name,
        value,
        &[
            "max_tenure",
            "max_annual_rate",
            "min_first_due_gap_days",
            "max_first_due_gap_days",
            "level_emi",
        ],
    )?;
    let mut policy = SchedulePolicy::default();
    let field = |f: &str| dict.get_item(f).map_err(|e| internal(&e));
    if let Some(v) = field("max_tenure")? {
        policy.max_tenure = u32_arg(&format!("{name}.max_tenure"), &v)?;
    }
    if let Some(v) = field("max_annual_rate")? {
        policy.max_annual_rate = rate(py, &format!("{name}.max_annual_rate"), &v)?;
    }
    if let Some(v) = field("min_first_due_gap_days")? {
        policy.min_first_due_gap_days = u32_arg(&format!("{name}.min_first_due_gap_days"), &v)?;
    }
    if let Some(v) = field("max_first_due_gap_days")? {
        policy.max_first_due_gap_days = u32_arg(&format!("{name}.max_first_due_gap_days"), &v)?;
    }
    if let Some(v) = field("level_emi")? {
        policy.level_emi = enum_value(&format!("{name}.level_emi"), &v)?;
    }
    Ok(policy)
}

/// Converts plain Python data into JSON for the generic interface.
///
/// `None`, `bool`, `int`, `float`, `str`, `list`/`tuple` and `dict` (with `str` keys) keep their
/// JSON types, so the core sees exactly what a JSON document would say (a `float` amount is a
/// JSON number and is refused by the core like any other). `decimal.Decimal` becomes its plain
/// decimal string and `datetime.date` (or a datetime at midnight) its `YYYY-MM-DD` string, the
/// wire forms of money and dates; an integer with `__index__` (numpy) becomes a JSON integer.
pub(crate) fn py_to_json(
    py: Python<'_>,
    value: &Bound<'_, PyAny>,
    depth: usize,
) -> Result<Value, CoreError> {
    if depth > MAX_DEPTH {
        return Err(input_error(format!(
            "input is nested more than {MAX_DEPTH} levels deep"
        )));
    }
    if value.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = value.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if value.is_instance_of::<PyInt>() {
        if let Ok(i) = value.extract::<i64>() {
            return Ok(Value::from(i));
        }
        if let Ok(u) = value.extract::<u64>() {
            return Ok(Value::from(u));
        }
        return Err(input_error(format!(
            "an int of {} bits does not fit in a JSON number",
            bit_length(value)
        )));
    }
    if let Ok(f) = value.cast::<PyFloat>() {
        return Number::from_f64(f.value())
            .map(Value::Number)
            .ok_or_else(|| input_error(format!("{} is not a JSON number", f.value())));
    }
    if let Ok(s) = value.cast::<PyString>() {
        return Ok(Value::String(
            s.to_str().map_err(|e| internal(&e))?.to_owned(),
        ));
    }
    if let Ok(dict) = value.cast::<PyDict>() {
        let mut map = Map::with_capacity(dict.len());
        for (k, v) in dict.iter() {
            let Ok(key) = k.cast::<PyString>() else {
                return Err(input_error(format!(
                    "dict keys must be str, not {}",
                    type_name(&k)
                )));
            };
            let key = key.to_str().map_err(|e| internal(&e))?.to_owned();
            map.insert(key, py_to_json(py, &v, depth + 1)?);
        }
        return Ok(Value::Object(map));
    }
    if let Ok(list) = value.cast::<PyList>() {
        return list
            .iter()
            .map(|item| py_to_json(py, &item, depth + 1))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array);
    }
    if let Ok(tuple) = value.cast::<PyTuple>() {
        return tuple
            .iter()
            .map(|item| py_to_json(py, &item, depth + 1))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array);
    }
    if value
        .is_instance(decimal_type(py).map_err(|e| internal(&e))?)
        .map_err(|e| internal(&e))?
    {
        // Plain text when it has one; otherwise the value's own text, which the core refuses
        // with the code of whatever field it stands in.
        return Ok(Value::String(
            match decimal_text(py, value).map_err(|e| internal(&e))? {
                DecimalText::Plain(t) | DecimalText::NotFinite(t) | DecimalText::OutOfRange(t) => t,
                DecimalText::WrongType => value
                    .str()
                    .and_then(|s| s.extract::<String>())
                    .map_err(|e| internal(&e))?,
            },
        ));
    }
    if value.is_instance_of::<PyDate>() {
        // A date, a date subclass or a datetime at midnight; any other datetime is refused.
        let d = date("date", value)?;
        return Ok(Value::String(windeep_core::format_date(d)));
    }
    if let Some(i) = index_int(value) {
        // A numpy integer scalar or another integer with `__index__`.
        return py_to_json(py, i.as_any(), depth);
    }
    Err(input_error(format!(
        "cannot convert a {} to JSON (use dict, list, str, int, bool, None, Decimal or date)",
        type_name(value)
    )))
}

/// Converts the core's JSON output into plain Python data (money stays `str`).
pub(crate) fn json_to_py(py: Python<'_>, value: &Value) -> PyResult<Py<PyAny>> {
    Ok(match value {
        Value::Null => py.None(),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any().unbind(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any().unbind()
            } else if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any().unbind()
            } else {
                // The core never writes a fractional JSON number (money is a string); keep the
                // value's own text rather than passing it through a float.
                PyString::new(py, &n.to_string()).into_any().unbind()
            }
        }
        Value::String(s) => PyString::new(py, s).into_any().unbind(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(json_to_py(py, item)?)?;
            }
            list.into_any().unbind()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (k, v) in map {
                dict.set_item(k, json_to_py(py, v)?)?;
            }
            dict.into_any().unbind()
        }
    })
}

/// Converts the core's typed output into native Python values.
///
/// Money, rates and other exact decimals become `decimal.Decimal` built from the core's exact
/// text (`Decimal("1234.50")` keeps its two places); dates become `datetime.date`; maps become
/// `dict` (keys in the order written), lists `list`, and the rest their plain Python types.
pub(crate) fn typed_to_py(py: Python<'_>, value: &Typed) -> PyResult<Py<PyAny>> {
    Ok(match value {
        Typed::Null => py.None(),
        Typed::Bool(b) => PyBool::new(py, *b).to_owned().into_any().unbind(),
        Typed::Int(i) => i.into_pyobject(py)?.into_any().unbind(),
        Typed::UInt(u) => u.into_pyobject(py)?.into_any().unbind(),
        Typed::Str(s) => PyString::new(py, s).into_any().unbind(),
        Typed::Money(s) | Typed::Rate(s) | Typed::Decimal(s) => {
            decimal_type(py)?.call1((s.as_str(),))?.unbind()
        }
        Typed::Date(s) => {
            let d = windeep_core::parse_date(s).map_err(|e| {
                pyo3::exceptions::PyValueError::new_err(format!("the core wrote a bad date: {e}"))
            })?;
            d.into_pyobject(py)?.into_any().unbind()
        }
        Typed::List(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(typed_to_py(py, item)?)?;
            }
            list.into_any().unbind()
        }
        Typed::Map(entries) => {
            let dict = PyDict::new(py);
            for (k, v) in entries {
                dict.set_item(k, typed_to_py(py, v)?)?;
            }
            dict.into_any().unbind()
        }
    })
}
