//! Reorder rules and explained suggestions. The demand-driven suggestion is
//! checked number by number against values computed here, by hand, from the
//! ledger rows this test wrote (acceptance 6 of the inventory issue).

mod common;

use common::*;
use elevate_tests::TestApp;
use reqwest::StatusCode;
use rust_decimal::prelude::{FromPrimitive, ToPrimitive};
use rust_decimal::Decimal;
use serde_json::{json, Value};

/// Moves a ledger row's timestamp to noon UTC `days_ago` days back (as the
/// owner; the app role cannot rewrite the ledger).
async fn backdate(app: &TestApp, move_id: &str, days_ago: i32) {
    let n = sqlx::query(
        "UPDATE stock_moves SET created_at =
            (((now() AT TIME ZONE 'UTC')::date - $2::int)::timestamp + interval '12 hours') AT TIME ZONE 'UTC'
          WHERE id = $1::uuid",
    )
    .bind(move_id)
    .bind(days_ago)
    .execute(&app.db.owner)
    .await
    .unwrap()
    .rows_affected();
    assert_eq!(n, 1);
}

async fn utc_date(app: &TestApp, days_ago: i32) -> String {
    sqlx::query_scalar("SELECT ((now() AT TIME ZONE 'UTC')::date - $1::int)::text")
        .bind(days_ago)
        .fetch_one(&app.db.owner)
        .await
        .unwrap()
}

fn show(v: Decimal) -> String {
    v.normalize().to_string()
}

fn round_f(v: f64, dp: u32) -> Decimal {
    Decimal::from_f64(v).unwrap().round_dp(dp)
}

async fn suggestion_for(app: &TestApp, token: &str, rule: &str) -> Value {
    let r = app
        .get("/api/v1/reorder/suggestions?all=true", Some(token))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["rule_id"] == rule)
        .unwrap_or_else(|| panic!("no suggestion for rule {rule}: {}", r.text))
        .clone()
}

