//! Purchasing wire types: suppliers and their terms per product, exchange
//! rates, purchase orders and receipts, reorder rules and explained reorder
//! suggestions. Quantities and money are `Decimal` (sent as strings).

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Supplier {
    pub id: Uuid,
    pub name: String,
    pub email: Option<String>,
    /// The currency the supplier invoices in (ISO 4217).
    pub currency: String,
    pub lead_time_days: i32,
    pub archived: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SupplierForCreate {
    pub name: String,
    pub email: Option<String>,
    pub currency: String,
    /// Days from order to delivery; defaults to 7.
    pub lead_time_days: Option<i32>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SupplierForUpdate {
    pub name: Option<String>,
    pub email: Option<String>,
    pub currency: Option<String>,
    pub lead_time_days: Option<i32>,
    pub archived: Option<bool>,
}

/// The terms a supplier sells a product on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProductSupplier {
    pub id: Uuid,
    pub product_id: Uuid,
    pub supplier_id: Uuid,
    pub supplier_name: String,
    pub supplier_sku: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub unit_price: Decimal,
    pub currency: String,
    /// This product's lead time, or the supplier's when not set here.
    pub lead_time_days: i32,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub min_order_qty: Decimal,
    /// Orders are rounded up to a multiple of this.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub pack_size: Decimal,
    /// Lower is preferred.
    pub priority: i32,
}

/// Creates or replaces the terms for (product, supplier).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ProductSupplierForSet {
    pub product_id: Uuid,
    pub supplier_sku: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub unit_price: Decimal,
    /// Defaults to the supplier's currency.
    pub currency: Option<String>,
    pub lead_time_days: Option<i32>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub min_order_qty: Option<Decimal>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub pack_size: Option<Decimal>,
    pub priority: Option<i32>,
}

