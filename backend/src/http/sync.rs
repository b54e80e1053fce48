//! Offline sync: device registration and revocation, the exactly-once push of a
//! device's operation log, and the pull of changed reference data.
//!
//! A push is one transaction. Its ops are first claimed in one statement
//! (`INSERT … ON CONFLICT DO NOTHING` on `op_id`), so an op already received —
//! in an earlier push, a concurrent retry or twice in the same batch — is
//! answered `duplicate` and applied no second time. The new ops are then applied
//! in `device_seq` order, each one that changes stock inside its own savepoint:
//! an op that is refused (not enough stock, unknown product, closed session) is
//! rolled back to its savepoint and answered `rejected` with a stable code while
//! the rest of the batch goes on. Only a server-side failure (database gone,
//! deadlock) aborts the whole push, which the device then simply retries.

use std::collections::{HashMap, HashSet};

use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{json, Value};
use shared_types::api::{ErrorCode, Page};
use shared_types::inventory::StockMoveForCreate;
use shared_types::sync::{
    Device, DeviceForCreate, NoteOp, OpKind, OpResult, OpStatus, StockMoveOp, SyncOp, SyncPull,
    SyncPush, SyncPushResult, MAX_PULL_LIMIT, MAX_PUSH_OPS,
};
use sqlx::{Executor, PgConnection};
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouter};
use utoipa_axum::routes;
use uuid::Uuid;

use crate::db;
use crate::db::sync::{ClaimOp, Cursor, OpOutcome};
use crate::domain::permissions::Permission;
use crate::domain::stock::label;
use crate::error::{ApiError, ApiResult};
use crate::http::access::guarded;
use crate::http::ctx::TenantTx;
use crate::http::extract::{AppJson, AppPath, AppQuery, PageParams};
use crate::http::ErrorResponses;
use crate::state::AppState;

/// A full push of 5,000 ops is a few megabytes of JSON.
const PUSH_BODY_LIMIT: usize = 16 * 1024 * 1024;

pub fn router() -> OpenApiRouter<AppState> {
    let (schemas, paths, push_route) = guarded(Permission::SyncDevice, routes!(push));
    let push_route: UtoipaMethodRouter<AppState> = (
        schemas,
        paths,
        push_route.layer(DefaultBodyLimit::max(PUSH_BODY_LIMIT)),
    );
    OpenApiRouter::new()
        .routes(guarded(Permission::SyncDevice, routes!(list_devices)))
        .routes(guarded(Permission::SyncDevice, routes!(register_device)))
        .routes(guarded(Permission::SyncDevice, routes!(revoke_device)))
        .routes(push_route)
        .routes(guarded(Permission::SyncDevice, routes!(pull)))
}

fn device_refused() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        ErrorCode::DeviceRevoked,
        "This device was revoked or is not registered to you; register it again.",
    )
}

/// Register a device (phone) of the signed-in user. Registering an id again
/// answers the existing device (200); an id of another user's device is a 409.
#[utoipa::path(post, path = "/api/v1/devices", tag = "sync",
    security(("bearer" = [])), request_body = DeviceForCreate,
    responses((status = 201, body = Device), (status = 200, body = Device), ErrorResponses))]
async fn register_device(
    mut tx: TenantTx,
    AppJson(input): AppJson<DeviceForCreate>,
) -> ApiResult<Response> {
    tx.ctx.require(Permission::SyncDevice)?;
    let name = label("name", &input.name, 100)?;
    let platform = input
        .platform
        .as_deref()
        .map(|p| label("platform", p, 50))
        .transpose()?;
    let id = input.id.unwrap_or_else(Uuid::now_v7);
    let user = tx.ctx.user_id;
    let (device, created) =
        db::sync::register_device(tx.conn(), id, user, &name, platform.as_deref())
            .await
            .map_err(|e| match &e {
                sqlx::Error::Database(d) if d.is_unique_violation() => {
                    ApiError::conflict("id", "This device id is already taken.")
                }
                _ => e.into(),
            })?
            .ok_or_else(|| ApiError::conflict("id", "This device id is already taken."))?;
    if created {
        db::events::append(
            tx.conn(),
            Some(user),
            db::events::NewEvent::new("device.registered")
                .subject("device", device.id)
                .data(json!({ "name": device.name, "platform": device.platform })),
        )
        .await?;
    }
    tx.commit().await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, AppJson(device)).into_response())
}

