//! Inventory wire types: products and barcodes, locations, stock moves, quants,
//! valuation, reservations and scan results. Quantities are in the product's base
//! unit and, like money, are `Decimal` (sent as strings).

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::gs1::Gs1Data;

/// What kind of thing a product is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ProductType {
    /// Kept in stock and valued.
    Stocked,
    /// Used up; stock is tracked but not valued on the balance sheet.
    Consumable,
    /// Time-based or rental (consultant hours, equipment); never in stock.
    Service,
}

/// How units of a product are told apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Tracking {
    None,
    Lot,
    Serial,
}

/// One unit of measure expressed in base units (`box` = 12 `each`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UomConversion {
    pub uom: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "12"))]
    pub factor: Decimal,
}

/// Who a product is bought from and on what terms.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SupplierInfo {
    pub supplier_name: Option<String>,
    pub lead_time_days: Option<u32>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub min_order_qty: Option<Decimal>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub pack_size: Option<Decimal>,
}

/// Barcode symbologies a product or its packaging can carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Symbology {
    Ean13,
    UpcA,
    Ean8,
    Gtin14,
    Code128,
    Gs1_128,
    Qr,
    DataMatrix,
}

/// A barcode on a product or its packaging.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Barcode {
    pub id: Uuid,
    pub product_id: Uuid,
    pub symbology: Symbology,
    pub code: String,
    /// Base units one scan stands for.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub qty: Decimal,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BarcodeForCreate {
    pub symbology: Symbology,
    pub code: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub qty: Option<Decimal>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Product {
    pub id: Uuid,
    pub sku: String,
    pub name: String,
    pub product_type: ProductType,
    pub base_uom: String,
    pub uom_conversions: Vec<UomConversion>,
    pub tracking: Tracking,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub cost: Decimal,
    /// Sales price per ISO 4217 currency code.
    #[cfg_attr(feature = "openapi", schema(value_type = BTreeMap<String, String>))]
    pub prices: BTreeMap<String, Decimal>,
    pub supplier_info: SupplierInfo,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub properties: serde_json::Value,
    pub image_ref: Option<String>,
    pub archived: bool,
    pub barcodes: Vec<Barcode>,
    /// The template this product is a variant of.
    #[serde(default)]
    pub variant_of: Option<Uuid>,
    /// A variant's attribute values, e.g. `{"size": "M", "colour": "red"}`.
    #[serde(default)]
    pub variant_values: BTreeMap<String, String>,
    /// A template's attributes and their possible values; a template holds no
    /// stock, its variants do.
    #[serde(default)]
    pub variant_attributes: Vec<VariantAttribute>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One attribute of a template product (size, colour, …) and its values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct VariantAttribute {
    pub name: String,
    pub values: Vec<String>,
}

/// A variant to create under a template.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct VariantForCreate {
    /// One value for every attribute of the template.
    pub values: BTreeMap<String, String>,
    /// Defaults to the template's SKU and the values joined by `-`, e.g. `TEE-M-RED`.
    pub sku: Option<String>,
    /// Defaults to the template's name and the values, e.g. `T-shirt (M, red)`.
    pub name: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub cost: Option<Decimal>,
    #[serde(default)]
    pub barcodes: Vec<BarcodeForCreate>,
}

/// What generating a template's variants did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VariantsGenerated {
    /// Variants created now, in attribute order.
    pub created: Vec<Product>,
    /// Combinations that already had a variant.
    pub existing: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ProductForCreate {
    pub sku: String,
    pub name: String,
    pub product_type: Option<ProductType>,
    pub base_uom: Option<String>,
    #[serde(default)]
    pub uom_conversions: Vec<UomConversion>,
    pub tracking: Option<Tracking>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub cost: Option<Decimal>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = BTreeMap<String, String>))]
    pub prices: BTreeMap<String, Decimal>,
    pub supplier_info: Option<SupplierInfo>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub properties: Option<serde_json::Value>,
    pub image_ref: Option<String>,
    #[serde(default)]
    pub barcodes: Vec<BarcodeForCreate>,
    /// Makes the product a template with these attributes (see [`VariantAttribute`]).
    #[serde(default)]
    pub variant_attributes: Vec<VariantAttribute>,
}

