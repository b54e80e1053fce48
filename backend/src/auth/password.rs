//! Password hashing with argon2id (per-hash random salt, PHC string format).

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use std::collections::HashSet;
use std::sync::LazyLock;

/// Common passwords of 12+ characters (shorter ones fail the length rule anyway).
static COMMON: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("common_passwords.txt")
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
});

/// Whether a password is on the bundled list of common passwords (case-insensitive).
pub fn is_common(password: &str) -> bool {
    COMMON.contains(password.trim().to_lowercase().as_str())
}

fn hasher() -> Argon2<'static> {
    // argon2id, m=19 MiB, t=2, p=1: the OWASP-recommended minimum.
    Argon2::default()
}

pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    hasher()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hashing password: {e}"))
}

/// A hash of a random password, verified against when the user does not exist, so an
/// unknown user costs the same time as a wrong password.
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| hash_password("dummy password for timing equality").expect("hash"));

/// Verifies in constant time relative to the password; `None` hash means unknown user.
pub fn verify_password(password: &str, stored: Option<&str>) -> bool {
    let (hash, known) = match stored {
        Some(h) => (h, true),
        None => (DUMMY_HASH.as_str(), false),
    };
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    let ok = hasher()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok();
    ok && known
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_common_list_is_loaded_and_case_insensitive() {
        assert!(COMMON.len() > 4000, "{}", COMMON.len());
        assert!(is_common("qwertyuiop123"));
        assert!(is_common("QwertyUIOP123"));
        assert!(!is_common("correct horse battery staple 42"));
    }

    #[test]
    fn round_trip_and_salted() {
        let a = hash_password("correct horse battery").unwrap();
        let b = hash_password("correct horse battery").unwrap();
        assert!(a.starts_with("$argon2id$"));
        assert_ne!(a, b, "each hash has its own salt");
        assert!(verify_password("correct horse battery", Some(&a)));
        assert!(!verify_password("correct horse batterY", Some(&a)));
        assert!(!verify_password("correct horse battery", None));
        assert!(!verify_password("x", Some("not a phc string")));
    }
}
