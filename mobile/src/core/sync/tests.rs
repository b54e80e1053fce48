use super::*;
use crate::core::fixtures;
use crate::core::ops::{NewOp, OpOutcome, PullPage, StockMovePayload};
use crate::core::store::{lock, OpStatus, Store};
use crate::platform::FixedNetworkStatus;
use std::sync::Arc;
use std::time::{Duration, Instant};
use uuid::Uuid;

fn a_move(n: i64) -> NewOp {
    let fx = fixtures::Warehouse::new();
    NewOp::StockMove(StockMovePayload {
        product_id: fx.widget.id,
        qty: n.into(),
        from_location_id: fx.bin(fixtures::BIN_A01).id,
        to_location_id: fx.bin(fixtures::BIN_B01).id,
        lot: None,
    })
}

fn setup(n: i64) -> (crate::core::store::SharedStore, Arc<FakeServer>, Vec<Uuid>) {
    let store = Store::open_in_memory().unwrap().shared();
    let ids = (1..=n)
        .map(|i| lock(&store).append_op(&a_move(i)).unwrap().op_id)
        .collect();
    (store, Arc::new(FakeServer::new()), ids)
}

#[test]
fn pushes_in_batches_and_every_op_is_applied_once_in_order() {
    let (store, server, ids) = setup(7);
    let engine = SyncEngine::new(store.clone(), server.clone()).with_batch(3);
    let report = engine.sync_once().unwrap();
    assert_eq!(report.pushed, 7);
    assert_eq!(report.applied, 7);
    assert_eq!(server.push_calls(), 3, "7 ops in batches of 3");
    assert_eq!(server.applied(), ids);
    assert_eq!(lock(&store).op_counts().unwrap().pending, 0);
    assert!(lock(&store).last_sync().unwrap().is_some());
    // Nothing left: a second round pushes nothing.
    assert_eq!(engine.sync_once().unwrap().pushed, 0);
    assert_eq!(server.push_calls(), 3);
}

#[test]
fn a_lost_answer_is_retried_and_comes_back_duplicate_not_applied_twice() {
    let (store, server, ids) = setup(2);
    let engine = SyncEngine::new(store.clone(), server.clone());
    server.lose_next_response();
    let err = engine.sync_once().unwrap_err();
    assert!(err.is_retriable());
    // The server applied them, but the phone does not know: they are still unsynced.
    assert_eq!(lock(&store).unsynced_ops(10).unwrap().len(), 2);
    let report = engine.sync_once().unwrap();
    assert_eq!((report.applied, report.duplicate), (0, 2));
    assert_eq!(server.applied(), ids, "applied exactly once");
    assert_eq!(
        lock(&store).op(ids[0]).unwrap().unwrap().status,
        OpStatus::Duplicate
    );
}

#[test]
fn a_rejected_op_is_kept_with_its_reason_and_does_not_block_the_rest() {
    let (store, server, ids) = setup(3);
    server.reject(ids[1], "negative_stock", "A-01 would go below zero");
    let engine = SyncEngine::new(store.clone(), server.clone());
    let report = engine.sync_once().unwrap();
    assert_eq!((report.applied, report.rejected), (2, 1));
    assert_eq!(server.applied(), [ids[0], ids[2]]);
    let rejected = lock(&store).ops_with_status(OpStatus::Rejected).unwrap();
    assert_eq!(rejected.len(), 1);
    assert_eq!(rejected[0].op.op_id, ids[1]);
    assert_eq!(
        rejected[0].error_message.as_deref(),
        Some("A-01 would go below zero")
    );
    // Fixing it appends a corrected op that the next round pushes.
    let fixed = lock(&store).replace_rejected(ids[1], &a_move(1)).unwrap();
    engine.sync_once().unwrap();
    assert_eq!(server.applied().last(), Some(&fixed.op_id));
    assert_eq!(lock(&store).op_counts().unwrap().rejected, 0);
}

#[test]
fn offline_leaves_ops_pending_and_sync_resumes_later() {
    let (store, server, ids) = setup(2);
    server.set_online(false);
    let engine = SyncEngine::new(store.clone(), server.clone());
    assert!(matches!(
        engine.sync_once(),
        Err(SyncError::Transport(TransportError::Unreachable(_)))
    ));
    assert_eq!(lock(&store).op_counts().unwrap().pending, 2);
    server.set_online(true);
    engine.sync_once().unwrap();
    assert_eq!(server.applied(), ids);
}

