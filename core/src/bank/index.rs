//! The key index of an import: every key that can still make a row a duplicate, each held as
//! a small fixed-size value that *is* the key (an exact, reversible packing, not a hash), in
//! hash maps with a cheap hasher.
//!
//! A key this module cannot pack is not of a shape an import ever gives (`utr:` and up to 22
//! upper-case ASCII letters and digits, or `fp:`, 32 lower-case hex digits, `:` and an ordinal
//! written in decimal without leading zeros), so no row can ever have it: leaving it out of
//! the index changes no answer.

use std::collections::HashMap;
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hash, Hasher};

/// The longest UTR that is packed (an RTGS UTR has 22 characters).
const MAX_UTR: usize = 22;

/// `utr:<UTR>` packed: the UTR's characters as the digits of a base-37 number, `0`–`9` as 1–10
/// and `A`–`Z` as 11–36. No digit is zero, so different strings give different numbers, and
/// 37^22 < 2^128. None for text that is not 1 to 22 upper-case ASCII letters and digits.
pub(super) fn pack_utr(utr: &[u8]) -> Option<u128> {
    if utr.is_empty() || utr.len() > MAX_UTR {
        return None;
    }
    let mut v: u128 = 0;
    for &b in utr {
        let d = match b {
            b'0'..=b'9' => b - b'0' + 1,
            b'A'..=b'Z' => b - b'A' + 11,
            _ => return None,
        };
        v = v.wrapping_mul(37).wrapping_add(u128::from(d));
    }
    Some(v)
}

/// 32 lower-case hex digits as the 16 bytes they spell (None for anything else).
pub(super) fn pack_hex(hex: &[u8]) -> Option<u128> {
    if hex.len() != 32 {
        return None;
    }
    let mut v: u128 = 0;
    for &b in hex {
        let d = match b {
            b'0'..=b'9' => b - b'0',
            b'a'..=b'f' => b - b'a' + 10,
            _ => return None,
        };
        v = (v << 4) | u128::from(d);
    }
    Some(v)
}

/// An ordinal as an import writes it: decimal, no sign, no leading zero (None otherwise).
pub(super) fn pack_ordinal(n: &[u8]) -> Option<u32> {
    if n.is_empty() || n.len() > 10 || (n.len() > 1 && n.first() == Some(&b'0')) {
        return None;
    }
    let mut v: u64 = 0;
    for &b in n {
        if !b.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u64::from(b - b'0');
    }
    u32::try_from(v).ok()
}

/// The key of a fingerprinted row: its fingerprint (the 16 bytes) and its ordinal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct FpKey {
    hi: u64,
    lo: u64,
    ordinal: u32,
}

impl FpKey {
    pub(super) fn new(fingerprint: u128, ordinal: u32) -> Self {
        Self {
            hi: (fingerprint >> 64) as u64,
            lo: fingerprint as u64,
            ordinal,
        }
    }
}

impl Hash for FpKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.hi);
        state.write_u64(self.lo ^ u64::from(self.ordinal));
    }
}

/// A multiply-and-fold hasher for keys that are a few machine words (the packed keys above),
/// seeded once per index from the standard library's random state so that the bucket of a key
/// cannot be predicted from outside.
#[derive(Debug, Clone, Copy)]
pub(super) struct Fold {
    seed: u64,
}

impl Default for Fold {
    fn default() -> Self {
        Self {
            seed: RandomState::new().hash_one(0x5eed_u64),
        }
    }
}

impl BuildHasher for Fold {
    type Hasher = FoldHasher;

    fn build_hasher(&self) -> FoldHasher {
        FoldHasher { state: self.seed }
    }
}

/// The hasher of [`Fold`].
#[derive(Debug, Clone, Copy)]
pub(super) struct FoldHasher {
    state: u64,
}

/// An odd 64-bit constant (the fractional part of the golden ratio).
const K: u64 = 0x9e37_79b9_7f4a_7c15;

/// The 128-bit product of two words, its halves xor-ed: every output bit depends on every
/// input bit.
fn fold(a: u64, b: u64) -> u64 {
    let p = u128::from(a).wrapping_mul(u128::from(b));
    (p as u64) ^ ((p >> 64) as u64)
}

impl Hasher for FoldHasher {
    fn write(&mut self, bytes: &[u8]) {
        // not used by the packed keys; correct for any bytes all the same
        for chunk in bytes.chunks(8) {
            let mut word = [0; 8];
            word.get_mut(..chunk.len())
                .unwrap_or_default()
                .copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
        self.write_u64(bytes.len() as u64);
    }

    fn write_u64(&mut self, v: u64) {
        self.state = fold(self.state ^ v, K);
    }

    fn write_u128(&mut self, v: u128) {
        self.write_u64((v >> 64) as u64);
        self.write_u64(v as u64);
    }

    fn finish(&self) -> u64 {
        self.state
    }
}

/// A hash map with the [`Fold`] hasher.
pub(super) type FoldMap<K, V> = HashMap<K, V, Fold>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packing_keeps_every_key_apart() {
        let utrs: [&[u8]; 7] = [
            b"0",
            b"00",
            b"A",
            b"Z0",
            b"601512345678",
            b"HDFCN26005123456",
            b"UTIBR52026010500012345",
        ];
        let packed: Vec<u128> = utrs.iter().map(|u| pack_utr(u).unwrap()).collect();
        for (i, a) in packed.iter().enumerate() {
            for b in packed.iter().skip(i + 1) {
                assert_ne!(a, b);
            }
        }
        assert_eq!(
            pack_utr(b"ZZZZZZZZZZZZZZZZZZZZZZ").map(|v| v > 0),
            Some(true)
        );
        for bad in [&b""[..], b"abc", b"A-1", b"ZZZZZZZZZZZZZZZZZZZZZZZ"] {
            assert_eq!(pack_utr(bad), None, "{bad:?}");
        }
        assert_eq!(
            pack_hex(b"000102030405060708090a0b0c0d0eff"),
            Some(0x0001_0203_0405_0607_0809_0a0b_0c0d_0eff)
        );
        assert_eq!(pack_hex(b"000102030405060708090A0B0C0D0EFF"), None);
        assert_eq!(pack_hex(b"00"), None);
        assert_eq!(pack_ordinal(b"1"), Some(1));
        assert_eq!(pack_ordinal(b"0"), Some(0));
        assert_eq!(pack_ordinal(b"4294967295"), Some(u32::MAX));
        for bad in [&b""[..], b"01", b"4294967296", b"99999999999", b"+1", b"1a"] {
            assert_eq!(pack_ordinal(bad), None, "{bad:?}");
        }
    }
}
