//! Cycle-count schedules: per warehouse, an ABC policy (classes by stock value
//! or velocity, a count frequency per class) and a rhythm. Each run opens a cycle
//! count of the products whose class is due, assigns it to the schedule's
//! counters and raises `count.scheduled`. Runs are made by the worker
//! (`worker::schedules`, every minute, any number of processes) or on demand.

use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde_json::json;
use shared_types::api::Page;
use shared_types::count_schedules::{CountSchedule, CountScheduleForCreate, CountScheduleRun};
use shared_types::counts::{AbcBasis, CountKind, CountMode, CountSessionForCreate, CyclePolicy};
use shared_types::sync::{TaskAssign, TaskKind};
use sqlx::PgConnection;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::db;
use crate::db::count_schedules::NewSchedule;
use crate::domain::permissions::Permission;
use crate::domain::schedule::next_run;
use crate::domain::stock::{amount, label};
use crate::error::{ApiError, ApiResult};
use crate::http::access::guarded;
use crate::http::ctx::TenantTx;
use crate::http::extract::{AppJson, AppPath, AppQuery, PageParams};
use crate::http::ErrorResponses;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(guarded(
            Permission::CountManage,
            routes!(list_count_schedules),
        ))
        .routes(guarded(
            Permission::CountManage,
            routes!(create_count_schedule),
        ))
        .routes(guarded(
            Permission::CountManage,
            routes!(run_count_schedule),
        ))
        .routes(guarded(
            Permission::CountManage,
            routes!(pause_count_schedule),
        ))
        .routes(guarded(
            Permission::CountManage,
            routes!(resume_count_schedule),
        ))
}

fn share(field: &'static str, v: Option<Decimal>) -> ApiResult<()> {
    match v {
        Some(v) if v < Decimal::ZERO || v > Decimal::ONE_HUNDRED => Err(ApiError::validation(
            field,
            format!("`{field}` is a percentage from 0 to 100."),
        )),
        _ => Ok(()),
    }
}

/// Create a cycle-count schedule for a warehouse. The first run is at
/// `first_run_at` (default now), then every `every_days` days.
#[utoipa::path(post, path = "/api/v1/count-schedules", tag = "counting",
    security(("bearer" = [])), request_body = CountScheduleForCreate,
    responses((status = 201, body = CountSchedule), ErrorResponses))]
async fn create_count_schedule(
    mut tx: TenantTx,
    AppJson(input): AppJson<CountScheduleForCreate>,
) -> ApiResult<(StatusCode, AppJson<CountSchedule>)> {
    tx.ctx.require(Permission::CountManage)?;
    let name = label("name", &input.name, 200)?;
    let wh = db::locations::get(tx.conn(), input.warehouse_id)
        .await?
        .filter(|l| l.kind == shared_types::inventory::LocationKind::Warehouse)
        .ok_or_else(|| ApiError::validation("warehouse_id", "The warehouse does not exist."))?;
    for l in &input.location_ids {
        db::locations::get(tx.conn(), *l)
            .await?
            .filter(|x| x.warehouse_id == Some(wh.id) || x.id == wh.id)
            .ok_or_else(|| {
                ApiError::validation("location_ids", "Every location must be in the warehouse.")
            })?;
    }
    let policy = input.policy.clone().unwrap_or(CyclePolicy {
        basis: AbcBasis::Value,
        a_share_pct: None,
        b_share_pct: None,
        a_every_days: None,
        b_every_days: None,
        c_every_days: None,
    });
    share("a_share_pct", policy.a_share_pct)?;
    share("b_share_pct", policy.b_share_pct)?;
    for d in [
        policy.a_every_days,
        policy.b_every_days,
        policy.c_every_days,
    ]
    .into_iter()
    .flatten()
    {
        if !(1..=3660).contains(&d) {
            return Err(ApiError::validation(
                "policy",
                "Class frequencies are 1–3660 days.",
            ));
        }
    }
    let every_days = input.every_days.unwrap_or(7);
    if !(1..=366).contains(&every_days) {
        return Err(ApiError::validation(
            "every_days",
            "`every_days` must be 1–366.",
        ));
    }
    let mut assignees = input.assignee_ids.clone();
    assignees.sort();
    assignees.dedup();
    if assignees.len() > 50
        || db::tasks::active_users(tx.conn(), &assignees).await?.len() != assignees.len()
    {
        return Err(ApiError::validation(
            "assignee_ids",
            "At most 50 assignees, each an active user of this tenant.",
        ));
    }
    let user = tx.ctx.user_id;
    let s = db::count_schedules::insert(
        tx.conn(),
        &NewSchedule {
            name: &name,
            warehouse_id: wh.id,
            location_ids: &input.location_ids,
            policy: &policy,
            every_days,
            blind: input.blind.unwrap_or(true),
            mode: input.mode.unwrap_or(CountMode::Compare),
            tolerance_qty: amount("tolerance_qty", input.tolerance_qty.unwrap_or_default())?,
            tolerance_pct: amount("tolerance_pct", input.tolerance_pct.unwrap_or_default())?,
            assignee_ids: &assignees,
            next_run_at: input.first_run_at.unwrap_or_else(Utc::now),
            created_by: Some(user),
        },
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, AppJson(s)))
}

/// Cycle-count schedules, newest first.
#[utoipa::path(get, path = "/api/v1/count-schedules", tag = "counting",
    security(("bearer" = [])), params(PageParams),
    responses((status = 200, body = Page<CountSchedule>), ErrorResponses))]
