//! Guided picking: lines in walking order (location path); each is confirmed by
//! scanning its location, then its product until the quantity is reached. A short pick
//! is confirmed with what was found and a reason.

use crate::core::ops::{NewOp, PickConfirmPayload};
use crate::core::refdata::{PickLineRef, PickListRef};
use crate::core::scan::{resolve, Resolved};
use crate::core::store::{Store, StoreError};
use crate::i18n::Key;
use crate::widgets::Notice;
use rust_decimal::Decimal;
use shared_types::inventory::Product;

/// Why a line is short; sent as its snake_case code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShortReason {
    NotFound,
    Damaged,
    Insufficient,
}

impl ShortReason {
    pub const ALL: [ShortReason; 3] = [
        ShortReason::NotFound,
        ShortReason::Damaged,
        ShortReason::Insufficient,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ShortReason::NotFound => "not_found",
            ShortReason::Damaged => "damaged",
            ShortReason::Insufficient => "insufficient",
        }
    }

    pub fn key(self) -> Key {
        match self {
            ShortReason::NotFound => Key::PickReasonNotFound,
            ShortReason::Damaged => Key::PickReasonDamaged,
            ShortReason::Insufficient => Key::PickReasonInsufficient,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct PickState {
    pub lists: Vec<PickListRef>,
    pub list: Option<PickListRef>,
    /// The open list's lines in walking order.
    pub lines: Vec<PickLineRef>,
    /// Product names for the lines (from the cache).
    pub names: Vec<String>,
    pub index: usize,
    pub at_location: bool,
    pub picked: Decimal,
    pub choosing_reason: bool,
    pub notice: Option<Notice>,
}

impl PickState {
    pub fn load(store: &Store) -> Result<PickState, StoreError> {
        let mut lists = store.all::<PickListRef>()?;
        lists.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(PickState {
            lists,
            ..PickState::default()
        })
    }

    pub fn open(&mut self, store: &Store, list: PickListRef) -> Result<(), StoreError> {
        self.lines = list.walk_order();
        self.names = self
            .lines
            .iter()
            .map(|l| {
                store.get::<Product>(&l.product_id.to_string()).map(|p| {
                    p.map(|p| p.name)
                        .unwrap_or_else(|| l.product_id.to_string())
                })
            })
            .collect::<Result<_, _>>()?;
        self.list = Some(list);
        self.index = 0;
        self.at_location = false;
        self.picked = Decimal::ZERO;
        self.choosing_reason = false;
        self.notice = None;
        Ok(())
    }

    pub fn current(&self) -> Option<&PickLineRef> {
        self.lines.get(self.index)
    }

    pub fn finished(&self) -> bool {
        self.list.is_some() && self.index >= self.lines.len()
    }

    pub fn scan(&mut self, store: &Store, text: &str) -> Result<(), StoreError> {
        self.notice = None;
        let resolved = resolve(store, text)?;
        if let Resolved::PickList(list) = resolved {
            return self.open(store, list);
        }
        let Some(line) = self.current().cloned() else {
            self.notice = Some(Notice::warn(Key::ScanWrongKind));
            return Ok(());
        };
        match resolved {
            Resolved::Location(l) if l.id == line.location_id => self.at_location = true,
            Resolved::Location(l) => {
                self.notice = Some(Notice::error(Key::PickWrongLocation).with(l.path));
            }
            Resolved::Product(_) if !self.at_location => {
                self.notice = Some(Notice::warn(Key::PickScanLocation));
            }
            Resolved::Product(hit) if hit.product.id == line.product_id => {
                self.picked += hit.qty;
                if self.picked >= line.qty {
                    self.confirm(store, line.qty, None)?;
                }
            }
            Resolved::Product(hit) => {
                self.notice = Some(Notice::error(Key::PickWrongProduct).with(hit.product.name));
            }
            Resolved::Unknown { text } => {
                self.notice = Some(Notice::warn(Key::ScanUnknown).with(text))
            }
            _ => self.notice = Some(Notice::warn(Key::ScanWrongKind)),
        }
        Ok(())
    }

    /// Confirms the current line with what was picked so far and a reason.
    pub fn short(&mut self, store: &Store, reason: ShortReason) -> Result<(), StoreError> {
        if self.current().is_some() {
            self.confirm(store, self.picked, Some(reason))?;
        }
        Ok(())
    }

    fn confirm(
        &mut self,
        store: &Store,
        qty: Decimal,
        reason: Option<ShortReason>,
    ) -> Result<(), StoreError> {
        let (Some(list), Some(line)) = (&self.list, self.current()) else {
            return Ok(());
        };
        store.append_op(&NewOp::PickConfirm(PickConfirmPayload {
            pick_list_id: list.id,
            line_id: line.id,
            location_id: line.location_id,
            product_id: line.product_id,
            qty,
            lot: line.lot.clone(),
            short_reason: reason.map(|r| r.code().to_owned()),
        }))?;
        self.index += 1;
        self.at_location = false;
        self.picked = Decimal::ZERO;
        self.choosing_reason = false;
        self.notice = Some(Notice::ok(if self.finished() {
            Key::PickListDone
        } else {
            Key::PickLineDone
        }));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::fixtures::{self, Warehouse};

    #[test]
    fn lines_are_walked_in_path_order_and_confirmed_by_location_then_product() {
        let store = Store::open_in_memory().unwrap();
        let fx = Warehouse::new();
        store.apply_pull(&fx.pull_page("c")).unwrap();
        let mut st = PickState::load(&store).unwrap();
        st.scan(&store, fixtures::PICK_CODE).unwrap();
        assert_eq!(
            st.current().unwrap().location_path,
            fixtures::BIN_A01,
            "A before B"
        );
        st.scan(&store, fixtures::SKU_BOLT).unwrap();
        assert_eq!(
            st.notice.as_ref().map(|n| n.key),
            Some(Key::PickScanLocation)
        );
        st.scan(&store, fixtures::BIN_B01).unwrap();
        assert_eq!(
            st.notice.as_ref().map(|n| n.key),
            Some(Key::PickWrongLocation)
        );
        st.scan(&store, fixtures::BIN_A01).unwrap();
        st.scan(&store, fixtures::EAN_WIDGET).unwrap();
        assert_eq!(
            st.notice.as_ref().map(|n| n.key),
            Some(Key::PickWrongProduct)
        );
        for _ in 0..5 {
            st.scan(&store, fixtures::SKU_BOLT).unwrap();
        }
        st.short(&store, ShortReason::Insufficient).unwrap();
        st.scan(&store, fixtures::BIN_B01).unwrap();
        st.scan(&store, fixtures::EAN_WIDGET).unwrap();
        st.scan(&store, fixtures::EAN_WIDGET).unwrap();
        assert!(st.finished());
        let ops: Vec<PickConfirmPayload> = store
            .unsynced_ops(10)
            .unwrap()
            .into_iter()
            .map(|o| match NewOp::from_parts(o.kind, &o.payload).unwrap() {
                NewOp::PickConfirm(p) => p,
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(ops.len(), 2);
        assert_eq!(
            (ops[0].qty, ops[0].short_reason.as_deref()),
            (5.into(), Some("insufficient"))
        );
        assert_eq!(
            (ops[1].qty, ops[1].short_reason.as_deref()),
            (2.into(), None)
        );
        assert_eq!(ops[1].product_id, fx.widget.id);
    }
}
