//! Offline sync wire types: devices, the operation log a phone pushes, per-op
//! results and the pull of changed reference data. The protocol is described in
//! docs/SYNC.md.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Most operations one push may carry.
pub const MAX_PUSH_OPS: usize = 5_000;
/// Most changes one pull page may carry.
pub const MAX_PULL_LIMIT: i64 = 5_000;

/// A registered phone (or other offline client) of one user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Device {
    pub id: Uuid,
    pub user_id: Uuid,
    pub name: String,
    pub platform: Option<String>,
    /// Every `device_seq` from 1 to this one has been received.
    pub acked_seq: i64,
    /// The highest `device_seq` received.
    pub high_seq: i64,
    pub last_push_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DeviceForCreate {
    /// The device may choose its id (so it can be generated offline); registering
    /// the same id again for the same user answers the existing device.
    pub id: Option<Uuid>,
    pub name: String,
    pub platform: Option<String>,
}

/// What an operation does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OpKind {
    /// A stock move (receipt, transfer, issue, adjustment): [`StockMoveOp`].
    StockMove,
    /// A counted quantity in a count session: [`CountLineOp`].
    CountLine,
    /// A picked (or short-picked) pick line: [`PickConfirmOp`].
    PickConfirm,
    /// Goods received against a purchase order line: [`ReceiptLineOp`].
    ReceiptLine,
    /// A transfer shipped or received: [`TransferConfirmOp`].
    TransferConfirm,
    /// A free-text note: [`NoteOp`].
    Note,
}

impl OpKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::StockMove => "stock_move",
            Self::CountLine => "count_line",
            Self::PickConfirm => "pick_confirm",
            Self::ReceiptLine => "receipt_line",
            Self::TransferConfirm => "transfer_confirm",
            Self::Note => "note",
        }
    }
}

/// One entry of a device's append-only operation log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SyncOp {
    /// A UUIDv7 made on the device; the server applies each op_id at most once.
    pub op_id: Uuid,
    pub device_id: Uuid,
    /// 1, 2, 3, … per device, in the order the device recorded its operations.
    pub device_seq: i64,
    pub kind: OpKind,
    /// The kind's payload (see [`OpKind`]).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub payload: serde_json::Value,
    /// When the device recorded it (device clock).
    pub created_at: DateTime<Utc>,
}

/// Payload of `stock_move`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StockMoveOp {
    pub product_id: Uuid,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub qty: Decimal,
    pub uom: Option<String>,
    pub from_location_id: Uuid,
    pub to_location_id: Uuid,
    pub lot: Option<String>,
    pub lot_expiry: Option<NaiveDate>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub unit_cost: Option<Decimal>,
    pub reason: Option<String>,
    pub reference: Option<String>,
}

/// Payload of `count_line`: what the counter found in a bin, against the stock
/// state they were looking at (`based_on_server_seq`, the ledger position of
/// their snapshot). Recounts by the same counter replace their earlier line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CountLineOp {
    pub session_id: Uuid,
    pub location_id: Uuid,
    pub product_id: Uuid,
    pub lot: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub counted_qty: Decimal,
    /// The ledger `seq` the counter's snapshot reflects (from the pull's
    /// `ledger_seq`, or the count session's `snapshot_seq`).
    pub based_on_server_seq: i64,
    /// When the counter counted; the latest count of a counter wins.
    pub counted_at: DateTime<Utc>,
}

/// Payload of `pick_confirm`: the picker scanned the location and the product.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PickConfirmOp {
    pub pick_line_id: Uuid,
    /// The scanned location; must be the line's source location.
    pub location_id: Uuid,
    /// The scanned product; must be the line's product.
    pub product_id: Uuid,
    pub lot: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub picked_qty: Decimal,
    /// Needed when fewer than the line's quantity were picked.
    pub short_reason: Option<String>,
}

/// Payload of `receipt_line`: the receiver scanned a product of a purchase
/// order and counted what arrived. Booked like `POST
/// /api/v1/purchase-orders/{id}/receipts` with this one line, valued at the
/// exchange rate of the day the op was recorded (`created_at`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReceiptLineOp {
    pub purchase_order_id: Uuid,
    /// The order line; when absent, the order's first line of the scanned
    /// product that still has enough open to receive `qty`.
    pub line_id: Option<Uuid>,
    /// The scanned product; must be the line's product.
    pub product_id: Uuid,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub qty: Decimal,
    /// Where the goods were put; defaults to the order's location.
    pub location_id: Option<Uuid>,
    pub lot: Option<String>,
    pub lot_expiry: Option<NaiveDate>,
}