async fn list_count_schedules(
    mut tx: TenantTx,
    AppQuery(p): AppQuery<PageParams>,
) -> ApiResult<AppJson<Page<CountSchedule>>> {
    tx.ctx.require(Permission::CountManage)?;
    let paging = p.validate()?;
    let (items, total_count) =
        db::count_schedules::list(tx.conn(), paging.limit, paging.offset).await?;
    Ok(AppJson(Page {
        items,
        total_count,
        limit: paging.limit,
        offset: paging.offset,
    }))
}

/// Runs a schedule at `now`: opens a cycle count of the products whose class is
/// due (none due: no session), assigns it, moves the schedule on and raises
/// `count.scheduled`. `on_time` runs (the worker's) keep the schedule's rhythm;
/// a manual run starts it again from `now`.
pub(crate) async fn run_schedule(
    conn: &mut PgConnection,
    id: Uuid,
    now: DateTime<Utc>,
    on_time: bool,
) -> ApiResult<CountScheduleRun> {
    let stored = db::count_schedules::get(&mut *conn, id, true)
        .await?
        .ok_or_else(|| ApiError::not_found("count schedule"))?;
    let s = &stored.schedule;
    let input = CountSessionForCreate {
        kind: CountKind::Cycle,
        warehouse_id: s.warehouse_id,
        location_ids: s.location_ids.clone(),
        product_ids: Vec::new(),
        blind: Some(s.blind),
        mode: Some(s.mode),
        tolerance_qty: Some(s.tolerance_qty),
        tolerance_pct: Some(s.tolerance_pct),
        cycle: Some(s.policy.clone()),
    };
    // `open_session` refuses before it writes anything, so a refusal (nothing
    // due, the warehouse gone) leaves nothing behind and the run is recorded.
    let (session, skipped) =
        match crate::http::counts::open_session(&mut *conn, &input, stored.created_by, now).await {
            Ok(session) => (Some(session), None),
            Err(ApiError::Client { message, .. }) => (None, Some(message)),
            Err(e) => return Err(e),
        };
    if let Some(session) = &session {
        let active = db::tasks::active_users(&mut *conn, &s.assignee_ids).await?;
        if !active.is_empty() {
            crate::http::tasks::assign(
                &mut *conn,
                TaskKind::CountSession,
                session.id,
                session.warehouse_id,
                &TaskAssign {
                    user_ids: active,
                    note: Some(s.name.clone()),
                    due_at: None,
                },
                stored.created_by,
            )
            .await?;
        }
    }
    let next = if on_time {
        next_run(s.next_run_at, s.every_days, now)
    } else {
        next_run(now, s.every_days, now)
    };
    let session_id = session.as_ref().map(|x| x.id);
    db::count_schedules::record_run(&mut *conn, id, now, session_id, next).await?;
    let products = session.as_ref().map_or(0, |x| x.product_ids.len() as i64);
    db::events::append(
        &mut *conn,
        stored.created_by,
        db::events::NewEvent::new("count.scheduled")
            .subject("count_schedule", id)
            .data(json!({
                "session_id": session_id, "warehouse_id": s.warehouse_id,
                "products": products, "next_run_at": next, "skipped": skipped,
            })),
    )
    .await?;
    Ok(CountScheduleRun {
        schedule_id: id,
        session_id,
        products,
        next_run_at: next,
    })
}

/// Run a schedule now (whether due or not); the next run is `every_days` from now.
#[utoipa::path(post, path = "/api/v1/count-schedules/{id}/run", tag = "counting",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Count schedule id")),
    responses((status = 200, body = CountScheduleRun), ErrorResponses))]
async fn run_count_schedule(
    mut tx: TenantTx,
    AppPath(id): AppPath<Uuid>,
) -> ApiResult<AppJson<CountScheduleRun>> {
    tx.ctx.require(Permission::CountManage)?;
    let run = run_schedule(tx.conn(), id, Utc::now(), false).await?;
    tx.commit().await?;
    Ok(AppJson(run))
}

async fn set_active(tx: &mut TenantTx, id: Uuid, active: bool) -> ApiResult<CountSchedule> {
    db::count_schedules::set_active(tx.conn(), id, active)
        .await?
        .ok_or_else(|| ApiError::not_found("count schedule"))
}

/// Pause a schedule: the worker opens no sessions from it.
#[utoipa::path(post, path = "/api/v1/count-schedules/{id}/pause", tag = "counting",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Count schedule id")),
    responses((status = 200, body = CountSchedule), ErrorResponses))]
async fn pause_count_schedule(
    mut tx: TenantTx,
    AppPath(id): AppPath<Uuid>,
) -> ApiResult<AppJson<CountSchedule>> {
    tx.ctx.require(Permission::CountManage)?;
    let s = set_active(&mut tx, id, false).await?;
    tx.commit().await?;
    Ok(AppJson(s))
}

/// Resume a paused schedule (a run missed meanwhile happens at the next tick).
#[utoipa::path(post, path = "/api/v1/count-schedules/{id}/resume", tag = "counting",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Count schedule id")),
    responses((status = 200, body = CountSchedule), ErrorResponses))]
async fn resume_count_schedule(
    mut tx: TenantTx,
    AppPath(id): AppPath<Uuid>,
) -> ApiResult<AppJson<CountSchedule>> {
    tx.ctx.require(Permission::CountManage)?;
    let s = set_active(&mut tx, id, true).await?;
    tx.commit().await?;
    Ok(AppJson(s))
}
