//! The phone's local store: SQLite (bundled) holding the cached reference data and the
//! append-only op log.
//!
//! Durability is the point. Every user action is one [`Store::append_op`] call, which
//! commits (WAL, `synchronous=FULL`) before it returns, so the UI confirms only what
//! survives the app being killed a moment later. The op log is append-only in the
//! database itself: triggers refuse deletes and changes to an op's identity or payload;
//! only its sync status moves (pending → sent → applied/duplicate/rejected; a rejected op
//! is discarded or replaced by a fixed copy, never edited).

use super::ops::{Change, NewOp, Op, OpKind, OpOutcome, PullPage};
use super::refdata::{Cached, RefKind};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use rust_decimal::Decimal;
use shared_types::barcode::{classify, ScannedCode};
use shared_types::inventory::{Location, Product};
use std::path::Path;
use uuid::Uuid;

/// Where an op is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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

/// Something the store could not do.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("local database error")]
    Sqlite(#[from] rusqlite::Error),
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

const SCHEMA: &[&str] = &[r#"
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE refs (
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    json TEXT NOT NULL,
    PRIMARY KEY (kind, id)
);
CREATE TABLE codes (
    code TEXT NOT NULL,
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    qty TEXT,
    PRIMARY KEY (code, kind, id)
);
CREATE INDEX codes_owner ON codes (kind, id);
CREATE TABLE ops (
    device_seq INTEGER PRIMARY KEY,
    op_id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    error_code TEXT,
    error_message TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    replaced_by TEXT,
    updated_at TEXT NOT NULL
);
CREATE INDEX ops_status ON ops (status, device_seq);
CREATE TRIGGER ops_append_only_delete BEFORE DELETE ON ops
BEGIN SELECT RAISE(ABORT, 'the op log is append-only'); END;
CREATE TRIGGER ops_identity_is_immutable
BEFORE UPDATE OF device_seq, op_id, kind, payload, created_at ON ops
BEGIN SELECT RAISE(ABORT, 'an op''s identity and payload never change'); END;
"#];

const META_DEVICE_ID: &str = "device_id";
const META_CURSOR: &str = "pull_cursor";
const META_LAST_SYNC: &str = "last_sync";

/// The store shared between the UI and the sync thread.
pub type SharedStore = std::sync::Arc<std::sync::Mutex<Store>>;

/// Locks the shared store. A panic while holding the lock cannot leave SQLite half-written
/// (transactions roll back), so a poisoned lock is still safe to use.
pub fn lock(store: &SharedStore) -> std::sync::MutexGuard<'_, Store> {
    store
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The local SQLite store. One per app; share it as [`SharedStore`].
pub struct Store {
    conn: Connection,
    device_id: Uuid,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("device_id", &self.device_id)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Opens (creating and migrating if needed) the store at `path`.
    pub fn open(path: impl AsRef<Path>) -> Result<Store, StoreError> {
        let conn = Connection::open(path)?;
        // WAL survives a killed process with every committed transaction; FULL also
        // survives power loss, which on a phone with a dying battery is not theoretical.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        Self::init(conn)
    }

    /// Wraps the store for sharing with the sync thread.
    pub fn shared(self) -> SharedStore {
        std::sync::Arc::new(std::sync::Mutex::new(self))
    }

    /// A throw-away store (tests and the no-disk fallback).
    pub fn open_in_memory() -> Result<Store, StoreError> {
        Self::init(Connection::open_in_memory()?)
    }

    fn init(conn: Connection) -> Result<Store, StoreError> {
        let version: usize = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        for (i, step) in SCHEMA.iter().enumerate().skip(version) {
            let tx = conn.unchecked_transaction()?;
            tx.execute_batch(step)?;
            tx.pragma_update(None, "user_version", i + 1)?;
            tx.commit()?;
        }
        let existing: Option<String> = conn
            .query_row(
                "SELECT value FROM meta WHERE key = ?1",
                [META_DEVICE_ID],
                |r| r.get(0),
            )
            .optional()?;
        let device_id = match existing.and_then(|s| Uuid::parse_str(&s).ok()) {
            Some(id) => id,
            None => {
                let id = Uuid::now_v7();
                conn.execute(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
                    params![META_DEVICE_ID, id.to_string()],
                )?;
                id
            }
        };
        Ok(Store { conn, device_id })
    }

    /// This installation's id, generated on first start and kept for good.
    pub fn device_id(&self) -> Uuid {
        self.device_id
    }

    // ---- op log ------------------------------------------------------------------

    /// Records an action. When this returns `Ok`, the op is on disk.
    pub fn append_op(&self, action: &NewOp) -> Result<Op, StoreError> {
        let tx = self.conn.unchecked_transaction()?;
        let op = self.insert_op(&tx, action)?;
        tx.commit()?;
        Ok(op)
    }

    fn insert_op(&self, conn: &Connection, action: &NewOp) -> Result<Op, StoreError> {
        let next: i64 = conn.query_row(
            "SELECT COALESCE(MAX(device_seq), 0) + 1 FROM ops",
            [],
            |r| r.get(0),
        )?;
        let op = Op {
            op_id: Uuid::now_v7(),
            device_id: self.device_id,
            device_seq: next,
            kind: action.kind(),
            payload: action.payload(),
            created_at: Utc::now(),
        };
        conn.prepare_cached(
            "INSERT INTO ops (device_seq, op_id, kind, payload, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
        )?
        .execute(params![
            op.device_seq,
            op.op_id.to_string(),
            op.kind.as_str(),
            op.payload.to_string(),
            op.created_at.to_rfc3339(),
        ])?;
        Ok(op)
    }

    /// Ops still to push (pending, or sent without an answer), oldest first.
    pub fn unsynced_ops(&self, limit: usize) -> Result<Vec<Op>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT device_seq, op_id, kind, payload, created_at FROM ops
             WHERE status IN ('pending', 'sent') ORDER BY device_seq LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit as i64], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, id, kind, payload, created) = row?;
            out.push(self.op_from_row(seq, &id, &kind, &payload, &created)?);
        }
        Ok(out)
    }

    fn op_from_row(
        &self,
        device_seq: i64,
        id: &str,
        kind: &str,
        payload: &str,
        created: &str,
    ) -> Result<Op, StoreError> {
        let corrupt = |source| StoreError::Corrupt {
            kind: "op",
            id: id.to_owned(),
            source,
        };
        let bad = |what: &str| {
            corrupt(<serde_json::Error as serde::de::Error>::custom(format!(
                "bad {what}"
            )))
        };
        Ok(Op {
            op_id: Uuid::parse_str(id).map_err(|_| bad("op_id"))?,
            device_id: self.device_id,
            device_seq,
            kind: OpKind::parse(kind).ok_or_else(|| bad("kind"))?,
            payload: serde_json::from_str(payload).map_err(corrupt)?,
            created_at: DateTime::parse_from_rfc3339(created)
                .map_err(|_| bad("created_at"))?
                .with_timezone(&Utc),
        })
    }

    /// Marks ops as handed to the network (one more attempt each).
    pub fn mark_sent(&self, op_ids: &[Uuid]) -> Result<(), StoreError> {
        let tx = self.conn.unchecked_transaction()?;
        {
            let mut stmt = tx.prepare_cached(
                "UPDATE ops SET status = 'sent', attempts = attempts + 1, updated_at = ?2
                 WHERE op_id = ?1 AND status IN ('pending', 'sent')",
            )?;
            let now = Utc::now().to_rfc3339();
            for id in op_ids {
                stmt.execute(params![id.to_string(), now])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Stores what the server said about each op, in one transaction.
    pub fn record_outcomes(&self, results: &[(Uuid, OpOutcome)]) -> Result<(), StoreError> {
        let tx = self.conn.unchecked_transaction()?;
        {
            let mut stmt = tx.prepare_cached(
                "UPDATE ops SET status = ?2, error_code = ?3, error_message = ?4, updated_at = ?5
                 WHERE op_id = ?1 AND status IN ('pending', 'sent')",
            )?;
            let now = Utc::now().to_rfc3339();
            for (id, outcome) in results {
                let (status, code, message) = match outcome {
                    OpOutcome::Applied => (OpStatus::Applied, None, None),
                    OpOutcome::Duplicate => (OpStatus::Duplicate, None, None),
                    OpOutcome::Rejected { code, message } => (
                        OpStatus::Rejected,
                        Some(code.as_str()),
                        Some(message.as_str()),
                    ),
                };
                stmt.execute(params![id.to_string(), status.as_str(), code, message, now])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// One op with its status.
    pub fn op(&self, op_id: Uuid) -> Result<Option<LoggedOp>, StoreError> {
        Ok(self
            .logged_ops("WHERE op_id = ?1", params![op_id.to_string()])?
            .pop())
    }

    /// Every op with this status, oldest first.
    pub fn ops_with_status(&self, status: OpStatus) -> Result<Vec<LoggedOp>, StoreError> {
        self.logged_ops(
            "WHERE status = ?1 ORDER BY device_seq",
            params![status.as_str()],
        )
    }

    /// The last `limit` ops, newest first (the activity list).
    pub fn recent_ops(&self, limit: usize) -> Result<Vec<LoggedOp>, StoreError> {
        self.logged_ops("ORDER BY device_seq DESC LIMIT ?1", params![limit as i64])
    }

    fn logged_ops(
        &self,
        tail: &str,
        args: impl rusqlite::Params,
    ) -> Result<Vec<LoggedOp>, StoreError> {
        let sql = format!(
            "SELECT device_seq, op_id, kind, payload, created_at, status, error_code,
                    error_message, attempts, replaced_by FROM ops {tail}"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(args, |r| {
            Ok((
                (
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                ),
                r.get::<_, String>(5)?,
                r.get::<_, Option<String>>(6)?,
                r.get::<_, Option<String>>(7)?,
                r.get::<_, i64>(8)?,
                r.get::<_, Option<String>>(9)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let ((seq, id, kind, payload, created), status, code, message, attempts, replaced) =
                row?;
            let op = self.op_from_row(seq, &id, &kind, &payload, &created)?;
            out.push(LoggedOp {
                op,
                status: OpStatus::parse(&status).unwrap_or(OpStatus::Pending),
                error_code: code,
                error_message: message,
                attempts,
                replaced_by: replaced.and_then(|s| Uuid::parse_str(&s).ok()),
            });
        }
        Ok(out)
    }

    pub fn op_counts(&self) -> Result<OpCounts, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT status, COUNT(*) FROM ops GROUP BY status")?;
        let mut counts = OpCounts::default();
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
        for row in rows {
            let (status, n) = row?;
            let n = n as u64;
            match OpStatus::parse(&status) {
                Some(OpStatus::Pending | OpStatus::Sent) => counts.pending += n,
                Some(OpStatus::Applied) => counts.applied += n,
                Some(OpStatus::Duplicate) => counts.duplicate += n,
                Some(OpStatus::Rejected) => counts.rejected += n,
                Some(OpStatus::Discarded) => counts.discarded += n,
                None => {}
            }
        }
        Ok(counts)
    }

    fn require_rejected(&self, op_id: Uuid) -> Result<LoggedOp, StoreError> {
        let op = self.op(op_id)?.ok_or(StoreError::UnknownOp(op_id))?;
        if op.status != OpStatus::Rejected {
            return Err(StoreError::NotRejected {
                op_id,
                status: op.status,
            });
        }
        Ok(op)
    }

    /// The user gives up on a rejected op. It stays in the log, marked discarded.
    pub fn discard_rejected(&self, op_id: Uuid) -> Result<(), StoreError> {
        self.require_rejected(op_id)?;
        self.conn.execute(
            "UPDATE ops SET status = 'discarded', updated_at = ?2 WHERE op_id = ?1",
            params![op_id.to_string(), Utc::now().to_rfc3339()],
        )?;
        Ok(())
    }

    /// The user corrected a rejected op: the fix is a new op (new id, new sequence),
    /// the old one is discarded and points at it — both in one transaction.
    pub fn replace_rejected(&self, op_id: Uuid, fixed: &NewOp) -> Result<Op, StoreError> {
        self.require_rejected(op_id)?;
        let tx = self.conn.unchecked_transaction()?;
        let new = self.insert_op(&tx, fixed)?;
        tx.execute(
            "UPDATE ops SET status = 'discarded', replaced_by = ?2, updated_at = ?3
             WHERE op_id = ?1",
            params![
                op_id.to_string(),
                new.op_id.to_string(),
                Utc::now().to_rfc3339()
            ],
        )?;
        tx.commit()?;
        Ok(new)
    }

    // ---- reference data ------------------------------------------------------------

    /// Caches rows (e.g. from a pull or a test fixture) and re-indexes their codes.
    pub fn put_refs<T: Cached>(&self, rows: &[T]) -> Result<(), StoreError> {
        let tx = self.conn.unchecked_transaction()?;
        for row in rows {
            let json = serde_json::to_value(row).map_err(|source| StoreError::Corrupt {
                kind: T::KIND.as_str(),
                id: row.key(),
                source,
            })?;
            put_ref_json(&tx, T::KIND, &row.key(), &json)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Applies a pulled page and moves the cursor, atomically: a crash mid-page leaves
    /// the old cursor and the old rows, and the page is pulled again.
    pub fn apply_pull(&self, page: &PullPage) -> Result<(), StoreError> {
        let tx = self.conn.unchecked_transaction()?;
        // Pick lists whose lines changed; rebuilt once at the end of the page.
        let mut lists = std::collections::BTreeSet::new();
        for change in &page.changes {
            let kind = RefKind::parse(&change.entity)
                .ok_or_else(|| StoreError::UnknownEntity(change.entity.clone()))?;
            match kind {
                RefKind::Barcode => unindex_barcode(&tx, &change.id)?,
                RefKind::PickLine => {
                    lists.extend(stored_field(&tx, kind, &change.id, "$.pick_list_id")?)
                }
                RefKind::PickList => {
                    lists.insert(change.id.clone());
                }
                _ => {}
            }
            match &change.data {
                Some(json) => {
                    let mut json = json.clone();
                    if kind == RefKind::Quant && json.get("location_path").is_some_and(|p| p == "")
                    {
                        let location = json
                            .get("location_id")
                            .and_then(|v| v.as_str())
                            .unwrap_or_default();
                        if let Some(path) =
                            stored_field(&tx, RefKind::Location, location, "$.path")?
                        {
                            json["location_path"] = serde_json::Value::String(path);
                        }
                    }
                    put_ref_json(&tx, kind, &change.id, &json)?;
                    match kind {
                        RefKind::Barcode => index_barcode(&tx, &json)?,
                        RefKind::Product => reindex_barcodes_of(&tx, &change.id)?,
                        RefKind::PickLine => lists.extend(
                            json.get("pick_list_id")
                                .and_then(|v| v.as_str())
                                .map(str::to_owned),
                        ),
                        _ => {}
                    }
                }
                None => {
                    tx.execute(
                        "DELETE FROM refs WHERE kind = ?1 AND id = ?2",
                        params![kind.as_str(), change.id],
                    )?;
                    tx.execute(
                        "DELETE FROM codes WHERE kind = ?1 AND id = ?2",
                        params![kind.as_str(), change.id],
                    )?;
                }
            }
        }
        for list in lists {
            rebuild_pick_list(&tx, &list)?;
        }
        set_meta(&tx, META_CURSOR, &page.cursor)?;
        tx.commit()?;
        Ok(())
    }

    /// Replaces every cached row of `kind` with `rows` (a full list, such as the open
    /// purchase orders); rows without data are left out.
    pub fn replace_all(&self, kind: RefKind, rows: &[Change]) -> Result<(), StoreError> {
        let tx = self.conn.unchecked_transaction()?;
        tx.execute("DELETE FROM refs WHERE kind = ?1", [kind.as_str()])?;
        tx.execute("DELETE FROM codes WHERE kind = ?1", [kind.as_str()])?;
        for row in rows {
            if let Some(json) = &row.data {
                put_ref_json(&tx, kind, &row.id, json)?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// The pull cursor (`None` before the first pull).
    pub fn cursor(&self) -> Result<Option<String>, StoreError> {
        self.meta(META_CURSOR)
    }

    pub fn last_sync(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        Ok(self
            .meta(META_LAST_SYNC)?
            .and_then(|s| DateTime::parse_from_rfc3339(&s).ok())
            .map(|d| d.with_timezone(&Utc)))
    }

    pub fn set_last_sync(&self, at: DateTime<Utc>) -> Result<(), StoreError> {
        set_meta(&self.conn, META_LAST_SYNC, &at.to_rfc3339())
    }

    fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()?)
    }

    /// One cached row.
    pub fn get<T: Cached>(&self, id: &str) -> Result<Option<T>, StoreError> {
        let json: Option<String> = self
            .conn
            .prepare_cached("SELECT json FROM refs WHERE kind = ?1 AND id = ?2")?
            .query_row(params![T::KIND.as_str(), id], |r| r.get(0))
            .optional()?;
        json.map(|j| decode::<T>(&j, id)).transpose()
    }

    /// Every cached row of a kind, in id order.
    pub fn all<T: Cached>(&self) -> Result<Vec<T>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id, json FROM refs WHERE kind = ?1 ORDER BY id")?;
        let rows = stmt.query_map([T::KIND.as_str()], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, json) = row?;
            out.push(decode::<T>(&json, &id)?);
        }
        Ok(out)
    }

    /// Cached quants of a product, or at a location (ids as text, by JSON field).
    pub fn quants_where(
        &self,
        field: QuantField,
        id: Uuid,
    ) -> Result<Vec<shared_types::inventory::Quant>, StoreError> {
        let path = match field {
            QuantField::Product => "$.product_id",
            QuantField::Location => "$.location_id",
        };
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, json FROM refs WHERE kind = 'quant' AND json_extract(json, ?1) = ?2
             ORDER BY json_extract(json, '$.location_path'), id",
        )?;
        let rows = stmt.query_map(params![path, id.to_string()], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, json) = row?;
            out.push(decode(&json, &id)?);
        }
        Ok(out)
    }

    /// What a scanned code points at, by its normalised form (see [`code_key`]).
    pub fn lookup_code(&self, code: &str) -> Result<Vec<CodeHit>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT kind, id, qty FROM codes WHERE code = ?1 ORDER BY kind, id")?;
        let rows = stmt.query_map([code_key(code)], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (kind, id, qty) = row?;
            if let Some(kind) = RefKind::parse(&kind) {
                out.push(CodeHit { kind, id, qty });
            }
        }
        Ok(out)
    }

    /// Number of cached rows per kind (sync status, diagnostics).
    pub fn ref_count(&self, kind: RefKind) -> Result<u64, StoreError> {
        let n: i64 = self.conn.query_row(
            "SELECT COUNT(*) FROM refs WHERE kind = ?1",
            [kind.as_str()],
            |r| r.get(0),
        )?;
        Ok(n as u64)
    }
}

/// Which side of a quant to filter on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuantField {
    Product,
    Location,
}

fn decode<T: Cached>(json: &str, id: &str) -> Result<T, StoreError> {
    serde_json::from_str(json).map_err(|source| StoreError::Corrupt {
        kind: T::KIND.as_str(),
        id: id.to_owned(),
        source,
    })
}

fn set_meta(conn: &Connection, key: &str, value: &str) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
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
        // Barcodes are indexed under their product (see `index_barcode`).
        RefKind::Quant | RefKind::Barcode | RefKind::PickLine => Vec::new(),
    }
}

fn put_ref_json(
    conn: &Connection,
    kind: RefKind,
    id: &str,
    json: &serde_json::Value,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO refs (kind, id, json) VALUES (?1, ?2, ?3)
         ON CONFLICT (kind, id) DO UPDATE SET json = excluded.json",
    )?
    .execute(params![kind.as_str(), id, json.to_string()])?;
    conn.prepare_cached("DELETE FROM codes WHERE kind = ?1 AND id = ?2")?
        .execute(params![kind.as_str(), id])?;
    let mut insert = conn.prepare_cached(
        "INSERT OR IGNORE INTO codes (code, kind, id, qty) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for (code, qty) in codes_of(kind, json) {
        if !code.is_empty() {
            insert.execute(params![code, kind.as_str(), id, qty])?;
        }
    }
    Ok(())
}

