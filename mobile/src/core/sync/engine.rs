//! The sync engine: pushes unsynced ops in batches, records each op's outcome, then
//! pulls reference changes by cursor. [`SyncRunner`] runs it in the background with
//! retry/backoff and publishes a [`SyncStatus`] the UI shows: natively on a thread, in
//! the browser as a task on its event loop with a timer.
//!
//! The round itself ([`SyncEngine::sync_round`]) is written once against
//! [`AsyncTransport`]; natively [`SyncEngine::sync_once`] drives it with `block_on` over a
//! blocking transport.

use super::backoff::BackoffPolicy;
use super::transport::{AsyncTransport, HttpTransport, SyncTransport, TransportError};
use crate::core::auth::AuthSession;
use crate::core::ops::PushRequest;
use crate::core::refdata::RefKind;
use crate::core::store::{SharedStore, StoreError};
use crate::platform::NetworkStatus;
use chrono::{DateTime, Utc};
use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// Most ops per push; the server takes up to 5,000, smaller batches show progress and
/// lose less to a dropped connection.
pub const DEFAULT_BATCH: usize = 500;
/// A pull that keeps saying "more" beyond this many pages is a server bug, not data.
const MAX_PULL_PAGES: usize = 10_000;

/// Why a sync round stopped.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Transport(#[from] TransportError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl SyncError {
    pub fn is_retriable(&self) -> bool {
        match self {
            SyncError::Transport(t) => t.is_retriable(),
            SyncError::Store(_) => false,
        }
    }
}

/// What one round did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SyncReport {
    pub pushed: usize,
    pub applied: usize,
    pub duplicate: usize,
    pub rejected: usize,
    pub pulled: usize,
}

/// Pushes and pulls; holds the store lock only for local work, never across a request.
pub struct SyncEngine<T> {
    store: SharedStore,
    transport: T,
    batch: usize,
}

impl<T> SyncEngine<T> {
    pub fn new(store: SharedStore, transport: T) -> Self {
        SyncEngine {
            store,
            transport,
            batch: DEFAULT_BATCH,
        }
    }

    pub fn with_batch(mut self, batch: usize) -> Self {
        self.batch = batch.max(1);
        self
    }

    pub fn store(&self) -> &SharedStore {
        &self.store
    }
}

impl<T: SyncTransport> SyncEngine<T> {
    /// One round on this thread (the transport blocks): see [`SyncEngine::sync_round`].
    pub fn sync_once(&self) -> Result<SyncReport, SyncError> {
        futures::executor::block_on(self.sync_round())
    }
}

impl<T: AsyncTransport> SyncEngine<T> {
    /// One round: push everything unsynced, then pull until the server has no more.
    pub async fn sync_round(&self) -> Result<SyncReport, SyncError> {
        let mut report = SyncReport::default();
        let device_id = crate::core::store::lock(&self.store).device_id();
        loop {
            let ops = {
                let store = crate::core::store::lock(&self.store);
                let ops = store.unsynced_ops(self.batch)?;
                let ids: Vec<_> = ops.iter().map(|o| o.op_id).collect();
                store.mark_sent(&ids)?;
                ops
            };
            if ops.is_empty() {
                break;
            }
            let sent: HashSet<_> = ops.iter().map(|o| o.op_id).collect();
            let response = self.transport.push(&PushRequest { device_id, ops }).await?;
            let outcomes: Vec<_> = response
                .results
                .into_iter()
                .filter(|r| sent.contains(&r.op_id))
                .map(|r| (r.op_id, r.outcome))
                .collect();
            if outcomes.is_empty() {
                // Nothing answered: pushing again would loop forever.
                return Err(
                    TransportError::Protocol("push answered no op of the batch".into()).into(),
                );
            }
            for (_, outcome) in &outcomes {
                match outcome {
                    crate::core::ops::OpOutcome::Applied => report.applied += 1,
                    crate::core::ops::OpOutcome::Duplicate => report.duplicate += 1,
                    crate::core::ops::OpOutcome::Rejected { .. } => report.rejected += 1,
                }
            }
            report.pushed += sent.len();
            crate::core::store::lock(&self.store).record_outcomes(&outcomes)?;
            if outcomes.len() < sent.len() {
                // Unanswered ops stay "sent" and go again next round.
                break;
            }
        }
        for _ in 0..MAX_PULL_PAGES {
            let cursor = crate::core::store::lock(&self.store).cursor()?;
            let page = self.transport.pull(cursor.as_deref()).await?;
            report.pulled += page.changes.len();
            crate::core::store::lock(&self.store).apply_pull(&page)?;
            if !page.has_more {
                break;
            }
        }
        if let Some(orders) = self.transport.open_orders().await? {
            report.pulled += orders.len();
            crate::core::store::lock(&self.store).replace_all(RefKind::PurchaseOrder, &orders)?;
        }
        crate::core::store::lock(&self.store).set_last_sync(Utc::now())?;
        Ok(report)
    }
}

