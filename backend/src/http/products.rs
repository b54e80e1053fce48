//! Products and their barcodes.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use rust_decimal::Decimal;
use serde::Deserialize;
use shared_types::api::Page;
use shared_types::inventory::{
    Barcode, BarcodeForCreate, Product, ProductForCreate, ProductForUpdate, ProductType,
    SupplierInfo, Tracking, UomConversion, VariantForCreate, VariantsGenerated,
};
use sqlx::PgConnection;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::db;
use crate::domain::identity::InvalidValue;
use crate::domain::permissions::Permission;
use crate::domain::stock::{amount, currency, label, positive_qty, ProductBarcode, Sku};
use crate::domain::{crm, variants};
use crate::error::{ApiError, ApiResult};
use crate::http::access::guarded;
use crate::http::ctx::TenantTx;
use crate::http::extract::{AppJson, AppPath, AppQuery, PageParams};
use crate::http::ErrorResponses;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(guarded(Permission::ProductRead, routes!(list_products)))
        .routes(guarded(Permission::ProductManage, routes!(create_product)))
        .routes(guarded(Permission::ProductRead, routes!(get_product)))
        .routes(guarded(Permission::ProductManage, routes!(update_product)))
        .routes(guarded(Permission::ProductManage, routes!(add_barcode)))
        .routes(guarded(Permission::ProductManage, routes!(delete_barcode)))
        .routes(guarded(Permission::ProductManage, routes!(create_variant)))
        .routes(guarded(
            Permission::ProductManage,
            routes!(generate_variants),
        ))
}

/// `?q=&include_archived=&limit=&offset=`
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProductListParams {
    /// Searches SKU, name and barcodes (substring, case-insensitive).
    pub q: Option<String>,
    pub include_archived: Option<bool>,
    /// Only the variants of this template.
    pub variant_of: Option<Uuid>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

fn conversions(list: Vec<UomConversion>, base: &str) -> Result<Vec<UomConversion>, InvalidValue> {
    let mut out: Vec<UomConversion> = Vec::with_capacity(list.len());
    for c in list {
        let uom = label("uom_conversions", &c.uom, 32)?;
        if uom == base || out.iter().any(|o| o.uom == uom) {
            return Err(InvalidValue {
                field: "uom_conversions",
                message: format!("unit '{uom}' is listed twice or is the base unit"),
            });
        }
        out.push(UomConversion {
            uom,
            factor: positive_qty("uom_conversions", c.factor)?,
        });
    }
    Ok(out)
}

fn prices(p: BTreeMap<String, Decimal>) -> Result<BTreeMap<String, Decimal>, InvalidValue> {
    p.into_iter()
        .map(|(c, v)| Ok((currency(&c)?, amount("prices", v)?)))
        .collect()
}

fn supplier(s: SupplierInfo) -> Result<SupplierInfo, InvalidValue> {
    Ok(SupplierInfo {
        supplier_name: s
            .supplier_name
            .as_deref()
            .map(|n| label("supplier_info", n, 200))
            .transpose()?,
        lead_time_days: s.lead_time_days,
        min_order_qty: s
            .min_order_qty
            .map(|q| positive_qty("supplier_info", q))
            .transpose()?,
        pack_size: s
            .pack_size
            .map(|q| positive_qty("supplier_info", q))
            .transpose()?,
    })
}

/// Custom properties: a JSON object satisfying the tenant's product property
/// schema, when one is set (`PATCH /api/v1/inventory/settings`).
pub(crate) async fn properties(
    conn: &mut PgConnection,
    v: serde_json::Value,
) -> ApiResult<serde_json::Value> {
    if !v.is_object() {
        return Err(InvalidValue {
            field: "properties",
            message: "must be a JSON object".into(),
        }
        .into());
    }
    if let Some(schema) = db::products::properties_schema(conn).await? {
        crm::check_properties(&schema, &v)?;
    }
    Ok(v)
}

fn barcode_conflict(e: sqlx::Error, code: &str) -> ApiError {
    match &e {
        sqlx::Error::Database(d) if d.constraint() == Some("product_barcodes_tenant_code_key") => {
            ApiError::conflict(
                "barcodes",
                format!("Barcode {code} is already on a product."),
            )
        }
        _ => e.into(),
    }
}

async fn insert_barcode(
    tx: &mut TenantTx,
    product_id: Uuid,
    b: &BarcodeForCreate,
) -> ApiResult<Barcode> {
    let parsed = ProductBarcode::parse(b.symbology, &b.code)?;
    let qty = positive_qty("barcodes", b.qty.unwrap_or(Decimal::ONE))?;
    db::products::insert_barcode(tx.conn(), product_id, &parsed, qty)
        .await
        .map_err(|e| barcode_conflict(e, &parsed.code))
}

/// List products, with search over SKU, name and barcodes.
#[utoipa::path(get, path = "/api/v1/products", tag = "inventory",
    security(("bearer" = [])), params(ProductListParams),
    responses((status = 200, body = Page<Product>), ErrorResponses))]
