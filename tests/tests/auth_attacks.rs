//! Attacks on sign-in and tokens, each refused with the right error code: forged
//! algorithms, foreign and rotated keys, expiry, tampering, deactivated users,
//! refresh-token theft, TOTP replay, spent backup codes and cross-tenant tokens.

use base64::Engine;
use elevate_tests::server::TEST_PASSWORD;
use elevate_tests::{Resp, TestApp};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

fn payload(token: &str) -> Value {
    serde_json::from_slice(&B64.decode(token.split('.').nth(1).unwrap()).unwrap()).unwrap()
}

fn header(token: &str) -> Value {
    serde_json::from_slice(&B64.decode(token.split('.').next().unwrap()).unwrap()).unwrap()
}

fn assert_rejected(r: &Resp, status: StatusCode, code: &str, reason: Option<&str>) {
    assert_eq!(r.status, status, "{}", r.text);
    assert_eq!(r.error_code(), code, "{}", r.text);
    if let Some(reason) = reason {
        assert_eq!(r.body["error"]["details"]["reason"], reason, "{}", r.text);
    }
}

async fn login_body(app: &TestApp, slug: &str, email: &str, pw: &str) -> Resp {
    app.post(
        "/api/v1/auth/login",
        None,
        &json!({ "tenant": slug, "email": email, "password": pw }),
    )
    .await
}

#[tokio::test]
async fn forged_expired_foreign_and_tampered_tokens_are_refused() {
    let app = TestApp::spawn().await.unwrap();
    let t = app.sign_up("acme").await;
    assert_eq!(
        app.get("/api/v1/auth/me", Some(&t.token)).await.status,
        StatusCode::OK
    );
    let claims = payload(&t.token);
    let kid = header(&t.token)["kid"].as_str().unwrap().to_owned();
    assert_eq!(header(&t.token)["alg"], "EdDSA");

    // alg: none, with and without a signature part.
    let none = B64.encode(json!({ "alg": "none", "typ": "JWT", "kid": kid }).to_string());
    let body = t.token.split('.').nth(1).unwrap();
    for forged in [format!("{none}.{body}."), format!("{none}.{body}")] {
        let r = app.get("/api/v1/auth/me", Some(&forged)).await;
        assert_rejected(
            &r,
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            Some("token_invalid"),
        );
    }

    // HS/RS confusion: an HS256 token whose HMAC secret is the server's public key.
    let jwks = app.get("/api/v1/auth/jwks", None).await.body;
    let key = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == kid.as_str())
        .unwrap()
        .clone();
    assert_eq!(key["kty"], "OKP");
    let public_raw = B64.decode(key["x"].as_str().unwrap()).unwrap();
    for secret in [
        public_raw.clone(),
        key["x"].as_str().unwrap().as_bytes().to_vec(),
    ] {
        let mut h = Header::new(Algorithm::HS256);
        h.kid = Some(kid.clone());
        let forged = jsonwebtoken::encode(&h, &claims, &EncodingKey::from_secret(&secret)).unwrap();
        let r = app.get("/api/v1/auth/me", Some(&forged)).await;
        assert_rejected(
            &r,
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            Some("token_invalid"),
        );
    }

    // Expired: signed by the real key, `exp` in the past.
    let mut expired = claims.clone();
    expired["iat"] = json!(claims["iat"].as_i64().unwrap() - 3600);
    expired["exp"] = json!(claims["iat"].as_i64().unwrap() - 1800);
    let tok = app.state.keys.sign(&expired).await.unwrap();
    let r = app.get("/api/v1/auth/me", Some(&tok)).await;
    assert_rejected(
        &r,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
        Some("token_expired"),
    );

    // Signed by a key the server does not know, under its own kid and under the real kid.
    let foreign = elevate_backend::auth::keys::generate_ed25519().unwrap();
    for k in [foreign.kid.clone(), kid.clone()] {
        let mut h = Header::new(Algorithm::EdDSA);
        h.kid = Some(k);
        let tok =
            jsonwebtoken::encode(&h, &claims, &EncodingKey::from_ed_der(&foreign.pkcs8)).unwrap();
        let r = app.get("/api/v1/auth/me", Some(&tok)).await;
        assert_rejected(
            &r,
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            Some("token_invalid"),
        );
    }

    // Tampered claims under the original signature: another user, more roles, later expiry.
    let sig = t.token.split('.').nth(2).unwrap();
    let head = t.token.split('.').next().unwrap();
    for (field, value) in [
        ("sub", json!(uuid::Uuid::now_v7())),
        ("roles", json!(["admin", "superuser"])),
        ("exp", json!(claims["exp"].as_i64().unwrap() + 86_400)),
    ] {
        let mut c = claims.clone();
        c[field] = value;
        let tampered = format!("{head}.{}.{sig}", B64.encode(c.to_string()));
        let r = app.get("/api/v1/auth/me", Some(&tampered)).await;
        assert_rejected(
            &r,
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            Some("token_invalid"),
        );
    }

    // An MFA ticket is not an access token (different audience).
    let ticket = app
        .state
        .keys
        .issue_mfa_ticket(t.admin_id, t.tenant_id, 300)
        .await
        .unwrap();
    let r = app.get("/api/v1/auth/me", Some(&ticket)).await;
    assert_rejected(
        &r,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
        Some("token_invalid"),
    );

    // The genuine token still works after all that.
    assert_eq!(
        app.get("/api/v1/auth/me", Some(&t.token)).await.status,
        StatusCode::OK
    );
}

