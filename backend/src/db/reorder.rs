//! Reorder rules, their evaluation against the ledger, and the
//! `reorder.suggested` event raised when a product newly falls to its reorder
//! point.
//!
//! Demand is what left a warehouse's locations for customers, per UTC day,
//! over the rule's window of days ending today (days without sales count as 0).
//! [`after_moves`] runs in the transaction of every stock-changing request:
//! it re-evaluates the rules of the moved products and flips their
//! `below_point` flag, so an event is raised once per crossing, not per move.

use chrono::{Duration, NaiveDate, Utc};
use rust_decimal::Decimal;
use shared_types::purchasing::{
    DemandEvidence, ReorderMethod, ReorderRule, ReorderSuggestion, SuggestionSupplier,
};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::db;
use crate::db::products::{enum_from_text, enum_text};
use crate::domain::reorder::{demand_stats, evaluate, ReorderInput};

#[derive(sqlx::FromRow, Clone)]
struct RuleRow {
    id: Uuid,
    product_id: Uuid,
    warehouse_id: Uuid,
    method: String,
    min_qty: Option<Decimal>,
    max_qty: Option<Decimal>,
    demand_window_days: i32,
    service_level: Decimal,
    cover_days: i32,
    supplier_id: Option<Uuid>,
    active: bool,
    below_point: bool,
}

const RULE_COLUMNS: &str =
    "id, product_id, warehouse_id, method, min_qty, max_qty, demand_window_days,
    service_level, cover_days, supplier_id, active, below_point";

impl TryFrom<RuleRow> for ReorderRule {
    type Error = sqlx::Error;
    fn try_from(r: RuleRow) -> Result<Self, sqlx::Error> {
        Ok(ReorderRule {
            id: r.id,
            product_id: r.product_id,
            warehouse_id: r.warehouse_id,
            method: enum_from_text(&r.method)?,
            min_qty: r.min_qty,
            max_qty: r.max_qty,
            demand_window_days: r.demand_window_days,
            service_level: r.service_level,
            cover_days: r.cover_days,
            supplier_id: r.supplier_id,
            active: r.active,
            below_point: r.below_point,
        })
    }
}

pub struct RuleSet {
    pub product_id: Uuid,
    pub warehouse_id: Uuid,
    pub method: ReorderMethod,
    pub min_qty: Option<Decimal>,
    pub max_qty: Option<Decimal>,
    pub demand_window_days: i32,
    pub service_level: Decimal,
    pub cover_days: i32,
    pub supplier_id: Option<Uuid>,
    pub active: bool,
}

/// Creates or replaces the rule for (product, warehouse).
pub async fn set_rule(conn: &mut PgConnection, r: &RuleSet) -> Result<ReorderRule, sqlx::Error> {
    let row: RuleRow = sqlx::query_as(&format!(
        "INSERT INTO reorder_rules (id, product_id, warehouse_id, method, min_qty, max_qty,
                demand_window_days, service_level, cover_days, supplier_id, active)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         ON CONFLICT (tenant_id, product_id, warehouse_id) DO UPDATE SET
             method = EXCLUDED.method, min_qty = EXCLUDED.min_qty, max_qty = EXCLUDED.max_qty,
             demand_window_days = EXCLUDED.demand_window_days,
             service_level = EXCLUDED.service_level, cover_days = EXCLUDED.cover_days,
             supplier_id = EXCLUDED.supplier_id, active = EXCLUDED.active
         RETURNING {RULE_COLUMNS}"
    ))
    .bind(Uuid::now_v7())
    .bind(r.product_id)
    .bind(r.warehouse_id)
    .bind(enum_text(&r.method))
    .bind(r.min_qty)
    .bind(r.max_qty)
    .bind(r.demand_window_days)
    .bind(r.service_level)
    .bind(r.cover_days)
    .bind(r.supplier_id)
    .bind(r.active)
    .fetch_one(conn)
    .await?;
    row.try_into()
}

