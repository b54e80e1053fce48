//! TOTP secrets and backup codes.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::auth::opaque;

pub struct TotpState {
    pub secret: Vec<u8>,
    pub confirmed: bool,
    pub last_used_step: i64,
}

pub async fn totp(conn: &mut PgConnection, user: Uuid) -> Result<Option<TotpState>, sqlx::Error> {
    let row: Option<(Vec<u8>, Option<DateTime<Utc>>, i64)> = sqlx::query_as(
        "SELECT secret, confirmed_at, last_used_step FROM auth_totp WHERE user_id = $1 FOR UPDATE",
    )
    .bind(user)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|(secret, confirmed_at, last_used_step)| TotpState {
        secret,
        confirmed: confirmed_at.is_some(),
        last_used_step,
    }))
}

/// Stores a new, unconfirmed secret (replacing an earlier unconfirmed one).
pub async fn start_enrolment(
    conn: &mut PgConnection,
    user: Uuid,
    secret: &[u8],
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO auth_totp (user_id, secret) VALUES ($1, $2)
         ON CONFLICT (user_id) DO UPDATE SET secret = EXCLUDED.secret, last_used_step = 0, created_at = now()
          WHERE auth_totp.confirmed_at IS NULL",
    )
    .bind(user)
    .bind(secret)
    .execute(conn)
    .await?;
    Ok(())
}

/// Records an accepted step (and confirms the enrolment if it was pending).
pub async fn accept_step(
    conn: &mut PgConnection,
    user: Uuid,
    step: u64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE auth_totp SET last_used_step = $2, confirmed_at = COALESCE(confirmed_at, now()) WHERE user_id = $1",
    )
    .bind(user)
    .bind(step as i64)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn is_enrolled(conn: &mut PgConnection, user: Uuid) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM auth_totp WHERE user_id = $1 AND confirmed_at IS NOT NULL)",
    )
    .bind(user)
    .fetch_one(conn)
    .await
}

/// Replaces the user's backup codes with ten new ones; returns them (shown once).
pub async fn new_backup_codes(
    conn: &mut PgConnection,
    user: Uuid,
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query("DELETE FROM auth_backup_codes WHERE user_id = $1")
        .bind(user)
        .execute(&mut *conn)
        .await?;
    let mut codes = Vec::with_capacity(10);
    for _ in 0..10 {
        let code = opaque::backup_code();
        sqlx::query("INSERT INTO auth_backup_codes (id, user_id, code_hash) VALUES ($1, $2, $3)")
            .bind(Uuid::now_v7())
            .bind(user)
            .bind(opaque::hash(&code))
            .execute(&mut *conn)
            .await?;
        codes.push(code);
    }
    Ok(codes)
}

/// Spends a backup code. `Some(remaining)` when it was valid and unused.
pub async fn use_backup_code(
    conn: &mut PgConnection,
    user: Uuid,
    code: &str,
) -> Result<Option<i64>, sqlx::Error> {
    let hash = opaque::hash(&opaque::normalise_backup_code(code));
    let used = sqlx::query(
        "UPDATE auth_backup_codes SET used_at = now() WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL",
    )
    .bind(user)
    .bind(hash)
    .execute(&mut *conn)
    .await?;
    if used.rows_affected() != 1 {
        return Ok(None);
    }
    let left: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM auth_backup_codes WHERE user_id = $1 AND used_at IS NULL",
    )
    .bind(user)
    .fetch_one(conn)
    .await?;
    Ok(Some(left))
}
