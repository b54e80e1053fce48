//! Pick lists: waves of order lines in walking order, confirmed by scan (REST or
//! sync op `pick_confirm`), with short picks and backorders.

use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use serde_json::Value;
use shared_types::counts::{PickConfirm, PickLine, PickList, PickListForCreate};
use shared_types::inventory::LocationKind;
use shared_types::sync::{PickConfirmOp, SyncOp};
use sqlx::PgConnection;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::db;
use crate::db::picking::Confirm;
use crate::domain::permissions::Permission;
use crate::domain::stock::{label, positive_qty};
use crate::error::{ApiError, ApiResult};
use crate::http::access::guarded;
use crate::http::ctx::TenantTx;
use crate::http::extract::{AppJson, AppPath, AppQuery};
use crate::http::{idempotency, ErrorResponses};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(guarded(
            Permission::ReservationManage,
            routes!(create_pick_list),
        ))
        .routes(guarded(Permission::PickPerform, routes!(get_pick_list)))
        .routes(guarded(Permission::PickPerform, routes!(confirm_line)))
        .routes(guarded(Permission::PickPerform, routes!(list_backorders)))
}

/// Create a wave: each order line is reserved in the warehouse (earliest expiry,
/// then oldest lot, then walking order; a line may split over locations) and the
/// lines are listed in location-path order for the shortest walk.
/// Accepts `Idempotency-Key`.
#[utoipa::path(post, path = "/api/v1/pick-lists", tag = "picking",
    security(("bearer" = [])), request_body = PickListForCreate,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses((status = 201, body = PickList), ErrorResponses))]
async fn create_pick_list(
    mut tx: TenantTx,
    headers: HeaderMap,
    AppJson(input): AppJson<PickListForCreate>,
) -> ApiResult<Response> {
    tx.ctx.require(Permission::ReservationManage)?;
    let key = idempotency::key_from_headers(&headers)?;
    if let Some(replay) = idempotency::begin(&mut tx, key.as_deref(), "pick.create", &input).await?
    {
        return Ok(replay);
    }
    if input.lines.is_empty() || input.lines.len() > 1_000 {
        return Err(ApiError::validation(
            "lines",
            "A wave has 1–1,000 order lines.",
        ));
    }
    let wh = db::locations::get(tx.conn(), input.warehouse_id)
        .await?
        .filter(|l| l.kind == LocationKind::Warehouse)
        .ok_or_else(|| ApiError::validation("warehouse_id", "The warehouse does not exist."))?;
    db::locations::get(tx.conn(), input.output_location_id)
        .await?
        .filter(|l| l.kind.is_internal() && (l.warehouse_id == Some(wh.id) || l.id == wh.id))
        .ok_or_else(|| {
            ApiError::validation(
                "output_location_id",
                "The output location must be a location of the warehouse.",
            )
        })?;
    let mut lines = input.lines.clone();
    for l in &mut lines {
        l.qty = positive_qty("qty", l.qty)?;
        l.order_ref = label("order_ref", &l.order_ref, 200)?;
    }
    let user = tx.ctx.user_id;
    let list =
        db::picking::create(tx.conn(), wh.id, input.output_location_id, &lines, user).await?;
    db::events::append(
        tx.conn(),
        Some(user),
        db::events::NewEvent::new("pick.list_created")
            .subject("pick_list", list.id)
            .data(serde_json::json!({ "lines": list.lines.len(), "warehouse_id": wh.id })),
    )
    .await?;
    let resp = idempotency::finish(&mut tx, key.as_deref(), StatusCode::CREATED, &list).await?;
    tx.commit().await?;
    Ok(resp)
}

/// A pick list with its lines in walking order.
#[utoipa::path(get, path = "/api/v1/pick-lists/{id}", tag = "picking",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Pick list id")),
    responses((status = 200, body = PickList), ErrorResponses))]
async fn get_pick_list(
    mut tx: TenantTx,
    AppPath(id): AppPath<Uuid>,
) -> ApiResult<AppJson<PickList>> {
    tx.ctx.require(Permission::PickPerform)?;
    let list = db::picking::get(tx.conn(), id)
        .await?
        .ok_or_else(|| ApiError::not_found("pick list"))?;
    Ok(AppJson(list))
}

