//! Count sessions and pick lists: wire types.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What a count session covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CountKind {
    /// Every product at every location of the warehouse (or of the given locations).
    Full,
    /// The products whose ABC class is due for a count.
    Cycle,
    /// Given locations and/or products.
    Spot,
}

/// How lines of different counters of the same bin combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CountMode {
    /// Counters share a bin between them (split zones): their counts add up.
    Sum,
    /// Every counter counts the whole bin (double-blind): their counts must agree.
    Compare,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CountStatus {
    Open,
    Closed,
}

/// ABC classification basis for cycle counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AbcBasis {
    /// Stock value (on-hand × cost).
    Value,
    /// Number of outgoing moves in the last 90 days.
    Velocity,
}

/// Cycle-count policy: class shares (cumulative, of value or velocity) and how
/// often each class is counted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CyclePolicy {
    pub basis: AbcBasis,
    /// Products making up the first this-many percent are class A (default 80).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub a_share_pct: Option<Decimal>,
    /// … up to this percent class B (default 95); the rest C.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub b_share_pct: Option<Decimal>,
    /// Days between counts per class (defaults 30, 90, 180).
    pub a_every_days: Option<u32>,
    pub b_every_days: Option<u32>,
    pub c_every_days: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CountSessionForCreate {
    pub kind: CountKind,
    pub warehouse_id: Uuid,
    /// Limit to these locations (and what lies under them); empty = the warehouse.
    #[serde(default)]
    pub location_ids: Vec<Uuid>,
    /// Limit to these products; empty = all (spot counts need one of the two lists).
    #[serde(default)]
    pub product_ids: Vec<Uuid>,
    /// Counters do not see expected quantities (default true).
    pub blind: Option<bool>,
    /// Default `compare`.
    pub mode: Option<CountMode>,
    /// A line within this many units of its expected quantity needs no approval.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub tolerance_qty: Option<Decimal>,
    /// … or within this percentage of it.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub tolerance_pct: Option<Decimal>,
    /// For `cycle`: the classification and frequencies (default by value).
    pub cycle: Option<CyclePolicy>,
}

/// A product's ABC class in a cycle count.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AbcAssignment {
    pub product_id: Uuid,
    pub class: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub measure: Decimal,
    pub last_counted: Option<DateTime<Utc>>,
    pub due: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CountSession {
    pub id: Uuid,
    pub kind: CountKind,
    pub status: CountStatus,
    pub blind: bool,
    pub mode: CountMode,
    pub warehouse_id: Uuid,
    pub location_ids: Vec<Uuid>,
    pub product_ids: Vec<Uuid>,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub tolerance_qty: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub tolerance_pct: Decimal,
    /// The ledger position when the session opened.
    pub snapshot_seq: i64,
    /// For cycle counts: each product's class and whether it was due.
    pub abc: Vec<AbcAssignment>,
    pub created_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
}

/// A counted quantity sent through REST (the sync op `count_line` carries the same).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CountLineForCreate {
    pub location_id: Uuid,
    pub product_id: Uuid,
    pub lot: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub counted_qty: Decimal,
    /// The ledger position the counter's view of the stock reflects.
    pub based_on_server_seq: i64,
    /// Defaults to now.
    pub counted_at: Option<DateTime<Utc>>,
}

/// One stored count of one counter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CountEntry {
    pub id: Uuid,
    pub session_id: Uuid,
    pub counter_id: Uuid,
    pub location_id: Uuid,
    pub product_id: Uuid,
    pub lot_id: Option<Uuid>,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub counted_qty: Decimal,
    pub based_on_server_seq: i64,
    pub counted_at: DateTime<Utc>,
}

/// How the counts of one (location, product, lot) reconcile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CountLineState {
    /// The counts give one quantity.
    Agreed,
    /// Double-blind counters disagree: recount.
    Disagree,
    /// Split-zone counters counted at different ledger positions with moves of
    /// this bin in between: their parts cannot be added; recount.
    SnapshotConflict,
    /// The adjustment was posted (or there was nothing to post).
    Posted,
    /// A manager rejected the line (nothing posts); a recount makes it decidable again.
    Rejected,
}

/// A reconciled count line with its variance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CountLine {
    pub location_id: Uuid,
    pub location_path: String,
    pub product_id: Uuid,
    pub lot_id: Option<Uuid>,
    pub state: CountLineState,
    pub counters: i64,
    /// The counted quantity (absent in blind sessions for counters).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub counted_qty: Option<Decimal>,
    /// The ledger's quantity at the counters' snapshot (hidden when blind).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub expected_qty: Option<Decimal>,
    /// counted − expected (hidden when blind).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub variance_qty: Option<Decimal>,
    /// variance × the product's cost (hidden when blind).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub variance_value: Option<Decimal>,
    pub within_tolerance: bool,
    /// The posted adjustment move, once approved.
    pub move_id: Option<Uuid>,
    /// Why and by whom the line was rejected (state `rejected`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejection: Option<CountLineRejection>,
}

