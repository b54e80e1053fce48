//! Every operation in the served OpenAPI document declares who may call it
//! (`x-permission`), and the server enforces exactly that: without a token → 401;
//! with a token whose role has every permission except the declared one → 403.
//! A new route without a declaration fails here unless it is listed as public.

use elevate_backend::domain::permissions::Permission;
use elevate_tests::TestApp;
use reqwest::{Method, StatusCode};
use serde_json::json;

/// Operations anyone may call.
const PUBLIC: &[(&str, &str)] = &[
    ("post", "/api/v1/tenants"),
    ("post", "/api/v1/auth/login"),
    ("post", "/api/v1/auth/refresh"),
    ("post", "/api/v1/auth/mfa/verify"),
    ("get", "/api/v1/auth/jwks"),
    ("post", "/api/v1/auth/password-reset"),
    ("post", "/api/v1/auth/password-reset/confirm"),
    ("post", "/api/v1/auth/invitations/accept"),
    ("get", "/health/live"),
    ("get", "/health/ready"),
];

/// Operations on the caller's own account: any signed-in user.
const SELF_SERVICE: &[(&str, &str)] = &[
    ("get", "/api/v1/auth/me"),
    ("post", "/api/v1/auth/logout"),
    ("post", "/api/v1/auth/password"),
    ("get", "/api/v1/auth/sessions"),
    ("delete", "/api/v1/auth/sessions/{id}"),
    ("post", "/api/v1/auth/mfa/totp/enroll"),
    ("post", "/api/v1/auth/mfa/totp/confirm"),
    ("get", "/api/v1/push/devices"),
    ("post", "/api/v1/push/devices"),
    ("delete", "/api/v1/push/devices/{id}"),
    ("get", "/api/v1/notifications"),
    ("post", "/api/v1/notifications/{id}/read"),
];

fn concrete(path: &str) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let end = rest[start..]
            .find('}')
            .map(|e| start + e + 1)
            .unwrap_or(rest.len());
        out.push_str(&uuid::Uuid::now_v7().to_string());
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

#[tokio::test]
async fn every_operation_declares_and_enforces_its_permission() {
    let app = TestApp::spawn().await.unwrap();
    let t = app.sign_up("acme").await;

    // A probe user whose custom role will hold everything but the permission under test.
    let r = app
        .post(
            "/api/v1/roles",
            Some(&t.token),
            &json!({ "key": "probe", "name": "Probe", "permissions": [] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let role_id = r.body["id"].as_str().unwrap().to_owned();
    let r = app
        .post("/api/v1/users", Some(&t.token), &json!({ "email": "probe@acme.example", "display_name": "Probe", "password": "probe passphrase 1", "roles": ["probe"] }))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let probe = app
        .login("acme", "probe@acme.example", "probe passphrase 1")
        .await;

    let doc = app.get("/api/v1/openapi.json", None).await.body;
    let paths = doc["paths"].as_object().expect("paths");
    let mut problems = Vec::new();
    let (mut checked_401, mut checked_403) = (0, 0);
    for (public_method, public_path) in PUBLIC.iter().chain(SELF_SERVICE) {
        if paths
            .get(*public_path)
            .and_then(|p| p.get(*public_method))
            .is_none()
        {
            problems.push(format!(
                "{public_method} {public_path} is listed but not in the document"
            ));
        }
    }
    for (path, item) in paths {
        for method in ["get", "post", "put", "patch", "delete"] {
            let Some(op) = item.get(method) else { continue };
            let declared = op["x-permission"].as_str();
            let key = (method, path.as_str());
            if PUBLIC.contains(&key) {
                if declared != Some("public") {
                    problems.push(format!(
                        "{method} {path} is public but declares {declared:?}"
                    ));
                }
                continue;
            }
            let Some(declared) = declared else {
                problems.push(format!("{method} {path} declares no permission"));
                continue;
            };
            let url = concrete(path);
            let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let body = (m != Method::GET && m != Method::DELETE).then(|| json!({}));

            let r = app.call(m.clone(), &url, None, body.as_ref()).await;
            checked_401 += 1;
            if r.status != StatusCode::UNAUTHORIZED || r.error_code() != "unauthenticated" {
                problems.push(format!(
                    "{method} {path} without a token answered {}: {}",
                    r.status, r.text
                ));
            }
            if declared == "authenticated" {
                if !SELF_SERVICE.contains(&key) {
                    problems.push(format!(
                        "{method} {path} is self-service but not listed as such"
                    ));
                }
                continue;
            }
            let Some(perm) = Permission::parse(declared) else {
                problems.push(format!(
                    "{method} {path} declares unknown permission {declared}"
                ));
                continue;
            };
            let others: Vec<&str> = Permission::ALL
                .iter()
                .filter(|p| **p != perm)
                .map(|p| p.as_str())
                .collect();
            let r = app
                .call(
                    Method::PATCH,
                    &format!("/api/v1/roles/{role_id}"),
                    Some(&t.token),
                    Some(&json!({ "permissions": others })),
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
            let r = app.call(m, &url, Some(&probe), body.as_ref()).await;
            checked_403 += 1;
            if r.status != StatusCode::FORBIDDEN
                || r.error_code() != "forbidden"
                || r.body["error"]["details"]["permission"] != declared
            {
                problems.push(format!(
                    "{method} {path} without `{declared}` answered {}: {}",
                    r.status, r.text
                ));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
    assert!(
        checked_401 >= 20 && checked_403 >= 12,
        "only {checked_401}/{checked_403} checks"
    );
}
