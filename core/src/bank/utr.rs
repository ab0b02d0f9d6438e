//! The UTR (Unique Transaction Reference) of a transfer, from the reference column or the
//! narration.
//!
//! Only shapes that cannot be mistaken for something else are taken, because a wrong UTR would
//! make two different transfers look like one; a row without a recognised UTR falls back to
//! its content fingerprint, which is always safe.

use super::Channel;

/// The runs of ASCII letters and digits of a text, as they are (compare case-insensitively).
fn tokens(text: &str) -> impl Iterator<Item = &str> + Clone {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|t| !t.is_empty())
}

/// `XXXXR` + 17 digits: the RBI format of an RTGS UTR (bank code, `R`, channel, date, serial).
fn is_rtgs(t: &str) -> bool {
    shape(t, 22, b'R')
}

/// `XXXXN` + 11 digits: the RBI format of a NEFT UTR (bank code, `N`, year-day, serial).
fn is_neft(t: &str) -> bool {
    shape(t, 16, b'N')
}

fn shape(t: &str, len: usize, marker: u8) -> bool {
    let b = t.as_bytes();
    b.len() == len
        && b.iter().take(4).all(u8::is_ascii_alphabetic)
        && b.get(4).map(u8::to_ascii_uppercase) == Some(marker)
        && b.iter().skip(5).all(u8::is_ascii_digit)
}

/// A 12-digit retrieval reference number (IMPS and UPI).
fn is_rrn(t: &str) -> bool {
    t.len() == 12 && t.bytes().all(|c| c.is_ascii_digit())
}

/// The first IMPS or UPI keyword among the narration's tokens.
fn rrn_channel<'a>(mut tokens: impl Iterator<Item = &'a str>) -> Option<Channel> {
    tokens.find_map(|t| {
        if t.eq_ignore_ascii_case("IMPS") {
            Some(Channel::Imps)
        } else if t.eq_ignore_ascii_case("UPI") {
            Some(Channel::Upi)
        } else {
            None
        }
    })
}

/// Finds the UTR of a transaction, normalised (upper-case letters and digits only), and its
/// channel. The reference column is tried first, then the narration; in each:
///
/// 1. an RTGS UTR (`XXXXR` + 17 digits, 22 characters) → RTGS;
/// 2. a NEFT UTR (`XXXXN` + 11 digits, 16 characters) → NEFT;
/// 3. when the narration has the word `IMPS` or `UPI` (whichever comes first), a 12-digit
///    RRN → that channel. In the reference column a 16-digit value of four zeros and an RRN
///    (as some banks pad it) counts as the RRN.
///
/// # Example
/// ```
/// use windeep_core::bank::{extract_utr, Channel};
/// let (utr, ch) = extract_utr("UPI/CR/601512345678/RAMESH/9707502695@ybl", None).unwrap();
/// assert_eq!((utr.as_str(), ch), ("601512345678", Channel::Upi));
/// let (utr, ch) = extract_utr("NEFT CR-SBIN0001234-RAMESH-SBINN26005123456", None).unwrap();
/// assert_eq!((utr.as_str(), ch), ("SBINN26005123456", Channel::Neft));
/// assert!(extract_utr("CASH DEPOSIT 601512345678", None).is_none());
/// ```
#[must_use]
pub fn extract_utr(narration: &str, reference: Option<&str>) -> Option<(String, Channel)> {
    let words = tokens(narration);
    let rrn = rrn_channel(words.clone());
    if let Some(r) = reference {
        let joined: String = tokens(r).collect::<String>().to_ascii_uppercase();
        if is_rtgs(&joined) {
            return Some((joined, Channel::Rtgs));
        }
        if is_neft(&joined) {
            return Some((joined, Channel::Neft));
        }
        if let Some(ch) = rrn {
            if is_rrn(&joined) {
                return Some((joined, ch));
            }
            if joined.len() == 16 && joined.starts_with("0000") {
                let tail = joined.get(4..).unwrap_or_default();
                if is_rrn(tail) {
                    return Some((tail.to_owned(), ch));
                }
            }
        }
    }
    if let Some(t) = words.clone().find(|t| is_rtgs(t)) {
        return Some((t.to_ascii_uppercase(), Channel::Rtgs));
    }
    if let Some(t) = words.clone().find(|t| is_neft(t)) {
        return Some((t.to_ascii_uppercase(), Channel::Neft));
    }
    let ch = rrn?;
    words
        .clone()
        .find(|t| is_rrn(t))
        .map(|t| (t.to_owned(), ch))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utr(narration: &str, reference: Option<&str>) -> Option<(String, Channel)> {
        extract_utr(narration, reference)
    }

    #[test]
    fn narrations_of_indian_banks() {
        use Channel::*;
        type Case<'a> = (&'a str, Option<&'a str>, Option<(&'a str, Channel)>);
        let cases: &[Case<'_>] = &[
            // SBI
            (
                "BY TRANSFER-UPI/CR/601512345678/RAMESH/SBIN/ramesh@oksbi/UPI--",
                None,
                Some(("601512345678", Upi)),
            ),
            (
                "BY TRANSFER-NEFT*HDFC0000001*HDFCN26005123456*RAMESH KUMAR--",
                None,
                Some(("HDFCN26005123456", Neft)),
            ),
            (
                "BY TRANSFER-RTGS UTR NO: UTIBR52026010500012345--",
                None,
                Some(("UTIBR52026010500012345", Rtgs)),
            ),
            // HDFC
            (
                "UPI-RAMESH KUMAR-ramesh@okhdfcbank-HDFC0001234-601512345678-EMI",
                None,
                Some(("601512345678", Upi)),
            ),
            (
                "UPI-RAMESH KUMAR-ramesh@okhdfcbank-HDFC0001234-601512345678-EMI",
                Some("0000601512345678"),
                Some(("601512345678", Upi)),
            ),
            (
                "NEFT CR-SBIN0001234-RAMESH KUMAR-SBINN26005123456",
                Some("SBINN26005123456"),
                Some(("SBINN26005123456", Neft)),
            ),
            // ICICI
            (
                "MMT/IMPS/601512345678/RAMESH/SBIN0001234",
                None,
                Some(("601512345678", Imps)),
            ),
            (
                "IMPS-601512345678-RAMESH-9707502695",
                None,
                Some(("601512345678", Imps)),
            ),
            // lower case and spaces in the reference are normalised
            (
                "RTGS credit",
                Some("utibr5 2026010500012345"),
                Some(("UTIBR52026010500012345", Rtgs)),
            ),
            // no keyword: a 12-digit number is not taken
            ("CASH DEPOSIT 601512345678", None, None),
            (
                "MEMB000001 Monthly Savings Deposit",
                Some("UPI/123456789"),
                None,
            ),
            // an IFSC, a phone or an account number is not a UTR
            ("NEFT SBIN0001234 9707502695", None, None),
            ("UPI 12345678901 1234567890123", None, None),
            // a cheque number in the reference column
            ("CLG CHQ DEP", Some("000123"), None),
        ];
        for (narration, reference, want) in cases {
            let got = utr(narration, *reference);
            let want = want.map(|(u, c)| (u.to_owned(), c));
            assert_eq!(got, want, "{narration:?} / {reference:?}");
        }
    }
}
