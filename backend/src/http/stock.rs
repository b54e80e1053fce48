//! Stock moves (the ledger), quants, the ledger check, valuation and reservations.

use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::json;
use shared_types::api::{ErrorCode, Page};
use shared_types::inventory::{
    LedgerCheck, Quant, Reservation, ReservationForCreate, StockMove, StockMoveForCreate,
    StockValueReport,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::db;
use crate::db::stock::{MoveRequest, ReserveRequest, StockError};
use crate::domain::permissions::Permission;
use crate::domain::stock::{label, positive_qty};
use crate::domain::valuation;
use crate::error::{ApiError, ApiResult};
use crate::http::access::guarded;
use crate::http::ctx::TenantTx;
use crate::http::extract::{AppJson, AppPath, AppQuery, PageParams};
use crate::http::{idempotency, ErrorResponses};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(guarded(Permission::StockRead, routes!(list_moves)))
        .routes(guarded(Permission::MoveCreate, routes!(create_move)))
        .routes(guarded(Permission::StockRead, routes!(get_move)))
        .routes(guarded(Permission::StockRead, routes!(list_quants)))
        .routes(guarded(Permission::StockRead, routes!(ledger_check)))
        .routes(guarded(Permission::StockRead, routes!(stock_value)))
        .routes(guarded(
            Permission::ReservationManage,
            routes!(create_reservation),
        ))
        .routes(guarded(
            Permission::ReservationManage,
            routes!(release_reservation),
        ))
}

impl From<StockError> for ApiError {
    fn from(e: StockError) -> Self {
        match e {
            StockError::NotFound(what) => ApiError::validation(
                match what {
                    "product" => "product_id",
                    "location" => "location_id",
                    _ => what,
                },
                format!("The {what} does not exist."),
            ),
            StockError::Invalid { field, message } => {
                ApiError::validation(field, format!("`{field}` {message}."))
            }
            StockError::Insufficient {
                location_id,
                on_hand,
                requested,
                short,
            } => ApiError::new(
                StatusCode::CONFLICT,
                ErrorCode::InsufficientStock,
                format!("Not enough stock: {requested} requested, {on_hand} available."),
            )
            .with_details(json!({
                "location_id": location_id, "on_hand": on_hand,
                "requested": requested, "short": short,
            })),
            StockError::SerialInStock { serial } => ApiError::conflict(
                "lot",
                format!("Serial number {serial} is already in stock."),
            ),
            StockError::Db(e) => e.into(),
        }
    }
}

/// Record a stock move (receipt, transfer, issue, adjustment). Send an
/// `Idempotency-Key` header so a retry cannot move stock twice.
#[utoipa::path(post, path = "/api/v1/stock/moves", tag = "inventory",
    security(("bearer" = [])), request_body = StockMoveForCreate,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses((status = 201, body = StockMove), ErrorResponses))]
async fn create_move(
    mut tx: TenantTx,
    headers: HeaderMap,
    AppJson(input): AppJson<StockMoveForCreate>,
) -> ApiResult<Response> {
    tx.ctx.require(Permission::MoveCreate)?;
    let key = idempotency::key_from_headers(&headers)?;
    if let Some(replay) = idempotency::begin(&mut tx, key.as_deref(), "stock.move", &input).await? {
        return Ok(replay);
    }
    let user = tx.ctx.user_id;
    let req = move_request(tx.conn(), &input, user).await?;
    let mut cx = db::stock::MoveContext::default();
    let mv = db::stock::apply_move_in(tx.conn(), &req, &mut cx)
        .await
        .map_err(|e| match e {
            StockError::Db(sqlx::Error::Database(d))
                if d.constraint() == Some("stock_moves_client_op_key") =>
            {
                ApiError::conflict(
                    "client_op_id",
                    "This device operation was already recorded.",
                )
            }
            e => e.into(),
        })?;
    if cx.reorder_rule(mv.product_id) {
        db::reorder::after_moves(tx.conn(), Some(user), &[mv.product_id]).await?;
    }
    let resp = idempotency::finish(&mut tx, key.as_deref(), StatusCode::CREATED, &mv).await?;
    tx.commit().await?;
    Ok(resp)
}

