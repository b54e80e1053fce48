//! Transfer documents. Shipping and receiving post ordinary stock moves
//! (`db::stock::apply_move`), so the ledger stays the one truth: a two-step
//! transfer moves from → in transit on ship and in transit → to on each
//! (partial) receipt; a one-step transfer moves from → to on ship.

use std::collections::HashSet;

use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::{json, Value};
use shared_types::api::Page;
use shared_types::sync::{SyncOp, TransferAction, TransferConfirmOp};
use shared_types::transfers::{
    Transfer, TransferForCreate, TransferReceive, TransferScan, TransferStatus,
};
use sqlx::PgConnection;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::db;
use crate::db::stock::MoveRequest;
use crate::db::transfers::{reference, NewTransfer};
use crate::domain::permissions::Permission;
use crate::domain::stock::{label, positive_qty};
use crate::error::{ApiError, ApiResult};
use crate::http::access::guarded;
use crate::http::ctx::TenantTx;
use crate::http::extract::{AppJson, AppPath, AppQuery, PageParams};
use crate::http::purchasing::{invalid_status, physical_location};
use crate::http::{idempotency, ErrorResponses};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(guarded(Permission::StockRead, routes!(list_transfers)))
        .routes(guarded(
            Permission::TransferManage,
            routes!(create_transfer),
        ))
        .routes(guarded(Permission::StockRead, routes!(get_transfer)))
        .routes(guarded(Permission::TransferManage, routes!(ship_transfer)))
        .routes(guarded(
            Permission::TransferManage,
            routes!(receive_transfer),
        ))
        .routes(guarded(Permission::TransferManage, routes!(scan_transfer)))
        .routes(guarded(
            Permission::TransferManage,
            routes!(cancel_transfer),
        ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TransferListParams {
    pub status: Option<TransferStatus>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// Transfers, newest first.
#[utoipa::path(get, path = "/api/v1/transfers", tag = "transfers",
    security(("bearer" = [])), params(TransferListParams),
    responses((status = 200, body = Page<Transfer>), ErrorResponses))]
async fn list_transfers(
    mut tx: TenantTx,
    AppQuery(p): AppQuery<TransferListParams>,
) -> ApiResult<AppJson<Page<Transfer>>> {
    tx.ctx.require(Permission::StockRead)?;
    let paging = PageParams {
        limit: p.limit,
        offset: p.offset,
    }
    .validate()?;
    let (items, total_count) =
        db::transfers::list(tx.conn(), p.status, paging.limit, paging.offset).await?;
    Ok(AppJson(Page {
        items,
        total_count,
        limit: paging.limit,
        offset: paging.offset,
    }))
}

async fn load(conn: &mut PgConnection, id: Uuid) -> ApiResult<Transfer> {
    db::transfers::get(conn, id)
        .await?
        .ok_or_else(|| ApiError::not_found("transfer"))
}

/// Plan a transfer (draft). Accepts `Idempotency-Key`.
#[utoipa::path(post, path = "/api/v1/transfers", tag = "transfers",
    security(("bearer" = [])), request_body = TransferForCreate,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses((status = 201, body = Transfer), ErrorResponses))]
async fn create_transfer(
    mut tx: TenantTx,
    headers: HeaderMap,
    AppJson(input): AppJson<TransferForCreate>,
) -> ApiResult<Response> {
    tx.ctx.require(Permission::TransferManage)?;
    let key = idempotency::key_from_headers(&headers)?;
    if let Some(replay) =
        idempotency::begin(&mut tx, key.as_deref(), "transfer.create", &input).await?
    {
        return Ok(replay);
    }
    let steps = input.steps.unwrap_or(2);
    if !(1..=2).contains(&steps) {
        return Err(ApiError::validation("steps", "`steps` must be 1 or 2."));
    }
    physical_location(tx.conn(), "from_location_id", input.from_location_id).await?;
    physical_location(tx.conn(), "to_location_id", input.to_location_id).await?;
    if input.from_location_id == input.to_location_id {
        return Err(ApiError::validation(
            "to_location_id",
            "Source and destination are the same location.",
        ));
    }
    if input.lines.is_empty() || input.lines.len() > 500 {
        return Err(ApiError::validation(
            "lines",
            "A transfer needs 1–500 lines.",
        ));
    }
    let mut lines = Vec::with_capacity(input.lines.len());
    for l in &input.lines {
        if !db::products::exists(tx.conn(), l.product_id).await? {
            return Err(ApiError::validation(
                "lines",
                format!("Product {} does not exist.", l.product_id),
            ));
        }
        let lot = l.lot.as_deref().map(|s| label("lot", s, 100)).transpose()?;
        lines.push((l.product_id, positive_qty("lines", l.qty)?, lot));
    }
    let notes = input
        .notes
        .as_deref()
        .map(|n| label("notes", n, 2000))
        .transpose()?;
    let user = Some(tx.ctx.user_id);
    let id = db::transfers::insert(
        tx.conn(),
        &NewTransfer {
            from_location_id: input.from_location_id,
            to_location_id: input.to_location_id,
            steps,
            notes: notes.as_deref(),
            created_by: user,
            lines,
        },
    )
    .await?;
    let t = load(tx.conn(), id).await?;
    let resp = idempotency::finish(&mut tx, key.as_deref(), StatusCode::CREATED, &t).await?;
    tx.commit().await?;
    Ok(resp)
}

