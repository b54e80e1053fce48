//! Receiving against a purchase order: open the order (scan or tap), scan a product of
//! it, set the quantity, confirm. Each confirmation is one receipt-line op.

use crate::core::ops::{NewOp, ReceiptLinePayload};
use crate::core::refdata::{PurchaseOrderLineRef, PurchaseOrderRef};
use crate::core::scan::{resolve, ProductHit, Resolved};
use crate::core::store::{Store, StoreError};
use crate::i18n::Key;
use crate::widgets::Notice;
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ReceiveState {
    pub orders: Vec<PurchaseOrderRef>,
    pub order: Option<PurchaseOrderRef>,
    pub product: Option<ProductHit>,
    pub line: Option<PurchaseOrderLineRef>,
    pub qty: String,
    /// Received on this phone in this session, per order line.
    pub received: BTreeMap<Uuid, Decimal>,
    pub notice: Option<Notice>,
}

impl ReceiveState {
    pub fn load(store: &Store) -> Result<ReceiveState, StoreError> {
        let mut orders = store.all::<PurchaseOrderRef>()?;
        orders.sort_by(|a, b| a.number.cmp(&b.number));
        Ok(ReceiveState {
            orders,
            ..ReceiveState::default()
        })
    }

    pub fn open(&mut self, order: PurchaseOrderRef) {
        self.order = Some(order);
        self.product = None;
        self.line = None;
        self.qty.clear();
        self.notice = None;
    }

    pub fn scan(&mut self, store: &Store, text: &str) -> Result<(), StoreError> {
        self.notice = None;
        match resolve(store, text)? {
            Resolved::PurchaseOrder(po) => self.open(po),
            Resolved::Product(hit) => {
                let Some(order) = &self.order else {
                    self.notice = Some(Notice::warn(Key::ScanWrongKind));
                    return Ok(());
                };
                match order.lines.iter().find(|l| l.product_id == hit.product.id) {
                    Some(line) => {
                        let same = self.line.as_ref().map(|l| l.id) == Some(line.id);
                        let now: Decimal = if same {
                            self.qty.parse().unwrap_or_default()
                        } else {
                            Decimal::ZERO
                        };
                        self.qty = (now + hit.qty).normalize().to_string();
                        self.line = Some(line.clone());
                        self.product = Some(hit);
                    }
                    None => {
                        self.notice =
                            Some(Notice::error(Key::ReceiveNotOnOrder).with(hit.product.name));
                    }
                }
            }
            Resolved::Unknown { text } => {
                self.notice = Some(Notice::warn(Key::ScanUnknown).with(text))
            }
            _ => self.notice = Some(Notice::warn(Key::ScanWrongKind)),
        }
        Ok(())
    }

    pub fn confirm(&mut self, store: &Store) -> Result<(), StoreError> {
        let (Some(order), Some(line), Some(hit)) = (&self.order, &self.line, &self.product) else {
            return Ok(());
        };
        let Some(qty) = self
            .qty
            .parse::<Decimal>()
            .ok()
            .filter(|q| *q > Decimal::ZERO)
        else {
            self.notice = Some(Notice::error(Key::QtyInvalid));
            return Ok(());
        };
        let Some(to) = order.receive_location_id else {
            self.notice = Some(Notice::error(Key::ReceiveNoLocation));
            return Ok(());
        };
        store.append_op(&NewOp::ReceiptLine(ReceiptLinePayload {
            purchase_order_id: order.id,
            line_id: Some(line.id),
            product_id: line.product_id,
            qty,
            to_location_id: to,
            lot: hit.lot.clone(),
            expiry: hit.expiry,
        }))?;
        *self.received.entry(line.id).or_default() += qty;
        self.line = None;
        self.product = None;
        self.qty.clear();
        self.notice = Some(Notice::ok(Key::ReceiveDone));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::fixtures::{self, Warehouse};

    #[test]
    fn scanning_a_gs1_case_label_receives_its_quantity_with_lot_and_expiry() {
        let store = Store::open_in_memory().unwrap();
        let fx = Warehouse::new();
        store.apply_pull(&fx.pull_page("c")).unwrap();
        let mut st = ReceiveState::load(&store).unwrap();
        st.scan(&store, fixtures::PO_NUMBER).unwrap();
        st.scan(&store, fixtures::EAN_WIDGET).unwrap();
        assert_eq!(
            st.notice.as_ref().map(|n| n.key),
            Some(Key::ReceiveNotOnOrder)
        );
        let label = format!("]C101{}1727063010L9", fixtures::GTIN_GADGET_CASE);
        st.scan(&store, &label).unwrap();
        st.scan(&store, &label).unwrap();
        assert_eq!(st.qty, "12");
        st.confirm(&store).unwrap();
        assert_eq!(st.received.get(&fx.po.lines[0].id), Some(&12.into()));
        let op = &store.unsynced_ops(10).unwrap()[0];
        let NewOp::ReceiptLine(r) = NewOp::from_parts(op.kind, &op.payload).unwrap() else {
            panic!()
        };
        assert_eq!(r.qty, 12.into());
        assert_eq!(r.lot.as_deref(), Some("L9"));
        assert_eq!(r.to_location_id, fx.bin(fixtures::BIN_A02).id);
        assert_eq!(r.expiry, chrono::NaiveDate::from_ymd_opt(2027, 6, 30));
    }
}
