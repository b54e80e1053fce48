//! Typed, layered configuration: built-in defaults, then an optional TOML file
//! (`ELEVATE_CONFIG`, default `elevate.toml` if present), then `ELEVATE_*`
//! environment variables (`ELEVATE_HTTP__BIND=0.0.0.0:8080`). The conventional
//! `DATABASE_URL` and `REDIS_URL` are honoured too. Secrets are wrapped in
//! [`SecretString`] so they never reach a log line or a `Debug` print.

use std::path::PathBuf;

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    pub http: HttpSettings,
    pub database: DatabaseSettings,
    pub redis: RedisSettings,
    pub auth: AuthSettings,
    pub log: LogSettings,
    pub email: EmailSettings,
    pub worker: WorkerSettings,
    pub live: LiveSettings,
    #[serde(default)]
    pub push: PushSettings,
}

/// Push notifications (FCM HTTP v1). Without a service account, notifications are
/// only stored for the in-app notification centre.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct PushSettings {
    /// The service-account key JSON itself (e.g. from a secret store)…
    pub fcm_service_account_json: Option<SecretString>,
    /// …or a path to the key file.
    pub fcm_service_account_file: Option<String>,
    /// Defaults to the key's `project_id`.
    pub fcm_project_id: Option<String>,
    /// Defaults to `https://fcm.googleapis.com`.
    pub fcm_base_url: Option<String>,
    /// Defaults to the key's `token_uri`, else Google's.
    pub fcm_token_uri: Option<String>,
}

/// Live updates over WebSocket.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LiveSettings {
    /// Events buffered for WebSocket clients; a client further behind is dropped.
    pub buffer: usize,
}