async fn list_products(
    mut tx: TenantTx,
    AppQuery(p): AppQuery<ProductListParams>,
) -> ApiResult<AppJson<Page<Product>>> {
    tx.ctx.require(Permission::ProductRead)?;
    let paging = PageParams {
        limit: p.limit,
        offset: p.offset,
    }
    .validate()?;
    let q = p.q.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let (items, total_count) = db::products::list(
        tx.conn(),
        q,
        p.include_archived.unwrap_or(false),
        p.variant_of,
        paging,
    )
    .await?;
    Ok(AppJson(Page {
        items,
        total_count,
        limit: paging.limit,
        offset: paging.offset,
    }))
}

/// Create a product with its barcodes.
#[utoipa::path(post, path = "/api/v1/products", tag = "inventory",
    security(("bearer" = [])), request_body = ProductForCreate,
    responses((status = 201, body = Product), ErrorResponses))]
async fn create_product(
    mut tx: TenantTx,
    AppJson(input): AppJson<ProductForCreate>,
) -> ApiResult<(StatusCode, AppJson<Product>)> {
    tx.ctx.require(Permission::ProductManage)?;
    let sku = Sku::parse(&input.sku)?;
    let base_uom = label("base_uom", input.base_uom.as_deref().unwrap_or("each"), 32)?;
    let product_type = input.product_type.unwrap_or(ProductType::Stocked);
    let tracking = input.tracking.unwrap_or(Tracking::None);
    if product_type == ProductType::Service && tracking != Tracking::None {
        return Err(ApiError::validation(
            "tracking",
            "Services are not tracked by lot or serial.",
        ));
    }
    let new = db::products::NewProduct {
        sku: sku.as_str().to_owned(),
        name: label("name", &input.name, 200)?,
        product_type,
        uom_conversions: conversions(input.uom_conversions, &base_uom)?,
        base_uom,
        tracking,
        cost: amount("cost", input.cost.unwrap_or_default())?,
        prices: prices(input.prices)?,
        supplier_info: supplier(input.supplier_info.unwrap_or_default())?,
        properties: properties(
            tx.conn(),
            input.properties.unwrap_or_else(|| serde_json::json!({})),
        )
        .await?,
        image_ref: input
            .image_ref
            .as_deref()
            .map(|r| label("image_ref", r, 500))
            .transpose()?,
        variant_of: None,
        variant_values: BTreeMap::new(),
        variant_attributes: variants::check_attributes(input.variant_attributes)?,
    };
    let id = db::products::insert(tx.conn(), &new)
        .await
        .map_err(|e| match &e {
            sqlx::Error::Database(d) if d.constraint() == Some("products_tenant_sku_key") => {
                ApiError::conflict(
                    "sku",
                    format!("A product with SKU {} already exists.", new.sku),
                )
            }
            _ => e.into(),
        })?;
    for b in &input.barcodes {
        insert_barcode(&mut tx, id, b).await?;
    }
    let product = db::products::get(tx.conn(), id)
        .await?
        .ok_or_else(|| ApiError::not_found("product"))?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, AppJson(product)))
}

/// One product with its barcodes.
#[utoipa::path(get, path = "/api/v1/products/{id}", tag = "inventory",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Product id")),
    responses((status = 200, body = Product), ErrorResponses))]
async fn get_product(mut tx: TenantTx, AppPath(id): AppPath<Uuid>) -> ApiResult<AppJson<Product>> {
    tx.ctx.require(Permission::ProductRead)?;
    let p = db::products::get(tx.conn(), id)
        .await?
        .ok_or_else(|| ApiError::not_found("product"))?;
    Ok(AppJson(p))
}

/// Change a product (SKU, base unit and tracking are fixed once created: the
/// ledger is kept in them).
#[utoipa::path(patch, path = "/api/v1/products/{id}", tag = "inventory",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Product id")),
    request_body = ProductForUpdate,
    responses((status = 200, body = Product), ErrorResponses))]
