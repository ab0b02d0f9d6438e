//! Reading the columns of the legacy tables out of pyarrow arrays into the core's typed
//! columns (`windeep_core::audit::Column`).
//!
//! A column comes as one pyarrow Array or a list of them (the chunks of a table's column,
//! passed without concatenating them), or as a list of `str`/`None` (raw cells: a CSV file, a
//! dump). Reading happens in two steps:
//!
//! 1. With the GIL held, [`Arena::table`] checks each chunk's type and takes its buffers, cut
//!    to the chunk's own values, as read-only numpy views of the Arrow memory
//!    (`numpy.frombuffer`, no copy), or as `bytes` copies when numpy is not installed.
//! 2. Without the GIL, [`decode`] turns the bytes into the core's column values, one value per
//!    cell and no Python object. What each cell means is the core's business.

use numpy::PyReadonlyArray1;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList};
use windeep_core::CoreError;
use windeep_core::audit::{Column, ColumnTable, ColumnValues};

pub(super) fn invalid(reason: String) -> CoreError {
    CoreError::InvalidInput { reason }
}

/// The kinds of Arrow arrays read here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ArrowKind {
    Int64,
    Bool,
    Date32,
    /// `decimal128(p, scale)`.
    Decimal(u32),
    Double,
    Utf8,
}

impl ArrowKind {
    /// The kind of an Arrow type as pyarrow writes it (`decimal128(15, 2)`, `date32[day]`).
    fn of(name: &str) -> Option<Self> {
        Some(match name {
            "int64" => Self::Int64,
            "bool" => Self::Bool,
            "date32[day]" => Self::Date32,
            "double" => Self::Double,
            "string" => Self::Utf8,
            _ => {
                let inner = name.strip_prefix("decimal128(")?.strip_suffix(')')?;
                let (_, scale) = inner.split_once(',')?;
                Self::Decimal(scale.trim().parse().ok()?)
            }
        })
    }

    /// Width of a value in bytes (0: a bit; for text, of one of the `len + 1` offsets).
    fn width(self) -> usize {
        match self {
            Self::Bool => 0,
            Self::Int64 | Self::Double => 8,
            Self::Date32 | Self::Utf8 => 4,
            Self::Decimal(_) => 16,
        }
    }
}

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
    kind: ArrowKind,
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
    kind: ArrowKind,
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

/// One column before its buffers are borrowed.
enum ColumnRef {
    Arrow(Vec<ChunkRef>),
    Cells(Vec<Option<String>>),
}

/// One table's columns as [`Arena`] indices, each or why it cannot be read.
pub(super) struct TableRefs {
    table: &'static str,
    columns: Vec<(String, Result<ColumnRef, CoreError>)>,
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

    /// Takes the buffers (or the raw cells) of every column of `table`: a dict of column
    /// name to an Arrow array, a list of Arrow arrays (chunks), or a list of `str`/`None`.
    pub(super) fn table(&mut self, table: &'static str, arrays: &Bound<'py, PyDict>) -> TableRefs {
        let columns = arrays
            .iter()
            .map(|(name, value)| {
                let name = name.str().map_or_else(|_| String::new(), |n| n.to_string());
                let column = self.column(table, &name, &value);
                (name, column)
            })
            .collect();
        TableRefs { table, columns }
    }

