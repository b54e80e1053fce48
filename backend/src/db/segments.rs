//! Saved segments and their members, evaluated by compiled, parameterised SQL.

use chrono::{DateTime, Utc};
use shared_types::crm::{Segment, SegmentRule};
use sqlx::types::Json;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::domain::segments::{Bind, Compiled};
use crate::http::extract::Paging;

/// Binds a compiled rule's values, in order, to any sqlx query.
macro_rules! bind_all {
    ($q:expr, $binds:expr) => {{
        let mut q = $q;
        for b in $binds {
            q = match b {
                Bind::Text(s) => q.bind(s.clone()),
                Bind::Texts(v) => q.bind(v.clone()),
                Bind::Number(n) => q.bind(*n),
                Bind::Json(j) => q.bind(j.clone()),
            };
        }
        q
    }};
}

#[derive(sqlx::FromRow)]
struct SegmentRow {
    id: Uuid,
    name: String,
    description: Option<String>,
    rules: Json<SegmentRule>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<SegmentRow> for Segment {
    fn from(r: SegmentRow) -> Self {
        Segment {
            id: r.id,
            name: r.name,
            description: r.description,
            rules: r.rules.0,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

const COLUMNS: &str = "id, name, description, rules, created_at, updated_at";

pub async fn insert(
    conn: &mut PgConnection,
    name: &str,
    description: Option<&str>,
    rules: &SegmentRule,
    by: Uuid,
) -> Result<Segment, sqlx::Error> {
    let row: SegmentRow = sqlx::query_as(&format!(
        "INSERT INTO segments (id, name, description, rules, created_by_id)
         VALUES ($1, $2, $3, $4, $5) RETURNING {COLUMNS}"
    ))
    .bind(Uuid::now_v7())
    .bind(name)
    .bind(description)
    .bind(Json(rules))
    .bind(by)
    .fetch_one(conn)
    .await?;
    Ok(row.into())
}

pub async fn get(conn: &mut PgConnection, id: Uuid) -> Result<Option<Segment>, sqlx::Error> {
    let row: Option<SegmentRow> =
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM segments WHERE id = $1"))
            .bind(id)
            .fetch_optional(conn)
            .await?;
    Ok(row.map(Into::into))
}

pub async fn list(
    conn: &mut PgConnection,
    paging: Paging,
) -> Result<(Vec<Segment>, i64), sqlx::Error> {
    let total: i64 = sqlx::query_scalar("SELECT count(*) FROM segments")
        .fetch_one(&mut *conn)
        .await?;
    let rows: Vec<SegmentRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM segments ORDER BY lower(name), id LIMIT $1 OFFSET $2"
    ))
    .bind(paging.limit)
    .bind(paging.offset)
    .fetch_all(conn)
    .await?;
    Ok((rows.into_iter().map(Into::into).collect(), total))
}

pub async fn update(
    conn: &mut PgConnection,
    id: Uuid,
    name: Option<&str>,
    description: Option<&str>,
    rules: Option<&SegmentRule>,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE segments SET name = COALESCE($2, name), description = COALESCE($3, description),
            rules = COALESCE($4, rules) WHERE id = $1",
    )
    .bind(id)
    .bind(name)
    .bind(description)
    .bind(rules.map(Json))
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn delete(conn: &mut PgConnection, id: Uuid) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM segments WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// How many live contacts match.
pub async fn count(conn: &mut PgConnection, c: &Compiled) -> Result<i64, sqlx::Error> {
    let sql = format!(
        "SELECT count(*) FROM contacts c WHERE c.merged_into_id IS NULL AND ({})",
        c.sql
    );
    bind_all!(sqlx::query_scalar::<_, i64>(&sql), &c.binds)
        .fetch_one(conn)
        .await
}

/// Member ids in name order, a page at a time (`None`: all).
pub async fn member_ids(
    conn: &mut PgConnection,
    c: &Compiled,
    paging: Option<Paging>,
) -> Result<Vec<Uuid>, sqlx::Error> {
    let n = c.binds.len();
    let page = match paging {
        Some(_) => format!(" LIMIT ${} OFFSET ${}", n + 1, n + 2),
        None => String::new(),
    };
    let sql = format!(
        "SELECT c.id FROM contacts c WHERE c.merged_into_id IS NULL AND ({})
          ORDER BY lower(c.display_name), c.id{page}",
        c.sql
    );
    let mut q = bind_all!(sqlx::query_scalar::<_, Uuid>(&sql), &c.binds);
    if let Some(p) = paging {
        q = q.bind(p.limit).bind(p.offset);
    }
    q.fetch_all(conn).await
}

/// One CSV row per contact.
#[derive(sqlx::FromRow)]
pub struct ExportRow {
    pub id: Uuid,
    pub kind: String,
    pub display_name: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub job_title: Option<String>,
    pub organization: Option<String>,
    pub lifecycle_stage: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub tags: Vec<String>,
    pub created_at: DateTime<Utc>,
}

pub async fn export_rows(
    conn: &mut PgConnection,
    ids: &[Uuid],
) -> Result<Vec<ExportRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT c.id, c.kind, c.display_name, c.first_name, c.last_name, c.job_title,
                o.display_name AS organization, c.lifecycle_stage,
                (SELECT value FROM contact_channels e WHERE e.contact_id = c.id AND e.kind = 'email'
                  ORDER BY e.is_primary DESC, e.position LIMIT 1) AS email,
                (SELECT value FROM contact_channels p WHERE p.contact_id = c.id AND p.kind = 'phone'
                  ORDER BY p.is_primary DESC, p.position LIMIT 1) AS phone,
                c.tags, c.created_at
           FROM contacts c LEFT JOIN contacts o ON o.id = c.organization_id
          WHERE c.id = ANY($1)
          ORDER BY lower(c.display_name), c.id",
    )
    .bind(ids)
    .fetch_all(conn)
    .await
}

/// Whether a live contact matches the compiled rule.
pub async fn contains(
    conn: &mut PgConnection,
    c: &Compiled,
    contact: Uuid,
) -> Result<bool, sqlx::Error> {
    let sql = format!(
        "SELECT EXISTS (SELECT 1 FROM contacts c
                         WHERE c.id = ${} AND c.merged_into_id IS NULL AND ({}))",
        c.binds.len() + 1,
        c.sql
    );
    bind_all!(sqlx::query_scalar::<_, bool>(&sql), &c.binds)
        .bind(contact)
        .fetch_one(conn)
        .await
}
