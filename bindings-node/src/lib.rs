//! # windeep-node
//!
//! The native part of the npm package `windeep`: it hands operation names and JSON documents to
//! [`windeep_ops`] and maps the results. It converts and maps errors; every rule lives in the core.
//!
//! - `callJson(operation, inputJson)` returns the output as JSON text, or a [`Failure`]
//!   (`{code, message, field?}`) that the JavaScript layer throws as an `Error` subclass.
//! - `callJsonAsync(operation, inputJson)` does the same on the libuv thread pool
//!   (an `AsyncTask`), so a server's event loop keeps running during a long operation.
//! - A panic never crosses into Node: it becomes a failure with code `E_INTERNAL`.
//! - Money crosses as decimal strings; `moneyFromMinor` / `moneyToMinor` convert `bigint` minor
//!   units exactly.
//!
//! The examples in this crate are exercised by the Node tests (`test/*.test.mjs`), not by
//! Rust doc tests: the addon links only inside a Node process.
#![deny(clippy::print_stdout, clippy::print_stderr)]

mod convert;
mod errors;

use napi::bindgen_prelude::{AsyncTask, BigInt, Either};
use napi::{Env, Task};
use napi_derive::napi;

pub use convert::{money_from_minor_text, money_to_minor_units};
pub use errors::{Failure, run_json};

/// Every operation name of the registry, in registry order.
///
/// # Example
/// ```js
/// native.operations().includes('schedule') // true
/// ```
#[napi(catch_unwind)]
pub fn operations() -> Vec<String> {
    windeep_ops::OPERATIONS
        .iter()
        .map(|s| (*s).to_owned())
        .collect()
}

/// The library's version: the one workspace version every windeep artifact of a release carries.
///
/// # Example
/// ```js
/// native.version() // '0.1.0'
/// ```
#[napi(catch_unwind)]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}

/// The version of the operation contract the addon implements: the `version` of
/// `schema/windeep.schema.json` (and of the schema `index.d.ts` was generated from).
///
/// # Example
/// ```js
/// native.schemaVersion() // '0.1.0'
/// ```
#[napi(catch_unwind)]
pub fn schema_version() -> String {
    windeep_ops::schema::SCHEMA_VERSION.to_owned()
}

/// The JSON Schema document of every operation (text), the one `index.d.ts` is generated from.
#[napi(catch_unwind)]
pub fn schema_json() -> String {
    windeep_ops::schema::document_text()
}

/// Runs `operation` on the JSON text `input`: the output JSON text, or a failure object.
///
/// # Example
/// ```js
/// native.callJson('schedule', '{"principal":"100000", …}') // '{"emi":"8884.88", …}'
/// ```
#[napi(catch_unwind)]
pub fn call_json(operation: String, input: String) -> Either<String, Failure> {
    match run_json(&operation, &input) {
        Ok(text) => Either::A(text),
        Err(failure) => Either::B(failure),
    }
}

/// The work of [`call_json_async`], run on the thread pool.
pub struct CallTask {
    operation: String,
    input: String,
}

impl Task for CallTask {
    type Output = Result<String, Failure>;
    type JsValue = Either<String, Failure>;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        Ok(run_json(&self.operation, &self.input))
    }

    fn resolve(&mut self, _env: Env, output: Self::Output) -> napi::Result<Self::JsValue> {
        Ok(match output {
            Ok(text) => Either::A(text),
            Err(failure) => Either::B(failure),
        })
    }
}

/// [`call_json`] off the main thread: a promise of the output JSON text or a failure object.
#[napi(catch_unwind, ts_return_type = "Promise<string | Failure>")]
pub fn call_json_async(operation: String, input: String) -> AsyncTask<CallTask> {
    AsyncTask::new(CallTask { operation, input })
}

/// An amount in minor units (`12345n`, 2 decimals) as a money string (`"123.45"`), exactly.
///
/// # Errors
/// `E_INVALID_AMOUNT` for a value beyond 96 bits or more than 28 decimals.
#[napi(catch_unwind)]
pub fn money_from_minor(units: BigInt, minor_units: u32) -> Either<String, Failure> {
    let (negative, value, lossless) = units.get_u128();
    let result = if lossless {
        money_from_minor_text(negative, value, minor_units)
    } else {
        Err(Failure::invalid_amount(
            "the bigint does not fit in 128 bits".to_owned(),
        ))
    };
    match result {
        Ok(text) => Either::A(text),
        Err(f) => Either::B(f),
    }
}

/// A money string (`"123.45"`) as minor units (`12345n` for 2 decimals), exactly.
///
/// # Errors
/// `E_INVALID_AMOUNT` for text that is not a plain decimal, or one with more decimals than
/// `minorUnits`.
#[napi(catch_unwind)]
pub fn money_to_minor(amount: String, minor_units: u32) -> Either<BigInt, Failure> {
    match money_to_minor_units(&amount, minor_units) {
        Ok(units) => Either::A(BigInt::from(units)),
        Err(f) => Either::B(f),
    }
}

/// Test-only: panics on the main thread, so the tests can show a panic becomes `E_INTERNAL`
/// and Node lives on.
#[cfg(feature = "panic-probe")]
#[napi(catch_unwind)]
pub fn panic_probe() -> Either<String, Failure> {
    match run_json(errors::PANIC_PROBE, "") {
        Ok(text) => Either::A(text),
        Err(f) => Either::B(f),
    }
}

/// Test-only: panics on the thread pool; the promise resolves to an `E_INTERNAL` failure.
#[cfg(feature = "panic-probe")]
#[napi(catch_unwind, ts_return_type = "Promise<string | Failure>")]
pub fn panic_probe_async() -> AsyncTask<CallTask> {
    AsyncTask::new(CallTask {
        operation: errors::PANIC_PROBE.to_owned(),
        input: String::new(),
    })
}
