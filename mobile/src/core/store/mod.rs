//! The phone's local store: the cached reference data, the scan-code index, the pull
//! cursor and the append-only op log.
//!
//! Durability is the point. Every user action is one `Store::append_op` call, which
//! returns only once the op is stored, so the UI confirms only what survives the app
//! being killed a moment later. Ops are never deleted and never change their identity or
//! payload; only their sync status moves (pending → sent → applied/duplicate/rejected; a
//! rejected op is discarded or replaced by a fixed copy, never edited).
//!
//! Two implementations with one API:
//!
//! - [`sqlite`] (native targets: desktop, Android, iOS): SQLite compiled in, WAL,
//!   `synchronous=FULL`, triggers that refuse deletes and payload edits. This is `Store`
//!   there.
//! - [`memory`] ([`MemoryStore`], every target): the same operations over in-memory maps,
//!   written through to a [`Persistence`] (the browser's `localStorage` on the web, a map
//!   in tests). This is `Store` on `wasm32`, where SQLite's C code does not build. The
//!   contract tests below run against both on the host, so the web store's logic is
//!   tested for real.

pub mod memory;
#[cfg(not(target_arch = "wasm32"))]
pub mod sqlite;

pub use memory::{MemoryPersistence, MemoryStore, Persistence};
#[cfg(not(target_arch = "wasm32"))]
pub use sqlite::Store;
/// The store of this target: in the browser, the in-memory store persisted to
/// `localStorage` (see [`memory`]).
#[cfg(target_arch = "wasm32")]
pub type Store = MemoryStore;

use super::ops::{NewOp, Op};
use super::refdata::{Cached, RefKind};
use rust_decimal::Decimal;
use shared_types::barcode::{classify, ScannedCode};
use shared_types::inventory::{Location, Product};
use uuid::Uuid;

/// Where an op is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OpStatus {
    /// Committed on the phone, not yet acknowledged by the server.
    Pending,
    /// In a push whose answer has not arrived; pushed again if the app restarts.
    Sent,
    Applied,
    Duplicate,
    /// The server refused it; shown to the user until fixed or discarded.
    Rejected,
    /// The user gave up on a rejected op (or replaced it with a fixed copy).
    Discarded,
}

impl OpStatus {
    pub const ALL: [OpStatus; 6] = [
        OpStatus::Pending,
        OpStatus::Sent,
        OpStatus::Applied,
        OpStatus::Duplicate,
        OpStatus::Rejected,
        OpStatus::Discarded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OpStatus::Pending => "pending",
            OpStatus::Sent => "sent",
            OpStatus::Applied => "applied",
            OpStatus::Duplicate => "duplicate",
            OpStatus::Rejected => "rejected",
            OpStatus::Discarded => "discarded",
        }
    }

    pub fn parse(s: &str) -> Option<OpStatus> {
        OpStatus::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Still to be pushed.
    pub fn is_unsynced(self) -> bool {
        matches!(self, OpStatus::Pending | OpStatus::Sent)
    }
}

/// An op with its local bookkeeping.
#[derive(Debug, Clone, PartialEq)]
pub struct LoggedOp {
    pub op: Op,
    pub status: OpStatus,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub attempts: i64,
    /// For a discarded op that was fixed: the op that replaced it.
    pub replaced_by: Option<Uuid>,
}

impl LoggedOp {
    /// The typed action, if the payload still reads as its kind.
    pub fn action(&self) -> Option<NewOp> {
        NewOp::from_parts(self.op.kind, &self.op.payload).ok()
    }
}

/// Counts per status, for the sync status screen and the home badge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OpCounts {
    pub pending: u64,
    pub applied: u64,
    pub duplicate: u64,
    pub rejected: u64,
    pub discarded: u64,
}

impl OpCounts {
    fn add(&mut self, status: OpStatus, n: u64) {
        match status {
            OpStatus::Pending | OpStatus::Sent => self.pending += n,
            OpStatus::Applied => self.applied += n,
            OpStatus::Duplicate => self.duplicate += n,
            OpStatus::Rejected => self.rejected += n,
            OpStatus::Discarded => self.discarded += n,
        }
    }
}

