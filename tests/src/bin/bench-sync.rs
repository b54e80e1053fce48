//! Sync benchmark: time to apply a 10,000-op push (two batches of the 5,000
//! maximum) and to pull 50,000 reference rows, each with a reference measured on
//! the same database in the same run. Run with `scripts/bench-sync`; prints a
//! Markdown table for docs/BENCHMARKS.md.

use std::time::{Duration, Instant};

use elevate_tests::TestApp;
use serde_json::{json, Value};
use uuid::Uuid;

fn secs(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64())
}

async fn created(app: &TestApp, token: &str, path: &str, body: Value) -> String {
    let r = app.post(path, Some(token), &body).await;
    assert!(r.status.is_success(), "{path}: {}", r.text);
    r.body["id"].as_str().unwrap().to_owned()
}

/// Pushes ops in batches of 5,000; answers the summed request time.
async fn push_all(app: &TestApp, token: &str, device: &str, ops: &[Value]) -> (Duration, i64, i64) {
    let mut total = Duration::ZERO;
    let (mut applied, mut dups) = (0, 0);
    for batch in ops.chunks(5_000) {
        let body = json!({"device_id": device, "ops": batch});
        let t = Instant::now();
        let r = app.post("/api/v1/sync/push", Some(token), &body).await;
        total += t.elapsed();
        assert!(
            r.status.is_success(),
            "{}",
            &r.text[..r.text.len().min(400)]
        );
        applied += r.body["applied"].as_i64().unwrap();
        dups += r.body["duplicates"].as_i64().unwrap();
    }
    (total, applied, dups)
}