    fn column(
        &mut self,
        table: &str,
        column: &str,
        value: &Bound<'py, PyAny>,
    ) -> Result<ColumnRef, CoreError> {
        let err = |e: PyErr| invalid(format!("{table}.{column}: cannot read the column: {e}"));
        let arrays: Vec<Bound<'py, PyAny>> = match value.cast::<PyList>() {
            Ok(list) => list.iter().collect(),
            Err(_) => vec![value.clone()],
        };
        let is_text =
            |a: &Bound<'py, PyAny>| a.is_none() || a.is_instance_of::<pyo3::types::PyString>();
        if value.cast::<PyList>().is_ok() && arrays.iter().all(is_text) {
            return value
                .extract::<Vec<Option<String>>>()
                .map(ColumnRef::Cells)
                .map_err(err);
        }
        let mut chunks = Vec::with_capacity(arrays.len());
        for array in &arrays {
            let name = array
                .getattr("type")
                .and_then(|t| t.str())
                .map_err(err)?
                .to_string();
            let Some(kind) = ArrowKind::of(&name) else {
                return Err(invalid(format!(
                    "{table}.{column} is {name}, which the audit does not read"
                )));
            };
            let chunk = self.chunk(array, kind).map_err(err)?;
            chunks
                .push(chunk.ok_or_else(|| invalid(format!("{table}.{column}: bad text offsets")))?);
        }
        if chunks
            .windows(2)
            .any(|w| w.first().map(|c| c.kind) != w.get(1).map(|c| c.kind))
        {
            return Err(invalid(format!(
                "{table}.{column}: chunks of different types"
            )));
        }
        Ok(ColumnRef::Arrow(chunks))
    }

    /// The buffers of one array of type `kind`; `None` for string offsets out of order.
    fn chunk(&mut self, array: &Bound<'py, PyAny>, kind: ArrowKind) -> PyResult<Option<ChunkRef>> {
        let len = array.len()?;
        let offset: usize = array.getattr("offset")?.extract()?;
        let buffers = array.call_method0("buffers")?;
        let w = kind.width();
        let bit = offset % 8;
        let bits = (offset / 8, (bit + len).div_ceil(8));
        let values = match kind {
            ArrowKind::Bool => bits,
            ArrowKind::Utf8 => (
                offset.saturating_mul(w),
                len.saturating_add(1).saturating_mul(w),
            ),
            _ => (offset.saturating_mul(w), len.saturating_mul(w)),
        };
        let validity = self.take(&buffers, 0, bits)?;
        let values = self.take(&buffers, 1, values)?;
        let data = match (kind, values) {
            (ArrowKind::Utf8, Some(offsets)) => {
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
            .map(|(name, column)| {
                let column = column.map(|column| match column {
                    ColumnRef::Cells(cells) => ColumnView::Cells(cells),
                    ColumnRef::Arrow(chunks) => ColumnView::Arrow(
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
                            .collect(),
                    ),
                });
                (name, column)
            })
            .collect();
        Table {
            table: self.table,
            columns,
        }
    }
}

/// One column, ready to decode without the GIL.
enum ColumnView<'a> {
    Arrow(Vec<Chunk<'a>>),
    Cells(Vec<Option<String>>),
}

/// One table's columns, ready to decode without the GIL.
pub(super) struct Table<'a> {
    table: &'static str,
    columns: Vec<(String, Result<ColumnView<'a>, CoreError>)>,
}

impl Table<'_> {
    /// The core's typed table: every column decoded.
    ///
    /// # Errors
    /// `E_INVALID_INPUT` for a column that could not be taken, a truncated buffer, or columns
    /// of different lengths.
    pub(super) fn decode(self) -> Result<ColumnTable, CoreError> {
        let mut decoded = Vec::with_capacity(self.columns.len());
        for (name, column) in self.columns {
            let column = match column? {
                ColumnView::Cells(cells) => Column::new(ColumnValues::Cells(cells), None),
                ColumnView::Arrow(chunks) => decode(&chunks)
                    .ok_or_else(|| invalid(format!("{}.{name}: truncated buffer", self.table)))?,
            };
            decoded.push((name, column));
        }
        let rows = decoded.first().map_or(0, |(_, c)| c.len());
        let mut table = ColumnTable::new(rows);
        for (name, column) in decoded {
            table.push(&name, column).map_err(|e| match e {
                CoreError::InvalidInput { reason } => invalid(format!("{}: {reason}", self.table)),
                e => e,
            })?;
        }
        Ok(table)
    }
}

