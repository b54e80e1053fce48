//! Identity flows end to end: key rotation and sharing, sessions, password change
//! and reset, invitations, roles, API keys, the MFA policy and common passwords.

use elevate_backend::auth::keys::Keyring;
use elevate_tests::server::TEST_PASSWORD;
use elevate_tests::TestApp;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use uuid::Uuid;

async fn login_body(app: &TestApp, slug: &str, email: &str, pw: &str) -> Value {
    let r = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({ "tenant": slug, "email": email, "password": pw }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body
}

/// The token inside the newest e-mail to `to` (read from the outbox).
async fn mailed_token(app: &TestApp, to: &str, prefix: &str) -> String {
    let body: String = sqlx::query_scalar(
        "SELECT body FROM email_outbox WHERE to_address = $1 ORDER BY created_at DESC LIMIT 1",
    )
    .bind(to)
    .fetch_one(&app.db.owner)
    .await
    .unwrap();
    let start = body
        .find(&format!("token={prefix}_"))
        .expect("link in e-mail")
        + "token=".len();
    body[start..].split_whitespace().next().unwrap().to_owned()
}

#[tokio::test]
async fn signing_keys_rotate_persist_and_are_shared_by_replicas() {
    let app = TestApp::spawn().await.unwrap();
    let t = app.sign_up("acme").await;
    let old_kid = app.state.keys.current_kid().await.unwrap();
    // Private keys are stored encrypted (the test config sets a key encryption key).
    let (encrypted, len): (bool, i32) = sqlx::query_as(
        "SELECT encrypted, length(private_key) FROM auth_signing_keys WHERE kid = $1",
    )
    .bind(&old_kid)
    .fetch_one(&app.db.owner)
    .await
    .unwrap();
    assert!(encrypted && len > 48);

    let new_kid = app.state.keys.rotate().await.unwrap();
    assert_ne!(old_kid, new_kid);
    // Tokens signed by the previous key keep working until they expire.
    assert_eq!(
        app.get("/api/v1/auth/me", Some(&t.token)).await.status,
        StatusCode::OK
    );
    let fresh = app.login("acme", &t.admin_email, TEST_PASSWORD).await;
    let header: Value = {
        use base64::Engine;
        let h = fresh.split('.').next().unwrap();
        serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(h)
                .unwrap(),
        )
        .unwrap()
    };
    assert_eq!(header["kid"], new_kid.as_str());
    let jwks = app.get("/api/v1/auth/jwks", None).await.body;
    let kids: Vec<&str> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    assert!(
        kids.contains(&old_kid.as_str()) && kids.contains(&new_kid.as_str()),
        "{kids:?}"
    );

    // Another replica (a new keyring on the same database) verifies both tokens and
    // signs with the same current key.
    let key = secrecy::SecretString::from("test-secret-0123456789abcdef0123456789".to_owned());
    let replica = Keyring::new(
        app.db.app.clone(),
        "elevatecrm",
        900,
        std::time::Duration::from_secs(86_400),
        Some(&key),
    );
    assert_eq!(replica.current_kid().await.unwrap(), new_kid);
    assert!(replica.verify_access(&t.token).await.is_ok());
    assert!(replica.verify_access(&fresh).await.is_ok());
    // Without the encryption key the stored private key is unusable.
    let wrong = secrecy::SecretString::from("another-key".to_owned());
    let bad = Keyring::new(
        app.db.app.clone(),
        "elevatecrm",
        900,
        std::time::Duration::from_secs(86_400),
        Some(&wrong),
    );
    assert!(bad.current_kid().await.is_err());
}

