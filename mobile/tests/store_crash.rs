//! The op log survives the app being killed between a scan and its sync, and the
//! surviving ops are pushed exactly once afterwards.

use elevate_mobile::core::store::{lock, OpStatus, Store};
use elevate_mobile::core::sync::{FakeServer, SyncEngine};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use uuid::Uuid;

#[test]
fn ops_committed_before_a_sigkill_are_pending_after_restart_and_sync_once() {
    let dir = std::env::temp_dir().join(format!("elevate-crash-{}", Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("local.db");

    let mut child = Command::new(env!("CARGO_BIN_EXE_store-probe"))
        .arg(&db)
        .arg("25")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut committed = Vec::new();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(id) = line.strip_prefix("committed ") {
            committed.push(Uuid::parse_str(id).unwrap());
        }
        if line == "ready" {
            break;
        }
    }
    // SIGKILL: no destructors, no flushes, no chance to finish anything.
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(!status.success());
    assert_eq!(committed.len(), 25);

    let store = Store::open(&db).unwrap().shared();
    let pending: Vec<Uuid> = lock(&store)
        .unsynced_ops(100)
        .unwrap()
        .iter()
        .map(|o| o.op_id)
        .collect();
    assert_eq!(pending, committed, "every confirmed op survived, in order");

    let server = Arc::new(FakeServer::new());
    let engine = SyncEngine::new(store.clone(), server.clone()).with_batch(10);
    engine.sync_once().unwrap();
    engine.sync_once().unwrap();
    assert_eq!(server.applied(), committed, "each op applied exactly once");
    assert!(lock(&store)
        .ops_with_status(OpStatus::Applied)
        .unwrap()
        .iter()
        .all(|o| o.attempts == 1));
    drop(store);
    std::fs::remove_dir_all(&dir).unwrap();
}