/// The signed-in user's devices (every user's with `admin.users.manage`).
#[utoipa::path(get, path = "/api/v1/devices", tag = "sync",
    security(("bearer" = [])), params(PageParams),
    responses((status = 200, body = Page<Device>), ErrorResponses))]
async fn list_devices(
    mut tx: TenantTx,
    AppQuery(p): AppQuery<PageParams>,
) -> ApiResult<AppJson<Page<Device>>> {
    tx.ctx.require(Permission::SyncDevice)?;
    let paging = p.validate()?;
    let only = (!tx.ctx.can(Permission::UsersManage)).then_some(tx.ctx.user_id);
    let (items, total_count) =
        db::sync::list_devices(tx.conn(), only, paging.limit, paging.offset).await?;
    Ok(AppJson(Page {
        items,
        total_count,
        limit: paging.limit,
        offset: paging.offset,
    }))
}

/// Revoke a device: its later pushes and pulls are refused. Your own device, or
/// anyone's with `admin.users.manage`. Revoking twice changes nothing.
#[utoipa::path(post, path = "/api/v1/devices/{id}/revoke", tag = "sync",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Device id")),
    responses((status = 200, body = Device), ErrorResponses))]
async fn revoke_device(mut tx: TenantTx, AppPath(id): AppPath<Uuid>) -> ApiResult<AppJson<Device>> {
    tx.ctx.require(Permission::SyncDevice)?;
    let user = tx.ctx.user_id;
    let device = db::sync::get_device(tx.conn(), id)
        .await?
        .filter(|d| d.user_id == user || tx.ctx.can(Permission::UsersManage))
        .ok_or_else(|| ApiError::not_found("device"))?;
    let was_active = device.revoked_at.is_none();
    let device = db::sync::revoke_device(tx.conn(), id, user)
        .await?
        .ok_or_else(|| ApiError::not_found("device"))?;
    if was_active {
        db::events::append(
            tx.conn(),
            Some(user),
            db::events::NewEvent::new("device.revoked")
                .subject("device", id)
                .data(json!({ "user_id": device.user_id })),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(AppJson(device))
}

/// A refused op: its code and message.
pub(crate) struct Refusal {
    pub code: String,
    pub message: String,
}

impl Refusal {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        Self {
            code: code.to_owned(),
            message: message.into(),
        }
    }
}

/// Splits an error from applying one op into a refusal of that op (the client's
/// problem) or a failure of the whole push (the server's).
pub(crate) fn refusal(e: ApiError) -> Result<Refusal, ApiError> {
    match e {
        ApiError::Client {
            status,
            code,
            message,
            details,
            ..
        } if status != StatusCode::SERVICE_UNAVAILABLE
            && details.get("retryable") != Some(&Value::Bool(true)) =>
        {
            Ok(Refusal {
                code: code.as_str().to_owned(),
                message,
            })
        }
        e => Err(e),
    }
}

/// Parses an op's payload for its kind.
fn parse_payload<T: serde::de::DeserializeOwned>(op: &SyncOp) -> Result<T, Refusal> {
    // Read in place: a push checks thousands of payloads.
    T::deserialize(&op.payload).map_err(|e| {
        Refusal::new(
            ErrorCode::InvalidBody.as_str(),
            format!("The {} payload is not valid: {e}.", op.kind.as_str()),
        )
    })
}

/// Checks that need no database: payload shape per kind.
fn precheck(op: &SyncOp) -> Result<(), Refusal> {
    match op.kind {
        OpKind::StockMove => parse_payload::<StockMoveOp>(op).map(drop),
        OpKind::Note => {
            let n: NoteOp = parse_payload(op)?;
            label("text", &n.text, 10_000)
                .map(drop)
                .map_err(|e| Refusal::new("validation_failed", format!("`text` {}.", e.message)))
        }
        OpKind::CountLine => parse_payload::<shared_types::sync::CountLineOp>(op).map(drop),
        OpKind::PickConfirm => parse_payload::<shared_types::sync::PickConfirmOp>(op).map(drop),
        OpKind::ReceiptLine => parse_payload::<shared_types::sync::ReceiptLineOp>(op).map(drop),
        OpKind::TransferConfirm => {
            parse_payload::<shared_types::sync::TransferConfirmOp>(op).map(drop)
        }
    }
}

/// The permission an op of this kind needs: the same as its REST call.
fn needed_permission(kind: OpKind) -> Option<Permission> {
    match kind {
        OpKind::StockMove | OpKind::ReceiptLine => Some(Permission::MoveCreate),
        OpKind::CountLine => Some(Permission::CountPerform),
        OpKind::PickConfirm => Some(Permission::PickPerform),
        OpKind::TransferConfirm => Some(Permission::TransferManage),
        OpKind::Note => None,
    }
}

async fn savepoint(conn: &mut PgConnection, sql: &'static str) -> Result<(), sqlx::Error> {
    (&mut *conn).execute(sql).await.map(drop)
}

/// What the stock-changing ops of one push share: the reads a move may reuse.
#[derive(Default)]
struct PushMoves {
    cx: db::stock::MoveContext,
}

/// Applies one op that changes stock inside a savepoint.
async fn apply_in_savepoint(
    conn: &mut PgConnection,
    op: &SyncOp,
    device_id: Uuid,
    user_id: Uuid,
    moves: &mut PushMoves,
) -> ApiResult<Result<Option<Value>, Refusal>> {
    savepoint(conn, "SAVEPOINT sync_op").await?;
    let out = match op.kind {
        OpKind::StockMove => apply_stock_move(conn, op, device_id, user_id, moves).await,
        OpKind::PickConfirm => crate::http::picking::apply_pick_op(conn, op, user_id).await,
        OpKind::ReceiptLine => crate::http::purchasing::apply_receipt_op(conn, op, user_id).await,
        OpKind::TransferConfirm => {
            crate::http::transfers::apply_transfer_op(conn, op, user_id).await
        }
        OpKind::CountLine | OpKind::Note => Ok(None),
    };
    match out {
        Ok(v) => {
            savepoint(conn, "RELEASE SAVEPOINT sync_op").await?;
            Ok(Ok(v))
        }
        Err(e) => {
            let r = refusal(e)?;
            savepoint(conn, "ROLLBACK TO SAVEPOINT sync_op").await?;
            Ok(Err(r))
        }
    }
}

async fn apply_stock_move(
    conn: &mut PgConnection,
    op: &SyncOp,
    device_id: Uuid,
    user_id: Uuid,
    moves: &mut PushMoves,
) -> ApiResult<Option<Value>> {
    let m = StockMoveOp::deserialize(&op.payload)
        .map_err(|e| ApiError::validation("payload", e.to_string()))?;
    let input = StockMoveForCreate {
        product_id: m.product_id,
        qty: m.qty,
        uom: m.uom,
        from_location_id: m.from_location_id,
        to_location_id: m.to_location_id,
        lot: m.lot,
        lot_expiry: m.lot_expiry,
        unit_cost: m.unit_cost,
        reason: m.reason,
        reference: m.reference,
        device_id: Some(device_id.to_string()),
        client_op_id: Some(op.op_id.to_string()),
    };
    let req = crate::http::stock::move_request(conn, &input, user_id).await?;
    // The move's event is written with it, inside the op's savepoint: a
    // refused move leaves nothing behind.
    let mv = db::stock::apply_move_in(conn, &req, &mut moves.cx).await?;
    Ok(Some(json!({ "move_id": mv.id, "seq": mv.seq })))
}

/// Push a batch of a device's offline operations (at most 5,000). Each op is
/// applied exactly once: an op id seen before answers `duplicate`. Answers a
/// result per op in the order sent, the device's acknowledged sequence and any
/// gaps in it. A revoked device is refused (403 `device_revoked`).
#[utoipa::path(post, path = "/api/v1/sync/push", tag = "sync",
    security(("bearer" = [])), request_body = SyncPush,
    responses((status = 200, body = SyncPushResult), ErrorResponses))]
