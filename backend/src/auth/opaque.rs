//! Opaque secrets handed to clients (refresh tokens, API keys, invitation and reset
//! links, backup codes). Only their SHA-256 is stored: the secret part has 256 bits
//! of entropy, so a fast hash is enough and a database leak reveals nothing usable.
//!
//! Format: `<prefix>_<tenant id, 32 hex>_<secret, base64url>`. The tenant id lets the
//! server open the right tenant scope before looking the hash up under RLS.

use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// Refresh tokens.
pub const REFRESH: &str = "ert";
/// API keys.
pub const API_KEY: &str = "ek";
/// Invitation links.
pub const INVITE: &str = "eit";
/// Password reset links.
pub const RESET: &str = "ept";

/// A new secret: the string to give out once, and the hash to store.
pub struct Issued {
    pub token: String,
    pub hash: Vec<u8>,
}

pub fn hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

pub fn issue(prefix: &str, tenant: Uuid) -> Issued {
    let mut secret = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut secret);
    let token = format!(
        "{prefix}_{}_{}",
        tenant.simple(),
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret)
    );
    Issued {
        hash: hash(&token),
        token,
    }
}

/// The tenant named by a token of the given kind, if it has the right shape.
pub fn tenant_of(prefix: &str, token: &str) -> Option<Uuid> {
    let rest = token.strip_prefix(prefix)?.strip_prefix('_')?;
    let (tenant, secret) = rest.split_once('_')?;
    if tenant.len() != 32 || secret.len() != 43 {
        return None;
    }
    Uuid::try_parse(tenant).ok()
}

/// A backup code: 10 characters from an unambiguous alphabet, shown as `xxxxx-xxxxx`.
pub fn backup_code() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut bytes = [0u8; 10];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let chars: String = bytes
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect();
    format!("{}-{}", &chars[..5], &chars[5..])
}

/// Normalises what a person typed (case, spaces, dash) before hashing a backup code.
pub fn normalise_backup_code(raw: &str) -> String {
    let c: String = raw
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if c.len() == 10 {
        format!("{}-{}", &c[..5], &c[5..])
    } else {
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn issued_tokens_name_their_tenant_and_hash_stably() {
        let t = Uuid::now_v7();
        let a = issue(REFRESH, t);
        assert_eq!(tenant_of(REFRESH, &a.token), Some(t));
        assert_eq!(
            tenant_of(API_KEY, &a.token),
            None,
            "prefixes are not interchangeable"
        );
        assert_eq!(hash(&a.token), a.hash);
        assert_ne!(issue(REFRESH, t).token, a.token);
    }

    #[test]
    fn backup_codes_normalise() {
        let c = backup_code();
        assert_eq!(c.len(), 11);
        assert_eq!(
            normalise_backup_code(&c.to_uppercase().replace('-', " ")),
            c
        );
    }

    proptest! {
        #[test]
        fn garbage_never_parses_as_a_token(s in ".{0,120}") {
            if let Some(t) = tenant_of(REFRESH, &s) {
                prop_assert!(s.contains(&t.simple().to_string()));
            }
        }
    }
}