/// The validity of every chunk's cells, when any chunk has nulls.
fn validity(chunks: &[Chunk<'_>]) -> Option<Vec<bool>> {
    if chunks.iter().all(|c| c.validity.is_none()) {
        return None;
    }
    let mut out = Vec::with_capacity(chunks.iter().map(|c| c.len).sum());
    for c in chunks {
        out.extend((0..c.len).map(|i| c.valid(i)));
    }
    Some(out)
}

/// The values of fixed width `W` of every chunk, each decoded by `f`.
fn fixed<const W: usize, T>(chunks: &[Chunk<'_>], f: impl Fn([u8; W]) -> T) -> Option<Vec<T>> {
    let mut out = Vec::with_capacity(chunks.iter().map(|c| c.len).sum());
    for c in chunks {
        let values = c.slots(W)?;
        // `chunks_exact` gives slots of exactly `W` bytes, so the conversion cannot fail;
        // one `extend` per chunk lets the copy run without a check per value.
        out.extend(
            values
                .chunks_exact(W)
                .map(|slot| f(<[u8; W]>::try_from(slot).unwrap_or([0; W]))),
        );
    }
    Some(out)
}

/// The `decimal128` values of every chunk in 64 bits (`Some(None)` when one does not fit
/// and the column must be read in 128 bits; `None` for a truncated buffer). Money in minor
/// units fits 64 bits up to 92 million crore, so a book is read at half the memory.
fn narrow(chunks: &[Chunk<'_>]) -> Option<Option<Vec<i64>>> {
    let mut out = Vec::with_capacity(chunks.iter().map(|c| c.len).sum());
    for c in chunks {
        let values = c.slots(16)?;
        let before = out.len();
        // Every slot is checked, a null's too, so the 64-bit values are the 128-bit ones.
        out.extend(
            values
                .chunks_exact(16)
                .map(|slot| i128::from_le_bytes(<[u8; 16]>::try_from(slot).unwrap_or([0; 16])))
                .map_while(|v| i64::try_from(v).ok()),
        );
        if out.len() - before != c.len {
            return Some(None);
        }
    }
    Some(Some(out))
}

/// One column's chunks as the core's column; `None` for a truncated buffer.
fn decode(chunks: &[Chunk<'_>]) -> Option<Column> {
    let Some(first) = chunks.first() else {
        return Some(Column::new(ColumnValues::Cells(Vec::new()), None));
    };
    let valid = validity(chunks);
    let values = match first.kind {
        ArrowKind::Int64 => ColumnValues::Int(fixed(chunks, i64::from_le_bytes)?),
        ArrowKind::Date32 => ColumnValues::Days(fixed(chunks, i32::from_le_bytes)?),
        ArrowKind::Decimal(scale) => match narrow(chunks)? {
            Some(units) => ColumnValues::Decimal64 { units, scale },
            None => ColumnValues::Decimal {
                units: fixed(chunks, i128::from_le_bytes)?,
                scale,
            },
        },
        ArrowKind::Double => {
            // A float column's nulls are NaN, as pandas holds them.
            let mut values = fixed(chunks, f64::from_le_bytes)?;
            if let Some(valid) = &valid {
                for (v, ok) in values.iter_mut().zip(valid) {
                    if !ok {
                        *v = f64::NAN;
                    }
                }
            }
            return Some(Column::new(ColumnValues::Float(values), None));
        }
        ArrowKind::Bool => {
            let mut out = Vec::with_capacity(chunks.iter().map(|c| c.len).sum());
            for c in chunks {
                for i in 0..c.len {
                    out.push(bit(c.values, c.bit + i)?);
                }
            }
            ColumnValues::Bool(out)
        }
        ArrowKind::Utf8 => {
            let mut data = String::with_capacity(chunks.iter().map(|c| c.data.1.len()).sum());
            let mut ends = Vec::with_capacity(chunks.iter().map(|c| c.len).sum());
            for c in chunks {
                text_chunk(c, &mut data, &mut ends)?;
            }
            ColumnValues::Text { data, ends }
        }
    };
    Some(Column::new(values, valid))
}

/// Appends the values of one text chunk (a null's value is empty).
fn text_chunk(chunk: &Chunk<'_>, data: &mut String, ends: &mut Vec<usize>) -> Option<()> {
    if chunk.len == 0 {
        return Some(());
    }
    let (base, bytes) = chunk.data;
    let offsets = chunk.values.get(..(chunk.len + 1) * 4)?;
    let mut at = offsets.chunks_exact(4).map(|s| {
        let o = i32::from_le_bytes(s.try_into().ok()?);
        usize::try_from(o).ok()?.checked_sub(base)
    });
    let mut from = at.next().flatten()?;
    // The chunk's text is valid UTF-8 as a whole (Arrow's string type), so each value is.
    let all = std::str::from_utf8(bytes).ok()?;
    for _ in 0..chunk.len {
        let to = at.next().flatten()?;
        data.push_str(all.get(from..to)?);
        ends.push(data.len());
        from = to;
    }
    Some(())
}