/// What the sync status screen and the home badge show.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SyncStatus {
    pub online: bool,
    pub syncing: bool,
    pub pending: u64,
    pub rejected: u64,
    pub last_sync: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    /// The user must sign in again before sync resumes.
    pub needs_login: bool,
    pub consecutive_failures: u32,
    pub next_retry: Option<Duration>,
}

/// Reads the parts of the status the store knows.
pub fn status_from_store(store: &SharedStore, online: bool) -> Result<SyncStatus, StoreError> {
    let store = crate::core::store::lock(store);
    let counts = store.op_counts()?;
    Ok(SyncStatus {
        online,
        pending: counts.pending,
        rejected: counts.rejected,
        last_sync: store.last_sync()?,
        ..SyncStatus::default()
    })
}

/// What the UI needs from sync: the status to show and a way to ask for a round.
pub trait SyncControl: Send + Sync {
    fn status(&self) -> SyncStatus;
    fn sync_now(&self);
    /// A user signed in: sync from now on with their token and registered device.
    fn start(&self, _session: &AuthSession) {}
    /// The user signed out: stop syncing (the op log stays and goes with the next sign-in).
    fn stop(&self) {}
}

/// Makes the transport for a signed-in session (the HTTP client, or a fake in tests).
pub type TransportFactory =
    dyn Fn(&AuthSession) -> Result<Box<dyn SyncTransport>, TransportError> + Send + Sync;

/// Starts a runner for a signed-in session.
type RunnerStart = dyn Fn(&AuthSession) -> Result<SyncRunner, TransportError> + Send + Sync;

/// Sync that follows the sign-in: no background work while signed out, a [`SyncRunner`]
/// with the session's token while signed in. The launchers put this into `AppServices`.
pub struct SessionSync {
    store: SharedStore,
    network: Arc<dyn NetworkStatus>,
    start: Box<RunnerStart>,
    runner: Mutex<Option<SyncRunner>>,
    error: Mutex<Option<String>>,
}

impl SessionSync {
    /// Syncs over HTTP with the session's server and access token.
    pub fn http(store: SharedStore, network: Arc<dyn NetworkStatus>) -> Self {
        let (s, n) = (store.clone(), network.clone());
        Self::with_start(
            store,
            network,
            Box::new(move |session: &AuthSession| {
                let transport =
                    HttpTransport::new(session.server.as_str(), &session.tokens.access_token)?;
                let engine = SyncEngine::new(s.clone(), transport);
                Ok(SyncRunner::spawn(
                    engine,
                    n.clone(),
                    RunnerConfig::default(),
                ))
            }),
        )
    }

    pub fn with_factory(
        store: SharedStore,
        network: Arc<dyn NetworkStatus>,
        config: RunnerConfig,
        factory: Box<TransportFactory>,
    ) -> Self {
        let (s, n) = (store.clone(), network.clone());
        Self::with_start(
            store,
            network,
            Box::new(move |session: &AuthSession| {
                let engine = SyncEngine::new(s.clone(), factory(session)?);
                Ok(SyncRunner::spawn(engine, n.clone(), config))
            }),
        )
    }

    fn with_start(
        store: SharedStore,
        network: Arc<dyn NetworkStatus>,
        start: Box<RunnerStart>,
    ) -> Self {
        SessionSync {
            store,
            network,
            start,
            runner: Mutex::new(None),
            error: Mutex::new(None),
        }
    }

    /// Whether a background runner is active (signed in).
    pub fn is_running(&self) -> bool {
        self.runner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_some()
    }
}

impl SyncControl for SessionSync {
    fn status(&self) -> SyncStatus {
        if let Some(r) = &*self.runner.lock().unwrap_or_else(PoisonError::into_inner) {
            return r.status();
        }
        let mut s = status_from_store(&self.store, self.network.is_online()).unwrap_or_default();
        s.last_error = self
            .error
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        s.needs_login = true;
        s
    }