/// The outbox worker (inside `serve`, and the `worker` command).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WorkerSettings {
    /// Run the outbox worker inside `serve` (turn off when separate `worker`
    /// processes do the delivering).
    pub in_serve: bool,
    /// Destinations a process delivers to at the same time.
    pub concurrency: usize,
    /// Deliveries sent per destination claim.
    pub batch_size: i64,
    /// How often an idle worker looks for work (besides being woken by NOTIFY).
    pub poll_interval_ms: u64,
    /// Attempts before a delivery becomes a dead letter.
    pub max_attempts: i32,
    /// First retry delay; doubles per attempt (with jitter), capped by `retry_max_ms`.
    pub retry_base_ms: u64,
    pub retry_max_ms: u64,
    /// Consecutive failures that open a destination's circuit.
    pub breaker_threshold: i32,
    /// How long an open circuit stays open before one trial delivery.
    pub breaker_cooldown_secs: u64,
    /// Per-request timeout for webhook deliveries.
    pub http_timeout_secs: u64,
    /// How long the previous webhook secret keeps signing after a rotation.
    pub secret_rotation_grace_secs: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HttpSettings {
    /// Address the API and web view listen on.
    pub bind: String,
    /// Largest accepted request body, in bytes.
    pub body_limit_bytes: usize,
    /// Requests taking longer than this are answered with a `timeout` error.
    pub request_timeout_secs: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DatabaseSettings {
    /// The server's connection: the `elevate_app` role, subject to row-level security.
    pub url: SecretString,
    /// The schema owner's connection, used only by `migrate`.
    pub owner_url: SecretString,
    pub max_connections: u32,
    pub connect_timeout_secs: u64,
}

#[derive(Debug, Clone, Deserialize, Default)]
pub struct RedisSettings {
    /// Optional: without it, caches, pub/sub and rate limits run in-process.
    pub url: Option<SecretString>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AuthSettings {
    /// Encrypts the token signing keys stored in the database (AES-256-GCM with a key
    /// derived from this value). Unset: keys are stored unencrypted (a warning is logged).
    pub key_encryption_key: Option<SecretString>,
    pub access_token_ttl_secs: i64,
    pub issuer: String,
    /// A new signing key is generated when the current one is older than this.
    pub key_rotation_days: u64,
    /// Absolute lifetime of a session (its refresh tokens).
    pub session_ttl_secs: i64,
    /// How long the ticket between password and second factor lasts.
    pub mfa_ticket_ttl_secs: i64,
    /// Sign-in, refresh, MFA and reset attempts per minute, per client IP and per account.
    pub attempts_per_minute: u32,
    /// API requests per minute per tenant (or per API key).
    pub api_requests_per_minute: u32,
    /// Consecutive failed sign-ins before the account locks (30 s, doubling per failure, ≤ 1 h).
    pub lockout_threshold: i32,
    /// Prefix of rate-limit keys in Redis.
    pub rate_limit_prefix: String,
    /// Base URL of the web app, for links in e-mails.
    pub public_url: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EmailSettings {
    /// `log` (default: recipient and subject to the log) or `file` (one file per message).
    pub sender: String,
    /// Directory for the `file` sender.
    pub dir: String,
    pub from: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LogSettings {
    /// `json` (default) or `pretty`.
    pub format: String,
    /// A tracing `EnvFilter` directive, overridden by `RUST_LOG`.
    pub level: String,
}

/// Defaults as a serialisable tree, so figment can layer the file and env over them.
#[derive(Serialize)]
struct Defaults {
    http: HttpSettings,
    database: DefaultDb,
    redis: DefaultRedis,
    auth: DefaultAuth,
    log: LogSettings,
    email: EmailSettings,
    worker: WorkerSettings,
    live: LiveSettings,
}

#[derive(Serialize)]
struct DefaultDb {
    url: &'static str,
    owner_url: &'static str,
    max_connections: u32,
    connect_timeout_secs: u64,
}

#[derive(Serialize)]
struct DefaultRedis {}

#[derive(Serialize)]
struct DefaultAuth {
    access_token_ttl_secs: i64,
    issuer: &'static str,
    key_rotation_days: u64,
    session_ttl_secs: i64,
    mfa_ticket_ttl_secs: i64,
    attempts_per_minute: u32,
    api_requests_per_minute: u32,
    lockout_threshold: i32,
    rate_limit_prefix: &'static str,
    public_url: &'static str,
}

pub const DEFAULT_DATABASE_URL: &str = "postgres://elevate_app:elevate_app@127.0.0.1:5432/elevate";
pub const DEFAULT_OWNER_DATABASE_URL: &str =
    "postgres://elevate_owner:elevate_owner@127.0.0.1:5432/elevate";

fn defaults() -> Defaults {
    Defaults {
        http: HttpSettings {
            bind: "127.0.0.1:8080".into(),
            body_limit_bytes: 1024 * 1024,
            request_timeout_secs: 30,
        },
        database: DefaultDb {
            url: DEFAULT_DATABASE_URL,
            owner_url: DEFAULT_OWNER_DATABASE_URL,
            max_connections: 20,
            connect_timeout_secs: 5,
        },
        redis: DefaultRedis {},
        auth: DefaultAuth {
            access_token_ttl_secs: 15 * 60,
            issuer: "elevatecrm",
            key_rotation_days: 30,
            session_ttl_secs: 30 * 24 * 3600,
            mfa_ticket_ttl_secs: 300,
            attempts_per_minute: 10,
            api_requests_per_minute: 6000,
            lockout_threshold: 5,
            rate_limit_prefix: "elevate:rl:",
            public_url: "http://127.0.0.1:8080",
        },
        log: LogSettings {
            format: "json".into(),
            level: "info".into(),
        },
        email: EmailSettings {
            sender: "log".into(),
            dir: "target/outbox".into(),
            from: "ElevateCRM <no-reply@elevatecrm.test>".into(),
        },
        worker: WorkerSettings {
            in_serve: true,
            concurrency: 4,
            batch_size: 50,
            poll_interval_ms: 1000,
            max_attempts: 10,
            retry_base_ms: 2000,
            retry_max_ms: 3_600_000,
            breaker_threshold: 5,
            breaker_cooldown_secs: 60,
            http_timeout_secs: 10,
            secret_rotation_grace_secs: 24 * 3600,
        },
        live: LiveSettings { buffer: 4096 },
    }
}

impl Settings {
    /// Loads defaults → file → environment.
    pub fn load() -> Result<Self, Box<figment::Error>> {
        let file = std::env::var_os("ELEVATE_CONFIG")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("elevate.toml"));
        Self::figment(Some(file)).extract().map_err(Box::new)
    }

    /// The layered sources; exposed so tests can add their own layer on top.
    pub fn figment(file: Option<PathBuf>) -> Figment {
        let mut fig = Figment::from(Serialized::defaults(defaults()));
        if let Some(file) = file {
            fig = fig.merge(Toml::file(file));
        }
        fig = fig.merge(Env::prefixed("ELEVATE_").split("__"));
        if let Ok(url) = std::env::var("DATABASE_URL") {
            fig = fig.merge(Serialized::default("database.url", url));
        }
        if let Ok(url) = std::env::var("REDIS_URL") {
            if !url.is_empty() {
                fig = fig.merge(Serialized::default("redis.url", url));
            }
        }
        fig
    }
}

/// A database URL with the password removed, for messages and logs.
pub fn redact_url(url: &SecretString) -> String {
    let raw = url.expose_secret();
    match raw.split_once("://") {
        Some((scheme, rest)) => match rest.rsplit_once('@') {
            Some((userinfo, host)) => {
                let user = userinfo.split(':').next().unwrap_or("");
                format!("{scheme}://{user}@{host}")
            }
            None => raw.to_string(),
        },
        None => "<unparseable url>".into(),
    }
}

#[cfg(test)]
// figment::Jail fixes the closure's error type (figment::Error), which is large.
#[allow(clippy::result_large_err)]
mod tests {
    use super::*;

    #[test]
    fn defaults_load_without_any_file_or_env() {
        let s: Settings = Settings::figment(None).extract().unwrap();
        assert_eq!(s.http.body_limit_bytes, 1024 * 1024);
        assert_eq!(s.auth.access_token_ttl_secs, 900);
        assert!(s.database.url.expose_secret().contains("elevate_app@"));
    }

    #[test]
    fn file_and_env_layers_override_defaults_in_order() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "cfg.toml",
                "[http]\nbind = \"0.0.0.0:9000\"\nbody_limit_bytes = 2048\n",
            )?;
            jail.set_env("ELEVATE_HTTP__BODY_LIMIT_BYTES", "4096");
            let s: Settings = Settings::figment(Some("cfg.toml".into())).extract()?;
            assert_eq!(s.http.bind, "0.0.0.0:9000", "file overrides default");
            assert_eq!(s.http.body_limit_bytes, 4096, "env overrides file");
            Ok(())
        });
    }

    #[test]
    fn secrets_never_print() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("ELEVATE_AUTH__KEY_ENCRYPTION_KEY", "super-secret-value");
            jail.set_env("DATABASE_URL", "postgres://u:hunter2pw@db:5432/x");
            let s: Settings = Settings::figment(None).extract()?;
            let dbg = format!("{s:?}");
            assert!(!dbg.contains("super-secret-value"), "{dbg}");
            assert!(!dbg.contains("hunter2pw"), "{dbg}");
            assert_eq!(redact_url(&s.database.url), "postgres://u@db:5432/x");
            Ok(())
        });
    }
}
