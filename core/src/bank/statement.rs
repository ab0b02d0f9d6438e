//! Reading a statement: CSV (streamed from any reader) or XLSX (from bytes), the header row,
//! and each following row as a transaction, a rejected row or a skipped line.

use std::io::{Cursor, Read};

use calamine::{DataRef, Reader as _, Xlsx};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::Direction;
use super::columns::{AmountColumns, ColumnSpec, Columns, LayoutReport, Wanted, report, wanted};
use super::fields::{
    AmountCell, AmountProblem, normalise_header, parse_statement_amount, parse_statement_date, trim,
};
use super::limits::{
    self, Decoded, MAX_CELL_BYTES, MAX_COLUMNS, MAX_LINE_BYTES, MAX_ROWS, MAX_SHEET_ROWS,
    MAX_SHEET_TEXT_BYTES,
};
use crate::decimal::pad;
use crate::error::{CoreError, Result};
use crate::money::{Currency, Money};

/// How many rows from the top are searched for the header row.
pub const HEADER_SEARCH_ROWS: u64 = 50;

/// The file format of a statement.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// Comma- (or otherwise) separated text, UTF-8 (invalid bytes are replaced).
    #[default]
    Csv,
    /// An Excel 2007+ workbook.
    Xlsx,
}

/// How the columns are found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum LayoutChoice {
    /// By header names (the union of every preset's names and common synonyms).
    #[default]
    Detect,
    /// A named preset (`sbi`, `hdfc`, `icici`, `axis`, `kotak`, `windeep`).
    Preset(String),
    /// An explicit mapping of fields to header texts.
    Columns(ColumnSpec),
}

/// Options for reading a statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementOptions {
    /// How the columns are found.
    pub layout: LayoutChoice,
    /// The CSV field delimiter (`b','` by default).
    pub delimiter: u8,
    /// The XLSX sheet to read (the first one when None).
    pub sheet: Option<String>,
    /// The account's currency: amounts may have at most its number of decimals.
    pub currency: Currency,
}

impl Default for StatementOptions {
    fn default() -> Self {
        Self {
            layout: LayoutChoice::Detect,
            delimiter: b',',
            sheet: None,
            currency: Currency::inr(),
        }
    }
}

impl StatementOptions {
    /// Checks the options that do not depend on the statement: the delimiter is one ASCII
    /// byte other than a quote, a line break or a letter or digit; the currency is valid.
    /// Every reader calls it before reading.
    ///
    /// # Errors
    /// `E_INVALID_INPUT` for a delimiter that cannot separate cells; `E_INVALID_CURRENCY`.
    ///
    /// # Example
    /// ```
    /// use windeep_core::bank::StatementOptions;
    /// assert!(StatementOptions::default().validate().is_ok());
    /// let quote = StatementOptions { delimiter: b'"', ..StatementOptions::default() };
    /// assert_eq!(quote.validate().unwrap_err().code(), "E_INVALID_INPUT");
    /// ```
    pub fn validate(&self) -> Result<()> {
        let d = self.delimiter;
        if !d.is_ascii() || matches!(d, b'"' | b'\n' | b'\r') || d.is_ascii_alphanumeric() {
            return Err(CoreError::InvalidInput {
                reason: format!(
                    "delimiter {:?} must be one ASCII character other than a quote, a line break, \
                     a letter or a digit",
                    char::from(d)
                ),
            });
        }
        self.currency.validate()
    }
}

/// One transaction line of a statement, before it gets its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportLine {
    /// Transaction date.
    pub date: NaiveDate,
    /// Value date.
    pub value_date: Option<NaiveDate>,
    /// Narration (narration columns joined by a space, each trimmed).
    pub narration: String,
    /// The reference column's text, when present and not empty.
    pub reference: Option<String>,
    /// Credit or debit.
    pub direction: Direction,
    /// Positive amount at the currency's scale.
    pub amount: Money,
    /// Running balance at the currency's scale (negative when overdrawn).
    pub balance: Option<Money>,
}

/// Why a row was rejected, as a stable word.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Problem {
    /// The date cell is empty but the row has an amount.
    MissingDate,
    /// The date cell is not a date.
    InvalidDate,
    /// The value date cell is not a date.
    InvalidValueDate,
    /// An amount cell is not a number.
    InvalidAmount,
    /// An amount has more decimals than the currency.
    AmountScale,
    /// An amount is beyond ±10^12.
    AmountOutOfRange,
    /// Neither a debit nor a credit amount (or a zero amount).
    NoAmount,
    /// Both a debit and a credit amount.
    BothAmounts,
    /// The direction cannot be told or contradicts itself (a negative deposit, `Dr` in the
    /// credit column, an unknown indicator).
    InvalidDirection,
    /// The balance cell is not an amount.
    InvalidBalance,
}

