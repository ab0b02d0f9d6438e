//! Arbitrary bytes as a CSV bank statement: the import must answer or refuse with a known code,
//! never panic, and a re-import with the first import's keys must find every transaction again.

#![no_main]

use libfuzzer_sys::fuzz_target;
use windeep_core::CoreError;
use windeep_core::bank::{Format, LayoutChoice, StatementOptions, import_statement};

const PRESETS: [&str; 6] = ["sbi", "hdfc", "icici", "axis", "kotak", "windeep"];

fuzz_target!(|data: &[u8]| {
    let (choice, body) = match data.split_first() {
        Some((c, rest)) => (*c, rest),
        None => (0, data),
    };
    let layout = match usize::from(choice % 8) {
        i if i < PRESETS.len() => LayoutChoice::Preset(PRESETS[i].to_owned()),
        _ => LayoutChoice::Detect,
    };
    let delimiter = [b',', b';', b'\t', b'|'][usize::from(choice / 8 % 4)];
    let options = StatementOptions {
        layout,
        delimiter,
        ..StatementOptions::default()
    };
    match import_statement(body, Format::Csv, &options, "ACC-1", None, &[]) {
        Ok(first) => {
            let s = &first.summary;
            assert_eq!(s.new + s.duplicates + s.conflicts + s.rejected + s.skipped + s.blank, s.rows);
            let prior = first.prior_keys("IMP-1");
            let again = import_statement(body, Format::Csv, &options, "ACC-1", None, &prior)
                .expect("a statement that imported once imports again");
            assert_eq!(again.summary.new, 0);
            assert_eq!(again.summary.duplicates, s.new + s.duplicates);
        }
        Err(e) => assert!(CoreError::CODES.contains(&e.code()), "{}", e.code()),
    }
});
