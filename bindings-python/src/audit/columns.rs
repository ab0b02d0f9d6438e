//! Reading the columns of the legacy tables out of pyarrow arrays.
//!
//! A column comes as one pyarrow Array or a list of them (the chunks of a table's column,
//! passed without concatenating them). Reading happens in two steps:
//!
//! 1. With the GIL held, [`Arena::table`] checks each chunk's type and takes its buffers, cut
//!    to the chunk's own values, as read-only numpy views of the Arrow memory
//!    (`numpy.frombuffer`, no copy), or as `bytes` copies when numpy is not installed.
//! 2. Without the GIL, [`Reader`] decodes the bytes into the columns' values (the tables in
//!    parallel, see `book.rs`). Row numbers in messages count across the chunks; the first
//!    error in column order is the one reported, as if the columns were read one by one.

use chrono::NaiveDate;
use numpy::PyReadonlyArray1;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList};
use rust_decimal::Decimal;
use windeep_core::{CoreError, Money, Rate};

pub(super) fn invalid(reason: String) -> CoreError {
    CoreError::InvalidInput { reason }
}

/// The Arrow types read here, with the width of a value in bytes (0: a bit).
const TYPES: &[(&str, usize)] = &[
    ("int64", 8),
    ("int8", 1),
    ("bool", 0),
    ("date32[day]", 4),
    ("decimal128(38, 2)", 16),
    ("decimal128(38, 8)", 16),
    // The `len + 1` offsets of a string array.
    ("string", 4),
];

/// Memory holding a buffer: a numpy view of the Arrow buffer, or a copy.
enum Owner<'py> {
    View(PyReadonlyArray1<'py, u8>),
    Copy(Bound<'py, PyBytes>),
}

impl Owner<'_> {
    fn bytes(&self) -> &[u8] {
        match self {
            // `numpy.frombuffer` gives a contiguous array; anything else reads as empty and is
            // reported as a truncated buffer.
            Self::View(a) => a.as_slice().unwrap_or_default(),
            Self::Copy(b) => b.as_bytes(),
        }
    }
}

/// A chunk before its buffers are borrowed: indices into the [`Arena`].
struct ChunkRef {
    len: usize,
    kind: &'static str,
    bit: usize,
    validity: Option<usize>,
    values: Option<usize>,
    data: Option<(usize, usize)>,
}

/// One chunk: its length and its buffers, each cut to the chunk's own values (a chunk may be
/// a slice of a larger array).
#[derive(Clone, Copy)]
pub(super) struct Chunk<'a> {
    len: usize,
    kind: &'static str,
    /// Position of the chunk's first value in the first byte of the bit buffers.
    bit: usize,
    validity: Option<&'a [u8]>,
    /// The values: `len` slots of a fixed width, bits for `bool`, `len + 1` offsets for a
    /// string array.
    values: &'a [u8],
    /// The character data of a string array, from its first value's offset (`.0`) on.
    data: (usize, &'a [u8]),
}

impl Chunk<'_> {
    fn valid(&self, i: usize) -> bool {
        self.validity
            .is_none_or(|bits| bit(bits, self.bit + i) == Some(true))
    }

    /// The `len` values of `width` bytes.
    fn slots(&self, width: usize) -> Option<&[u8]> {
        self.values.get(..self.len.checked_mul(width)?)
    }
}

/// Bit `i` of a bit buffer (least significant bit first).
fn bit(bits: &[u8], i: usize) -> Option<bool> {
    bits.get(i / 8).map(|b| b & (1 << (i % 8)) != 0)
}

/// The span of character data from the first to the last of `len + 1` string offsets.
fn text_span(offsets: &[u8], len: usize) -> Option<(usize, usize)> {
    let at = |k: usize| {
        let s = offsets.get(k.checked_mul(4)?..k.checked_mul(4)?.checked_add(4)?)?;
        usize::try_from(i32::from_le_bytes(s.try_into().ok()?)).ok()
    };
    let (from, to) = (at(0)?, at(len)?);
    (from <= to).then_some((from, to))
}

