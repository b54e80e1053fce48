//! Suppliers and their terms, exchange rates, purchase orders
//! (draft → confirmed → partially received → received, or cancelled) and receipts.
//!
//! A receipt books each line as a stock move from the supplier location at the
//! order's price converted to the base currency with the rate valid on the
//! receipt date, so the valuation layer carries the landed unit cost.

use std::collections::HashSet;

use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::Utc;
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::{json, Value};
use shared_types::api::{ErrorCode, Page};
use shared_types::inventory::LocationKind;
use shared_types::purchasing::{
    ExchangeRate, ExchangeRateForSet, ProductSupplier, ProductSupplierForSet, PurchaseOrder,
    PurchaseOrderForCreate, PurchaseOrderStatus, Receipt, ReceiptForCreate, ReceiptLine,
    ReceiptLineForCreate, Supplier, SupplierForCreate, SupplierForUpdate,
};
use shared_types::sync::{ReceiptLineOp, SyncOp};
use sqlx::PgConnection;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::db;
use crate::db::products::enum_from_text;
use crate::db::purchasing::{po_reference, NewPo, ProductSupplierSet};
use crate::db::stock::MoveRequest;
use crate::domain::permissions::Permission;
use crate::domain::stock::{amount, currency, label, positive_qty};
use crate::domain::valuation;
use crate::error::{ApiError, ApiResult};
use crate::http::access::guarded;
use crate::http::ctx::TenantTx;
use crate::http::extract::{AppJson, AppPath, AppQuery, PageParams};
use crate::http::{idempotency, ErrorResponses};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(guarded(Permission::PurchaseRead, routes!(list_suppliers)))
        .routes(guarded(
            Permission::PurchaseManage,
            routes!(create_supplier),
        ))
        .routes(guarded(Permission::PurchaseRead, routes!(get_supplier)))
        .routes(guarded(
            Permission::PurchaseManage,
            routes!(update_supplier),
        ))
        .routes(guarded(
            Permission::PurchaseRead,
            routes!(list_supplier_products),
        ))
        .routes(guarded(
            Permission::PurchaseManage,
            routes!(set_supplier_product),
        ))
        .routes(guarded(Permission::PurchaseRead, routes!(list_rates)))
        .routes(guarded(Permission::PurchaseManage, routes!(set_rate)))
        .routes(guarded(Permission::PurchaseRead, routes!(list_orders)))
        .routes(guarded(Permission::PurchaseManage, routes!(create_order)))
        .routes(guarded(Permission::PurchaseRead, routes!(get_order)))
        .routes(guarded(Permission::PurchaseApprove, routes!(confirm_order)))
        .routes(guarded(Permission::PurchaseManage, routes!(cancel_order)))
        .routes(guarded(Permission::MoveCreate, routes!(receive_order)))
}

pub(crate) fn invalid_status(status: &str, message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::CONFLICT, ErrorCode::InvalidStatus, message)
        .with_details(json!({ "status": status }))
}

fn lead_time(field: &'static str, days: i32) -> ApiResult<i32> {
    if (0..=365).contains(&days) {
        Ok(days)
    } else {
        Err(ApiError::validation(
            field,
            format!("`{field}` must be 0–365 days."),
        ))
    }
}

fn email(raw: Option<&str>) -> ApiResult<Option<String>> {
    let Some(e) = raw.map(str::trim).filter(|e| !e.is_empty()) else {
        return Ok(None);
    };
    if e.len() > 254 || !e.contains('@') || e.chars().any(char::is_whitespace) {
        return Err(ApiError::validation(
            "email",
            "`email` is not an email address.",
        ));
    }
    Ok(Some(e.to_owned()))
}

fn currency_field(field: &'static str, raw: &str) -> ApiResult<String> {
    currency(raw).map_err(|e| ApiError::validation(field, format!("`{field}` {}.", e.message)))
}

