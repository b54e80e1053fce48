//! Translation between the phone's op log and the server's sync protocol
//! (`shared_types::sync`): the op log keeps the phone's own payloads; what goes over the
//! wire is exactly the protocol's types, so a protocol change fails to compile here.

use crate::core::ops::{Change, NewOp, Op, OpOutcome, PullPage, PushResponse, PushResult};
use crate::core::refdata::{PurchaseOrderLineRef, PurchaseOrderRef, RefKind};
use rust_decimal::Decimal;
use serde_json::{json, Value};
use shared_types::purchasing::{PurchaseOrder, PurchaseOrderStatus};
use shared_types::sync::{
    CountLineOp, OpKind, OpStatus, PickConfirmOp, ReceiptLineOp, StockMoveOp, SyncEntity, SyncOp,
    SyncPull, SyncPushResult,
};

/// Why an op cannot be expressed in the protocol (answered locally as a rejection).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Untranslatable {
    pub code: &'static str,
    pub message: String,
}

/// One logged op as the protocol's `SyncOp`.
pub fn to_sync_op(op: &Op) -> Result<SyncOp, Untranslatable> {
    let action = NewOp::from_parts(op.kind, &op.payload).map_err(|e| Untranslatable {
        code: "unreadable_op",
        message: e.to_string(),
    })?;
    let json = |v: serde_json::Result<serde_json::Value>| {
        v.map_err(|e| Untranslatable {
            code: "unreadable_op",
            message: e.to_string(),
        })
    };
    let (kind, payload) = match action {
        NewOp::StockMove(m) => (
            OpKind::StockMove,
            json(serde_json::to_value(StockMoveOp {
                product_id: m.product_id,
                qty: m.qty,
                uom: None,
                from_location_id: m.from_location_id,
                to_location_id: m.to_location_id,
                lot: m.lot,
                lot_expiry: None,
                unit_cost: None,
                reason: None,
                reference: None,
            }))?,
        ),
        NewOp::ReceiptLine(r) => (
            OpKind::ReceiptLine,
            json(serde_json::to_value(ReceiptLineOp {
                purchase_order_id: r.purchase_order_id,
                line_id: r.line_id,
                product_id: r.product_id,
                qty: r.qty,
                location_id: Some(r.to_location_id),
                lot: r.lot,
                lot_expiry: r.expiry,
            }))?,
        ),
        NewOp::CountLine(c) => (
            OpKind::CountLine,
            json(serde_json::to_value(CountLineOp {
                session_id: c.session_id,
                location_id: c.location_id,
                product_id: c.product_id,
                lot: c.lot,
                counted_qty: c.counted_qty,
                based_on_server_seq: c.based_on_server_seq.unwrap_or(0),
                counted_at: op.created_at,
            }))?,
        ),
        NewOp::PickConfirm(p) => (
            OpKind::PickConfirm,
            json(serde_json::to_value(PickConfirmOp {
                pick_line_id: p.line_id,
                location_id: p.location_id,
                product_id: p.product_id,
                lot: p.lot,
                picked_qty: p.qty,
                short_reason: p.short_reason,
            }))?,
        ),
    };
    Ok(SyncOp {
        op_id: op.op_id,
        device_id: op.device_id,
        device_seq: op.device_seq,
        kind,
        payload,
        created_at: op.created_at,
    })
}

/// The server's push answer in the engine's terms.
pub fn from_push_result(result: SyncPushResult) -> PushResponse {
    PushResponse {
        results: result
            .results
            .into_iter()
            .map(|r| PushResult {
                op_id: r.op_id,
                outcome: match r.status {
                    OpStatus::Applied => OpOutcome::Applied,
                    OpStatus::Duplicate => OpOutcome::Duplicate,
                    OpStatus::Rejected => OpOutcome::Rejected {
                        code: r.code.unwrap_or_else(|| "rejected".into()),
                        message: r.message.unwrap_or_default(),
                    },
                },
            })
            .collect(),
    }
}

/// A pulled page in the store's terms: each row is turned into the shape the phone
/// caches (the server sends table rows, with quantities as JSON numbers). Lots and tasks
/// are not cached; closed count sessions and done pick lists are dropped.
pub fn from_pull(pull: SyncPull) -> PullPage {
    let changes = pull
        .changes
        .into_iter()
        .filter_map(|c| {
            let entity = match c.entity {
                SyncEntity::Product => RefKind::Product,
                SyncEntity::Barcode => RefKind::Barcode,
                SyncEntity::Location => RefKind::Location,
                SyncEntity::Quant => RefKind::Quant,
                SyncEntity::CountSession => RefKind::CountSession,
                SyncEntity::PickList => RefKind::PickList,
                SyncEntity::PickLine => RefKind::PickLine,
                SyncEntity::Lot | SyncEntity::Task => return None,
            };
            let data = if c.deleted {
                None
            } else {
                c.data.and_then(|row| cached_shape(entity, row))
            };
            Some(Change {
                entity: entity.as_str().to_owned(),
                id: c.id.to_string(),
                data,
            })
        })
        .collect();
    PullPage {
        changes,
        cursor: pull.cursor,
        has_more: pull.has_more,
    }
}