/// Holds the buffers of every column read while the GIL is held, so that they can be read
/// without it.
pub(super) struct Arena<'py> {
    owners: Vec<Owner<'py>>,
    /// `numpy.frombuffer`, when numpy is installed.
    frombuffer: Option<Bound<'py, PyAny>>,
}

/// One table's columns as [`Arena`] indices, each or why it cannot be read.
pub(super) struct TableRefs {
    table: &'static str,
    columns: Vec<(&'static str, Result<Vec<ChunkRef>, CoreError>)>,
}

impl<'py> Arena<'py> {
    pub(super) fn new(py: Python<'py>) -> Self {
        let frombuffer = py
            .import("numpy")
            .and_then(|np| np.getattr("frombuffer"))
            .ok();
        Self {
            owners: Vec::new(),
            frombuffer,
        }
    }

    /// Takes the buffers of `table`'s `columns`, each of one of its expected types.
    pub(super) fn table(
        &mut self,
        table: &'static str,
        arrays: &Bound<'py, PyDict>,
        columns: &[(&'static str, &[&'static str])],
    ) -> TableRefs {
        let columns = columns
            .iter()
            .map(|&(column, expected)| (column, self.column(table, arrays, column, expected)))
            .collect();
        TableRefs { table, columns }
    }

    fn column(
        &mut self,
        table: &str,
        arrays: &Bound<'py, PyDict>,
        column: &str,
        expected: &[&'static str],
    ) -> Result<Vec<ChunkRef>, CoreError> {
        let err = |e: PyErr| invalid(format!("{table}.{column}: cannot read the column: {e}"));
        let value = arrays
            .get_item(column)
            .map_err(err)?
            .ok_or_else(|| invalid(format!("{table} has no column {column:?}")))?;
        let arrays: Vec<Bound<'py, PyAny>> = match value.cast::<PyList>() {
            Ok(list) => list.iter().collect(),
            Err(_) => vec![value],
        };
        let mut chunks = Vec::with_capacity(arrays.len());
        for array in &arrays {
            let kind = array
                .getattr("type")
                .and_then(|t| t.str())
                .map_err(err)?
                .to_string();
            let Some(&kind) = expected.iter().find(|&&e| e == kind) else {
                return Err(invalid(format!(
                    "{table}.{column} is {kind}, expected {}",
                    expected.join(" or ")
                )));
            };
            let chunk = self.chunk(array, kind).map_err(err)?;
            chunks
                .push(chunk.ok_or_else(|| invalid(format!("{table}.{column}: bad text offsets")))?);
        }
        Ok(chunks)
    }

    /// The buffers of one array of type `kind`; `None` for string offsets out of order.
    fn chunk(
        &mut self,
        array: &Bound<'py, PyAny>,
        kind: &'static str,
    ) -> PyResult<Option<ChunkRef>> {
        let len = array.len()?;
        let offset: usize = array.getattr("offset")?.extract()?;
        let buffers = array.call_method0("buffers")?;
        let w = TYPES
            .iter()
            .find(|(k, _)| *k == kind)
            .map_or(16, |(_, w)| *w);
        let bit = offset % 8;
        let bits = (offset / 8, (bit + len).div_ceil(8));
        let values = match kind {
            "bool" => bits,
            "string" => (
                offset.saturating_mul(w),
                len.saturating_add(1).saturating_mul(w),
            ),
            _ => (offset.saturating_mul(w), len.saturating_mul(w)),
        };
        let validity = self.take(&buffers, 0, bits)?;
        let values = self.take(&buffers, 1, values)?;
        let data = match (kind, values) {
            ("string", Some(offsets)) => {
                let span = self
                    .owners
                    .get(offsets)
                    .and_then(|o| text_span(o.bytes(), len));
                let Some((from, to)) = span else {
                    return Ok(None);
                };
                self.take(&buffers, 2, (from, to - from))?
                    .map(|d| (from, d))
            }
            _ => None,
        };
        Ok(Some(ChunkRef {
            len,
            kind,
            bit,
            validity,
            values,
            data,
        }))
    }