fn supplier_conflict(e: sqlx::Error) -> ApiError {
    match &e {
        sqlx::Error::Database(d) if d.constraint() == Some("suppliers_tenant_name_key") => {
            ApiError::conflict("name", "A supplier with this name already exists.")
        }
        _ => e.into(),
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SupplierListParams {
    pub include_archived: Option<bool>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// Suppliers by name.
#[utoipa::path(get, path = "/api/v1/suppliers", tag = "purchasing",
    security(("bearer" = [])), params(SupplierListParams),
    responses((status = 200, body = Page<Supplier>), ErrorResponses))]
async fn list_suppliers(
    mut tx: TenantTx,
    AppQuery(p): AppQuery<SupplierListParams>,
) -> ApiResult<AppJson<Page<Supplier>>> {
    tx.ctx.require(Permission::PurchaseRead)?;
    let paging = PageParams {
        limit: p.limit,
        offset: p.offset,
    }
    .validate()?;
    let (items, total_count) = db::purchasing::list_suppliers(
        tx.conn(),
        p.include_archived.unwrap_or(false),
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

/// Add a supplier.
#[utoipa::path(post, path = "/api/v1/suppliers", tag = "purchasing",
    security(("bearer" = [])), request_body = SupplierForCreate,
    responses((status = 201, body = Supplier), ErrorResponses))]
async fn create_supplier(
    mut tx: TenantTx,
    AppJson(input): AppJson<SupplierForCreate>,
) -> ApiResult<(StatusCode, AppJson<Supplier>)> {
    tx.ctx.require(Permission::PurchaseManage)?;
    let name = label("name", &input.name, 200)?;
    let email = email(input.email.as_deref())?;
    let cur = currency_field("currency", &input.currency)?;
    let lt = lead_time("lead_time_days", input.lead_time_days.unwrap_or(7))?;
    let s = db::purchasing::insert_supplier(tx.conn(), &name, email.as_deref(), &cur, lt)
        .await
        .map_err(supplier_conflict)?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, AppJson(s)))
}

/// One supplier.
#[utoipa::path(get, path = "/api/v1/suppliers/{id}", tag = "purchasing",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Supplier id")),
    responses((status = 200, body = Supplier), ErrorResponses))]
async fn get_supplier(
    mut tx: TenantTx,
    AppPath(id): AppPath<Uuid>,
) -> ApiResult<AppJson<Supplier>> {
    tx.ctx.require(Permission::PurchaseRead)?;
    let s = db::purchasing::get_supplier(tx.conn(), id)
        .await?
        .ok_or_else(|| ApiError::not_found("supplier"))?;
    Ok(AppJson(s))
}

/// Change a supplier (only the fields sent).
#[utoipa::path(patch, path = "/api/v1/suppliers/{id}", tag = "purchasing",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Supplier id")),
    request_body = SupplierForUpdate,
    responses((status = 200, body = Supplier), ErrorResponses))]
async fn update_supplier(
    mut tx: TenantTx,
    AppPath(id): AppPath<Uuid>,
    AppJson(input): AppJson<SupplierForUpdate>,
) -> ApiResult<AppJson<Supplier>> {
    tx.ctx.require(Permission::PurchaseManage)?;
    let mut s = db::purchasing::get_supplier(tx.conn(), id)
        .await?
        .ok_or_else(|| ApiError::not_found("supplier"))?;
    if let Some(n) = &input.name {
        s.name = label("name", n, 200)?;
    }
    if input.email.is_some() {
        s.email = email(input.email.as_deref())?;
    }
    if let Some(c) = &input.currency {
        s.currency = currency_field("currency", c)?;
    }
    if let Some(d) = input.lead_time_days {
        s.lead_time_days = lead_time("lead_time_days", d)?;
    }
    if let Some(a) = input.archived {
        s.archived = a;
    }
    let s = db::purchasing::update_supplier(tx.conn(), &s)
        .await
        .map_err(supplier_conflict)?
        .ok_or_else(|| ApiError::not_found("supplier"))?;
    tx.commit().await?;
    Ok(AppJson(s))
}

/// The products a supplier sells, with price, lead time, minimum order and pack size.
#[utoipa::path(get, path = "/api/v1/suppliers/{id}/products", tag = "purchasing",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Supplier id")),
    responses((status = 200, body = Vec<ProductSupplier>), ErrorResponses))]
