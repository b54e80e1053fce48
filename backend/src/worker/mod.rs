//! The outbox worker: runs inside `elevate serve` and as `elevate worker` processes.
//!
//! Each lane loops: begin a transaction, claim one due destination (a row lock taken
//! with `SKIP LOCKED`, so lanes and processes never share a destination), read its
//! pending deliveries in event order and send them one by one. Each attempt's result
//! is committed on its own at once; the destination lock is held until the batch ends.
//! If the process dies, PostgreSQL drops the connection and with it the lock, and the
//! delivery that was in flight is still `pending`: it is sent again (at least once;
//! receivers dedupe by the delivery id). A failure stops the batch (order is kept),
//! backs the destination off exponentially with jitter, and after
//! `breaker_threshold` failures in a row opens its circuit for `breaker_cooldown_secs`.
//! A delivery that fails `max_attempts` times becomes a dead letter (replayable).

pub mod notify;
pub mod schedules;
pub mod scoring;
pub mod webhook;

use std::sync::Arc;
use std::time::Duration;

use rand::Rng;
use shared_types::events::Event;
use sqlx::postgres::PgListener;
use sqlx::PgPool;
use tokio::sync::{watch, Notify};
use uuid::Uuid;

use crate::config::WorkerSettings;
use crate::db::outbox::{self, Claim, Outcome};
use crate::http::ctx::begin_tenant_tx;
use crate::push::{PushOutcome, PushSender};

/// Events taken per lead-scoring batch (rescoring is per contact, so batches can be large).
const SCORING_BATCH: i64 = 1000;

/// Channel the outbox trigger notifies on commit.
pub const WAKE_CHANNEL: &str = "elevate_outbox";

pub struct Worker {
    db: PgPool,
    cfg: WorkerSettings,
    http: reqwest::Client,
    push: Option<Arc<dyn PushSender>>,
    wake: Notify,
}

/// Runs the worker until `shutdown` turns true; lanes finish their current delivery.
pub async fn run(
    db: PgPool,
    cfg: WorkerSettings,
    push: Option<Arc<dyn PushSender>>,
    mut shutdown: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(cfg.http_timeout_secs))
        .user_agent(concat!("ElevateCRM-Webhooks/", env!("CARGO_PKG_VERSION")))
        .build()?;
    let lanes = cfg.concurrency.max(1);
    let worker = Arc::new(Worker {
        db: db.clone(),
        cfg,
        http,
        push,
        wake: Notify::new(),
    });
    let listener = {
        let w = worker.clone();
        tokio::spawn(async move { w.listen().await })
    };
    let mut handles = Vec::new();
    for _ in 0..lanes {
        let w = worker.clone();
        let sd = shutdown.clone();
        handles.push(tokio::spawn(async move { w.lane(sd).await }));
    }
    let schedules = tokio::spawn(schedules::run(db.clone(), shutdown.clone()));
    tracing::info!(lanes, "outbox worker started");
    let _ = shutdown.wait_for(|s| *s).await;
    worker.wake.notify_waiters();
    for h in handles {
        let _ = h.await;
    }
    listener.abort();
    let _ = schedules.await;
    tracing::info!("outbox worker stopped");
    Ok(())
}

/// Exponential backoff with jitter: `base · 2^(attempt-1)`, capped, times 0.5–1.0.
pub fn backoff_ms(cfg: &WorkerSettings, attempt: i32) -> i64 {
    let exp = attempt.clamp(1, 30) - 1;
    let full = (cfg.retry_base_ms as f64 * 2f64.powi(exp)).min(cfg.retry_max_ms as f64);
    let jitter: f64 = rand::thread_rng().gen_range(0.5..=1.0);
    (full * jitter).round() as i64
}

