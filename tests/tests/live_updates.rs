//! Live updates over WebSocket: a committed stock move reaches connected clients
//! (in-process without Redis, across two backend instances with Redis), a client
//! that reconnects with `since` receives what it missed, and clients only see the
//! event kinds their permissions allow.

use std::time::Duration;

use elevate_tests::server::TenantFixture;
use elevate_tests::{TestApp, TestDb};
use futures::StreamExt;
use reqwest::StatusCode;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(app: &TestApp, token: &str, since: Option<i64>) -> Ws {
    let mut url = format!("ws://{}/api/v1/ws?token={token}", app.addr);
    if let Some(s) = since {
        url.push_str(&format!("&since={s}"));
    }
    let (ws, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("ws connect");
    ws
}

/// The next JSON message (bounded wait, so a missing event fails the test).
async fn next(ws: &mut Ws) -> Value {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("no message within 10 s")
            .expect("stream ended")
            .expect("ws error");
        match msg {
            Message::Text(t) => return serde_json::from_str(&t).unwrap(),
            Message::Close(f) => panic!("closed: {f:?}"),
            _ => continue,
        }
    }
}

/// The next event message within `wait`, if any.
async fn next_within(ws: &mut Ws, wait: Duration) -> Option<Value> {
    tokio::time::timeout(wait, next(ws)).await.ok()
}

async fn ready(ws: &mut Ws) -> Vec<Value> {
    let mut before = Vec::new();
    loop {
        let m = next(ws).await;
        if m["type"] == "ready" {
            return before;
        }
        before.push(m);
    }
}

struct Stock {
    product: String,
    supplier: String,
    warehouse: String,
}