#[test]
fn pull_follows_the_cursor_across_pages() {
    let store = Store::open_in_memory().unwrap().shared();
    let server = Arc::new(FakeServer::new());
    let mut first = fixtures::Warehouse::new().pull_page("p1");
    let rest = first.changes.split_off(5);
    first.has_more = true;
    let second = PullPage {
        changes: rest,
        cursor: "p2".into(),
        has_more: false,
    };
    let total = first.changes.len() + second.changes.len();
    server.set_pages(vec![first, second]);
    let engine = SyncEngine::new(store.clone(), server);
    let report = engine.sync_once().unwrap();
    assert_eq!(report.pulled, total);
    assert_eq!(lock(&store).cursor().unwrap().as_deref(), Some("p2"));
    assert!(!lock(&store)
        .lookup_code(fixtures::EAN_WIDGET)
        .unwrap()
        .is_empty());
    // Nothing new: an empty page, cursor unchanged.
    assert_eq!(engine.sync_once().unwrap().pulled, 0);
    assert_eq!(lock(&store).cursor().unwrap().as_deref(), Some("p2"));
}

fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn the_runner_waits_for_the_network_then_syncs_and_reports_status() {
    let (store, server, ids) = setup(4);
    let network = Arc::new(FixedNetworkStatus::new(false));
    let config = RunnerConfig {
        interval: Duration::from_secs(3600),
        offline_poll: Duration::from_millis(20),
        backoff: BackoffPolicy {
            base: Duration::from_millis(5),
            cap: Duration::from_millis(50),
        },
    };
    let runner = SyncRunner::spawn(
        SyncEngine::new(store.clone(), server.clone()),
        network.clone(),
        config,
    );
    let status = runner.status();
    assert!(!status.online);
    assert_eq!(status.pending, 4);
    assert_eq!(server.push_calls(), 0, "no push while offline");

    // The device says online but the server is down: retried with backoff.
    server.set_online(false);
    network.set_online(true);
    wait_for("a failed attempt", || {
        runner.status().consecutive_failures >= 2
    });
    assert!(runner.status().last_error.is_some());

    server.set_online(true);
    runner.sync_now();
    wait_for("the queue to drain", || runner.status().pending == 0);
    let status = runner.status();
    assert_eq!(status.consecutive_failures, 0);
    assert!(status.last_sync.is_some());
    assert_eq!(server.applied(), ids);
    runner.stop();
}

#[test]
fn outcomes_for_ops_outside_the_batch_are_ignored() {
    let (store, _server, ids) = setup(1);
    struct Liar;
    impl SyncTransport for Liar {
        fn push(
            &self,
            _: &crate::core::ops::PushRequest,
        ) -> Result<crate::core::ops::PushResponse, TransportError> {
            Ok(crate::core::ops::PushResponse {
                results: vec![crate::core::ops::PushResult {
                    op_id: Uuid::now_v7(),
                    outcome: OpOutcome::Applied,
                }],
            })
        }
        fn pull(&self, _: Option<&str>) -> Result<PullPage, TransportError> {
            unreachable!("push fails first")
        }
    }
    let engine = SyncEngine::new(store.clone(), Liar);
    assert!(matches!(
        engine.sync_once(),
        Err(SyncError::Transport(TransportError::Protocol(_)))
    ));
    assert_eq!(
        lock(&store).op(ids[0]).unwrap().unwrap().status,
        OpStatus::Sent
    );
}

#[test]
fn session_sync_runs_only_while_signed_in_with_the_sessions_transport() {
    use crate::core::auth::{AuthSession, Tokens};
    use crate::core::ServerUrl;
    let (store, server, ids) = setup(1);
    let network = Arc::new(FixedNetworkStatus::new(true));
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let (factory_server, factory_seen) = (server.clone(), seen.clone());
    let sync = SessionSync::with_factory(
        store.clone(),
        network,
        RunnerConfig::default(),
        Box::new(move |s: &AuthSession| {
            factory_seen
                .lock()
                .unwrap()
                .push(s.tokens.access_token.clone());
            Ok(Box::new(factory_server.clone()) as Box<dyn SyncTransport>)
        }),
    );
    // Signed out: nothing runs, the status asks for a sign-in.
    sync.sync_now();
    assert!(!sync.is_running());
    assert!(sync.status().needs_login);
    assert_eq!(sync.status().pending, 1);

    let session = AuthSession {
        server: ServerUrl::parse("https://crm.example").unwrap(),
        tenant: "acme".into(),
        tokens: Tokens {
            access_token: "token-1".into(),
            refresh_token: "r".into(),
            user_id: Uuid::nil(),
            email: "ana@acme.example".into(),
            mfa_setup_required: false,
        },
        device_id: lock(&store).device_id(),
    };
    sync.start(&session);
    assert!(sync.is_running());
    wait_for("the op to be pushed", || sync.status().pending == 0);
    assert_eq!(server.applied(), ids);
    assert_eq!(*seen.lock().unwrap(), vec!["token-1".to_owned()]);
    assert!(!sync.status().needs_login);
    sync.stop();
    assert!(!sync.is_running());
    assert!(sync.status().needs_login);
}
