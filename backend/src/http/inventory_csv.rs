//! CSV import and export of products and opening stock.
//!
//! Imports answer a per-row report. By default (`mode=all`) nothing is written
//! if any row fails; with `mode=partial` every good row is written (each in its
//! own savepoint) and the failed ones are reported. Products are matched by SKU:
//! an existing SKU is updated, a new one created. Opening stock books each row
//! as a stock move from the adjustments location at the row's unit cost, so it
//! is in the ledger and valued like any receipt.
//!
//! Product columns: `sku,name,type,base_uom,tracking,cost,prices,barcode,archived`
//! (`prices` like `EUR=9.90;USD=10.50`; `barcode` a GTIN or any Code 128 text).
//! Opening stock columns: `sku,location,qty,unit_cost,lot,expiry` (`location`
//! is a path like `WH1/A/01` or a location barcode).

use std::collections::BTreeMap;

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;
use shared_types::barcode;
use shared_types::inventory::{
    ImportMode, ImportReport, ImportRowError, ProductType, Symbology, Tracking,
};
use sqlx::{Acquire, PgConnection};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::db;
use crate::db::products::{enum_from_text, enum_text};
use crate::db::stock::MoveRequest;
use crate::domain::identity::InvalidValue;
use crate::domain::permissions::Permission;
use crate::domain::stock::{amount, currency, label, positive_qty, ProductBarcode, Sku};
use crate::error::{ApiError, ApiResult};
use crate::http::access::guarded;
use crate::http::ctx::TenantTx;
use crate::http::extract::{AppJson, AppQuery};
use crate::http::ErrorResponses;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(guarded(Permission::ProductRead, routes!(export_products)))
        .routes(guarded(Permission::ProductManage, routes!(import_products)))
        .routes(guarded(Permission::StockRead, routes!(export_stock)))
        .routes(guarded(
            Permission::MoveCreate,
            routes!(import_opening_stock),
        ))
}

const MAX_ROWS: usize = 20_000;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportParams {
    /// `all` (default): nothing is imported if a row fails. `partial`: good rows are.
    pub mode: Option<ImportMode>,
}

struct RowError {
    field: String,
    message: String,
}

impl From<InvalidValue> for RowError {
    fn from(v: InvalidValue) -> Self {
        RowError {
            field: v.field.to_owned(),
            message: format!("`{}` {}", v.field, v.message),
        }
    }
}

impl From<sqlx::Error> for RowError {
    fn from(e: sqlx::Error) -> Self {
        let message = match &e {
            sqlx::Error::Database(d) if d.is_unique_violation() => {
                format!(
                    "a value is already taken ({})",
                    d.constraint().unwrap_or("unique")
                )
            }
            _ => "could not be written".to_owned(),
        };
        if !matches!(e, sqlx::Error::Database(_)) {
            tracing::warn!(error = %e, "import row failed");
        }
        RowError {
            field: "row".into(),
            message,
        }
    }
}

fn row_err(field: &str, message: impl Into<String>) -> RowError {
    RowError {
        field: field.to_owned(),
        message: message.into(),
    }
}

fn csv_response(filename: &str, body: Vec<u8>) -> Response {
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        body,
    )
        .into_response()
}

/// Parses the body into header-keyed records; a broken CSV is one 422.
fn records(body: &str) -> ApiResult<(Vec<String>, Vec<csv::StringRecord>)> {
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(body.as_bytes());
    let headers: Vec<String> = rdr
        .headers()
        .map_err(|e| ApiError::validation("body", format!("The CSV header cannot be read: {e}.")))?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_lowercase())
        .collect();
    let mut rows = Vec::new();
    for r in rdr.records() {
        let r =
            r.map_err(|e| ApiError::validation("body", format!("The CSV is malformed: {e}.")))?;
        if r.iter().all(str::is_empty) {
            continue;
        }
        rows.push(r);
        if rows.len() > MAX_ROWS {
            return Err(ApiError::validation(
                "body",
                format!("Import at most {MAX_ROWS} rows at once."),
            ));
        }
    }
    Ok((headers, rows))
}

fn require_columns(headers: &[String], needed: &[&str]) -> ApiResult<()> {
    let missing: Vec<&str> = needed
        .iter()
        .copied()
        .filter(|n| !headers.iter().any(|h| h == n))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(ApiError::validation(
            "body",
            format!("The CSV lacks the column(s): {}.", missing.join(", ")),
        ))
    }
}

