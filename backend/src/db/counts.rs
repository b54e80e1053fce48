//! Count sessions: opening (with ABC classes for cycle counts), storing count
//! entries in bulk with their ledger snapshot, and the postings of approval.
//! Reconciliation itself is `domain::count`.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde_json::json;
use shared_types::counts::{AbcAssignment, CountKind, CountMode, CountSession, CountStatus};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::db::products::{enum_from_text, enum_text};
use crate::domain::count::Entry;

#[derive(sqlx::FromRow)]
struct SessionRow {
    id: Uuid,
    kind: String,
    status: String,
    blind: bool,
    mode: String,
    warehouse_id: Uuid,
    location_ids: Vec<Uuid>,
    product_ids: Vec<Uuid>,
    tolerance_qty: Decimal,
    tolerance_pct: Decimal,
    snapshot_seq: i64,
    abc: serde_json::Value,
    created_at: DateTime<Utc>,
    closed_at: Option<DateTime<Utc>>,
}

impl SessionRow {
    fn into_session(self) -> Result<CountSession, sqlx::Error> {
        Ok(CountSession {
            id: self.id,
            kind: enum_from_text(&self.kind)?,
            status: enum_from_text(&self.status)?,
            blind: self.blind,
            mode: enum_from_text(&self.mode)?,
            warehouse_id: self.warehouse_id,
            location_ids: self.location_ids,
            product_ids: self.product_ids,
            tolerance_qty: self.tolerance_qty,
            tolerance_pct: self.tolerance_pct,
            snapshot_seq: self.snapshot_seq,
            abc: serde_json::from_value(self.abc).unwrap_or_default(),
            created_at: self.created_at,
            closed_at: self.closed_at,
        })
    }
}

const SESSION_COLUMNS: &str =
    "id, kind, status, blind, mode, warehouse_id, location_ids, product_ids,
    tolerance_qty, tolerance_pct, snapshot_seq, abc, created_at, closed_at";

/// The newest ledger position.
pub async fn ledger_seq(conn: &mut PgConnection) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT coalesce(max(seq), 0) FROM stock_moves")
        .fetch_one(conn)
        .await
}

pub struct NewSession {
    pub kind: CountKind,
    pub blind: bool,
    pub mode: CountMode,
    pub warehouse_id: Uuid,
    pub location_ids: Vec<Uuid>,
    pub product_ids: Vec<Uuid>,
    pub tolerance_qty: Decimal,
    pub tolerance_pct: Decimal,
    pub abc: Vec<AbcAssignment>,
}

pub async fn create_session(
    conn: &mut PgConnection,
    s: &NewSession,
    user_id: Option<Uuid>,
) -> Result<CountSession, sqlx::Error> {
    let seq = ledger_seq(&mut *conn).await?;
    let row: SessionRow = sqlx::query_as(&format!(
        "INSERT INTO count_sessions (id, kind, blind, mode, warehouse_id, location_ids, product_ids,
                tolerance_qty, tolerance_pct, snapshot_seq, abc, created_by_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING {SESSION_COLUMNS}"
    ))
    .bind(Uuid::now_v7())
    .bind(enum_text(&s.kind))
    .bind(s.blind)
    .bind(enum_text(&s.mode))
    .bind(s.warehouse_id)
    .bind(&s.location_ids)
    .bind(&s.product_ids)
    .bind(s.tolerance_qty)
    .bind(s.tolerance_pct)
    .bind(seq)
    .bind(serde_json::to_value(&s.abc).unwrap_or_else(|_| json!([])))
    .bind(user_id)
    .fetch_one(conn)
    .await?;
    row.into_session()
}

pub async fn get_session(
    conn: &mut PgConnection,
    id: Uuid,
    lock: bool,
) -> Result<Option<CountSession>, sqlx::Error> {
    let row: Option<SessionRow> = sqlx::query_as(&format!(
        "SELECT {SESSION_COLUMNS} FROM count_sessions WHERE id = $1 {}",
        if lock { "FOR UPDATE" } else { "" }
    ))
    .bind(id)
    .fetch_optional(conn)
    .await?;
    row.map(SessionRow::into_session).transpose()
}

