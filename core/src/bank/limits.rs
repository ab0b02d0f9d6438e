//! The resource limits of statement import, checked before the memory they guard is
//! allocated, each refusal with its own error code (the table is in `docs/bank.md`).
//!
//! A statement is a file from outside: a bank's export, a member's upload, a file an attacker
//! crafted. Reading one must take memory and time bounded by these numbers whatever its
//! bytes, so that a host (a PHP worker, a Node server, a phone) is never taken down by it.
//!
//! | limit | value | code |
//! |---|---|---|
//! | CSV statement bytes, counted as they stream | [`MAX_STATEMENT_BYTES`] | `E_STATEMENT_TOO_LARGE` |
//! | XLSX file bytes | [`MAX_XLSX_BYTES`] | `E_STATEMENT_TOO_LARGE` |
//! | one CSV line (record), in bytes | [`MAX_LINE_BYTES`] | `E_STATEMENT_LINE_TOO_LONG` |
//! | rows (CSV records, XLSX rows with cells) | [`MAX_ROWS`] | `E_STATEMENT_TOO_MANY_ROWS` |
//! | rows listed in one answer (`bank_import`) | [`MAX_LISTED_ROWS`] | `E_STATEMENT_TOO_MANY_ROWS` |
//! | cells in one row | [`MAX_COLUMNS`] | `E_STATEMENT_TOO_MANY_COLUMNS` |
//! | one cell, in bytes of UTF-8 | [`MAX_CELL_BYTES`] | `E_STATEMENT_CELL_TOO_LONG` |
//! | XLSX parts, decompressed, in total | [`MAX_DECOMPRESSED_BYTES`] | `E_STATEMENT_DECOMPRESSED_TOO_LARGE` |
//! | XLSX parts (zip entries) | [`MAX_ZIP_ENTRIES`] | `E_STATEMENT_DECOMPRESSED_TOO_LARGE` |
//! | XLSX shared strings, decompressed | [`MAX_SHARED_STRINGS_BYTES`] | `E_STATEMENT_DECOMPRESSED_TOO_LARGE` |
//! | XLSX cell position | [`MAX_SHEET_ROWS`] × [`MAX_COLUMNS`] | `E_STATEMENT_SHEET_TOO_LARGE` |
//! | XLSX sheet text, shared strings expanded | [`MAX_SHEET_TEXT_BYTES`] | `E_STATEMENT_SHEET_TOO_LARGE` |

use std::io::{Cursor, Read};

use crate::error::{CoreError, Result};

/// Most bytes a statement may have (256 MiB): a CSV is counted as it streams, an XLSX before
/// it is opened.
pub const MAX_STATEMENT_BYTES: u64 = 256 << 20;

/// Most bytes an XLSX file may have (64 MiB, compressed).
pub const MAX_XLSX_BYTES: u64 = 64 << 20;

/// Most bytes the shared-strings part of an XLSX may decompress to (16 MiB): the workbook
/// reader keeps every shared string in memory.
pub const MAX_SHARED_STRINGS_BYTES: u64 = 16 << 20;

/// Most bytes one CSV record may span (1 MiB), quoted line breaks included.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// Most rows a statement may have (2,000,000), header, blank and skipped rows included.
pub const MAX_ROWS: u64 = 2_000_000;

/// Most rows an import that answers with every row listed (`import_statement`, the
/// `bank_import` operation) may list (100,000): its answer is held in memory, in the caller's
/// language too. A longer statement is streamed (`stream_statement`, `windeep import`), which
/// keeps only the keys.
pub const MAX_LISTED_ROWS: usize = 100_000;

/// Most cells one row may have (256).
pub const MAX_COLUMNS: usize = 256;

/// Most bytes (UTF-8) one cell may hold (32 KiB; Excel's own limit is 32,767 characters).
pub const MAX_CELL_BYTES: usize = 32 << 10;

/// Most bytes an XLSX's parts may decompress to, all parts together (128 MiB). Measured by
/// decompressing, not by trusting the sizes the zip declares.
pub const MAX_DECOMPRESSED_BYTES: u64 = 128 << 20;

/// Most parts (zip entries) an XLSX may have (4,096).
pub const MAX_ZIP_ENTRIES: usize = 4096;

/// Highest spreadsheet row a cell with a value may be on (1,048,576, Excel's last row).
pub const MAX_SHEET_ROWS: u32 = 1 << 20;

/// Most bytes of cell text an XLSX sheet may hold once shared strings are expanded (128 MiB):
/// a short shared string referenced by many cells is counted each time.
pub const MAX_SHEET_TEXT_BYTES: usize = 128 << 20;

