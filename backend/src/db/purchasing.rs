//! Suppliers, their terms per product, exchange rates, purchase orders and
//! receipts. Receipts change stock only through `db::stock::apply_move`.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use shared_types::purchasing::{
    ExchangeRate, ProductSupplier, PurchaseOrder, PurchaseOrderLine, PurchaseOrderStatus, Supplier,
};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::db::products::{enum_from_text, enum_text};

#[derive(sqlx::FromRow)]
struct SupplierRow {
    id: Uuid,
    name: String,
    email: Option<String>,
    currency: String,
    lead_time_days: i32,
    archived: bool,
}

impl From<SupplierRow> for Supplier {
    fn from(r: SupplierRow) -> Self {
        Supplier {
            id: r.id,
            name: r.name,
            email: r.email,
            currency: r.currency,
            lead_time_days: r.lead_time_days,
            archived: r.archived,
        }
    }
}

const SUPPLIER_COLUMNS: &str = "id, name, email, currency, lead_time_days, archived";

pub async fn list_suppliers(
    conn: &mut PgConnection,
    include_archived: bool,
    limit: i64,
    offset: i64,
) -> Result<(Vec<Supplier>, i64), sqlx::Error> {
    let total: i64 =
        sqlx::query_scalar("SELECT count(*) FROM suppliers WHERE ($1 OR NOT archived)")
            .bind(include_archived)
            .fetch_one(&mut *conn)
            .await?;
    let rows: Vec<SupplierRow> = sqlx::query_as(&format!(
        "SELECT {SUPPLIER_COLUMNS} FROM suppliers WHERE ($1 OR NOT archived)
          ORDER BY lower(name), id LIMIT $2 OFFSET $3"
    ))
    .bind(include_archived)
    .bind(limit)
    .bind(offset)
    .fetch_all(conn)
    .await?;
    Ok((rows.into_iter().map(Into::into).collect(), total))
}