#[tokio::test]
async fn demand_driven_suggestion_shows_evidence_that_reproduces_by_hand() {
    let app = TestApp::spawn().await.unwrap();
    let f = setup(&app, "reorderer").await;
    let t = &f.token;
    let glove = product(&app, t, "GLOVE-L").await;
    let sup = supplier(&app, t, "SafetyFirst", "EUR", 5).await;
    let r = put(
        &app,
        &format!("/api/v1/suppliers/{sup}/products"),
        t,
        &json!({"product_id": glove, "unit_price": "4", "min_order_qty": "10", "pack_size": "6", "lead_time_days": 7}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);

    mv(
        &app,
        t,
        json!({"product_id": glove, "qty": "80", "from_location_id": f.supplier, "to_location_id": f.bin_a, "unit_cost": "3"}),
    )
    .await;
    // Sales to customers on given days; the one 30 days back is outside a 30-day window.
    let sales: [(i32, i64); 12] = [
        (0, 4),
        (1, 6),
        (2, 3),
        (4, 8),
        (6, 2),
        (9, 5),
        (13, 7),
        (17, 1),
        (21, 9),
        (25, 3),
        (29, 2),
        (30, 11),
    ];
    for (days_ago, qty) in sales {
        let r = mv(
            &app,
            t,
            json!({"product_id": glove, "qty": qty.to_string(), "from_location_id": f.bin_a, "to_location_id": f.customer}),
        )
        .await;
        if days_ago > 0 {
            backdate(&app, &id(&r), days_ago).await;
        }
    }
    // Breakage is not demand.
    mv(
        &app,
        t,
        json!({"product_id": glove, "qty": "5", "from_location_id": f.bin_a, "to_location_id": f.loss}),
    )
    .await;
    let r = app
        .post(
            "/api/v1/stock/reservations",
            Some(t),
            &json!({"product_id": glove, "qty": "4", "reference": "SO-1"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    // 6 more on a confirmed order count as incoming.
    let r = app
        .post(
            "/api/v1/purchase-orders",
            Some(t),
            &json!({"supplier_id": sup, "location_id": f.wh1, "lines": [{"product_id": glove, "qty": "6"}]}),
        )
        .await;
    let open_po = id(&r);
    app.post(
        &format!("/api/v1/purchase-orders/{open_po}/confirm"),
        Some(t),
        &json!({}),
    )
    .await;

    let r = put(
        &app,
        "/api/v1/reorder/rules",
        t,
        &json!({"product_id": glove, "warehouse_id": f.wh1, "method": "demand",
                "demand_window_days": 30, "service_level": "0.95", "cover_days": 14}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let rule = id(&r);
    assert_eq!(r.body["below_point"], false);
    assert_eq!(events(&app, f.tenant_id, "reorder.suggested").await, 0);

    // The next sale crosses the reorder point: one event. Another: no second event.
    for _ in 0..2 {
        mv(
            &app,
            t,
            json!({"product_id": glove, "qty": "1", "from_location_id": f.bin_a, "to_location_id": f.customer}),
        )
        .await;
        assert_eq!(events(&app, f.tenant_id, "reorder.suggested").await, 1);
    }

    // By hand, from the rows written above.
    let mut daily = [0f64; 30];
    for (days_ago, qty) in sales {
        if days_ago < 30 {
            daily[29 - days_ago as usize] += qty as f64;
        }
    }
    daily[29] += 2.0; // the two sales just made
    let total: f64 = daily.iter().sum();
    assert_eq!(total, 52.0);
    let mean = total / 30.0;
    let var = daily.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / 29.0;
    let avg = round_f(mean, 4);
    let sd = round_f(var.sqrt(), 4);
    let z = d("1.6449"); // standard normal table, 95 %
    let sqrt_lt = round_f(7f64.sqrt(), 4);
    let lead_demand = (avg * d("7")).round_dp(2);
    let safety = (z * sd * sqrt_lt).round_dp(2);
    let rop = lead_demand + safety;
    let target = rop + (avg * d("14")).round_dp(2);
    let on_hand = d("80") - d("52") - d("11") - d("5");
    let position = on_hand - d("4") + d("6");
    assert!(position <= rop, "fixture must be below its reorder point");
    let need = target - position;
    let packs = (need.max(d("10")) / d("6")).ceil();
    let qty = packs * d("6");

    let s = suggestion_for(&app, t, &rule).await;
    assert_eq!(dec(&s["on_hand"]), on_hand, "{s}");
    assert_eq!(dec(&s["on_hand"]), d("12"));
    assert_eq!(dec(&s["reserved"]), d("4"));
    assert_eq!(dec(&s["incoming"]), d("6"));
    assert_eq!(dec(&s["position"]), position);
    assert_eq!(s["demand"]["window_days"], 30);
    assert_eq!(s["demand"]["from"], utc_date(&app, 29).await);
    assert_eq!(s["demand"]["to"], utc_date(&app, 0).await);
    assert_eq!(dec(&s["demand"]["total"]), d("52"));
    assert_eq!(dec(&s["demand"]["avg_daily"]), avg);
    assert_eq!(dec(&s["demand"]["std_dev_daily"]), sd);
    assert_eq!(s["lead_time_days"], 7);
    assert_eq!(dec(&s["service_level"]), d("0.95"));
    assert_eq!(dec(&s["z"]), z);
    assert_eq!(dec(&s["safety_stock"]), safety);
    assert_eq!(dec(&s["reorder_point"]), rop);
    assert_eq!(dec(&s["target_level"]), target);
    assert_eq!(dec(&s["suggested_qty"]), qty);
    assert_eq!(s["supplier"]["id"], sup);
    assert_eq!(s["supplier"]["name"], "SafetyFirst");
    assert_eq!(dec(&s["supplier"]["pack_size"]), d("6"));
    let formula = s["formula"].as_str().unwrap();
    let expected_rop = format!(
        "= {} × 7 + 1.6449 × {} × {} = {} + {} = {}",
        show(avg),
        show(sd),
        show(sqrt_lt),
        show(lead_demand),
        show(safety),
        show(rop)
    );
    assert!(
        formula.contains(&expected_rop),
        "{formula}\nlacks {expected_rop}"
    );
    assert!(
        formula.contains(&format!("= 12 − 4 + 6 = {}", show(position))),
        "{formula}"
    );
    assert!(formula.ends_with(&format!("→ {}", show(qty))), "{formula}");
    // Sanity of the hand computation itself.
    assert!(sd.to_f64().unwrap() > 2.0 && sd.to_f64().unwrap() < 3.5);

    // Approving makes one draft order for the supplier; a retry returns it again.
    let body = json!({"items": [{"rule_id": rule}]});
    let a1 = post_key(
        &app,
        "/api/v1/reorder/suggestions/approve",
        t,
        Some("ap-1"),
        &body,
    )
    .await;
    assert_eq!(a1.status, StatusCode::CREATED, "{}", a1.text);
    let orders = a1.body.as_array().unwrap();
    assert_eq!(orders.len(), 1);
    assert_eq!(orders[0]["supplier_id"], sup);
    assert_eq!(orders[0]["location_id"], f.wh1);
    assert_eq!(orders[0]["status"], "draft");
    assert_eq!(orders[0]["source"], "reorder");
    assert_eq!(dec(&orders[0]["lines"][0]["qty"]), qty);
    assert_eq!(dec(&orders[0]["lines"][0]["unit_price"]), d("4"));
    let a2 = post_key(
        &app,
        "/api/v1/reorder/suggestions/approve",
        t,
        Some("ap-1"),
        &body,
    )
    .await;
    assert_eq!(a2.body, a1.body);
    let drafts = app
        .get("/api/v1/purchase-orders?status=draft", Some(t))
        .await;
    assert_eq!(drafts.body["total_count"], 1);

    // Restocked above the point (flag resets, no event), then sold down again: a second event.
    mv(
        &app,
        t,
        json!({"product_id": glove, "qty": "200", "from_location_id": f.supplier, "to_location_id": f.bin_a}),
    )
    .await;
    assert_eq!(events(&app, f.tenant_id, "reorder.suggested").await, 1);
    let r = app
        .get(&format!("/api/v1/reorder/rules/{rule}"), Some(t))
        .await;
    assert_eq!(r.body["below_point"], false);
    mv(
        &app,
        t,
        json!({"product_id": glove, "qty": "200", "from_location_id": f.bin_a, "to_location_id": f.customer}),
    )
    .await;
    assert_eq!(events(&app, f.tenant_id, "reorder.suggested").await, 2);
}

#[tokio::test]
async fn min_max_rules_order_up_to_max_and_approval_needs_a_supplier() {
    let app = TestApp::spawn().await.unwrap();
    let f = setup(&app, "minmax").await;
    let t = &f.token;
    let p = product(&app, t, "TAPE").await;
    let bad = put(
        &app,
        "/api/v1/reorder/rules",
        t,
        &json!({"product_id": p, "warehouse_id": f.wh1, "method": "min_max", "min_qty": "10"}),
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let bin = put(
        &app,
        "/api/v1/reorder/rules",
        t,
        &json!({"product_id": p, "warehouse_id": f.bin_a, "method": "min_max", "min_qty": "10", "max_qty": "50"}),
    )
    .await;
    assert_eq!(bin.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bin.body["error"]["details"]["field"], "warehouse_id");
    let r = put(
        &app,
        "/api/v1/reorder/rules",
        t,
        &json!({"product_id": p, "warehouse_id": f.wh1, "method": "min_max", "min_qty": "10", "max_qty": "50"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let rule = id(&r);
    mv(
        &app,
        t,
        json!({"product_id": p, "qty": "8", "from_location_id": f.supplier, "to_location_id": f.bin_a}),
    )
    .await;
    let s = suggestion_for(&app, t, &rule).await;
    assert_eq!(dec(&s["reorder_point"]), d("10"));
    assert_eq!(dec(&s["suggested_qty"]), d("42"));
    assert!(s["demand"].is_null());
    assert!(s["supplier"].is_null());
    // Only rules with something to order are listed by default.
    let listed = app.get("/api/v1/reorder/suggestions", Some(t)).await;
    assert_eq!(listed.body["total_count"], 1);
    let r = app
        .post(
            "/api/v1/reorder/suggestions/approve",
            Some(t),
            &json!({"items": [{"rule_id": rule}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("no supplier"));

    let r = app
        .call(
            reqwest::Method::DELETE,
            &format!("/api/v1/reorder/rules/{rule}"),
            Some(t),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let listed = app.get("/api/v1/reorder/suggestions", Some(t)).await;
    assert_eq!(listed.body["total_count"], 0);
}

/// A rule whose product is already below its point when nothing moves (the rule
/// was set up on low stock, or demand-driven figures changed with time) is
/// caught by the daily sweep, once per crossing, per tenant.
#[tokio::test]
async fn the_daily_sweep_raises_suggestions_that_no_move_triggered() {
    use elevate_backend::worker::schedules::sweep_reorder;
    let app = TestApp::spawn().await.unwrap();
    let f = setup(&app, "sweep").await;
    let g = setup(&app, "sweep-other").await;
    let t = &f.token;
    let p = product(&app, t, "GLUE").await;
    mv(
        &app,
        t,
        json!({"product_id": p, "qty": "3", "from_location_id": f.supplier, "to_location_id": f.bin_a}),
    )
    .await;
    let rule = |fx: &Fixture, p: String| {
        let body = json!({"product_id": p, "warehouse_id": fx.wh1, "method": "min_max", "min_qty": "10", "max_qty": "40"});
        let token = fx.token.clone();
        let app = &app;
        async move {
            let r = put(app, "/api/v1/reorder/rules", &token, &body).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
            id(&r)
        }
    };
    rule(&f, p.clone()).await;
    // The other tenant's rule is above its point: swept, nothing raised.
    let q = product(&app, &g.token, "GLUE").await;
    mv(
        &app,
        &g.token,
        json!({"product_id": q, "qty": "30", "from_location_id": g.supplier, "to_location_id": g.bin_a}),
    )
    .await;
    rule(&g, q).await;
    assert_eq!(events(&app, f.tenant_id, "reorder.suggested").await, 0);

    let now = chrono::Utc::now();
    let (swept, raised) = sweep_reorder(&app.state.db, now).await.unwrap();
    assert_eq!((swept, raised), (2, 1));
    assert_eq!(events(&app, f.tenant_id, "reorder.suggested").await, 1);
    assert_eq!(events(&app, g.tenant_id, "reorder.suggested").await, 0);
    // Just evaluated: nothing is stale.
    assert_eq!(sweep_reorder(&app.state.db, now).await.unwrap(), (0, 0));
    // A day later both are swept again, and the crossing is not raised twice.
    let later = now + chrono::Duration::days(1) + chrono::Duration::minutes(5);
    assert_eq!(sweep_reorder(&app.state.db, later).await.unwrap(), (2, 0));
    assert_eq!(events(&app, f.tenant_id, "reorder.suggested").await, 1);
}