/// Reads an XLSX statement into memory: at most [`MAX_XLSX_BYTES`], and nothing past the
/// first four bytes unless they are a zip's signature (`/dev/zero` is refused at once).
///
/// # Errors
/// `E_STATEMENT_TOO_LARGE` past the limit (without reading further), `E_STATEMENT_UNREADABLE`
/// when the reader fails or the bytes are not a zip.
pub(crate) fn read_xlsx<R: Read>(input: R) -> Result<Vec<u8>> {
    let unreadable = |reason: String| CoreError::StatementUnreadable { reason };
    let mut input = input.take(MAX_XLSX_BYTES + 1);
    let mut bytes = vec![0; 4];
    input
        .read_exact(&mut bytes)
        .map_err(|e| unreadable(format!("not an XLSX workbook: {e}")))?;
    if bytes != b"PK\x03\x04" {
        return Err(unreadable(
            "not an XLSX workbook: it does not start as a zip file".to_owned(),
        ));
    }
    input
        .read_to_end(&mut bytes)
        .map_err(|e| unreadable(e.to_string()))?;
    if bytes.len() as u64 > MAX_XLSX_BYTES {
        return Err(too_large_xlsx());
    }
    Ok(bytes)
}

fn too_large_xlsx() -> CoreError {
    CoreError::StatementTooLarge {
        reason: format!("the workbook is longer than {MAX_XLSX_BYTES} bytes"),
    }
}

pub(crate) fn too_large() -> CoreError {
    CoreError::StatementTooLarge {
        reason: format!("the statement is longer than {MAX_STATEMENT_BYTES} bytes"),
    }
}

/// Checks an XLSX (a zip) before it is handed to the workbook reader: at most
/// [`MAX_ZIP_ENTRIES`] parts, and every part decompressed (into nothing) with the running total
/// capped at [`MAX_DECOMPRESSED_BYTES`] — the declared sizes are checked first, then the real
/// ones, since a zip may lie about them.
///
/// # Errors
/// `E_STATEMENT_TOO_LARGE`, `E_STATEMENT_DECOMPRESSED_TOO_LARGE`; `E_STATEMENT_UNREADABLE`
/// when the bytes are not a zip.
pub(crate) fn check_zip(bytes: &[u8]) -> Result<()> {
    if bytes.len() as u64 > MAX_XLSX_BYTES {
        return Err(too_large_xlsx());
    }
    let bomb = |reason: String| CoreError::StatementDecompressedTooLarge { reason };
    let mut zip =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| CoreError::StatementUnreadable {
            reason: format!("not an XLSX workbook: {e}"),
        })?;
    if zip.len() > MAX_ZIP_ENTRIES {
        return Err(bomb(format!(
            "the workbook has {} parts, more than {MAX_ZIP_ENTRIES}",
            zip.len()
        )));
    }
    let mut declared: u64 = 0;
    for i in 0..zip.len() {
        let entry = zip
            .by_index_raw(i)
            .map_err(|e| CoreError::StatementUnreadable {
                reason: format!("not an XLSX workbook: {e}"),
            })?;
        declared = declared.saturating_add(entry.size());
        if declared > MAX_DECOMPRESSED_BYTES {
            return Err(bomb(format!(
                "the workbook's parts declare more than {MAX_DECOMPRESSED_BYTES} bytes"
            )));
        }
    }
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        let Ok(entry) = zip.by_index(i) else {
            // an entry that cannot be opened (encrypted, an unknown method) is refused by the
            // workbook reader if it needs it; it is not read here
            continue;
        };
        let shared = entry.name().is_ok_and(|n| n.ends_with("sharedStrings.xml"));
        let budget = MAX_DECOMPRESSED_BYTES - total;
        let budget = if shared {
            budget.min(MAX_SHARED_STRINGS_BYTES)
        } else {
            budget
        };
        // an entry that fails mid-way is left to the workbook reader, which reports it
        let n = std::io::copy(&mut entry.take(budget + 1), &mut std::io::sink()).unwrap_or(0);
        if shared && n > MAX_SHARED_STRINGS_BYTES {
            return Err(bomb(format!(
                "the workbook's shared strings decompress to more than \
                 {MAX_SHARED_STRINGS_BYTES} bytes"
            )));
        }
        total = total.saturating_add(n);
        if total > MAX_DECOMPRESSED_BYTES {
            return Err(bomb(format!(
                "the workbook's parts decompress to more than {MAX_DECOMPRESSED_BYTES} bytes"
            )));
        }
    }
    Ok(())
}

/// The text encoding of a CSV statement, told from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoding {
    /// UTF-8, with or without a byte-order mark (invalid bytes are replaced by U+FFFD).
    Utf8,
    /// UTF-16 little-endian, with its byte-order mark.
    Utf16Le,
    /// UTF-16 big-endian, with its byte-order mark.
    Utf16Be,
    /// ISO 8859-1: the first block is not UTF-8 but has no NUL byte.
    Latin1,
}