/// Fields to change; absent fields stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ProductForUpdate {
    pub name: Option<String>,
    pub product_type: Option<ProductType>,
    pub uom_conversions: Option<Vec<UomConversion>>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub cost: Option<Decimal>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<BTreeMap<String, String>>))]
    pub prices: Option<BTreeMap<String, Decimal>>,
    pub supplier_info: Option<SupplierInfo>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub properties: Option<serde_json::Value>,
    pub image_ref: Option<String>,
    pub archived: Option<bool>,
    /// A template's attributes; values may be added, not removed while a variant uses them.
    pub variant_attributes: Option<Vec<VariantAttribute>>,
}

/// Location kinds: the physical tree and the per-tenant virtual ends of moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LocationKind {
    Warehouse,
    Zone,
    Bin,
    Supplier,
    Customer,
    InventoryLoss,
    Transit,
}

impl LocationKind {
    /// Physical locations hold real stock; virtual ones are the other ends of moves.
    pub fn is_internal(self) -> bool {
        matches!(self, Self::Warehouse | Self::Zone | Self::Bin)
    }
}

/// What happens when a move would take a location below zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum NegativeStockPolicy {
    Forbid,
    Allow,
    /// Allowed, and the move answers with `negative_stock_alert: true`.
    AllowWithAlert,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Location {
    pub id: Uuid,
    pub parent_id: Option<Uuid>,
    pub warehouse_id: Option<Uuid>,
    pub kind: LocationKind,
    pub code: String,
    pub name: String,
    /// Codes from the warehouse down joined with `/`; sorts in walking order.
    pub path: String,
    pub barcode: Option<String>,
    /// Warehouses only; `None` falls back to the tenant setting.
    pub negative_stock_policy: Option<NegativeStockPolicy>,
    pub archived: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LocationForCreate {
    /// `warehouse` (no parent), `zone` or `bin` (with a parent).
    pub kind: LocationKind,
    pub parent_id: Option<Uuid>,
    pub code: String,
    pub name: String,
    pub barcode: Option<String>,
    pub negative_stock_policy: Option<NegativeStockPolicy>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LocationForUpdate {
    pub name: Option<String>,
    pub barcode: Option<String>,
    pub negative_stock_policy: Option<NegativeStockPolicy>,
    pub archived: Option<bool>,
}

/// Inventory valuation methods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ValuationMethod {
    Fifo,
    Lifo,
    /// Weighted average cost, recomputed on every receipt (perpetual).
    Wac,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ValuationMethodChange {
    pub method: ValuationMethod,
    pub effective_from: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InventorySettings {
    pub negative_stock_policy: NegativeStockPolicy,
    /// The method in force now.
    pub valuation_method: ValuationMethod,
    /// Every change, oldest first.
    pub valuation_history: Vec<ValuationMethodChange>,
    /// Percent of a purchase order line's quantity that may be received on top
    /// of it (0 = never more than ordered).
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub over_receipt_tolerance_pct: Decimal,
    /// Percent of a line's quantity that may stay undelivered with the line
    /// still counting as complete (0 = every unit must arrive).
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub under_receipt_tolerance_pct: Decimal,
    /// JSON Schema that every product's `properties` must satisfy when written.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub product_properties_schema: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct InventorySettingsForUpdate {
    pub negative_stock_policy: Option<NegativeStockPolicy>,
    pub valuation_method: Option<ValuationMethod>,
    /// When the new method applies; defaults to now, may not be in the past.
    pub valuation_effective_from: Option<DateTime<Utc>>,
    /// 0–100.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub over_receipt_tolerance_pct: Option<Decimal>,
    /// 0 up to (not including) 100.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub under_receipt_tolerance_pct: Option<Decimal>,
    /// A JSON Schema of `"type": "object"`; `{"type": "object"}` accepts any properties.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub product_properties_schema: Option<serde_json::Value>,
}

/// A ledger row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StockMove {
    pub id: Uuid,
    pub seq: i64,
    pub product_id: Uuid,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub qty: Decimal,
    pub from_location_id: Uuid,
    pub to_location_id: Uuid,
    pub lot_id: Option<Uuid>,
    pub lot_code: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub unit_cost: Option<Decimal>,
    /// Value added (receipt) or cost of goods (issue); 0 for internal moves.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub value: Decimal,
    pub valuation_method: Option<ValuationMethod>,
    pub reason: String,
    pub reference: Option<String>,
    pub user_id: Option<Uuid>,
    pub device_id: Option<String>,
    pub client_op_id: Option<String>,
    /// The source location went below zero under `allow_with_alert`.
    pub negative_stock_alert: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StockMoveForCreate {
    pub product_id: Uuid,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "5"))]
    pub qty: Decimal,
    /// Unit of `qty`; defaults to the product's base unit.
    pub uom: Option<String>,
    pub from_location_id: Uuid,
    pub to_location_id: Uuid,
    /// Lot or serial code; created on receipt if new.
    pub lot: Option<String>,
    pub lot_expiry: Option<NaiveDate>,
    /// Receipt cost per base unit; defaults to the product cost.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub unit_cost: Option<Decimal>,
    pub reason: Option<String>,
    pub reference: Option<String>,
    pub device_id: Option<String>,
    pub client_op_id: Option<String>,
}

