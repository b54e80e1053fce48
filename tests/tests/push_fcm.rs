//! Push through FCM HTTP v1 against a loopback mock of Google's token endpoint and
//! FCM: the mock verifies the JWT-bearer grant with the test service account's
//! public key, the `messages:send` path, the bearer token it issued and the message
//! JSON. An approval request notifies the approver (stored in-app and pushed), an
//! `UNREGISTERED` token is deleted, and a 429 is retried with backoff.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der, PublicKeyX509Der};
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::KeyPair as _;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::post;
use axum::{Json, Router};
use base64::Engine;
use elevate_backend::config::WorkerSettings;
use elevate_backend::push::{FcmSender, PushMessage, PushOutcome, PushSender, ServiceAccount};
use elevate_tests::TestApp;
use serde_json::{json, Value};
use uuid::Uuid;

const PROJECT: &str = "elevate-test";
const CLIENT_EMAIL: &str = "push@elevate-test.iam.gserviceaccount.com";

fn pem(label: &str, der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        lines.join("\n")
    )
}

#[derive(Default)]
struct Mock {
    public_pem: String,
    token_uri: String,
    grants: AtomicUsize,
    /// Every message the mock accepted or refused: (device token, message JSON).
    messages: Mutex<Vec<(String, Value)>>,
    problems: Mutex<Vec<String>>,
    busy_left: AtomicUsize,
}

async fn token(
    State(m): State<Arc<Mock>>,
    Form(form): Form<HashMap<String, String>>,
) -> impl IntoResponse {
    let mut problems = Vec::new();
    if form.get("grant_type").map(String::as_str)
        != Some("urn:ietf:params:oauth:grant-type:jwt-bearer")
    {
        problems.push(format!("grant_type {:?}", form.get("grant_type")));
    }
    let key = jsonwebtoken::DecodingKey::from_rsa_pem(m.public_pem.as_bytes()).unwrap();
    let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    v.set_audience(&[m.token_uri.as_str()]);
    v.set_issuer(&[CLIENT_EMAIL]);
    match jsonwebtoken::decode::<Value>(
        form.get("assertion").map(String::as_str).unwrap_or(""),
        &key,
        &v,
    ) {
        Ok(data) => {
            if data.claims["scope"] != "https://www.googleapis.com/auth/firebase.messaging" {
                problems.push(format!("scope {}", data.claims["scope"]));
            }
        }
        Err(e) => problems.push(format!("assertion: {e}")),
    }
    if !problems.is_empty() {
        m.problems.lock().unwrap().extend(problems);
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "invalid_grant"})),
        );
    }
    let n = m.grants.fetch_add(1, Ordering::SeqCst) + 1;
    (
        StatusCode::OK,
        Json(
            json!({"access_token": format!("mock-access-{n}"), "expires_in": 3600, "token_type": "Bearer"}),
        ),
    )
}

async fn send(
    State(m): State<Arc<Mock>>,
    Path((project, action)): Path<(String, String)>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> impl IntoResponse {
    let mut problems = Vec::new();
    if project != PROJECT || action != "messages:send" {
        problems.push(format!("path {project}/{action}"));
    }
    let auth = headers
        .get("authorization")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    if !auth.starts_with("Bearer mock-access-") {
        problems.push(format!("authorization {auth}"));
    }
    let msg = &body["message"];
    let device = msg["token"].as_str().unwrap_or_default().to_owned();
    if device.is_empty()
        || !msg["notification"]["title"].is_string()
        || !msg["notification"]["body"].is_string()
    {
        problems.push(format!("message {body}"));
    }
    if !problems.is_empty() {
        m.problems.lock().unwrap().extend(problems);
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": {"status": "INVALID_ARGUMENT"}})),
        );
    }
    m.messages
        .lock()
        .unwrap()
        .push((device.clone(), body.clone()));
    if device == "dead-token" {
        return (
            StatusCode::NOT_FOUND,
            Json(
                json!({"error": {"code": 404, "status": "NOT_FOUND", "details": [
                {"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": "UNREGISTERED"}]}}),
            ),
        );
    }
    if device == "busy-token" && m.busy_left.load(Ordering::SeqCst) > 0 {
        m.busy_left.fetch_sub(1, Ordering::SeqCst);
        return (
            StatusCode::TOO_MANY_REQUESTS,
            Json(
                json!({"error": {"code": 429, "status": "RESOURCE_EXHAUSTED", "details": [
                {"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": "QUOTA_EXCEEDED"}]}}),
            ),
        );
    }
    (
        StatusCode::OK,
        Json(json!({"name": format!("projects/{PROJECT}/messages/1")})),
    )
}

