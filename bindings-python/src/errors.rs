//! The exception tree, generated from `windeep_core::CoreError::CODES`, and the mapping of core
//! errors and panics onto it.
//!
//! `WindeepError(Exception)` is the base. Every core code `E_FOO_BAR` gets a subclass
//! `FooBarError` whose class attribute `code` is that code; the codes of malformed input
//! (`E_INVALID_INPUT`, `E_INVALID_AMOUNT`, `E_INVALID_RATE`, `E_INVALID_DATE`) also subclass
//! `ValueError`. `InternalError` (`E_INTERNAL`) reports a panic inside the extension. Every
//! raised instance carries `.code` and `.message`.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};

use pyo3::exceptions::{PyException, PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyTuple, PyType};
use windeep_core::CoreError;

/// The code of a panic inside the extension (not a core code: the core never panics by design).
pub(crate) const INTERNAL: &str = "E_INTERNAL";

/// Codes whose classes also derive from `ValueError`: input that is malformed as a value.
const VALUE_ERROR_CODES: &[&str] = &[
    "E_INVALID_INPUT",
    "E_INVALID_AMOUNT",
    "E_INVALID_RATE",
    "E_INVALID_DATE",
];

/// One generated exception class.
pub(crate) struct ErrorClass {
    pub(crate) code: &'static str,
    pub(crate) name: String,
    pub(crate) class: Py<PyType>,
}

/// Every exception class of the module.
pub(crate) struct Registry {
    pub(crate) base: Py<PyType>,
    pub(crate) classes: Vec<ErrorClass>,
}

static REGISTRY: PyOnceLock<Registry> = PyOnceLock::new();

/// `E_INVALID_TENURE` → `InvalidTenureError`.
fn class_name(code: &str) -> String {
    let body = code.strip_prefix("E_").unwrap_or(code);
    let mut name = String::with_capacity(body.len() + 5);
    for word in body.split('_').filter(|w| !w.is_empty()) {
        let lower = word.to_ascii_lowercase();
        let mut chars = lower.chars();
        if let Some(first) = chars.next() {
            name.push(first.to_ascii_uppercase());
            name.push_str(chars.as_str());
        }
    }
    name.push_str("Error");
    name
}

fn new_class<'py>(
    py: Python<'py>,
    name: &str,
    bases: &Bound<'py, PyTuple>,
    doc: &str,
    code: Option<&str>,
) -> PyResult<Bound<'py, PyType>> {
    let namespace = PyDict::new(py);
    namespace.set_item("__module__", "windeep")?;
    namespace.set_item("__doc__", doc)?;
    if let Some(code) = code {
        namespace.set_item("code", code)?;
    }
    let class = py
        .get_type::<PyType>()
        .call1((name, bases, namespace))?
        .cast_into::<PyType>()?;
    Ok(class)
}

fn build(py: Python<'_>) -> PyResult<Registry> {
    let base = new_class(
        py,
        "WindeepError",
        &PyTuple::new(py, [py.get_type::<PyException>()])?,
        "Base class of every windeep error. `code` is the stable machine code (`E_…`), \
         `message` the human-readable explanation.",
        None,
    )?;
    let value_error = py.get_type::<PyValueError>();
    let codes = CoreError::CODES.iter().copied().chain([INTERNAL]);
    let mut classes = Vec::new();
    for code in codes {
        let name = class_name(code);
        let bases = if VALUE_ERROR_CODES.contains(&code) {
            PyTuple::new(py, [base.clone(), value_error.clone()])?
        } else {
            PyTuple::new(py, [base.clone()])?
        };
        let doc = if code == INTERNAL {
            "An unexpected failure inside the extension (a bug): please report it.".to_owned()
        } else {
            format!("windeep-core refused the input with code {code}.")
        };
        let class = new_class(py, &name, &bases, &doc, Some(code))?;
        classes.push(ErrorClass {
            code,
            name,
            class: class.unbind(),
        });
    }
    Ok(Registry {
        base: base.unbind(),
        classes,
    })
}

/// The exception classes, created once per process.
pub(crate) fn registry(py: Python<'_>) -> PyResult<&Registry> {
    REGISTRY.get_or_try_init(py, || build(py))
}

fn make_error(py: Python<'_>, code: &str, message: &str) -> PyResult<PyErr> {
    let registry = registry(py)?;
    let class = registry
        .classes
        .iter()
        .find(|c| c.code == code)
        .map_or(&registry.base, |c| &c.class)
        .bind(py);
    let exc = class.call1((message,))?;
    exc.setattr("code", code)?;
    exc.setattr("message", message)?;
    Ok(PyErr::from_value(exc))
}

/// A windeep exception with `code` and `message`.
pub(crate) fn error(py: Python<'_>, code: &str, message: &str) -> PyErr {
    make_error(py, code, message).unwrap_or_else(|e| e)
}

/// The Python exception for a core error: its code's class, its message.
pub(crate) fn core_err(py: Python<'_>, err: &CoreError) -> PyErr {
    error(py, err.code(), &err.to_string())
}

/// An `InvalidInputError` with a message from the binding (a Python value of the wrong type).
pub(crate) fn invalid_input(py: Python<'_>, reason: String) -> PyErr {
    core_err(py, &CoreError::InvalidInput { reason })
}

fn panic_text(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic payload".to_owned()
    }
}

/// Runs `f`, turning a Rust panic into `InternalError` (`E_INTERNAL`) instead of pyo3's
/// `PanicException`, which derives from `BaseException` and escapes `except Exception`.
pub(crate) fn guarded<T>(py: Python<'_>, f: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(result) => result,
        Err(payload) => {
            let message = format!(
                "internal error in windeep (please report it): {}",
                panic_text(payload.as_ref())
            );
            match make_error(py, INTERNAL, &message) {
                Ok(err) => Err(err),
                Err(_) => Err(PyRuntimeError::new_err(message)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::class_name;

    #[test]
    fn class_names_follow_the_codes() {
        assert_eq!(class_name("E_INVALID_TENURE"), "InvalidTenureError");
        assert_eq!(
            class_name("E_FIRST_DUE_NOT_AFTER_DISBURSEMENT"),
            "FirstDueNotAfterDisbursementError"
        );
        assert_eq!(class_name("E_EMI_BELOW_INTEREST"), "EmiBelowInterestError");
        assert_eq!(class_name("E_INTERNAL"), "InternalError");
    }
}