/// One text field of a cached row (`path` as for SQLite's `json_extract`).
fn stored_field(
    conn: &Connection,
    kind: RefKind,
    id: &str,
    path: &str,
) -> Result<Option<String>, StoreError> {
    Ok(conn
        .prepare_cached("SELECT json_extract(json, ?3) FROM refs WHERE kind = ?1 AND id = ?2")?
        .query_row(params![kind.as_str(), id, path], |r| {
            r.get::<_, Option<String>>(0)
        })
        .optional()?
        .flatten())
}

/// Indexes a pulled barcode row as a code of its product.
fn index_barcode(conn: &Connection, json: &serde_json::Value) -> Result<(), StoreError> {
    let text = |name: &str| json.get(name).and_then(|v| v.as_str()).unwrap_or_default();
    let (code, product) = (text("code"), text("product_id"));
    if code.is_empty() || product.is_empty() {
        return Ok(());
    }
    let qty = json.get("qty").and_then(|v| v.as_str()).unwrap_or("1");
    conn.prepare_cached(
        "INSERT OR REPLACE INTO codes (code, kind, id, qty) VALUES (?1, 'product', ?2, ?3)",
    )?
    .execute(params![code_key(code), product, qty])?;
    Ok(())
}

/// Removes the code a cached barcode row added to its product.
fn unindex_barcode(conn: &Connection, id: &str) -> Result<(), StoreError> {
    let json: Option<String> = conn
        .prepare_cached("SELECT json FROM refs WHERE kind = 'barcode' AND id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?;
    let Some(json) = json.and_then(|j| serde_json::from_str::<serde_json::Value>(&j).ok()) else {
        return Ok(());
    };
    let text = |name: &str| json.get(name).and_then(|v| v.as_str()).unwrap_or_default();
    conn.prepare_cached("DELETE FROM codes WHERE code = ?1 AND kind = 'product' AND id = ?2")?
        .execute(params![code_key(text("code")), text("product_id")])?;
    Ok(())
}

/// A product row was replaced (which re-indexed its own codes): add its barcodes again.
fn reindex_barcodes_of(conn: &Connection, product: &str) -> Result<(), StoreError> {
    let rows: Vec<String> = conn
        .prepare_cached(
            "SELECT json FROM refs WHERE kind = 'barcode' AND json_extract(json, '$.product_id') = ?1",
        )?
        .query_map([product], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for json in rows {
        if let Ok(v) = serde_json::from_str(&json) {
            index_barcode(conn, &v)?;
        }
    }
    Ok(())
}

/// Rewrites a pulled pick list's `lines` from its cached open `pick_line` rows (with the
/// location paths from the cache, the walking order). Lists made locally (no `status`)
/// keep their lines.
fn rebuild_pick_list(conn: &Connection, list_id: &str) -> Result<(), StoreError> {
    let json: Option<String> = conn
        .prepare_cached("SELECT json FROM refs WHERE kind = 'pick_list' AND id = ?1")?
        .query_row([list_id], |r| r.get(0))
        .optional()?;
    let Some(mut list) = json.and_then(|j| serde_json::from_str::<serde_json::Value>(&j).ok())
    else {
        return Ok(());
    };
    if list.get("status").is_none_or(|s| s.is_null()) {
        return Ok(());
    }
    let mut stmt = conn.prepare_cached(
        "SELECT l.json, loc.json ->> '$.path' FROM refs l
         LEFT JOIN refs loc ON loc.kind = 'location' AND loc.id = l.json ->> '$.location_id'
         WHERE l.kind = 'pick_line' AND l.json ->> '$.pick_list_id' = ?1
           AND l.json ->> '$.status' = 'open' AND l.json ->> '$.location_id' IS NOT NULL
         ORDER BY l.json ->> '$.walk_seq', l.id",
    )?;
    let rows: Vec<(String, Option<String>)> = stmt
        .query_map([list_id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let mut lines = Vec::new();
    for (json, path) in rows {
        let Ok(line) = serde_json::from_str::<serde_json::Value>(&json) else {
            continue;
        };
        let qty: Decimal = line
            .get("qty")
            .and_then(|v| v.as_str())
            .and_then(|q| q.parse().ok())
            .unwrap_or_default();
        let picked: Decimal = line
            .get("picked_qty")
            .and_then(|v| v.as_str())
            .and_then(|q| q.parse().ok())
            .unwrap_or_default();
        lines.push(serde_json::json!({
            "id": line["id"],
            "location_id": line["location_id"],
            "location_path": path.unwrap_or_default(),
            "product_id": line["product_id"],
            "qty": (qty - picked).normalize().to_string(),
            "lot": line.get("lot_code").cloned().unwrap_or(serde_json::Value::Null),
        }));
    }
    list["lines"] = serde_json::Value::Array(lines);
    put_ref_json(conn, RefKind::PickList, list_id, &list)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::fixtures;
    use crate::core::ops::{OpOutcome, StockMovePayload};

    fn move_op(qty: &str) -> NewOp {
        NewOp::StockMove(StockMovePayload {
            product_id: Uuid::now_v7(),
            qty: qty.parse().unwrap(),
            from_location_id: Uuid::now_v7(),
            to_location_id: Uuid::now_v7(),
            lot: None,
        })
    }

    #[test]
    fn ops_get_increasing_sequence_numbers_and_survive_reopening() {
        let dir = tempdir("reopen");
        let path = dir.join("store.db");
        let (device, ids) = {
            let store = Store::open(&path).unwrap();
            let a = store.append_op(&move_op("1")).unwrap();
            let b = store.append_op(&move_op("2")).unwrap();
            assert_eq!((a.device_seq, b.device_seq), (1, 2));
            assert!(a.op_id < b.op_id, "UUIDv7 ids sort by time");
            (store.device_id(), vec![a.op_id, b.op_id])
        };
        let store = Store::open(&path).unwrap();
        assert_eq!(store.device_id(), device, "device id is stable");
        let pending: Vec<Uuid> = store
            .unsynced_ops(10)
            .unwrap()
            .iter()
            .map(|o| o.op_id)
            .collect();
        assert_eq!(pending, ids);
        assert_eq!(store.append_op(&move_op("3")).unwrap().device_seq, 3);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn outcomes_move_ops_out_of_the_queue_and_rejections_keep_their_reason() {
        let store = Store::open_in_memory().unwrap();
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
        let counts = store.op_counts().unwrap();
        assert_eq!(
            counts,
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
    }

    #[test]
    fn rejected_ops_are_fixed_by_a_new_op_or_discarded_never_edited() {
        let store = Store::open_in_memory().unwrap();
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
        assert_eq!(
            store
                .unsynced_ops(10)
                .unwrap()
                .iter()
                .map(|o| o.op_id)
                .collect::<Vec<_>>(),
            [fixed.op_id]
        );
    }

    #[test]
    fn the_database_refuses_to_delete_or_rewrite_ops() {
        let store = Store::open_in_memory().unwrap();
        store.append_op(&move_op("1")).unwrap();
        assert!(store.conn.execute("DELETE FROM ops", []).is_err());
        assert!(store
            .conn
            .execute("UPDATE ops SET payload = '{}'", [])
            .is_err());
        assert_eq!(store.unsynced_ops(10).unwrap().len(), 1);
    }

    #[test]
    fn pulled_rows_are_indexed_by_their_codes_and_the_cursor_moves_with_them() {
        let store = Store::open_in_memory().unwrap();
        let fx = fixtures::Warehouse::new();
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
    }

    fn tempdir(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "elevate-store-{name}-{}-{}",
            std::process::id(),
            Uuid::now_v7()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}
