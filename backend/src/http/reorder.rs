//! Reorder rules and explained suggestions; approving suggestions makes draft
//! purchase orders, one per supplier.

use std::collections::BTreeMap;

use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use rust_decimal::Decimal;
use serde::Deserialize;
use shared_types::api::Page;
use shared_types::purchasing::{
    PurchaseOrder, PurchaseOrderForCreate, PurchaseOrderLineForCreate, ReorderMethod, ReorderRule,
    ReorderRuleForSet, ReorderSuggestion, SuggestionApproval, SuggestionsApprove,
};
use sqlx::PgConnection;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::db;
use crate::db::reorder::RuleSet;
use crate::domain::permissions::Permission;
use crate::domain::stock::positive_qty;
use crate::error::{ApiError, ApiResult};
use crate::http::access::guarded;
use crate::http::ctx::TenantTx;
use crate::http::extract::{AppJson, AppPath, AppQuery, PageParams};
use crate::http::{idempotency, ErrorResponses};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(guarded(Permission::PurchaseRead, routes!(list_rules)))
        .routes(guarded(Permission::PurchaseManage, routes!(set_rule)))
        .routes(guarded(Permission::PurchaseRead, routes!(get_rule)))
        .routes(guarded(Permission::PurchaseManage, routes!(delete_rule)))
        .routes(guarded(Permission::PurchaseRead, routes!(list_suggestions)))
        .routes(guarded(
            Permission::PurchaseApprove,
            routes!(approve_suggestions),
        ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RuleListParams {
    pub product_id: Option<Uuid>,
    pub warehouse_id: Option<Uuid>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// Reorder rules.
#[utoipa::path(get, path = "/api/v1/reorder/rules", tag = "purchasing",
    security(("bearer" = [])), params(RuleListParams),
    responses((status = 200, body = Page<ReorderRule>), ErrorResponses))]
async fn list_rules(
    mut tx: TenantTx,
    AppQuery(p): AppQuery<RuleListParams>,
) -> ApiResult<AppJson<Page<ReorderRule>>> {
    tx.ctx.require(Permission::PurchaseRead)?;
    let paging = PageParams {
        limit: p.limit,
        offset: p.offset,
    }
    .validate()?;
    let (items, total_count) = db::reorder::list_rules(
        tx.conn(),
        p.product_id,
        p.warehouse_id,
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

/// Create or replace the rule for a product in a warehouse.
#[utoipa::path(put, path = "/api/v1/reorder/rules", tag = "purchasing",
    security(("bearer" = [])), request_body = ReorderRuleForSet,
    responses((status = 200, body = ReorderRule), ErrorResponses))]
async fn set_rule(
    mut tx: TenantTx,
    AppJson(input): AppJson<ReorderRuleForSet>,
) -> ApiResult<AppJson<ReorderRule>> {
    tx.ctx.require(Permission::PurchaseManage)?;
    db::products::get(tx.conn(), input.product_id)
        .await?
        .ok_or_else(|| ApiError::validation("product_id", "The product does not exist."))?;
    let kind: Option<String> = sqlx::query_scalar("SELECT kind FROM locations WHERE id = $1")
        .bind(input.warehouse_id)
        .fetch_optional(tx.conn())
        .await?;
    if kind.as_deref() != Some("warehouse") {
        return Err(ApiError::validation(
            "warehouse_id",
            "`warehouse_id` must be a warehouse.",
        ));
    }
    if let Some(s) = input.supplier_id {
        db::purchasing::get_supplier(tx.conn(), s)
            .await?
            .ok_or_else(|| ApiError::validation("supplier_id", "The supplier does not exist."))?;
    }
    if input.method == ReorderMethod::MinMax {
        match (input.min_qty, input.max_qty) {
            (Some(min), Some(max)) if min >= Decimal::ZERO && max >= min && max > Decimal::ZERO => {
            }
            _ => {
                return Err(ApiError::validation(
                    "max_qty",
                    "A min/max rule needs 0 ≤ `min_qty` ≤ `max_qty` and `max_qty` > 0.",
                ))
            }
        }
    }
    let window = input.demand_window_days.unwrap_or(90);
    if !(7..=730).contains(&window) {
        return Err(ApiError::validation(
            "demand_window_days",
            "`demand_window_days` must be 7–730.",
        ));
    }
    let service = input.service_level.unwrap_or(Decimal::new(95, 2));
    if service <= Decimal::new(5, 1) || service >= Decimal::ONE || service.scale() > 4 {
        return Err(ApiError::validation(
            "service_level",
            "`service_level` must be between 0.5 and 1 (e.g. 0.95), at most 4 decimals.",
        ));
    }
    let cover = input.cover_days.unwrap_or(30);
    if !(0..=365).contains(&cover) {
        return Err(ApiError::validation(
            "cover_days",
            "`cover_days` must be 0–365.",
        ));
    }
    let rule = db::reorder::set_rule(
        tx.conn(),
        &RuleSet {
            product_id: input.product_id,
            warehouse_id: input.warehouse_id,
            method: input.method,
            min_qty: input.min_qty,
            max_qty: input.max_qty,
            demand_window_days: window,
            service_level: service,
            cover_days: cover,
            supplier_id: input.supplier_id,
            active: input.active.unwrap_or(true),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(AppJson(rule))
}

/// One reorder rule.
#[utoipa::path(get, path = "/api/v1/reorder/rules/{id}", tag = "purchasing",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Rule id")),
    responses((status = 200, body = ReorderRule), ErrorResponses))]
async fn get_rule(mut tx: TenantTx, AppPath(id): AppPath<Uuid>) -> ApiResult<AppJson<ReorderRule>> {
    tx.ctx.require(Permission::PurchaseRead)?;
    let r = db::reorder::get_rule(tx.conn(), id)
        .await?
        .ok_or_else(|| ApiError::not_found("reorder rule"))?;
    Ok(AppJson(r))
}

/// Delete a reorder rule.
#[utoipa::path(delete, path = "/api/v1/reorder/rules/{id}", tag = "purchasing",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Rule id")),
    responses((status = 204), ErrorResponses))]