/// What one row after the header is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParsedRow {
    /// A transaction.
    Line(ImportLine),
    /// A row that looks like a transaction but cannot be read.
    Rejected {
        /// The stable word.
        problem: Problem,
        /// What is wrong, naming the cell.
        reason: String,
    },
    /// A line that is not a transaction (text, a balance line, a repeated header, the footer).
    Skipped {
        /// Why.
        reason: &'static str,
    },
    /// An empty row.
    Blank,
}

/// One raw row, reused from row to row: its number and its cells, stored end to end in one
/// string (`ends` holds where each cell ends).
#[derive(Debug, Default)]
struct Record {
    number: u64,
    text: String,
    ends: Vec<usize>,
}

/// The cells of a [`Record`], read in place.
#[derive(Debug, Clone, Copy)]
struct Cells<'a> {
    text: &'a str,
    ends: &'a [usize],
}

impl<'a> Cells<'a> {
    fn len(self) -> usize {
        self.ends.len()
    }

    /// Cell `i`, or None past the last one.
    fn get(self, i: usize) -> Option<&'a str> {
        let to = *self.ends.get(i)?;
        let from = match i.checked_sub(1) {
            Some(before) => *self.ends.get(before)?,
            None => 0,
        };
        Some(self.text.get(from..to).unwrap_or_default())
    }

    fn iter(self) -> impl Iterator<Item = &'a str> {
        let mut from = 0;
        self.ends.iter().map(move |&to| {
            let cell = self.text.get(from..to).unwrap_or_default();
            from = to;
            cell
        })
    }
}

impl Record {
    fn cells(&self) -> Cells<'_> {
        Cells {
            text: &self.text,
            ends: &self.ends,
        }
    }

    fn push(&mut self, cell: &str) {
        self.text.push_str(cell);
        self.ends.push(self.text.len());
    }
}

/// A source of raw rows.
trait Rows {
    /// Fills `record` with the next row; None at the end.
    fn next_row(&mut self, record: &mut Record) -> Option<Result<()>>;
}

/// CSV records with the line each starts on (blank lines and line breaks inside quoted
/// fields counted; `\r\n`, `\n` and a lone `\r` each end a line), read with csv-core so
/// that the numbering is exact whatever the line endings.
///
/// A record that is one plain line (no quote, valid UTF-8, the whole line in the buffer) is
/// split at its delimiters directly; csv-core, which would read it the same way, is left
/// between records, where it already was.
struct CsvRows<R: Read> {
    input: Decoded<R>,
    /// Records read so far.
    rows: u64,
    core: csv_core::Reader,
    /// The delimiter, when plain lines may be split without csv-core (an ASCII byte other
    /// than a quote or a line break).
    plain: Option<u8>,
    /// Where the delimiters of a plain line are, reused from line to line.
    cuts: Vec<usize>,
    /// Whether csv-core has returned a record and read nothing since (it always reads the
    /// first record itself, so it sees the start of the file and its byte-order mark).
    between: bool,
    buf: Vec<u8>,
    pos: usize,
    len: usize,
    eof: bool,
    line: u64,
    prev_cr: bool,
    out: Vec<u8>,
    ends: Vec<usize>,
}

impl<R: Read> CsvRows<R> {
    fn new(input: R, delimiter: u8) -> Self {
        Self {
            input: Decoded::new(input),
            rows: 0,
            core: csv_core::ReaderBuilder::new().delimiter(delimiter).build(),
            plain: (delimiter.is_ascii() && !matches!(delimiter, b'"' | b'\r' | b'\n'))
                .then_some(delimiter),
            cuts: Vec::with_capacity(64),
            between: false,
            buf: vec![0; 1 << 16],
            pos: 0,
            len: 0,
            eof: false,
            line: 1,
            prev_cr: false,
            out: vec![0; 1 << 12],
            ends: vec![0; 64],
        }
    }

