//! Webhooks end to end: subscribe, signed deliveries in event order, the delivery
//! log, secret rotation with two valid signatures, retries with backoff, the circuit
//! breaker, dead letters and replay. The worker runs in-process here; the chaos test
//! runs the real `elevate worker` binary.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use elevate_backend::config::WorkerSettings;
use elevate_tests::receiver::{signature_ok, Receiver};
use elevate_tests::server::TenantFixture;
use elevate_tests::TestApp;
use reqwest::StatusCode;
use serde_json::{json, Value};
use tokio::sync::watch;

fn worker_settings() -> WorkerSettings {
    WorkerSettings {
        in_serve: false,
        concurrency: 2,
        batch_size: 20,
        poll_interval_ms: 50,
        max_attempts: 3,
        retry_base_ms: 10,
        retry_max_ms: 50,
        breaker_threshold: 2,
        breaker_cooldown_secs: 1,
        http_timeout_secs: 5,
        secret_rotation_grace_secs: 3600,
    }
}

fn start_worker(app: &TestApp) -> watch::Sender<bool> {
    let (tx, rx) = watch::channel(false);
    let db = app.db.app.clone();
    tokio::spawn(
        async move { elevate_backend::worker::run(db, worker_settings(), None, rx).await },
    );
    tx
}