/// A manager's rejection of one count line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CountLineRejection {
    pub reason: String,
    pub rejected_by: Uuid,
    /// The rejecting user's display name.
    pub rejected_by_name: Option<String>,
    pub rejected_at: DateTime<Utc>,
}

/// What to do with one count line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CountLineVerdict {
    /// Post the line's adjustment (whatever its tolerance).
    Approve,
    /// Post nothing for the line; `reason` is required and shown to the counter.
    Reject,
}

/// A decision on one count line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CountLineDecision {
    pub location_id: Uuid,
    pub product_id: Uuid,
    #[serde(default)]
    pub lot_id: Option<Uuid>,
    pub decision: CountLineVerdict,
    /// Required when rejecting (1–500 characters).
    #[serde(default)]
    pub reason: Option<String>,
}

/// Decisions on individual count lines, applied together (all or nothing).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CountLineDecisions {
    pub decisions: Vec<CountLineDecision>,
    /// Reason code written on the adjustment moves of approved lines (default
    /// `count_adjustment`).
    #[serde(default)]
    pub reason_code: Option<String>,
}

/// The outcome of per-line decisions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CountLineDecisionResult {
    /// Lines approved and posted now (with their moves).
    pub posted: Vec<CountLine>,
    /// Lines rejected now (nothing posted).
    pub rejected: Vec<CountLine>,
    /// Lines of the session still waiting for a decision or a recount.
    pub pending: Vec<CountLine>,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub adjustment_value: Decimal,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CountSessionDetail {
    pub session: CountSession,
    pub lines: Vec<CountLine>,
}

/// Identifies a count line.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CountLineKey {
    pub location_id: Uuid,
    pub product_id: Uuid,
    pub lot_id: Option<Uuid>,
}

/// Approve variances: lines within tolerance are always included; lines over
/// it only when listed (or with `all_over_tolerance`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CountApproval {
    #[serde(default)]
    pub lines: Vec<CountLineKey>,
    #[serde(default)]
    pub all_over_tolerance: bool,
    /// Reason code written on the adjustment moves (default `count_adjustment`),
    /// e.g. `damaged`, `theft`, `miscount`, `found`.
    pub reason_code: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CountApprovalResult {
    /// Lines posted now (with their moves).
    pub posted: Vec<CountLine>,
    /// Lines still waiting (over tolerance and not listed, or needing a recount).
    pub pending: Vec<CountLine>,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub adjustment_value: Decimal,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PickStatus {
    Open,
    Done,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PickLineStatus {
    Open,
    Picked,
    /// Fewer picked than asked; the rest is a backorder line.
    Short,
    /// What a short pick left to deliver later.
    Backorder,
}

/// One order line to pick.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PickOrderLine {
    pub order_ref: String,
    pub product_id: Uuid,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub qty: Decimal,
}

/// A wave: order lines reserved (earliest expiry, then oldest lot first) and
/// listed in walking order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PickListForCreate {
    pub warehouse_id: Uuid,
    /// Where picked goods go (a packing or output bin).
    pub output_location_id: Uuid,
    pub lines: Vec<PickOrderLine>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PickLine {
    pub id: Uuid,
    pub pick_list_id: Uuid,
    /// Position in the walk (1, 2, …), by location path.
    pub walk_seq: i32,
    pub order_ref: String,
    pub product_id: Uuid,
    pub location_id: Option<Uuid>,
    pub location_path: Option<String>,
    pub lot_id: Option<Uuid>,
    pub lot_code: Option<String>,
    pub lot_expiry: Option<NaiveDate>,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub qty: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub picked_qty: Decimal,
    pub status: PickLineStatus,
    pub short_reason: Option<String>,
    pub move_id: Option<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PickList {
    pub id: Uuid,
    pub warehouse_id: Uuid,
    pub output_location_id: Uuid,
    pub status: PickStatus,
    /// In walking order.
    pub lines: Vec<PickLine>,
    pub created_at: DateTime<Utc>,
}

/// Confirming a pick line through REST (the sync op `pick_confirm` carries the same).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PickConfirm {
    /// The scanned location.
    pub location_id: Uuid,
    /// The scanned product.
    pub product_id: Uuid,
    pub lot: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub picked_qty: Decimal,
    pub short_reason: Option<String>,
}

/// `POST /api/v1/counts/{id}/request-approval`: the counter asks the approvers
/// (holders of `inventory.count.approve`) to approve the session's variances.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CountApprovalRequest {
    pub session_id: Uuid,
    /// Agreed lines not yet posted (what an approval would post).
    pub lines_to_approve: i64,
    /// Of those, the lines over the session's tolerance.
    pub over_tolerance: i64,
    /// Lines that need a recount first (counters disagree or a snapshot conflict).
    pub needs_recount: i64,
    /// Value of the adjustments the approval would post (signed, tenant currency).
    pub variance_value: Decimal,
    /// Sequence number of the `approval.requested` event.
    pub event_seq: i64,
}

/// `POST /api/v1/counts/{id}/reject`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CountRejection {
    /// Why (shown to the counter), e.g. "recount aisle 3".
    pub reason: Option<String>,
}