    fn refill(&mut self) -> Result<()> {
        loop {
            match self.input.read(&mut self.buf) {
                Ok(0) => {
                    self.eof = true;
                    break;
                }
                Ok(n) => {
                    self.pos = 0;
                    self.len = n;
                    break;
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(limits::io_error(&e, self.line)),
            }
        }
        Ok(())
    }

    /// Reads the next record when it is one plain line: it starts at once (no blank line
    /// before it), has no quote, ends with `\n` or `\r` inside the buffer and is valid UTF-8.
    /// csv-core would give exactly its delimiter-separated parts, and would be left between
    /// records again. Returns false, having read nothing, for any other record.
    fn plain_row(&mut self, delimiter: u8, record: &mut Record) -> bool {
        let mut rest = self.buf.get(self.pos..self.len).unwrap_or_default();
        let mut skip = 0;
        if self.prev_cr && rest.first() == Some(&b'\n') {
            // the rest of a `\r\n`: csv-core drops it and it starts no line
            rest = rest.get(1..).unwrap_or_default();
            skip = 1;
        }
        self.cuts.clear();
        let end = scan_line(rest, delimiter, &mut self.cuts);
        let Some((end, b'\n' | b'\r')) = end.filter(|&(end, _)| end > 0) else {
            return false;
        };
        if end > MAX_CELL_BYTES || self.cuts.len() >= MAX_COLUMNS {
            // maybe beyond a limit: csv-core's path checks exactly
            return false;
        }
        let Some(line) = rest
            .get(..end)
            .and_then(|line| std::str::from_utf8(line).ok())
        else {
            return false;
        };
        let term = rest.get(end).copied();
        record.number = self.line;
        record.text.clear();
        record.ends.clear();
        let mut from = 0;
        for &cut in self.cuts.iter().chain(std::iter::once(&end)) {
            // the delimiter is ASCII, so every cut is at a character boundary
            record.push(line.get(from..cut).unwrap_or_default());
            from = cut.saturating_add(1);
        }
        self.pos = self.pos.saturating_add(skip + end + 1);
        self.line = self.line.saturating_add(1);
        self.prev_cr = term == Some(b'\r');
        true
    }
}

/// Eight copies of a byte.
const fn splat(b: u8) -> u64 {
    u64::from_ne_bytes([b; 8])
}

/// The bytes of `word` that are zero, as their high bits (exact: no borrow between bytes).
fn zero_bytes(word: u64) -> u64 {
    const LOW7: u64 = splat(0x7f);
    !(((word & LOW7).wrapping_add(LOW7)) | word | LOW7)
}

/// Finds where a line ends (the first `\n`, `\r` or quote, and which) and notes the position of
/// every delimiter before it in `cuts`; eight bytes at a time.
fn scan_line(bytes: &[u8], delimiter: u8, cuts: &mut Vec<usize>) -> Option<(usize, u8)> {
    let mut chunks = bytes.chunks_exact(8);
    let mut at = 0;
    for chunk in &mut chunks {
        let mut word = [0; 8];
        word.copy_from_slice(chunk);
        let word = u64::from_le_bytes(word);
        let stops = zero_bytes(word ^ splat(b'\n'))
            | zero_bytes(word ^ splat(b'\r'))
            | zero_bytes(word ^ splat(b'"'));
        let mut delimiters = zero_bytes(word ^ splat(delimiter));
        if stops != 0 {
            // little-endian: the lowest bit is the first byte
            let stop = (stops.trailing_zeros() / 8) as usize;
            delimiters &= (1_u64 << (stop * 8)).wrapping_sub(1);
            push_cuts(cuts, at, delimiters);
            let end = at + stop;
            return bytes.get(end).map(|&b| (end, b));
        }
        push_cuts(cuts, at, delimiters);
        at += 8;
    }
    for (i, &b) in chunks.remainder().iter().enumerate() {
        if b == delimiter {
            cuts.push(at + i);
        } else if matches!(b, b'\n' | b'\r' | b'"') {
            return Some((at + i, b));
        }
    }
    None
}

/// Notes the delimiters flagged in `found` (high bits of a word read at `at`).
fn push_cuts(cuts: &mut Vec<usize>, at: usize, mut found: u64) {
    while found != 0 {
        cuts.push(at + (found.trailing_zeros() / 8) as usize);
        found &= found - 1;
    }
}

impl<R: Read> Rows for CsvRows<R> {
    fn next_row(&mut self, record: &mut Record) -> Option<Result<()>> {
        let next = self.next_record(record);
        if matches!(next, Some(Ok(()))) {
            self.rows += 1;
            if self.rows > MAX_ROWS {
                return Some(Err(CoreError::StatementTooManyRows {
                    reason: format!("more than {MAX_ROWS} rows"),
                }));
            }
        }
        next
    }
}

impl<R: Read> CsvRows<R> {
    fn next_record(&mut self, record: &mut Record) -> Option<Result<()>> {
        use csv_core::ReadRecordResult as R;
        if self.between
            && let Some(delimiter) = self.plain
        {
            if self.pos >= self.len
                && !self.eof
                && let Err(e) = self.refill()
            {
                return Some(Err(e));
            }
            if self.plain_row(delimiter, record) {
                return Some(Ok(()));
            }
        }
        self.between = false;
        let (mut nout, mut nends) = (0, 0);
        let mut start = None;
        loop {
            if self.pos >= self.len
                && !self.eof
                && let Err(e) = self.refill()
            {
                return Some(Err(e));
            }
            let input = self.buf.get(self.pos..self.len).unwrap_or_default();
            let (res, nin, o, e) = self.core.read_record(
                input,
                self.out.get_mut(nout..).unwrap_or_default(),
                self.ends.get_mut(nends..).unwrap_or_default(),
            );
            for &b in input.get(..nin).unwrap_or_default() {
                if start.is_none() && b != b'\n' && b != b'\r' {
                    start = Some(self.line);
                }
                match b {
                    b'\r' => self.line = self.line.saturating_add(1),
                    b'\n' if !self.prev_cr => self.line = self.line.saturating_add(1),
                    _ => {}
                }
                self.prev_cr = b == b'\r';
            }
            self.pos = self.pos.saturating_add(nin);
            nout = nout.saturating_add(o);
            nends = nends.saturating_add(e);
            match res {
                R::InputEmpty => {}
                R::OutputFull => {
                    if self.out.len() >= MAX_LINE_BYTES {
                        return Some(Err(CoreError::StatementLineTooLong {
                            reason: format!(
                                "the record starting on line {} is longer than \
                                 {MAX_LINE_BYTES} bytes",
                                start.unwrap_or(self.line)
                            ),
                        }));
                    }
                    let n = self.out.len().saturating_mul(2);
                    self.out.resize(n, 0);
                }
                R::OutputEndsFull => {
                    if self.ends.len() >= MAX_COLUMNS {
                        return Some(Err(CoreError::StatementTooManyColumns {
                            reason: format!(
                                "the record starting on line {} has more than {MAX_COLUMNS} cells",
                                start.unwrap_or(self.line)
                            ),
                        }));
                    }
                    let n = self.ends.len().saturating_mul(2);
                    self.ends.resize(n, 0);
                }
                R::Record => {
                    self.between = true;
                    record.number = start.unwrap_or(self.line);
                    record.text.clear();
                    record.ends.clear();
                    let bytes = self.out.get(..nout).unwrap_or_default();
                    let ends = self.ends.get(..nends).unwrap_or_default();
                    let mut from = 0;
                    for &to in ends {
                        if to.saturating_sub(from) > MAX_CELL_BYTES {
                            return Some(Err(CoreError::StatementCellTooLong {
                                reason: format!(
                                    "a cell of the record on line {} is longer than \
                                     {MAX_CELL_BYTES} bytes",
                                    record.number
                                ),
                            }));
                        }
                        from = to;
                    }
                    if let Ok(text) = std::str::from_utf8(bytes) {
                        // valid UTF-8 as a whole: cell boundaries are byte offsets, but one
                        // may still split a character; check each cell as it is cut
                        if ends.iter().all(|&e| text.is_char_boundary(e)) {
                            record.text.push_str(text);
                            record.ends.extend_from_slice(ends);
                            return Some(Ok(()));
                        }
                    }
                    let mut from = 0;
                    for &to in ends {
                        let field = bytes.get(from..to).unwrap_or_default();
                        record.push(&String::from_utf8_lossy(field));
                        from = to;
                    }
                    return Some(Ok(()));
                }
                R::End => return None,
            }
        }
    }
}

/// The rows of a sheet, from its cells with a value sorted by position: every row from the
/// first to the last that has one (rows between without a cell are empty), each as wide as the
/// widest row (as calamine's ranges are).
struct XlsxRows {
    cells: std::vec::IntoIter<(u32, u32, String)>,
    peeked: Option<(u32, u32, String)>,
    next_row: u32,
    last_row: u32,
    width: u32,
}

impl Rows for XlsxRows {
    fn next_row(&mut self, record: &mut Record) -> Option<Result<()>> {
        if self.next_row > self.last_row {
            return None;
        }
        let row = self.next_row;
        self.next_row += 1;
        record.number = u64::from(row) + 1;
        record.text.clear();
        record.ends.clear();
        let mut col = 0;
        loop {
            if self.peeked.is_none() {
                self.peeked = self.cells.next();
            }
            match self.peeked.take() {
                Some((r, c, text)) if r == row => {
                    while col < c {
                        record.push("");
                        col += 1;
                    }
                    record.push(&text);
                    col += 1;
                }
                other => {
                    self.peeked = other;
                    break;
                }
            }
        }
        while col < self.width {
            record.push("");
            col += 1;
        }
        Some(Ok(()))
    }
}

/// Reads a statement row by row after locating its header.
///
/// Built by [`csv_reader`] or [`xlsx_reader`]; iterate it to get `(row number, ParsedRow)`.
pub struct StatementReader<'a> {
    rows: Box<dyn Rows + 'a>,
    record: Record,
    columns: Columns,
    header_norm: Vec<String>,
    layout: LayoutReport,
    currency: Currency,
    footer: bool,
}