/// Something the store could not do.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[cfg(not(target_arch = "wasm32"))]
    #[error("local database error")]
    Sqlite(#[from] rusqlite::Error),
    /// Writing through to the persistent side of a [`MemoryStore`] failed (in the
    /// browser: `localStorage` is full or disabled).
    #[error("local storage failed for {key}: {message}")]
    Persist { key: String, message: String },
    #[error("cached {kind} row {id} is not valid JSON for its type")]
    Corrupt {
        kind: &'static str,
        id: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("op {0} not found")]
    UnknownOp(Uuid),
    #[error("op {op_id} is {status:?}; only rejected ops can be fixed or discarded")]
    NotRejected { op_id: Uuid, status: OpStatus },
    #[error("pulled change for unknown entity {0:?}")]
    UnknownEntity(String),
}

/// What a code in the scan index points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeHit {
    pub kind: RefKind,
    pub id: String,
    /// Base units one scan of this code stands for (products), as text.
    pub qty: Option<String>,
}

/// Which side of a quant to filter on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuantField {
    Product,
    Location,
}

impl QuantField {
    /// The quant's JSON field holding the id.
    fn field(self) -> &'static str {
        match self {
            QuantField::Product => "product_id",
            QuantField::Location => "location_id",
        }
    }
}

/// The store shared between the UI and the sync loop.
pub type SharedStore = std::sync::Arc<std::sync::Mutex<Store>>;

/// Locks the shared store. A panic while holding the lock cannot leave the store
/// half-written (SQLite transactions roll back; the memory store checks before it
/// changes anything), so a poisoned lock is still safe to use.
pub fn lock(store: &SharedStore) -> std::sync::MutexGuard<'_, Store> {
    store
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

const META_DEVICE_ID: &str = "device_id";
const META_CURSOR: &str = "pull_cursor";
const META_LAST_SYNC: &str = "last_sync";

#[cfg(not(target_arch = "wasm32"))]
fn decode<T: Cached>(json: &str, id: &str) -> Result<T, StoreError> {
    serde_json::from_str(json).map_err(|source| StoreError::Corrupt {
        kind: T::KIND.as_str(),
        id: id.to_owned(),
        source,
    })
}

fn decode_value<T: Cached>(json: &serde_json::Value, id: &str) -> Result<T, StoreError> {
    T::deserialize(json).map_err(|source| StoreError::Corrupt {
        kind: T::KIND.as_str(),
        id: id.to_owned(),
        source,
    })
}

fn encode<T: Cached>(row: &T) -> Result<serde_json::Value, StoreError> {
    serde_json::to_value(row).map_err(|source| StoreError::Corrupt {
        kind: T::KIND.as_str(),
        id: row.key(),
        source,
    })
}

/// The form a code is indexed and looked up under: GTINs (EAN-8/13, UPC-A/E, GTIN-14)
/// as 14 digits, so a product labelled EAN-13 is found from a GS1-128 carton label too;
/// anything else trimmed, as printed.
pub fn code_key(code: &str) -> String {
    match classify(code) {
        ScannedCode::Gtin { gtin14, .. } => gtin14,
        _ => code.trim().to_owned(),
    }
}

/// The codes a cached row can be scanned by.
fn codes_of(kind: RefKind, json: &serde_json::Value) -> Vec<(String, Option<String>)> {
    let text = |v: &serde_json::Value| v.as_str().map(str::to_owned);
    match kind {
        RefKind::Product => match serde_json::from_value::<Product>(json.clone()) {
            Ok(p) => {
                let mut codes: Vec<(String, Option<String>)> = p
                    .barcodes
                    .iter()
                    .map(|b| (code_key(&b.code), Some(b.qty.to_string())))
                    .collect();
                // Internal labels often carry the SKU in a Code 128.
                codes.push((p.sku.clone(), Some("1".to_owned())));
                codes
            }
            Err(_) => Vec::new(),
        },
        RefKind::Location => match serde_json::from_value::<Location>(json.clone()) {
            Ok(l) => {
                let mut codes = vec![(l.path.clone(), None)];
                if let Some(b) = l.barcode {
                    codes.push((code_key(&b), None));
                }
                codes
            }
            Err(_) => Vec::new(),
        },
        RefKind::CountSession | RefKind::PickList => json
            .get("code")
            .and_then(text)
            .map(|c| vec![(c, None)])
            .unwrap_or_default(),
        RefKind::PurchaseOrder => json
            .get("number")
            .and_then(text)
            .map(|c| vec![(c, None)])
            .unwrap_or_default(),
        // Barcodes are indexed under their product (see `barcode_code`).
        RefKind::Quant | RefKind::Barcode | RefKind::PickLine => Vec::new(),
    }
}