/// One transfer with its lines.
#[utoipa::path(get, path = "/api/v1/transfers/{id}", tag = "transfers",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Transfer id")),
    responses((status = 200, body = Transfer), ErrorResponses))]
async fn get_transfer(
    mut tx: TenantTx,
    AppPath(id): AppPath<Uuid>,
) -> ApiResult<AppJson<Transfer>> {
    tx.ctx.require(Permission::StockRead)?;
    Ok(AppJson(load(tx.conn(), id).await?))
}

async fn transit_location(conn: &mut PgConnection) -> ApiResult<Uuid> {
    db::locations::ensure_virtual(&mut *conn).await?;
    Ok(
        sqlx::query_scalar("SELECT id FROM locations WHERE kind = 'transit'")
            .fetch_one(conn)
            .await?,
    )
}

#[allow(clippy::too_many_arguments)]
async fn post_move(
    conn: &mut PgConnection,
    product_id: Uuid,
    qty: Decimal,
    from: Uuid,
    to: Uuid,
    lot: Option<String>,
    reason: &str,
    reference: &str,
    user: Uuid,
) -> ApiResult<()> {
    db::stock::apply_move(
        conn,
        &MoveRequest {
            product_id,
            qty,
            from_location_id: from,
            to_location_id: to,
            lot,
            lot_expiry: None,
            unit_cost: None,
            reason: reason.into(),
            reference: Some(reference.into()),
            user_id: Some(user),
            device_id: None,
            client_op_id: None,
        },
    )
    .await?;
    Ok(())
}

/// Ships a draft transfer (the REST call and the sync op `transfer_confirm`).
pub(crate) async fn ship(conn: &mut PgConnection, id: Uuid, user: Uuid) -> ApiResult<Transfer> {
    let row = db::transfers::lock(&mut *conn, id)
        .await?
        .ok_or_else(|| ApiError::not_found("transfer"))?;
    if row.status()? != TransferStatus::Draft {
        return Err(invalid_status(
            &row.status,
            format!(
                "Only a draft transfer can be shipped; this one is {}.",
                row.status
            ),
        ));
    }
    let refr = reference(row.number);
    let dest = if row.steps == 1 {
        row.to_location_id
    } else {
        transit_location(&mut *conn).await?
    };
    let lines = db::transfers::lines(&mut *conn, &[id]).await?;
    for l in &lines {
        post_move(
            &mut *conn,
            l.product_id,
            l.qty,
            row.from_location_id,
            dest,
            l.lot.clone(),
            if row.steps == 1 {
                "transfer"
            } else {
                "transfer_ship"
            },
            &refr,
            user,
        )
        .await?;
        let received = if row.steps == 1 { l.qty } else { Decimal::ZERO };
        db::transfers::add_line_qty(&mut *conn, l.id, l.qty, received).await?;
    }
    let status = if row.steps == 1 {
        TransferStatus::Done
    } else {
        TransferStatus::InTransit
    };
    db::transfers::set_status(&mut *conn, id, status).await?;
    let products: Vec<Uuid> = lines.iter().map(|l| l.product_id).collect();
    db::reorder::after_moves(&mut *conn, Some(user), &products).await?;
    db::events::append(
        &mut *conn,
        Some(user),
        db::events::NewEvent::new("transfer.shipped")
            .subject("transfer", id)
            .data(json!({ "reference": refr, "steps": row.steps, "status": status })),
    )
    .await?;
    load(conn, id).await
}