/// Tells the encoding from the first block of a CSV statement (up to 64 KiB).
///
/// # Errors
/// `E_STATEMENT_ENCODING` for UTF-32, for a NUL byte in the first block (binary data or UTF-16
/// without a byte-order mark).
pub(crate) fn detect_encoding(head: &[u8]) -> Result<Encoding> {
    let refuse = |reason: &str| CoreError::StatementEncoding {
        reason: reason.to_owned(),
    };
    if head.starts_with(&[0xFF, 0xFE, 0, 0]) || head.starts_with(&[0, 0, 0xFE, 0xFF]) {
        return Err(refuse("UTF-32 statements are not read; save it as UTF-8"));
    }
    if head.starts_with(&[0xFF, 0xFE]) {
        return Ok(Encoding::Utf16Le);
    }
    if head.starts_with(&[0xFE, 0xFF]) {
        return Ok(Encoding::Utf16Be);
    }
    if head.contains(&0) {
        return Err(refuse(
            "the statement has NUL bytes: binary data, or UTF-16 without a byte-order mark",
        ));
    }
    match std::str::from_utf8(head) {
        Ok(_) => Ok(Encoding::Utf8),
        // the block may end inside a character
        Err(e) if e.error_len().is_none() => Ok(Encoding::Utf8),
        Err(_) => Ok(Encoding::Latin1),
    }
}

/// A reader that counts the bytes it passes and refuses more than [`MAX_STATEMENT_BYTES`],
/// decoding UTF-16 and Latin-1 into UTF-8 on the way.
pub(crate) struct Decoded<R: Read> {
    input: R,
    encoding: Option<Encoding>,
    /// Bytes read from `input` so far.
    read: u64,
    /// Raw bytes waiting to be decoded (the first block, an odd byte, half a surrogate pair).
    raw: Vec<u8>,
    raw_pos: usize,
    /// Decoded UTF-8 waiting to be handed out.
    out: Vec<u8>,
    out_pos: usize,
    eof: bool,
}

impl<R: Read> Decoded<R> {
    pub(crate) fn new(input: R) -> Self {
        Self {
            input,
            encoding: None,
            read: 0,
            raw: Vec::new(),
            raw_pos: 0,
            out: Vec::new(),
            out_pos: 0,
            eof: false,
        }
    }

    /// Reads one block of raw bytes onto `raw`; false at the end.
    fn fill_raw(&mut self, want: usize) -> std::io::Result<bool> {
        if self.eof {
            return Ok(false);
        }
        if self.raw_pos > 0 {
            self.raw.drain(..self.raw_pos);
            self.raw_pos = 0;
        }
        let start = self.raw.len();
        self.raw.resize(start + want, 0);
        let n = loop {
            match self
                .input
                .read(self.raw.get_mut(start..).unwrap_or_default())
            {
                Ok(n) => break n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.raw.truncate(start);
                    return Err(e);
                }
            }
        };
        self.raw.truncate(start + n);
        self.read = self.read.saturating_add(n as u64);
        if self.read > MAX_STATEMENT_BYTES {
            return Err(std::io::Error::other(LimitError));
        }
        if n == 0 {
            self.eof = true;
        }
        Ok(n > 0)
    }

    /// The encoding, reading the first block (up to 64 KiB) to tell it.
    fn encoding(&mut self) -> std::io::Result<Encoding> {
        if let Some(e) = self.encoding {
            return Ok(e);
        }
        while self.raw.len() < 1 << 16 && self.fill_raw((1 << 16) - self.raw.len())? {}
        let e = detect_encoding(&self.raw).map_err(|e| std::io::Error::other(EncodingError(e)))?;
        match e {
            Encoding::Utf16Le | Encoding::Utf16Be => self.raw_pos = 2,
            Encoding::Utf8 | Encoding::Latin1 => {}
        }
        self.encoding = Some(e);
        Ok(e)
    }

    /// Decodes the raw bytes waiting into `out`.
    fn decode(&mut self, encoding: Encoding) {
        self.out.clear();
        self.out_pos = 0;
        let raw = self.raw.get(self.raw_pos..).unwrap_or_default();
        match encoding {
            Encoding::Utf8 => {
                self.out.extend_from_slice(raw);
                self.raw_pos = self.raw.len();
            }
            Encoding::Latin1 => {
                let mut s = String::with_capacity(raw.len() * 2);
                s.extend(raw.iter().map(|&b| char::from(b)));
                self.out.extend_from_slice(s.as_bytes());
                self.raw_pos = self.raw.len();
            }
            Encoding::Utf16Le | Encoding::Utf16Be => {
                let mut units: Vec<u16> = raw
                    .chunks_exact(2)
                    .map(|p| match (encoding, p) {
                        (Encoding::Utf16Le, &[a, b]) => u16::from_le_bytes([a, b]),
                        (_, &[a, b]) => u16::from_be_bytes([a, b]),
                        _ => 0,
                    })
                    .collect();
                let mut used = units.len() * 2;
                // keep a high surrogate at the end for the next block, unless the input ended
                if !self.eof && units.last().is_some_and(|u| (0xD800..0xDC00).contains(u)) {
                    units.pop();
                    used -= 2;
                }
                if self.eof {
                    used = raw.len();
                }
                let s: String = char::decode_utf16(units)
                    .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
                    .collect();
                self.out.extend_from_slice(s.as_bytes());
                self.raw_pos += used;
            }
        }
    }
}