/// Starts the mock; returns it with a sender configured against it.
async fn start_mock() -> (Arc<Mock>, Arc<FcmSender>) {
    let kp = KeyPair::generate(KeySize::Rsa2048).unwrap();
    let private: Pkcs8V1Der<'_> = kp.as_der().unwrap();
    let public: PublicKeyX509Der<'_> = kp.public_key().as_der().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let mock = Arc::new(Mock {
        public_pem: pem("PUBLIC KEY", public.as_ref()),
        token_uri: format!("{base}/token"),
        busy_left: AtomicUsize::new(1),
        ..Default::default()
    });
    let app = Router::new()
        .route("/token", post(token))
        .route("/v1/projects/{project}/{action}", post(send))
        .with_state(mock.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let account: ServiceAccount = serde_json::from_value(json!({
        "type": "service_account", "project_id": PROJECT, "client_email": CLIENT_EMAIL,
        "private_key": pem("PRIVATE KEY", private.as_ref()), "token_uri": mock.token_uri,
    }))
    .unwrap();
    let sender = FcmSender::new(&account, None, Some(&base), None).unwrap();
    (mock, Arc::new(sender))
}

#[tokio::test]
async fn the_v1_request_carries_a_granted_bearer_and_the_message() {
    let (mock, sender) = start_mock().await;
    let msg = PushMessage {
        title: "Approval requested".into(),
        body: "PO-1001 awaits your approval.".into(),
        data: [("kind".to_owned(), "approval.requested".to_owned())].into(),
    };
    assert_eq!(sender.send("good-token", &msg).await, PushOutcome::Sent);
    assert_eq!(
        sender.send("dead-token", &msg).await,
        PushOutcome::Unregistered
    );
    assert!(matches!(
        sender.send("busy-token", &msg).await,
        PushOutcome::Retry(_)
    ));
    assert_eq!(sender.send("busy-token", &msg).await, PushOutcome::Sent);
    assert!(
        mock.problems.lock().unwrap().is_empty(),
        "{:?}",
        mock.problems.lock().unwrap()
    );
    assert_eq!(
        mock.grants.load(Ordering::SeqCst),
        1,
        "the access token is cached"
    );
    let (device, body) = mock.messages.lock().unwrap()[0].clone();
    assert_eq!(device, "good-token");
    assert_eq!(
        body,
        json!({"message": {"token": "good-token",
            "notification": {"title": "Approval requested", "body": "PO-1001 awaits your approval."},
            "data": {"kind": "approval.requested"}}})
    );
}

