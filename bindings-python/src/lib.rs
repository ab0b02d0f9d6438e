//! `windeep._windeep`: the Python extension module over windeep-core.
//!
//! The binding converts types and maps errors; it decides nothing. Every rule, default and
//! refusal comes from `windeep_core`. Python values cross the boundary strictly: money and rates
//! only as `decimal.Decimal` or `int`, dates only as `datetime.date`, and every refusal is a
//! `windeep.WindeepError` subclass carrying the core's stable code.

mod audit;
mod audit_detail;
mod convert;
mod errors;
mod types;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyMappingProxy, PyString, PyTuple};
use windeep_core::{CoreError, LoanTerms};
use windeep_ops as ops;

use crate::convert::{json_to_py, py_to_json, typed_to_py};
use crate::errors::{core_err, guarded, invalid_input};
use crate::types::{Installment, RoundingPolicy, Schedule, Totals};

/// Generates a repayment schedule and its APR from typed Python values.
///
/// Money and rates are `decimal.Decimal` or `int`; dates are `datetime.date`. Every option left
/// out keeps windeep-core's default. See `docs/schedule.md` for the rules.
#[pyfunction]
#[pyo3(
    signature = (
        *,
        principal,
        annual_rate,
        tenure,
        disbursed_on,
        first_due_on,
        method = None,
        frequency = None,
        interest_basis = None,
        broken_period = None,
        fixed_due_day = None,
        principal_grace = None,
        interest_grace = None,
        rounding = None,
        emi_rounding = None,
        processing_fee = None,
        currency = None,
        policy = None,
        apr_decimals = None,
        apr = None,
    ),
    text_signature = "(*, principal, annual_rate, tenure, disbursed_on, first_due_on, \
        method='reducing', frequency='monthly', interest_basis='30_360', broken_period='none', \
        fixed_due_day=None, principal_grace=0, interest_grace=0, rounding=None, \
        emi_rounding=None, processing_fee=None, currency=None, policy=None, apr_decimals=2, \
        apr=True)"
)]
#[expect(
    clippy::too_many_arguments,
    reason = "one keyword-only argument per field of the core's LoanTerms"
)]
fn schedule(
    py: Python<'_>,
    principal: &Bound<'_, PyAny>,
    annual_rate: &Bound<'_, PyAny>,
    tenure: &Bound<'_, PyAny>,
    disbursed_on: &Bound<'_, PyAny>,
    first_due_on: &Bound<'_, PyAny>,
    method: Option<&Bound<'_, PyAny>>,
    frequency: Option<&Bound<'_, PyAny>>,
    interest_basis: Option<&Bound<'_, PyAny>>,
    broken_period: Option<&Bound<'_, PyAny>>,
    fixed_due_day: Option<&Bound<'_, PyAny>>,
    principal_grace: Option<&Bound<'_, PyAny>>,
    interest_grace: Option<&Bound<'_, PyAny>>,
    rounding: Option<&Bound<'_, PyAny>>,
    emi_rounding: Option<&Bound<'_, PyAny>>,
    processing_fee: Option<&Bound<'_, PyAny>>,
    currency: Option<&Bound<'_, PyAny>>,
    policy: Option<&Bound<'_, PyAny>>,
    apr_decimals: Option<&Bound<'_, PyAny>>,
    apr: Option<&Bound<'_, PyAny>>,
) -> PyResult<Schedule> {
    guarded(py, || {
        let args = Args {
            principal,
            annual_rate,
            tenure,
            disbursed_on,
            first_due_on,
            method,
            frequency,
            interest_basis,
            broken_period,
            fixed_due_day,
            principal_grace,
            interest_grace,
            rounding,
            emi_rounding,
            processing_fee,
            currency,
            policy,
            apr_decimals,
        };
        let mut terms = args.terms(py).map_err(|e| core_err(py, &e))?;
        if let Some(v) = present(apr) {
            terms.apr = convert::bool_arg("apr", v).map_err(|e| core_err(py, &e))?;
        }
        let minor_units = terms.currency.minor_units();
        let report = py
            .detach(|| ops::schedule(&terms))
            .map_err(|e| policy_err(py, &e))?;
        Ok(Schedule::new(report, minor_units))
    })
}