impl std::fmt::Debug for StatementReader<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StatementReader")
            .field("layout", &self.layout)
            .finish_non_exhaustive()
    }
}

/// Opens a CSV statement streamed from `reader` and locates its header row.
///
/// # Errors
/// `E_UNKNOWN_PRESET`, `E_INVALID_COLUMNS` for bad options; `E_STATEMENT_UNREADABLE` when the
/// reader fails; `E_STATEMENT_HEADER_NOT_FOUND` when none of the first
/// [`HEADER_SEARCH_ROWS`] rows is the header.
pub fn csv_reader<'a, R: Read + 'a>(
    reader: R,
    options: &StatementOptions,
) -> Result<StatementReader<'a>> {
    StatementReader::open(Box::new(CsvRows::new(reader, options.delimiter)), options)
}

/// Opens an XLSX statement from its bytes (the first sheet, or `options.sheet`) and locates
/// its header row.
///
/// Cells are read as text: a text cell as it is; a number through its shortest exact decimal
/// spelling (the digits Excel stored, e.g. `1234.5`), so that an amount with more decimals
/// than the currency (`0.30000000000000004`) is rejected rather than rounded; a date cell as
/// its calendar date.
///
/// # Errors
/// As [`csv_reader`]; `E_STATEMENT_UNREADABLE` when the bytes are not a workbook or the sheet
/// is missing.
pub fn xlsx_reader(bytes: &[u8], options: &StatementOptions) -> Result<StatementReader<'static>> {
    let unreadable = |reason: String| CoreError::StatementUnreadable { reason };
    limits::check_zip(bytes)?;
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes))
        .map_err(|e| unreadable(format!("not an XLSX workbook: {e}")))?;
    let names = book.sheet_names();
    let sheet = match &options.sheet {
        Some(s) if names.contains(s) => s.clone(),
        Some(s) => return Err(unreadable(format!("the workbook has no sheet {s:?}"))),
        None => names
            .first()
            .cloned()
            .ok_or_else(|| unreadable("the workbook has no sheet".to_owned()))?,
    };
    // Cell by cell, never through the sheet's declared dimension or a dense range: a sheet
    // whose cells span A1:XFD1048576 costs what its cells cost, or is refused.
    let mut reader = book
        .worksheet_cells_reader(&sheet)
        .map_err(|e| unreadable(format!("sheet {sheet:?}: {e}")))?;
    let mut cells: Vec<(u32, u32, String)> = Vec::new();
    let mut text_bytes: usize = 0;
    let max_col = u32::try_from(MAX_COLUMNS).unwrap_or(u32::MAX);
    while let Some(cell) = reader
        .next_cell()
        .map_err(|e| unreadable(format!("sheet {sheet:?}: {e}")))?
    {
        let value = cell.get_value();
        if matches!(value, DataRef::Empty) {
            continue;
        }
        let (row, col) = cell.get_position();
        if row >= MAX_SHEET_ROWS || col >= max_col {
            return Err(CoreError::StatementSheetTooLarge {
                reason: format!(
                    "sheet {sheet:?} has a cell at row {}, column {} (at most {MAX_SHEET_ROWS} \
                     rows and {MAX_COLUMNS} columns are read)",
                    u64::from(row) + 1,
                    u64::from(col) + 1
                ),
            });
        }
        let text = cell_text(value)?;
        // each cell costs its text and its slot
        text_bytes = text_bytes.saturating_add(text.len() + 32);
        if text_bytes > MAX_SHEET_TEXT_BYTES {
            return Err(CoreError::StatementSheetTooLarge {
                reason: format!(
                    "sheet {sheet:?} holds more than {MAX_SHEET_TEXT_BYTES} bytes of cell text"
                ),
            });
        }
        cells.push((row, col, text));
    }
    drop(reader);
    // sorted by position; of two values at one position the later one counts (as in calamine)
    cells.reverse();
    cells.sort_by_key(|&(r, c, _)| (r, c));
    cells.dedup_by(|a, b| (a.0, a.1) == (b.0, b.1));
    let rows_with_cells = cells
        .windows(2)
        .filter(|w| w.first().map(|a| a.0) != w.get(1).map(|b| b.0))
        .count()
        + usize::from(!cells.is_empty());
    if rows_with_cells as u64 > MAX_ROWS {
        return Err(CoreError::StatementTooManyRows {
            reason: format!("sheet {sheet:?} has more than {MAX_ROWS} rows"),
        });
    }
    let first_row = cells.first().map_or(1, |c| c.0);
    let last_row = cells.last().map_or(0, |c| c.0);
    let width = cells.iter().map(|c| c.1 + 1).max().unwrap_or(0);
    StatementReader::open(
        Box::new(XlsxRows {
            cells: cells.into_iter(),
            peeked: None,
            next_row: first_row,
            last_row,
            width,
        }),
        options,
    )
}