/// The server remembers tokens it has verified (one signature check per
/// token); a remembered token still stops working the second it expires.
#[tokio::test]
async fn a_token_verified_before_is_refused_once_it_expires() {
    let app = TestApp::spawn().await.unwrap();
    let t = app.sign_up("acme").await;
    let mut short = payload(&t.token);
    let exp = now() + 2;
    short["exp"] = json!(exp);
    let tok = app.state.keys.sign(&short).await.unwrap();
    for _ in 0..3 {
        let r = app.get("/api/v1/auth/me", Some(&tok)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    }
    // Past `exp` (checked with no leeway, in whole seconds).
    while now() <= exp {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let r = app.get("/api/v1/auth/me", Some(&tok)).await;
    assert_rejected(
        &r,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
        Some("token_expired"),
    );
    // The session's own token is unaffected.
    assert_eq!(
        app.get("/api/v1/auth/me", Some(&t.token)).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_deactivated_users_token_stops_working_at_once() {
    let app = TestApp::spawn().await.unwrap();
    let t = app.sign_up("acme").await;
    let r = app
        .post("/api/v1/users", Some(&t.token), &json!({ "email": "w@acme.example", "display_name": "W", "password": "long enough pass", "roles": ["warehouse"] }))
        .await;
    let wid = r.body["id"].as_str().unwrap().to_owned();
    let w = app
        .login("acme", "w@acme.example", "long enough pass")
        .await;
    assert_eq!(
        app.get("/api/v1/auth/me", Some(&w)).await.status,
        StatusCode::OK
    );
    let r = app
        .call(
            Method::PATCH,
            &format!("/api/v1/users/{wid}"),
            Some(&t.token),
            Some(&json!({ "is_active": false })),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = app.get("/api/v1/auth/me", Some(&w)).await;
    assert_rejected(&r, StatusCode::UNAUTHORIZED, "unauthenticated", None);
    assert!(["user_inactive", "session_revoked"]
        .contains(&r.body["error"]["details"]["reason"].as_str().unwrap()));
    let r = login_body(&app, "acme", "w@acme.example", "long enough pass").await;
    assert_rejected(&r, StatusCode::UNAUTHORIZED, "invalid_credentials", None);
}

#[tokio::test]
async fn a_token_for_another_tenant_is_refused_when_the_request_names_its_tenant() {
    let app = TestApp::spawn().await.unwrap();
    let a = app.sign_up("tenant-a").await;
    let _b = app.sign_up("tenant-b").await;
    let send = |tenant: &'static str| {
        app.client
            .get(app.url("/api/v1/auth/me"))
            .bearer_auth(&a.token)
            .header("X-Tenant", tenant)
            .send()
    };
    let r = TestApp::read(send("tenant-b").await.unwrap()).await;
    assert_rejected(&r, StatusCode::FORBIDDEN, "tenant_mismatch", None);
    let r = TestApp::read(send("tenant-a").await.unwrap()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

#[tokio::test]
async fn reusing_a_refresh_token_revokes_the_whole_family() {
    let app = TestApp::spawn().await.unwrap();
    let t = app.sign_up("acme").await;
    let first = login_body(&app, "acme", &t.admin_email, TEST_PASSWORD).await;
    assert_eq!(first.body["status"], "ok");
    let rt1 = first.body["refresh_token"].as_str().unwrap().to_owned();
    let access1 = first.body["access_token"].as_str().unwrap().to_owned();

    let r = app
        .post(
            "/api/v1/auth/refresh",
            None,
            &json!({ "refresh_token": rt1 }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let rt2 = r.body["refresh_token"].as_str().unwrap().to_owned();
    let access2 = r.body["access_token"].as_str().unwrap().to_owned();
    assert_ne!(rt1, rt2, "refresh rotates the token");
    assert_eq!(r.body["session_id"], first.body["session_id"]);
    assert_eq!(
        app.get("/api/v1/auth/me", Some(&access2)).await.status,
        StatusCode::OK
    );

    // The thief (or the victim) presents the spent token: the family dies.
    let r = app
        .post(
            "/api/v1/auth/refresh",
            None,
            &json!({ "refresh_token": rt1 }),
        )
        .await;
    assert_rejected(&r, StatusCode::UNAUTHORIZED, "refresh_token_reused", None);
    let r = app
        .post(
            "/api/v1/auth/refresh",
            None,
            &json!({ "refresh_token": rt2 }),
        )
        .await;
    assert_rejected(&r, StatusCode::UNAUTHORIZED, "invalid_token", None);
    for access in [&access1, &access2] {
        let r = app.get("/api/v1/auth/me", Some(access)).await;
        assert_rejected(
            &r,
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            Some("session_revoked"),
        );
    }
    // Other sessions of the same user are untouched.
    assert_eq!(
        app.get("/api/v1/auth/me", Some(&t.token)).await.status,
        StatusCode::OK
    );
    let events: Vec<String> = sqlx::query_scalar("SELECT kind FROM events WHERE tenant_id = $1")
        .bind(t.tenant_id)
        .fetch_all(&app.db.owner)
        .await
        .unwrap();
    assert!(
        events.iter().any(|e| e == "auth.refresh_token.reused"),
        "{events:?}"
    );

    // Garbage and logout.
    let r = app
        .post(
            "/api/v1/auth/refresh",
            None,
            &json!({ "refresh_token": "ert_nonsense" }),
        )
        .await;
    assert_rejected(&r, StatusCode::UNAUTHORIZED, "invalid_token", None);
    let r = app
        .call(Method::POST, "/api/v1/auth/logout", Some(&t.token), None)
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    let r = app.get("/api/v1/auth/me", Some(&t.token)).await;
    assert_rejected(
        &r,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
        Some("session_revoked"),
    );
}

fn totp_code(secret_b32: &str, at: u64) -> String {
    let secret = totp_rs::Secret::Encoded(secret_b32.to_owned())
        .to_bytes()
        .unwrap();
    totp_rs::TOTP::new_unchecked(
        totp_rs::Algorithm::SHA1,
        6,
        1,
        30,
        secret,
        None,
        String::new(),
    )
    .generate(at)
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[tokio::test]
async fn totp_codes_cannot_be_replayed_and_backup_codes_work_once() {
    let app = TestApp::spawn().await.unwrap();
    let t = app.sign_up("acme").await;
    let e = app
        .call(
            Method::POST,
            "/api/v1/auth/mfa/totp/enroll",
            Some(&t.token),
            None,
        )
        .await;
    assert_eq!(e.status, StatusCode::OK, "{}", e.text);
    let secret = e.body["secret"].as_str().unwrap().to_owned();
    assert!(e.body["otpauth_url"]
        .as_str()
        .unwrap()
        .starts_with("otpauth://totp/"));
    let png = e.body["qr_png_data_url"]
        .as_str()
        .unwrap()
        .strip_prefix("data:image/png;base64,")
        .unwrap();
    let png = base64::engine::general_purpose::STANDARD
        .decode(png)
        .unwrap();
    assert!(png.starts_with(b"\x89PNG"));

    let r = app
        .post(
            "/api/v1/auth/mfa/totp/confirm",
            Some(&t.token),
            &json!({ "code": "000000" }),
        )
        .await;
    if r.status != StatusCode::OK {
        assert_rejected(
            &r,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_mfa_code",
            None,
        );
    }
    let used_code = totp_code(&secret, now());
    let r = app
        .post(
            "/api/v1/auth/mfa/totp/confirm",
            Some(&t.token),
            &json!({ "code": used_code }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let backup: Vec<String> = serde_json::from_value(r.body["backup_codes"].clone()).unwrap();
    assert_eq!(backup.len(), 10);

    // Password alone is no longer enough.
    let r = login_body(&app, "acme", &t.admin_email, TEST_PASSWORD).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["status"], "mfa_required");
    assert!(r.body.get("access_token").is_none());
    let ticket = r.body["mfa_ticket"].as_str().unwrap().to_owned();

    // Replay of the code used at confirmation, inside its window.
    let r = app
        .post(
            "/api/v1/auth/mfa/verify",
            None,
            &json!({ "mfa_ticket": ticket, "code": used_code }),
        )
        .await;
    assert_rejected(
        &r,
        StatusCode::UNAUTHORIZED,
        "invalid_mfa_code",
        Some("code_already_used"),
    );

    // The next step's code (allowed for clock drift) works once.
    let next = totp_code(&secret, now() + 30);
    let r = app
        .post(
            "/api/v1/auth/mfa/verify",
            None,
            &json!({ "mfa_ticket": ticket, "code": next }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        app.get(
            "/api/v1/auth/me",
            Some(r.body["access_token"].as_str().unwrap())
        )
        .await
        .status,
        StatusCode::OK
    );
    let r = app
        .post(
            "/api/v1/auth/mfa/verify",
            None,
            &json!({ "mfa_ticket": ticket, "code": next }),
        )
        .await;
    assert_rejected(
        &r,
        StatusCode::UNAUTHORIZED,
        "invalid_mfa_code",
        Some("code_already_used"),
    );

    // A backup code works once.
    let r = app
        .post(
            "/api/v1/auth/mfa/verify",
            None,
            &json!({ "mfa_ticket": ticket, "backup_code": backup[0].to_uppercase() }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = app
        .post(
            "/api/v1/auth/mfa/verify",
            None,
            &json!({ "mfa_ticket": ticket, "backup_code": backup[0] }),
        )
        .await;
    assert_rejected(
        &r,
        StatusCode::UNAUTHORIZED,
        "invalid_mfa_code",
        Some("backup_code_invalid"),
    );
    let r = app
        .post(
            "/api/v1/auth/mfa/verify",
            None,
            &json!({ "mfa_ticket": "not.a.ticket", "backup_code": backup[1] }),
        )
        .await;
    assert_rejected(&r, StatusCode::UNAUTHORIZED, "invalid_token", None);

    let events: Vec<String> =
        sqlx::query_scalar("SELECT kind FROM events WHERE tenant_id = $1 ORDER BY seq")
            .bind(t.tenant_id)
            .fetch_all(&app.db.owner)
            .await
            .unwrap();
    for e in [
        "auth.mfa.enrolled",
        "auth.mfa.backup_code_used",
        "auth.mfa.failed",
        "auth.login.succeeded",
    ] {
        assert!(events.iter().any(|x| x == e), "missing {e} in {events:?}");
    }
    // The app role cannot rewrite the trail.
    let err = sqlx::query("DELETE FROM events")
        .execute(&app.db.app)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("permission denied"), "{err}");
}
