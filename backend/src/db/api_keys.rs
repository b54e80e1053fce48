//! API keys for integrators: stored as SHA-256 hashes, scoped to permissions.

use chrono::{DateTime, Utc};
use shared_types::identity::ApiKey;
use sqlx::PgConnection;
use uuid::Uuid;

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    name: String,
    prefix: String,
    permissions: Vec<String>,
    created_at: DateTime<Utc>,
    last_used_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
}

impl From<Row> for ApiKey {
    fn from(r: Row) -> Self {
        ApiKey {
            id: r.id,
            name: r.name,
            prefix: r.prefix,
            permissions: r.permissions,
            created_at: r.created_at,
            last_used_at: r.last_used_at,
            revoked_at: r.revoked_at,
        }
    }
}

const COLUMNS: &str = "id, name, prefix, permissions, created_at, last_used_at, revoked_at";

pub async fn insert(
    conn: &mut PgConnection,
    name: &str,
    prefix: &str,
    hash: &[u8],
    permissions: &[String],
    created_by: Uuid,
) -> Result<ApiKey, sqlx::Error> {
    let row: Row = sqlx::query_as(&format!(
        "INSERT INTO api_keys (id, name, prefix, key_hash, permissions, created_by_id)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING {COLUMNS}"
    ))
    .bind(Uuid::now_v7())
    .bind(name)
    .bind(prefix)
    .bind(hash)
    .bind(permissions)
    .bind(created_by)
    .fetch_one(conn)
    .await?;
    Ok(row.into())
}

pub async fn list(conn: &mut PgConnection) -> Result<Vec<ApiKey>, sqlx::Error> {
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM api_keys ORDER BY created_at DESC"
    ))
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

pub async fn revoke(conn: &mut PgConnection, id: Uuid) -> Result<Option<ApiKey>, sqlx::Error> {
    let row: Option<Row> = sqlx::query_as(&format!(
        "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, now()) WHERE id = $1 RETURNING {COLUMNS}"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(Into::into))
}