async fn list_supplier_products(
    mut tx: TenantTx,
    AppPath(id): AppPath<Uuid>,
) -> ApiResult<AppJson<Vec<ProductSupplier>>> {
    tx.ctx.require(Permission::PurchaseRead)?;
    db::purchasing::get_supplier(tx.conn(), id)
        .await?
        .ok_or_else(|| ApiError::not_found("supplier"))?;
    Ok(AppJson(
        db::purchasing::product_suppliers(tx.conn(), None, Some(id)).await?,
    ))
}

/// Set the terms a supplier sells a product on (creates or replaces them).
#[utoipa::path(put, path = "/api/v1/suppliers/{id}/products", tag = "purchasing",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Supplier id")),
    request_body = ProductSupplierForSet,
    responses((status = 200, body = ProductSupplier), ErrorResponses))]
async fn set_supplier_product(
    mut tx: TenantTx,
    AppPath(id): AppPath<Uuid>,
    AppJson(input): AppJson<ProductSupplierForSet>,
) -> ApiResult<AppJson<ProductSupplier>> {
    tx.ctx.require(Permission::PurchaseManage)?;
    let supplier = db::purchasing::get_supplier(tx.conn(), id)
        .await?
        .ok_or_else(|| ApiError::not_found("supplier"))?;
    db::products::get(tx.conn(), input.product_id)
        .await?
        .ok_or_else(|| ApiError::validation("product_id", "The product does not exist."))?;
    let cur = match &input.currency {
        Some(c) => currency_field("currency", c)?,
        None => supplier.currency.clone(),
    };
    let sku = input
        .supplier_sku
        .as_deref()
        .map(|s| label("supplier_sku", s, 100))
        .transpose()?;
    let lt = input
        .lead_time_days
        .map(|d| lead_time("lead_time_days", d))
        .transpose()?;
    let ps = db::purchasing::set_product_supplier(
        tx.conn(),
        &ProductSupplierSet {
            product_id: input.product_id,
            supplier_id: id,
            supplier_sku: sku.as_deref(),
            unit_price: amount("unit_price", input.unit_price)?,
            currency: &cur,
            lead_time_days: lt,
            min_order_qty: positive_qty(
                "min_order_qty",
                input.min_order_qty.unwrap_or(Decimal::ONE),
            )?,
            pack_size: positive_qty("pack_size", input.pack_size.unwrap_or(Decimal::ONE))?,
            priority: input.priority.unwrap_or(0),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(AppJson(ps))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RateListParams {
    pub currency: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// Exchange rates to the tenant's base currency, newest first per currency.
#[utoipa::path(get, path = "/api/v1/exchange-rates", tag = "purchasing",
    security(("bearer" = [])), params(RateListParams),
    responses((status = 200, body = Page<ExchangeRate>), ErrorResponses))]
async fn list_rates(
    mut tx: TenantTx,
    AppQuery(p): AppQuery<RateListParams>,
) -> ApiResult<AppJson<Page<ExchangeRate>>> {
    tx.ctx.require(Permission::PurchaseRead)?;
    let paging = PageParams {
        limit: p.limit,
        offset: p.offset,
    }
    .validate()?;
    let (items, total_count) = db::purchasing::list_rates(
        tx.conn(),
        p.currency.as_deref(),
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

/// Set the rate of a currency to the base currency from a date on (replaces
/// the rate of that currency and date if there is one).
#[utoipa::path(put, path = "/api/v1/exchange-rates", tag = "purchasing",
    security(("bearer" = [])), request_body = ExchangeRateForSet,
    responses((status = 200, body = ExchangeRate), ErrorResponses))]
async fn set_rate(
    mut tx: TenantTx,
    AppJson(input): AppJson<ExchangeRateForSet>,
) -> ApiResult<AppJson<ExchangeRate>> {
    tx.ctx.require(Permission::PurchaseManage)?;
    let cur = currency_field("currency", &input.currency)?;
    let base = db::purchasing::base_currency(tx.conn()).await?;
    if cur == base {
        return Err(ApiError::validation(
            "currency",
            format!("{cur} is the base currency; its rate is always 1."),
        ));
    }
    if input.rate <= Decimal::ZERO || input.rate.normalize().scale() > 10 {
        return Err(ApiError::validation(
            "rate",
            "`rate` must be greater than zero with at most 10 decimal places.",
        ));
    }
    let user = tx.ctx.user_id;
    let r =
        db::purchasing::set_rate(tx.conn(), &cur, input.valid_from, input.rate, Some(user)).await?;
    tx.commit().await?;
    Ok(AppJson(r))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrderListParams {
    pub status: Option<PurchaseOrderStatus>,
    pub supplier_id: Option<Uuid>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// Purchase orders, newest first.
#[utoipa::path(get, path = "/api/v1/purchase-orders", tag = "purchasing",
    security(("bearer" = [])), params(OrderListParams),
    responses((status = 200, body = Page<PurchaseOrder>), ErrorResponses))]
async fn list_orders(
    mut tx: TenantTx,
    AppQuery(p): AppQuery<OrderListParams>,
) -> ApiResult<AppJson<Page<PurchaseOrder>>> {
    tx.ctx.require(Permission::PurchaseRead)?;
    let paging = PageParams {
        limit: p.limit,
        offset: p.offset,
    }
    .validate()?;
    let (items, total_count) = db::purchasing::list_pos(
        tx.conn(),
        p.status,
        p.supplier_id,
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

/// Checks a receiving location: a warehouse, zone or bin.
pub(crate) async fn physical_location(
    conn: &mut PgConnection,
    field: &'static str,
    id: Uuid,
) -> ApiResult<()> {
    let kind: Option<String> = sqlx::query_scalar("SELECT kind FROM locations WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?;
    let kind: LocationKind = match kind {
        Some(k) => enum_from_text(&k)?,
        None => return Err(ApiError::validation(field, "The location does not exist.")),
    };
    if !kind.is_internal() {
        return Err(ApiError::validation(
            field,
            format!("`{field}` must be a warehouse, zone or bin."),
        ));
    }
    Ok(())
}

/// Creates a draft order; prices default to the supplier's terms for each product.
pub(crate) async fn create_draft(
    conn: &mut PgConnection,
    input: &PurchaseOrderForCreate,
    source: &str,
    user: Option<Uuid>,
) -> ApiResult<PurchaseOrder> {
    let supplier = db::purchasing::get_supplier(&mut *conn, input.supplier_id)
        .await?
        .ok_or_else(|| ApiError::validation("supplier_id", "The supplier does not exist."))?;
    if supplier.archived {
        return Err(ApiError::validation(
            "supplier_id",
            "The supplier is archived.",
        ));
    }
    physical_location(&mut *conn, "location_id", input.location_id).await?;
    let cur = match &input.currency {
        Some(c) => currency_field("currency", c)?,
        None => supplier.currency.clone(),
    };
    if input.lines.is_empty() || input.lines.len() > 500 {
        return Err(ApiError::validation("lines", "An order needs 1–500 lines."));
    }
    let terms = db::purchasing::product_suppliers(&mut *conn, None, Some(supplier.id)).await?;
    let mut lines = Vec::with_capacity(input.lines.len());
    for l in &input.lines {
        let qty = positive_qty("lines", l.qty)?;
        let exists: Option<String> =
            sqlx::query_scalar("SELECT product_type FROM products WHERE id = $1")
                .bind(l.product_id)
                .fetch_optional(&mut *conn)
                .await?;
        match exists.as_deref() {
            None => {
                return Err(ApiError::validation(
                    "lines",
                    format!("Product {} does not exist.", l.product_id),
                ))
            }
            Some("service") => {
                return Err(ApiError::validation(
                    "lines",
                    "Services are not bought into stock.",
                ))
            }
            _ => {}
        }
        let price = match l.unit_price {
            Some(p) => amount("lines", p)?,
            None => {
                let t = terms
                    .iter()
                    .find(|t| t.product_id == l.product_id)
                    .ok_or_else(|| {
                        ApiError::validation(
                            "lines",
                            format!(
                                "The supplier has no price for product {}; send `unit_price`.",
                                l.product_id
                            ),
                        )
                    })?;
                if t.currency != cur {
                    return Err(ApiError::validation(
                        "lines",
                        format!(
                            "The supplier's price for product {} is in {}, the order in {cur}; send `unit_price`.",
                            l.product_id, t.currency
                        ),
                    ));
                }
                t.unit_price
            }
        };
        lines.push((l.product_id, qty, price));
    }
    let notes = input
        .notes
        .as_deref()
        .map(|n| label("notes", n, 2000))
        .transpose()?;
    let id = db::purchasing::insert_po(
        &mut *conn,
        &NewPo {
            supplier_id: supplier.id,
            location_id: input.location_id,
            currency: &cur,
            expected_date: input.expected_date,
            notes: notes.as_deref(),
            source,
            created_by: user,
            lines,
        },
    )
    .await?;
    Ok(db::purchasing::get_po(conn, id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("purchase order vanished"))?)
}

/// Create a draft purchase order. Accepts `Idempotency-Key`.
#[utoipa::path(post, path = "/api/v1/purchase-orders", tag = "purchasing",
    security(("bearer" = [])), request_body = PurchaseOrderForCreate,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses((status = 201, body = PurchaseOrder), ErrorResponses))]
async fn create_order(
    mut tx: TenantTx,
    headers: HeaderMap,
    AppJson(input): AppJson<PurchaseOrderForCreate>,
) -> ApiResult<Response> {
    tx.ctx.require(Permission::PurchaseManage)?;
    let key = idempotency::key_from_headers(&headers)?;
    if let Some(replay) = idempotency::begin(&mut tx, key.as_deref(), "po.create", &input).await? {
        return Ok(replay);
    }
    let user = Some(tx.ctx.user_id);
    let po = create_draft(tx.conn(), &input, "manual", user).await?;
    let resp = idempotency::finish(&mut tx, key.as_deref(), StatusCode::CREATED, &po).await?;
    tx.commit().await?;
    Ok(resp)
}

/// One purchase order with its lines.
#[utoipa::path(get, path = "/api/v1/purchase-orders/{id}", tag = "purchasing",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Purchase order id")),
    responses((status = 200, body = PurchaseOrder), ErrorResponses))]
async fn get_order(
    mut tx: TenantTx,
    AppPath(id): AppPath<Uuid>,
) -> ApiResult<AppJson<PurchaseOrder>> {
    tx.ctx.require(Permission::PurchaseRead)?;
    let po = db::purchasing::get_po(tx.conn(), id)
        .await?
        .ok_or_else(|| ApiError::not_found("purchase order"))?;
    Ok(AppJson(po))
}

/// Confirm a draft order (sent to the supplier; its quantities now count as incoming).
#[utoipa::path(post, path = "/api/v1/purchase-orders/{id}/confirm", tag = "purchasing",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Purchase order id")),
    responses((status = 200, body = PurchaseOrder), ErrorResponses))]
