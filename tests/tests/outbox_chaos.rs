//! At-least-once delivery under fire: 10,000 events for four tenants' webhooks are
//! delivered by two real `elevate worker` processes side by side, which are killed
//! with SIGKILL 100 times at random moments while a slow receiver is working. The
//! receiver verifies every signature and dedupes by delivery id; in the end each
//! event arrived at least once, exactly once after dedupe, in order per destination,
//! and none is lost.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use elevate_tests::db::app_url;
use elevate_tests::receiver::Receiver;
use elevate_tests::TestApp;
use rand::Rng;
use reqwest::StatusCode;
use serde_json::json;
use uuid::Uuid;

const EVENTS: i64 = 10_000;
const KILLS: usize = 100;
const TENANTS: usize = 4;

fn binary() -> PathBuf {
    // target/<profile>/deps/<this test> → target/<profile>/elevate
    let exe = std::env::current_exe().unwrap();
    let bin = exe.parent().unwrap().parent().unwrap().join("elevate");
    assert!(
        bin.exists(),
        "{} not built; run the workspace tests",
        bin.display()
    );
    bin
}

fn spawn_worker(db: &str) -> Child {
    Command::new(binary())
        .arg("worker")
        .env_remove("ELEVATE_CONFIG")
        .env_remove("REDIS_URL")
        .env("DATABASE_URL", app_url(db))
        .env("ELEVATE_DATABASE__MAX_CONNECTIONS", "10")
        .env("ELEVATE_WORKER__CONCURRENCY", "4")
        .env("ELEVATE_WORKER__BATCH_SIZE", "50")
        .env("ELEVATE_WORKER__POLL_INTERVAL_MS", "100")
        .env("ELEVATE_WORKER__RETRY_BASE_MS", "20")
        .env("ELEVATE_WORKER__RETRY_MAX_MS", "200")
        .env("ELEVATE_WORKER__BREAKER_COOLDOWN_SECS", "1")
        .env("ELEVATE_WORKER__MAX_ATTEMPTS", "1000")
        .env("ELEVATE_LOG__LEVEL", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start elevate worker")
}

/// Appends `n` events for a tenant in one transaction, as the server's role.
async fn append_events(app: &TestApp, tenant: Uuid, from: i64, n: i64) {
    let mut tx = app.db.app.begin().await.unwrap();
    sqlx::query("SELECT set_config('app.tenant_id', $1, true)")
        .bind(tenant.to_string())
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query(
        "SELECT count(*) FROM (
            SELECT append_event(gen_random_uuid(), 'chaos.tick', NULL, NULL, NULL, NULL,
                                jsonb_build_object('n', g))
              FROM generate_series($1::bigint, $2::bigint) g ORDER BY g) x",
    )
    .bind(from)
    .bind(from + n - 1)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

async fn pending(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM outbox WHERE status = 'pending'")
        .fetch_one(&app.db.owner)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_event_survives_a_hundred_worker_kills_exactly_once_after_dedupe() {
    let app = TestApp::spawn().await.unwrap();
    let receiver = Receiver::start().await;
    // Slow enough that kills land mid-request; one request in 50 fails (retried).
    receiver.state.delay_ms.store(8, Ordering::SeqCst);
    receiver.state.fail_one_in.store(50, Ordering::SeqCst);

    let mut tenants = Vec::new();
    for i in 0..TENANTS {
        let t = app.sign_up(&format!("chaos-{i}")).await;
        let r = app
            .post(
                "/api/v1/webhooks",
                Some(&t.token),
                &json!({ "url": receiver.url, "event_types": ["chaos."] }),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        receiver.trust(t.tenant_id, r.body["secret"].as_str().unwrap());
        tenants.push(t.tenant_id);
    }

    let per_tenant = EVENTS / TENANTS as i64;
    let mut next = vec![1i64; TENANTS];
    // A backlog to start with; the rest arrives while the workers are being killed.
    for (i, t) in tenants.iter().enumerate() {
        append_events(&app, *t, next[i], 500).await;
        next[i] += 500;
    }

    let mut workers = [spawn_worker(&app.db.name), spawn_worker(&app.db.name)];
    let mut rng = rand::thread_rng();
    let mut kills_in_flight = 0;
    let mut kills_with_backlog = 0;
    let started = Instant::now();
    for k in 0..KILLS {
        // Keep producing: spread the remaining events over the kill rounds.
        let rounds_left = (KILLS - k) as i64;
        for (i, t) in tenants.iter().enumerate() {
            let remaining = per_tenant - (next[i] - 1);
            let n = (remaining + rounds_left - 1) / rounds_left;
            if n > 0 {
                append_events(&app, *t, next[i], n).await;
                next[i] += n;
            }
        }
        let wait = rng.gen_range(20..150);
        tokio::time::sleep(Duration::from_millis(wait)).await;
        let victim = rng.gen_range(0..workers.len());
        if receiver.state.in_flight.load(Ordering::SeqCst) > 0 {
            kills_in_flight += 1;
        }
        if pending(&app).await > 0 {
            kills_with_backlog += 1;
        }
        workers[victim].kill().expect("SIGKILL"); // Child::kill is SIGKILL on Unix
        workers[victim].wait().unwrap();
        workers[victim] = spawn_worker(&app.db.name);
    }
    let kill_phase = started.elapsed();
    assert!(next.iter().all(|n| *n - 1 == per_tenant), "{next:?}");

    // Let the survivors finish (bounded, so a lost delivery fails instead of hanging).
    let deadline = Instant::now() + Duration::from_secs(120);
    while (pending(&app).await > 0 || receiver.state.unique() < EVENTS as usize)
        && Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    for w in &mut workers {
        let _ = w.kill();
        let _ = w.wait();
    }

    let receipts = receiver.state.receipts();
    let unique: HashSet<Uuid> = receipts.iter().map(|r| r.delivery_id).collect();
    let duplicates = receipts.len() - unique.len();
    eprintln!(
        "chaos: {KILLS} kills in {kill_phase:?} ({kills_in_flight} with a request in flight, \
         {kills_with_backlog} with a backlog); {} requests, {} unique, {duplicates} duplicates, \
         {} answered 503 and retried",
        receipts.len(),
        unique.len(),
        receiver.state.failed.load(Ordering::SeqCst)
    );
    assert_eq!(receiver.state.bad_signatures.load(Ordering::SeqCst), 0);

    // Every event the tenants produced has exactly one delivery, and it arrived.
    let events: Vec<(Uuid, Uuid, i64)> = sqlx::query_as(
        "SELECT tenant_id, id, seq FROM events WHERE kind = 'chaos.tick' ORDER BY tenant_id, seq",
    )
    .fetch_all(&app.db.owner)
    .await
    .unwrap();
    assert_eq!(events.len() as i64, EVENTS);
    let outbox: Vec<(Uuid, Uuid, String)> =
        sqlx::query_as("SELECT id, event_id, status FROM outbox")
            .fetch_all(&app.db.owner)
            .await
            .unwrap();
    assert_eq!(outbox.len() as i64, EVENTS, "one delivery per event");
    let not_delivered: Vec<_> = outbox.iter().filter(|o| o.2 != "delivered").collect();
    assert!(
        not_delivered.is_empty(),
        "undelivered: {:?}",
        &not_delivered[..not_delivered.len().min(5)]
    );
    let outbox_ids: HashSet<Uuid> = outbox.iter().map(|o| o.0).collect();
    assert_eq!(
        unique, outbox_ids,
        "the receiver saw exactly the outbox's deliveries"
    );
    let received_events: HashSet<Uuid> = receipts.iter().map(|r| r.event_id).collect();
    let all_events: HashSet<Uuid> = events.iter().map(|e| e.1).collect();
    assert_eq!(received_events, all_events, "no event lost");
    assert!(receipts.iter().all(|r| r.kind == "chaos.tick"));

    // Per destination, first arrivals are in event order (a re-send after a kill may
    // repeat the last one, never jump ahead).
    let mut first_seen: HashMap<Uuid, Vec<i64>> = HashMap::new();
    let mut seen = HashSet::new();
    for r in &receipts {
        if seen.insert(r.delivery_id) {
            first_seen.entry(r.tenant_id).or_default().push(r.seq);
        }
    }
    for (tenant, seqs) in &first_seen {
        assert!(
            seqs.windows(2).all(|w| w[0] < w[1]),
            "tenant {tenant}: deliveries out of order"
        );
        assert_eq!(seqs.len() as i64, per_tenant);
    }

    // The kills really interrupted work.
    assert_eq!(
        kills_with_backlog, KILLS,
        "every kill left deliveries pending"
    );
    assert!(
        kills_in_flight >= KILLS / 4,
        "only {kills_in_flight} of {KILLS} kills hit a request in flight"
    );
    assert!(
        duplicates >= 1,
        "no kill caused a re-send: at-least-once was not exercised"
    );
}