    /// `size` bytes of buffer `i` from byte `from` (`None` for an absent buffer).
    fn take(
        &mut self,
        buffers: &Bound<'py, PyAny>,
        i: usize,
        (from, size): (usize, usize),
    ) -> PyResult<Option<usize>> {
        let buffer = buffers.get_item(i)?;
        if buffer.is_none() {
            return Ok(None);
        }
        let part = buffer.call_method1("slice", (from, size))?;
        let owner = match &self.frombuffer {
            Some(frombuffer) => Owner::View(frombuffer.call1((part, "u1"))?.extract()?),
            None => Owner::Copy(part.call_method0("to_pybytes")?.cast_into::<PyBytes>()?),
        };
        self.owners.push(owner);
        Ok(Some(self.owners.len() - 1))
    }

    fn bytes(&self, i: Option<usize>) -> Option<&[u8]> {
        i.and_then(|i| self.owners.get(i)).map(Owner::bytes)
    }
}

impl TableRefs {
    /// The table with its buffers borrowed from `arena`.
    pub(super) fn view<'a>(self, arena: &'a Arena<'_>) -> Table<'a> {
        let columns = self
            .columns
            .into_iter()
            .map(|(column, chunks)| {
                let chunks = chunks.map(|chunks| {
                    chunks
                        .into_iter()
                        .map(|c| Chunk {
                            len: c.len,
                            kind: c.kind,
                            bit: c.bit,
                            validity: arena.bytes(c.validity),
                            values: arena.bytes(c.values).unwrap_or_default(),
                            data: c
                                .data
                                .and_then(|(base, i)| Some((base, arena.bytes(Some(i))?)))
                                .unwrap_or_default(),
                        })
                        .collect()
                });
                (column, chunks)
            })
            .collect();
        Table {
            table: self.table,
            columns,
        }
    }
}

/// One table's columns, ready to decode without the GIL.
pub(super) struct Table<'a> {
    table: &'static str,
    columns: Vec<(&'static str, Result<Vec<Chunk<'a>>, CoreError>)>,
}

/// Decodes the columns of one table.
pub(super) struct Reader<'t, 'a> {
    table: &'static str,
    columns: &'t [(&'static str, Result<Vec<Chunk<'a>>, CoreError>)],
}

impl<'a> Table<'a> {
    pub(super) fn reader(&self) -> Reader<'_, 'a> {
        Reader {
            table: self.table,
            columns: &self.columns,
        }
    }
}

