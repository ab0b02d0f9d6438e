//! windeep over a small, stable C ABI.
//!
//! Five functions, JSON in and JSON out, money as decimal strings:
//!
//! * [`windeep_call`] runs one operation (`"schedule"`, `"allocate"`, … — the names
//!   [`windeep_operations`] lists) on a JSON input and writes a newly allocated JSON text to
//!   `*output_json`: the operation's output on [`WINDEEP_STATUS_OK`], otherwise an error
//!   document `{"code": "E_…", "message": "…"}`.
//! * [`windeep_free`] releases a string that [`windeep_call`] wrote.
//! * [`windeep_version`] (the library), [`windeep_schema_version`] (the operation contract) and
//!   [`windeep_operations`] return static strings (never freed).
//!
//! Every export catches panics: a panic inside the library becomes [`WINDEEP_STATUS_PANIC`]
//! with the error code `E_INTERNAL`, and the host process (a PHP-FPM worker, a Go or .NET
//! program) keeps running. This crate converts and maps errors only; every rule is in
//! `windeep-core`.
//!
//! The header `include/windeep.h` is generated from this file by cbindgen and checked by
//! `tests/header.rs`.

use std::ffi::{CStr, CString, c_char};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::OnceLock;

/// The operation layer this ABI serves: the one place that names it.
mod api {
    pub(crate) use windeep_ops::{OPERATIONS, call_json, schema};
}

/// The operation ran; `*output_json` holds its output document.
pub const WINDEEP_STATUS_OK: i32 = 0;
/// The operation refused its input; `*output_json` holds `{"code": "E_…", "message": "…"}`
/// with the core's stable error code (an unknown operation is `E_UNKNOWN_OPERATION`).
pub const WINDEEP_STATUS_REFUSED: i32 = 1;
/// An argument was NULL or not UTF-8; `*output_json` (when `output_json` itself is not NULL)
/// holds `{"code": "E_INVALID_ARGUMENT", "message": "…"}`.
pub const WINDEEP_STATUS_INVALID_ARGUMENT: i32 = 2;
/// The library panicked (a defect); `*output_json` holds `{"code": "E_INTERNAL", "message": "…"}`.
/// The process is unharmed and later calls work.
pub const WINDEEP_STATUS_PANIC: i32 = 99;

/// The operation name that panics on purpose, only with the `panic-probe` feature (tests).
#[cfg(feature = "panic-probe")]
const PANIC_PROBE: &str = "__windeep_panic_probe";

/// An error document for the codes this ABI adds to the core's (`E_INVALID_ARGUMENT`,
/// `E_INTERNAL`).
fn abi_error(code: &str, message: &str) -> String {
    serde_json::json!({ "code": code, "message": message }).to_string()
}

/// Runs one operation from already checked Rust strings: (status, document).
fn run(operation: &str, input: &str) -> (i32, String) {
    #[cfg(feature = "panic-probe")]
    if operation == PANIC_PROBE {
        panic!("panic probe: a panic on purpose, to prove the host survives");
    }
    match api::call_json(operation, input) {
        Ok(out) => (WINDEEP_STATUS_OK, out),
        Err(err) => (WINDEEP_STATUS_REFUSED, err),
    }
}

/// The text of a panic payload.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_owned())
}

/// A NUL-terminated copy of `text` for the caller (JSON text never contains a NUL byte; one
/// that did would be cut there rather than lost).
fn to_c(text: String) -> *mut c_char {
    let bytes: Vec<u8> = text
        .into_bytes()
        .into_iter()
        .take_while(|b| *b != 0)
        .collect();
    CString::new(bytes).map_or(std::ptr::null_mut(), CString::into_raw)
}

/// A borrowed C string as UTF-8, or what is wrong with it.
///
/// # Safety
/// `ptr` is NULL or points to a NUL-terminated string that stays valid for `'a`.
#[allow(unsafe_code)]
unsafe fn arg<'a>(ptr: *const c_char, name: &str) -> Result<&'a str, String> {
    if ptr.is_null() {
        return Err(format!("{name} is NULL"));
    }
    // SAFETY: not NULL, and NUL-terminated and valid for 'a by the caller's contract.
    let text = unsafe { CStr::from_ptr(ptr) };
    text.to_str()
        .map_err(|e| format!("{name} is not UTF-8: {e}"))
}

