//! Push notifications through Firebase Cloud Messaging HTTP v1.
//!
//! (The legacy FCM endpoint the `fcm` crate speaks was shut down in 2024.) The
//! sender authenticates with a service-account key: it signs a JWT (RS256) with the
//! key, exchanges it at the token URI for an OAuth2 access token (the JWT-bearer
//! grant, RFC 7523), caches that token until shortly before it expires, and posts
//! each message to `{base_url}/v1/projects/{project_id}/messages:send`. Base URL and
//! token URI are configurable so tests can point them at a loopback mock.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::future::BoxFuture;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tokio::sync::Mutex;

/// What a user's device is sent.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PushMessage {
    pub title: String,
    pub body: String,
    /// String key/values delivered to the app with the notification.
    pub data: std::collections::BTreeMap<String, String>,
}

/// How one send went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushOutcome {
    Sent,
    /// The token is no longer valid (app uninstalled, token rotated): forget it.
    Unregistered,
    /// Quota exceeded or a server error: try again later.
    Retry(String),
    /// A permanent error for this message (bad request, wrong sender).
    Failed(String),
}

/// Sends pushes; behind a trait so the worker does not care how.
pub trait PushSender: Send + Sync {
    fn send<'a>(&'a self, token: &'a str, msg: &'a PushMessage) -> BoxFuture<'a, PushOutcome>;
}

/// A Google service-account key file (the fields used here).
#[derive(Debug, Clone, Deserialize)]
pub struct ServiceAccount {
    pub project_id: Option<String>,
    pub client_email: String,
    pub private_key: String,
    pub token_uri: Option<String>,
}

pub const FCM_SCOPE: &str = "https://www.googleapis.com/auth/firebase.messaging";
pub const GOOGLE_TOKEN_URI: &str = "https://oauth2.googleapis.com/token";
pub const FCM_BASE_URL: &str = "https://fcm.googleapis.com";

#[derive(Serialize)]
struct GrantClaims<'a> {
    iss: &'a str,
    scope: &'a str,
    aud: &'a str,
    iat: i64,
    exp: i64,
}

pub struct FcmSender {
    http: reqwest::Client,
    project_id: String,
    base_url: String,
    token_uri: String,
    client_email: String,
    key: jsonwebtoken::EncodingKey,
    token: Mutex<Option<(SecretString, Instant)>>,
}

impl FcmSender {
    /// From a service-account key; `base_url`/`token_uri` override Google's.
    pub fn new(
        account: &ServiceAccount,
        project_id: Option<&str>,
        base_url: Option<&str>,
        token_uri: Option<&str>,
    ) -> anyhow::Result<Self> {
        let key = jsonwebtoken::EncodingKey::from_rsa_pem(account.private_key.as_bytes())
            .map_err(|e| anyhow::anyhow!("the service-account private key is not valid: {e}"))?;
        let project_id = project_id
            .map(str::to_owned)
            .or_else(|| account.project_id.clone())
            .ok_or_else(|| anyhow::anyhow!("no FCM project id configured"))?;
        Ok(Self {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()?,
            project_id,
            base_url: base_url
                .unwrap_or(FCM_BASE_URL)
                .trim_end_matches('/')
                .to_owned(),
            token_uri: token_uri
                .map(str::to_owned)
                .or_else(|| account.token_uri.clone())
                .unwrap_or_else(|| GOOGLE_TOKEN_URI.to_owned()),
            client_email: account.client_email.clone(),
            key,
            token: Mutex::new(None),
        })
    }

