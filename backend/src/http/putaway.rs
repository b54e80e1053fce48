//! Put-away: where received goods should go. A product may have a default bin
//! per warehouse; suggestions try it first, then the bins that already hold the
//! product (most first, to keep stock together), then empty bins of the
//! receiving zone — or of the warehouse when received at its top — in walking
//! order.

use rust_decimal::Decimal;
use serde::Deserialize;
use shared_types::inventory::{
    PutawayReason, PutawayRule, PutawayRuleForSet, PutawaySuggestion, PutawaySuggestions,
};
use sqlx::PgConnection;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::db::products::enum_from_text;
use crate::domain::permissions::Permission;
use crate::error::{ApiError, ApiResult};
use crate::http::access::guarded;
use crate::http::ctx::TenantTx;
use crate::http::extract::{AppJson, AppQuery};
use crate::http::ErrorResponses;
use crate::state::AppState;

/// Suggestions answered at most.
const MAX_SUGGESTIONS: i64 = 5;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(guarded(
            Permission::LocationManage,
            routes!(set_putaway_rule),
        ))
        .routes(guarded(Permission::StockRead, routes!(putaway_suggestions)))
}

#[derive(sqlx::FromRow)]
struct Place {
    id: Uuid,
    kind: String,
    warehouse_id: Option<Uuid>,
    parent_id: Option<Uuid>,
    path: String,
    archived: bool,
}

async fn place(conn: &mut PgConnection, field: &'static str, id: Uuid) -> ApiResult<Place> {
    let p: Place = sqlx::query_as(
        "SELECT id, kind, warehouse_id, parent_id, path, archived FROM locations WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(conn)
    .await?
    .ok_or_else(|| ApiError::not_found("location"))?;
    if !matches!(p.kind.as_str(), "warehouse" | "zone" | "bin") || p.archived {
        return Err(ApiError::validation(
            field,
            "Choose a warehouse, zone or bin that is not archived.",
        ));
    }
    Ok(p)
}

async fn product_exists(conn: &mut PgConnection, id: Uuid) -> ApiResult<()> {
    if crate::db::products::exists(conn, id).await? {
        Ok(())
    } else {
        Err(ApiError::not_found("product"))
    }
}

/// Set a product's default bin in that bin's warehouse (replacing the one before).
#[utoipa::path(put, path = "/api/v1/putaway/rules", tag = "inventory",
    security(("bearer" = [])), request_body = PutawayRuleForSet,
    responses((status = 200, body = PutawayRule), ErrorResponses))]
async fn set_putaway_rule(
    mut tx: TenantTx,
    AppJson(input): AppJson<PutawayRuleForSet>,
) -> ApiResult<AppJson<PutawayRule>> {
    tx.ctx.require(Permission::LocationManage)?;
    product_exists(tx.conn(), input.product_id).await?;
    let loc = place(tx.conn(), "location_id", input.location_id).await?;
    if loc.kind == "warehouse" {
        return Err(ApiError::validation(
            "location_id",
            "A default bin is a zone or bin inside a warehouse.",
        ));
    }
    let warehouse_id = loc.warehouse_id.unwrap_or(loc.id);
    sqlx::query(
        "INSERT INTO putaway_rules (product_id, warehouse_id, location_id) VALUES ($1, $2, $3)
         ON CONFLICT (product_id, warehouse_id) DO UPDATE
             SET location_id = EXCLUDED.location_id, updated_at = now()",
    )
    .bind(input.product_id)
    .bind(warehouse_id)
    .bind(loc.id)
    .execute(tx.conn())
    .await?;
    tx.commit().await?;
    Ok(AppJson(PutawayRule {
        product_id: input.product_id,
        warehouse_id,
        location_id: loc.id,
        path: loc.path,
    }))
}

/// `?product_id=&location_id=`: the product received and where it was received
/// (a warehouse, zone or bin: its zone bounds the empty bins suggested).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SuggestionParams {
    pub product_id: Uuid,
    pub location_id: Uuid,
}

/// Where to put a received product, best first (at most 5), each with its
/// reason: the default bin, bins holding the product, empty bins in walking order.
#[utoipa::path(get, path = "/api/v1/putaway/suggestions", tag = "inventory",
    security(("bearer" = [])), params(SuggestionParams),
    responses((status = 200, body = PutawaySuggestions), ErrorResponses))]
async fn putaway_suggestions(
    mut tx: TenantTx,
    AppQuery(q): AppQuery<SuggestionParams>,
) -> ApiResult<AppJson<PutawaySuggestions>> {
    tx.ctx.require(Permission::StockRead)?;
    product_exists(tx.conn(), q.product_id).await?;
    let at = place(tx.conn(), "location_id", q.location_id).await?;
    let warehouse_id = at.warehouse_id.unwrap_or(at.id);
    // The zone that bounds the empty bins: the location itself when it is a
    // zone, a bin's parent zone, else the whole warehouse.
    let scope = match at.kind.as_str() {
        "zone" => at.id,
        "bin" => at.parent_id.unwrap_or(warehouse_id),
        _ => warehouse_id,
    };
    let scope_path: String = sqlx::query_scalar("SELECT path FROM locations WHERE id = $1")
        .bind(scope)
        .fetch_one(tx.conn())
        .await?;
    #[derive(sqlx::FromRow)]
    struct Row {
        location_id: Uuid,
        path: String,
        reason: String,
        on_hand: Decimal,
    }
    let rows: Vec<Row> = sqlx::query_as(
        "WITH held AS (
             SELECT q.location_id, sum(q.qty) AS qty FROM quants q
              WHERE q.product_id = $1 GROUP BY q.location_id),
         candidates AS (
             SELECT l.id, l.path, 'default_bin' AS reason, 0 AS rank, 0::numeric AS qty_rank
               FROM putaway_rules r JOIN locations l ON l.id = r.location_id
              WHERE r.product_id = $1 AND r.warehouse_id = $2 AND NOT l.archived
             UNION ALL
             SELECT l.id, l.path, 'holds_product', 1, -h.qty
               FROM held h JOIN locations l ON l.id = h.location_id
              WHERE h.qty > 0 AND l.warehouse_id = $2 AND l.kind = 'bin' AND NOT l.archived
             UNION ALL
             SELECT l.id, l.path, 'empty_bin', 2, 0
               FROM locations l
              WHERE l.kind = 'bin' AND NOT l.archived AND l.warehouse_id = $2
                AND (l.path = $3 OR starts_with(l.path, $3 || '/'))
                AND NOT EXISTS (SELECT 1 FROM quants q WHERE q.location_id = l.id AND q.qty <> 0)),
         best AS (
             SELECT DISTINCT ON (id) id, path, reason, rank, qty_rank FROM candidates
              ORDER BY id, rank)
         SELECT b.id AS location_id, b.path, b.reason, coalesce(h.qty, 0) AS on_hand
           FROM best b LEFT JOIN held h ON h.location_id = b.id
          ORDER BY b.rank, b.qty_rank, b.path
          LIMIT $4",
    )
    .bind(q.product_id)
    .bind(warehouse_id)
    .bind(&scope_path)
    .bind(MAX_SUGGESTIONS)
    .fetch_all(tx.conn())
    .await?;
    let items = rows
        .into_iter()
        .map(|r| {
            Ok(PutawaySuggestion {
                location_id: r.location_id,
                path: r.path,
                reason: enum_from_text::<PutawayReason>(&r.reason)?,
                on_hand: r.on_hand,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok(AppJson(PutawaySuggestions {
        product_id: q.product_id,
        warehouse_id,
        items,
    }))
}
