//! The demo command's path through the real binary: migrate → seed-demo (twice, it
//! is idempotent) → serve, then /health/ready, /api/docs and the printed sign-in work.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use elevate_tests::db::{app_url, owner_url};
use elevate_tests::TestDb;
use serde_json::json;

fn binary() -> PathBuf {
    // target/<profile>/deps/<this test> → target/<profile>/elevate
    let exe = std::env::current_exe().unwrap();
    let bin = exe.parent().unwrap().parent().unwrap().join("elevate");
    assert!(
        bin.exists(),
        "{} not built; run the workspace tests",
        bin.display()
    );
    bin
}

fn elevate(db: &str) -> Command {
    let mut cmd = Command::new(binary());
    cmd.env_remove("ELEVATE_CONFIG")
        .env_remove("REDIS_URL")
        .env("DATABASE_URL", app_url(db))
        .env("ELEVATE_DATABASE__OWNER_URL", owner_url(db))
        .env("ELEVATE_LOG__LEVEL", "warn");
    cmd
}

#[tokio::test]
async fn migrate_seed_and_serve_like_the_demo_command() {
    let db = TestDb::empty().await.unwrap();
    let out = elevate(&db.name).arg("migrate").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let out = elevate(&db.name).arg("seed-demo").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(printed.contains("Demo tenant 'demo' created"), "{printed}");
    let password = printed
        .lines()
        .find_map(|l| l.trim().strip_prefix("password"))
        .map(|p| p.trim().to_owned())
        .expect("the password is printed");
    let admin = printed
        .lines()
        .find(|l| l.trim_start().starts_with("admin"))
        .and_then(|l| l.split_whitespace().nth(1))
        .expect("the admin e-mail is printed")
        .to_owned();

    let again = elevate(&db.name).arg("seed-demo").output().unwrap();
    assert!(again.status.success());
    assert!(String::from_utf8_lossy(&again.stdout).contains("already present"));
    let tenants: i64 = sqlx::query_scalar("SELECT count(*) FROM tenants")
        .fetch_one(&db.owner)
        .await
        .unwrap();
    assert_eq!(tenants, 1, "seeding twice must not duplicate");

    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let log_path = std::env::temp_dir().join(format!("elevate-demo-{}.log", uuid::Uuid::new_v4()));
    let log_file = std::fs::File::create(&log_path).unwrap();
    let server = KillOnDrop(
        elevate(&db.name)
            .arg("serve")
            .env("ELEVATE_HTTP__BIND", format!("127.0.0.1:{port}"))
            .env("ELEVATE_LOG__LEVEL", "info")
            .stdout(Stdio::from(log_file))
            .spawn()
            .unwrap(),
    );
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let mut ready = None;
    for _ in 0..100 {
        if let Ok(r) = client.get(format!("{base}/health/ready")).send().await {
            ready = Some(r.status());
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    {
        assert_eq!(ready, Some(reqwest::StatusCode::OK));
        let docs = client
            .get(format!("{base}/api/docs/"))
            .send()
            .await
            .unwrap();
        assert_eq!(docs.status(), reqwest::StatusCode::OK);
        let login = client
            .post(format!("{base}/api/v1/auth/login"))
            .json(&json!({ "tenant": "demo", "email": admin, "password": password }))
            .send()
            .await
            .unwrap();
        assert_eq!(login.status(), reqwest::StatusCode::OK);
        let body: serde_json::Value = login.json().await.unwrap();
        let token = body["access_token"].as_str().unwrap();
        let tenant: serde_json::Value = client
            .get(format!("{base}/api/v1/tenant"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(tenant["branding"]["display_name"], "Acme Industrial Supply");
    }
    drop(server);

    // Structured JSON logs: the authenticated request's line carries its request id,
    // tenant and latency; the password never appears.
    let logs = std::fs::read_to_string(&log_path).unwrap();
    let _ = std::fs::remove_file(&log_path);
    assert!(!logs.contains(&password), "the password reached the log");
    let tenant_lines: Vec<serde_json::Value> = logs
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["message"] == "response" && v["span"]["path"] == "/api/v1/tenant")
        .collect();
    assert_eq!(tenant_lines.len(), 1, "{logs}");
    let line = &tenant_lines[0];
    assert!(
        line["span"]["request_id"]
            .as_str()
            .is_some_and(|s| !s.is_empty()),
        "{line}"
    );
    assert!(
        line["span"]["tenant_id"]
            .as_str()
            .is_some_and(|s| s.len() == 36),
        "{line}"
    );
    assert!(line["latency_ms"].as_f64().is_some(), "{line}");
    assert_eq!(line["status"], 200);
}

/// Stops the server even when an assertion fails.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