async fn update_product(
    mut tx: TenantTx,
    AppPath(id): AppPath<Uuid>,
    AppJson(input): AppJson<ProductForUpdate>,
) -> ApiResult<AppJson<Product>> {
    tx.ctx.require(Permission::ProductManage)?;
    let current = db::products::get(tx.conn(), id)
        .await?
        .ok_or_else(|| ApiError::not_found("product"))?;
    let changes = db::products::ProductChanges {
        name: input
            .name
            .as_deref()
            .map(|n| label("name", n, 200))
            .transpose()?,
        product_type: input.product_type,
        uom_conversions: input
            .uom_conversions
            .map(|c| conversions(c, &current.base_uom))
            .transpose()?,
        cost: input.cost.map(|c| amount("cost", c)).transpose()?,
        prices: input.prices.map(prices).transpose()?,
        supplier_info: input.supplier_info.map(supplier).transpose()?,
        properties: match input.properties {
            Some(p) => Some(properties(tx.conn(), p).await?),
            None => None,
        },
        image_ref: input
            .image_ref
            .as_deref()
            .map(|r| label("image_ref", r, 500))
            .transpose()?,
        archived: input.archived,
        variant_attributes: match input.variant_attributes {
            Some(list) => {
                let list = variants::check_attributes(list)?;
                if current.variant_of.is_some() && !list.is_empty() {
                    return Err(ApiError::validation(
                        "variant_attributes",
                        "A variant cannot itself be a template.",
                    ));
                }
                let used = db::products::variant_values_of(tx.conn(), id).await?;
                variants::still_covers(&list, &used)?;
                let stocked: bool = sqlx::query_scalar(
                    "SELECT EXISTS (SELECT 1 FROM quants WHERE product_id = $1 AND qty <> 0)",
                )
                .bind(id)
                .fetch_one(tx.conn())
                .await?;
                if stocked && !list.is_empty() && current.variant_attributes.is_empty() {
                    return Err(ApiError::validation(
                        "variant_attributes",
                        "The product has stock: a template holds none. Move its stock to a variant first, or create a new template.",
                    ));
                }
                Some(list)
            }
            None => None,
        },
    };
    db::products::update(tx.conn(), id, &changes).await?;
    let p = db::products::get(tx.conn(), id)
        .await?
        .ok_or_else(|| ApiError::not_found("product"))?;
    tx.commit().await?;
    Ok(AppJson(p))
}

/// Add a barcode (item or packaging) to a product.
#[utoipa::path(post, path = "/api/v1/products/{id}/barcodes", tag = "inventory",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Product id")),
    request_body = BarcodeForCreate,
    responses((status = 201, body = Barcode), ErrorResponses))]
async fn add_barcode(
    mut tx: TenantTx,
    AppPath(id): AppPath<Uuid>,
    AppJson(input): AppJson<BarcodeForCreate>,
) -> ApiResult<(StatusCode, AppJson<Barcode>)> {
    tx.ctx.require(Permission::ProductManage)?;
    if db::products::get(tx.conn(), id).await?.is_none() {
        return Err(ApiError::not_found("product"));
    }
    let b = insert_barcode(&mut tx, id, &input).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, AppJson(b)))
}

/// Remove a barcode from a product.
#[utoipa::path(delete, path = "/api/v1/products/{id}/barcodes/{barcode_id}", tag = "inventory",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Product id"), ("barcode_id" = Uuid, Path, description = "Barcode id")),
    responses((status = 204), ErrorResponses))]
