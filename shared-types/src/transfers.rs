//! Transfer documents: stock moved between locations in one step (from → to)
//! or two (from → in transit → to, with partial receipts), with the scan
//! confirmation a handheld records per line.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TransferStatus {
    Draft,
    InTransit,
    PartiallyReceived,
    Done,
    Cancelled,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TransferLine {
    pub id: Uuid,
    pub line_no: i32,
    pub product_id: Uuid,
    pub sku: String,
    pub lot: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub qty: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub shipped_qty: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub received_qty: Decimal,
    /// What was confirmed by scanning, and by whom.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub scanned_qty: Decimal,
    pub scanned_by: Option<Uuid>,
    pub scanned_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Transfer {
    pub id: Uuid,
    pub number: i64,
    /// `TR-000042`, also the reference on the transfer's stock moves.
    pub reference: String,
    pub from_location_id: Uuid,
    pub to_location_id: Uuid,
    /// 1: straight from → to when shipped; 2: through the transit location.
    pub steps: i16,
    pub status: TransferStatus,
    pub notes: Option<String>,
    pub lines: Vec<TransferLine>,
    pub shipped_at: Option<DateTime<Utc>>,
    pub done_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TransferLineForCreate {
    pub product_id: Uuid,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub qty: Decimal,
    pub lot: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TransferForCreate {
    pub from_location_id: Uuid,
    pub to_location_id: Uuid,
    /// 1 or 2 (default 2).
    pub steps: Option<i16>,
    pub notes: Option<String>,
    pub lines: Vec<TransferLineForCreate>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TransferReceiveLine {
    pub line_id: Uuid,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub qty: Decimal,
}

/// Receive some lines, or (with no lines) everything still in transit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TransferReceive {
    #[serde(default)]
    pub lines: Vec<TransferReceiveLine>,
}

/// A handheld confirms a line by scanning; quantities add up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TransferScan {
    pub line_id: Uuid,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub qty: Decimal,
}