    fn sync_now(&self) {
        if let Some(r) = &*self.runner.lock().unwrap_or_else(PoisonError::into_inner) {
            r.sync_now();
        }
    }

    fn start(&self, session: &AuthSession) {
        self.stop();
        match (self.start)(session) {
            Ok(runner) => {
                *self.runner.lock().unwrap_or_else(PoisonError::into_inner) = Some(runner);
            }
            Err(e) => {
                *self.error.lock().unwrap_or_else(PoisonError::into_inner) = Some(e.to_string())
            }
        }
    }

    fn stop(&self) {
        let runner = self
            .runner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        // Dropping asks the loop to stop without waiting for a request in flight (the
        // UI thread calls this); the op log is safe either way.
        drop(runner);
    }
}

impl SyncControl for SyncRunner {
    fn status(&self) -> SyncStatus {
        SyncRunner::status(self)
    }
    fn sync_now(&self) {
        SyncRunner::sync_now(self)
    }
}

/// No background sync (signed out, tests): the status is read from the store, the
/// network state is as given, and "sync now" does nothing.
pub struct NoSync {
    pub store: SharedStore,
    pub network: Arc<dyn NetworkStatus>,
    /// An error to show, for rendering error states.
    pub error: Option<String>,
}

impl SyncControl for NoSync {
    fn status(&self) -> SyncStatus {
        let mut s = status_from_store(&self.store, self.network.is_online()).unwrap_or_default();
        s.last_error = self.error.clone();
        s
    }
    fn sync_now(&self) {}
}

enum Command {
    SyncNow,
    Stop,
}

/// Handle to the background sync loop (a thread natively, a browser task on wasm32).
pub struct SyncRunner {
    #[cfg(not(target_arch = "wasm32"))]
    tx: std::sync::mpsc::Sender<Command>,
    #[cfg(not(target_arch = "wasm32"))]
    handle: Option<std::thread::JoinHandle<()>>,
    #[cfg(target_arch = "wasm32")]
    tx: futures::channel::mpsc::UnboundedSender<Command>,
    status: Arc<Mutex<SyncStatus>>,
}

/// When the runner syncs without being asked.
#[derive(Debug, Clone, Copy)]
pub struct RunnerConfig {
    /// Between successful rounds (pull for news, push what accumulated).
    pub interval: Duration,
    /// How often to look again while the device says it is offline.
    pub offline_poll: Duration,
    pub backoff: BackoffPolicy,
}

