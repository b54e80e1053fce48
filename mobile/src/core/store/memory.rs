//! The store over in-memory maps, written through to a [`Persistence`]: the browser's
//! store (where SQLite's C code does not build), and a second implementation of the same
//! contract that the host's tests exercise next to SQLite.
//!
//! What is written where (keys of the persistence):
//!
//! - `op.<device_seq, 12 digits>`: one op with its status, written before
//!   [`MemoryStore::append_op`] returns (the write is the commit) and again when its
//!   status moves. Ops are never removed.
//! - `refs.<kind>`: every cached row of one kind (rewritten when a pull changed it).
//! - `meta`: device id, pull cursor, last sync, written after the rows of a pull page, so
//!   a reload between the two pulls the page again (applying a page twice is harmless).
//!
//! The scan-code index is not stored: it is rebuilt from the cached rows on load.
//!
//! The op log must persist; the reference cache may not fit (the browser's
//! `localStorage` holds about 5 MB per site). When writing the cache fails, the store
//! drops the persisted cache and cursor, keeps the rows in memory for this run and stops
//! persisting them, so the next start pulls everything again instead of failing every
//! sync. A failed op write fails the action: the UI confirms nothing it could not keep.

use super::{
    barcode_code, code_key, codes_of, decode_value, encode, is_open_line_of, is_pulled_pick_list,
    pick_list_line, CodeHit, LoggedOp, OpCounts, OpStatus, QuantField, StoreError, META_CURSOR,
    META_DEVICE_ID, META_LAST_SYNC,
};
use crate::core::ops::{Change, NewOp, Op, OpKind, OpOutcome, PullPage};
use crate::core::refdata::{Cached, RefKind};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex, PoisonError};
use uuid::Uuid;

/// Where a [`MemoryStore`] keeps its data between runs: text values under text keys.
/// In the browser that is `localStorage` (see `platform::web`); tests use
/// [`MemoryPersistence`].
pub trait Persistence: Send {
    /// Every entry this store wrote earlier.
    fn load(&self) -> Result<Vec<(String, String)>, StoreError>;
    /// Writes one entry; when this returns `Ok` the value survives a reload.
    fn put(&mut self, key: &str, value: &str) -> Result<(), StoreError>;
    /// Removes one entry; removing a missing key is not an error.
    fn remove(&mut self, key: &str) -> Result<(), StoreError>;
}

/// A persistence in a shared map: a clone sees what the store wrote, so tests "reload" by
/// opening a new store over it; [`MemoryPersistence::limit_value_len`] makes writes fail
/// the way a full `localStorage` does.
#[derive(Debug, Clone, Default)]
pub struct MemoryPersistence {
    inner: Arc<Mutex<MemoryEntries>>,
}

#[derive(Debug, Default)]
struct MemoryEntries {
    entries: BTreeMap<String, String>,
    /// Bytes a value may have before a write fails (`None`: no limit).
    max_value_len: Option<usize>,
}

impl MemoryPersistence {
    fn inner(&self) -> std::sync::MutexGuard<'_, MemoryEntries> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Everything written so far.
    pub fn entries(&self) -> BTreeMap<String, String> {
        self.inner().entries.clone()
    }

    /// Refuses values longer than `len` bytes from now on, like a full `localStorage`.
    pub fn limit_value_len(&self, len: usize) {
        self.inner().max_value_len = Some(len);
    }
}

impl Persistence for MemoryPersistence {
    fn load(&self) -> Result<Vec<(String, String)>, StoreError> {
        Ok(self.entries().into_iter().collect())
    }

    fn put(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        let mut inner = self.inner();
        if inner.max_value_len.is_some_and(|max| value.len() > max) {
            return Err(StoreError::Persist {
                key: key.to_owned(),
                message: "quota exceeded".into(),
            });
        }
        inner.entries.insert(key.to_owned(), value.to_owned());
        Ok(())
    }

    fn remove(&mut self, key: &str) -> Result<(), StoreError> {
        self.inner().entries.remove(key);
        Ok(())
    }
}

const KEY_META: &str = "meta";
const KEY_OP: &str = "op.";
const KEY_REFS: &str = "refs.";

fn op_key(device_seq: i64) -> String {
    format!("{KEY_OP}{device_seq:012}")
}

/// One op with its bookkeeping, as kept and persisted.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct OpRow {
    device_seq: i64,
    op_id: Uuid,
    kind: OpKind,
    payload: Value,
    created_at: DateTime<Utc>,
    status: OpStatus,
    error_code: Option<String>,
    error_message: Option<String>,
    attempts: i64,
    replaced_by: Option<Uuid>,
    updated_at: DateTime<Utc>,
}

impl OpRow {
    fn op(&self, device_id: Uuid) -> Op {
        Op {
            op_id: self.op_id,
            device_id,
            device_seq: self.device_seq,
            kind: self.kind,
            payload: self.payload.clone(),
            created_at: self.created_at,
        }
    }