fn worker_settings() -> WorkerSettings {
    WorkerSettings {
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

async fn append(app: &TestApp, tenant: Uuid, actor: Uuid, kind: &str, data: Value) {
    let mut tx = app.db.app.begin().await.unwrap();
    sqlx::query("SELECT set_config('app.tenant_id', $1, true)")
        .bind(tenant.to_string())
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query("SELECT seq FROM append_event(gen_random_uuid(), $1, $2, NULL, 'purchase_order', gen_random_uuid(), $3)")
        .bind(kind)
        .bind(actor)
        .bind(data)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn approvals_notify_in_app_and_push_dropping_unregistered_tokens() {
    let (mock, sender) = start_mock().await;
    let app = TestApp::spawn().await.unwrap();
    let t = app.sign_up("push").await;
    let r = app
        .post(
            "/api/v1/users",
            Some(&t.token),
            &json!({"email": "approver@push.example", "display_name": "Approver", "password": "long enough pass", "roles": ["manager"]}),
        )
        .await;
    assert_eq!(r.status, reqwest::StatusCode::CREATED, "{}", r.text);
    let approver = app
        .login("push", "approver@push.example", "long enough pass")
        .await;
    for (device, token) in [
        ("phone", "good-token"),
        ("old-tablet", "dead-token"),
        ("watch", "busy-token"),
    ] {
        let r = app
            .post(
                "/api/v1/push/devices",
                Some(&approver),
                &json!({"device_id": device, "platform": "android", "token": token}),
            )
            .await;
        assert_eq!(r.status, reqwest::StatusCode::CREATED, "{}", r.text);
    }
    let r = app
        .post(
            "/api/v1/push/devices",
            Some(&t.token),
            &json!({"device_id": "desk", "platform": "web", "token": "admin-token"}),
        )
        .await;
    assert_eq!(r.status, reqwest::StatusCode::CREATED, "{}", r.text);

    let (stop, rx) = tokio::sync::watch::channel(false);
    let db = app.db.app.clone();
    let push: Arc<dyn PushSender> = sender;
    tokio::spawn(async move {
        elevate_backend::worker::run(db, worker_settings(), Some(push), rx).await
    });

    // The admin asks for approval: the approver (a manager) is notified, the admin is not.
    append(&app, t.tenant_id, t.admin_id, "approval.requested",
        json!({"title": "PO-1001", "permission": "purchasing.order.approve", "requested_by": t.admin_id})).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let pushed: Option<bool> = sqlx::query_scalar(
            "SELECT pushed_at IS NOT NULL FROM notifications WHERE kind = 'approval.requested'",
        )
        .fetch_optional(&app.db.owner)
        .await
        .unwrap();
        if pushed == Some(true) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the push never completed: {:?}",
            mock.messages.lock().unwrap()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let list = app.get("/api/v1/notifications", Some(&approver)).await;
    assert_eq!(list.body["total_count"], 1, "{}", list.text);
    let n = &list.body["items"][0];
    assert_eq!(n["kind"], "approval.requested");
    assert_eq!(n["title"], "Approval requested");
    assert_eq!(n["body"], "PO-1001 awaits your approval.");
    assert!(n["read_at"].is_null());
    assert_eq!(
        app.get("/api/v1/notifications", Some(&t.token)).await.body["total_count"],
        0
    );

    let sent: Vec<String> = mock
        .messages
        .lock()
        .unwrap()
        .iter()
        .map(|m| m.0.clone())
        .collect();
    assert!(sent.contains(&"good-token".to_owned()), "{sent:?}");
    assert_eq!(
        sent.iter().filter(|d| *d == "busy-token").count(),
        2,
        "429 retried: {sent:?}"
    );
    assert_eq!(
        sent.iter().filter(|d| *d == "dead-token").count(),
        1,
        "{sent:?}"
    );
    assert!(!sent.contains(&"admin-token".to_owned()));
    let devices = app.get("/api/v1/push/devices", Some(&approver)).await;
    let left: Vec<&str> = devices
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["device_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        left,
        ["phone", "watch"],
        "UNREGISTERED removed the tablet's token"
    );
    assert!(
        mock.problems.lock().unwrap().is_empty(),
        "{:?}",
        mock.problems.lock().unwrap()
    );

    // Mark read.
    let id = n["id"].as_str().unwrap();
    let r = app
        .post(
            &format!("/api/v1/notifications/{id}/read"),
            Some(&approver),
            &json!({}),
        )
        .await;
    assert_eq!(r.status, reqwest::StatusCode::OK, "{}", r.text);
    assert!(r.body["read_at"].is_string());
    let unread = app
        .get("/api/v1/notifications?unread=true", Some(&approver))
        .await;
    assert_eq!(unread.body["total_count"], 0);
    // Someone else's notification is not found.
    let r = app
        .post(
            &format!("/api/v1/notifications/{id}/read"),
            Some(&t.token),
            &json!({}),
        )
        .await;
    assert_eq!(r.status, reqwest::StatusCode::NOT_FOUND);

    // The decision goes back to the requester.
    append(
        &app,
        t.tenant_id,
        Uuid::nil(),
        "approval.decided",
        json!({"title": "PO-1001", "decision": "approved", "requested_by": t.admin_id}),
    )
    .await;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let r = app.get("/api/v1/notifications", Some(&t.token)).await;
        if r.body["total_count"] == 1 {
            assert_eq!(r.body["items"][0]["title"], "Request approved");
            break;
        }
        assert!(Instant::now() < deadline, "the requester was not notified");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = stop.send(true);
}
