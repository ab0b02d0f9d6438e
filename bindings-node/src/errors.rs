//! Error mapping: a core error, a refused value or a panic becomes a [`Failure`] object, which
//! the JavaScript layer throws as the `Error` subclass of its code.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};

use napi_derive::napi;
use windeep_core::CoreError;

use crate::convert;

/// The code of a panic inside the addon (not a core code: the core never panics by design).
/// The Python binding uses the same code.
pub const INTERNAL: &str = "E_INTERNAL";

/// The operation name the test-only panic probe runs under.
#[cfg(feature = "panic-probe")]
pub(crate) const PANIC_PROBE: &str = "\u{0}panic_probe";

/// Why an operation refused its input (or failed inside the addon).
///
/// # Example
/// ```text
/// let f = windeep_node::run_json("schedule", "{}").unwrap_err();
/// assert_eq!(f.code, "E_INVALID_INPUT");
/// ```
#[napi(object)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The core's stable code (`E_…`), or `E_INTERNAL` for a panic in the addon.
    pub code: String,
    /// The explanation, for people.
    pub message: String,
    /// The input field the failure is about (`principal`, `events[2].amount`), where known.
    pub field: Option<String>,
}

impl Failure {
    /// An `E_INVALID_AMOUNT` failure with this reason (used by the minor-unit helpers).
    #[must_use]
    pub fn invalid_amount(reason: String) -> Self {
        Self::from_core(&CoreError::InvalidAmount { reason }, None)
    }

    /// The failure of a core error, about `field` where known.
    #[must_use]
    pub fn from_core(err: &CoreError, field: Option<String>) -> Self {
        Self {
            code: err.code().to_owned(),
            message: err.to_string(),
            field,
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

/// Runs `f`, turning a panic into an `E_INTERNAL` failure.
pub(crate) fn guarded<T>(f: impl FnOnce() -> Result<T, Failure>) -> Result<T, Failure> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|payload| {
        Err(Failure {
            code: INTERNAL.to_owned(),
            message: format!(
                "internal error in windeep (please report it): {}",
                panic_text(payload.as_ref())
            ),
            field: None,
        })
    })
}

/// Runs `operation` on JSON text: the output as JSON text, or the failure.
///
/// Every value the schema marks as money, a rate, a decimal or a date must be a string: the
/// core refuses a JSON number there, and the failure then names the field and the reason (see
/// `convert::number_for_string`). A panic becomes an `E_INTERNAL` failure.
///
/// # Errors
/// The core's refusal, with the field where known.
///
/// # Example
/// ```text
/// let out = windeep_node::run_json("schedule", r#"{"principal": "100000", "annual_rate": "12",
///     "tenure": 12, "disbursed_on": "2026-01-05", "first_due_on": "2026-02-05"}"#).unwrap();
/// assert!(out.contains(r#""emi":"8884.88""#));
/// let f = windeep_node::run_json("schedule", r#"{"principal": 100000, "annual_rate": "12",
///     "tenure": 12, "disbursed_on": "2026-01-05", "first_due_on": "2026-02-05"}"#).unwrap_err();
/// assert_eq!((f.code.as_str(), f.field.as_deref()), ("E_INVALID_AMOUNT", Some("principal")));
/// ```
pub fn run_json(operation: &str, input: &str) -> Result<String, Failure> {
    guarded(|| {
        #[cfg(feature = "panic-probe")]
        if operation == PANIC_PROBE {
            panic!("panic probe: a deliberate panic for the tests");
        }
        match windeep_ops::call(operation, input) {
            Ok(value) => Ok(value.to_string()),
            // The core refuses a JSON number for money, a rate, a decimal or a date (the tests
            // replay every such field); the schema then finds the field and says why.
            Err(err) => Err(
                convert::number_for_string(operation, input).unwrap_or_else(|| {
                    let field = convert::field_of(&err);
                    Failure::from_core(&err, field)
                }),
            ),
        }
    })
}
