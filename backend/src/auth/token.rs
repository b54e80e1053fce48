//! Access tokens and MFA tickets: short-lived EdDSA JWTs signed by the [`Keyring`],
//! told apart by audience so one can never be used as the other.

use chrono::Utc;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::auth::keys::Keyring;

/// Audience of access tokens.
pub const ACCESS_AUDIENCE: &str = "elevate-api";
/// Audience of the ticket between password and second factor.
pub const MFA_AUDIENCE: &str = "elevate-mfa";

/// Access token claims.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Claims {
    /// User id.
    pub sub: Uuid,
    /// Tenant id.
    pub tid: Uuid,
    /// Tenant slug, compared with an `X-Tenant` header when a client sends one.
    pub tsl: String,
    pub roles: Vec<String>,
    /// Session id: logout and revocation take effect at once because every request
    /// checks the session is still live.
    pub sid: Uuid,
    /// Set when the tenant requires MFA and the user has not enrolled yet: such a
    /// token reaches only the `/api/v1/auth/` routes.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub mfa_setup: bool,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
    /// Token id, for logs.
    pub jti: Uuid,
}

/// The ticket that proves the password step passed; exchanged with a code for tokens.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MfaTicket {
    pub sub: Uuid,
    pub tid: Uuid,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
    pub jti: Uuid,
}

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("the access token has expired")]
    Expired,
    #[error("the access token is not valid")]
    Invalid,
    #[error("the signing keys could not be loaded: {0:#}")]
    Unavailable(anyhow::Error),
}

/// What an access token is issued for.
pub struct AccessGrant<'a> {
    pub user: Uuid,
    pub tenant: Uuid,
    pub tenant_slug: &'a str,
    pub roles: Vec<String>,
    pub session: Uuid,
    pub mfa_setup: bool,
}

impl Keyring {
    pub async fn issue_access(&self, g: AccessGrant<'_>) -> anyhow::Result<String> {
        let now = Utc::now().timestamp();
        self.sign(&Claims {
            sub: g.user,
            tid: g.tenant,
            tsl: g.tenant_slug.to_owned(),
            roles: g.roles,
            sid: g.session,
            mfa_setup: g.mfa_setup,
            iss: self.issuer().to_owned(),
            aud: ACCESS_AUDIENCE.to_owned(),
            iat: now,
            exp: now + self.access_ttl_secs(),
            jti: Uuid::now_v7(),
        })
        .await
    }

    pub async fn issue_mfa_ticket(
        &self,
        user: Uuid,
        tenant: Uuid,
        ttl_secs: i64,
    ) -> anyhow::Result<String> {
        let now = Utc::now().timestamp();
        self.sign(&MfaTicket {
            sub: user,
            tid: tenant,
            iss: self.issuer().to_owned(),
            aud: MFA_AUDIENCE.to_owned(),
            iat: now,
            exp: now + ttl_secs,
            jti: Uuid::now_v7(),
        })
        .await
    }

    pub async fn verify_access(&self, token: &str) -> Result<Claims, TokenError> {
        self.verify(token, ACCESS_AUDIENCE).await
    }

    pub async fn verify_mfa_ticket(&self, token: &str) -> Result<MfaTicket, TokenError> {
        self.verify(token, MFA_AUDIENCE).await
    }
}