pub async fn get_supplier(
    conn: &mut PgConnection,
    id: Uuid,
) -> Result<Option<Supplier>, sqlx::Error> {
    let row: Option<SupplierRow> = sqlx::query_as(&format!(
        "SELECT {SUPPLIER_COLUMNS} FROM suppliers WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(Into::into))
}

pub async fn insert_supplier(
    conn: &mut PgConnection,
    name: &str,
    email: Option<&str>,
    currency: &str,
    lead_time_days: i32,
) -> Result<Supplier, sqlx::Error> {
    let row: SupplierRow = sqlx::query_as(&format!(
        "INSERT INTO suppliers (id, name, email, currency, lead_time_days) VALUES ($1, $2, $3, $4, $5)
         RETURNING {SUPPLIER_COLUMNS}"
    ))
    .bind(Uuid::now_v7())
    .bind(name)
    .bind(email)
    .bind(currency)
    .bind(lead_time_days)
    .fetch_one(conn)
    .await?;
    Ok(row.into())
}

pub async fn update_supplier(
    conn: &mut PgConnection,
    s: &Supplier,
) -> Result<Option<Supplier>, sqlx::Error> {
    let row: Option<SupplierRow> = sqlx::query_as(&format!(
        "UPDATE suppliers SET name = $2, email = $3, currency = $4, lead_time_days = $5, archived = $6
          WHERE id = $1 RETURNING {SUPPLIER_COLUMNS}"
    ))
    .bind(s.id)
    .bind(&s.name)
    .bind(&s.email)
    .bind(&s.currency)
    .bind(s.lead_time_days)
    .bind(s.archived)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(Into::into))
}

#[derive(sqlx::FromRow)]
struct ProductSupplierRow {
    id: Uuid,
    product_id: Uuid,
    supplier_id: Uuid,
    supplier_name: String,
    supplier_sku: Option<String>,
    unit_price: Decimal,
    currency: String,
    lead_time_days: i32,
    min_order_qty: Decimal,
    pack_size: Decimal,
    priority: i32,
}

impl From<ProductSupplierRow> for ProductSupplier {
    fn from(r: ProductSupplierRow) -> Self {
        ProductSupplier {
            id: r.id,
            product_id: r.product_id,
            supplier_id: r.supplier_id,
            supplier_name: r.supplier_name,
            supplier_sku: r.supplier_sku,
            unit_price: r.unit_price,
            currency: r.currency,
            lead_time_days: r.lead_time_days,
            min_order_qty: r.min_order_qty,
            pack_size: r.pack_size,
            priority: r.priority,
        }
    }
}

const PS_SELECT: &str = "SELECT ps.id, ps.product_id, ps.supplier_id, s.name AS supplier_name,
        ps.supplier_sku, ps.unit_price, ps.currency,
        coalesce(ps.lead_time_days, s.lead_time_days) AS lead_time_days,
        ps.min_order_qty, ps.pack_size, ps.priority
   FROM product_suppliers ps JOIN suppliers s ON s.id = ps.supplier_id";

/// The terms for a product: of one supplier, or all (preferred first).
pub async fn product_suppliers(
    conn: &mut PgConnection,
    product_id: Option<Uuid>,
    supplier_id: Option<Uuid>,
) -> Result<Vec<ProductSupplier>, sqlx::Error> {
    let rows: Vec<ProductSupplierRow> = sqlx::query_as(&format!(
        "{PS_SELECT} WHERE ($1::uuid IS NULL OR ps.product_id = $1)
            AND ($2::uuid IS NULL OR ps.supplier_id = $2)
          ORDER BY ps.product_id, ps.priority, s.name LIMIT 5000"
    ))
    .bind(product_id)
    .bind(supplier_id)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

pub struct ProductSupplierSet<'a> {
    pub product_id: Uuid,
    pub supplier_id: Uuid,
    pub supplier_sku: Option<&'a str>,
    pub unit_price: Decimal,
    pub currency: &'a str,
    pub lead_time_days: Option<i32>,
    pub min_order_qty: Decimal,
    pub pack_size: Decimal,
    pub priority: i32,
}

pub async fn set_product_supplier(
    conn: &mut PgConnection,
    s: &ProductSupplierSet<'_>,
) -> Result<ProductSupplier, sqlx::Error> {
    let id: Uuid = sqlx::query_scalar(
        "INSERT INTO product_suppliers (id, product_id, supplier_id, supplier_sku, unit_price, currency,
                lead_time_days, min_order_qty, pack_size, priority)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (tenant_id, product_id, supplier_id) DO UPDATE SET
             supplier_sku = EXCLUDED.supplier_sku, unit_price = EXCLUDED.unit_price,
             currency = EXCLUDED.currency, lead_time_days = EXCLUDED.lead_time_days,
             min_order_qty = EXCLUDED.min_order_qty, pack_size = EXCLUDED.pack_size,
             priority = EXCLUDED.priority
         RETURNING id",
    )
    .bind(Uuid::now_v7())
    .bind(s.product_id)
    .bind(s.supplier_id)
    .bind(s.supplier_sku)
    .bind(s.unit_price)
    .bind(s.currency)
    .bind(s.lead_time_days)
    .bind(s.min_order_qty)
    .bind(s.pack_size)
    .bind(s.priority)
    .fetch_one(&mut *conn)
    .await?;
    let row: ProductSupplierRow = sqlx::query_as(&format!("{PS_SELECT} WHERE ps.id = $1"))
        .bind(id)
        .fetch_one(conn)
        .await?;
    Ok(row.into())
}

/// The tenant's base currency (tenant setting `base_currency`, default EUR).
pub async fn base_currency(conn: &mut PgConnection) -> Result<String, sqlx::Error> {
    let c: Option<String> = sqlx::query_scalar(
        "SELECT coalesce(settings->>'base_currency', 'EUR') FROM tenants WHERE id = app_current_tenant()",
    )
    .fetch_optional(conn)
    .await?;
    Ok(c.unwrap_or_else(|| "EUR".to_owned()))
}

#[derive(sqlx::FromRow)]
struct RateRow {
    id: Uuid,
    currency: String,
    valid_from: NaiveDate,
    rate: Decimal,
}