/// Runs operation `operation` on the JSON document `input_json`.
///
/// Writes a newly allocated, NUL-terminated JSON text to `*output_json` — the output on
/// `WINDEEP_STATUS_OK`, an error document `{"code", "message"}` on any other status — which
/// the caller releases with [`windeep_free`]. Returns `WINDEEP_STATUS_OK` (0),
/// `WINDEEP_STATUS_REFUSED` (1), `WINDEEP_STATUS_INVALID_ARGUMENT` (2) or
/// `WINDEEP_STATUS_PANIC` (99). When `output_json` is NULL nothing is written and the status
/// is `WINDEEP_STATUS_INVALID_ARGUMENT`.
///
/// # Safety
/// `operation` and `input_json` are NULL or NUL-terminated strings; `output_json` is NULL or
/// points to writable storage for one pointer.
///
/// # Example (C)
/// ```c
/// char *out = NULL;
/// int32_t status = windeep_call("schedule", "{\"principal\": \"100000\", ...}", &out);
/// // status == WINDEEP_STATUS_OK: out is {"emi":"8884.88", ...}
/// windeep_free(out);
/// ```
#[allow(unsafe_code)]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn windeep_call(
    operation: *const c_char,
    input_json: *const c_char,
    output_json: *mut *mut c_char,
) -> i32 {
    if output_json.is_null() {
        return WINDEEP_STATUS_INVALID_ARGUMENT;
    }
    let result = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: the caller's contract on `operation` and `input_json`.
        let args = unsafe { arg(operation, "operation") }
            .and_then(|op| unsafe { arg(input_json, "input_json") }.map(|input| (op, input)));
        match args {
            Ok((op, input)) => run(op, input),
            Err(message) => (
                WINDEEP_STATUS_INVALID_ARGUMENT,
                abi_error("E_INVALID_ARGUMENT", &message),
            ),
        }
    }));
    let (status, text) = result.unwrap_or_else(|payload| {
        (
            WINDEEP_STATUS_PANIC,
            abi_error(
                "E_INTERNAL",
                &format!("internal error: {}", panic_message(payload.as_ref())),
            ),
        )
    });
    // Building the C string cannot panic; the write is outside the guard so that a panic can
    // never leave `*output_json` half written.
    // SAFETY: `output_json` is not NULL and writable by the caller's contract.
    unsafe { *output_json = to_c(text) };
    status
}

/// Releases a string written by [`windeep_call`]. NULL is accepted and ignored.
///
/// # Safety
/// `text` is NULL or a pointer that `windeep_call` wrote and that has not been freed yet.
///
/// # Example (C)
/// ```c
/// windeep_free(out);
/// ```
#[allow(unsafe_code)]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn windeep_free(text: *mut c_char) {
    if text.is_null() {
        return;
    }
    let _ = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: produced by `CString::into_raw` in `to_c` and not freed before, by contract.
        drop(unsafe { CString::from_raw(text) });
    }));
}

/// The library's version (`"0.1.0"`), a static string: never freed.
///
/// # Example (C)
/// ```c
/// printf("%s\n", windeep_version());
/// ```
#[allow(unsafe_code)]
#[unsafe(no_mangle)]
pub extern "C" fn windeep_version() -> *const c_char {
    static VERSION: &CStr =
        match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
            Ok(v) => v,
            Err(_) => c"unknown",
        };
    VERSION.as_ptr()
}

/// The version of the operation contract the library implements (`"0.1.0"`): the `version` of
/// `schema/windeep.schema.json`, which input and output documents follow. A static string:
/// never freed. NULL only if the library is broken.
///
/// # Example (C)
/// ```c
/// printf("library %s, schema %s\n", windeep_version(), windeep_schema_version());
/// ```
#[allow(unsafe_code)]
#[unsafe(no_mangle)]
pub extern "C" fn windeep_schema_version() -> *const c_char {
    static SCHEMA_VERSION: OnceLock<Option<CString>> = OnceLock::new();
    catch_unwind(|| {
        SCHEMA_VERSION
            .get_or_init(|| CString::new(api::schema::SCHEMA_VERSION).ok())
            .as_ref()
            .map_or(std::ptr::null(), |s| s.as_ptr())
    })
    .unwrap_or(std::ptr::null())
}