    fn logged(&self, device_id: Uuid) -> LoggedOp {
        LoggedOp {
            op: self.op(device_id),
            status: self.status,
            error_code: self.error_code.clone(),
            error_message: self.error_message.clone(),
            attempts: self.attempts,
            replaced_by: self.replaced_by,
        }
    }
}

/// Everything the store holds, indexed the way the queries need it.
#[derive(Debug, Default)]
struct State {
    meta: BTreeMap<String, String>,
    /// kind → id → row.
    refs: BTreeMap<&'static str, BTreeMap<String, Value>>,
    /// code → (kind, id) → qty: the scan index.
    codes: BTreeMap<String, BTreeMap<(&'static str, String), Option<String>>>,
    /// (kind, id) → its codes, to drop them when the row changes.
    owned: BTreeMap<(&'static str, String), BTreeSet<String>>,
    /// By `device_seq - 1`.
    ops: Vec<OpRow>,
    by_id: HashMap<Uuid, usize>,
}

impl State {
    fn row(&self, kind: RefKind, id: &str) -> Option<&Value> {
        self.refs.get(kind.as_str()).and_then(|rows| rows.get(id))
    }

    /// One text field of a cached row.
    fn field(&self, kind: RefKind, id: &str, name: &str) -> Option<String> {
        self.row(kind, id)?
            .get(name)
            .and_then(|v| v.as_str())
            .map(str::to_owned)
    }

    fn add_code(&mut self, code: String, kind: &'static str, id: &str, qty: Option<String>) {
        self.owned
            .entry((kind, id.to_owned()))
            .or_default()
            .insert(code.clone());
        self.codes
            .entry(code)
            .or_default()
            .insert((kind, id.to_owned()), qty);
    }

    fn remove_code(&mut self, code: &str, kind: &'static str, id: &str) {
        let owner = (kind, id.to_owned());
        if let Some(hits) = self.codes.get_mut(code) {
            hits.remove(&owner);
            if hits.is_empty() {
                self.codes.remove(code);
            }
        }
        if let Some(codes) = self.owned.get_mut(&owner) {
            codes.remove(code);
            if codes.is_empty() {
                self.owned.remove(&owner);
            }
        }
    }

    fn remove_codes_of(&mut self, kind: &'static str, id: &str) {
        let owner = (kind, id.to_owned());
        for code in self.owned.remove(&owner).unwrap_or_default() {
            if let Some(hits) = self.codes.get_mut(&code) {
                hits.remove(&owner);
                if hits.is_empty() {
                    self.codes.remove(&code);
                }
            }
        }
    }

    /// Caches a row and re-indexes its codes (a code already indexed for it keeps its qty).
    fn put_ref(&mut self, kind: RefKind, id: &str, json: Value) {
        let k = kind.as_str();
        self.remove_codes_of(k, id);
        for (code, qty) in codes_of(kind, &json) {
            let known = self
                .codes
                .get(&code)
                .is_some_and(|hits| hits.contains_key(&(k, id.to_owned())));
            if !code.is_empty() && !known {
                self.add_code(code, k, id, qty);
            }
        }
        self.refs.entry(k).or_default().insert(id.to_owned(), json);
    }

    fn delete_ref(&mut self, kind: RefKind, id: &str) {
        if let Some(rows) = self.refs.get_mut(kind.as_str()) {
            rows.remove(id);
        }
        self.remove_codes_of(kind.as_str(), id);
    }

    /// Indexes a pulled barcode row as a code of its product (its qty wins).
    fn index_barcode(&mut self, json: &Value) {
        if let Some((code, product, qty)) = barcode_code(json) {
            self.add_code(code, RefKind::Product.as_str(), &product, Some(qty));
        }
    }

    /// Removes the code a cached barcode row added to its product.
    fn unindex_barcode(&mut self, id: &str) {
        if let Some((code, product, _)) = self.row(RefKind::Barcode, id).and_then(barcode_code) {
            self.remove_code(&code, RefKind::Product.as_str(), &product);
        }
    }

    /// A product row was replaced (which re-indexed its own codes): add its barcodes again.
    fn reindex_barcodes_of(&mut self, product: &str) {
        let rows: Vec<Value> = self
            .refs
            .get(RefKind::Barcode.as_str())
            .into_iter()
            .flat_map(|rows| rows.values())
            .filter(|b| b.get("product_id").and_then(|v| v.as_str()) == Some(product))
            .cloned()
            .collect();
        for row in rows {
            self.index_barcode(&row);
        }
    }

    /// Rewrites a pulled pick list's `lines` from its cached open `pick_line` rows, in
    /// walking order.
    fn rebuild_pick_list(&mut self, list_id: &str) {
        let Some(mut list) = self.row(RefKind::PickList, list_id).cloned() else {
            return;
        };
        if !is_pulled_pick_list(&list) {
            return;
        }
        let mut open: Vec<(&String, &Value)> = self
            .refs
            .get(RefKind::PickLine.as_str())
            .into_iter()
            .flat_map(|rows| rows.iter())
            .filter(|(_, line)| is_open_line_of(line, list_id))
            .collect();
        open.sort_by(|(a_id, a), (b_id, b)| {
            sql_order(a.get("walk_seq"), b.get("walk_seq")).then_with(|| a_id.cmp(b_id))
        });
        let lines = open
            .into_iter()
            .map(|(_, line)| {
                let location = line["location_id"].as_str().unwrap_or_default();
                pick_list_line(line, self.field(RefKind::Location, location, "path"))
            })
            .collect();
        list["lines"] = Value::Array(lines);
        self.put_ref(RefKind::PickList, list_id, list);
    }

    /// The scan index from the cached rows, as the incremental updates leave it.
    fn rebuild_codes(&mut self) {
        self.codes.clear();
        self.owned.clear();
        for kind in RefKind::ALL {
            let rows: Vec<(String, Value)> = self
                .refs
                .get(kind.as_str())
                .into_iter()
                .flat_map(|rows| rows.iter())
                .map(|(id, row)| (id.clone(), row.clone()))
                .collect();
            for (id, row) in rows {
                for (code, qty) in codes_of(kind, &row) {
                    if !code.is_empty() {
                        self.add_code(code, kind.as_str(), &id, qty);
                    }
                }
            }
        }
        let barcodes: Vec<Value> = self
            .refs
            .get(RefKind::Barcode.as_str())
            .into_iter()
            .flat_map(|rows| rows.values().cloned())
            .collect();
        for row in barcodes {
            self.index_barcode(&row);
        }
    }
}

/// SQLite's order for JSON values pulled out with `->>`: missing/null, then numbers,
/// then text.
fn sql_order(a: Option<&Value>, b: Option<&Value>) -> std::cmp::Ordering {
    fn rank(v: Option<&Value>) -> (u8, f64, String) {
        match v {
            None | Some(Value::Null) => (0, 0.0, String::new()),
            Some(Value::Number(n)) => (1, n.as_f64().unwrap_or_default(), String::new()),
            Some(Value::Bool(b)) => (1, f64::from(u8::from(*b)), String::new()),
            Some(Value::String(s)) => (2, 0.0, s.clone()),
            Some(other) => (2, 0.0, other.to_string()),
        }
    }
    let (a, b) = (rank(a), rank(b));
    a.0.cmp(&b.0)
        .then(a.1.total_cmp(&b.1))
        .then_with(|| a.2.cmp(&b.2))
}

/// The local store in memory, optionally written through to a [`Persistence`]. The same
/// methods as the SQLite store; see the module doc for what is persisted how.
pub struct MemoryStore {
    device_id: Uuid,
    state: RefCell<State>,
    persist: RefCell<Option<Box<dyn Persistence>>>,
    /// Whether the reference cache is still written through (see the module doc).
    cache_persisted: std::cell::Cell<bool>,
}

impl std::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryStore")
            .field("device_id", &self.device_id)
            .field("persisted", &self.persist.borrow().is_some())
            .finish_non_exhaustive()
    }
}

