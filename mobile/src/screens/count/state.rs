//! Counting: pick a session, scan a bin, scan products. Every change to a line is
//! committed at once as the counter's current count for that (bin, product, lot); the
//! server keeps the latest line per counter, so a recount replaces, and other counters
//! of the same bin are never overwritten.

use crate::core::ops::{CountLinePayload, NewOp};
use crate::core::refdata::CountSessionRef;
use crate::core::scan::{resolve, Resolved};
use crate::core::store::{QuantField, Store, StoreError};
use crate::i18n::Key;
use crate::widgets::Notice;
use rust_decimal::Decimal;
use shared_types::inventory::{Location, Product};

/// One counted product in the current bin.
#[derive(Debug, Clone, PartialEq)]
pub struct CountLine {
    pub product: Product,
    pub lot: Option<String>,
    pub counted: Decimal,
    /// What the cache says is there (hidden in blind counts).
    pub expected: Decimal,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct CountState {
    pub sessions: Vec<CountSessionRef>,
    pub session: Option<CountSessionRef>,
    pub bin: Option<Location>,
    pub lines: Vec<CountLine>,
    /// Index of the line whose number pad is open.
    pub editing: Option<usize>,
    pub recount: bool,
    pub notice: Option<Notice>,
}

impl CountState {
    /// The session list from the cache.
    pub fn load(store: &Store) -> Result<CountState, StoreError> {
        let mut sessions = store.all::<CountSessionRef>()?;
        sessions.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(CountState {
            sessions,
            ..CountState::default()
        })
    }

    pub fn open_session(&mut self, session: CountSessionRef) {
        self.session = Some(session);
        self.bin = None;
        self.lines.clear();
        self.recount = false;
        self.notice = None;
    }

    pub fn blind(&self) -> bool {
        self.session.as_ref().is_some_and(|s| s.blind)
    }

    pub fn scan(&mut self, store: &Store, text: &str) -> Result<(), StoreError> {
        self.notice = None;
        match resolve(store, text)? {
            Resolved::CountSession(s) => self.open_session(s),
            Resolved::Location(l) if self.session.is_some() => self.open_bin(store, l)?,
            Resolved::Product(hit) if self.bin.is_some() => {
                let i = match self
                    .lines
                    .iter()
                    .position(|l| l.product.id == hit.product.id && l.lot == hit.lot)
                {
                    Some(i) => i,
                    None => {
                        let expected = self.expected(store, &hit.product, hit.lot.as_deref())?;
                        self.lines.push(CountLine {
                            product: (*hit.product).clone(),
                            lot: hit.lot.clone(),
                            counted: Decimal::ZERO,
                            expected,
                        });
                        self.lines.len() - 1
                    }
                };
                let next = self.lines[i].counted + hit.qty;
                self.commit(store, i, next)?;
            }
            Resolved::Unknown { text } => {
                self.notice = Some(Notice::warn(Key::ScanUnknown).with(text))
            }
            Resolved::MalformedGs1 { text, .. } => {
                self.notice = Some(Notice::error(Key::ScanMalformed).with(text))
            }
            _ => self.notice = Some(Notice::warn(Key::ScanWrongKind)),
        }
        Ok(())
    }

    fn open_bin(&mut self, store: &Store, bin: Location) -> Result<(), StoreError> {
        let allowed = self
            .session
            .as_ref()
            .is_none_or(|s| s.location_ids.is_empty() || s.location_ids.contains(&bin.id));
        if !allowed {
            self.notice = Some(Notice::error(Key::CountBinNotInSession).with(bin.path));
            return Ok(());
        }
        let _ = store;
        self.bin = Some(bin);
        self.lines.clear();
        self.recount = false;
        self.editing = None;
        Ok(())
    }

    fn expected(
        &self,
        store: &Store,
        product: &Product,
        lot: Option<&str>,
    ) -> Result<Decimal, StoreError> {
        let Some(bin) = &self.bin else {
            return Ok(Decimal::ZERO);
        };
        Ok(store
            .quants_where(QuantField::Location, bin.id)?
            .iter()
            .filter(|q| q.product_id == product.id && q.lot_code.as_deref() == lot)
            .map(|q| q.qty)
            .sum())
    }