/// What a `transfer_confirm` op confirms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TransferAction {
    /// The goods left the source (`POST /api/v1/transfers/{id}/ship`).
    Ship,
    /// The goods arrived (`POST /api/v1/transfers/{id}/receive`).
    Receive,
}

/// Payload of `transfer_confirm`: a transfer shipped or (partly) received.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TransferConfirmOp {
    pub transfer_id: Uuid,
    pub action: TransferAction,
    /// For `receive`: the lines and quantities that arrived; none means
    /// everything still in transit. Must be empty for `ship`.
    #[serde(default)]
    pub lines: Vec<crate::transfers::TransferReceiveLine>,
}

/// Payload of `note`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NoteOp {
    pub text: String,
    pub subject_type: Option<String>,
    pub subject_id: Option<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SyncPush {
    /// The pushing device; every op must carry the same `device_id`.
    pub device_id: Uuid,
    /// At most 5,000 ops.
    pub ops: Vec<SyncOp>,
}

/// What happened to one op.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OpStatus {
    /// Applied now.
    Applied,
    /// Already received earlier (this push or a previous one); nothing changed.
    Duplicate,
    /// Not applied; `code` says why. Pushing the same op again answers `duplicate`.
    Rejected,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OpResult {
    pub op_id: Uuid,
    pub status: OpStatus,
    /// For `rejected`: a stable error code (`validation_failed`,
    /// `insufficient_stock`, `device_mismatch`, `seq_conflict`, …).
    pub code: Option<String>,
    pub message: Option<String>,
    /// For `duplicate`: how the op fared when first received.
    pub original_status: Option<OpStatus>,
    /// What applying produced, e.g. `{ "move_id": … }`.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub result: Option<serde_json::Value>,
}

/// Device sequence numbers that have not arrived (inclusive range).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SeqGap {
    pub from: i64,
    pub to: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SyncPushResult {
    pub device_id: Uuid,
    /// In the order of the pushed ops.
    pub results: Vec<OpResult>,
    pub applied: i64,
    pub duplicates: i64,
    pub rejected: i64,
    /// The device may forget its ops up to this `device_seq`: all have arrived.
    pub acked_seq: i64,
    pub high_seq: i64,
    /// Sequence numbers below `high_seq` that never arrived.
    pub gaps: Vec<SeqGap>,
}

/// The kinds of rows a pull returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SyncEntity {
    Product,
    Barcode,
    Location,
    Lot,
    Quant,
    CountSession,
    PickList,
    PickLine,
    /// A count session or pick list assigned to the pulling user ([`Task`]).
    Task,
}

/// One changed (or deleted) row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SyncChange {
    pub entity: SyncEntity,
    pub id: Uuid,
    /// The row was deleted: drop it.
    pub deleted: bool,
    /// The row's columns (absent when deleted).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub data: Option<serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SyncPull {
    pub changes: Vec<SyncChange>,
    /// Pass as `since` next time. Opaque.
    pub cursor: String,
    /// More changes are waiting: pull again at once with the new cursor.
    pub has_more: bool,
    /// The newest ledger `seq` when this page was read: the snapshot position a
    /// counter sends as `based_on_server_seq`.
    pub ledger_seq: i64,
}

/// What a task asks the user to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TaskKind {
    /// Count in a count session (`subject_id`).
    CountSession,
    /// Walk a pick list (`subject_id`).
    PickList,
}

/// A count session or pick list assigned to a user; pulled by that user's
/// devices (entity `task`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Task {
    pub id: Uuid,
    pub user_id: Uuid,
    pub kind: TaskKind,
    pub subject_id: Uuid,
    pub warehouse_id: Uuid,
    pub note: Option<String>,
    pub due_at: Option<DateTime<Utc>>,
    pub assigned_by_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

/// Assign a count session or pick list to users.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TaskAssign {
    /// 1–50 users of the tenant; assigning someone again keeps their task.
    pub user_ids: Vec<Uuid>,
    pub note: Option<String>,
    pub due_at: Option<DateTime<Utc>>,
}
