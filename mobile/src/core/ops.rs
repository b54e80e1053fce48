//! Operations the phone records and later pushes: the device's side of the sync protocol.
//!
//! Every user action (a move, a received line, a counted line, a confirmed pick) becomes
//! one [`Op`] with a client-generated UUIDv7 and a per-device sequence number, committed to
//! the local store before the UI confirms it. The server applies each `op_id` at most once,
//! so pushing the same op again after a crash or a lost response is harmless.
//!
//! The wire shapes ([`Op`], [`PushResult`], [`PullPage`]) are the ones the server's sync
//! protocol defines; this module is the single place the app takes them from, so the
//! rest of the app does not change when they move to `shared-types`.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What an op does; the payload's shape follows from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OpKind {
    StockMove,
    ReceiptLine,
    CountLine,
    PickConfirm,
}

impl OpKind {
    pub const ALL: [OpKind; 4] = [
        OpKind::StockMove,
        OpKind::ReceiptLine,
        OpKind::CountLine,
        OpKind::PickConfirm,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OpKind::StockMove => "stock_move",
            OpKind::ReceiptLine => "receipt_line",
            OpKind::CountLine => "count_line",
            OpKind::PickConfirm => "pick_confirm",
        }
    }

    pub fn parse(s: &str) -> Option<OpKind> {
        OpKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Move stock between two locations (bin to bin, or warehouse to warehouse).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockMovePayload {
    pub product_id: Uuid,
    pub qty: Decimal,
    pub from_location_id: Uuid,
    pub to_location_id: Uuid,
    pub lot: Option<String>,
}

/// One line received against a purchase order into a location; pushed as the protocol's
/// `receipt_line` op, which the server books as a one-line purchase receipt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptLinePayload {
    pub purchase_order_id: Uuid,
    pub line_id: Option<Uuid>,
    pub product_id: Uuid,
    pub qty: Decimal,
    pub to_location_id: Uuid,
    pub lot: Option<String>,
    pub expiry: Option<NaiveDate>,
}

/// What one counter counted of one product in one bin.
///
/// A count is the counter's own observation against the snapshot it saw
/// (`based_on_server_seq`), never a "set on-hand to": the server reconciles counters and
/// moves that happened meanwhile. A recount by the same counter replaces their earlier line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountLinePayload {
    pub session_id: Uuid,
    pub location_id: Uuid,
    pub product_id: Uuid,
    pub lot: Option<String>,
    pub counted_qty: Decimal,
    pub based_on_server_seq: Option<i64>,
    pub recount: bool,
}

/// A pick line confirmed by scanning its location and product; `qty < requested` is a
/// short pick and needs a reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PickConfirmPayload {
    pub pick_list_id: Uuid,
    pub line_id: Uuid,
    pub location_id: Uuid,
    pub product_id: Uuid,
    pub qty: Decimal,
    pub lot: Option<String>,
    pub short_reason: Option<String>,
}

/// A typed action, before it gets its identity in the op log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NewOp {
    StockMove(StockMovePayload),
    ReceiptLine(ReceiptLinePayload),
    CountLine(CountLinePayload),
    PickConfirm(PickConfirmPayload),
}

impl NewOp {
    pub fn kind(&self) -> OpKind {
        match self {
            NewOp::StockMove(_) => OpKind::StockMove,
            NewOp::ReceiptLine(_) => OpKind::ReceiptLine,
            NewOp::CountLine(_) => OpKind::CountLine,
            NewOp::PickConfirm(_) => OpKind::PickConfirm,
        }
    }

    /// The payload as it goes on the wire.
    pub fn payload(&self) -> serde_json::Value {
        let value = match self {
            NewOp::StockMove(p) => serde_json::to_value(p),
            NewOp::ReceiptLine(p) => serde_json::to_value(p),
            NewOp::CountLine(p) => serde_json::to_value(p),
            NewOp::PickConfirm(p) => serde_json::to_value(p),
        };
        // Plain structs of ids, decimals and strings always serialise.
        value.unwrap_or(serde_json::Value::Null)
    }

    /// Reads a stored op back into its typed form.
    pub fn from_parts(
        kind: OpKind,
        payload: &serde_json::Value,
    ) -> Result<NewOp, serde_json::Error> {
        let p = payload.clone();
        Ok(match kind {
            OpKind::StockMove => NewOp::StockMove(serde_json::from_value(p)?),
            OpKind::ReceiptLine => NewOp::ReceiptLine(serde_json::from_value(p)?),
            OpKind::CountLine => NewOp::CountLine(serde_json::from_value(p)?),
            OpKind::PickConfirm => NewOp::PickConfirm(serde_json::from_value(p)?),
        })
    }
}

/// One logged operation, as pushed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Op {
    pub op_id: Uuid,
    pub device_id: Uuid,
    pub device_seq: i64,
    pub kind: OpKind,
    pub payload: serde_json::Value,
    pub created_at: DateTime<Utc>,
}

/// `POST /api/v1/sync/push` body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushRequest {
    pub device_id: Uuid,
    pub ops: Vec<Op>,
}

/// What the server did with one op.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum OpOutcome {
    Applied,
    /// Already applied earlier (a retry after a lost response): as good as applied.
    Duplicate,
    /// Refused; never blocks the other ops. The user fixes or discards it.
    Rejected {
        code: String,
        message: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushResult {
    pub op_id: Uuid,
    #[serde(flatten)]
    pub outcome: OpOutcome,
}

/// `POST /api/v1/sync/push` response: one result per op sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushResponse {
    pub results: Vec<PushResult>,
}

/// One changed reference row from `GET /api/v1/sync/pull`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    /// `product`, `location`, `quant`, `count_session`, `pick_list`, `purchase_order`.
    pub entity: String,
    pub id: String,
    /// `None` when the row was deleted (or left the device's scope).
    pub data: Option<serde_json::Value>,
}

/// A page of changes after a cursor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PullPage {
    pub changes: Vec<Change>,
    pub cursor: String,
    pub has_more: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn payload_round_trips_through_its_kind() {
        let op = NewOp::CountLine(CountLinePayload {
            session_id: Uuid::now_v7(),
            location_id: Uuid::now_v7(),
            product_id: Uuid::now_v7(),
            lot: Some("L1".into()),
            counted_qty: dec("12.5"),
            based_on_server_seq: Some(41),
            recount: false,
        });
        let back = NewOp::from_parts(op.kind(), &op.payload()).unwrap();
        assert_eq!(back, op);
        assert_eq!(OpKind::parse(op.kind().as_str()), Some(OpKind::CountLine));
    }

    #[test]
    fn push_results_read_the_documented_shape() {
        let id = Uuid::now_v7();
        let json = serde_json::json!({"results": [
            {"op_id": id, "status": "applied"},
            {"op_id": id, "status": "duplicate"},
            {"op_id": id, "status": "rejected", "code": "negative_stock", "message": "bin A-1 would go below zero"}
        ]});
        let r: PushResponse = serde_json::from_value(json).unwrap();
        assert_eq!(r.results[0].outcome, OpOutcome::Applied);
        assert_eq!(r.results[1].outcome, OpOutcome::Duplicate);
        assert!(
            matches!(&r.results[2].outcome, OpOutcome::Rejected { code, .. } if code == "negative_stock")
        );
    }
}