/// The operation names [`windeep_call`] knows, as a static JSON array text
/// (`["schedule","allocate",…]`): never freed. NULL only if the library is broken.
///
/// # Example (C)
/// ```c
/// const char *ops = windeep_operations();   // ["schedule","allocate",...]
/// ```
#[allow(unsafe_code)]
#[unsafe(no_mangle)]
pub extern "C" fn windeep_operations() -> *const c_char {
    static OPERATIONS: OnceLock<Option<CString>> = OnceLock::new();
    catch_unwind(|| {
        OPERATIONS
            .get_or_init(|| {
                let names: Vec<&str> = api::OPERATIONS.to_vec();
                CString::new(serde_json::Value::from(names).to_string()).ok()
            })
            .as_ref()
            .map_or(std::ptr::null(), |s| s.as_ptr())
    })
    .unwrap_or(std::ptr::null())
}

#[cfg(test)]
#[allow(unsafe_code)]
mod tests {
    use super::*;

    fn call(op: &str, input: &str) -> (i32, String) {
        let op = CString::new(op).unwrap();
        let input = CString::new(input).unwrap();
        let mut out: *mut c_char = std::ptr::null_mut();
        let status = unsafe { windeep_call(op.as_ptr(), input.as_ptr(), &mut out) };
        assert!(!out.is_null());
        let text = unsafe { CStr::from_ptr(out) }.to_str().unwrap().to_owned();
        unsafe { windeep_free(out) };
        (status, text)
    }

    #[test]
    fn a_schedule_is_computed() {
        let (status, out) = call(
            "schedule",
            r#"{"principal": "100000", "annual_rate": "12", "tenure": 12,
                "disbursed_on": "2026-01-05", "first_due_on": "2026-02-05"}"#,
        );
        assert_eq!(status, WINDEEP_STATUS_OK);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["emi"], "8884.88");
    }

    #[test]
    fn a_refusal_carries_the_core_code() {
        let (status, out) = call("schedule", r#"{"principal": 100000}"#);
        assert_eq!(status, WINDEEP_STATUS_REFUSED);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert!(v["code"].as_str().unwrap().starts_with("E_"), "{out}");
        let (status, out) = call("no_such_operation", "{}");
        assert_eq!(status, WINDEEP_STATUS_REFUSED);
        assert!(out.contains("E_UNKNOWN_OPERATION"), "{out}");
    }

    #[test]
    fn null_and_non_utf8_arguments_are_refused() {
        let mut out: *mut c_char = std::ptr::null_mut();
        let status = unsafe { windeep_call(std::ptr::null(), c"{}".as_ptr(), &mut out) };
        assert_eq!(status, WINDEEP_STATUS_INVALID_ARGUMENT);
        let text = unsafe { CStr::from_ptr(out) }.to_str().unwrap().to_owned();
        unsafe { windeep_free(out) };
        assert!(text.contains("E_INVALID_ARGUMENT"), "{text}");

        let bad = [0xffu8, 0xfe, 0];
        let status = unsafe {
            windeep_call(
                c"schedule".as_ptr(),
                bad.as_ptr().cast::<c_char>(),
                &mut out,
            )
        };
        assert_eq!(status, WINDEEP_STATUS_INVALID_ARGUMENT);
        unsafe { windeep_free(out) };

        let status =
            unsafe { windeep_call(c"schedule".as_ptr(), c"{}".as_ptr(), std::ptr::null_mut()) };
        assert_eq!(status, WINDEEP_STATUS_INVALID_ARGUMENT);
        unsafe { windeep_free(std::ptr::null_mut()) };
    }

    #[test]
    fn operations_and_version_are_static_strings() {
        let ops = unsafe { CStr::from_ptr(windeep_operations()) }
            .to_str()
            .unwrap();
        let names: Vec<String> = serde_json::from_str(ops).unwrap();
        assert_eq!(names, api::OPERATIONS);
        assert_eq!(windeep_operations(), windeep_operations());
        let version = unsafe { CStr::from_ptr(windeep_version()) }
            .to_str()
            .unwrap();
        assert_eq!(version, env!("CARGO_PKG_VERSION"));
        let schema = unsafe { CStr::from_ptr(windeep_schema_version()) }
            .to_str()
            .unwrap();
        let document = api::schema::document();
        assert_eq!(schema, document["version"].as_str().unwrap());
        assert_eq!(windeep_schema_version(), windeep_schema_version());
    }

    #[cfg(feature = "panic-probe")]
    #[test]
    fn a_panic_becomes_status_99() {
        let (status, out) = call(PANIC_PROBE, "{}");
        assert_eq!(status, WINDEEP_STATUS_PANIC);
        assert!(out.contains("E_INTERNAL"), "{out}");
        assert_eq!(call("no_such_operation", "{}").0, WINDEEP_STATUS_REFUSED);
    }
}