pub async fn list_sessions(
    conn: &mut PgConnection,
    status: Option<CountStatus>,
    limit: i64,
    offset: i64,
) -> Result<(Vec<CountSession>, i64), sqlx::Error> {
    let status = status.as_ref().map(enum_text);
    let total: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM count_sessions WHERE ($1::text IS NULL OR status = $1)",
    )
    .bind(&status)
    .fetch_one(&mut *conn)
    .await?;
    let rows: Vec<SessionRow> = sqlx::query_as(&format!(
        "SELECT {SESSION_COLUMNS} FROM count_sessions WHERE ($1::text IS NULL OR status = $1)
          ORDER BY created_at DESC, id LIMIT $2 OFFSET $3"
    ))
    .bind(&status)
    .bind(limit)
    .bind(offset)
    .fetch_all(conn)
    .await?;
    let items = rows
        .into_iter()
        .map(SessionRow::into_session)
        .collect::<Result<Vec<_>, _>>()?;
    Ok((items, total))
}

pub async fn close_session(
    conn: &mut PgConnection,
    id: Uuid,
) -> Result<Option<CountSession>, sqlx::Error> {
    let row: Option<SessionRow> = sqlx::query_as(&format!(
        "UPDATE count_sessions SET status = 'closed', closed_at = coalesce(closed_at, now())
          WHERE id = $1 RETURNING {SESSION_COLUMNS}"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await?;
    row.map(SessionRow::into_session).transpose()
}

/// Per product in a warehouse: stock value, outgoing moves in the last 90 days,
/// and when it was last counted (approved).
pub async fn cycle_measures(
    conn: &mut PgConnection,
    warehouse_id: Uuid,
) -> Result<Vec<(Uuid, Decimal, i64, Option<DateTime<Utc>>)>, sqlx::Error> {
    sqlx::query_as(
        "WITH stock AS (
            SELECT q.product_id, sum(q.qty) AS qty FROM quants q
              JOIN locations l ON l.id = q.location_id
             WHERE (l.warehouse_id = $1 OR l.id = $1) GROUP BY q.product_id),
         velocity AS (
            SELECT m.product_id, count(*) AS n FROM stock_moves m
              JOIN locations f ON f.id = m.from_location_id
              JOIN locations t ON t.id = m.to_location_id
             WHERE (f.warehouse_id = $1 OR f.id = $1) AND t.kind IN ('customer', 'inventory_loss')
               AND m.created_at > now() - interval '90 days'
             GROUP BY m.product_id),
         counted AS (
            SELECT product_id, max(approved_at) AS at FROM count_postings GROUP BY product_id)
         SELECT p.id, coalesce(s.qty, 0) * p.cost, coalesce(v.n, 0), c.at
           FROM products p LEFT JOIN stock s ON s.product_id = p.id
           LEFT JOIN velocity v ON v.product_id = p.id
           LEFT JOIN counted c ON c.product_id = p.id
          WHERE NOT p.archived AND p.product_type <> 'service'
            AND (s.product_id IS NOT NULL OR v.product_id IS NOT NULL)
          ORDER BY p.id",
    )
    .bind(warehouse_id)
    .fetch_all(conn)
    .await
}

/// A count entry to store.
#[derive(Debug, Clone)]
pub struct NewEntry {
    pub id: Uuid,
    pub session_id: Uuid,
    pub counter_id: Uuid,
    pub location_id: Uuid,
    pub product_id: Uuid,
    pub lot: Option<String>,
    pub counted_qty: Decimal,
    pub based_on_seq: i64,
    pub counted_at: DateTime<Utc>,
    pub device_id: Option<Uuid>,
}

/// Why an entry was refused: (code, message).
pub type EntryRefusal = (&'static str, String);

#[derive(sqlx::FromRow)]
struct ScopeSession {
    id: Uuid,
    status: String,
    warehouse_id: Uuid,
    location_ids: Vec<Uuid>,
    product_ids: Vec<Uuid>,
}

#[derive(sqlx::FromRow)]
struct LocRow {
    id: Uuid,
    kind: String,
    warehouse_id: Option<Uuid>,
    path: String,
}

/// Checks and stores count entries together (a handful of statements for any
/// number). Answers, per entry in order, whether it was stored.
pub async fn record_entries(
    conn: &mut PgConnection,
    entries: &[NewEntry],
) -> Result<Vec<Result<(), EntryRefusal>>, sqlx::Error> {
    let mut out: Vec<Result<(), EntryRefusal>> = vec![Ok(()); entries.len()];
    if entries.is_empty() {
        return Ok(out);
    }
    let session_ids: Vec<Uuid> = entries
        .iter()
        .map(|e| e.session_id)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let sessions: HashMap<Uuid, ScopeSession> = sqlx::query_as::<_, ScopeSession>(
        "SELECT id, status, warehouse_id, location_ids, product_ids FROM count_sessions WHERE id = ANY($1)",
    )
    .bind(&session_ids)
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|s| (s.id, s))
    .collect();
    let mut loc_ids: HashSet<Uuid> = entries.iter().map(|e| e.location_id).collect();
    for s in sessions.values() {
        loc_ids.extend(s.location_ids.iter().copied());
    }
    let loc_ids: Vec<Uuid> = loc_ids.into_iter().collect();
    let locs: HashMap<Uuid, LocRow> = sqlx::query_as::<_, LocRow>(
        "SELECT id, kind, warehouse_id, path FROM locations WHERE id = ANY($1)",
    )
    .bind(&loc_ids)
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|l| (l.id, l))
    .collect();
    let product_ids: Vec<Uuid> = entries
        .iter()
        .map(|e| e.product_id)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let products: HashMap<Uuid, String> = sqlx::query_as::<_, (Uuid, String)>(
        "SELECT id, tracking FROM products WHERE id = ANY($1) AND NOT archived",
    )
    .bind(&product_ids)
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .collect();
    let (lot_products, lot_codes): (Vec<Uuid>, Vec<String>) = entries
        .iter()
        .filter_map(|e| e.lot.clone().map(|l| (e.product_id, l)))
        .unzip();
    let lots: HashMap<(Uuid, String), Uuid> = sqlx::query_as::<_, (Uuid, Uuid, String)>(
        "SELECT l.id, l.product_id, l.code FROM lots l
           JOIN unnest($1::uuid[], $2::text[]) AS k(product_id, code)
             ON k.product_id = l.product_id AND k.code = l.code",
    )
    .bind(&lot_products)
    .bind(&lot_codes)
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|(id, p, c)| ((p, c), id))
    .collect();
    let head = ledger_seq(&mut *conn).await?;

    let mut lot_of: Vec<Option<Uuid>> = vec![None; entries.len()];
    for (i, e) in entries.iter().enumerate() {
        let check = || -> Result<Option<Uuid>, EntryRefusal> {
            let s = sessions
                .get(&e.session_id)
                .ok_or(("not_found", "The count session does not exist.".to_owned()))?;
            if s.status != "open" {
                return Err(("session_closed", "The count session is closed.".to_owned()));
            }
            let loc = locs
                .get(&e.location_id)
                .ok_or(("not_found", "The location does not exist.".to_owned()))?;
            let in_warehouse = loc.id == s.warehouse_id || loc.warehouse_id == Some(s.warehouse_id);
            let in_scope = s.location_ids.is_empty()
                || s.location_ids.iter().any(|sid| {
                    locs.get(sid).is_some_and(|sl| {
                        sl.id == loc.id || loc.path.starts_with(&format!("{}/", sl.path))
                    })
                });
            if !matches!(loc.kind.as_str(), "warehouse" | "zone" | "bin")
                || !in_warehouse
                || !in_scope
            {
                return Err((
                    "out_of_scope",
                    "The location is not part of this count.".to_owned(),
                ));
            }
            if !s.product_ids.is_empty() && !s.product_ids.contains(&e.product_id) {
                return Err((
                    "out_of_scope",
                    "The product is not part of this count.".to_owned(),
                ));
            }
            let tracking = products
                .get(&e.product_id)
                .ok_or(("not_found", "The product does not exist.".to_owned()))?;
            let lot = match (tracking.as_str(), &e.lot) {
                ("none", None) => None,
                ("none", Some(_)) => {
                    return Err((
                        "validation_failed",
                        "`lot` this product is not tracked by lot or serial.".to_owned(),
                    ))
                }
                (_, None) => {
                    return Err((
                        "validation_failed",
                        "`lot` this product needs a lot or serial number.".to_owned(),
                    ))
                }
                (_, Some(code)) => Some(*lots.get(&(e.product_id, code.clone())).ok_or((
                    "validation_failed",
                    format!("`lot` '{code}' is not known for this product."),
                ))?),
            };
            if e.counted_qty < Decimal::ZERO || e.counted_qty.normalize().scale() > 6 {
                return Err((
                    "validation_failed",
                    "`counted_qty` must be zero or more with at most 6 decimals.".to_owned(),
                ));
            }
            if e.based_on_seq < 0 || e.based_on_seq > head {
                return Err(("validation_failed", format!(
                    "`based_on_server_seq` must be between 0 and the newest ledger position ({head})."
                )));
            }
            Ok(lot)
        };
        match check() {
            Ok(l) => lot_of[i] = l,
            Err(r) => out[i] = Err(r),
        }
    }

    // The ledger quantity of each bin at each counter's snapshot, in one query.
    let ok: Vec<usize> = (0..entries.len()).filter(|&i| out[i].is_ok()).collect();
    if ok.is_empty() {
        return Ok(out);
    }
    // Many lines share a snapshot (same bin, product, lot and ledger position:
    // counters working from the same pull): each distinct one is computed once.
    type SnapKey = (Uuid, Uuid, Option<Uuid>, i64);
    let mut key_no: HashMap<SnapKey, i32> = HashMap::new();
    let mut line_key: HashMap<usize, i32> = HashMap::with_capacity(ok.len());
    let (mut idx, mut prods, mut locs_v, mut lots_v, mut seqs) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for &i in &ok {
        let e = &entries[i];
        let key = (e.product_id, e.location_id, lot_of[i], e.based_on_seq);
        let n = *key_no.entry(key).or_insert_with(|| {
            let n = idx.len() as i32;
            idx.push(n);
            prods.push(e.product_id);
            locs_v.push(e.location_id);
            lots_v.push(lot_of[i]);
            seqs.push(e.based_on_seq);
            n
        });
        line_key.insert(i, n);
    }
    let snaps: HashMap<i32, (Decimal, i64)> = sqlx::query_as::<_, (i32, Decimal, i64)>(
        "SELECT k.i,
                coalesce(sum(CASE WHEN m.to_location_id = k.loc THEN m.qty ELSE -m.qty END), 0),
                count(m.id)
           FROM unnest($1::int[], $2::uuid[], $3::uuid[], $4::uuid[], $5::bigint[])
                AS k(i, product_id, loc, lot_id, seq)
           LEFT JOIN stock_moves m ON m.product_id = k.product_id AND m.seq <= k.seq
                AND (m.to_location_id = k.loc OR m.from_location_id = k.loc)
                AND m.lot_id IS NOT DISTINCT FROM k.lot_id
          GROUP BY k.i",
    )
    .bind(&idx)
    .bind(&prods)
    .bind(&locs_v)
    .bind(&lots_v)
    .bind(&seqs)
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|(i, q, n)| (i, (q, n)))
    .collect();

    let rows: Vec<serde_json::Value> = ok
        .iter()
        .map(|&i| {
            let e = &entries[i];
            let (q, n) = line_key
                .get(&i)
                .and_then(|k| snaps.get(k))
                .copied()
                .unwrap_or_default();
            json!({
                "id": e.id, "session_id": e.session_id, "counter_id": e.counter_id,
                "location_id": e.location_id, "product_id": e.product_id, "lot_id": lot_of[i],
                "counted_qty": e.counted_qty, "based_on_seq": e.based_on_seq,
                "snapshot_qty": q, "snapshot_moves": n, "counted_at": e.counted_at,
                "device_id": e.device_id,
            })
        })
        .collect();
    sqlx::query(
        "INSERT INTO count_entries (id, session_id, counter_id, location_id, product_id, lot_id,
                counted_qty, based_on_seq, snapshot_qty, snapshot_moves, counted_at, device_id)
         SELECT x.id, x.session_id, x.counter_id, x.location_id, x.product_id, x.lot_id,
                x.counted_qty, x.based_on_seq, x.snapshot_qty, x.snapshot_moves, x.counted_at, x.device_id
           FROM jsonb_to_recordset($1) AS x(id uuid, session_id uuid, counter_id uuid, location_id uuid,
                product_id uuid, lot_id uuid, counted_qty numeric, based_on_seq bigint,
                snapshot_qty numeric, snapshot_moves bigint, counted_at timestamptz, device_id uuid)
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(serde_json::Value::Array(rows))
    .execute(conn)
    .await?;
    Ok(out)
}