pub(crate) async fn confirm_order(
    mut tx: TenantTx,
    AppPath(id): AppPath<Uuid>,
) -> ApiResult<AppJson<PurchaseOrder>> {
    tx.ctx.require(Permission::PurchaseApprove)?;
    let row = db::purchasing::lock_po(tx.conn(), id)
        .await?
        .ok_or_else(|| ApiError::not_found("purchase order"))?;
    match row.status()? {
        PurchaseOrderStatus::Draft => {}
        // Confirming twice is a no-op answer, so a retry is safe.
        PurchaseOrderStatus::Confirmed => {
            let po = db::purchasing::get_po(tx.conn(), id)
                .await?
                .ok_or_else(|| ApiError::not_found("purchase order"))?;
            return Ok(AppJson(po));
        }
        _ => {
            return Err(invalid_status(
                &row.status,
                format!("A {} order cannot be confirmed.", row.status),
            ))
        }
    }
    db::purchasing::set_po_status(tx.conn(), id, PurchaseOrderStatus::Confirmed).await?;
    let po = db::purchasing::get_po(tx.conn(), id)
        .await?
        .ok_or_else(|| ApiError::not_found("purchase order"))?;
    let user = Some(tx.ctx.user_id);
    db::events::append(
        tx.conn(),
        user,
        db::events::NewEvent::new("purchase_order.confirmed")
            .subject("purchase_order", id)
            .data(json!({
                "reference": po.reference, "supplier_id": po.supplier_id,
                "currency": po.currency, "total": po.total, "lines": po.lines.len(),
            })),
    )
    .await?;
    tx.commit().await?;
    Ok(AppJson(po))
}

