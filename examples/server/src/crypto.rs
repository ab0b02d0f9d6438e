//! Identity data at rest: AES-256-GCM with keys from the environment (rotation by key id),
//! a keyed hash (HMAC-SHA-256) for search, and masking for answers.

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine as _;
use hmac::Mac;
use sha2::{Digest, Sha256};

type HmacSha256 = hmac::Hmac<Sha256>;

/// The keys: the current encryption key, older keys still able to decrypt, and the search key.
#[derive(Clone)]
pub struct Keys {
    current: (String, Aes256Gcm),
    old: Vec<(String, Aes256Gcm)>,
    search: Vec<u8>,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Keys {{ current: {}, old: {} }}",
            self.current.0,
            self.old.len()
        )
    }
}

fn cipher(b64: &str) -> Result<Aes256Gcm, String> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .map_err(|e| format!("key is not base64: {e}"))?;
    Aes256Gcm::new_from_slice(&bytes).map_err(|_| "a key is 32 bytes".to_owned())
}

impl Keys {
    /// Keys from `id:base64key` entries: the first encrypts, all decrypt; `search` keys the
    /// search hash (it must not change while data is stored, or the hashes are recomputed).
    ///
    /// # Errors
    /// A malformed entry.
    pub fn new(entries: &str, search: &[u8]) -> Result<Self, String> {
        let mut all = Vec::new();
        for e in entries.split(',').filter(|e| !e.trim().is_empty()) {
            let (id, key) = e
                .split_once(':')
                .ok_or_else(|| "a key entry is id:base64".to_owned())?;
            all.push((id.trim().to_owned(), cipher(key)?));
        }
        if all.is_empty() {
            return Err("no encryption key".to_owned());
        }
        let current = all.remove(0);
        Ok(Self {
            current,
            old: all,
            search: search.to_vec(),
        })
    }

    /// Keys from `WINDEEP_DATA_KEYS` (`id:base64,id:base64`, newest first) and
    /// `WINDEEP_SEARCH_KEY`; with neither set, fixed development keys (logged as such).
    ///
    /// # Errors
    /// A malformed variable.
    pub fn from_env() -> Result<Self, String> {
        match (
            std::env::var("WINDEEP_DATA_KEYS"),
            std::env::var("WINDEEP_SEARCH_KEY"),
        ) {
            (Ok(k), Ok(s)) => Self::new(&k, s.as_bytes()),
            _ => {
                tracing::warn!(
                    "WINDEEP_DATA_KEYS/WINDEEP_SEARCH_KEY not set: development keys in use"
                );
                Self::development()
            }
        }
    }

    /// Fixed keys for development and tests only.
    ///
    /// # Errors
    /// Never in practice.
    pub fn development() -> Result<Self, String> {
        let k = base64::engine::general_purpose::STANDARD.encode([7u8; 32]);
        Self::new(&format!("dev1:{k}"), b"development search key")
    }

    /// The id of the key new data is encrypted with.
    pub fn current_id(&self) -> &str {
        &self.current.0
    }

    /// `keyid:base64(nonce ‖ ciphertext)`.
    ///
    /// # Errors
    /// No randomness available.
    pub fn encrypt(&self, plain: &str) -> Result<String, String> {
        let mut nonce = [0u8; 12];
        getrandom::fill(&mut nonce).map_err(|e| e.to_string())?;
        let ct = self
            .current
            .1
            .encrypt(&Nonce::from(nonce), plain.as_bytes())
            .map_err(|_| "encryption failed".to_owned())?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ct);
        Ok(format!(
            "{}:{}",
            self.current.0,
            base64::engine::general_purpose::STANDARD.encode(out)
        ))
    }

    /// Decrypts what [`Keys::encrypt`] wrote, with whichever known key wrote it.
    ///
    /// # Errors
    /// Unknown key id or data that does not authenticate.
    pub fn decrypt(&self, stored: &str) -> Result<String, String> {
        let (id, b64) = stored.split_once(':').ok_or("malformed ciphertext")?;
        let key = std::iter::once(&self.current)
            .chain(self.old.iter())
            .find(|(k, _)| k == id)
            .ok_or_else(|| format!("unknown key id {id}"))?;
        let raw = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .map_err(|_| "malformed ciphertext")?;
        if raw.len() < 12 {
            return Err("malformed ciphertext".to_owned());
        }
        let (nonce, ct) = raw.split_at(12);
        let mut n = [0u8; 12];
        n.copy_from_slice(nonce);
        let plain = key
            .1
            .decrypt(&Nonce::from(n), ct)
            .map_err(|_| "ciphertext does not authenticate")?;
        String::from_utf8(plain).map_err(|_| "not UTF-8".to_owned())
    }

    /// The keyed search hash of a normalised identity number (hex).
    pub fn search_hash(&self, kind: &str, value: &str) -> String {
        let normal: String = value
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .flat_map(char::to_uppercase)
            .collect();
        hmac_hex(&self.search, format!("{kind}:{normal}").as_bytes())
    }
}

