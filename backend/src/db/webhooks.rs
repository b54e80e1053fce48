//! Webhook subscriptions and their delivery log (outbox rows).

use chrono::{DateTime, Utc};
use shared_types::events::{WebhookDelivery, WebhookSubscription};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::http::extract::Paging;

#[derive(sqlx::FromRow)]
struct SubRow {
    id: Uuid,
    url: String,
    event_types: Vec<String>,
    description: Option<String>,
    is_active: bool,
    previous_secret_until: Option<DateTime<Utc>>,
    consecutive_failures: i32,
    circuit_open_until: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
}

impl From<SubRow> for WebhookSubscription {
    fn from(r: SubRow) -> Self {
        WebhookSubscription {
            id: r.id,
            url: r.url,
            event_types: r.event_types,
            description: r.description,
            is_active: r.is_active,
            previous_secret_until: r.previous_secret_until,
            consecutive_failures: r.consecutive_failures,
            circuit_open_until: r.circuit_open_until,
            created_at: r.created_at,
        }
    }
}

const SUB_SELECT: &str = "SELECT s.id, s.url, s.event_types, s.description, s.is_active,
        s.previous_secret_until, d.consecutive_failures, d.circuit_open_until, s.created_at
   FROM webhook_subscriptions s JOIN outbox_destinations d ON d.id = s.id
  WHERE s.deleted_at IS NULL";

/// Creates the subscription and its outbox destination.
pub async fn create(
    conn: &mut PgConnection,
    url: &str,
    event_types: &[String],
    description: Option<&str>,
    secret: &str,
    created_by: Uuid,
) -> Result<WebhookSubscription, sqlx::Error> {
    let id = Uuid::now_v7();
    sqlx::query("INSERT INTO outbox_destinations (id, kind) VALUES ($1, 'webhook')")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO webhook_subscriptions (id, url, event_types, description, secret, created_by_id)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(url)
    .bind(event_types)
    .bind(description)
    .bind(secret)
    .bind(created_by)
    .execute(&mut *conn)
    .await?;
    Ok(get(conn, id).await?.expect("just inserted"))
}

pub async fn get(
    conn: &mut PgConnection,
    id: Uuid,
) -> Result<Option<WebhookSubscription>, sqlx::Error> {
    let row: Option<SubRow> = sqlx::query_as(&format!("{SUB_SELECT} AND s.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    Ok(row.map(Into::into))
}

pub async fn list(
    conn: &mut PgConnection,
    paging: Paging,
) -> Result<(Vec<WebhookSubscription>, i64), sqlx::Error> {
    let total: i64 =
        sqlx::query_scalar("SELECT count(*) FROM webhook_subscriptions WHERE deleted_at IS NULL")
            .fetch_one(&mut *conn)
            .await?;
    let rows: Vec<SubRow> = sqlx::query_as(&format!(
        "{SUB_SELECT} ORDER BY s.created_at DESC, s.id LIMIT $1 OFFSET $2"
    ))
    .bind(paging.limit)
    .bind(paging.offset)
    .fetch_all(conn)
    .await?;
    Ok((rows.into_iter().map(Into::into).collect(), total))
}

/// Deletes the subscription: no new deliveries, pending ones become dead letters,
/// and it leaves the list (the delivery log stays). `false` when there is none.
pub async fn delete(conn: &mut PgConnection, id: Uuid) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE webhook_subscriptions SET is_active = false, deleted_at = now()
          WHERE id = $1 AND deleted_at IS NULL",
    )
    .bind(id)
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    kill_pending(conn, id, "subscription deleted").await?;
    Ok(true)
}

/// Turns deliveries on or off. Disabling makes pending deliveries dead letters;
/// enabling closes the circuit. `false` when there is no such subscription.
pub async fn set_active(
    conn: &mut PgConnection,
    id: Uuid,
    active: bool,
) -> Result<bool, sqlx::Error> {
    let was: Option<bool> = sqlx::query_scalar(
        "SELECT is_active FROM webhook_subscriptions WHERE id = $1 AND deleted_at IS NULL FOR UPDATE",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(was) = was else {
        return Ok(false);
    };
    if was == active {
        return Ok(true);
    }
    sqlx::query("UPDATE webhook_subscriptions SET is_active = $2 WHERE id = $1")
        .bind(id)
        .bind(active)
        .execute(&mut *conn)
        .await?;
    if active {
        sqlx::query(
            "UPDATE outbox_destinations SET next_attempt_at = now(), circuit_open_until = NULL,
                    consecutive_failures = 0 WHERE id = $1",
        )
        .bind(id)
        .execute(conn)
        .await?;
    } else {
        kill_pending(conn, id, "subscription disabled").await?;
    }
    Ok(true)
}

/// Changes the URL, event kinds or description.
pub async fn update_fields(
    conn: &mut PgConnection,
    id: Uuid,
    url: Option<&str>,
    event_types: Option<&[String]>,
    description: Option<&str>,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE webhook_subscriptions
            SET url = coalesce($2, url), event_types = coalesce($3, event_types),
                description = coalesce($4, description)
          WHERE id = $1 AND deleted_at IS NULL",
    )
    .bind(id)
    .bind(url)
    .bind(event_types)
    .bind(description)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Queues a delivery of `event` to this subscription only (a test): the rows the
/// event fanned out to other subscriptions are removed. Answers the delivery.
pub async fn queue_only(
    conn: &mut PgConnection,
    id: Uuid,
    event: &shared_types::events::Event,
) -> Result<WebhookDelivery, sqlx::Error> {
    sqlx::query("DELETE FROM outbox WHERE event_id = $1 AND destination_id <> $2")
        .bind(event.id)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO outbox (id, destination_id, event_id, event_seq, event_kind)
         SELECT gen_random_uuid(), $2, $1, $3, $4
          WHERE NOT EXISTS (SELECT 1 FROM outbox WHERE event_id = $1 AND destination_id = $2)",
    )
    .bind(event.id)
    .bind(id)
    .bind(event.seq)
    .bind(&event.kind)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE outbox_destinations SET next_attempt_at = now(), circuit_open_until = NULL,
                consecutive_failures = 0 WHERE id = $1",
    )
    .bind(id)
    .execute(&mut *conn)
    .await?;
    let row: DeliveryRow = sqlx::query_as(&format!(
        "SELECT {DELIVERY_COLUMNS} FROM outbox WHERE event_id = $1 AND destination_id = $2"
    ))
    .bind(event.id)
    .bind(id)
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query("SELECT pg_notify('elevate_outbox', '')")
        .execute(conn)
        .await?;
    Ok(row.into())
}

