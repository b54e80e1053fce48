//! Authentication primitives: passwords, the signing keyring and access tokens,
//! opaque secrets, TOTP, rate limits, the audit trail and outgoing e-mail.

pub mod audit;
pub mod email;
pub mod keys;
pub mod opaque;
pub mod password;
pub mod rate_limit;
pub mod token;
pub mod totp;
