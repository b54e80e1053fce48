//! The API's conventions: one error envelope with stable codes for every failure,
//! request ids, paging, health, brand assets.

use elevate_tests::TestApp;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn malformed_json_missing_fields_and_wrong_types_get_stable_codes() {
    let app = TestApp::spawn().await.unwrap();

    let raw = app
        .client
        .post(app.url("/api/v1/tenants"))
        .header("content-type", "application/json")
        .body("{\"name\": \"x\",")
        .send()
        .await
        .unwrap();
    let r = TestApp::read(raw).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.error_code(), "malformed_json");

    let r = app
        .post("/api/v1/tenants", None, &json!({ "name": "Acme" }))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.error_code(), "invalid_body");
    assert!(r.body["error"]["details"]["reason"]
        .as_str()
        .unwrap()
        .contains("missing field"));

    let r = app
        .post(
            "/api/v1/tenants",
            None,
            &json!({ "name": 42, "slug": "a", "admin_email": "a@b.io", "admin_name": "A", "admin_password": "x" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.error_code(), "invalid_body");

    let raw = app
        .client
        .post(app.url("/api/v1/tenants"))
        .header("content-type", "text/plain")
        .body("hello")
        .send()
        .await
        .unwrap();
    let r = TestApp::read(raw).await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(r.error_code(), "unsupported_media_type");
}

#[tokio::test]
async fn domain_validation_names_the_field() {
    let app = TestApp::spawn().await.unwrap();
    let body = |slug: &str, email: &str, pw: &str| json!({ "name": "Acme", "slug": slug, "admin_email": email, "admin_name": "Ada", "admin_password": pw });
    for (b, field) in [
        (body("Bad Slug!", "a@b.io", "long enough pass"), "slug"),
        (
            body("acme", "not-an-email", "long enough pass"),
            "admin_email",
        ),
        (body("acme", "a@b.io", "short"), "admin_password"),
    ] {
        let r = app.post("/api/v1/tenants", None, &b).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
        assert_eq!(r.error_code(), "validation_failed");
        assert_eq!(r.body["error"]["details"]["field"], field);
    }
    // Nothing was half-written by the failed attempts.
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM tenants")
        .fetch_one(&app.db.owner)
        .await
        .unwrap();
    assert_eq!(n, 0);
}

#[tokio::test]
async fn duplicate_slug_is_a_conflict_and_writes_nothing() {
    let app = TestApp::spawn().await.unwrap();
    app.sign_up("acme").await;
    let r = app
        .post(
            "/api/v1/tenants",
            None,
            &json!({ "name": "Other", "slug": "acme", "admin_email": "x@y.io", "admin_name": "X", "admin_password": "long enough pass" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.error_code(), "conflict");
    assert_eq!(r.body["error"]["details"]["field"], "slug");
    let users: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(&app.db.owner)
        .await
        .unwrap();
    assert_eq!(users, 1, "the failed sign-up must not leave a user behind");
}

#[tokio::test]
async fn oversized_bodies_are_rejected_with_the_configured_limit() {
    let app = TestApp::spawn_with(json!({ "http": { "body_limit_bytes": 4096 } }))
        .await
        .unwrap();
    let big = "x".repeat(5000);
    let r = app
        .post(
            "/api/v1/tenants",
            None,
            &json!({ "name": big, "slug": "a", "admin_email": "a@b.io", "admin_name": "A", "admin_password": "long enough pass" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(r.error_code(), "payload_too_large");

    // The default is 1 MiB.
    let app = TestApp::spawn().await.unwrap();
    let big = "x".repeat(1024 * 1024 + 10);
    let r = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({ "tenant": big, "email": "a@b.io", "password": "p" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(r.error_code(), "payload_too_large");
}

#[tokio::test]
async fn unknown_routes_wrong_methods_bad_paths_and_queries() {
    let app = TestApp::spawn().await.unwrap();
    let t = app.sign_up("acme").await;

    let r = app.get("/api/v1/no-such-thing", None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.error_code(), "route_not_found");

    let r = app.call(Method::PUT, "/api/v1/tenants", None, None).await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(r.error_code(), "method_not_allowed");

    let r = app.get("/api/v1/users/not-a-uuid", Some(&t.token)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.error_code(), "invalid_path");

    let r = app.get("/api/v1/users?limit=501", Some(&t.token)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.error_code(), "invalid_query");
    let r = app.get("/api/v1/users?limit=abc", Some(&t.token)).await;
    assert_eq!(r.error_code(), "invalid_query");

    let r = app.get("/api/v1/users", None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.error_code(), "unauthenticated");

    let r = app.get("/api/v1/users", Some("garbage.token.here")).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.body["error"]["details"]["reason"], "token_invalid");
}

#[tokio::test]
async fn request_ids_are_echoed_or_generated() {
    let app = TestApp::spawn().await.unwrap();
    let raw = app
        .client
        .get(app.url("/api/v1/nope"))
        .header("x-request-id", "client-req-42")
        .send()
        .await
        .unwrap();
    let r = TestApp::read(raw).await;
    assert_eq!(r.headers["x-request-id"], "client-req-42");
    assert_eq!(r.body["error"]["request_id"], "client-req-42");

    let r = app.get("/health/live", None).await;
    let generated = r.headers["x-request-id"].to_str().unwrap();
    assert!(uuid::Uuid::parse_str(generated).is_ok(), "{generated}");
}

#[tokio::test]
async fn lists_page_with_total_count() {
    let app = TestApp::spawn().await.unwrap();
    let t = app.sign_up("acme").await;
    for i in 0..4 {
        let r = app
            .post(
                "/api/v1/users",
                Some(&t.token),
                &json!({ "email": format!("u{i}@acme.example"), "display_name": format!("U {i}"), "password": "long enough pass", "roles": ["warehouse"] }),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    }
    let r = app
        .get("/api/v1/users?limit=2&offset=1", Some(&t.token))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["total_count"], 5);
    assert_eq!(r.body["limit"], 2);
    assert_eq!(r.body["offset"], 1);
    let items = r.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    // Ordered by e-mail: admin@, u0@, u1@, ... → offset 1 starts at u0.
    assert_eq!(items[0]["email"], "u0@acme.example");
    assert_eq!(items[1]["email"], "u1@acme.example");
    // No password hash in any response.
    assert!(!r.text.contains("argon2"));
    let r = app.get("/api/v1/users", Some(&t.token)).await;
    assert_eq!(r.body["limit"], 50);
}

#[tokio::test]
async fn health_and_brand_assets() {
    let app = TestApp::spawn().await.unwrap();
    let r = app.get("/health/live", None).await;
    assert_eq!(r.status, StatusCode::OK);
    let r = app.get("/health/ready", None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["checks"]["database"], "ok");
    assert_eq!(r.body["checks"]["redis"], "not_configured");

    let fav = app
        .client
        .get(app.url("/favicon.ico"))
        .send()
        .await
        .unwrap();
    assert_eq!(fav.status(), StatusCode::OK);
    assert_eq!(fav.headers()["content-type"], "image/x-icon");
    let bytes = fav.bytes().await.unwrap();
    let on_disk = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../assets/techguru_icon.ico"
    ))
    .unwrap();
    assert_eq!(bytes.as_ref(), on_disk.as_slice());

    let logo = app
        .client
        .get(app.url("/assets/techguru_logo.png"))
        .send()
        .await
        .unwrap();
    assert_eq!(logo.headers()["content-type"], "image/png");
    assert!(logo.bytes().await.unwrap().starts_with(b"\x89PNG"));

    let landing = app
        .client
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(landing.contains("href=\"/favicon.ico\""));
    assert!(landing.contains("src=\"/assets/techguru_logo.png\""));
}

#[tokio::test]
async fn ready_reports_redis_when_configured() {
    let app = TestApp::spawn_with(json!({ "redis": { "url": "redis://127.0.0.1:6379" } }))
        .await
        .unwrap();
    let r = app.get("/health/ready", None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["checks"]["redis"], "ok");
}

#[tokio::test]
async fn sign_up_login_and_branding() {
    let app = TestApp::spawn().await.unwrap();
    let t = app.sign_up("acme").await;
    let r = app.get("/api/v1/auth/me", Some(&t.token)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["email"], t.admin_email);
    assert_eq!(r.body["roles"], json!(["admin"]));

    let r = app
        .call(
            Method::PATCH,
            "/api/v1/tenant",
            Some(&t.token),
            Some(&json!({ "display_name": "Acme Tools", "primary_colour": "#112233" })),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["branding"]["display_name"], "Acme Tools");
    assert_eq!(r.body["branding"]["primary_colour"], "#112233");

    // Wrong password, unknown user and unknown tenant answer identically.
    let mut seen = Vec::new();
    for (tenant, email, pw) in [
        ("acme", t.admin_email.as_str(), "wrong password!!"),
        ("acme", "nobody@acme.example", "wrong password!!"),
        ("nope", t.admin_email.as_str(), "wrong password!!"),
    ] {
        let r = app
            .post(
                "/api/v1/auth/login",
                None,
                &json!({ "tenant": tenant, "email": email, "password": pw }),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert_eq!(r.error_code(), "invalid_credentials");
        seen.push(r.body["error"]["message"].clone());
    }
    assert!(seen.windows(2).all(|w| w[0] == w[1]));
}

#[tokio::test]
async fn deactivated_users_lose_access_at_once_and_the_last_admin_stays() {
    let app = TestApp::spawn().await.unwrap();
    let t = app.sign_up("acme").await;
    let r = app
        .post(
            "/api/v1/users",
            Some(&t.token),
            &json!({ "email": "w@acme.example", "display_name": "W", "password": "long enough pass", "roles": ["warehouse"] }),
        )
        .await;
    let wid = r.body["id"].as_str().unwrap().to_owned();
    let wtoken = app
        .login("acme", "w@acme.example", "long enough pass")
        .await;
    assert_eq!(
        app.get("/api/v1/auth/me", Some(&wtoken)).await.status,
        StatusCode::OK
    );

    // A warehouse user cannot manage users.
    let r = app
        .call(
            Method::PATCH,
            &format!("/api/v1/users/{}", t.admin_id),
            Some(&wtoken),
            Some(&json!({ "is_active": false })),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.error_code(), "forbidden");

    let r = app
        .call(
            Method::PATCH,
            &format!("/api/v1/users/{wid}"),
            Some(&t.token),
            Some(&json!({ "is_active": false })),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = app.get("/api/v1/auth/me", Some(&wtoken)).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.body["error"]["details"]["reason"], "user_inactive");

    let r = app
        .call(
            Method::DELETE,
            &format!("/api/v1/users/{}", t.admin_id),
            Some(&t.token),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.error_code(), "conflict");
}