/// HMAC-SHA-256 of `data` under `key`, lower-case hex.
pub fn hmac_hex(key: &[u8], data: &[u8]) -> String {
    // HMAC takes a key of any length.
    let mut mac = <HmacSha256 as KeyInit>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    mac.update(data);
    hex(&mac.finalize().into_bytes())
}

/// Constant-time check of a hex HMAC-SHA-256.
pub fn hmac_verify(key: &[u8], data: &[u8], given_hex: &str) -> bool {
    let Some(given) = unhex(given_hex.trim()) else {
        return false;
    };
    let Ok(mut mac) = <HmacSha256 as KeyInit>::new_from_slice(key) else {
        return false;
    };
    mac.update(data);
    mac.verify_slice(&given).is_ok()
}

/// SHA-256, lower-case hex.
pub fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// A random token: 32 bytes, URL-safe base64.
///
/// # Errors
/// No randomness available.
pub fn random_token() -> Result<String, String> {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).map_err(|e| e.to_string())?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b))
}

/// Shows the last four characters only: `XXXXXXXX1234`.
pub fn mask(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    let keep = chars.len().min(4);
    let hidden = chars.len() - keep;
    std::iter::repeat_n('X', hidden)
        .chain(chars[hidden..].iter().copied())
        .collect()
}

/// Key rotation: re-encrypts every member's identity data still under an older key with the
/// current key. Returns how many members were re-encrypted. Once it has run, the old key can
/// be dropped from `WINDEEP_DATA_KEYS`.
///
/// # Errors
/// Storage errors, or data no known key decrypts.
pub async fn rekey(db: &crate::db::Db, keys: &Keys) -> Result<usize, String> {
    let rows: Vec<(String, Option<String>, Option<String>)> =
        sqlx::query_as("SELECT id, aadhaar_enc, pan_enc FROM members ORDER BY id")
            .fetch_all(&db.pool)
            .await
            .map_err(|e| e.to_string())?;
    let prefix = format!("{}:", keys.current_id());
    let mut n = 0;
    for (id, a, p) in rows {
        let stale = |c: &Option<String>| c.as_deref().is_some_and(|c| !c.starts_with(&prefix));
        if !stale(&a) && !stale(&p) {
            continue;
        }
        let again = |c: Option<String>| -> Result<Option<String>, String> {
            c.map(|c| keys.decrypt(&c).and_then(|plain| keys.encrypt(&plain)))
                .transpose()
        };
        sqlx::query("UPDATE members SET aadhaar_enc = $1, pan_enc = $2 WHERE id = $3")
            .bind(again(a)?)
            .bind(again(p)?)
            .bind(&id)
            .execute(&db.pool)
            .await
            .map_err(|e| e.to_string())?;
        n += 1;
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_rotation_and_tamper() {
        let k1 = base64::engine::general_purpose::STANDARD.encode([1u8; 32]);
        let k2 = base64::engine::general_purpose::STANDARD.encode([2u8; 32]);
        let old = Keys::new(&format!("k1:{k1}"), b"s").unwrap();
        let stored = old.encrypt("1234 5678 9012").unwrap();
        assert!(stored.starts_with("k1:"));
        let rotated = Keys::new(&format!("k2:{k2},k1:{k1}"), b"s").unwrap();
        assert_eq!(rotated.decrypt(&stored).unwrap(), "1234 5678 9012");
        assert!(rotated.encrypt("x").unwrap().starts_with("k2:"));
        let mut bad = stored.clone();
        bad.pop();
        bad.push(if stored.ends_with('A') { 'B' } else { 'A' });
        assert!(old.decrypt(&bad).is_err());
        assert_eq!(
            old.search_hash("aadhaar", "1234-5678 9012"),
            rotated.search_hash("aadhaar", "123456789012")
        );
        assert_eq!(mask("ABCDE1234F"), "XXXXXX234F");
    }

    #[test]
    fn hmac_checks() {
        let sig = hmac_hex(b"secret", b"body");
        assert!(hmac_verify(b"secret", b"body", &sig));
        assert!(!hmac_verify(b"secret", b"body2", &sig));
        assert!(!hmac_verify(b"secret", b"body", "zz"));
    }
}
