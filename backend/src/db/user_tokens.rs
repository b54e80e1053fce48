//! Single-use e-mailed tokens (invitations, password resets), stored hashed.

use chrono::{Duration, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::auth::opaque;

pub const INVITE: &str = "invite";
pub const PASSWORD_RESET: &str = "password_reset";

/// Issues a token for `user`; earlier unused tokens of the same purpose stop working.
pub async fn issue(
    conn: &mut PgConnection,
    tenant: Uuid,
    user: Uuid,
    purpose: &str,
    ttl: Duration,
) -> Result<String, sqlx::Error> {
    sqlx::query("UPDATE auth_user_tokens SET used_at = now() WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL")
        .bind(user)
        .bind(purpose)
        .execute(&mut *conn)
        .await?;
    let prefix = if purpose == INVITE {
        opaque::INVITE
    } else {
        opaque::RESET
    };
    let issued = opaque::issue(prefix, tenant);
    sqlx::query(
        "INSERT INTO auth_user_tokens (id, user_id, purpose, token_hash, expires_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(Uuid::now_v7())
    .bind(user)
    .bind(purpose)
    .bind(&issued.hash)
    .bind(Utc::now() + ttl)
    .execute(conn)
    .await?;
    Ok(issued.token)
}

/// Spends a valid token; returns its user.
pub async fn consume(
    conn: &mut PgConnection,
    token: &str,
    purpose: &str,
) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE auth_user_tokens SET used_at = now()
          WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now()
          RETURNING user_id",
    )
    .bind(opaque::hash(token))
    .bind(purpose)
    .fetch_optional(conn)
    .await
}
