//! `GET /api/v1/scan/{code}`: one call that says what a scanned string is — a
//! product (by GTIN, GS1 element string or internal barcode, with lot, expiry,
//! serial and count parsed from GS1) or a location.

use rust_decimal::Decimal;
use shared_types::barcode::{classify, ScannedCode};
use shared_types::inventory::ScanResult;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::db;
use crate::domain::permissions::Permission;
use crate::error::{ApiError, ApiResult};
use crate::http::access::guarded;
use crate::http::ctx::TenantTx;
use crate::http::extract::{AppJson, AppPath};
use crate::http::ErrorResponses;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(guarded(Permission::ProductRead, routes!(scan)))
}

/// Resolve a scanned code (URL-encode it; GS1 FNC1 may be ASCII 29 or brackets).
#[utoipa::path(get, path = "/api/v1/scan/{code}", tag = "inventory",
    security(("bearer" = [])), params(("code" = String, Path, description = "The scanned text")),
    responses((status = 200, body = ScanResult), ErrorResponses))]
async fn scan(mut tx: TenantTx, AppPath(code): AppPath<String>) -> ApiResult<AppJson<ScanResult>> {
    tx.ctx.require(Permission::ProductRead)?;
    let not_found = || {
        ApiError::not_found("scanned code")
            .with_details(serde_json::json!({ "reason": "no product or location has this code" }))
    };
    match classify(&code) {
        ScannedCode::Gtin { gtin14, .. } => {
            let Some((product, qty)) = db::products::by_barcode(tx.conn(), &gtin14).await? else {
                // A numeric location label can look like a GTIN.
                let location = db::locations::by_barcode(tx.conn(), code.trim())
                    .await?
                    .ok_or_else(not_found)?;
                return Ok(AppJson(ScanResult::Location { location }));
            };
            Ok(AppJson(ScanResult::Product {
                product: Box::new(product),
                qty,
                lot: None,
                serial: None,
                expiry: None,
                gs1: None,
            }))
        }
        ScannedCode::Gs1(data) => {
            let gtin = data.gtin.clone().ok_or_else(|| {
                ApiError::validation("code", "This GS1 code carries no GTIN (01) to look up.")
            })?;
            let (product, per_scan) = db::products::by_barcode(tx.conn(), &gtin)
                .await?
                .ok_or_else(not_found)?;
            // (30)/(37) say how many of the trade item the label stands for.
            let count = data.variable_count.or(data.count).unwrap_or(1);
            Ok(AppJson(ScanResult::Product {
                product: Box::new(product),
                qty: per_scan * Decimal::from(count),
                lot: data.lot.clone(),
                serial: data.serial.clone(),
                expiry: data.expiry.or(data.best_before),
                gs1: Some(data),
            }))
        }
        ScannedCode::MalformedGs1 { error, .. } => Err(ApiError::validation(
            "code",
            format!("The code looks like GS1 but does not parse: {error}"),
        )),
        ScannedCode::Other { text } => {
            if let Some(location) = db::locations::by_barcode(tx.conn(), &text).await? {
                return Ok(AppJson(ScanResult::Location { location }));
            }
            let (product, qty) = db::products::by_barcode(tx.conn(), &text)
                .await?
                .ok_or_else(not_found)?;
            Ok(AppJson(ScanResult::Product {
                product: Box::new(product),
                qty,
                lot: None,
                serial: None,
                expiry: None,
                gs1: None,
            }))
        }
    }
}
