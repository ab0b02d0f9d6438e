//! The JSON operation interface: one entry point for the command line and every binding.
//!
//! An operation reads one JSON document and returns one JSON document; money is a decimal
//! string, dates are `YYYY-MM-DD`. The golden fixtures in `fixtures/` are cases of exactly this
//! interface, so every language replays them through it.

use base64::Engine as _;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::bank::{
    self, ColumnSpec, Format, LayoutChoice, Mapping, MatchInput, MatchResult, PartInput, PriorKey,
    ReconcileInput, StatementOptions,
};
use crate::money::Currency;

use crate::error::{CoreError, Result};
use crate::money::error_from_serde;
use crate::schedule::{LoanTerms, Schedule, annual_percentage_rate, generate_schedule};

/// Every operation name [`call`] knows, in a stable order.
pub const OPERATIONS: &[&str] = &[
    "schedule",
    "bank_import",
    "bank_match",
    "bank_split",
    "bank_unmap",
    "bank_ignore",
    "bank_reconcile",
];

/// The `schedule` operation's output: the schedule plus its APR.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScheduleReport {
    /// The schedule.
    #[serde(flatten)]
    pub schedule: Schedule,
    /// Annual percentage rate (RBI KFS), percent, at the requested decimals.
    pub apr: String,
}

/// Generates a schedule and its APR: the typed form of the `schedule` operation.
///
/// # Errors
/// As [`generate_schedule`] and [`annual_percentage_rate`].
///
/// # Example
/// ```
/// use windeep_core::{LoanTerms, parse_date, ops::schedule};
/// let terms = LoanTerms::new("100000".parse().unwrap(), "12".parse().unwrap(), 12,
///     parse_date("2026-01-05").unwrap(), parse_date("2026-02-05").unwrap());
/// assert_eq!(schedule(&terms).unwrap().apr, "12.00");
/// ```
pub fn schedule(terms: &LoanTerms) -> Result<ScheduleReport> {
    let schedule = generate_schedule(terms)?;
    let apr = annual_percentage_rate(&schedule, terms.apr_decimals)?.to_string();
    Ok(ScheduleReport { schedule, apr })
}

/// The input of the `bank_import` operation (see `docs/bank.md`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportRequest {
    /// The society's bank account the statement belongs to.
    pub account_id: String,
    /// This import's id, used by later imports to name the rows they repeat.
    #[serde(default)]
    pub import_id: Option<String>,
    /// `csv` (default) or `xlsx`.
    #[serde(default)]
    pub format: Format,
    /// The statement as text (CSV only).
    #[serde(default)]
    pub content: Option<String>,
    /// The statement's bytes in standard base64 (CSV or XLSX).
    #[serde(default)]
    pub content_base64: Option<String>,
    /// A column preset name.
    #[serde(default)]
    pub preset: Option<String>,
    /// An explicit column mapping.
    #[serde(default)]
    pub columns: Option<ColumnSpec>,
    /// The CSV delimiter: one ASCII character, `,` by default.
    #[serde(default)]
    pub delimiter: Option<String>,
    /// The XLSX sheet name (the first sheet by default).
    #[serde(default)]
    pub sheet: Option<String>,
    /// The account's currency (INR by default).
    #[serde(default)]
    pub currency: Currency,
    /// Keys of earlier imports of the same account.
    #[serde(default)]
    pub prior: Vec<PriorKey>,
}

impl ImportRequest {
    /// The statement options these fields describe.
    ///
    /// # Errors
    /// `E_INVALID_INPUT` for a delimiter that is not one ASCII character, `E_INVALID_COLUMNS`
    /// for both a preset and a mapping.
    pub fn options(&self) -> Result<StatementOptions> {
        let delimiter = match self.delimiter.as_deref() {
            None => b',',
            Some(d) => match d.as_bytes() {
                [b] if b.is_ascii() && *b != b'"' && *b != b'\n' && *b != b'\r' => *b,
                _ => {
                    return Err(CoreError::InvalidInput {
                        reason: format!("delimiter {d:?} must be one ASCII character"),
                    });
                }
            },
        };
        let layout = match (&self.preset, &self.columns) {
            (Some(_), Some(_)) => {
                return Err(CoreError::InvalidColumns {
                    reason: "give a preset or a column mapping, not both".to_owned(),
                });
            }
            (Some(p), None) => LayoutChoice::Preset(p.clone()),
            (None, Some(c)) => LayoutChoice::Columns(c.clone()),
            (None, None) => LayoutChoice::Detect,
        };
        if self.format == Format::Xlsx && self.delimiter.is_some() {
            return Err(CoreError::InvalidInput {
                reason: "delimiter applies to CSV statements only".to_owned(),
            });
        }
        if self.format == Format::Csv && self.sheet.is_some() {
            return Err(CoreError::InvalidInput {
                reason: "sheet applies to XLSX statements only".to_owned(),
            });
        }
        Ok(StatementOptions {
            layout,
            delimiter,
            sheet: self.sheet.clone(),
            currency: self.currency.clone(),
        })
    }
}

