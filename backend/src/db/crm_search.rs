//! Global search over contacts, companies, activity notes and products, and the
//! purchase history behind the 360° view.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use shared_types::crm::{PurchasedProduct, SearchHit};
use sqlx::PgConnection;
use uuid::Uuid;

#[derive(sqlx::FromRow)]
struct HitRow {
    kind: String,
    id: Uuid,
    rank: f32,
    title: String,
    subtitle: Option<String>,
}

/// Ranked hits. `tsquery` is a prefix query built from sanitised words (see
/// `http::search`), `text` the raw query for trigram similarity. Candidates come
/// from `crm_search_candidates` (index-backed); every row shown is read back here
/// through row-level security.
pub async fn search(
    conn: &mut PgConnection,
    tsquery: &str,
    text: &str,
    limit: i64,
    products: bool,
) -> Result<Vec<SearchHit>, sqlx::Error> {
    let rows: Vec<HitRow> = sqlx::query_as(
        "WITH cand AS (
            SELECT * FROM crm_search_candidates(
                to_tsquery(COALESCE((SELECT search_config FROM crm_settings), 'simple')::regconfig, $1),
                to_tsquery('simple', $1), $2, $3::int, $4))
         SELECT cand.kind, cand.id, cand.rank,
                COALESCE(c.display_name, a.subject, p.name) AS title,
                CASE cand.kind
                  WHEN 'contact' THEN COALESCE(org.display_name, c.job_title)
                  WHEN 'company' THEN org.display_name
                  WHEN 'activity' THEN a.kind || COALESCE(' · ' || ac.display_name, '')
                  ELSE p.sku END AS subtitle
           FROM cand
           LEFT JOIN contacts c ON cand.kind IN ('contact', 'company') AND c.id = cand.id
           LEFT JOIN contacts org ON org.id = c.organization_id
           LEFT JOIN activities a ON cand.kind = 'activity' AND a.id = cand.id
           LEFT JOIN contacts ac ON ac.id = a.contact_id
           LEFT JOIN products p ON cand.kind = 'product' AND p.id = cand.id
          WHERE c.id IS NOT NULL OR a.id IS NOT NULL OR p.id IS NOT NULL
          ORDER BY cand.rank DESC, cand.id
          LIMIT $3",
    )
    .bind(tsquery)
    .bind(text)
    .bind(limit)
    .bind(products)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| SearchHit {
            kind: r.kind,
            id: r.id,
            title: r.title,
            subtitle: r.subtitle,
            rank: r.rank,
        })
        .collect())
}

#[derive(sqlx::FromRow)]
struct PurchaseRow {
    product_id: Uuid,
    sku: String,
    name: String,
    qty: Decimal,
    deliveries: i64,
    last_at: DateTime<Utc>,
    on_hand: Decimal,
    available: Decimal,
}

/// What a contact buys most: deliveries (moves into the customer location) whose
/// reference is `contact:<id>` (optionally followed by `/...`), for the contact and
/// the contacts merged into it, with current stock of each product.
pub async fn top_products(
    conn: &mut PgConnection,
    contact: Uuid,
    limit: i64,
) -> Result<Vec<PurchasedProduct>, sqlx::Error> {
    let rows: Vec<PurchaseRow> = sqlx::query_as(
        "WITH refs AS (
            SELECT 'contact:' || id::text AS r FROM contacts WHERE id = $1 OR merged_into_id = $1)
         SELECT m.product_id, p.sku, p.name, sum(m.qty) AS qty, count(*) AS deliveries,
                max(m.created_at) AS last_at,
                COALESCE((SELECT sum(q.qty) FROM quants q JOIN locations l ON l.id = q.location_id
                           WHERE q.product_id = m.product_id
                             AND l.kind IN ('warehouse', 'zone', 'bin')), 0) AS on_hand,
                COALESCE((SELECT sum(q.qty - q.reserved) FROM quants q JOIN locations l ON l.id = q.location_id
                           WHERE q.product_id = m.product_id
                             AND l.kind IN ('warehouse', 'zone', 'bin')), 0) AS available
           FROM stock_moves m
           JOIN locations cl ON cl.id = m.to_location_id AND cl.kind = 'customer'
           JOIN products p ON p.id = m.product_id
          WHERE split_part(m.reference, '/', 1) IN (SELECT r FROM refs)
          GROUP BY m.product_id, p.sku, p.name
          ORDER BY qty DESC, p.sku LIMIT $2",
    )
    .bind(contact)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| PurchasedProduct {
            product_id: r.product_id,
            sku: r.sku,
            name: r.name,
            qty_delivered: r.qty.normalize(),
            deliveries: r.deliveries,
            last_delivered_at: r.last_at,
            on_hand: r.on_hand.normalize(),
            available: r.available.normalize(),
        })
        .collect())
}
