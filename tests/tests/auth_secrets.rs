//! Password hashes and backup-code hashes never leave the server: not in any API
//! response, not in any log line. Logs are captured by installing a tracing
//! subscriber (at TRACE level) that writes into a buffer; the server runs in-process.

use std::io::Write;
use std::sync::{Arc, Mutex};

use elevate_tests::server::TEST_PASSWORD;
use elevate_tests::TestApp;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn totp_now(secret_b32: &str) -> String {
    let secret = totp_rs::Secret::Encoded(secret_b32.to_owned())
        .to_bytes()
        .unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    totp_rs::TOTP::new_unchecked(
        totp_rs::Algorithm::SHA1,
        6,
        1,
        30,
        secret,
        None,
        String::new(),
    )
    .generate(now)
}

#[tokio::test]
async fn hashes_never_appear_in_responses_or_logs() {
    let logs = Buffer::default();
    let writer = logs.clone();
    tracing_subscriber::fmt()
        .json()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .init();

    let app = TestApp::spawn().await.unwrap();
    let mut responses: Vec<String> = Vec::new();
    let t = app.sign_up("acme").await;
    let r = app.post("/api/v1/users", Some(&t.token), &json!({ "email": "w@acme.example", "display_name": "W", "password": "long enough pass", "roles": ["warehouse"] })).await;
    responses.push(r.text);
    let r = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({ "tenant": "acme", "email": "w@acme.example", "password": "wrong password!!" }),
        )
        .await;
    responses.push(r.text);
    let r = app
        .post(
            "/api/v1/users/invitations",
            Some(&t.token),
            &json!({ "email": "inv@acme.example", "display_name": "Inv", "roles": [] }),
        )
        .await;
    responses.push(r.text);

    // MFA with backup codes, used once.
    let e = app
        .call(
            Method::POST,
            "/api/v1/auth/mfa/totp/enroll",
            Some(&t.token),
            None,
        )
        .await;
    let secret = e.body["secret"].as_str().unwrap().to_owned();
    let r = app
        .post(
            "/api/v1/auth/mfa/totp/confirm",
            Some(&t.token),
            &json!({ "code": totp_now(&secret) }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let backup = r.body["backup_codes"][0].as_str().unwrap().to_owned();
    let r = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({ "tenant": "acme", "email": t.admin_email, "password": TEST_PASSWORD }),
        )
        .await;
    responses.push(r.text.clone());
    let ticket = r.body["mfa_ticket"].as_str().unwrap().to_owned();
    let r = app
        .post(
            "/api/v1/auth/mfa/verify",
            None,
            &json!({ "mfa_ticket": ticket, "backup_code": backup }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let token = r.body["access_token"].as_str().unwrap().to_owned();
    responses.push(r.text);

    // Every parameterless GET in the document, as the administrator.
    let doc = app.get("/api/v1/openapi.json", None).await.body;
    for (path, item) in doc["paths"].as_object().unwrap() {
        if item.get("get").is_some() && !path.contains('{') {
            responses.push(app.get(path, Some(&token)).await.text);
        }
    }
    let users = app.get("/api/v1/users", Some(&token)).await;
    for u in users.body["items"].as_array().unwrap() {
        responses.push(
            app.get(
                &format!("/api/v1/users/{}", u["id"].as_str().unwrap()),
                Some(&token),
            )
            .await
            .text,
        );
    }

    let password_hashes: Vec<String> =
        sqlx::query_scalar("SELECT password_hash FROM users WHERE password_hash IS NOT NULL")
            .fetch_all(&app.db.owner)
            .await
            .unwrap();
    let code_hashes: Vec<Vec<u8>> = sqlx::query_scalar("SELECT code_hash FROM auth_backup_codes")
        .fetch_all(&app.db.owner)
        .await
        .unwrap();
    assert!(password_hashes.len() >= 2 && code_hashes.len() == 10);
    let mut secrets: Vec<String> = Vec::new();
    for h in &password_hashes {
        assert!(h.starts_with("$argon2id$"));
        secrets.push(h.clone());
        // The salt and digest parts alone must not leak either.
        secrets.extend(h.rsplit('$').take(2).map(str::to_owned));
    }
    for h in &code_hashes {
        use base64::Engine;
        secrets.push(hex_lower(h));
        secrets.push(base64::engine::general_purpose::STANDARD.encode(h));
    }
    secrets.push(TEST_PASSWORD.to_owned());
    secrets.push("long enough pass".to_owned());
    secrets.push(backup.clone());

    let log_text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(
        log_text.lines().count() > 20,
        "the log capture saw too little: {log_text}"
    );
    assert!(
        log_text.contains("login ok"),
        "the server's logs were not captured"
    );
    for s in &secrets {
        assert!(
            !log_text.contains(s.as_str()),
            "a secret appears in the logs: {s}"
        );
        for r in &responses {
            assert!(
                !r.contains(s.as_str()),
                "a secret appears in a response: {s}\n{r}"
            );
        }
    }
    assert!(
        !log_text.contains("argon2"),
        "an argon2 hash prefix appears in the logs"
    );
}

fn hex_lower(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
