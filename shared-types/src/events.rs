//! Domain events / audit trail: wire types.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One entry of a tenant's append-only event log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Event {
    pub id: Uuid,
    /// Gap-free, per-tenant sequence; clients catch up with `since_seq`.
    pub seq: i64,
    /// Dotted kind, e.g. `stock.moved`, `user.created`.
    pub kind: String,
    pub actor_user_id: Option<Uuid>,
    pub request_id: Option<String>,
    pub subject_type: Option<String>,
    pub subject_id: Option<Uuid>,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub data: serde_json::Value,
    pub created_at: DateTime<Utc>,
    /// Hex SHA-256 of this row chained to the previous one.
    pub hash: String,
}

/// Result of checking a tenant's hash chain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChainVerification {
    pub ok: bool,
    pub checked: i64,
    /// The first row that does not verify, if any.
    pub first_bad: Option<ChainBreak>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChainBreak {
    pub seq: i64,
    pub id: Option<Uuid>,
    /// `hash_mismatch` (row edited), `broken_link` (previous row edited or removed) or `gap` (row deleted).
    pub reason: String,
}
