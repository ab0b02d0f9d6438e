//! Arbitrary bytes as the `schedule` operation's input: any answer but a panic is fine.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = windeep_ops::call("schedule", text);
    }
});
