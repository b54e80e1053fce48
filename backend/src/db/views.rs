//! Read models for the managers' web view: figures the pages show that no API list
//! answers in one query (stock value per warehouse, low stock, a move feed with names,
//! a product's valuation layers). Read-only; row-level security applies as everywhere.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use sqlx::PgConnection;
use uuid::Uuid;

/// Stock value of one warehouse.
#[derive(Debug, Clone, PartialEq)]
pub struct WarehouseValue {
    pub warehouse_id: Uuid,
    pub name: String,
    pub qty: Decimal,
    pub value: Decimal,
}

/// Stock value per warehouse now: each product's open valuation layers (what is left of
/// its receipts at cost) spread over warehouses by their share of its quantity — the
/// same split as the valuation report (`GET /api/v1/stock/valuation`), read from the
/// current quants and layers instead of replaying the ledger, so it stays fast with a
/// long history. Warehouses without stock are listed with zero.
pub async fn stock_value_by_warehouse(
    conn: &mut PgConnection,
) -> Result<Vec<WarehouseValue>, sqlx::Error> {
    let sums: Vec<(Uuid, Decimal, Decimal)> = sqlx::query_as(
        "WITH wq AS (SELECT q.product_id, l.warehouse_id, sum(q.qty) AS qty FROM quants q
                       JOIN locations l ON l.id = q.location_id
                      WHERE l.kind IN ('warehouse', 'zone', 'bin', 'transit') GROUP BY 1, 2),
              pt AS (SELECT product_id, sum(qty) AS qty FROM wq GROUP BY 1),
              pv AS (SELECT product_id, sum(remaining_value) AS value FROM valuation_layers
                      WHERE remaining_qty > 0 GROUP BY 1)
         SELECT wq.warehouse_id, sum(wq.qty),
                round(sum(CASE WHEN pt.qty <> 0 THEN coalesce(pv.value, 0) * wq.qty / pt.qty
                               ELSE 0 END), 2)
           FROM wq JOIN pt USING (product_id) LEFT JOIN pv USING (product_id)
          WHERE wq.warehouse_id IS NOT NULL GROUP BY 1",
    )
    .fetch_all(&mut *conn)
    .await?;
    let warehouses: Vec<(Uuid, String)> = sqlx::query_as(
        "SELECT id, name FROM locations WHERE kind = 'warehouse' AND NOT archived ORDER BY path",
    )
    .fetch_all(conn)
    .await?;
    let sums: HashMap<Uuid, (Decimal, Decimal)> =
        sums.into_iter().map(|(w, q, v)| (w, (q, v))).collect();
    Ok(warehouses
        .into_iter()
        .map(|(id, name)| {
            let (qty, value) = sums.get(&id).copied().unwrap_or_default();
            WarehouseValue {
                warehouse_id: id,
                name,
                qty,
                value,
            }
        })
        .collect())
}

/// A stocked product at or below its reorder point.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct LowStock {
    pub product_id: Uuid,
    pub sku: String,
    pub name: String,
    pub on_hand: Decimal,
    pub reorder_point: Decimal,
}

/// Stocked, active products whose on-hand quantity (physical locations) is at or below
/// their reorder point: the sum of their active reorder rules' `min_qty`, else
/// `properties.reorder_point`, else 0; furthest below first.
pub async fn low_stock(conn: &mut PgConnection, limit: i64) -> Result<Vec<LowStock>, sqlx::Error> {
    sqlx::query_as(
        "WITH on_hand AS (
            SELECT q.product_id, sum(q.qty) AS qty FROM quants q
              JOIN locations l ON l.id = q.location_id
             WHERE l.kind IN ('warehouse', 'zone', 'bin') GROUP BY q.product_id),
         points AS (
            SELECT p.id, p.sku, p.name,
                   coalesce(
                     (SELECT sum(r.min_qty) FROM reorder_rules r
                       WHERE r.product_id = p.id AND r.active AND r.min_qty IS NOT NULL),
                     CASE WHEN jsonb_typeof(p.properties->'reorder_point') IN ('number', 'string')
                               AND (p.properties->>'reorder_point') ~ '^[0-9]+(\\.[0-9]+)?$'
                          THEN (p.properties->>'reorder_point')::numeric END,
                     0) AS reorder_point
              FROM products p WHERE NOT p.archived AND p.product_type = 'stocked')
         SELECT pt.id AS product_id, pt.sku, pt.name, coalesce(o.qty, 0) AS on_hand, pt.reorder_point
           FROM points pt LEFT JOIN on_hand o ON o.product_id = pt.id
          WHERE coalesce(o.qty, 0) <= pt.reorder_point
          ORDER BY coalesce(o.qty, 0) - pt.reorder_point, pt.sku LIMIT $1",
    )
    .bind(limit)
    .fetch_all(conn)
    .await
}