pub async fn set_rate(
    conn: &mut PgConnection,
    currency: &str,
    valid_from: NaiveDate,
    rate: Decimal,
    user: Option<Uuid>,
) -> Result<ExchangeRate, sqlx::Error> {
    let base = base_currency(conn).await?;
    let r: RateRow = sqlx::query_as(
        "INSERT INTO exchange_rates (id, currency, valid_from, rate, created_by_id) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (tenant_id, currency, valid_from) DO UPDATE SET rate = EXCLUDED.rate,
             created_by_id = EXCLUDED.created_by_id, created_at = now()
         RETURNING id, currency, valid_from, rate",
    )
    .bind(Uuid::now_v7())
    .bind(currency)
    .bind(valid_from)
    .bind(rate)
    .bind(user)
    .fetch_one(conn)
    .await?;
    Ok(ExchangeRate {
        id: r.id,
        currency: r.currency,
        base_currency: base,
        valid_from: r.valid_from,
        rate: r.rate,
    })
}

pub async fn list_rates(
    conn: &mut PgConnection,
    currency: Option<&str>,
    limit: i64,
    offset: i64,
) -> Result<(Vec<ExchangeRate>, i64), sqlx::Error> {
    let base = base_currency(conn).await?;
    let total: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM exchange_rates WHERE ($1::text IS NULL OR currency = $1)",
    )
    .bind(currency)
    .fetch_one(&mut *conn)
    .await?;
    let rows: Vec<RateRow> = sqlx::query_as(
        "SELECT id, currency, valid_from, rate FROM exchange_rates
          WHERE ($1::text IS NULL OR currency = $1)
          ORDER BY currency, valid_from DESC LIMIT $2 OFFSET $3",
    )
    .bind(currency)
    .bind(limit)
    .bind(offset)
    .fetch_all(conn)
    .await?;
    Ok((
        rows.into_iter()
            .map(|r| ExchangeRate {
                id: r.id,
                currency: r.currency,
                base_currency: base.clone(),
                valid_from: r.valid_from,
                rate: r.rate,
            })
            .collect(),
        total,
    ))
}

/// The rate valid on `on`: the latest one that started on or before it.
pub async fn rate_on(
    conn: &mut PgConnection,
    currency: &str,
    on: NaiveDate,
) -> Result<Option<Decimal>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT rate FROM exchange_rates WHERE currency = $1 AND valid_from <= $2
          ORDER BY valid_from DESC LIMIT 1",
    )
    .bind(currency)
    .bind(on)
    .fetch_optional(conn)
    .await
}

#[derive(sqlx::FromRow)]
pub struct PoRow {
    pub id: Uuid,
    pub number: i64,
    pub supplier_id: Uuid,
    pub supplier_name: String,
    pub location_id: Uuid,
    pub status: String,
    pub currency: String,
    pub expected_date: Option<NaiveDate>,
    pub notes: Option<String>,
    pub source: String,
    pub confirmed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl PoRow {
    pub fn status(&self) -> Result<PurchaseOrderStatus, sqlx::Error> {
        enum_from_text(&self.status)
    }
}

#[derive(sqlx::FromRow)]
struct PoLineRow {
    id: Uuid,
    purchase_order_id: Uuid,
    line_no: i32,
    product_id: Uuid,
    sku: String,
    qty: Decimal,
    unit_price: Decimal,
    received_qty: Decimal,
}

const PO_SELECT: &str = "SELECT po.id, po.number, po.supplier_id, s.name AS supplier_name,
        po.location_id, po.status, po.currency, po.expected_date, po.notes, po.source,
        po.confirmed_at, po.created_at
   FROM purchase_orders po JOIN suppliers s ON s.id = po.supplier_id";

/// `PO-000042`.
pub fn po_reference(number: i64) -> String {
    format!("PO-{number:06}")
}

async fn lines_of(conn: &mut PgConnection, ids: &[Uuid]) -> Result<Vec<PoLineRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT l.id, l.purchase_order_id, l.line_no, l.product_id, p.sku, l.qty, l.unit_price,
                l.received_qty
           FROM purchase_order_lines l JOIN products p ON p.id = l.product_id
          WHERE l.purchase_order_id = ANY($1) ORDER BY l.purchase_order_id, l.line_no",
    )
    .bind(ids)
    .fetch_all(conn)
    .await
}

