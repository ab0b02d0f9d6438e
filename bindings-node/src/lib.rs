//! The Node/TypeScript binding of windeep-core will live here (napi-rs, npm package `windeep`).
//!
//! It is a shell in the workspace for now: it exposes nothing. Until it lands, Node callers
//! can use the command line's JSON interface (`windeep call <operation>`), which every binding
//! will mirror.

/// The operations the core offers through its JSON interface.
pub use windeep_ops::OPERATIONS;