/// Cancel an order that has received nothing yet.
#[utoipa::path(post, path = "/api/v1/purchase-orders/{id}/cancel", tag = "purchasing",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Purchase order id")),
    responses((status = 200, body = PurchaseOrder), ErrorResponses))]
async fn cancel_order(
    mut tx: TenantTx,
    AppPath(id): AppPath<Uuid>,
) -> ApiResult<AppJson<PurchaseOrder>> {
    tx.ctx.require(Permission::PurchaseManage)?;
    let row = db::purchasing::lock_po(tx.conn(), id)
        .await?
        .ok_or_else(|| ApiError::not_found("purchase order"))?;
    match row.status()? {
        PurchaseOrderStatus::Draft | PurchaseOrderStatus::Confirmed => {
            db::purchasing::set_po_status(tx.conn(), id, PurchaseOrderStatus::Cancelled).await?;
            let user = Some(tx.ctx.user_id);
            db::events::append(
                tx.conn(),
                user,
                db::events::NewEvent::new("purchase_order.cancelled")
                    .subject("purchase_order", id)
                    .data(json!({ "reference": po_reference(row.number) })),
            )
            .await?;
        }
        PurchaseOrderStatus::Cancelled => {}
        _ => {
            return Err(invalid_status(
                &row.status,
                "An order that has received goods cannot be cancelled.",
            ))
        }
    }
    let po = db::purchasing::get_po(tx.conn(), id)
        .await?
        .ok_or_else(|| ApiError::not_found("purchase order"))?;
    tx.commit().await?;
    Ok(AppJson(po))
}

