//! The workspace's `uniffi-bindgen`: generates the Kotlin and Swift sources of windeep-mobile
//! from the built library, e.g.
//! `cargo run -p windeep-mobile --features bindgen --bin uniffi-bindgen -- generate
//! --library target/debug/libwindeep_mobile.so --language kotlin --out-dir out`.

fn main() {
    uniffi::uniffi_bindgen_main();
}