impl<'a> Reader<'_, 'a> {
    fn chunks(&self, column: &str) -> Result<&[Chunk<'a>], CoreError> {
        match self.columns.iter().find(|(c, _)| *c == column) {
            Some((_, Ok(chunks))) => Ok(chunks),
            Some((_, Err(e))) => Err(e.clone()),
            None => Err(invalid(format!("{} has no column {column:?}", self.table))),
        }
    }

    /// Walks the values of fixed `width` bytes over every chunk: `f(None)` for a null,
    /// `f(Some(bytes))` otherwise; `rows`, the number of values, goes along.
    fn walk(
        &self,
        column: &str,
        width: usize,
        mut f: impl FnMut(usize, Option<&[u8]>) -> Result<(), String>,
    ) -> Result<usize, CoreError> {
        let chunks = self.chunks(column)?;
        let rows = chunks.iter().map(|c| c.len).sum();
        let mut row = 0;
        for chunk in chunks {
            let values = chunk
                .slots(width)
                .ok_or_else(|| invalid(format!("{}.{column}: truncated buffer", self.table)))?;
            for (i, slot) in values.chunks_exact(width).enumerate() {
                let slot = (chunk.validity.is_none() || chunk.valid(i)).then_some(slot);
                f(rows, slot).map_err(|e| {
                    invalid(format!("{}.{column}, row {}: {e}", self.table, row + i))
                })?;
            }
            row += chunk.len;
        }
        Ok(row)
    }

    /// A nullable column, its values `W` bytes wide.
    fn optional<const W: usize, T>(
        &self,
        column: &str,
        decode: impl Fn([u8; W]) -> Result<T, String>,
    ) -> Result<Vec<Option<T>>, CoreError> {
        let mut out = Vec::new();
        self.walk(column, W, |rows, slot| {
            if out.capacity() == 0 {
                out.reserve_exact(rows);
            }
            let value = slot.map(|s| {
                <[u8; W]>::try_from(s)
                    .map_err(|_| "width".to_owned())
                    .and_then(&decode)
            });
            out.push(value.transpose()?);
            Ok(())
        })?;
        Ok(out)
    }

    /// A column without nulls, its values `W` bytes wide. (The width is a constant so that
    /// the decoding loop is compiled for it: this is most of the batch audit's reading.)
    fn values<const W: usize, T>(
        &self,
        column: &str,
        decode: impl Fn([u8; W]) -> Result<T, String>,
    ) -> Result<Vec<T>, CoreError> {
        let chunks = self.chunks(column)?;
        let mut out = Vec::with_capacity(chunks.iter().map(|c| c.len).sum());
        let mut row = 0;
        for chunk in chunks {
            let values = chunk
                .slots(W)
                .ok_or_else(|| invalid(format!("{}.{column}: truncated buffer", self.table)))?;
            let at = |i: usize, e: &str| {
                invalid(format!("{}.{column}, row {}: {e}", self.table, row + i))
            };
            for (i, slot) in values.chunks_exact(W).enumerate() {
                if chunk.validity.is_some() && !chunk.valid(i) {
                    return Err(at(i, "null in a column that must have a value"));
                }
                let bytes: [u8; W] = slot.try_into().map_err(|_| at(i, "width"))?;
                out.push(decode(bytes).map_err(|e| at(i, &e))?);
            }
            row += chunk.len;
        }
        Ok(out)
    }

    pub(super) fn opt_int(&self, column: &str) -> Result<Vec<Option<i64>>, CoreError> {
        self.optional(column, int64)
    }

    pub(super) fn int(&self, column: &str) -> Result<Vec<i64>, CoreError> {
        self.values(column, int64)
    }

    pub(super) fn count(&self, column: &str) -> Result<Vec<u32>, CoreError> {
        self.values(column, |s| {
            let v = int64(s)?;
            u32::try_from(v).map_err(|_| format!("{v} is not a count (0 to 4294967295)"))
        })
    }

    /// A flag: `bool`, or `int8` holding 0 or 1.
    pub(super) fn flag(&self, column: &str) -> Result<Vec<bool>, CoreError> {
        let chunks = self.chunks(column)?;
        let mut out = Vec::with_capacity(chunks.iter().map(|c| c.len).sum());
        let mut row = 0;
        for chunk in chunks {
            let at = |i: usize| -> Result<bool, String> {
                if !chunk.valid(i) {
                    return Err("null in a column that must have a value".to_owned());
                }
                match chunk.kind {
                    "bool" => bit(chunk.values, chunk.bit + i),
                    _ => match chunk.values.get(i) {
                        Some(0) => Some(false),
                        Some(1) => Some(true),
                        Some(_) => return Err("a flag is 0 or 1".to_owned()),
                        None => None,
                    },
                }
                .ok_or_else(|| "truncated buffer".to_owned())
            };
            for i in 0..chunk.len {
                out.push(at(i).map_err(|e| {
                    invalid(format!("{}.{column}, row {}: {e}", self.table, row + i))
                })?);
            }
            row += chunk.len;
        }
        Ok(out)
    }

    fn decimal(&self, column: &str, scale: u32) -> Result<Vec<Decimal>, CoreError> {
        self.values(column, |s| decimal128(s, scale))
    }

    pub(super) fn money(&self, column: &str) -> Result<Vec<Money>, CoreError> {
        self.values(column, |s| decimal128(s, 2).map(Money::from_decimal))
    }

    pub(super) fn rate(&self, column: &str) -> Result<Vec<Rate>, CoreError> {
        self.decimal(column, 8)?
            .into_iter()
            .map(Rate::from_percent)
            .collect()
    }

    pub(super) fn opt_date(&self, column: &str) -> Result<Vec<Option<NaiveDate>>, CoreError> {
        self.optional(column, date32)
    }

    pub(super) fn date(&self, column: &str) -> Result<Vec<NaiveDate>, CoreError> {
        self.values(column, date32)
    }

    /// A text column without nulls, its values laid end to end.
    pub(super) fn text(&self, column: &str) -> Result<Texts, CoreError> {
        let chunks = self.chunks(column)?;
        let mut out = Texts::default();
        out.ends.reserve_exact(chunks.iter().map(|c| c.len).sum());
        out.data
            .reserve_exact(chunks.iter().map(|c| c.data.1.len()).sum());
        let mut row = 0;
        for chunk in chunks {
            self.text_chunk(column, chunk, row, &mut out)?;
            row += chunk.len;
        }
        Ok(out)
    }

    /// The values of one chunk of a text column, whose first row is `row` of the column.
    fn text_chunk(
        &self,
        column: &str,
        chunk: &Chunk<'_>,
        row: usize,
        out: &mut Texts,
    ) -> Result<(), CoreError> {
        if chunk.len == 0 {
            return Ok(());
        }
        let (base, data) = chunk.data;
        let offsets = chunk
            .values
            .get(..(chunk.len + 1) * 4)
            .ok_or_else(|| invalid(format!("{}.{column}: truncated buffer", self.table)))?;
        let mut ends = offsets.chunks_exact(4).map(|s| {
            let o = i32::from_le_bytes(s.try_into().ok()?);
            usize::try_from(o).ok()?.checked_sub(base)
        });
        let mut from = ends.next().flatten();
        for i in 0..chunk.len {
            if !chunk.valid(i) {
                return Err(invalid(format!(
                    "{}.{column} is null in row {}",
                    self.table,
                    row + i
                )));
            }
            let to = ends.next().flatten();
            let text = from
                .zip(to)
                .and_then(|(a, b)| data.get(a..b))
                .and_then(|bytes| std::str::from_utf8(bytes).ok())
                .ok_or_else(|| {
                    invalid(format!(
                        "{}.{column}: bad text in row {}",
                        self.table,
                        row + i
                    ))
                })?;
            out.push(text);
            from = to;
        }
        Ok(())
    }
}