/// Checks a move as a client sent it and converts its quantity to base units.
pub(crate) async fn move_request(
    conn: &mut sqlx::PgConnection,
    input: &StockMoveForCreate,
    user_id: Uuid,
) -> ApiResult<MoveRequest> {
    let qty = positive_qty("qty", input.qty)?;
    // Quantities are kept in the base unit; a move in boxes is converted here.
    // (Without a unit, `apply_move` checks the product; one round trip less.)
    let qty = match input.uom.as_deref() {
        None => qty,
        Some(u) => {
            let product = db::products::get(&mut *conn, input.product_id)
                .await?
                .ok_or_else(|| ApiError::validation("product_id", "The product does not exist."))?;
            if u == product.base_uom {
                qty
            } else {
                let f = product
                    .uom_conversions
                    .iter()
                    .find(|c| c.uom == u)
                    .ok_or_else(|| {
                        ApiError::validation("uom", format!("The product has no unit '{u}'."))
                    })?;
                positive_qty("qty", valuation::round(qty * f.factor))?
            }
        }
    };
    let opt =
        |field, v: &Option<String>, max| v.as_deref().map(|s| label(field, s, max)).transpose();
    let req = MoveRequest {
        product_id: input.product_id,
        qty,
        from_location_id: input.from_location_id,
        to_location_id: input.to_location_id,
        lot: opt("lot", &input.lot, 100)?,
        lot_expiry: input.lot_expiry,
        unit_cost: input
            .unit_cost
            .map(|c| crate::domain::stock::amount("unit_cost", c))
            .transpose()?,
        reason: label("reason", input.reason.as_deref().unwrap_or("move"), 100)?,
        reference: opt("reference", &input.reference, 200)?,
        user_id: Some(user_id),
        device_id: opt("device_id", &input.device_id, 200)?,
        client_op_id: opt("client_op_id", &input.client_op_id, 200)?,
    };
    Ok(req)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MoveListParams {
    pub product_id: Option<Uuid>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// The ledger, newest first.
#[utoipa::path(get, path = "/api/v1/stock/moves", tag = "inventory",
    security(("bearer" = [])), params(MoveListParams),
    responses((status = 200, body = Page<StockMove>), ErrorResponses))]
async fn list_moves(
    mut tx: TenantTx,
    AppQuery(p): AppQuery<MoveListParams>,
) -> ApiResult<AppJson<Page<StockMove>>> {
    tx.ctx.require(Permission::StockRead)?;
    let paging = PageParams {
        limit: p.limit,
        offset: p.offset,
    }
    .validate()?;
    let (items, total_count) =
        db::stock::list_moves(tx.conn(), p.product_id, paging.limit, paging.offset).await?;
    Ok(AppJson(Page {
        items,
        total_count,
        limit: paging.limit,
        offset: paging.offset,
    }))
}

/// One ledger row.
#[utoipa::path(get, path = "/api/v1/stock/moves/{id}", tag = "inventory",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Move id")),
    responses((status = 200, body = StockMove), ErrorResponses))]
async fn get_move(mut tx: TenantTx, AppPath(id): AppPath<Uuid>) -> ApiResult<AppJson<StockMove>> {
    tx.ctx.require(Permission::StockRead)?;
    let m = db::stock::get_move(tx.conn(), id)
        .await?
        .ok_or_else(|| ApiError::not_found("stock move"))?;
    Ok(AppJson(m))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QuantListParams {
    pub product_id: Option<Uuid>,
    /// A location, or a warehouse (all its locations).
    pub location_id: Option<Uuid>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// On-hand, reserved and available per product, location and lot.
#[utoipa::path(get, path = "/api/v1/stock/quants", tag = "inventory",
    security(("bearer" = [])), params(QuantListParams),
    responses((status = 200, body = Page<Quant>), ErrorResponses))]
