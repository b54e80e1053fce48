//! Live updates, continued: a slow client is dropped with a reason naming where to
//! resume and loses nothing by reconnecting with it; users assigned to warehouses
//! see the stock changes of those warehouses only; a counter's approval request
//! notifies the approvers, and the decision notifies the counter.

mod common;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use common::{add_user, id, mv, post_csv, product, put, setup};
use elevate_tests::TestApp;
use futures::StreamExt;
use reqwest::StatusCode;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(app: &TestApp, token: &str, since: Option<i64>) -> Ws {
    let mut url = format!("ws://{}/api/v1/ws?token={token}", app.addr);
    if let Some(s) = since {
        url.push_str(&format!("&since={s}"));
    }
    tokio_tungstenite::connect_async(url)
        .await
        .expect("ws connect")
        .0
}

enum Frame {
    Json(Value),
    Closed(u16, String),
}

async fn frame(ws: &mut Ws, wait: Duration) -> Option<Frame> {
    loop {
        let msg = match tokio::time::timeout(wait, ws.next()).await {
            Err(_) => return None,
            Ok(None) => return Some(Frame::Closed(1006, "stream ended".into())),
            Ok(Some(Err(e))) => return Some(Frame::Closed(1006, e.to_string())),
            Ok(Some(Ok(m))) => m,
        };
        match msg {
            Message::Text(t) => return Some(Frame::Json(serde_json::from_str(&t).unwrap())),
            Message::Close(f) => {
                return Some(match f {
                    Some(f) => Frame::Closed(f.code.into(), f.reason.to_string()),
                    None => Frame::Closed(1005, String::new()),
                })
            }
            _ => continue,
        }
    }
}

/// Waits for `ready`, returning the events replayed before it.
async fn ready(ws: &mut Ws) -> Vec<Value> {
    let mut before = Vec::new();
    loop {
        match frame(ws, Duration::from_secs(20)).await {
            Some(Frame::Json(m)) if m["type"] == "ready" => return before,
            Some(Frame::Json(m)) => before.push(m),
            Some(Frame::Closed(c, r)) => panic!("closed before ready: {c} {r}"),
            None => panic!("no ready within 20 s"),
        }
    }
}

/// The events that arrive within `quiet` of each other.
async fn drain(ws: &mut Ws, quiet: Duration) -> Vec<Value> {
    let mut out = Vec::new();
    while let Some(f) = frame(ws, quiet).await {
        match f {
            Frame::Json(m) => out.push(m),
            Frame::Closed(c, r) => panic!("closed: {c} {r}"),
        }
    }
    out
}

/// A client that cannot keep up is closed with 4008 and told `since=<seq>`;
/// reconnecting from there yields every remaining event once: none lost, none twice.
#[tokio::test]
async fn a_slow_client_is_dropped_with_a_resume_point_and_loses_nothing() {
    let app = TestApp::spawn_with(json!({"live": {"buffer": 16}}))
        .await
        .unwrap();
    let fx = setup(&app, "live-slow").await;
    product(&app, &fx.token, "SLOW-1").await;
    let mut ws = connect(&app, &fx.token, None).await;
    ready(&mut ws).await;

    // One request commits 1,000 moves at once: far more than the 16-event ring.
    let mut csv = String::from("sku,location,qty,unit_cost,lot,expiry\n");
    for _ in 0..1000 {
        csv.push_str("SLOW-1,WH1/A/01,1,1,,\n");
    }
    let r = post_csv(&app, "/api/v1/stock/import", &fx.token, &csv).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["imported"], 1000);

    let mut seen: Vec<i64> = Vec::new();
    let mut ws = Some(ws);
    let mut reconnects = 0;
    let deadline = Instant::now() + Duration::from_secs(60);
    while seen.len() < 1000 {
        assert!(
            Instant::now() < deadline,
            "only {} of 1000 events",
            seen.len()
        );
        let socket = ws.as_mut().unwrap();
        match frame(socket, Duration::from_secs(10)).await {
            Some(Frame::Json(m)) if m["type"] == "event" => {
                if m["event"]["kind"] == "stock.moved" {
                    seen.push(m["event"]["seq"].as_i64().unwrap());
                }
            }
            Some(Frame::Json(_)) => {}
            Some(Frame::Closed(code, reason)) => {
                assert_eq!(code, 4008, "{reason}");
                let since: i64 = reason
                    .rsplit("since=")
                    .next()
                    .and_then(|s| s.trim().parse().ok())
                    .unwrap_or_else(|| panic!("no since= in the reason: {reason}"));
                reconnects += 1;
                ws = Some(connect(&app, &fx.token, Some(since)).await);
            }
            None => panic!("stalled after {} events", seen.len()),
        }
    }
    assert!(
        reconnects >= 1,
        "1000 events through a 16-event ring without a drop"
    );
    let unique: HashSet<i64> = seen.iter().copied().collect();
    assert_eq!(unique.len(), 1000, "an event arrived twice");
    let mut sorted = seen.clone();
    sorted.sort();
    assert_eq!(sorted, seen, "events out of order");
    // Nothing more arrives: no stock move was replayed beyond the 1,000.
    let rest = drain(ws.as_mut().unwrap(), Duration::from_millis(500)).await;
    assert!(
        rest.iter().all(|m| m["event"]["kind"] != "stock.moved"),
        "{rest:?}"
    );
}

