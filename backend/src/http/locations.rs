//! Warehouses, zones and bins; the virtual locations are listed too.

use axum::http::StatusCode;
use serde::Deserialize;
use shared_types::api::Page;
use shared_types::inventory::{Location, LocationForCreate, LocationForUpdate, LocationKind};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::db;
use crate::domain::permissions::Permission;
use crate::domain::stock::label;
use crate::error::{ApiError, ApiResult};
use crate::http::access::guarded;
use crate::http::ctx::TenantTx;
use crate::http::extract::{AppJson, AppPath, AppQuery, PageParams};
use crate::http::ErrorResponses;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(guarded(Permission::StockRead, routes!(list_locations)))
        .routes(guarded(
            Permission::LocationManage,
            routes!(create_location),
        ))
        .routes(guarded(Permission::StockRead, routes!(get_location)))
        .routes(guarded(
            Permission::LocationManage,
            routes!(update_location),
        ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LocationListParams {
    /// Only this warehouse's locations.
    pub warehouse_id: Option<Uuid>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

fn map_unique(e: sqlx::Error) -> ApiError {
    match &e {
        sqlx::Error::Database(d) if d.constraint() == Some("locations_tenant_path_key") => {
            ApiError::conflict("code", "A location with this code already exists here.")
        }
        sqlx::Error::Database(d) if d.constraint() == Some("locations_tenant_barcode_key") => {
            ApiError::conflict("barcode", "Another location already has this barcode.")
        }
        _ => e.into(),
    }
}

/// Locations in walking order.
#[utoipa::path(get, path = "/api/v1/locations", tag = "inventory",
    security(("bearer" = [])), params(LocationListParams),
    responses((status = 200, body = Page<Location>), ErrorResponses))]
async fn list_locations(
    mut tx: TenantTx,
    AppQuery(p): AppQuery<LocationListParams>,
) -> ApiResult<AppJson<Page<Location>>> {
    tx.ctx.require(Permission::StockRead)?;
    let paging = PageParams {
        limit: p.limit,
        offset: p.offset,
    }
    .validate()?;
    let (items, total_count) = db::locations::list(tx.conn(), p.warehouse_id, paging).await?;
    tx.commit().await?;
    Ok(AppJson(Page {
        items,
        total_count,
        limit: paging.limit,
        offset: paging.offset,
    }))
}

/// Create a warehouse (no parent), zone or bin (under a parent).
#[utoipa::path(post, path = "/api/v1/locations", tag = "inventory",
    security(("bearer" = [])), request_body = LocationForCreate,
    responses((status = 201, body = Location), ErrorResponses))]
async fn create_location(
    mut tx: TenantTx,
    AppJson(input): AppJson<LocationForCreate>,
) -> ApiResult<(StatusCode, AppJson<Location>)> {
    tx.ctx.require(Permission::LocationManage)?;
    let code = label("code", &input.code, 40)?;
    if code.contains('/') || code.starts_with('@') {
        return Err(ApiError::validation(
            "code",
            "A location code may not contain '/' or start with '@'.",
        ));
    }
    let name = label("name", &input.name, 200)?;
    let barcode = input
        .barcode
        .as_deref()
        .map(|b| label("barcode", b, 200))
        .transpose()?;
    let parent = match (input.kind, input.parent_id) {
        (LocationKind::Warehouse, None) => None,
        (LocationKind::Warehouse, Some(_)) => {
            return Err(ApiError::validation(
                "parent_id",
                "A warehouse has no parent.",
            ))
        }
        (LocationKind::Zone | LocationKind::Bin, Some(pid)) => {
            let p = db::locations::get(tx.conn(), pid).await?.ok_or_else(|| {
                ApiError::validation("parent_id", "The parent location does not exist.")
            })?;
            if !p.kind.is_internal() || p.kind == LocationKind::Bin {
                return Err(ApiError::validation(
                    "parent_id",
                    "Zones and bins go under a warehouse or zone.",
                ));
            }
            Some(p)
        }
        (LocationKind::Zone | LocationKind::Bin, None) => {
            return Err(ApiError::validation(
                "parent_id",
                "Zones and bins need a parent.",
            ))
        }
        _ => {
            return Err(ApiError::validation(
                "kind",
                "Virtual locations exist once per tenant; create a warehouse, zone or bin.",
            ))
        }
    };
    if input.negative_stock_policy.is_some() && input.kind != LocationKind::Warehouse {
        return Err(ApiError::validation(
            "negative_stock_policy",
            "Only a warehouse has a negative-stock policy.",
        ));
    }
    db::locations::ensure_virtual(tx.conn()).await?;
    let loc = db::locations::insert(
        tx.conn(),
        db::locations::NewLocation {
            kind: input.kind,
            parent: parent.as_ref(),
            code: &code,
            name: &name,
            barcode: barcode.as_deref(),
            negative_stock_policy: input.negative_stock_policy,
        },
    )
    .await
    .map_err(map_unique)?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, AppJson(loc)))
}

/// One location.
#[utoipa::path(get, path = "/api/v1/locations/{id}", tag = "inventory",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Location id")),
    responses((status = 200, body = Location), ErrorResponses))]
async fn get_location(
    mut tx: TenantTx,
    AppPath(id): AppPath<Uuid>,
) -> ApiResult<AppJson<Location>> {
    tx.ctx.require(Permission::StockRead)?;
    let l = db::locations::get(tx.conn(), id)
        .await?
        .ok_or_else(|| ApiError::not_found("location"))?;
    Ok(AppJson(l))
}

/// Rename, relabel, archive, or set a warehouse's negative-stock policy.
#[utoipa::path(patch, path = "/api/v1/locations/{id}", tag = "inventory",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Location id")),
    request_body = LocationForUpdate,
    responses((status = 200, body = Location), ErrorResponses))]
async fn update_location(
    mut tx: TenantTx,
    AppPath(id): AppPath<Uuid>,
    AppJson(input): AppJson<LocationForUpdate>,
) -> ApiResult<AppJson<Location>> {
    tx.ctx.require(Permission::LocationManage)?;
    let current = db::locations::get(tx.conn(), id)
        .await?
        .ok_or_else(|| ApiError::not_found("location"))?;
    if input.negative_stock_policy.is_some() && current.kind != LocationKind::Warehouse {
        return Err(ApiError::validation(
            "negative_stock_policy",
            "Only a warehouse has a negative-stock policy.",
        ));
    }
    let changes = db::locations::LocationChanges {
        name: input
            .name
            .as_deref()
            .map(|n| label("name", n, 200))
            .transpose()?,
        barcode: input
            .barcode
            .as_deref()
            .map(|b| label("barcode", b, 200))
            .transpose()?,
        negative_stock_policy: input.negative_stock_policy,
        archived: input.archived,
    };
    let l = db::locations::update(tx.conn(), id, &changes)
        .await
        .map_err(map_unique)?
        .ok_or_else(|| ApiError::not_found("location"))?;
    tx.commit().await?;
    Ok(AppJson(l))
}
