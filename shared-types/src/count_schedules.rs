//! Cycle-count schedules: a warehouse's ABC policy and how often a cycle count
//! session is opened from it.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::counts::{CountMode, CyclePolicy};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CountSchedule {
    pub id: Uuid,
    pub name: String,
    pub warehouse_id: Uuid,
    pub location_ids: Vec<Uuid>,
    pub policy: CyclePolicy,
    /// A session is opened every this many days.
    pub every_days: i32,
    pub blind: bool,
    pub mode: CountMode,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub tolerance_qty: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub tolerance_pct: Decimal,
    /// Each opened session is assigned to these users (a task on their phones).
    pub assignee_ids: Vec<Uuid>,
    pub active: bool,
    pub next_run_at: DateTime<Utc>,
    pub last_run_at: Option<DateTime<Utc>>,
    pub last_session_id: Option<Uuid>,
    pub runs: i32,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CountScheduleForCreate {
    pub name: String,
    pub warehouse_id: Uuid,
    /// Limit the counts to these locations; empty = the whole warehouse.
    #[serde(default)]
    pub location_ids: Vec<Uuid>,
    /// ABC basis, class shares and per-class frequencies (defaults: by value,
    /// 80/95 %, every 30/90/180 days).
    pub policy: Option<CyclePolicy>,
    /// 1–366 days between sessions (default 7).
    pub every_days: Option<i32>,
    /// The first run (default now).
    pub first_run_at: Option<DateTime<Utc>>,
    pub blind: Option<bool>,
    pub mode: Option<CountMode>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub tolerance_qty: Option<Decimal>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub tolerance_pct: Option<Decimal>,
    #[serde(default)]
    pub assignee_ids: Vec<Uuid>,
}

/// What one run of a schedule did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CountScheduleRun {
    pub schedule_id: Uuid,
    /// The opened session; absent when no product was due.
    pub session_id: Option<Uuid>,
    /// Products in the session.
    pub products: i64,
    pub next_run_at: DateTime<Utc>,
}