/// The text of a spreadsheet cell (see [`xlsx_reader`]).
///
/// # Errors
/// `E_STATEMENT_CELL_TOO_LONG` for text longer than [`MAX_CELL_BYTES`] (checked before a shared
/// string is copied).
fn cell_text(cell: &DataRef<'_>) -> Result<String> {
    let long = |s: &str| {
        (s.len() > MAX_CELL_BYTES).then(|| CoreError::StatementCellTooLong {
            reason: format!("a cell holds {} bytes, more than {MAX_CELL_BYTES}", s.len()),
        })
    };
    Ok(match cell {
        DataRef::Empty => String::new(),
        DataRef::SharedString(s) => {
            if let Some(e) = long(s) {
                return Err(e);
            }
            (*s).to_owned()
        }
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => {
            if let Some(e) = long(s) {
                return Err(e);
            }
            s.clone()
        }
        DataRef::Int(i) => i.to_string(),
        // Display of an f64 is the shortest decimal that reads back as the same float,
        // never in exponent form: 1234.5 → "1234.5", 0.1 + 0.2 → "0.30000000000000004".
        DataRef::Float(f) if f.is_finite() => f.to_string(),
        DataRef::Float(_) => "#NUM!".to_owned(),
        DataRef::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_owned(),
        DataRef::DateTime(dt) => {
            let v = dt.as_f64();
            // Excel's calendar: serial 1 is 1900-01-01, 2958465 is 9999-12-31.
            if dt.is_datetime() && (1.0..2_958_466.0).contains(&v) {
                let (y, m, d, ..) = dt.to_ymd_hms_milli();
                NaiveDate::from_ymd_opt(i32::from(y), u32::from(m), u32::from(d))
                    .map_or_else(|| v.to_string(), |date| date.format("%Y-%m-%d").to_string())
            } else {
                v.to_string()
            }
        }
        DataRef::Error(e) => e.to_string(),
    })
}