/// The Python exception for a refusal of `schedule()`: a refusal by one of the policy's limits
/// names the `policy=` argument and the field that sets the limit; every other error is
/// [`core_err`] unchanged. The code and the class stay the core's.
fn policy_err(py: Python<'_>, err: &CoreError) -> PyErr {
    let hint = match err {
        CoreError::FirstDueGapOutOfPolicy { .. } => {
            "; the limits are policy={'min_first_due_gap_days': ..., \
             'max_first_due_gap_days': ...} (the maximum is tripled for a quarterly loan)"
        }
        CoreError::TenureExceedsPolicy { .. } => "; the limit is policy={'max_tenure': ...}",
        CoreError::RateExceedsCap { .. } => "; the cap is policy={'max_annual_rate': Decimal(...)}",
        _ => return core_err(py, err),
    };
    errors::error(py, err.code(), &format!("{err}{hint}"))
}

/// The arguments of `schedule()`, as given.
struct Args<'a, 'py> {
    principal: &'a Bound<'py, PyAny>,
    annual_rate: &'a Bound<'py, PyAny>,
    tenure: &'a Bound<'py, PyAny>,
    disbursed_on: &'a Bound<'py, PyAny>,
    first_due_on: &'a Bound<'py, PyAny>,
    method: Option<&'a Bound<'py, PyAny>>,
    frequency: Option<&'a Bound<'py, PyAny>>,
    interest_basis: Option<&'a Bound<'py, PyAny>>,
    broken_period: Option<&'a Bound<'py, PyAny>>,
    fixed_due_day: Option<&'a Bound<'py, PyAny>>,
    principal_grace: Option<&'a Bound<'py, PyAny>>,
    interest_grace: Option<&'a Bound<'py, PyAny>>,
    rounding: Option<&'a Bound<'py, PyAny>>,
    emi_rounding: Option<&'a Bound<'py, PyAny>>,
    processing_fee: Option<&'a Bound<'py, PyAny>>,
    currency: Option<&'a Bound<'py, PyAny>>,
    policy: Option<&'a Bound<'py, PyAny>>,
    apr_decimals: Option<&'a Bound<'py, PyAny>>,
}

/// An optional argument that was given and is not `None`.
fn present<'a, 'py>(value: Option<&'a Bound<'py, PyAny>>) -> Option<&'a Bound<'py, PyAny>> {
    value.filter(|v| !v.is_none())
}

