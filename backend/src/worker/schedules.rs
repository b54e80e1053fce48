//! The scheduled jobs, every minute in each worker process.
//!
//! Cycle counts: each worker process runs the count schedules that are due, one
//! transaction per schedule. A schedule is claimed
//! with `SKIP LOCKED` (`count_schedule_claim`), so processes never run the same
//! one twice, and its `next_run_at` moves on in the transaction that opened the
//! session: a run is recorded exactly when its session exists.

//!
//! Reorder sweep: every active reorder rule not evaluated for a day is
//! re-evaluated ([`sweep_reorder`]), so a demand-driven rule whose window slid
//! raises `reorder.suggested` even when nothing moved.
//!
//! Pending events: events a crash left unchained between a commit and its seal
//! (see `db::events::append_pending`) are sealed.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use tokio::sync::watch;

/// How often the job looks for due schedules.
pub const TICK: Duration = Duration::from_secs(60);
/// Events pending for longer than this were left behind by a crash between a
/// commit and its seal (a request seals its own within milliseconds).
const STRAGGLER_AGE: Duration = Duration::from_secs(10);

/// Runs every schedule due at `now`; answers how many ran.
pub async fn run_due(db: &PgPool, now: DateTime<Utc>) -> anyhow::Result<usize> {
    let mut ran = 0;
    // Bounded, so one tick cannot spin forever on a schedule that stays due.
    while ran < 10_000 {
        let mut tx = db.begin().await?;
        let Some((schedule, tenant)) = crate::db::count_schedules::claim_due(&mut tx, now).await?
        else {
            tx.rollback().await?;
            break;
        };
        match crate::http::count_schedules::run_schedule(&mut tx, schedule, now, true).await {
            Ok(run) => {
                tx.commit().await?;
                tracing::info!(%tenant, %schedule, session = ?run.session_id, "count schedule ran");
                ran += 1;
            }
            Err(e) => {
                tx.rollback().await?;
                return Err(anyhow::anyhow!(
                    "count schedule {schedule} of tenant {tenant}: {e}"
                ));
            }
        }
    }
    Ok(ran)
}

/// Rules swept per transaction.
const SWEEP_BATCH: i32 = 500;

/// Re-evaluates every active reorder rule not evaluated since a day before
/// `now`, one tenant batch per transaction; answers (rules swept, events raised).
pub async fn sweep_reorder(db: &PgPool, now: DateTime<Utc>) -> anyhow::Result<(usize, usize)> {
    let stale_before = now - chrono::Duration::days(1);
    let (mut swept, mut raised) = (0, 0);
    while swept < 1_000_000 {
        let mut tx = db.begin().await?;
        let Some((tenant, rules)) =
            crate::db::reorder::claim_stale(&mut tx, stale_before, SWEEP_BATCH).await?
        else {
            tx.rollback().await?;
            break;
        };
        let n = crate::db::reorder::sweep(&mut tx, &rules, now).await?;
        tx.commit().await?;
        // `reorder.suggested` is chained after commit (db::events::append_pending).
        crate::db::events::seal_pending(db, tenant).await?;
        tracing::info!(%tenant, rules = rules.len(), raised = n, "reorder rules re-evaluated");
        swept += rules.len();
        raised += n;
    }
    Ok((swept, raised))
}

/// Ticks until `shutdown` turns true.
pub async fn run(db: PgPool, mut shutdown: watch::Receiver<bool>) {
    loop {
        if let Err(e) = run_due(&db, Utc::now()).await {
            tracing::warn!(error = format!("{e:#}"), "count schedule job failed");
        }
        if let Err(e) = sweep_reorder(&db, Utc::now()).await {
            tracing::warn!(error = format!("{e:#}"), "reorder sweep failed");
        }
        match crate::db::events::seal_stragglers(&db, STRAGGLER_AGE).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(sealed = n, "pending events sealed by the sweep"),
            Err(e) => tracing::warn!(error = %e, "sealing pending events failed"),
        }
        tokio::select! {
            _ = tokio::time::sleep(TICK) => {}
            _ = shutdown.wait_for(|s| *s) => return,
        }
    }
}