async fn delete_rule(mut tx: TenantTx, AppPath(id): AppPath<Uuid>) -> ApiResult<StatusCode> {
    tx.ctx.require(Permission::PurchaseManage)?;
    if !db::reorder::delete_rule(tx.conn(), id).await? {
        return Err(ApiError::not_found("reorder rule"));
    }
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SuggestionParams {
    /// Also list rules with nothing to order (with their evidence).
    pub all: Option<bool>,
    pub warehouse_id: Option<Uuid>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// What to reorder now, each with its evidence: on hand, reserved, incoming,
/// the demand window, lead time, service level and z, and the formula with
/// the numbers substituted.
#[utoipa::path(get, path = "/api/v1/reorder/suggestions", tag = "purchasing",
    security(("bearer" = [])), params(SuggestionParams),
    responses((status = 200, body = Page<ReorderSuggestion>), ErrorResponses))]
async fn list_suggestions(
    mut tx: TenantTx,
    AppQuery(p): AppQuery<SuggestionParams>,
) -> ApiResult<AppJson<Page<ReorderSuggestion>>> {
    tx.ctx.require(Permission::PurchaseRead)?;
    let paging = PageParams {
        limit: p.limit,
        offset: p.offset,
    }
    .validate()?;
    let mut all = db::reorder::suggestions(tx.conn(), None, p.warehouse_id).await?;
    if !p.all.unwrap_or(false) {
        all.retain(|s| s.suggested_qty > Decimal::ZERO);
    }
    let total_count = all.len() as i64;
    let items = all
        .into_iter()
        .skip(paging.offset as usize)
        .take(paging.limit as usize)
        .collect();
    Ok(AppJson(Page {
        items,
        total_count,
        limit: paging.limit,
        offset: paging.offset,
    }))
}

