//! The phone's core (sign-in, local store, op log, screens' state, sync engine, HTTP
//! transport) against the real backend: work recorded offline survives a restart and is
//! applied exactly once.

mod common;

use std::collections::BTreeMap;
use std::str::FromStr;

use common::{add_user, d, location, mv, product, supplier};
use elevate_mobile::core::auth::{sign_in, verify_mfa, AuthError, HttpAuth, SignIn};
use elevate_mobile::core::ops::{NewOp, PushRequest, StockMovePayload};
use elevate_mobile::core::refdata::{CountSessionRef, PickListRef, PurchaseOrderRef};
use elevate_mobile::core::store::{lock, OpStatus, Store};
use elevate_mobile::core::sync::{
    HttpTransport, SyncEngine, SyncError, SyncTransport, TransportError,
};
use elevate_mobile::core::ServerUrl;
use elevate_mobile::screens::count::CountState;
use elevate_mobile::screens::moves::MoveState;
use elevate_mobile::screens::pick::{PickState, ShortReason};
use elevate_mobile::screens::receive::ReceiveState;
use elevate_tests::server::TEST_PASSWORD;
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

const EAN_P1: &str = "4006381333931";

fn totp_now(secret_b32: &str) -> String {
    let secret = totp_rs::Secret::Encoded(secret_b32.to_owned())
        .to_bytes()
        .unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    totp_rs::TOTP::new_unchecked(
        totp_rs::Algorithm::SHA1,
        6,
        1,
        30,
        secret,
        None,
        String::new(),
    )
    .generate(now)
}