/// On-hand quantity (physical locations) of each of `ids`.
pub async fn on_hand_of(
    conn: &mut PgConnection,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Decimal>, sqlx::Error> {
    let rows: Vec<(Uuid, Decimal)> = sqlx::query_as(
        "SELECT q.product_id, sum(q.qty) FROM quants q JOIN locations l ON l.id = q.location_id
          WHERE q.product_id = ANY($1) AND l.kind IN ('warehouse', 'zone', 'bin')
          GROUP BY q.product_id",
    )
    .bind(ids)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().collect())
}

/// A ledger move with the names a person reads.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct MoveLine {
    pub seq: i64,
    pub product_id: Uuid,
    pub sku: String,
    pub product_name: String,
    pub qty: Decimal,
    pub from_path: String,
    pub to_path: String,
    pub reason: String,
    pub reference: Option<String>,
    pub value: Decimal,
    pub created_at: DateTime<Utc>,
}

/// The latest moves, newest first, optionally of one product.
pub async fn moves(
    conn: &mut PgConnection,
    product: Option<Uuid>,
    limit: i64,
    offset: i64,
) -> Result<(Vec<MoveLine>, i64), sqlx::Error> {
    let total: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM stock_moves WHERE ($1::uuid IS NULL OR product_id = $1)",
    )
    .bind(product)
    .fetch_one(&mut *conn)
    .await?;
    let rows = sqlx::query_as(
        "SELECT m.seq, m.product_id, p.sku, p.name AS product_name, m.qty,
                f.path AS from_path, t.path AS to_path, m.reason, m.reference, m.value, m.created_at
           FROM (SELECT * FROM stock_moves WHERE ($1::uuid IS NULL OR product_id = $1)
                  ORDER BY seq DESC LIMIT $2 OFFSET $3) m
           JOIN products p ON p.id = m.product_id
           JOIN locations f ON f.id = m.from_location_id JOIN locations t ON t.id = m.to_location_id
          ORDER BY m.seq DESC",
    )
    .bind(product)
    .bind(limit)
    .bind(offset)
    .fetch_all(conn)
    .await?;
    Ok((rows, total))
}

/// A receipt's valuation layer and what is left of it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Layer {
    pub seq: i64,
    pub qty: Decimal,
    pub unit_cost: Decimal,
    pub value: Decimal,
    pub remaining_qty: Decimal,
    pub remaining_value: Decimal,
    pub created_at: DateTime<Utc>,
}

/// A product's valuation layers, oldest first.
pub async fn layers(conn: &mut PgConnection, product: Uuid) -> Result<Vec<Layer>, sqlx::Error> {
    sqlx::query_as(
        "SELECT seq, qty, unit_cost, value, remaining_qty, remaining_value, created_at
           FROM valuation_layers WHERE product_id = $1 ORDER BY seq LIMIT 200",
    )
    .bind(product)
    .fetch_all(conn)
    .await
}

/// The tenant's display name and brand colours.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Branding {
    pub name: String,
    pub brand_primary: String,
    pub brand_accent: String,
    pub settings: serde_json::Value,
}

pub async fn branding(conn: &mut PgConnection) -> Result<Branding, sqlx::Error> {
    sqlx::query_as(
        "SELECT name, brand_primary, brand_accent, settings FROM tenants WHERE id = app_current_tenant()",
    )
    .fetch_one(conn)
    .await
}