async fn list_quants(
    mut tx: TenantTx,
    AppQuery(p): AppQuery<QuantListParams>,
) -> ApiResult<AppJson<Page<Quant>>> {
    tx.ctx.require(Permission::StockRead)?;
    let paging = PageParams {
        limit: p.limit,
        offset: p.offset,
    }
    .validate()?;
    let (items, total_count) = db::stock::list_quants(
        tx.conn(),
        p.product_id,
        p.location_id,
        paging.limit,
        paging.offset,
    )
    .await?;
    Ok(AppJson(Page {
        items,
        total_count,
        limit: paging.limit,
        offset: paging.offset,
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LedgerCheckParams {
    /// Rewrite drifting quants from the ledger (needs `inventory.location.manage`).
    pub rebuild: Option<bool>,
}

/// Compare every quant with the sum of the ledger; optionally rebuild them.
#[utoipa::path(post, path = "/api/v1/stock/ledger-check", tag = "inventory",
    security(("bearer" = [])), params(LedgerCheckParams),
    responses((status = 200, body = LedgerCheck), ErrorResponses))]
async fn ledger_check(
    mut tx: TenantTx,
    AppQuery(p): AppQuery<LedgerCheckParams>,
) -> ApiResult<AppJson<LedgerCheck>> {
    tx.ctx.require(Permission::StockRead)?;
    let rebuild = p.rebuild.unwrap_or(false);
    if rebuild {
        tx.ctx.require(Permission::LocationManage)?;
    }
    let out = db::stock::check_ledger(tx.conn(), rebuild).await?;
    tx.commit().await?;
    Ok(AppJson(out))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ValueParams {
    /// Defaults to now.
    pub as_of: Option<DateTime<Utc>>,
    pub warehouse_id: Option<Uuid>,
}

/// Stock value per product and warehouse as of a time.
#[utoipa::path(get, path = "/api/v1/stock/valuation", tag = "inventory",
    security(("bearer" = [])), params(ValueParams),
    responses((status = 200, body = StockValueReport), ErrorResponses))]
async fn stock_value(
    mut tx: TenantTx,
    AppQuery(p): AppQuery<ValueParams>,
) -> ApiResult<AppJson<StockValueReport>> {
    tx.ctx.require(Permission::StockRead)?;
    let as_of = p.as_of.unwrap_or_else(Utc::now);
    let lines = db::stock::value_report(tx.conn(), as_of, p.warehouse_id).await?;
    let total_value = lines.iter().map(|l| l.value).sum::<Decimal>();
    Ok(AppJson(StockValueReport {
        as_of,
        lines,
        total_value,
    }))
}

/// Reserve stock for an order line at a location/lot, or automatically
/// (earliest expiry first, then oldest lot, then walking order). May split over
/// several locations; answers every reservation made. Accepts `Idempotency-Key`.
#[utoipa::path(post, path = "/api/v1/stock/reservations", tag = "inventory",
    security(("bearer" = [])), request_body = ReservationForCreate,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses((status = 201, body = Vec<Reservation>), ErrorResponses))]
async fn create_reservation(
    mut tx: TenantTx,
    headers: HeaderMap,
    AppJson(input): AppJson<ReservationForCreate>,
) -> ApiResult<Response> {
    tx.ctx.require(Permission::ReservationManage)?;
    let key = idempotency::key_from_headers(&headers)?;
    if let Some(replay) =
        idempotency::begin(&mut tx, key.as_deref(), "stock.reserve", &input).await?
    {
        return Ok(replay);
    }
    let req = ReserveRequest {
        product_id: input.product_id,
        qty: positive_qty("qty", input.qty)?,
        reference: label("reference", &input.reference, 200)?,
        location_id: input.location_id,
        lot_id: input.lot_id,
        warehouse_id: input.warehouse_id,
    };
    let user = tx.ctx.user_id;
    let made = db::stock::reserve(tx.conn(), &req, user).await?;
    let resp = idempotency::finish(&mut tx, key.as_deref(), StatusCode::CREATED, &made).await?;
    tx.commit().await?;
    Ok(resp)
}

/// Release a reservation (idempotent: releasing twice changes nothing).
#[utoipa::path(post, path = "/api/v1/stock/reservations/{id}/release", tag = "inventory",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Reservation id")),
    responses((status = 200, body = Reservation), ErrorResponses))]
async fn release_reservation(
    mut tx: TenantTx,
    AppPath(id): AppPath<Uuid>,
) -> ApiResult<AppJson<Reservation>> {
    tx.ctx.require(Permission::ReservationManage)?;
    let r = db::stock::release(tx.conn(), id)
        .await?
        .ok_or_else(|| ApiError::not_found("reservation"))?;
    tx.commit().await?;
    Ok(AppJson(r))
}