/// On-hand at one (product, location, lot).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Quant {
    pub product_id: Uuid,
    pub location_id: Uuid,
    pub location_path: String,
    pub lot_id: Option<Uuid>,
    pub lot_code: Option<String>,
    pub lot_expiry: Option<NaiveDate>,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub qty: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub reserved: Decimal,
    /// `qty − reserved`.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub available: Decimal,
}

/// A quant whose stored quantity differs from the ledger's sum.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuantDrift {
    pub product_id: Uuid,
    pub location_id: Uuid,
    pub lot_id: Option<Uuid>,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub stored: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub ledger: Decimal,
}

/// The ledger check: quants against the ledger, valuation against its layers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LedgerCheck {
    pub moves: i64,
    pub quants_checked: i64,
    pub drift: Vec<QuantDrift>,
    /// Rebuilt quants from the ledger (only when asked with `rebuild=true`).
    pub rebuilt: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StockValueLine {
    pub product_id: Uuid,
    pub sku: String,
    pub warehouse_id: Option<Uuid>,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub qty: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub value: Decimal,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StockValueReport {
    pub as_of: DateTime<Utc>,
    pub lines: Vec<StockValueLine>,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub total_value: Decimal,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Reservation {
    pub id: Uuid,
    pub product_id: Uuid,
    pub location_id: Uuid,
    pub lot_id: Option<Uuid>,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub qty: Decimal,
    pub reference: String,
    pub released: bool,
}

/// Reserve at a given location/lot, or let the server pick (FEFO, then FIFO).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReservationForCreate {
    pub product_id: Uuid,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub qty: Decimal,
    /// The order line this is for.
    pub reference: String,
    pub location_id: Option<Uuid>,
    pub lot_id: Option<Uuid>,
    /// Restricts automatic picking to one warehouse.
    pub warehouse_id: Option<Uuid>,
}

/// What a scanned code is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ScanResult {
    Product {
        product: Box<Product>,
        /// Base units the scanned barcode stands for (times a GS1 count if present).
        #[cfg_attr(feature = "openapi", schema(value_type = String))]
        qty: Decimal,
        lot: Option<String>,
        serial: Option<String>,
        expiry: Option<NaiveDate>,
        gs1: Option<Box<Gs1Data>>,
    },
    Location {
        location: Location,
    },
}

/// How a CSV import treats rows that fail.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ImportMode {
    /// Nothing is imported if any row fails (the default).
    #[default]
    All,
    /// Good rows are imported; failed rows are reported and skipped.
    Partial,
}

/// One failed row of a CSV import (`row` counts from 1 at the first data line).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportRowError {
    pub row: u64,
    pub field: String,
    pub message: String,
}

/// What a CSV import did, row by row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportReport {
    pub mode: ImportMode,
    pub rows: u64,
    pub imported: u64,
    pub failed: u64,
    /// False when nothing was written (`all` mode with failed rows).
    pub committed: bool,
    pub errors: Vec<ImportRowError>,
}

/// A product's default bin in the bin's warehouse.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PutawayRuleForSet {
    pub product_id: Uuid,
    /// A bin (or zone) of a warehouse.
    pub location_id: Uuid,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PutawayRule {
    pub product_id: Uuid,
    pub warehouse_id: Uuid,
    pub location_id: Uuid,
    pub path: String,
}

/// Why a place is suggested for put-away.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PutawayReason {
    /// The product's default bin in this warehouse.
    DefaultBin,
    /// A bin that already holds the product (most first).
    HoldsProduct,
    /// An empty bin of the receiving zone (or warehouse), in walking order.
    EmptyBin,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PutawaySuggestion {
    pub location_id: Uuid,
    pub path: String,
    pub reason: PutawayReason,
    /// What the product has there now.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub on_hand: Decimal,
}

/// Places to put a received product, best first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PutawaySuggestions {
    pub product_id: Uuid,
    pub warehouse_id: Uuid,
    pub items: Vec<PutawaySuggestion>,
}
