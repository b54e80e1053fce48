//! User rows.

use chrono::{DateTime, Utc};
use shared_types::identity::User;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::domain::identity::{DisplayName, Email};
use crate::http::extract::Paging;

#[derive(sqlx::FromRow)]
struct UserRow {
    id: Uuid,
    tenant_id: Uuid,
    email: String,
    display_name: String,
    is_active: bool,
    roles: Vec<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<UserRow> for User {
    fn from(r: UserRow) -> Self {
        User {
            id: r.id,
            tenant_id: r.tenant_id,
            email: r.email,
            display_name: r.display_name,
            is_active: r.is_active,
            roles: r.roles,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

const COLUMNS: &str =
    "id, tenant_id, email, display_name, is_active, roles, created_at, updated_at";

pub struct NewUser<'a> {
    pub email: &'a Email,
    pub display_name: &'a DisplayName,
    pub password_hash: &'a str,
    pub roles: &'a [String],
    pub created_by: Option<Uuid>,
}

#[tracing::instrument(skip(conn, u), fields(email = %u.email))]
pub async fn insert(conn: &mut PgConnection, u: NewUser<'_>) -> Result<User, sqlx::Error> {
    let row: UserRow = sqlx::query_as(&format!(
        "INSERT INTO users (id, tenant_id, email, display_name, password_hash, roles, created_by_id)
         VALUES ($1, app_current_tenant(), $2, $3, $4, $5, $6) RETURNING {COLUMNS}"
    ))
    .bind(Uuid::now_v7())
    .bind(u.email.as_str())
    .bind(u.display_name.as_str())
    .bind(u.password_hash)
    .bind(u.roles)
    .bind(u.created_by)
    .fetch_one(conn)
    .await?;
    Ok(row.into())
}

pub async fn get(conn: &mut PgConnection, id: Uuid) -> Result<Option<User>, sqlx::Error> {
    let row: Option<UserRow> =
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM users WHERE id = $1"))
            .bind(id)
            .fetch_optional(conn)
            .await?;
    Ok(row.map(Into::into))
}

pub async fn list(
    conn: &mut PgConnection,
    paging: Paging,
) -> Result<(Vec<User>, i64), sqlx::Error> {
    let total: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(&mut *conn)
        .await?;
    let rows: Vec<UserRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM users ORDER BY email, id LIMIT $1 OFFSET $2"
    ))
    .bind(paging.limit)
    .bind(paging.offset)
    .fetch_all(conn)
    .await?;
    Ok((rows.into_iter().map(Into::into).collect(), total))
}

/// A user's credentials for sign-in.
pub struct Credentials {
    pub user: User,
    pub password_hash: Option<String>,
}

pub async fn credentials_by_email(
    conn: &mut PgConnection,
    email: &Email,
) -> Result<Option<Credentials>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct CredentialsRow {
        #[sqlx(flatten)]
        user: UserRow,
        password_hash: Option<String>,
    }
    let row: Option<CredentialsRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS}, password_hash FROM users WHERE email = $1"
    ))
    .bind(email.as_str())
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| Credentials {
        user: r.user.into(),
        password_hash: r.password_hash,
    }))
}

#[derive(Debug, Default)]
pub struct UserChanges {
    pub display_name: Option<DisplayName>,
    pub is_active: Option<bool>,
    pub roles: Option<Vec<String>>,
}

pub async fn update(
    conn: &mut PgConnection,
    id: Uuid,
    c: &UserChanges,
) -> Result<Option<User>, sqlx::Error> {
    let row: Option<UserRow> = sqlx::query_as(&format!(
        "UPDATE users SET
            display_name = COALESCE($2, display_name),
            is_active = COALESCE($3, is_active),
            roles = COALESCE($4, roles)
         WHERE id = $1 RETURNING {COLUMNS}"
    ))
    .bind(id)
    .bind(c.display_name.as_ref().map(DisplayName::as_str))
    .bind(c.is_active)
    .bind(c.roles.as_deref())
    .fetch_optional(conn)
    .await?;
    Ok(row.map(Into::into))
}