struct Row<'a> {
    headers: &'a [String],
    rec: &'a csv::StringRecord,
}

impl Row<'_> {
    fn get(&self, col: &str) -> Option<&str> {
        self.headers
            .iter()
            .position(|h| h == col)
            .and_then(|i| self.rec.get(i))
            .filter(|v| !v.is_empty())
    }
}

fn decimal(field: &str, raw: &str) -> Result<Decimal, RowError> {
    raw.parse::<Decimal>()
        .map_err(|_| row_err(field, format!("`{field}` '{raw}' is not a number")))
}

fn enum_field<T: serde::de::DeserializeOwned>(field: &str, raw: &str) -> Result<T, RowError> {
    enum_from_text(&raw.to_lowercase())
        .map_err(|_| row_err(field, format!("`{field}` '{raw}' is not allowed")))
}

/// What an import writes per row.
#[derive(Clone, Copy)]
enum Kind {
    Products,
    Stock { adjust: Uuid, user: Uuid },
}

/// Writes every row inside its own savepoint, collecting the report. In `all`
/// mode the caller rolls the whole transaction back when anything failed.
async fn import_rows(
    conn: &mut PgConnection,
    rows: &[csv::StringRecord],
    headers: &[String],
    kind: Kind,
) -> ApiResult<(u64, Vec<ImportRowError>)> {
    let mut imported = 0;
    let mut errors = Vec::new();
    for (i, rec) in rows.iter().enumerate() {
        let mut sp = conn.begin().await?;
        let row = Row { headers, rec };
        let done = match kind {
            Kind::Products => import_product_row(&mut sp, row).await,
            Kind::Stock { adjust, user } => import_stock_row(&mut sp, row, adjust, user).await,
        };
        match done {
            Ok(()) => {
                sp.commit().await?;
                imported += 1;
            }
            Err(e) => {
                sp.rollback().await?;
                errors.push(ImportRowError {
                    row: i as u64 + 1,
                    field: e.field,
                    message: e.message,
                });
            }
        }
    }
    Ok((imported, errors))
}

async fn finish(
    tx: TenantTx,
    mode: ImportMode,
    rows: usize,
    imported: u64,
    errors: Vec<ImportRowError>,
) -> ApiResult<(StatusCode, AppJson<ImportReport>)> {
    let failed = errors.len() as u64;
    let commit = mode == ImportMode::Partial || errors.is_empty();
    if commit {
        tx.commit().await?;
    }
    let status = if commit {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((
        status,
        AppJson(ImportReport {
            mode,
            rows: rows as u64,
            imported: if commit { imported } else { 0 },
            failed,
            committed: commit,
            errors,
        }),
    ))
}

fn parse_prices(raw: &str) -> Result<BTreeMap<String, Decimal>, RowError> {
    let mut out = BTreeMap::new();
    for part in raw.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let (c, v) = part
            .split_once('=')
            .ok_or_else(|| row_err("prices", format!("`prices` '{part}' is not CUR=amount")))?;
        let c = currency(c.trim())?;
        out.insert(c, amount("prices", decimal("prices", v.trim())?)?);
    }
    Ok(out)
}

fn parse_barcode(raw: &str) -> Result<ProductBarcode, RowError> {
    let symbology = match barcode::validate_gtin(raw) {
        Ok(barcode::GtinFormat::Ean13) => Symbology::Ean13,
        Ok(barcode::GtinFormat::UpcA) => Symbology::UpcA,
        Ok(barcode::GtinFormat::Ean8) => Symbology::Ean8,
        Ok(barcode::GtinFormat::Gtin14) => Symbology::Gtin14,
        Ok(barcode::GtinFormat::UpcE) => Symbology::Code128,
        Err(e)
            if raw.bytes().all(|b| b.is_ascii_digit()) && matches!(raw.len(), 8 | 12 | 13 | 14) =>
        {
            return Err(row_err("barcode", format!("`barcode` '{raw}': {e}")))
        }
        Err(_) => Symbology::Code128,
    };
    Ok(ProductBarcode::parse(symbology, raw)?)
}

