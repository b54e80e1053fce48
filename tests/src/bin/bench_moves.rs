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
//! Between the two, the same run measures bounds for a move on this machine:
//! - the schema floor: `pgbench` calls one PL/pgSQL function per transaction,
//!   as the application role under row-level security, that writes the rows a
//!   move writes (the idempotency claim and response, the ledger row, the
//!   quant, the FIFO layer take and its consumption, the pending event) with no
//!   HTTP, no Rust and one round trip for all of them. It leaves out what the
//!   server also does per move (the access check, the product and location
//!   reads, the seal), so no implementation of the same move on this schema
//!   can be faster;
//! - the bare floor: the same information in tables with only their keys;
//! - the HTTP floors: `GET /health/live` (no database) and `GET
//!   /api/v1/auth/me` (a signed-in request: token, tenant transaction, access
//!   check, one read) from the same client code;
//! - the ceiling: the schema floor and a signed-in request one after the
//!   other on the same cores, `1 / (1 / floor + 1 / me)`.
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

/// `clients` concurrent loops, each sending `request(client, c, i)` until the
/// deadline; a request counts when it answers `expect`.
async fn load<F>(clients: usize, seconds: u64, expect: u16, request: F) -> MoveRun
where
    F: Fn(&reqwest::Client, usize, usize) -> reqwest::RequestBuilder + Send + Sync + 'static,
{
    let request = Arc::new(request);
    let errors = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut handles = Vec::new();
    for c in 0..clients {
        let client = reqwest::Client::new();
        let request = request.clone();
        let errors = errors.clone();
        handles.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut i: usize = 0;
            while Instant::now() < deadline {
                let t0 = Instant::now();
                // A request counts once its whole answer is read, as a client does.
                let answered = match request(&client, c, i).send().await {
                    Ok(r) if r.status().as_u16() == expect => r.bytes().await.is_ok(),
                    _ => false,
                };
                if answered {
                    lat.push(t0.elapsed());
                } else {
                    errors.fetch_add(1, Ordering::Relaxed);
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

/// Valued issues (bin → customer), each with its own `Idempotency-Key`.
async fn run_moves(
    app: &TestApp,
    token: &str,
    products: &[String],
    (bin, customer): (&str, &str),
    clients: usize,
    seconds: u64,
    run: usize,
) -> MoveRun {
    let url = app.url("/api/v1/stock/moves");
    let token = token.to_owned();
    let products = products.to_vec();
    let (bin, customer) = (bin.to_owned(), customer.to_owned());
    load(clients, seconds, 201, move |client, c, i| {
        // Spread over products so clients rarely wait on one product's locks.
        let p = &products[(c * 7919 + i * 104_729) % products.len()];
        client
            .post(&url)
            .bearer_auth(&token)
            .header("Idempotency-Key", format!("bench-{run}-{c}-{i}"))
            .json(
                &json!({"product_id": p, "qty": "1", "from_location_id": bin,
                          "to_location_id": customer, "reason": "sale"}),
            )
    })
    .await
}

/// GETs of `path` (with `token`, when given) from `clients` loops.
async fn run_gets(
    app: &TestApp,
    path: &str,
    token: Option<&str>,
    clients: usize,
    seconds: u64,
) -> MoveRun {
    let url = app.url(path);
    let token = token.map(str::to_owned);
    load(clients, seconds, 200, move |client, _, _| {
        let r = client.get(&url);
        match &token {
            Some(t) => r.bearer_auth(t),
            None => r,
        }
    })
    .await
}

/// The floor's function, created in the bench database by its owner.
const FLOOR_FUNCTION: &str = "
CREATE FUNCTION bench_floor_move(p_n int, p_key text, p_tenant text, p_user uuid, p_bin uuid,
    p_customer uuid)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    v_product uuid; v_quant uuid; v_layer uuid; v_cost numeric;
    v_move uuid := gen_random_uuid(); v_seq bigint; v_row jsonb;
BEGIN
    -- The tenant's settings, which the server sends with its BEGIN.
    PERFORM set_config('app.tenant_id', p_tenant, true), set_config('app.user_id', p_user::text, true);
    INSERT INTO idempotency_keys (idempotency_key, request_hash)
    VALUES (p_key, md5(p_key)) ON CONFLICT DO NOTHING;
    SELECT id INTO v_product FROM products WHERE sku = 'B-' || lpad(p_n::text, 4, '0');
    SELECT id INTO v_quant FROM quants
     WHERE product_id = v_product AND location_id = p_bin AND lot_id IS NULL FOR UPDATE;
    SELECT id, unit_cost INTO v_layer, v_cost FROM valuation_layers
     WHERE product_id = v_product AND remaining_qty > 0 ORDER BY seq LIMIT 1 FOR UPDATE;
    INSERT INTO stock_moves (id, product_id, qty, from_location_id, to_location_id,
        unit_cost, value, valuation_method, reason, user_id)
    VALUES (v_move, v_product, 1, p_bin, p_customer, v_cost, v_cost, 'fifo', 'sale', p_user)
    RETURNING seq, to_jsonb(stock_moves.*) INTO v_seq, v_row;
    UPDATE quants SET qty = qty - 1, updated_at = now() WHERE id = v_quant;
    UPDATE valuation_layers SET remaining_qty = remaining_qty - 1,
           remaining_value = remaining_value - v_cost WHERE id = v_layer;
    INSERT INTO valuation_consumptions (id, layer_id, move_id, qty, value)
    VALUES (gen_random_uuid(), v_layer, v_move, 1, v_cost);
    INSERT INTO event_pending (id, kind, actor_user_id, subject_type, subject_id, data)
    VALUES (gen_random_uuid(), 'stock.moved', p_user, 'stock_move', v_move,
            jsonb_build_object('product_id', v_product, 'qty', '1', 'from_location_id', p_bin,
                               'to_location_id', p_customer, 'value', v_cost::text,
                               'reason', 'sale'));
    UPDATE idempotency_keys SET response_status = 201, response_body = v_row
     WHERE idempotency_key = p_key;
    RETURN v_seq;
END $$";

/// The bare floor: the same information in tables with only their keys (no
/// row-level security, foreign keys, triggers or secondary indexes), written by
/// the owner in one call. It is the least PostgreSQL itself needs to store a
/// valued issue durably, whatever the schema.
const BARE_FUNCTION: &str = "
CREATE TABLE bare_quants (id uuid PRIMARY KEY, product int NOT NULL UNIQUE, qty numeric NOT NULL);
CREATE TABLE bare_layers (id uuid PRIMARY KEY, product int NOT NULL, seq bigint NOT NULL,
    remaining_qty numeric NOT NULL, remaining_value numeric NOT NULL, unit_cost numeric NOT NULL);
CREATE INDEX bare_layers_product ON bare_layers (product, seq);
CREATE TABLE bare_moves (id uuid PRIMARY KEY, seq bigint GENERATED ALWAYS AS IDENTITY,
    product int NOT NULL, qty numeric NOT NULL, unit_cost numeric, value numeric NOT NULL,
    reason text NOT NULL, user_id uuid, created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE bare_consumptions (id uuid PRIMARY KEY, layer_id uuid NOT NULL, move_id uuid NOT NULL,
    qty numeric NOT NULL, value numeric NOT NULL);
CREATE TABLE bare_events (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, subject_id uuid NOT NULL,
    data jsonb NOT NULL);
CREATE TABLE bare_keys (key text PRIMARY KEY, response_status smallint, response_body jsonb);
INSERT INTO bare_quants SELECT gen_random_uuid(), n, 1000000 FROM generate_series(0, 9999) n;
INSERT INTO bare_layers SELECT gen_random_uuid(), n, n, 1000000, 2500000, 2.5
  FROM generate_series(0, 9999) n;
ANALYZE bare_quants, bare_layers;
CREATE FUNCTION bench_bare_move(p_n int, p_key text, p_user uuid) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    v_quant uuid; v_layer uuid; v_cost numeric;
    v_move uuid := gen_random_uuid(); v_seq bigint; v_row jsonb;
BEGIN
    INSERT INTO bare_keys (key) VALUES (p_key) ON CONFLICT DO NOTHING;
    SELECT id INTO v_quant FROM bare_quants WHERE product = p_n FOR UPDATE;
    SELECT id, unit_cost INTO v_layer, v_cost FROM bare_layers
     WHERE product = p_n AND remaining_qty > 0 ORDER BY seq LIMIT 1 FOR UPDATE;
    INSERT INTO bare_moves (id, product, qty, unit_cost, value, reason, user_id)
    VALUES (v_move, p_n, 1, v_cost, v_cost, 'sale', p_user)
    RETURNING seq, to_jsonb(bare_moves.*) INTO v_seq, v_row;
    UPDATE bare_quants SET qty = qty - 1 WHERE id = v_quant;
    UPDATE bare_layers SET remaining_qty = remaining_qty - 1,
           remaining_value = remaining_value - v_cost WHERE id = v_layer;
    INSERT INTO bare_consumptions VALUES (gen_random_uuid(), v_layer, v_move, 1, v_cost);
    INSERT INTO bare_events (subject_id, data) VALUES (v_move, v_row);
    UPDATE bare_keys SET response_status = 201, response_body = v_row WHERE key = p_key;
    RETURN v_seq;
END $$";

/// The bare floor's transaction.
const BARE_SCRIPT: &str = "\\set n random(0, :products - 1)
\\set k random(1, 1000000000000)
BEGIN;
SELECT bench_bare_move(:n, :client_id::text || '-' || :k::text, :user);
END;
";

/// The floor's transaction, as `pgbench` runs it (prepared statements).
const FLOOR_SCRIPT: &str = "\\set n random(0, :products - 1)
\\set k random(1, 1000000000000)
BEGIN;
SELECT bench_floor_move(:n, :client_id::text || '-' || :k::text, :tenant, :user, :bin, :customer);
END;
";

/// Where the floor runs: the bench's database, tenant, user and locations.
struct Floor {
    db: String,
    tenant: String,
    user: String,
    bin: String,
    customer: String,
    products: usize,
}

/// `pgbench` with the connection settings of the bench (no TLS, like the
/// server's own connections) as `user`.
fn pg_command(cmd: &str, user: &str) -> Command {
    let (h, p) = host()
        .split_once(':')
        .map(|(h, p)| (h.to_owned(), p.to_owned()))
        .unwrap_or(("127.0.0.1".into(), "5432".into()));
    let mut c = Command::new(cmd);
    // The server's connections are plain TCP (its PostgreSQL driver is built
    // without TLS); libpq would otherwise negotiate TLS on the same loopback
    // and pay for encryption the server does not.
    c.env("PGPASSWORD", user)
        .env("PGSSLMODE", "disable")
        .args(["-h", &h, "-p", &p, "-U", user]);
    c
}

/// `pgbench -n -c N -j 2 -T seconds` as `role`, before its script and database.
fn pgbench_load(role: &str, clients: usize, seconds: u64) -> Command {
    let mut c = pg_command("pgbench", role);
    c.args(["-n", "-c", &clients.to_string(), "-j", "2"])
        .args(["-T", &seconds.to_string()]);
    c
}

/// The tps of a finished `pgbench` run.
fn tps_of(out: &std::process::Output) -> anyhow::Result<f64> {
    let text = String::from_utf8_lossy(&out.stdout);
    anyhow::ensure!(
        out.status.success(),
        "pgbench failed: {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text.lines()
        .find(|l| l.starts_with("tps = "))
        .and_then(|l| l.split_whitespace().nth(2))
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| anyhow::anyhow!("no tps in pgbench output: {text}"))
}

/// A floor: `pgbench -c N -j 2 -T seconds -M prepared` of `script` as `role`;
/// the tps.
fn floor(
    f: &Floor,
    (role, script): (&str, &str),
    clients: usize,
    seconds: u64,
) -> anyhow::Result<f64> {
    let file = std::env::temp_dir().join(format!("bench_floor_{}.sql", std::process::id()));
    std::fs::write(&file, script)?;
    let mut c = pgbench_load(role, clients, seconds);
    c.args(["-M", "prepared"]);
    for (k, v) in [
        ("tenant", f.tenant.as_str()),
        ("user", f.user.as_str()),
        ("bin", f.bin.as_str()),
        ("customer", f.customer.as_str()),
        ("products", &f.products.to_string()),
    ] {
        c.arg("-D").arg(format!("{k}={v}"));
    }
    let out = c.arg("-f").arg(&file).arg(&f.db).output()?;
    let _ = std::fs::remove_file(&file);
    tps_of(&out)
}

/// `pgbench -i` on a fresh database, then `pgbench -c N -j 2 -T seconds` (without
/// TLS, like the server's own connections); the tps.
fn pgbench(clients: usize, seconds: u64) -> anyhow::Result<f64> {
    let db = format!("elevate_pgbench_{}", std::process::id());
    let base = |cmd: &str| pg_command(cmd, "elevate_owner");
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
    let out = pgbench_load("elevate_owner", clients, seconds)
        .arg(&db)
        .output()?;
    let _ = base("dropdb").args(["--if-exists", &db]).status();
    tps_of(&out)
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
    let signed_up = app.sign_up("bench").await;
    let t = signed_up.token.clone();
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
    sqlx::raw_sql(FLOOR_FUNCTION).execute(&app.db.owner).await?;
    sqlx::raw_sql(BARE_FUNCTION).execute(&app.db.owner).await?;
    let floor_at = Floor {
        db: app.db.name.clone(),
        tenant: signed_up.tenant_id.to_string(),
        user: signed_up.admin_id.to_string(),
        bin: bin.clone(),
        customer: customer.clone(),
        products: n_products,
    };
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
    let mut bounds = Vec::new();
    // Each phase starts from vacuumed tables, as autovacuum keeps a live
    // database: the floors update the same 200 quants and layers as the moves,
    // and the dead versions they leave would otherwise slow the next phase.
    let vacuum = || async {
        sqlx::query(
            "VACUUM (ANALYZE) quants, valuation_layers, stock_moves, valuation_consumptions,
                 event_pending, idempotency_keys, bare_quants, bare_layers",
        )
        .execute(&app.db.owner)
        .await
    };
    for (run, &n) in clients.iter().enumerate() {
        vacuum().await?;
        let m = run_moves(&app, &t, &products, (&bin, &customer), n, seconds, run).await;
        let live = run_gets(&app, "/health/live", None, n, seconds).await;
        let me = run_gets(&app, "/api/v1/auth/me", Some(&t), n, seconds).await;
        vacuum().await?;
        let fl = floor(&floor_at, ("elevate_app", FLOOR_SCRIPT), n, seconds)?;
        vacuum().await?;
        let bare = floor(&floor_at, ("elevate_owner", BARE_SCRIPT), n, seconds)?;
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
        // A move costs at least the database floor plus an authenticated
        // request; on shared cores the two costs add up.
        let ceiling = 1.0 / (1.0 / fl + 1.0 / me.tps);
        bounds.push(format!(
            "| {n} | {:.0} | {:.0} | {:.0} | {:.0} % | {:.0} | {:.0} % | {:.0} | {:.0} % | {:.0} % |",
            live.tps,
            me.tps,
            bare,
            100.0 * bare / pg,
            fl,
            100.0 * fl / pg,
            ceiling,
            100.0 * ceiling / pg,
            100.0 * m.tps / ceiling
        ));
        anyhow::ensure!(
            live.errors + me.errors == 0,
            "{} failed requests in the HTTP floors",
            live.errors + me.errors
        );
    }
    println!("\nBounds, measured in the same run (the moves' own row above is the measure):\n");
    println!(
        "| clients | GET /health/live req/s | GET /api/v1/auth/me req/s | bare floor tps | bare / pgbench | schema floor tps | floor / pgbench | ceiling moves/s | ceiling / pgbench | moves / ceiling |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for b in bounds {
        println!("{b}");
    }
    // The ledger still adds up after the load.
    let r = app
        .post("/api/v1/stock/ledger-check", Some(&t), &json!({}))
        .await;
    println!(
        "\nledger check after the run: {} moves, drift {}",
        r.body["moves"], r.body["drift"]
    );
    // The server shares the application pool: closing it ends the server's
    // connections too, and the database can go.
    app.db.app.close().await;
    app.db.owner.close().await;
    let dropped = pg_command("dropdb", "elevate_owner")
        .args(["--if-exists", &app.db.name])
        .status()?;
    anyhow::ensure!(dropped.success(), "dropdb {} failed", app.db.name);
    Ok(())
}
