//! The local store on native targets: SQLite (bundled) holding the cached reference data
//! and the append-only op log.
//!
//! Every [`Store::append_op`] commits (WAL, `synchronous=FULL`) before it returns. The op
//! log is append-only in the database itself: triggers refuse deletes and changes to an
//! op's identity or payload; only its sync status moves.

use super::{
    barcode_code, code_key, codes_of, decode, encode, is_pulled_pick_list, pick_list_line, CodeHit,
    LoggedOp, OpCounts, OpStatus, QuantField, SharedStore, StoreError, META_CURSOR, META_DEVICE_ID,
    META_LAST_SYNC,
};
use crate::core::ops::{Change, NewOp, Op, OpKind, OpOutcome, PullPage};
use crate::core::refdata::{Cached, RefKind};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use std::path::Path;
use uuid::Uuid;

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
            if let Some(status) = OpStatus::parse(&status) {
                counts.add(status, n);
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
            let json = encode(row)?;
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
        let path = format!("$.{}", field.field());
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

    /// Every indexed code (tests compare the scan index with the memory store's).
    #[cfg(test)]
    pub(super) fn all_codes_for_tests(&self) -> Vec<String> {
        let mut stmt = self
            .conn
            .prepare("SELECT DISTINCT code FROM codes")
            .expect("codes query");
        stmt.query_map([], |r| r.get(0))
            .expect("codes")
            .collect::<Result<_, _>>()
            .expect("codes")
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

fn set_meta(conn: &Connection, key: &str, value: &str) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
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
    let Some((code, product, qty)) = barcode_code(json) else {
        return Ok(());
    };
    conn.prepare_cached(
        "INSERT OR REPLACE INTO codes (code, kind, id, qty) VALUES (?1, 'product', ?2, ?3)",
    )?
    .execute(params![code, product, qty])?;
    Ok(())
}

/// Removes the code a cached barcode row added to its product.
fn unindex_barcode(conn: &Connection, id: &str) -> Result<(), StoreError> {
    let json: Option<String> = conn
        .prepare_cached("SELECT json FROM refs WHERE kind = 'barcode' AND id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?;
    let Some((code, product, _)) = json
        .and_then(|j| serde_json::from_str::<serde_json::Value>(&j).ok())
        .and_then(|j| barcode_code(&j))
    else {
        return Ok(());
    };
    conn.prepare_cached("DELETE FROM codes WHERE code = ?1 AND kind = 'product' AND id = ?2")?
        .execute(params![code, product])?;
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
    if !is_pulled_pick_list(&list) {
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
    let lines = rows
        .into_iter()
        .filter_map(|(json, path)| {
            let line = serde_json::from_str::<serde_json::Value>(&json).ok()?;
            Some(pick_list_line(&line, path))
        })
        .collect();
    list["lines"] = serde_json::Value::Array(lines);
    put_ref_json(conn, RefKind::PickList, list_id, &list)
}

#[cfg(test)]
mod tests {
    //! What only SQLite does; the shared contract is tested in `store::tests`.

    use super::*;
    use crate::core::store::tests::move_op;

    #[test]
    fn ops_survive_reopening_and_the_device_id_is_stable() {
        let dir = tempdir("reopen");
        let path = dir.join("store.db");
        let (device, ids) = {
            let store = Store::open(&path).unwrap();
            let a = store.append_op(&move_op("1")).unwrap();
            let b = store.append_op(&move_op("2")).unwrap();
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