async fn import_product_row(conn: &mut PgConnection, r: Row<'_>) -> Result<(), RowError> {
    let sku = Sku::parse(r.get("sku").unwrap_or_default())?;
    let name = label("name", r.get("name").unwrap_or_default(), 200)?;
    let product_type: ProductType = r
        .get("type")
        .map(|v| enum_field("type", v))
        .transpose()?
        .unwrap_or(ProductType::Stocked);
    let tracking: Tracking = r
        .get("tracking")
        .map(|v| enum_field("tracking", v))
        .transpose()?
        .unwrap_or(Tracking::None);
    if product_type == ProductType::Service && tracking != Tracking::None {
        return Err(row_err(
            "tracking",
            "services are not tracked by lot or serial",
        ));
    }
    let base_uom = label("base_uom", r.get("base_uom").unwrap_or("each"), 32)?;
    let cost = r
        .get("cost")
        .map(|v| decimal("cost", v).and_then(|d| Ok(amount("cost", d)?)))
        .transpose()?;
    let prices = r.get("prices").map(parse_prices).transpose()?;
    let archived = match r.get("archived").map(str::to_lowercase).as_deref() {
        None | Some("false" | "no" | "0") => false,
        Some("true" | "yes" | "1") => true,
        Some(v) => {
            return Err(row_err(
                "archived",
                format!("`archived` '{v}' is not true/false"),
            ))
        }
    };
    let code = r.get("barcode").map(parse_barcode).transpose()?;
    let existing: Option<(Uuid, String, String)> =
        sqlx::query_as("SELECT id, base_uom, tracking FROM products WHERE sku = $1")
            .bind(sku.as_str())
            .fetch_optional(&mut *conn)
            .await?;
    let id = match existing {
        Some((id, uom, track)) => {
            if uom != base_uom || track != enum_text(&tracking) {
                return Err(row_err(
                    "base_uom",
                    "the base unit and tracking of an existing product cannot change by import",
                ));
            }
            db::products::update(
                conn,
                id,
                &db::products::ProductChanges {
                    name: Some(name),
                    product_type: Some(product_type),
                    cost,
                    prices,
                    archived: Some(archived),
                    ..Default::default()
                },
            )
            .await?;
            id
        }
        None => {
            let id = db::products::insert(
                conn,
                &db::products::NewProduct {
                    sku: sku.as_str().to_owned(),
                    name,
                    product_type,
                    base_uom,
                    uom_conversions: Vec::new(),
                    tracking,
                    cost: cost.unwrap_or_default(),
                    prices: prices.unwrap_or_default(),
                    supplier_info: Default::default(),
                    properties: serde_json::json!({}),
                    variant_of: None,
                    variant_values: Default::default(),
                    variant_attributes: Vec::new(),
                    image_ref: None,
                },
            )
            .await?;
            if archived {
                db::products::update(
                    conn,
                    id,
                    &db::products::ProductChanges {
                        archived: Some(true),
                        ..Default::default()
                    },
                )
                .await?;
            }
            id
        }
    };
    if let Some(code) = code {
        let owner: Option<Uuid> =
            sqlx::query_scalar("SELECT product_id FROM product_barcodes WHERE normalized = $1")
                .bind(&code.normalized)
                .fetch_optional(&mut *conn)
                .await?;
        match owner {
            Some(p) if p == id => {}
            Some(_) => {
                return Err(row_err(
                    "barcode",
                    format!("barcode {} is already on another product", code.code),
                ))
            }
            None => {
                db::products::insert_barcode(conn, id, &code, Decimal::ONE).await?;
            }
        }
    }
    Ok(())
}

/// Import products from CSV (created or updated by SKU), with a per-row report.
/// Columns: `sku,name,type,base_uom,tracking,cost,prices,barcode,archived`.
#[utoipa::path(post, path = "/api/v1/products/import", tag = "inventory",
    security(("bearer" = [])), params(ImportParams),
    request_body(content = String, content_type = "text/csv",
        description = "sku,name,type,base_uom,tracking,cost,prices,barcode,archived"),
    responses((status = 200, body = ImportReport, description = "Imported (in partial mode, possibly with failed rows)"),
        (status = 422, body = ImportReport, description = "Rows failed; nothing was imported"),
        ErrorResponses))]
pub(crate) async fn import_products(
    mut tx: TenantTx,
    AppQuery(p): AppQuery<ImportParams>,
    body: String,
) -> ApiResult<Response> {
    tx.ctx.require(Permission::ProductManage)?;
    let mode = p.mode.unwrap_or_default();
    let (headers, rows) = records(&body)?;
    require_columns(&headers, &["sku", "name"])?;
    let (imported, errors) = import_rows(tx.conn(), &rows, &headers, Kind::Products).await?;
    Ok(finish(tx, mode, rows.len(), imported, errors)
        .await?
        .into_response())
}

