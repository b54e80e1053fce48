//! Benchmark (ignored in normal runs; `scripts/bench-events`): latency from a stock
//! move to its receipt by 100 WebSocket clients, and webhook deliveries per second,
//! each next to a reference measured in the same run on the same machine:
//! a raw PostgreSQL LISTEN/NOTIFY round trip, and a plain HTTP POST loop against the
//! same receiver.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use elevate_backend::config::WorkerSettings;
use elevate_tests::receiver::Receiver;
use elevate_tests::TestApp;
use futures::StreamExt;
use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::postgres::PgListener;
use tokio_tungstenite::tungstenite::Message;

const CLIENTS: usize = 100;
const MOVES: usize = 200;
const DELIVERIES: i64 = 4_000;
const DESTINATIONS: usize = 4;

fn pct(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn summary(name: &str, mut v: Vec<f64>) -> (f64, f64) {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let (p50, p99) = (pct(&v, 0.5), pct(&v, 0.99));
    println!(
        "{name}: n={} p50={p50:.2} ms p99={p99:.2} ms max={:.2} ms",
        v.len(),
        v[v.len() - 1]
    );
    (p50, p99)
}

async fn id_of(r: &elevate_tests::Resp) -> String {
    r.body["id"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: run with scripts/bench-events"]
async fn bench_live_latency_and_webhook_throughput() {
    let app = TestApp::spawn().await.unwrap();
    let t = app.sign_up("bench").await;
    let r = app
        .post(
            "/api/v1/locations",
            Some(&t.token),
            &json!({"kind": "warehouse", "code": "WH1", "name": "Main"}),
        )
        .await;
    let wh = id_of(&r).await;
    let r = app
        .post(
            "/api/v1/products",
            Some(&t.token),
            &json!({"sku": "B-1", "name": "Bench", "cost": "1"}),
        )
        .await;
    let product = id_of(&r).await;
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

    // Reference 1: PostgreSQL LISTEN/NOTIFY round trip on the same database.
    let mut listener = PgListener::connect_with(&app.db.app).await.unwrap();
    listener.listen("bench_ref").await.unwrap();
    let mut notify_ms = Vec::new();
    for i in 0..MOVES {
        let t0 = Instant::now();
        sqlx::query("SELECT pg_notify('bench_ref', $1)")
            .bind(i.to_string())
            .execute(&app.db.app)
            .await
            .unwrap();
        listener.recv().await.unwrap();
        notify_ms.push(t0.elapsed().as_secs_f64() * 1000.0);
    }

    // 100 WebSocket clients.
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(usize, String, Instant)>();
    for c in 0..CLIENTS {
        let url = format!("ws://{}/api/v1/ws?token={}", app.addr, t.token);
        let (mut ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
        let tx = tx.clone();
        tokio::spawn(async move {
            while let Some(Ok(msg)) = ws.next().await {
                if let Message::Text(text) = msg {
                    let v: Value = serde_json::from_str(&text).unwrap();
                    if v["type"] == "event" && v["event"]["kind"] == "stock.moved" {
                        let subject = v["event"]["subject_id"].as_str().unwrap().to_owned();
                        let _ = tx.send((c, subject, Instant::now()));
                    } else if v["type"] == "ready" {
                        let _ = tx.send((c, "ready".into(), Instant::now()));
                    }
                }
            }
        });
    }
    let mut ready = 0;
    while ready < CLIENTS {
        if rx.recv().await.unwrap().1 == "ready" {
            ready += 1;
        }
    }

    // Moves, one at a time: latency = receipt by a client − the move's request start,
    // and the same from the move's response (the commit happened before it).
    let mut from_request = Vec::new();
    let mut move_rtt = Vec::new();
    for _ in 0..MOVES {
        let t0 = Instant::now();
        let r = app
            .post(
                "/api/v1/stock/moves",
                Some(&t.token),
                &json!({"product_id": product, "qty": "1", "from_location_id": supplier,
                        "to_location_id": wh, "unit_cost": "1", "reason": "receipt"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        move_rtt.push(t0.elapsed().as_secs_f64() * 1000.0);
        let id = r.body["id"].as_str().unwrap().to_owned();
        let mut got = 0;
        while got < CLIENTS {
            let (_, subject, at) = tokio::time::timeout(Duration::from_secs(10), rx.recv())
                .await
                .expect("a client missed a move")
                .unwrap();
            assert_eq!(subject, id);
            from_request.push(at.duration_since(t0).as_secs_f64() * 1000.0);
            got += 1;
        }
    }
    println!("## live updates ({CLIENTS} WebSocket clients, {MOVES} moves)");
    let (n50, n99) = summary("reference: PostgreSQL NOTIFY round trip", notify_ms);
    let (m50, m99) = summary("stock move HTTP round trip (request → 201)", move_rtt);
    let (l50, l99) = summary("move request start → receipt by each client", from_request);
    println!(
        "receipt after the move's own round trip: p50 ≈ {:.2} ms, p99 ≈ {:.2} ms; ratio to NOTIFY p50 {:.1}×",
        l50 - m50,
        l99 - m99,
        l50 / n50
    );
    let _ = (n99,);

    // Webhook throughput: DELIVERIES events over DESTINATIONS subscriptions.
    let receiver = Receiver::start().await;
    let mut tenants = Vec::new();
    for i in 0..DESTINATIONS {
        let tf = app.sign_up(&format!("bench-hook-{i}")).await;
        let r = app
            .post(
                "/api/v1/webhooks",
                Some(&tf.token),
                &json!({"url": receiver.url, "event_types": ["bench."]}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED);
        receiver.trust(tf.tenant_id, r.body["secret"].as_str().unwrap());
        tenants.push(tf.tenant_id);
    }
    // Reference 2: a plain HTTP POST loop against the same receiver, same concurrency.
    let client = reqwest::Client::new();
    let per = DELIVERIES as usize / DESTINATIONS;
    let t0 = Instant::now();
    let mut handles = Vec::new();
    for _ in 0..DESTINATIONS {
        let (client, url) = (client.clone(), receiver.url.clone());
        handles.push(tokio::spawn(async move {
            for _ in 0..per {
                let _ = client.post(&url).body("{}").send().await;
            }
        }));
    }
    for h in handles {
        h.await.unwrap();
    }
    let plain_rate = (per * DESTINATIONS) as f64 / t0.elapsed().as_secs_f64();

    for t in &tenants {
        let mut c = app.db.app.begin().await.unwrap();
        sqlx::query("SELECT set_config('app.tenant_id', $1, true)")
            .bind(t.to_string())
            .execute(&mut *c)
            .await
            .unwrap();
        sqlx::query("SELECT count(*) FROM (SELECT append_event(gen_random_uuid(), 'bench.tick', NULL, NULL, NULL, NULL, '{}') FROM generate_series(1, $1)) x")
            .bind(per as i64)
            .execute(&mut *c)
            .await
            .unwrap();
        c.commit().await.unwrap();
    }
    let cfg = WorkerSettings {
        in_serve: false,
        concurrency: DESTINATIONS,
        batch_size: 100,
        poll_interval_ms: 100,
        max_attempts: 10,
        retry_base_ms: 100,
        retry_max_ms: 1000,
        breaker_threshold: 5,
        breaker_cooldown_secs: 5,
        http_timeout_secs: 10,
        secret_rotation_grace_secs: 3600,
    };
    let (stop, srx) = tokio::sync::watch::channel(false);
    let t0 = Instant::now();
    let db = app.db.app.clone();
    tokio::spawn(async move { elevate_backend::worker::run(db, cfg, None, srx).await });
    let state = Arc::clone(&receiver.state);
    // The reference loop's unsigned posts were counted as bad signatures.
    let unsigned = state.bad_signatures.load(Ordering::SeqCst);
    while state.unique() < DELIVERIES as usize {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let hook_rate = DELIVERIES as f64 / t0.elapsed().as_secs_f64();
    let _ = stop.send(true);
    assert_eq!(state.bad_signatures.load(Ordering::SeqCst), unsigned);
    println!("## webhooks ({DELIVERIES} deliveries over {DESTINATIONS} subscriptions, {DESTINATIONS} lanes)");
    println!("reference: plain HTTP POST loop, {DESTINATIONS} concurrent: {plain_rate:.0} req/s");
    println!(
        "signed webhook deliveries through the outbox: {hook_rate:.0} /s ({:.2} of the plain loop)",
        hook_rate / plain_rate
    );
    let _ = (l99, n99);
}