/// An open count session and how far it got.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct CountProgress {
    pub session_id: Uuid,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub warehouse: String,
    /// Distinct (bin, product, lot) counted so far.
    pub counted: i64,
    /// Of those, lines whose adjustment was posted.
    pub posted: i64,
}

/// The newest open count sessions with their progress.
pub async fn open_counts(
    conn: &mut PgConnection,
    limit: i64,
) -> Result<Vec<CountProgress>, sqlx::Error> {
    sqlx::query_as(
        "SELECT s.id AS session_id, s.created_at, l.name AS warehouse,
                (SELECT count(DISTINCT (e.location_id, e.product_id, e.lot_id))
                   FROM count_entries e WHERE e.session_id = s.id) AS counted,
                (SELECT count(*) FROM count_postings p WHERE p.session_id = s.id) AS posted
           FROM count_sessions s JOIN locations l ON l.id = s.warehouse_id
          WHERE s.status = 'open'
          ORDER BY s.created_at DESC, s.id LIMIT $1",
    )
    .bind(limit)
    .fetch_all(conn)
    .await
}

/// The progress of the given count sessions (open or not).
pub async fn count_progress_of(
    conn: &mut PgConnection,
    ids: &[Uuid],
) -> Result<Vec<CountProgress>, sqlx::Error> {
    sqlx::query_as(
        "SELECT s.id AS session_id, s.created_at, l.name AS warehouse,
                (SELECT count(DISTINCT (e.location_id, e.product_id, e.lot_id))
                   FROM count_entries e WHERE e.session_id = s.id) AS counted,
                (SELECT count(*) FROM count_postings p WHERE p.session_id = s.id) AS posted
           FROM count_sessions s JOIN locations l ON l.id = s.warehouse_id
          WHERE s.id = ANY($1)",
    )
    .bind(ids)
    .fetch_all(conn)
    .await
}

/// Live contacts per lifecycle stage, in funnel order (stages with none left out).
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct StageCount {
    pub stage: String,
    pub contacts: i64,
}

/// The pipeline: contacts per stage, and outcomes of the last 30 days (won, lost).
pub async fn pipeline(conn: &mut PgConnection) -> Result<(Vec<StageCount>, i64, i64), sqlx::Error> {
    let stages: Vec<StageCount> = sqlx::query_as(
        "SELECT lifecycle_stage AS stage, count(*) AS contacts
           FROM contacts WHERE merged_into_id IS NULL
          GROUP BY lifecycle_stage
          ORDER BY array_position(ARRAY['subscriber', 'lead', 'qualified', 'opportunity',
                   'customer', 'evangelist', 'churned', 'other'], lifecycle_stage)",
    )
    .fetch_all(&mut *conn)
    .await?;
    let (won, lost): (i64, i64) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE outcome = 'won'), count(*) FILTER (WHERE outcome = 'lost')
           FROM contacts
          WHERE merged_into_id IS NULL AND outcome_at >= now() - interval '30 days'",
    )
    .fetch_one(conn)
    .await?;
    Ok((stages, won, lost))
}

/// A visit logged today.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct VisitToday {
    pub id: Uuid,
    pub occurred_at: DateTime<Utc>,
    pub subject: String,
    pub contact_id: Option<Uuid>,
    pub contact_name: Option<String>,
}

/// Visits since midnight (server time), newest first.
pub async fn visits_today(
    conn: &mut PgConnection,
    limit: i64,
) -> Result<Vec<VisitToday>, sqlx::Error> {
    sqlx::query_as(
        "SELECT a.id, a.occurred_at, a.subject, a.contact_id, c.display_name AS contact_name
           FROM activities a LEFT JOIN contacts c ON c.id = a.contact_id
          WHERE a.kind = 'visit' AND a.occurred_at >= date_trunc('day', now())
          ORDER BY a.occurred_at DESC, a.id LIMIT $1",
    )
    .bind(limit)
    .fetch_all(conn)
    .await
}
