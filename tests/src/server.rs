//! A real backend on a loopback port, driven over HTTP.

use std::net::SocketAddr;

use elevate_backend::config::Settings;
use elevate_backend::state::AppState;
use figment::providers::Serialized;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::db::TestDb;

pub struct TestApp {
    pub addr: SocketAddr,
    pub base: String,
    pub client: reqwest::Client,
    pub db: TestDb,
    pub state: AppState,
}

/// A response: status, headers and the body parsed as JSON (`Value::Null` if not JSON).
#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Resp {
    /// Asserts the error envelope shape and returns its code.
    pub fn error_code(&self) -> String {
        let err = self
            .body
            .get("error")
            .unwrap_or_else(|| panic!("no error envelope in {} {}", self.status, self.text));
        for field in ["code", "message", "details", "request_id"] {
            assert!(
                err.get(field).is_some(),
                "error lacks `{field}`: {}",
                self.text
            );
        }
        assert!(err["details"].is_object(), "details must be an object");
        let rid = self
            .headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        assert!(!rid.is_empty(), "response lacks x-request-id");
        assert_eq!(
            err["request_id"], rid,
            "envelope request_id must match the header"
        );
        err["code"].as_str().unwrap_or_default().to_owned()
    }
}

/// A signed-up tenant with its administrator's token.
#[derive(Debug, Clone)]
pub struct TenantFixture {
    pub tenant_id: Uuid,
    pub slug: String,
    pub admin_id: Uuid,
    pub admin_email: String,
    pub token: String,
}

pub const TEST_PASSWORD: &str = "test passphrase 2026";

impl TestApp {
    pub async fn spawn() -> anyhow::Result<Self> {
        Self::spawn_with(json!({})).await
    }

    /// Spawns with settings overrides, e.g. `json!({"http": {"body_limit_bytes": 2048}})`.
    pub async fn spawn_with(overrides: Value) -> anyhow::Result<Self> {
        let db = TestDb::new().await?;
        Self::spawn_on(db, overrides).await
    }

    pub async fn spawn_on(db: TestDb, overrides: Value) -> anyhow::Result<Self> {
        let fig = Settings::figment(None)
            .merge(Serialized::default(
                "database.url",
                crate::db::app_url(&db.name),
            ))
            .merge(Serialized::default(
                "auth.key_encryption_key",
                "test-secret-0123456789abcdef0123456789",
            ))
            .merge(Serialized::defaults(overrides));
        let settings: Settings = fig.extract()?;
        let redis = match &settings.redis.url {
            Some(url) => Some(elevate_backend::state::connect_redis(url).await?),
            None => None,
        };
        let state = AppState::from_parts(settings, db.app.clone(), redis);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let app = elevate_backend::http::app(state.clone());
        tokio::spawn(async move {
            // With connect info, so per-IP rate limits see the client address.
            let _ = axum::serve(
                listener,
                app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .await;
        });
        Ok(Self {
            addr,
            base: format!("http://{addr}"),
            client: reqwest::Client::new(),
            db,
            state,
        })
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Sends a request with an optional bearer token and JSON body.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Resp {
        let mut req = self.client.request(method, self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        Self::read(req.send().await.expect("request failed")).await
    }

    pub async fn read(resp: reqwest::Response) -> Resp {
        let status = resp.status();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Resp {
            status,
            headers,
            body,
            text,
        }
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Resp {
        self.call(Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Resp {
        self.call(Method::POST, path, token, Some(body)).await
    }

    /// Signs up a tenant and signs its administrator in.
    pub async fn sign_up(&self, slug: &str) -> TenantFixture {
        let email = format!("admin@{slug}.example");
        let r = self
            .post(
                "/api/v1/tenants",
                None,
                &json!({
                    "name": format!("{slug} Ltd"),
                    "slug": slug,
                    "admin_email": email,
                    "admin_name": format!("{slug} admin"),
                    "admin_password": TEST_PASSWORD,
                }),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "sign-up failed: {}", r.text);
        let tenant_id: Uuid = serde_json::from_value(r.body["tenant"]["id"].clone()).unwrap();
        let admin_id: Uuid = serde_json::from_value(r.body["admin"]["id"].clone()).unwrap();
        let token = self.login(slug, &email, TEST_PASSWORD).await;
        TenantFixture {
            tenant_id,
            slug: slug.to_owned(),
            admin_id,
            admin_email: email,
            token,
        }
    }

    pub async fn login(&self, slug: &str, email: &str, password: &str) -> String {
        let r = self
            .post(
                "/api/v1/auth/login",
                None,
                &json!({ "tenant": slug, "email": email, "password": password }),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "login failed: {}", r.text);
        r.body["access_token"].as_str().unwrap().to_owned()
    }
}

/// Outbox worker settings for tests: one lane, short polls and retries.
pub fn fast_worker_settings() -> elevate_backend::config::WorkerSettings {
    elevate_backend::config::WorkerSettings {
        in_serve: false,
        concurrency: 1,
        batch_size: 20,
        poll_interval_ms: 50,
        max_attempts: 5,
        retry_base_ms: 10,
        retry_max_ms: 50,
        breaker_threshold: 5,
        breaker_cooldown_secs: 1,
        http_timeout_secs: 5,
        secret_rotation_grace_secs: 3600,
    }
}

impl TestApp {
    /// Runs an outbox worker (no push sender) against this app's database until the
    /// returned sender is set to `true` or dropped.
    pub fn start_worker(&self) -> tokio::sync::watch::Sender<bool> {
        let (stop, rx) = tokio::sync::watch::channel(false);
        let db = self.db.app.clone();
        tokio::spawn(async move {
            elevate_backend::worker::run(db, fast_worker_settings(), None, rx).await
        });
        stop
    }
}