/// Units of the tenant's base currency one unit of `currency` is worth, from
/// `valid_from` until the next rate for that currency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExchangeRate {
    pub id: Uuid,
    pub currency: String,
    pub base_currency: String,
    pub valid_from: NaiveDate,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "0.92"))]
    pub rate: Decimal,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ExchangeRateForSet {
    pub currency: String,
    pub valid_from: NaiveDate,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "0.92"))]
    pub rate: Decimal,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PurchaseOrderStatus {
    Draft,
    Confirmed,
    PartiallyReceived,
    Received,
    Cancelled,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PurchaseOrderLine {
    pub id: Uuid,
    pub line_no: i32,
    pub product_id: Uuid,
    pub sku: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub qty: Decimal,
    /// In the order's currency, per base unit.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub unit_price: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub received_qty: Decimal,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PurchaseOrder {
    pub id: Uuid,
    /// Per-tenant running number, shown as `PO-000042`.
    pub number: i64,
    pub reference: String,
    pub supplier_id: Uuid,
    pub supplier_name: String,
    /// Where receipts go unless a receipt names another location.
    pub location_id: Uuid,
    pub status: PurchaseOrderStatus,
    pub currency: String,
    pub expected_date: Option<NaiveDate>,
    pub notes: Option<String>,
    /// `manual`, `reorder`, `import` or `demo`.
    pub source: String,
    pub lines: Vec<PurchaseOrderLine>,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub total: Decimal,
    pub confirmed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PurchaseOrderLineForCreate {
    pub product_id: Uuid,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub qty: Decimal,
    /// Defaults to the supplier's price for the product.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub unit_price: Option<Decimal>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PurchaseOrderForCreate {
    pub supplier_id: Uuid,
    pub location_id: Uuid,
    /// Defaults to the supplier's currency.
    pub currency: Option<String>,
    pub expected_date: Option<NaiveDate>,
    pub notes: Option<String>,
    pub lines: Vec<PurchaseOrderLineForCreate>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReceiptLineForCreate {
    pub line_id: Uuid,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub qty: Decimal,
    pub lot: Option<String>,
    pub lot_expiry: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReceiptForCreate {
    /// Date of the exchange rate used; defaults to today (UTC).
    pub received_on: Option<NaiveDate>,
    /// Defaults to the order's location.
    pub location_id: Option<Uuid>,
    pub lines: Vec<ReceiptLineForCreate>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReceiptLine {
    pub line_id: Uuid,
    pub product_id: Uuid,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub qty: Decimal,
    /// In the order's currency.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub unit_price: Decimal,
    /// `unit_price × rate`, in the tenant's base currency: the valuation layer's cost.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub unit_cost: Decimal,
    pub move_id: Uuid,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Receipt {
    pub id: Uuid,
    pub purchase_order_id: Uuid,
    pub received_on: NaiveDate,
    pub location_id: Uuid,
    pub currency: String,
    pub base_currency: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub rate: Decimal,
    pub lines: Vec<ReceiptLine>,
    /// The order's status after this receipt.
    pub status: PurchaseOrderStatus,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReorderMethod {
    /// Reorder at `min_qty`, order up to `max_qty`.
    MinMax,
    /// Reorder point = average daily demand × lead time + safety stock.
    Demand,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReorderRule {
    pub id: Uuid,
    pub product_id: Uuid,
    pub warehouse_id: Uuid,
    pub method: ReorderMethod,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub min_qty: Option<Decimal>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub max_qty: Option<Decimal>,
    pub demand_window_days: i32,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub service_level: Decimal,
    pub cover_days: i32,
    /// Buy from this supplier; defaults to the product's preferred supplier.
    pub supplier_id: Option<Uuid>,
    pub active: bool,
    /// Whether the product was at or below its reorder point when last evaluated.
    pub below_point: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReorderRuleForSet {
    pub product_id: Uuid,
    pub warehouse_id: Uuid,
    pub method: ReorderMethod,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub min_qty: Option<Decimal>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub max_qty: Option<Decimal>,
    /// Days of history the demand is measured over (7–730, default 90).
    pub demand_window_days: Option<i32>,
    /// Probability of not running out during the lead time (0.5–1, default 0.95).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub service_level: Option<Decimal>,
    /// Days of average demand ordered on top of the reorder point (default 30).
    pub cover_days: Option<i32>,
    pub supplier_id: Option<Uuid>,
    pub active: Option<bool>,
}

/// Demand measured over a window of whole days ending yesterday (UTC).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DemandEvidence {
    pub window_days: i32,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Base units that left the warehouse to customers in the window.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub total: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub avg_daily: Decimal,
    /// Sample standard deviation of the daily totals (days without demand count as 0).
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub std_dev_daily: Decimal,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SuggestionSupplier {
    pub id: Uuid,
    pub name: String,
    pub currency: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub unit_price: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub min_order_qty: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub pack_size: Decimal,
}

/// What to buy and why: every number the quantity comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReorderSuggestion {
    pub rule_id: Uuid,
    pub product_id: Uuid,
    pub sku: String,
    pub product_name: String,
    pub warehouse_id: Uuid,
    pub method: ReorderMethod,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub on_hand: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub reserved: Decimal,
    /// Still to come on confirmed and partially received purchase orders.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub incoming: Decimal,
    /// `on_hand − reserved + incoming`.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub position: Decimal,
    pub demand: Option<DemandEvidence>,
    pub lead_time_days: i32,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub service_level: Option<Decimal>,
    /// The standard normal quantile of the service level.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub z: Option<Decimal>,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub safety_stock: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub reorder_point: Decimal,
    /// The level an order brings the position up to.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub target_level: Decimal,
    /// What to order (0 when the position is above the reorder point).
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub suggested_qty: Decimal,
    /// The computation with the numbers substituted.
    pub formula: String,
    pub supplier: Option<SuggestionSupplier>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SuggestionApproval {
    pub rule_id: Uuid,
    /// Overrides the suggested quantity.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub qty: Option<Decimal>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SuggestionsApprove {
    pub items: Vec<SuggestionApproval>,
}