/// Receives a transfer in transit, in full (no lines) or in part (the REST
/// call and the sync op `transfer_confirm`).
pub(crate) async fn receive(
    conn: &mut PgConnection,
    id: Uuid,
    input: &TransferReceive,
    user: Uuid,
) -> ApiResult<Transfer> {
    let row = db::transfers::lock(&mut *conn, id)
        .await?
        .ok_or_else(|| ApiError::not_found("transfer"))?;
    if !matches!(
        row.status()?,
        TransferStatus::InTransit | TransferStatus::PartiallyReceived
    ) {
        return Err(invalid_status(
            &row.status,
            format!(
                "Only a transfer in transit can be received; this one is {}.",
                row.status
            ),
        ));
    }
    let lines = db::transfers::lines(&mut *conn, &[id]).await?;
    let wanted: Vec<(usize, Decimal)> = if input.lines.is_empty() {
        lines
            .iter()
            .enumerate()
            .filter(|(_, l)| l.shipped_qty > l.received_qty)
            .map(|(i, l)| (i, l.shipped_qty - l.received_qty))
            .collect()
    } else {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for r in &input.lines {
            if !seen.insert(r.line_id) {
                return Err(ApiError::validation("lines", "A line is listed twice."));
            }
            let i = lines
                .iter()
                .position(|l| l.id == r.line_id)
                .ok_or_else(|| {
                    ApiError::validation(
                        "lines",
                        format!("Line {} is not on this transfer.", r.line_id),
                    )
                })?;
            let qty = positive_qty("lines", r.qty)?;
            let open = lines[i].shipped_qty - lines[i].received_qty;
            if qty > open {
                return Err(ApiError::validation(
                    "lines",
                    format!(
                        "Line {} has {open} in transit; {qty} is too many.",
                        r.line_id
                    ),
                )
                .with_details(json!({ "field": "lines", "line_id": r.line_id, "open": open })));
            }
            out.push((i, qty));
        }
        out
    };
    let refr = reference(row.number);
    let transit = transit_location(&mut *conn).await?;
    for (i, qty) in &wanted {
        let l = &lines[*i];
        post_move(
            &mut *conn,
            l.product_id,
            *qty,
            transit,
            row.to_location_id,
            l.lot.clone(),
            "transfer_receive",
            &refr,
            user,
        )
        .await?;
        db::transfers::add_line_qty(&mut *conn, l.id, Decimal::ZERO, *qty).await?;
    }
    let all_in: bool = sqlx::query_scalar(
        "SELECT bool_and(received_qty >= qty) FROM transfer_lines WHERE transfer_id = $1",
    )
    .bind(id)
    .fetch_one(&mut *conn)
    .await?;
    let status = if all_in {
        TransferStatus::Done
    } else {
        TransferStatus::PartiallyReceived
    };
    db::transfers::set_status(&mut *conn, id, status).await?;
    let products: Vec<Uuid> = wanted.iter().map(|(i, _)| lines[*i].product_id).collect();
    db::reorder::after_moves(&mut *conn, Some(user), &products).await?;
    db::events::append(
        &mut *conn,
        Some(user),
        db::events::NewEvent::new("transfer.received")
            .subject("transfer", id)
            .data(json!({ "reference": refr, "status": status, "lines": wanted.len() })),
    )
    .await?;
    load(conn, id).await
}

/// Ship a draft transfer: every line leaves the source. Two-step transfers go
/// to the transit location; one-step transfers arrive at once (done).
/// Accepts `Idempotency-Key`; shipping a shipped transfer again changes nothing.
#[utoipa::path(post, path = "/api/v1/transfers/{id}/ship", tag = "transfers",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Transfer id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses((status = 200, body = Transfer), ErrorResponses))]
async fn ship_transfer(
    mut tx: TenantTx,
    headers: HeaderMap,
    AppPath(id): AppPath<Uuid>,
) -> ApiResult<Response> {
    tx.ctx.require(Permission::TransferManage)?;
    let key = idempotency::key_from_headers(&headers)?;
    let op = format!("transfer.ship:{id}");
    if let Some(replay) = idempotency::begin(&mut tx, key.as_deref(), &op, &json!({})).await? {
        return Ok(replay);
    }
    let user = tx.ctx.user_id;
    let t = ship(tx.conn(), id, user).await?;
    let resp = idempotency::finish(&mut tx, key.as_deref(), StatusCode::OK, &t).await?;
    tx.commit().await?;
    Ok(resp)
}

/// Receive a shipped two-step transfer, in full (no lines) or in part.
/// Accepts `Idempotency-Key`.
#[utoipa::path(post, path = "/api/v1/transfers/{id}/receive", tag = "transfers",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Transfer id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    request_body = TransferReceive,
    responses((status = 200, body = Transfer), ErrorResponses))]