fn confirm_input(c: &PickConfirm) -> ApiResult<Confirm> {
    if c.picked_qty < rust_decimal::Decimal::ZERO {
        return Err(ApiError::validation(
            "picked_qty",
            "`picked_qty` must not be negative.",
        ));
    }
    Ok(Confirm {
        location_id: c.location_id,
        product_id: c.product_id,
        lot: c.lot.as_deref().map(|l| label("lot", l, 100)).transpose()?,
        picked_qty: c.picked_qty,
        short_reason: c
            .short_reason
            .as_deref()
            .map(|r| label("short_reason", r, 200))
            .transpose()?,
    })
}

/// Confirm a pick line after scanning its location and product (and lot): the
/// picked quantity moves to the output location; fewer than asked needs a
/// `short_reason` and leaves a backorder line. Accepts `Idempotency-Key`.
#[utoipa::path(post, path = "/api/v1/pick-lists/{id}/lines/{line_id}/confirm", tag = "picking",
    security(("bearer" = [])), request_body = PickConfirm,
    params(("id" = Uuid, Path, description = "Pick list id"),
        ("line_id" = Uuid, Path, description = "Pick line id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses((status = 200, body = PickLine), ErrorResponses))]
async fn confirm_line(
    mut tx: TenantTx,
    headers: HeaderMap,
    AppPath((id, line_id)): AppPath<(Uuid, Uuid)>,
    AppJson(input): AppJson<PickConfirm>,
) -> ApiResult<Response> {
    tx.ctx.require(Permission::PickPerform)?;
    let key = idempotency::key_from_headers(&headers)?;
    if let Some(replay) = idempotency::begin(
        &mut tx,
        key.as_deref(),
        &format!("pick.confirm:{line_id}"),
        &input,
    )
    .await?
    {
        return Ok(replay);
    }
    let c = confirm_input(&input)?;
    let user = tx.ctx.user_id;
    let line = db::picking::confirm(tx.conn(), line_id, Some(id), &c, user)
        .await
        .map_err(|e| match e {
            db::stock::StockError::NotFound("pick line") => ApiError::not_found("pick line"),
            e => e.into(),
        })?;
    db::reorder::after_moves(tx.conn(), Some(user), &[line.product_id]).await?;
    let resp = idempotency::finish(&mut tx, key.as_deref(), StatusCode::OK, &line).await?;
    tx.commit().await?;
    Ok(resp)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BackorderParams {
    pub order_ref: String,
}

/// Backorder lines short picks left for an order reference.
#[utoipa::path(get, path = "/api/v1/pick-lists/backorders", tag = "picking",
    security(("bearer" = [])), params(BackorderParams),
    responses((status = 200, body = Vec<PickLine>), ErrorResponses))]
async fn list_backorders(
    mut tx: TenantTx,
    AppQuery(p): AppQuery<BackorderParams>,
) -> ApiResult<AppJson<Vec<PickLine>>> {
    tx.ctx.require(Permission::PickPerform)?;
    Ok(AppJson(
        db::picking::backorders(tx.conn(), &p.order_ref).await?,
    ))
}

/// The sync op `pick_confirm` (run inside the push's savepoint).
pub(crate) async fn apply_pick_op(
    conn: &mut PgConnection,
    op: &SyncOp,
    user_id: Uuid,
) -> ApiResult<Option<Value>> {
    let p: PickConfirmOp = serde_json::from_value(op.payload.clone())
        .map_err(|e| ApiError::validation("payload", e.to_string()))?;
    let c = confirm_input(&PickConfirm {
        location_id: p.location_id,
        product_id: p.product_id,
        lot: p.lot,
        picked_qty: p.picked_qty,
        short_reason: p.short_reason,
    })?;
    let line = db::picking::confirm(conn, p.pick_line_id, None, &c, user_id)
        .await
        .map_err(|e| match e {
            db::stock::StockError::NotFound("pick line") => ApiError::not_found("pick line"),
            e => e.into(),
        })?;
    Ok(Some(serde_json::json!({
        "pick_line_id": line.id, "move_id": line.move_id, "status": line.status,
    })))
}