async fn kill_pending(conn: &mut PgConnection, id: Uuid, why: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE outbox SET status = 'dead', last_error = $2
          WHERE destination_id = $1 AND status = 'pending'",
    )
    .bind(id)
    .bind(why)
    .execute(conn)
    .await?;
    Ok(())
}

/// Replaces the secret; the old one keeps signing (as a second `v1=`) until `grace` ends.
pub async fn rotate_secret(
    conn: &mut PgConnection,
    id: Uuid,
    new_secret: &str,
    grace_secs: i64,
) -> Result<Option<WebhookSubscription>, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE webhook_subscriptions
            SET previous_secret = secret, secret = $2,
                previous_secret_until = now() + make_interval(secs => $3)
          WHERE id = $1 AND is_active",
    )
    .bind(id)
    .bind(new_secret)
    .bind(grace_secs as f64)
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 0 {
        return Ok(None);
    }
    get(conn, id).await
}

#[derive(sqlx::FromRow)]
struct DeliveryRow {
    id: Uuid,
    destination_id: Uuid,
    event_id: Uuid,
    event_seq: i64,
    event_kind: String,
    status: String,
    attempts: i32,
    last_attempt_at: Option<DateTime<Utc>>,
    last_status_code: Option<i32>,
    last_error: Option<String>,
    created_at: DateTime<Utc>,
    delivered_at: Option<DateTime<Utc>>,
}

impl From<DeliveryRow> for WebhookDelivery {
    fn from(r: DeliveryRow) -> Self {
        WebhookDelivery {
            id: r.id,
            subscription_id: r.destination_id,
            event_id: r.event_id,
            event_seq: r.event_seq,
            event_kind: r.event_kind,
            status: r.status,
            attempts: r.attempts,
            last_attempt_at: r.last_attempt_at,
            last_status_code: r.last_status_code,
            last_error: r.last_error,
            created_at: r.created_at,
            delivered_at: r.delivered_at,
        }
    }
}

const DELIVERY_COLUMNS: &str =
    "id, destination_id, event_id, event_seq, event_kind, status, attempts,
    last_attempt_at, last_status_code, last_error, created_at, delivered_at";

/// A subscription's deliveries, newest first, optionally only one status.
pub async fn list_deliveries(
    conn: &mut PgConnection,
    subscription: Uuid,
    status: Option<&str>,
    paging: Paging,
) -> Result<(Vec<WebhookDelivery>, i64), sqlx::Error> {
    let filter = "destination_id = $1 AND ($2::text IS NULL OR status = $2)";
    let total: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM outbox WHERE {filter}"))
        .bind(subscription)
        .bind(status)
        .fetch_one(&mut *conn)
        .await?;
    let rows: Vec<DeliveryRow> = sqlx::query_as(&format!(
        "SELECT {DELIVERY_COLUMNS} FROM outbox WHERE {filter}
          ORDER BY event_seq DESC, created_at DESC LIMIT $3 OFFSET $4"
    ))
    .bind(subscription)
    .bind(status)
    .bind(paging.limit)
    .bind(paging.offset)
    .fetch_all(conn)
    .await?;
    Ok((rows.into_iter().map(Into::into).collect(), total))
}

pub async fn get_delivery(
    conn: &mut PgConnection,
    id: Uuid,
) -> Result<Option<WebhookDelivery>, sqlx::Error> {
    let row: Option<DeliveryRow> = sqlx::query_as(&format!(
        "SELECT {DELIVERY_COLUMNS} FROM outbox o WHERE id = $1
            AND EXISTS (SELECT 1 FROM webhook_subscriptions s WHERE s.id = o.destination_id)"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(Into::into))
}

/// Queues a delivery again (a dead letter, or a delivered one to send again) with a
/// fresh attempt budget, and lets its destination be tried at once.
pub async fn replay(
    conn: &mut PgConnection,
    id: Uuid,
) -> Result<Option<WebhookDelivery>, sqlx::Error> {
    let row: Option<DeliveryRow> = sqlx::query_as(&format!(
        "UPDATE outbox o SET status = 'pending', attempts = 0, last_error = NULL, delivered_at = NULL
          WHERE id = $1 AND EXISTS (SELECT 1 FROM webhook_subscriptions s
                                     WHERE s.id = o.destination_id AND s.is_active)
          RETURNING {DELIVERY_COLUMNS}"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(r) = &row {
        sqlx::query(
            "UPDATE outbox_destinations SET next_attempt_at = now(), circuit_open_until = NULL,
                    consecutive_failures = 0 WHERE id = $1",
        )
        .bind(r.destination_id)
        .execute(&mut *conn)
        .await?;
        sqlx::query("SELECT pg_notify('elevate_outbox', '')")
            .execute(conn)
            .await?;
    }
    Ok(row.map(Into::into))
}
