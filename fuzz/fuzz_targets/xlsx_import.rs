//! Arbitrary bytes as an XLSX bank statement: the import must answer or refuse with a known
//! code, never panic, and never use more memory or time than the statement limits allow
//! (libFuzzer's `-rss_limit_mb=512 -timeout=5` make an excess a finding).
//!
//! Seed it with workbooks (`python3 tests/hostile/make_corpus.py /tmp/h && cp /tmp/h/*.xlsx
//! corpus/xlsx_import/`, and the XLSX fixtures' `content_base64` decoded).
#![no_main]

use libfuzzer_sys::fuzz_target;
use windeep_core::CoreError;
use windeep_core::bank::{Format, StatementOptions, import_statement};

fuzz_target!(|data: &[u8]| {
    match import_statement(data, Format::Xlsx, &StatementOptions::default(), "ACC-1", None, &[]) {
        Ok(report) => {
            let s = &report.summary;
            assert_eq!(
                s.new + s.duplicates + s.conflicts + s.rejected + s.skipped + s.blank,
                s.rows
            );
        }
        Err(e) => assert!(CoreError::CODES.contains(&e.code()), "{e}"),
    }
});