/// All entries of a session by bin, with the bin's path.
pub struct BinEntries {
    pub location_id: Uuid,
    pub location_path: String,
    pub product_id: Uuid,
    pub lot_id: Option<Uuid>,
    pub cost: Decimal,
    pub entries: Vec<Entry>,
}

pub async fn session_entries(
    conn: &mut PgConnection,
    session_id: Uuid,
) -> Result<Vec<BinEntries>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Row {
        id: Uuid,
        counter_id: Uuid,
        location_id: Uuid,
        path: String,
        product_id: Uuid,
        lot_id: Option<Uuid>,
        cost: Decimal,
        counted_qty: Decimal,
        based_on_seq: i64,
        snapshot_qty: Decimal,
        snapshot_moves: i64,
        counted_at: DateTime<Utc>,
    }
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT e.id, e.counter_id, e.location_id, l.path, e.product_id, e.lot_id, p.cost,
                e.counted_qty, e.based_on_seq, e.snapshot_qty, e.snapshot_moves, e.counted_at
           FROM count_entries e JOIN locations l ON l.id = e.location_id
           JOIN products p ON p.id = e.product_id
          WHERE e.session_id = $1
          ORDER BY l.path COLLATE \"C\", e.product_id, e.lot_id NULLS FIRST",
    )
    .bind(session_id)
    .fetch_all(conn)
    .await?;
    let mut out: Vec<BinEntries> = Vec::new();
    for r in rows {
        let e = Entry {
            op_id: r.id,
            counter: r.counter_id,
            counted: r.counted_qty,
            based_on_seq: r.based_on_seq,
            snapshot_qty: r.snapshot_qty,
            snapshot_moves: r.snapshot_moves,
            counted_at: r.counted_at,
        };
        match out.last_mut() {
            Some(b)
                if b.location_id == r.location_id
                    && b.product_id == r.product_id
                    && b.lot_id == r.lot_id =>
            {
                b.entries.push(e)
            }
            _ => out.push(BinEntries {
                location_id: r.location_id,
                location_path: r.path,
                product_id: r.product_id,
                lot_id: r.lot_id,
                cost: r.cost,
                entries: vec![e],
            }),
        }
    }
    Ok(out)
}