async fn assemble(
    conn: &mut PgConnection,
    rows: Vec<PoRow>,
) -> Result<Vec<PurchaseOrder>, sqlx::Error> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let lines = lines_of(conn, &ids).await?;
    rows.into_iter()
        .map(|r| {
            let lines: Vec<PurchaseOrderLine> = lines
                .iter()
                .filter(|l| l.purchase_order_id == r.id)
                .map(|l| PurchaseOrderLine {
                    id: l.id,
                    line_no: l.line_no,
                    product_id: l.product_id,
                    sku: l.sku.clone(),
                    qty: l.qty,
                    unit_price: l.unit_price,
                    received_qty: l.received_qty,
                })
                .collect();
            let total = lines
                .iter()
                .map(|l| (l.qty * l.unit_price).round_dp(2))
                .sum();
            Ok(PurchaseOrder {
                status: r.status()?,
                reference: po_reference(r.number),
                id: r.id,
                number: r.number,
                supplier_id: r.supplier_id,
                supplier_name: r.supplier_name,
                location_id: r.location_id,
                currency: r.currency,
                expected_date: r.expected_date,
                notes: r.notes,
                source: r.source,
                lines,
                total,
                confirmed_at: r.confirmed_at,
                created_at: r.created_at,
            })
        })
        .collect()
}

pub async fn get_po(
    conn: &mut PgConnection,
    id: Uuid,
) -> Result<Option<PurchaseOrder>, sqlx::Error> {
    let row: Option<PoRow> = sqlx::query_as(&format!("{PO_SELECT} WHERE po.id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    let Some(row) = row else { return Ok(None) };
    Ok(assemble(conn, vec![row]).await?.pop())
}

/// Locks the order row for a state change.
pub async fn lock_po(conn: &mut PgConnection, id: Uuid) -> Result<Option<PoRow>, sqlx::Error> {
    sqlx::query_as(&format!("{PO_SELECT} WHERE po.id = $1 FOR UPDATE OF po"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

pub async fn list_pos(
    conn: &mut PgConnection,
    status: Option<PurchaseOrderStatus>,
    supplier_id: Option<Uuid>,
    limit: i64,
    offset: i64,
) -> Result<(Vec<PurchaseOrder>, i64), sqlx::Error> {
    let status = status.as_ref().map(enum_text);
    let filter =
        "($1::text IS NULL OR po.status = $1) AND ($2::uuid IS NULL OR po.supplier_id = $2)";
    let total: i64 = sqlx::query_scalar(&format!(
        "SELECT count(*) FROM purchase_orders po WHERE {filter}"
    ))
    .bind(&status)
    .bind(supplier_id)
    .fetch_one(&mut *conn)
    .await?;
    let rows: Vec<PoRow> = sqlx::query_as(&format!(
        "{PO_SELECT} WHERE {filter} ORDER BY po.number DESC LIMIT $3 OFFSET $4"
    ))
    .bind(&status)
    .bind(supplier_id)
    .bind(limit)
    .bind(offset)
    .fetch_all(&mut *conn)
    .await?;
    Ok((assemble(conn, rows).await?, total))
}

/// The next per-tenant document number of `table` (purchase_orders or
/// transfers); a transaction-scoped advisory lock keeps numbers unique under
/// concurrency without a counter row.
pub async fn next_number(conn: &mut PgConnection, table: &str) -> Result<i64, sqlx::Error> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1 || app_current_tenant()::text))")
        .bind(table)
        .execute(&mut *conn)
        .await?;
    let table = match table {
        "transfers" => "transfers",
        _ => "purchase_orders",
    };
    sqlx::query_scalar(&format!("SELECT coalesce(max(number), 0) + 1 FROM {table}"))
        .fetch_one(conn)
        .await
}

pub struct NewPo<'a> {
    pub supplier_id: Uuid,
    pub location_id: Uuid,
    pub currency: &'a str,
    pub expected_date: Option<NaiveDate>,
    pub notes: Option<&'a str>,
    pub source: &'a str,
    pub created_by: Option<Uuid>,
    /// (product, qty, unit price)
    pub lines: Vec<(Uuid, Decimal, Decimal)>,
}

pub async fn insert_po(conn: &mut PgConnection, po: &NewPo<'_>) -> Result<Uuid, sqlx::Error> {
    let number = next_number(conn, "purchase_orders").await?;
    let id = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO purchase_orders (id, number, supplier_id, location_id, currency, expected_date,
                notes, source, created_by_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(id)
    .bind(number)
    .bind(po.supplier_id)
    .bind(po.location_id)
    .bind(po.currency)
    .bind(po.expected_date)
    .bind(po.notes)
    .bind(po.source)
    .bind(po.created_by)
    .execute(&mut *conn)
    .await?;
    let ids: Vec<Uuid> = po.lines.iter().map(|_| Uuid::now_v7()).collect();
    let nos: Vec<i32> = (1..=po.lines.len() as i32).collect();
    let products: Vec<Uuid> = po.lines.iter().map(|l| l.0).collect();
    let qtys: Vec<Decimal> = po.lines.iter().map(|l| l.1).collect();
    let prices: Vec<Decimal> = po.lines.iter().map(|l| l.2).collect();
    sqlx::query(
        "INSERT INTO purchase_order_lines (id, purchase_order_id, line_no, product_id, qty, unit_price)
         SELECT u.id, $1, u.no, u.product, u.qty, u.price
           FROM unnest($2::uuid[], $3::int[], $4::uuid[], $5::numeric[], $6::numeric[])
                AS u(id, no, product, qty, price)",
    )
    .bind(id)
    .bind(&ids)
    .bind(&nos)
    .bind(&products)
    .bind(&qtys)
    .bind(&prices)
    .execute(conn)
    .await?;
    Ok(id)
}

pub async fn set_po_status(
    conn: &mut PgConnection,
    id: Uuid,
    status: PurchaseOrderStatus,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE purchase_orders SET status = $2,
                confirmed_at = CASE WHEN $2 = 'confirmed' THEN now() ELSE confirmed_at END
          WHERE id = $1",
    )
    .bind(id)
    .bind(enum_text(&status))
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
pub struct LockedLine {
    pub id: Uuid,
    pub product_id: Uuid,
    pub qty: Decimal,
    pub unit_price: Decimal,
    pub received_qty: Decimal,
}

pub async fn lock_lines(
    conn: &mut PgConnection,
    po_id: Uuid,
) -> Result<Vec<LockedLine>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, product_id, qty, unit_price, received_qty FROM purchase_order_lines
          WHERE purchase_order_id = $1 ORDER BY line_no FOR UPDATE",
    )
    .bind(po_id)
    .fetch_all(conn)
    .await
}

