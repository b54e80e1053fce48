//! Tasks: count sessions and pick lists assigned to users. A user's devices pull
//! their tasks (entity `task`), so a counter or picker finds their work on the
//! phone without searching for it.

use axum::http::StatusCode;
use serde_json::json;
use shared_types::api::Page;
use shared_types::counts::{CountStatus, PickStatus};
use shared_types::sync::{Task, TaskAssign, TaskKind};
use sqlx::PgConnection;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::db;
use crate::db::tasks::NewAssignment;
use crate::domain::permissions::Permission;
use crate::domain::stock::label;
use crate::error::{ApiError, ApiResult};
use crate::http::access::guarded;
use crate::http::ctx::TenantTx;
use crate::http::extract::{AppJson, AppPath, AppQuery, PageParams};
use crate::http::ErrorResponses;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(guarded(Permission::SyncDevice, routes!(list_my_tasks)))
        .routes(guarded(
            Permission::CountManage,
            routes!(assign_count_session),
        ))
        .routes(guarded(
            Permission::CountManage,
            routes!(unassign_count_session),
        ))
        .routes(guarded(
            Permission::ReservationManage,
            routes!(assign_pick_list),
        ))
        .routes(guarded(
            Permission::ReservationManage,
            routes!(unassign_pick_list),
        ))
}

/// The signed-in user's tasks, newest first (the same rows their devices pull).
#[utoipa::path(get, path = "/api/v1/tasks", tag = "sync",
    security(("bearer" = [])), params(PageParams),
    responses((status = 200, body = Page<Task>), ErrorResponses))]
async fn list_my_tasks(
    mut tx: TenantTx,
    AppQuery(p): AppQuery<PageParams>,
) -> ApiResult<AppJson<Page<Task>>> {
    tx.ctx.require(Permission::SyncDevice)?;
    let paging = p.validate()?;
    let user = tx.ctx.user_id;
    let (items, total_count) =
        db::tasks::for_user(tx.conn(), user, paging.limit, paging.offset).await?;
    Ok(AppJson(Page {
        items,
        total_count,
        limit: paging.limit,
        offset: paging.offset,
    }))
}

/// Assigns a count session or pick list (already checked to exist and be open)
/// to users and raises `task.assigned`. Also used by the cycle-count schedule.
pub(crate) async fn assign(
    conn: &mut PgConnection,
    kind: TaskKind,
    subject_id: Uuid,
    warehouse_id: Uuid,
    input: &TaskAssign,
    by: Option<Uuid>,
) -> ApiResult<Vec<Task>> {
    let mut users = input.user_ids.clone();
    users.sort();
    users.dedup();
    if users.is_empty() || users.len() > 50 {
        return Err(ApiError::validation("user_ids", "Assign to 1–50 users."));
    }
    let found = db::tasks::active_users(&mut *conn, &users).await?;
    if found.len() != users.len() {
        return Err(ApiError::validation(
            "user_ids",
            "Every user must be an active user of this tenant.",
        ));
    }
    let note = input
        .note
        .as_deref()
        .map(|n| label("note", n, 2000))
        .transpose()?;
    let tasks = db::tasks::assign(
        &mut *conn,
        &NewAssignment {
            kind,
            subject_id,
            warehouse_id,
            user_ids: &users,
            note: note.as_deref(),
            due_at: input.due_at,
            assigned_by: by,
        },
    )
    .await?;
    let subject = match kind {
        TaskKind::CountSession => "count_session",
        TaskKind::PickList => "pick_list",
    };
    db::events::append(
        &mut *conn,
        by,
        db::events::NewEvent::new("task.assigned")
            .subject(subject, subject_id)
            .data(json!({
                "kind": kind, "user_ids": users, "warehouse_id": warehouse_id,
                "due_at": input.due_at,
            })),
    )
    .await?;
    Ok(tasks)
}

/// Assign an open count session to counters: it appears as a task on their phones.
#[utoipa::path(post, path = "/api/v1/counts/{id}/assignees", tag = "counting",
    security(("bearer" = [])), request_body = TaskAssign,
    params(("id" = Uuid, Path, description = "Count session id")),
    responses((status = 200, body = Vec<Task>), ErrorResponses))]
