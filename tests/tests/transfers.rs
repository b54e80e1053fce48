//! Transfer documents: one-step and two-step (through transit) with partial
//! receipts and scan confirmation, all booked as ordinary ledger moves.

mod common;

use common::*;
use elevate_tests::TestApp;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn two_step_transfer_ships_to_transit_and_receives_in_parts() {
    let app = TestApp::spawn().await.unwrap();
    let f = setup(&app, "mover").await;
    let t = &f.token;
    let drill = product(&app, t, "DRILL").await;
    let saw = product(&app, t, "SAW").await;
    for p in [&drill, &saw] {
        mv(
            &app,
            t,
            json!({"product_id": p, "qty": "20", "from_location_id": f.supplier, "to_location_id": f.bin_a, "unit_cost": "5"}),
        )
        .await;
    }
    let body = json!({"from_location_id": f.bin_a, "to_location_id": f.wh2, "lines": [
        {"product_id": drill, "qty": "10"}, {"product_id": saw, "qty": "4"}]});
    let r = post_key(&app, "/api/v1/transfers", t, Some("tr-1"), &body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let tr = id(&r);
    assert_eq!(r.body["status"], "draft");
    assert_eq!(r.body["steps"], 2);
    assert_eq!(r.body["reference"], "TR-000001");
    let drill_line = r.body["lines"][0]["id"].as_str().unwrap().to_owned();
    let saw_line = r.body["lines"][1]["id"].as_str().unwrap().to_owned();
    let again = post_key(&app, "/api/v1/transfers", t, Some("tr-1"), &body).await;
    assert_eq!(id(&again), tr);

    // Receiving before shipping is refused.
    let r = app
        .post(
            &format!("/api/v1/transfers/{tr}/receive"),
            Some(t),
            &json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.error_code(), "invalid_status");

    // The picker scans the drill twice; quantities add up and the scanner is recorded.
    for q in ["6", "4"] {
        let r = app
            .post(
                &format!("/api/v1/transfers/{tr}/scan"),
                Some(t),
                &json!({"line_id": drill_line, "qty": q}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    }
    let me = app.get("/api/v1/auth/me", Some(t)).await;
    let r = app.get(&format!("/api/v1/transfers/{tr}"), Some(t)).await;
    assert_eq!(dec(&r.body["lines"][0]["scanned_qty"]), d("10"));
    assert_eq!(r.body["lines"][0]["scanned_by"], me.body["id"]);
    assert!(r.body["lines"][0]["scanned_at"].is_string());
    assert_eq!(dec(&r.body["lines"][1]["scanned_qty"]), d("0"));

    // Ship (retried with the same key): stock leaves the bin into transit once.
    let ship = format!("/api/v1/transfers/{tr}/ship");
    let s1 = post_key(&app, &ship, t, Some("ship-1"), &json!({})).await;
    assert_eq!(s1.status, StatusCode::OK, "{}", s1.text);
    assert_eq!(s1.body["status"], "in_transit");
    let s2 = post_key(&app, &ship, t, Some("ship-1"), &json!({})).await;
    assert_eq!(s2.body, s1.body);
    let s3 = post_key(&app, &ship, t, None, &json!({})).await;
    assert_eq!(s3.status, StatusCode::CONFLICT, "shipping twice must fail");
    assert_eq!(on_hand(&app, t, &drill, &f.bin_a).await, d("10"));
    assert_eq!(on_hand(&app, t, &drill, &f.transit).await, d("10"));
    assert_eq!(on_hand(&app, t, &saw, &f.transit).await, d("4"));

    // Part of the drills arrive first.
    let r = app
        .post(
            &format!("/api/v1/transfers/{tr}/receive"),
            Some(t),
            &json!({"lines": [{"line_id": drill_line, "qty": "7"}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["status"], "partially_received");
    assert_eq!(dec(&r.body["lines"][0]["received_qty"]), d("7"));
    assert_eq!(on_hand(&app, t, &drill, &f.wh2).await, d("7"));
    assert_eq!(on_hand(&app, t, &drill, &f.transit).await, d("3"));
    let too_many = app
        .post(
            &format!("/api/v1/transfers/{tr}/receive"),
            Some(t),
            &json!({"lines": [{"line_id": drill_line, "qty": "4"}]}),
        )
        .await;
    assert_eq!(too_many.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(dec(&too_many.body["error"]["details"]["open"]), d("3"));

    // The rest (no lines = everything still in transit).
    let r = app
        .post(
            &format!("/api/v1/transfers/{tr}/receive"),
            Some(t),
            &json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["status"], "done");
    assert!(r.body["done_at"].is_string());
    assert_eq!(on_hand(&app, t, &drill, &f.wh2).await, d("10"));
    assert_eq!(on_hand(&app, t, &saw, &f.wh2).await, d("4"));
    assert_eq!(on_hand(&app, t, &saw, &f.transit).await, d("0"));
    let _ = saw_line;

    // Every step is in the ledger under the transfer's reference.
    let refs: Vec<(String, String)> = sqlx::query_as(
        "SELECT reason, qty::text FROM stock_moves WHERE tenant_id = $1 AND reference = 'TR-000001' ORDER BY seq",
    )
    .bind(f.tenant_id)
    .fetch_all(&app.db.owner)
    .await
    .unwrap();
    let reasons: Vec<&str> = refs.iter().map(|(r, _)| r.as_str()).collect();
    assert_eq!(
        reasons,
        [
            "transfer_ship",
            "transfer_ship",
            "transfer_receive",
            "transfer_receive",
            "transfer_receive"
        ]
    );
    // Internal moves do not change the stock value.
    let v = app.get("/api/v1/stock/valuation", Some(t)).await;
    assert_eq!(dec(&v.body["total_value"]), d("200"));
    assert_no_drift(&app, t).await;
    assert_eq!(events(&app, f.tenant_id, "transfer.received").await, 2);
}

#[tokio::test]
async fn one_step_transfer_moves_at_once_and_shortage_leaves_the_draft() {
    let app = TestApp::spawn().await.unwrap();
    let f = setup(&app, "mover2").await;
    let t = &f.token;
    let p = product(&app, t, "LADDER").await;
    mv(
        &app,
        t,
        json!({"product_id": p, "qty": "3", "from_location_id": f.supplier, "to_location_id": f.bin_a}),
    )
    .await;
    let r = app
        .post(
            "/api/v1/transfers",
            Some(t),
            &json!({"from_location_id": f.bin_a, "to_location_id": f.bin_b, "steps": 1,
                    "lines": [{"product_id": p, "qty": "5"}]}),
        )
        .await;
    let short = id(&r);
    // Not enough stock: refused, nothing moved, still a draft.
    let r = app
        .post(
            &format!("/api/v1/transfers/{short}/ship"),
            Some(t),
            &json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert_eq!(r.error_code(), "insufficient_stock");
    let r = app
        .get(&format!("/api/v1/transfers/{short}"), Some(t))
        .await;
    assert_eq!(r.body["status"], "draft");
    let r = app
        .post(
            &format!("/api/v1/transfers/{short}/cancel"),
            Some(t),
            &json!({}),
        )
        .await;
    assert_eq!(r.body["status"], "cancelled");

    let r = app
        .post(
            "/api/v1/transfers",
            Some(t),
            &json!({"from_location_id": f.bin_a, "to_location_id": f.bin_b, "steps": 1,
                    "lines": [{"product_id": p, "qty": "2"}]}),
        )
        .await;
    let ok = id(&r);
    let r = app
        .post(&format!("/api/v1/transfers/{ok}/ship"), Some(t), &json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["status"], "done");
    assert_eq!(dec(&r.body["lines"][0]["received_qty"]), d("2"));
    assert_eq!(on_hand(&app, t, &p, &f.bin_a).await, d("1"));
    assert_eq!(on_hand(&app, t, &p, &f.bin_b).await, d("2"));
    assert_eq!(on_hand(&app, t, &p, &f.transit).await, d("0"));
    let r = app
        .post(
            &format!("/api/v1/transfers/{ok}/cancel"),
            Some(t),
            &json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);

    let bad = app
        .post(
            "/api/v1/transfers",
            Some(t),
            &json!({"from_location_id": f.bin_a, "to_location_id": f.customer,
                    "lines": [{"product_id": p, "qty": "1"}]}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.body["error"]["details"]["field"], "to_location_id");
    let list = app.get("/api/v1/transfers?status=done", Some(t)).await;
    assert_eq!(list.body["total_count"], 1);
    assert_no_drift(&app, t).await;
}
