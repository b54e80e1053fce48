//! A small, fixed warehouse: the data the desktop demo mode starts with and the data
//! the tests and the scan benchmark resolve codes against.
//!
//! Ids are fixed (not random) so screenshots, tests and benchmark frames agree.

use super::ops::{Change, PullPage};
use super::refdata::{
    quant_key, CountMode, CountSessionRef, PickLineRef, PickListRef, PurchaseOrderLineRef,
    PurchaseOrderRef,
};
use chrono::{TimeZone, Utc};
use rust_decimal::Decimal;
use shared_types::inventory::{
    Barcode, Location, LocationKind, Product, ProductType, Quant, SupplierInfo, Symbology, Tracking,
};
use std::collections::BTreeMap;
use uuid::Uuid;

/// EAN-13 printed on the widget.
pub const EAN_WIDGET: &str = "4006381333931";
/// The gadget's GTIN-14 (a case of 6): found in GS1-128 / GS1 DataMatrix labels.
pub const GTIN_GADGET_CASE: &str = "14012345000013";
/// The bolt has no GTIN: its Code 128 label carries the SKU.
pub const SKU_BOLT: &str = "BOLT-M8-40";
pub const BIN_A01: &str = "WH1/A/A-01";
pub const BIN_A02: &str = "WH1/A/A-02";
pub const BIN_B01: &str = "WH1/B/B-01";
pub const COUNT_CODE: &str = "CNT-0001";
pub const PICK_CODE: &str = "PICK-0001";
pub const PO_NUMBER: &str = "PO-1001";

fn id(n: u128) -> Uuid {
    Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 | n)
}

fn dec(n: i64) -> Decimal {
    Decimal::from(n)
}

/// The demo warehouse's rows.
#[derive(Debug, Clone)]
pub struct Warehouse {
    pub warehouse: Location,
    pub bins: Vec<Location>,
    pub widget: Product,
    pub gadget: Product,
    pub bolt: Product,
    pub quants: Vec<Quant>,
    pub count: CountSessionRef,
    pub pick: PickListRef,
    pub po: PurchaseOrderRef,
}

fn product(n: u128, sku: &str, name: &str, barcodes: &[(Symbology, &str, i64)]) -> Product {
    let pid = id(n);
    let at = Utc
        .with_ymd_and_hms(2026, 11, 1, 8, 0, 0)
        .single()
        .unwrap_or_default();
    Product {
        id: pid,
        sku: sku.to_owned(),
        name: name.to_owned(),
        product_type: ProductType::Stocked,
        base_uom: "each".to_owned(),
        uom_conversions: Vec::new(),
        tracking: Tracking::None,
        cost: dec(2),
        prices: BTreeMap::new(),
        supplier_info: SupplierInfo::default(),
        properties: serde_json::json!({}),
        image_ref: None,
        archived: false,
        variant_of: None,
        variant_values: BTreeMap::new(),
        variant_attributes: Vec::new(),
        barcodes: barcodes
            .iter()
            .enumerate()
            .map(|(i, (symbology, code, qty))| Barcode {
                id: id(n * 100 + i as u128),
                product_id: pid,
                symbology: *symbology,
                code: (*code).to_owned(),
                qty: dec(*qty),
            })
            .collect(),
        created_at: at,
        updated_at: at,
    }
}

fn location(n: u128, parent: Option<&Location>, kind: LocationKind, code: &str) -> Location {
    let path = match parent {
        Some(p) => format!("{}/{code}", p.path),
        None => code.to_owned(),
    };
    Location {
        id: id(n),
        parent_id: parent.map(|p| p.id),
        warehouse_id: parent.and_then(|p| p.warehouse_id.or(Some(p.id))),
        kind,
        code: code.to_owned(),
        name: code.to_owned(),
        path,
        barcode: None,
        negative_stock_policy: None,
        archived: false,
    }
}

fn quant(p: &Product, l: &Location, qty: i64) -> Quant {
    Quant {
        product_id: p.id,
        location_id: l.id,
        location_path: l.path.clone(),
        lot_id: None,
        lot_code: None,
        lot_expiry: None,
        qty: dec(qty),
        reserved: Decimal::ZERO,
        available: dec(qty),
    }
}

impl Default for Warehouse {
    fn default() -> Self {
        Self::new()
    }
}

