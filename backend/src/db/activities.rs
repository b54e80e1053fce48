//! Activities: visits, calls, e-mails, tasks and notes.

use chrono::{DateTime, NaiveDate, Utc};
use shared_types::crm::{Activity, ActivityKind, VisitDetails};
use sqlx::types::Json;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::db::contacts::TS_CONFIG;
use crate::db::products::{enum_from_text, enum_text};
use crate::http::extract::Paging;

#[derive(sqlx::FromRow)]
struct ActivityRow {
    id: Uuid,
    kind: String,
    contact_id: Option<Uuid>,
    contact_name: Option<String>,
    owner_id: Option<Uuid>,
    subject: String,
    notes: String,
    transcript: Option<String>,
    visit: Option<Json<VisitDetails>>,
    due_at: Option<DateTime<Utc>>,
    completed_at: Option<DateTime<Utc>>,
    occurred_at: DateTime<Utc>,
    op_id: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl ActivityRow {
    fn into_activity(self) -> Result<Activity, sqlx::Error> {
        Ok(Activity {
            id: self.id,
            kind: enum_from_text(&self.kind)?,
            contact_id: self.contact_id,
            contact_name: self.contact_name,
            owner_id: self.owner_id,
            subject: self.subject,
            notes: self.notes,
            transcript: self.transcript,
            visit: self.visit.map(|v| v.0),
            due_at: self.due_at,
            completed_at: self.completed_at,
            occurred_at: self.occurred_at,
            op_id: self.op_id,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

pub(crate) const COLUMNS: &str = "a.id, a.kind, a.contact_id, c.display_name AS contact_name,
    a.owner_id, a.subject, a.notes, a.transcript, a.visit, a.due_at, a.completed_at,
    a.occurred_at, a.op_id, a.created_at, a.updated_at";
pub(crate) const FROM: &str = "activities a LEFT JOIN contacts c ON c.id = a.contact_id";

fn convert(rows: Vec<ActivityRow>) -> Result<Vec<Activity>, sqlx::Error> {
    rows.into_iter().map(ActivityRow::into_activity).collect()
}

/// A validated activity to insert.
pub struct NewActivity {
    pub kind: ActivityKind,
    pub contact_id: Option<Uuid>,
    pub owner_id: Option<Uuid>,
    pub subject: String,
    pub notes: String,
    pub transcript: Option<String>,
    pub visit: Option<VisitDetails>,
    pub due_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub occurred_at: Option<DateTime<Utc>>,
    pub op_id: Option<String>,
    pub created_by: Uuid,
}

/// Inserts an activity. With an op id already used, inserts nothing and returns
/// `(existing id, false)`.
pub async fn insert(conn: &mut PgConnection, a: &NewActivity) -> Result<(Uuid, bool), sqlx::Error> {
    let id = Uuid::now_v7();
    let inserted: Option<Uuid> = sqlx::query_scalar(&format!(
        "INSERT INTO activities (id, kind, contact_id, owner_id, subject, notes, transcript,
            visit, follow_up_on, due_at, completed_at, occurred_at, op_id, created_by_id, ts_config)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, COALESCE($12, now()), $13, $14, {TS_CONFIG})
         ON CONFLICT (tenant_id, op_id) WHERE op_id IS NOT NULL DO NOTHING
         RETURNING id"
    ))
    .bind(id)
    .bind(enum_text(&a.kind))
    .bind(a.contact_id)
    .bind(a.owner_id)
    .bind(&a.subject)
    .bind(&a.notes)
    .bind(&a.transcript)
    .bind(a.visit.as_ref().map(Json))
    .bind(a.visit.as_ref().and_then(|v| v.follow_up))
    .bind(a.due_at)
    .bind(a.completed_at)
    .bind(a.occurred_at)
    .bind(&a.op_id)
    .bind(a.created_by)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(id) = inserted {
        return Ok((id, true));
    }
    let existing: Uuid = sqlx::query_scalar("SELECT id FROM activities WHERE op_id = $1")
        .bind(&a.op_id)
        .fetch_one(conn)
        .await?;
    Ok((existing, false))
}

pub async fn get(conn: &mut PgConnection, id: Uuid) -> Result<Option<Activity>, sqlx::Error> {
    let row: Option<ActivityRow> =
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM {FROM} WHERE a.id = $1"))
            .bind(id)
            .fetch_optional(conn)
            .await?;
    row.map(ActivityRow::into_activity).transpose()
}

/// Filters of the activity and visit lists.
#[derive(Debug, Default)]
pub struct ActivityFilter {
    pub kind: Option<ActivityKind>,
    pub contact_id: Option<Uuid>,
    pub owner_id: Option<Uuid>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// `Some(true)`: only open (not completed), `Some(false)`: only completed.
    pub open: Option<bool>,
}

pub async fn list(
    conn: &mut PgConnection,
    f: &ActivityFilter,
    paging: Paging,
) -> Result<(Vec<Activity>, i64), sqlx::Error> {
    let filter = "($1::text IS NULL OR a.kind = $1)
        AND ($2::uuid IS NULL OR a.contact_id = $2)
        AND ($3::uuid IS NULL OR a.owner_id = $3)
        AND ($4::timestamptz IS NULL OR a.occurred_at >= $4)
        AND ($5::timestamptz IS NULL OR a.occurred_at < $5)
        AND ($6::bool IS NULL OR (a.completed_at IS NULL) = $6)";
    let kind = f.kind.as_ref().map(enum_text);
    let total: i64 =
        sqlx::query_scalar(&format!("SELECT count(*) FROM activities a WHERE {filter}"))
            .bind(&kind)
            .bind(f.contact_id)
            .bind(f.owner_id)
            .bind(f.from)
            .bind(f.to)
            .bind(f.open)
            .fetch_one(&mut *conn)
            .await?;
    let rows: Vec<ActivityRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM {FROM} WHERE {filter}
          ORDER BY a.occurred_at DESC, a.id DESC LIMIT $7 OFFSET $8"
    ))
    .bind(&kind)
    .bind(f.contact_id)
    .bind(f.owner_id)
    .bind(f.from)
    .bind(f.to)
    .bind(f.open)
    .bind(paging.limit)
    .bind(paging.offset)
    .fetch_all(conn)
    .await?;
    Ok((convert(rows)?, total))
}

/// Validated changes; `None` leaves a field.
#[derive(Default)]
pub struct ActivityChanges {
    pub subject: Option<String>,
    pub notes: Option<String>,
    pub transcript: Option<String>,
    pub visit: Option<VisitDetails>,
    pub due_at: Option<DateTime<Utc>>,
    pub completed: Option<bool>,
}

pub async fn update(
    conn: &mut PgConnection,
    id: Uuid,
    c: &ActivityChanges,
) -> Result<bool, sqlx::Error> {
    let follow_up: Option<Option<NaiveDate>> = c.visit.as_ref().map(|v| v.follow_up);
    let done = sqlx::query(
        "UPDATE activities SET
            subject = COALESCE($2, subject),
            notes = COALESCE($3, notes),
            transcript = COALESCE($4, transcript),
            visit = COALESCE($5, visit),
            follow_up_on = CASE WHEN $6 THEN $7 ELSE follow_up_on END,
            due_at = COALESCE($8, due_at),
            completed_at = CASE WHEN $9::bool IS NULL THEN completed_at
                                WHEN $9 THEN COALESCE(completed_at, now()) ELSE NULL END
         WHERE id = $1",
    )
    .bind(id)
    .bind(&c.subject)
    .bind(&c.notes)
    .bind(&c.transcript)
    .bind(c.visit.as_ref().map(Json))
    .bind(follow_up.is_some())
    .bind(follow_up.flatten())
    .bind(c.due_at)
    .bind(c.completed)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The latest activities of a contact.
pub async fn recent_of(
    conn: &mut PgConnection,
    contact: Uuid,
    limit: i64,
) -> Result<Vec<Activity>, sqlx::Error> {
    let rows: Vec<ActivityRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM {FROM} WHERE a.contact_id = $1
          ORDER BY a.occurred_at DESC, a.id DESC LIMIT $2"
    ))
    .bind(contact)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    convert(rows)
}

