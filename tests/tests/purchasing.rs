//! Purchasing end to end: suppliers and their terms, exchange rates, purchase
//! orders through their states, and receipts that book stock and valuation
//! layers at the order price converted with the rate of the receipt date.

mod common;

use common::*;
use elevate_tests::TestApp;
use reqwest::StatusCode;
use rust_decimal::Decimal;
use serde_json::{json, Value};

#[tokio::test]
async fn receipts_value_stock_at_order_cost_in_base_currency_with_the_rate_of_the_receipt_date() {
    let app = TestApp::spawn().await.unwrap();
    let f = setup(&app, "buyer").await;
    let t = &f.token;
    let bolt = product(&app, t, "BOLT-M8").await;
    let nut = product(&app, t, "NUT-M8").await;
    let sup = supplier(&app, t, "Fastener Corp", "USD", 5).await;

    // Terms: price per base unit, minimum order and pack size; lead time falls back to the supplier's.
    let r = put(
        &app,
        &format!("/api/v1/suppliers/{sup}/products"),
        t,
        &json!({"product_id": bolt, "unit_price": "10", "min_order_qty": "5", "pack_size": "5", "supplier_sku": "FC-8"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["currency"], "USD");
    assert_eq!(r.body["lead_time_days"], 5);
    assert_eq!(dec(&r.body["pack_size"]), d("5"));
    let terms = app
        .get(&format!("/api/v1/suppliers/{sup}/products"), Some(t))
        .await;
    assert_eq!(terms.body.as_array().unwrap().len(), 1);

    // A draft order; the bolt's price comes from the terms, the nut's is given.
    let r = post_key(
        &app,
        "/api/v1/purchase-orders",
        t,
        Some("po-1"),
        &json!({"supplier_id": sup, "location_id": f.bin_a, "lines": [
            {"product_id": bolt, "qty": "10"},
            {"product_id": nut, "qty": "4", "unit_price": "2.5"}]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let po = id(&r);
    assert_eq!(r.body["status"], "draft");
    assert_eq!(r.body["currency"], "USD");
    assert_eq!(r.body["reference"], "PO-000001");
    assert_eq!(dec(&r.body["total"]), d("110"));
    let bolt_line = r.body["lines"][0]["id"].as_str().unwrap().to_owned();
    let nut_line = r.body["lines"][1]["id"].as_str().unwrap().to_owned();
    assert_eq!(dec(&r.body["lines"][0]["unit_price"]), d("10"));
    // The same key and body answers the same order instead of a second one.
    let again = post_key(
        &app,
        "/api/v1/purchase-orders",
        t,
        Some("po-1"),
        &json!({"supplier_id": sup, "location_id": f.bin_a, "lines": [
            {"product_id": bolt, "qty": "10"},
            {"product_id": nut, "qty": "4", "unit_price": "2.5"}]}),
    )
    .await;
    assert_eq!(id(&again), po);

    // Drafts cannot be received.
    let receipt = |lines: serde_json::Value, on: &str| json!({"received_on": on, "lines": lines});
    let r = post_key(
        &app,
        &format!("/api/v1/purchase-orders/{po}/receipts"),
        t,
        None,
        &receipt(json!([{"line_id": bolt_line, "qty": "1"}]), "2026-01-15"),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert_eq!(r.error_code(), "invalid_status");

    let r = app
        .post(
            &format!("/api/v1/purchase-orders/{po}/confirm"),
            Some(t),
            &json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["status"], "confirmed");
    assert_eq!(
        events(&app, f.tenant_id, "purchase_order.confirmed").await,
        1
    );

    // No USD rate yet: a clear error naming the currency and the date.
    let r = post_key(
        &app,
        &format!("/api/v1/purchase-orders/{po}/receipts"),
        t,
        None,
        &receipt(json!([{"line_id": bolt_line, "qty": "4"}]), "2026-01-15"),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.error_code(), "exchange_rate_missing");
    assert_eq!(r.body["error"]["details"]["currency"], "USD");
    assert_eq!(r.body["error"]["details"]["date"], "2026-01-15");

    for (from, rate) in [("2026-01-01", "0.9"), ("2026-02-01", "0.8")] {
        let r = put(
            &app,
            "/api/v1/exchange-rates",
            t,
            &json!({"currency": "USD", "valid_from": from, "rate": rate}),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["base_currency"], "EUR");
    }
    let r = put(
        &app,
        "/api/v1/exchange-rates",
        t,
        &json!({"currency": "EUR", "valid_from": "2026-01-01", "rate": "1"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let rates = app
        .get("/api/v1/exchange-rates?currency=USD", Some(t))
        .await;
    assert_eq!(rates.body["total_count"], 2);

    // Partial receipt in January at 0.9, retried with the same key.
    let first = receipt(json!([{"line_id": bolt_line, "qty": "4"}]), "2026-01-15");
    let path = format!("/api/v1/purchase-orders/{po}/receipts");
    let r1 = post_key(&app, &path, t, Some("rcpt-1"), &first).await;
    assert_eq!(r1.status, StatusCode::CREATED, "{}", r1.text);
    assert_eq!(dec(&r1.body["rate"]), d("0.9"));
    assert_eq!(dec(&r1.body["lines"][0]["unit_cost"]), d("9"));
    assert_eq!(r1.body["status"], "partially_received");
    let r2 = post_key(&app, &path, t, Some("rcpt-1"), &first).await;
    assert_eq!(r2.status, StatusCode::CREATED);
    assert_eq!(r2.body, r1.body);
    assert_eq!(r2.headers["idempotent-replayed"], "true");
    let moves: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM stock_moves WHERE reference = 'PO-000001' AND tenant_id = $1",
    )
    .bind(f.tenant_id)
    .fetch_one(&app.db.owner)
    .await
    .unwrap();
    assert_eq!(moves, 1, "a replayed receipt booked stock twice");
    assert_eq!(on_hand(&app, t, &bolt, &f.bin_a).await, d("4"));

    // More than is open on a line is refused; nothing is booked.
    let r = post_key(
        &app,
        &path,
        t,
        None,
        &receipt(json!([{"line_id": bolt_line, "qty": "7"}]), "2026-02-10"),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(dec(&r.body["error"]["details"]["open"]), d("6"));

    // The rest in February at 0.8 (a receipt can name another bin).
    let r = post_key(
        &app,
        &path,
        t,
        Some("rcpt-2"),
        &json!({"received_on": "2026-02-10", "location_id": f.bin_b, "lines": [
            {"line_id": bolt_line, "qty": "6"}, {"line_id": nut_line, "qty": "4"}]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(dec(&r.body["rate"]), d("0.8"));
    assert_eq!(dec(&r.body["lines"][0]["unit_cost"]), d("8"));
    assert_eq!(dec(&r.body["lines"][1]["unit_cost"]), d("2"));
    assert_eq!(r.body["status"], "received");
    assert_eq!(on_hand(&app, t, &bolt, &f.bin_b).await, d("6"));
    assert_eq!(on_hand(&app, t, &nut, &f.bin_b).await, d("4"));

    // Valuation layers carry the converted costs: 4×9 + 6×8 + 4×2 = 92 EUR.
    let v = app.get("/api/v1/stock/valuation", Some(t)).await;
    assert_eq!(dec(&v.body["total_value"]), d("92"), "{}", v.text);
    let layers: Vec<(Decimal, Decimal)> = sqlx::query_as(
        "SELECT qty, unit_cost FROM valuation_layers WHERE tenant_id = $1 ORDER BY seq",
    )
    .bind(f.tenant_id)
    .fetch_all(&app.db.owner)
    .await
    .unwrap();
    assert_eq!(
        layers,
        vec![(d("4"), d("9")), (d("6"), d("8")), (d("4"), d("2"))]
    );
    // Issued FIFO, the bolts cost the January layer first: 4 × 9 + 1 × 8.
    mv(
        &app,
        t,
        json!({"product_id": bolt, "qty": "4", "from_location_id": f.bin_a, "to_location_id": f.bin_b}),
    )
    .await;
    let out = mv(
        &app,
        t,
        json!({"product_id": bolt, "qty": "5", "from_location_id": f.bin_b, "to_location_id": f.customer}),
    )
    .await;
    assert_eq!(dec(&out.body["value"]), d("44"), "{}", out.text);

    let r = app
        .get(&format!("/api/v1/purchase-orders/{po}"), Some(t))
        .await;
    assert_eq!(r.body["status"], "received");
    assert_eq!(dec(&r.body["lines"][0]["received_qty"]), d("10"));
    assert_eq!(
        events(&app, f.tenant_id, "purchase_order.received").await,
        2
    );

    // A received order is closed.
    let r = post_key(
        &app,
        &path,
        t,
        None,
        &receipt(json!([{"line_id": nut_line, "qty": "1"}]), "2026-02-11"),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.error_code(), "invalid_status");
    let r = app
        .post(
            &format!("/api/v1/purchase-orders/{po}/cancel"),
            Some(t),
            &json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_no_drift(&app, t).await;
}

#[tokio::test]
async fn orders_need_known_prices_and_cancelled_orders_stay_cancelled() {
    let app = TestApp::spawn().await.unwrap();
    let f = setup(&app, "buyer2").await;
    let t = &f.token;
    let p = product(&app, t, "WIDGET").await;
    let sup = supplier(&app, t, "Widget GmbH", "EUR", 3).await;
    let dup = app
        .post(
            "/api/v1/suppliers",
            Some(t),
            &json!({"name": "widget gmbh", "currency": "EUR"}),
        )
        .await;
    assert_eq!(dup.status, StatusCode::CONFLICT);
    let bad = app
        .post(
            "/api/v1/suppliers",
            Some(t),
            &json!({"name": "Lowercase", "currency": "eur"}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.body["error"]["details"]["field"], "currency");

    let no_price = app
        .post(
            "/api/v1/purchase-orders",
            Some(t),
            &json!({"supplier_id": sup, "location_id": f.wh1, "lines": [{"product_id": p, "qty": "3"}]}),
        )
        .await;
    assert_eq!(no_price.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(no_price.body["error"]["details"]["field"], "lines");
    let to_customer = app
        .post(
            "/api/v1/purchase-orders",
            Some(t),
            &json!({"supplier_id": sup, "location_id": f.customer, "lines": [{"product_id": p, "qty": "3", "unit_price": "1"}]}),
        )
        .await;
    assert_eq!(to_customer.status, StatusCode::UNPROCESSABLE_ENTITY);

    let r = app
        .post(
            "/api/v1/purchase-orders",
            Some(t),
            &json!({"supplier_id": sup, "location_id": f.wh1, "lines": [{"product_id": p, "qty": "3", "unit_price": "1.25"}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let po = id(&r);
    let r = app
        .post(
            &format!("/api/v1/purchase-orders/{po}/cancel"),
            Some(t),
            &json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["status"], "cancelled");
    let r = app
        .post(
            &format!("/api/v1/purchase-orders/{po}/confirm"),
            Some(t),
            &json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.error_code(), "invalid_status");
    let list = app
        .get("/api/v1/purchase-orders?status=cancelled", Some(t))
        .await;
    assert_eq!(list.body["total_count"], 1);
    let list = app
        .get("/api/v1/purchase-orders?status=draft", Some(t))
        .await;
    assert_eq!(list.body["total_count"], 0);
    // Base-currency orders need no rate.
    let r = app
        .post(
            "/api/v1/purchase-orders",
            Some(t),
            &json!({"supplier_id": sup, "location_id": f.wh1, "lines": [{"product_id": p, "qty": "2", "unit_price": "3"}]}),
        )
        .await;
    let po2 = id(&r);
    assert_eq!(r.body["reference"], "PO-000002");
    app.post(
        &format!("/api/v1/purchase-orders/{po2}/confirm"),
        Some(t),
        &json!({}),
    )
    .await;
    let line = r.body["lines"][0]["id"].as_str().unwrap().to_owned();
    let r = app
        .post(
            &format!("/api/v1/purchase-orders/{po2}/receipts"),
            Some(t),
            &json!({"lines": [{"line_id": line, "qty": "2"}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(dec(&r.body["rate"]), Decimal::ONE);
    assert_eq!(on_hand(&app, t, &p, &f.wh1).await, d("2"));
}

#[tokio::test]
async fn receipt_tolerances_allow_a_little_more_and_close_lines_a_little_short() {
    let app = TestApp::spawn().await.unwrap();
    let app = &app;
    let f = setup(app, "tolerant").await;
    let t = &f.token;
    let bolt = product(app, t, "BOLT-T").await;
    let nut = product(app, t, "NUT-T").await;
    let sup = supplier(app, t, "Local Parts", "EUR", 2).await;
    let settings = |body: Value| async move {
        app.call(
            reqwest::Method::PATCH,
            "/api/v1/inventory/settings",
            Some(t),
            Some(&body),
        )
        .await
    };
    // Defaults: no tolerance either way.
    let r = app.get("/api/v1/inventory/settings", Some(t)).await;
    assert_eq!(dec(&r.body["over_receipt_tolerance_pct"]), d("0"));
    assert_eq!(dec(&r.body["under_receipt_tolerance_pct"]), d("0"));
    for bad in [
        json!({"over_receipt_tolerance_pct": "-1"}),
        json!({"over_receipt_tolerance_pct": "100.5"}),
        json!({"under_receipt_tolerance_pct": "100"}),
        json!({"under_receipt_tolerance_pct": "1.234"}),
    ] {
        let r = settings(bad.clone()).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad}: {}",
            r.text
        );
        assert_eq!(r.error_code(), "validation_failed");
    }

    let order = |lines| {
        let body = json!({"supplier_id": sup, "location_id": f.bin_a, "lines": lines});
        async move {
            let r = post_key(app, "/api/v1/purchase-orders", t, None, &body).await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
            let po = id(&r);
            let c = app
                .post(
                    &format!("/api/v1/purchase-orders/{po}/confirm"),
                    Some(t),
                    &json!({}),
                )
                .await;
            assert_eq!(c.status, StatusCode::OK, "{}", c.text);
            let lines: Vec<String> = r.body["lines"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| l["id"].as_str().unwrap().to_owned())
                .collect();
            (po, lines)
        }
    };
    let receive = |po: String, lines: Value| async move {
        post_key(
            app,
            &format!("/api/v1/purchase-orders/{po}/receipts"),
            t,
            None,
            &json!({ "lines": lines }),
        )
        .await
    };

    // Without tolerance one unit too many is refused with the stable code and the open qty.
    let (po, lines) = order(json!([{"product_id": bolt, "qty": "100", "unit_price": "1"}])).await;
    let r = receive(po.clone(), json!([{"line_id": lines[0], "qty": "101"}])).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.error_code(), "over_receipt");
    assert_eq!(dec(&r.body["error"]["details"]["open"]), d("100"));
    assert_eq!(dec(&r.body["error"]["details"]["allowed"]), d("100"));
    assert_eq!(on_hand(app, t, &bolt, &f.bin_a).await, d("0"));

    // 5 % over, 2 % under.
    let r =
        settings(json!({"over_receipt_tolerance_pct": "5", "under_receipt_tolerance_pct": "2"}))
            .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(dec(&r.body["over_receipt_tolerance_pct"]), d("5"));
    assert_eq!(dec(&r.body["under_receipt_tolerance_pct"]), d("2"));
    // Changing one leaves the other.
    let r = settings(json!({"over_receipt_tolerance_pct": "5.5"})).await;
    assert_eq!(dec(&r.body["under_receipt_tolerance_pct"]), d("2"));
    let r = settings(json!({"over_receipt_tolerance_pct": "5"})).await;
    assert_eq!(r.status, StatusCode::OK);

    // 104 of 100 is within 5 %; the line is complete and the order received.
    let r = receive(po.clone(), json!([{"line_id": lines[0], "qty": "104"}])).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["status"], "received");
    assert_eq!(on_hand(app, t, &bolt, &f.bin_a).await, d("104"));

    // A second order: 106 of 100 is past 5 %; 105 in two receipts is the limit.
    let (po, lines) = order(json!([{"product_id": bolt, "qty": "100", "unit_price": "1"}])).await;
    let r = receive(po.clone(), json!([{"line_id": lines[0], "qty": "106"}])).await;
    assert_eq!(r.error_code(), "over_receipt");
    assert_eq!(dec(&r.body["error"]["details"]["allowed"]), d("105"));
    let r = receive(po.clone(), json!([{"line_id": lines[0], "qty": "60"}])).await;
    assert_eq!(r.body["status"], "partially_received", "{}", r.text);
    let r = receive(po.clone(), json!([{"line_id": lines[0], "qty": "46"}])).await;
    assert_eq!(r.error_code(), "over_receipt");
    assert_eq!(dec(&r.body["error"]["details"]["open"]), d("40"));
    assert_eq!(dec(&r.body["error"]["details"]["allowed"]), d("45"));
    let r = receive(po.clone(), json!([{"line_id": lines[0], "qty": "45"}])).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["status"], "received");

    // Under: 98 of 100 closes the line (2 %), 97 of 100 leaves it open; an order is
    // received only when every line is complete.
    let (po, lines) = order(json!([
        {"product_id": bolt, "qty": "100", "unit_price": "1"},
        {"product_id": nut, "qty": "100", "unit_price": "1"}]))
    .await;
    let r = receive(
        po.clone(),
        json!([{"line_id": lines[0], "qty": "98"}, {"line_id": lines[1], "qty": "97"}]),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["status"], "partially_received");
    let r = receive(po.clone(), json!([{"line_id": lines[1], "qty": "1"}])).await;
    assert_eq!(r.body["status"], "received", "{}", r.text);
    let got = app
        .get(&format!("/api/v1/purchase-orders/{po}"), Some(t))
        .await;
    assert_eq!(got.body["status"], "received");
    assert_eq!(dec(&got.body["lines"][0]["received_qty"]), d("98"));
    assert_eq!(dec(&got.body["lines"][1]["received_qty"]), d("98"));
    assert_eq!(on_hand(app, t, &nut, &f.bin_a).await, d("98"));
    assert_no_drift(app, t).await;
}

/// Put-away after receiving: the default bin first, then bins that hold the
/// product (most first), then empty bins of the receiving zone in walking order.
#[tokio::test]
async fn putaway_suggests_the_default_bin_then_bins_holding_the_product_then_empty_bins() {
    let app = TestApp::spawn().await.unwrap();
    let app = &app;
    let f = setup(app, "putaway").await;
    let t = &f.token;
    let zone = location(
        app,
        t,
        json!({"kind": "zone", "parent_id": f.wh1, "code": "Z", "name": "Zone Z"}),
    )
    .await;
    let mut bins = Vec::new();
    for code in ["C3", "C1", "C2", "C4"] {
        bins.push(
            location(
                app,
                t,
                json!({"kind": "bin", "parent_id": zone, "code": code, "name": code}),
            )
            .await,
        );
    }
    let (c3, c1, c2, c4) = (&bins[0], &bins[1], &bins[2], &bins[3]);
    let p = product(app, t, "PUT-1").await;
    let other = product(app, t, "PUT-2").await;
    let receive = |prod: &String, to: &String, qty: &str| json!({"product_id": prod, "qty": qty, "from_location_id": f.supplier, "to_location_id": to});
    // C4 holds another product, so it is not empty; C1 holds 2 and bin A (outside the zone) 9 of ours.
    mv(app, t, receive(&other, c4, "1")).await;
    mv(app, t, receive(&p, c1, "2")).await;
    mv(app, t, receive(&p, &f.bin_a, "9")).await;

    let suggest = |at: &String| {
        let path = format!("/api/v1/putaway/suggestions?product_id={p}&location_id={at}");
        async move {
            let r = app.get(&path, Some(t)).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
            r.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| {
                    (
                        i["location_id"].as_str().unwrap().to_owned(),
                        i["reason"].as_str().unwrap().to_owned(),
                        dec(&i["on_hand"]),
                    )
                })
                .collect::<Vec<_>>()
        }
    };
    let s = suggest(c1).await;
    assert_eq!(
        s,
        vec![
            (f.bin_a.clone(), "holds_product".into(), d("9")),
            (c1.clone(), "holds_product".into(), d("2")),
            (c2.clone(), "empty_bin".into(), d("0")),
            (c3.clone(), "empty_bin".into(), d("0")),
        ],
        "{s:?}"
    );

    // A default bin comes first and is not listed twice.
    let r = put(
        app,
        "/api/v1/putaway/rules",
        t,
        &json!({"product_id": p, "location_id": c3}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["warehouse_id"], f.wh1.as_str());
    let s = suggest(&zone).await;
    assert_eq!(s[0], (c3.clone(), "default_bin".into(), d("0")));
    assert_eq!(s.iter().filter(|x| &x.0 == c3).count(), 1);
    assert_eq!(s.len(), 4, "{s:?}");
    // Setting it again replaces it.
    let r = put(
        app,
        "/api/v1/putaway/rules",
        t,
        &json!({"product_id": p, "location_id": c2}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(suggest(&zone).await[0].0, *c2);
    // A warehouse is not a default bin; unknown products are 404.
    let r = put(
        app,
        "/api/v1/putaway/rules",
        t,
        &json!({"product_id": p, "location_id": f.wh1}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let r = put(
        app,
        "/api/v1/putaway/rules",
        t,
        &json!({"product_id": uuid::Uuid::now_v7(), "location_id": c1}),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
}