async fn delete_barcode(
    mut tx: TenantTx,
    AppPath((id, barcode_id)): AppPath<(Uuid, Uuid)>,
) -> ApiResult<StatusCode> {
    tx.ctx.require(Permission::ProductManage)?;
    if !db::products::delete_barcode(tx.conn(), id, barcode_id).await? {
        return Err(ApiError::not_found("barcode"));
    }
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Inserts one variant of `template` (already checked values), copying the
/// template's terms; answers `None` when the combination exists already.
async fn insert_variant(
    tx: &mut TenantTx,
    template: &Product,
    values: BTreeMap<String, String>,
    input: Option<&VariantForCreate>,
) -> ApiResult<Option<Uuid>> {
    let attrs = &template.variant_attributes;
    let sku = match input.and_then(|i| i.sku.as_deref()) {
        Some(s) => Sku::parse(s)?,
        None => Sku::parse(&variants::default_sku(&template.sku, attrs, &values)).map_err(|e| {
            ApiError::validation(
                "sku",
                format!("The default SKU does not fit ({}); give one.", e.message),
            )
        })?,
    };
    let name = match input.and_then(|i| i.name.as_deref()) {
        Some(n) => label("name", n, 200)?,
        None => {
            let n = variants::default_name(&template.name, attrs, &values);
            label("name", &n, 200)?
        }
    };
    let new = db::products::NewProduct {
        sku: sku.as_str().to_owned(),
        name,
        product_type: template.product_type,
        base_uom: template.base_uom.clone(),
        uom_conversions: template.uom_conversions.clone(),
        tracking: template.tracking,
        cost: match input.and_then(|i| i.cost) {
            Some(c) => amount("cost", c)?,
            None => template.cost,
        },
        prices: template.prices.clone(),
        supplier_info: template.supplier_info.clone(),
        properties: template.properties.clone(),
        image_ref: template.image_ref.clone(),
        variant_of: Some(template.id),
        variant_values: values,
        variant_attributes: Vec::new(),
    };
    match db::products::insert(tx.conn(), &new).await {
        Ok(id) => Ok(Some(id)),
        Err(sqlx::Error::Database(d)) if d.constraint() == Some("products_variant_values_key") => {
            Ok(None)
        }
        Err(sqlx::Error::Database(d)) if d.constraint() == Some("products_tenant_sku_key") => {
            Err(ApiError::conflict(
                "sku",
                format!("A product with SKU {} already exists.", new.sku),
            ))
        }
        Err(e) => Err(e.into()),
    }
}

async fn template(tx: &mut TenantTx, id: Uuid) -> ApiResult<Product> {
    let t = db::products::get(tx.conn(), id)
        .await?
        .ok_or_else(|| ApiError::not_found("product"))?;
    if t.variant_attributes.is_empty() {
        return Err(ApiError::validation(
            "id",
            "The product is not a template: give it variant_attributes first.",
        ));
    }
    Ok(t)
}

/// Create one variant of a template product: one value per attribute. The
/// variant copies the template's type, units, tracking, prices, supplier terms
/// and properties, and is a product of its own (SKU, barcodes, stock).
#[utoipa::path(post, path = "/api/v1/products/{id}/variants", tag = "inventory",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Template product id")),
    request_body = VariantForCreate,
    responses((status = 201, body = Product), ErrorResponses))]
async fn create_variant(
    mut tx: TenantTx,
    AppPath(id): AppPath<Uuid>,
    AppJson(input): AppJson<VariantForCreate>,
) -> ApiResult<(StatusCode, AppJson<Product>)> {
    tx.ctx.require(Permission::ProductManage)?;
    let t = template(&mut tx, id).await?;
    let values = variants::check_values(&t.variant_attributes, &input.values)?;
    let shown: Vec<String> = values.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let vid = insert_variant(&mut tx, &t, values, Some(&input))
        .await?
        .ok_or_else(|| {
            ApiError::conflict(
                "values",
                format!("The template already has the variant {}.", shown.join(", ")),
            )
        })?;
    for b in &input.barcodes {
        insert_barcode(&mut tx, vid, b).await?;
    }
    let p = db::products::get(tx.conn(), vid)
        .await?
        .ok_or_else(|| ApiError::not_found("product"))?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, AppJson(p)))
}

/// Create every missing variant of a template (at most 1,000 combinations),
/// with default SKUs (`TEE-M-RED`) and names (`T-shirt (M, red)`). Running it
/// again after adding a value creates only the new combinations.
#[utoipa::path(post, path = "/api/v1/products/{id}/variants/generate", tag = "inventory",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Template product id")),
    responses((status = 200, body = VariantsGenerated), ErrorResponses))]
async fn generate_variants(
    mut tx: TenantTx,
    AppPath(id): AppPath<Uuid>,
) -> ApiResult<AppJson<VariantsGenerated>> {
    tx.ctx.require(Permission::ProductManage)?;
    let t = template(&mut tx, id).await?;
    let existing = db::products::variant_values_of(tx.conn(), id).await?;
    let mut created = Vec::new();
    let mut already = 0;
    for values in variants::combinations(&t.variant_attributes) {
        if existing.contains(&values) {
            already += 1;
            continue;
        }
        match insert_variant(&mut tx, &t, values, None).await? {
            Some(vid) => created.push(vid),
            None => already += 1,
        }
    }
    let mut products = Vec::with_capacity(created.len());
    for vid in created {
        if let Some(p) = db::products::get(tx.conn(), vid).await? {
            products.push(p);
        }
    }
    if !products.is_empty() {
        let actor = Some(tx.ctx.user_id);
        db::events::append(
            tx.conn(),
            actor,
            db::events::NewEvent::new("product.variants_generated")
                .subject("product", id)
                .data(serde_json::json!({
                    "created": products.iter().map(|p| &p.sku).collect::<Vec<_>>(),
                    "existing": already,
                })),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(AppJson(VariantsGenerated {
        created: products,
        existing: already,
    }))
}
