//! Shared application state handed to every handler.

use std::sync::Arc;

use secrecy::SecretString;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;

use crate::auth::email::{EmailSender, FileSender, LogSender};
use crate::auth::keys::Keyring;
use crate::auth::rate_limit::{MemoryLimiter, RateLimiter, RedisLimiter};
use crate::config::{redact_url, Settings};
use crate::live::LiveBus;

#[derive(Clone)]
pub struct AppState {
    pub settings: Arc<Settings>,
    /// Pool of `elevate_app` connections; every tenant query goes through a `TenantTx`.
    pub db: PgPool,
    pub redis: Option<redis::aio::ConnectionManager>,
    /// Token signing keys, shared with other replicas through the database.
    pub keys: Arc<Keyring>,
    /// Redis-backed when Redis is configured, in-process otherwise.
    pub limiter: Arc<dyn RateLimiter>,
    pub email: Arc<dyn EmailSender>,
    /// Committed events for WebSocket clients (through Redis pub/sub when configured).
    pub live: LiveBus,
    /// Joins concurrent post-commit seals of the event chain.
    pub sealer: Arc<crate::db::events::SealGate>,
}

/// Why start-up could not reach a dependency, phrased for the person starting it.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("cannot reach PostgreSQL at {url} ({cause}); start PostgreSQL (for example `pg_ctlcluster 15 main start`, or run ./scripts/demo, which starts one) or set DATABASE_URL")]
    Database { url: String, cause: String },
    #[error("the server's database role '{role}' is a superuser or has BYPASSRLS, which would switch off tenant isolation; connect as the elevate_app role")]
    UnsafeRole { role: String },
    #[error("cannot reach Redis at the configured REDIS_URL ({cause}); start Redis or unset REDIS_URL to use the in-process fallback")]
    Redis { cause: String },
}

pub async fn connect_db(
    url: &SecretString,
    max_connections: u32,
    timeout_secs: u64,
) -> Result<PgPool, StartupError> {
    use secrecy::ExposeSecret;
    let opts: PgConnectOptions =
        url.expose_secret()
            .parse()
            .map_err(|e: sqlx::Error| StartupError::Database {
                url: redact_url(url),
                cause: e.to_string(),
            })?;
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(std::time::Duration::from_secs(timeout_secs))
        .connect_with(opts)
        .await
        .map_err(|e| StartupError::Database {
            url: redact_url(url),
            cause: root_cause(&e),
        })
}

fn root_cause(e: &sqlx::Error) -> String {
    match e {
        sqlx::Error::Io(io) => io.to_string(),
        sqlx::Error::Database(db) => db.message().to_owned(),
        other => other.to_string(),
    }
}

/// Refuses to serve through a role for which row-level security would not apply.
pub async fn check_app_role(db: &PgPool) -> Result<(), StartupError> {
    let (role, sup, bypass): (String, bool, bool) = sqlx::query_as(
        "SELECT rolname::text, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user",
    )
    .fetch_one(db)
    .await
    .map_err(|e| StartupError::Database {
        url: "the configured database".into(),
        cause: root_cause(&e),
    })?;
    if sup || bypass {
        return Err(StartupError::UnsafeRole { role });
    }
    Ok(())
}

pub async fn connect_redis(
    url: &SecretString,
) -> Result<redis::aio::ConnectionManager, StartupError> {
    use secrecy::ExposeSecret;
    let client = redis::Client::open(url.expose_secret()).map_err(|e| StartupError::Redis {
        cause: e.to_string(),
    })?;
    let cfg = redis::aio::ConnectionManagerConfig::new()
        .set_connection_timeout(Some(std::time::Duration::from_secs(3)))
        .set_number_of_retries(2);
    redis::aio::ConnectionManager::new_with_config(client, cfg)
        .await
        .map_err(|e| StartupError::Redis {
            cause: e.to_string(),
        })
}

impl AppState {
    /// Connects to everything the settings name and verifies the database role.
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        let db = connect_db(
            &settings.database.url,
            settings.database.max_connections,
            settings.database.connect_timeout_secs,
        )
        .await?;
        check_app_role(&db).await?;
        let redis = match &settings.redis.url {
            Some(url) => Some(connect_redis(url).await?),
            None => None,
        };
        Ok(Self::from_parts(settings, db, redis))
    }

    pub fn from_parts(
        settings: Settings,
        db: PgPool,
        redis: Option<redis::aio::ConnectionManager>,
    ) -> Self {
        let keys = Keyring::new(
            db.clone(),
            &settings.auth.issuer,
            settings.auth.access_token_ttl_secs,
            std::time::Duration::from_secs(settings.auth.key_rotation_days * 24 * 3600),
            settings.auth.key_encryption_key.as_ref(),
        );
        let limiter: Arc<dyn RateLimiter> = match &redis {
            Some(conn) => Arc::new(RedisLimiter::new(
                conn.clone(),
                &settings.auth.rate_limit_prefix,
            )),
            None => Arc::new(MemoryLimiter::default()),
        };
        let email: Arc<dyn EmailSender> = match settings.email.sender.as_str() {
            "file" => Arc::new(FileSender {
                dir: settings.email.dir.clone().into(),
            }),
            _ => Arc::new(LogSender),
        };
        let live = match (&redis, &settings.redis.url) {
            (Some(conn), Some(url)) => {
                use secrecy::ExposeSecret;
                match redis::Client::open(url.expose_secret()) {
                    Ok(client) => LiveBus::with_redis(settings.live.buffer, client, conn.clone()),
                    Err(_) => LiveBus::local(settings.live.buffer),
                }
            }
            _ => LiveBus::local(settings.live.buffer),
        };
        Self {
            live,
            sealer: Arc::default(),
            settings: Arc::new(settings),
            db,
            redis,
            keys: Arc::new(keys),
            limiter,
            email,
        }
    }
}