/// Receives some or all of a confirmed order's lines.
pub(crate) async fn receive(
    conn: &mut PgConnection,
    po_id: Uuid,
    input: &ReceiptForCreate,
    user: Uuid,
) -> ApiResult<Receipt> {
    let row = db::purchasing::lock_po(&mut *conn, po_id)
        .await?
        .ok_or_else(|| ApiError::not_found("purchase order"))?;
    let status = row.status()?;
    if !matches!(
        status,
        PurchaseOrderStatus::Confirmed | PurchaseOrderStatus::PartiallyReceived
    ) {
        return Err(invalid_status(
            &row.status,
            format!(
                "Only confirmed orders can be received; this one is {}.",
                row.status
            ),
        ));
    }
    if input.lines.is_empty() {
        return Err(ApiError::validation("lines", "Receive at least one line."));
    }
    let location_id = input.location_id.unwrap_or(row.location_id);
    physical_location(&mut *conn, "location_id", location_id).await?;
    let received_on = input.received_on.unwrap_or_else(|| Utc::now().date_naive());
    let base = db::purchasing::base_currency(&mut *conn).await?;
    let rate = if row.currency == base {
        Decimal::ONE
    } else {
        db::purchasing::rate_on(&mut *conn, &row.currency, received_on)
            .await?
            .ok_or_else(|| {
                ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    ErrorCode::ExchangeRateMissing,
                    format!(
                        "There is no {}→{base} exchange rate valid on {received_on}; set one first.",
                        row.currency
                    ),
                )
                .with_details(json!({
                    "field": "received_on", "currency": row.currency,
                    "base_currency": base, "date": received_on,
                }))
            })?
    };
    db::locations::ensure_virtual(&mut *conn).await?;
    let supplier_loc: Uuid = sqlx::query_scalar("SELECT id FROM locations WHERE kind = 'supplier'")
        .fetch_one(&mut *conn)
        .await?;
    let lines = db::purchasing::lock_lines(&mut *conn, po_id).await?;
    let (over_pct, under_pct) = db::purchasing::receipt_tolerance(&mut *conn).await?;
    let mut seen = HashSet::new();
    let reference = po_reference(row.number);
    let receipt_id = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO purchase_receipts (id, purchase_order_id, received_on, location_id, currency,
                base_currency, rate, created_by_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(receipt_id)
    .bind(po_id)
    .bind(received_on)
    .bind(location_id)
    .bind(&row.currency)
    .bind(&base)
    .bind(rate)
    .bind(user)
    .execute(&mut *conn)
    .await?;
    let mut out = Vec::with_capacity(input.lines.len());
    for rl in &input.lines {
        if !seen.insert(rl.line_id) {
            return Err(ApiError::validation(
                "lines",
                "A line is listed twice in one receipt.",
            ));
        }
        let line = lines.iter().find(|l| l.id == rl.line_id).ok_or_else(|| {
            ApiError::validation(
                "lines",
                format!("Line {} is not on this order.", rl.line_id),
            )
        })?;
        let qty = positive_qty("lines", rl.qty)?;
        let open = line.qty - line.received_qty;
        let allowed = (line.qty * (Decimal::ONE + over_pct / Decimal::ONE_HUNDRED)
            - line.received_qty)
            .max(Decimal::ZERO);
        if qty > allowed {
            let tolerated = if over_pct.is_zero() {
                String::new()
            } else {
                format!(
                    " (with the {} % over-receipt tolerance: {})",
                    over_pct.normalize(),
                    allowed.normalize()
                )
            };
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::OverReceipt,
                format!(
                    "Line {} has {} left to receive{tolerated}; {qty} is too many.",
                    rl.line_id,
                    open.max(Decimal::ZERO).normalize()
                ),
            )
            .with_details(json!({
                "field": "lines", "line_id": rl.line_id, "open": open.max(Decimal::ZERO),
                "allowed": allowed, "over_receipt_tolerance_pct": over_pct,
            })));
        }
        let unit_cost = valuation::round(line.unit_price * rate);
        let mv = db::stock::apply_move(
            &mut *conn,
            &MoveRequest {
                product_id: line.product_id,
                qty,
                from_location_id: supplier_loc,
                to_location_id: location_id,
                lot: rl
                    .lot
                    .as_deref()
                    .map(|s| label("lot", s, 100))
                    .transpose()?,
                lot_expiry: rl.lot_expiry,
                unit_cost: Some(unit_cost),
                reason: "purchase_receipt".into(),
                reference: Some(reference.clone()),
                user_id: Some(user),
                device_id: None,
                client_op_id: None,
            },
        )
        .await?;
        db::purchasing::add_received(&mut *conn, line.id, qty).await?;
        sqlx::query(
            "INSERT INTO purchase_receipt_lines (id, receipt_id, po_line_id, move_id, qty, unit_price, unit_cost_base)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(Uuid::now_v7())
        .bind(receipt_id)
        .bind(line.id)
        .bind(mv.id)
        .bind(qty)
        .bind(line.unit_price)
        .bind(unit_cost)
        .execute(&mut *conn)
        .await?;
        out.push(ReceiptLine {
            line_id: line.id,
            product_id: line.product_id,
            qty,
            unit_price: line.unit_price,
            unit_cost,
            move_id: mv.id,
        });
    }
    let all_in: bool = sqlx::query_scalar(
        "SELECT bool_and(received_qty >= qty * (1 - $2 / 100))
           FROM purchase_order_lines WHERE purchase_order_id = $1",
    )
    .bind(po_id)
    .bind(under_pct)
    .fetch_one(&mut *conn)
    .await?;
    let new_status = if all_in {
        PurchaseOrderStatus::Received
    } else {
        PurchaseOrderStatus::PartiallyReceived
    };
    db::purchasing::set_po_status(&mut *conn, po_id, new_status).await?;
    let products: Vec<Uuid> = out.iter().map(|l| l.product_id).collect();
    db::reorder::after_moves(&mut *conn, Some(user), &products).await?;
    db::events::append(
        &mut *conn,
        Some(user),
        db::events::NewEvent::new("purchase_order.received")
            .subject("purchase_order", po_id)
            .data(json!({
                "reference": reference, "receipt_id": receipt_id, "status": new_status,
                "complete": all_in, "received_on": received_on, "currency": row.currency,
                "rate": rate, "lines": out.iter().map(|l| json!({
                    "product_id": l.product_id, "qty": l.qty, "unit_cost": l.unit_cost,
                })).collect::<Vec<_>>(),
            })),
    )
    .await?;
    Ok(Receipt {
        id: receipt_id,
        purchase_order_id: po_id,
        received_on,
        location_id,
        currency: row.currency,
        base_currency: base,
        rate,
        lines: out,
        status: new_status,
    })
}

