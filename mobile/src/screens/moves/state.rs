//! Move/transfer: scan from, scan product, quantity, scan to. The move is committed to
//! the op log when the target is scanned; only then does the screen say it is done.

use crate::core::ops::{NewOp, StockMovePayload};
use crate::core::scan::{resolve, ProductHit, Resolved};
use crate::core::store::{Store, StoreError};
use crate::i18n::Key;
use crate::widgets::Notice;
use rust_decimal::Decimal;
use shared_types::inventory::Location;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MoveStep {
    #[default]
    From,
    Product,
    Qty,
    To,
    Done,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct MoveState {
    pub step: MoveStep,
    pub from: Option<Location>,
    pub product: Option<ProductHit>,
    /// As typed/adjusted; parsed when the move is committed.
    pub qty: String,
    pub to: Option<Location>,
    pub notice: Option<Notice>,
    /// The op that recorded the last completed move.
    pub saved_op: Option<Uuid>,
}

impl MoveState {
    pub fn scan(&mut self, store: &Store, text: &str) -> Result<(), StoreError> {
        self.notice = None;
        let resolved = resolve(store, text)?;
        match (self.step, resolved) {
            (MoveStep::From | MoveStep::Done, Resolved::Location(l)) => {
                *self = MoveState {
                    step: MoveStep::Product,
                    from: Some(l),
                    ..MoveState::default()
                };
            }
            (MoveStep::Product, Resolved::Product(hit)) => {
                self.qty = hit.qty.normalize().to_string();
                self.product = Some(hit);
                self.step = MoveStep::Qty;
            }
            // Scanning the same product again adds its pack quantity.
            (MoveStep::Qty, Resolved::Product(hit))
                if self.product.as_ref().map(|p| p.product.id) == Some(hit.product.id) =>
            {
                let now: Decimal = self.qty.parse().unwrap_or_default();
                self.qty = (now + hit.qty).normalize().to_string();
            }
            (MoveStep::Qty | MoveStep::To, Resolved::Location(l)) => {
                self.finish(store, l)?;
            }
            (_, Resolved::Unknown { text }) => {
                self.notice = Some(Notice::warn(Key::ScanUnknown).with(text));
            }
            (_, Resolved::MalformedGs1 { text, .. }) => {
                self.notice = Some(Notice::error(Key::ScanMalformed).with(text));
            }
            _ => self.notice = Some(Notice::warn(Key::ScanWrongKind)),
        }
        Ok(())
    }

    pub fn set_qty(&mut self, qty: String) {
        self.qty = qty;
    }

    /// Quantity confirmed: ask for the target.
    pub fn confirm_qty(&mut self) {
        if self.parsed_qty().is_some() {
            self.step = MoveStep::To;
            self.notice = None;
        } else {
            self.notice = Some(Notice::error(Key::QtyInvalid));
        }
    }

    fn parsed_qty(&self) -> Option<Decimal> {
        self.qty
            .parse::<Decimal>()
            .ok()
            .filter(|q| *q > Decimal::ZERO)
    }

    fn finish(&mut self, store: &Store, to: Location) -> Result<(), StoreError> {
        let (Some(from), Some(hit)) = (&self.from, &self.product) else {
            self.notice = Some(Notice::warn(Key::ScanWrongKind));
            return Ok(());
        };
        let Some(qty) = self.parsed_qty() else {
            self.notice = Some(Notice::error(Key::QtyInvalid));
            return Ok(());
        };
        if from.id == to.id {
            self.notice = Some(Notice::error(Key::MoveSameLocation));
            return Ok(());
        }
        let op = store.append_op(&NewOp::StockMove(StockMovePayload {
            product_id: hit.product.id,
            qty,
            from_location_id: from.id,
            to_location_id: to.id,
            lot: hit.lot.clone(),
        }))?;
        self.saved_op = Some(op.op_id);
        self.to = Some(to);
        self.step = MoveStep::Done;
        self.notice = Some(Notice::ok(Key::MoveDone));
        Ok(())
    }

    pub fn step_key(&self) -> Key {
        match self.step {
            MoveStep::From | MoveStep::Done => Key::MoveStepFrom,
            MoveStep::Product => Key::MoveStepProduct,
            MoveStep::Qty => Key::MoveStepQty,
            MoveStep::To => Key::MoveStepTo,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::fixtures::{self, Warehouse};
    use crate::core::store::OpStatus;

    #[test]
    fn a_move_is_committed_only_when_the_target_is_scanned() {
        let store = Store::open_in_memory().unwrap();
        let fx = Warehouse::new();
        store.apply_pull(&fx.pull_page("c")).unwrap();
        let mut m = MoveState::default();
        m.scan(&store, fixtures::EAN_WIDGET).unwrap();
        assert_eq!(m.notice.as_ref().map(|n| n.key), Some(Key::ScanWrongKind));
        m.scan(&store, fixtures::BIN_A01).unwrap();
        m.scan(&store, fixtures::EAN_WIDGET).unwrap();
        m.scan(&store, fixtures::EAN_WIDGET).unwrap();
        assert_eq!(m.qty, "2");
        m.set_qty("3".into());
        m.confirm_qty();
        assert_eq!(m.step, MoveStep::To);
        assert!(
            store.unsynced_ops(10).unwrap().is_empty(),
            "nothing saved yet"
        );
        m.scan(&store, fixtures::BIN_A01).unwrap();
        assert_eq!(
            m.notice.as_ref().map(|n| n.key),
            Some(Key::MoveSameLocation)
        );
        m.scan(&store, fixtures::BIN_B01).unwrap();
        assert_eq!(m.step, MoveStep::Done);
        let logged = store.op(m.saved_op.unwrap()).unwrap().unwrap();
        assert_eq!(logged.status, OpStatus::Pending);
        assert_eq!(
            logged.action(),
            Some(NewOp::StockMove(StockMovePayload {
                product_id: fx.widget.id,
                qty: 3.into(),
                from_location_id: fx.bin(fixtures::BIN_A01).id,
                to_location_id: fx.bin(fixtures::BIN_B01).id,
                lot: None,
            }))
        );
    }
}
