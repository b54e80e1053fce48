//! Scan-to-lookup: a product shows its stock per location, a location its contents.

use crate::core::scan::{resolve, ProductHit, Resolved};
use crate::core::store::{QuantField, Store, StoreError};
use crate::i18n::Key;
use crate::widgets::Notice;
use shared_types::inventory::{Location, Product, Quant};
use std::collections::HashMap;

/// What the last scan showed.
#[derive(Debug, Clone, PartialEq)]
pub enum LookupResult {
    Product {
        hit: ProductHit,
        quants: Vec<Quant>,
    },
    /// The location and its contents as (product name, sku, quant).
    Location {
        location: Location,
        contents: Vec<(String, String, Quant)>,
    },
    /// A code for something else (a count session, pick list, order): its kind and name.
    Other {
        kind: Key,
        name: String,
    },
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct LookupState {
    pub result: Option<LookupResult>,
    pub notice: Option<Notice>,
}

impl LookupState {
    pub fn scan(&mut self, store: &Store, text: &str) -> Result<(), StoreError> {
        self.notice = None;
        self.result = match resolve(store, text)? {
            Resolved::Product(hit) => {
                let quants = store.quants_where(QuantField::Product, hit.product.id)?;
                Some(LookupResult::Product { hit, quants })
            }
            Resolved::Location(location) => {
                let quants = store.quants_where(QuantField::Location, location.id)?;
                let mut names: HashMap<uuid::Uuid, (String, String)> = HashMap::new();
                let mut contents = Vec::new();
                for q in quants {
                    if let std::collections::hash_map::Entry::Vacant(slot) =
                        names.entry(q.product_id)
                    {
                        let p = store.get::<Product>(&q.product_id.to_string())?;
                        slot.insert(
                            p.map(|p| (p.name, p.sku))
                                .unwrap_or_else(|| (q.product_id.to_string(), String::new())),
                        );
                    }
                    let (name, sku) = names[&q.product_id].clone();
                    contents.push((name, sku, q));
                }
                contents.sort_by(|a, b| a.0.cmp(&b.0));
                Some(LookupResult::Location { location, contents })
            }
            Resolved::CountSession(s) => Some(LookupResult::Other {
                kind: Key::LookupCountSession,
                name: s.name,
            }),
            Resolved::PickList(p) => Some(LookupResult::Other {
                kind: Key::LookupPickList,
                name: p.name,
            }),
            Resolved::PurchaseOrder(po) => Some(LookupResult::Other {
                kind: Key::LookupPurchaseOrder,
                name: po.number,
            }),
            Resolved::MalformedGs1 { text, error } => {
                self.notice =
                    Some(Notice::error(Key::ScanMalformed).with(format!("{text} ({error})")));
                None
            }
            Resolved::Unknown { text } => {
                self.notice = Some(Notice::warn(Key::ScanUnknown).with(text));
                None
            }
        };
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::fixtures::{self, Warehouse};

    fn store() -> Store {
        let s = Store::open_in_memory().unwrap();
        s.apply_pull(&Warehouse::new().pull_page("c")).unwrap();
        s
    }

    #[test]
    fn product_scan_lists_stock_per_location_in_path_order() {
        let mut st = LookupState::default();
        st.scan(&store(), fixtures::EAN_WIDGET).unwrap();
        let Some(LookupResult::Product { hit, quants }) = st.result else {
            panic!()
        };
        assert_eq!(hit.product.name, "Widget");
        let paths: Vec<_> = quants.iter().map(|q| q.location_path.as_str()).collect();
        assert_eq!(paths, [fixtures::BIN_A01, fixtures::BIN_B01]);
    }

    #[test]
    fn location_scan_lists_contents_and_unknown_codes_say_so() {
        let store = store();
        let mut st = LookupState::default();
        st.scan(&store, fixtures::BIN_A01).unwrap();
        let Some(LookupResult::Location { contents, .. }) = &st.result else {
            panic!()
        };
        let names: Vec<_> = contents.iter().map(|c| c.0.as_str()).collect();
        assert_eq!(names, ["Bolt M8×40", "Widget"]);
        st.scan(&store, "nope").unwrap();
        assert!(st.result.is_none());
        assert_eq!(st.notice.as_ref().map(|n| n.key), Some(Key::ScanUnknown));
    }
}