impl<'a> StatementReader<'a> {
    fn open(mut rows: Box<dyn Rows + 'a>, options: &StatementOptions) -> Result<Self> {
        let (preset, spec) = match &options.layout {
            LayoutChoice::Detect => (None, None),
            LayoutChoice::Preset(p) => (Some(p.as_str()), None),
            LayoutChoice::Columns(c) => (None, Some(c)),
        };
        let wanted: Wanted = wanted(preset, spec)?;
        options.validate()?;
        let mut searched = 0;
        let mut record = Record::default();
        while searched < HEADER_SEARCH_ROWS {
            let Some(next) = rows.next_row(&mut record) else {
                break;
            };
            next?;
            let number = record.number;
            let cells: Vec<String> = record.cells().iter().map(str::to_owned).collect();
            searched += 1;
            if let Some(columns) = wanted.locate(&cells) {
                let layout = LayoutReport {
                    preset: preset.map(str::to_owned),
                    header_row: number,
                    columns: report(&cells, &columns),
                };
                return Ok(Self {
                    rows,
                    record,
                    columns,
                    header_norm: cells.iter().map(|c| normalise_header(c)).collect(),
                    layout,
                    currency: options.currency.clone(),
                    footer: false,
                });
            }
        }
        Err(CoreError::StatementHeaderNotFound {
            reason: format!(
                "looked for {} in the first {searched} rows",
                wanted.describe()
            ),
        })
    }

    /// The header row and the columns found.
    #[must_use]
    pub fn layout(&self) -> &LayoutReport {
        &self.layout
    }

    fn classify(&mut self, cells: Cells<'_>) -> ParsedRow {
        let cell = |i: usize| cells.get(i).map_or("", trim);
        if cells.iter().all(|c| trim(c).is_empty()) {
            return ParsedRow::Blank;
        }
        if self.footer {
            return ParsedRow::Skipped { reason: "footer" };
        }
        if cells.len() == self.header_norm.len()
            && cells
                .iter()
                .zip(&self.header_norm)
                .all(|(c, h)| header_is(c, h))
        {
            return ParsedRow::Skipped {
                reason: "repeated header",
            };
        }
        let date_text = cell(self.columns.date);
        let Some(date) = parse_statement_date(date_text) else {
            return self.not_a_date(cells, date_text);
        };
        let value_date = match self.columns.value_date.map(cell) {
            Some(t) if !t.is_empty() => match parse_statement_date(t) {
                Some(d) => Some(d),
                None => {
                    return rejected(
                        Problem::InvalidValueDate,
                        format!("value date {t:?} is not a date"),
                    );
                }
            },
            _ => None,
        };
        let (direction, amount) = match self.amount(cells) {
            Ok(v) => v,
            Err(row) => return row,
        };
        let balance = match self.columns.balance.map(cell) {
            Some(t) => match parse_statement_amount(t, self.currency.minor_units()) {
                Ok(None) => None,
                Ok(Some(a)) => {
                    let v = match a.suffix {
                        Some(Direction::Debit) if a.value.is_sign_positive() => -a.value,
                        Some(_) if a.value.is_sign_negative() => {
                            return rejected(
                                Problem::InvalidBalance,
                                format!("balance: {t:?} has both a sign and Cr/Dr"),
                            );
                        }
                        _ => a.value,
                    };
                    Some(Money::from_decimal(pad(v, self.currency.minor_units())))
                }
                Err(p) => {
                    return rejected(
                        Problem::InvalidBalance,
                        format!("balance: {}", p.describe(t, self.currency.minor_units())),
                    );
                }
            },
            None => None,
        };
        let narration = match self.columns.narration.as_slice() {
            [one] => cell(*one).to_owned(),
            many => many
                .iter()
                .map(|i| cell(*i))
                .filter(|t| !t.is_empty())
                .collect::<Vec<_>>()
                .join(" "),
        };
        let reference = self
            .columns
            .reference
            .map(cell)
            .filter(|t| !t.is_empty())
            .map(str::to_owned);
        ParsedRow::Line(ImportLine {
            date,
            value_date,
            narration,
            reference,
            direction,
            amount,
            balance,
        })
    }

