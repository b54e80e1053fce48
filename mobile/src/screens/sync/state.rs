//! The sync status screen's data: status from the engine, refused ops from the log.

use crate::core::ops::NewOp;
use crate::core::store::{LoggedOp, OpStatus, Store, StoreError};
use crate::core::sync::SyncStatus;
use crate::i18n::Key;
use rust_decimal::Decimal;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct SyncScreenState {
    pub status: SyncStatus,
    pub rejected: Vec<LoggedOp>,
    /// The refused op whose quantity is being fixed, with the quantity typed so far.
    pub fixing: Option<(Uuid, String)>,
}

impl SyncScreenState {
    pub fn load(store: &Store, status: SyncStatus) -> Result<Self, StoreError> {
        Ok(SyncScreenState {
            status,
            rejected: store.ops_with_status(OpStatus::Rejected)?,
            fixing: None,
        })
    }

    pub fn discard(&mut self, store: &Store, op_id: Uuid) -> Result<(), StoreError> {
        store.discard_rejected(op_id)?;
        self.rejected.retain(|o| o.op.op_id != op_id);
        Ok(())
    }

    /// Sends a corrected copy of a refused op with a new quantity.
    pub fn fix_qty(
        &mut self,
        store: &Store,
        op_id: Uuid,
        qty: Decimal,
    ) -> Result<bool, StoreError> {
        let Some(logged) = self.rejected.iter().find(|o| o.op.op_id == op_id) else {
            return Ok(false);
        };
        let Some(fixed) = logged.action().and_then(|a| with_qty(a, qty)) else {
            return Ok(false);
        };
        store.replace_rejected(op_id, &fixed)?;
        self.rejected.retain(|o| o.op.op_id != op_id);
        self.fixing = None;
        Ok(true)
    }
}

/// The op's quantity (what a fix changes).
pub fn qty_of(action: &NewOp) -> Decimal {
    match action {
        NewOp::StockMove(p) => p.qty,
        NewOp::ReceiptLine(p) => p.qty,
        NewOp::CountLine(p) => p.counted_qty,
        NewOp::PickConfirm(p) => p.qty,
    }
}

fn with_qty(action: NewOp, qty: Decimal) -> Option<NewOp> {
    if qty < Decimal::ZERO {
        return None;
    }
    Some(match action {
        NewOp::StockMove(mut p) => {
            p.qty = qty;
            NewOp::StockMove(p)
        }
        NewOp::ReceiptLine(mut p) => {
            p.qty = qty;
            NewOp::ReceiptLine(p)
        }
        NewOp::CountLine(mut p) => {
            p.counted_qty = qty;
            NewOp::CountLine(p)
        }
        NewOp::PickConfirm(mut p) => {
            p.qty = qty;
            NewOp::PickConfirm(p)
        }
    })
}

/// The catalogue key naming an op's kind.
pub fn kind_key(action: &NewOp) -> Key {
    match action {
        NewOp::StockMove(_) => Key::OpStockMove,
        NewOp::ReceiptLine(_) => Key::OpReceiptLine,
        NewOp::CountLine(_) => Key::OpCountLine,
        NewOp::PickConfirm(_) => Key::OpPickConfirm,
    }
}