/// Turn chosen suggestions into draft purchase orders, one per supplier
/// (delivered to the rule's warehouse). Send an `Idempotency-Key`: a retry
/// returns the same orders instead of making new ones.
#[utoipa::path(post, path = "/api/v1/reorder/suggestions/approve", tag = "purchasing",
    security(("bearer" = [])), request_body = SuggestionsApprove,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses((status = 201, body = Vec<PurchaseOrder>), ErrorResponses))]
async fn approve_suggestions(
    mut tx: TenantTx,
    headers: HeaderMap,
    AppJson(input): AppJson<SuggestionsApprove>,
) -> ApiResult<Response> {
    tx.ctx.require(Permission::PurchaseApprove)?;
    let key = idempotency::key_from_headers(&headers)?;
    if let Some(replay) =
        idempotency::begin(&mut tx, key.as_deref(), "reorder.approve", &input).await?
    {
        return Ok(replay);
    }
    let user = tx.ctx.user_id;
    let orders = orders_from_suggestions(tx.conn(), &input.items, user).await?;
    let resp = idempotency::finish(&mut tx, key.as_deref(), StatusCode::CREATED, &orders).await?;
    tx.commit().await?;
    Ok(resp)
}

/// Makes draft purchase orders from the chosen suggestions, one per supplier and
/// warehouse (shared by the API and the web view).
pub(crate) async fn orders_from_suggestions(
    conn: &mut PgConnection,
    items: &[SuggestionApproval],
    user: Uuid,
) -> ApiResult<Vec<PurchaseOrder>> {
    if items.is_empty() || items.len() > 500 {
        return Err(ApiError::validation("items", "Approve 1–500 suggestions."));
    }
    let ids: Vec<Uuid> = items.iter().map(|i| i.rule_id).collect();
    let found = db::reorder::suggestions(&mut *conn, Some(&ids), None).await?;
    // (supplier, warehouse) → lines
    let mut groups: BTreeMap<(Uuid, Uuid), Vec<PurchaseOrderLineForCreate>> = BTreeMap::new();
    for item in items {
        let s = found
            .iter()
            .find(|s| s.rule_id == item.rule_id)
            .ok_or_else(|| {
                ApiError::validation(
                    "items",
                    format!(
                        "Reorder rule {} does not exist or is inactive.",
                        item.rule_id
                    ),
                )
            })?;
        let qty = match item.qty {
            Some(q) => positive_qty("items", q)?,
            None if s.suggested_qty > Decimal::ZERO => s.suggested_qty,
            None => {
                return Err(ApiError::validation(
                    "items",
                    format!(
                        "{} needs no reorder now; send `qty` to order anyway.",
                        s.sku
                    ),
                ))
            }
        };
        let supplier = s.supplier.as_ref().ok_or_else(|| {
            ApiError::validation(
                "items",
                format!("{} has no supplier; link one to the product first.", s.sku),
            )
        })?;
        groups
            .entry((supplier.id, s.warehouse_id))
            .or_default()
            .push(PurchaseOrderLineForCreate {
                product_id: s.product_id,
                qty,
                unit_price: Some(supplier.unit_price),
            });
    }
    let user = Some(user);
    let mut orders = Vec::with_capacity(groups.len());
    for ((supplier_id, warehouse_id), lines) in groups {
        let currency = found
            .iter()
            .filter_map(|s| s.supplier.as_ref())
            .find(|x| x.id == supplier_id)
            .map(|x| x.currency.clone());
        let po = crate::http::purchasing::create_draft(
            &mut *conn,
            &PurchaseOrderForCreate {
                supplier_id,
                location_id: warehouse_id,
                currency,
                expected_date: None,
                notes: Some("From reorder suggestions".into()),
                lines,
            },
            "reorder",
            user,
        )
        .await?;
        orders.push(po);
    }
    Ok(orders)
}
