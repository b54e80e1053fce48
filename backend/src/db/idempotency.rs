//! The idempotency store: the first response of a stock-changing POST, keyed by
//! (tenant, `Idempotency-Key`).

use sqlx::PgConnection;

/// A response stored for a key.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Stored {
    pub request_hash: String,
    pub response_status: Option<i16>,
    pub response_body: Option<serde_json::Value>,
}

/// Claims `key` for this transaction. `true`: the caller owns it and must
/// [`save`] its response before committing. `false`: someone already used the key
/// (a concurrent duplicate blocks on the primary key until the first commits or
/// rolls back, so it then sees the stored response or claims the key itself).
pub async fn claim(
    conn: &mut PgConnection,
    key: &str,
    request_hash: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO idempotency_keys (idempotency_key, request_hash) VALUES ($1, $2)
         ON CONFLICT DO NOTHING",
    )
    .bind(key)
    .bind(request_hash)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn stored(conn: &mut PgConnection, key: &str) -> Result<Option<Stored>, sqlx::Error> {
    sqlx::query_as(
        "SELECT request_hash, response_status, response_body FROM idempotency_keys
          WHERE idempotency_key = $1",
    )
    .bind(key)
    .fetch_optional(conn)
    .await
}

pub async fn save(
    conn: &mut PgConnection,
    key: &str,
    status: i16,
    body: &serde_json::Value,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE idempotency_keys SET response_status = $2, response_body = $3 WHERE idempotency_key = $1",
    )
    .bind(key)
    .bind(status)
    .bind(body)
    .execute(conn)
    .await?;
    Ok(())
}