pub async fn get_rule(
    conn: &mut PgConnection,
    id: Uuid,
) -> Result<Option<ReorderRule>, sqlx::Error> {
    let row: Option<RuleRow> = sqlx::query_as(&format!(
        "SELECT {RULE_COLUMNS} FROM reorder_rules WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await?;
    row.map(TryInto::try_into).transpose()
}

pub async fn delete_rule(conn: &mut PgConnection, id: Uuid) -> Result<bool, sqlx::Error> {
    let r = sqlx::query("DELETE FROM reorder_rules WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(r.rows_affected() > 0)
}

pub async fn list_rules(
    conn: &mut PgConnection,
    product_id: Option<Uuid>,
    warehouse_id: Option<Uuid>,
    limit: i64,
    offset: i64,
) -> Result<(Vec<ReorderRule>, i64), sqlx::Error> {
    let filter =
        "($1::uuid IS NULL OR product_id = $1) AND ($2::uuid IS NULL OR warehouse_id = $2)";
    let total: i64 = sqlx::query_scalar(&format!(
        "SELECT count(*) FROM reorder_rules WHERE {filter}"
    ))
    .bind(product_id)
    .bind(warehouse_id)
    .fetch_one(&mut *conn)
    .await?;
    let rows: Vec<RuleRow> = sqlx::query_as(&format!(
        "SELECT {RULE_COLUMNS} FROM reorder_rules WHERE {filter} ORDER BY id LIMIT $3 OFFSET $4"
    ))
    .bind(product_id)
    .bind(warehouse_id)
    .bind(limit)
    .bind(offset)
    .fetch_all(conn)
    .await?;
    Ok((
        rows.into_iter()
            .map(TryInto::try_into)
            .collect::<Result<_, _>>()?,
        total,
    ))
}

#[derive(sqlx::FromRow)]
struct ProductBits {
    sku: String,
    name: String,
    supplier_info: serde_json::Value,
}

/// Daily customer demand of a product from a warehouse, oldest day first,
/// over the `days` days ending `today`.
pub async fn daily_demand(
    conn: &mut PgConnection,
    product_id: Uuid,
    warehouse_id: Uuid,
    today: NaiveDate,
    days: i32,
) -> Result<Vec<Decimal>, sqlx::Error> {
    let from = today - Duration::days(i64::from(days) - 1);
    let rows: Vec<(NaiveDate, Decimal)> = sqlx::query_as(
        "SELECT (m.created_at AT TIME ZONE 'UTC')::date AS day, sum(m.qty)
           FROM stock_moves m
           JOIN locations f ON f.id = m.from_location_id
           JOIN locations t ON t.id = m.to_location_id
          WHERE m.product_id = $1 AND f.warehouse_id = $2 AND t.kind = 'customer'
            AND m.created_at >= ($3::date)::timestamp AT TIME ZONE 'UTC'
            AND m.created_at < (($4::date) + 1)::timestamp AT TIME ZONE 'UTC'
          GROUP BY 1",
    )
    .bind(product_id)
    .bind(warehouse_id)
    .bind(from)
    .bind(today)
    .fetch_all(conn)
    .await?;
    let mut out = vec![Decimal::ZERO; days.max(0) as usize];
    for (day, qty) in rows {
        let i = (day - from).num_days();
        if let Some(slot) = usize::try_from(i).ok().and_then(|i| out.get_mut(i)) {
            *slot += qty;
        }
    }
    Ok(out)
}

async fn evaluate_rule(
    conn: &mut PgConnection,
    r: &RuleRow,
    today: NaiveDate,
) -> Result<ReorderSuggestion, sqlx::Error> {
    let method: ReorderMethod = enum_from_text(&r.method)?;
    let p: ProductBits =
        sqlx::query_as("SELECT sku, name, supplier_info FROM products WHERE id = $1")
            .bind(r.product_id)
            .fetch_one(&mut *conn)
            .await?;
    let (on_hand, reserved): (Option<Decimal>, Option<Decimal>) = sqlx::query_as(
        "SELECT sum(q.qty), sum(q.reserved) FROM quants q JOIN locations l ON l.id = q.location_id
          WHERE q.product_id = $1 AND l.warehouse_id = $2 AND l.kind IN ('warehouse', 'zone', 'bin')",
    )
    .bind(r.product_id)
    .bind(r.warehouse_id)
    .fetch_one(&mut *conn)
    .await?;
    let incoming = db::purchasing::incoming(conn, r.product_id, r.warehouse_id).await?;
    let terms = db::purchasing::product_suppliers(conn, Some(r.product_id), r.supplier_id).await?;
    let term = terms.into_iter().next();
    let info = &p.supplier_info;
    let info_dec = |k: &str| {
        info.get(k)
            .and_then(|v| {
                v.as_str()
                    .map(str::to_owned)
                    .or_else(|| Some(v.to_string()))
            })
            .and_then(|s| s.parse::<Decimal>().ok())
    };
    let lead_time_days = match &term {
        Some(t) => t.lead_time_days,
        None => info
            .get("lead_time_days")
            .and_then(serde_json::Value::as_i64)
            .and_then(|d| i32::try_from(d).ok())
            .unwrap_or(0),
    };
    let min_order_qty = term
        .as_ref()
        .map(|t| t.min_order_qty)
        .or_else(|| info_dec("min_order_qty"))
        .unwrap_or(Decimal::ONE);
    let pack_size = term
        .as_ref()
        .map(|t| t.pack_size)
        .or_else(|| info_dec("pack_size"))
        .unwrap_or(Decimal::ONE);
    let (demand, avg, sd) = if method == ReorderMethod::Demand {
        let daily = daily_demand(
            conn,
            r.product_id,
            r.warehouse_id,
            today,
            r.demand_window_days,
        )
        .await?;
        let (total, avg, sd) = demand_stats(&daily);
        (
            Some(DemandEvidence {
                window_days: r.demand_window_days,
                from: today - Duration::days(i64::from(r.demand_window_days) - 1),
                to: today,
                total,
                avg_daily: avg,
                std_dev_daily: sd,
            }),
            avg,
            sd,
        )
    } else {
        (None, Decimal::ZERO, Decimal::ZERO)
    };
    let on_hand = on_hand.unwrap_or_default();
    let reserved = reserved.unwrap_or_default();
    let out = evaluate(&ReorderInput {
        method,
        min_qty: r.min_qty.unwrap_or_default(),
        max_qty: r.max_qty.unwrap_or_default(),
        avg_daily: avg,
        std_dev_daily: sd,
        lead_time_days,
        service_level: r.service_level,
        cover_days: r.cover_days,
        on_hand,
        reserved,
        incoming,
        min_order_qty,
        pack_size,
    });
    Ok(ReorderSuggestion {
        rule_id: r.id,
        product_id: r.product_id,
        sku: p.sku,
        product_name: p.name,
        warehouse_id: r.warehouse_id,
        method,
        on_hand,
        reserved,
        incoming,
        position: out.position,
        demand,
        lead_time_days,
        service_level: (method == ReorderMethod::Demand).then_some(r.service_level),
        z: out.z,
        safety_stock: out.safety_stock,
        reorder_point: out.reorder_point,
        target_level: out.target_level,
        suggested_qty: out.suggested_qty,
        formula: out.formula,
        supplier: term.map(|t| SuggestionSupplier {
            id: t.supplier_id,
            name: t.supplier_name,
            currency: t.currency,
            unit_price: t.unit_price,
            min_order_qty: t.min_order_qty,
            pack_size: t.pack_size,
        }),
    })
}

/// Evaluates active rules (optionally only some), in rule order.
pub async fn suggestions(
    conn: &mut PgConnection,
    rule_ids: Option<&[Uuid]>,
    warehouse_id: Option<Uuid>,
) -> Result<Vec<ReorderSuggestion>, sqlx::Error> {
    let rules: Vec<RuleRow> = sqlx::query_as(&format!(
        "SELECT {RULE_COLUMNS} FROM reorder_rules
          WHERE active AND ($1::uuid[] IS NULL OR id = ANY($1))
            AND ($2::uuid IS NULL OR warehouse_id = $2)
          ORDER BY id"
    ))
    .bind(rule_ids)
    .bind(warehouse_id)
    .fetch_all(&mut *conn)
    .await?;
    let today = Utc::now().date_naive();
    let mut out = Vec::with_capacity(rules.len());
    for r in &rules {
        out.push(evaluate_rule(conn, r, today).await?);
    }
    Ok(out)
}

/// Re-evaluates the rules of the given products after stock moved (in the
/// same transaction). Raises `reorder.suggested` for each rule whose product
/// has newly fallen to its reorder point; returns how many were raised.
pub async fn after_moves(
    conn: &mut PgConnection,
    actor: Option<Uuid>,
    product_ids: &[Uuid],
) -> Result<usize, sqlx::Error> {
    if product_ids.is_empty() {
        return Ok(0);
    }
    // Locked so two concurrent moves of one product decide the crossing once.
    let rules: Vec<RuleRow> = sqlx::query_as(&format!(
        "SELECT {RULE_COLUMNS} FROM reorder_rules WHERE active AND product_id = ANY($1)
          ORDER BY id FOR UPDATE"
    ))
    .bind(product_ids)
    .fetch_all(&mut *conn)
    .await?;
    let today = Utc::now().date_naive();
    let mut raised = 0;
    for r in &rules {
        let s = evaluate_rule(conn, r, today).await?;
        let below = s.suggested_qty > Decimal::ZERO;
        if below == r.below_point {
            continue;
        }
        sqlx::query(
            "UPDATE reorder_rules SET below_point = $2, evaluated_at = now() WHERE id = $1",
        )
        .bind(r.id)
        .bind(below)
        .execute(&mut *conn)
        .await?;
        if below {
            raised += 1;
            // Chained after commit, like the moves that caused it (see
            // `db::events::append_pending`).
            db::events::append_pending(
                conn,
                vec![(actor, db::events::NewEvent::new("reorder.suggested")
                    .subject("reorder_rule", r.id)
                    .data(serde_json::json!({
                        "product_id": s.product_id, "sku": s.sku, "warehouse_id": s.warehouse_id,
                        "position": s.position, "reorder_point": s.reorder_point,
                        "suggested_qty": s.suggested_qty,
                        "supplier_id": s.supplier.as_ref().map(|x| x.id),
                        "formula": s.formula,
                    })))],
            )
            .await?;
        }
    }
    Ok(raised)
}

/// The daily sweep's step for one tenant (inside its RLS scope): re-evaluates
/// the rules' products as [`after_moves`] does, raising `reorder.suggested`
/// for rules that fell to their point with time alone (a demand-driven rule's
/// window slid), and marks every swept rule evaluated as of `at` (the sweep's
/// clock, so one sweep never claims a rule twice). Returns the events raised.
pub async fn sweep(
    conn: &mut PgConnection,
    rule_ids: &[Uuid],
    at: chrono::DateTime<Utc>,
) -> Result<usize, sqlx::Error> {
    let products: Vec<Uuid> = sqlx::query_scalar(
        "SELECT DISTINCT product_id FROM reorder_rules WHERE id = ANY($1) ORDER BY product_id",
    )
    .bind(rule_ids)
    .fetch_all(&mut *conn)
    .await?;
    let raised = after_moves(conn, None, &products).await?;
    sqlx::query("UPDATE reorder_rules SET evaluated_at = greatest(now(), $2) WHERE id = ANY($1)")
        .bind(rule_ids)
        .bind(at)
        .execute(conn)
        .await?;
    Ok(raised)
}

/// Locks up to `max` of one tenant's rules not evaluated since `stale_before`
/// and enters that tenant's scope; `None` when nothing is stale.
pub async fn claim_stale(
    conn: &mut PgConnection,
    stale_before: chrono::DateTime<Utc>,
    max: i32,
) -> Result<Option<(Uuid, Vec<Uuid>)>, sqlx::Error> {
    let rows: Vec<(Uuid, Uuid)> =
        sqlx::query_as("SELECT rule_id, tenant_id FROM reorder_sweep_claim($1, $2)")
            .bind(stale_before)
            .bind(max)
            .fetch_all(&mut *conn)
            .await?;
    let Some(&(_, tenant)) = rows.first() else {
        return Ok(None);
    };
    sqlx::query("SELECT set_config('app.tenant_id', $1, true)")
        .bind(tenant.to_string())
        .execute(conn)
        .await?;
    Ok(Some((tenant, rows.into_iter().map(|(r, _)| r).collect())))
}