#[tokio::test]
async fn sessions_list_revoke_and_password_change_ends_the_others() {
    let app = TestApp::spawn().await.unwrap();
    let t = app.sign_up("acme").await;
    let second = login_body(&app, "acme", &t.admin_email, TEST_PASSWORD).await;
    let phone = second["access_token"].as_str().unwrap().to_owned();
    let r = app.get("/api/v1/auth/sessions", Some(&t.token)).await;
    let sessions = r.body.as_array().unwrap().clone();
    assert_eq!(sessions.len(), 2, "{}", r.text);
    assert_eq!(sessions.iter().filter(|s| s["current"] == true).count(), 1);

    // Revoke the phone's session from the first one.
    let r = app
        .call(
            Method::DELETE,
            &format!(
                "/api/v1/auth/sessions/{}",
                second["session_id"].as_str().unwrap()
            ),
            Some(&t.token),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    assert_eq!(
        app.get("/api/v1/auth/me", Some(&phone)).await.status,
        StatusCode::UNAUTHORIZED
    );
    let r = app
        .post(
            "/api/v1/auth/refresh",
            None,
            &json!({ "refresh_token": second["refresh_token"] }),
        )
        .await;
    assert_eq!(r.error_code(), "invalid_token");

    // Password change: wrong current password refused; a common one refused; then the
    // other sessions end and this one stays.
    let other = app.login("acme", &t.admin_email, TEST_PASSWORD).await;
    let r = app
        .post(
            "/api/v1/auth/password",
            Some(&t.token),
            &json!({ "current_password": "nope nope nope", "new_password": "fresh passphrase 99" }),
        )
        .await;
    assert_eq!(r.error_code(), "invalid_credentials");
    let r = app
        .post(
            "/api/v1/auth/password",
            Some(&t.token),
            &json!({ "current_password": TEST_PASSWORD, "new_password": "qwertyuiop123" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.body["error"]["details"]["field"], "new_password");
    let r = app
        .post(
            "/api/v1/auth/password",
            Some(&t.token),
            &json!({ "current_password": TEST_PASSWORD, "new_password": "fresh passphrase 99" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    assert_eq!(
        app.get("/api/v1/auth/me", Some(&other)).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.get("/api/v1/auth/me", Some(&t.token)).await.status,
        StatusCode::OK
    );
    app.login("acme", &t.admin_email, "fresh passphrase 99")
        .await;
}

#[tokio::test]
async fn invitations_and_password_resets_go_by_email_and_work_once() {
    let app = TestApp::spawn().await.unwrap();
    let t = app.sign_up("acme").await;
    let r = app
        .post("/api/v1/users/invitations", Some(&t.token), &json!({ "email": "new@acme.example", "display_name": "New Person", "roles": ["sales"] }))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    // No password yet: sign-in fails like any wrong password.
    let r = app.post("/api/v1/auth/login", None, &json!({ "tenant": "acme", "email": "new@acme.example", "password": "anything at all" })).await;
    assert_eq!(r.error_code(), "invalid_credentials");
    let token = mailed_token(&app, "new@acme.example", "eit").await;
    let r = app
        .post(
            "/api/v1/auth/invitations/accept",
            None,
            &json!({ "token": token, "password": "my own passphrase" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    let r = app
        .post(
            "/api/v1/auth/invitations/accept",
            None,
            &json!({ "token": token, "password": "my own passphrase" }),
        )
        .await;
    assert_eq!(r.error_code(), "invalid_token");
    let session = app
        .login("acme", "new@acme.example", "my own passphrase")
        .await;

    // Reset: unknown accounts get the same 202 and no e-mail.
    let r = app
        .post(
            "/api/v1/auth/password-reset",
            None,
            &json!({ "tenant": "acme", "email": "ghost@acme.example" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    let r = app
        .post(
            "/api/v1/auth/password-reset",
            None,
            &json!({ "tenant": "acme", "email": "new@acme.example" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    let ghost: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM email_outbox WHERE to_address = 'ghost@acme.example'",
    )
    .fetch_one(&app.db.owner)
    .await
    .unwrap();
    assert_eq!(ghost, 0);
    let token = mailed_token(&app, "new@acme.example", "ept").await;
    let r = app
        .post(
            "/api/v1/auth/password-reset/confirm",
            None,
            &json!({ "token": token, "password": "reset passphrase 7" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    let r = app
        .post(
            "/api/v1/auth/password-reset/confirm",
            None,
            &json!({ "token": token, "password": "reset passphrase 8" }),
        )
        .await;
    assert_eq!(r.error_code(), "invalid_token");
    // The reset signed out the old session.
    assert_eq!(
        app.get("/api/v1/auth/me", Some(&session)).await.status,
        StatusCode::UNAUTHORIZED
    );
    app.login("acme", "new@acme.example", "reset passphrase 7")
        .await;
    // The outbox was delivered by the (log) sender.
    let mut pending = 1i64;
    for _ in 0..50 {
        pending = sqlx::query_scalar("SELECT count(*) FROM email_outbox WHERE sent_at IS NULL")
            .fetch_one(&app.db.owner)
            .await
            .unwrap();
        if pending == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(pending, 0);
}

#[tokio::test]
async fn roles_are_per_tenant_rows_and_edits_apply_at_once() {
    let app = TestApp::spawn().await.unwrap();
    let t = app.sign_up("acme").await;
    let roles = app.get("/api/v1/roles", Some(&t.token)).await.body;
    let keys: Vec<&str> = roles
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["key"].as_str().unwrap())
        .collect();
    for k in ["admin", "manager", "warehouse", "sales", "readonly"] {
        assert!(keys.contains(&k), "{keys:?}");
    }
    app.post("/api/v1/users", Some(&t.token), &json!({ "email": "r@acme.example", "display_name": "R", "password": "long enough pass", "roles": ["readonly"] })).await;
    let r_token = app
        .login("acme", "r@acme.example", "long enough pass")
        .await;
    assert_eq!(
        app.get("/api/v1/users", Some(&r_token)).await.status,
        StatusCode::OK
    );
    let readonly = roles
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"] == "readonly")
        .unwrap();
    let r = app
        .call(
            Method::PATCH,
            &format!("/api/v1/roles/{}", readonly["id"].as_str().unwrap()),
            Some(&t.token),
            Some(&json!({ "permissions": ["tenant.read"] })),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // Same token, next request: the permission is gone.
    let r = app.get("/api/v1/users", Some(&r_token)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.body["error"]["details"]["permission"], "admin.users.read");
    // Unknown permissions and roles are refused; the admin role keeps everything.
    let r = app
        .post(
            "/api/v1/roles",
            Some(&t.token),
            &json!({ "key": "x", "name": "X", "permissions": ["nope.nope"] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = app.post("/api/v1/users", Some(&t.token), &json!({ "email": "z@acme.example", "display_name": "Z", "password": "long enough pass", "roles": ["ghost"] })).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let admin = roles
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"] == "admin")
        .unwrap();
    let r = app
        .call(
            Method::PATCH,
            &format!("/api/v1/roles/{}", admin["id"].as_str().unwrap()),
            Some(&t.token),
            Some(&json!({ "permissions": [] })),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let events: Vec<String> = sqlx::query_scalar("SELECT kind FROM events")
        .fetch_all(&app.db.owner)
        .await
        .unwrap();
    assert!(events.iter().any(|e| e == "auth.role.changed"));
}

#[tokio::test]
async fn api_keys_are_scoped_shown_once_and_revocable() {
    let app = TestApp::spawn().await.unwrap();
    let t = app.sign_up("acme").await;
    let r = app
        .post(
            "/api/v1/api-keys",
            Some(&t.token),
            &json!({ "name": "ERP sync", "permissions": ["admin.users.read"] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let key = r.body["key"].as_str().unwrap().to_owned();
    let id = r.body["api_key"]["id"].as_str().unwrap().to_owned();
    assert!(key.starts_with("ek_"));
    let list = app.get("/api/v1/api-keys", Some(&t.token)).await;
    assert!(!list.text.contains(&key), "the key is shown once only");
    assert!(list.body[0]["last_used_at"].is_null());

    assert_eq!(
        app.get("/api/v1/users", Some(&key)).await.status,
        StatusCode::OK
    );
    let via_header = app
        .client
        .get(app.url("/api/v1/users"))
        .header("X-Api-Key", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(via_header.status(), StatusCode::OK);
    // Scoped: it cannot do what it was not given.
    let r = app.get("/api/v1/tenant", Some(&key)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let list = app.get("/api/v1/api-keys", Some(&t.token)).await;
    assert!(list.body[0]["last_used_at"].is_string());
    let stored: Vec<u8> = sqlx::query_scalar("SELECT key_hash FROM api_keys")
        .fetch_one(&app.db.owner)
        .await
        .unwrap();
    assert_eq!(stored.len(), 32);
    assert!(!String::from_utf8_lossy(&stored).contains(&key[..20]));

    let r = app
        .call(
            Method::DELETE,
            &format!("/api/v1/api-keys/{id}"),
            Some(&t.token),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = app.get("/api/v1/users", Some(&key)).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.body["error"]["details"]["reason"], "api_key_invalid");
    let forged = format!("ek_{}_{}", Uuid::now_v7().simple(), "A".repeat(43));
    assert_eq!(
        app.get("/api/v1/users", Some(&forged)).await.status,
        StatusCode::UNAUTHORIZED
    );
    let events: Vec<String> = sqlx::query_scalar("SELECT kind FROM events")
        .fetch_all(&app.db.owner)
        .await
        .unwrap();
    assert!(
        events.iter().any(|e| e == "auth.api_key.created")
            && events.iter().any(|e| e == "auth.api_key.revoked")
    );
}

#[tokio::test]
async fn a_tenant_can_require_mfa_by_role() {
    let app = TestApp::spawn().await.unwrap();
    let t = app.sign_up("acme").await;
    app.post("/api/v1/users", Some(&t.token), &json!({ "email": "s@acme.example", "display_name": "S", "password": "long enough pass", "roles": ["sales"] })).await;
    let r = app
        .call(
            Method::PUT,
            "/api/v1/tenant/mfa-policy",
            Some(&t.token),
            Some(&json!({ "require": "roles", "roles": ["sales"] })),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let body = login_body(&app, "acme", "s@acme.example", "long enough pass").await;
    assert_eq!(body["mfa_setup_required"], true);
    let s_token = body["access_token"].as_str().unwrap();
    let r = app.get("/api/v1/tenant", Some(s_token)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.error_code(), "mfa_setup_required");
    let r = app
        .call(
            Method::POST,
            "/api/v1/auth/mfa/totp/enroll",
            Some(s_token),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // The admin (not in the listed roles) is unaffected.
    let body = login_body(&app, "acme", &t.admin_email, TEST_PASSWORD).await;
    assert_eq!(body["mfa_setup_required"], false);
}

#[tokio::test]
async fn common_passwords_are_refused() {
    let app = TestApp::spawn().await.unwrap();
    let r = app
        .post("/api/v1/tenants", None, &json!({ "name": "Acme", "slug": "acme", "admin_email": "a@acme.example", "admin_name": "A", "admin_password": "1qaz2wsx3edc4rfv" }))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.body["error"]["details"]["field"], "admin_password");
}
