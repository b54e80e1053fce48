//! Count sessions and pick lists end to end: counts against snapshots while
//! stock moves, recounts, double-blind and split-zone reconciliation, approval
//! into adjustment moves with valuation, blind mode, cycle counts, a randomized
//! offline run through the sync push, and a wave walked in path order.

use std::collections::HashMap;
use std::str::FromStr;

use elevate_tests::{Resp, TestApp};
use reqwest::StatusCode;
use rust_decimal::Decimal;
use serde_json::{json, Value};
use uuid::Uuid;

fn dec(v: &Value) -> Decimal {
    Decimal::from_str(v.as_str().unwrap_or_else(|| panic!("not a decimal: {v}"))).unwrap()
}

fn d(v: i64) -> Decimal {
    Decimal::from(v)
}

fn id(r: &Resp) -> String {
    r.body["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id: {}", r.text))
        .to_owned()
}

async fn created(app: &TestApp, token: &str, path: &str, body: Value) -> String {
    let r = app.post(path, Some(token), &body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{path}: {}", r.text);
    id(&r)
}

struct Fx {
    token: String,
    wh: String,
    bins: Vec<String>,
    supplier: String,
    loss: String,
}

/// A warehouse with zones A and B and bins A/01, A/02, B/01, B/02 (created out of order).
async fn setup(app: &TestApp, slug: &str) -> Fx {
    let t = app.sign_up(slug).await.token;
    let loc = |body: Value| {
        let t = t.clone();
        async move { created(app, &t, "/api/v1/locations", body).await }
    };
    let wh = loc(json!({"kind": "warehouse", "code": "WH", "name": "Main"})).await;
    let zb = loc(json!({"kind": "zone", "parent_id": wh, "code": "B", "name": "B"})).await;
    let za = loc(json!({"kind": "zone", "parent_id": wh, "code": "A", "name": "A"})).await;
    let b02 = loc(json!({"kind": "bin", "parent_id": zb, "code": "02", "name": "B-02"})).await;
    let a02 = loc(json!({"kind": "bin", "parent_id": za, "code": "02", "name": "A-02"})).await;
    let b01 = loc(json!({"kind": "bin", "parent_id": zb, "code": "01", "name": "B-01"})).await;
    let a01 = loc(json!({"kind": "bin", "parent_id": za, "code": "01", "name": "A-01"})).await;
    let all = app.get("/api/v1/locations?limit=100", Some(&t)).await;
    let virt = |kind: &str| {
        all.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["kind"] == kind)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    Fx {
        supplier: virt("supplier"),
        loss: virt("inventory_loss"),
        token: t,
        wh,
        bins: vec![a01, a02, b01, b02],
    }
}

async fn product(app: &TestApp, fx: &Fx, sku: &str, cost: &str) -> String {
    created(
        app,
        &fx.token,
        "/api/v1/products",
        json!({"sku": sku, "name": sku, "cost": cost}),
    )
    .await
}

async fn mv(app: &TestApp, fx: &Fx, p: &str, qty: i64, from: &str, to: &str) -> Value {
    let r = app
        .post(
            "/api/v1/stock/moves",
            Some(&fx.token),
            &json!({"product_id": p, "qty": qty.to_string(), "from_location_id": from, "to_location_id": to}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.body
}

async fn on_hand(app: &TestApp, fx: &Fx, p: &str, loc: &str) -> Decimal {
    let r = app
        .get(
            &format!("/api/v1/stock/quants?product_id={p}&location_id={loc}"),
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

async fn ledger_seq(app: &TestApp, fx: &Fx) -> i64 {
    let r = app.get("/api/v1/sync/pull?limit=1", Some(&fx.token)).await;
    r.body["ledger_seq"].as_i64().unwrap()
}

async fn open(app: &TestApp, fx: &Fx, body: Value) -> String {
    created(app, &fx.token, "/api/v1/counts", body).await
}

async fn count(
    app: &TestApp,
    token: &str,
    session: &str,
    (loc, p): (&str, &str),
    qty: i64,
    seq: i64,
    at: &str,
) -> Resp {
    app.post(
        &format!("/api/v1/counts/{session}/lines"),
        Some(token),
        &json!({"location_id": loc, "product_id": p, "counted_qty": qty.to_string(),
                "based_on_server_seq": seq, "counted_at": at}),
    )
    .await
}

async fn add_user(app: &TestApp, fx: &Fx, slug: &str, name: &str, roles: &[&str]) -> String {
    let email = format!("{name}@{slug}.example");
    let r = app
        .post(
            "/api/v1/users",
            Some(&fx.token),
            &json!({"email": email, "display_name": name,
                    "password": elevate_tests::server::TEST_PASSWORD, "roles": roles}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    app.login(slug, &email, elevate_tests::server::TEST_PASSWORD)
        .await
}

/// Acceptance 5: approval posts the right adjustment moves with their value;
/// variances over tolerance that are not approved post nothing.
#[tokio::test]
async fn approving_variances_posts_adjustments_with_value_and_unapproved_post_nothing() {
    let app = TestApp::spawn().await.unwrap();
    let fx = setup(&app, "count-approve").await;
    let p = product(&app, &fx, "P-1", "3").await;
    let q = product(&app, &fx, "Q-1", "10").await;
    let (a01, a02) = (&fx.bins[0], &fx.bins[1]);
    mv(&app, &fx, &p, 20, &fx.supplier, a01).await;
    mv(&app, &fx, &q, 5, &fx.supplier, a02).await;
    let s = open(
        &app,
        &fx,
        json!({"kind": "spot", "warehouse_id": fx.wh, "location_ids": [a01, a02],
               "tolerance_qty": "1"}),
    )
    .await;
    let seq = ledger_seq(&app, &fx).await;
    // P: 20 expected, counted 17 (3 missing: over tolerance).
    let r = count(
        &app,
        &fx.token,
        &s,
        (a01, &p),
        17,
        seq,
        "2026-11-25T09:00:00Z",
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    // While counting, 4 more of P arrive at A-01: they must be kept.
    mv(&app, &fx, &p, 4, &fx.supplier, a01).await;
    // Q: 5 expected, counted 6 (within tolerance 1).
    count(
        &app,
        &fx.token,
        &s,
        (a02, &q),
        6,
        seq,
        "2026-11-25T09:01:00Z",
    )
    .await;

    let detail = app
        .get(&format!("/api/v1/counts/{s}"), Some(&fx.token))
        .await;
    let lines = detail.body["lines"].as_array().unwrap().clone();
    let line = |prod: &str| {
        lines
            .iter()
            .find(|l| l["product_id"] == prod)
            .unwrap()
            .clone()
    };
    assert_eq!(dec(&line(&p)["variance_qty"]), d(-3));
    assert_eq!(dec(&line(&p)["variance_value"]), d(-9));
    assert_eq!(line(&p)["within_tolerance"], false);
    assert_eq!(dec(&line(&q)["variance_qty"]), d(1));
    assert_eq!(line(&q)["within_tolerance"], true);

    // Approving without listing the P line posts only Q (within tolerance).
    let r = app
        .post(
            &format!("/api/v1/counts/{s}/approve"),
            Some(&fx.token),
            &json!({"reason_code": "found"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["posted"].as_array().unwrap().len(), 1);
    assert_eq!(r.body["pending"].as_array().unwrap().len(), 1);
    assert_eq!(on_hand(&app, &fx, &q, a02).await, d(6));
    assert_eq!(
        on_hand(&app, &fx, &p, a01).await,
        d(24),
        "unapproved: nothing posted"
    );
    let moves = app
        .get(
            &format!("/api/v1/stock/moves?product_id={p}"),
            Some(&fx.token),
        )
        .await;
    assert_eq!(moves.body["total_count"], 2, "no adjustment move for P yet");

    // Approving P posts −3 to inventory loss, valued from its FIFO layer (3 × 3).
    let r = app
        .post(
            &format!("/api/v1/counts/{s}/approve"),
            Some(&fx.token),
            &json!({"lines": [{"location_id": a01, "product_id": p, "lot_id": null}],
                    "reason_code": "damaged"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let posted = &r.body["posted"][0];
    assert_eq!(dec(&posted["variance_value"]), d(-9));
    let move_id = posted["move_id"].as_str().unwrap();
    let m = app
        .get(&format!("/api/v1/stock/moves/{move_id}"), Some(&fx.token))
        .await;
    assert_eq!(m.body["from_location_id"], a01.as_str());
    assert_eq!(m.body["to_location_id"], fx.loss.as_str());
    assert_eq!(dec(&m.body["qty"]), d(3));
    assert_eq!(dec(&m.body["value"]), d(9));
    assert_eq!(m.body["reason"], "damaged");
    // 20 + 4 arrived during the count − 3 missing.
    assert_eq!(on_hand(&app, &fx, &p, a01).await, d(21));
    let val = app.get("/api/v1/stock/valuation", Some(&fx.token)).await;
    let value_of = |prod: &str| {
        val.body["lines"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["product_id"] == prod)
            .map(|l| dec(&l["value"]))
            .unwrap()
    };
    assert_eq!(value_of(&p), d(63)); // 21 × 3
    assert_eq!(value_of(&q), d(60)); // 6 × 10

    // Approving again posts nothing more.
    let r = app
        .post(
            &format!("/api/v1/counts/{s}/approve"),
            Some(&fx.token),
            &json!({"all_over_tolerance": true}),
        )
        .await;
    assert_eq!(r.body["posted"], json!([]), "{}", r.text);
    assert_eq!(on_hand(&app, &fx, &p, a01).await, d(21));
    let events = app
        .get("/api/v1/events?kind=count.approved", Some(&fx.token))
        .await;
    assert!(events.text.contains("count.approved"), "{}", events.text);
}

#[tokio::test]
async fn recounts_replace_and_counters_are_compared_or_summed() {
    let app = TestApp::spawn().await.unwrap();
    let fx = setup(&app, "count-modes").await;
    let p = product(&app, &fx, "P-2", "1").await;
    let a01 = &fx.bins[0];
    mv(&app, &fx, &p, 10, &fx.supplier, a01).await;
    let other = add_user(&app, &fx, "count-modes", "sam", &["warehouse"]).await;

    // Double-blind: the counter sees no expected quantities.
    let s = open(
        &app,
        &fx,
        json!({"kind": "full", "warehouse_id": fx.wh, "mode": "compare"}),
    )
    .await;
    let seq = ledger_seq(&app, &fx).await;
    count(
        &app,
        &fx.token,
        &s,
        (a01, &p),
        9,
        seq,
        "2026-11-25T09:00:00Z",
    )
    .await;
    let r = count(&app, &other, &s, (a01, &p), 7, seq, "2026-11-25T09:00:00Z").await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let seen = app.get(&format!("/api/v1/counts/{s}"), Some(&other)).await;
    assert_eq!(
        seen.body["lines"][0]["expected_qty"],
        Value::Null,
        "{}",
        seen.text
    );
    assert_eq!(seen.body["lines"][0]["state"], "disagree");
    // The second counter recounts (an earlier-timestamped line arriving late does
    // not win over it).
    count(&app, &other, &s, (a01, &p), 9, seq, "2026-11-25T09:10:00Z").await;
    count(&app, &other, &s, (a01, &p), 5, seq, "2026-11-25T08:59:00Z").await;
    let seen = app
        .get(&format!("/api/v1/counts/{s}"), Some(&fx.token))
        .await;
    assert_eq!(seen.body["lines"][0]["state"], "agreed", "{}", seen.text);
    assert_eq!(seen.body["lines"][0]["counters"], 2);
    assert_eq!(dec(&seen.body["lines"][0]["variance_qty"]), d(-1));
    let r = app
        .post(
            &format!("/api/v1/counts/{s}/close"),
            Some(&fx.token),
            &json!({}),
        )
        .await;
    assert_eq!(r.body["status"], "closed", "{}", r.text);
    let late = count(&app, &other, &s, (a01, &p), 9, seq, "2026-11-25T09:20:00Z").await;
    assert_eq!(late.status, StatusCode::CONFLICT, "{}", late.text);
    assert_eq!(
        on_hand(&app, &fx, &p, a01).await,
        d(10),
        "closed unapproved: nothing posted"
    );

    // Split zones: two counters' parts add up.
    let s = open(
        &app,
        &fx,
        json!({"kind": "spot", "warehouse_id": fx.wh, "location_ids": [a01], "mode": "sum",
               "tolerance_pct": "50"}),
    )
    .await;
    let seq = ledger_seq(&app, &fx).await;
    count(
        &app,
        &fx.token,
        &s,
        (a01, &p),
        6,
        seq,
        "2026-11-25T10:00:00Z",
    )
    .await;
    count(&app, &other, &s, (a01, &p), 5, seq, "2026-11-25T10:00:00Z").await;
    let r = app
        .post(
            &format!("/api/v1/counts/{s}/approve"),
            Some(&fx.token),
            &json!({}),
        )
        .await;
    assert_eq!(r.body["posted"].as_array().unwrap().len(), 1, "{}", r.text);
    assert_eq!(on_hand(&app, &fx, &p, a01).await, d(11));
}

#[tokio::test]
async fn a_cycle_count_picks_the_products_whose_class_is_due() {
    let app = TestApp::spawn().await.unwrap();
    let fx = setup(&app, "count-cycle").await;
    let big = product(&app, &fx, "BIG", "100").await;
    let small = product(&app, &fx, "SMALL", "1").await;
    mv(&app, &fx, &big, 10, &fx.supplier, &fx.bins[0]).await;
    mv(&app, &fx, &small, 10, &fx.supplier, &fx.bins[1]).await;
    let r = app
        .post(
            "/api/v1/counts",
            Some(&fx.token),
            &json!({"kind": "cycle", "warehouse_id": fx.wh,
                    "cycle": {"basis": "value", "a_share_pct": "80", "b_share_pct": "95"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let classes: HashMap<String, String> = r.body["abc"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["product_id"].as_str().unwrap().to_owned(),
                a["class"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(classes[&big], "A");
    assert_eq!(classes[&small], "C");
    // Never counted: both are due.
    assert_eq!(r.body["product_ids"].as_array().unwrap().len(), 2);
    let s = id(&r);
    let seq = ledger_seq(&app, &fx).await;
    count(
        &app,
        &fx.token,
        &s,
        (&fx.bins[0], &big),
        10,
        seq,
        "2026-11-25T10:00:00Z",
    )
    .await;
    count(
        &app,
        &fx.token,
        &s,
        (&fx.bins[1], &small),
        10,
        seq,
        "2026-11-25T10:00:00Z",
    )
    .await;
    app.post(
        &format!("/api/v1/counts/{s}/approve"),
        Some(&fx.token),
        &json!({}),
    )
    .await;
    // Just counted: nothing is due any more.
    let r = app
        .post(
            "/api/v1/counts",
            Some(&fx.token),
            &json!({"kind": "cycle", "warehouse_id": fx.wh}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
}

/// A small deterministic generator (no extra dependencies).
struct Rng(u64);
impl Rng {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n.max(1)
    }
}

/// The end-to-end companion of the in-process property test (domain::count):
/// 30 random runs against the real server. Counters on phones count bins while
/// other moves happen and shrinkage waits to be found; their count lines are
/// pushed in random order, duplicated and retried; after approval every bin
/// holds its physical truth and each line was stored once.
#[tokio::test]
async fn randomized_offline_counts_through_the_sync_push_end_at_physical_truth() {
    let app = TestApp::spawn().await.unwrap();
    let fx = setup(&app, "count-random").await;
    let slug = "count-random";
    let mut counters: Vec<(String, String)> = Vec::new(); // (token, device)
    for i in 0..5 {
        let token = if i == 0 {
            fx.token.clone()
        } else {
            add_user(&app, &fx, slug, &format!("counter{i}"), &["warehouse"]).await
        };
        let dev = created(
            &app,
            &token,
            "/api/v1/devices",
            json!({"name": format!("phone {i}")}),
        )
        .await;
        counters.push((token, dev));
    }
    let mut seqs = vec![0i64; counters.len()];
    for run in 0..30u64 {
        let mut rng = Rng(run * 7919 + 13);
        let p = product(&app, &fx, &format!("R-{run}"), "2").await;
        let k = 1 + rng.next(5) as usize;
        let bins = &fx.bins;
        // Initial stock and the truth.
        let mut truth: Vec<i64> = Vec::new();
        for b in bins {
            let q = 5 + rng.next(20) as i64;
            mv(&app, &fx, &p, q, &fx.supplier, b).await;
            truth.push(q);
        }
        // Unrecorded losses before the count, for the count to find.
        for t in truth.iter_mut() {
            *t -= rng.next(3) as i64;
        }
        let s = open(
            &app,
            &fx,
            json!({"kind": "spot", "warehouse_id": fx.wh, "product_ids": [p]}),
        )
        .await;
        let mut ops: Vec<(usize, Value)> = Vec::new();
        let mut minute = 0;
        for _ in 0..(4 + rng.next(10)) {
            if rng.next(3) == 0 {
                // A recorded move between two bins while counting goes on.
                let (f, t) = (rng.next(4) as usize, rng.next(4) as usize);
                let qty = (1 + rng.next(3) as i64).min(truth[f]);
                if f != t && qty > 0 {
                    mv(&app, &fx, &p, qty, &bins[f], &bins[t]).await;
                    truth[f] -= qty;
                    truth[t] += qty;
                }
            } else {
                let c = rng.next(k as u64) as usize;
                let b = rng.next(4) as usize;
                let seq = ledger_seq(&app, &fx).await;
                seqs[c] += 1;
                minute += 1;
                ops.push((
                    c,
                    json!({"op_id": Uuid::now_v7(), "device_id": counters[c].1,
                           "device_seq": seqs[c], "kind": "count_line",
                           "created_at": "2026-11-25T10:00:00Z",
                           "payload": {"session_id": s, "location_id": bins[b], "product_id": p,
                                       "counted_qty": truth[b].to_string(),
                                       "based_on_server_seq": seq,
                                       "counted_at": format!("2026-11-25T10:{:02}:00Z", minute % 60)}}),
                ));
            }
        }
        // Push per counter in random order, with duplicates and a retried batch.
        for _attempt in 0..2 {
            for (c, (token, device)) in counters.iter().enumerate().take(k) {
                let mut mine: Vec<Value> = ops
                    .iter()
                    .filter(|(o, _)| *o == c)
                    .map(|(_, v)| v.clone())
                    .collect();
                if mine.is_empty() {
                    continue;
                }
                for i in (1..mine.len()).rev() {
                    mine.swap(i, rng.next(i as u64 + 1) as usize);
                }
                let dup = mine[rng.next(mine.len() as u64) as usize].clone();
                mine.push(dup);
                let r = app
                    .post(
                        "/api/v1/sync/push",
                        Some(token),
                        &json!({"device_id": device, "ops": mine}),
                    )
                    .await;
                assert_eq!(r.status, StatusCode::OK, "{}", r.text);
                assert_eq!(r.body["rejected"], 0, "{}", r.text);
            }
        }
        let stored: i64 =
            sqlx::query_scalar("SELECT count(*) FROM count_entries WHERE session_id = $1::uuid")
                .bind(&s)
                .fetch_one(&app.db.owner)
                .await
                .unwrap();
        assert_eq!(stored, ops.len() as i64, "run {run}: each line stored once");
        let r = app
            .post(
                &format!("/api/v1/counts/{s}/approve"),
                Some(&fx.token),
                &json!({"all_over_tolerance": true}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["pending"], json!([]), "run {run}: {}", r.text);
        let counted: Vec<usize> = ops
            .iter()
            .map(|(_, v)| {
                let loc = v["payload"]["location_id"].as_str().unwrap();
                bins.iter().position(|b| b == loc).unwrap()
            })
            .collect();
        for (b, bin) in bins.iter().enumerate() {
            let have = on_hand(&app, &fx, &p, bin).await;
            if counted.contains(&b) {
                assert_eq!(have, d(truth[b]), "run {run}, bin {b}");
            }
        }
    }
}

/// Acceptance 4: a wave's lines come in location-path order and walking it
/// (scan location, scan product, confirm) moves everything to the output bin;
/// a short pick needs a reason and leaves a backorder.
#[tokio::test]
async fn a_seeded_wave_is_walked_in_location_path_order() {
    let app = TestApp::spawn().await.unwrap();
    let fx = setup(&app, "pick-wave").await;
    let out = created(
        &app,
        &fx.token,
        "/api/v1/locations",
        json!({"kind": "bin", "parent_id": fx.wh, "code": "ZZ-OUT", "name": "Packing"}),
    )
    .await;
    // Stock seeded so that order lines and their bins are in no particular order.
    let p1 = product(&app, &fx, "PK-1", "1").await;
    let p2 = product(&app, &fx, "PK-2", "1").await;
    let p3 = product(&app, &fx, "PK-3", "1").await;
    let (a01, a02, b01, b02) = (&fx.bins[0], &fx.bins[1], &fx.bins[2], &fx.bins[3]);
    mv(&app, &fx, &p1, 5, &fx.supplier, b02).await;
    mv(&app, &fx, &p2, 5, &fx.supplier, a01).await;
    mv(&app, &fx, &p3, 2, &fx.supplier, b01).await;
    mv(&app, &fx, &p3, 2, &fx.supplier, a02).await;
    let r = app
        .post(
            "/api/v1/pick-lists",
            Some(&fx.token),
            &json!({"warehouse_id": fx.wh, "output_location_id": out, "lines": [
                {"order_ref": "SO-1/1", "product_id": p1, "qty": "3"},
                {"order_ref": "SO-1/2", "product_id": p2, "qty": "2"},
                {"order_ref": "SO-2/1", "product_id": p3, "qty": "4"},
            ]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let list = id(&r);
    let lines = r.body["lines"].as_array().unwrap().clone();
    let paths: Vec<&str> = lines
        .iter()
        .map(|l| l["location_path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["WH/A/01", "WH/A/02", "WH/B/01", "WH/B/02"]);
    let mut sorted = paths.clone();
    sorted.sort();
    assert_eq!(paths, sorted);
    let walk: Vec<i64> = lines
        .iter()
        .map(|l| l["walk_seq"].as_i64().unwrap())
        .collect();
    assert_eq!(walk, [1, 2, 3, 4]);

    // Scanning the wrong bin is refused.
    let first = &lines[0];
    let wrong = app
        .post(
            &format!("/api/v1/pick-lists/{list}/lines/{}/confirm", first["id"].as_str().unwrap()),
            Some(&fx.token),
            &json!({"location_id": b02, "product_id": first["product_id"], "picked_qty": first["qty"]}),
        )
        .await;
    assert_eq!(
        wrong.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        wrong.text
    );

    // Walk it: all but the last line through REST, the last as a phone's sync op,
    // short by one with a reason.
    let device = created(
        &app,
        &fx.token,
        "/api/v1/devices",
        json!({"name": "picker"}),
    )
    .await;
    for (i, l) in lines.iter().enumerate() {
        let line_id = l["id"].as_str().unwrap();
        if i + 1 < lines.len() {
            let r = app
                .post(
                    &format!("/api/v1/pick-lists/{list}/lines/{line_id}/confirm"),
                    Some(&fx.token),
                    &json!({"location_id": l["location_id"], "product_id": l["product_id"],
                            "picked_qty": l["qty"]}),
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
            assert_eq!(r.body["status"], "picked");
        } else {
            let qty = dec(&l["qty"]) - Decimal::ONE;
            let no_reason = app
                .post(
                    "/api/v1/sync/push",
                    Some(&fx.token),
                    &json!({"device_id": device, "ops": [{"op_id": Uuid::now_v7(), "device_id": device,
                        "device_seq": 1, "kind": "pick_confirm", "created_at": "2026-11-25T10:00:00Z",
                        "payload": {"pick_line_id": line_id, "location_id": l["location_id"],
                                    "product_id": l["product_id"], "picked_qty": qty.to_string()}}]}),
                )
                .await;
            assert_eq!(
                no_reason.body["results"][0]["status"], "rejected",
                "{}",
                no_reason.text
            );
            let r = app
                .post(
                    "/api/v1/sync/push",
                    Some(&fx.token),
                    &json!({"device_id": device, "ops": [{"op_id": Uuid::now_v7(), "device_id": device,
                        "device_seq": 2, "kind": "pick_confirm", "created_at": "2026-11-25T10:00:00Z",
                        "payload": {"pick_line_id": line_id, "location_id": l["location_id"],
                                    "product_id": l["product_id"], "picked_qty": qty.to_string(),
                                    "short_reason": "damaged box"}}]}),
                )
                .await;
            assert_eq!(r.body["results"][0]["status"], "applied", "{}", r.text);
        }
    }
    let done = app
        .get(&format!("/api/v1/pick-lists/{list}"), Some(&fx.token))
        .await;
    assert_eq!(done.body["status"], "done", "{}", done.text);
    assert_eq!(done.body["lines"][3]["status"], "short");
    assert_eq!(on_hand(&app, &fx, &p1, &out).await, d(2));
    assert_eq!(on_hand(&app, &fx, &p2, &out).await, d(2));
    assert_eq!(on_hand(&app, &fx, &p3, &out).await, d(4));
    assert_eq!(on_hand(&app, &fx, &p1, b02).await, d(3));
    let back = app
        .get(
            "/api/v1/pick-lists/backorders?order_ref=SO-1/1",
            Some(&fx.token),
        )
        .await;
    assert_eq!(back.body.as_array().unwrap().len(), 1, "{}", back.text);
    assert_eq!(dec(&back.body[0]["qty"]), d(1));
    // Reservations were released as lines were picked.
    let q = app
        .get(
            &format!("/api/v1/stock/quants?product_id={p1}"),
            Some(&fx.token),
        )
        .await;
    assert!(q.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|q| dec(&q["reserved"]) == Decimal::ZERO));
}