/// The code a pulled barcode row adds to its product: (code key, product id, qty).
fn barcode_code(json: &serde_json::Value) -> Option<(String, String, String)> {
    let text = |name: &str| json.get(name).and_then(|v| v.as_str()).unwrap_or_default();
    let (code, product) = (text("code"), text("product_id"));
    if code.is_empty() || product.is_empty() {
        return None;
    }
    let qty = json.get("qty").and_then(|v| v.as_str()).unwrap_or("1");
    Some((code_key(code), product.to_owned(), qty.to_owned()))
}

/// Whether a cached pick list came from the server (its lines are rebuilt from the
/// pulled `pick_line` rows); lists made locally have no `status` and keep their lines.
fn is_pulled_pick_list(list: &serde_json::Value) -> bool {
    list.get("status").is_some_and(|s| !s.is_null())
}

/// Whether a cached `pick_line` row is an open line of `list_id` with a location.
fn is_open_line_of(line: &serde_json::Value, list_id: &str) -> bool {
    line.get("pick_list_id").and_then(|v| v.as_str()) == Some(list_id)
        && line.get("status").and_then(|v| v.as_str()) == Some("open")
        && line.get("location_id").is_some_and(|v| !v.is_null())
}

/// A pick list's `lines` entry for an open pulled line: what is left to pick, with the
/// location path (the walking order) from the cache.
fn pick_list_line(line: &serde_json::Value, path: Option<String>) -> serde_json::Value {
    let qty = |name: &str| -> Decimal {
        line.get(name)
            .and_then(|v| v.as_str())
            .and_then(|q| q.parse().ok())
            .unwrap_or_default()
    };
    serde_json::json!({
        "id": line["id"],
        "location_id": line["location_id"],
        "location_path": path.unwrap_or_default(),
        "product_id": line["product_id"],
        "qty": (qty("qty") - qty("picked_qty")).normalize().to_string(),
        "lot": line.get("lot_code").cloned().unwrap_or(serde_json::Value::Null),
    })
}

#[cfg(test)]
mod tests {
    //! The contract both stores meet, run against each of them on the host.

    use super::*;
    use crate::core::fixtures;
    use crate::core::ops::{OpOutcome, PullPage, StockMovePayload};

    pub(super) fn move_op(qty: &str) -> NewOp {
        NewOp::StockMove(StockMovePayload {
            product_id: Uuid::now_v7(),
            qty: qty.parse().unwrap(),
            from_location_id: Uuid::now_v7(),
            to_location_id: Uuid::now_v7(),
            lot: None,
        })
    }

