//! The OpenAPI document: valid OpenAPI 3.1, served with browsable docs, and listing
//! every route (each documented operation is routed, and each routed API path is
//! documented).

use elevate_tests::TestApp;
use reqwest::{Method, StatusCode};

#[tokio::test]
async fn the_document_validates_with_an_independent_validator() {
    let app = TestApp::spawn().await.unwrap();
    let r = app.get("/api/v1/openapi.json", None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body["openapi"].as_str().unwrap().starts_with("3.1"));
    let path = std::env::temp_dir().join(format!("elevate-openapi-{}.json", uuid::Uuid::new_v4()));
    std::fs::write(&path, &r.text).unwrap();
    let python = std::env::var("ELEVATE_PYTHON").unwrap_or_else(|_| "python3".into());
    let out = std::process::Command::new(&python)
        .args(["-m", "openapi_spec_validator"])
        .arg(&path)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run {python}: {e}; run ./scripts/test, which installs the validator")
        });
    let _ = std::fs::remove_file(&path);
    assert!(
        out.status.success(),
        "openapi-spec-validator rejected the document (run ./scripts/test to install it):\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn every_documented_operation_is_routed_and_documented_well() {
    let app = TestApp::spawn().await.unwrap();
    let doc = app.get("/api/v1/openapi.json", None).await.body;
    let paths = doc["paths"].as_object().unwrap();
    for expected in [
        "/api/v1/tenants",
        "/api/v1/tenant",
        "/api/v1/auth/login",
        "/api/v1/users",
        "/api/v1/users/{id}",
        "/health/live",
        "/health/ready",
    ] {
        assert!(
            paths.contains_key(expected),
            "{expected} missing from the document"
        );
    }
    let mut ops = 0;
    for (path, item) in paths {
        assert!(
            path.starts_with("/api/v1/") || path.starts_with("/health/"),
            "{path} is outside /api/v1"
        );
        for (method, op) in item.as_object().unwrap() {
            let Ok(m) = Method::from_bytes(method.to_uppercase().as_bytes()) else {
                continue;
            };
            ops += 1;
            assert!(
                op["summary"].is_string() || op["description"].is_string(),
                "{method} {path} undocumented"
            );
            assert!(
                op["responses"].as_object().is_some_and(|r| !r.is_empty()),
                "{method} {path} has no responses"
            );
            let concrete = path.replace("{id}", &uuid::Uuid::nil().to_string());
            let r = app.call(m, &concrete, None, None).await;
            let code = r.body["error"]["code"].as_str().unwrap_or_default();
            assert!(
                code != "route_not_found" && code != "method_not_allowed",
                "{method} {path} is documented but not routed"
            );
        }
    }
    assert!(ops >= 10, "{ops}");

    let docs = app.client.get(app.url("/api/docs/")).send().await.unwrap();
    assert_eq!(docs.status(), StatusCode::OK);
    assert!(docs
        .text()
        .await
        .unwrap()
        .to_lowercase()
        .contains("swagger"));
}
