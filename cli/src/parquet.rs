//! A legacy table from a Parquet file, as the same raw cells the CSV reader gives
//! (`windeep_core::audit::read_csv_table`): the first row of column names, then every cell as
//! text, null for a null. The audit decides what the text means, so the conversion only spells
//! each Parquet value the way the legacy database exports it in CSV:
//!
//! * integers in decimal, booleans `1` / `0` (MySQL's `tinyint(1)`);
//! * `DECIMAL(p, s)` exactly, with its `s` places (`250.00`);
//! * floating point with the shortest text that reads back as the same number (`8884.88`):
//!   never rounded here — a value with more places than the currency has is the audit's
//!   finding, as in CSV;
//! * `DATE` as `YYYY-MM-DD`, timestamps (UTC, as stored) as `YYYY-MM-DD HH:MM:SS` with a
//!   fraction only when there is one, times as `HH:MM:SS`;
//! * strings as they are; binary as UTF-8 text.
//!
//! Nested columns (groups, lists, maps), binary that is not UTF-8 and unreadable files are
//! `E_INVALID_INPUT`.

use chrono::{DateTime, Days, NaiveDate};
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::Field;
use windeep_core::CoreError;
use windeep_core::audit::RawTable;

fn bad(reason: String) -> CoreError {
    CoreError::InvalidInput { reason }
}

/// Reads one table of a Parquet file (every row group, the file's own column order).
///
/// # Errors
/// `E_INVALID_INPUT` for a file Parquet cannot read (or a compression this build does not
/// have: Snappy and none are read), a nested column, or a cell that has no text form.
pub(crate) fn read_parquet_table(bytes: Vec<u8>) -> Result<RawTable, CoreError> {
    let reader = SerializedFileReader::new(bytes::Bytes::from(bytes))
        .map_err(|e| bad(format!("not a readable Parquet file: {e}")))?;
    let columns: Vec<String> = reader
        .metadata()
        .file_metadata()
        .schema_descr()
        .root_schema()
        .get_fields()
        .iter()
        .map(|f| f.name().to_owned())
        .collect();
    let mut rows = Vec::new();
    let iter = reader
        .get_row_iter(None)
        .map_err(|e| bad(format!("Parquet rows cannot be read: {e}")))?;
    for (i, row) in iter.enumerate() {
        let row = row.map_err(|e| bad(format!("Parquet row {}: {e}", i + 1)))?;
        let cells = row
            .get_column_iter()
            .map(|(name, field)| {
                cell(field)
                    .map_err(|why| bad(format!("Parquet row {}, column {name}: {why}", i + 1)))
            })
            .collect::<Result<Vec<_>, _>>()?;
        rows.push(cells);
    }
    Ok(RawTable { columns, rows })
}

/// One value as the CSV export spells it (none for a null).
fn cell(field: &Field) -> Result<Option<String>, String> {
    Ok(Some(match field {
        Field::Null => return Ok(None),
        Field::Bool(b) => u8::from(*b).to_string(),
        Field::Byte(v) => v.to_string(),
        Field::Short(v) => v.to_string(),
        Field::Int(v) => v.to_string(),
        Field::Long(v) => v.to_string(),
        Field::UByte(v) => v.to_string(),
        Field::UShort(v) => v.to_string(),
        Field::UInt(v) => v.to_string(),
        Field::ULong(v) => v.to_string(),
        // Shortest round-trip text: formatting only, no arithmetic on the value.
        Field::Float16(v) => v.to_string(),
        Field::Float(v) => v.to_string(),
        Field::Double(v) => v.to_string(),
        Field::Decimal(d) => decimal_text(d.data(), d.scale())?,
        Field::Str(s) => s.clone(),
        Field::Bytes(b) => std::str::from_utf8(b.data())
            .map_err(|_| "binary that is not UTF-8 text".to_owned())?
            .to_owned(),
        Field::Date(days) => date_text(*days)?,
        Field::TimeMillis(ms) => time_text(i64::from(*ms) * 1_000)?,
        Field::TimeMicros(us) => time_text(*us)?,
        Field::TimestampMillis(ms) => timestamp_text(*ms, 1_000)?,
        Field::TimestampMicros(us) => timestamp_text(*us, 1_000_000)?,
        Field::Group(_) | Field::ListInternal(_) | Field::MapInternal(_) => {
            return Err("a nested value (group, list or map) is not a legacy column".to_owned());
        }
    }))
}

