//! Sign-in sessions and their refresh-token families.
//!
//! Each refresh token is single use: refreshing marks it used and issues the next.
//! Presenting a used one means two parties hold the family (a stolen token), so the
//! whole session is revoked.

use chrono::{DateTime, Duration, Utc};
use shared_types::identity::Session;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::auth::opaque;

/// Token id, used at, session id, user, session revoked at, session expires at.
type RefreshRow = (
    Uuid,
    Option<DateTime<Utc>>,
    Uuid,
    Uuid,
    Option<DateTime<Utc>>,
    DateTime<Utc>,
);
/// id, created, last used, expires, user agent, ip, mfa.
type SessionRow = (
    Uuid,
    DateTime<Utc>,
    DateTime<Utc>,
    DateTime<Utc>,
    Option<String>,
    Option<String>,
    bool,
);

pub struct NewSession<'a> {
    pub user: Uuid,
    pub tenant: Uuid,
    pub ttl_secs: i64,
    pub user_agent: Option<&'a str>,
    pub ip: Option<&'a str>,
    pub mfa: bool,
}

/// Opens a session and returns its id and first refresh token.
pub async fn open(
    conn: &mut PgConnection,
    s: NewSession<'_>,
) -> Result<(Uuid, String), sqlx::Error> {
    let id = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO auth_sessions (id, user_id, expires_at, user_agent, ip, mfa) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(s.user)
    .bind(Utc::now() + Duration::seconds(s.ttl_secs))
    .bind(s.user_agent.map(|u| u.chars().take(300).collect::<String>()))
    .bind(s.ip)
    .bind(s.mfa)
    .execute(&mut *conn)
    .await?;
    let token = add_refresh_token(conn, id, s.tenant).await?;
    Ok((id, token))
}

async fn add_refresh_token(
    conn: &mut PgConnection,
    session: Uuid,
    tenant: Uuid,
) -> Result<String, sqlx::Error> {
    let issued = opaque::issue(opaque::REFRESH, tenant);
    sqlx::query("INSERT INTO auth_refresh_tokens (id, session_id, token_hash) VALUES ($1, $2, $3)")
        .bind(Uuid::now_v7())
        .bind(session)
        .bind(&issued.hash)
        .execute(conn)
        .await?;
    Ok(issued.token)
}

/// The outcome of presenting a refresh token.
pub enum Refreshed {
    /// The next token of the family, for this user and session.
    Rotated {
        user: Uuid,
        session: Uuid,
        token: String,
    },
    /// The token was already used: the session is now revoked.
    Reused { user: Uuid, session: Uuid },
    /// Unknown token, or its session expired or was revoked.
    Invalid,
}

pub async fn refresh(
    conn: &mut PgConnection,
    token: &str,
    tenant: Uuid,
) -> Result<Refreshed, sqlx::Error> {
    let row: Option<RefreshRow> = sqlx::query_as(
        "SELECT t.id, t.used_at, s.id, s.user_id, s.revoked_at, s.expires_at
           FROM auth_refresh_tokens t JOIN auth_sessions s ON s.id = t.session_id
          WHERE t.token_hash = $1 FOR UPDATE OF t, s",
    )
    .bind(opaque::hash(token))
    .fetch_optional(&mut *conn)
    .await?;
    let Some((token_id, used_at, session, user, revoked_at, expires_at)) = row else {
        return Ok(Refreshed::Invalid);
    };
    if used_at.is_some() {
        revoke(conn, session, "refresh_token_reuse").await?;
        return Ok(Refreshed::Reused { user, session });
    }
    if revoked_at.is_some() || expires_at <= Utc::now() {
        return Ok(Refreshed::Invalid);
    }
    sqlx::query("UPDATE auth_refresh_tokens SET used_at = now() WHERE id = $1")
        .bind(token_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("UPDATE auth_sessions SET last_used_at = now() WHERE id = $1")
        .bind(session)
        .execute(&mut *conn)
        .await?;
    let token = add_refresh_token(conn, session, tenant).await?;
    Ok(Refreshed::Rotated {
        user,
        session,
        token,
    })
}

/// Revokes one session (no-op if already revoked). Returns whether it existed.
pub async fn revoke(
    conn: &mut PgConnection,
    session: Uuid,
    reason: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE auth_sessions SET revoked_at = COALESCE(revoked_at, now()), revoke_reason = COALESCE(revoke_reason, $2) WHERE id = $1",
    )
    .bind(session)
    .bind(reason)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Revokes a user's live sessions except `keep`.
pub async fn revoke_all_of_user(
    conn: &mut PgConnection,
    user: Uuid,
    keep: Option<Uuid>,
    reason: &str,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE auth_sessions SET revoked_at = now(), revoke_reason = $3
          WHERE user_id = $1 AND revoked_at IS NULL AND ($2::uuid IS NULL OR id <> $2)",
    )
    .bind(user)
    .bind(keep)
    .bind(reason)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// The user's live sessions, newest first.
pub async fn list_live(
    conn: &mut PgConnection,
    user: Uuid,
    current: Option<Uuid>,
) -> Result<Vec<Session>, sqlx::Error> {
    let rows: Vec<SessionRow> =
        sqlx::query_as(
            "SELECT id, created_at, last_used_at, expires_at, user_agent, ip, mfa FROM auth_sessions
              WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > now() ORDER BY created_at DESC",
        )
        .bind(user)
        .fetch_all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(
            |(id, created_at, last_used_at, expires_at, user_agent, ip, mfa)| Session {
                id,
                created_at,
                last_used_at,
                expires_at,
                user_agent,
                ip,
                mfa,
                current: Some(id) == current,
            },
        )
        .collect())
}

/// Revokes the caller's own session `id`; false when it is not theirs (or unknown).
pub async fn revoke_own(
    conn: &mut PgConnection,
    user: Uuid,
    id: Uuid,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE auth_sessions SET revoked_at = now(), revoke_reason = 'revoked_by_user'
          WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL",
    )
    .bind(id)
    .bind(user)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}
