//! Offline sync end to end: devices, exactly-once push with per-op results,
//! sequence gaps, revocation, and the pull of changed reference data.

use std::collections::HashMap;
use std::str::FromStr;

use elevate_tests::{Resp, TestApp};
use reqwest::StatusCode;
use rust_decimal::Decimal;
use serde_json::{json, Value};
use uuid::Uuid;

fn dec(v: &Value) -> Decimal {
    match v {
        // Pulled rows carry the database's numbers.
        Value::Number(n) => Decimal::from_str(&n.to_string()).unwrap(),
        _ => Decimal::from_str(v.as_str().unwrap_or_else(|| panic!("not a decimal: {v}"))).unwrap(),
    }
}

fn id(r: &Resp) -> String {
    r.body["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id: {}", r.text))
        .to_owned()
}

struct Fx {
    token: String,
    bin_a: String,
    bin_b: String,
    supplier: String,
    product: String,
    device: String,
}

async fn created(app: &TestApp, token: &str, path: &str, body: Value) -> String {
    let r = app.post(path, Some(token), &body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{path}: {}", r.text);
    id(&r)
}

async fn setup(app: &TestApp, slug: &str) -> Fx {
    let t = app.sign_up(slug).await.token;
    let wh = created(
        app,
        &t,
        "/api/v1/locations",
        json!({"kind": "warehouse", "code": "WH", "name": "Main"}),
    )
    .await;
    let bin_a = created(
        app,
        &t,
        "/api/v1/locations",
        json!({"kind": "bin", "parent_id": wh, "code": "A", "name": "A"}),
    )
    .await;
    let bin_b = created(
        app,
        &t,
        "/api/v1/locations",
        json!({"kind": "bin", "parent_id": wh, "code": "B", "name": "B"}),
    )
    .await;
    let all = app.get("/api/v1/locations?limit=100", Some(&t)).await;
    let supplier = all.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["kind"] == "supplier")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let product = created(
        app,
        &t,
        "/api/v1/products",
        json!({"sku": "W-1", "name": "Widget", "cost": "2"}),
    )
    .await;
    let device = created(
        app,
        &t,
        "/api/v1/devices",
        json!({"name": "Phone 1", "platform": "android"}),
    )
    .await;
    Fx {
        token: t,
        bin_a,
        bin_b,
        supplier,
        product,
        device,
    }
}

fn op(device: &str, seq: i64, kind: &str, payload: Value) -> Value {
    json!({
        "op_id": Uuid::now_v7(), "device_id": device, "device_seq": seq,
        "kind": kind, "payload": payload, "created_at": "2026-11-25T10:00:00Z",
    })
}

fn move_op(fx: &Fx, seq: i64, qty: &str, from: &str, to: &str) -> Value {
    op(
        &fx.device,
        seq,
        "stock_move",
        json!({"product_id": fx.product, "qty": qty, "from_location_id": from, "to_location_id": to}),
    )
}

async fn push(app: &TestApp, fx: &Fx, ops: &[Value]) -> Resp {
    app.post(
        "/api/v1/sync/push",
        Some(&fx.token),
        &json!({"device_id": fx.device, "ops": ops}),
    )
    .await
}

async fn on_hand(app: &TestApp, fx: &Fx, loc: &str) -> Decimal {
    let r = app
        .get(
            &format!(
                "/api/v1/stock/quants?product_id={}&location_id={loc}",
                fx.product
            ),
            Some(&fx.token),
        )
        .await;
    r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| dec(&q["qty"]))
        .sum()
}