/// Postings of a session: bin → move id (None when nothing needed moving).
pub async fn postings(
    conn: &mut PgConnection,
    session_id: Uuid,
) -> Result<HashMap<(Uuid, Uuid, Option<Uuid>), Option<Uuid>>, sqlx::Error> {
    let rows: Vec<(Uuid, Uuid, Option<Uuid>, Option<Uuid>)> = sqlx::query_as(
        "SELECT location_id, product_id, lot_id, move_id FROM count_postings WHERE session_id = $1",
    )
    .bind(session_id)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(l, p, lot, m)| ((l, p, lot), m))
        .collect())
}

pub struct NewPosting {
    pub session_id: Uuid,
    pub location_id: Uuid,
    pub product_id: Uuid,
    pub lot_id: Option<Uuid>,
    pub counted_qty: Decimal,
    pub expected_qty: Decimal,
    pub adjustment: Decimal,
    pub value: Decimal,
    pub within_tolerance: bool,
    pub reason_code: String,
    pub move_id: Option<Uuid>,
}

pub async fn insert_posting(
    conn: &mut PgConnection,
    p: &NewPosting,
    user_id: Uuid,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO count_postings (id, session_id, location_id, product_id, lot_id, counted_qty,
                expected_qty, adjustment, value, within_tolerance, reason_code, move_id, approved_by_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(Uuid::now_v7())
    .bind(p.session_id)
    .bind(p.location_id)
    .bind(p.product_id)
    .bind(p.lot_id)
    .bind(p.counted_qty)
    .bind(p.expected_qty)
    .bind(p.adjustment)
    .bind(p.value)
    .bind(p.within_tolerance)
    .bind(&p.reason_code)
    .bind(p.move_id)
    .bind(user_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// The tenant's inventory-loss location.
pub async fn loss_location(conn: &mut PgConnection) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM locations WHERE kind = 'inventory_loss'")
        .fetch_optional(conn)
        .await
}

/// The lot code of a lot (for posting moves of tracked products).
pub async fn lot_code(
    conn: &mut PgConnection,
    lot_id: Uuid,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT code FROM lots WHERE id = $1")
        .bind(lot_id)
        .fetch_optional(conn)
        .await
}

/// The latest rejection of a bin in a session.
#[derive(Debug, Clone)]
pub struct Rejection {
    /// How many entries the bin had when it was rejected.
    pub entries: i64,
    pub reason: String,
    pub rejected_by: Uuid,
    pub rejected_by_name: Option<String>,
    pub rejected_at: DateTime<Utc>,
}

/// The latest rejection of each bin of a session.
pub async fn rejections(
    conn: &mut PgConnection,
    session_id: Uuid,
) -> Result<HashMap<(Uuid, Uuid, Option<Uuid>), Rejection>, sqlx::Error> {
    #[allow(clippy::type_complexity)]
    let rows: Vec<(
        Uuid,
        Uuid,
        Option<Uuid>,
        i32,
        String,
        Uuid,
        Option<String>,
        DateTime<Utc>,
    )> = sqlx::query_as(
        "SELECT DISTINCT ON (r.location_id, r.product_id, r.lot_id)
                r.location_id, r.product_id, r.lot_id, r.entries, r.reason, r.rejected_by_id,
                u.display_name, r.rejected_at
           FROM count_line_rejections r LEFT JOIN users u ON u.id = r.rejected_by_id
          WHERE r.session_id = $1
          ORDER BY r.location_id, r.product_id, r.lot_id, r.rejected_at DESC, r.id DESC",
    )
    .bind(session_id)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(l, p, lot, entries, reason, by, name, at)| {
            (
                (l, p, lot),
                Rejection {
                    entries: i64::from(entries),
                    reason,
                    rejected_by: by,
                    rejected_by_name: name,
                    rejected_at: at,
                },
            )
        })
        .collect())
}

pub struct NewRejection<'a> {
    pub session_id: Uuid,
    pub location_id: Uuid,
    pub product_id: Uuid,
    pub lot_id: Option<Uuid>,
    pub counted_qty: Decimal,
    pub expected_qty: Decimal,
    pub adjustment: Decimal,
    pub entries: i64,
    pub reason: &'a str,
}

/// Records a rejected line; answers when.
pub async fn insert_rejection(
    conn: &mut PgConnection,
    r: &NewRejection<'_>,
    user_id: Uuid,
) -> Result<DateTime<Utc>, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO count_line_rejections (id, session_id, location_id, product_id, lot_id,
                counted_qty, expected_qty, adjustment, entries, reason, rejected_by_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         RETURNING rejected_at",
    )
    .bind(Uuid::now_v7())
    .bind(r.session_id)
    .bind(r.location_id)
    .bind(r.product_id)
    .bind(r.lot_id)
    .bind(r.counted_qty)
    .bind(r.expected_qty)
    .bind(r.adjustment)
    .bind(i32::try_from(r.entries).unwrap_or(i32::MAX))
    .bind(r.reason)
    .bind(user_id)
    .fetch_one(conn)
    .await
}