async fn push(
    mut tx: TenantTx,
    AppJson(input): AppJson<SyncPush>,
) -> ApiResult<AppJson<SyncPushResult>> {
    tx.ctx.require(Permission::SyncDevice)?;
    if input.ops.len() > MAX_PUSH_OPS {
        return Err(ApiError::validation(
            "ops",
            format!("A push carries at most {MAX_PUSH_OPS} ops; split the batch."),
        ));
    }
    let user = tx.ctx.user_id;
    // Phase timings, logged at debug level (scripts/bench-sync prints them).
    let started = std::time::Instant::now();
    let ms = |t: std::time::Instant| t.elapsed().as_secs_f64() * 1000.0;
    let device = db::sync::lock_device(tx.conn(), input.device_id)
        .await?
        .filter(|d| d.user_id == user && d.revoked_at.is_none())
        .ok_or_else(device_refused)?;
    let ops = &input.ops;
    let mut results: Vec<Option<OpResult>> = vec![None; ops.len()];
    let result = |op: &SyncOp, status, refusal: Option<Refusal>| OpResult {
        op_id: op.op_id,
        status,
        code: refusal.as_ref().map(|r| r.code.clone()),
        message: refusal.map(|r| r.message),
        original_status: None,
        result: None,
    };

    // 1. Checks without the database, then claim every op in one statement.
    let mut first_of: HashMap<Uuid, usize> = HashMap::new();
    let mut claims: Vec<ClaimOp<'_>> = Vec::new();
    let mut claimed_at: Vec<usize> = Vec::new();
    let mut refused_early: HashMap<usize, Refusal> = HashMap::new();
    for (i, op) in ops.iter().enumerate() {
        if first_of.contains_key(&op.op_id) {
            continue; // answered with the first occurrence's outcome below
        }
        first_of.insert(op.op_id, i);
        if op.device_id != device.id {
            results[i] = Some(result(
                op,
                OpStatus::Rejected,
                Some(Refusal::new(
                    "device_mismatch",
                    "The op was recorded by another device than the one pushing.",
                )),
            ));
            continue;
        }
        if op.device_seq < 1 {
            results[i] = Some(result(
                op,
                OpStatus::Rejected,
                Some(Refusal::new(
                    "validation_failed",
                    "`device_seq` starts at 1.",
                )),
            ));
            continue;
        }
        let pre = match needed_permission(op.kind) {
            Some(p) if !tx.ctx.can(p) => Err(Refusal::new(
                ErrorCode::Forbidden.as_str(),
                format!(
                    "A {} op needs the permission {}.",
                    op.kind.as_str(),
                    p.as_str()
                ),
            )),
            _ => precheck(op),
        };
        let (status, code, message) = match &pre {
            Ok(()) => ("applied", None, None),
            Err(r) => ("rejected", Some(r.code.clone()), Some(r.message.clone())),
        };
        if let Err(r) = pre {
            refused_early.insert(i, r);
        }
        claims.push(ClaimOp {
            op_id: op.op_id,
            device_seq: op.device_seq,
            kind: op.kind.as_str().to_owned(),
            payload: &op.payload,
            created_at: op.created_at,
            status,
            error_code: code,
            error_message: message,
        });
        claimed_at.push(i);
    }
    let inserted: HashSet<Uuid> = db::sync::claim_ops(tx.conn(), device.id, user, &claims)
        .await?
        .into_iter()
        .collect();
    let not_new: Vec<Uuid> = claims
        .iter()
        .map(|c| c.op_id)
        .filter(|id| !inserted.contains(id))
        .collect();
    let stored: HashMap<Uuid, String> = db::sync::stored_status(tx.conn(), &not_new)
        .await?
        .into_iter()
        .map(|(id, status, _)| (id, status))
        .collect();

    let claim_ms = ms(started);

    // 2. Apply the new ops in device order.
    let phase = std::time::Instant::now();
    let mut apply: Vec<usize> = Vec::new();
    for &i in &claimed_at {
        let op = &ops[i];
        if !inserted.contains(&op.op_id) {
            results[i] = Some(match stored.get(&op.op_id) {
                Some(s) => OpResult {
                    original_status: Some(if s == "applied" {
                        OpStatus::Applied
                    } else {
                        OpStatus::Rejected
                    }),
                    ..result(op, OpStatus::Duplicate, None)
                },
                None => result(
                    op,
                    OpStatus::Rejected,
                    Some(Refusal::new(
                        "seq_conflict",
                        "Another op of this device already has this device_seq (or the op id is taken).",
                    )),
                ),
            });
        } else if let Some(r) = refused_early.remove(&i) {
            results[i] = Some(result(op, OpStatus::Rejected, Some(r)));
        } else {
            apply.push(i);
        }
    }
    apply.sort_by_key(|&i| ops[i].device_seq);
    let mut outcomes: Vec<OpOutcome> = Vec::new();
    let counts: Vec<usize> = apply
        .iter()
        .copied()
        .filter(|&i| ops[i].kind == OpKind::CountLine)
        .collect();
    if !counts.is_empty() {
        let batch: Vec<&SyncOp> = counts.iter().map(|&i| &ops[i]).collect();
        let done = crate::http::counts::apply_count_ops(tx.conn(), &batch, user).await?;
        for (&i, out) in counts.iter().zip(done) {
            record(&mut results, &mut outcomes, i, &ops[i], out);
        }
    }
    let counts_ms = ms(phase);
    let phase = std::time::Instant::now();
    let mut moves = PushMoves::default();
    for &i in &apply {
        let op = &ops[i];
        let out = match op.kind {
            OpKind::Note => Ok(None),
            OpKind::CountLine => continue,
            OpKind::StockMove
            | OpKind::PickConfirm
            | OpKind::ReceiptLine
            | OpKind::TransferConfirm => {
                apply_in_savepoint(tx.conn(), op, device.id, user, &mut moves).await?
            }
        };
        record(&mut results, &mut outcomes, i, op, out);
    }
    let one_by_one_ms = ms(phase);
    let phase = std::time::Instant::now();
    db::sync::record_outcomes(tx.conn(), &outcomes).await?;
    // Reorder rules see the stock the push moved.
    let mut moved: Vec<Uuid> = apply
        .iter()
        .filter(|&&i| {
            matches!(ops[i].kind, OpKind::StockMove | OpKind::PickConfirm)
                && results[i]
                    .as_ref()
                    .is_some_and(|r| r.status == OpStatus::Applied)
        })
        .filter_map(|&i| {
            ops[i]
                .payload
                .get("product_id")
                .and_then(|p| p.as_str())
                .and_then(|p| p.parse().ok())
        })
        .collect();
    moved.sort();
    moved.dedup();
    db::reorder::after_moves(tx.conn(), Some(user), &moved).await?;

    // 3. Later occurrences of an op id in the same batch answer like the first.
    for (i, op) in ops.iter().enumerate() {
        if results[i].is_none() {
            let first = first_of[&op.op_id];
            let original = results[first].as_ref().map(|r| match r.status {
                OpStatus::Duplicate => r.original_status.unwrap_or(OpStatus::Applied),
                s => s,
            });
            results[i] = Some(OpResult {
                original_status: original,
                ..result(op, OpStatus::Duplicate, None)
            });
        }
    }
    let (acked_seq, high_seq, gaps) = db::sync::advance_seq(tx.conn(), &device).await?;
    let results: Vec<OpResult> = results.into_iter().flatten().collect();
    let tally = |s: OpStatus| results.iter().filter(|r| r.status == s).count() as i64;
    let out = SyncPushResult {
        device_id: device.id,
        applied: tally(OpStatus::Applied),
        duplicates: tally(OpStatus::Duplicate),
        rejected: tally(OpStatus::Rejected),
        results,
        acked_seq,
        high_seq,
        gaps,
    };
    if out.applied + out.rejected > 0 {
        db::events::append(
            tx.conn(),
            Some(user),
            db::events::NewEvent::new("sync.pushed")
                .subject("device", device.id)
                .data(json!({
                    "applied": out.applied, "duplicates": out.duplicates,
                    "rejected": out.rejected, "acked_seq": out.acked_seq,
                })),
        )
        .await?;
    }
    let finish_ms = ms(phase);
    let phase = std::time::Instant::now();
    tx.commit().await?;
    tracing::debug!(
        ops = ops.len(),
        applied = out.applied,
        count_lines = counts.len(),
        claim_ms,
        counts_ms,
        one_by_one_ms,
        finish_ms,
        commit_ms = ms(phase),
        total_ms = ms(started),
        "sync push phases"
    );
    Ok(AppJson(out))
}