/// Runs the `bank_import` operation.
///
/// # Errors
/// `E_INVALID_INPUT` for missing or doubled content, or XLSX given as text;
/// `E_STATEMENT_UNREADABLE` for content that is not base64; [`bank::import_statement`]'s errors.
pub fn bank_import(request: &ImportRequest) -> Result<bank::ImportReport> {
    let options = request.options()?;
    let decoded;
    let bytes: &[u8] = match (&request.content, &request.content_base64, request.format) {
        (Some(_), Some(_), _) | (None, None, _) => {
            return Err(CoreError::InvalidInput {
                reason: "give exactly one of content and content_base64".to_owned(),
            });
        }
        (Some(_), None, Format::Xlsx) => {
            return Err(CoreError::InvalidInput {
                reason: "an XLSX statement is given as content_base64".to_owned(),
            });
        }
        (Some(text), None, Format::Csv) => text.as_bytes(),
        (None, Some(b64), _) => {
            decoded = base64::engine::general_purpose::STANDARD
                .decode(b64.trim())
                .map_err(|e| CoreError::StatementUnreadable {
                    reason: format!("content_base64 is not base64: {e}"),
                })?;
            &decoded
        }
    };
    bank::import_statement(
        bytes,
        request.format,
        &options,
        &request.account_id,
        request.import_id.as_deref(),
        &request.prior,
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SplitRequest {
    mapping: Mapping,
    parts: Vec<PartInput>,
    #[serde(default)]
    currency: Currency,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UnmapRequest {
    mapping: Mapping,
    #[serde(default)]
    parts: Option<Vec<u32>>,
    #[serde(default)]
    currency: Currency,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IgnoreRequest {
    mapping: Mapping,
    reason: String,
    #[serde(default)]
    currency: Currency,
}

fn parse<T: DeserializeOwned>(input: &str) -> Result<T> {
    serde_json::from_str(input).map_err(|e| error_from_serde(&e))
}

fn to_value<T: Serialize>(value: &T) -> Result<Value> {
    serde_json::to_value(value).map_err(|e| CoreError::InvalidInput {
        reason: e.to_string(),
    })
}

/// Runs operation `name` on a JSON input document and returns the JSON output value.
///
/// # Errors
/// `E_UNKNOWN_OPERATION` for a name not in [`OPERATIONS`]; otherwise the operation's own errors.
///
/// # Example
/// ```
/// let out = windeep_core::ops::call("schedule", r#"{"principal": "100000", "annual_rate": "12",
///     "tenure": 12, "disbursed_on": "2026-01-05", "first_due_on": "2026-02-05"}"#).unwrap();
/// assert_eq!(out["emi"], "8884.88");
/// let err = windeep_core::ops::call("nope", "{}").unwrap_err();
/// assert_eq!(err.code(), "E_UNKNOWN_OPERATION");
/// ```
pub fn call(name: &str, input: &str) -> Result<Value> {
    match name {
        "schedule" => to_value(&schedule(&parse::<LoanTerms>(input)?)?),
        "bank_import" => to_value(&bank_import(&parse::<ImportRequest>(input)?)?),
        "bank_match" => {
            let results: Vec<MatchResult> = bank::suggest(&parse::<MatchInput>(input)?)?;
            Ok(serde_json::json!({ "results": to_value(&results)? }))
        }
        "bank_split" => {
            let r = parse::<SplitRequest>(input)?;
            to_value(&bank::split(r.mapping, &r.parts, &r.currency)?)
        }
        "bank_unmap" => {
            let r = parse::<UnmapRequest>(input)?;
            to_value(&bank::unmap(r.mapping, r.parts.as_deref(), &r.currency)?)
        }
        "bank_ignore" => {
            let r = parse::<IgnoreRequest>(input)?;
            to_value(&bank::ignore(r.mapping, &r.reason, &r.currency)?)
        }
        "bank_reconcile" => to_value(&bank::reconcile(&parse::<ReconcileInput>(input)?)?),
        _ => Err(CoreError::UnknownOperation {
            name: name.to_owned(),
        }),
    }
}

/// [`call`] returning compact JSON text, or the error as `{"code": …, "message": …}` text.
///
/// This is the form the C ABI and the command line hand out unchanged.
pub fn call_json(name: &str, input: &str) -> std::result::Result<String, String> {
    match call(name, input) {
        Ok(v) => Ok(v.to_string()),
        Err(e) => Err(error_json(&e)),
    }
}

/// An error as compact JSON: `{"code": "E_…", "message": "…"}`.
#[must_use]
pub fn error_json(err: &CoreError) -> String {
    serde_json::json!({ "code": err.code(), "message": err.to_string() }).to_string()
}
