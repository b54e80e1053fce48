//! Stock moves per second through the HTTP API, beside pgbench's TPC-B-like
//! tps on the same PostgreSQL in the same run.
//!
//! Starts the real server on a throwaway database (cloned from the migrated
//! template), stocks 200 products, then for each client count N posts valued
//! issues (bin → customer: a ledger row, quant updates, FIFO layer consumption,
//! a `stock.moved` event, and an `Idempotency-Key` row) from N concurrent
//! clients for the given duration, and runs `pgbench -c N -T duration` against a
//! fresh `pgbench -i` database. Prints a Markdown table.
//!
//!   bench_moves [--clients 8,32] [--seconds 20] [--products 200]

use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use elevate_tests::db::host;
use elevate_tests::TestApp;
use serde_json::json;

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

struct MoveRun {
    moves: u64,
    errors: u64,
    tps: f64,
    p50: f64,
    p99: f64,
}

#[allow(clippy::too_many_arguments)]
async fn run_moves(
    app: &TestApp,
    token: &str,
    products: &[String],
    bin: &str,
    customer: &str,
    clients: usize,
    seconds: u64,
    run: usize,
) -> MoveRun {
    let errors = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut handles = Vec::new();
    for c in 0..clients {
        let client = reqwest::Client::new();
        let url = app.url("/api/v1/stock/moves");
        let token = token.to_owned();
        let products = products.to_vec();
        let (bin, customer) = (bin.to_owned(), customer.to_owned());
        let errors = errors.clone();
        handles.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut i: usize = 0;
            while Instant::now() < deadline {
                // Spread over products so clients rarely wait on one product's locks.
                let p = &products[(c * 7919 + i * 104_729) % products.len()];
                let t0 = Instant::now();
                let r = client
                    .post(&url)
                    .bearer_auth(&token)
                    .header("Idempotency-Key", format!("bench-{run}-{c}-{i}"))
                    .json(
                        &json!({"product_id": p, "qty": "1", "from_location_id": bin,
                                  "to_location_id": customer, "reason": "sale"}),
                    )
                    .send()
                    .await;
                match r {
                    Ok(r) if r.status().as_u16() == 201 => lat.push(t0.elapsed()),
                    _ => {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
                i += 1;
            }
            lat
        }));
    }
    let mut all = Vec::new();
    for h in handles {
        all.extend(h.await.unwrap_or_default());
    }
    let elapsed = started.elapsed().as_secs_f64();
    all.sort();
    MoveRun {
        moves: all.len() as u64,
        errors: errors.load(Ordering::Relaxed),
        tps: all.len() as f64 / elapsed,
        p50: percentile(&all, 0.50),
        p99: percentile(&all, 0.99),
    }
}

