//! The UTR (Unique Transaction Reference) of a transfer, from the reference column or the
//! narration.
//!
//! Only shapes that cannot be mistaken for something else are taken, because a wrong UTR would
//! make two different transfers look like one; a row without a recognised UTR falls back to
//! its content fingerprint, which is always safe.

use super::Channel;

/// The runs of ASCII letters and digits of a text, as they are (compare case-insensitively).
/// Every other byte separates them (the bytes of a non-ASCII character are all above 0x7F).
///
/// A run followed by `@` is the user part of a UPI address (a VPA such as
/// `9707502695@ybl` or `RAMESH.601512345678@okaxis`), chosen by a person, never a reference:
/// it is left out.
fn tokens(text: &str) -> impl Iterator<Item = &[u8]> {
    let bytes = text.as_bytes();
    let mut at = 0;
    std::iter::from_fn(move || {
        loop {
            let rest = bytes.get(at..)?;
            let start = rest.iter().position(u8::is_ascii_alphanumeric)?;
            let from = at + start;
            let len = bytes
                .get(from..)?
                .iter()
                .position(|c| !c.is_ascii_alphanumeric())
                .unwrap_or(bytes.len() - from);
            at = from + len;
            if bytes.get(at) == Some(&b'@') {
                continue;
            }
            return bytes.get(from..at);
        }
    })
}

/// `XXXXR` + 17 digits: the RBI format of an RTGS UTR (bank code, `R`, channel, date, serial).
fn is_rtgs(t: &[u8]) -> bool {
    shape(t, 22, b'R')
}

/// `XXXXN` + 11 digits: the RBI format of a NEFT UTR (bank code, `N`, year-day, serial).
fn is_neft(t: &[u8]) -> bool {
    shape(t, 16, b'N')
}

fn shape(b: &[u8], len: usize, marker: u8) -> bool {
    b.len() == len
        && b.iter().take(4).all(u8::is_ascii_alphabetic)
        && b.get(4).map(u8::to_ascii_uppercase) == Some(marker)
        && b.iter().skip(5).all(u8::is_ascii_digit)
}

/// A 12-digit retrieval reference number (IMPS and UPI), and not a mobile number with the
/// country code (`91` and ten digits starting 6–9): that is a member's phone, which banks print
/// in UPI narrations (`919707502695@ybl`, `MOB 919707502695`). Taking it for the RRN would make
/// every transfer from that member look like one, so it is never taken (an RRN of that shape is
/// missed and the row falls back to its fingerprint, which is safe).
fn is_rrn(t: &[u8]) -> bool {
    t.len() == 12 && t.iter().all(u8::is_ascii_digit) && !is_phone(t)
}

/// `91` followed by an Indian mobile number (ten digits, the first 6–9).
fn is_phone(t: &[u8]) -> bool {
    t.len() == 12 && t.starts_with(b"91") && matches!(t.get(2), Some(b'6'..=b'9'))
}

/// The longest UTR (RTGS).
const MAX_UTR: usize = 22;

/// A recognised UTR: at most 22 upper-case ASCII letters and digits, held without allocating.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Utr {
    bytes: [u8; MAX_UTR],
    len: u8,
}

impl Utr {
    /// The UTR of a token (upper-cased); None when longer than any UTR.
    fn of(token: &[u8]) -> Option<Self> {
        let mut bytes = [0; MAX_UTR];
        bytes.get_mut(..token.len())?.copy_from_slice(token);
        bytes.make_ascii_uppercase();
        Some(Self {
            bytes,
            len: u8::try_from(token.len()).ok()?,
        })
    }

    /// The UTR as bytes.
    pub(super) fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..usize::from(self.len)).unwrap_or_default()
    }

    /// The UTR as text.
    pub(super) fn as_str(&self) -> &str {
        // only ASCII letters and digits are ever stored
        std::str::from_utf8(self.as_bytes()).unwrap_or_default()
    }
}

