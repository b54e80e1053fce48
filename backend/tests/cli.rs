//! The binary's start-up behaviour: clear one-sentence errors instead of panics.

use std::process::Command;

fn elevate() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_elevate"));
    cmd.env_remove("ELEVATE_CONFIG")
        .env_remove("REDIS_URL")
        .env("ELEVATE_LOG__LEVEL", "error");
    cmd
}

#[test]
fn unreachable_database_is_one_clear_sentence() {
    // Port 1 on loopback: nothing listens there.
    let out = elevate()
        .arg("serve")
        .env(
            "DATABASE_URL",
            "postgres://elevate_app:pw-should-not-print@127.0.0.1:1/elevate",
        )
        .env("ELEVATE_DATABASE__CONNECT_TIMEOUT_SECS", "2")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "expected one sentence, got: {stderr}");
    assert!(
        lines[0].starts_with(
            "error: cannot reach PostgreSQL at postgres://elevate_app@127.0.0.1:1/elevate"
        ),
        "{stderr}"
    );
    assert!(lines[0].contains("start PostgreSQL"), "{stderr}");
    assert!(
        !stderr.contains("pw-should-not-print"),
        "password leaked: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn serving_as_a_role_that_bypasses_rls_is_refused() {
    let out = elevate()
        .arg("serve")
        .env(
            "DATABASE_URL",
            "postgres://elevate_owner:elevate_owner@127.0.0.1:5432/elevate",
        )
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("BYPASSRLS"), "{stderr}");
}

#[test]
fn invalid_configuration_is_reported() {
    let out = elevate()
        .arg("openapi")
        .env("ELEVATE_HTTP__BODY_LIMIT_BYTES", "lots")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("error: the configuration is not valid"),
        "{stderr}"
    );
}

#[test]
fn openapi_command_prints_the_document() {
    let out = elevate().arg("openapi").output().unwrap();
    assert!(out.status.success());
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    assert!(doc["paths"]["/api/v1/tenants"]["post"].is_object());
}
