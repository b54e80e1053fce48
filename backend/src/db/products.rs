//! Products and their barcodes.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use shared_types::inventory::{
    Barcode, Product, ProductType, SupplierInfo, Symbology, Tracking, UomConversion,
    VariantAttribute,
};
use sqlx::types::Json;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::domain::stock::ProductBarcode;
use crate::http::extract::Paging;

#[derive(sqlx::FromRow)]
struct ProductRow {
    id: Uuid,
    sku: String,
    name: String,
    product_type: String,
    base_uom: String,
    uom_conversions: Json<Vec<UomConversion>>,
    tracking: String,
    cost: Decimal,
    prices: Json<BTreeMap<String, Decimal>>,
    supplier_info: Json<SupplierInfo>,
    properties: serde_json::Value,
    image_ref: Option<String>,
    archived: bool,
    variant_of: Option<Uuid>,
    variant_values: Json<BTreeMap<String, String>>,
    variant_attributes: Json<Vec<VariantAttribute>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, sku, name, product_type, base_uom, uom_conversions, tracking, cost, \
    prices, supplier_info, properties, image_ref, archived, variant_of, variant_values, \
    variant_attributes, created_at, updated_at";

/// Decodes a snake_case enum stored as text (the CHECK constraints keep it valid).
pub(crate) fn enum_from_text<T: serde::de::DeserializeOwned>(s: &str) -> Result<T, sqlx::Error> {
    serde_json::from_value(serde_json::Value::String(s.to_owned()))
        .map_err(|e| sqlx::Error::Decode(Box::new(e)))
}

pub(crate) fn enum_text<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

impl ProductRow {
    fn into_product(self, barcodes: Vec<Barcode>) -> Result<Product, sqlx::Error> {
        Ok(Product {
            id: self.id,
            sku: self.sku,
            name: self.name,
            product_type: enum_from_text::<ProductType>(&self.product_type)?,
            base_uom: self.base_uom,
            uom_conversions: self.uom_conversions.0,
            tracking: enum_from_text::<Tracking>(&self.tracking)?,
            cost: self.cost,
            prices: self.prices.0,
            supplier_info: self.supplier_info.0,
            properties: self.properties,
            image_ref: self.image_ref,
            archived: self.archived,
            barcodes,
            variant_of: self.variant_of,
            variant_values: self.variant_values.0,
            variant_attributes: self.variant_attributes.0,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

#[derive(sqlx::FromRow)]
struct BarcodeRow {
    id: Uuid,
    product_id: Uuid,
    symbology: String,
    code: String,
    qty: Decimal,
}

impl BarcodeRow {
    fn into_barcode(self) -> Result<Barcode, sqlx::Error> {
        Ok(Barcode {
            id: self.id,
            product_id: self.product_id,
            symbology: enum_from_text::<Symbology>(&self.symbology)?,
            code: self.code,
            qty: self.qty,
        })
    }
}

/// A validated product to insert.
pub struct NewProduct {
    pub sku: String,
    pub name: String,
    pub product_type: ProductType,
    pub base_uom: String,
    pub uom_conversions: Vec<UomConversion>,
    pub tracking: Tracking,
    pub cost: Decimal,
    pub prices: BTreeMap<String, Decimal>,
    pub supplier_info: SupplierInfo,
    pub properties: serde_json::Value,
    pub image_ref: Option<String>,
    pub variant_of: Option<Uuid>,
    pub variant_values: BTreeMap<String, String>,
    pub variant_attributes: Vec<VariantAttribute>,
}

#[tracing::instrument(skip(conn, p), fields(sku = %p.sku))]
pub async fn insert(conn: &mut PgConnection, p: &NewProduct) -> Result<Uuid, sqlx::Error> {
    let id = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO products (id, sku, name, product_type, base_uom, uom_conversions, tracking,
            cost, prices, supplier_info, properties, image_ref, variant_of, variant_values,
            variant_attributes)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
    )
    .bind(id)
    .bind(&p.sku)
    .bind(&p.name)
    .bind(enum_text(&p.product_type))
    .bind(&p.base_uom)
    .bind(Json(&p.uom_conversions))
    .bind(enum_text(&p.tracking))
    .bind(p.cost)
    .bind(Json(&p.prices))
    .bind(Json(&p.supplier_info))
    .bind(&p.properties)
    .bind(&p.image_ref)
    .bind(p.variant_of)
    .bind(Json(&p.variant_values))
    .bind(Json(&p.variant_attributes))
    .execute(conn)
    .await?;
    Ok(id)
}

pub async fn insert_barcode(
    conn: &mut PgConnection,
    product_id: Uuid,
    b: &ProductBarcode,
    qty: Decimal,
) -> Result<Barcode, sqlx::Error> {
    let row: BarcodeRow = sqlx::query_as(
        "INSERT INTO product_barcodes (id, product_id, symbology, code, normalized, qty)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id, product_id, symbology, code, qty",
    )
    .bind(Uuid::now_v7())
    .bind(product_id)
    .bind(enum_text(&b.symbology))
    .bind(&b.code)
    .bind(&b.normalized)
    .bind(qty)
    .fetch_one(conn)
    .await?;
    row.into_barcode()
}

pub async fn delete_barcode(
    conn: &mut PgConnection,
    product_id: Uuid,
    barcode_id: Uuid,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM product_barcodes WHERE id = $1 AND product_id = $2")
        .bind(barcode_id)
        .bind(product_id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

async fn barcodes_of(
    conn: &mut PgConnection,
    ids: &[Uuid],
) -> Result<BTreeMap<Uuid, Vec<Barcode>>, sqlx::Error> {
    let rows: Vec<BarcodeRow> = sqlx::query_as(
        "SELECT id, product_id, symbology, code, qty FROM product_barcodes
          WHERE product_id = ANY($1) ORDER BY product_id, id",
    )
    .bind(ids)
    .fetch_all(conn)
    .await?;
    let mut out: BTreeMap<Uuid, Vec<Barcode>> = BTreeMap::new();
    for r in rows {
        out.entry(r.product_id).or_default().push(r.into_barcode()?);
    }
    Ok(out)
}

pub async fn get(conn: &mut PgConnection, id: Uuid) -> Result<Option<Product>, sqlx::Error> {
    let row: Option<ProductRow> =
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM products WHERE id = $1"))
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
    let Some(row) = row else { return Ok(None) };
    let mut codes = barcodes_of(conn, &[id]).await?;
    row.into_product(codes.remove(&id).unwrap_or_default())
        .map(Some)
}

/// Whether the product exists (for the caller's tenant).
pub async fn exists(conn: &mut PgConnection, id: Uuid) -> Result<bool, sqlx::Error> {
    let found: Option<Uuid> = sqlx::query_scalar("SELECT id FROM products WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?;
    Ok(found.is_some())
}

/// Finds the product a normalized barcode belongs to, with the barcode's quantity.
pub async fn by_barcode(
    conn: &mut PgConnection,
    normalized: &str,
) -> Result<Option<(Product, Decimal)>, sqlx::Error> {
    let hit: Option<(Uuid, Decimal)> =
        sqlx::query_as("SELECT product_id, qty FROM product_barcodes WHERE normalized = $1")
            .bind(normalized)
            .fetch_optional(&mut *conn)
            .await?;
    let Some((id, qty)) = hit else {
        return Ok(None);
    };
    Ok(get(conn, id).await?.map(|p| (p, qty)))
}

/// Lists products, optionally searching SKU, name and barcodes (case-insensitive).
pub async fn list(
    conn: &mut PgConnection,
    search: Option<&str>,
    include_archived: bool,
    variant_of: Option<Uuid>,
    paging: Paging,
) -> Result<(Vec<Product>, i64), sqlx::Error> {
    let pattern = search.map(|s| {
        let escaped = s
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        format!("%{escaped}%")
    });
    let filter = "($1::text IS NULL OR p.sku ILIKE $1 OR p.name ILIKE $1
            OR EXISTS (SELECT 1 FROM product_barcodes b WHERE b.product_id = p.id
                       AND (b.code ILIKE $1 OR b.normalized ILIKE $1)))
        AND ($2 OR NOT p.archived) AND ($3::uuid IS NULL OR p.variant_of = $3)";
    let total: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM products p WHERE {filter}"))
        .bind(&pattern)
        .bind(include_archived)
        .bind(variant_of)
        .fetch_one(&mut *conn)
        .await?;
    let rows: Vec<ProductRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM products p WHERE {filter} ORDER BY p.sku, p.id LIMIT $4 OFFSET $5"
    ))
    .bind(&pattern)
    .bind(include_archived)
    .bind(variant_of)
    .bind(paging.limit)
    .bind(paging.offset)
    .fetch_all(&mut *conn)
    .await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut codes = barcodes_of(conn, &ids).await?;
    let items = rows
        .into_iter()
        .map(|r| {
            let b = codes.remove(&r.id).unwrap_or_default();
            r.into_product(b)
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok((items, total))
}

/// Validated changes; `None` leaves a field as it is.
#[derive(Default)]
pub struct ProductChanges {
    pub name: Option<String>,
    pub product_type: Option<ProductType>,
    pub uom_conversions: Option<Vec<UomConversion>>,
    pub cost: Option<Decimal>,
    pub prices: Option<BTreeMap<String, Decimal>>,
    pub supplier_info: Option<SupplierInfo>,
    pub properties: Option<serde_json::Value>,
    pub image_ref: Option<String>,
    pub archived: Option<bool>,
    pub variant_attributes: Option<Vec<VariantAttribute>>,
}

pub async fn update(
    conn: &mut PgConnection,
    id: Uuid,
    c: &ProductChanges,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE products SET
            name = COALESCE($2, name),
            product_type = COALESCE($3, product_type),
            uom_conversions = COALESCE($4, uom_conversions),
            cost = COALESCE($5, cost),
            prices = COALESCE($6, prices),
            supplier_info = COALESCE($7, supplier_info),
            properties = COALESCE($8, properties),
            image_ref = COALESCE($9, image_ref),
            archived = COALESCE($10, archived),
            variant_attributes = COALESCE($11, variant_attributes)
         WHERE id = $1",
    )
    .bind(id)
    .bind(&c.name)
    .bind(c.product_type.as_ref().map(enum_text))
    .bind(c.uom_conversions.as_ref().map(Json))
    .bind(c.cost)
    .bind(c.prices.as_ref().map(Json))
    .bind(c.supplier_info.as_ref().map(Json))
    .bind(&c.properties)
    .bind(&c.image_ref)
    .bind(c.archived)
    .bind(c.variant_attributes.as_ref().map(Json))
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The attribute values of a template's variants.
pub async fn variant_values_of(
    conn: &mut PgConnection,
    template_id: Uuid,
) -> Result<Vec<BTreeMap<String, String>>, sqlx::Error> {
    let rows: Vec<Json<BTreeMap<String, String>>> =
        sqlx::query_scalar("SELECT variant_values FROM products WHERE variant_of = $1")
            .bind(template_id)
            .fetch_all(conn)
            .await?;
    Ok(rows.into_iter().map(|j| j.0).collect())
}

/// The tenant's JSON Schema for product properties, if one is set.
pub async fn properties_schema(
    conn: &mut PgConnection,
) -> Result<Option<serde_json::Value>, sqlx::Error> {
    let s: Option<Option<serde_json::Value>> =
        sqlx::query_scalar("SELECT product_properties_schema FROM inventory_settings")
            .fetch_optional(conn)
            .await?;
    Ok(s.flatten())
}