impl Args<'_, '_> {
    /// The core's typed terms: every given argument converted, every other one at the core's
    /// default (`LoanTerms::new`). Nothing is validated here; the core does that.
    fn terms(&self, py: Python<'_>) -> Result<LoanTerms, CoreError> {
        let mut t = LoanTerms::new(
            convert::amount(py, "principal", self.principal)?,
            convert::rate(py, "annual_rate", self.annual_rate)?,
            convert::u32_arg("tenure", self.tenure)?,
            convert::date("disbursed_on", self.disbursed_on)?,
            convert::date("first_due_on", self.first_due_on)?,
        );
        if let Some(v) = present(self.method) {
            t.method = convert::enum_value("method", v)?;
        }
        if let Some(v) = present(self.frequency) {
            t.frequency = convert::enum_value("frequency", v)?;
        }
        if let Some(v) = present(self.interest_basis) {
            t.interest_basis = convert::enum_value("interest_basis", v)?;
        }
        if let Some(v) = present(self.broken_period) {
            t.broken_period = convert::enum_value("broken_period", v)?;
        }
        t.fixed_due_day = match present(self.fixed_due_day) {
            // "last": the month's last day, as in the JSON interface.
            Some(v) if v.extract::<String>().is_ok_and(|s| s == "last") => {
                Some(windeep_core::calendar::FIXED_DUE_DAY_LAST)
            }
            _ => convert::optional_u32("fixed_due_day", self.fixed_due_day)?,
        };
        if let Some(v) = present(self.principal_grace) {
            t.principal_grace = convert::u32_arg("principal_grace", v)?;
        }
        if let Some(v) = present(self.interest_grace) {
            t.interest_grace = convert::u32_arg("interest_grace", v)?;
        }
        if let Some(v) = present(self.rounding) {
            t.rounding = Some(rounding_arg(py, "rounding", v)?);
        }
        if let Some(v) = present(self.emi_rounding) {
            t.emi_rounding = Some(rounding_arg(py, "emi_rounding", v)?);
        }
        if let Some(v) = present(self.processing_fee) {
            t.processing_fee = Some(convert::fee(py, "processing_fee", v)?);
        }
        if let Some(v) = present(self.currency) {
            t.currency = convert::currency(py, "currency", v)?;
        }
        if let Some(v) = present(self.policy) {
            t.policy = convert::policy(py, "policy", v)?;
        }
        if let Some(v) = present(self.apr_decimals) {
            t.apr_decimals = convert::u32_arg("apr_decimals", v)?;
        }
        Ok(t)
    }
}

/// A rounding argument: a `RoundingPolicy` object or a `{"increment", "mode"}` dict.
fn rounding_arg(
    py: Python<'_>,
    name: &str,
    value: &Bound<'_, PyAny>,
) -> Result<windeep_core::RoundingPolicy, CoreError> {
    if let Ok(policy) = value.cast::<RoundingPolicy>() {
        return Ok(policy.get().inner);
    }
    convert::rounding(py, name, value)
}

/// Reads a `call`/`call_typed` argument pair: the operation name and the input as JSON text.
fn operation_input(
    py: Python<'_>,
    operation: &Bound<'_, PyAny>,
    input: &Bound<'_, PyAny>,
) -> PyResult<(String, String)> {
    let Ok(op) = operation.cast::<PyString>() else {
        return Err(invalid_input(
            py,
            format!(
                "operation must be a str, not {}",
                convert::type_name(operation)
            ),
        ));
    };
    let unreadable = |e: PyErr| invalid_input(py, format!("unreadable text: {e}"));
    let op = op.to_str().map_err(unreadable)?.to_owned();
    let text = if let Ok(s) = input.cast::<PyString>() {
        s.to_str().map_err(unreadable)?.to_owned()
    } else if input.is_instance_of::<PyDict>() {
        let value = py_to_json(py, input, 0).map_err(|e| core_err(py, &e))?;
        value.to_string()
    } else {
        return Err(invalid_input(
            py,
            format!(
                "input must be a dict or a JSON str, not {}",
                convert::type_name(input)
            ),
        ));
    };
    Ok((op, text))
}

/// Runs a windeep-core operation through its JSON interface.
///
/// `input` is the operation's JSON document, as a `dict` (converted to JSON: `Decimal` and
/// `datetime.date` become strings, everything else keeps its JSON type) or as JSON text. The
/// result is the operation's JSON output as plain Python data: money stays a `str`, exactly as
/// the golden fixtures spell it.
#[pyfunction]
#[pyo3(signature = (operation, input), text_signature = "(operation, input)")]
fn call(
    py: Python<'_>,
    operation: &Bound<'_, PyAny>,
    input: &Bound<'_, PyAny>,
) -> PyResult<Py<PyAny>> {
    guarded(py, || {
        let (op, text) = operation_input(py, operation, input)?;
        let out = py
            .detach(|| ops::call(&op, &text))
            .map_err(|e| core_err(py, &e))?;
        json_to_py(py, &out)
    })
}