pub async fn add_received(
    conn: &mut PgConnection,
    line_id: Uuid,
    qty: Decimal,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE purchase_order_lines SET received_qty = received_qty + $2 WHERE id = $1")
        .bind(line_id)
        .bind(qty)
        .execute(conn)
        .await?;
    Ok(())
}

/// Base units still to come per (product, warehouse) on confirmed orders.
pub async fn incoming(
    conn: &mut PgConnection,
    product_id: Uuid,
    warehouse_id: Uuid,
) -> Result<Decimal, sqlx::Error> {
    let q: Option<Decimal> = sqlx::query_scalar(
        "SELECT sum(greatest(l.qty - l.received_qty, 0))
           FROM purchase_order_lines l JOIN purchase_orders po ON po.id = l.purchase_order_id
           JOIN locations loc ON loc.id = po.location_id
          WHERE l.product_id = $1 AND coalesce(loc.warehouse_id, loc.id) = $2
            AND po.status IN ('confirmed', 'partially_received')",
    )
    .bind(product_id)
    .bind(warehouse_id)
    .fetch_one(conn)
    .await?;
    Ok(q.unwrap_or_default())
}

/// The tenant's over- and under-receipt tolerances in percent (0 when unset).
pub async fn receipt_tolerance(conn: &mut PgConnection) -> Result<(Decimal, Decimal), sqlx::Error> {
    let row: Option<(Decimal, Decimal)> = sqlx::query_as(
        "SELECT over_receipt_tolerance_pct, under_receipt_tolerance_pct FROM inventory_settings",
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.unwrap_or_default())
}
