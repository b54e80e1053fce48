//! The phone's core (local store, op log, sync engine, HTTP transport) against the real
//! backend: work recorded offline survives a restart and is applied exactly once.

use std::str::FromStr;

use elevate_mobile::core::ops::{NewOp, StockMovePayload};
use elevate_mobile::core::store::{lock, OpStatus, Store};
use elevate_mobile::core::sync::{HttpTransport, SyncEngine, SyncError, TransportError};
use elevate_tests::TestApp;
use reqwest::StatusCode;
use rust_decimal::Decimal;
use serde_json::{json, Value};
use uuid::Uuid;

async fn created(app: &TestApp, token: &str, path: &str, body: Value) -> Uuid {
    let r = app.post(path, Some(token), &body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{path}: {}", r.text);
    Uuid::from_str(r.body["id"].as_str().unwrap()).unwrap()
}

async fn on_hand(app: &TestApp, token: &str, product: Uuid, loc: Uuid) -> Decimal {
    let r = app
        .get(
            &format!("/api/v1/stock/quants?product_id={product}&location_id={loc}"),
            Some(token),
        )
        .await;
    r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| match &q["qty"] {
            Value::Number(n) => Decimal::from_str(&n.to_string()).unwrap(),
            v => Decimal::from_str(v.as_str().unwrap()).unwrap(),
        })
        .sum()
}

#[tokio::test]
async fn offline_moves_survive_a_restart_and_sync_exactly_once() {
    let app = TestApp::spawn().await.unwrap();
    let token = app.sign_up("phone-sync").await.token;
    let wh = created(
        &app,
        &token,
        "/api/v1/locations",
        json!({"kind": "warehouse", "code": "WH", "name": "Main"}),
    )
    .await;
    let bin_a = created(
        &app,
        &token,
        "/api/v1/locations",
        json!({"kind": "bin", "parent_id": wh, "code": "A", "name": "A"}),
    )
    .await;
    let bin_b = created(
        &app,
        &token,
        "/api/v1/locations",
        json!({"kind": "bin", "parent_id": wh, "code": "B", "name": "B"}),
    )
    .await;
    let all = app.get("/api/v1/locations?limit=100", Some(&token)).await;
    let supplier = all.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["kind"] == "supplier")
        .map(|l| Uuid::from_str(l["id"].as_str().unwrap()).unwrap())
        .unwrap();
    let product = created(
        &app,
        &token,
        "/api/v1/products",
        json!({"sku": "W-1", "name": "Widget", "cost": "2"}),
    )
    .await;

    let dir = std::env::temp_dir().join(format!("elevate-phone-e2e-{}", Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("local.db");
    // The phone registers the device id its store generated.
    let device = Store::open(&db).unwrap().device_id();
    let registered = created(
        &app,
        &token,
        "/api/v1/devices",
        json!({"id": device, "name": "Phone 1", "platform": "android"}),
    )
    .await;
    assert_eq!(registered, device);

    let base = app.url("").trim_end_matches('/').to_owned();
    let (tok, dbp) = (token.clone(), db.clone());
    tokio::task::spawn_blocking(move || {
        // Offline: 50 receipts into A, 20 moves A → B, all on the phone only.
        let store = Store::open(&dbp).unwrap().shared();
        for i in 0..70 {
            let (from, to) = if i < 50 {
                (supplier, bin_a)
            } else {
                (bin_a, bin_b)
            };
            lock(&store)
                .append_op(&NewOp::StockMove(StockMovePayload {
                    product_id: product,
                    qty: Decimal::ONE,
                    from_location_id: from,
                    to_location_id: to,
                    lot: None,
                }))
                .unwrap();
        }
        // No server reachable: the round fails as retriable, nothing is lost.
        let dead = SyncEngine::new(
            store.clone(),
            HttpTransport::new("http://127.0.0.1:9", &tok).unwrap(),
        );
        assert!(matches!(
            dead.sync_once(),
            Err(SyncError::Transport(TransportError::Unreachable(_)))
        ));
        assert_eq!(lock(&store).op_counts().unwrap().pending, 70);
        drop(dead);
        drop(store);

        // The app restarts; the server is back.
        let store = Store::open(&dbp).unwrap().shared();
        assert_eq!(lock(&store).unsynced_ops(1000).unwrap().len(), 70);
        let engine =
            SyncEngine::new(store.clone(), HttpTransport::new(&base, &tok).unwrap()).with_batch(25);
        let report = engine.sync_once().unwrap();
        assert_eq!(
            (report.pushed, report.applied, report.rejected),
            (70, 70, 0),
            "{report:?}"
        );
        assert!(report.pulled > 0, "reference data pulled");
        // A second round has nothing to push.
        assert_eq!(engine.sync_once().unwrap().pushed, 0);
        assert_eq!(
            lock(&store)
                .ops_with_status(OpStatus::Applied)
                .unwrap()
                .len(),
            70
        );
        assert!(lock(&store).cursor().unwrap().is_some());
    })
    .await
    .unwrap();

    assert_eq!(
        on_hand(&app, &token, product, bin_a).await,
        Decimal::from(30)
    );
    assert_eq!(
        on_hand(&app, &token, product, bin_b).await,
        Decimal::from(20)
    );
    let _ = std::fs::remove_dir_all(dir);
}