fn statuses(r: &Resp) -> Vec<String> {
    r.body["results"]
        .as_array()
        .unwrap_or_else(|| panic!("no results: {}", r.text))
        .iter()
        .map(|x| x["status"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_push_applies_each_op_once_and_a_refused_op_does_not_block_the_rest() {
    let app = TestApp::spawn().await.unwrap();
    let fx = setup(&app, "sync-push").await;
    let ops = vec![
        move_op(&fx, 1, "10", &fx.supplier, &fx.bin_a),
        // More than there is: refused, the others still apply.
        move_op(&fx, 2, "50", &fx.bin_a, &fx.bin_b),
        move_op(&fx, 3, "4", &fx.bin_a, &fx.bin_b),
        op(&fx.device, 4, "note", json!({"text": "shelf A wobbles"})),
        op(&fx.device, 5, "stock_move", json!({"qty": "1"})),
    ];
    let r = push(&app, &fx, &ops).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        statuses(&r),
        ["applied", "rejected", "applied", "applied", "rejected"]
    );
    assert_eq!(r.body["results"][1]["code"], "insufficient_stock");
    assert_eq!(r.body["results"][4]["code"], "invalid_body");
    assert!(r.body["results"][0]["result"]["move_id"].is_string());
    assert_eq!(r.body["acked_seq"], 5);
    assert_eq!(r.body["gaps"], json!([]));
    assert_eq!(on_hand(&app, &fx, &fx.bin_a).await, Decimal::from(6));
    assert_eq!(on_hand(&app, &fx, &fx.bin_b).await, Decimal::from(4));

    // The same batch again (a retry after a lost answer): nothing changes.
    let again = push(&app, &fx, &ops).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text);
    assert!(statuses(&again).iter().all(|s| s == "duplicate"));
    assert_eq!(again.body["results"][0]["original_status"], "applied");
    assert_eq!(again.body["results"][1]["original_status"], "rejected");
    assert_eq!(on_hand(&app, &fx, &fx.bin_a).await, Decimal::from(6));
    let moves = app
        .get(
            &format!("/api/v1/stock/moves?product_id={}", fx.product),
            Some(&fx.token),
        )
        .await;
    assert_eq!(moves.body["total_count"], 2);

    // An op twice in one batch applies once.
    let dup = move_op(&fx, 6, "1", &fx.bin_a, &fx.bin_b);
    let r = push(&app, &fx, &[dup.clone(), dup]).await;
    assert_eq!(statuses(&r), ["applied", "duplicate"]);
    assert_eq!(on_hand(&app, &fx, &fx.bin_b).await, Decimal::from(5));
}

#[tokio::test]
async fn gaps_in_the_device_sequence_are_reported_until_filled() {
    let app = TestApp::spawn().await.unwrap();
    let fx = setup(&app, "sync-gaps").await;
    let n = |s| op(&fx.device, s, "note", json!({"text": format!("note {s}")}));
    let r = push(&app, &fx, &[n(1), n(2), n(5), n(7)]).await;
    assert_eq!(r.body["acked_seq"], 2, "{}", r.text);
    assert_eq!(r.body["high_seq"], 7);
    assert_eq!(
        r.body["gaps"],
        json!([{"from": 3, "to": 4}, {"from": 6, "to": 6}])
    );
    let r = push(&app, &fx, &[n(4), n(3), n(6)]).await;
    assert_eq!(r.body["acked_seq"], 7, "{}", r.text);
    assert_eq!(r.body["gaps"], json!([]));
    // A different op reusing a taken sequence number is refused.
    let r = push(&app, &fx, &[n(3)]).await;
    assert_eq!(r.body["results"][0]["code"], "seq_conflict", "{}", r.text);
}

#[tokio::test]
async fn a_revoked_device_is_refused_and_devices_belong_to_their_user() {
    let app = TestApp::spawn().await.unwrap();
    let fx = setup(&app, "sync-revoke").await;
    let list = app.get("/api/v1/devices", Some(&fx.token)).await;
    assert_eq!(list.body["total_count"], 1, "{}", list.text);

    // Registering the same id again answers the existing device.
    let again = app
        .post(
            "/api/v1/devices",
            Some(&fx.token),
            &json!({"id": fx.device, "name": "Phone 1"}),
        )
        .await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text);

    // Ops claiming another device are refused one by one.
    let other = Uuid::now_v7().to_string();
    let r = push(&app, &fx, &[op(&other, 1, "note", json!({"text": "x"}))]).await;
    assert_eq!(
        r.body["results"][0]["code"], "device_mismatch",
        "{}",
        r.text
    );

    let r = app
        .post(
            &format!("/api/v1/devices/{}/revoke", fx.device),
            Some(&fx.token),
            &json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.body["revoked_at"].is_string());
    let r = push(
        &app,
        &fx,
        &[op(&fx.device, 1, "note", json!({"text": "late"}))],
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.error_code(), "device_revoked");
    let r = app
        .get(
            &format!("/api/v1/sync/pull?device_id={}", fx.device),
            Some(&fx.token),
        )
        .await;
    assert_eq!(r.error_code(), "device_revoked");

    // Another tenant cannot push as this device.
    let other = app.sign_up("sync-revoke-b").await;
    let r = app
        .post(
            "/api/v1/sync/push",
            Some(&other.token),
            &json!({"device_id": fx.device, "ops": []}),
        )
        .await;
    assert_eq!(r.error_code(), "device_revoked");
}

