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

/// A tenant's subscription of a URL to event kinds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookSubscription {
    pub id: Uuid,
    pub url: String,
    /// Exact kinds (`stock.moved`), prefixes ending in a dot (`stock.`) or `*` for all.
    pub event_types: Vec<String>,
    pub description: Option<String>,
    pub is_active: bool,
    /// Until then, deliveries are also signed with the previous secret.
    pub previous_secret_until: Option<DateTime<Utc>>,
    /// Failed deliveries in a row; at the threshold the circuit opens.
    pub consecutive_failures: i32,
    /// While set and in the future, nothing is sent to this URL.
    pub circuit_open_until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// Subscribe a URL to event kinds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct WebhookForCreate {
    /// `https://…` (or `http://` for development receivers).
    pub url: String,
    pub event_types: Vec<String>,
    pub description: Option<String>,
}

/// Change a subscription: any field left out stays as it is. Disabling stops new
/// deliveries (pending ones become dead letters, which can be replayed); enabling
/// closes the circuit so deliveries start at once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct WebhookUpdate {
    pub is_active: Option<bool>,
    pub url: Option<String>,
    pub event_types: Option<Vec<String>>,
    pub description: Option<String>,
}

/// A subscription with its signing secret: returned only on creation and rotation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookWithSecret {
    pub subscription: WebhookSubscription,
    /// HMAC-SHA256 key for the `Elevate-Signature` header (`whsec_…`).
    pub secret: String,
}

/// One delivery of one event to one subscription (the delivery log).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookDelivery {
    /// Sent as `Elevate-Delivery`; stable across retries, so receivers dedupe by it.
    pub id: Uuid,
    pub subscription_id: Uuid,
    pub event_id: Uuid,
    pub event_seq: i64,
    pub event_kind: String,
    /// `pending`, `delivered` or `dead` (gave up after the maximum attempts).
    pub status: String,
    pub attempts: i32,
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// HTTP status of the last attempt, if the receiver answered.
    pub last_status_code: Option<i32>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
}

/// Register (or refresh) the push token of one of the caller's devices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DeviceTokenForCreate {
    /// Stable id of the installation; registering again replaces its token.
    pub device_id: String,
    /// `android`, `ios` or `web`.
    pub platform: String,
    /// The FCM registration token.
    pub token: String,
}

/// A registered device (the token itself is not echoed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeviceToken {
    pub id: Uuid,
    pub device_id: String,
    pub platform: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// An in-app notification (also pushed to the user's devices when FCM is configured).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Notification {
    pub id: Uuid,
    /// The event kind it came from, e.g. `approval.requested`.
    pub kind: String,
    pub title: String,
    pub body: String,
    pub event_id: Uuid,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub data: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}
