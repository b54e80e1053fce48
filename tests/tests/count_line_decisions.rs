//! Per-line decisions on a count session (`POST /api/v1/counts/{id}/decisions`):
//! approved lines post their adjustment, rejected lines post nothing and keep the
//! reason and the manager; all decisions of a call apply together or not at all;
//! a recount makes a rejected line decidable again; `Idempotency-Key` replays.

mod common;

use common::{add_user, d, dec, id, mv, on_hand, post_key, product, setup, Fixture};
use elevate_tests::{Resp, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

async fn count_line(app: &TestApp, token: &str, s: &str, loc: &str, p: &str, qty: i64, seq: i64) {
    let r = app
        .post(
            &format!("/api/v1/counts/{s}/lines"),
            Some(token),
            &json!({"location_id": loc, "product_id": p, "counted_qty": qty.to_string(),
                    "based_on_server_seq": seq}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
}

fn line<'a>(detail: &'a Resp, p: &str) -> &'a Value {
    detail.body["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["product_id"] == p)
        .unwrap_or_else(|| panic!("no line for {p}: {}", detail.text))
}

fn approve(loc: &str, p: &str) -> Value {
    json!({"location_id": loc, "product_id": p, "decision": "approve"})
}

fn reject(loc: &str, p: &str, reason: &str) -> Value {
    json!({"location_id": loc, "product_id": p, "decision": "reject", "reason": reason})
}

async fn moves_of(app: &TestApp, fx: &Fixture, p: &str) -> i64 {
    app.get(
        &format!("/api/v1/stock/moves?product_id={p}"),
        Some(&fx.token),
    )
    .await
    .body["total_count"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn lines_are_approved_or_rejected_one_by_one_and_rejected_lines_post_nothing() {
    let app = TestApp::spawn().await.unwrap();
    let slug = "count-decide";
    let fx = setup(&app, slug).await;
    let p = product(&app, &fx.token, "P-1").await;
    let q = product(&app, &fx.token, "Q-1").await;
    let z = product(&app, &fx.token, "R-1").await;
    for (prod, qty, bin) in [
        (&p, "20", &fx.bin_a),
        (&q, "5", &fx.bin_b),
        (&z, "8", &fx.bin_a),
    ] {
        let m = mv(
            &app,
            &fx.token,
            json!({"product_id": prod, "qty": qty, "from_location_id": fx.supplier,
                   "to_location_id": bin, "unit_cost": "3"}),
        )
        .await;
        assert_eq!(m.status, StatusCode::CREATED, "{}", m.text);
    }
    let s = app
        .post(
            "/api/v1/counts",
            Some(&fx.token),
            &json!({"kind": "spot", "warehouse_id": fx.wh1, "location_ids": [fx.bin_a, fx.bin_b],
                    "blind": false, "tolerance_qty": "0", "tolerance_pct": "0"}),
        )
        .await;
    assert_eq!(s.status, StatusCode::CREATED, "{}", s.text);
    let seq = s.body["snapshot_seq"].as_i64().unwrap();
    let s = id(&s);
    let (_, counter) = add_user(&app, &fx.token, slug, "counter", &["warehouse"]).await;
    count_line(&app, &counter, &s, &fx.bin_a, &p, 17, seq).await; // −3
    count_line(&app, &counter, &s, &fx.bin_b, &q, 6, seq).await; // +1
    count_line(&app, &counter, &s, &fx.bin_a, &z, 8, seq).await; // ±0
    let ask = app
        .post(
            &format!("/api/v1/counts/{s}/request-approval"),
            Some(&counter),
            &json!({}),
        )
        .await;
    assert_eq!(ask.status, StatusCode::OK, "{}", ask.text);
    let path = format!("/api/v1/counts/{s}/decisions");

    // Counters may not decide.
    let denied = app
        .post(
            &path,
            Some(&counter),
            &json!({"decisions": [approve(&fx.bin_a, &p)]}),
        )
        .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN, "{}", denied.text);

    // Refused before anything is written.
    for (body, why) in [
        (json!({"decisions": []}), "no line"),
        (
            json!({"decisions": [{"location_id": fx.bin_b, "product_id": q, "decision": "reject"}]}),
            "a rejection without a reason",
        ),
        (
            json!({"decisions": [reject(&fx.bin_b, &q, "  ")]}),
            "a blank reason",
        ),
        (
            json!({"decisions": [approve(&fx.bin_a, &p), approve(&fx.bin_a, &p)]}),
            "a line twice",
        ),
        (
            json!({"decisions": [approve(&fx.bin_b, &p)]}),
            "a line not counted",
        ),
    ] {
        let r = app.post(&path, Some(&fx.token), &body).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{why}: {}",
            r.text
        );
    }
    assert_eq!(on_hand(&app, &fx.token, &p, &fx.bin_a).await, d("20"));

    // Approve P, reject Q, in one call with an Idempotency-Key.
    let body = json!({"decisions": [approve(&fx.bin_a, &p), reject(&fx.bin_b, &q, "Box behind the shelf: recount")],
                      "reason_code": "damaged"});
    let first = post_key(&app, &path, &fx.token, Some("decide-1"), &body).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    assert_eq!(first.body["posted"].as_array().unwrap().len(), 1);
    assert_eq!(first.body["posted"][0]["product_id"], p.as_str());
    assert_eq!(first.body["rejected"].as_array().unwrap().len(), 1);
    let rejected = &first.body["rejected"][0];
    assert_eq!(rejected["product_id"], q.as_str());
    assert_eq!(rejected["state"], "rejected");
    assert_eq!(
        rejected["rejection"]["reason"],
        "Box behind the shelf: recount"
    );
    // R (nothing to adjust) still waits for a decision.
    let pending: Vec<&Value> = first.body["pending"].as_array().unwrap().iter().collect();
    assert_eq!(pending.len(), 1, "{}", first.text);
    assert_eq!(pending[0]["product_id"], z.as_str());
    assert_eq!(dec(&first.body["adjustment_value"]), d("-9"));
    let again = post_key(&app, &path, &fx.token, Some("decide-1"), &body).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text);
    assert_eq!(again.body, first.body);
    assert_eq!(
        again
            .headers
            .get("idempotent-replayed")
            .map(|v| v.to_str().unwrap()),
        Some("true")
    );

    // P moved once (−3, to inventory loss, reason code on the move); Q did not move.
    assert_eq!(on_hand(&app, &fx.token, &p, &fx.bin_a).await, d("17"));
    let move_id = first.body["posted"][0]["move_id"].as_str().unwrap();
    let m = app
        .get(&format!("/api/v1/stock/moves/{move_id}"), Some(&fx.token))
        .await;
    assert_eq!(m.body["to_location_id"], fx.loss.as_str());
    assert_eq!(m.body["reason"], "damaged");
    assert_eq!(on_hand(&app, &fx.token, &q, &fx.bin_b).await, d("5"));
    assert_eq!(moves_of(&app, &fx, &q).await, 1, "only the receipt");

    // The rejection is recorded with the reason and the manager, and shown on the line.
    let admin: Uuid = sqlx::query_scalar(
        "SELECT id FROM users WHERE tenant_id = $1 AND display_name <> 'counter'",
    )
    .bind(fx.tenant_id)
    .fetch_one(&app.db.owner)
    .await
    .unwrap();
    let (reason, by, adjustment): (String, Uuid, rust_decimal::Decimal) = sqlx::query_as(
        "SELECT reason, rejected_by_id, adjustment FROM count_line_rejections
          WHERE session_id = $1 AND product_id = $2",
    )
    .bind(Uuid::parse_str(&s).unwrap())
    .bind(Uuid::parse_str(&q).unwrap())
    .fetch_one(&app.db.owner)
    .await
    .unwrap();
    assert_eq!(reason, "Box behind the shelf: recount");
    assert_eq!(by, admin);
    assert_eq!(adjustment, d("1"));
    let detail = app
        .get(&format!("/api/v1/counts/{s}"), Some(&fx.token))
        .await;
    assert_eq!(line(&detail, &q)["state"], "rejected");
    assert_eq!(
        line(&detail, &q)["rejection"]["rejected_by"],
        admin.to_string()
    );
    assert_eq!(line(&detail, &p)["state"], "posted");

    // The counter's request was decided, with the reason.
    let decided: Value = sqlx::query_scalar(
        "SELECT data FROM events WHERE kind = 'approval.decided' AND subject_id = $1
          ORDER BY seq DESC LIMIT 1",
    )
    .bind(Uuid::parse_str(&s).unwrap())
    .fetch_one(&app.db.owner)
    .await
    .unwrap();
    assert_eq!(decided["decision"], "partly approved", "{decided}");
    assert_eq!(decided["rejected"], 1, "{decided}");
    assert_eq!(
        decided["reason"], "Box behind the shelf: recount",
        "{decided}"
    );
    let rejected_events: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM events WHERE kind = 'count.lines_rejected' AND subject_id = $1",
    )
    .bind(Uuid::parse_str(&s).unwrap())
    .fetch_one(&app.db.owner)
    .await
    .unwrap();
    assert_eq!(rejected_events, 1);

    // "Approve all" leaves the rejected line alone.
    let all = app
        .post(
            &format!("/api/v1/counts/{s}/approve"),
            Some(&fx.token),
            &json!({"all_over_tolerance": true}),
        )
        .await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.text);
    let posted: Vec<&Value> = all.body["posted"].as_array().unwrap().iter().collect();
    assert_eq!(posted.len(), 1, "{}", all.text);
    assert_eq!(posted[0]["product_id"], z.as_str());
    assert_eq!(on_hand(&app, &fx.token, &q, &fx.bin_b).await, d("5"));

    // Deciding a rejected or a posted line again is a conflict.
    for body in [
        json!({"decisions": [approve(&fx.bin_b, &q)]}),
        json!({"decisions": [reject(&fx.bin_a, &p, "too late")]}),
    ] {
        let r = app.post(&path, Some(&fx.token), &body).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    }

    // A recount reopens the rejected line.
    count_line(&app, &counter, &s, &fx.bin_b, &q, 7, seq).await;
    let detail = app
        .get(&format!("/api/v1/counts/{s}"), Some(&fx.token))
        .await;
    assert_eq!(line(&detail, &q)["state"], "agreed", "{}", detail.text);
    assert!(line(&detail, &q)["rejection"].is_null());
    // All or nothing: approving Q with a posted line in the same call posts nothing.
    let r = app
        .post(
            &path,
            Some(&fx.token),
            &json!({"decisions": [approve(&fx.bin_b, &q), approve(&fx.bin_a, &z)]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert_eq!(on_hand(&app, &fx.token, &q, &fx.bin_b).await, d("5"));
    let r = app
        .post(
            &path,
            Some(&fx.token),
            &json!({"decisions": [approve(&fx.bin_b, &q)]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(on_hand(&app, &fx.token, &q, &fx.bin_b).await, d("7"));

    // A closed session takes no decisions.
    let close = app
        .post(
            &format!("/api/v1/counts/{s}/close"),
            Some(&fx.token),
            &json!({}),
        )
        .await;
    assert_eq!(close.status, StatusCode::OK, "{}", close.text);
    let r = app
        .post(
            &path,
            Some(&fx.token),
            &json!({"decisions": [approve(&fx.bin_a, &z)]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
}
