//! The outbox as the worker sees it. `claim` is the one cross-tenant call (a narrow
//! definer function); it also scopes the claiming transaction to the destination's
//! tenant, so everything after it is subject to row-level security as usual.

use chrono::{DateTime, Utc};
use shared_types::events::Event;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::db::events::EventRow;

/// A destination locked by this worker's transaction until it commits or dies.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Claim {
    pub destination_id: Uuid,
    pub tenant_id: Uuid,
    pub kind: String,
    pub consecutive_failures: i32,
}

/// Locks one due destination (skipping those other workers hold) and sets the
/// transaction's tenant to its tenant.
pub async fn claim(conn: &mut PgConnection) -> Result<Option<Claim>, sqlx::Error> {
    let claim: Option<Claim> = sqlx::query_as(
        "SELECT destination_id, tenant_id, kind, consecutive_failures FROM outbox_claim_destination()",
    )
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(c) = &claim {
        sqlx::query("SELECT set_config('app.tenant_id', $1, true)")
            .bind(c.tenant_id.to_string())
            .execute(conn)
            .await?;
    }
    Ok(claim)
}

/// Where and how a webhook destination is sent to.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct WebhookTarget {
    pub url: String,
    pub secret: String,
    pub previous_secret: Option<String>,
    pub previous_secret_until: Option<DateTime<Utc>>,
    pub is_active: bool,
}

pub async fn webhook_target(
    conn: &mut PgConnection,
    destination: Uuid,
) -> Result<Option<WebhookTarget>, sqlx::Error> {
    sqlx::query_as(
        "SELECT url, secret, previous_secret, previous_secret_until, is_active
           FROM webhook_subscriptions WHERE id = $1",
    )
    .bind(destination)
    .fetch_optional(conn)
    .await
}

/// A pending delivery with the event it carries.
pub struct Pending {
    pub delivery_id: Uuid,
    pub attempts: i32,
    pub event: Event,
}

#[derive(sqlx::FromRow)]
struct PendingRow {
    delivery_id: Uuid,
    attempts: i32,
    #[sqlx(flatten)]
    event: EventRow,
}

/// The destination's pending deliveries in event order.
pub async fn pending(
    conn: &mut PgConnection,
    destination: Uuid,
    limit: i64,
) -> Result<Vec<Pending>, sqlx::Error> {
    let rows: Vec<PendingRow> = sqlx::query_as(
        "SELECT o.id AS delivery_id, o.attempts, e.id, e.seq, e.kind, e.actor_user_id,
                e.request_id, e.subject_type, e.subject_id, e.data, e.created_at, e.hash
           FROM outbox o JOIN events e ON e.id = o.event_id
          WHERE o.destination_id = $1 AND o.status = 'pending'
          ORDER BY o.event_seq, o.created_at, o.id
          LIMIT $2",
    )
    .bind(destination)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Pending {
            delivery_id: r.delivery_id,
            attempts: r.attempts,
            event: r.event.into(),
        })
        .collect())
}

/// The result of one attempt.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub delivered: bool,
    /// Give up: this was the last allowed attempt.
    pub dead: bool,
    pub status_code: Option<i32>,
    pub error: Option<String>,
}

/// Records an attempt on the delivery row.
pub async fn record(
    conn: &mut PgConnection,
    delivery: Uuid,
    outcome: &Outcome,
) -> Result<(), sqlx::Error> {
    let status = if outcome.delivered {
        "delivered"
    } else if outcome.dead {
        "dead"
    } else {
        "pending"
    };
    sqlx::query(
        "UPDATE outbox SET status = $2, attempts = attempts + 1, last_attempt_at = now(),
                last_status_code = $3, last_error = $4,
                delivered_at = CASE WHEN $2 = 'delivered' THEN now() END
          WHERE id = $1 AND status = 'pending'",
    )
    .bind(delivery)
    .bind(status)
    .bind(outcome.status_code)
    .bind(&outcome.error)
    .execute(conn)
    .await?;
    Ok(())
}

/// After a successful run: closes the circuit.
pub async fn destination_ok(conn: &mut PgConnection, destination: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE outbox_destinations SET consecutive_failures = 0, circuit_open_until = NULL,
                next_attempt_at = now(), updated_at = now()
          WHERE id = $1 AND (consecutive_failures <> 0 OR circuit_open_until IS NOT NULL)",
    )
    .bind(destination)
    .execute(conn)
    .await?;
    Ok(())
}

/// After a failure: stores the run of failures and holds the destination back for `delay_ms`, or opens
/// the circuit for `open_ms` when `open` is set.
pub async fn destination_failed(
    conn: &mut PgConnection,
    destination: Uuid,
    failures: i32,
    delay_ms: i64,
    open: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE outbox_destinations
            SET consecutive_failures = $4,
                next_attempt_at = now() + make_interval(secs => $2::float8 / 1000),
                circuit_open_until = CASE WHEN $3 THEN now() + make_interval(secs => $2::float8 / 1000) END,
                updated_at = now()
          WHERE id = $1",
    )
    .bind(destination)
    .bind(delay_ms)
    .bind(open)
    .bind(failures)
    .execute(conn)
    .await?;
    Ok(())
}

/// Marks deliveries delivered (in the caller's transaction, so together with the
/// work they triggered).
pub async fn delivered_all(
    conn: &mut PgConnection,
    deliveries: &[Uuid],
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE outbox SET status = 'delivered', attempts = attempts + 1,
                last_attempt_at = now(), delivered_at = now(), last_error = NULL
          WHERE id = ANY($1) AND status = 'pending'",
    )
    .bind(deliveries)
    .execute(conn)
    .await?;
    Ok(())
}