/// The ledger's moves after `after_seq`, as (product, from, to, qty) → how many.
async fn moves_after(
    app: &TestApp,
    token: &str,
    after_seq: i64,
) -> (BTreeMap<(String, String, String, Decimal), usize>, usize) {
    let r = app.get("/api/v1/stock/moves?limit=500", Some(token)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let mut out = BTreeMap::new();
    let mut n = 0;
    for m in r.body["items"].as_array().unwrap() {
        if m["seq"].as_i64().unwrap() <= after_seq {
            continue;
        }
        n += 1;
        let key = (
            m["product_id"].as_str().unwrap().to_owned(),
            m["from_location_id"].as_str().unwrap().to_owned(),
            m["to_location_id"].as_str().unwrap().to_owned(),
            common::dec(&m["qty"]).normalize(),
        );
        *out.entry(key).or_default() += 1;
    }
    (out, n)
}

/// Two phones against the real backend: phone 1 signs in through the app's sign-in,
/// registers its device, pulls, then works offline through the screens' state (200 scans
/// of receiving, moves, counting and picking), is restarted, and syncs when the server is
/// reachable again; the ledger holds exactly that work, once. Phone 2 (another user, with
/// MFA) counts the same bin; the server merges both counts.
#[tokio::test]
async fn two_phones_sign_in_work_offline_through_their_screens_and_the_ledger_matches() {
    let app = TestApp::spawn().await.unwrap();
    let slug = "phone-e2e";
    let t = app.sign_up(slug).await;
    let token = t.token.clone();
    let wh = location(
        &app,
        &token,
        json!({"kind": "warehouse", "code": "WH", "name": "Main"}),
    )
    .await;
    let bin = |code: &'static str| {
        location(
            &app,
            &token,
            json!({"kind": "bin", "parent_id": wh, "code": code, "name": code}),
        )
    };
    let (a, b, c, out) = (
        bin("A").await,
        bin("B").await,
        bin("C").await,
        bin("OUT").await,
    );
    let all = app.get("/api/v1/locations?limit=100", Some(&token)).await;
    let supplier_loc = all.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["kind"] == "supplier")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // P1 is scanned by its EAN-13, P2 and P3 by the SKU on their shelf labels.
    let p1 = created(
        &app,
        &token,
        "/api/v1/products",
        json!({"sku": "P-1", "name": "Bolt", "cost": "2",
               "barcodes": [{"symbology": "ean13", "code": EAN_P1}]}),
    )
    .await
    .to_string();
    let p2 = product(&app, &token, "P-2").await;
    let p3 = product(&app, &token, "P-3").await;
    for (p, to, qty) in [(&p1, &a, 100), (&p2, &a, 100), (&p3, &b, 50)] {
        mv(
            &app,
            &token,
            json!({"product_id": p, "qty": qty.to_string(), "from_location_id": supplier_loc,
                   "to_location_id": to}),
        )
        .await;
    }
    let sup = supplier(&app, &token, "Acme Supplies", "EUR", 3).await;
    let po = created(
        &app,
        &token,
        "/api/v1/purchase-orders",
        json!({"supplier_id": sup, "location_id": c, "lines": [
            {"product_id": p1, "qty": "40", "unit_price": "1"},
            {"product_id": p2, "qty": "40", "unit_price": "1"}]}),
    )
    .await;
    let r = app
        .post(
            &format!("/api/v1/purchase-orders/{po}/confirm"),
            Some(&token),
            &json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let session = created(
        &app,
        &token,
        "/api/v1/counts",
        json!({"kind": "spot", "warehouse_id": wh, "location_ids": [b], "mode": "sum",
               "blind": false}),
    )
    .await;
    let pick_list = created(
        &app,
        &token,
        "/api/v1/pick-lists",
        json!({"warehouse_id": wh, "output_location_id": out, "lines": [
            {"order_ref": "SO-1/1", "product_id": p1, "qty": "10"},
            {"order_ref": "SO-1/2", "product_id": p3, "qty": "5"}]}),
    )
    .await;
    let baseline = app
        .get("/api/v1/stock/moves?limit=1", Some(&token))
        .await
        .body["items"][0]["seq"]
        .as_i64()
        .unwrap();

    // The second phone's user has a second factor.
    let (_, token2) = add_user(&app, &token, slug, "counter", &["warehouse"]).await;
    let e = app
        .call(
            reqwest::Method::POST,
            "/api/v1/auth/mfa/totp/enroll",
            Some(&token2),
            None,
        )
        .await;
    assert_eq!(e.status, StatusCode::OK, "{}", e.text);
    let secret = e.body["secret"].as_str().unwrap().to_owned();
    let r = app
        .post(
            "/api/v1/auth/mfa/totp/confirm",
            Some(&token2),
            &json!({ "code": totp_now(&secret) }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let backup = r.body["backup_codes"][0].as_str().unwrap().to_owned();

    let dir = std::env::temp_dir().join(format!("elevate-phone-e2e2-{}", Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    let (db1, db2) = (dir.join("phone1.db"), dir.join("phone2.db"));
    let server = ServerUrl::parse(&app.base).unwrap();
    let admin_email = t.admin_email.clone();
    let ids = (p1.clone(), p2.clone(), p3.clone(), a.clone(), b.clone());
    let (srv, dbp) = (server.clone(), db1.clone());
    let (device1, expected_ops) = tokio::task::spawn_blocking(move || {
        let (p1, p2, p3, a, b) = ids;
        let auth = HttpAuth::new().unwrap();
        let store = Store::open(&dbp).unwrap().shared();
        let wrong = sign_in(&auth, &store, &srv, slug, &admin_email, "not it");
        assert_eq!(wrong.unwrap_err(), AuthError::InvalidCredentials);
        let SignIn::Done(session) =
            sign_in(&auth, &store, &srv, slug, &admin_email, TEST_PASSWORD).unwrap()
        else {
            panic!("the admin has no second factor")
        };
        assert_eq!(session.device_id, lock(&store).device_id());
        let online = SyncEngine::new(
            store.clone(),
            HttpTransport::new(session.server.as_str(), &session.tokens.access_token).unwrap(),
        );
        let first = online.sync_once().unwrap();
        assert_eq!(first.pushed, 0);
        assert!(first.pulled > 0);
        drop(online);

        // Offline from here: 200 scans through the screens' state, mixed.
        let s = lock(&store);
        let orders = s.all::<PurchaseOrderRef>().unwrap();
        assert_eq!(orders.len(), 1, "the open order was fetched");
        assert_eq!(orders[0].number, "PO-000001");
        assert_eq!(s.all::<CountSessionRef>().unwrap().len(), 1);
        let lists = s.all::<PickListRef>().unwrap();
        assert_eq!(lists.len(), 1);
        assert_eq!(lists[0].lines.len(), 2, "pick lines merged into their list");

        let mut scans = 0usize;
        let mut scan = |f: &mut dyn FnMut(&Store)| {
            scans += 1;
            f(&s);
        };
        let mut receive = ReceiveState::load(&s).unwrap();
        let mut count = CountState::load(&s).unwrap();
        let mut pick = PickState::load(&s).unwrap();
        let mut moves = MoveState::default();
        count.open_session(count.sessions[0].clone());
        pick.open(&s, pick.lists[0].clone()).unwrap();
        scan(&mut |s| receive.scan(s, "PO-000001").unwrap());
        scan(&mut |s| count.scan(s, "WH/B").unwrap());
        // Receipts: 5 × 8 of P1 by EAN, 3 × 10 of P2 by SKU.
        let receipt_groups: Vec<(&str, usize)> = [(EAN_P1, 8); 5]
            .into_iter()
            .chain([("P-2", 10); 3])
            .collect();
        let mut receipts = receipt_groups.iter();
        let mut pick_steps: Vec<Vec<&str>> = vec![
            std::iter::once("WH/A").chain(["P-1"; 10]).collect(),
            vec!["WH/B", "P-3", "P-3", "P-3"],
        ];
        let mut counted = 0;
        let mut rounds = 0;
        let mut unknown_done = false;
        while rounds < 25 {
            // One move: from A, P-2 twice (2 units), to B.
            for code in ["WH/A", "P-2", "P-2", "WH/B"] {
                scan(&mut |s| moves.scan(s, code).unwrap());
            }
            assert!(moves.saved_op.is_some(), "{:?}", moves.notice);
            rounds += 1;
            if let Some((code, n)) = receipts.next() {
                for _ in 0..*n {
                    scan(&mut |s| receive.scan(s, code).unwrap());
                }
                receive.confirm(&s).unwrap();
                assert_eq!(
                    receive.notice.as_ref().map(|n| n.key),
                    Some(elevate_mobile::i18n::Key::ReceiveDone)
                );
            }
            if counted < 12 {
                scan(&mut |s| count.scan(s, "P-3").unwrap());
                counted += 1;
            }
            if rounds % 10 == 0 && !pick_steps.is_empty() {
                for code in pick_steps.remove(0) {
                    scan(&mut |s| pick.scan(s, code).unwrap());
                }
            }
            if rounds == 13 && !unknown_done {
                scan(&mut |s| moves.scan(s, "NOT-A-CODE").unwrap());
                unknown_done = true;
            }
        }
        // The second line is short: 3 of 5 found, the rest damaged.
        pick.short(&s, ShortReason::Damaged).unwrap();
        assert!(pick.finished());
        assert_eq!(scans, 200);
        assert_eq!(count.lines[0].counted, Decimal::from(12));
        let device = s.device_id();
        let ops = s.unsynced_ops(1000).unwrap();
        // 25 moves, 8 receipts, 12 count lines, 2 pick confirmations.
        assert_eq!(ops.len(), 47);
        let kinds = ops.iter().fold(BTreeMap::new(), |mut m, o| {
            *m.entry(o.kind.as_str()).or_insert(0) += 1;
            m
        });
        assert_eq!(
            kinds,
            BTreeMap::from([
                ("count_line", 12),
                ("pick_confirm", 2),
                ("receipt_line", 8),
                ("stock_move", 25)
            ])
        );
        // Nothing reaches a server that is not there.
        let dead = SyncEngine::new(
            store.clone(),
            HttpTransport::new("http://127.0.0.1:9", &session.tokens.access_token).unwrap(),
        );
        drop(s);
        assert!(matches!(
            dead.sync_once(),
            Err(SyncError::Transport(TransportError::Unreachable(_)))
        ));
        drop(dead);
        drop((receive, count, pick, moves));
        drop(store);

        // The app restarts: everything recorded is still there and goes out once.
        let store = Store::open(&dbp).unwrap().shared();
        assert_eq!(lock(&store).unsynced_ops(1000).unwrap().len(), 47);
        let transport =
            HttpTransport::new(session.server.as_str(), &session.tokens.access_token).unwrap();
        let engine = SyncEngine::new(store.clone(), transport.clone()).with_batch(20);
        let report = engine.sync_once().unwrap();
        assert_eq!(
            (
                report.pushed,
                report.applied,
                report.duplicate,
                report.rejected
            ),
            (47, 47, 0, 0),
            "{report:?}: {:?}",
            lock(&store).ops_with_status(OpStatus::Rejected).unwrap()
        );
        assert_eq!(engine.sync_once().unwrap().pushed, 0);
        // Replaying the whole log answers every op as a duplicate.
        let all: Vec<_> = lock(&store)
            .ops_with_status(OpStatus::Applied)
            .unwrap()
            .into_iter()
            .map(|l| l.op)
            .collect();
        assert_eq!(all.len(), 47);
        let replay = transport
            .push(&PushRequest {
                device_id: device,
                ops: all.clone(),
            })
            .unwrap();
        assert_eq!(replay.results.len(), 47);
        assert!(replay
            .results
            .iter()
            .all(|r| r.outcome == elevate_mobile::core::ops::OpOutcome::Duplicate));
        let _ = (p1, p2, p3, a, b);
        (device, all)
    })
    .await
    .unwrap();

    // The ledger holds exactly the phone's work, once.
    let mut want: BTreeMap<(String, String, String, Decimal), usize> = BTreeMap::new();
    let mut add = |p: &str, from: &str, to: &str, qty: &str, n: usize| {
        *want
            .entry((p.to_owned(), from.to_owned(), to.to_owned(), d(qty)))
            .or_default() += n;
    };
    add(&p2, &a, &b, "2", 25);
    add(&p1, &supplier_loc, &c, "8", 5);
    add(&p2, &supplier_loc, &c, "10", 3);
    add(&p1, &a, &out, "10", 1);
    add(&p3, &b, &out, "3", 1);
    let (got, n) = moves_after(&app, &token, baseline).await;
    assert_eq!(n, 35, "{got:?}");
    assert_eq!(got, want);
    for (p, loc, qty) in [
        (&p1, &a, "90"),
        (&p2, &a, "50"),
        (&p2, &b, "50"),
        (&p3, &b, "47"),
        (&p1, &c, "40"),
        (&p2, &c, "30"),
        (&p1, &out, "10"),
        (&p3, &out, "3"),
    ] {
        assert_eq!(
            common::on_hand(&app, &token, p, loc).await,
            d(qty),
            "{p} at {loc}"
        );
    }
    common::assert_no_drift(&app, &token).await;
    let order = app
        .get(&format!("/api/v1/purchase-orders/{po}"), Some(&token))
        .await;
    assert_eq!(order.body["status"], "partially_received");
    assert_eq!(expected_ops.len(), 47);

    // Phone 2: another user, with MFA, counts the same bin.
    let (srv, dbp, email2) = (
        server.clone(),
        db2.clone(),
        format!("counter@{slug}.example"),
    );
    let device2 = tokio::task::spawn_blocking(move || {
        let auth = HttpAuth::new().unwrap();
        let store = Store::open(&dbp).unwrap().shared();
        let SignIn::MfaRequired { ticket } =
            sign_in(&auth, &store, &srv, slug, &email2, TEST_PASSWORD).unwrap()
        else {
            panic!("MFA expected")
        };
        assert_eq!(
            verify_mfa(&auth, &store, &srv, slug, &ticket, "not-a-code"),
            Err(AuthError::InvalidMfaCode)
        );
        let session = verify_mfa(&auth, &store, &srv, slug, &ticket, &backup).unwrap();
        let engine = SyncEngine::new(
            store.clone(),
            HttpTransport::new(session.server.as_str(), &session.tokens.access_token).unwrap(),
        );
        engine.sync_once().unwrap();
        {
            let s = lock(&store);
            let mut count = CountState::load(&s).unwrap();
            count.open_session(count.sessions[0].clone());
            count.scan(&s, "WH/B").unwrap();
            count.scan(&s, "P-3").unwrap();
            count.set_line(&s, 0, "35").unwrap();
        }
        let report = engine.sync_once().unwrap();
        assert_eq!((report.applied, report.rejected), (2, 0), "{report:?}");
        session.device_id
    })
    .await
    .unwrap();
    assert_ne!(device1, device2);
    let devices = app.get("/api/v1/devices", Some(&token)).await;
    let listed: Vec<&str> = devices.body["items"]
        .as_array()
        .or(devices.body.as_array())
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    for dev in [device1, device2] {
        assert!(listed.contains(&dev.to_string().as_str()), "{listed:?}");
    }

    // Both counts of bin B are kept and merged (sum mode: 12 + 35).
    let detail = app
        .get(&format!("/api/v1/counts/{session}"), Some(&token))
        .await;
    assert_eq!(detail.status, StatusCode::OK, "{}", detail.text);
    let lines = detail.body["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 1, "{lines:?}");
    let line = &lines[0];
    assert_eq!(line["location_id"], b.as_str());
    assert_eq!(line["product_id"], p3.as_str());
    assert_eq!(line["counters"], 2);
    assert_eq!(common::dec(&line["counted_qty"]), d("47"));
    assert_eq!(common::dec(&line["expected_qty"]), d("50"));
    assert_eq!(common::dec(&line["variance_qty"]), d("-3"));
    let _ = pick_list;
    let _ = std::fs::remove_dir_all(dir);
}
