//! Access tokens: short-lived JWTs carrying user, tenant and roles, with a key id
//! in the header so keys can rotate.

use chrono::Utc;
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Claims {
    /// User id.
    pub sub: Uuid,
    /// Tenant id.
    pub tid: Uuid,
    pub roles: Vec<String>,
    pub iss: String,
    pub iat: i64,
    pub exp: i64,
    /// Token id, for revocation lists and logs.
    pub jti: Uuid,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum TokenError {
    #[error("the access token has expired")]
    Expired,
    #[error("the access token is not valid")]
    Invalid,
}

pub struct TokenKeys {
    kid: String,
    encoding: EncodingKey,
    decoding: DecodingKey,
    issuer: String,
    ttl_secs: i64,
}

impl TokenKeys {
    pub fn new(secret: &SecretString, issuer: &str, ttl_secs: i64) -> Self {
        let bytes = secret.expose_secret().as_bytes();
        // The key id is derived from the key, so rotating the secret changes it.
        let kid = {
            use sha2::Digest;
            hex::encode(&sha2::Sha256::digest(bytes)[..8])
        };
        Self {
            kid,
            encoding: EncodingKey::from_secret(bytes),
            decoding: DecodingKey::from_secret(bytes),
            issuer: issuer.to_owned(),
            ttl_secs,
        }
    }

    pub fn ttl_secs(&self) -> i64 {
        self.ttl_secs
    }

    pub fn issue(&self, user: Uuid, tenant: Uuid, roles: Vec<String>) -> anyhow::Result<String> {
        let now = Utc::now().timestamp();
        let claims = Claims {
            sub: user,
            tid: tenant,
            roles,
            iss: self.issuer.clone(),
            iat: now,
            exp: now + self.ttl_secs,
            jti: Uuid::now_v7(),
        };
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(self.kid.clone());
        Ok(encode(&header, &claims, &self.encoding)?)
    }

    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Invalid)?;
        if header.alg != Algorithm::HS256 || header.kid.as_deref() != Some(self.kid.as_str()) {
            return Err(TokenError::Invalid);
        }
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[&self.issuer]);
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "iss", "sub"]);
        decode::<Claims>(token, &self.decoding, &validation)
            .map(|d| d.claims)
            .map_err(|e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenError::Expired,
                _ => TokenError::Invalid,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(secret: &str) -> TokenKeys {
        TokenKeys::new(&SecretString::from(secret.to_owned()), "elevatecrm", 900)
    }

    #[test]
    fn issued_tokens_verify_and_carry_claims() {
        let k = keys("a-long-enough-test-secret-value-1");
        let (u, t) = (Uuid::now_v7(), Uuid::now_v7());
        let tok = k.issue(u, t, vec!["admin".into()]).unwrap();
        let c = k.verify(&tok).unwrap();
        assert_eq!(
            (c.sub, c.tid, c.roles.clone()),
            (u, t, vec!["admin".into()])
        );
        assert_eq!(c.exp - c.iat, 900);
    }

    #[test]
    fn foreign_key_tampering_and_alg_none_are_rejected() {
        let k = keys("a-long-enough-test-secret-value-1");
        let other = keys("another-secret-entirely-000000000");
        let tok = other.issue(Uuid::nil(), Uuid::nil(), vec![]).unwrap();
        assert_eq!(k.verify(&tok), Err(TokenError::Invalid));

        let good = k.issue(Uuid::now_v7(), Uuid::now_v7(), vec![]).unwrap();
        let mut parts: Vec<&str> = good.split('.').collect();
        use base64::Engine;
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let none_header = b64.encode(br#"{"alg":"none","typ":"JWT"}"#);
        parts[0] = &none_header;
        let forged = format!("{}.{}.", parts[0], parts[1]);
        assert_eq!(k.verify(&forged), Err(TokenError::Invalid));

        let mut claims: serde_json::Value =
            serde_json::from_slice(&b64.decode(good.split('.').nth(1).unwrap()).unwrap()).unwrap();
        claims["tid"] = serde_json::json!(Uuid::now_v7());
        let tampered_payload = b64.encode(serde_json::to_vec(&claims).unwrap());
        let g: Vec<&str> = good.split('.').collect();
        let tampered = format!("{}.{}.{}", g[0], tampered_payload, g[2]);
        assert_eq!(k.verify(&tampered), Err(TokenError::Invalid));
    }

    #[test]
    fn expired_tokens_are_rejected_as_expired() {
        let k = TokenKeys::new(
            &SecretString::from("a-long-enough-test-secret-value-1".to_owned()),
            "elevatecrm",
            -10,
        );
        let tok = k.issue(Uuid::now_v7(), Uuid::now_v7(), vec![]).unwrap();
        assert_eq!(k.verify(&tok), Err(TokenError::Expired));
    }
}
