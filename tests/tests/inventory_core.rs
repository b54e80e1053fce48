//! Inventory core end to end: products and barcodes, the location tree, the
//! stock ledger with quants and its locking, valuation, idempotency,
//! reservations and scanning.

use std::str::FromStr;

use elevate_tests::{Resp, TestApp};
use reqwest::{Method, StatusCode};
use rust_decimal::Decimal;
use serde_json::{json, Value};
use uuid::Uuid;

fn dec(v: &Value) -> Decimal {
    Decimal::from_str(
        v.as_str()
            .unwrap_or_else(|| panic!("not a decimal string: {v}")),
    )
    .unwrap()
}

fn id(r: &Resp) -> String {
    r.body["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id: {}", r.text))
        .to_owned()
}

/// POSTs with an optional Idempotency-Key.
async fn post_key(app: &TestApp, path: &str, token: &str, key: Option<&str>, body: &Value) -> Resp {
    let mut req = app.client.post(app.url(path)).bearer_auth(token).json(body);
    if let Some(k) = key {
        req = req.header("Idempotency-Key", k);
    }
    TestApp::read(req.send().await.unwrap()).await
}

struct Fixture {
    token: String,
    wh1: String,
    wh2: String,
    bin_a: String,
    bin_b: String,
    supplier: String,
    customer: String,
    transit: String,
}

async fn location(app: &TestApp, token: &str, body: Value) -> String {
    let r = app.post("/api/v1/locations", Some(token), &body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    id(&r)
}

async fn setup(app: &TestApp, slug: &str) -> Fixture {
    let t = app.sign_up(slug).await.token;
    let wh1 = location(
        app,
        &t,
        json!({"kind": "warehouse", "code": "WH1", "name": "Main"}),
    )
    .await;
    let wh2 = location(
        app,
        &t,
        json!({"kind": "warehouse", "code": "WH2", "name": "Second"}),
    )
    .await;
    let zone = location(
        app,
        &t,
        json!({"kind": "zone", "parent_id": wh1, "code": "A", "name": "Zone A"}),
    )
    .await;
    let bin_b = location(app, &t, json!({"kind": "bin", "parent_id": zone, "code": "02", "name": "A-02", "barcode": "LOC-A-02"})).await;
    let bin_a = location(app, &t, json!({"kind": "bin", "parent_id": zone, "code": "01", "name": "A-01", "barcode": "LOC-A-01"})).await;
    let all = app.get("/api/v1/locations?limit=100", Some(&t)).await;
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
        supplier: virt("supplier"),
        customer: virt("customer"),
        transit: virt("transit"),
        token: t,
        wh1,
        wh2,
        bin_a,
        bin_b,
    }
}