/// A picker assigned to WH2 sees WH2's moves only; unassigned, every warehouse;
/// catch-up with `since` is filtered the same way.
#[tokio::test]
async fn users_see_stock_changes_of_their_warehouses_only() {
    let app = TestApp::spawn().await.unwrap();
    let fx = setup(&app, "live-scope").await;
    let t = &fx.token;
    let p = product(&app, t, "SCOPE-1").await;
    let (picker_id, picker) = add_user(&app, t, "live-scope", "picker", &["warehouse"]).await;
    let path = format!("/api/v1/users/{picker_id}/warehouses");

    // Validation: only warehouses of the tenant; only user managers may assign.
    let r = put(&app, &path, t, &json!({"warehouse_ids": [fx.bin_a]})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.error_code(), "validation_failed");
    let r = put(&app, &path, &picker, &json!({"warehouse_ids": [fx.wh2]})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    let r = put(
        &app,
        &format!("/api/v1/users/{}/warehouses", uuid::Uuid::now_v7()),
        t,
        &json!({"warehouse_ids": []}),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);

    let r = put(&app, &path, t, &json!({"warehouse_ids": [fx.wh2, fx.wh2]})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["warehouse_ids"], json!([fx.wh2]));
    let r = app.get(&path, Some(t)).await;
    assert_eq!(r.body["warehouse_ids"], json!([fx.wh2]));

    let mut admin_ws = connect(&app, t, None).await;
    ready(&mut admin_ws).await;
    let mut picker_ws = connect(&app, &picker, None).await;
    ready(&mut picker_ws).await;

    let into = |to: &str| json!({"product_id": p, "qty": "1", "from_location_id": fx.supplier, "to_location_id": to, "unit_cost": "1"});
    let m1 = mv(&app, t, into(&fx.bin_a)).await; // WH1 (bin in WH1)
    let m2 = mv(&app, t, into(&fx.wh2)).await; // WH2
    let m3 = mv(
        &app,
        t,
        json!({"product_id": p, "qty": "1", "from_location_id": fx.bin_a, "to_location_id": fx.wh2}),
    )
    .await; // WH1 → WH2: both warehouses

    let moved = |ms: &[Value]| -> Vec<String> {
        ms.iter()
            .filter(|m| m["event"]["kind"] == "stock.moved")
            .map(|m| m["event"]["subject_id"].as_str().unwrap().to_owned())
            .collect()
    };
    let quiet = Duration::from_millis(800);
    let admin_saw = moved(&drain(&mut admin_ws, quiet).await);
    assert_eq!(admin_saw, [id(&m1), id(&m2), id(&m3)]);
    let picker_saw = moved(&drain(&mut picker_ws, quiet).await);
    assert_eq!(picker_saw, [id(&m2), id(&m3)], "WH1-only move leaked");

    // Unassigned (empty list = all warehouses): the open connection follows at once.
    let r = put(&app, &path, t, &json!({"warehouse_ids": []})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let m4 = mv(&app, t, into(&fx.bin_a)).await;
    let picker_saw = moved(&drain(&mut picker_ws, quiet).await);
    assert_eq!(picker_saw, [id(&m4)]);

    // Assigned to WH1 again and reconnecting from the start: the catch-up is
    // filtered by the current assignment.
    put(&app, &path, t, &json!({"warehouse_ids": [fx.wh1]})).await;
    drop(picker_ws);
    let mut picker_ws = connect(&app, &picker, Some(0)).await;
    let replayed = moved(&ready(&mut picker_ws).await);
    assert_eq!(replayed, [id(&m1), id(&m3), id(&m4)]);
}

/// Waits until `token`'s notification list holds `n` items.
async fn notifications(app: &TestApp, token: &str, n: usize) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let r = app.get("/api/v1/notifications", Some(token)).await;
        let items = r.body["items"].as_array().cloned().unwrap_or_default();
        if items.len() >= n {
            return items;
        }
        assert!(
            Instant::now() < deadline,
            "{n} notifications expected: {}",
            r.text
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A counter asks for approval: approvers (not the counter, not plain warehouse
/// staff) are notified; a rejection and then an approval notify the counter.
#[tokio::test]
async fn count_approval_requests_notify_approvers_and_decisions_notify_the_counter() {
    let app = TestApp::spawn().await.unwrap();
    let fx = setup(&app, "count-ask").await;
    let t = &fx.token;
    let r = app
        .post(
            "/api/v1/products",
            Some(t),
            &json!({"sku": "ASK-1", "name": "Asked", "cost": "2"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let p = id(&r);
    mv(
        &app,
        t,
        json!({"product_id": p, "qty": "10", "from_location_id": fx.supplier, "to_location_id": fx.bin_a, "unit_cost": "2"}),
    )
    .await;
    let (counter_id, counter) = add_user(&app, t, "count-ask", "counter", &["warehouse"]).await;
    let (_, other_picker) = add_user(&app, t, "count-ask", "other", &["warehouse"]).await;
    let (_, manager) = add_user(&app, t, "count-ask", "boss", &["manager"]).await;

    let _worker = app.start_worker();

    let r = app
        .post(
            "/api/v1/counts",
            Some(t),
            &json!({"kind": "spot", "warehouse_id": fx.wh1, "location_ids": [fx.bin_a], "tolerance_qty": "0"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let s = id(&r);
    let ask = format!("/api/v1/counts/{s}/request-approval");

    // Nothing counted yet: nothing to approve.
    let r = app.post(&ask, Some(&counter), &json!({})).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);

    let seq = app.get("/api/v1/sync/pull?limit=1", Some(t)).await.body["ledger_seq"]
        .as_i64()
        .unwrap();
    let r = app
        .post(
            &format!("/api/v1/counts/{s}/lines"),
            Some(&counter),
            &json!({"location_id": fx.bin_a, "product_id": p, "counted_qty": "7",
                    "based_on_server_seq": seq, "counted_at": "2026-12-04T09:00:00Z"}),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.text);

    let r = app.post(&ask, Some(&counter), &json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["lines_to_approve"], 1);
    assert_eq!(r.body["over_tolerance"], 1);
    assert_eq!(
        common::dec(&r.body["variance_value"]),
        common::d("-6"),
        "{}",
        r.text
    );
    // One open request at a time.
    let r = app.post(&ask, Some(&counter), &json!({})).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);

    let admin_items = notifications(&app, t, 1).await;
    let boss_items = notifications(&app, &manager, 1).await;
    for items in [&admin_items, &boss_items] {
        assert_eq!(items[0]["kind"], "approval.requested");
        assert_eq!(items[0]["title"], "Approval requested");
        let body = items[0]["body"].as_str().unwrap();
        assert!(
            body.starts_with("Cycle count ") && body.ends_with("awaits your approval."),
            "{body}"
        );
    }
    // Warehouse staff cannot approve counts, so they are not asked; nor is the counter.
    for token in [&counter, &other_picker] {
        let r = app.get("/api/v1/notifications", Some(token)).await;
        assert_eq!(r.body["total_count"], 0, "{}", r.text);
    }

    // The counter may not reject or approve their own count.
    let r = app
        .post(
            &format!("/api/v1/counts/{s}/reject"),
            Some(&counter),
            &json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);

    // Rejected with a reason: the counter hears why; nothing is posted.
    let r = app
        .post(
            &format!("/api/v1/counts/{s}/reject"),
            Some(&manager),
            &json!({"reason": "recount the top shelf"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    let mine = notifications(&app, &counter, 1).await;
    assert_eq!(mine[0]["title"], "Request rejected");
    assert!(
        mine[0]["body"]
            .as_str()
            .unwrap()
            .ends_with("was rejected: recount the top shelf"),
        "{}",
        mine[0]
    );
    let r = app
        .post(
            &format!("/api/v1/counts/{s}/reject"),
            Some(&manager),
            &json!({}),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::CONFLICT,
        "no open request: {}",
        r.text
    );
    assert_eq!(
        common::on_hand(&app, t, &p, &fx.bin_a).await,
        common::d("10")
    );

    // Asked again and approved: the adjustment is posted and the counter is told.
    let r = app.post(&ask, Some(&counter), &json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = app
        .post(
            &format!("/api/v1/counts/{s}/approve"),
            Some(&manager),
            &json!({"all_over_tolerance": true}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        common::on_hand(&app, t, &p, &fx.bin_a).await,
        common::d("7")
    );
    let mine = notifications(&app, &counter, 2).await;
    assert_eq!(mine[0]["title"], "Request approved", "{mine:?}");
    assert_eq!(mine[0]["kind"], "approval.decided");

    // The decision names the requester; the audit trail has the pair.
    let r = app
        .get("/api/v1/events?kind=approval.decided", Some(t))
        .await;
    let decided = r.body["items"].as_array().unwrap();
    assert_eq!(decided.len(), 2, "{}", r.text);
    assert!(decided
        .iter()
        .all(|e| e["data"]["requested_by"] == counter_id.as_str()));
}
