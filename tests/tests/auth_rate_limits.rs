//! Rate limits and lockout: the 11th sign-in attempt in a minute from one address is
//! refused with 429 and `Retry-After`, in-process and with Redis; repeated failures
//! lock an account with a growing delay until an administrator unlocks it.

use elevate_tests::{Resp, TestApp};
use reqwest::StatusCode;
use serde_json::json;

async fn ten_then_limited(app: &TestApp) -> Resp {
    for i in 0..10 {
        // Different accounts each time: this is the per-address limit, not lockout.
        let r = app
            .post("/api/v1/auth/login", None, &json!({ "tenant": "acme", "email": format!("nobody{i}@acme.example"), "password": "wrong password 12" }))
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNAUTHORIZED,
            "attempt {}: {}",
            i + 1,
            r.text
        );
    }
    app.post("/api/v1/auth/login", None, &json!({ "tenant": "acme", "email": "nobody10@acme.example", "password": "wrong password 12" }))
        .await
}

fn assert_limited(r: &Resp) {
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.text);
    assert_eq!(r.error_code(), "rate_limited");
    let retry: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "Retry-After {retry}");
    assert_eq!(r.body["error"]["details"]["retry_after_secs"], retry);
}

#[tokio::test]
async fn the_eleventh_login_attempt_in_a_minute_is_limited_in_process() {
    let app = TestApp::spawn().await.unwrap();
    assert_limited(&ten_then_limited(&app).await);
}

#[tokio::test]
async fn the_eleventh_login_attempt_in_a_minute_is_limited_with_redis() {
    let prefix = format!("elevate:test:{}:", uuid::Uuid::new_v4().simple());
    let app = TestApp::spawn_with(json!({
        "redis": { "url": "redis://127.0.0.1:6379" },
        "auth": { "rate_limit_prefix": prefix },
    }))
    .await
    .unwrap();
    assert_limited(&ten_then_limited(&app).await);
    // The state lives in Redis under this test's prefix (so replicas share it).
    let client = redis::Client::open("redis://127.0.0.1:6379").unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{prefix}*"))
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!(keys.iter().any(|k| k.contains("login-ip")), "{keys:?}");
    let _: () = redis::cmd("DEL")
        .arg(&keys)
        .query_async(&mut conn)
        .await
        .unwrap();
}

#[tokio::test]
async fn repeated_failures_lock_the_account_until_an_admin_unlocks_it() {
    let app = TestApp::spawn().await.unwrap();
    let t = app.sign_up("acme").await;
    let r = app
        .post("/api/v1/users", Some(&t.token), &json!({ "email": "ann@acme.example", "display_name": "Ann", "password": "ann passphrase 12", "roles": ["sales"] }))
        .await;
    let ann = r.body["id"].as_str().unwrap().to_owned();
    let attempt = |pw: &'static str| {
        let body = json!({ "tenant": "acme", "email": "ann@acme.example", "password": pw });
        let app = &app;
        async move { app.post("/api/v1/auth/login", None, &body).await }
    };
    for _ in 0..5 {
        assert_eq!(
            attempt("not her password").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    // Locked: even the right password is refused, with a wait.
    let r = attempt("ann passphrase 12").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.text);
    assert_eq!(r.error_code(), "account_locked");
    let wait: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=30).contains(&wait), "{wait}");
    // When the lock has run out, one more failure locks again for twice as long.
    sqlx::query("UPDATE users SET locked_until = now() - interval '1 second' WHERE id = $1::uuid")
        .bind(&ann)
        .execute(&app.db.owner)
        .await
        .unwrap();
    assert_eq!(
        attempt("still not hers").await.status,
        StatusCode::UNAUTHORIZED
    );
    let r = attempt("ann passphrase 12").await;
    assert_eq!(r.error_code(), "account_locked");
    let wait: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((31..=60).contains(&wait), "{wait}");
    let r = app
        .post(
            &format!("/api/v1/users/{ann}/unlock"),
            Some(&t.token),
            &json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    let r = attempt("ann passphrase 12").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // The admin was never locked.
    let locked: Option<bool> =
        sqlx::query_scalar("SELECT locked_until IS NOT NULL FROM users WHERE email = $1")
            .bind(&t.admin_email)
            .fetch_optional(&app.db.owner)
            .await
            .unwrap();
    assert_eq!(locked, Some(false));
}
