//! Reference data the phone caches from sync pulls, so every scan resolves offline.
//!
//! Products and locations are the inventory wire types from `shared-types`. Count
//! sessions, pick lists and purchase orders are read tolerantly (unknown fields ignored)
//! in the shape the phone needs.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use shared_types::inventory::{Location, Product, Quant};
use uuid::Uuid;

/// Which table of the cache a row belongs to; the `entity` name used on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefKind {
    Product,
    Location,
    Quant,
    CountSession,
    PickList,
    PurchaseOrder,
    /// A product barcode as the server sends it (`{id, product_id, code, qty}`); indexed
    /// as a code of its product.
    Barcode,
    /// A pick line as the server sends it; merged into its pick list's `lines`.
    PickLine,
}

impl RefKind {
    pub const ALL: [RefKind; 8] = [
        RefKind::Product,
        RefKind::Location,
        RefKind::Quant,
        RefKind::CountSession,
        RefKind::PickList,
        RefKind::PurchaseOrder,
        RefKind::Barcode,
        RefKind::PickLine,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RefKind::Product => "product",
            RefKind::Location => "location",
            RefKind::Quant => "quant",
            RefKind::CountSession => "count_session",
            RefKind::PickList => "pick_list",
            RefKind::PurchaseOrder => "purchase_order",
            RefKind::Barcode => "barcode",
            RefKind::PickLine => "pick_line",
        }
    }

    pub fn parse(s: &str) -> Option<RefKind> {
        RefKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A quant's cache key: one row per (product, location, lot).
pub fn quant_key(q: &Quant) -> String {
    format!(
        "{}:{}:{}",
        q.product_id,
        q.location_id,
        q.lot_id.map(|l| l.to_string()).unwrap_or_default()
    )
}

/// How counters of the same bin are combined (a session setting).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CountMode {
    /// Zones split between counters: their lines add up.
    #[default]
    Sum,
    /// Double-blind: counts are compared, differences go to review.
    Compare,
}

/// An open count session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CountSessionRef {
    pub id: Uuid,
    pub name: String,
    /// Counters do not see the expected quantity.
    #[serde(default)]
    pub blind: bool,
    #[serde(default)]
    pub mode: CountMode,
    /// Locations to count; empty means "any location of the warehouse".
    #[serde(default)]
    pub location_ids: Vec<Uuid>,
    /// Scanning this code opens the session (printed on the count sheet).
    #[serde(default)]
    pub code: Option<String>,
    /// The server sequence of the snapshot the phone holds (sent with each line).
    #[serde(default)]
    pub server_seq: Option<i64>,
    /// `full`, `spot` or `cycle` for sessions pulled from the server (shown translated
    /// before the name).
    #[serde(default)]
    pub kind: Option<String>,
}

/// One line of a pick list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PickLineRef {
    pub id: Uuid,
    pub location_id: Uuid,
    /// Location path; the walk order.
    pub location_path: String,
    pub product_id: Uuid,
    pub qty: Decimal,
    #[serde(default)]
    pub lot: Option<String>,
}

/// A pick list (a wave's share for one picker).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PickListRef {
    pub id: Uuid,
    pub name: String,
    #[serde(default)]
    pub code: Option<String>,
    /// Open lines. For lists pulled from the server the store fills this from the
    /// pulled `pick_line` rows (see [`PickListRef::status`]).
    #[serde(default)]
    pub lines: Vec<PickLineRef>,
    /// Set on lists pulled from the server (`open`): their lines arrive separately.
    #[serde(default)]
    pub status: Option<String>,
}

impl PickListRef {
    /// Lines in walking order (location path, then line id for a stable order).
    pub fn walk_order(&self) -> Vec<PickLineRef> {
        let mut lines = self.lines.clone();
        lines.sort_by(|a, b| a.location_path.cmp(&b.location_path).then(a.id.cmp(&b.id)));
        lines
    }
}

/// One line of a purchase order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PurchaseOrderLineRef {
    pub id: Uuid,
    pub product_id: Uuid,
    pub qty_ordered: Decimal,
    #[serde(default)]
    pub qty_received: Decimal,
}

/// An open purchase order to receive against.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PurchaseOrderRef {
    pub id: Uuid,
    pub number: String,
    #[serde(default)]
    pub supplier: Option<String>,
    /// Default receiving location.
    #[serde(default)]
    pub receive_location_id: Option<Uuid>,
    pub lines: Vec<PurchaseOrderLineRef>,
}

/// Rows the store knows how to index for scan lookup.
pub trait Cached: serde::de::DeserializeOwned + Serialize {
    const KIND: RefKind;
    fn key(&self) -> String;
}

impl Cached for Product {
    const KIND: RefKind = RefKind::Product;
    fn key(&self) -> String {
        self.id.to_string()
    }
}

impl Cached for Location {
    const KIND: RefKind = RefKind::Location;
    fn key(&self) -> String {
        self.id.to_string()
    }
}

impl Cached for Quant {
    const KIND: RefKind = RefKind::Quant;
    fn key(&self) -> String {
        quant_key(self)
    }
}

impl Cached for CountSessionRef {
    const KIND: RefKind = RefKind::CountSession;
    fn key(&self) -> String {
        self.id.to_string()
    }
}

impl Cached for PickListRef {
    const KIND: RefKind = RefKind::PickList;
    fn key(&self) -> String {
        self.id.to_string()
    }
}

impl Cached for PurchaseOrderRef {
    const KIND: RefKind = RefKind::PurchaseOrder;
    fn key(&self) -> String {
        self.id.to_string()
    }
}
