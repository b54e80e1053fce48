//! Device tokens and in-app notifications.

use chrono::{DateTime, Utc};
use shared_types::events::{DeviceToken, Notification};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::http::extract::Paging;

#[derive(sqlx::FromRow)]
struct DeviceRow {
    id: Uuid,
    device_id: String,
    platform: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<DeviceRow> for DeviceToken {
    fn from(r: DeviceRow) -> Self {
        DeviceToken {
            id: r.id,
            device_id: r.device_id,
            platform: r.platform,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// Registers a device's token for `user`, replacing the device's previous token; a
/// token registered before by another device or user moves to this one.
pub async fn register_device(
    conn: &mut PgConnection,
    user: Uuid,
    device_id: &str,
    platform: &str,
    token: &str,
) -> Result<DeviceToken, sqlx::Error> {
    sqlx::query(
        "DELETE FROM device_tokens WHERE token = $1 AND NOT (user_id = $2 AND device_id = $3)",
    )
    .bind(token)
    .bind(user)
    .bind(device_id)
    .execute(&mut *conn)
    .await?;
    let row: DeviceRow = sqlx::query_as(
        "INSERT INTO device_tokens (id, user_id, device_id, platform, token)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (tenant_id, user_id, device_id)
         DO UPDATE SET token = EXCLUDED.token, platform = EXCLUDED.platform
         RETURNING id, device_id, platform, created_at, updated_at",
    )
    .bind(Uuid::now_v7())
    .bind(user)
    .bind(device_id)
    .bind(platform)
    .bind(token)
    .fetch_one(conn)
    .await?;
    Ok(row.into())
}

pub async fn list_devices(
    conn: &mut PgConnection,
    user: Uuid,
) -> Result<Vec<DeviceToken>, sqlx::Error> {
    let rows: Vec<DeviceRow> = sqlx::query_as(
        "SELECT id, device_id, platform, created_at, updated_at FROM device_tokens
          WHERE user_id = $1 ORDER BY created_at",
    )
    .bind(user)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

pub async fn delete_device(
    conn: &mut PgConnection,
    user: Uuid,
    id: Uuid,
) -> Result<bool, sqlx::Error> {
    let r = sqlx::query("DELETE FROM device_tokens WHERE id = $1 AND user_id = $2")
        .bind(id)
        .bind(user)
        .execute(conn)
        .await?;
    Ok(r.rows_affected() > 0)
}

#[derive(sqlx::FromRow)]
struct NotificationRow {
    id: Uuid,
    kind: String,
    title: String,
    body: String,
    event_id: Uuid,
    data: serde_json::Value,
    created_at: DateTime<Utc>,
    read_at: Option<DateTime<Utc>>,
}

impl From<NotificationRow> for Notification {
    fn from(r: NotificationRow) -> Self {
        Notification {
            id: r.id,
            kind: r.kind,
            title: r.title,
            body: r.body,
            event_id: r.event_id,
            data: r.data,
            created_at: r.created_at,
            read_at: r.read_at,
        }
    }
}

const COLUMNS: &str = "id, kind, title, body, event_id, data, created_at, read_at";

/// The user's notifications, newest first.
pub async fn list(
    conn: &mut PgConnection,
    user: Uuid,
    unread_only: bool,
    paging: Paging,
) -> Result<(Vec<Notification>, i64), sqlx::Error> {
    let filter = "user_id = $1 AND (NOT $2 OR read_at IS NULL)";
    let total: i64 = sqlx::query_scalar(&format!(
        "SELECT count(*) FROM notifications WHERE {filter}"
    ))
    .bind(user)
    .bind(unread_only)
    .fetch_one(&mut *conn)
    .await?;
    let rows: Vec<NotificationRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM notifications WHERE {filter}
          ORDER BY created_at DESC, id DESC LIMIT $3 OFFSET $4"
    ))
    .bind(user)
    .bind(unread_only)
    .bind(paging.limit)
    .bind(paging.offset)
    .fetch_all(conn)
    .await?;
    Ok((rows.into_iter().map(Into::into).collect(), total))
}

pub async fn mark_read(
    conn: &mut PgConnection,
    user: Uuid,
    id: Uuid,
) -> Result<Option<Notification>, sqlx::Error> {
    let row: Option<NotificationRow> = sqlx::query_as(&format!(
        "UPDATE notifications SET read_at = coalesce(read_at, now())
          WHERE id = $1 AND user_id = $2 RETURNING {COLUMNS}"
    ))
    .bind(id)
    .bind(user)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(Into::into))
}

/// Active users whose roles grant `permission`.
pub async fn users_with_permission(
    conn: &mut PgConnection,
    permission: &str,
) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT u.id FROM users u
          WHERE u.is_active AND EXISTS (SELECT 1 FROM roles r
                 WHERE r.key = ANY(u.roles) AND $1 = ANY(r.permissions))
          ORDER BY u.id",
    )
    .bind(permission)
    .fetch_all(conn)
    .await
}

/// Of `users`, those that exist and are active.
pub async fn active_users(
    conn: &mut PgConnection,
    users: &[Uuid],
) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM users WHERE is_active AND id = ANY($1) ORDER BY id")
        .bind(users)
        .fetch_all(conn)
        .await
}

/// Stores a notification once per user and event.
pub async fn insert(
    conn: &mut PgConnection,
    user: Uuid,
    event_id: Uuid,
    kind: &str,
    title: &str,
    body: &str,
    data: &serde_json::Value,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO notifications (id, user_id, event_id, kind, title, body, data)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (tenant_id, user_id, event_id) DO NOTHING",
    )
    .bind(Uuid::now_v7())
    .bind(user)
    .bind(event_id)
    .bind(kind)
    .bind(title)
    .bind(body)
    .bind(data)
    .execute(conn)
    .await?;
    Ok(())
}

/// Notifications of an event whose push has not gone out yet: (id, user).
pub async fn unpushed(
    conn: &mut PgConnection,
    event_id: Uuid,
) -> Result<Vec<(Uuid, Uuid)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, user_id FROM notifications WHERE event_id = $1 AND pushed_at IS NULL",
    )
    .bind(event_id)
    .fetch_all(conn)
    .await
}

pub async fn mark_pushed(conn: &mut PgConnection, id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE notifications SET pushed_at = now() WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// A user's device tokens: (id, token).
pub async fn tokens_of(
    conn: &mut PgConnection,
    user: Uuid,
) -> Result<Vec<(Uuid, String)>, sqlx::Error> {
    sqlx::query_as("SELECT id, token FROM device_tokens WHERE user_id = $1 ORDER BY created_at")
        .bind(user)
        .fetch_all(conn)
        .await
}

pub async fn delete_token(conn: &mut PgConnection, id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM device_tokens WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}
