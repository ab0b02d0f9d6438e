//! Bank references (UTR, RRN) in their one normal form, wherever one is compared: the statement
//! import and the reconciliation checks. Always compiled, so the checks need no statement reader.

/// The one normal form of a UTR or reference wherever one is compared: its ASCII letters and
/// digits, upper-cased (spaces, `/`, `-` and every other character dropped).
///
/// # Example
/// ```
/// use windeep_core::bank::normalise_utr;
/// assert_eq!(normalise_utr(" hdfc n2600-5123456 "), "HDFCN26005123456");
/// ```
#[must_use]
#[cfg_attr(not(feature = "bank"), allow(unreachable_pub))]
pub fn normalise_utr(text: &str) -> String {
    text.bytes()
        .filter(u8::is_ascii_alphanumeric)
        .map(|b| char::from(b.to_ascii_uppercase()))
        .collect()
}