    macro_rules! store_contract {
        ($name:ident, $open:expr) => {
            mod $name {
                use super::*;

                #[test]
                fn ops_get_increasing_sequence_numbers_and_uuidv7_ids() {
                    let store = $open;
                    let a = store.append_op(&move_op("1")).unwrap();
                    let b = store.append_op(&move_op("2")).unwrap();
                    assert_eq!((a.device_seq, b.device_seq), (1, 2));
                    assert!(a.op_id < b.op_id, "UUIDv7 ids sort by time");
                    assert_eq!(a.device_id, store.device_id());
                    let pending: Vec<Uuid> = store
                        .unsynced_ops(10)
                        .unwrap()
                        .iter()
                        .map(|o| o.op_id)
                        .collect();
                    assert_eq!(pending, [a.op_id, b.op_id]);
                    assert_eq!(store.unsynced_ops(1).unwrap()[0], a);
                    let recent = store.recent_ops(1).unwrap();
                    assert_eq!(recent[0].op, b, "newest first");
                    assert_eq!(recent[0].action(), Some(move_op_of(&b)));
                }

                fn move_op_of(op: &Op) -> NewOp {
                    NewOp::from_parts(op.kind, &op.payload).unwrap()
                }

                #[test]
                fn outcomes_move_ops_out_of_the_queue_and_rejections_keep_their_reason() {
                    let store = $open;
                    let a = store.append_op(&move_op("1")).unwrap();
                    let b = store.append_op(&move_op("2")).unwrap();
                    let c = store.append_op(&move_op("3")).unwrap();
                    store.mark_sent(&[a.op_id, b.op_id, c.op_id]).unwrap();
                    assert_eq!(
                        store.unsynced_ops(10).unwrap().len(),
                        3,
                        "sent is still unsynced"
                    );
                    store
                        .record_outcomes(&[
                            (a.op_id, OpOutcome::Applied),
                            (b.op_id, OpOutcome::Duplicate),
                            (
                                c.op_id,
                                OpOutcome::Rejected {
                                    code: "negative_stock".into(),
                                    message: "A-1 would go below zero".into(),
                                },
                            ),
                        ])
                        .unwrap();
                    assert!(store.unsynced_ops(10).unwrap().is_empty());
                    assert_eq!(
                        store.op_counts().unwrap(),
                        OpCounts {
                            pending: 0,
                            applied: 1,
                            duplicate: 1,
                            rejected: 1,
                            discarded: 0
                        }
                    );
                    let rejected = store.ops_with_status(OpStatus::Rejected).unwrap();
                    assert_eq!(rejected[0].error_code.as_deref(), Some("negative_stock"));
                    assert_eq!(rejected[0].attempts, 1);
                    // An answer for an op that is already settled changes nothing.
                    store
                        .record_outcomes(&[(
                            a.op_id,
                            OpOutcome::Rejected {
                                code: "x".into(),
                                message: "y".into(),
                            },
                        )])
                        .unwrap();
                    assert_eq!(
                        store.op(a.op_id).unwrap().unwrap().status,
                        OpStatus::Applied
                    );
                    assert!(store.op(Uuid::now_v7()).unwrap().is_none());
                }

                #[test]
                fn rejected_ops_are_fixed_by_a_new_op_or_discarded_never_edited() {
                    let store = $open;
                    let a = store.append_op(&move_op("5")).unwrap();
                    let b = store.append_op(&move_op("6")).unwrap();
                    let reject = |id| {
                        (
                            id,
                            OpOutcome::Rejected {
                                code: "c".into(),
                                message: "m".into(),
                            },
                        )
                    };
                    assert!(matches!(
                        store.discard_rejected(a.op_id),
                        Err(StoreError::NotRejected { .. })
                    ));
                    store
                        .record_outcomes(&[reject(a.op_id), reject(b.op_id)])
                        .unwrap();

                    let fixed = store.replace_rejected(a.op_id, &move_op("4")).unwrap();
                    assert_eq!(fixed.device_seq, 3);
                    let old = store.op(a.op_id).unwrap().unwrap();
                    assert_eq!(old.status, OpStatus::Discarded);
                    assert_eq!(old.replaced_by, Some(fixed.op_id));
                    assert_eq!(old.op.payload, a.payload, "the original stays as it was");

                    store.discard_rejected(b.op_id).unwrap();
                    assert!(matches!(
                        store.discard_rejected(b.op_id),
                        Err(StoreError::NotRejected { .. })
                    ));
                    assert!(matches!(
                        store.discard_rejected(Uuid::now_v7()),
                        Err(StoreError::UnknownOp(_))
                    ));
                    assert_eq!(
                        store
                            .unsynced_ops(10)
                            .unwrap()
                            .iter()
                            .map(|o| o.op_id)
                            .collect::<Vec<_>>(),
                        [fixed.op_id]
                    );
                    assert_eq!(store.op_counts().unwrap().discarded, 2);
                }

                #[test]
                fn pulled_rows_are_indexed_by_their_codes_and_the_cursor_moves_with_them() {
                    let store = $open;
                    let fx = fixtures::Warehouse::new();
                    assert_eq!(store.cursor().unwrap(), None);
                    store.apply_pull(&fx.pull_page("c1")).unwrap();
                    assert_eq!(store.cursor().unwrap().as_deref(), Some("c1"));
                    // EAN-13 on the label, found by its 13 digits and by the GTIN-14 form.
                    let hits = store.lookup_code(fixtures::EAN_WIDGET).unwrap();
                    assert_eq!(hits.len(), 1);
                    assert_eq!(hits[0].kind, RefKind::Product);
                    assert_eq!(hits[0].id, fx.widget.id.to_string());
                    assert_eq!(
                        store
                            .lookup_code(&format!("0{}", fixtures::EAN_WIDGET))
                            .unwrap(),
                        hits
                    );
                    let bin = store.lookup_code("WH1/A/A-01").unwrap();
                    assert_eq!(bin[0].kind, RefKind::Location);
                    let quants = store
                        .quants_where(QuantField::Product, fx.widget.id)
                        .unwrap();
                    assert_eq!(quants.len(), 2);
                    assert!(quants[0].location_path <= quants[1].location_path);
                    assert_eq!(store.ref_count(RefKind::Product).unwrap(), 3);

                    // A deletion removes the row and its codes.
                    let gone = PullPage {
                        changes: vec![crate::core::ops::Change {
                            entity: "product".into(),
                            id: fx.widget.id.to_string(),
                            data: None,
                        }],
                        cursor: "c2".into(),
                        has_more: false,
                    };
                    store.apply_pull(&gone).unwrap();
                    assert!(store.lookup_code(fixtures::EAN_WIDGET).unwrap().is_empty());
                    assert!(store
                        .get::<Product>(&fx.widget.id.to_string())
                        .unwrap()
                        .is_none());
                    assert_eq!(store.cursor().unwrap().as_deref(), Some("c2"));

                    // An unknown entity fails the page and leaves cursor and rows alone.
                    let bad = PullPage {
                        changes: vec![
                            crate::core::ops::Change {
                                entity: "product".into(),
                                id: fx.gadget.id.to_string(),
                                data: None,
                            },
                            crate::core::ops::Change {
                                entity: "spaceship".into(),
                                id: "1".into(),
                                data: None,
                            },
                        ],
                        cursor: "c3".into(),
                        has_more: false,
                    };
                    assert!(matches!(
                        store.apply_pull(&bad),
                        Err(StoreError::UnknownEntity(_))
                    ));
                    assert_eq!(store.cursor().unwrap().as_deref(), Some("c2"));
                    assert_eq!(store.ref_count(RefKind::Product).unwrap(), 2);
                }

                #[test]
                fn replace_all_swaps_a_whole_kind_and_last_sync_is_kept() {
                    let store = $open;
                    let fx = fixtures::Warehouse::new();
                    store.put_refs(std::slice::from_ref(&fx.po)).unwrap();
                    assert_eq!(store.lookup_code(&fx.po.number).unwrap().len(), 1);
                    store.replace_all(RefKind::PurchaseOrder, &[]).unwrap();
                    assert!(store.lookup_code(&fx.po.number).unwrap().is_empty());
                    assert!(store
                        .all::<crate::core::refdata::PurchaseOrderRef>()
                        .unwrap()
                        .is_empty());
                    assert_eq!(store.last_sync().unwrap(), None);
                    let at = chrono::DateTime::parse_from_rfc3339("2026-12-05T10:00:00Z")
                        .unwrap()
                        .with_timezone(&chrono::Utc);
                    store.set_last_sync(at).unwrap();
                    assert_eq!(store.last_sync().unwrap(), Some(at));
                }
            }
        };
    }

    #[cfg(not(target_arch = "wasm32"))]
    store_contract!(sqlite_store, Store::open_in_memory().unwrap());
    store_contract!(memory_store, MemoryStore::open_in_memory().unwrap());
    store_contract!(
        persisted_memory_store,
        MemoryStore::open_persisted(Box::new(MemoryPersistence::default())).unwrap()
    );
}