/// Notes the outcome of one applied op for the response and the op log.
fn record(
    results: &mut [Option<OpResult>],
    outcomes: &mut Vec<OpOutcome>,
    i: usize,
    op: &SyncOp,
    out: Result<Option<Value>, Refusal>,
) {
    match out {
        Ok(v) => {
            if v.is_some() {
                outcomes.push(OpOutcome {
                    op_id: op.op_id,
                    status: "applied",
                    error_code: None,
                    error_message: None,
                    result: v.clone(),
                });
            }
            results[i] = Some(OpResult {
                op_id: op.op_id,
                status: OpStatus::Applied,
                code: None,
                message: None,
                original_status: None,
                result: v,
            });
        }
        Err(r) => {
            outcomes.push(OpOutcome {
                op_id: op.op_id,
                status: "rejected",
                error_code: Some(r.code.clone()),
                error_message: Some(r.message.clone()),
                result: None,
            });
            results[i] = Some(OpResult {
                op_id: op.op_id,
                status: OpStatus::Rejected,
                code: Some(r.code),
                message: Some(r.message),
                original_status: None,
                result: None,
            });
        }
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PullParams {
    /// The cursor of the previous pull; absent for a first (full) pull.
    pub since: Option<String>,
    /// Changes per page, 1–5000 (default 1000).
    pub limit: Option<i64>,
    /// Only quants, count sessions, pick lists and tasks of this warehouse (one of
    /// the user's warehouses, when they are assigned to some; without it, all of
    /// theirs). Products, barcodes, locations and lots are tenant-wide.
    pub warehouse_id: Option<Uuid>,
    /// The pulling device; a revoked device is refused.
    pub device_id: Option<Uuid>,
}

/// Reference data changed since a cursor: products, barcodes, locations, lots,
/// quants, count sessions, pick lists and lines, and the caller's own tasks
/// (count sessions and pick lists assigned to them), oldest change first. Pull again
/// while `has_more`. With nothing changed the answer is an empty page.
#[utoipa::path(get, path = "/api/v1/sync/pull", tag = "sync",
    security(("bearer" = [])), params(PullParams),
    responses((status = 200, body = SyncPull), ErrorResponses))]