async fn stock_setup(app: &TestApp, t: &TenantFixture) -> Stock {
    let r = app
        .post(
            "/api/v1/locations",
            Some(&t.token),
            &json!({"kind": "warehouse", "code": "WH1", "name": "Main"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let warehouse = r.body["id"].as_str().unwrap().to_owned();
    let r = app
        .post(
            "/api/v1/products",
            Some(&t.token),
            &json!({"sku": "LIVE-1", "name": "Live widget", "cost": "1"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let product = r.body["id"].as_str().unwrap().to_owned();
    let all = app.get("/api/v1/locations?limit=100", Some(&t.token)).await;
    let supplier = all.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["kind"] == "supplier")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    Stock {
        product,
        supplier,
        warehouse,
    }
}

async fn receive(app: &TestApp, token: &str, s: &Stock, qty: &str) -> Value {
    let r = app
        .post(
            "/api/v1/stock/moves",
            Some(token),
            &json!({"product_id": s.product, "qty": qty, "from_location_id": s.supplier,
                    "to_location_id": s.warehouse, "unit_cost": "2", "reason": "receipt"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.body
}

#[tokio::test]
async fn a_move_reaches_clients_without_redis_and_a_reconnect_with_since_catches_up() {
    let app = TestApp::spawn().await.unwrap();
    assert!(app.state.redis.is_none());
    let t = app.sign_up("live-local").await;
    let s = stock_setup(&app, &t).await;

    // A warehouse user (no audit permission) sees stock events but not user events.
    let r = app
        .post(
            "/api/v1/users",
            Some(&t.token),
            &json!({"email": "picker@live.example", "display_name": "Picker", "password": "long enough pass", "roles": ["warehouse"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let picker = app
        .login("live-local", "picker@live.example", "long enough pass")
        .await;

    let mut admin_ws = connect(&app, &t.token, None).await;
    ready(&mut admin_ws).await;
    let mut picker_ws = connect(&app, &picker, None).await;
    ready(&mut picker_ws).await;

    let mv = receive(&app, &t.token, &s, "5").await;
    for ws in [&mut admin_ws, &mut picker_ws] {
        let m = next(ws).await;
        assert_eq!(m["type"], "event");
        assert_eq!(m["event"]["kind"], "stock.moved", "{m}");
        assert_eq!(m["event"]["subject_id"], mv["id"]);
    }
    let last_seq = {
        let r = app
            .get("/api/v1/events?kind=stock.moved", Some(&t.token))
            .await;
        r.body["items"][0]["seq"].as_i64().unwrap()
    };

    // A user change: the admin sees it, the picker does not (the next thing the
    // picker gets is the following stock move).
    let r = app
        .post(
            "/api/v1/users",
            Some(&t.token),
            &json!({"email": "x@live.example", "display_name": "X", "password": "long enough pass", "roles": ["sales"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert_eq!(next(&mut admin_ws).await["event"]["kind"], "user.created");

    // The picker disconnects; two moves happen; reconnecting with `since` replays them.
    picker_ws.close(None).await.unwrap();
    drop(picker_ws);
    let m2 = receive(&app, &t.token, &s, "2").await;
    let m3 = receive(&app, &t.token, &s, "3").await;
    let mut picker_ws = connect(&app, &picker, Some(last_seq)).await;
    let missed = ready(&mut picker_ws).await;
    let kinds: Vec<&str> = missed
        .iter()
        .map(|m| m["event"]["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["stock.moved", "stock.moved"], "{missed:?}");
    assert_eq!(missed[0]["event"]["subject_id"], m2["id"]);
    assert_eq!(missed[1]["event"]["subject_id"], m3["id"]);
    // And it is live again afterwards, without repeats.
    let m4 = receive(&app, &t.token, &s, "1").await;
    let m = next(&mut picker_ws).await;
    assert_eq!(m["event"]["subject_id"], m4["id"]);

    // Another tenant's client sees none of this.
    let other = app.sign_up("live-other").await;
    let mut other_ws = connect(&app, &other.token, Some(0)).await;
    let seen = ready(&mut other_ws).await;
    assert!(seen
        .iter()
        .all(|m| !m.to_string().contains(&t.tenant_id.to_string())));
    assert!(seen.iter().all(|m| m["event"]["kind"] != "stock.moved"));
}

#[tokio::test]
async fn the_socket_refuses_missing_or_bad_tokens() {
    let app = TestApp::spawn().await.unwrap();
    for url in [
        format!("ws://{}/api/v1/ws", app.addr),
        format!("ws://{}/api/v1/ws?token=not-a-token", app.addr),
    ] {
        let err = tokio_tungstenite::connect_async(url).await.unwrap_err();
        assert!(err.to_string().contains("401"), "{err}");
    }
    // The token may also come as a sub-protocol (browsers cannot set headers).
    let t = app.sign_up("live-proto").await;
    let mut req = format!("ws://{}/api/v1/ws", app.addr)
        .into_client_request()
        .unwrap();
    req.headers_mut().insert(
        "sec-websocket-protocol",
        format!("elevate.v1, bearer.{}", t.token).parse().unwrap(),
    );
    let (mut ws, resp) = tokio_tungstenite::connect_async(req).await.unwrap();
    assert_eq!(resp.headers()["sec-websocket-protocol"], "elevate.v1");
    ready(&mut ws).await;
}

#[tokio::test]
async fn a_move_through_one_instance_reaches_a_client_of_another_through_redis() {
    let redis = json!({ "redis": { "url": "redis://127.0.0.1:6379" } });
    let db = TestDb::new().await.unwrap();
    let shared = TestDb {
        name: db.name.clone(),
        owner: db.owner.clone(),
        app: db.app.clone(),
    };
    let one = TestApp::spawn_on(db, redis.clone()).await.unwrap();
    let two = TestApp::spawn_on(shared, redis).await.unwrap();
    assert_ne!(one.addr.port(), two.addr.port());
    let t = one.sign_up("live-redis").await;
    let s = stock_setup(&one, &t).await;

    let mut ws_two = connect(&two, &t.token, None).await;
    ready(&mut ws_two).await;
    let mut ws_one = connect(&one, &t.token, None).await;
    ready(&mut ws_one).await;
    // Each instance subscribes to Redis in the background at start-up; warm-up moves
    // until one arrives prove both are listening before the move under test.
    let mut warmed = false;
    for _ in 0..20 {
        let warm = receive(&one, &t.token, &s, "1").await;
        if let Some(m) = next_within(&mut ws_two, Duration::from_millis(500)).await {
            assert_eq!(m["event"]["subject_id"], warm["id"]);
            warmed = true;
            break;
        }
    }
    assert!(warmed, "instance two never received through Redis");
    // Drain instance one's copies of the warm-up moves.
    while next_within(&mut ws_one, Duration::from_millis(300))
        .await
        .is_some()
    {}

    let mv = receive(&one, &t.token, &s, "7").await;
    let m = next(&mut ws_two).await;
    assert_eq!(m["event"]["kind"], "stock.moved");
    assert_eq!(m["event"]["subject_id"], mv["id"]);
    assert_eq!(m["event"]["data"]["qty"], mv["qty"], "{m}");
    // The other direction too.
    let back = receive(&two, &t.token, &s, "3").await;
    assert_eq!(next(&mut ws_one).await["event"]["subject_id"], mv["id"]);
    assert_eq!(next(&mut ws_one).await["event"]["subject_id"], back["id"]);
}
