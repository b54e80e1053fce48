//! Cycle-count schedules and the cross-tenant claim of a due one.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use shared_types::count_schedules::CountSchedule;
use shared_types::counts::{CountMode, CyclePolicy};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::db::products::{enum_from_text, enum_text};

#[derive(sqlx::FromRow)]
struct ScheduleRow {
    id: Uuid,
    name: String,
    warehouse_id: Uuid,
    location_ids: Vec<Uuid>,
    policy: serde_json::Value,
    every_days: i32,
    blind: bool,
    mode: String,
    tolerance_qty: Decimal,
    tolerance_pct: Decimal,
    assignee_ids: Vec<Uuid>,
    active: bool,
    next_run_at: DateTime<Utc>,
    last_run_at: Option<DateTime<Utc>>,
    last_session_id: Option<Uuid>,
    runs: i32,
    created_by_id: Option<Uuid>,
    created_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, name, warehouse_id, location_ids, policy, every_days, blind, mode,
    tolerance_qty, tolerance_pct, assignee_ids, active, next_run_at, last_run_at,
    last_session_id, runs, created_by_id, created_at";

/// A schedule with who created it (sessions it opens are theirs).
pub struct Stored {
    pub schedule: CountSchedule,
    pub created_by: Option<Uuid>,
}

impl ScheduleRow {
    fn into_stored(self) -> Result<Stored, sqlx::Error> {
        let policy: CyclePolicy =
            serde_json::from_value(self.policy).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
        Ok(Stored {
            created_by: self.created_by_id,
            schedule: CountSchedule {
                id: self.id,
                name: self.name,
                warehouse_id: self.warehouse_id,
                location_ids: self.location_ids,
                policy,
                every_days: self.every_days,
                blind: self.blind,
                mode: enum_from_text(&self.mode)?,
                tolerance_qty: self.tolerance_qty,
                tolerance_pct: self.tolerance_pct,
                assignee_ids: self.assignee_ids,
                active: self.active,
                next_run_at: self.next_run_at,
                last_run_at: self.last_run_at,
                last_session_id: self.last_session_id,
                runs: self.runs,
                created_at: self.created_at,
            },
        })
    }
}

pub struct NewSchedule<'a> {
    pub name: &'a str,
    pub warehouse_id: Uuid,
    pub location_ids: &'a [Uuid],
    pub policy: &'a CyclePolicy,
    pub every_days: i32,
    pub blind: bool,
    pub mode: CountMode,
    pub tolerance_qty: Decimal,
    pub tolerance_pct: Decimal,
    pub assignee_ids: &'a [Uuid],
    pub next_run_at: DateTime<Utc>,
    pub created_by: Option<Uuid>,
}

pub async fn insert(
    conn: &mut PgConnection,
    s: &NewSchedule<'_>,
) -> Result<CountSchedule, sqlx::Error> {
    let policy = serde_json::to_value(s.policy).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    let row: ScheduleRow = sqlx::query_as(&format!(
        "INSERT INTO count_schedules (id, name, warehouse_id, location_ids, policy, every_days,
                blind, mode, tolerance_qty, tolerance_pct, assignee_ids, next_run_at, created_by_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING {COLUMNS}"
    ))
    .bind(Uuid::now_v7())
    .bind(s.name)
    .bind(s.warehouse_id)
    .bind(s.location_ids)
    .bind(policy)
    .bind(s.every_days)
    .bind(s.blind)
    .bind(enum_text(&s.mode))
    .bind(s.tolerance_qty)
    .bind(s.tolerance_pct)
    .bind(s.assignee_ids)
    .bind(s.next_run_at)
    .bind(s.created_by)
    .fetch_one(conn)
    .await?;
    Ok(row.into_stored()?.schedule)
}

pub async fn get(
    conn: &mut PgConnection,
    id: Uuid,
    lock: bool,
) -> Result<Option<Stored>, sqlx::Error> {
    let row: Option<ScheduleRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM count_schedules WHERE id = $1 {}",
        if lock { "FOR NO KEY UPDATE" } else { "" }
    ))
    .bind(id)
    .fetch_optional(conn)
    .await?;
    row.map(ScheduleRow::into_stored).transpose()
}

pub async fn list(
    conn: &mut PgConnection,
    limit: i64,
    offset: i64,
) -> Result<(Vec<CountSchedule>, i64), sqlx::Error> {
    let total: i64 = sqlx::query_scalar("SELECT count(*) FROM count_schedules")
        .fetch_one(&mut *conn)
        .await?;
    let rows: Vec<ScheduleRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM count_schedules ORDER BY created_at DESC, id LIMIT $1 OFFSET $2"
    ))
    .bind(limit)
    .bind(offset)
    .fetch_all(conn)
    .await?;
    let items = rows
        .into_iter()
        .map(|r| r.into_stored().map(|s| s.schedule))
        .collect::<Result<_, _>>()?;
    Ok((items, total))
}

/// Records a run: when, what it opened and when the next one is due.
pub async fn record_run(
    conn: &mut PgConnection,
    id: Uuid,
    at: DateTime<Utc>,
    session_id: Option<Uuid>,
    next_run_at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE count_schedules SET last_run_at = $2,
                last_session_id = coalesce($3, last_session_id), next_run_at = $4, runs = runs + 1
          WHERE id = $1",
    )
    .bind(id)
    .bind(at)
    .bind(session_id)
    .bind(next_run_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Turns a schedule on or off.
pub async fn set_active(
    conn: &mut PgConnection,
    id: Uuid,
    active: bool,
) -> Result<Option<CountSchedule>, sqlx::Error> {
    let row: Option<ScheduleRow> = sqlx::query_as(&format!(
        "UPDATE count_schedules SET active = $2 WHERE id = $1 RETURNING {COLUMNS}"
    ))
    .bind(id)
    .bind(active)
    .fetch_optional(conn)
    .await?;
    row.map(|r| r.into_stored().map(|s| s.schedule)).transpose()
}

/// Locks one due schedule of any tenant (skipping those other workers hold) and
/// scopes the transaction to its tenant. `None` when nothing is due at `at`.
pub async fn claim_due(
    conn: &mut PgConnection,
    at: DateTime<Utc>,
) -> Result<Option<(Uuid, Uuid)>, sqlx::Error> {
    let claim: Option<(Uuid, Uuid)> =
        sqlx::query_as("SELECT schedule_id, tenant_id FROM count_schedule_claim($1)")
            .bind(at)
            .fetch_optional(&mut *conn)
            .await?;
    if let Some((_, tenant)) = &claim {
        sqlx::query("SELECT set_config('app.tenant_id', $1, true)")
            .bind(tenant.to_string())
            .execute(conn)
            .await?;
    }
    Ok(claim)
}