    /// A cached access token, or a new one from the JWT-bearer grant.
    async fn access_token(&self) -> Result<SecretString, String> {
        let mut cached = self.token.lock().await;
        if let Some((tok, until)) = &*cached {
            if Instant::now() < *until {
                return Ok(tok.clone());
            }
        }
        let now = chrono::Utc::now().timestamp();
        let claims = GrantClaims {
            iss: &self.client_email,
            scope: FCM_SCOPE,
            aud: &self.token_uri,
            iat: now,
            exp: now + 3600,
        };
        let assertion = jsonwebtoken::encode(
            &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256),
            &claims,
            &self.key,
        )
        .map_err(|e| format!("cannot sign the token grant: {e}"))?;
        let resp = self
            .http
            .post(&self.token_uri)
            .form(&[
                ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
                ("assertion", assertion.as_str()),
            ])
            .send()
            .await
            .map_err(|e| format!("token request failed: {e}"))?;
        if !resp.status().is_success() {
            return Err(format!("token endpoint answered {}", resp.status()));
        }
        #[derive(Deserialize)]
        struct TokenResponse {
            access_token: String,
            expires_in: Option<u64>,
        }
        let t: TokenResponse = resp
            .json()
            .await
            .map_err(|e| format!("token response is not valid: {e}"))?;
        let ttl = t.expires_in.unwrap_or(3600).saturating_sub(60).max(1);
        let tok = SecretString::from(t.access_token);
        *cached = Some((tok.clone(), Instant::now() + Duration::from_secs(ttl)));
        Ok(tok)
    }

    async fn send_one(&self, token: &str, msg: &PushMessage) -> PushOutcome {
        let access = match self.access_token().await {
            Ok(t) => t,
            Err(e) => return PushOutcome::Retry(e),
        };
        let url = format!(
            "{}/v1/projects/{}/messages:send",
            self.base_url, self.project_id
        );
        let body = json!({ "message": {
            "token": token,
            "notification": { "title": msg.title, "body": msg.body },
            "data": msg.data,
        }});
        let resp = match self
            .http
            .post(url)
            .bearer_auth(access.expose_secret())
            .json(&body)
            .send()
            .await
        {
            Ok(r) => r,
            Err(e) => return PushOutcome::Retry(format!("FCM request failed: {e}")),
        };
        let status = resp.status();
        if status.is_success() {
            return PushOutcome::Sent;
        }
        if status == reqwest::StatusCode::UNAUTHORIZED {
            // The access token was revoked or expired early: fetch a new one next time.
            *self.token.lock().await = None;
            return PushOutcome::Retry("FCM answered 401".into());
        }
        let err: serde_json::Value = resp.json().await.unwrap_or_default();
        let code = fcm_error_code(&err);
        match (status.as_u16(), code.as_deref()) {
            (_, Some("UNREGISTERED")) | (404, _) => PushOutcome::Unregistered,
            (429, _)
            | (500..=599, _)
            | (_, Some("QUOTA_EXCEEDED" | "UNAVAILABLE" | "INTERNAL")) => PushOutcome::Retry(
                format!("FCM answered {status} {}", code.unwrap_or_default()),
            ),
            _ => PushOutcome::Failed(format!(
                "FCM answered {status} {}",
                code.unwrap_or_default()
            )),
        }
    }
}

/// `error.details[].errorCode` of an FCM v1 error body (e.g. `UNREGISTERED`).
pub fn fcm_error_code(body: &serde_json::Value) -> Option<String> {
    body["error"]["details"]
        .as_array()?
        .iter()
        .find_map(|d| d["errorCode"].as_str())
        .map(str::to_owned)
}

impl PushSender for FcmSender {
    fn send<'a>(&'a self, token: &'a str, msg: &'a PushMessage) -> BoxFuture<'a, PushOutcome> {
        Box::pin(self.send_one(token, msg))
    }
}

/// The configured sender: FCM when a service account is set, none otherwise (the
/// notifications are still stored and shown in the app's notification centre).
pub fn from_settings(
    s: &crate::config::PushSettings,
) -> anyhow::Result<Option<Arc<dyn PushSender>>> {
    let json = match (&s.fcm_service_account_json, &s.fcm_service_account_file) {
        (Some(j), _) => j.expose_secret().to_owned(),
        (None, Some(path)) => {
            std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("cannot read {path}: {e}"))?
        }
        (None, None) => return Ok(None),
    };
    let account: ServiceAccount = serde_json::from_str(&json)
        .map_err(|e| anyhow::anyhow!("the service-account key is not valid JSON: {e}"))?;
    Ok(Some(Arc::new(FcmSender::new(
        &account,
        s.fcm_project_id.as_deref(),
        s.fcm_base_url.as_deref(),
        s.fcm_token_uri.as_deref(),
    )?)))
}
