//! Per-tenant roles: which permissions each grants. Built-in roles are seeded at
//! sign-up from `domain::permissions` and stay editable.

use chrono::{DateTime, Utc};
use shared_types::identity::Role;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::domain::permissions::{built_in_role, built_in_role_name, BUILT_IN_ROLES};

#[derive(sqlx::FromRow)]
struct RoleRow {
    id: Uuid,
    key: String,
    name: String,
    description: String,
    permissions: Vec<String>,
    built_in: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<RoleRow> for Role {
    fn from(r: RoleRow) -> Self {
        Role {
            id: r.id,
            key: r.key,
            name: r.name,
            description: r.description,
            permissions: r.permissions,
            built_in: r.built_in,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

const COLUMNS: &str = "id, key, name, description, permissions, built_in, created_at, updated_at";

/// Creates the built-in roles the current tenant lacks (idempotent).
pub async fn seed_built_ins(conn: &mut PgConnection) -> Result<(), sqlx::Error> {
    for key in BUILT_IN_ROLES {
        let perms: Vec<&str> = built_in_role(key)
            .unwrap_or_default()
            .iter()
            .map(|p| p.as_str())
            .collect();
        sqlx::query(
            "INSERT INTO roles (id, key, name, permissions, built_in) VALUES ($1, $2, $3, $4, true)
             ON CONFLICT (tenant_id, key) DO NOTHING",
        )
        .bind(Uuid::now_v7())
        .bind(key)
        .bind(built_in_role_name(key))
        .bind(&perms)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

pub async fn list(conn: &mut PgConnection) -> Result<Vec<Role>, sqlx::Error> {
    let rows: Vec<RoleRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM roles ORDER BY built_in DESC, key"
    ))
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

pub async fn get(conn: &mut PgConnection, id: Uuid) -> Result<Option<Role>, sqlx::Error> {
    let row: Option<RoleRow> =
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM roles WHERE id = $1"))
            .bind(id)
            .fetch_optional(conn)
            .await?;
    Ok(row.map(Into::into))
}

pub async fn insert(
    conn: &mut PgConnection,
    key: &str,
    name: &str,
    description: &str,
    permissions: &[String],
) -> Result<Role, sqlx::Error> {
    let row: RoleRow = sqlx::query_as(&format!(
        "INSERT INTO roles (id, key, name, description, permissions) VALUES ($1, $2, $3, $4, $5) RETURNING {COLUMNS}"
    ))
    .bind(Uuid::now_v7())
    .bind(key)
    .bind(name)
    .bind(description)
    .bind(permissions)
    .fetch_one(conn)
    .await?;
    Ok(row.into())
}

pub async fn update(
    conn: &mut PgConnection,
    id: Uuid,
    name: Option<&str>,
    description: Option<&str>,
    permissions: Option<&[String]>,
) -> Result<Option<Role>, sqlx::Error> {
    let row: Option<RoleRow> = sqlx::query_as(&format!(
        "UPDATE roles SET name = COALESCE($2, name), description = COALESCE($3, description),
                permissions = COALESCE($4, permissions)
          WHERE id = $1 RETURNING {COLUMNS}"
    ))
    .bind(id)
    .bind(name)
    .bind(description)
    .bind(permissions)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(Into::into))
}

pub async fn delete(conn: &mut PgConnection, id: Uuid) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM roles WHERE id = $1 AND NOT built_in")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Of `keys`, those that are not roles of the current tenant.
pub async fn unknown_keys(
    conn: &mut PgConnection,
    keys: &[String],
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT k FROM unnest($1::text[]) k WHERE NOT EXISTS (SELECT 1 FROM roles r WHERE r.key = k)",
    )
    .bind(keys)
    .fetch_all(conn)
    .await
}

/// Users holding the role `key`.
pub async fn users_with(conn: &mut PgConnection, key: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT count(*) FROM users WHERE $1 = ANY(roles)")
        .bind(key)
        .fetch_one(conn)
        .await
}