/// The statement passed [`MAX_STATEMENT_BYTES`] (carried through `std::io::Error`).
#[derive(Debug)]
pub(crate) struct LimitError;

impl std::fmt::Display for LimitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the statement is longer than {MAX_STATEMENT_BYTES} bytes"
        )
    }
}

impl std::error::Error for LimitError {}

/// The encoding was refused (carried through `std::io::Error`).
#[derive(Debug)]
pub(crate) struct EncodingError(pub(crate) CoreError);

impl std::fmt::Display for EncodingError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for EncodingError {}

/// The core error an I/O error from [`Decoded`] stands for.
pub(crate) fn io_error(e: &std::io::Error, line: u64) -> CoreError {
    if let Some(inner) = e.get_ref() {
        if inner.is::<LimitError>() {
            return too_large();
        }
        if let Some(EncodingError(err)) = inner.downcast_ref::<EncodingError>() {
            return err.clone();
        }
    }
    CoreError::StatementUnreadable {
        reason: format!("at line {line}: {e}"),
    }
}

impl<R: Read> Read for Decoded<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let encoding = self.encoding()?;
        loop {
            if self.out_pos < self.out.len() {
                let avail = self.out.get(self.out_pos..).unwrap_or_default();
                let n = avail.len().min(buf.len());
                if let (Some(to), Some(from)) = (buf.get_mut(..n), avail.get(..n)) {
                    to.copy_from_slice(from);
                }
                self.out_pos += n;
                return Ok(n);
            }
            if encoding == Encoding::Utf8 && self.raw_pos >= self.raw.len() {
                // the common case: pass the bytes straight through, counted
                if self.eof {
                    return Ok(0);
                }
                let n = loop {
                    match self.input.read(buf) {
                        Ok(n) => break n,
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                        Err(e) => return Err(e),
                    }
                };
                self.read = self.read.saturating_add(n as u64);
                if self.read > MAX_STATEMENT_BYTES {
                    return Err(std::io::Error::other(LimitError));
                }
                if n == 0 {
                    self.eof = true;
                }
                return Ok(n);
            }
            if self.raw.len() - self.raw_pos < 4 && !self.eof {
                self.fill_raw(1 << 16)?;
            }
            if self.raw_pos >= self.raw.len() && self.eof {
                return Ok(0);
            }
            self.decode(encoding);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(bytes: &[u8]) -> Result<String> {
        let mut s = String::new();
        Decoded::new(bytes)
            .read_to_string(&mut s)
            .map_err(|e| io_error(&e, 1))?;
        Ok(s)
    }

    #[test]
    fn encodings_are_told_and_decoded() {
        assert_eq!(decode(b"a,b\n").unwrap(), "a,b\n");
        assert_eq!(decode("\u{feff}a,é\n".as_bytes()).unwrap(), "\u{feff}a,é\n");
        let le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("a,é😀\n".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(decode(&le).unwrap(), "a,é😀\n");
        let be: Vec<u8> = [0xFE, 0xFF]
            .into_iter()
            .chain("a,é😀\n".encode_utf16().flat_map(u16::to_be_bytes))
            .collect();
        assert_eq!(decode(&be).unwrap(), "a,é😀\n");
        assert_eq!(decode(b"caf\xe9,1\n").unwrap(), "café,1\n");
        let code = |b: &[u8]| decode(b).unwrap_err().code();
        assert_eq!(code(b"a\0b"), "E_STATEMENT_ENCODING");
        assert_eq!(
            code(&[0xFF, 0xFE, 0, 0, b'a', 0, 0, 0]),
            "E_STATEMENT_ENCODING"
        );
    }

    #[test]
    fn utf16_survives_any_block_boundary() {
        let text = "Txn Date,Description\n05/01/2026,UPI 😀 é\n".repeat(3000);
        let le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(decode(&le).unwrap(), text);
    }

    #[test]
    fn an_endless_statement_is_refused_at_the_limit() {
        let mut s = Vec::new();
        let err = Decoded::new(std::io::repeat(b'a'))
            .read_to_end(&mut s)
            .unwrap_err();
        assert_eq!(io_error(&err, 1).code(), "E_STATEMENT_TOO_LARGE");
    }
}