/// Receive goods on a confirmed order, fully or in part. Each line becomes a
/// stock move from the supplier location valued at the order price × the
/// exchange rate valid on `received_on`. Send an `Idempotency-Key`: a retried
/// receipt returns the first answer and books nothing twice.
#[utoipa::path(post, path = "/api/v1/purchase-orders/{id}/receipts", tag = "purchasing",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Purchase order id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    request_body = ReceiptForCreate,
    responses((status = 201, body = Receipt), ErrorResponses))]
async fn receive_order(
    mut tx: TenantTx,
    headers: HeaderMap,
    AppPath(id): AppPath<Uuid>,
    AppJson(input): AppJson<ReceiptForCreate>,
) -> ApiResult<Response> {
    tx.ctx.require(Permission::MoveCreate)?;
    let key = idempotency::key_from_headers(&headers)?;
    let op = format!("po.receive:{id}");
    if let Some(replay) = idempotency::begin(&mut tx, key.as_deref(), &op, &input).await? {
        return Ok(replay);
    }
    let user = tx.ctx.user_id;
    let receipt = receive(tx.conn(), id, &input, user).await?;
    let resp = idempotency::finish(&mut tx, key.as_deref(), StatusCode::CREATED, &receipt).await?;
    tx.commit().await?;
    Ok(resp)
}