    /// A row whose date cell is not a date: a text line, a balance line, the footer, or a
    /// rejected transaction.
    fn not_a_date(&mut self, cells: Cells<'_>, date_text: &str) -> ParsedRow {
        let label = date_text.to_ascii_lowercase();
        let label = label.trim();
        const FOOTER: &[&str] = &[
            "statement summary",
            "end of statement",
            "closing balance",
            "grand total",
            "total",
            "**",
        ];
        const BALANCE: &[&str] = &[
            "opening balance",
            "balance b/f",
            "balance brought forward",
            "brought forward",
            "b/f",
            "balance c/f",
            "carried forward",
            "c/f",
        ];
        if FOOTER.iter().any(|m| label.starts_with(m)) {
            self.footer = true;
            return ParsedRow::Skipped { reason: "footer" };
        }
        if BALANCE.iter().any(|m| label.starts_with(m)) {
            return ParsedRow::Skipped {
                reason: "balance line",
            };
        }
        let amount_cells: Vec<usize> = match self.columns.amounts {
            AmountColumns::DebitCredit { debit, credit } => vec![debit, credit],
            AmountColumns::Signed { amount, .. } => vec![amount],
        };
        let has_amount = amount_cells
            .iter()
            .any(|i| cells.get(*i).is_some_and(|c| !trim(c).is_empty()));
        let has_digit = date_text.bytes().any(|b| b.is_ascii_digit());
        match (date_text.is_empty(), has_digit, has_amount) {
            (_, false, false) => ParsedRow::Skipped {
                reason: "no date and no amount",
            },
            (true, _, true) => rejected(Problem::MissingDate, "no date".to_owned()),
            _ => rejected(
                Problem::InvalidDate,
                format!("date {date_text:?} is not a date"),
            ),
        }
    }

    /// The direction and positive amount of a row, or the rejected row.
    fn amount(&self, cells: Cells<'_>) -> std::result::Result<(Direction, Money), ParsedRow> {
        let units = self.currency.minor_units();
        let parse =
            |field: &str, i: usize| -> std::result::Result<(&str, Option<AmountCell>), ParsedRow> {
                let t = cells.get(i).map_or("", trim);
                parse_statement_amount(t, units)
                    .map(|a| (t, a))
                    .map_err(|p| amount_problem(field, t, &p, units))
            };
        let (direction, value) = match self.columns.amounts {
            AmountColumns::DebitCredit { debit, credit } => {
                let (dt, d) = parse("debit", debit)?;
                let (ct, c) = parse("credit", credit)?;
                let nonzero = |a: Option<AmountCell>| a.filter(|a| !a.value.is_zero());
                for (field, text, cell, dir) in [
                    ("debit", dt, d, Direction::Debit),
                    ("credit", ct, c, Direction::Credit),
                ] {
                    if let Some(a) = cell {
                        if a.value.is_sign_negative() && !a.value.is_zero() {
                            return Err(rejected(
                                Problem::InvalidDirection,
                                format!("{field}: {text:?} is negative"),
                            ));
                        }
                        if a.suffix.is_some_and(|s| s != dir) {
                            return Err(rejected(
                                Problem::InvalidDirection,
                                format!("{field}: {text:?} is marked as the other direction"),
                            ));
                        }
                    }
                }
                match (nonzero(d), nonzero(c)) {
                    (Some(a), None) => (Direction::Debit, a.value),
                    (None, Some(a)) => (Direction::Credit, a.value),
                    (None, None) => {
                        return Err(rejected(
                            Problem::NoAmount,
                            "no debit or credit amount".to_owned(),
                        ));
                    }
                    (Some(_), Some(_)) => {
                        return Err(rejected(
                            Problem::BothAmounts,
                            format!("both debit {dt:?} and credit {ct:?} are set"),
                        ));
                    }
                }
            }
            AmountColumns::Signed { amount, dr_cr } => {
                let (at, a) = parse("amount", amount)?;
                let Some(a) = a.filter(|a| !a.value.is_zero()) else {
                    return Err(rejected(Problem::NoAmount, "no amount".to_owned()));
                };
                let indicator = match dr_cr.map(|i| cells.get(i).map_or("", trim)) {
                    None | Some("") => None,
                    Some(t) => match normalise_header(t).as_str() {
                        "cr" | "c" | "credit" => Some(Direction::Credit),
                        "dr" | "d" | "debit" => Some(Direction::Debit),
                        _ => {
                            return Err(rejected(
                                Problem::InvalidDirection,
                                format!("dr_cr: {t:?} is neither Cr nor Dr"),
                            ));
                        }
                    },
                };
                let marked = match (indicator, a.suffix) {
                    (Some(i), Some(s)) if i != s => {
                        return Err(rejected(
                            Problem::InvalidDirection,
                            format!("amount: {at:?} contradicts the Cr/Dr column"),
                        ));
                    }
                    (i, s) => i.or(s),
                };
                match marked {
                    Some(_) if a.value.is_sign_negative() => {
                        return Err(rejected(
                            Problem::InvalidDirection,
                            format!("amount: {at:?} has both a sign and Cr/Dr"),
                        ));
                    }
                    Some(dir) => (dir, a.value),
                    None if a.value.is_sign_negative() => (Direction::Debit, -a.value),
                    None => (Direction::Credit, a.value),
                }
            }
        };
        Ok((direction, Money::from_decimal(pad(value, units))))
    }
}