impl MemoryStore {
    /// A throw-away store (tests and the no-storage fallback).
    pub fn open_in_memory() -> Result<MemoryStore, StoreError> {
        Ok(Self::from_state(State::default(), None))
    }

    /// Loads what `persist` holds (an empty store the first time) and writes every
    /// change through to it.
    pub fn open_persisted(persist: Box<dyn Persistence>) -> Result<MemoryStore, StoreError> {
        let mut state = State::default();
        for (key, value) in persist.load()? {
            let corrupt = |source| StoreError::Corrupt {
                kind: "stored entry",
                id: key.clone(),
                source,
            };
            if key == KEY_META {
                state.meta = serde_json::from_str(&value).map_err(corrupt)?;
            } else if key.starts_with(KEY_OP) {
                let row: OpRow = serde_json::from_str(&value).map_err(corrupt)?;
                state.ops.push(row);
            } else if let Some(kind) = key.strip_prefix(KEY_REFS).and_then(RefKind::parse) {
                let rows = serde_json::from_str(&value).map_err(corrupt)?;
                state.refs.insert(kind.as_str(), rows);
            }
        }
        state.ops.sort_by_key(|o| o.device_seq);
        state.by_id = state
            .ops
            .iter()
            .enumerate()
            .map(|(i, o)| (o.op_id, i))
            .collect();
        state.rebuild_codes();
        let store = Self::from_state(state, Some(persist));
        store.save_meta()?;
        Ok(store)
    }