/// The reference column's ASCII letters and digits joined and upper-cased (the text with its
/// separators removed), when they are few enough to be a UTR.
fn joined_reference(reference: &str) -> Option<Utr> {
    let mut out = Utr {
        bytes: [0; MAX_UTR],
        len: 0,
    };
    let mut len = 0;
    for &b in reference.as_bytes() {
        if b.is_ascii_alphanumeric() {
            *out.bytes.get_mut(len)? = b.to_ascii_uppercase();
            len += 1;
        }
    }
    out.len = u8::try_from(len).ok()?;
    Some(out)
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
    find_utr(narration, reference).map(|(u, c)| (u.as_str().to_owned(), c))
}

/// [`extract_utr`] without allocating: the narration is read once, noting the first RTGS UTR,
/// the first NEFT UTR, the first RRN and the first IMPS / UPI keyword, then the rules are
/// applied in their order.
pub(super) fn find_utr(narration: &str, reference: Option<&str>) -> Option<(Utr, Channel)> {
    let (mut rtgs, mut neft, mut rrn, mut channel) = (None, None, None, None);
    for t in tokens(narration) {
        match t.len() {
            3 | 4 if channel.is_none() => {
                if t.eq_ignore_ascii_case(b"IMPS") {
                    channel = Some(Channel::Imps);
                } else if t.eq_ignore_ascii_case(b"UPI") {
                    channel = Some(Channel::Upi);
                }
            }
            12 if rrn.is_none() && is_rrn(t) => rrn = Some(t),
            16 if neft.is_none() && is_neft(t) => neft = Some(t),
            22 if rtgs.is_none() && is_rtgs(t) => {
                rtgs = Some(t);
                if channel.is_some() || reference.is_none() {
                    // nothing later can change the answer
                    break;
                }
            }
            _ => {}
        }
    }
    if let Some(joined) = reference.and_then(joined_reference) {
        let j = joined.as_bytes();
        if is_rtgs(j) {
            return Some((joined, Channel::Rtgs));
        }
        if is_neft(j) {
            return Some((joined, Channel::Neft));
        }
        if let Some(ch) = channel {
            if is_rrn(j) {
                return Some((joined, ch));
            }
            if j.len() == 16
                && j.starts_with(b"0000")
                && let Some(tail) = j.get(4..).filter(|t| is_rrn(t))
            {
                return Utr::of(tail).map(|u| (u, ch));
            }
        }
    }
    if let Some(t) = rtgs {
        return Utr::of(t).map(|u| (u, Channel::Rtgs));
    }
    if let Some(t) = neft {
        return Utr::of(t).map(|u| (u, Channel::Neft));
    }
    let ch = channel?;
    rrn.and_then(Utr::of).map(|u| (u, ch))
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
            // a mobile number with the country code is never the RRN, before or after it
            (
                "UPI/CR/919707502695/RAMESH/SBIN/9707502695@ybl/601512345678",
                None,
                Some(("601512345678", Upi)),
            ),
            ("UPI/CR/919707502695/RAMESH/EMI", None, None),
            ("IMPS MOB 919876543210 RAMESH", None, None),
            ("UPI EMI", Some("919707502695"), None),
            // the user part of a UPI address is not a reference
            ("UPI/RAMESH/601512345678@okaxis/EMI", None, None),
            (
                "UPI-RAMESH-919707502695@ybl-SBIN0001234-602012345678-EMI",
                None,
                Some(("602012345678", Upi)),
            ),
            // an RRN that does not start 91 + 6–9 is still an RRN
            (
                "UPI/CR/915012345678/RAMESH",
                None,
                Some(("915012345678", Upi)),
            ),
        ];
        for (narration, reference, want) in cases {
            let got = utr(narration, *reference);
            let want = want.map(|(u, c)| (u.to_owned(), c));
            assert_eq!(got, want, "{narration:?} / {reference:?}");
        }
    }
}