/// Open tasks of a contact, soonest due first.
pub async fn open_tasks_of(
    conn: &mut PgConnection,
    contact: Uuid,
    limit: i64,
) -> Result<Vec<Activity>, sqlx::Error> {
    let rows: Vec<ActivityRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM {FROM}
          WHERE a.contact_id = $1 AND a.kind = 'task' AND a.completed_at IS NULL
          ORDER BY a.due_at NULLS LAST, a.id LIMIT $2"
    ))
    .bind(contact)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    convert(rows)
}

/// The next follow-up of a contact from today on: an open task's due date or a
/// visit's follow-up date, whichever comes first.
pub async fn next_follow_up(
    conn: &mut PgConnection,
    contact: Uuid,
    today: NaiveDate,
) -> Result<Option<(NaiveDate, Uuid, String, String, Option<Json<VisitDetails>>)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT d, id, source, subject, visit FROM (
            SELECT (a.due_at AT TIME ZONE 'UTC')::date AS d, a.id, 'task' AS source, a.subject, a.visit
              FROM activities a
             WHERE a.contact_id = $1 AND a.kind = 'task' AND a.completed_at IS NULL
               AND a.due_at IS NOT NULL AND (a.due_at AT TIME ZONE 'UTC')::date >= $2
            UNION ALL
            SELECT a.follow_up_on, a.id, 'visit', a.subject, a.visit
              FROM activities a
             WHERE a.contact_id = $1 AND a.kind = 'visit' AND a.follow_up_on >= $2
         ) f ORDER BY d, id LIMIT 1",
    )
    .bind(contact)
    .bind(today)
    .fetch_optional(conn)
    .await
}