/// Runs a windeep-core operation like `call`, returning native Python values.
///
/// The input is read exactly as by `call`. In the output, every value the core marks as money,
/// a rate or another exact decimal is a `decimal.Decimal` built from the core's own digits, and
/// every date is a `datetime.date`; the rest is plain data (`dict`, `list`, `str`, `int`,
/// `bool`, `None`). Which values are which is decided by the core, never guessed here.
#[pyfunction]
#[pyo3(signature = (operation, input), text_signature = "(operation, input)")]
fn call_typed(
    py: Python<'_>,
    operation: &Bound<'_, PyAny>,
    input: &Bound<'_, PyAny>,
) -> PyResult<Py<PyAny>> {
    guarded(py, || {
        let (op, text) = operation_input(py, operation, input)?;
        let out = py
            .detach(|| ops::call_typed(&op, &text))
            .map_err(|e| core_err(py, &e))?;
        typed_to_py(py, &out)
    })
}

/// Panics inside the extension, to show that a panic surfaces as `InternalError`.
///
/// Not part of the API: it exists for the test suite only.
#[pyfunction]
fn _panic_for_tests(py: Python<'_>, message: &str) -> PyResult<()> {
    guarded(py, || -> PyResult<()> {
        std::panic::panic_any(message.to_owned());
    })
}

/// The extension module `windeep._windeep`.
#[pymodule]
fn _windeep(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("__schema_version__", windeep_ops::schema::SCHEMA_VERSION)?;
    let mut public: Vec<String> = Vec::new();
    let mut add_name = |name: &str| public.push(name.to_owned());

    m.add_function(wrap_pyfunction!(schedule, m)?)?;
    add_name("schedule");
    m.add_function(wrap_pyfunction!(call, m)?)?;
    add_name("call");
    m.add_function(wrap_pyfunction!(call_typed, m)?)?;
    add_name("call_typed");
    m.add_function(wrap_pyfunction!(_panic_for_tests, m)?)?;
    m.add_function(wrap_pyfunction!(types::_restore, m)?)?;
    m.add_function(wrap_pyfunction!(audit::_audit_book_columns, m)?)?;
    m.add_function(wrap_pyfunction!(audit::_audit_columns, m)?)?;
    m.add_function(wrap_pyfunction!(audit_detail::_audit_loan_detail, m)?)?;
    m.add_function(wrap_pyfunction!(audit::_read_mysql_dump, m)?)?;
    m.add_function(wrap_pyfunction!(audit::_read_csv_table, m)?)?;

    m.add_class::<Schedule>()?;
    add_name("Schedule");
    m.add_class::<Installment>()?;
    add_name("Installment");
    m.add_class::<Totals>()?;
    add_name("Totals");
    m.add_class::<RoundingPolicy>()?;
    add_name("RoundingPolicy");

    m.add("OPERATIONS", PyTuple::new(py, ops::OPERATIONS)?)?;
    add_name("OPERATIONS");
    let rules = PyDict::new(py);
    for rule in windeep_core::audit::AUDIT_RULES {
        rules.set_item(rule.id, rule.message)?;
    }
    m.add("AUDIT_RULES", PyMappingProxy::new(py, rules.as_mapping()))?;
    add_name("AUDIT_RULES");

    let registry = errors::registry(py)?;
    m.add("WindeepError", registry.base.clone_ref(py))?;
    add_name("WindeepError");
    let by_code = PyDict::new(py);
    for entry in &registry.classes {
        let cls = entry.class.bind(py);
        m.add(entry.name.as_str(), cls)?;
        add_name(&entry.name);
        by_code.set_item(entry.code, cls)?;
    }
    m.add("ERRORS", PyMappingProxy::new(py, by_code.as_mapping()))?;
    add_name("ERRORS");

    m.add("__all__", PyList::new(py, &public)?)?;
    Ok(())
}