fn op(device: &str, seq: i64, kind: &str, payload: Value) -> Value {
    json!({"op_id": Uuid::now_v7(), "device_id": device, "device_seq": seq, "kind": kind,
           "payload": payload, "created_at": "2026-11-25T10:00:00Z"})
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // `RUST_LOG=elevate_backend::http::sync=debug` prints each push's phase timings.
    if std::env::var_os("RUST_LOG").is_some() {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_writer(std::io::stderr)
            .init();
    }
    let app = TestApp::spawn().await?;
    let fx = app.sign_up("bench-sync").await;
    let t = fx.token.clone();
    let wh = created(
        &app,
        &t,
        "/api/v1/locations",
        json!({"kind": "warehouse", "code": "WH", "name": "WH"}),
    )
    .await;
    let mut bins = Vec::new();
    for i in 0..20 {
        bins.push(
            created(
                &app,
                &t,
                "/api/v1/locations",
                json!({"kind": "bin", "parent_id": wh, "code": format!("B{i:02}"), "name": "bin"}),
            )
            .await,
        );
    }
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
    let mut products = Vec::new();
    for i in 0..50 {
        let p = created(
            &app,
            &t,
            "/api/v1/products",
            json!({"sku": format!("BP-{i}"), "name": "bench", "cost": "1"}),
        )
        .await;
        let r = app
            .post(
                "/api/v1/stock/moves",
                Some(&t),
                &json!({"product_id": p, "qty": "1000000",
            "from_location_id": supplier, "to_location_id": bins[i % bins.len()]}),
            )
            .await;
        assert!(r.status.is_success(), "{}", r.text);
        products.push(p);
    }
    let session = created(
        &app,
        &t,
        "/api/v1/counts",
        json!({"kind": "full", "warehouse_id": wh}),
    )
    .await;
    let pull = app.get("/api/v1/sync/pull?limit=1", Some(&t)).await;
    let seq = pull.body["ledger_seq"].as_i64().unwrap();
    let mut rows = Vec::new();

    // Reference: one INSERT of 10,000 op-shaped rows (jsonb_to_recordset) on the same DB.
    sqlx::query("CREATE TABLE bench_ref (op_id uuid PRIMARY KEY, device_seq bigint, kind text, payload jsonb, created_at timestamptz)")
        .execute(&app.db.owner).await?;
    let ref_rows: Vec<Value> = (0..10_000).map(|i| json!({"op_id": Uuid::now_v7(), "device_seq": i,
        "kind": "note", "payload": {"text": format!("scan {i}")}, "created_at": "2026-11-25T10:00:00Z"})).collect();
    let t0 = Instant::now();
    sqlx::query("INSERT INTO bench_ref SELECT * FROM jsonb_to_recordset($1) AS x(op_id uuid, device_seq bigint, kind text, payload jsonb, created_at timestamptz)")
        .bind(Value::Array(ref_rows)).execute(&app.db.owner).await?;
    let reference = t0.elapsed();

    // 1. 10,000 count lines (the counting phone's workload).
    let dev = created(
        &app,
        &t,
        "/api/v1/devices",
        json!({"name": "bench phone 1"}),
    )
    .await;
    let ops: Vec<Value> = (1..=10_000)
        .map(|i| {
            op(
                &dev,
                i,
                "count_line",
                json!({
        "session_id": session, "location_id": bins[(i as usize) % bins.len()],
        "product_id": products[(i as usize) % products.len()], "counted_qty": "5",
        "based_on_server_seq": seq, "counted_at": "2026-11-25T10:00:00Z"}),
            )
        })
        .collect();
    let (d, applied, _) = push_all(&app, &t, &dev, &ops).await;
    assert_eq!(applied, 10_000);
    let (dr, _, dups) = push_all(&app, &t, &dev, &ops).await;
    assert_eq!(dups, 10_000);
    rows.push(("10,000 `count_line` ops", d, dr));

    // 2. 10,000 notes (the protocol's own cost: claim, results, bookkeeping).
    let dev2 = created(
        &app,
        &t,
        "/api/v1/devices",
        json!({"name": "bench phone 2"}),
    )
    .await;
    let ops: Vec<Value> = (1..=10_000)
        .map(|i| op(&dev2, i, "note", json!({"text": format!("scan {i}")})))
        .collect();
    let (d, applied, _) = push_all(&app, &t, &dev2, &ops).await;
    assert_eq!(applied, 10_000);
    let (dr, _, _) = push_all(&app, &t, &dev2, &ops).await;
    rows.push(("10,000 `note` ops", d, dr));

    // 3. 10,000 ops of which 1,000 are stock moves (each a ledger move with
    //    locks, valuation and its event, in its own savepoint).
    let dev3 = created(
        &app,
        &t,
        "/api/v1/devices",
        json!({"name": "bench phone 3"}),
    )
    .await;
    let ops: Vec<Value> = (1..=10_000).map(|i| {
        let k = i as usize;
        if i % 10 == 0 {
            op(&dev3, i, "stock_move", json!({"product_id": products[k % products.len()], "qty": "1",
                "from_location_id": bins[k % bins.len()], "to_location_id": bins[(k + 1) % bins.len()]}))
        } else {
            op(&dev3, i, "count_line", json!({
                "session_id": session, "location_id": bins[k % bins.len()],
                "product_id": products[k % products.len()], "counted_qty": "5",
                "based_on_server_seq": seq, "counted_at": "2026-11-25T10:00:00Z"}))
        }
    }).collect();
    let (d, applied, _) = push_all(&app, &t, &dev3, &ops).await;
    let (dr, _, _) = push_all(&app, &t, &dev3, &ops).await;
    eprintln!("mixed push applied {applied}");
    rows.push(("10,000 ops: 9,000 `count_line` + 1,000 `stock_move`", d, dr));

    // Pull: seed 50,000 products (as the schema owner, like an import), then pull
    // everything from scratch in pages of 5,000.
    sqlx::query("INSERT INTO products (id, tenant_id, sku, name, cost) SELECT gen_random_uuid(), $1, 'SEED-' || i, 'Seeded product ' || i, 1 FROM generate_series(1, 50000) i")
        .bind(fx.tenant_id).execute(&app.db.owner).await?;
    let t0 = Instant::now();
    let mut cursor: Option<String> = None;
    let mut pulled = 0usize;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/sync/pull?limit=5000&since={c}"),
            None => "/api/v1/sync/pull?limit=5000".to_owned(),
        };
        let r = app.get(&path, Some(&t)).await;
        pages += 1;
        pulled += r.body["changes"].as_array().unwrap().len();
        cursor = Some(r.body["cursor"].as_str().unwrap().to_owned());
        if !r.body["has_more"].as_bool().unwrap() {
            break;
        }
    }
    let pull_time = t0.elapsed();
    let t0 = Instant::now();
    let r = app
        .get(
            &format!("/api/v1/sync/pull?since={}", cursor.unwrap()),
            Some(&t),
        )
        .await;
    let empty_time = t0.elapsed();
    assert_eq!(r.body["changes"], json!([]));
    // Reference: the same rows as JSON in one plain SELECT.
    let t0 = Instant::now();
    let n: Vec<Value> =
        sqlx::query_scalar("SELECT to_jsonb(p) FROM products p WHERE tenant_id = $1")
            .bind(fx.tenant_id)
            .fetch_all(&app.db.owner)
            .await?;
    let pull_ref = t0.elapsed();

    println!("| Measurement | Time (s) | Reference (s) | Ratio |");
    println!("|---|---:|---:|---:|");
    for (name, d, dr) in &rows {
        println!(
            "| Push {name} (2 × 5,000) | {} | {} | {:.1}× |",
            secs(*d),
            secs(reference),
            d.as_secs_f64() / reference.as_secs_f64()
        );
        println!(
            "| Replay of the same (all `duplicate`) | {} | {} | {:.1}× |",
            secs(*dr),
            secs(reference),
            dr.as_secs_f64() / reference.as_secs_f64()
        );
    }
    println!(
        "| Pull {pulled} rows from scratch ({pages} pages of 5,000) | {} | {} | {:.1}× |",
        secs(pull_time),
        secs(pull_ref),
        pull_time.as_secs_f64() / pull_ref.as_secs_f64()
    );
    println!(
        "| Pull with nothing changed (empty page) | {} | | |",
        secs(empty_time)
    );
    println!();
    println!("Push reference: one `INSERT … SELECT FROM jsonb_to_recordset` of 10,000 op-shaped rows ({} s).", secs(reference));
    println!(
        "Pull reference: one `SELECT to_jsonb(p)` of the {} product rows ({} s).",
        n.len(),
        secs(pull_ref)
    );
    Ok(())
}
