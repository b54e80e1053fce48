//! The event log: written in the same transaction as the change, gap-free per
//! tenant, append-only for the server's role, and tamper-evident by hash chain.

use elevate_tests::TestApp;
use reqwest::StatusCode;
use serde_json::json;
use uuid::Uuid;

async fn make_history(app: &TestApp, token: &str) -> Vec<String> {
    let mut request_ids = Vec::new();
    for i in 0..3 {
        let r = app
            .post(
                "/api/v1/users",
                Some(token),
                &json!({ "email": format!("u{i}@a.example"), "display_name": format!("U{i}"), "password": "long enough pass", "roles": ["sales"] }),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        request_ids.push(r.headers["x-request-id"].to_str().unwrap().to_owned());
    }
    request_ids
}

#[tokio::test]
async fn changes_are_logged_in_order_with_actor_and_request_id() {
    let app = TestApp::spawn().await.unwrap();
    let a = app.sign_up("tenant-a").await;
    let rids = make_history(&app, &a.token).await;
    let r = app.get("/api/v1/events?limit=100", Some(&a.token)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let items = r.body["items"].as_array().unwrap();
    let kinds: Vec<&str> = items.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    // The administrator's sign-in (part of `sign_up`) is an auth event on the same log.
    assert_eq!(
        kinds,
        [
            "tenant.signed_up",
            "auth.login.succeeded",
            "user.created",
            "user.created",
            "user.created"
        ]
    );
    let seqs: Vec<i64> = items.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, [1, 2, 3, 4, 5]);
    for (e, rid) in items[2..].iter().zip(&rids) {
        assert_eq!(e["request_id"], rid.as_str());
        assert_eq!(e["actor_user_id"], a.admin_id.to_string());
    }
    let r = app
        .get("/api/v1/events?kind=user.&since_seq=3", Some(&a.token))
        .await;
    assert_eq!(r.body["total_count"], 2);

    // A failed change leaves no event behind.
    let r = app
        .post("/api/v1/users", Some(&a.token), &json!({ "email": "u0@a.example", "display_name": "Dup", "password": "long enough pass" }))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let r = app.get("/api/v1/events", Some(&a.token)).await;
    assert_eq!(r.body["total_count"], 5);
}

#[tokio::test]
async fn the_server_role_cannot_rewrite_history() {
    let app = TestApp::spawn().await.unwrap();
    let a = app.sign_up("tenant-a").await;
    make_history(&app, &a.token).await;
    let mut tx = app.db.app.begin().await.unwrap();
    sqlx::query("SELECT set_config('app.tenant_id', $1, true)")
        .bind(a.tenant_id.to_string())
        .execute(&mut *tx)
        .await
        .unwrap();
    for sql in ["UPDATE events SET data = '{}'", "DELETE FROM events"] {
        let mut sp = sqlx::Connection::begin(&mut *tx).await.unwrap();
        let err = sqlx::query(sql).execute(&mut *sp).await.unwrap_err();
        assert!(
            err.to_string().contains("permission denied"),
            "{sql}: {err}"
        );
        sp.rollback().await.unwrap();
    }
}

#[tokio::test]
async fn tampering_is_detected_and_the_row_named() {
    let app = TestApp::spawn().await.unwrap();
    let a = app.sign_up("tenant-a").await;
    let b = app.sign_up("tenant-b").await;
    make_history(&app, &a.token).await;
    make_history(&app, &b.token).await;
    let verify = |token: String| {
        let app = &app;
        async move { app.get("/api/v1/events/verify", Some(&token)).await.body }
    };
    let v = verify(a.token.clone()).await;
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(v["checked"], 5);

    // 1. Edit a row's data (as the owner, who can).
    let id3: Uuid = sqlx::query_scalar("SELECT id FROM events WHERE tenant_id = $1 AND seq = 3")
        .bind(a.tenant_id)
        .fetch_one(&app.db.owner)
        .await
        .unwrap();
    sqlx::query(
        "UPDATE events SET data = '{\"email\":\"evil@x.io\"}' WHERE tenant_id = $1 AND seq = 3",
    )
    .bind(a.tenant_id)
    .execute(&app.db.owner)
    .await
    .unwrap();
    let v = verify(a.token.clone()).await;
    assert_eq!(v["ok"], false);
    assert_eq!(v["first_bad"]["seq"], 3);
    assert_eq!(v["first_bad"]["id"], id3.to_string());
    assert_eq!(v["first_bad"]["reason"], "hash_mismatch");
    // The other tenant's chain is untouched.
    assert_eq!(verify(b.token.clone()).await["ok"], true);

    // 2. A forger who also recomputes the row's hash breaks the next link.
    sqlx::query(
        "UPDATE events SET hash = event_hash(prev_hash, tenant_id, seq, id, kind, actor_user_id, request_id,
                subject_type, subject_id, data, created_at) WHERE tenant_id = $1 AND seq = 3",
    )
    .bind(a.tenant_id)
    .execute(&app.db.owner)
    .await
    .unwrap();
    let v = verify(a.token.clone()).await;
    assert_eq!(v["first_bad"]["seq"], 4);
    assert_eq!(v["first_bad"]["reason"], "broken_link");

    // 3. Deleting the newest row is noticed through the stream head.
    let b_last: i64 = sqlx::query_scalar("SELECT max(seq) FROM events WHERE tenant_id = $1")
        .bind(b.tenant_id)
        .fetch_one(&app.db.owner)
        .await
        .unwrap();
    sqlx::query("DELETE FROM events WHERE tenant_id = $1 AND seq = $2")
        .bind(b.tenant_id)
        .bind(b_last)
        .execute(&app.db.owner)
        .await
        .unwrap();
    let v = verify(b.token.clone()).await;
    assert_eq!(v["ok"], false);
    assert_eq!(v["first_bad"]["reason"], "gap");
    assert_eq!(v["first_bad"]["seq"], b_last);
}