pub async fn delete(conn: &mut PgConnection, id: Uuid) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM users WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Active administrators left if `excluding` were removed or demoted.
pub async fn count_other_active_admins(
    conn: &mut PgConnection,
    excluding: Uuid,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT count(*) FROM users WHERE is_active AND 'admin' = ANY(roles) AND id <> $1",
    )
    .bind(excluding)
    .fetch_one(conn)
    .await
}

/// What sign-in needs beyond the credentials: lockout state.
pub async fn lockout(
    conn: &mut PgConnection,
    id: Uuid,
) -> Result<Option<(i32, Option<DateTime<Utc>>)>, sqlx::Error> {
    sqlx::query_as("SELECT failed_logins, locked_until FROM users WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// Counts a failed sign-in; from `threshold` failures on, locks the account for
/// 30 s doubling per further failure, at most one hour. Returns the lock end.
pub async fn record_failed_login(
    conn: &mut PgConnection,
    id: Uuid,
    threshold: i32,
) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE users SET failed_logins = failed_logins + 1,
                locked_until = CASE WHEN failed_logins + 1 >= $2
                    THEN now() + make_interval(secs => LEAST(3600, 30 * power(2, LEAST(failed_logins + 1 - $2, 20))))
                    ELSE locked_until END
          WHERE id = $1 RETURNING locked_until",
    )
    .bind(id)
    .bind(threshold)
    .fetch_one(conn)
    .await
}

/// Clears the failure count and any lock (successful sign-in, admin unlock, reset).
pub async fn clear_lockout(conn: &mut PgConnection, id: Uuid) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn set_password(
    conn: &mut PgConnection,
    id: Uuid,
    hash: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE users SET password_hash = $2, password_changed_at = now(), failed_logins = 0, locked_until = NULL WHERE id = $1",
    )
    .bind(id)
    .bind(hash)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn password_hash(
    conn: &mut PgConnection,
    id: Uuid,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar::<_, Option<String>>("SELECT password_hash FROM users WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await
        .map(Option::flatten)
}

/// Creates an invited user: no password until they accept.
pub async fn insert_invited(
    conn: &mut PgConnection,
    email: &Email,
    display_name: &DisplayName,
    roles: &[String],
    created_by: Uuid,
) -> Result<User, sqlx::Error> {
    let row: UserRow = sqlx::query_as(&format!(
        "INSERT INTO users (id, tenant_id, email, display_name, password_hash, roles, created_by_id)
         VALUES ($1, app_current_tenant(), $2, $3, NULL, $4, $5) RETURNING {COLUMNS}"
    ))
    .bind(Uuid::now_v7())
    .bind(email.as_str())
    .bind(display_name.as_str())
    .bind(roles)
    .bind(created_by)
    .fetch_one(conn)
    .await?;
    Ok(row.into())
}

/// The warehouses a user works in (empty = all), in a stable order.
pub async fn warehouses(conn: &mut PgConnection, user_id: Uuid) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT warehouse_id FROM user_warehouses WHERE user_id = $1 ORDER BY warehouse_id",
    )
    .bind(user_id)
    .fetch_all(conn)
    .await
}

/// Replaces a user's warehouses.
pub async fn set_warehouses(
    conn: &mut PgConnection,
    user_id: Uuid,
    warehouse_ids: &[Uuid],
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM user_warehouses WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO user_warehouses (user_id, warehouse_id)
         SELECT $1, w FROM unnest($2::uuid[]) AS w ON CONFLICT DO NOTHING",
    )
    .bind(user_id)
    .bind(warehouse_ids)
    .execute(conn)
    .await?;
    Ok(())
}

/// The ids among `ids` that are not warehouses of the tenant.
pub async fn unknown_warehouses(
    conn: &mut PgConnection,
    ids: &[Uuid],
) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT w FROM unnest($1::uuid[]) AS w
         WHERE NOT EXISTS (SELECT 1 FROM locations l WHERE l.id = w AND l.kind = 'warehouse')",
    )
    .bind(ids)
    .fetch_all(conn)
    .await
}
