//! The cycle-count schedule job: every minute, each worker process runs the
//! schedules that are due, one transaction per schedule. A schedule is claimed
//! with `SKIP LOCKED` (`count_schedule_claim`), so processes never run the same
//! one twice, and its `next_run_at` moves on in the transaction that opened the
//! session: a run is recorded exactly when its session exists.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use tokio::sync::watch;

/// How often the job looks for due schedules.
pub const TICK: Duration = Duration::from_secs(60);

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

/// Ticks until `shutdown` turns true.
pub async fn run(db: PgPool, mut shutdown: watch::Receiver<bool>) {
    loop {
        if let Err(e) = run_due(&db, Utc::now()).await {
            tracing::warn!(error = format!("{e:#}"), "count schedule job failed");
        }
        tokio::select! {
            _ = tokio::time::sleep(TICK) => {}
            _ = shutdown.wait_for(|s| *s) => return,
        }
    }
}