/// JSON numbers at these keys become decimal strings (the phone's `Decimal`s read text).
fn decimals(row: &mut Value, keys: &[&str]) {
    for key in keys {
        if let Some(v) = row.get_mut(*key) {
            if let Value::Number(n) = v {
                *v = Value::String(n.to_string());
            }
        }
    }
}

fn decimal(row: &Value, key: &str) -> Decimal {
    match row.get(key) {
        Some(Value::Number(n)) => n.to_string().parse().unwrap_or_default(),
        Some(Value::String(s)) => s.parse().unwrap_or_default(),
        _ => Decimal::ZERO,
    }
}

/// A server row as the phone caches it; `None` when the row means "not for the phone any
/// more" (a closed session, a finished list), which the store treats as a deletion.
fn cached_shape(entity: RefKind, mut row: Value) -> Option<Value> {
    match entity {
        RefKind::Product => {
            decimals(&mut row, &["cost"]);
            if let Some(Value::Object(prices)) = row.get_mut("prices") {
                for v in prices.values_mut() {
                    if let Value::Number(n) = v {
                        *v = Value::String(n.to_string());
                    }
                }
            }
            if let Some(info) = row.get_mut("supplier_info") {
                decimals(info, &["min_order_qty", "pack_size"]);
            }
            if let Some(Value::Array(convs)) = row.get_mut("uom_conversions") {
                convs.iter_mut().for_each(|c| decimals(c, &["factor"]));
            }
            // Barcodes come as their own rows and are indexed by the store.
            row.as_object_mut()?
                .entry("barcodes")
                .or_insert(Value::Array(Vec::new()));
        }
        RefKind::Barcode => decimals(&mut row, &["qty"]),
        RefKind::Quant => {
            let available = decimal(&row, "qty") - decimal(&row, "reserved");
            decimals(&mut row, &["qty", "reserved"]);
            let obj = row.as_object_mut()?;
            obj.insert(
                "available".into(),
                Value::String(available.normalize().to_string()),
            );
            // Filled from the cached location by the store.
            obj.entry("location_path")
                .or_insert(Value::String(String::new()));
        }
        RefKind::CountSession => {
            if row.get("status").and_then(Value::as_str) != Some("open") {
                return None;
            }
            let id = row.get("id")?.as_str()?.to_owned();
            let kind = row.get("kind").cloned().unwrap_or(Value::Null);
            return Some(json!({
                "id": id,
                "name": format!("#{}", &id[id.len().saturating_sub(6)..]),
                "kind": kind,
                "blind": row.get("blind").and_then(Value::as_bool).unwrap_or(true),
                "mode": row.get("mode").cloned().unwrap_or(Value::Null),
                "location_ids": row.get("location_ids").cloned().unwrap_or(json!([])),
                "code": null,
                "server_seq": row.get("snapshot_seq").cloned().unwrap_or(Value::Null),
            }));
        }
        RefKind::PickList => {
            if row.get("status").and_then(Value::as_str) != Some("open") {
                return None;
            }
            let id = row.get("id")?.as_str()?.to_owned();
            // Lines are merged in by the store from the pulled pick lines.
            return Some(json!({
                "id": id,
                "name": format!("{}", &id[id.len().saturating_sub(6)..]),
                "code": null,
                "lines": [],
                "status": "open",
            }));
        }
        RefKind::PickLine => decimals(&mut row, &["qty", "picked_qty"]),
        RefKind::Location | RefKind::PurchaseOrder => {}
    }
    Some(row)
}