/// A `DECIMAL`'s big-endian two's-complement unscaled value with `scale` places.
fn decimal_text(be: &[u8], scale: i32) -> Result<String, String> {
    if be.is_empty() || be.len() > 16 {
        return Err(format!("a decimal of {} bytes", be.len()));
    }
    let negative = be.first().is_some_and(|b| b & 0x80 != 0);
    let mut buf = if negative { [0xFF_u8; 16] } else { [0_u8; 16] };
    buf.get_mut(16 - be.len()..)
        .ok_or_else(|| "decimal width".to_owned())?
        .copy_from_slice(be);
    let unscaled = i128::from_be_bytes(buf);
    let scale = usize::try_from(scale).map_err(|_| format!("a decimal scale of {scale}"))?;
    let digits = unscaled.unsigned_abs().to_string();
    let digits = format!("{digits:0>width$}", width = scale + 1);
    let (int, frac) = digits.split_at(digits.len() - scale);
    let sign = if negative { "-" } else { "" };
    Ok(if scale == 0 {
        format!("{sign}{int}")
    } else {
        format!("{sign}{int}.{frac}")
    })
}

fn epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default()
}

/// Days since 1970-01-01 as `YYYY-MM-DD`.
fn date_text(days: i32) -> Result<String, String> {
    let d = if days >= 0 {
        epoch().checked_add_days(Days::new(days.unsigned_abs().into()))
    } else {
        epoch().checked_sub_days(Days::new(days.unsigned_abs().into()))
    };
    d.map(|d| d.format("%Y-%m-%d").to_string())
        .ok_or_else(|| format!("a date {days} days from 1970-01-01"))
}

/// Microseconds since midnight as `HH:MM:SS` (with a fraction when there is one).
fn time_text(us: i64) -> Result<String, String> {
    if !(0..86_400_000_000).contains(&us) {
        return Err(format!("a time of day of {us} microseconds"));
    }
    let (s, frac) = (us / 1_000_000, us % 1_000_000);
    let mut t = format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60);
    if frac != 0 {
        t += format!(".{frac:06}").trim_end_matches('0');
    }
    Ok(t)
}

/// A timestamp of `per_second` units since the epoch (UTC) as `YYYY-MM-DD HH:MM:SS` (with a
/// fraction when there is one).
fn timestamp_text(v: i64, per_second: i64) -> Result<String, String> {
    let (secs, sub) = (v.div_euclid(per_second), v.rem_euclid(per_second));
    let nanos = u32::try_from(sub * (1_000_000_000 / per_second))
        .map_err(|_| format!("a timestamp of {v}"))?;
    let t = DateTime::from_timestamp(secs, nanos).ok_or_else(|| format!("a timestamp of {v}"))?;
    let mut s = t.format("%Y-%m-%d %H:%M:%S").to_string();
    if nanos != 0 {
        s += format!(".{nanos:09}").trim_end_matches('0');
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_keep_their_places_and_sign() {
        assert_eq!(decimal_text(&[0x61, 0xA8], 2).unwrap(), "250.00");
        assert_eq!(decimal_text(&[0xFF, 0xFF], 2).unwrap(), "-0.01");
        assert_eq!(decimal_text(&[0x05], 2).unwrap(), "0.05");
        assert_eq!(decimal_text(&[0x80], 0).unwrap(), "-128");
        assert_eq!(decimal_text(&[0x07], 0).unwrap(), "7");
        assert!(decimal_text(&[0; 17], 2).is_err());
        assert!(decimal_text(&[], 2).is_err());
    }

    #[test]
    fn dates_times_and_timestamps_are_spelled_as_the_export_spells_them() {
        assert_eq!(date_text(0).unwrap(), "1970-01-01");
        assert_eq!(date_text(20_454).unwrap(), "2026-01-01");
        assert_eq!(date_text(-1).unwrap(), "1969-12-31");
        assert!(date_text(i32::MAX).is_err());
        assert_eq!(
            timestamp_text(1_735_725_600_000, 1_000).unwrap(),
            "2025-01-01 10:00:00"
        );
        assert_eq!(
            timestamp_text(1_735_725_600_250, 1_000).unwrap(),
            "2025-01-01 10:00:00.25"
        );
        assert_eq!(
            timestamp_text(-1, 1_000_000).unwrap(),
            "1969-12-31 23:59:59.999999"
        );
        assert!(timestamp_text(i64::MAX, 1_000).is_err());
        assert_eq!(time_text(3_723_000_000).unwrap(), "01:02:03");
        assert!(time_text(-1).is_err());
    }

    #[test]
    fn nulls_are_nulls_and_nested_values_are_refused() {
        assert_eq!(cell(&Field::Null).unwrap(), None);
        assert_eq!(cell(&Field::Bool(true)).unwrap().as_deref(), Some("1"));
        assert_eq!(
            cell(&Field::Double(8884.88)).unwrap().as_deref(),
            Some("8884.88")
        );
        assert!(read_parquet_table(b"not parquet".to_vec()).is_err());
    }
}