impl Worker {
    /// Wakes idle lanes when the outbox trigger notifies (after the event commits).
    async fn listen(self: Arc<Self>) {
        loop {
            match PgListener::connect_with(&self.db).await {
                Ok(mut l) => {
                    if l.listen(WAKE_CHANNEL).await.is_ok() {
                        while l.recv().await.is_ok() {
                            self.wake.notify_waiters();
                        }
                    }
                }
                Err(e) => tracing::warn!(error = %e, "outbox listener cannot connect"),
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }

    async fn lane(self: Arc<Self>, shutdown: watch::Receiver<bool>) {
        let idle = Duration::from_millis(self.cfg.poll_interval_ms.max(10));
        while !*shutdown.borrow() {
            // Register interest before looking, so a wake-up during the look is not lost.
            let notified = self.wake.notified();
            match self.process_one(&shutdown).await {
                Ok(true) => continue,
                Ok(false) => {
                    let _ = tokio::time::timeout(idle, notified).await;
                }
                Err(e) => {
                    tracing::warn!(error = format!("{e:#}"), "outbox lane error");
                    tokio::time::sleep(idle).await;
                }
            }
        }
    }

    /// Claims and works one destination; `false` when nothing was due.
    async fn process_one(&self, shutdown: &watch::Receiver<bool>) -> anyhow::Result<bool> {
        let mut lock = self.db.begin().await?;
        let Some(claim) = outbox::claim(&mut lock).await? else {
            lock.rollback().await?;
            return Ok(false);
        };
        match claim.kind.as_str() {
            "webhook" => self.webhooks(&mut lock, &claim, shutdown).await?,
            "notify" => self.notifications(&mut lock, &claim, shutdown).await?,
            "scoring" => self.scoring(&mut lock, &claim).await?,
            other => tracing::warn!(kind = other, "unknown outbox destination kind"),
        }
        lock.commit().await?;
        Ok(true)
    }

    async fn webhooks(
        &self,
        lock: &mut sqlx::PgConnection,
        claim: &Claim,
        shutdown: &watch::Receiver<bool>,
    ) -> anyhow::Result<()> {
        let Some(target) = outbox::webhook_target(lock, claim.destination_id).await? else {
            return Ok(());
        };
        let batch = outbox::pending(lock, claim.destination_id, self.cfg.batch_size).await?;
        let now = chrono::Utc::now();
        let mut secrets = vec![target.secret.as_str()];
        if let (Some(prev), Some(until)) = (&target.previous_secret, target.previous_secret_until) {
            if until > now {
                secrets.push(prev.as_str());
            }
        }
        let mut prior_failures = claim.consecutive_failures;
        for p in batch {
            if *shutdown.borrow() {
                break;
            }
            let result = webhook::send(
                &self.http,
                &target.url,
                &secrets,
                p.delivery_id,
                claim.tenant_id,
                &p.event,
            )
            .await;
            let attempt = p.attempts + 1;
            let outcome = match result {
                Ok(code) if (200..300).contains(&code) => Outcome {
                    delivered: true,
                    dead: false,
                    status_code: Some(code),
                    error: None,
                },
                Ok(code) => Outcome {
                    delivered: false,
                    dead: attempt >= self.cfg.max_attempts,
                    status_code: Some(code),
                    error: Some(format!("receiver answered HTTP {code}")),
                },
                Err(e) => Outcome {
                    delivered: false,
                    dead: attempt >= self.cfg.max_attempts,
                    status_code: None,
                    error: Some(truncate(&e, 500)),
                },
            };
            self.record(claim.tenant_id, p.delivery_id, &outcome)
                .await?;
            if outcome.delivered {
                prior_failures = 0;
            } else {
                let failures = prior_failures + 1;
                let open = failures >= self.cfg.breaker_threshold;
                let delay = if open {
                    (self.cfg.breaker_cooldown_secs * 1000) as i64
                } else {
                    backoff_ms(&self.cfg, attempt)
                };
                if open {
                    tracing::warn!(destination = %claim.destination_id, failures, "circuit opened");
                }
                outbox::destination_failed(lock, claim.destination_id, failures, delay, open)
                    .await?;
                return Ok(());
            }
        }
        if claim.consecutive_failures != 0 {
            outbox::destination_ok(lock, claim.destination_id).await?;
        }
        Ok(())
    }

    /// Stores in-app notifications for each pending event and pushes them to the
    /// recipients' devices. A push that should be retried (429, 5xx) fails the
    /// delivery, which is retried with backoff; notifications are stored once per
    /// user and event, and only pushes not yet sent are sent again.
    async fn notifications(
        &self,
        lock: &mut sqlx::PgConnection,
        claim: &Claim,
        shutdown: &watch::Receiver<bool>,
    ) -> anyhow::Result<()> {
        use crate::db::notifications as ndb;
        let batch = outbox::pending(lock, claim.destination_id, self.cfg.batch_size).await?;
        let mut prior_failures = claim.consecutive_failures;
        for p in batch {
            if *shutdown.borrow() {
                break;
            }
            let mut tx = begin_tenant_tx(&self.db, claim.tenant_id, None).await?;
            let rendered = notify::render(&mut tx, &p.event).await?;
            let mut retry: Option<String> = None;
            if let Some(r) = &rendered {
                for user in &r.recipients {
                    ndb::insert(
                        &mut tx,
                        *user,
                        p.event.id,
                        &p.event.kind,
                        &r.title,
                        &r.body,
                        &p.event.data,
                    )
                    .await?;
                }
                tx.commit().await?;
                let msg = notify::message(&p.event, r);
                let mut tx = begin_tenant_tx(&self.db, claim.tenant_id, None).await?;
                for (notification, user) in ndb::unpushed(&mut tx, p.event.id).await? {
                    let mut pushed = true;
                    if let Some(sender) = &self.push {
                        for (token_id, token) in ndb::tokens_of(&mut tx, user).await? {
                            match sender.send(&token, &msg).await {
                                PushOutcome::Sent => {}
                                PushOutcome::Unregistered => {
                                    ndb::delete_token(&mut tx, token_id).await?;
                                }
                                PushOutcome::Retry(e) => {
                                    pushed = false;
                                    retry = Some(e);
                                }
                                PushOutcome::Failed(e) => {
                                    tracing::warn!(error = %e, "push failed permanently");
                                }
                            }
                        }
                    }
                    if pushed {
                        ndb::mark_pushed(&mut tx, notification).await?;
                    }
                }
                tx.commit().await?;
            } else {
                tx.commit().await?;
            }
            let attempt = p.attempts + 1;
            let outcome = Outcome {
                delivered: retry.is_none(),
                dead: retry.is_some() && attempt >= self.cfg.max_attempts,
                status_code: None,
                error: retry.clone(),
            };
            self.record(claim.tenant_id, p.delivery_id, &outcome)
                .await?;
            if outcome.delivered {
                prior_failures = 0;
            } else {
                let failures = prior_failures + 1;
                let open = failures >= self.cfg.breaker_threshold;
                let delay = if open {
                    (self.cfg.breaker_cooldown_secs * 1000) as i64
                } else {
                    backoff_ms(&self.cfg, attempt)
                };
                outbox::destination_failed(lock, claim.destination_id, failures, delay, open)
                    .await?;
                return Ok(());
            }
        }
        if claim.consecutive_failures != 0 {
            outbox::destination_ok(lock, claim.destination_id).await?;
        }
        Ok(())
    }

    /// Keeps lead scores fresh: rescoring the contacts a batch of events touched
    /// (or everything, retraining the model, when outcomes or weights changed) and
    /// marking the batch delivered in the same transaction, so a batch's effect is
    /// stored exactly when its deliveries are done.
    async fn scoring(&self, lock: &mut sqlx::PgConnection, claim: &Claim) -> anyhow::Result<()> {
        let batch = outbox::pending(lock, claim.destination_id, SCORING_BATCH).await?;
        if batch.is_empty() {
            return Ok(());
        }
        let events: Vec<&Event> = batch.iter().map(|p| &p.event).collect();
        let work = scoring::Work::of(&events);
        let ids: Vec<Uuid> = batch.iter().map(|p| p.delivery_id).collect();
        let result: anyhow::Result<()> = async {
            let mut tx = begin_tenant_tx(&self.db, claim.tenant_id, None).await?;
            scoring::apply(&mut tx, &work).await?;
            outbox::delivered_all(&mut tx, &ids).await?;
            tx.commit().await?;
            Ok(())
        }
        .await;
        match result {
            Ok(()) => {
                if claim.consecutive_failures != 0 {
                    outbox::destination_ok(lock, claim.destination_id).await?;
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, destination = %claim.destination_id, "lead scoring failed");
                let failures = claim.consecutive_failures + 1;
                let open = failures >= self.cfg.breaker_threshold;
                let delay = if open {
                    (self.cfg.breaker_cooldown_secs * 1000) as i64
                } else {
                    backoff_ms(&self.cfg, failures)
                };
                outbox::destination_failed(lock, claim.destination_id, failures, delay, open)
                    .await?;
            }
        }
        Ok(())
    }

    /// Commits an attempt's result on its own, so it survives the worker dying.
    async fn record(&self, tenant: Uuid, delivery: Uuid, outcome: &Outcome) -> anyhow::Result<()> {
        let mut tx = begin_tenant_tx(&self.db, tenant, None).await?;
        outbox::record(&mut tx, delivery, outcome).await?;
        tx.commit().await?;
        Ok(())
    }
}

fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}