#[derive(sqlx::FromRow)]
struct ProductCsvRow {
    sku: String,
    name: String,
    product_type: String,
    base_uom: String,
    tracking: String,
    cost: Decimal,
    prices: serde_json::Value,
    barcode: Option<String>,
    archived: bool,
}

/// Every product as CSV, in the import's columns.
#[utoipa::path(get, path = "/api/v1/products/export", tag = "inventory",
    security(("bearer" = [])),
    responses((status = 200, content_type = "text/csv", body = String), ErrorResponses))]
async fn export_products(mut tx: TenantTx) -> ApiResult<Response> {
    tx.ctx.require(Permission::ProductRead)?;
    let rows: Vec<ProductCsvRow> = sqlx::query_as(
        "SELECT p.sku, p.name, p.product_type, p.base_uom, p.tracking, p.cost, p.prices,
                (SELECT b.code FROM product_barcodes b WHERE b.product_id = p.id
                  ORDER BY b.created_at, b.id LIMIT 1) AS barcode, p.archived
           FROM products p ORDER BY p.sku",
    )
    .fetch_all(tx.conn())
    .await?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let write = |w: &mut csv::Writer<Vec<u8>>, rec: &[String]| {
        w.write_record(rec)
            .map_err(|e| ApiError::Internal(e.into()))
    };
    write(
        &mut w,
        &[
            "sku", "name", "type", "base_uom", "tracking", "cost", "prices", "barcode", "archived",
        ]
        .map(String::from),
    )?;
    for r in rows {
        let prices = r
            .prices
            .as_object()
            .map(|o| {
                o.iter()
                    .map(|(k, v)| {
                        format!(
                            "{k}={}",
                            v.as_str().map_or_else(|| v.to_string(), str::to_owned)
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(";")
            })
            .unwrap_or_default();
        write(
            &mut w,
            &[
                r.sku,
                r.name,
                r.product_type,
                r.base_uom,
                r.tracking,
                r.cost.normalize().to_string(),
                prices,
                r.barcode.unwrap_or_default(),
                r.archived.to_string(),
            ],
        )?;
    }
    let body = w
        .into_inner()
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("{e}")))?;
    Ok(csv_response("products.csv", body))
}

async fn import_stock_row(
    conn: &mut PgConnection,
    r: Row<'_>,
    adjust: Uuid,
    user: Uuid,
) -> Result<(), RowError> {
    let sku = r.get("sku").unwrap_or_default();
    let product: Option<(Uuid, Decimal)> =
        sqlx::query_as("SELECT id, cost FROM products WHERE sku = $1")
            .bind(sku)
            .fetch_optional(&mut *conn)
            .await?;
    let Some((product_id, cost)) = product else {
        return Err(row_err("sku", format!("no product has SKU '{sku}'")));
    };
    let loc_raw = r.get("location").unwrap_or_default();
    let loc: Option<(Uuid, String)> = sqlx::query_as(
        "SELECT id, kind FROM locations WHERE path = $1 OR barcode = $1 ORDER BY (path = $1) DESC LIMIT 1",
    )
    .bind(loc_raw)
    .fetch_optional(&mut *conn)
    .await?;
    let location_id = match loc {
        Some((id, kind)) if matches!(kind.as_str(), "warehouse" | "zone" | "bin") => id,
        Some(_) => {
            return Err(row_err(
                "location",
                "`location` must be a warehouse, zone or bin",
            ))
        }
        None => return Err(row_err("location", format!("no location '{loc_raw}'"))),
    };
    let qty = positive_qty("qty", decimal("qty", r.get("qty").unwrap_or_default())?)?;
    let unit_cost = match r.get("unit_cost") {
        Some(v) => amount("unit_cost", decimal("unit_cost", v)?)?,
        None => cost,
    };
    let lot_expiry = r
        .get("expiry")
        .map(|v| {
            NaiveDate::parse_from_str(v, "%Y-%m-%d")
                .map_err(|_| row_err("expiry", format!("`expiry` '{v}' is not YYYY-MM-DD")))
        })
        .transpose()?;
    let lot = r.get("lot").map(|l| label("lot", l, 100)).transpose()?;
    db::stock::apply_move(
        conn,
        &MoveRequest {
            product_id,
            qty,
            from_location_id: adjust,
            to_location_id: location_id,
            lot,
            lot_expiry,
            unit_cost: Some(unit_cost),
            reason: "opening_stock".into(),
            reference: Some("csv-import".into()),
            user_id: Some(user),
            device_id: None,
            client_op_id: None,
        },
    )
    .await
    .map_err(|e| match e {
        db::stock::StockError::Invalid { field, message } => {
            row_err(field, format!("`{field}` {message}"))
        }
        db::stock::StockError::NotFound(what) => {
            row_err(what, format!("the {what} does not exist"))
        }
        db::stock::StockError::SerialInStock { serial } => {
            row_err("lot", format!("serial {serial} is already in stock"))
        }
        db::stock::StockError::Insufficient { .. } => row_err("qty", "not enough stock"),
        db::stock::StockError::Db(e) => e.into(),
    })?;
    Ok(())
}

/// Import opening stock from CSV: each row is booked as a valued stock move
/// from the adjustments location. Columns: `sku,location,qty,unit_cost,lot,expiry`.
#[utoipa::path(post, path = "/api/v1/stock/import", tag = "inventory",
    security(("bearer" = [])), params(ImportParams),
    request_body(content = String, content_type = "text/csv",
        description = "sku,location,qty,unit_cost,lot,expiry"),
    responses((status = 200, body = ImportReport, description = "Imported (in partial mode, possibly with failed rows)"),
        (status = 422, body = ImportReport, description = "Rows failed; nothing was imported"),
        ErrorResponses))]
