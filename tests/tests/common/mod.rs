//! Helpers shared by the purchasing, reorder and transfer tests: a tenant with
//! two warehouses, a zone and bins, its virtual locations, and small HTTP
//! shortcuts.
#![allow(dead_code)]

use std::str::FromStr;

use elevate_tests::{Resp, TestApp};
use reqwest::StatusCode;
use rust_decimal::Decimal;
use serde_json::{json, Value};
use uuid::Uuid;

pub fn dec(v: &Value) -> Decimal {
    Decimal::from_str(
        v.as_str()
            .unwrap_or_else(|| panic!("not a decimal string: {v}")),
    )
    .unwrap()
}

pub fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

pub fn id(r: &Resp) -> String {
    r.body["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id: {}", r.text))
        .to_owned()
}

/// POSTs with an optional Idempotency-Key.
pub async fn post_key(
    app: &TestApp,
    path: &str,
    token: &str,
    key: Option<&str>,
    body: &Value,
) -> Resp {
    let mut req = app.client.post(app.url(path)).bearer_auth(token).json(body);
    if let Some(k) = key {
        req = req.header("Idempotency-Key", k);
    }
    TestApp::read(req.send().await.unwrap()).await
}

pub async fn put(app: &TestApp, path: &str, token: &str, body: &Value) -> Resp {
    app.call(reqwest::Method::PUT, path, Some(token), Some(body))
        .await
}

pub struct Fixture {
    pub tenant_id: Uuid,
    pub token: String,
    pub wh1: String,
    pub wh2: String,
    pub bin_a: String,
    pub bin_b: String,
    pub supplier: String,
    pub customer: String,
    pub loss: String,
    pub transit: String,
}

pub async fn location(app: &TestApp, token: &str, body: Value) -> String {
    let r = app.post("/api/v1/locations", Some(token), &body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    id(&r)
}

pub async fn setup(app: &TestApp, slug: &str) -> Fixture {
    let t = app.sign_up(slug).await;
    let token = t.token.clone();
    let wh1 = location(
        app,
        &token,
        json!({"kind": "warehouse", "code": "WH1", "name": "Main"}),
    )
    .await;
    let wh2 = location(
        app,
        &token,
        json!({"kind": "warehouse", "code": "WH2", "name": "Second"}),
    )
    .await;
    let zone = location(
        app,
        &token,
        json!({"kind": "zone", "parent_id": wh1, "code": "A", "name": "Zone A"}),
    )
    .await;
    let bin_a = location(
        app,
        &token,
        json!({"kind": "bin", "parent_id": zone, "code": "01", "name": "A-01"}),
    )
    .await;
    let bin_b = location(
        app,
        &token,
        json!({"kind": "bin", "parent_id": zone, "code": "02", "name": "A-02"}),
    )
    .await;
    let all = app.get("/api/v1/locations?limit=100", Some(&token)).await;
    let virt = |kind: &str| {
        all.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["kind"] == kind)
            .unwrap_or_else(|| panic!("no {kind} location"))["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    Fixture {
        tenant_id: t.tenant_id,
        supplier: virt("supplier"),
        customer: virt("customer"),
        loss: virt("inventory_loss"),
        transit: virt("transit"),
        token,
        wh1,
        wh2,
        bin_a,
        bin_b,
    }
}

pub async fn product(app: &TestApp, token: &str, sku: &str) -> String {
    let r = app
        .post(
            "/api/v1/products",
            Some(token),
            &json!({"sku": sku, "name": format!("Product {sku}")}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    id(&r)
}

pub async fn mv(app: &TestApp, token: &str, body: Value) -> Resp {
    let r = app.post("/api/v1/stock/moves", Some(token), &body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r
}

pub async fn on_hand(app: &TestApp, token: &str, product: &str, location: &str) -> Decimal {
    let r = app
        .get(
            &format!("/api/v1/stock/quants?product_id={product}&location_id={location}"),
            Some(token),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|q| q["location_id"] == location)
        .map(|q| dec(&q["qty"]))
        .sum()
}

pub async fn assert_no_drift(app: &TestApp, token: &str) {
    let r = app
        .post("/api/v1/stock/ledger-check", Some(token), &json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["drift"], json!([]), "quants drifted: {}", r.text);
}

/// How many events of `kind` the tenant has (read as the owner).
pub async fn events(app: &TestApp, tenant: Uuid, kind: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM events WHERE tenant_id = $1 AND kind = $2")
        .bind(tenant)
        .bind(kind)
        .fetch_one(&app.db.owner)
        .await
        .unwrap()
}

pub async fn supplier(app: &TestApp, token: &str, name: &str, currency: &str, lead: i32) -> String {
    let r = app
        .post(
            "/api/v1/suppliers",
            Some(token),
            &json!({"name": name, "currency": currency, "lead_time_days": lead}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    id(&r)
}

/// Creates a user with `roles` in the tenant of `token` and signs them in;
/// answers (user id, their token).
pub async fn add_user(
    app: &TestApp,
    token: &str,
    slug: &str,
    name: &str,
    roles: &[&str],
) -> (String, String) {
    let email = format!("{name}@{slug}.example");
    let password = elevate_tests::server::TEST_PASSWORD;
    let r = app
        .post(
            "/api/v1/users",
            Some(token),
            &json!({"email": email, "display_name": name, "password": password, "roles": roles}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    (id(&r), app.login(slug, &email, password).await)
}

/// POSTs a CSV body.
pub async fn post_csv(app: &TestApp, path: &str, token: &str, body: &str) -> Resp {
    let r = app
        .client
        .post(app.url(path))
        .bearer_auth(token)
        .header("content-type", "text/csv")
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    TestApp::read(r).await
}