async fn pull_all(
    app: &TestApp,
    token: &str,
    since: Option<&str>,
    limit: i64,
) -> (Vec<Value>, String, usize) {
    let mut cursor = since.map(str::to_owned);
    let mut out = Vec::new();
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/sync/pull?since={c}&limit={limit}"),
            None => format!("/api/v1/sync/pull?limit={limit}"),
        };
        let r = app.get(&path, Some(token)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        pages += 1;
        out.extend(r.body["changes"].as_array().unwrap().iter().cloned());
        cursor = Some(r.body["cursor"].as_str().unwrap().to_owned());
        if !r.body["has_more"].as_bool().unwrap() {
            return (out, cursor.unwrap(), pages);
        }
    }
}

#[tokio::test]
async fn pull_pages_through_reference_data_and_then_answers_only_what_changed() {
    let app = TestApp::spawn().await.unwrap();
    let fx = setup(&app, "sync-pull").await;
    let r = push(&app, &fx, &[move_op(&fx, 1, "7", &fx.supplier, &fx.bin_a)]).await;
    assert_eq!(statuses(&r), ["applied"]);

    let (changes, cursor, pages) = pull_all(&app, &fx.token, None, 2).await;
    assert!(pages > 2, "small pages: {pages}");
    let mut kinds: HashMap<String, usize> = HashMap::new();
    for c in &changes {
        *kinds
            .entry(c["entity"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    assert_eq!(kinds["product"], 1, "{kinds:?}");
    // Warehouse, two bins and the four virtual locations.
    assert_eq!(kinds["location"], 7, "{kinds:?}");
    assert_eq!(kinds["quant"], 1, "{kinds:?}");
    let quant = changes.iter().find(|c| c["entity"] == "quant").unwrap();
    assert_eq!(dec(&quant["data"]["qty"]), Decimal::from(7));

    // Nothing changed: an empty page.
    let r = app
        .get(
            &format!("/api/v1/sync/pull?since={cursor}"),
            Some(&fx.token),
        )
        .await;
    assert_eq!(r.body["changes"], json!([]), "{}", r.text);
    assert_eq!(r.body["has_more"], false);

    // A move changes two quants; only they come back.
    push(&app, &fx, &[move_op(&fx, 2, "3", &fx.bin_a, &fx.bin_b)]).await;
    let (changes, cursor2, _) = pull_all(&app, &fx.token, Some(&cursor), 100).await;
    assert_eq!(changes.len(), 2, "{changes:?}");
    assert!(changes.iter().all(|c| c["entity"] == "quant"));
    let by_loc: HashMap<&str, Decimal> = changes
        .iter()
        .map(|c| {
            (
                c["data"]["location_id"].as_str().unwrap(),
                dec(&c["data"]["qty"]),
            )
        })
        .collect();
    assert_eq!(by_loc[fx.bin_a.as_str()], Decimal::from(4));
    assert_eq!(by_loc[fx.bin_b.as_str()], Decimal::from(3));

    // A deleted barcode comes back as a tombstone.
    let p = app
        .post(
            &format!("/api/v1/products/{}/barcodes", fx.product),
            Some(&fx.token),
            &json!({"symbology": "code128", "code": "W1-BOX"}),
        )
        .await;
    assert!(p.status.is_success(), "{}", p.text);
    let (changes, cursor3, _) = pull_all(&app, &fx.token, Some(&cursor2), 100).await;
    let barcode = changes
        .iter()
        .find(|c| c["entity"] == "barcode")
        .unwrap_or_else(|| panic!("{changes:?}"));
    let barcode_id = barcode["id"].as_str().unwrap().to_owned();
    let d = app
        .call(
            reqwest::Method::DELETE,
            &format!("/api/v1/products/{}/barcodes/{barcode_id}", fx.product),
            Some(&fx.token),
            None,
        )
        .await;
    assert!(d.status.is_success(), "{}", d.text);
    let (changes, _, _) = pull_all(&app, &fx.token, Some(&cursor3), 100).await;
    assert!(
        changes
            .iter()
            .any(|c| c["id"] == barcode_id.as_str() && c["deleted"] == true),
        "{changes:?}"
    );
}

/// Acceptance 2: a push of 10,000 ops (two batches of the 5,000 maximum) is
/// applied; replaying it answers `duplicate` for every op and changes nothing.
#[tokio::test]
async fn ten_thousand_ops_apply_once_and_their_replay_changes_nothing() {
    let app = TestApp::spawn().await.unwrap();
    let fx = setup(&app, "sync-10k").await;
    let receipt = push(
        &app,
        &fx,
        &[move_op(&fx, 1, "100000", &fx.supplier, &fx.bin_a)],
    )
    .await;
    assert_eq!(statuses(&receipt), ["applied"]);
    let mut ops = Vec::new();
    for seq in 2..=10_001 {
        ops.push(if seq % 10 == 0 {
            move_op(&fx, seq, "1", &fx.bin_a, &fx.bin_b)
        } else {
            op(
                &fx.device,
                seq,
                "note",
                json!({"text": format!("scan {seq}")}),
            )
        });
    }
    for batch in ops.chunks(5_000) {
        let r = push(&app, &fx, batch).await;
        assert_eq!(
            r.status,
            StatusCode::OK,
            "{}",
            &r.text[..r.text.len().min(500)]
        );
        assert_eq!(r.body["applied"], 5_000);
    }
    let b = on_hand(&app, &fx, &fx.bin_b).await;
    assert_eq!(b, Decimal::from(1_000));
    let count_ops = |db: &elevate_tests::TestDb| {
        let pool = db.owner.clone();
        async move {
            let n: i64 = sqlx::query_scalar("SELECT count(*) FROM sync_ops")
                .fetch_one(&pool)
                .await
                .unwrap();
            let m: i64 = sqlx::query_scalar("SELECT count(*) FROM stock_moves")
                .fetch_one(&pool)
                .await
                .unwrap();
            (n, m)
        }
    };
    let before = count_ops(&app.db).await;
    assert_eq!(before, (10_001, 1_001));
    for batch in ops.chunks(5_000) {
        let r = push(&app, &fx, batch).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.body["duplicates"], 5_000, "replay must be all duplicates");
        assert_eq!(r.body["applied"], 0);
    }
    assert_eq!(count_ops(&app.db).await, before);
    assert_eq!(on_hand(&app, &fx, &fx.bin_b).await, Decimal::from(1_000));
    assert_eq!(on_hand(&app, &fx, &fx.bin_a).await, Decimal::from(99_000));
    assert_eq!(statuses(&receipt).len(), 1);
}

async fn product_qty_in_transfer(app: &TestApp, fx: &Fx, tr: &str) -> Value {
    let r = app
        .get(&format!("/api/v1/transfers/{tr}"), Some(&fx.token))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body
}

/// `receipt_line` and `transfer_confirm` go through the REST calls' own code:
/// the same checks (nothing over what is open, only confirmed orders, only a
/// draft transfer ships), each op applied once, a refused op final.
#[tokio::test]
async fn receipts_by_scan_and_transfer_confirms_apply_once_with_the_rest_rules() {
    let app = TestApp::spawn().await.unwrap();
    let fx = setup(&app, "sync-receive").await;
    let t = &fx.token;
    let supplier = created(
        &app,
        t,
        "/api/v1/suppliers",
        json!({"name": "Acme", "currency": "EUR", "lead_time_days": 3}),
    )
    .await;
    let other = created(
        &app,
        t,
        "/api/v1/products",
        json!({"sku": "O-1", "name": "Other", "cost": "1"}),
    )
    .await;
    let r = app
        .post(
            "/api/v1/purchase-orders",
            Some(t),
            &json!({"supplier_id": supplier, "location_id": fx.bin_a, "lines": [
                {"product_id": fx.product, "qty": "10", "unit_price": "3"}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let po = id(&r);
    let line = r.body["lines"][0]["id"].as_str().unwrap().to_owned();
    let receipt = |seq: i64, payload: Value| op(&fx.device, seq, "receipt_line", payload);

    // A draft order cannot be received, by REST or by scan.
    let early = receipt(
        1,
        json!({"purchase_order_id": po, "product_id": fx.product, "qty": "1"}),
    );
    let r = push(&app, &fx, std::slice::from_ref(&early)).await;
    assert_eq!(statuses(&r), ["rejected"], "{}", r.text);
    assert_eq!(r.body["results"][0]["code"], "invalid_status");
    let r = app
        .post(
            &format!("/api/v1/purchase-orders/{po}/confirm"),
            Some(t),
            &json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);

    let ops = vec![
        // By scan: the line is found from the product.
        receipt(
            2,
            json!({"purchase_order_id": po, "product_id": fx.product, "qty": "4"}),
        ),
        // Only 6 are left open: refused, nothing booked.
        receipt(
            3,
            json!({"purchase_order_id": po, "product_id": fx.product, "qty": "7"}),
        ),
        // A product that is not on the order.
        receipt(
            4,
            json!({"purchase_order_id": po, "product_id": other, "qty": "1"}),
        ),
        // The line named, but the scanned product is another one.
        receipt(
            5,
            json!({"purchase_order_id": po, "line_id": line, "product_id": other, "qty": "1"}),
        ),
        receipt(
            6,
            json!({"purchase_order_id": po, "line_id": line, "product_id": fx.product, "qty": "6", "location_id": fx.bin_b}),
        ),
    ];
    let r = push(&app, &fx, &ops).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        statuses(&r),
        ["applied", "rejected", "rejected", "rejected", "applied"]
    );
    // One unit past what the line has open (no tolerance set): its own code.
    assert_eq!(r.body["results"][1]["code"], "over_receipt", "{}", r.text);
    for i in 2..4 {
        assert_eq!(
            r.body["results"][i]["code"], "validation_failed",
            "{}",
            r.text
        );
    }
    assert!(r.body["results"][0]["result"]["move_id"].is_string());
    assert_eq!(r.body["results"][0]["result"]["line_id"], line.as_str());
    assert_eq!(
        r.body["results"][0]["result"]["status"],
        "partially_received"
    );
    assert_eq!(r.body["results"][4]["result"]["status"], "received");
    assert_eq!(on_hand(&app, &fx, &fx.bin_a).await, Decimal::from(4));
    assert_eq!(on_hand(&app, &fx, &fx.bin_b).await, Decimal::from(6));
    let got = app
        .get(&format!("/api/v1/purchase-orders/{po}"), Some(t))
        .await;
    assert_eq!(got.body["status"], "received", "{}", got.text);
    assert_eq!(
        dec(&got.body["lines"][0]["received_qty"]),
        Decimal::from(10)
    );
    // The receipt moves are valued at the order price, like a REST receipt.
    let moves = app
        .get(
            &format!("/api/v1/stock/moves?product_id={}", fx.product),
            Some(t),
        )
        .await;
    let items = moves.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{}", moves.text);
    for m in items {
        assert_eq!(m["reason"], "purchase_receipt", "{m}");
        assert_eq!(dec(&m["unit_cost"]), Decimal::from(3), "{m}");
    }

    // A two-step transfer shipped and received in two parts from the phone.
    let r = app
        .post(
            "/api/v1/transfers",
            Some(t),
            &json!({"from_location_id": fx.bin_b, "to_location_id": fx.bin_a, "lines": [
                {"product_id": fx.product, "qty": "5"}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let tr = id(&r);
    let tr_line = r.body["lines"][0]["id"].as_str().unwrap().to_owned();
    let confirm = |seq: i64, payload: Value| op(&fx.device, seq, "transfer_confirm", payload);
    let tops = vec![
        // Receiving before shipping is refused.
        confirm(7, json!({"transfer_id": tr, "action": "receive"})),
        confirm(8, json!({"transfer_id": tr, "action": "ship"})),
        // A second shipment (another op) is refused: it is no longer a draft.
        confirm(9, json!({"transfer_id": tr, "action": "ship"})),
        confirm(
            10,
            json!({"transfer_id": tr, "action": "receive", "lines": [{"line_id": tr_line, "qty": "2"}]}),
        ),
        // More than is in transit.
        confirm(
            11,
            json!({"transfer_id": tr, "action": "receive", "lines": [{"line_id": tr_line, "qty": "4"}]}),
        ),
        // The rest of what is in transit.
        confirm(12, json!({"transfer_id": tr, "action": "receive"})),
        confirm(13, json!({"transfer_id": tr, "action": "dance"})),
    ];
    let r = push(&app, &fx, &tops).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        statuses(&r),
        ["rejected", "applied", "rejected", "applied", "rejected", "applied", "rejected"]
    );
    assert_eq!(r.body["results"][0]["code"], "invalid_status");
    assert_eq!(r.body["results"][2]["code"], "invalid_status");
    assert_eq!(r.body["results"][4]["code"], "validation_failed");
    assert_eq!(r.body["results"][6]["code"], "invalid_body");
    assert_eq!(r.body["results"][1]["result"]["status"], "in_transit");
    assert_eq!(
        r.body["results"][3]["result"]["status"],
        "partially_received"
    );
    assert_eq!(r.body["results"][5]["result"]["status"], "done");
    assert_eq!(r.body["acked_seq"], 13);
    let tdoc = product_qty_in_transfer(&app, &fx, &tr).await;
    assert_eq!(tdoc["status"], "done");
    assert_eq!(dec(&tdoc["lines"][0]["received_qty"]), Decimal::from(5));
    assert_eq!(on_hand(&app, &fx, &fx.bin_a).await, Decimal::from(9));
    assert_eq!(on_hand(&app, &fx, &fx.bin_b).await, Decimal::from(1));

    // The whole log again (a retry after a lost answer): all duplicates, nothing moves.
    let moves_before = app
        .get(
            &format!("/api/v1/stock/moves?product_id={}", fx.product),
            Some(t),
        )
        .await
        .body["total_count"]
        .clone();
    let mut all = vec![early];
    all.extend(ops);
    all.extend(tops);
    let r = push(&app, &fx, &all).await;
    assert!(statuses(&r).iter().all(|s| s == "duplicate"), "{}", r.text);
    assert_eq!(r.body["results"][1]["original_status"], "applied");
    assert_eq!(r.body["results"][2]["original_status"], "rejected");
    let moves_after = app
        .get(
            &format!("/api/v1/stock/moves?product_id={}", fx.product),
            Some(t),
        )
        .await
        .body["total_count"]
        .clone();
    assert_eq!(moves_before, moves_after);
    assert_eq!(
        moves_after, 5,
        "2 receipts, 1 shipment, 2 transfer receipts"
    );
    assert_eq!(on_hand(&app, &fx, &fx.bin_a).await, Decimal::from(9));
    assert_eq!(on_hand(&app, &fx, &fx.bin_b).await, Decimal::from(1));
}

/// An op needs the permission of its REST call: a sales rep's phone syncs notes
/// but cannot move stock.
#[tokio::test]
async fn ops_need_the_permission_of_their_rest_call() {
    let app = TestApp::spawn().await.unwrap();
    let fx = setup(&app, "sync-perm").await;
    let email = "rep@sync-perm.example";
    let r = app
        .post(
            "/api/v1/users",
            Some(&fx.token),
            &json!({"email": email, "display_name": "Rep",
                    "password": elevate_tests::server::TEST_PASSWORD, "roles": ["sales"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let rep = app
        .login("sync-perm", email, elevate_tests::server::TEST_PASSWORD)
        .await;
    let device = created(&app, &rep, "/api/v1/devices", json!({"name": "Rep phone"})).await;
    let rep_fx = Fx {
        token: rep,
        device,
        bin_a: fx.bin_a.clone(),
        bin_b: fx.bin_b.clone(),
        supplier: fx.supplier.clone(),
        product: fx.product.clone(),
    };
    let ops = vec![
        move_op(&rep_fx, 1, "5", &fx.supplier, &fx.bin_a),
        op(
            &rep_fx.device,
            2,
            "note",
            json!({"text": "customer wants blue"}),
        ),
        op(
            &rep_fx.device,
            3,
            "transfer_confirm",
            json!({"transfer_id": Uuid::now_v7(), "action": "ship"}),
        ),
    ];
    let r = push(&app, &rep_fx, &ops).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(statuses(&r), ["rejected", "applied", "rejected"]);
    assert_eq!(r.body["results"][0]["code"], "forbidden");
    assert_eq!(r.body["results"][2]["code"], "forbidden");
    assert_eq!(on_hand(&app, &fx, &fx.bin_a).await, Decimal::ZERO);
}

/// A user assigned to warehouses pulls the stock of those only, and cannot ask
/// for another's; a user without an assignment pulls every warehouse.
#[tokio::test]
async fn pull_is_scoped_to_the_users_warehouses() {
    let app = TestApp::spawn().await.unwrap();
    let fx = setup(&app, "sync-scope").await;
    let t = &fx.token;
    let wh2 = created(
        &app,
        t,
        "/api/v1/locations",
        json!({"kind": "warehouse", "code": "WH2", "name": "Second"}),
    )
    .await;
    let bin_c = created(
        &app,
        t,
        "/api/v1/locations",
        json!({"kind": "bin", "parent_id": wh2, "code": "C", "name": "C"}),
    )
    .await;
    let all = app.get("/api/v1/locations?limit=100", Some(t)).await;
    let wh1 = all.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["code"] == "WH")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = push(
        &app,
        &fx,
        &[
            move_op(&fx, 1, "5", &fx.supplier, &fx.bin_a),
            move_op(&fx, 2, "7", &fx.supplier, &bin_c),
        ],
    )
    .await;
    assert_eq!(statuses(&r), ["applied", "applied"], "{}", r.text);

    let email = "picker@sync-scope.example";
    let r = app
        .post(
            "/api/v1/users",
            Some(t),
            &json!({"email": email, "display_name": "Picker",
                    "password": elevate_tests::server::TEST_PASSWORD, "roles": ["warehouse"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let picker_id = id(&r);
    let r = app
        .call(
            reqwest::Method::PUT,
            &format!("/api/v1/users/{picker_id}/warehouses"),
            Some(t),
            Some(&json!({"warehouse_ids": [wh2]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let picker = app
        .login("sync-scope", email, elevate_tests::server::TEST_PASSWORD)
        .await;

    let quant_locations = |changes: &[Value]| {
        let mut v: Vec<String> = changes
            .iter()
            .filter(|c| c["entity"] == "quant")
            .map(|c| c["data"]["location_id"].as_str().unwrap().to_owned())
            .collect();
        v.sort();
        v
    };
    let (changes, _, _) = pull_all(&app, &picker, None, 1000).await;
    assert_eq!(quant_locations(&changes), vec![bin_c.clone()]);
    // Reference data other than stock is the tenant's.
    assert!(changes.iter().any(|c| c["entity"] == "product"));
    let r = app
        .get(
            &format!("/api/v1/sync/pull?warehouse_id={wh1}"),
            Some(&picker),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    assert_eq!(r.error_code(), "forbidden");
    let r = app
        .get(
            &format!("/api/v1/sync/pull?warehouse_id={wh2}&limit=1000"),
            Some(&picker),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        quant_locations(r.body["changes"].as_array().unwrap()),
        vec![bin_c.clone()]
    );

    // The administrator has no assignment: every warehouse.
    let (changes, _, _) = pull_all(&app, t, None, 1000).await;
    let mut both = vec![fx.bin_a.clone(), bin_c];
    both.sort();
    assert_eq!(quant_locations(&changes), both);
}
