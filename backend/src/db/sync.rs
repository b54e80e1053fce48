//! Offline sync storage: devices, the exactly-once op log and the pull of
//! changed reference data.
//!
//! Pull reads every synced table in `(sync_xid, sync_version)` order. Each
//! insert or update stamps the row with the writing transaction's id and the
//! next value of a global sequence (trigger `sync_stamp`). A cursor is a position
//! in that order within a *round*; the first page of a round takes a snapshot,
//! and the transactions that were still running then, or had not started, make
//! the next round. A transaction that commits late — after a page had already
//! passed its position — is therefore read in the next round. Rows can come
//! twice; none is skipped. See docs/SYNC.md.

use chrono::{DateTime, Utc};
use serde_json::Value;
use shared_types::sync::{Device, SeqGap, SyncChange, SyncEntity};
use sqlx::PgConnection;
use uuid::Uuid;

#[derive(sqlx::FromRow)]
struct DeviceRow {
    id: Uuid,
    user_id: Uuid,
    name: String,
    platform: Option<String>,
    acked_seq: i64,
    high_seq: i64,
    last_push_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
}

impl From<DeviceRow> for Device {
    fn from(r: DeviceRow) -> Self {
        Device {
            id: r.id,
            user_id: r.user_id,
            name: r.name,
            platform: r.platform,
            acked_seq: r.acked_seq,
            high_seq: r.high_seq,
            last_push_at: r.last_push_at,
            revoked_at: r.revoked_at,
            created_at: r.created_at,
        }
    }
}

const DEVICE_COLUMNS: &str =
    "id, user_id, name, platform, acked_seq, high_seq, last_push_at, revoked_at, created_at";

/// Registers a device for `user_id`; registering an existing id of the same user
/// answers it unchanged. `None` when the id belongs to another user.
pub async fn register_device(
    conn: &mut PgConnection,
    id: Uuid,
    user_id: Uuid,
    name: &str,
    platform: Option<&str>,
) -> Result<Option<(Device, bool)>, sqlx::Error> {
    let created: Option<DeviceRow> = sqlx::query_as(&format!(
        "INSERT INTO devices (id, user_id, name, platform) VALUES ($1, $2, $3, $4)
         ON CONFLICT (id) DO NOTHING RETURNING {DEVICE_COLUMNS}"
    ))
    .bind(id)
    .bind(user_id)
    .bind(name)
    .bind(platform)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(d) = created {
        return Ok(Some((d.into(), true)));
    }
    let existing = get_device(conn, id).await?;
    Ok(existing
        .filter(|d| d.user_id == user_id)
        .map(|d| (d, false)))
}