    fn from_state(mut state: State, persist: Option<Box<dyn Persistence>>) -> MemoryStore {
        let device_id = match state
            .meta
            .get(META_DEVICE_ID)
            .and_then(|s| Uuid::parse_str(s).ok())
        {
            Some(id) => id,
            None => {
                let id = Uuid::now_v7();
                state.meta.insert(META_DEVICE_ID.into(), id.to_string());
                id
            }
        };
        MemoryStore {
            device_id,
            state: RefCell::new(state),
            persist: RefCell::new(persist),
            cache_persisted: std::cell::Cell::new(true),
        }
    }

    /// Wraps the store for sharing with the sync loop (a `SharedStore` in the browser,
    /// where this is the `Store`).
    pub fn shared(self) -> std::sync::Arc<std::sync::Mutex<MemoryStore>> {
        std::sync::Arc::new(std::sync::Mutex::new(self))
    }

    /// This installation's id, generated on first start and kept for good.
    pub fn device_id(&self) -> Uuid {
        self.device_id
    }

    // ---- persistence ----------------------------------------------------------------

    fn write(&self, key: &str, value: &str) -> Result<(), StoreError> {
        match self.persist.borrow_mut().as_mut() {
            Some(p) => p.put(key, value),
            None => Ok(()),
        }
    }

    fn save_op(&self, row: &OpRow) -> Result<(), StoreError> {
        if self.persist.borrow().is_none() {
            return Ok(());
        }
        let json = serde_json::to_string(row).map_err(|source| StoreError::Corrupt {
            kind: "op",
            id: row.op_id.to_string(),
            source,
        })?;
        self.write(&op_key(row.device_seq), &json)
    }

    fn save_meta(&self) -> Result<(), StoreError> {
        if self.persist.borrow().is_none() {
            return Ok(());
        }
        let mut meta = self.state.borrow().meta.clone();
        if !self.cache_persisted.get() {
            // Without the cached rows the cursor would skip them after a reload.
            meta.remove(META_CURSOR);
        }
        let json = serde_json::to_string(&meta).unwrap_or_default();
        self.write(KEY_META, &json)
    }

    /// Writes the cached rows of `kinds`; on failure gives up persisting the cache (see
    /// the module doc) rather than failing the sync.
    fn save_refs(&self, kinds: &BTreeSet<&'static str>) -> Result<(), StoreError> {
        if self.persist.borrow().is_none() || !self.cache_persisted.get() {
            return Ok(());
        }
        let mut failed = false;
        for kind in kinds {
            let json = {
                let state = self.state.borrow();
                let empty = BTreeMap::new();
                serde_json::to_string(state.refs.get(kind).unwrap_or(&empty)).unwrap_or_default()
            };
            if self.write(&format!("{KEY_REFS}{kind}"), &json).is_err() {
                failed = true;
                break;
            }
        }
        if failed {
            self.cache_persisted.set(false);
            if let Some(p) = self.persist.borrow_mut().as_mut() {
                for kind in RefKind::ALL {
                    p.remove(&format!("{KEY_REFS}{}", kind.as_str()))?;
                }
            }
        }
        self.save_meta()
    }

    // ---- op log ------------------------------------------------------------------

    fn new_row(&self, action: &NewOp) -> OpRow {
        let now = Utc::now();
        OpRow {
            device_seq: self.state.borrow().ops.len() as i64 + 1,
            op_id: Uuid::now_v7(),
            kind: action.kind(),
            payload: action.payload(),
            created_at: now,
            status: OpStatus::Pending,
            error_code: None,
            error_message: None,
            attempts: 0,
            replaced_by: None,
            updated_at: now,
        }
    }

    fn push_row(&self, row: OpRow) -> Op {
        let op = row.op(self.device_id);
        let mut state = self.state.borrow_mut();
        let index = state.ops.len();
        state.by_id.insert(row.op_id, index);
        state.ops.push(row);
        op
    }

    /// Records an action. When this returns `Ok`, the op is persisted.
    pub fn append_op(&self, action: &NewOp) -> Result<Op, StoreError> {
        let row = self.new_row(action);
        self.save_op(&row)?;
        Ok(self.push_row(row))
    }

    /// Ops still to push (pending, or sent without an answer), oldest first.
    pub fn unsynced_ops(&self, limit: usize) -> Result<Vec<Op>, StoreError> {
        Ok(self
            .state
            .borrow()
            .ops
            .iter()
            .filter(|o| o.status.is_unsynced())
            .take(limit)
            .map(|o| o.op(self.device_id))
            .collect())
    }