impl Default for RunnerConfig {
    fn default() -> Self {
        RunnerConfig {
            interval: Duration::from_secs(30),
            offline_poll: Duration::from_secs(5),
            backoff: BackoffPolicy::default(),
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl SyncRunner {
    /// Starts the background loop. It syncs at once, then on [`SyncRunner::sync_now`],
    /// after each interval, and after backoff delays when a round failed.
    pub fn spawn<T: SyncTransport + 'static>(
        engine: SyncEngine<T>,
        network: Arc<dyn NetworkStatus>,
        config: RunnerConfig,
    ) -> SyncRunner {
        use std::sync::mpsc::RecvTimeoutError;
        let (tx, rx) = std::sync::mpsc::channel();
        let initial = status_from_store(engine.store(), network.is_online()).unwrap_or_default();
        let status = Arc::new(Mutex::new(initial));
        let shared = status.clone();
        let handle = std::thread::Builder::new()
            .name("sync".into())
            .spawn(move || {
                let mut rng = rand::thread_rng();
                let mut wait = Duration::ZERO;
                loop {
                    match rx.recv_timeout(wait) {
                        Ok(Command::Stop) | Err(RecvTimeoutError::Disconnected) => return,
                        Ok(Command::SyncNow) | Err(RecvTimeoutError::Timeout) => {}
                    }
                    let online = network.is_online();
                    if !online {
                        refresh(engine.store(), &shared, false);
                        wait = config.offline_poll;
                        continue;
                    }
                    lock_status(&shared).syncing = true;
                    let result = engine.sync_once();
                    refresh(engine.store(), &shared, true);
                    wait = after_round(&mut lock_status(&shared), result, &config, &mut rng);
                }
            })
            .expect("spawning the sync thread");
        SyncRunner {
            tx,
            status,
            handle: Some(handle),
        }
    }

    /// Runs a round now (the "sync" button, the network coming back, a new op).
    pub fn sync_now(&self) {
        let _ = self.tx.send(Command::SyncNow);
    }

    /// Stops the loop and waits for it.
    pub fn stop(mut self) {
        let _ = self.tx.send(Command::Stop);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

#[cfg(target_arch = "wasm32")]
impl SyncRunner {
    /// Starts the background loop as a task on the browser's event loop: it syncs at
    /// once, then on [`SyncRunner::sync_now`], after each interval (a timer), and after
    /// backoff delays when a round failed. The page's single thread runs it between
    /// UI events; requests are the browser's fetch, so nothing blocks.
    pub fn spawn<T: AsyncTransport + 'static>(
        engine: SyncEngine<T>,
        network: Arc<dyn NetworkStatus>,
        config: RunnerConfig,
    ) -> SyncRunner {
        use futures::future::Either;
        use futures::StreamExt;
        let (tx, mut rx) = futures::channel::mpsc::unbounded();
        let initial = status_from_store(engine.store(), network.is_online()).unwrap_or_default();
        let status = Arc::new(Mutex::new(initial));
        let shared = status.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let mut rng = rand::thread_rng();
            let mut wait = Duration::ZERO;
            loop {
                let timer = gloo_timers::future::sleep(wait);
                match futures::future::select(rx.next(), timer).await {
                    Either::Left((Some(Command::Stop) | None, _)) => return,
                    Either::Left((Some(Command::SyncNow), _)) | Either::Right(_) => {}
                }
                let online = network.is_online();
                if !online {
                    refresh(engine.store(), &shared, false);
                    wait = config.offline_poll;
                    continue;
                }
                lock_status(&shared).syncing = true;
                let result = engine.sync_round().await;
                refresh(engine.store(), &shared, true);
                wait = after_round(&mut lock_status(&shared), result, &config, &mut rng);
            }
        });
        SyncRunner { tx, status }
    }

    /// Runs a round now (the "sync" button, the network coming back, a new op).
    pub fn sync_now(&self) {
        let _ = self.tx.unbounded_send(Command::SyncNow);
    }

    /// Stops the loop (after the round in flight, if any).
    pub fn stop(self) {
        let _ = self.tx.unbounded_send(Command::Stop);
    }
}

impl SyncRunner {
    pub fn status(&self) -> SyncStatus {
        lock_status(&self.status).clone()
    }

    fn send_stop(&self) {
        #[cfg(not(target_arch = "wasm32"))]
        let _ = self.tx.send(Command::Stop);
        #[cfg(target_arch = "wasm32")]
        let _ = self.tx.unbounded_send(Command::Stop);
    }
}

impl Drop for SyncRunner {
    fn drop(&mut self) {
        self.send_stop();
    }
}

fn lock_status(status: &Mutex<SyncStatus>) -> std::sync::MutexGuard<'_, SyncStatus> {
    status.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Folds a round's outcome into the status; answers how long to wait for the next round.
fn after_round(
    s: &mut SyncStatus,
    result: Result<SyncReport, SyncError>,
    config: &RunnerConfig,
    rng: &mut impl rand::Rng,
) -> Duration {
    s.syncing = false;
    let wait = match result {
        Ok(_) => {
            s.consecutive_failures = 0;
            s.last_error = None;
            s.needs_login = false;
            s.next_retry = None;
            return config.interval;
        }
        Err(e) => {
            s.last_error = Some(e.to_string());
            if e.is_retriable() {
                if matches!(e, SyncError::Transport(TransportError::Unreachable(_))) {
                    s.online = false;
                }
                let wait = config.backoff.delay(s.consecutive_failures, rng);
                s.consecutive_failures += 1;
                wait
            } else {
                // Needs the user (sign in, fix storage): wait to be asked, but look
                // again now and then.
                s.needs_login = matches!(e, SyncError::Transport(TransportError::Unauthorized));
                config.backoff.cap
            }
        }
    };
    s.next_retry = Some(wait);
    wait
}

fn refresh(store: &SharedStore, shared: &Mutex<SyncStatus>, online: bool) {
    if let Ok(fresh) = status_from_store(store, online) {
        let mut s = lock_status(shared);
        s.online = online;
        s.pending = fresh.pending;
        s.rejected = fresh.rejected;
        s.last_sync = fresh.last_sync;
    }
}