pub async fn get_device(conn: &mut PgConnection, id: Uuid) -> Result<Option<Device>, sqlx::Error> {
    let row: Option<DeviceRow> = sqlx::query_as(&format!(
        "SELECT {DEVICE_COLUMNS} FROM devices WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(Into::into))
}

/// Locks a device row for a push (pushes of one device run one at a time).
pub async fn lock_device(conn: &mut PgConnection, id: Uuid) -> Result<Option<Device>, sqlx::Error> {
    let row: Option<DeviceRow> = sqlx::query_as(&format!(
        "SELECT {DEVICE_COLUMNS} FROM devices WHERE id = $1 FOR UPDATE"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(Into::into))
}

/// Devices of one user (or of everyone), newest first.
pub async fn list_devices(
    conn: &mut PgConnection,
    user_id: Option<Uuid>,
    limit: i64,
    offset: i64,
) -> Result<(Vec<Device>, i64), sqlx::Error> {
    let total: i64 =
        sqlx::query_scalar("SELECT count(*) FROM devices WHERE ($1::uuid IS NULL OR user_id = $1)")
            .bind(user_id)
            .fetch_one(&mut *conn)
            .await?;
    let rows: Vec<DeviceRow> = sqlx::query_as(&format!(
        "SELECT {DEVICE_COLUMNS} FROM devices WHERE ($1::uuid IS NULL OR user_id = $1)
          ORDER BY created_at DESC, id LIMIT $2 OFFSET $3"
    ))
    .bind(user_id)
    .bind(limit)
    .bind(offset)
    .fetch_all(conn)
    .await?;
    Ok((rows.into_iter().map(Into::into).collect(), total))
}

/// Revokes a device (once; revoking again keeps the first time).
pub async fn revoke_device(
    conn: &mut PgConnection,
    id: Uuid,
    by: Uuid,
) -> Result<Option<Device>, sqlx::Error> {
    let row: Option<DeviceRow> = sqlx::query_as(&format!(
        "UPDATE devices SET revoked_at = coalesce(revoked_at, now()),
                revoked_by_id = coalesce(revoked_by_id, $2)
          WHERE id = $1 RETURNING {DEVICE_COLUMNS}"
    ))
    .bind(id)
    .bind(by)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(Into::into))
}

/// An op as stored when it is claimed (borrowing the pushed payload).
#[derive(Debug, Clone, serde::Serialize)]
pub struct ClaimOp<'a> {
    pub op_id: Uuid,
    pub device_seq: i64,
    pub kind: String,
    pub payload: &'a Value,
    pub created_at: DateTime<Utc>,
    pub status: &'static str,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
}

/// Inserts the ops of one device in one statement; answers the op ids that were
/// new (the others were already there: duplicates, or a reused `device_seq`).
pub async fn claim_ops(
    conn: &mut PgConnection,
    device_id: Uuid,
    user_id: Uuid,
    ops: &[ClaimOp<'_>],
) -> Result<Vec<Uuid>, sqlx::Error> {
    if ops.is_empty() {
        return Ok(Vec::new());
    }
    // Serialized straight into the parameter, without an intermediate JSON tree.
    let rows = sqlx::types::Json(ops);
    sqlx::query_scalar(
        "INSERT INTO sync_ops (op_id, device_id, device_seq, kind, payload, created_at, user_id,
                               status, error_code, error_message)
         SELECT x.op_id, $2, x.device_seq, x.kind, x.payload, x.created_at, $3,
                x.status, x.error_code, x.error_message
           FROM jsonb_to_recordset($1) AS x(op_id uuid, device_seq bigint, kind text, payload jsonb,
                created_at timestamptz, status text, error_code text, error_message text)
         ON CONFLICT DO NOTHING RETURNING op_id",
    )
    .bind(rows)
    .bind(device_id)
    .bind(user_id)
    .fetch_all(conn)
    .await
}

/// How earlier-received ops fared, by op id (only ops visible to this tenant).
pub async fn stored_status(
    conn: &mut PgConnection,
    op_ids: &[Uuid],
) -> Result<Vec<(Uuid, String, Option<Value>)>, sqlx::Error> {
    if op_ids.is_empty() {
        return Ok(Vec::new());
    }
    sqlx::query_as("SELECT op_id, status, result FROM sync_ops WHERE op_id = ANY($1)")
        .bind(op_ids)
        .fetch_all(conn)
        .await
}

/// The outcome of applying a claimed op, written back in one statement.
#[derive(Debug, Clone, serde::Serialize)]
pub struct OpOutcome {
    pub op_id: Uuid,
    pub status: &'static str,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub result: Option<Value>,
}

pub async fn record_outcomes(
    conn: &mut PgConnection,
    outcomes: &[OpOutcome],
) -> Result<(), sqlx::Error> {
    if outcomes.is_empty() {
        return Ok(());
    }
    let rows = serde_json::to_value(outcomes).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    sqlx::query(
        "UPDATE sync_ops s SET status = x.status, error_code = x.error_code,
                error_message = x.error_message, result = x.result
           FROM jsonb_to_recordset($1) AS x(op_id uuid, status text, error_code text,
                error_message text, result jsonb)
          WHERE s.op_id = x.op_id",
    )
    .bind(rows)
    .execute(conn)
    .await?;
    Ok(())
}

/// Advances the device's acknowledged sequence after a push and reports the
/// sequence numbers that are still missing below the highest one received.
pub async fn advance_seq(
    conn: &mut PgConnection,
    device: &Device,
) -> Result<(i64, i64, Vec<SeqGap>), sqlx::Error> {
    // Only the tail after the acknowledged prefix is read: normally a handful of rows.
    let seqs: Vec<i64> = sqlx::query_scalar(
        "SELECT device_seq FROM sync_ops WHERE device_id = $1 AND device_seq > $2 ORDER BY device_seq",
    )
    .bind(device.id)
    .bind(device.acked_seq)
    .fetch_all(&mut *conn)
    .await?;
    let (acked, high, gaps) = crate::domain::sync::gaps(device.acked_seq, &seqs);
    sqlx::query(
        "UPDATE devices SET acked_seq = $2, high_seq = greatest(high_seq, $3), last_push_at = now()
          WHERE id = $1",
    )
    .bind(device.id)
    .bind(acked)
    .bind(high)
    .execute(conn)
    .await?;
    Ok((acked, high.max(device.high_seq), gaps))
}

/// A synced table: its entity name, table and an optional extra filter.
struct Synced {
    entity: SyncEntity,
    table: &'static str,
    /// Extra condition on alias `t` (may use `$4`, the warehouse ids, NULL = all,
    /// and `$7`, the pulling user).
    filter: &'static str,
}

const SYNCED: &[Synced] = &[
    Synced {
        entity: SyncEntity::Product,
        table: "products",
        filter: "true",
    },
    Synced {
        entity: SyncEntity::Barcode,
        table: "product_barcodes",
        filter: "true",
    },
    Synced {
        entity: SyncEntity::Location,
        table: "locations",
        filter: "true",
    },
    Synced {
        entity: SyncEntity::Lot,
        table: "lots",
        filter: "true",
    },
    Synced {
        entity: SyncEntity::Quant,
        table: "quants",
        filter: "($4::uuid[] IS NULL OR t.location_id IN
            (SELECT id FROM locations WHERE warehouse_id = ANY($4) OR id = ANY($4)))",
    },
    Synced {
        entity: SyncEntity::CountSession,
        table: "count_sessions",
        filter: "($4::uuid[] IS NULL OR t.warehouse_id = ANY($4))",
    },
    Synced {
        entity: SyncEntity::PickList,
        table: "pick_lists",
        filter: "($4::uuid[] IS NULL OR t.warehouse_id = ANY($4))",
    },
    Synced {
        entity: SyncEntity::PickLine,
        table: "pick_lines",
        filter: "t.pick_list_id IS NOT NULL",
    },
    // Only the pulling user's own tasks.
    Synced {
        entity: SyncEntity::Task,
        table: "task_assignments",
        filter: "t.user_id = $7 AND ($4::uuid[] IS NULL OR t.warehouse_id = ANY($4))",
    },
];