/// An open purchase order (`GET /api/v1/purchase-orders`) as the phone caches it.
pub fn order_change(po: &PurchaseOrder) -> Change {
    let open = matches!(
        po.status,
        PurchaseOrderStatus::Confirmed | PurchaseOrderStatus::PartiallyReceived
    );
    let data = open.then(|| {
        json!(PurchaseOrderRef {
            id: po.id,
            number: format!("PO-{:06}", po.number),
            supplier: Some(po.supplier_name.clone()),
            receive_location_id: Some(po.location_id),
            lines: po
                .lines
                .iter()
                .map(|l| PurchaseOrderLineRef {
                    id: l.id,
                    product_id: l.product_id,
                    qty_ordered: l.qty,
                    qty_received: l.received_qty,
                })
                .collect(),
        })
    });
    Change {
        entity: RefKind::PurchaseOrder.as_str().to_owned(),
        id: po.id.to_string(),
        data,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::ops::{
        CountLinePayload, OpKind as LocalKind, PickConfirmPayload, ReceiptLinePayload,
    };
    use uuid::Uuid;

    fn op(action: NewOp) -> Op {
        Op {
            op_id: Uuid::now_v7(),
            device_id: Uuid::now_v7(),
            device_seq: 3,
            kind: action.kind(),
            payload: action.payload(),
            created_at: chrono::Utc::now(),
        }
    }

    #[test]
    fn each_kind_becomes_a_protocol_op_the_server_types_accept() {
        let id = Uuid::now_v7;
        let count = op(NewOp::CountLine(CountLinePayload {
            session_id: id(),
            location_id: id(),
            product_id: id(),
            lot: None,
            counted_qty: 4.into(),
            based_on_server_seq: Some(17),
            recount: true,
        }));
        let sync = to_sync_op(&count).unwrap();
        assert_eq!(sync.kind, OpKind::CountLine);
        let back: CountLineOp = serde_json::from_value(sync.payload.clone()).unwrap();
        assert_eq!(
            (back.based_on_server_seq, back.counted_at),
            (17, count.created_at)
        );
        // The whole op survives the server's deny_unknown_fields parsing.
        let _: SyncOp = serde_json::from_value(serde_json::to_value(&sync).unwrap()).unwrap();

        let pick = op(NewOp::PickConfirm(PickConfirmPayload {
            pick_list_id: id(),
            line_id: id(),
            location_id: id(),
            product_id: id(),
            qty: 2.into(),
            lot: None,
            short_reason: Some("damaged".into()),
        }));
        let p: PickConfirmOp = serde_json::from_value(to_sync_op(&pick).unwrap().payload).unwrap();
        assert_eq!(p.picked_qty, 2.into());

        let receipt = op(NewOp::ReceiptLine(ReceiptLinePayload {
            purchase_order_id: id(),
            line_id: Some(id()),
            product_id: id(),
            qty: 6.into(),
            to_location_id: id(),
            lot: Some("L1".into()),
            expiry: chrono::NaiveDate::from_ymd_opt(2027, 6, 30),
        }));
        let sync = to_sync_op(&receipt).unwrap();
        assert_eq!(sync.kind, OpKind::ReceiptLine);
        let r: ReceiptLineOp = serde_json::from_value(sync.payload).unwrap();
        let NewOp::ReceiptLine(local) = NewOp::from_parts(receipt.kind, &receipt.payload).unwrap()
        else {
            panic!("not a receipt")
        };
        assert_eq!(
            (
                r.line_id,
                r.location_id,
                r.qty,
                r.lot.as_deref(),
                r.lot_expiry
            ),
            (
                local.line_id,
                Some(local.to_location_id),
                local.qty,
                Some("L1"),
                local.expiry
            )
        );
        // Ops logged before the change still read back (the extra field is ignored).
        let mut old = receipt.payload.clone();
        old["supplier_location_id"] = serde_json::json!(id());
        assert!(NewOp::from_parts(LocalKind::ReceiptLine, &old).is_ok());
        assert_eq!(LocalKind::ReceiptLine.as_str(), "receipt_line");
    }

    #[test]
    fn pulls_keep_cached_entities_and_mark_deletions() {
        let pid = Uuid::now_v7();
        let pull: SyncPull = serde_json::from_value(serde_json::json!({
            "changes": [
                {"entity": "product", "id": pid, "deleted": false, "data": {"id": pid}},
                {"entity": "barcode", "id": Uuid::now_v7(), "deleted": false, "data": {}},
                {"entity": "location", "id": pid, "deleted": true, "data": null}
            ],
            "cursor": "42", "has_more": true, "ledger_seq": 9
        }))
        .unwrap();
        let page = from_pull(pull);
        assert_eq!(page.changes.len(), 3);
        assert_eq!(page.changes[0].entity, "product");
        assert_eq!(
            page.changes[0].data.as_ref().unwrap()["barcodes"],
            serde_json::json!([])
        );
        assert_eq!(page.changes[1].entity, "barcode");
        assert_eq!(page.changes[2].data, None);
        assert!(page.has_more);
    }

    /// Table rows as the server's pull sends them become rows the screens can use.
    #[test]
    fn server_rows_are_cached_in_the_phones_shapes() {
        use crate::core::refdata::{CountSessionRef, PickListRef};
        use crate::core::scan::{resolve, Resolved};
        use crate::core::store::{QuantField, Store};
        use shared_types::inventory::Product;
        let (wh, bin, prod, list, line, session) = (
            Uuid::now_v7(),
            Uuid::now_v7(),
            Uuid::now_v7(),
            Uuid::now_v7(),
            Uuid::now_v7(),
            Uuid::now_v7(),
        );
        let ts = "2026-12-05T01:00:00.123456+00:00";
        let change = |entity: &str, id: Uuid, data: Value| json!({"entity": entity, "id": id, "deleted": false, "data": data});
        let pull: SyncPull = serde_json::from_value(json!({
            "changes": [
                // Lines and barcodes may come before their parents.
                change("pick_line", line, json!({"id": line, "pick_list_id": list, "walk_seq": 1,
                    "order_ref": "SO-1", "product_id": prod, "location_id": bin, "lot_id": null,
                    "qty": 5.0, "picked_qty": 0, "status": "open", "created_at": ts})),
                change("barcode", Uuid::now_v7(), json!({"product_id": prod, "symbology": "ean13",
                    "code": "4006381333931", "normalized": "04006381333931", "qty": 1.0})),
                change("product", prod, json!({"id": prod, "sku": "P-1", "name": "Bolt",
                    "product_type": "stocked", "base_uom": "each",
                    "uom_conversions": [{"uom": "box", "factor": 12}], "tracking": "none",
                    "cost": 2.5, "prices": {"EUR": 4.0}, "supplier_info": {"pack_size": 6},
                    "properties": {}, "image_ref": null, "archived": false,
                    "created_at": ts, "updated_at": ts})),
                change("location", wh, json!({"id": wh, "parent_id": null, "warehouse_id": null,
                    "kind": "warehouse", "code": "WH", "name": "Main", "path": "WH",
                    "barcode": null, "negative_stock_policy": null, "archived": false,
                    "created_at": ts, "updated_at": ts})),
                change("location", bin, json!({"id": bin, "parent_id": wh, "warehouse_id": wh,
                    "kind": "bin", "code": "A", "name": "A", "path": "WH/A", "barcode": null,
                    "negative_stock_policy": null, "archived": false,
                    "created_at": ts, "updated_at": ts})),
                change("quant", Uuid::now_v7(), json!({"product_id": prod, "location_id": bin,
                    "lot_id": null, "qty": 7, "reserved": 5, "updated_at": ts})),
                change("pick_list", list, json!({"id": list, "warehouse_id": wh,
                    "output_location_id": bin, "status": "open", "created_at": ts})),
                change("count_session", session, json!({"id": session, "kind": "spot",
                    "status": "open", "blind": false, "mode": "sum", "warehouse_id": wh,
                    "location_ids": [bin], "product_ids": [], "tolerance_qty": 0,
                    "snapshot_seq": 42})),
                change("count_session", Uuid::now_v7(), json!({"id": Uuid::now_v7(),
                    "kind": "full", "status": "closed", "snapshot_seq": 1})),
                change("lot", Uuid::now_v7(), json!({"code": "L1"})),
            ],
            "cursor": "c1", "has_more": false, "ledger_seq": 42
        }))
        .unwrap();
        let store = Store::open_in_memory().unwrap();
        store.apply_pull(&from_pull(pull)).unwrap();

        let product: Product = store.get(&prod.to_string()).unwrap().unwrap();
        assert_eq!(product.cost, Decimal::new(25, 1));
        for code in ["4006381333931", "P-1"] {
            assert!(
                matches!(resolve(&store, code).unwrap(), Resolved::Product(p) if p.product.id == prod),
                "{code}"
            );
        }
        assert!(matches!(resolve(&store, "WH/A").unwrap(), Resolved::Location(l) if l.id == bin));
        let quants = store.quants_where(QuantField::Location, bin).unwrap();
        assert_eq!(quants.len(), 1);
        assert_eq!((quants[0].qty, quants[0].available), (7.into(), 2.into()));
        assert_eq!(quants[0].location_path, "WH/A");
        let sessions = store.all::<CountSessionRef>().unwrap();
        assert_eq!(sessions.len(), 1, "closed sessions are not kept");
        assert_eq!(sessions[0].server_seq, Some(42));
        assert_eq!(sessions[0].location_ids, vec![bin]);
        assert_eq!(sessions[0].kind.as_deref(), Some("spot"));
        let lists = store.all::<PickListRef>().unwrap();
        assert_eq!(lists[0].lines.len(), 1);
        assert_eq!(lists[0].lines[0].location_path, "WH/A");
        assert_eq!(lists[0].lines[0].qty, 5.into());

        // The line is picked: the list has no open line left.
        let picked: SyncPull = serde_json::from_value(json!({
            "changes": [change("pick_line", line, json!({"id": line, "pick_list_id": list,
                "walk_seq": 1, "product_id": prod, "location_id": bin, "qty": 5,
                "picked_qty": 5, "status": "picked"}))],
            "cursor": "c2", "has_more": false, "ledger_seq": 43
        }))
        .unwrap();
        store.apply_pull(&from_pull(picked)).unwrap();
        assert!(store.all::<PickListRef>().unwrap()[0].lines.is_empty());
    }
}
