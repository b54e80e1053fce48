//! Per-tenant inventory settings: negative-stock policy, purchase receipt
//! tolerances and the valuation method, whose changes take effect at a given
//! time and are never edited.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use shared_types::inventory::{
    InventorySettings, InventorySettingsForUpdate, ValuationMethod, ValuationMethodChange,
};
use sqlx::PgConnection;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::db::products::{enum_from_text, enum_text};
use crate::db::stock::{method_at, tenant_policy};
use crate::domain::permissions::Permission;
use crate::error::{ApiError, ApiResult};
use crate::http::access::guarded;
use crate::http::ctx::TenantTx;
use crate::http::extract::AppJson;
use crate::http::ErrorResponses;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(guarded(Permission::StockRead, routes!(get_settings)))
        .routes(guarded(
            Permission::InventorySettingsManage,
            routes!(update_settings),
        ))
}

async fn load(conn: &mut PgConnection) -> ApiResult<InventorySettings> {
    let rows: Vec<(String, DateTime<Utc>)> = sqlx::query_as(
        "SELECT method, effective_from FROM valuation_methods ORDER BY effective_from, created_at",
    )
    .fetch_all(&mut *conn)
    .await?;
    let valuation_history = rows
        .into_iter()
        .map(|(m, at)| {
            Ok(ValuationMethodChange {
                method: enum_from_text(&m)?,
                effective_from: at,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let (over, under) = crate::db::purchasing::receipt_tolerance(conn).await?;
    Ok(InventorySettings {
        negative_stock_policy: tenant_policy(conn).await?,
        valuation_method: method_at(conn, Utc::now()).await?,
        valuation_history,
        over_receipt_tolerance_pct: over,
        under_receipt_tolerance_pct: under,
        product_properties_schema: crate::db::products::properties_schema(conn).await?,
    })
}

fn tolerance(field: &str, v: Decimal, max: Decimal, max_included: bool) -> ApiResult<Decimal> {
    let fits = v >= Decimal::ZERO && (v < max || (max_included && v == max));
    if !fits || v.scale() > 2 {
        let upper = if max_included { "up to" } else { "below" };
        return Err(ApiError::validation(
            field,
            format!("A tolerance is a percentage from 0 {upper} {max}, with at most two decimals."),
        ));
    }
    Ok(v)
}

/// The tenant's inventory settings.
#[utoipa::path(get, path = "/api/v1/inventory/settings", tag = "inventory",
    security(("bearer" = [])),
    responses((status = 200, body = InventorySettings), ErrorResponses))]
async fn get_settings(mut tx: TenantTx) -> ApiResult<AppJson<InventorySettings>> {
    tx.ctx.require(Permission::StockRead)?;
    Ok(AppJson(load(tx.conn()).await?))
}

/// Change the negative-stock policy or the receipt tolerances, or schedule a
/// valuation method change.
#[utoipa::path(patch, path = "/api/v1/inventory/settings", tag = "inventory",
    security(("bearer" = [])), request_body = InventorySettingsForUpdate,
    responses((status = 200, body = InventorySettings), ErrorResponses))]
async fn update_settings(
    mut tx: TenantTx,
    AppJson(input): AppJson<InventorySettingsForUpdate>,
) -> ApiResult<AppJson<InventorySettings>> {
    tx.ctx.require(Permission::InventorySettingsManage)?;
    if let Some(p) = input.negative_stock_policy {
        sqlx::query(
            "INSERT INTO inventory_settings (negative_stock_policy) VALUES ($1)
             ON CONFLICT (tenant_id) DO UPDATE SET negative_stock_policy = EXCLUDED.negative_stock_policy,
                 updated_at = now()",
        )
        .bind(enum_text(&p))
        .execute(tx.conn())
        .await?;
    }
    if input.over_receipt_tolerance_pct.is_some() || input.under_receipt_tolerance_pct.is_some() {
        let hundred = Decimal::ONE_HUNDRED;
        let over = input
            .over_receipt_tolerance_pct
            .map(|v| tolerance("over_receipt_tolerance_pct", v, hundred, true))
            .transpose()?;
        let under = input
            .under_receipt_tolerance_pct
            .map(|v| tolerance("under_receipt_tolerance_pct", v, hundred, false))
            .transpose()?;
        sqlx::query(
            "INSERT INTO inventory_settings (over_receipt_tolerance_pct, under_receipt_tolerance_pct)
             VALUES (coalesce($1, 0), coalesce($2, 0))
             ON CONFLICT (tenant_id) DO UPDATE SET
                 over_receipt_tolerance_pct = coalesce($1, inventory_settings.over_receipt_tolerance_pct),
                 under_receipt_tolerance_pct = coalesce($2, inventory_settings.under_receipt_tolerance_pct),
                 updated_at = now()",
        )
        .bind(over)
        .bind(under)
        .execute(tx.conn())
        .await?;
    }
    if let Some(schema) = input.product_properties_schema {
        crate::domain::crm::check_schema_for("product_properties_schema", &schema)?;
        // Applies to later writes, as for contacts; existing products keep their
        // properties until they are next edited.
        sqlx::query(
            "INSERT INTO inventory_settings (product_properties_schema) VALUES ($1)
             ON CONFLICT (tenant_id) DO UPDATE SET
                 product_properties_schema = EXCLUDED.product_properties_schema, updated_at = now()",
        )
        .bind(&schema)
        .execute(tx.conn())
        .await?;
    }
    if let Some(m) = input.valuation_method {
        let now = Utc::now();
        let at = input.valuation_effective_from.unwrap_or(now);
        // Past valuations were computed under the old method; rewriting history
        // would make them unexplainable.
        if at < now - chrono::Duration::seconds(5) {
            return Err(ApiError::validation(
                "valuation_effective_from",
                "A valuation method change cannot take effect in the past.",
            ));
        }
        let _: ValuationMethod = m;
        sqlx::query(
            "INSERT INTO valuation_methods (id, method, effective_from, created_by_id) VALUES ($1, $2, $3, $4)",
        )
        .bind(Uuid::now_v7())
        .bind(enum_text(&m))
        .bind(at)
        .bind(tx.ctx.user_id)
        .execute(tx.conn())
        .await?;
    }
    let out = load(tx.conn()).await?;
    tx.commit().await?;
    Ok(AppJson(out))
}
