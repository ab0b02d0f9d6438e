//! Any operation on arbitrary text: the first byte picks the operation from
//! `windeep_ops::OPERATIONS`, the rest is its JSON input, run through both `call` and
//! `call_typed`. Any answer but a panic is fine.
//!
//! Seed the corpus with every fixture's input (`python3 fuzz/seed_corpus.py`) so that mutations
//! start from valid books, statements, loans and schedules rather than from noise.
#![no_main]

use libfuzzer_sys::fuzz_target;
use windeep_ops::{OPERATIONS, call, call_typed};

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let name = OPERATIONS[usize::from(pick) % OPERATIONS.len()];
    if let Ok(text) = std::str::from_utf8(rest) {
        let _ = call(name, text);
        let _ = call_typed(name, text);
    }
});