/// A text column: every value laid end to end in one string.
#[derive(Default)]
pub(super) struct Texts {
    data: String,
    ends: Vec<usize>,
}

impl Texts {
    fn push(&mut self, text: &str) {
        self.data.push_str(text);
        self.ends.push(self.data.len());
    }

    /// Value `i`.
    pub(super) fn get(&self, i: usize) -> Option<&str> {
        let from = match i.checked_sub(1) {
            Some(before) => *self.ends.get(before)?,
            None => 0,
        };
        self.data.get(from..*self.ends.get(i)?)
    }

    /// Number of values.
    pub(super) fn len(&self) -> usize {
        self.ends.len()
    }

    /// Every value, in order.
    pub(super) fn iter(&self) -> impl Iterator<Item = &str> {
        (0..self.len()).filter_map(|i| self.get(i))
    }
}

fn int64(s: [u8; 8]) -> Result<i64, String> {
    Ok(i64::from_le_bytes(s))
}

/// A decimal128 value: a 16-byte little-endian integer of `scale` places.
fn decimal128(s: [u8; 16], scale: u32) -> Result<Decimal, String> {
    let raw = i128::from_le_bytes(s);
    Decimal::try_from_i128_with_scale(raw, scale)
        .map_err(|_| format!("{raw}e-{scale} is outside the supported range"))
}

/// A date32 value: days since 1970-01-01, within the years 0001–9999.
fn date32(s: [u8; 4]) -> Result<NaiveDate, String> {
    let days = i32::from_le_bytes(s);
    // 719,163 days from 0001-01-01 (day 1) to 1970-01-01.
    days.checked_add(719_163)
        .and_then(NaiveDate::from_num_days_from_ce_opt)
        .filter(|d| (1..=9999).contains(&chrono::Datelike::year(d)))
        .ok_or_else(|| format!("day {days} is outside the years 0001-9999"))
}