async fn product(app: &TestApp, token: &str, body: Value) -> String {
    let r = app.post("/api/v1/products", Some(token), &body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    id(&r)
}

async fn mv(app: &TestApp, token: &str, body: Value) -> Resp {
    app.post("/api/v1/stock/moves", Some(token), &body).await
}

async fn on_hand(app: &TestApp, token: &str, product: &str, location: &str) -> Decimal {
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

async fn assert_no_drift(app: &TestApp, token: &str) -> Value {
    let r = app
        .post("/api/v1/stock/ledger-check", Some(token), &json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        r.body["drift"],
        json!([]),
        "quants drifted from the ledger: {}",
        r.text
    );
    r.body
}

#[tokio::test]
async fn products_barcodes_search_and_validation() {
    let app = TestApp::spawn().await.unwrap();
    let t = app.sign_up("inv-products").await.token;
    let r = app
        .post(
            "/api/v1/products",
            Some(&t),
            &json!({
                "sku": "WID-1", "name": "Blue widget", "base_uom": "each",
                "uom_conversions": [{"uom": "box", "factor": "12"}],
                "cost": "2.50", "prices": {"EUR": "4.99", "USD": "5.49"},
                "supplier_info": {"supplier_name": "Acme", "lead_time_days": 7, "pack_size": "12"},
                "properties": {"colour": "blue"},
                "barcodes": [
                    {"symbology": "ean13", "code": "4006381333931"},
                    {"symbology": "code128", "code": "BOX-WID-1", "qty": "12"}
                ]
            }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let pid = id(&r);
    assert_eq!(r.body["barcodes"].as_array().unwrap().len(), 2);
    assert_eq!(r.body["prices"]["EUR"], "4.99");

    // Bad check digit, wrong length for the symbology, bad currency, duplicate SKU and barcode.
    for (body, field) in [
        (
            json!({"sku": "X1", "name": "x", "barcodes": [{"symbology": "ean13", "code": "4006381333932"}]}),
            "barcodes",
        ),
        (
            json!({"sku": "X2", "name": "x", "barcodes": [{"symbology": "ean13", "code": "036000291452"}]}),
            "barcodes",
        ),
        (
            json!({"sku": "X3", "name": "x", "prices": {"euro": "1"}}),
            "prices",
        ),
        (json!({"sku": "X 4", "name": "x"}), "sku"),
    ] {
        let r = app.post("/api/v1/products", Some(&t), &body).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {}",
            r.text
        );
        assert_eq!(r.body["error"]["details"]["field"], field, "{}", r.text);
    }
    let r = app
        .post(
            "/api/v1/products",
            Some(&t),
            &json!({"sku": "WID-1", "name": "again"}),
        )
        .await;
    assert_eq!(
        (r.status, r.error_code()),
        (StatusCode::CONFLICT, "conflict".into())
    );
    // The same GTIN as UPC-A-padded EAN-13 is the same barcode.
    let r = app
        .post(
            "/api/v1/products",
            Some(&t),
            &json!({"sku": "WID-2", "name": "Red widget",
            "barcodes": [{"symbology": "gtin14", "code": "04006381333931"}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert_eq!(r.body["error"]["details"]["field"], "barcodes");
    // Nothing of the failed create was kept.
    let r = app.get("/api/v1/products?q=WID-2", Some(&t)).await;
    assert_eq!(r.body["total_count"], 0);

    product(&app, &t, json!({"sku": "GAD-9", "name": "Gadget", "barcodes": [{"symbology": "upc_a", "code": "036000291452"}]})).await;
    for (q, expect) in [
        ("wid", "WID-1"),
        ("gadget", "GAD-9"),
        ("333931", "WID-1"),
        ("BOX-WID", "WID-1"),
    ] {
        let r = app.get(&format!("/api/v1/products?q={q}"), Some(&t)).await;
        assert_eq!(r.body["total_count"], 1, "{q}: {}", r.text);
        assert_eq!(r.body["items"][0]["sku"], expect);
    }
    let r = app.get("/api/v1/products?limit=1&offset=1", Some(&t)).await;
    assert_eq!(
        (
            r.body["total_count"].as_i64(),
            r.body["items"].as_array().unwrap().len()
        ),
        (Some(2), 1)
    );

    let r = app
        .call(
            Method::PATCH,
            &format!("/api/v1/products/{pid}"),
            Some(&t),
            Some(&json!({"archived": true, "cost": "3"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(dec(&r.body["cost"]), Decimal::from(3));
    let r = app.get("/api/v1/products?q=wid", Some(&t)).await;
    assert_eq!(
        r.body["total_count"], 0,
        "archived products are hidden by default"
    );
    let r = app
        .get("/api/v1/products?q=wid&include_archived=true", Some(&t))
        .await;
    assert_eq!(r.body["total_count"], 1);
}

#[tokio::test]
async fn location_tree_walks_in_path_order_and_virtual_locations_exist() {
    let app = TestApp::spawn().await.unwrap();
    let f = setup(&app, "inv-locations").await;
    let r = app
        .get(
            &format!("/api/v1/locations?warehouse_id={}", f.wh1),
            Some(&f.token),
        )
        .await;
    let paths: Vec<&str> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["WH1", "WH1/A", "WH1/A/01", "WH1/A/02"]);
    let r = app.get("/api/v1/locations?limit=100", Some(&f.token)).await;
    let kinds: Vec<&str> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["kind"].as_str().unwrap())
        .collect();
    for k in ["supplier", "customer", "inventory_loss", "transit"] {
        assert_eq!(
            kinds.iter().filter(|x| **x == k).count(),
            1,
            "{k} once: {kinds:?}"
        );
    }
    // A bin under a bin, a zone without parent, a duplicate code: refused.
    let r = app
        .post(
            "/api/v1/locations",
            Some(&f.token),
            &json!({"kind": "bin", "parent_id": f.bin_a, "code": "X", "name": "x"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .post(
            "/api/v1/locations",
            Some(&f.token),
            &json!({"kind": "zone", "code": "Z", "name": "z"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .post(
            "/api/v1/locations",
            Some(&f.token),
            &json!({"kind": "warehouse", "code": "WH1", "name": "dup"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let _ = f.wh2;
}

#[tokio::test]
async fn moves_update_quants_and_negative_stock_is_refused_unless_allowed() {
    let app = TestApp::spawn().await.unwrap();
    let f = setup(&app, "inv-moves").await;
    let t = &f.token;
    let p = product(&app, t, json!({"sku": "P1", "name": "P1", "cost": "1", "uom_conversions": [{"uom": "box", "factor": "12"}]})).await;

    let r = mv(&app, t, json!({"product_id": p, "qty": "2", "uom": "box", "from_location_id": f.supplier, "to_location_id": f.bin_a, "unit_cost": "1.5", "reason": "receipt"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(
        dec(&r.body["qty"]),
        Decimal::from(24),
        "boxes are converted to base units"
    );
    assert_eq!(dec(&r.body["value"]), Decimal::from(36));
    let r = mv(&app, t, json!({"product_id": p, "qty": "10", "from_location_id": f.bin_a, "to_location_id": f.bin_b})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(
        dec(&r.body["value"]),
        Decimal::ZERO,
        "internal moves do not change value"
    );
    assert_eq!(on_hand(&app, t, &p, &f.bin_a).await, Decimal::from(14));
    assert_eq!(on_hand(&app, t, &p, &f.bin_b).await, Decimal::from(10));

    let r = mv(&app, t, json!({"product_id": p, "qty": "15", "from_location_id": f.bin_a, "to_location_id": f.customer})).await;
    assert_eq!(
        (r.status, r.error_code()),
        (StatusCode::CONFLICT, "insufficient_stock".into()),
        "{}",
        r.text
    );
    assert_eq!(dec(&r.body["error"]["details"]["short"]), Decimal::ONE);
    assert_eq!(
        on_hand(&app, t, &p, &f.bin_a).await,
        Decimal::from(14),
        "a refused move changes nothing"
    );

    // The warehouse allows negative stock with an alert.
    let r = app
        .call(
            Method::PATCH,
            &format!("/api/v1/locations/{}", f.wh1),
            Some(t),
            Some(&json!({"negative_stock_policy": "allow_with_alert"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = mv(&app, t, json!({"product_id": p, "qty": "15", "from_location_id": f.bin_a, "to_location_id": f.customer})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["negative_stock_alert"], true);
    assert_eq!(on_hand(&app, t, &p, &f.bin_a).await, Decimal::from(-1));

    // The ledger is append-only for the server's role.
    let mut conn = app.db.app.begin().await.unwrap();
    let err = sqlx::query("UPDATE stock_moves SET qty = 1")
        .execute(&mut *conn)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("permission denied"), "{err}");
    drop(conn);
    let mut conn = app.db.app.begin().await.unwrap();
    let err = sqlx::query("DELETE FROM stock_moves")
        .execute(&mut *conn)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("permission denied"), "{err}");
    drop(conn);

    let check = assert_no_drift(&app, t).await;
    assert_eq!(check["moves"], 3);
    // Corrupt a quant behind the server's back; the check finds it and rebuilds it.
    sqlx::query("UPDATE quants SET qty = qty + 5 WHERE location_id = $1::uuid")
        .bind(&f.bin_b)
        .execute(&app.db.owner)
        .await
        .unwrap();
    let r = app
        .post("/api/v1/stock/ledger-check", Some(t), &json!({}))
        .await;
    assert_eq!(r.body["drift"].as_array().unwrap().len(), 1, "{}", r.text);
    assert_eq!(
        dec(&r.body["drift"][0]["stored"]) - dec(&r.body["drift"][0]["ledger"]),
        Decimal::from(5)
    );
    let r = app
        .post(
            "/api/v1/stock/ledger-check?rebuild=true",
            Some(t),
            &json!({}),
        )
        .await;
    assert_eq!(r.body["rebuilt"], true, "{}", r.text);
    assert_no_drift(&app, t).await;
    assert_eq!(on_hand(&app, t, &p, &f.bin_b).await, Decimal::from(10));
}

#[tokio::test]
async fn two_clients_taking_the_last_units_cannot_both_succeed() {
    let app = TestApp::spawn().await.unwrap();
    let f = setup(&app, "inv-race").await;
    let t = f.token.clone();
    let p = product(
        &app,
        &t,
        json!({"sku": "LAST", "name": "Last units", "cost": "1"}),
    )
    .await;
    let r = mv(&app, &t, json!({"product_id": p, "qty": "5", "from_location_id": f.supplier, "to_location_id": f.bin_a})).await;
    assert_eq!(r.status, StatusCode::CREATED);
    // 24 clients each take one unit (half to a customer, half to another bin).
    let mut tasks = Vec::new();
    for i in 0..24 {
        let (client, url, token) = (
            app.client.clone(),
            app.url("/api/v1/stock/moves"),
            t.clone(),
        );
        let to = if i % 2 == 0 {
            f.customer.clone()
        } else {
            f.bin_b.clone()
        };
        let body =
            json!({"product_id": p, "qty": "1", "from_location_id": f.bin_a, "to_location_id": to});
        tasks.push(tokio::spawn(async move {
            client
                .post(url)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap()
                .status()
        }));
    }
    let mut ok = 0;
    for task in tasks {
        match task.await.unwrap() {
            StatusCode::CREATED => ok += 1,
            StatusCode::CONFLICT => {}
            s => panic!("unexpected {s}"),
        }
    }
    assert_eq!(ok, 5, "exactly the five units on hand can be taken");
    assert_eq!(on_hand(&app, &t, &p, &f.bin_a).await, Decimal::ZERO);
    assert_no_drift(&app, &t).await;
}

/// Concurrent moves each get the answer they would have had alone: a refused
/// move fails only itself, a repeated key makes one ledger row, a bad body is
/// its own 422.
#[tokio::test]
async fn concurrent_moves_are_answered_as_if_alone() {
    let app = TestApp::spawn().await.unwrap();
    let f = setup(&app, "inv-batch").await;
    let t = f.token.clone();
    let (p, q) = (
        product(
            &app,
            &t,
            json!({"sku": "BAT-1", "name": "Batched 1", "cost": "2"}),
        )
        .await,
        product(
            &app,
            &t,
            json!({"sku": "BAT-2", "name": "Batched 2", "cost": "3"}),
        )
        .await,
    );
    for id in [&p, &q] {
        let r = mv(&app, &t, json!({"product_id": id, "qty": "100", "from_location_id": f.supplier, "to_location_id": f.bin_a})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    }
    let post = |body: Value, key: Option<String>| {
        let (client, url, token) = (
            app.client.clone(),
            app.url("/api/v1/stock/moves"),
            t.clone(),
        );
        tokio::spawn(async move {
            let mut req = client.post(url).bearer_auth(token).json(&body);
            if let Some(k) = key {
                req = req.header("Idempotency-Key", k);
            }
            let r = req.send().await.unwrap();
            let status = r.status();
            (status, r.json::<Value>().await.unwrap_or(Value::Null))
        })
    };
    for round in 0..5 {
        let mut plain = Vec::new();
        for i in 0..12 {
            let id = if i % 2 == 0 { &p } else { &q };
            plain.push(post(
                json!({"product_id": id, "qty": "1", "from_location_id": f.bin_a,
                       "to_location_id": f.customer, "reference": format!("SO-{round}-{i}")}),
                Some(format!("batch-{round}-{i}")),
            ));
        }
        let too_much = post(
            json!({"product_id": p, "qty": "1000", "from_location_id": f.bin_a, "to_location_id": f.customer}),
            None,
        );
        let same_key: Vec<_> = (0..4)
            .map(|_| {
                post(
                    json!({"product_id": q, "qty": "2", "from_location_id": f.bin_a, "to_location_id": f.bin_b}),
                    Some(format!("batch-{round}-same")),
                )
            })
            .collect();
        let bad = post(json!({"qty": "1", "from_location_id": f.bin_a}), None);
        let mut answered = Vec::new();
        for h in plain {
            let (status, body) = h.await.unwrap();
            assert_eq!(status, StatusCode::CREATED, "{body}");
            answered.push(body);
        }
        // Each answered move's event is already in the chain, and says what
        // the answer says.
        for mv in &answered {
            let (data, pending): (Value, i64) = sqlx::query_as(
                "SELECT e.data, (SELECT count(*) FROM event_pending p WHERE p.id = e.id)
                   FROM events e WHERE e.kind = 'stock.moved' AND e.subject_id = $1",
            )
            .bind(Uuid::parse_str(mv["id"].as_str().unwrap()).unwrap())
            .fetch_one(&app.db.owner)
            .await
            .unwrap();
            assert_eq!(pending, 0);
            for (field, answer) in [
                ("product_id", "product_id"),
                ("qty", "qty"),
                ("lot", "lot_code"),
                ("from_location_id", "from_location_id"),
                ("to_location_id", "to_location_id"),
                ("value", "value"),
                ("reason", "reason"),
                ("reference", "reference"),
                ("negative_stock_alert", "negative_stock_alert"),
            ] {
                assert_eq!(data[field], mv[answer], "{field}: {data} vs {mv}");
            }
        }
        let (status, body) = too_much.await.unwrap();
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert_eq!(body["error"]["code"], "insufficient_stock", "{body}");
        let mut ids = std::collections::HashSet::new();
        for h in same_key {
            let (status, body) = h.await.unwrap();
            assert_eq!(status, StatusCode::CREATED, "{body}");
            ids.insert(body["id"].as_str().unwrap().to_owned());
        }
        assert_eq!(ids.len(), 1, "one key, one move: {ids:?}");
        let (status, body) = bad.await.unwrap();
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    }
    // Per round: 6 units of each product to the customer, 2 of q to bin B.
    assert_eq!(
        on_hand(&app, &t, &p, &f.bin_a).await,
        Decimal::from(100 - 5 * 6)
    );
    assert_eq!(
        on_hand(&app, &t, &q, &f.bin_a).await,
        Decimal::from(100 - 5 * 8)
    );
    assert_eq!(on_hand(&app, &t, &q, &f.bin_b).await, Decimal::from(5 * 2));
    let check = assert_no_drift(&app, &t).await;
    assert_eq!(check["moves"], 2 + 5 * (12 + 1));
}

/// Waits until `n` sessions of the app's database wait for a lock.
async fn lock_waiters(app: &TestApp, n: i64) {
    for _ in 0..600 {
        let waiting: i64 = sqlx::query_scalar(
            "SELECT count(DISTINCT l.pid) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
              WHERE NOT l.granted AND a.datname = current_database()",
        )
        .fetch_one(&app.db.owner)
        .await
        .unwrap();
        if waiting >= n {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("{n} sessions never waited for a lock");
}

/// An issue that reads the valuation layers before a receipt into the same bin
/// commits, and then waits for that receipt's quant lock, takes from the layer
/// the receipt opened (FIFO: 5 at 2.00, then 7 of the receipt's 10 at 3.00).
#[tokio::test]
async fn an_issue_queued_behind_a_receipt_takes_from_the_receipts_layer() {
    let app = TestApp::spawn().await.unwrap();
    let f = setup(&app, "inv-queue").await;
    let t = f.token.clone();
    let p = product(
        &app,
        &t,
        json!({"sku": "QUEUE", "name": "Queued", "cost": "2"}),
    )
    .await;
    let r = mv(
        &app,
        &t,
        json!({"product_id": p, "qty": "5", "from_location_id": f.supplier,
                                  "to_location_id": f.bin_a, "unit_cost": "2"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let product_id = Uuid::parse_str(&p).unwrap();

    // Hold the bin's quant: the receipt, then the issue, queue behind it.
    let mut hold = app.db.owner.begin().await.unwrap();
    sqlx::query("SELECT 1 FROM quants WHERE product_id = $1 AND location_id = $2 FOR UPDATE")
        .bind(product_id)
        .bind(Uuid::parse_str(&f.bin_a).unwrap())
        .execute(&mut *hold)
        .await
        .unwrap();
    let spawn_move = |body: Value| {
        let (client, url, token) = (
            app.client.clone(),
            app.url("/api/v1/stock/moves"),
            t.clone(),
        );
        tokio::spawn(async move {
            let r = client
                .post(url)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap();
            (r.status(), r.json::<Value>().await.unwrap())
        })
    };
    let receipt = spawn_move(
        json!({"product_id": p, "qty": "10", "from_location_id": f.supplier,
                                    "to_location_id": f.bin_a, "unit_cost": "3"}),
    );
    lock_waiters(&app, 1).await;
    let issue = spawn_move(
        json!({"product_id": p, "qty": "12", "from_location_id": f.bin_a,
                                  "to_location_id": f.customer}),
    );
    lock_waiters(&app, 2).await;
    hold.commit().await.unwrap();

    let (status, body) = receipt.await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = issue.await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(dec(&body["value"]), Decimal::from(31), "{body}");
    let left: (Decimal, Decimal) = sqlx::query_as(
        "SELECT sum(remaining_qty), sum(remaining_value) FROM valuation_layers WHERE product_id = $1",
    )
    .bind(product_id)
    .fetch_one(&app.db.owner)
    .await
    .unwrap();
    assert_eq!(left, (Decimal::from(3), Decimal::from(9)));
    assert_eq!(on_hand(&app, &t, &p, &f.bin_a).await, Decimal::from(3));
    assert_no_drift(&app, &t).await;
}

#[tokio::test]
async fn a_thousand_replays_of_one_idempotent_move_make_one_ledger_row() {
    let app = TestApp::spawn().await.unwrap();
    let f = setup(&app, "inv-idem").await;
    let t = f.token.clone();
    let p = product(
        &app,
        &t,
        json!({"sku": "IDEM", "name": "Idempotent", "cost": "2"}),
    )
    .await;
    let body = json!({"product_id": p, "qty": "3", "from_location_id": f.supplier, "to_location_id": f.bin_a, "reference": "PO-1"});
    let first = post_key(&app, "/api/v1/stock/moves", &t, Some("op-0001"), &body).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    assert!(first.headers.get("idempotent-replayed").is_none());
    // 900 sequential retries and 100 concurrent ones.
    for _ in 0..900 {
        let r = post_key(&app, "/api/v1/stock/moves", &t, Some("op-0001"), &body).await;
        assert_eq!(r.status, StatusCode::CREATED);
        assert_eq!(r.body, first.body, "a replay answers the original response");
        assert_eq!(r.headers["idempotent-replayed"], "true");
    }
    let mut tasks = Vec::new();
    for _ in 0..100 {
        let (client, url, token, body) = (
            app.client.clone(),
            app.url("/api/v1/stock/moves"),
            t.clone(),
            body.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let r = client
                .post(url)
                .bearer_auth(token)
                .header("Idempotency-Key", "op-0001")
                .json(&body)
                .send()
                .await
                .unwrap();
            (r.status(), r.json::<Value>().await.unwrap())
        }));
    }
    for task in tasks {
        let (status, b) = task.await.unwrap();
        assert_eq!((status, &b), (StatusCode::CREATED, &first.body));
    }
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM stock_moves")
        .fetch_one(&app.db.owner)
        .await
        .unwrap();
    assert_eq!(rows, 1, "1,000 replays must leave exactly one ledger row");
    assert_eq!(on_hand(&app, &t, &p, &f.bin_a).await, Decimal::from(3));

    // A fresh key with no earlier request, 50 concurrent first attempts: still one row.
    let body2 = json!({"product_id": p, "qty": "1", "from_location_id": f.bin_a, "to_location_id": f.bin_b});
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let (client, url, token, body) = (
            app.client.clone(),
            app.url("/api/v1/stock/moves"),
            t.clone(),
            body2.clone(),
        );
        tasks.push(tokio::spawn(async move {
            client
                .post(url)
                .bearer_auth(token)
                .header("Idempotency-Key", "op-0002")
                .json(&body)
                .send()
                .await
                .unwrap()
                .status()
        }));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap(), StatusCode::CREATED);
    }
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM stock_moves")
        .fetch_one(&app.db.owner)
        .await
        .unwrap();
    assert_eq!(rows, 2);
    let events: i64 = sqlx::query_scalar("SELECT count(*) FROM events WHERE kind = 'stock.moved'")
        .fetch_one(&app.db.owner)
        .await
        .unwrap();
    assert_eq!(events, 2, "one stock.moved event per ledger row");

    // The same key with a different body is refused and changes nothing.
    let other = json!({"product_id": p, "qty": "4", "from_location_id": f.supplier, "to_location_id": f.bin_a});
    let r = post_key(&app, "/api/v1/stock/moves", &t, Some("op-0001"), &other).await;
    assert_eq!(
        (r.status, r.error_code()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency_key_reused".into()
        )
    );
    // A failed request stores nothing: the key can be used once the request is fixed.
    let bad = json!({"product_id": p, "qty": "99", "from_location_id": f.bin_a, "to_location_id": f.customer});
    let r = post_key(&app, "/api/v1/stock/moves", &t, Some("op-0003"), &bad).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let r = post_key(&app, "/api/v1/stock/moves", &t, Some("op-0003"), &bad).await;
    assert_eq!(
        r.status,
        StatusCode::CONFLICT,
        "the retry runs again, it is not a stored answer"
    );
    assert!(r.headers.get("idempotent-replayed").is_none());
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM stock_moves")
        .fetch_one(&app.db.owner)
        .await
        .unwrap();
    assert_eq!(rows, 2);
    // Keys are per tenant: another tenant may use the same key.
    let g = setup(&app, "inv-idem-other").await;
    let p2 = product(&app, &g.token, json!({"sku": "IDEM", "name": "Other"})).await;
    let r = post_key(&app, "/api/v1/stock/moves", &g.token, Some("op-0001"),
        &json!({"product_id": p2, "qty": "1", "from_location_id": g.supplier, "to_location_id": g.bin_a})).await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert!(r.headers.get("idempotent-replayed").is_none());
}

/// The textbook sequence (100 @ 10, 200 @ 11, sell 150, 100 @ 12, sell 180)
/// through the API under each method, checking cost of goods and the stock value.
#[tokio::test]
async fn valuation_methods_reproduce_the_textbook_through_the_api() {
    let app = TestApp::spawn().await.unwrap();
    // (method, COGS of sale 1, COGS of sale 2, ending value) — worked out in
    // backend/src/domain/valuation.rs.
    for (n, (method, s1, s2, ending)) in [
        ("fifo", 1550, 2010, 840),
        ("lifo", 1650, 2050, 700),
        ("wac", 1600, 2016, 784),
    ]
    .into_iter()
    .enumerate()
    {
        let f = setup(&app, &format!("inv-val-{n}")).await;
        let t = &f.token;
        let r = app
            .call(
                Method::PATCH,
                "/api/v1/inventory/settings",
                Some(t),
                Some(&json!({"valuation_method": method})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["valuation_method"], method);
        let p = product(&app, t, json!({"sku": "TXT", "name": "Textbook"})).await;
        let receive = |qty: i64, cost: i64| json!({"product_id": p, "qty": qty.to_string(), "unit_cost": cost.to_string(), "from_location_id": f.supplier, "to_location_id": f.bin_a});
        let sell = |qty: i64| json!({"product_id": p, "qty": qty.to_string(), "from_location_id": f.bin_a, "to_location_id": f.customer});
        assert_eq!(
            mv(&app, t, receive(100, 10)).await.status,
            StatusCode::CREATED
        );
        assert_eq!(
            mv(&app, t, receive(200, 11)).await.status,
            StatusCode::CREATED
        );
        let r1 = mv(&app, t, sell(150)).await;
        assert_eq!(
            dec(&r1.body["value"]),
            Decimal::from(s1),
            "{method} sale 1: {}",
            r1.text
        );
        assert_eq!(r1.body["valuation_method"], method);
        assert_eq!(
            mv(&app, t, receive(100, 12)).await.status,
            StatusCode::CREATED
        );
        let r2 = mv(&app, t, sell(180)).await;
        assert_eq!(
            dec(&r2.body["value"]),
            Decimal::from(s2),
            "{method} sale 2: {}",
            r2.text
        );
        let r = app.get("/api/v1/stock/valuation", Some(t)).await;
        assert_eq!(
            dec(&r.body["total_value"]),
            Decimal::from(ending),
            "{method}: {}",
            r.text
        );
        assert_eq!(dec(&r.body["lines"][0]["qty"]), Decimal::from(70));
        // As of just after the first sale: 150 units left, value 4,400 − 1,200 − sale 2 path excluded.
        let at = r1.body["created_at"].as_str().unwrap();
        let r = app
            .get(
                &format!("/api/v1/stock/valuation?as_of={}", at.replace('+', "%2B")),
                Some(t),
            )
            .await;
        assert_eq!(
            dec(&r.body["lines"][0]["qty"]),
            Decimal::from(150),
            "{}",
            r.text
        );
        assert_eq!(
            dec(&r.body["total_value"]),
            Decimal::from(3200 - s1),
            "{method} as of sale 1: {}",
            r.text
        );
        // Σ remaining layer values = value in − cost of goods out.
        let layers: Decimal = sqlx::query_scalar("SELECT coalesce(sum(remaining_value), 0) FROM valuation_layers WHERE product_id = $1::uuid")
            .bind(&p)
            .fetch_one(&app.db.owner)
            .await
            .unwrap();
        assert_eq!(layers, Decimal::from(4400 - s1 - s2));
    }
}

#[tokio::test]
async fn lots_serials_reservations_and_scanning() {
    let app = TestApp::spawn().await.unwrap();
    let f = setup(&app, "inv-lots").await;
    let t = &f.token;
    let lot_p = product(
        &app,
        t,
        json!({"sku": "MILK", "name": "Milk", "tracking": "lot",
        "barcodes": [{"symbology": "ean13", "code": "4006381333931"}]}),
    )
    .await;
    let r = mv(&app, t, json!({"product_id": lot_p, "qty": "5", "from_location_id": f.supplier, "to_location_id": f.bin_a})).await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a lot-tracked product needs a lot"
    );
    for (lot, expiry, bin, qty) in [
        ("L-LATE", "2027-06-30", &f.bin_a, "5"),
        ("L-EARLY", "2027-03-31", &f.bin_b, "4"),
    ] {
        let r = mv(
            &app,
            t,
            json!({"product_id": lot_p, "qty": qty, "lot": lot, "lot_expiry": expiry,
            "from_location_id": f.supplier, "to_location_id": bin}),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        assert_eq!(r.body["lot_code"], lot);
    }
    // Auto reservation takes the earliest expiry first, then the rest.
    let r = post_key(
        &app,
        "/api/v1/stock/reservations",
        t,
        None,
        &json!({"product_id": lot_p, "qty": "6", "reference": "SO-1/1"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let res = r.body.as_array().unwrap().clone();
    assert_eq!(res.len(), 2);
    assert_eq!(
        (res[0]["location_id"].as_str(), dec(&res[0]["qty"])),
        (Some(f.bin_b.as_str()), Decimal::from(4))
    );
    assert_eq!(
        (res[1]["location_id"].as_str(), dec(&res[1]["qty"])),
        (Some(f.bin_a.as_str()), Decimal::from(2))
    );
    let r = app
        .get(&format!("/api/v1/stock/quants?product_id={lot_p}"), Some(t))
        .await;
    let avail: Decimal = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| dec(&q["available"]))
        .sum();
    assert_eq!(
        avail,
        Decimal::from(3),
        "available = on-hand 9 − reserved 6"
    );
    let r = post_key(
        &app,
        "/api/v1/stock/reservations",
        t,
        None,
        &json!({"product_id": lot_p, "qty": "4", "reference": "SO-2/1"}),
    )
    .await;
    assert_eq!(
        (r.status, r.error_code()),
        (StatusCode::CONFLICT, "insufficient_stock".into())
    );
    let rid = res[0]["id"].as_str().unwrap();
    for _ in 0..2 {
        let r = app
            .post(
                &format!("/api/v1/stock/reservations/{rid}/release"),
                Some(t),
                &json!({}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    }
    let r = app
        .get(&format!("/api/v1/stock/quants?product_id={lot_p}"), Some(t))
        .await;
    let avail: Decimal = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| dec(&q["available"]))
        .sum();
    assert_eq!(
        avail,
        Decimal::from(7),
        "releasing twice frees the stock once"
    );

    // Serial numbers: one at a time, unique on the shelf.
    let ser = product(
        &app,
        t,
        json!({"sku": "DRILL", "name": "Drill", "tracking": "serial"}),
    )
    .await;
    let recv = |serial: &str, qty: &str| json!({"product_id": ser, "qty": qty, "lot": serial, "from_location_id": f.supplier, "to_location_id": f.bin_a});
    assert_eq!(
        mv(&app, t, recv("SN1", "2")).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        mv(&app, t, recv("SN1", "1")).await.status,
        StatusCode::CREATED
    );
    assert_eq!(
        mv(&app, t, recv("SN1", "1")).await.status,
        StatusCode::CONFLICT
    );

    // Scanning: EAN-13, GS1 with lot and expiry, a location label, an unknown code.
    let r = app.get("/api/v1/scan/4006381333931", Some(t)).await;
    assert_eq!(
        (r.body["kind"].as_str(), r.body["product"]["sku"].as_str()),
        (Some("product"), Some("MILK")),
        "{}",
        r.text
    );
    let gs1 = "(01)04006381333931(17)270331(10)L-EARLY";
    let r = app
        .get(
            &format!(
                "/api/v1/scan/{}",
                gs1.replace('(', "%28").replace(')', "%29")
            ),
            Some(t),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["product"]["sku"], "MILK");
    assert_eq!(r.body["lot"], "L-EARLY");
    assert_eq!(r.body["expiry"], "2027-03-31");
    let r = app.get("/api/v1/scan/LOC-A-01", Some(t)).await;
    assert_eq!(
        (r.body["kind"].as_str(), r.body["location"]["path"].as_str()),
        (Some("location"), Some("WH1/A/01"))
    );
    let r = app.get("/api/v1/scan/NOTHING-HERE", Some(t)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = app
        .get("/api/v1/scan/%2801%2904006381333932", Some(t))
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "bad GS1 check digit: {}",
        r.text
    );
    assert_no_drift(&app, t).await;
}

#[tokio::test]
async fn two_step_transfer_through_transit_with_partial_receipt() {
    let app = TestApp::spawn().await.unwrap();
    let f = setup(&app, "inv-transfer").await;
    let t = &f.token;
    let p = product(
        &app,
        t,
        json!({"sku": "TR", "name": "Transfer me", "cost": "4"}),
    )
    .await;
    assert_eq!(mv(&app, t, json!({"product_id": p, "qty": "10", "from_location_id": f.supplier, "to_location_id": f.bin_a})).await.status, StatusCode::CREATED);
    let ship = mv(&app, t, json!({"product_id": p, "qty": "8", "from_location_id": f.bin_a, "to_location_id": f.transit, "reference": "TR-1"})).await;
    assert_eq!(ship.status, StatusCode::CREATED);
    assert_eq!(
        dec(&ship.body["value"]),
        Decimal::ZERO,
        "goods in transit keep their value"
    );
    let recv = mv(&app, t, json!({"product_id": p, "qty": "5", "from_location_id": f.transit, "to_location_id": f.wh2, "reference": "TR-1"})).await;
    assert_eq!(recv.status, StatusCode::CREATED);
    assert_eq!(on_hand(&app, t, &p, &f.transit).await, Decimal::from(3));
    assert_eq!(on_hand(&app, t, &p, &f.wh2).await, Decimal::from(5));
    let r = app.get("/api/v1/stock/valuation", Some(t)).await;
    assert_eq!(dec(&r.body["total_value"]), Decimal::from(40), "{}", r.text);
    let r = app
        .get(
            &format!("/api/v1/stock/valuation?warehouse_id={}", f.wh2),
            Some(t),
        )
        .await;
    assert_eq!(dec(&r.body["total_value"]), Decimal::from(20), "{}", r.text);
    let _ = f.wh1;
}

/// A small xorshift generator: deterministic workloads without a dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// Random receipts, moves and issues from concurrent clients: afterwards quants
/// equal the ledger, nothing is negative (forbidden by default), and the stock
/// value equals Σ remaining layer values = value received − cost of goods.
#[tokio::test]
async fn randomized_concurrent_workload_keeps_quants_and_value_consistent() {
    let app = TestApp::spawn().await.unwrap();
    let f = setup(&app, "inv-random").await;
    let t = f.token.clone();
    let mut products = Vec::new();
    for i in 0..3 {
        products.push(
            product(
                &app,
                &t,
                json!({"sku": format!("R{i}"), "name": format!("Random {i}"), "cost": "1"}),
            )
            .await,
        );
    }
    let r = app
        .call(
            Method::PATCH,
            "/api/v1/inventory/settings",
            Some(&t),
            Some(&json!({"valuation_method": "wac"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let places = [
        f.bin_a.clone(),
        f.bin_b.clone(),
        f.wh2.clone(),
        f.transit.clone(),
    ];
    let mut clients = Vec::new();
    for c in 0..6u64 {
        let (client, url, token, products, places, supplier, customer) = (
            app.client.clone(),
            app.url("/api/v1/stock/moves"),
            t.clone(),
            products.clone(),
            places.clone(),
            f.supplier.clone(),
            f.customer.clone(),
        );
        clients.push(tokio::spawn(async move {
            let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ (c + 1).wrapping_mul(0x2545_F491_4F6C_DD1D));
            let mut outcomes = (0, 0);
            for _ in 0..40 {
                let p = &products[rng.next(3) as usize];
                let a = &places[rng.next(4) as usize];
                let b = &places[rng.next(4) as usize];
                let qty = (rng.next(9) + 1).to_string();
                let body = match rng.next(3) {
                    0 => json!({"product_id": p, "qty": qty, "unit_cost": format!("{}.{}", rng.next(20) + 1, rng.next(100)), "from_location_id": supplier, "to_location_id": a}),
                    1 if a != b => json!({"product_id": p, "qty": qty, "from_location_id": a, "to_location_id": b}),
                    _ => json!({"product_id": p, "qty": qty, "from_location_id": a, "to_location_id": customer}),
                };
                let s = client.post(&url).bearer_auth(&token).json(&body).send().await.unwrap().status();
                match s {
                    StatusCode::CREATED => outcomes.0 += 1,
                    StatusCode::CONFLICT => outcomes.1 += 1,
                    s => panic!("unexpected {s}"),
                }
            }
            outcomes
        }));
    }
    let mut created = 0;
    for c in clients {
        created += c.await.unwrap().0;
    }
    assert!(
        created > 100,
        "the workload should mostly succeed ({created})"
    );
    let check = assert_no_drift(&app, &t).await;
    assert_eq!(check["moves"], created);
    let negative: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM quants q JOIN locations l ON l.id = q.location_id
          WHERE l.kind IN ('warehouse', 'zone', 'bin', 'transit') AND q.qty < 0",
    )
    .fetch_one(&app.db.owner)
    .await
    .unwrap();
    assert_eq!(negative, 0);
    for p in &products {
        let (in_value, out_value): (Decimal, Decimal) = sqlx::query_as(
            "SELECT coalesce(sum(m.value) FILTER (WHERE f.kind = 'supplier'), 0),
                    coalesce(sum(m.value) FILTER (WHERE t.kind = 'customer'), 0)
               FROM stock_moves m JOIN locations f ON f.id = m.from_location_id
               JOIN locations t ON t.id = m.to_location_id WHERE m.product_id = $1::uuid",
        )
        .bind(p)
        .fetch_one(&app.db.owner)
        .await
        .unwrap();
        let (layer_qty, layer_value): (Decimal, Decimal) = sqlx::query_as(
            "SELECT coalesce(sum(remaining_qty), 0), coalesce(sum(remaining_value), 0)
               FROM valuation_layers WHERE product_id = $1::uuid",
        )
        .bind(p)
        .fetch_one(&app.db.owner)
        .await
        .unwrap();
        assert_eq!(
            layer_value,
            in_value - out_value,
            "value = Σ layers for {p}"
        );
        let held: Decimal = sqlx::query_scalar(
            "SELECT coalesce(sum(q.qty), 0) FROM quants q JOIN locations l ON l.id = q.location_id
              WHERE q.product_id = $1::uuid AND l.kind IN ('warehouse', 'zone', 'bin', 'transit')",
        )
        .bind(p)
        .fetch_one(&app.db.owner)
        .await
        .unwrap();
        assert_eq!(
            layer_qty, held,
            "layers cover exactly the stock held for {p}"
        );
        let _ = Uuid::parse_str(p).unwrap();
    }
}