    /// +/− or a number from the pad for line `i`.
    pub fn set_line(&mut self, store: &Store, i: usize, qty: &str) -> Result<(), StoreError> {
        match qty.parse::<Decimal>() {
            Ok(q) if q >= Decimal::ZERO && i < self.lines.len() => self.commit(store, i, q),
            _ => {
                self.notice = Some(Notice::error(Key::QtyInvalid));
                Ok(())
            }
        }
    }

    fn commit(&mut self, store: &Store, i: usize, counted: Decimal) -> Result<(), StoreError> {
        let (Some(session), Some(bin)) = (&self.session, &self.bin) else {
            return Ok(());
        };
        let line = &self.lines[i];
        store.append_op(&NewOp::CountLine(CountLinePayload {
            session_id: session.id,
            location_id: bin.id,
            product_id: line.product.id,
            lot: line.lot.clone(),
            counted_qty: counted,
            based_on_server_seq: session.server_seq,
            recount: self.recount,
        }))?;
        // Only after the op is on disk does the screen show the new count.
        self.lines[i].counted = counted;
        self.notice = Some(Notice::ok(Key::CountSaved));
        Ok(())
    }

    /// Start this bin again; the new lines replace this counter's earlier ones.
    pub fn start_recount(&mut self) {
        self.lines.clear();
        self.recount = true;
        self.editing = None;
        self.notice = Some(Notice::warn(Key::CountRecounting));
    }

    pub fn next_bin(&mut self) {
        self.bin = None;
        self.lines.clear();
        self.recount = false;
        self.editing = None;
        self.notice = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::fixtures::{self, Warehouse};

    fn setup() -> (Store, CountState) {
        let store = Store::open_in_memory().unwrap();
        store.apply_pull(&Warehouse::new().pull_page("c")).unwrap();
        let st = CountState::load(&store).unwrap();
        (store, st)
    }

    fn counted(store: &Store) -> Vec<(Decimal, bool)> {
        store
            .unsynced_ops(100)
            .unwrap()
            .into_iter()
            .map(
                |op| match NewOp::from_parts(op.kind, &op.payload).unwrap() {
                    NewOp::CountLine(c) => (c.counted_qty, c.recount),
                    other => panic!("{other:?}"),
                },
            )
            .collect()
    }

    #[test]
    fn each_scan_and_adjustment_is_saved_as_the_counters_current_count() {
        let (store, mut st) = setup();
        assert_eq!(st.sessions.len(), 1);
        st.scan(&store, fixtures::COUNT_CODE).unwrap();
        st.scan(&store, fixtures::EAN_WIDGET).unwrap();
        assert_eq!(
            st.notice.as_ref().map(|n| n.key),
            Some(Key::ScanWrongKind),
            "bin first"
        );
        st.scan(&store, fixtures::BIN_B01).unwrap();
        assert_eq!(
            st.notice.as_ref().map(|n| n.key),
            Some(Key::CountBinNotInSession)
        );
        st.scan(&store, fixtures::BIN_A01).unwrap();
        st.scan(&store, fixtures::EAN_WIDGET).unwrap();
        st.scan(&store, fixtures::EAN_WIDGET).unwrap();
        assert_eq!(st.lines[0].counted, 2.into());
        assert_eq!(st.lines[0].expected, 40.into());
        st.set_line(&store, 0, "38").unwrap();
        assert_eq!(
            counted(&store),
            [(1.into(), false), (2.into(), false), (38.into(), false)]
        );
        st.start_recount();
        st.scan(&store, fixtures::EAN_WIDGET).unwrap();
        assert_eq!(counted(&store).last(), Some(&(1.into(), true)));
        st.set_line(&store, 0, "-1").unwrap();
        assert_eq!(st.notice.as_ref().map(|n| n.key), Some(Key::QtyInvalid));
    }
}