async fn create_user(app: &TestApp, t: &TenantFixture, n: usize) {
    let r = app
        .post(
            "/api/v1/users",
            Some(&t.token),
            &json!({ "email": format!("u{n}@hook.example"), "display_name": format!("U{n}"),
                     "password": "long enough pass", "roles": ["sales"] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
}

/// Polls until `check` holds (bounded; a failure shows the last value).
async fn eventually<F, Fut>(what: &str, mut check: F) -> Value
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = (bool, Value)>,
{
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (ok, v) = check().await;
        if ok {
            return v;
        }
        assert!(
            Instant::now() < deadline,
            "{what} never happened; last: {v}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The subscription once its count of failures in a row is `n`.
async fn failures_reach(app: &TestApp, token: &str, sub_id: &str, n: i64) -> Value {
    let url = format!("/api/v1/webhooks/{sub_id}");
    eventually(
        &format!("{n} failures in a row on the subscription"),
        || {
            let (url, token) = (url.clone(), token.to_owned());
            async move {
                let r = app.get(&url, Some(&token)).await;
                (r.body["consecutive_failures"] == n, r.body)
            }
        },
    )
    .await
}

#[tokio::test]
async fn deliveries_are_signed_ordered_logged_and_survive_a_secret_rotation() {
    let app = TestApp::spawn().await.unwrap();
    let receiver = Receiver::start().await;
    let t = app.sign_up("hooks").await;

    // Validation.
    let r = app
        .post(
            "/api/v1/webhooks",
            Some(&t.token),
            &json!({ "url": "ftp://x", "event_types": ["user."] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .post(
            "/api/v1/webhooks",
            Some(&t.token),
            &json!({ "url": receiver.url, "event_types": ["User Created"] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

    let r = app
        .post(
            "/api/v1/webhooks",
            Some(&t.token),
            &json!({ "url": receiver.url, "event_types": ["user.created"], "description": "CRM sync" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let sub_id = r.body["subscription"]["id"].as_str().unwrap().to_owned();
    let secret = r.body["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"));
    let listed = app.get("/api/v1/webhooks", Some(&t.token)).await;
    assert_eq!(listed.body["total_count"], 1);
    assert!(
        !listed.text.contains(&secret),
        "the secret is shown only once"
    );
    receiver.trust(t.tenant_id, &secret);

    for n in 0..3 {
        create_user(&app, &t, n).await;
    }
    let stop = start_worker(&app);
    let st = receiver.state.clone();
    eventually("three deliveries", || {
        let st = st.clone();
        async move { (st.unique() == 3, json!(st.unique())) }
    })
    .await;
    let receipts = receiver.state.receipts();
    assert_eq!(receiver.state.bad_signatures.load(Ordering::SeqCst), 0);
    assert!(receipts.iter().all(|r| r.kind == "user.created"));
    assert!(
        receipts.windows(2).all(|w| w[0].seq < w[1].seq),
        "in event order"
    );

    // The delivery log.
    let log = app
        .get(
            &format!("/api/v1/webhooks/{sub_id}/deliveries?status=delivered"),
            Some(&t.token),
        )
        .await;
    assert_eq!(log.status, StatusCode::OK, "{}", log.text);
    assert_eq!(log.body["total_count"], 3);
    for d in log.body["items"].as_array().unwrap() {
        assert_eq!(d["status"], "delivered");
        assert_eq!(d["attempts"], 1);
        assert_eq!(d["last_status_code"], 200);
        assert_eq!(d["event_kind"], "user.created");
    }
    let ids: Vec<String> = receipts.iter().map(|r| r.delivery_id.to_string()).collect();
    for d in log.body["items"].as_array().unwrap() {
        assert!(ids.contains(&d["id"].as_str().unwrap().to_owned()));
    }

    // Rotation: the new secret signs, and the old one still verifies during the grace period.
    let r = app
        .post(
            &format!("/api/v1/webhooks/{sub_id}/rotate-secret"),
            Some(&t.token),
            &json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let new_secret = r.body["secret"].as_str().unwrap().to_owned();
    assert_ne!(new_secret, secret);
    assert!(r.body["subscription"]["previous_secret_until"].is_string());
    receiver.trust(t.tenant_id, &new_secret);
    create_user(&app, &t, 3).await;
    eventually("the fourth delivery", || {
        let st = st.clone();
        async move { (st.unique() == 4, json!(st.unique())) }
    })
    .await;
    let last = receiver.state.receipts().last().cloned().unwrap();
    assert_eq!(
        last.signature.matches("v1=").count(),
        2,
        "{}",
        last.signature
    );
    assert!(signature_ok(&secret, &last.signature, &last.body));
    assert!(signature_ok(&new_secret, &last.signature, &last.body));
    assert!(!signature_ok("whsec_other", &last.signature, &last.body));
    assert!(
        !signature_ok(&new_secret, &last.signature, b"{}"),
        "bound to the body"
    );

    // Another tenant's user does not reach this subscription.
    let other = app.sign_up("other-hooks").await;
    create_user(&app, &other, 9).await;
    // Deleting stops further deliveries.
    let r = app
        .call(
            reqwest::Method::DELETE,
            &format!("/api/v1/webhooks/{sub_id}"),
            Some(&t.token),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    create_user(&app, &t, 4).await;
    let total: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox")
        .fetch_one(&app.db.owner)
        .await
        .unwrap();
    assert_eq!(
        total, 4,
        "no delivery for the other tenant or after deletion"
    );
    let _ = stop.send(true);
}

#[tokio::test]
async fn failures_back_off_open_the_circuit_dead_letter_and_replay() {
    let app = TestApp::spawn().await.unwrap();
    let receiver = Receiver::start().await;
    receiver.state.fail_with.store(500, Ordering::SeqCst);
    let t = app.sign_up("flaky").await;
    let r = app
        .post(
            "/api/v1/webhooks",
            Some(&t.token),
            &json!({ "url": receiver.url, "event_types": ["user."] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let sub_id = r.body["subscription"]["id"].as_str().unwrap().to_owned();
    receiver.trust(t.tenant_id, r.body["secret"].as_str().unwrap());
    create_user(&app, &t, 0).await;
    let stop = start_worker(&app);

    // Three attempts (max_attempts = 3), the circuit opening after two in a row.
    let url = format!("/api/v1/webhooks/{sub_id}/deliveries");
    let dead = eventually("a dead letter", || {
        let (app, url, token) = (&app, url.clone(), t.token.clone());
        async move {
            let r = app.get(&url, Some(&token)).await;
            (r.body["items"][0]["status"] == "dead", r.body)
        }
    })
    .await;
    let d = &dead["items"][0];
    assert_eq!(d["attempts"], 3);
    assert_eq!(d["last_status_code"], 500);
    assert_eq!(receiver.state.failed.load(Ordering::SeqCst), 3);
    // The worker commits an attempt's outcome first (so it survives the worker
    // dying) and the destination's failure count right after.
    let sub = failures_reach(&app, &t.token, &sub_id, 3).await;
    assert!(sub["circuit_open_until"].is_string(), "{sub}");

    // The receiver recovers; a replay sends the same delivery id again and closes the circuit.
    receiver.state.fail_with.store(0, Ordering::SeqCst);
    let delivery_id = d["id"].as_str().unwrap().to_owned();
    let r = app
        .post(
            &format!("/api/v1/webhooks/deliveries/{delivery_id}/replay"),
            Some(&t.token),
            &json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["status"], "pending");
    let st = receiver.state.clone();
    eventually("the replayed delivery", || {
        let st = st.clone();
        async move { (st.unique() == 1, json!(st.unique())) }
    })
    .await;
    assert_eq!(
        receiver.state.receipts()[0].delivery_id.to_string(),
        delivery_id
    );
    let after = eventually("the log to show it delivered", || {
        let (app, url, token) = (&app, url.clone(), t.token.clone());
        async move {
            let r = app.get(&url, Some(&token)).await;
            (r.body["items"][0]["status"] == "delivered", r.body)
        }
    })
    .await;
    assert_eq!(after["items"][0]["attempts"], 1);
    let sub = failures_reach(&app, &t.token, &sub_id, 0).await;
    assert!(sub["circuit_open_until"].is_null(), "{sub}");
    let _ = stop.send(true);
}

/// Managing a subscription: a test delivery reaches its receiver alone (signed),
/// disabling stops deliveries (pending ones become dead letters) and enabling
/// resumes them, changes are validated, and a deleted subscription leaves the list.
#[tokio::test]
async fn subscriptions_are_tested_disabled_enabled_changed_and_deleted() {
    let app = TestApp::spawn().await.unwrap();
    let receiver = Receiver::start().await;
    let t = app.sign_up("hook-manage").await;
    let mut subs = Vec::new();
    for types in [json!(["user."]), json!(["*"])] {
        let r = app
            .post(
                "/api/v1/webhooks",
                Some(&t.token),
                &json!({ "url": receiver.url, "event_types": types }),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        receiver.trust(t.tenant_id, r.body["secret"].as_str().unwrap());
        subs.push(r.body["subscription"]["id"].as_str().unwrap().to_owned());
    }
    let (a, other) = (&subs[0], &subs[1]);
    let path = format!("/api/v1/webhooks/{a}");
    let patch = |body: Value| {
        let (app, path, token) = (&app, path.clone(), t.token.clone());
        async move {
            app.call(reqwest::Method::PATCH, &path, Some(&token), Some(&body))
                .await
        }
    };

    // A test goes to this subscription only, even though the other one takes `*`.
    let mut req = app
        .client
        .post(app.url(&format!("{path}/test")))
        .bearer_auth(&t.token)
        .header("Idempotency-Key", "test-1");
    req = req.json(&json!({}));
    let r = elevate_tests::TestApp::read(req.send().await.unwrap()).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text);
    assert_eq!(r.body["event_kind"], "webhook.test");
    let queued: Vec<(String, String)> = sqlx::query_as(
        "SELECT destination_id::text, event_kind FROM outbox WHERE event_kind = 'webhook.test'",
    )
    .fetch_all(&app.db.owner)
    .await
    .unwrap();
    assert_eq!(queued, [(a.clone(), "webhook.test".to_owned())]);
    let stop = start_worker(&app);
    eventually("the test delivery", || {
        let receipts = receiver.state.receipts();
        async move {
            let kinds: Vec<String> = receipts.iter().map(|r| r.kind.clone()).collect();
            (kinds.iter().any(|k| k == "webhook.test"), json!(kinds))
        }
    })
    .await;

    // Validation of changes.
    let r = patch(json!({"url": "ftp://nope"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let r = patch(json!({"event_types": []})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let r = patch(json!({"event_types": ["user.created", "webhook."]})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["event_types"], json!(["user.created", "webhook."]));

    // Disabled: no delivery for it, no test; the other subscription still gets events.
    let _ = stop.send(true);
    let r = patch(json!({"is_active": false})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["is_active"], false);
    let r = app
        .post(&format!("{path}/test"), Some(&t.token), &json!({}))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    create_user(&app, &t, 1).await;
    let for_a: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM outbox WHERE destination_id::text = $1 AND event_kind = 'user.created'",
    )
    .bind(a)
    .fetch_one(&app.db.owner)
    .await
    .unwrap();
    assert_eq!(for_a, 0, "nothing queued while disabled");
    let for_other: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM outbox WHERE destination_id::text = $1 AND event_kind = 'user.created'",
    )
    .bind(other)
    .fetch_one(&app.db.owner)
    .await
    .unwrap();
    assert_eq!(for_other, 1);

    // Enabled again: it is listed as active and receives new events.
    let r = patch(json!({"is_active": true})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["is_active"], true);
    create_user(&app, &t, 2).await;
    let for_a: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM outbox WHERE destination_id::text = $1 AND event_kind = 'user.created'",
    )
    .bind(a)
    .fetch_one(&app.db.owner)
    .await
    .unwrap();
    assert_eq!(for_a, 1);
    let kinds: Vec<String> =
        sqlx::query_scalar("SELECT kind FROM events WHERE subject_id::text = $1 ORDER BY seq")
            .bind(a)
            .fetch_all(&app.db.owner)
            .await
            .unwrap();
    assert_eq!(
        kinds,
        [
            "webhook.created",
            "webhook.test",
            "webhook.updated",
            "webhook.disabled",
            "webhook.enabled"
        ]
    );

    // Deleted: gone from the list and from GET; its log stays in the outbox.
    let r = app
        .call(reqwest::Method::DELETE, &path, Some(&t.token), None)
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    assert_eq!(
        app.get(&path, Some(&t.token)).await.status,
        StatusCode::NOT_FOUND
    );
    let listed = app.get("/api/v1/webhooks", Some(&t.token)).await;
    assert_eq!(listed.body["total_count"], 1, "{}", listed.text);
    assert_eq!(listed.body["items"][0]["id"], other.as_str());
    let r = patch(json!({"is_active": true})).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    let logged: i64 =
        sqlx::query_scalar("SELECT count(*) FROM outbox WHERE destination_id::text = $1")
            .bind(a)
            .fetch_one(&app.db.owner)
            .await
            .unwrap();
    assert!(logged >= 2, "the delivery log is kept");
}
