//! Task assignments: count sessions and pick lists assigned to users, pulled
//! by those users' devices (entity `task`).

use chrono::{DateTime, Utc};
use shared_types::sync::{Task, TaskKind};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::db::products::{enum_from_text, enum_text};

#[derive(sqlx::FromRow)]
struct TaskRow {
    id: Uuid,
    user_id: Uuid,
    kind: String,
    subject_id: Uuid,
    warehouse_id: Uuid,
    note: Option<String>,
    due_at: Option<DateTime<Utc>>,
    assigned_by_id: Option<Uuid>,
    created_at: DateTime<Utc>,
}

impl TaskRow {
    fn into_task(self) -> Result<Task, sqlx::Error> {
        Ok(Task {
            id: self.id,
            user_id: self.user_id,
            kind: enum_from_text(&self.kind)?,
            subject_id: self.subject_id,
            warehouse_id: self.warehouse_id,
            note: self.note,
            due_at: self.due_at,
            assigned_by_id: self.assigned_by_id,
            created_at: self.created_at,
        })
    }
}

const TASK_COLUMNS: &str =
    "id, user_id, kind, subject_id, warehouse_id, note, due_at, assigned_by_id, created_at";

pub struct NewAssignment<'a> {
    pub kind: TaskKind,
    pub subject_id: Uuid,
    pub warehouse_id: Uuid,
    pub user_ids: &'a [Uuid],
    pub note: Option<&'a str>,
    pub due_at: Option<DateTime<Utc>>,
    pub assigned_by: Option<Uuid>,
}

/// The ids among `user_ids` that are active users of the tenant.
pub async fn active_users(
    conn: &mut PgConnection,
    user_ids: &[Uuid],
) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM users WHERE id = ANY($1) AND is_active")
        .bind(user_ids)
        .fetch_all(conn)
        .await
}

/// Assigns a subject to users; assigning again updates the note and due date.
pub async fn assign(
    conn: &mut PgConnection,
    a: &NewAssignment<'_>,
) -> Result<Vec<Task>, sqlx::Error> {
    let ids: Vec<Uuid> = a.user_ids.iter().map(|_| Uuid::now_v7()).collect();
    let rows: Vec<TaskRow> = sqlx::query_as(&format!(
        "INSERT INTO task_assignments (id, user_id, kind, subject_id, warehouse_id, note, due_at,
                                       assigned_by_id)
         SELECT x.id, x.user_id, $3, $4, $5, $6, $7, $8
           FROM unnest($1::uuid[], $2::uuid[]) AS x(id, user_id)
         ON CONFLICT (tenant_id, kind, subject_id, user_id)
         DO UPDATE SET note = EXCLUDED.note, due_at = EXCLUDED.due_at
         RETURNING {TASK_COLUMNS}"
    ))
    .bind(&ids)
    .bind(a.user_ids)
    .bind(enum_text(&a.kind))
    .bind(a.subject_id)
    .bind(a.warehouse_id)
    .bind(a.note)
    .bind(a.due_at)
    .bind(a.assigned_by)
    .fetch_all(conn)
    .await?;
    rows.into_iter().map(TaskRow::into_task).collect()
}

/// Removes one user's assignment; `false` when there was none.
pub async fn unassign(
    conn: &mut PgConnection,
    kind: TaskKind,
    subject_id: Uuid,
    user_id: Uuid,
) -> Result<bool, sqlx::Error> {
    let n = sqlx::query(
        "DELETE FROM task_assignments WHERE kind = $1 AND subject_id = $2 AND user_id = $3",
    )
    .bind(enum_text(&kind))
    .bind(subject_id)
    .bind(user_id)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(n > 0)
}

/// A user's tasks, newest first.
pub async fn for_user(
    conn: &mut PgConnection,
    user_id: Uuid,
    limit: i64,
    offset: i64,
) -> Result<(Vec<Task>, i64), sqlx::Error> {
    let total: i64 = sqlx::query_scalar("SELECT count(*) FROM task_assignments WHERE user_id = $1")
        .bind(user_id)
        .fetch_one(&mut *conn)
        .await?;
    let rows: Vec<TaskRow> = sqlx::query_as(&format!(
        "SELECT {TASK_COLUMNS} FROM task_assignments WHERE user_id = $1
          ORDER BY created_at DESC, id LIMIT $2 OFFSET $3"
    ))
    .bind(user_id)
    .bind(limit)
    .bind(offset)
    .fetch_all(conn)
    .await?;
    let items = rows
        .into_iter()
        .map(TaskRow::into_task)
        .collect::<Result<_, _>>()?;
    Ok((items, total))
}