async fn assign_count_session(
    mut tx: TenantTx,
    AppPath(id): AppPath<Uuid>,
    AppJson(input): AppJson<TaskAssign>,
) -> ApiResult<AppJson<Vec<Task>>> {
    tx.ctx.require(Permission::CountManage)?;
    let s = db::counts::get_session(tx.conn(), id, false)
        .await?
        .ok_or_else(|| ApiError::not_found("count session"))?;
    if s.status != CountStatus::Open {
        return Err(ApiError::conflict("status", "The count session is closed."));
    }
    let by = Some(tx.ctx.user_id);
    let tasks = assign(
        tx.conn(),
        TaskKind::CountSession,
        id,
        s.warehouse_id,
        &input,
        by,
    )
    .await?;
    tx.commit().await?;
    Ok(AppJson(tasks))
}

async fn unassign(tx: &mut TenantTx, kind: TaskKind, id: Uuid, user: Uuid) -> ApiResult<()> {
    if !db::tasks::unassign(tx.conn(), kind, id, user).await? {
        return Err(ApiError::not_found("task"));
    }
    let by = Some(tx.ctx.user_id);
    let subject = match kind {
        TaskKind::CountSession => "count_session",
        TaskKind::PickList => "pick_list",
    };
    db::events::append(
        tx.conn(),
        by,
        db::events::NewEvent::new("task.unassigned")
            .subject(subject, id)
            .data(json!({ "kind": kind, "user_id": user })),
    )
    .await?;
    Ok(())
}

/// Take a count session off a counter's tasks.
#[utoipa::path(delete, path = "/api/v1/counts/{id}/assignees/{user_id}", tag = "counting",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Count session id"),
        ("user_id" = Uuid, Path, description = "Assigned user")),
    responses((status = 204, description = "Unassigned"), ErrorResponses))]
async fn unassign_count_session(
    mut tx: TenantTx,
    AppPath((id, user)): AppPath<(Uuid, Uuid)>,
) -> ApiResult<StatusCode> {
    tx.ctx.require(Permission::CountManage)?;
    unassign(&mut tx, TaskKind::CountSession, id, user).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Assign an open pick list to pickers: it appears as a task on their phones.
#[utoipa::path(post, path = "/api/v1/pick-lists/{id}/assignees", tag = "picking",
    security(("bearer" = [])), request_body = TaskAssign,
    params(("id" = Uuid, Path, description = "Pick list id")),
    responses((status = 200, body = Vec<Task>), ErrorResponses))]
async fn assign_pick_list(
    mut tx: TenantTx,
    AppPath(id): AppPath<Uuid>,
    AppJson(input): AppJson<TaskAssign>,
) -> ApiResult<AppJson<Vec<Task>>> {
    tx.ctx.require(Permission::ReservationManage)?;
    let list = db::picking::get(tx.conn(), id)
        .await?
        .ok_or_else(|| ApiError::not_found("pick list"))?;
    if list.status != PickStatus::Open {
        return Err(ApiError::conflict("status", "The pick list is done."));
    }
    let by = Some(tx.ctx.user_id);
    let tasks = assign(
        tx.conn(),
        TaskKind::PickList,
        id,
        list.warehouse_id,
        &input,
        by,
    )
    .await?;
    tx.commit().await?;
    Ok(AppJson(tasks))
}

/// Take a pick list off a picker's tasks.
#[utoipa::path(delete, path = "/api/v1/pick-lists/{id}/assignees/{user_id}", tag = "picking",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Pick list id"),
        ("user_id" = Uuid, Path, description = "Assigned user")),
    responses((status = 204, description = "Unassigned"), ErrorResponses))]
async fn unassign_pick_list(
    mut tx: TenantTx,
    AppPath((id, user)): AppPath<(Uuid, Uuid)>,
) -> ApiResult<StatusCode> {
    tx.ctx.require(Permission::ReservationManage)?;
    unassign(&mut tx, TaskKind::PickList, id, user).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