async fn pull(mut tx: TenantTx, AppQuery(p): AppQuery<PullParams>) -> ApiResult<AppJson<SyncPull>> {
    tx.ctx.require(Permission::SyncDevice)?;
    let limit = p.limit.unwrap_or(1000);
    if !(1..=MAX_PULL_LIMIT).contains(&limit) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::InvalidQuery,
            format!("`limit` must be between 1 and {MAX_PULL_LIMIT}."),
        )
        .with_details(json!({ "field": "limit" })));
    }
    let since = match p.since.as_deref() {
        None | Some("") => Cursor::start(),
        Some(s) => Cursor::decode(s).ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::InvalidQuery,
                "`since` is not a cursor this server gave out.",
            )
            .with_details(json!({ "field": "since" }))
        })?,
    };
    if let Some(id) = p.device_id {
        let user = tx.ctx.user_id;
        db::sync::get_device(tx.conn(), id)
            .await?
            .filter(|d| d.user_id == user && d.revoked_at.is_none())
            .ok_or_else(device_refused)?;
    }
    // A user assigned to warehouses pulls only theirs (stock, counts, picks, tasks).
    let user = tx.ctx.user_id;
    let assigned = db::users::warehouses(tx.conn(), user).await?;
    let warehouses = match p.warehouse_id {
        Some(w) if assigned.is_empty() || assigned.contains(&w) => Some(vec![w]),
        Some(_) => {
            return Err(ApiError::forbidden(
                "You are not assigned to this warehouse.",
            ))
        }
        None if assigned.is_empty() => None,
        None => Some(assigned),
    };
    let page = db::sync::pull(tx.conn(), since, limit, warehouses.as_deref(), user).await?;
    Ok(AppJson(SyncPull {
        changes: page.changes,
        cursor: page.cursor.encode(),
        has_more: page.has_more,
        ledger_seq: page.ledger_seq,
    }))
}
