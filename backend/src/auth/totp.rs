//! TOTP (RFC 6238: SHA-1, 6 digits, 30-second steps) with replay protection.
//!
//! A code is accepted for the current step or one step either side (clock drift),
//! but only if its step is later than the last step accepted for that user, so a
//! code seen once cannot be used again inside its window.

use base64::Engine;
use totp_rs::{Algorithm, TOTP};

pub const STEP_SECS: u64 = 30;
pub const DIGITS: usize = 6;

fn totp(secret: &[u8], issuer: &str, account: &str) -> anyhow::Result<TOTP> {
    TOTP::new(
        Algorithm::SHA1,
        DIGITS,
        1,
        STEP_SECS,
        secret.to_vec(),
        Some(issuer.to_owned()),
        account.to_owned(),
    )
    .map_err(|e| anyhow::anyhow!("totp: {e}"))
}

/// A new 160-bit secret (the RFC 4226 recommendation).
pub fn new_secret() -> Vec<u8> {
    use rand::RngCore;
    let mut s = vec![0u8; 20];
    rand::rngs::OsRng.fill_bytes(&mut s);
    s
}

/// What an authenticator app needs: the base32 secret, the otpauth URL and a QR code.
pub struct Enrolment {
    pub secret_base32: String,
    pub otpauth_url: String,
    pub qr_png_data_url: String,
}

pub fn enrolment(secret: &[u8], issuer: &str, account: &str) -> anyhow::Result<Enrolment> {
    let t = totp(secret, issuer, account)?;
    let png = t.get_qr_png().map_err(|e| anyhow::anyhow!("qr: {e}"))?;
    Ok(Enrolment {
        secret_base32: t.get_secret_base32(),
        otpauth_url: t.get_url(),
        qr_png_data_url: format!(
            "data:image/png;base64,{}",
            base64::engine::general_purpose::STANDARD.encode(png)
        ),
    })
}

/// Why a code was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum CodeRejected {
    Wrong,
    /// Right code, but its step was already used.
    Replayed,
}

/// Checks `code` at unix time `now`; on success returns the step to store as last used.
pub fn check(
    secret: &[u8],
    code: &str,
    now: u64,
    last_used_step: u64,
) -> Result<u64, CodeRejected> {
    let code = code.trim();
    if code.len() != DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(CodeRejected::Wrong);
    }
    let Ok(t) = totp(secret, "x", "x") else {
        return Err(CodeRejected::Wrong);
    };
    let current = now / STEP_SECS;
    let mut replayed = false;
    for step in [current.saturating_sub(1), current, current + 1] {
        let expected = t.generate(step * STEP_SECS);
        if constant_time_eq(expected.as_bytes(), code.as_bytes()) {
            if step <= last_used_step {
                replayed = true;
                continue;
            }
            return Ok(step);
        }
    }
    Err(if replayed {
        CodeRejected::Replayed
    } else {
        CodeRejected::Wrong
    })
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The code for unix time `at` (tests and tools).
pub fn code_at(secret: &[u8], at: u64) -> anyhow::Result<String> {
    Ok(totp(secret, "x", "x")?.generate(at))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6238_vector() {
        // RFC 6238 appendix B, SHA-1, T = 59 s → 94287082 (8 digits); 6 digits → 287082.
        let secret = b"12345678901234567890";
        assert_eq!(code_at(secret, 59).unwrap(), "287082");
    }

    #[test]
    fn accepts_adjacent_steps_once_and_rejects_replay() {
        let s = new_secret();
        let now = 1_800_000_000;
        let code = code_at(&s, now).unwrap();
        let step = check(&s, &code, now, 0).unwrap();
        assert_eq!(step, now / STEP_SECS);
        assert_eq!(check(&s, &code, now, step), Err(CodeRejected::Replayed));
        let prev = code_at(&s, now - STEP_SECS).unwrap();
        assert_eq!(check(&s, &prev, now, 0), Ok(step - 1));
        assert_eq!(check(&s, &prev, now, step), Err(CodeRejected::Replayed));
        let old = code_at(&s, now - 5 * STEP_SECS).unwrap();
        if old != code && old != prev {
            assert_eq!(check(&s, &old, now, 0), Err(CodeRejected::Wrong));
        }
        assert_eq!(check(&s, "12345", now, 0), Err(CodeRejected::Wrong));
        assert_eq!(check(&s, "abcdef", now, 0), Err(CodeRejected::Wrong));
    }

    #[test]
    fn enrolment_has_url_and_png() {
        let e = enrolment(&new_secret(), "ElevateCRM", "ann@acme.example").unwrap();
        assert!(e.otpauth_url.starts_with("otpauth://totp/ElevateCRM:ann"));
        assert!(e.otpauth_url.contains(&e.secret_base32));
        assert!(e.qr_png_data_url.starts_with("data:image/png;base64,iVBOR"));
    }
}
