//! # windeep-mobile
//!
//! The Kotlin/Swift binding of windeep, built with uniffi (proc-macros; the core carries no
//! uniffi attributes). Every operation of the registry is reachable through [`call`], which
//! reads and returns the same JSON documents as the command line and every other binding.
//! The binding converts and maps errors; it decides nothing.

uniffi::setup_scaffolding!();

pub mod typed;

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// The code of the exception that reports a panic inside the library (a defect, never an
/// answer); the same code the Python binding uses.
pub const INTERNAL: &str = "E_INTERNAL";

/// An operation's refusal, or a defect inside the library.
///
/// In Kotlin: `WindeepException.Refused` / `WindeepException.Internal`, each with `code` (the
/// core's stable `E_…` code) and `detail` (the core's message, for people); `Refused` also has
/// `field`, the input field the refusal is about where it names one (else null).
///
/// # Example
/// ```
/// let err = windeep_mobile::call("schedule".into(), "{}".into()).unwrap_err();
/// assert_eq!(err.code(), "E_INVALID_INPUT");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum WindeepException {
    /// The core refused the input: `code` is its `E_…` code (see `docs/errors.md`).
    #[error("{code}: {detail}")]
    Refused {
        /// The core's stable error code, e.g. `E_INVALID_TENURE`.
        code: String,
        /// The core's message (may be reworded between versions; match on `code`).
        detail: String,
        /// The input field the refusal is about, where it names one (see
        /// [`windeep_core::CoreError::field`]; a typed function's own argument, e.g.
        /// `settlement_on`, for a date it cannot read); `None` otherwise.
        field: Option<String>,
    },
    /// A panic inside the library (a defect): `code` is always `E_INTERNAL`.
    #[error("{code}: {detail}")]
    Internal {
        /// Always `E_INTERNAL`.
        code: String,
        /// The panic's message.
        detail: String,
    },
}

impl WindeepException {
    /// The stable `E_…` code.
    ///
    /// # Example
    /// ```
    /// let e = windeep_mobile::WindeepException::Refused {
    ///     code: "E_INVALID_TENURE".into(), detail: "tenure 0".into(), field: None };
    /// assert_eq!(e.code(), "E_INVALID_TENURE");
    /// ```
    #[must_use]
    pub fn code(&self) -> &str {
        match self {
            Self::Refused { code, .. } | Self::Internal { code, .. } => code,
        }
    }
}

impl From<windeep_core::CoreError> for WindeepException {
    fn from(err: windeep_core::CoreError) -> Self {
        Self::Refused {
            code: err.code().to_owned(),
            detail: err.to_string(),
            field: err.field().map(str::to_owned),
        }
    }
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

/// Runs `f`, turning a panic into [`WindeepException::Internal`] (`E_INTERNAL`).
fn guarded<T>(f: impl FnOnce() -> Result<T, WindeepException>) -> Result<T, WindeepException> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(result) => result,
        Err(payload) => Err(WindeepException::Internal {
            code: INTERNAL.to_owned(),
            detail: format!(
                "internal error in windeep (please report it): {}",
                panic_text(payload.as_ref())
            ),
        }),
    }
}

/// Runs operation `operation` on the JSON document `input` and returns its output as compact
/// JSON: money is a decimal string, dates are `YYYY-MM-DD` (the same documents as
/// `windeep call <operation>` and the golden fixtures).
///
/// # Errors
/// [`WindeepException::Refused`] with the core's code (`E_UNKNOWN_OPERATION` for a name not in
/// [`operations`]); [`WindeepException::Internal`] for a panic.
///
/// # Example
/// ```
/// let out = windeep_mobile::call("schedule".into(), r#"{"principal": "100000",
///     "annual_rate": "12", "tenure": 12, "disbursed_on": "2026-01-05",
///     "first_due_on": "2026-02-05"}"#.into()).unwrap();
/// assert!(out.contains(r#""emi":"8884.88""#));
/// ```
#[uniffi::export]
pub fn call(operation: String, input: String) -> Result<String, WindeepException> {
    guarded(|| Ok(windeep_ops::call(&operation, &input)?.to_string()))
}

/// The names of every operation [`call`] accepts, in registry order.
///
/// # Example
/// ```
/// assert!(windeep_mobile::operations().contains(&"schedule".to_owned()));
/// ```
#[uniffi::export]
#[must_use]
pub fn operations() -> Vec<String> {
    windeep_ops::OPERATIONS
        .iter()
        .map(|s| (*s).to_owned())
        .collect()
}

/// The library's version (the workspace version).
///
/// # Example
/// ```
/// assert!(!windeep_mobile::version().is_empty());
/// ```
#[uniffi::export]
#[must_use]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}

/// The version of the operation contract the library implements: the `version` of
/// `schema/windeep.schema.json`, which the documents of [`call`] follow.
///
/// # Example
/// ```
/// assert_eq!(windeep_mobile::schema_version(), windeep_ops::schema::SCHEMA_VERSION);
/// ```
#[uniffi::export]
#[must_use]
pub fn schema_version() -> String {
    windeep_ops::schema::SCHEMA_VERSION.to_owned()
}

/// Panics with `message` inside the library, so the tests can show that a panic reaches the
/// caller as [`WindeepException::Internal`]. Built only with the `panic-probe` feature (tests).
///
/// # Errors
/// Always [`WindeepException::Internal`].
#[cfg(feature = "panic-probe")]
#[uniffi::export]
pub fn panic_probe(message: String) -> Result<(), WindeepException> {
    guarded(|| -> Result<(), WindeepException> { std::panic::panic_any(message) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_operation_is_refused_with_its_code() {
        let err = call("no_such".into(), "{}".into()).unwrap_err();
        assert_eq!(err.code(), "E_UNKNOWN_OPERATION");
        assert!(matches!(err, WindeepException::Refused { .. }));
    }

    #[test]
    fn a_refusal_names_its_field_where_the_core_knows_it() {
        let blank = r#"{"events": [{"id": " ", "sequence": 1, "value_date": "2026-01-05",
            "idempotency_key": "d", "body": {"type": "disbursed", "loan_id": "LN1",
            "terms": {"principal": "100000", "annual_rate": "12", "tenure": 12,
            "disbursed_on": "2026-01-05", "first_due_on": "2026-02-05"}}}],
            "as_of": "2026-02-01"}"#;
        let err = call("loan_statement".into(), blank.into()).unwrap_err();
        assert!(
            matches!(&err, WindeepException::Refused { code, field: Some(f), .. }
                if code == "E_BLANK_IDENTIFIER" && f == "id"),
            "{err:?}"
        );
        let err = call("schedule".into(), "{}".into()).unwrap_err();
        assert!(matches!(err, WindeepException::Refused { field: None, .. }));
        // A typed function names its own argument when it cannot read a date (Swift passes
        // dates as text).
        let err =
            typed::foreclosure_quote("[]".into(), typed::IsoDate("2026-13-01".into())).unwrap_err();
        assert!(
            matches!(&err, WindeepException::Refused { code, field: Some(f), .. }
                if code == "E_INVALID_INPUT" && f == "settlement_on"),
            "{err:?}"
        );
    }

    #[test]
    fn a_panic_becomes_internal() {
        let err = guarded(|| -> Result<(), WindeepException> { panic!("boom") }).unwrap_err();
        assert_eq!(
            err,
            WindeepException::Internal {
                code: INTERNAL.into(),
                detail: "internal error in windeep (please report it): boom".into()
            }
        );
    }

    #[test]
    fn operations_match_the_registry() {
        assert_eq!(operations().len(), windeep_ops::OPERATIONS.len());
    }
}