pub(crate) async fn import_opening_stock(
    mut tx: TenantTx,
    AppQuery(p): AppQuery<ImportParams>,
    body: String,
) -> ApiResult<Response> {
    tx.ctx.require(Permission::MoveCreate)?;
    let mode = p.mode.unwrap_or_default();
    let (cols, rows) = records(&body)?;
    require_columns(&cols, &["sku", "location", "qty"])?;
    db::locations::ensure_virtual(tx.conn()).await?;
    let adjust: Uuid = sqlx::query_scalar("SELECT id FROM locations WHERE kind = 'inventory_loss'")
        .fetch_one(tx.conn())
        .await?;
    let user = tx.ctx.user_id;
    let before: i64 = sqlx::query_scalar("SELECT coalesce(max(seq), 0) FROM stock_moves")
        .fetch_one(tx.conn())
        .await?;
    let (imported, errors) =
        import_rows(tx.conn(), &rows, &cols, Kind::Stock { adjust, user }).await?;
    if mode == ImportMode::Partial || errors.is_empty() {
        let ids: Vec<Uuid> =
            sqlx::query_scalar("SELECT DISTINCT product_id FROM stock_moves WHERE seq > $1")
                .bind(before)
                .fetch_all(tx.conn())
                .await?;
        db::reorder::after_moves(tx.conn(), Some(user), &ids).await?;
    }
    Ok(finish(tx, mode, rows.len(), imported, errors)
        .await?
        .into_response())
}

/// On-hand per product, location and lot as CSV (physical locations and transit).
#[utoipa::path(get, path = "/api/v1/stock/export", tag = "inventory",
    security(("bearer" = [])),
    responses((status = 200, content_type = "text/csv", body = String), ErrorResponses))]
async fn export_stock(mut tx: TenantTx) -> ApiResult<Response> {
    tx.ctx.require(Permission::StockRead)?;
    let rows: Vec<(String, String, Option<String>, Decimal, Decimal)> = sqlx::query_as(
        "SELECT p.sku, loc.path, l.code, q.qty, q.reserved
           FROM quants q JOIN products p ON p.id = q.product_id
           JOIN locations loc ON loc.id = q.location_id
           LEFT JOIN lots l ON l.id = q.lot_id
          WHERE q.qty <> 0 AND loc.kind IN ('warehouse', 'zone', 'bin', 'transit')
          ORDER BY p.sku, loc.path COLLATE \"C\", l.code NULLS FIRST",
    )
    .fetch_all(tx.conn())
    .await?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let err = |e: csv::Error| ApiError::Internal(e.into());
    w.write_record(["sku", "location", "lot", "qty", "reserved"])
        .map_err(err)?;
    for (sku, path, lot, qty, reserved) in rows {
        w.write_record([
            sku,
            path,
            lot.unwrap_or_default(),
            qty.normalize().to_string(),
            reserved.normalize().to_string(),
        ])
        .map_err(err)?;
    }
    let body = w
        .into_inner()
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("{e}")))?;
    Ok(csv_response("stock.csv", body))
}