async fn receive_transfer(
    mut tx: TenantTx,
    headers: HeaderMap,
    AppPath(id): AppPath<Uuid>,
    AppJson(input): AppJson<TransferReceive>,
) -> ApiResult<Response> {
    tx.ctx.require(Permission::TransferManage)?;
    let key = idempotency::key_from_headers(&headers)?;
    let op = format!("transfer.receive:{id}");
    if let Some(replay) = idempotency::begin(&mut tx, key.as_deref(), &op, &input).await? {
        return Ok(replay);
    }
    let user = tx.ctx.user_id;
    let t = receive(tx.conn(), id, &input, user).await?;
    let resp = idempotency::finish(&mut tx, key.as_deref(), StatusCode::OK, &t).await?;
    tx.commit().await?;
    Ok(resp)
}

/// Record a scan confirming (part of) a line; scanned quantities add up and
/// the line remembers who scanned it last.
#[utoipa::path(post, path = "/api/v1/transfers/{id}/scan", tag = "transfers",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Transfer id")),
    request_body = TransferScan,
    responses((status = 200, body = Transfer), ErrorResponses))]
async fn scan_transfer(
    mut tx: TenantTx,
    AppPath(id): AppPath<Uuid>,
    AppJson(input): AppJson<TransferScan>,
) -> ApiResult<AppJson<Transfer>> {
    tx.ctx.require(Permission::TransferManage)?;
    let row = db::transfers::lock(tx.conn(), id)
        .await?
        .ok_or_else(|| ApiError::not_found("transfer"))?;
    if matches!(
        row.status()?,
        TransferStatus::Done | TransferStatus::Cancelled
    ) {
        return Err(invalid_status(
            &row.status,
            format!("A {} transfer takes no more scans.", row.status),
        ));
    }
    let lines = db::transfers::lines(tx.conn(), &[id]).await?;
    if !lines.iter().any(|l| l.id == input.line_id) {
        return Err(ApiError::validation(
            "line_id",
            "The line is not on this transfer.",
        ));
    }
    let qty = positive_qty("qty", input.qty)?;
    let user = tx.ctx.user_id;
    db::transfers::scan(tx.conn(), input.line_id, qty, user).await?;
    let t = load(tx.conn(), id).await?;
    tx.commit().await?;
    Ok(AppJson(t))
}

/// Cancel a draft transfer (nothing has moved yet).
#[utoipa::path(post, path = "/api/v1/transfers/{id}/cancel", tag = "transfers",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Transfer id")),
    responses((status = 200, body = Transfer), ErrorResponses))]
async fn cancel_transfer(
    mut tx: TenantTx,
    AppPath(id): AppPath<Uuid>,
) -> ApiResult<AppJson<Transfer>> {
    tx.ctx.require(Permission::TransferManage)?;
    let row = db::transfers::lock(tx.conn(), id)
        .await?
        .ok_or_else(|| ApiError::not_found("transfer"))?;
    match row.status()? {
        TransferStatus::Draft => {
            db::transfers::set_status(tx.conn(), id, TransferStatus::Cancelled).await?
        }
        TransferStatus::Cancelled => {}
        _ => {
            return Err(invalid_status(
                &row.status,
                "Only a draft transfer can be cancelled; stock has already moved.",
            ))
        }
    }
    let t = load(tx.conn(), id).await?;
    tx.commit().await?;
    Ok(AppJson(t))
}

/// The sync op `transfer_confirm` (run inside the push's savepoint): ships or
/// receives through [`ship`] and [`receive`], the REST calls' own code.
pub(crate) async fn apply_transfer_op(
    conn: &mut PgConnection,
    op: &SyncOp,
    user: Uuid,
) -> ApiResult<Option<Value>> {
    let t: TransferConfirmOp = serde_json::from_value(op.payload.clone())
        .map_err(|e| ApiError::validation("payload", e.to_string()))?;
    let done = match t.action {
        TransferAction::Ship => {
            if !t.lines.is_empty() {
                return Err(ApiError::validation(
                    "lines",
                    "A shipment sends every line; `lines` is only for receiving.",
                ));
            }
            ship(conn, t.transfer_id, user).await?
        }
        TransferAction::Receive => {
            let input = TransferReceive { lines: t.lines };
            receive(conn, t.transfer_id, &input, user).await?
        }
    };
    Ok(Some(
        json!({ "transfer_id": done.id, "status": done.status }),
    ))
}
