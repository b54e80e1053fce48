//! Translation between the phone's op log and the server's sync protocol
//! (`shared_types::sync`): the op log keeps the phone's own payloads; what goes over the
//! wire is exactly the protocol's types, so a protocol change fails to compile here.

use crate::core::ops::{Change, NewOp, Op, OpOutcome, PullPage, PushResponse, PushResult};
use shared_types::sync::{
    CountLineOp, OpKind, OpStatus, PickConfirmOp, StockMoveOp, SyncOp, SyncPull, SyncPushResult,
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
        NewOp::ReceiptLine(r) => {
            let Some(from) = r.supplier_location_id else {
                return Err(Untranslatable {
                    code: "receipt_without_supplier_location",
                    message: "the purchase order in the cache has no supplier location".into(),
                });
            };
            (
                OpKind::StockMove,
                json(serde_json::to_value(StockMoveOp {
                    product_id: r.product_id,
                    qty: r.qty,
                    uom: None,
                    from_location_id: from,
                    to_location_id: r.to_location_id,
                    lot: r.lot,
                    lot_expiry: r.expiry,
                    unit_cost: None,
                    reason: Some("receipt".into()),
                    reference: Some(r.purchase_order_id.to_string()),
                }))?,
            )
        }
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

/// A pulled page in the store's terms. Entities the phone does not cache (barcodes come
/// inside products, lots and pick lines inside their parents) are skipped.
pub fn from_pull(pull: SyncPull) -> PullPage {
    let changes = pull
        .changes
        .into_iter()
        .filter_map(|c| {
            let entity = serde_json::to_value(c.entity).ok()?.as_str()?.to_owned();
            crate::core::refdata::RefKind::parse(&entity)?;
            Some(Change {
                entity,
                id: c.id.to_string(),
                data: if c.deleted { None } else { c.data },
            })
        })
        .collect();
    PullPage {
        changes,
        cursor: pull.cursor,
        has_more: pull.has_more,
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

        let mut receipt = ReceiptLinePayload {
            purchase_order_id: id(),
            line_id: None,
            product_id: id(),
            qty: 6.into(),
            to_location_id: id(),
            lot: Some("L1".into()),
            expiry: None,
            supplier_location_id: None,
        };
        let refused = to_sync_op(&op(NewOp::ReceiptLine(receipt.clone()))).unwrap_err();
        assert_eq!(refused.code, "receipt_without_supplier_location");
        receipt.supplier_location_id = Some(id());
        let m: StockMoveOp = serde_json::from_value(
            to_sync_op(&op(NewOp::ReceiptLine(receipt)))
                .unwrap()
                .payload,
        )
        .unwrap();
        assert_eq!(m.reason.as_deref(), Some("receipt"));
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
        assert_eq!(page.changes.len(), 2);
        assert_eq!(page.changes[0].entity, "product");
        assert_eq!(page.changes[1].data, None);
        assert!(page.has_more);
    }
}