/// Whether a cell normalises to the header name `norm` (without allocating).
fn header_is(cell: &str, norm: &str) -> bool {
    cell.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .eq(norm.chars())
}

fn rejected(problem: Problem, reason: String) -> ParsedRow {
    ParsedRow::Rejected { problem, reason }
}

fn amount_problem(field: &str, text: &str, p: &AmountProblem, units: u32) -> ParsedRow {
    let problem = match p {
        AmountProblem::Invalid => Problem::InvalidAmount,
        AmountProblem::Scale => Problem::AmountScale,
        AmountProblem::Range => Problem::AmountOutOfRange,
    };
    rejected(problem, format!("{field}: {}", p.describe(text, units)))
}

impl Iterator for StatementReader<'_> {
    type Item = Result<(u64, ParsedRow)>;

    fn next(&mut self) -> Option<Self::Item> {
        let mut record = std::mem::take(&mut self.record);
        if let Err(e) = self.rows.next_row(&mut record)? {
            return Some(Err(e));
        }
        let parsed = self.classify(record.cells());
        let number = record.number;
        self.record = record;
        Some(Ok((number, parsed)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Gives its bytes a few at a time, so that lines straddle refills.
    struct Trickle<'a> {
        data: &'a [u8],
        step: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            let n = self.step.min(out.len()).min(self.data.len());
            let (head, tail) = self.data.split_at(n);
            out[..n].copy_from_slice(head);
            self.data = tail;
            Ok(n)
        }
    }

    fn records(data: &[u8], step: usize, delimiter: u8, plain: bool) -> Vec<(u64, Vec<String>)> {
        let mut rows = CsvRows::new(Trickle { data, step }, delimiter);
        if !plain {
            rows.plain = None;
        }
        let mut record = Record::default();
        let mut out = Vec::new();
        while let Some(r) = rows.next_row(&mut record) {
            r.unwrap();
            out.push((
                record.number,
                record.cells().iter().map(str::to_owned).collect(),
            ));
        }
        out
    }

    proptest! {
        #[test]
        fn plain_lines_read_as_csv_core_reads_them(
            bytes in prop::collection::vec(
                prop::sample::select(vec![
                    b'a', b'1', b' ', b',', b';', b'"', b'\r', b'\n', 0xc3, 0xa9, 0xff, 0xef,
                    0xbb, 0xbf,
                ]),
                0..200,
            ),
            step in 1_usize..40,
            delimiter in prop::sample::select(vec![b',', b';', b'\t']),
        ) {
            prop_assert_eq!(
                records(&bytes, step, delimiter, true),
                records(&bytes, step, delimiter, false)
            );
        }
    }

    proptest! {
        #[test]
        fn the_word_scan_finds_what_a_byte_loop_finds(
            bytes in prop::collection::vec(
                prop::sample::select(vec![b'a', b',', b';', b'"', b'\r', b'\n', 0x80, 0xff, 0x00]),
                0..80,
            ),
            delimiter in prop::sample::select(vec![b',', b';', b'\t']),
        ) {
            let mut want_cuts = Vec::new();
            let mut want = None;
            for (i, &b) in bytes.iter().enumerate() {
                if b == delimiter {
                    want_cuts.push(i);
                } else if matches!(b, b'\n' | b'\r' | b'"') {
                    want = Some((i, b));
                    break;
                }
            }
            let mut cuts = Vec::new();
            prop_assert_eq!(scan_line(&bytes, delimiter, &mut cuts), want);
            prop_assert_eq!(cuts, want_cuts);
        }
    }

    #[test]
    fn line_endings_and_quotes_keep_their_numbers() {
        let data = b"a,b\r\nc,d\r\n\r\ne,\"f\ng\"\rh,i\n\nj\r\n";
        let want = records(data, 1 << 16, b',', false);
        assert_eq!(
            want.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
            vec![1, 2, 4, 6, 8]
        );
        for step in [1, 2, 3, 5, 7, 64] {
            assert_eq!(records(data, step, b',', true), want, "step {step}");
        }
    }
}