/// The sync op `receipt_line` (run inside the push's savepoint): one scanned
/// line booked through [`receive`], so the same rules apply as to a REST
/// receipt — only confirmed orders, never more than the line has open — and
/// the exchange rate is the one valid on the day the op was recorded.
pub(crate) async fn apply_receipt_op(
    conn: &mut PgConnection,
    op: &SyncOp,
    user: Uuid,
) -> ApiResult<Option<Value>> {
    let r: ReceiptLineOp = serde_json::from_value(op.payload.clone())
        .map_err(|e| ApiError::validation("payload", e.to_string()))?;
    let po = db::purchasing::get_po(&mut *conn, r.purchase_order_id)
        .await?
        .ok_or_else(|| ApiError::not_found("purchase order"))?;
    let line = match r.line_id {
        Some(id) => po
            .lines
            .iter()
            .find(|l| l.id == id)
            .ok_or_else(|| ApiError::validation("line_id", "The line is not on this order."))?,
        // By scan: the first line of the product with enough left open, else the
        // first with anything open (whose check then explains the refusal).
        None => {
            let of_product = || po.lines.iter().filter(|l| l.product_id == r.product_id);
            of_product()
                .find(|l| l.qty - l.received_qty >= r.qty)
                .or_else(|| of_product().find(|l| l.qty > l.received_qty))
                .or_else(|| of_product().next())
                .ok_or_else(|| {
                    ApiError::validation("product_id", "The scanned product is not on this order.")
                })?
        }
    };
    if line.product_id != r.product_id {
        return Err(ApiError::validation(
            "product_id",
            "The scanned product is not the product of this order line.",
        ));
    }
    let input = ReceiptForCreate {
        received_on: Some(op.created_at.date_naive()),
        location_id: r.location_id,
        lines: vec![ReceiptLineForCreate {
            line_id: line.id,
            qty: r.qty,
            lot: r.lot,
            lot_expiry: r.lot_expiry,
        }],
    };
    let receipt = receive(conn, po.id, &input, user).await?;
    Ok(Some(json!({
        "receipt_id": receipt.id,
        "line_id": line.id,
        "move_id": receipt.lines.first().map(|l| l.move_id),
        "status": receipt.status,
    })))
}