    /// Changes the unsynced ops among `ids` and persists each one changed.
    fn update_unsynced<F: Fn(&mut OpRow)>(
        &self,
        ids: impl IntoIterator<Item = (Uuid, F)>,
    ) -> Result<(), StoreError> {
        let now = Utc::now();
        let mut changed = Vec::new();
        {
            let mut state = self.state.borrow_mut();
            for (id, change) in ids {
                let Some(&i) = state.by_id.get(&id) else {
                    continue;
                };
                let row = &mut state.ops[i];
                if row.status.is_unsynced() {
                    change(row);
                    row.updated_at = now;
                    changed.push(row.clone());
                }
            }
        }
        changed.iter().try_for_each(|row| self.save_op(row))
    }

    /// Marks ops as handed to the network (one more attempt each).
    pub fn mark_sent(&self, op_ids: &[Uuid]) -> Result<(), StoreError> {
        self.update_unsynced(op_ids.iter().map(|&id| {
            (id, |row: &mut OpRow| {
                row.status = OpStatus::Sent;
                row.attempts += 1;
            })
        }))
    }

    /// Stores what the server said about each op.
    pub fn record_outcomes(&self, results: &[(Uuid, OpOutcome)]) -> Result<(), StoreError> {
        self.update_unsynced(results.iter().map(|(id, outcome)| {
            (*id, move |row: &mut OpRow| {
                let (status, code, message) = match outcome {
                    OpOutcome::Applied => (OpStatus::Applied, None, None),
                    OpOutcome::Duplicate => (OpStatus::Duplicate, None, None),
                    OpOutcome::Rejected { code, message } => (
                        OpStatus::Rejected,
                        Some(code.clone()),
                        Some(message.clone()),
                    ),
                };
                row.status = status;
                row.error_code = code;
                row.error_message = message;
            })
        }))
    }

    /// One op with its status.
    pub fn op(&self, op_id: Uuid) -> Result<Option<LoggedOp>, StoreError> {
        let state = self.state.borrow();
        Ok(state
            .by_id
            .get(&op_id)
            .map(|&i| state.ops[i].logged(self.device_id)))
    }

    /// Every op with this status, oldest first.
    pub fn ops_with_status(&self, status: OpStatus) -> Result<Vec<LoggedOp>, StoreError> {
        Ok(self
            .state
            .borrow()
            .ops
            .iter()
            .filter(|o| o.status == status)
            .map(|o| o.logged(self.device_id))
            .collect())
    }

    /// The last `limit` ops, newest first (the activity list).
    pub fn recent_ops(&self, limit: usize) -> Result<Vec<LoggedOp>, StoreError> {
        Ok(self
            .state
            .borrow()
            .ops
            .iter()
            .rev()
            .take(limit)
            .map(|o| o.logged(self.device_id))
            .collect())
    }

    pub fn op_counts(&self) -> Result<OpCounts, StoreError> {
        let mut counts = OpCounts::default();
        for row in &self.state.borrow().ops {
            counts.add(row.status, 1);
        }
        Ok(counts)
    }

    fn require_rejected(&self, op_id: Uuid) -> Result<OpRow, StoreError> {
        let state = self.state.borrow();
        let &i = state
            .by_id
            .get(&op_id)
            .ok_or(StoreError::UnknownOp(op_id))?;
        let row = &state.ops[i];
        if row.status != OpStatus::Rejected {
            return Err(StoreError::NotRejected {
                op_id,
                status: row.status,
            });
        }
        Ok(row.clone())
    }

    fn discard(&self, mut row: OpRow, replaced_by: Option<Uuid>) -> Result<(), StoreError> {
        row.status = OpStatus::Discarded;
        row.replaced_by = replaced_by;
        row.updated_at = Utc::now();
        self.save_op(&row)?;
        let mut state = self.state.borrow_mut();
        let i = state.by_id[&row.op_id];
        state.ops[i] = row;
        Ok(())
    }

    /// The user gives up on a rejected op. It stays in the log, marked discarded.
    pub fn discard_rejected(&self, op_id: Uuid) -> Result<(), StoreError> {
        let row = self.require_rejected(op_id)?;
        self.discard(row, None)
    }

    /// The user corrected a rejected op: the fix is a new op (new id, new sequence),
    /// the old one is discarded and points at it.
    pub fn replace_rejected(&self, op_id: Uuid, fixed: &NewOp) -> Result<Op, StoreError> {
        let old = self.require_rejected(op_id)?;
        let row = self.new_row(fixed);
        self.save_op(&row)?;
        let new = self.push_row(row);
        self.discard(old, Some(new.op_id))?;
        Ok(new)
    }

    // ---- reference data ------------------------------------------------------------

    /// Caches rows (e.g. from a pull or a test fixture) and re-indexes their codes.
    pub fn put_refs<T: Cached>(&self, rows: &[T]) -> Result<(), StoreError> {
        let encoded = rows
            .iter()
            .map(|row| Ok((row.key(), encode(row)?)))
            .collect::<Result<Vec<_>, StoreError>>()?;
        {
            let mut state = self.state.borrow_mut();
            for (id, json) in encoded {
                state.put_ref(T::KIND, &id, json);
            }
        }
        self.save_refs(&BTreeSet::from([T::KIND.as_str()]))
    }