fn entity_name(e: SyncEntity) -> &'static str {
    match e {
        SyncEntity::Product => "product",
        SyncEntity::Barcode => "barcode",
        SyncEntity::Location => "location",
        SyncEntity::Lot => "lot",
        SyncEntity::Quant => "quant",
        SyncEntity::CountSession => "count_session",
        SyncEntity::PickList => "pick_list",
        SyncEntity::PickLine => "pick_line",
        SyncEntity::Task => "task",
    }
}

fn entity_from(name: &str) -> Option<SyncEntity> {
    SYNCED
        .iter()
        .map(|s| s.entity)
        .find(|e| entity_name(*e) == name)
}

/// A position in the pull order and the round it belongs to.
///
/// A round reads the rows written by transactions with id `>= floor` or in
/// `extra`, in `(sync_xid, sync_version)` order from position `(xid, version)`.
/// Its first page takes a snapshot; the transactions that were still running
/// then (`next_extra`) or had not started (`>= next_floor`) make the next round.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub xid: u64,
    pub version: i64,
    pub floor: u64,
    pub extra: Vec<u64>,
    /// 0 until the round's first page was read.
    pub next_floor: u64,
    pub next_extra: Vec<u64>,
}

fn list(v: &[u64]) -> String {
    v.iter().map(u64::to_string).collect::<Vec<_>>().join(",")
}

fn parse_list(s: &str) -> Option<Vec<u64>> {
    if s.is_empty() {
        return Some(Vec::new());
    }
    s.split(',').map(|x| x.parse().ok()).collect()
}

impl Cursor {
    pub fn start() -> Cursor {
        Cursor {
            xid: 0,
            version: 0,
            floor: 0,
            extra: Vec::new(),
            next_floor: 0,
            next_extra: Vec::new(),
        }
    }

    pub fn encode(&self) -> String {
        format!(
            "{}.{}.{}.{}.{}.{}",
            self.xid,
            self.version,
            self.floor,
            list(&self.extra),
            self.next_floor,
            list(&self.next_extra)
        )
    }

    pub fn decode(s: &str) -> Option<Cursor> {
        let f: Vec<&str> = s.split('.').collect();
        if f.len() != 6 {
            return None;
        }
        let c = Cursor {
            xid: f[0].parse().ok()?,
            version: f[1].parse().ok()?,
            floor: f[2].parse().ok()?,
            extra: parse_list(f[3])?,
            next_floor: f[4].parse().ok()?,
            next_extra: parse_list(f[5])?,
        };
        (c.version >= 0 && c.extra.len() <= 10_000 && c.next_extra.len() <= 10_000).then_some(c)
    }
}