impl Warehouse {
    pub fn new() -> Self {
        let warehouse = location(1, None, LocationKind::Warehouse, "WH1");
        let zone_a = location(2, Some(&warehouse), LocationKind::Zone, "A");
        let zone_b = location(3, Some(&warehouse), LocationKind::Zone, "B");
        let a01 = location(4, Some(&zone_a), LocationKind::Bin, "A-01");
        let a02 = location(5, Some(&zone_a), LocationKind::Bin, "A-02");
        let b01 = location(6, Some(&zone_b), LocationKind::Bin, "B-01");
        let widget = product(10, "WID-1", "Widget", &[(Symbology::Ean13, EAN_WIDGET, 1)]);
        let gadget = product(
            11,
            "GAD-6",
            "Gadget",
            &[(Symbology::Gtin14, GTIN_GADGET_CASE, 6)],
        );
        let bolt = product(12, SKU_BOLT, "Bolt M8×40", &[]);
        let quants = vec![
            quant(&widget, &a01, 40),
            quant(&widget, &b01, 5),
            quant(&gadget, &a02, 12),
            quant(&bolt, &a01, 300),
        ];
        let count = CountSessionRef {
            id: id(20),
            name: "Cycle count zone A".to_owned(),
            blind: false,
            mode: CountMode::Sum,
            location_ids: vec![a01.id, a02.id],
            code: Some(COUNT_CODE.to_owned()),
            server_seq: Some(1),
            kind: None,
        };
        let pick = PickListRef {
            id: id(30),
            name: "Wave 1 / order 5001".to_owned(),
            code: Some(PICK_CODE.to_owned()),
            // Deliberately not in walking order: the app sorts by location path.
            lines: vec![
                PickLineRef {
                    id: id(31),
                    location_id: b01.id,
                    location_path: b01.path.clone(),
                    product_id: widget.id,
                    qty: dec(2),
                    lot: None,
                },
                PickLineRef {
                    id: id(32),
                    location_id: a01.id,
                    location_path: a01.path.clone(),
                    product_id: bolt.id,
                    qty: dec(20),
                    lot: None,
                },
            ],
            status: None,
        };
        let po = PurchaseOrderRef {
            id: id(40),
            number: PO_NUMBER.to_owned(),
            supplier: Some("Acme Hardware".to_owned()),
            receive_location_id: Some(a02.id),
            lines: vec![PurchaseOrderLineRef {
                id: id(41),
                product_id: gadget.id,
                qty_ordered: dec(24),
                qty_received: Decimal::ZERO,
            }],
        };
        let mut bins = vec![zone_a, zone_b, a01, a02, b01];
        for b in &mut bins {
            b.barcode = Some(b.path.clone());
        }
        Warehouse {
            warehouse,
            bins,
            widget,
            gadget,
            bolt,
            quants,
            count,
            pick,
            po,
        }
    }

    /// A location by its path.
    pub fn bin(&self, path: &str) -> &Location {
        self.bins
            .iter()
            .find(|b| b.path == path)
            .unwrap_or(&self.warehouse)
    }

    /// Everything as one pull page, the way a first sync delivers it.
    pub fn pull_page(&self, cursor: &str) -> PullPage {
        let row = |entity: &str, id: String, v: serde_json::Value| Change {
            entity: entity.to_owned(),
            id,
            data: Some(v),
        };
        let json = |v: &dyn erased::Json| v.to_json();
        let mut changes = vec![row(
            "location",
            self.warehouse.id.to_string(),
            json(&self.warehouse),
        )];
        for b in &self.bins {
            changes.push(row("location", b.id.to_string(), json(b)));
        }
        for p in [&self.widget, &self.gadget, &self.bolt] {
            changes.push(row("product", p.id.to_string(), json(p)));
        }
        for q in &self.quants {
            changes.push(row("quant", quant_key(q), json(q)));
        }
        changes.push(row(
            "count_session",
            self.count.id.to_string(),
            json(&self.count),
        ));
        changes.push(row("pick_list", self.pick.id.to_string(), json(&self.pick)));
        changes.push(row(
            "purchase_order",
            self.po.id.to_string(),
            json(&self.po),
        ));
        PullPage {
            changes,
            cursor: cursor.to_owned(),
            has_more: false,
        }
    }
}

mod erased {
    pub trait Json {
        fn to_json(&self) -> serde_json::Value;
    }
    impl<T: serde::Serialize> Json for T {
        fn to_json(&self) -> serde_json::Value {
            serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
        }
    }
}