    /// Applies a pulled page and moves the cursor. The page is checked first, so a bad
    /// page changes nothing; the rows are persisted before the cursor.
    pub fn apply_pull(&self, page: &PullPage) -> Result<(), StoreError> {
        let kinds = page
            .changes
            .iter()
            .map(|c| {
                RefKind::parse(&c.entity).ok_or_else(|| StoreError::UnknownEntity(c.entity.clone()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut touched: BTreeSet<&'static str> = kinds.iter().map(|k| k.as_str()).collect();
        {
            let mut state = self.state.borrow_mut();
            // Pick lists whose lines changed; rebuilt once at the end of the page.
            let mut lists = BTreeSet::new();
            for (change, &kind) in page.changes.iter().zip(&kinds) {
                match kind {
                    RefKind::Barcode => state.unindex_barcode(&change.id),
                    RefKind::PickLine => {
                        lists.extend(state.field(kind, &change.id, "pick_list_id"))
                    }
                    RefKind::PickList => {
                        lists.insert(change.id.clone());
                    }
                    _ => {}
                }
                match &change.data {
                    Some(json) => {
                        let mut json = json.clone();
                        if kind == RefKind::Quant
                            && json.get("location_path").is_some_and(|p| p == "")
                        {
                            let location = json
                                .get("location_id")
                                .and_then(|v| v.as_str())
                                .unwrap_or_default();
                            if let Some(path) = state.field(RefKind::Location, location, "path") {
                                json["location_path"] = Value::String(path);
                            }
                        }
                        let list = json
                            .get("pick_list_id")
                            .and_then(|v| v.as_str())
                            .map(str::to_owned);
                        state.put_ref(kind, &change.id, json.clone());
                        match kind {
                            RefKind::Barcode => state.index_barcode(&json),
                            RefKind::Product => state.reindex_barcodes_of(&change.id),
                            RefKind::PickLine => lists.extend(list),
                            _ => {}
                        }
                    }
                    None => state.delete_ref(kind, &change.id),
                }
            }
            if !lists.is_empty() {
                touched.insert(RefKind::PickList.as_str());
            }
            for list in lists {
                state.rebuild_pick_list(&list);
            }
            state.meta.insert(META_CURSOR.into(), page.cursor.clone());
        }
        self.save_refs(&touched)
    }

    /// Replaces every cached row of `kind` with `rows` (a full list, such as the open
    /// purchase orders); rows without data are left out.
    pub fn replace_all(&self, kind: RefKind, rows: &[Change]) -> Result<(), StoreError> {
        {
            let mut state = self.state.borrow_mut();
            state.refs.remove(kind.as_str());
            let owners: Vec<String> = state
                .owned
                .keys()
                .filter(|(k, _)| *k == kind.as_str())
                .map(|(_, id)| id.clone())
                .collect();
            for id in owners {
                state.remove_codes_of(kind.as_str(), &id);
            }
            for row in rows {
                if let Some(json) = &row.data {
                    state.put_ref(kind, &row.id, json.clone());
                }
            }
        }
        self.save_refs(&BTreeSet::from([kind.as_str()]))
    }

    /// The pull cursor (`None` before the first pull).
    pub fn cursor(&self) -> Result<Option<String>, StoreError> {
        Ok(self.state.borrow().meta.get(META_CURSOR).cloned())
    }

    pub fn last_sync(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        Ok(self
            .state
            .borrow()
            .meta
            .get(META_LAST_SYNC)
            .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
            .map(|d| d.with_timezone(&Utc)))
    }

    pub fn set_last_sync(&self, at: DateTime<Utc>) -> Result<(), StoreError> {
        self.state
            .borrow_mut()
            .meta
            .insert(META_LAST_SYNC.into(), at.to_rfc3339());
        self.save_meta()
    }

    /// One cached row.
    pub fn get<T: Cached>(&self, id: &str) -> Result<Option<T>, StoreError> {
        self.state
            .borrow()
            .row(T::KIND, id)
            .map(|json| decode_value(json, id))
            .transpose()
    }

    /// Every cached row of a kind, in id order.
    pub fn all<T: Cached>(&self) -> Result<Vec<T>, StoreError> {
        let state = self.state.borrow();
        state
            .refs
            .get(T::KIND.as_str())
            .into_iter()
            .flat_map(|rows| rows.iter())
            .map(|(id, json)| decode_value(json, id))
            .collect()
    }

    /// Cached quants of a product, or at a location, by location path.
    pub fn quants_where(
        &self,
        field: QuantField,
        id: Uuid,
    ) -> Result<Vec<shared_types::inventory::Quant>, StoreError> {
        let state = self.state.borrow();
        let id = id.to_string();
        let mut rows: Vec<(&String, &Value)> = state
            .refs
            .get(RefKind::Quant.as_str())
            .into_iter()
            .flat_map(|rows| rows.iter())
            .filter(|(_, q)| q.get(field.field()).and_then(|v| v.as_str()) == Some(id.as_str()))
            .collect();
        rows.sort_by(|(a_id, a), (b_id, b)| {
            sql_order(a.get("location_path"), b.get("location_path")).then_with(|| a_id.cmp(b_id))
        });
        rows.into_iter()
            .map(|(key, json)| decode_value(json, key))
            .collect()
    }

    /// What a scanned code points at, by its normalised form (see [`code_key`]).
    pub fn lookup_code(&self, code: &str) -> Result<Vec<CodeHit>, StoreError> {
        let state = self.state.borrow();
        Ok(state
            .codes
            .get(&code_key(code))
            .into_iter()
            .flat_map(|hits| hits.iter())
            .filter_map(|((kind, id), qty)| {
                Some(CodeHit {
                    kind: RefKind::parse(kind)?,
                    id: id.clone(),
                    qty: qty.clone(),
                })
            })
            .collect())
    }

    /// Number of cached rows per kind (sync status, diagnostics).
    pub fn ref_count(&self, kind: RefKind) -> Result<u64, StoreError> {
        Ok(self
            .state
            .borrow()
            .refs
            .get(kind.as_str())
            .map_or(0, |rows| rows.len() as u64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::fixtures;
    use crate::core::store::tests::move_op;

    fn reopen(persist: &MemoryPersistence) -> MemoryStore {
        MemoryStore::open_persisted(Box::new(persist.clone())).unwrap()
    }

    #[test]
    fn ops_cache_and_cursor_survive_a_reload() {
        let persist = MemoryPersistence::default();
        let fx = fixtures::Warehouse::new();
        let (device, a, b) = {
            let store = reopen(&persist);
            let a = store.append_op(&move_op("1")).unwrap();
            let b = store.append_op(&move_op("2")).unwrap();
            store.mark_sent(&[a.op_id]).unwrap();
            store
                .record_outcomes(&[(a.op_id, OpOutcome::Applied)])
                .unwrap();
            store.apply_pull(&fx.pull_page("c1")).unwrap();
            (store.device_id(), a, b)
        };
        let store = reopen(&persist);
        assert_eq!(store.device_id(), device, "device id is stable");
        assert_eq!(
            store.op(a.op_id).unwrap().unwrap().status,
            OpStatus::Applied
        );
        assert_eq!(store.op(a.op_id).unwrap().unwrap().attempts, 1);
        assert_eq!(store.unsynced_ops(10).unwrap(), vec![b]);
        assert_eq!(store.append_op(&move_op("3")).unwrap().device_seq, 3);
        assert_eq!(store.cursor().unwrap().as_deref(), Some("c1"));
        let hits = store.lookup_code(fixtures::EAN_WIDGET).unwrap();
        assert_eq!(hits[0].id, fx.widget.id.to_string(), "scan index rebuilt");
        assert!(persist.entries().contains_key("op.000000000003"));
    }

    #[test]
    fn an_op_that_cannot_be_written_is_not_confirmed() {
        let persist = MemoryPersistence::default();
        let store = reopen(&persist);
        persist.limit_value_len(10);
        assert!(matches!(
            store.append_op(&move_op("1")),
            Err(StoreError::Persist { .. })
        ));
        assert!(store.unsynced_ops(10).unwrap().is_empty());
        assert_eq!(store.op_counts().unwrap(), OpCounts::default());
    }

    #[test]
    fn a_cache_too_big_to_persist_stays_in_memory_and_is_pulled_again_after_a_reload() {
        let persist = MemoryPersistence::default();
        let store = reopen(&persist);
        let op = store.append_op(&move_op("1")).unwrap();
        // Room for ops and meta, not for the cached rows of a whole warehouse.
        persist.limit_value_len(1_000);
        let fx = fixtures::Warehouse::new();
        store.apply_pull(&fx.pull_page("c1")).unwrap();
        assert_eq!(store.cursor().unwrap().as_deref(), Some("c1"));
        assert!(!store.lookup_code(fixtures::EAN_WIDGET).unwrap().is_empty());
        assert!(persist.entries().keys().all(|k| !k.starts_with(KEY_REFS)));

        let reloaded = reopen(&persist);
        assert_eq!(
            reloaded.cursor().unwrap(),
            None,
            "everything is pulled again"
        );
        assert_eq!(reloaded.unsynced_ops(10).unwrap(), vec![op]);
    }

    /// The same pulls into SQLite and into memory leave the same answers to every query.
    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn answers_match_the_sqlite_store() {
        use crate::core::refdata::{CountSessionRef, PickListRef, PurchaseOrderRef};
        use crate::core::store::Store;
        use serde_json::json;
        use shared_types::inventory::{Location, Product, Quant};

        let fx = fixtures::Warehouse::new();
        let (list, line1, line2) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let bin = fx.bins[0].id;
        let change = |entity: &str, id: String, data: Option<Value>| Change {
            entity: entity.into(),
            id,
            data,
        };
        let barcode = Uuid::now_v7().to_string();
        let pages = [
            fx.pull_page("c1"),
            PullPage {
                changes: vec![
                    change(
                        "pick_line",
                        line2.to_string(),
                        Some(json!({"id": line2, "pick_list_id": list, "walk_seq": 2,
                            "product_id": fx.widget.id, "location_id": bin, "qty": "3",
                            "picked_qty": "1", "status": "open"})),
                    ),
                    change(
                        "pick_line",
                        line1.to_string(),
                        Some(json!({"id": line1, "pick_list_id": list, "walk_seq": 1,
                            "product_id": fx.gadget.id, "location_id": bin, "qty": "5",
                            "picked_qty": "0", "status": "open", "lot_code": "L7"})),
                    ),
                    change(
                        "pick_list",
                        list.to_string(),
                        Some(json!({"id": list, "name": "Wave 1", "status": "open"})),
                    ),
                    change(
                        "barcode",
                        barcode.clone(),
                        Some(json!({"product_id": fx.gadget.id, "code": "4006381333931",
                            "qty": "6"})),
                    ),
                ],
                cursor: "c2".into(),
                has_more: false,
            },
            PullPage {
                changes: vec![
                    change("product", fx.gadget.id.to_string(), Some(json!(fx.gadget))),
                    change(
                        "pick_line",
                        line2.to_string(),
                        Some(json!({"id": line2, "pick_list_id": list, "walk_seq": 2,
                            "product_id": fx.widget.id, "location_id": bin, "qty": "3",
                            "picked_qty": "3", "status": "picked"})),
                    ),
                    change("location", fx.bins[1].id.to_string(), None),
                ],
                cursor: "c3".into(),
                has_more: false,
            },
            PullPage {
                changes: vec![change("barcode", barcode, None)],
                cursor: "c4".into(),
                has_more: false,
            },
        ];
        let sqlite = Store::open_in_memory().unwrap();
        let memory = MemoryStore::open_in_memory().unwrap();
        let mut codes = BTreeSet::from(["4006381333931".to_owned(), "PO-1".to_owned()]);
        for page in &pages {
            sqlite.apply_pull(page).unwrap();
            memory.apply_pull(page).unwrap();
            codes.extend(memory.state.borrow().codes.keys().cloned());
            codes.extend(sqlite_codes(&sqlite));
            assert_eq!(memory.cursor().unwrap(), sqlite.cursor().unwrap());
            assert_eq!(
                memory.all::<Product>().unwrap(),
                sqlite.all::<Product>().unwrap()
            );
            assert_eq!(
                memory.all::<Location>().unwrap(),
                sqlite.all::<Location>().unwrap()
            );
            assert_eq!(
                memory.all::<Quant>().unwrap(),
                sqlite.all::<Quant>().unwrap()
            );
            assert_eq!(
                memory.all::<PickListRef>().unwrap(),
                sqlite.all::<PickListRef>().unwrap()
            );
            assert_eq!(
                memory.all::<CountSessionRef>().unwrap(),
                sqlite.all::<CountSessionRef>().unwrap()
            );
            assert_eq!(
                memory.all::<PurchaseOrderRef>().unwrap(),
                sqlite.all::<PurchaseOrderRef>().unwrap()
            );
            for code in &codes {
                assert_eq!(
                    memory.lookup_code(code).unwrap(),
                    sqlite.lookup_code(code).unwrap(),
                    "{code}"
                );
            }
            for field in [QuantField::Product, QuantField::Location] {
                for id in [fx.widget.id, fx.gadget.id, bin, fx.bins[1].id] {
                    assert_eq!(
                        memory.quants_where(field, id).unwrap(),
                        sqlite.quants_where(field, id).unwrap()
                    );
                }
            }
            for kind in RefKind::ALL {
                assert_eq!(
                    memory.ref_count(kind).unwrap(),
                    sqlite.ref_count(kind).unwrap()
                );
            }
        }
        let lists = memory.all::<PickListRef>().unwrap();
        let pulled = lists.iter().find(|l| l.id == list).unwrap();
        assert_eq!(pulled.lines.len(), 1, "the picked line is gone");
        assert_eq!(pulled.lines[0].lot.as_deref(), Some("L7"));
    }

    #[cfg(not(target_arch = "wasm32"))]
    fn sqlite_codes(store: &crate::core::store::Store) -> Vec<String> {
        store.all_codes_for_tests()
    }
}