#[derive(sqlx::FromRow)]
struct ChangeRow {
    entity: String,
    id: Uuid,
    xid: String,
    version: i64,
    deleted: bool,
    data: Option<Value>,
}

pub struct PullPage {
    pub changes: Vec<SyncChange>,
    pub cursor: Cursor,
    pub has_more: bool,
    pub ledger_seq: i64,
}

/// One page of changes after `since`; tasks only of `user_id`.
pub async fn pull(
    conn: &mut PgConnection,
    since: Cursor,
    limit: i64,
    warehouses: Option<&[Uuid]>,
    user_id: Uuid,
) -> Result<PullPage, sqlx::Error> {
    let (next_floor, next_extra) = if since.next_floor == 0 {
        let (xmax, xip): (String, Vec<String>) = sqlx::query_as(
            "SELECT pg_snapshot_xmax(pg_current_snapshot())::text,
                    coalesce((SELECT array_agg(x::text) FROM pg_snapshot_xip(pg_current_snapshot()) x),
                             '{}'::text[])",
        )
        .fetch_one(&mut *conn)
        .await?;
        let mut xip: Vec<u64> = xip.iter().filter_map(|x| x.parse().ok()).collect();
        xip.sort_unstable();
        (xmax.parse::<u64>().unwrap_or(0), xip)
    } else {
        (since.next_floor, since.next_extra.clone())
    };
    let ledger_seq: i64 = sqlx::query_scalar("SELECT coalesce(max(seq), 0) FROM stock_moves")
        .fetch_one(&mut *conn)
        .await?;
    // Each table twice: the listed transactions of the round, and those from its
    // floor on; both are index ranges in (sync_xid, sync_version) order.
    let mut parts: Vec<String> = Vec::new();
    let round = [
        "t.sync_xid = ANY($5::text[]::xid8[])",
        "t.sync_xid >= $6::text::xid8",
    ];
    for cond in round {
        for s in SYNCED {
            parts.push(format!(
                "SELECT '{entity}'::text AS entity, t.id, t.sync_xid, t.sync_version, false AS deleted,
                        to_jsonb(t) - '{{tenant_id,sync_xid,sync_version}}'::text[] AS data
                   FROM {table} t
                  WHERE (t.sync_xid, t.sync_version) > ($1::text::xid8, $2) AND {cond} AND {filter}",
                entity = entity_name(s.entity),
                table = s.table,
                filter = s.filter,
            ));
        }
        parts.push(format!(
            "SELECT t.entity, t.entity_id, t.sync_xid, t.sync_version, true, NULL::jsonb
               FROM sync_tombstones t WHERE (t.sync_xid, t.sync_version) > ($1::text::xid8, $2) AND {cond}"
        ));
    }
    let sql = format!(
        "SELECT entity, id, sync_xid::text AS xid, sync_version AS version, deleted, data FROM (
            {}
         ) c ORDER BY sync_xid, sync_version LIMIT $3",
        parts.join("\n UNION ALL \n")
    );
    let extra: Vec<String> = since.extra.iter().map(u64::to_string).collect();
    let rows: Vec<ChangeRow> = sqlx::query_as(&sql)
        .bind(since.xid.to_string())
        .bind(since.version)
        .bind(limit + 1)
        .bind(warehouses)
        .bind(&extra)
        .bind(since.floor.to_string())
        .bind(user_id)
        .fetch_all(conn)
        .await?;
    let has_more = rows.len() as i64 > limit;
    let rows = &rows[..rows.len().min(limit as usize)];
    let cursor = match (has_more, rows.last()) {
        (true, Some(last)) => Cursor {
            xid: last.xid.parse().unwrap_or(0),
            version: last.version,
            floor: since.floor,
            extra: since.extra.clone(),
            next_floor,
            next_extra,
        },
        // The round is complete: the next one reads what was not yet committed
        // when this round began.
        _ => Cursor {
            xid: 0,
            version: 0,
            floor: next_floor,
            extra: next_extra
                .into_iter()
                .filter(|x| *x >= since.floor || since.extra.contains(x))
                .collect(),
            next_floor: 0,
            next_extra: Vec::new(),
        },
    };
    let changes = rows
        .iter()
        .filter_map(|r| {
            Some(SyncChange {
                entity: entity_from(&r.entity)?,
                id: r.id,
                deleted: r.deleted,
                data: r.data.clone(),
            })
        })
        .collect();
    Ok(PullPage {
        changes,
        cursor,
        has_more,
        ledger_seq,
    })
}