/// `pgbench -i` on a fresh database, then `pgbench -c N -j 2 -T seconds` (without
/// TLS, like the server's own connections); the tps.
fn pgbench(clients: usize, seconds: u64) -> anyhow::Result<f64> {
    let db = format!("elevate_pgbench_{}", std::process::id());
    let (h, p) = host()
        .split_once(':')
        .map(|(h, p)| (h.to_owned(), p.to_owned()))
        .unwrap_or(("127.0.0.1".into(), "5432".into()));
    let base = |cmd: &str| {
        let mut c = Command::new(cmd);
        // The server's connections are plain TCP (its PostgreSQL driver is
        // built without TLS); libpq would otherwise negotiate TLS on the same
        // loopback and pay for encryption the server does not.
        c.env("PGPASSWORD", "elevate_owner")
            .env("PGSSLMODE", "disable")
            .args(["-h", &h, "-p", &p, "-U", "elevate_owner"]);
        c
    };
    let _ = base("dropdb").args(["--if-exists", &db]).status();
    anyhow::ensure!(
        base("createdb").arg(&db).status()?.success(),
        "createdb failed"
    );
    let init = base("pgbench")
        .args(["-i", "-q", "-s", "10", &db])
        .output()?;
    anyhow::ensure!(
        init.status.success(),
        "pgbench -i failed: {}",
        String::from_utf8_lossy(&init.stderr)
    );
    let out = base("pgbench")
        .args([
            "-c",
            &clients.to_string(),
            "-j",
            "2",
            "-T",
            &seconds.to_string(),
            "-n",
            &db,
        ])
        .output()?;
    let _ = base("dropdb").args(["--if-exists", &db]).status();
    let text = String::from_utf8_lossy(&out.stdout);
    anyhow::ensure!(out.status.success(), "pgbench failed: {text}");
    text.lines()
        .find(|l| l.starts_with("tps = "))
        .and_then(|l| l.split_whitespace().nth(2))
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| anyhow::anyhow!("no tps in pgbench output: {text}"))
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> anyhow::Result<()> {
    let clients: Vec<usize> = arg("--clients")
        .unwrap_or_else(|| "8,32".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let seconds: u64 = arg("--seconds").and_then(|s| s.parse().ok()).unwrap_or(20);
    let n_products: usize = arg("--products")
        .and_then(|s| s.parse().ok())
        .unwrap_or(200);
    let max = clients.iter().copied().max().unwrap_or(8);
    let app = TestApp::spawn_with(json!({
        "database": {"max_connections": max + 4},
        "auth": {"api_requests_per_minute": 100_000_000},
        "log": {"level": "warn"},
    }))
    .await?;
    eprintln!("server on {} with database {}", app.base, app.db.name);
    let t = app.sign_up("bench").await.token;
    let post = |path: &'static str, body: serde_json::Value| {
        let app = &app;
        let t = t.clone();
        async move {
            let r = app.post(path, Some(&t), &body).await;
            assert!(r.status.is_success(), "{path}: {}", r.text);
            r.body
        }
    };
    let wh = post(
        "/api/v1/locations",
        json!({"kind": "warehouse", "code": "BW", "name": "Bench"}),
    )
    .await;
    let bin = post(
        "/api/v1/locations",
        json!({"kind": "bin", "parent_id": wh["id"], "code": "01", "name": "Bin 1"}),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let all = app.get("/api/v1/locations?limit=100", Some(&t)).await.body;
    let virt = |kind: &str| {
        all["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["kind"] == kind)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let (supplier, customer) = (virt("supplier"), virt("customer"));
    let mut products = Vec::new();
    for i in 0..n_products {
        let p = post(
            "/api/v1/products",
            json!({"sku": format!("B-{i:04}"), "name": format!("Bench product {i}")}),
        )
        .await;
        let id = p["id"].as_str().unwrap().to_owned();
        post(
            "/api/v1/stock/moves",
            json!({"product_id": id, "qty": "1000000", "from_location_id": supplier,
                   "to_location_id": bin, "unit_cost": "2.5"}),
        )
        .await;
        products.push(id);
    }
    // Statistics, as autovacuum keeps them on a live database (and as
    // `pgbench -i` gives its own tables below).
    sqlx::query("ANALYZE").execute(&app.db.owner).await?;
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("model name"))
        .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        .unwrap_or_default();
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "machine: {cores} cores ({cpu}); load average at start: {}",
        load.trim()
    );
    println!("duration per run: {seconds} s; products: {n_products}\n");
    println!("| clients | moves/s (HTTP) | p50 ms | p99 ms | errors | pgbench tps | ratio |");
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    for (run, &n) in clients.iter().enumerate() {
        let m = run_moves(&app, &t, &products, &bin, &customer, n, seconds, run).await;
        let pg = pgbench(n, seconds)?;
        println!(
            "| {n} | {:.0} | {:.1} | {:.1} | {} | {:.0} | {:.0} % |",
            m.tps,
            m.p50,
            m.p99,
            m.errors,
            pg,
            100.0 * m.tps / pg
        );
        eprintln!("  ({} moves in the run)", m.moves);
    }
    // The ledger still adds up after the load.
    let r = app
        .post("/api/v1/stock/ledger-check", Some(&t), &json!({}))
        .await;
    println!(
        "\nledger check after the run: {} moves, drift {}",
        r.body["moves"], r.body["drift"]
    );
    Ok(())
}
